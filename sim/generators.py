"""Friend-graph generators that build CSR adjacency arrays directly with NumPy.

Every generator returns ``(indptr, indices)``: the compressed sparse row (CSR)
form of a simple undirected graph on nodes ``0 .. n-1``, stored as *directed
ties*. Row ``i`` is ``indices[indptr[i]:indptr[i + 1]]``, the friends of
``i`` sorted ascending; the arrays are symmetric (``j`` is in row ``i`` iff
``i`` is in row ``j``) and hold no self-loops and no duplicate ties, so
``indptr[-1]`` is twice the number of friendships. ``indptr`` is ``int64``
and ``indices`` is ``int32`` (node ids below ``2**31``).

Nothing here builds a networkx graph: edges are generated in vectorised
chunks and packed into ``int64`` keys ``(u << 32) | v``, which are sorted
and de-duplicated in place, so that a graph of a million people with a
hundred friends each (1e8 directed ties) is built in seconds in about
1.3 GB. Python loops run over chunks, lattice offsets, tie ranks or node
generations, never over single nodes or edges.

All randomness comes from ``numpy.random.default_rng(seed)``: an ``int``, a
``numpy.random.Generator`` or ``None`` is accepted, and the same seed gives
identical arrays.

Generators
----------
csr_from_edges
    Symmetrise an arbitrary undirected edge list.
watts_strogatz_csr
    Ring lattice with random rewiring (small world).
powerlaw_cluster_csr
    Holme-Kim-like growth: heavy-tailed degrees, clustering tuned by ``p``.
community_csr
    Stochastic-block-like communities with a set share of in-community ties.
wechat_like_csr
    The default: 1-D latent ring with heterogeneous local windows plus
    heavy-tailed Chung-Lu long-range ties.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable

import numpy as np

__all__ = [
    "community_csr",
    "csr_from_edges",
    "powerlaw_cluster_csr",
    "watts_strogatz_csr",
    "wechat_like_csr",
]

#: Largest supported number of nodes: node ids must fit ``int32`` and two ids
#: must pack into one non-negative ``int64`` key.
MAX_NODES = 2**31 - 1

#: Keys pack a tie ``u -> v`` as ``(u << 32) | v`` in one non-negative int64.
_SHIFT = 32
_LOW_MASK = np.int64(0xFFFFFFFF)
#: Position of a key's low 32 bits in its int32 view (0 on little-endian machines).
_LOW = 0 if sys.byteorder == "little" else 1

#: Elements per chunk of temporary arrays (about 16 MB per int64 temporary).
_CHUNK = 1 << 21

#: Upper bound on the sampling rounds used to top up an exact edge count.
_MAX_ROUNDS = 64

#: Log-standard deviation of the lognormal "sociability" of wechat_like_csr.
_SOCIABILITY_SIGMA = 1.0

#: Largest share of local ties wechat_like_csr uses (keeps paths short).
_MAX_LOCAL_SHARE = 0.95

#: Calibration of wechat_like_csr: average clustering coefficient measured at
#: each local-tie share (mean over n = 2e4 with mean degree 20, 100, 200 and
#: n = 1e5 with mean degree 50, 100; 3 seeds each). ``clustering`` is mapped
#: to a local share by linear interpolation in this table.
_CALIB_LOCAL_SHARE = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
_CALIB_CLUSTERING = np.array(
    [0.0, 0.045, 0.101, 0.164, 0.233, 0.308, 0.388, 0.475, 0.568, 0.669, 0.722]
)

Seed = int | np.random.Generator | None


# ---------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------


def _as_int(name: str, value: object, lo: int, hi: int, allowed: str | None = None) -> int:
    """Return ``value`` as an ``int`` in ``[lo, hi]`` or raise ValueError naming it."""
    what = allowed or f"an integer in [{lo}, {hi}]"
    if isinstance(value, bool):
        raise ValueError(f"{name} = {value!r} must be {what}")
    try:
        out = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} = {value!r} must be {what}") from None
    if not lo <= out <= hi:
        raise ValueError(f"{name} = {value!r} must be {what}")
    return out


def _as_float(name: str, value: object, lo: float, hi: float, allowed: str | None = None) -> float:
    """Return ``value`` as a finite ``float`` in ``[lo, hi]`` or raise ValueError naming it."""
    what = allowed or f"a number in [{lo:g}, {hi:g}]"
    if isinstance(value, bool):
        raise ValueError(f"{name} = {value!r} must be {what}")
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} = {value!r} must be {what}") from None
    if not (math.isfinite(out) and lo <= out <= hi):
        raise ValueError(f"{name} = {value!r} must be {what}")
    return out


def _rng(seed: Seed) -> np.random.Generator:
    """``numpy.random.default_rng(seed)``, with a ValueError naming ``seed`` on bad input."""
    if isinstance(seed, bool):
        raise ValueError(f"seed = {seed!r} must be an int >= 0, a numpy.random.Generator or None")
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise ValueError(
            f"seed = {seed!r} must be an int >= 0, a numpy.random.Generator or None"
        ) from None


# ---------------------------------------------------------------------------
# key-based CSR assembly
# ---------------------------------------------------------------------------


def _canonical_keys(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Pack int64 node pairs into keys ``(min << 32) | max``; self-loops are not removed."""
    return (np.minimum(u, v) << _SHIFT) | np.maximum(u, v)


def _compact_inplace(a: np.ndarray, keep: Callable[[np.ndarray, int], np.ndarray]) -> int:
    """Move the kept elements of ``a`` to its front, in order; return how many.

    ``keep(chunk, offset)`` returns a boolean mask of the chunk ``a[offset:offset+len]``.
    Works chunk by chunk, so the only temporaries are chunk-sized.
    """
    w = 0
    for lo in range(0, a.shape[0], _CHUNK):
        c = a[lo:lo + _CHUNK]
        kept = c[keep(c, lo)]  # a copy: safe to write over a[w:], since w <= lo
        a[w:w + kept.shape[0]] = kept
        w += kept.shape[0]
    return w


def _dedupe_sorted_inplace(a: np.ndarray) -> int:
    """Compact the sorted array ``a`` so that ``a[:k]`` holds its distinct values; return k."""
    prev: list[np.int64] = []

    def first_of_run(c: np.ndarray, lo: int) -> np.ndarray:
        m = np.empty(c.shape[0], dtype=bool)
        np.not_equal(c[1:], c[:-1], out=m[1:])
        m[0] = True if not prev else bool(c[0] != prev[0])
        prev[:] = [c[-1]]  # read before the chunk is overwritten
        return m

    return _compact_inplace(a, first_of_run)


def _csr_from_sorted_keys(n: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays from sorted, distinct, contiguous directed keys ``(row << 32) | col``."""
    starts = np.arange(n + 1, dtype=np.int64) << _SHIFT
    indptr = np.searchsorted(keys, starts).astype(np.int64, copy=False)
    indices = keys.view(np.int32)[_LOW::2].copy()  # the low 32 bits of each key
    return indptr, indices


def _finalize(n: int, buf: np.ndarray, m: int, *, distinct: bool) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays from ``m`` keys in ``buf[:m]``, one per undirected tie (either orientation).

    ``buf`` must have room for ``2 * m`` keys: the reversed ties are written to
    ``buf[m:2m]``, everything is sorted in place and (unless ``distinct``)
    de-duplicated, then unpacked. ``buf`` is clobbered.
    """
    for lo in range(0, m, _CHUNK):
        hi = min(m, lo + _CHUNK)
        c = buf[lo:hi]
        buf[m + lo:m + hi] = ((c & _LOW_MASK) << _SHIFT) | (c >> _SHIFT)
    keys = buf[:2 * m]
    keys.sort()
    k = 2 * m if distinct else _dedupe_sorted_inplace(keys)
    return _csr_from_sorted_keys(n, keys[:k])


def _drop_inplace(a: np.ndarray, drop: np.ndarray) -> int:
    """Remove the elements at positions ``drop`` from ``a`` in place, keeping order; new length."""
    keep = np.ones(a.shape[0], dtype=bool)
    keep[drop] = False
    return _compact_inplace(a, lambda c, lo: keep[lo:lo + c.shape[0]])


def _random_subset(rng: np.random.Generator, pop: int, k: int) -> np.ndarray:
    """``k`` distinct indices drawn uniformly from ``range(pop)``, in O(k) memory when k << pop."""
    if k * 4 >= pop:
        return rng.permutation(pop)[:k]
    while True:
        cand = np.unique(rng.integers(0, pop, k + k // 8 + 16))
        if cand.shape[0] >= k:
            return cand[rng.permutation(cand.shape[0])[:k]]


def _fill_unique(
    buf: np.ndarray,
    start: int,
    need: int,
    sample: Callable[[int], np.ndarray],
    rng: np.random.Generator,
    what: str,
) -> None:
    """Write exactly ``need`` distinct canonical keys to ``buf[start:start + need]``.

    ``sample(c)`` makes ``c`` attempts and returns the valid keys among them
    (possibly repeated, but never equal to a key before ``start``). Rounds of
    attempts are sorted and de-duplicated; a surplus is removed uniformly at
    random and a shortfall is topped up by another round.
    """
    filled = 0
    per_key = 1.02  # attempts per new distinct key, learnt from the last round
    for _ in range(_MAX_ROUNDS):
        if filled >= need:
            return
        want = need - filled
        attempts = min(int(want * per_key) + 16, buf.shape[0] - start - filled)
        w = start + filled
        done = 0
        while done < attempts:
            c = min(_CHUNK, attempts - done)
            keys = sample(c)
            buf[w:w + keys.shape[0]] = keys
            w += keys.shape[0]
            done += c
        region = buf[start:w]
        region.sort()
        before = filled
        filled = _dedupe_sorted_inplace(region)
        if filled > need:
            filled = _drop_inplace(region[:filled], _random_subset(rng, filled, filled - need))
        gained = filled - before
        per_key = min(64.0, 1.05 * attempts / max(gained, 1))
    if filled < need:
        raise RuntimeError(
            f"could not place {need} distinct {what} ties after {_MAX_ROUNDS} rounds "
            f"(placed {filled}); the requested graph is too dense"
        )


# ---------------------------------------------------------------------------
# public generators
# ---------------------------------------------------------------------------


def csr_from_edges(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetrise an undirected edge list into CSR arrays.

    Each pair ``(src[e], dst[e])`` is read as an undirected edge. Self-loops
    and repeated edges (in either orientation) are dropped, and each row's
    neighbours are sorted ascending.

    Parameters
    ----------
    n : int
        Number of nodes, ``0 <= n <= 2**31 - 1``; node ids are ``0 .. n-1``.
    src, dst : array_like of int, shape (m,)
        End points of the ``m`` edges. Any integer dtype; an empty list is fine.

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
        Row pointers; ``indptr[-1]`` is twice the number of distinct edges.
    indices : ndarray of int32, shape (indptr[-1],)
        Column indices; row ``i`` is ``indices[indptr[i]:indptr[i + 1]]``.

    Raises
    ------
    ValueError
        If ``n`` is not an integer in range, if ``src`` and ``dst`` are not 1-D
        integer arrays of equal length, or if an id lies outside ``[0, n)``.

    Notes
    -----
    Each edge is packed into two ``int64`` keys ``(u << 32) | v`` (both
    orientations), which are sorted in place, de-duplicated and unpacked.
    Time is O(m log m) for the sort plus O(n + m); memory is 16 bytes per
    input edge for the keys plus 4 bytes per directed tie for ``indices``,
    with other temporaries bounded by the chunk size.

    References
    ----------
    .. [1] SciPy, "scipy.sparse.csr_array": the CSR layout used here.
       https://docs.scipy.org/doc/scipy/reference/generated/scipy.sparse.csr_array.html

    Examples
    --------
    >>> indptr, indices = csr_from_edges(3, [0, 1, 1, 2], [1, 0, 2, 2])
    >>> indptr.tolist(), indices.tolist()
    ([0, 1, 3, 4], [1, 0, 2, 1])
    """
    n = _as_int("n", n, 0, MAX_NODES)
    src_a = np.asarray(src)
    dst_a = np.asarray(dst)
    for name, arr in (("src", src_a), ("dst", dst_a)):
        if arr.ndim != 1:
            raise ValueError(f"{name} has shape {arr.shape}; it must be a 1-D array of node ids")
        if arr.size and arr.dtype.kind not in "iu":
            raise ValueError(f"{name} has dtype {arr.dtype}; node ids must be integers")
    if src_a.shape != dst_a.shape:
        raise ValueError(
            f"src has length {src_a.shape[0]} and dst has length {dst_a.shape[0]}; "
            "they must be equal"
        )
    m = src_a.shape[0]
    for name, arr in (("src", src_a), ("dst", dst_a)):
        if m and (int(arr.min()) < 0 or int(arr.max()) >= n):
            bad = int(arr.min()) if int(arr.min()) < 0 else int(arr.max())
            raise ValueError(f"{name} holds node id {bad}; ids must be in [0, n) = [0, {n})")
    buf = np.empty(2 * m, dtype=np.int64)
    w = 0
    for lo in range(0, m, _CHUNK):
        u = src_a[lo:lo + _CHUNK].astype(np.int64)
        v = dst_a[lo:lo + _CHUNK].astype(np.int64)
        ok = u != v
        keys = _canonical_keys(u[ok], v[ok])
        buf[w:w + keys.shape[0]] = keys
        w += keys.shape[0]
    return _finalize(n, buf, w, distinct=False)


def watts_strogatz_csr(
    n: int, k: int, p: float, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Watts-Strogatz small-world graph as CSR arrays.

    Nodes sit on a ring and each is joined to its ``k / 2`` nearest neighbours
    on either side; then the far end of every lattice edge ``(u, u + j)`` is,
    with probability ``p``, moved to a node drawn uniformly from the others.

    Parameters
    ----------
    n : int
        Number of nodes, ``3 <= n <= 2**31 - 1``.
    k : int
        Lattice degree; even, ``0 <= k < n``.
    p : float
        Rewiring probability in ``[0, 1]``.
    seed : int, numpy.random.Generator or None, optional
        Source of randomness (``numpy.random.default_rng(seed)``).

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (indptr[-1],)
        Symmetric CSR arrays, rows sorted, no self-loops or duplicates.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names it and its value).

    Notes
    -----
    Unlike ``networkx.watts_strogatz_graph``, a rewired end is drawn once and
    never re-drawn: it avoids a self-loop by construction, but when it lands on
    an existing neighbour the duplicate is dropped, so the edge count falls
    short of ``n * k / 2`` by about ``p * k / n`` relative (negligible for
    ``k << n``). Time O(n k log(n k)) (the final sort), peak memory about 12
    bytes per directed tie (the int64 key buffer, then ``indices``).

    References
    ----------
    .. [1] D. J. Watts and S. H. Strogatz, "Collective dynamics of 'small-world'
       networks", Nature 393, 440-442 (1998).
    """
    n = _as_int("n", n, 3, MAX_NODES)
    k = _as_int("k", k, 0, n - 1, allowed=f"even and 0 <= k < n = {n}")
    if k % 2:
        raise ValueError(f"k = {k} must be even and 0 <= k < n = {n}")
    p = _as_float("p", p, 0.0, 1.0)
    rng = _rng(seed)
    half = k // 2
    m = n * half
    buf = np.empty(2 * m, dtype=np.int64)
    w = 0
    for j in range(1, half + 1):  # lattice offsets, each vectorised over nodes
        for lo in range(0, n, _CHUNK):
            u = np.arange(lo, min(n, lo + _CHUNK), dtype=np.int64)
            v = (u + j) % n
            rew = np.flatnonzero(rng.random(u.shape[0]) < p)
            v[rew] = (u[rew] + 1 + rng.integers(0, n - 1, rew.shape[0])) % n  # never u
            buf[w:w + u.shape[0]] = _canonical_keys(u, v)
            w += u.shape[0]
    return _finalize(n, buf, w, distinct=False)


def _repeated_in_rows(targets: np.ndarray) -> np.ndarray:
    """Mask of the entries of each row of ``targets`` equal to an earlier entry of the row.

    Sorts keys ``(row, target, column)`` packed in one int64 (``targets`` are
    node ids below ``2**31``; ``rows * columns <= max(columns, 2**21)``).
    """
    cnt, m = targets.shape
    bits = max(1, (m - 1).bit_length())
    rows = np.arange(cnt, dtype=np.int64)[:, None]
    key = ((((rows << 31) | targets) << bits) | np.arange(m)).ravel()
    key.sort()  # by (row, target, column)
    later = key[1:][(key[1:] >> bits) == (key[:-1] >> bits)]
    rep = np.zeros(cnt * m, dtype=bool)
    rep[(later >> (31 + bits)) * m + (later & ((1 << bits) - 1))] = True
    return rep.reshape(cnt, m)


def powerlaw_cluster_csr(
    n: int, m: int, p: float, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Holme-Kim-like growing graph: heavy-tailed degrees, clustering tuned by ``p``.

    Node ``m`` joins the ``m`` seed nodes ``0 .. m-1``; every later node ``v``
    joins ``m`` distinct earlier nodes. Its first tie goes to a node chosen by
    preferential attachment (probability proportional to degree); each later
    tie is, with probability ``p``, a *triad formation* step that closes a
    triangle with the last preferentially chosen node ``w`` (it goes to a
    neighbour of ``w``), and otherwise another preferential pick. The graph
    has exactly ``m * (n - m)`` ties (mean degree ``2 m (n - m) / n``, about
    ``2 m``) and a power-law degree tail (exponent about 3), so the median
    degree is below the mean; clustering rises with ``p``.

    Parameters
    ----------
    n : int
        Number of nodes, ``2 <= n <= 2**31 - 1``.
    m : int
        Ties added by each new node, ``1 <= m < n``.
    p : float
        Probability of a triad-formation step, in ``[0, 1]``.
    seed : int, numpy.random.Generator or None, optional
        Source of randomness (``numpy.random.default_rng(seed)``).

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (indptr[-1],)
        Symmetric CSR arrays, rows sorted, no self-loops or duplicates.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names it and its value).

    Notes
    -----
    An exact Holme-Kim process is a Python loop over nodes, far too slow at
    1e6. Here nodes join in *generations*: each generation is about 1/16 of
    the nodes so far (one node at a time at first, at most ``2**21 / m``),
    and all its nodes draw their ties at once, vectorised, with a loop over
    the ``m`` tie ranks only. Preferential attachment uses the edge-slot trick
    of Batagelj and Brandes [2]_: tie ``e`` fills slots ``2e`` (its new node)
    and ``2e + 1`` (its target), so a uniformly random slot of an earlier tie
    is a node drawn with probability proportional to its degree.

    How it differs from ``networkx.powerlaw_cluster_graph``:

    * Nodes of one generation attach only to earlier generations, not to each
      other (those young nodes would hold only about 3 % of the attachment
      weight).
    * The first triad step after preferential pick ``w`` (slot ``r``) goes to
      the other end of the tie in slot ``r``, a uniformly random neighbour of
      ``w``, as in [1]_. Further triad steps from the same ``w`` go to ``w``'s
      own earlier targets in turn; they are only possible when ``w`` was
      picked through the slot of a tie ``w`` made itself, otherwise the step
      is a preferential pick instead. networkx draws every triad step
      uniformly from ``w``'s neighbours.
    * A tie that repeats one of the node's earlier ties is re-drawn by
      preferential attachment (networkx re-draws a triad step among the other
      neighbours of ``w`` first).

    The statistics match approximately: same mean and median degree, a
    similar degree tail, and average clustering that rises with ``p`` at a
    similar level. At ``n = 5000`` (seed 1), average clustering for
    ``p = 0, 0.5, 0.9`` was 0.012, 0.25, 0.43 here against 0.008, 0.27, 0.52
    in networkx for ``m = 3``; 0.013, 0.16, 0.35 against 0.011, 0.19, 0.35 for
    ``m = 5``; and 0.020, 0.10, 0.28 against 0.018, 0.11, 0.20 for ``m = 10``.
    Mean and median degrees agree (median 4, 7 and 12 to 14 respectively).

    Time O(n m log(n m)) (the final sort dominates), memory about 12 bytes per
    directed tie at peak (the slot array, then the key buffer and ``indices``).

    References
    ----------
    .. [1] P. Holme and B. J. Kim, "Growing scale-free networks with tunable
       clustering", Phys. Rev. E 65, 026107 (2002).
    .. [2] V. Batagelj and U. Brandes, "Efficient generation of large random
       networks", Phys. Rev. E 71, 036113 (2005).
    """
    n = _as_int("n", n, 2, MAX_NODES)
    m = _as_int("m", m, 1, n - 1, allowed=f"an integer with 1 <= m < n = {n}")
    p = _as_float("p", p, 0.0, 1.0)
    rng = _rng(seed)
    n_ties = m * (n - m)
    buf = np.empty(2 * n_ties, dtype=np.int64)
    # Slots live in the first half of the key buffer: as int64, slot pair (2e, 2e + 1)
    # is already a key for tie e (little-endian: (target << 32) | new node; big-endian:
    # the reverse orientation, which _finalize accepts as well).
    a = buf[:n_ties].view(np.int32)  # slot 2e: new node of tie e; 2e + 1: its target
    a[0:2 * m:2] = m  # node m joins every seed node
    a[1:2 * m:2] = np.arange(m)
    v0 = m + 1
    while v0 < n:
        cnt = min(n - v0, max(1, v0 // 16), max(1, _CHUNK // m))
        n_slots = 2 * m * (v0 - m)  # slots of all earlier ties, all filled
        block = a[n_slots:n_slots + 2 * m * cnt].reshape(cnt, m, 2)
        block[:, :, 0] = np.arange(v0, v0 + cnt, dtype=np.int32)[:, None]
        targets = np.empty((cnt, m), dtype=np.int64)
        r = np.zeros(cnt, dtype=np.int64)  # slot of the last preferential pick
        t = np.zeros(cnt, dtype=np.int64)  # triad steps taken since that pick
        for j in range(m):
            if j == 0:
                triad = np.zeros(cnt, dtype=bool)
            else:
                triad = (rng.random(cnt) < p) & ((t == 0) | (((r & 1) == 0) & (t < m)))
            pa = np.flatnonzero(~triad)
            rr = rng.integers(0, n_slots, pa.shape[0])
            r[pa] = rr
            t[pa] = 0
            targets[pa, j] = a[rr]
            tri = np.flatnonzero(triad)
            rt, tt = r[tri], t[tri]
            edge = rt >> 1
            first = m * (edge // m)  # first tie of the node that made tie `edge`
            # slot r odd: its partner slot r - 1 holds a neighbour of w; slot r even: w
            # made tie `edge` itself, and its ties first .. first + m - 1 lead to neighbours.
            own = 2 * (first + (edge - first + tt) % m) + 1
            targets[tri, j] = a[np.where((rt & 1) == 1, rt - 1, own)]
            t[tri] += 1
        rows = np.arange(cnt)
        sub = targets
        for _ in range(100_000):  # re-draw repeated targets; early on, choices are few
            rep = _repeated_in_rows(sub)
            has = rep.any(axis=1)
            if not has.any():
                break
            rows, sub, rep = rows[has], sub[has], rep[has]
            sub[rep] = a[rng.integers(0, n_slots, int(np.count_nonzero(rep)))]
            targets[rows] = sub
        else:  # pragma: no cover - needs astronomically bad luck
            raise RuntimeError(f"could not draw {m} distinct targets for node {v0}")
        block[:, :, 1] = targets
        v0 += cnt
    return _finalize(n, buf, n_ties, distinct=True)


def _community_bounds(n: int, c: int) -> np.ndarray:
    """Start of each of ``c`` contiguous, near-equal communities, plus ``n`` at the end."""
    return (np.arange(c + 1, dtype=np.int64) * n + c - 1) // c


def community_csr(
    n: int, mean_degree: float, n_communities: int, p_within: float, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Stochastic-block-like graph: a share ``p_within`` of ties inside communities.

    Nodes are split into ``n_communities`` contiguous blocks of near-equal
    size: node ``i`` belongs to community ``i * n_communities // n``. The graph
    has exactly ``round(n * mean_degree / 2)`` ties, of which
    ``round(p_within * ties)`` join two members of one community (uniformly
    at random within it) and the rest join members of different communities
    (uniformly at random). Every node therefore has, in expectation,
    ``p_within * mean_degree`` ties inside its community and the rest outside;
    degrees are close to Poisson.

    Parameters
    ----------
    n : int
        Number of nodes, ``4 <= n <= 2**31 - 1``.
    mean_degree : float
        Target mean degree, ``0 < mean_degree <= (n - 1) / 2``.
    n_communities : int
        Number of communities, ``1 <= n_communities <= n // 2``.
    p_within : float
        Share of ties inside communities, in ``[0, 1]``; it must be 1 when
        ``n_communities = 1``.
    seed : int, numpy.random.Generator or None, optional
        Source of randomness (``numpy.random.default_rng(seed)``).

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (indptr[-1],)
        Symmetric CSR arrays, rows sorted, no self-loops or duplicates.

    Raises
    ------
    ValueError
        If an argument is out of range, or if the ties asked for do not fit
        (more than half of the possible pairs inside or between communities).

    Notes
    -----
    This is a planted-partition stochastic block model conditioned on its
    edge counts: candidate ties are drawn in vectorised rounds, de-duplicated
    with a sort, and the surplus of the last round removed uniformly at
    random. Time O(E log E) for ``E`` ties, peak memory about 12 bytes per
    directed tie (the int64 key buffer, then ``indices``).

    References
    ----------
    .. [1] P. W. Holland, K. B. Laskey and S. Leinhardt, "Stochastic
       blockmodels: first steps", Social Networks 5, 109-137 (1983).
    """
    n = _as_int("n", n, 4, MAX_NODES)
    mean_degree = _as_float(
        "mean_degree", mean_degree, 0.0, (n - 1) / 2,
        allowed=f"a number with 0 < mean_degree <= (n - 1) / 2 = {(n - 1) / 2:g}",
    )
    if mean_degree <= 0:
        raise ValueError(
            f"mean_degree = {mean_degree!r} must be a number with "
            f"0 < mean_degree <= (n - 1) / 2 = {(n - 1) / 2:g}"
        )
    n_communities = _as_int("n_communities", n_communities, 1, n // 2)
    p_within = _as_float("p_within", p_within, 0.0, 1.0)
    if n_communities == 1 and p_within < 1.0:
        raise ValueError(
            f"p_within = {p_within!r} must be 1 when n_communities = 1 "
            "(there is no other community to tie to)"
        )
    rng = _rng(seed)
    n_ties = int(round(n * mean_degree / 2))
    n_in = int(round(p_within * n_ties))
    n_out = n_ties - n_in
    bounds = _community_bounds(n, n_communities)
    sizes = np.diff(bounds)
    pairs_in = int((sizes * (sizes - 1) // 2).sum())
    pairs_out = n * (n - 1) // 2 - pairs_in
    if n_in > pairs_in // 2:
        raise ValueError(
            f"p_within = {p_within!r} with mean_degree = {mean_degree:g} asks for {n_in} ties "
            f"inside communities, which must be at most half of the {pairs_in} pairs there "
            "(lower mean_degree or p_within, or use fewer, larger communities)"
        )
    if n_out > pairs_out // 2:
        raise ValueError(
            f"p_within = {p_within!r} with mean_degree = {mean_degree:g} asks for {n_out} ties "
            f"between communities, which must be at most half of the {pairs_out} pairs there "
            "(lower mean_degree or raise p_within)"
        )

    def community_of(u: np.ndarray) -> np.ndarray:
        return (u * n_communities) // n

    def sample_within(c: int) -> np.ndarray:
        u = rng.integers(0, n, c)
        g = community_of(u)
        start, size = bounds[g], sizes[g]
        v = start + (u - start + 1 + rng.integers(0, size - 1)) % size  # != u
        return _canonical_keys(u, v)

    def sample_between(c: int) -> np.ndarray:
        u = rng.integers(0, n, c)
        g = community_of(u)
        start, size = bounds[g], sizes[g]
        v = (start + size + rng.integers(0, n - size)) % n  # outside u's block
        return _canonical_keys(u, v)

    buf = np.empty(2 * n_ties, dtype=np.int64)
    _fill_unique(buf, 0, n_in, sample_within, rng, "within-community")
    _fill_unique(buf, n_in, n_out, sample_between, rng, "between-community")
    return _finalize(n, buf, n_ties, distinct=True)


def _local_share(clustering: float) -> float:
    """Local-tie share of wechat_like_csr that gives about this average clustering."""
    return float(np.interp(clustering, _CALIB_CLUSTERING, _CALIB_LOCAL_SHARE))


def _local_share(clustering: float) -> float:
    """Local-tie share of wechat_like_csr that gives about this average clustering."""
    return float(np.interp(clustering, _CALIB_CLUSTERING, _CALIB_LOCAL_SHARE))


def _ring_distance(keys: np.ndarray, n: int) -> np.ndarray:
    """Ring distance between the two ends of each canonical key."""
    d = (keys & _LOW_MASK) - (keys >> _SHIFT)
    return np.minimum(d, n - d)


def _local_windows(
    kappa: np.ndarray, n_ties: int, local_share: float, rng: np.random.Generator
) -> np.ndarray:
    """Window half-widths ``h_i`` (about ``h0 * kappa_i``, in ``[1, (n - 1) // 2]``).

    ``h0`` is found by bisection so that the expected number of local ties is
    ``local_share * n_ties``; pairs at ring distance ``d`` are tied iff
    ``max(h_i, h_j) >= d``.
    """
    n = kappa.shape[0]
    hmax = (n - 1) // 2
    jitter = rng.random(n)

    def windows(h0: float) -> np.ndarray:
        return np.clip(np.floor(h0 * kappa + jitter), 1, hmax).astype(np.int64)

    def expected_local(h0: float) -> float:
        at_least = (n - np.cumsum(np.bincount(windows(h0)))[:-1]) / n  # P(h >= d), d >= 1
        return float(n * np.sum(2 * at_least - at_least * at_least))

    want = local_share * n_ties
    lo, hi = 0.0, float(hmax)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if expected_local(mid) < want:
            lo = mid
        else:
            hi = mid
    return windows(hi)


def _local_ties(buf: np.ndarray, h_all: np.ndarray) -> int:
    """Write every local tie once to ``buf``; return how many.

    Forward ties ``i -- i+d`` for ``d <= h_i``; backward ties ``i -- i-d`` for
    ``d <= h_i`` only when ``h_{i-d} < d`` (otherwise ``i-d`` made it forward).
    """
    n = h_all.shape[0]
    w = 0
    cum = np.cumsum(h_all)
    cuts = np.searchsorted(cum, np.arange(_CHUNK, int(cum[-1]), _CHUNK), side="right")
    stops = np.unique(np.concatenate(([0], cuts, [n])))
    for a, b in zip(stops[:-1].tolist(), stops[1:].tolist(), strict=True):
        h = h_all[a:b]
        i = np.repeat(np.arange(a, b, dtype=np.int64), h)
        d = np.arange(i.shape[0], dtype=np.int64) - np.repeat(np.cumsum(h) - h, h) + 1
        keys = _canonical_keys(i, (i + d) % n)
        buf[w:w + keys.shape[0]] = keys
        w += keys.shape[0]
        j = (i - d) % n
        back = h_all[j] < d
        keys = _canonical_keys(i[back], j[back])
        buf[w:w + keys.shape[0]] = keys
        w += keys.shape[0]
    return w


def _long_range_ties(
    buf: np.ndarray,
    start: int,
    need: int,
    kappa: np.ndarray,
    h_all: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Write ``need`` distinct Chung-Lu ties that are not local to ``buf[start:]``.

    Both ends are drawn proportionally to ``kappa`` from a table in which node
    ``i`` fills about ``kappa_i * per_node`` slots (randomised rounding), so a
    draw is O(1). Self-loops and local pairs (ring distance ``<= max(h_u, h_v)``)
    are rejected.
    """
    n = kappa.shape[0]
    per_node = max(1, min(16, 2**28 // n))
    counts = np.floor(kappa * per_node + rng.random(n)).astype(np.int64)
    table = np.repeat(np.arange(n, dtype=np.int32), counts)
    del counts

    def sample(c: int) -> np.ndarray:
        u = table[rng.integers(0, table.shape[0], c)].astype(np.int64)
        v = table[rng.integers(0, table.shape[0], c)].astype(np.int64)
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        dist = hi - lo
        dist = np.minimum(dist, n - dist)
        ok = dist > np.maximum(h_all[lo], h_all[hi])
        return (lo[ok] << _SHIFT) | hi[ok]

    _fill_unique(buf, start, need, sample, rng, "long-range")


def _wechat_core(
    n: int, mean_degree: float, local_share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """wechat_like_csr with the local-tie share given directly (arguments already checked)."""
    n_ties = int(round(n * mean_degree / 2))
    # Sociability: lognormal with mean 1, capped so no expected degree exceeds (n - 1) / 2.
    sigma = _SOCIABILITY_SIGMA
    kappa = rng.lognormal(-sigma * sigma / 2, sigma, n)
    np.minimum(kappa, max(1.0, (n - 1) / (2 * mean_degree)), out=kappa)
    h_all = _local_windows(kappa, n_ties, local_share, rng)
    # Every forward tie i -- i+d is written once and backward ties are fewer, so
    # 2 * sum(h) bounds the local count; 2 * n_ties leaves room for _finalize.
    buf = np.empty(max(2 * n_ties, 2 * int(h_all.sum())), dtype=np.int64)
    n_local = _local_ties(buf, h_all)
    if n_local > n_ties:  # rare, small n only: drop random local ties, never the ring
        spare = np.flatnonzero(_ring_distance(buf[:n_local], n) > 1)
        n_local = _drop_inplace(
            buf[:n_local], spare[_random_subset(rng, spare.shape[0], n_local - n_ties)]
        )
    _long_range_ties(buf, n_local, n_ties - n_local, kappa, h_all, rng)
    del kappa, h_all
    return _finalize(n, buf, n_ties, distinct=True)


def wechat_like_csr(
    n: int, mean_degree: float = 100.0, clustering: float = 0.5, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """The default 'WeChat-like' friend graph.

    People live on a ring (a one-dimensional latent social space) and have a
    lognormal *sociability* ``kappa_i`` (mean 1, log-sd 1). Two kinds of tie:

    * local ties, which make the clustering: person ``i`` knows everyone within
      ring distance ``h_i`` proportional to ``kappa_i`` (at least 1, so the ring
      itself is always present and the graph is connected), and two people
      are tied when either one's window covers the other;
    * long-range ties, which make the paths short and the degree tail heavy:
      Chung-Lu pairs with both ends drawn proportionally to ``kappa``.

    The result has exactly ``round(n * mean_degree / 2)`` ties, one component,
    a right-skewed degree distribution (median about 0.7 of the mean, largest
    degree tens of times the mean), clustering that falls with degree (hubs
    cover long stretches of the ring whose members mostly do not know each
    other), and short paths.

    Parameters
    ----------
    n : int
        Number of people, ``5 <= n <= 2**31 - 1``.
    mean_degree : float, default 100.0
        Mean number of friends, ``2 <= mean_degree <= (n - 1) / 2``; the
        realised mean is ``2 * round(n * mean_degree / 2) / n``.
    clustering : float, default 0.5
        Target average clustering coefficient, in ``[0, 1]``. It is turned
        into the share of ties that are local through a calibration curve
        (share 0.5 gives clustering 0.31, share 0.73 gives 0.5, share 0.95
        gives 0.72). The realised average clustering is typically within 0.02
        of the target for targets 0.2 to 0.7, n >= 2e4 and mean degree 20 to
        200 (within about 0.04 below 0.2, where Chung-Lu triangles matter);
        targets above 0.72 give about 0.72 (the local share is capped at 0.95
        to keep long-range ties), and 0 gives the bare ring plus Chung-Lu ties.
    seed : int, numpy.random.Generator or None, optional
        Source of randomness (``numpy.random.default_rng(seed)``).

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (indptr[-1],)
        Symmetric CSR arrays, rows sorted, no self-loops or duplicates.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names it and its value).

    Notes
    -----
    Local ties are enumerated exactly once each by vectorised ``repeat``
    arithmetic over chunks of nodes (the window scale is set by bisection on
    the expected number of local ties). Long-range ties are drawn from a
    table with about ``16 * kappa_i`` slots for node ``i`` (O(1) per draw),
    de-duplicated with a sort, and topped up or trimmed at random to the exact
    count. Time is O(E log E) for ``E`` ties, dominated by sorting ``2 E``
    int64 keys; peak memory is about 12 bytes per directed tie (the key
    buffer plus ``indices``), plus chunk-sized temporaries. Measured on a
    shared 2-core machine: n = 1e6, mean degree 100 (1e8 directed ties) took
    6-7 s of CPU time (about 6 s wall when the machine was quiet) with a peak
    resident set of 1.23 GB including the interpreter; n = 1e5 took 0.4-0.7 s
    and 0.18 GB.

    Compared with a Watts-Strogatz graph of the same mean degree it has a
    heavy degree tail and degree-dependent clustering; compared with
    preferential-attachment models it has much higher clustering. The
    latent-space construction follows the hidden-metric-space picture of [1]_;
    degree-dependent clustering and a lognormal-like degree distribution are
    what large online social networks show [2]_.

    References
    ----------
    .. [1] M. A. Serrano, D. Krioukov and M. Boguna, "Self-similarity of complex
       networks and hidden metric spaces", Phys. Rev. Lett. 100, 078701 (2008).
    .. [2] J. Ugander, B. Karrer, L. Backstrom and C. Marlow, "The anatomy of the
       Facebook social graph", arXiv:1111.4503 (2011).
    .. [3] F. Chung and L. Lu, "Connected components in random graphs with given
       expected degree sequences", Annals of Combinatorics 6, 125-145 (2002).
    .. [4] D. J. Watts and S. H. Strogatz, "Collective dynamics of 'small-world'
       networks", Nature 393, 440-442 (1998).
    """
    n = _as_int("n", n, 5, MAX_NODES)
    mean_degree = _as_float(
        "mean_degree", mean_degree, 2.0, (n - 1) / 2,
        allowed=f"a number with 2 <= mean_degree <= (n - 1) / 2 = {(n - 1) / 2:g}",
    )
    clustering = _as_float("clustering", clustering, 0.0, 1.0)
    rng = _rng(seed)
    local = min(_local_share(clustering), _MAX_LOCAL_SHARE)
    return _wechat_core(n, mean_degree, local, rng)
