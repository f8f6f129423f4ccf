"""Steps 3 and 5 kernels: purchase probability, Bernoulli draws, rationing.

Pure array functions; see :mod:`sim.kernels.feed` for the conventions.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from sim.kernels import jit
from sim.kernels.flags import STRONG

__all__ = ["purchase_probability", "purchase_bound", "purchase_live", "Seen", "seen_ties",
           "bernoulli", "ration"]

#: purchase_live's margin for rounding, bound x [0] + [1]. The probability's factor
#: ``p_base x trust x need`` is computed in float32 (NumPy's rule for a Python float
#: times a float32 array), two roundings of at most 2**-24 each: up to 1.2e-7 above
#: the float64 bound. 1e-6 covers that eight times over.
MARGIN = (1 + 1e-6, 1e-12)


def purchase_probability(xp: Any, *, trust: Any, need: Any, appeal: Any, price: Any,
                         annoyance: Any, exposures: Any, p_base: float, reference_price: float,
                         elasticity: float, fatigue: float, price_factor: Any = None) -> Any:
    """Step 3: probability of at least one purchase intent from ``exposures`` ads.

    One ad converts with ``p = p_base * trust * need * appeal *
    (reference_price / price)**elasticity * exp(-fatigue * annoyance)``,
    clipped to [0, 1]; ``k`` ads give ``1 - (1 - p)**k`` (F14, F15; LIT U7, U8
    for fatigue).

    Parameters
    ----------
    trust, need : float arrays (m,)
        The viewer's trust in the seller and need for the product, in [0, 1].
    appeal : float or float array (m,)
        Multiplier of the seller's strategy (1 for merchants).
    price : float or float array (m,)
        Retail price, RMB.
    annoyance : float32 array (m,)
        The viewer's annoyance with the seller (annoyance units).
    exposures : int array (m,)
        Ads (or pushes) seen today, ``k``.
    p_base : float
        Conversion of one ad at full trust and need, at the reference price.
    reference_price : float
        RMB at which the price factor is 1.
    elasticity, fatigue : float
        Exponent of the price factor; 1/annoyance.
    price_factor : float array (m,), optional
        ``(reference_price / price)**elasticity`` already computed (per
        seller, then gathered: the same numbers without a power per exposure).

    Returns
    -------
    float array (m,)
        Probability of at least one purchase intent today.
    """
    if price_factor is None:
        price_factor = (reference_price / price) ** elasticity
    p = (p_base * trust * need * appeal * price_factor
         * xp.exp(-fatigue * annoyance))
    p = xp.minimum(xp.maximum(p, 0.0), 1.0)  # clip, without np.clip's Python overhead
    return 1.0 - (1.0 - p) ** exposures


def purchase_bound(xp: Any, *, p_max: Any, need: Any, exposures: Any) -> Any:
    """Step 3: an upper bound of :func:`purchase_probability`, cheap to compute.

    ``p_max x need x k``, where ``p_max = p_base x appeal x price_factor x
    boost`` is computed per seller (not clipped to 1 before the need is
    applied, or the bound could fall below a clipped probability): trust and the fatigue
    factor are at most 1, likes multiply the appeal by at most ``boost``
    (``1 + social_proof x social_proof_cap``), and ``1 - (1 - p)**k <= k p``.
    A buy draw at or above the bound cannot form an intent, so the exact
    probability is needed only below it (the decisions are those of computing
    it everywhere; the caller adds a margin for rounding).

    Parameters
    ----------
    p_max : float array (m,)
        Per candidate (gathered from the seller), >= 0.
    need : float array (m,)
        The viewer's need for the seller's category, in [0, 1].
    exposures : int array (m,)
        Ads seen today, ``k``.

    Returns
    -------
    float64 array (m,)
        At least the probability of an intent; may exceed 1.

    Examples
    --------
    >>> float(purchase_bound(np, p_max=np.array([0.1]), need=np.array([0.5]),
    ...                      exposures=np.array([3]))[0])
    0.15000000000000002
    """
    return p_max * need * exposures


def purchase_live(xp: Any, u: Any, *, p_max: Any, slot: Any, need: Any, exposures: Any) -> Any:
    """Step 3: the candidates whose buy draw falls below :func:`purchase_bound` (plus a margin).

    ``flatnonzero(u < bound x (1 + 1e-6) + 1e-12)`` (:data:`MARGIN`) with ``bound =
    purchase_bound(p_max[slot], need, exposures)``: only these can form an
    intent. One compiled pass on NumPy arrays (:mod:`sim.kernels.jit`), else
    the array path.

    Parameters
    ----------
    u : float64 array (m,)
        The candidates' buy draws.
    p_max : float64 array (n_slots,)
        Per seller slot, as for :func:`purchase_bound`.
    slot : int array (m,)
        The candidates' seller slots.
    need : float array (m,)
        The viewer's need for the seller's category.
    exposures : int array (m,)
        Ads seen today.

    Returns
    -------
    int64 array
        Positions among the candidates, increasing.
    """
    scale, add = MARGIN
    if jit.enabled(xp):
        out = np.empty(u.shape[0], np.int64)
        return out[:_live(u, p_max, slot, need, exposures, scale, add, out)]
    bound = purchase_bound(xp, p_max=p_max[slot], need=need, exposures=exposures)
    return xp.flatnonzero(u < bound * scale + add)


@jit.loop
def _live(u: Any, p_max: Any, slot: Any, need: Any, k: Any, scale: float, add: float,
          out: Any) -> int:  # pragma: no cover - compiled; tested against purchase_live
    n = 0
    for i in range(u.shape[0]):
        if u[i] < p_max[slot[i]] * np.float64(need[i]) * np.float64(k[i]) * scale + add:
            out[n] = i
            n += 1
    return n


class Seen(NamedTuple):
    """What :func:`seen_ties` finds on the seller ties (positions increasing)."""

    saw: Any  #: the seller ties that carried ads today
    k: Any  #: ads seen on each (moments + group + direct)
    need: Any  #: the viewer's need for the seller's category, on each
    cand: Any  #: those of ``saw`` whose seller can sell (candidates)
    k_cand: Any  #: ``k`` on each candidate
    need_cand: Any  #: ``need`` on each candidate
    slot_cand: Any  #: the candidate's seller slot
    strong: Any  #: positions among the candidates of those on a strong tie
    life: Any  #: the seller ties that carried lifestyle posts today
    k_life: Any  #: lifestyle posts seen on each


def seen_ties(moments: Any, group: Any, direct: Any, lifestyle: Any, *, st_viewer: Any,
              st_slot: Any, st_flags: Any, need: Any, category: Any, sellable: Any) -> Seen:
    """Step 3: the seller ties that carried ads or lifestyle posts, in one compiled pass.

    NumPy only (:func:`sim.kernels.jit.enabled`). The same arrays as
    :func:`sim.rules.reactions.react`'s array path: ``seen = moments + group +
    direct``, ``saw = flatnonzero(seen != 0)``, the need of each viewer for
    the seller's category, the candidates (``saw`` where ``sellable`` at
    the seller's slot), those on a strong tie, and ``flatnonzero(lifestyle)``.

    Parameters
    ----------
    moments, group, direct, lifestyle : int arrays (m,)
        Today's exposure of each seller tie (:class:`sim.kernels.Exposure`).
    st_viewer, st_slot : int64 arrays (m,)
        The seller ties' viewers and seller slots.
    st_flags : uint8 array (m,)
        The seller ties' flags (a strong tie has the STRONG bit).
    need : float array (n, n_categories)
        Need per person and category (C order).
    category : int array (n_slots,)
        Each seller's category.
    sellable : bool array (n_slots,)
        Sellers that can sell (active, in stock).

    Returns
    -------
    Seen
    """
    m = moments.shape[0]
    saw, life = np.empty(m, np.int64), np.empty(m, np.int64)
    k = np.empty(m, np.result_type(moments, group, direct))
    k_life = np.empty(m, lifestyle.dtype)
    a, f = _seen(moments, group, direct, lifestyle, saw, k, life, k_life)
    saw, k, life, k_life = saw[:a], k[:a], life[:f], k_life[:f]
    flat = need.reshape(-1)
    need_saw, need_cand = np.empty(a, flat.dtype), np.empty(a, flat.dtype)
    cand, slot_cand, strong_cand = (np.empty(a, np.int64) for _ in range(3))
    k_cand = np.empty(a, k.dtype)
    c, s = _candidates(saw, k, st_viewer, st_slot, st_flags, flat, np.int64(need.shape[1]),
                       category, sellable, need_saw, cand, k_cand, need_cand, slot_cand,
                       strong_cand)
    return Seen(saw, k, need_saw, cand[:c], k_cand[:c], need_cand[:c], slot_cand[:c],
                strong_cand[:s], life, k_life)


# (both loops write every element and advance past the kept ones: no branch to mispredict)
@jit.loop
def _seen(moments: Any, group: Any, direct: Any, lifestyle: Any, saw: Any, k: Any, life: Any,
          k_life: Any) -> tuple[int, int]:  # pragma: no cover - compiled; tested in seen_ties
    a = 0
    f = 0
    for j in range(moments.shape[0]):
        x = lifestyle[j]
        life[f] = j
        k_life[f] = x
        f += x != 0
        seen = moments[j] + group[j] + direct[j]
        saw[a] = j
        k[a] = seen
        a += seen != 0
    return a, f


@jit.loop
def _candidates(saw: Any, k: Any, viewer: Any, slot: Any, flags: Any, need: Any, n_cat: Any,
                category: Any, sellable: Any, need_saw: Any, cand: Any, k_cand: Any,
                need_cand: Any, slot_cand: Any,
                strong_cand: Any) -> tuple[int, int]:  # pragma: no cover - compiled
    c = 0
    s = 0
    for i in range(saw.shape[0]):
        j = saw[i]
        sl = slot[j]
        nd = need[viewer[j] * n_cat + category[sl]]
        need_saw[i] = nd
        ok = sellable[sl]
        cand[c] = j
        k_cand[c] = k[i]
        need_cand[c] = nd
        slot_cand[c] = sl
        strong_cand[s] = c
        s += ok & ((flags[j] & STRONG) != 0)
        c += ok
    return c, s


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


def bernoulli(xp: Any, draws: Any, p: Any) -> Any:
    """``rng.binomial(1, p)``, the same numbers from the same stream, vectorised.

    NumPy's binomial (inversion, ``n = 1``) draws nothing where ``p == 0`` and
    otherwise one double ``U``, returning ``U > (1 - p)`` computed as
    ``exp(log(1 - p))`` (with ``p`` and the result flipped when ``p > 0.5``); a
    redraw happens only when ``U`` exceeds ``qn / q``, which is 1 up to rounding.
    ``tests/test_performance_paths.py`` checks equality with ``rng.binomial``.

    Parameters
    ----------
    draws : sim.backend.Draws
    p : float array (m,)
        Probabilities in [0, 1].

    Returns
    -------
    int64 array (m,)
        0 or 1 each.
    """
    p = p.astype(xp.float64)
    out = xp.zeros(p.shape[0], xp.int64)
    nz = xp.flatnonzero(p != 0)
    pz = p[nz]
    low = pz <= 0.5
    qn = xp.exp(xp.log(1.0 - xp.where(low, pz, 1.0 - pz)))
    x = draws.random(nz.shape[0], np.float64) > qn
    out[nz] = xp.where(low, x, ~x)
    return out


@jit.warmer
def _warm() -> None:
    i32, i64 = np.int32, np.int64
    one = np.ones(1, i32)
    z = np.zeros(1, i64)
    seen_ties(one, one, one, one, st_viewer=z, st_slot=z, st_flags=np.full(1, STRONG),
              need=np.ones((1, 1), np.float32), category=z, sellable=np.ones(1, bool))
    purchase_live(np, np.zeros(1), p_max=np.ones(1), slot=z, need=np.ones(1, np.float32),
                  exposures=one)
