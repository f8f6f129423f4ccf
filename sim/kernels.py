"""The hot kernels of a day, as pure array functions.

Each works on *seller ties*: the ties ``viewer -> seller`` whose target is
a reseller, the only ties that carry ads. Arrays are aligned on those ties
(``st_*``) and indexed per person or per seller where noted. ``xp`` is the
array module (numpy or cupy) and ``draws`` a :class:`sim.backend.Draws`.
None loops in Python over people or ties.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.backend import repeat
from sim.ties import IN_GROUP, MUTED, REMOVED, REPORTED, insert_at

__all__ = ["Exposure", "fill_feeds", "sparse_binomial", "Reactions", "Thresholds",
           "thresholds", "react",
           "purchase_probability", "ration", "ragged_positions", "find_ties"]


@dataclass
class Exposure:
    """What each seller tie carried today (arrays aligned on seller ties)."""

    moments: Any  #: ads seen in Moments
    group: Any  #: ads seen in the seller's group
    direct: Any  #: ads reaching a muted viewer by direct message or group
    lifestyle: Any  #: lifestyle posts seen
    ordinary_seen: float  #: friends' ordinary posts read (expected)
    crowded_out: float  #: friends' ordinary posts not read for lack of attention
    ads_in_feed: float  #: ads read in Moments
    group_seen: float  #: ads seen in groups (the sum of ``group``)
    direct_seen: float  #: ads reaching muted viewers (the sum of ``direct``)
    lifestyle_seen: float  #: lifestyle posts seen (the sum of ``lifestyle``)


def fill_feeds(xp: Any, draws: Any, *, opened: Any, st_viewer: Any, st_slot: Any, st_flags: Any,
               ads: Any, life: Any, group_ads: Any, attention: Any, ordinary_load: Any,
               p_read_group: float, p_direct: float) -> Exposure:
    """Step 2: fill feeds and count what each seller tie carries.

    Each person who opens Moments reads up to ``attention`` items of the
    posts of friends not muted or removed: friends' ordinary posts
    (``ordinary_load``, expected per day) compete with sellers' ads and
    lifestyle posts for that attention (F9), so each item is read with
    probability ``min(1, attention / load)``. Group ads reach members whatever
    their Moments settings, and a muted seller still reaches the viewer by
    direct message or a shared group with probability ``p_direct`` per ad
    (MODEL.md step 4).

    Parameters
    ----------
    opened : bool array (n,)
        Who opens Moments today.
    st_viewer, st_slot, st_flags : arrays aligned on seller ties
        Viewer id, seller slot, and tie flags.
    ads, life, group_ads : int arrays (n_sellers,)
        Today's posts of each seller.
    attention, ordinary_load : float arrays (n,)
    p_read_group, p_direct : float

    Returns
    -------
    Exposure
    """
    n = opened.shape[0]
    m = st_flags.shape[0]
    ads = ads.astype(xp.int32)
    life = life.astype(xp.int32)
    # each channel is one masked comparison of the uint8 flags (the same as
    # _flag_table); then work on the ties each channel reaches only: the binomial
    # draws are made in the same order (by tie) as over all ties
    vis = (((st_flags & _HIDDEN) == 0) & opened[st_viewer]).nonzero()[0]
    vis_viewer = st_viewer[vis]
    vis_slot = st_slot[vis]
    ads_v = ads[vis_slot]
    life_v = life[vis_slot]
    load = xp.bincount(vis_viewer, weights=ads_v + life_v, minlength=n).astype(xp.float32)
    load += ordinary_load
    share = xp.maximum(load, xp.float32(1e-9))
    xp.divide(attention, share, out=share)
    xp.minimum(share, xp.float32(1), out=share)
    reads = load > 0
    reads &= opened
    share *= reads  # 0 for who does not open Moments or has nothing to read
    share_v = share[vis_viewer]
    grp = ((st_flags & _GROUP_BITS) == IN_GROUP).nonzero()[0]  # a member, not removed
    drc = ((st_flags & _DIRECT_BITS) == MUTED).nonzero()[0]  # muted, not removed, no group
    # the four channels' draws, in this order (Moments ads, lifestyle, group, direct)
    (k_m, k_l, k_g, k_d), sums = _binomials_at(xp, draws, m, [
        (vis, ads_v, share_v), (vis, life_v, share_v),
        (grp, group_ads.astype(xp.int32)[st_slot[grp]], p_read_group),
        (drc, ads[st_slot[drc]], p_direct)])
    read_ordinary = ordinary_load * share
    ordinary_seen = float(read_ordinary.sum())
    tmp = ordinary_load * opened
    tmp -= read_ordinary
    crowded = float(tmp.sum())
    return Exposure(k_m, k_g, k_d, k_l, ordinary_seen, crowded, sums[0],
                    group_seen=sums[2], direct_seen=sums[3], lifestyle_seen=sums[1])


def sparse_binomial(xp: Any, draws: Any, n: Any, p: Any, index: Any = None) -> Any:
    """Binomial counts ``Binomial(n[k], p[k])``, drawn only where ``n[k] > 0``.

    Most seller ties carry nothing on a given day (the seller did not post,
    the viewer did not open, the tie is not a group tie), and a binomial draw
    costs tens of nanoseconds even for ``n = 0``; the draws that are made
    have the same distribution.

    Parameters
    ----------
    n : int array (m,)
    p : float, or float array
        The probabilities: ``p[k]``, or ``p[index[k]]`` when ``index`` is given
        (so that only the nonzero entries are gathered).
    index : int array (m,), optional

    Returns
    -------
    int32 array (m,)
    """
    nz = xp.flatnonzero(n != 0)  # (nonzero of a mask is several times faster)
    if index is None and xp.ndim(p) != 0:
        return _binomial_at(xp, draws, n.shape[0], nz, n[nz], p[nz], dense_p=True)
    return _binomial_at(xp, draws, n.shape[0], nz, n[nz], p,
                        None if index is None else index[nz])


def _binomial_at(xp: Any, draws: Any, m: int, at: Any, cnt: Any, p: Any, index: Any = None,
                 dense_p: bool = False) -> Any:
    """:func:`sparse_binomial` for counts ``cnt`` at sorted positions ``at`` of an (m,) result.

    ``p`` is a scalar, ``p[index[k]]`` when ``index`` is given, or already one
    probability per entry of ``at`` when ``dense_p``. Entries with a zero
    count draw nothing (no trial, and a binomial with ``n = 0`` consumes no
    random number), so the draws are those of :func:`sparse_binomial` over
    the nonzero entries only, without compressing the arrays first.
    """
    out = xp.zeros(m, dtype=xp.int32)
    if at.shape[0] == 0:
        return out
    total = int(cnt.sum())
    if total == 0:
        return out
    if xp.ndim(p) == 0:
        pk = p
    else:
        pk = p if index is None else p[index]
    if total <= _BERNOULLI_MEAN * int(xp.count_nonzero(cnt)):
        # few trials each: one uniform per trial beats one binomial per entry
        pt = pk if xp.ndim(pk) == 0 else repeat(xp, pk, cnt)
        hits = xp.zeros(total + 1, dtype=xp.int32)
        xp.cumsum(draws.random(total) < pt, dtype=xp.int32, out=hits[1:])
        ends = hits[xp.cumsum(cnt)]
        ends[1:] -= ends[:-1].copy()
        out[at] = ends
    else:
        out[at] = draws.binomial(cnt, pk)
    return out


def _binomials_at(xp: Any, draws: Any, m: int,
                  specs: list[tuple[Any, Any, Any]]) -> tuple[list[Any], list[float]]:
    """Several :func:`_binomial_at` calls in a row, as one pass when all sum Bernoulli trials.

    ``specs`` holds ``(at, cnt, p)`` with ``p`` a scalar or one probability per
    entry. The uniforms of consecutive calls are consecutive in the stream,
    so one pass over all their trials draws the same numbers; if any call
    would use binomial draws, the calls are made one by one. Returns the
    (m,) counts of each call and their sums.
    """
    totals = [int(c.sum()) for _, c, _ in specs]
    if not all(t <= _BERNOULLI_MEAN * int(xp.count_nonzero(c))
               for t, (_, c, _) in zip(totals, specs, strict=True)):
        outs = [_binomial_at(xp, draws, m, at, c, p, dense_p=xp.ndim(p) != 0)
                for at, c, p in specs]
        return outs, [float(o.sum()) for o in outs]
    outs = [xp.zeros(m, dtype=xp.int32) for _ in specs]
    live = [i for i, t in enumerate(totals) if t > 0]
    sums = [0.0] * len(specs)
    if not live:
        return outs, sums
    total = sum(totals)
    u = draws.random(total)
    hit = xp.empty(total, dtype=bool)
    start = 0
    for i in live:
        seg = slice(start, start + totals[i])
        p = specs[i][2]
        # a scalar probability is compared as it is (no per-trial copy of it)
        xp.less(u[seg], repeat(xp, p, specs[i][1]) if xp.ndim(p) else p, out=hit[seg])
        start += totals[i]
    hits = xp.zeros(total + 1, dtype=xp.int32)
    xp.cumsum(hit, dtype=xp.int32, out=hits[1:])
    cnt = xp.concatenate([specs[i][1] for i in live])
    ends = hits[cnt.cumsum()]
    ends[1:] -= ends[:-1].copy()
    off = start = 0
    for i in live:
        k = specs[i][1].shape[0]
        outs[i][specs[i][0]] = ends[off:off + k]
        sums[i] = float(hits[start + totals[i]] - hits[start])
        off += k
        start += totals[i]
    return outs, sums


#: up to this mean number of trials, :func:`sparse_binomial` sums Bernoulli trials
_BERNOULLI_MEAN = 12


#: bits of the flag lookup table :func:`_flag_table`
_VISIBLE, _GROUP, _DIRECT = 1, 2, 4
#: the same channels as masked comparisons: visible when none of ``_HIDDEN`` is set
_HIDDEN = np.uint8(REMOVED | MUTED)
_GROUP_BITS = np.uint8(IN_GROUP | REMOVED)
_DIRECT_BITS = np.uint8(MUTED | REMOVED | IN_GROUP)
_TABLES: dict[str, Any] = {}


def _flag_table(xp: Any) -> Any:
    """``table[flags]``: visible in Moments, reached in a group, reached directly."""
    key = xp.__name__
    if key not in _TABLES:
        f = np.arange(256, dtype=np.uint8)
        removed = (f & REMOVED) != 0
        muted = (f & MUTED) != 0
        group = ((f & IN_GROUP) != 0) & ~removed
        table = (np.where(~removed & ~muted, _VISIBLE, 0) | np.where(group, _GROUP, 0)
                 | np.where(muted & ~removed & ~group, _DIRECT, 0)).astype(np.uint8)
        _TABLES[key] = xp.asarray(table)
    return _TABLES[key]


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
    muter (kind 1) mutes at the mute threshold and escalates to a block at
    ``escalation`` times the block threshold; a blocker (kind 2) blocks at the
    block threshold and never mutes. Anyone may report.

    Parameters
    ----------
    kind, mute_thr, block_thr, report_thr : arrays
        The viewer of each tie: tolerance type and individual thresholds.
    """
    inf = xp.float32(np.inf)
    mute_at = xp.where(kind == 2, inf, mute_thr).astype(xp.float32)
    block_at = xp.where(kind == 2, block_thr,
                        xp.where(kind == 1, block_thr * xp.float32(escalation), inf))
    block_at = block_at.astype(xp.float32)
    report_at = xp.asarray(report_thr, dtype=xp.float32)
    act_at = xp.minimum(xp.minimum(mute_at, block_at), report_at)
    return Thresholds(mute_at, block_at, report_at, act_at)


def react(xp: Any, draws: Any, *, annoyance: Any, st_flags: Any, thr: Thresholds,
          p_report: float) -> Reactions:
    """Step 4: act on annoyance by tolerance type (F8).

    A muter (kind 1) or a tolerant person (kind 0, thresholds already
    raised) mutes once annoyance reaches the mute threshold; a blocker
    (kind 2) blocks or unfriends at the block threshold; a muter escalates to
    a block at ``escalation`` times it (:func:`thresholds`). A muted tie can
    still be blocked. Anyone over the report threshold reports with
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
    c = xp.flatnonzero(annoyance >= thr.act_at)
    a = annoyance[c]
    f = st_flags[c]
    alive = (f & REMOVED) == 0
    block = alive & (a >= thr.block_at[c])
    mute = alive & ((f & MUTED) == 0) & ~block & (a >= thr.mute_at[c])
    over = xp.flatnonzero(alive & ((f & REPORTED) == 0) & (a >= thr.report_at[c]))
    report = over[draws.random(over.shape[0]) < p_report]
    return Reactions(c[mute], c[block], c[report])


def purchase_probability(xp: Any, *, trust: Any, need: Any, appeal: Any, price: Any,
                         annoyance: Any, exposures: Any, p_base: float, reference_price: float,
                         elasticity: float, fatigue: float, price_factor: Any = None) -> Any:
    """Step 3: probability of at least one purchase intent from ``exposures`` ads.

    One ad converts with ``p = p_base * trust * need * appeal *
    (reference_price / price)**elasticity * exp(-fatigue * annoyance)``,
    clipped to [0, 1]; ``k`` ads give ``1 - (1 - p)**k``. ``price_factor``, when
    given, is ``(reference_price / price)**elasticity`` already computed (per
    seller, then gathered: the same numbers without a power per exposure).
    """
    if price_factor is None:
        price_factor = (reference_price / price) ** elasticity
    p = (p_base * trust * need * appeal * price_factor
         * xp.exp(-fatigue * annoyance))
    p = xp.minimum(xp.maximum(p, 0.0), 1.0)  # clip, without np.clip's Python overhead
    return 1.0 - (1.0 - p) ** exposures


def ration(xp: Any, draws: Any, group: Any, amount: Any, capacity: Any) -> Any:
    """Accept requests group by group, in random order, while capacity lasts.

    Parameters
    ----------
    group : int array (m,)
        Group (seller or buyer) of each request.
    amount : array (m,)
        Size of each request.
    capacity : array indexed by group
        What each group can serve.

    Returns
    -------
    bool array (m,)
        Requests accepted: a request is accepted when the running total of
        its group, in random order, stays within capacity.

    Examples
    --------
    >>> import numpy as np
    >>> from sim.backend import Draws
    >>> d = Draws(np, np.random.default_rng(0))
    >>> ok = ration(np, d, np.array([0, 0, 0]), np.array([1, 1, 1]), np.array([2]))
    >>> int(ok.sum())
    2
    """
    m = group.shape[0]
    if m == 0:
        return xp.zeros(0, dtype=bool)
    u = draws.random(m)
    sg = xp.sort(group)
    if m == 1 or not bool((sg[1:] == sg[:-1]).any()):
        # one request per group (the usual case): the order does not matter
        return amount <= capacity[group]
    order = xp.lexsort(xp.stack([u, group]))
    g = group[order]
    a = amount[order]
    csum = xp.cumsum(a)
    first = xp.searchsorted(g, g, side="left")
    before = xp.where(first > 0, csum[first - 1], 0)
    running = csum - before
    ok_sorted = running <= capacity[g]
    ok = xp.zeros(m, dtype=bool)
    ok[order] = ok_sorted
    return ok


def ragged_positions(indptr: Any, rows: Any, xp: Any = np) -> tuple[Any, Any]:
    """Positions of all ties of ``rows`` in a CSR, and which row each came from.

    Returns
    -------
    pos : int64 array
        Concatenated ``indptr[r]:indptr[r+1]`` ranges.
    owner : int64 array
        Index into ``rows`` of each position.
    """
    starts = indptr[rows]
    lens = indptr[rows + 1] - starts
    total = int(lens.sum())
    owner = repeat(xp, xp.arange(rows.shape[0]), lens)
    offsets = lens.cumsum() - lens
    pos = xp.arange(total, dtype=xp.int64) + repeat(xp, (starts - offsets).astype(xp.int64), lens)
    return pos, owner


def find_ties(indptr: Any, indices: Any, i: Any, j: Any, xp: Any = np) -> Any:
    """Positions of ties ``i[k] -> j[k]`` in a CSR with sorted rows; -1 where absent.

    Notes
    -----
    A vectorised bisection inside each row: O(m log max_degree) for m pairs.
    """
    lo = indptr[i].astype(np.int64)
    hi = indptr[i + 1].astype(np.int64)
    end = hi.copy()
    while True:
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) // 2
        mid_c = xp.minimum(mid, indices.shape[0] - 1)
        less = active & (indices[mid_c] < j)
        lo = xp.where(less, mid + 1, lo)
        hi = xp.where(active & ~less, mid, hi)
    found = lo < end
    found[found] = indices[lo[found]] == j[found]
    return xp.where(found, lo, -1)
