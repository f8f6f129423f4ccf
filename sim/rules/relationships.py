"""Step 4, relationships: mutes, blocks and unfriending, reports (ODD step 4; F8, F12, LIT U1).

Each viewer acts on the annoyance of each seller tie by tolerance type (F8):
a tolerant person (thresholds raised) or a muter mutes at the mute
threshold; a blocker blocks or unfriends at the block threshold. A muted
seller still reaches the viewer through a shared group or a direct message
(step 2), and each such ad annoys ``users.annoyance_per_direct`` (step 3);
a muter blocks a seller it muted on an earlier day once annoyance reaches
``users.escalation_factor`` times its mute threshold: an *escalation*,
counted in the day's ``escalations`` (F7, F8). Anyone over the report
threshold reports with probability ``users.p_report`` a day, once per tie
(F12), drawn from the stream ``report``. The decisions are
:func:`sim.kernels.react`.

Friendships also end for reasons other than ads (LIT U1): each person drops
one random friend with probability ``users.p_background_unfriend`` a day
(stream ``churn``); such an unfriending is not an escalation.

A friendship ended with a reseller, by a block or in the background,
counts once in the day's ``blocks_resellers`` and once in that seller's
``friends_lost`` (two resellers blocking each other the same day end one
friendship, counted for one of them); a mute in ``mutes`` and the seller's
``mutes_received``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim import kernels
from sim.backend import to_host
from sim.kernels.reactions import count_at
from sim.state.people import ROLE_RESELLER
from sim.state.ties import MUTED, REMOVED

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

PARAMS = ("users",)
READS = ("ties: seller_annoyance, flags", "seller ties: thresholds")
WRITES = ("state.mute", "state.report", "state.remove_ties",
          "sellers: mutes_received, blocks_received", "model.reports_today",
          "metrics: escalations")
STREAMS = ("report", "churn")


def relate(model: SocialCommerceModel) -> None:
    """Step 4; sets ``model.reports_today`` (reports per seller slot) and the metrics."""
    p = model.params
    state = model.state
    xp = state.xp
    st = state.st
    cols = model.sellers.cols
    d = model.today
    r = kernels.react(xp, model.draws["report"], annoyance=state.ties.seller_annoyance,
                      st_flags=st.flags, thr=st.thr, p_report=p.users.p_report)
    if r.mute.shape[0]:
        state.mute(r.mute, cols["mutes_received"])
    d["mutes"] = float(r.mute.shape[0])
    if r.report.shape[0]:
        state.report(r.report)
        model.reports_today = np.bincount(to_host(st.slot[r.report]),
                                          minlength=model.sellers.size)
    else:
        model.reports_today = np.zeros(model.sellers.size, np.int64)
    d["reports"] = float(r.report.shape[0])
    # (seller ties are sorted by tie id and react() picks alive ones; two resellers
    # blocking each other end one friendship)
    blocked = st.tie[r.block]
    ended = state.remove_ties(blocked, alive_sorted=True, st_pos=r.block)
    pos = r.block if ended.shape[0] == blocked.shape[0] else r.block[
        xp.searchsorted(blocked, ended)]
    # escalations: blocks of ties the viewer had muted (F7, F8; the flags' mirror)
    d["escalations"] = float(xp.count_nonzero(st.flags[pos] & MUTED))
    d["blocks_resellers"] = float(_friends_lost(model, ended, pos))
    _background_churn(model)
    d["blocks"] = d["blocks_resellers"] + d["blocks_others"]


def _background_churn(model: SocialCommerceModel) -> None:
    """Unfriending for reasons other than ads (LIT U1), at ``users.p_background_unfriend``."""
    p = model.params.users.p_background_unfriend
    d = model.today
    d["blocks_others"] = 0.0
    if p <= 0:
        return
    state = model.state
    xp = state.xp
    g = state.dgraph
    draws = model.draws["churn"]
    who = xp.flatnonzero(draws.random(state.graph.n, np.float64) < p)
    deg = g.indptr[who + 1] - g.indptr[who]
    has = deg > 0
    who, deg = who[has], deg[has]
    e = g.indptr[who] + (draws.random(who.shape[0], np.float64) * deg).astype(xp.int64)
    e = kernels.unique_sorted(xp, e[(state.ties.flags[e] & REMOVED) == 0])
    r = g.rev[e]
    e = e[~(kernels.in_sorted(xp, r, e) & (e > r))]  # two friends dropping each other
    to_seller = state.people.role[g.indices[e]] == ROLE_RESELLER
    d["blocks_others"] = float(xp.count_nonzero(~to_seller))
    d["blocks_resellers"] += float(_friends_lost(model, state.remove_ties(e, alive_sorted=True,
                                                                          no_mutual=True)))


def _friends_lost(model: SocialCommerceModel, ended: Any, pos: Any = None) -> int:
    """Count friendships ``ended`` (actor -> target) toward resellers in their ``friends_lost``.

    ``pos``: the positions of ``ended`` among the seller ties, when all are seller ties.
    """
    state = model.state
    st = state.st
    if pos is None:
        ended = ended[state.people.role[state.dgraph.indices[ended]] == ROLE_RESELLER]
        pos = state.xp.searchsorted(st.tie, ended)
    count_at(state.xp, model.sellers.cols["blocks_received"], st.slot, pos)
    return int(pos.shape[0])
