"""Step 2, the feed: who opens Moments, and what each seller tie carries (ODD step 2; F1, F9).

Each person opens Moments with their daily probability ``p_open``. An opener
reads up to ``attention`` items of the posts of friends not muted or removed:
friends' ordinary posts compete with sellers' ads and lifestyle posts for
that attention (F9), so each item is read with probability
``min(1, attention / load)``. Group ads reach the group's members whatever
their Moments settings, each read with probability ``groups.p_read`` (F1);
a muted seller still reaches the viewer by direct message or a shared group
with probability ``groups.p_direct_reach`` per ad. The counting is
:func:`sim.kernels.fill_feeds`. Who opens Moments is drawn from the stream
``open``, what is read (every channel's binomial counts) from ``read``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import kernels
from sim.backend import to_device

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

PARAMS = ("groups",)
READS = ("people: p_open, attention, ordinary_load", "seller ties: viewer, slot, flags",
         "sellers: ads_today, life_today, group_ads_today")
WRITES = ("model.opened",)
STREAMS = ("open", "read")


def fill(model: SocialCommerceModel) -> kernels.Exposure:
    """Step 2; sets the feed metrics and returns today's exposure per seller tie."""
    state = model.state
    pop = state.people
    xp = state.xp
    model.opened = model.draws["open"].random(state.graph.n) < pop.p_open
    t = model.sellers
    gp = model.params.groups
    st = state.st
    exp = kernels.fill_feeds(
        xp, model.draws["read"], opened=model.opened, st_viewer=st.viewer, st_slot=st.slot,
        st_flags=st.flags, ads=to_device(xp, t.ads_today), life=to_device(xp, t.life_today),
        group_ads=to_device(xp, t.group_ads_today), attention=pop.attention,
        ordinary_load=pop.ordinary_load, p_read_group=gp.p_read, p_direct=gp.p_direct_reach)
    d = model.today
    d["openers"] = float(xp.count_nonzero(model.opened))
    d["ads_seen_moments"] = exp.ads_in_feed
    d["ads_seen_group"] = exp.group_seen
    d["ads_seen_direct"] = exp.direct_seen
    d["ads_seen"] = d["ads_seen_moments"] + d["ads_seen_group"] + d["ads_seen_direct"]
    # items read: the ads and lifestyle posts drawn today plus the friends' posts read
    # (an expectation), so the ads' share of it stays in [0, 1]
    items = exp.ads_in_feed + exp.lifestyle_seen + exp.ordinary_seen
    d["feed_items_seen"] = items
    d["ad_share_of_feed"] = exp.ads_in_feed / items if items else float("nan")
    d["ordinary_seen"] = exp.ordinary_seen
    d["ordinary_crowded_out"] = exp.crowded_out
    return exp
