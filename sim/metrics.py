"""What every run reports each day (``docs/ODD.md``, "Observation").

``METRICS`` maps each per-day column to its meaning; the model fills a
fresh :func:`new_day` dict each step and Mesa's DataCollector records it.
A ratio with nothing to divide (no ads seen, no orders, no sellers) is NaN,
never 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.backend import to_device
from sim.kernels import jit
from sim.state.sellers import ACTIVE, BANNED, QUIT
from sim.state.ties import MUTED, REMOVED

__all__ = ["METRICS", "new_day", "observe", "flooders_in_feeds"]

METRICS: dict[str, str] = {
    "ads_posted": "ads posted by resellers in Moments (after the platform's cap)",
    "openers": "people who opened Moments",
    "ads_seen": "ads seen, all channels",
    "ads_seen_moments": "ads read in Moments feeds",
    "ads_seen_group": "ads read in groups",
    "ads_seen_direct": "ads reaching people who muted the seller (direct messages, groups)",
    "feed_items_seen": "feed items read in Moments",
    "ad_share_of_feed": "share of feed items read that are ads",
    "ordinary_seen": "friends' ordinary posts read",
    "ordinary_crowded_out": "friends' ordinary posts not read for lack of attention (F9)",
    "mutes": "ties muted",
    "blocks": "friendships ended by block or unfriend",
    "blocks_resellers": "of which, of a reseller",
    "blocks_others": "of which, of someone else (background churn)",
    "escalations": "blocks of a seller the viewer had muted (mutes that became blocks; F7, F8)",
    "reports": "reports filed (complaints about counterfeits included)",
    "complaints": "of which, complaints about counterfeits by cheated buyers (F12)",
    "bans": "accounts banned",
    "purchases": "orders placed and paid",
    "units_sold": "items sold to people",
    "payment_failures": "purchase intents that failed at payment (F17)",
    "conversion": "resellers' orders per ad seen (orders from pushes excluded)",
    "gmv": "gross merchandise value, all channels (RMB)",
    "gmv_moments": "GMV from Moments ads (RMB)",
    "gmv_groups": "GMV from group ads and direct messages (RMB)",
    "gmv_push": "GMV from public-account pushes (RMB)",
    "gmv_resellers": "GMV of resellers (RMB)",
    "order_value_mean": "mean value of a reseller order (RMB)",
    "buyer_trust_mean": "mean trust of buyers in the reseller they bought from",
    "mean_trust_resellers": "mean trust on ties toward resellers (alive)",
    "mean_trust_friends": "mean trust over all alive ties",
    "mean_trust_merchants": "mean follower trust in merchants",
    "counterfeits_delivered": "counterfeit items delivered",
    "word_of_mouth_warnings": "friends warned by cheated buyers (F16)",
    "recommendations": "friends told about a seller by satisfied buyers (LIT SF9)",
    "obligation_intents": "purchase intents to support a friend on a strong tie (LIT U19)",
    "resellers_active": "resellers active",
    "resellers_quit": "resellers who quit",
    "resellers_banned": "resellers banned",
    "share_resellers_losing": "share of resellers (ever) with negative profit",
    "share_resellers_losing_with_stock": "share of resellers (ever) with negative profit, "
                                         "unsold stock valued at cost",
    "unsold_inventory": "items in resellers' stock",
    "recruits": "new resellers today",
    "quits": "resellers quitting today",
    "wholesale_units": "items bought upstream today",
    "pushes_sent": "public-account pushes delivered",
    "push_opens": "pushes opened",
    "unfollows": "followers lost by merchants",
    "followers": "merchants' followers",
    "largest_component_share": "share of people in the largest connected component",
    "mean_degree": "mean friends per person in the remaining graph",
    "flooder_exposure": "share of today's Moments openers with at least one active flooder "
                        "among their friends, not muted or removed (F10: every feed)",
    "flooders_per_feed_median": "median number of active flooders among the friends (not "
                                "muted or removed) of today's Moments openers, openers with "
                                "none included (F10: one or two)",
}


def new_day() -> dict[str, float]:
    """A zeroed record for one day."""
    return dict.fromkeys(METRICS, 0.0)


def observe(model: Any) -> None:
    """Step 8: the end-of-day state metrics (sellers, trust, followers, the graph)."""
    d = model.today
    t = model.sellers
    state = model.state
    by_status = np.bincount(t.status, minlength=3)
    d["resellers_active"] = float(by_status[ACTIVE])
    d["resellers_quit"] = float(by_status[QUIT])
    d["resellers_banned"] = float(by_status[BANNED])
    d["share_resellers_losing"] = (np.count_nonzero(t.cash < 0) / t.size if t.size
                                   else float("nan"))
    d["share_resellers_losing_with_stock"] = (
        np.count_nonzero(t.cash + t.inventory * t.cost < 0) / t.size if t.size
        else float("nan"))
    d["unsold_inventory"] = float(t.inventory.sum())
    d["wholesale_units"] = float(t.units_bought.sum() - model.units_bought_at_dawn)
    d["gmv"] = d["gmv_resellers"] + d["gmv_push"]
    d["mean_trust_resellers"] = state.mean_trust_resellers()
    xp = state.xp
    fol = [m.f_trust[m.following] for m in model.merchant_list if m.active]
    fol = xp.concatenate(fol) if fol else xp.zeros(0)
    n_fol = int(fol.shape[0])
    d["mean_trust_merchants"] = float(fol.sum() / n_fol) if n_fol else float("nan")
    d["followers"] = float(n_fol)  # (the followers of each merchant, together)
    last = model.day == model.params.run.days - 1
    due = (model.day + 1) % model.params.run.lcc_every_days == 0 or last
    d["mean_trust_friends"] = state.mean_trust_friends()
    d["largest_component_share"] = state.largest_component_share(refresh=due)
    d["mean_degree"] = state.alive_ties / state.graph.n
    counts = flooders_in_feeds(model)
    if counts is None or counts.shape[0] == 0:
        d["flooder_exposure"] = d["flooders_per_feed_median"] = float("nan")
    else:
        d["flooder_exposure"] = float(xp.count_nonzero(counts)) / counts.shape[0]
        d["flooders_per_feed_median"] = float(xp.median(counts))


def flooders_in_feeds(model: Any) -> Any:
    """Active flooders among the friends of each of today's Moments openers (F10).

    A flooder is an active reseller whose strategy is named ``flooder``
    (刷屏王); a friend counts when the opener has neither muted them nor
    lost the friendship. Read at the end of the day (after the day's mutes,
    blocks and bans), by one ``bincount`` of the seller ties by viewer.

    Returns
    -------
    int array (openers,) or None
        Counts, on the model's array backend, in the order of the openers'
        ids; None before the first day (nobody has opened Moments yet).
    """
    opened = getattr(model, "opened", None)
    if opened is None:
        return None
    state = model.state
    xp = state.xp
    t = model.sellers
    n_slots = t.size
    names = [s.name for s in model.strategy_registry]
    flooder = np.zeros(n_slots, bool)
    if n_slots and "flooder" in names:
        code = t.cols["strategy_code"][:n_slots]
        flooder = ((np.asarray(names, object)[code] == "flooder")
                   & (t.cols["status"][:n_slots] == ACTIVE))
    st = state.st
    n = state.graph.n
    if not flooder.any() or st.size == 0:
        return xp.zeros(int(xp.count_nonzero(opened)), xp.int64)
    if jit.enabled(xp):
        per_person = np.zeros(n, np.int64)
        _count_flooders(flooder, st.slot, st.flags, st.viewer, opened, per_person)
        return per_person[opened]
    counted = (to_device(xp, flooder)[st.slot]
               & ((st.flags & (MUTED | REMOVED)) == 0) & opened[st.viewer])
    per_person = xp.bincount(st.viewer[counted], minlength=n)
    return per_person[opened]


_HIDDEN = np.uint8(MUTED | REMOVED)


@jit.loop
def _count_flooders(flooder: Any, slot: Any, flags: Any, viewer: Any, opened: Any,
                    out: Any) -> None:  # pragma: no cover - compiled; tested against the array path
    for j in range(slot.shape[0]):
        if flooder[slot[j]] and (flags[j] & _HIDDEN) == 0 and opened[viewer[j]]:
            out[viewer[j]] += 1


@jit.warmer
def _warm() -> None:
    z = np.zeros(1, np.int64)
    _count_flooders(np.ones(1, bool), z, np.zeros(1, np.uint8), z, np.ones(1, bool), z.copy())
