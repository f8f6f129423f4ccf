"""Recruitment: resellers pitch friends to become their sub-agents (ODD steps 1 and 7; F4).

A pitching seller picks one friend: uniformly when
``resellers.recruit_degree_bias`` is 0 (as in Gastwirth's model of SF8),
else with weight (the friend's number of friends at the start) to the power
of the bias, so that recruitment favours well-connected friends. The
friends are drawn from the ``pitch`` stream, the acceptances from the
``accept`` stream (one stream per decision). The friend considers the offer
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
from sim.kernels import ragged_positions
from sim.state.ties import REMOVED

if TYPE_CHECKING:
    from agents.resellers import Reseller
    from sim.model import SocialCommerceModel

PARAMS = ("resellers",)
READS = ("ties: trust, REMOVED", "people: role", "sellers: person, level, category, price, "
         "cost, base_quality")
WRITES = ("model.pending_recruits", "sellers: recruits (via new resellers)")
STREAMS = ("pitch", "accept")


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


def pitch(model: SocialCommerceModel, slots: np.ndarray) -> None:
    """Sellers ``slots`` each pitch one friend, in one pass (one read of trust).

    Accepted offers are kept in ``model.pending_recruits`` (friend -> upstream).
    The friends are drawn from the ``pitch`` stream, the acceptances from ``accept``.
    """
    if slots.size == 0:
        return
    state = model.state
    g = state.graph
    rng_pitch = model.rngs["pitch"]
    slots = slots[rng_pitch.permutation(slots.size)]  # the order offers are made in
    person = model.sellers.cols["person"][slots]
    lo = g.indptr[person]
    deg = g.indptr[person + 1] - lo
    has = deg > 0
    slots, person, lo, deg = slots[has], person[has], lo[has], deg[has]
    e = pick_friends(model, person, lo, deg, rng_pitch.random(slots.size))
    u = model.rngs["accept"].random(slots.size)
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


def pick_friends(model: SocialCommerceModel, person: np.ndarray, lo: np.ndarray,
                 deg: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The tie each of ``person`` pitches along, by inverse CDF of uniform draws ``x``.

    Bias 0: friend ``floor(x deg)`` of the row. Bias ``b > 0``: friend ``j``
    weighted by ``degree[j] ** b`` (friends at the start), found by a search
    in the cumulative weights of the pitching rows together (O(their friends)).

    Parameters
    ----------
    person, lo, deg : int arrays (m,)
        Pitching people, their CSR row starts and their friend counts (> 0).
    x : float array (m,)
        Uniform draws in [0, 1).

    Returns
    -------
    int64 array (m,)
        Tie ids ``person -> friend``.
    """
    bias = model.params.resellers.recruit_degree_bias
    if bias == 0:
        return lo + (x * deg).astype(np.int64)  # a uniform friend each
    g = model.state.graph
    w = model.caches.get(("degree_weight", bias))
    if w is None:
        w = model.caches[("degree_weight", bias)] = g.degree.astype(np.float64) ** bias
    pos, owner = ragged_positions(g.indptr, person)
    cum = np.cumsum(w[g.indices[pos]])
    start = np.concatenate([[0], np.cumsum(deg)[:-1]])  # each row's first entry in pos
    base = np.where(start > 0, cum[start - 1], 0.0)
    total = cum[start + deg - 1] - base
    k = np.searchsorted(cum, base + x * total, side="right")
    k = np.minimum(np.maximum(k, start), start + deg - 1)  # (rounding at the row ends)
    return pos[k].astype(np.int64)


def join(model: SocialCommerceModel) -> int:
    """Step 7: accepted recruits become resellers; returns how many joined."""
    queued = model.requests.take_pitches()  # (pitches made outside the sellers' turns)
    if queued.size:
        pitch(model, queued)
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
