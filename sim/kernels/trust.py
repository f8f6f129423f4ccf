"""Steps 3 and 5 kernels: trust as evidence, ad and lifestyle evidence, social proof.

Pure array functions; see :mod:`sim.kernels.feed` for the conventions. Trust
toward a reseller is the expectation of a Beta reputation (A. Jøsang and
R. Ismail 2002, LIT U16) with a prior of weight ``w`` at the tie's starting
trust ``t0``: ``trust = (w t0 + good) / (w + good + bad)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.kernels import jit
from sim.kernels.arrays import ragged_positions
from sim.kernels.flags import BOUGHT, REMOVED

__all__ = ["beta_trust", "ad_evidence", "lifestyle_evidence", "mutual_buyers"]


def beta_trust(xp: Any, prior: Any, good: Any, bad: Any, weight: float) -> Any:
    """Trust from evidence: ``(w t0 + good) / (w + good + bad)``, float32 (LIT U16).

    Parameters
    ----------
    prior : float32 array (m,)
        Starting trust ``t0`` in [0, 1].
    good, bad : float32 arrays (m,)
        Evidence for and against (pseudo-observations, >= 0).
    weight : float
        ``trust.prior_weight``, ``w > 0``.

    Returns
    -------
    float32 array (m,)
        Trust in [0, 1]; ``t0`` when there is no evidence.

    Examples
    --------
    >>> f = np.float32
    >>> float(beta_trust(np, np.array([f(0.5)]), np.array([f(0)]), np.array([f(10)]), 10.0)[0])
    0.25
    """
    w = np.float32(weight)
    t = (w * prior + good) / (w + good + bad)
    return xp.minimum(xp.maximum(t, np.float32(0)), np.float32(1)).astype(xp.float32)


def ad_evidence(xp: Any, k: Any, need: Any, *, per_ad: float, off_need: float,
                repetition: float) -> Any:
    """Step 3: bad evidence (before negativity) from ``k`` ads of one seller read today.

    ``per_ad x k x (1 + off_need x (1 - need)) x (1 + repetition x (k - 1))``:
    each ad read is weak bad evidence (persuasion knowledge, LIT U18),
    stronger off the reader's need and when the seller repeats itself the
    same day (LIT U7).

    Parameters
    ----------
    k : int array (m,)
        Ads of the seller read today, all channels (>= 1).
    need : float array (m,)
        The reader's need for the seller's category, in [0, 1].
    per_ad, off_need, repetition : float
        ``trust.bad_per_ad``, ``trust.off_need_weight``, ``trust.repetition_weight``.

    Returns
    -------
    float32 array (m,)

    Examples
    --------
    >>> round(float(ad_evidence(np, np.array([2]), np.array([0.5]), per_ad=0.1, off_need=1.0,
    ...                         repetition=0.5)[0]), 6)
    0.45
    """
    k = k.astype(xp.float32)
    out = (np.float32(per_ad) * k * (1 + np.float32(off_need) * (1 - need.astype(xp.float32)))
           * (1 + np.float32(repetition) * (k - 1)))
    return out.astype(xp.float32)


def lifestyle_evidence(xp: Any, k: Any, *, per_post: float, cap: float) -> Any:
    """Step 3: good evidence from ``k`` lifestyle posts read today, saturating at ``cap``.

    ``cap x (1 - exp(-k x per_post / cap))``: about ``per_post`` a post for
    the first few, never more than ``cap`` a day (F10; an assumption).

    Examples
    --------
    >>> round(float(lifestyle_evidence(np, np.array([1000]), per_post=0.02, cap=0.05)[0]), 6)
    0.05
    """
    c = np.float32(cap)
    return (c * (1 - xp.exp(-k.astype(xp.float32) * np.float32(per_post) / c))).astype(
        xp.float32)


def mutual_buyers(xp: Any, indptr: Any, indices: Any, flags: Any, trust: Any, *,
                  st_tie: Any, st_viewer: Any, st_slot: Any, st_flags: Any, st_prior: Any,
                  seller_person: Any, viewer: Any, slot: Any, cap: int) -> Any:
    """Step 3: for each (viewer, seller slot), the viewer's friends who bought and liked it.

    A friend ``f`` counts when ``f``'s tie to the seller is alive, marked
    BOUGHT, and holds trust at least its starting trust (a satisfied buyer
    likes the seller's posts; a cheated one does not), and the friendship
    ``f - viewer`` is alive. ``f`` is then a friend of both, and ``f``'s like
    under the seller's post is one the viewer sees (WeChat shows likes and
    comments to mutual friends only; F5). Computed from the viewers' side:
    each pair's alive friends are looked up among the liked seller ties,
    whose keys ``(buyer, seller person)`` are sorted already (the seller ties
    are sorted by tie id, that is by viewer and then by target). Work: the
    asked viewers' degrees.

    Parameters
    ----------
    indptr, indices, flags, trust : arrays
        The friend graph's CSR (rows sorted), the tie flags and the tie trust.
    st_tie, st_viewer, st_slot, st_flags, st_prior : arrays (m,)
        The seller ties, sorted by tie id: tie id, viewer, seller slot, flags
        and starting trust.
    seller_person : int array (n_slots,)
        The person of each seller slot (a person holds at most one slot).
    viewer, slot : int arrays (k,)
        The pairs asked about (person id, seller slot).
    cap : int
        At most this many count (``purchase.social_proof_cap``).

    Returns
    -------
    int64 array (k,)
    """
    k = viewer.shape[0]
    liked = xp.flatnonzero((st_flags & (BOUGHT | REMOVED)) == BOUGHT)
    liked = liked[trust[st_tie[liked]] >= st_prior[liked]]
    if k == 0 or cap <= 0 or liked.shape[0] == 0:
        return xp.zeros(k, xp.int64)
    n = np.int64(indptr.shape[0] - 1)
    # (buyer, seller person): sorted, since the seller ties are sorted by tie id
    keys = (st_viewer[liked].astype(xp.int64) * n
            + seller_person[st_slot[liked]].astype(xp.int64))
    pos, owner = ragged_positions(indptr, viewer, xp)  # ties viewer -> friend
    alive = (flags[pos] & REMOVED) == 0  # (REMOVED is set on both sides of a friendship)
    pos, owner = pos[alive], owner[alive]
    q = indices[pos].astype(xp.int64) * n + seller_person[slot[owner]].astype(xp.int64)
    at = xp.minimum(xp.searchsorted(keys, q), keys.shape[0] - 1)
    hit = keys[at] == q
    count = xp.bincount(owner[hit], minlength=k)
    return xp.minimum(count, cap).astype(xp.int64)


@jit.loop
def _beta_trust_into(prior: Any, good: Any, bad: Any, w: Any, tie: Any, trust: Any,
                     new: Any) -> None:  # pragma: no cover - compiled; tested against beta_trust
    zero = np.float32(0)
    one = np.float32(1)
    for j in range(prior.shape[0]):
        t = (w * prior[j] + good[j]) / (w + good[j] + bad[j])
        t = max(t, zero)
        t = min(t, one)
        new[j] = t
        trust[tie[j]] = t


def beta_trust_into(xp: Any, prior: Any, good: Any, bad: Any, weight: float, tie: Any,
                    trust: Any) -> Any:
    """:func:`beta_trust` on every seller tie, written to ``trust[tie]`` too; returns it.

    One compiled pass on NumPy arrays (:mod:`sim.kernels.jit`), else the
    array path.

    Parameters
    ----------
    prior, good, bad : float32 arrays (m,)
        As for :func:`beta_trust`.
    weight : float
        ``trust.prior_weight``.
    tie : int64 array (m,)
        The tie id of each seller tie.
    trust : float32 array (n_ties,)
        Trust per tie; written at ``tie``.

    Returns
    -------
    float32 array (m,)
        The new trust per seller tie.
    """
    if not jit.enabled(xp):
        new = beta_trust(xp, prior, good, bad, weight)
        trust[tie] = new
        return new
    new = np.empty(prior.shape[0], np.float32)
    _beta_trust_into(prior, good, bad, np.float32(weight), tie, trust, new)
    return new


@jit.warmer
def _warm() -> None:
    f = np.ones(1, np.float32)
    beta_trust_into(np, f, f, f, 1.0, np.zeros(1, np.int64), np.ones(1, np.float32))
