"""Step 4 kernels: per-tie action thresholds and the day's mutes, blocks and reports (F8).

Pure array functions over seller ties; see :mod:`sim.kernels.feed` for the
conventions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.backend import to_host
from sim.kernels import jit
from sim.kernels.arrays import insert_at
from sim.kernels.flags import MUTED, REMOVED, REPORTED

__all__ = ["Reactions", "Thresholds", "thresholds", "react", "count_at", "or_flags_at",
           "mute_seller_ties", "tie_ends", "drop_mutual", "unlink_ties"]


@dataclass
class Reactions:
    """Step 4 decisions: positions among the seller ties (sorted int arrays)."""

    mute: Any
    block: Any
    report: Any


@dataclass
class Thresholds:
    """Annoyance at which the viewer of each seller tie acts (arrays aligned on ties).

    Built by :func:`thresholds` from the viewer's tolerance type: ``inf``
    where the type never acts that way.
    """

    mute_at: Any
    block_at: Any
    report_at: Any
    act_at: Any  #: the least of the three

    def insert(self, xp: Any, at: Any, other: Thresholds) -> Thresholds:
        """These thresholds with ``other``'s inserted at sorted positions ``at``."""
        return Thresholds(*(insert_at(xp, a, at, b) for a, b in (
            (self.mute_at, other.mute_at), (self.block_at, other.block_at),
            (self.report_at, other.report_at), (self.act_at, other.act_at))))


def thresholds(xp: Any, *, kind: Any, mute_thr: Any, block_thr: Any, report_thr: Any,
               escalation: float) -> Thresholds:
    """Per-tie action thresholds from the viewers' types and thresholds (F8).

    A tolerant person (kind 0, thresholds already raised) only mutes; a
    muter (kind 1) mutes at the mute threshold and, once the tie is muted,
    escalates to a block at ``escalation`` times that mute threshold
    (``users.escalation_factor``; F7, F8); a blocker (kind 2) blocks at the
    block threshold and never mutes. Anyone may report.

    Parameters
    ----------
    kind, mute_thr, block_thr, report_thr : arrays
        The viewer of each tie: tolerance type and individual thresholds.
    """
    inf = xp.float32(np.inf)
    mute_at = xp.where(kind == 2, inf, mute_thr).astype(xp.float32)
    block_at = xp.where(kind == 2, block_thr,
                        xp.where(kind == 1, mute_thr * xp.float32(escalation), inf))
    block_at = block_at.astype(xp.float32)
    report_at = xp.asarray(report_thr, dtype=xp.float32)
    act_at = xp.minimum(xp.minimum(mute_at, block_at), report_at)
    return Thresholds(mute_at, block_at, report_at, act_at)


def react(xp: Any, draws: Any, *, annoyance: Any, st_flags: Any, thr: Thresholds,
          p_report: float) -> Reactions:
    """Step 4: act on annoyance by tolerance type (F8).

    A muter (kind 1) or a tolerant person (kind 0, thresholds already
    raised) mutes once annoyance reaches the mute threshold; a blocker
    (kind 2) blocks or unfriends at the block threshold. A muter blocks only
    a tie it muted on an earlier day (an *escalation*), once annoyance,
    still fed by groups and direct messages, reaches its escalation
    threshold (:func:`thresholds`): a viewer with a finite mute threshold
    blocks only muted ties. Anyone over the report threshold reports with
    probability ``p_report`` a day, once per tie. Only the ties at or over
    their least threshold are examined, and report draws are made for the
    ties over the report threshold only.

    Parameters
    ----------
    annoyance, st_flags : arrays aligned on seller ties
    thr : Thresholds
        The viewers' thresholds, aligned on the same ties.

    Returns
    -------
    Reactions
    """
    if jit.enabled(xp):  # one compiled pass over the seller ties
        m = annoyance.shape[0]
        mute, block, over = (np.empty(m, np.int64) for _ in range(3))
        nm, nb, no = _react_pass(annoyance, st_flags, thr.mute_at, thr.block_at, thr.report_at,
                                 thr.act_at, mute, block, over)
        over = over[:no]
        report = over[draws.random(over.shape[0]) < p_report]
        return Reactions(mute[:nm].copy(), block[:nb].copy(), report)
    c = xp.flatnonzero(annoyance >= thr.act_at)
    a = annoyance[c]
    f = st_flags[c]
    alive = (f & REMOVED) == 0
    # a viewer who mutes (finite mute threshold) blocks only a tie muted before today
    block = alive & (a >= thr.block_at[c]) & (((f & MUTED) != 0) | xp.isinf(thr.mute_at[c]))
    mute = alive & ((f & MUTED) == 0) & ~block & (a >= thr.mute_at[c])
    over = xp.flatnonzero(alive & ((f & REPORTED) == 0) & (a >= thr.report_at[c]))
    report = over[draws.random(over.shape[0]) < p_report]
    return Reactions(c[mute], c[block], c[report])


@jit.loop
def _react_pass(annoyance: Any, flags: Any, mute_at: Any, block_at: Any, report_at: Any,
                act_at: Any, mute: Any, block: Any,
                over: Any) -> tuple[int, int, int]:  # pragma: no cover - compiled; via react
    nm = 0
    nb = 0
    no = 0
    for j in range(annoyance.shape[0]):
        a = annoyance[j]
        if not a >= act_at[j]:
            continue
        f = flags[j]
        if f & REMOVED:
            continue
        muted = (f & MUTED) != 0
        if a >= block_at[j] and (muted or np.isinf(mute_at[j])):
            block[nb] = j
            nb += 1
        elif not muted and a >= mute_at[j]:
            mute[nm] = j
            nm += 1
        if (f & REPORTED) == 0 and a >= report_at[j]:
            over[no] = j
            no += 1
    return nm, nb, no


@jit.loop
def _count_at(pos: Any, key: Any, out: Any) -> None:  # pragma: no cover - compiled; via count_at
    for i in range(pos.shape[0]):
        out[key[pos[i]]] += 1


def count_at(xp: Any, out: Any, key: Any, pos: Any) -> None:
    """``numpy.add.at(out, key[pos], 1)``: count the entries ``pos`` by their key.

    Parameters
    ----------
    out : int64 array (k,)
        Counts, added to in place.
    key : int array (m,)
        The key (an index into ``out``) of each entry, e.g. the seller slot of
        each seller tie.
    pos : int array (p,)
        The entries counted (repeats count again).
    """
    if jit.enabled(xp):
        _count_at(pos, key, out)
    else:
        np.add.at(out, to_host(key[pos]), 1)


@jit.loop
def _or_flags_at(pos: Any, tie: Any, bits: Any, st_flags: Any,
                 tie_flags: Any) -> None:  # pragma: no cover - compiled; via or_flags_at
    for i in range(pos.shape[0]):
        p = pos[i]
        st_flags[p] |= bits
        tie_flags[tie[p]] |= bits


def or_flags_at(xp: Any, pos: Any, tie: Any, bits: int, st_flags: Any, tie_flags: Any) -> None:
    """Set ``bits`` on seller ties ``pos``: in their flags mirror and in the ties' flags.

    Parameters
    ----------
    pos : int array (p,)
        Positions among the seller ties.
    tie : int64 array (m,)
        The tie id of each seller tie.
    bits : int
        Flag bits to set.
    st_flags : uint8 array (m,)
        The seller ties' mirror of the flags.
    tie_flags : uint8 array (ties,)
        The flags of all ties.
    """
    if jit.enabled(xp):
        _or_flags_at(pos, tie, np.uint8(bits), st_flags, tie_flags)
    else:
        tie_flags[tie[pos]] |= bits
        st_flags[pos] |= bits


@jit.loop
def mute_seller_ties(pos: Any, tie: Any, viewer: Any, slot: Any, seller_person: Any, bits: Any,
                     st_flags: Any, tie_flags: Any, load: Any, rate: Any, count: bool,
                     received: Any) -> None:  # pragma: no cover - compiled; via State.mute
    """:meth:`sim.state.State.mute` in one compiled pass (NumPy only).

    Sets ``bits`` on seller ties ``pos`` (mirror and ties' flags) and takes
    each seller's ordinary posting rate off its viewer's load, in the order
    of ``pos`` (as ``numpy.subtract.at``).

    Parameters
    ----------
    pos : int64 array (p,)
        Positions among the seller ties.
    tie, viewer, slot : int64 arrays (m,)
        The seller ties' tie ids, viewers and seller slots.
    seller_person : int64 array (k,)
        The person of each seller slot.
    bits : uint8
        Flag bits to set.
    st_flags, tie_flags : uint8 arrays
        The seller ties' flags mirror and all ties' flags (written).
    load, rate : float32 arrays (n,)
        The people's ordinary load (written) and ordinary posting rate.
    count : bool
        Whether to count the mutes per seller slot in ``received``.
    received : int64 array (k,)
        Mutes per seller slot, added to when ``count``.
    """
    # (in short passes: the gathers from the big arrays overlap better)
    k = pos.shape[0]
    t = np.empty(k, np.int64)
    v = np.empty(k, np.int64)
    s = np.empty(k, np.int64)
    for i in range(k):
        p = pos[i]
        t[i] = tie[p]
        v[i] = viewer[p]
        s[i] = slot[p]
    for i in range(k):
        tie_flags[t[i]] |= bits
    for i in range(k):
        st_flags[pos[i]] |= bits
    for i in range(k):
        load[v[i]] -= rate[seller_person[s[i]]]
    if count:
        for i in range(k):
            received[s[i]] += 1


@jit.loop
def tie_ends(e: Any, rev: Any, indices: Any, r: Any, actor: Any,
             target: Any) -> None:  # pragma: no cover - compiled; via State.remove_ties
    """Reverse ties and both ends of ties ``e`` (actor -> target) (compiled; NumPy only).

    Parameters
    ----------
    e : int64 array (k,)
        Tie ids.
    rev, indices : int arrays (ties,)
        The friend graph's reverse tie and target of each tie.
    r, actor, target : arrays (k,)
        Written: ``rev[e]``, ``indices[rev[e]]``, ``indices[e]``.
    """
    k = e.shape[0]
    for i in range(k):
        r[i] = rev[e[i]]
    for i in range(k):
        target[i] = indices[e[i]]
    for i in range(k):
        actor[i] = indices[r[i]]


@jit.loop
def drop_mutual(e: Any, r: Any, keep: Any) -> int:  # pragma: no cover - compiled
    """Mark the ties of sorted ``e`` whose reverse ``r`` is in ``e`` too and smaller.

    ``keep[i]`` is written False for those (the friendship is ended once,
    by the smaller tie), True for the others: ``~(in_sorted(r, e) & (e > r))``.

    Returns
    -------
    int
        The number of ties marked.
    """
    k = e.shape[0]
    seen = np.zeros(1 << 17, np.uint8)  # a bit per low 20 bits of the ties of ``e``
    for i in range(k):
        v = e[i] & 0xFFFFF
        seen[v >> 3] |= np.uint8(1 << (v & 7))
    n = 0
    for i in range(k):
        b = r[i]
        drop = False
        if e[i] > b:
            v = b & 0xFFFFF
            if seen[v >> 3] & (1 << (v & 7)):  # (searched only where it may be there)
                j = np.searchsorted(e, b)
                drop = j < k and e[j] == b
        keep[i] = not drop
        n += drop
    return n


@jit.loop
def unlink_ties(e: Any, r: Any, actor: Any, target: Any, bits_e: Any, bits_r: Any,
                reseller: Any, role: Any, tie_flags: Any, trust: Any, load: Any, rate: Any,
                trust_e: Any, trust_r: Any, st_e: Any,
                st_r: Any) -> None:  # pragma: no cover - compiled; via State.remove_ties
    """The per-tie writes of :meth:`sim.state.State.remove_ties` (compiled; NumPy only).

    Each side stops seeing the other's ordinary posts unless muted (first
    every actor's load, then every target's, each in the order of ``e``, as
    ``numpy.subtract.at``), loads below zero become zero, ``bits_e`` is set
    on ``e`` and ``bits_r`` on ``r``.

    Parameters
    ----------
    e, r : int64 arrays (k,)
        The ties ended and their reverses (no tie in both).
    actor, target : int arrays (k,)
        The ends of each tie of ``e``.
    bits_e, bits_r : uint8
        Flag bits set on ``e`` and ``r``.
    reseller : uint8
        The reseller role.
    role : uint8 array (n,)
    tie_flags : uint8 array (ties,)
        Read for MUTED, written.
    trust : float32 array (ties,)
    load, rate : float32 arrays (n,)
        The people's ordinary load (written) and ordinary posting rate.
    trust_e, trust_r : float32 arrays (k,)
        Written: ``trust[e]``, ``trust[r]``.
    st_e, st_r : bool arrays (k,)
        Written: whether the target of ``e`` (of ``r``) is a reseller.
    """
    k = e.shape[0]
    fe = np.empty(k, np.uint8)
    fr = np.empty(k, np.uint8)
    for i in range(k):  # (in short passes: the gathers from the big arrays overlap better)
        fe[i] = tie_flags[e[i]]
        trust_e[i] = trust[e[i]]
    for i in range(k):
        fr[i] = tie_flags[r[i]]
        trust_r[i] = trust[r[i]]
    for i in range(k):
        if (fe[i] & MUTED) == 0:
            load[actor[i]] -= rate[target[i]]
    for i in range(k):
        if (fr[i] & MUTED) == 0:
            load[target[i]] -= rate[actor[i]]
    for i in range(k):  # (as load[touched] = maximum(load[touched], 0): -0.0 becomes 0.0)
        if load[actor[i]] <= 0:
            load[actor[i]] = 0
    for i in range(k):
        if load[target[i]] <= 0:
            load[target[i]] = 0
    for i in range(k):
        tie_flags[e[i]] |= bits_e
        st_e[i] = role[target[i]] == reseller
    for i in range(k):
        tie_flags[r[i]] |= bits_r
        st_r[i] = role[actor[i]] == reseller


@jit.warmer
def _warm() -> None:
    f32 = np.ones(1, np.float32)
    i64 = np.zeros(1, np.int64)
    i32 = np.zeros(1, np.int32)
    flags = np.zeros(1, np.uint8)
    yes = np.ones(1, bool)
    one = np.uint8(1)
    _react_pass(f32, flags, f32, f32, f32, f32, i64, i64, i64)
    _count_at(i64, i64, np.zeros(1, np.int64))
    _or_flags_at(i64, i64, one, flags, flags)
    mute_seller_ties(i64, i64, i64, i64, i64, one, flags, flags, f32, f32, False, i64.copy())
    tie_ends(i64, i32, i32, i64, i32.copy(), i32.copy())
    drop_mutual(i64, i64.copy(), yes)
    unlink_ties(i64, i64, i32, i32, one, one, one, flags, flags, f32, f32, f32, f32.copy(),
                f32.copy(), yes, yes.copy())
