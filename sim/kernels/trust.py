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

__all__ = ["beta_trust", "ad_evidence", "lifestyle_evidence", "learn_trust", "mutual_buyers",
           "told_seller_ties"]


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
                repetition: float, negativity: float = 1.0) -> Any:
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
    negativity : float, optional
        ``trust.negativity``: the evidence is multiplied by it (LIT U17).

    Returns
    -------
    float32 array (m,)

    Examples
    --------
    >>> round(float(ad_evidence(np, np.array([2]), np.array([0.5]), per_ad=0.1, off_need=1.0,
    ...                         repetition=0.5)[0]), 6)
    0.45
    """
    if jit.enabled(xp):  # one compiled pass, the same float32 operations
        out = np.empty(k.shape[0], np.float32)
        _ad_evidence(k, need.astype(np.float32, copy=False), np.float32(per_ad),
                     np.float32(off_need), np.float32(repetition), np.float32(negativity), out)
        return out
    k = k.astype(xp.float32)
    out = (np.float32(per_ad) * k * (1 + np.float32(off_need) * (1 - need.astype(xp.float32)))
           * (1 + np.float32(repetition) * (k - 1)))
    out = out.astype(xp.float32)
    return out if negativity == 1 else out * np.float32(negativity)


@jit.loop
def _ad_evidence(k: Any, need: Any, per_ad: Any, off_need: Any, repetition: Any, negativity: Any,
                 out: Any) -> None:  # pragma: no cover - compiled; tested against the array path
    one = np.float32(1)
    for i in range(k.shape[0]):
        x = np.float32(k[i])
        out[i] = (per_ad * x * (one + off_need * (one - need[i]))
                  * (one + repetition * (x - one))) * negativity


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
    if jit.enabled(xp):
        out = np.zeros(k, np.int64)
        if k and cap > 0:
            _mutual_buyers(indptr, indices, flags, trust, st_tie, st_viewer, st_slot, st_flags,
                           st_prior, seller_person, viewer, slot, int(cap),
                           np.int64(indptr.shape[0] - 1), out)
        return out
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


def learn_trust(factor: float, prior: Any, good: Any, bad: Any, weight: float, *, bad_pos: Any,
                bad_add: Any, good_pos: Any, good_add: Any, tie: Any, trust: Any,
                flags: Any) -> Any:
    """A day's evidence and trust on every seller tie, compiled (NumPy only).

    The same bytes as: ``good *= factor; bad *= factor`` (float32),
    ``bad[bad_pos] += bad_add; good[good_pos] += good_add``, then
    :func:`beta_trust` written to ``trust[tie]`` (:meth:`sim.state.State.learn_day`'s
    array path). For :func:`sim.kernels.jit.enabled` NumPy arrays.

    Parameters
    ----------
    factor : float
        ``trust.forgetting``.
    prior, good, bad : float32 arrays (m,)
        The seller ties' starting trust and evidence; ``good`` and ``bad`` are
        updated in place.
    weight : float
        ``trust.prior_weight``.
    bad_pos, good_pos : int arrays
        Positions among the seller ties, each unique.
    bad_add, good_add : float32 arrays
        Evidence added there.
    tie : int64 array (m,)
        The tie id of each seller tie.
    trust : float32 array (n_ties,)
        Trust per tie; written at ``tie``.
    flags : uint8 array (m,)
        The seller ties' flags.

    Returns
    -------
    float32 array
        The new trust of the seller ties not REMOVED, in their order (their
        sum is the caller's, in NumPy).
    """
    out = np.empty(prior.shape[0], np.float32)
    n = _learn(np.float32(factor), np.float32(weight), prior, good, bad, bad_pos,
               bad_add.astype(np.float32, copy=False), good_pos,
               good_add.astype(np.float32, copy=False), tie, trust, flags, out)
    return out[:n]


@jit.loop
def _learn(f: Any, w: Any, prior: Any, good: Any, bad: Any, bad_pos: Any, bad_add: Any,
           good_pos: Any, good_add: Any, tie: Any, trust: Any, flags: Any,
           out: Any) -> int:  # pragma: no cover - compiled; tested against learn_day
    # separate loops: the arithmetic ones vectorise, and no branch stalls the scattered writes
    m = prior.shape[0]
    for j in range(m):
        good[j] *= f
        bad[j] *= f
    for i in range(bad_pos.shape[0]):
        bad[bad_pos[i]] += bad_add[i]
    for i in range(good_pos.shape[0]):
        good[good_pos[i]] += good_add[i]
    zero = np.float32(0)
    one = np.float32(1)
    for j in range(m):
        t = (w * prior[j] + good[j]) / (w + good[j] + bad[j])
        t = max(t, zero)
        out[j] = min(t, one)
    for j in range(m):
        trust[tie[j]] = out[j]
    n = 0
    for j in range(m):  # (in place: the alive ones, in order)
        if (flags[j] & REMOVED) == 0:
            out[n] = out[j]
            n += 1
    return n


@jit.loop
def _mutual_buyers(indptr: Any, indices: Any, flags: Any, trust: Any, st_tie: Any,
                   st_viewer: Any, st_slot: Any, st_flags: Any, st_prior: Any,
                   seller_person: Any, viewer: Any, slot: Any, cap: int, n: int,
                   out: Any) -> None:  # pragma: no cover - compiled; tested through mutual_buyers
    # the liked seller ties, in one pass: their keys (sorted, as the seller ties are) and
    # a mark on each buyer who holds one (few do: most friends are dismissed by the mark)
    m = st_tie.shape[0]
    keys = np.empty(m, np.int64)
    has = np.zeros(n, np.uint8)
    n_liked = 0
    for j in range(m):
        if (st_flags[j] & (BOUGHT | REMOVED)) == BOUGHT and trust[st_tie[j]] >= st_prior[j]:
            keys[n_liked] = st_viewer[j] * n + seller_person[st_slot[j]]
            has[st_viewer[j]] = 1
            n_liked += 1
    if n_liked == 0:
        return
    for i in range(viewer.shape[0]):
        v = viewer[i]
        p = seller_person[slot[i]]
        c = 0
        for t in range(indptr[v], indptr[v + 1]):
            f = indices[t]
            if has[f] == 0 or (flags[t] & REMOVED) != 0:
                continue
            q = f * n + p
            lo = 0
            hi = n_liked
            while lo < hi:  # (searchsorted, left)
                mid = (lo + hi) >> 1
                if keys[mid] < q:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < n_liked and keys[lo] == q:
                c += 1
                if c >= cap:  # (no more count)
                    break
        out[i] = c


@jit.loop
def _alive_count(indptr: Any, flags: Any, rows: Any) -> int:  # pragma: no cover - compiled
    c = 0
    for i in range(rows.shape[0]):
        r = rows[i]
        for t in range(indptr[r], indptr[r + 1]):
            c += (flags[t] & REMOVED) == 0
    return c


@jit.loop
def _told(indptr: Any, indices: Any, rev: Any, flags: Any, trust: Any, st_rows: Any,
          st_flags: Any, st_slot: Any, seller_person: Any, buyers: Any, sellers: Any, u: Any,
          p_tell: float, st_pos: Any, weight: Any) -> int:  # pragma: no cover - compiled
    at = 0
    k = 0
    for i in range(buyers.shape[0]):
        b = buyers[i]
        p = sellers[i]
        for t in range(indptr[b], indptr[b + 1]):
            if (flags[t] & REMOVED) != 0:
                continue
            x = u[at]
            at += 1
            f = indices[t]
            if not x < p_tell or f == p:
                continue
            for j in range(st_rows[f], st_rows[f + 1]):  # f's seller ties: the one to p
                if seller_person[st_slot[j]] == p:
                    if (st_flags[j] & REMOVED) == 0:  # (the mirror of the tie's flags)
                        st_pos[k] = j
                        weight[k] = trust[rev[t]]
                        k += 1
                    break
    return k


def told_seller_ties(indptr: Any, indices: Any, rev: Any, flags: Any, trust: Any, *,
                     st_rows: Any, st_flags: Any, st_slot: Any, seller_person: Any,
                     buyers: Any, sellers: Any, draw: Any, p_tell: float) -> tuple[Any, Any]:
    """Step 5, word of mouth: the seller ties of the friends told about a seller (compiled).

    NumPy only (:func:`sim.kernels.jit.enabled`). Buyer ``buyers[k]`` tells
    each alive friend ``f`` (in the CSR's order) about seller
    ``sellers[k]`` when ``f``'s uniform is below ``p_tell`` and ``f`` is not
    the seller; a friend told who has an alive tie to the seller gives one
    entry: the position of that tie among the seller ties, and ``f``'s trust
    in the buyer. The same entries, in the same order, as
    :meth:`sim.state.core.State.seller_ties_of` on the told pairs, without
    the seller ties' keys or a ``searchsorted``.

    Parameters
    ----------
    indptr, indices, rev, flags, trust : arrays
        The friend graph's CSR (int64 ``indptr``, rows sorted), the reverse
        tie of each tie, the tie flags (uint8) and the tie trust (float32).
    st_rows : int64 array (n + 1,)
        Where each person's seller ties start among the seller ties
        (:func:`sim.kernels.arrays.row_starts` of their viewers).
    st_flags : uint8 array (m,)
        The seller ties' flags (the mirror of ``flags`` at their tie ids).
    st_slot : int64 array (m,)
        The seller ties' seller slots.
    seller_person : int64 array (n_slots,)
        The person of each seller slot.
    buyers, sellers : int64 arrays (k,)
        Who tells, about whom (a person id).
    draw : callable
        ``draw(size)`` returns ``size`` float64 uniforms; called once, with
        the number of alive friends of ``buyers`` (with multiplicity).
    p_tell : float
        Probability of telling a friend.

    Returns
    -------
    st_pos : int64 array (t,)
        Positions among the seller ties (of the ties friend -> seller).
    weight : float32 array (t,)
        The friend's trust in the buyer.
    """
    u = draw(int(_alive_count(indptr, flags, buyers)))
    st_pos = np.empty(u.shape[0], np.int64)
    weight = np.empty(u.shape[0], np.float32)
    k = _told(indptr, indices, rev, flags, trust, st_rows, st_flags, st_slot, seller_person,
              buyers, sellers, u, float(p_tell), st_pos, weight)
    return st_pos[:k], weight[:k]


@jit.warmer
def _warm() -> None:
    f = np.ones(1, np.float32)
    i64, u8, f32 = np.int64, np.uint8, np.float32
    one = np.zeros(1, i64)
    learn_trust(0.9, f, f.copy(), f.copy(), 1.0, bad_pos=one, bad_add=f, good_pos=one,
                good_add=f, tie=one, trust=np.ones(1, f32), flags=np.zeros(1, u8))
    ad_evidence(np, np.ones(1, np.int32), f, per_ad=1.0, off_need=1.0, repetition=1.0,
                negativity=1.0)
    ptr = np.array([0, 1, 2], i64)
    idx = np.array([1, 0], np.int32)
    mutual_buyers(np, ptr, idx, np.zeros(2, u8), np.ones(2, f32), st_tie=one, st_viewer=one,
                  st_slot=one, st_flags=np.full(1, BOUGHT, u8), st_prior=np.zeros(1, f32),
                  seller_person=np.ones(1, i64), viewer=one, slot=one, cap=5)
    told_seller_ties(ptr, idx, np.array([1, 0], np.int32), np.zeros(2, u8), np.ones(2, f32),
                     st_rows=np.array([0, 1, 1], i64), st_flags=np.zeros(1, u8), st_slot=one,
                     seller_person=np.ones(1, i64), buyers=np.array([1], i64),
                     sellers=np.array([0], i64), draw=lambda k: np.zeros(k), p_tell=0.5)
