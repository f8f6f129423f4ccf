"""The largest connected component of the friend graph, kept up to date cheaply.

Ties are only ever removed (blocks, unfriending), so components can only
split. :class:`GiantComponent` keeps a spanning tree of the giant component
(one parent pointer per person) and, at each check, repairs it around the
tree edges removed since the last check: a person cut off from the root by a
removed tree edge re-attaches to any friend still connected to the root,
round after round; whoever cannot is no longer in the giant component. The
answer is exact, and a check costs a few passes over the people plus the
ties of the people cut off, instead of a traversal of all ``n_ties`` ties
(about 5 s at a million people with a hundred friends each).

When the giant component holds half of the people or fewer, it might not be
the largest, and every check falls back to a full traversal.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from sim.kernels import ragged_positions

__all__ = ["GiantComponent", "largest_component_share"]

_ROOT, _OUT = -1, -2


def _alive_csr(indptr: np.ndarray, indices: np.ndarray, removed: np.ndarray,
               n: int) -> sp.csr_matrix:
    """The CSR adjacency without the ties at positions ``removed`` (sorted, unique)."""
    if removed.size:
        row = np.searchsorted(indptr, removed, side="right") - 1
        counts = np.diff(indptr) - np.bincount(row, minlength=n)
        ptr = np.zeros(n + 1, np.int64)
        np.cumsum(counts, out=ptr[1:])
        idx = np.delete(indices, removed)
    else:
        ptr, idx = indptr, indices
    # traversals read only the structure: a zero-stride view of 1.0 stands in for the
    # data (an array of ones would be 8 bytes a tie, 800 MB at a million people)
    data = np.broadcast_to(np.float64(1.0), idx.shape)
    return sp.csr_matrix((data, idx, ptr), shape=(n, n))


def largest_component_share(indptr: np.ndarray, indices: np.ndarray,
                            removed: np.ndarray | None = None) -> float:
    """Share of people in the largest connected component, by a full traversal.

    Parameters
    ----------
    indptr, indices : ndarray
        Symmetric CSR of the friend graph.
    removed : ndarray of int, optional
        Positions of removed ties (both directions of each removed friendship).
    """
    n = indptr.shape[0] - 1
    removed = np.zeros(0, np.int64) if removed is None else np.unique(removed)
    a = _alive_csr(indptr, indices, removed, n)
    # symmetric, so strong components are the components, without a transpose
    _, labels = connected_components(a, directed=True, connection="strong")
    return float(np.bincount(labels).max() / n)


class GiantComponent:
    """Exact size of the largest component of a friend graph under tie removals.

    Parameters
    ----------
    indptr, indices : ndarray
        Symmetric CSR of the friend graph (rows sorted).
    flags : ndarray of uint8, shape (n_ties,)
        The live tie flags (read, never written); a tie is gone when
        ``flags & removed_bit``.
    removed_bit : int
        The flag bit of a removed tie.

    Examples
    --------
    >>> import numpy as np
    >>> indptr = np.array([0, 1, 3, 4]); indices = np.array([1, 0, 2, 1])  # path 0-1-2
    >>> flags = np.zeros(4, np.uint8)
    >>> gc = GiantComponent(indptr, indices, flags, 2)
    >>> gc.share
    1.0
    >>> flags[[2, 3]] |= 2            # cut 1-2 (both directions)
    >>> gc.update(np.array([2, 3]))
    0.6666666666666666
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, flags: np.ndarray,
                 removed_bit: int) -> None:
        self.indptr = indptr
        self.indices = indices
        self.flags = flags
        self.bit = np.uint8(removed_bit)
        self.n = int(indptr.shape[0] - 1)
        self.full_traversals = 0
        self._rebuild()

    @property
    def share(self) -> float:
        """Share of people in the largest component."""
        return self._share

    def _rebuild(self) -> None:
        """A full traversal: the giant component and a spanning tree of it."""
        self.full_traversals += 1
        n = self.n
        removed = np.flatnonzero(self.flags & self.bit)
        a = _alive_csr(self.indptr, self.indices, removed, n)
        deg = np.diff(a.indptr)
        root = int(np.argmax(deg))
        # directed=True on a symmetric graph reaches the same nodes, without a transpose
        order, pred = breadth_first_order(a, root, directed=True, return_predecessors=True)
        if 2 * order.shape[0] > n:
            parent = np.full(n, _OUT, np.int32)
            parent[order] = pred[order]
            parent[root] = _ROOT
            self.parent = parent
            self.size = int(order.shape[0])
            self._share = self.size / n
        else:  # no component holds a majority: count them all, every time
            self.parent = None
            _, labels = connected_components(a, directed=True, connection="strong")
            self.size = int(np.bincount(labels).max())
            self._share = self.size / n

    def update(self, ties: np.ndarray) -> float:
        """Account for ties removed since the last call; return the new share.

        Parameters
        ----------
        ties : ndarray of int
            Positions of the ties removed (already flagged) since the last
            call, both directions of each friendship; repeats are harmless.
        """
        ties = np.unique(np.asarray(ties, np.int64))
        if ties.size == 0:
            return self._share
        if self.parent is None:
            self._rebuild()
            return self._share
        parent = self.parent
        u = (np.searchsorted(self.indptr, ties, side="right") - 1).astype(np.int32)
        v = self.indices[ties]
        cut = np.unique(u[parent[u] == v])  # u's tree edge to its parent is gone
        if cut.size == 0:
            return self._share
        # everyone below a cut tree edge has lost its path to the root
        broken = np.zeros(self.n, bool)
        broken[cut] = True
        has_parent = parent >= 0
        safe_parent = np.where(has_parent, parent, 0)
        while True:
            new = broken | (has_parent & broken[safe_parent])
            if np.array_equal(new, broken):
                break
            broken = new
        valid = (parent != _OUT) & ~broken
        pending = np.flatnonzero(broken)
        while pending.size:
            pos, owner = ragged_positions(self.indptr, pending)
            w = self.indices[pos]
            ok = ((self.flags[pos] & self.bit) == 0) & valid[w]
            if not ok.any():
                break
            first = np.unique(owner[ok], return_index=True)
            who = pending[first[0]]
            parent[who] = w[np.flatnonzero(ok)[first[1]]]
            valid[who] = True
            keep = np.ones(pending.size, bool)
            keep[first[0]] = False
            pending = pending[keep]
        parent[pending] = _OUT
        self.size -= int(pending.size)
        if 2 * self.size <= self.n:
            self._rebuild()
        else:
            self._share = self.size / self.n
        return self._share
