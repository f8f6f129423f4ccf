"""Steps 3 and 5 kernels: purchase probability, Bernoulli draws, rationing.

Pure array functions; see :mod:`sim.kernels.feed` for the conventions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["purchase_probability", "purchase_bound", "bernoulli", "ration"]


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
