"""Recruitment: resellers pitch friends to become their sub-agents (ODD steps 1 and 7; F4).

A pitching seller picks one friend uniformly. The friend considers the offer
if the friendship is alive, the friend sells nothing and has no offer
pending, and accepts with probability ``resellers.p_accept`` times the
friend's trust in the seller. A friend pitched by several sellers joins the
first who is accepted, in a random order of the sellers (as in a
one-at-a-time loop, where a later offer finds the friend taken).

At the end of the day (step 7) the accepted recruits join: each becomes a
reseller one level below its upstream, with the upstream's strategy,
product line, retail price and base quality, a unit cost raised by
``resellers.markup_per_level``, and ``resellers.starter_stock`` bought
upstream (:mod:`sim.rules.supply`). An offer lapses if the upstream is no
longer active or the friend became a reseller meanwhile.

Pitches made outside the sellers' planning turns (a custom strategy calling
:meth:`agents.resellers.Reseller.pitch`) are queued in :class:`Requests`
and made with the day's other pitches, in one pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.backend import to_device, to_host
from sim.state.ties import REMOVED

if TYPE_CHECKING:
    from agents.resellers import Reseller
    from sim.model import SocialCommerceModel

PARAMS = ("resellers",)
READS = ("ties: trust, REMOVED", "people: role", "sellers: person, level, category, price, "
         "cost, base_quality")
WRITES = ("model.pending_recruits", "sellers: recruits (via new resellers)")
STREAMS = ("sellers",)


class Requests:
    """Requests the agents hand back to the model during a day: today, pitches."""

    def __init__(self) -> None:
        self._pitches: list[int] = []

    def pitch(self, agent: Reseller) -> None:
        """``agent`` pitches a friend today (made with the day's other pitches)."""
        self._pitches.append(agent.slot)

    def take_pitches(self) -> np.ndarray:
        """The seller slots that asked to pitch since the last call (int64 array)."""
        out, self._pitches = np.asarray(self._pitches, np.int64), []
        return out


def pitch(model: SocialCommerceModel, slots: np.ndarray, rng: np.random.Generator) -> None:
    """Sellers ``slots`` each pitch one random friend, in one pass (one read of trust).

    Accepted offers are kept in ``model.pending_recruits`` (friend -> upstream).
    """
    if slots.size == 0:
        return
    state = model.state
    g = state.graph
    slots = slots[rng.permutation(slots.size)]  # the order offers are made in
    person = model.sellers.cols["person"][slots]
    lo = g.indptr[person]
    deg = g.indptr[person + 1] - lo
    has = deg > 0
    slots, lo, deg = slots[has], lo[has], deg[has]
    e = lo + (rng.random(slots.size) * deg).astype(np.int64)  # a uniform friend each
    u = rng.random(slots.size)
    friend = g.indices[e].astype(np.int64)
    ok = ((state.removed_host[e] & REMOVED) == 0) & (state.role_host[friend] == 0)
    if model.pending_recruits:
        ok &= ~np.isin(friend, np.fromiter(model.pending_recruits, np.int64))
    k = np.flatnonzero(ok)
    if k.size == 0:
        return
    trust = to_host(state.ties.trust[to_device(state.xp, g.rev[e[k]].astype(np.int64))])
    k = k[u[k] < model.params.resellers.p_accept * trust.astype(np.float64)]
    first = np.unique(friend[k], return_index=True)[1]  # the first accepted offer
    agents = model.reseller_list
    for f, s in zip(friend[k[first]].tolist(), slots[k[first]].tolist(), strict=True):
        model.pending_recruits[f] = agents[s]


def join(model: SocialCommerceModel) -> int:
    """Step 7: accepted recruits become resellers; returns how many joined."""
    queued = model.requests.take_pitches()  # (pitches made outside the sellers' turns)
    if queued.size:
        pitch(model, queued, model.rngs["sellers"])
    p = model.params.resellers
    ct = model.sellers.cols
    new_slots = []
    for person, up in sorted(model.pending_recruits.items()):
        if model.state.role_host[person] != 0 or not up.active:
            continue
        s = up.slot
        agent = model.add_reseller(
            person, up.strategy, up, int(ct["level"][s]) + 1, int(ct["category"][s]),
            float(ct["price"][s]), float(ct["cost"][s]) * (1 + p.markup_per_level),
            float(ct["base_quality"][s]))
        ct["recruits"][s] += 1
        new_slots.append(agent.slot)
    model.pending_recruits = {}
    model.index_sellers(new_slots)
    return len(new_slots)
