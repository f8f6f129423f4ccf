"""Array helpers on CSR graphs and sorted index arrays, for any array namespace.

Pure functions: arrays in, arrays out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.backend import repeat
from sim.kernels import jit

__all__ = ["ragged_positions", "find_ties", "Insertion", "insert_at", "insert_sorted",
           "unique_sorted", "in_sorted", "row_starts"]


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


class Insertion:
    """Where ``k`` values go when inserted into an array of length ``m`` at sorted positions.

    Made once and used for every array aligned on the same index, so the
    masks are computed once (:func:`insert_at` accepts it in place of ``at``).
    The compiled path reads :attr:`at` instead and never builds the masks.

    Parameters
    ----------
    xp : module
    m : int
        Length of the arrays inserted into.
    at : int array (k,)
        Sorted insertion positions (as ``searchsorted`` gives them).
    """

    def __init__(self, xp: Any, m: int, at: Any) -> None:
        self.xp = xp
        self.m = int(m)
        self.at = at
        self.k = int(at.shape[0])
        self._masks: tuple[Any, Any] | None = None
        self._at64: Any = None

    @property
    def new(self) -> Any:
        """bool array (m + k,): True where an inserted value goes."""
        return self._mask_pair()[0]

    @property
    def old(self) -> Any:
        """bool array (m + k,): True where an element of the original array goes."""
        return self._mask_pair()[1]

    def _mask_pair(self) -> tuple[Any, Any]:
        if self._masks is None:
            xp = self.xp
            new = xp.zeros(self.m + self.k, dtype=bool)
            new[xp.asarray(self.at) + xp.arange(self.k)] = True
            self._masks = (new, ~new)
        return self._masks

    def at64(self) -> Any:
        """The positions as a contiguous int64 NumPy array, or None when they are not valid.

        Valid means sorted and within ``[0, m]``; otherwise the compiled path
        is not used (the array path then gives its own result or error).
        """
        if self._at64 is None:
            at = np.ascontiguousarray(self.at, dtype=np.int64)
            self._at64 = at if _positions_valid(at, self.m) else False
        return self._at64 if self._at64 is not False else None


@jit.loop
def _positions_valid(at: Any, m: int) -> bool:  # pragma: no cover - compiled
    prev = 0
    for j in range(at.shape[0]):
        p = at[j]
        if p < prev or p > m:
            return False
        prev = p
    return True


@jit.loop
def _insert_sorted(a: Any, at: Any, values: Any, out: Any) -> None:  # pragma: no cover - compiled
    # block copies of the runs of ``a`` between insertion points, each shifted by
    # the number of values inserted before it
    src = 0
    for j in range(at.shape[0]):
        p = at[j]
        out[src + j:p + j] = a[src:p]
        out[p + j] = values[j]
        src = p
    out[src + at.shape[0]:] = a[src:]


def insert_sorted(a: Any, at: Any, values: Any) -> Any:
    """:func:`insert_at` for NumPy arrays, by block copies in one compiled pass.

    Gives the bytes the array path gives. Only call it where
    :func:`sim.kernels.jit.enabled` is true for NumPy.

    Parameters
    ----------
    a : NumPy array (m,)
    at : Insertion, or int array (k,)
        Sorted insertion positions in ``[0, m]``.
    values : array (k,), or broadcastable to (k,)
        Cast to ``a.dtype`` as an assignment would cast them.

    Returns
    -------
    NumPy array (m + k,), of ``a.dtype``

    Raises
    ------
    ValueError
        When ``values`` does not broadcast to ``(k,)``, or an :class:`Insertion`
        made for another length is passed.
    IndexError
        As the array path raises it: positions that are not sorted or not in
        ``[0, m]`` are handed to that path, which gives its own result.
    """
    ins = at if isinstance(at, Insertion) else Insertion(np, a.shape[0], at)
    if ins.m != a.shape[0]:
        raise ValueError(f"Insertion made for length {ins.m}, array has {a.shape[0]}")
    pos = ins.at64()
    if pos is None:
        return _insert_masked(np, a, ins, values)
    values = np.asarray(values).astype(a.dtype, copy=False)
    if values.shape != (ins.k,):
        values = np.broadcast_to(values, (ins.k,)).copy()
    out = np.empty(a.shape[0] + ins.k, dtype=a.dtype)
    _insert_sorted(np.ascontiguousarray(a), pos, np.ascontiguousarray(values), out)
    return out


def _insert_masked(xp: Any, a: Any, ins: Insertion, values: Any) -> Any:
    out = xp.empty(a.shape[0] + ins.k, dtype=a.dtype)
    out[ins.new] = values
    out[ins.old] = a
    return out


def insert_at(xp: Any, a: Any, at: Any, values: Any) -> Any:
    """``numpy.insert(a, at, values)`` for sorted ``at``, in any array namespace.

    On NumPy with the compiled loops on (:func:`sim.kernels.jit.enabled`),
    :func:`insert_sorted` does it by block copies; otherwise two boolean-mask
    scatters do. Both give the same bytes.

    Parameters
    ----------
    a : array (m,)
    at : int array (k,), or Insertion
        Sorted insertion positions in ``a`` (as ``searchsorted`` gives them),
        or an :class:`Insertion` made from them for several arrays of length ``m``.
    values : array (k,)
        Values of ``a``'s dtype.

    Returns
    -------
    array (m + k,)

    Examples
    --------
    >>> insert_at(np, np.array([10, 20, 30]), np.array([0, 2]), np.array([5, 25])).tolist()
    [5, 10, 20, 25, 30]
    """
    if jit.enabled(xp) and a.ndim == 1:
        return insert_sorted(a, at, values)
    ins = at if isinstance(at, Insertion) else Insertion(xp, a.shape[0], at)
    return _insert_masked(xp, a, ins, values)


def unique_sorted(xp: Any, x: Any) -> Any:
    """``numpy.unique`` of a small 1-d array: a sort and one comparison (less overhead).

    Parameters
    ----------
    x : array (m,)

    Returns
    -------
    array (<= m,)
        The distinct values, sorted.

    Examples
    --------
    >>> unique_sorted(np, np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    x = xp.sort(x)
    if x.shape[0] < 2:
        return x
    keep = xp.empty(x.shape[0], dtype=bool)
    keep[0] = True
    xp.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def in_sorted(xp: Any, x: Any, sorted_: Any) -> Any:
    """``numpy.isin(x, sorted_)`` for a sorted ``sorted_``: one ``searchsorted``.

    Parameters
    ----------
    x : array (m,)
    sorted_ : array (k,), sorted

    Returns
    -------
    bool array (m,)

    Examples
    --------
    >>> in_sorted(np, np.array([1, 4, 7]), np.array([2, 4, 6])).tolist()
    [False, True, False]
    """
    if sorted_.shape[0] == 0:
        return xp.zeros(x.shape[0], dtype=bool)
    pos = xp.minimum(xp.searchsorted(sorted_, x), sorted_.shape[0] - 1)
    return sorted_[pos] == x


@jit.loop
def _row_starts(rows: Any, out: Any) -> None:  # pragma: no cover - compiled; via row_starts
    r = 0
    for j in range(rows.shape[0]):
        while r <= rows[j]:
            out[r] = j
            r += 1
    while r < out.shape[0]:
        out[r] = rows.shape[0]
        r += 1


def row_starts(xp: Any, rows: Any, n: int) -> Any:
    """Where each row starts in a sorted array of row numbers: a CSR ``indptr``.

    ``out[r]`` is the first index ``j`` with ``rows[j] >= r`` (``searchsorted``
    on the left), so the entries of row ``r`` are ``out[r]:out[r + 1]``.
    One compiled pass on NumPy (:mod:`sim.kernels.jit`).

    Parameters
    ----------
    rows : int array (m,)
        Row numbers in ``[0, n)``, sorted (non-decreasing).
    n : int
        Number of rows.

    Returns
    -------
    int64 array (n + 1,)

    Examples
    --------
    >>> row_starts(np, np.array([0, 0, 2]), 4).tolist()
    [0, 2, 2, 3, 3]
    """
    if jit.enabled(xp) and rows.dtype == np.int64:
        out = np.empty(n + 1, np.int64)
        _row_starts(rows, out)
        return out
    return xp.searchsorted(rows, xp.arange(n + 1, dtype=rows.dtype)).astype(xp.int64)


@jit.warmer
def _warm() -> None:
    # the dtypes of the seller-tie arrays (State.add_seller_ties, TieState.insert_seller_ties)
    at = np.zeros(1, np.int64)
    for dt in (np.int64, np.uint8, np.float32, np.uint32):
        insert_sorted(np.zeros(1, dt), at, np.zeros(1, dt))
    row_starts(np, np.zeros(1, np.int64), 2)
