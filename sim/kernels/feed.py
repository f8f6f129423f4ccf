"""Step 2 kernels: fill the feeds, and binomial counts drawn only where there are trials.

Pure array functions (arrays and scalars in, arrays out) over *seller ties*,
the ties ``viewer -> reseller`` that carry ads, with arrays aligned on those
ties (``st_*``) or indexed per person or per seller where noted. ``xp`` is
the array module (NumPy, CuPy or :mod:`sim.strict_xp`) and ``draws`` a
:class:`sim.backend.Draws`. No loop in Python over people or ties.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.backend import repeat
from sim.kernels import jit
from sim.kernels.flags import IN_GROUP, MUTED, REMOVED

__all__ = ["Exposure", "fill_feeds", "sparse_binomial"]

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
    (the model's specification, step 4; ``docs/ODD.md`` §7.2).

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
    if jit.enabled(xp):
        fused = _fill_feeds_compiled(draws, opened, st_viewer, st_slot, st_flags, ads, life,
                                     group_ads.astype(np.int32), attention, ordinary_load,
                                     p_read_group, p_direct)
        if fused is not None:
            return fused
    # each channel is one masked comparison of the uint8 flags (the same as
    # _flag_table); then work on the ties each channel reaches only: the binomial
    # draws are made in the same order (by tie) as over all ties
    vis = (((st_flags & _HIDDEN) == 0) & opened[st_viewer]).nonzero()[0]
    vis_viewer = st_viewer[vis]
    vis_slot = st_slot[vis]
    ads_v = ads[vis_slot]
    life_v = life[vis_slot]
    load = xp.bincount(vis_viewer, weights=ads_v + life_v, minlength=n).astype(xp.float32)
    share = _share(xp, load, attention, ordinary_load, opened)
    share_v = share[vis_viewer]
    grp = ((st_flags & _GROUP_BITS) == IN_GROUP).nonzero()[0]  # a member, not removed
    drc = ((st_flags & _DIRECT_BITS) == MUTED).nonzero()[0]  # muted, not removed, no group
    # the four channels' draws, in this order (Moments ads, lifestyle, group, direct)
    (k_m, k_l, k_g, k_d), sums = _binomials_at(xp, draws, m, [
        (vis, ads_v, share_v), (vis, life_v, share_v),
        (grp, group_ads.astype(xp.int32)[st_slot[grp]], p_read_group),
        (drc, ads[st_slot[drc]], p_direct)])
    return _exposure(k_m, k_l, k_g, k_d, sums, share, opened, ordinary_load)


def _share(xp: Any, load: Any, attention: Any, ordinary_load: Any, opened: Any) -> Any:
    """Each person's chance of reading an item: ``min(1, attention / load)``, 0 if not reading."""
    load += ordinary_load
    share = xp.maximum(load, xp.float32(1e-9))
    xp.divide(attention, share, out=share)
    xp.minimum(share, xp.float32(1), out=share)
    reads = load > 0
    reads &= opened
    share *= reads  # 0 for who does not open Moments or has nothing to read
    return share


def _exposure(k_m: Any, k_l: Any, k_g: Any, k_d: Any, sums: list[float], share: Any,
              opened: Any, ordinary_load: Any) -> Exposure:
    """The :class:`Exposure` of the four channels' counts, with the friends' posts read."""
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


@jit.warmer
def _warm() -> None:
    one = np.ones(1, np.int32)
    at = np.zeros(1, np.int64)
    flags = np.zeros(1, np.uint8)
    fill_feeds(np, _WarmDraws(), opened=np.ones(1, bool), st_viewer=at, st_slot=at, st_flags=flags,
               ads=one, life=one, group_ads=one, attention=np.ones(1, np.float32),
               ordinary_load=np.ones(1, np.float32), p_read_group=0.5, p_direct=0.5)


class _WarmDraws:
    """Zero uniforms, for the warm-up."""

    def random(self, n: int) -> Any:
        return np.zeros(n, np.float32)


def _fill_feeds_compiled(draws: Any, opened: Any, st_viewer: Any, st_slot: Any, st_flags: Any,
                         ads: Any, life: Any, group_ads: Any, attention: Any, ordinary_load: Any,
                         p_read_group: float, p_direct: float) -> Exposure | None:
    """:func:`fill_feeds` in two compiled passes over the seller ties (NumPy only).

    The first pass adds up each reader's load and the four channels' trials;
    the second counts the successes of the same uniforms, in the same order,
    as the array path. Returns None (the caller takes the array path) when a
    channel averages more than ``_BERNOULLI_MEAN`` trials per tie, where the
    array path draws binomials instead.
    """
    n = opened.shape[0]
    load = np.zeros(n, np.float64)
    totals = np.zeros(4, np.int64)
    entries = np.zeros(4, np.int64)
    _feed_totals(opened, st_viewer, st_slot, st_flags, ads, life, group_ads, load, totals,
                 entries)
    if np.any(totals > _BERNOULLI_MEAN * entries):
        return None
    share = _share(np, load.astype(np.float32), attention, ordinary_load, opened)
    m = st_flags.shape[0]
    counts = [np.zeros(m, np.int32) for _ in range(4)]
    total = int(totals.sum())
    u = draws.random(total) if total else np.zeros(0, np.float32)
    dt = u.dtype
    p_group = np.full(1, p_read_group, dtype=np.result_type(dt, p_read_group))
    p_dir = np.full(1, p_direct, dtype=np.result_type(dt, p_direct))
    starts = np.concatenate(([0], np.cumsum(totals)[:-1]))
    hits = np.zeros(4, np.int64)
    _feed_counts(u, starts, opened, st_viewer, st_slot, st_flags, ads, life, group_ads, share,
                 p_group, p_dir, *counts, hits)
    return _exposure(*counts, [float(h) for h in hits], share, opened, ordinary_load)


@jit.loop
def _feed_totals(opened: Any, viewer: Any, slot: Any, flags: Any, ads: Any, life: Any,
                 group_ads: Any, load: Any, totals: Any,
                 entries: Any) -> None:  # pragma: no cover - compiled; tested against fill_feeds
    for j in range(flags.shape[0]):
        f = flags[j]
        s = slot[j]
        if (f & _HIDDEN) == 0 and opened[viewer[j]]:
            a = ads[s]
            b = life[s]
            load[viewer[j]] += a + b
            totals[0] += a
            totals[1] += b
            entries[0] += a != 0
            entries[1] += b != 0
        if (f & _GROUP_BITS) == IN_GROUP:
            c = group_ads[s]
            totals[2] += c
            entries[2] += c != 0
        elif (f & _DIRECT_BITS) == MUTED:
            c = ads[s]
            totals[3] += c
            entries[3] += c != 0


@jit.loop
def _feed_counts(u: Any, starts: Any, opened: Any, viewer: Any, slot: Any, flags: Any, ads: Any,
                 life: Any, group_ads: Any, share: Any, p_group: Any, p_direct: Any, k_m: Any,
                 k_l: Any, k_g: Any, k_d: Any,
                 hits: Any) -> None:  # pragma: no cover - compiled; tested against fill_feeds
    pm, pl, pg, pd = starts[0], starts[1], starts[2], starts[3]
    for j in range(flags.shape[0]):
        f = flags[j]
        s = slot[j]
        if (f & _HIDDEN) == 0 and opened[viewer[j]]:
            p = share[viewer[j]]
            h = 0
            for t in range(pm, pm + ads[s]):
                h += u[t] < p
            pm += ads[s]
            k_m[j] = h
            hits[0] += h
            h = 0
            for t in range(pl, pl + life[s]):
                h += u[t] < p
            pl += life[s]
            k_l[j] = h
            hits[1] += h
        if (f & _GROUP_BITS) == IN_GROUP:
            h = 0
            for t in range(pg, pg + group_ads[s]):
                h += u[t] < p_group[0]
            pg += group_ads[s]
            k_g[j] = h
            hits[2] += h
        elif (f & _DIRECT_BITS) == MUTED:
            h = 0
            for t in range(pd, pd + ads[s]):
                h += u[t] < p_direct[0]
            pd += ads[s]
            k_d[j] = h
            hits[3] += h
