"""The friend graph, compiled once into compressed sparse row (CSR) arrays.

A :class:`FriendGraph` holds an undirected friend graph as *directed ties*:
row ``i`` of the CSR lists the friends ``j`` of person ``i``, and tie
``e`` (a position in ``indices``) is "what ``i`` thinks of ``j``'s posts".
``rev[e]`` is the position of the opposite tie ``j -> i``. Per-tie state
(trust, annoyance, muted, removed) lives in parallel arrays of length
``n_ties`` (see :mod:`sim.ties`).

Graphs come from a user's networkx graph (any hashable labels, isolated
nodes allowed), an edge-list file, or a generator in :mod:`sim.generators`
that builds the arrays directly, without networkx, so a million people
with a hundred friends each fit in memory.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

__all__ = ["FriendGraph", "GraphError", "build_graph"]


class GraphError(ValueError):
    """A graph that cannot be simulated (empty, no ties, unreadable)."""


@dataclass
class FriendGraph:
    """An undirected friend graph as symmetric CSR arrays.

    Parameters
    ----------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (n_ties,)
        Each row sorted ascending; symmetric; no self-loops or duplicates.
    labels : list, optional
        Original node labels (position = internal id); ``None`` for 0..n-1.
    """

    indptr: np.ndarray
    indices: np.ndarray
    labels: list[Any] | None = None
    _rev: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of people."""
        return int(self.indptr.shape[0] - 1)

    @property
    def n_ties(self) -> int:
        """Number of directed ties (twice the number of friendships)."""
        return int(self.indices.shape[0])

    @property
    def degree(self) -> np.ndarray:
        """Number of friends of each person at the start."""
        return np.diff(self.indptr)

    @property
    def rev(self) -> np.ndarray:
        """Position of the opposite tie ``j -> i`` for each tie ``i -> j``.

        Notes
        -----
        Computed once, in O(n + n_ties), as scipy's CSR transpose of the tie
        ids: for a symmetric graph with sorted rows, the transpose has the
        same structure and its data are the ids of the reversed ties.
        """
        if self._rev is None:
            ids = np.arange(self.n_ties, dtype=np.int64 if self.n_ties >= 2**31 else np.int32)
            a = sp.csr_matrix((ids, self.indices, self.indptr), shape=(self.n, self.n))
            t = a.transpose().tocsr()
            t.sort_indices()
            self._rev = np.ascontiguousarray(t.data)
        return self._rev

    def src(self) -> np.ndarray:
        """Row (the viewer ``i``) of every tie; O(n_ties) memory, built on demand."""
        return np.repeat(np.arange(self.n, dtype=self.indices.dtype), self.degree)

    def label(self, i: int) -> Any:
        """Original label of internal id ``i``."""
        return i if self.labels is None else self.labels[i]

    def index_of(self, label: Any) -> int:
        """Internal id of an original node label."""
        if self.labels is None:
            if isinstance(label, bool) or not isinstance(label, int | np.integer):
                raise KeyError(f"person {label!r} is not in the graph (labels are the "
                               f"integers 0..{self.n - 1})")
            i = int(label)
            if not 0 <= i < self.n:
                raise KeyError(f"person {label!r} is not in the graph (0..{self.n - 1})")
            return i
        if not hasattr(self, "_label_index"):
            self._label_index = {lab: k for k, lab in enumerate(self.labels)}
        try:
            return self._label_index[label]
        except KeyError:
            raise KeyError(f"person {label!r} is not in the graph") from None

    def tie(self, i: int, j: int) -> int:
        """Position of tie ``i -> j``, or -1 if they are not friends."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        k = lo + int(np.searchsorted(self.indices[lo:hi], j))
        return k if k < hi and self.indices[k] == j else -1

    def to_networkx(self, keep: np.ndarray | None = None) -> nx.Graph:
        """The graph as networkx with original labels.

        Parameters
        ----------
        keep : ndarray of bool, shape (n_ties,), optional
            Ties to keep; a friendship is kept when both directions are kept.
        """
        src = self.src()
        mask = src < self.indices
        if keep is not None:
            mask &= keep & keep[self.rev]
        g = nx.Graph()
        g.add_nodes_from(range(self.n) if self.labels is None else self.labels)
        u, v = src[mask], self.indices[mask]
        if self.labels is None:
            g.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
        else:
            lab = self.labels
            g.add_edges_from((lab[a], lab[b]) for a, b in zip(u.tolist(), v.tolist(), strict=True))
        return g

    @classmethod
    def from_csr(cls, indptr: np.ndarray, indices: np.ndarray,
                 labels: list[Any] | None = None) -> FriendGraph:
        """Wrap CSR arrays (already symmetric, sorted, loop-free)."""
        g = cls(np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int32), labels)
        _check_not_empty(g)
        return g

    @classmethod
    def from_networkx(cls, graph: nx.Graph) -> FriendGraph:
        """Compile a networkx graph.

        Self-loops are dropped and parallel edges merged, each with a warning
        saying how many; a directed graph is read as undirected, with a
        warning. Node labels may be any hashable; isolated nodes are kept.

        Raises
        ------
        GraphError
            If the graph has no nodes or no edges.
        TypeError
            If ``graph`` is not a networkx graph.
        """
        if not isinstance(graph, nx.Graph):
            raise TypeError(f"graph must be a networkx graph, got {type(graph).__name__}")
        if graph.number_of_nodes() == 0:
            raise GraphError("the friend graph is empty (0 nodes); at least 2 people are needed")
        if graph.is_directed():
            warnings.warn("directed graph given: each arc is read as an undirected friendship",
                          stacklevel=2)
        loops = nx.number_of_selfloops(graph)
        if loops:
            warnings.warn(f"dropped {loops} self-loop(s) from the friend graph", stacklevel=2)
        if graph.is_multigraph():
            multi = graph.number_of_edges() - nx.Graph(graph).number_of_edges()
            if multi:
                warnings.warn(f"merged {multi} parallel edge(s) in the friend graph",
                              stacklevel=2)
        labels = list(graph.nodes())
        index = {lab: k for k, lab in enumerate(labels)}
        edges = np.array([(index[u], index[v]) for u, v in graph.edges()],
                         dtype=np.int64).reshape(-1, 2)
        from sim.generators import csr_from_edges

        indptr, indices = csr_from_edges(len(labels), edges[:, 0], edges[:, 1])
        # only plain ints 0..n-1 may be dropped: 0.0 or False compare equal to 0 but are
        # labels the user must get back from friend_graph()
        is_range = (all(type(x) is int for x in labels)
                    and labels == list(range(len(labels))))
        return cls.from_csr(indptr, indices, None if is_range else labels)

    @classmethod
    def from_edgelist(cls, path: str | Path) -> FriendGraph:
        """Read a whitespace-separated edge list (``u v`` per line, ``#`` comments).

        Raises
        ------
        GraphError
            If the file is missing, unreadable or holds no edges.
        """
        path = Path(path)
        if not path.is_file():
            raise GraphError(f"edge-list file {str(path)!r} does not exist")
        g = nx.read_edgelist(path, comments="#", nodetype=str, data=False)
        if g.number_of_edges() == 0:
            raise GraphError(f"edge-list file {str(path)!r} holds no edges")
        return cls.from_networkx(g)


def _check_not_empty(g: FriendGraph) -> None:
    if g.n < 2:
        raise GraphError(f"the friend graph has n = {g.n} people; at least 2 are needed")
    if g.n_ties == 0:
        raise GraphError(f"the friend graph has {g.n} people but no ties; nothing can spread")


def build_graph(params: Any, seed: int | np.random.Generator) -> FriendGraph:
    """Build the friend graph a scenario's ``graph`` section describes.

    Parameters
    ----------
    params : sim.params.GraphParams
    seed : int or numpy.random.Generator
        Seed of the graph stream.

    Returns
    -------
    FriendGraph
    """
    from sim import generators as gen

    n, k = params.n_people, params.mean_degree
    if params.generator == "edgelist":
        return FriendGraph.from_edgelist(params.edgelist_path)
    if k >= n:
        raise GraphError(f"graph.mean_degree = {k:g} must be < graph.n_people = {n}")
    try:
        if params.generator == "wechat_like":
            arrays = gen.wechat_like_csr(n, k, params.clustering, seed=seed)
        elif params.generator == "watts_strogatz":
            kk = max(2, int(round(k / 2)) * 2)
            arrays = gen.watts_strogatz_csr(n, kk, params.rewire, seed=seed)
        elif params.generator == "powerlaw_cluster":
            arrays = gen.powerlaw_cluster_csr(n, max(1, int(round(k / 2))), params.clustering,
                                              seed=seed)
        elif params.generator == "communities":
            arrays = gen.community_csr(n, k, params.n_communities, params.p_within, seed=seed)
        else:  # pragma: no cover - pydantic restricts the names
            raise GraphError(f"graph.generator = {params.generator!r} is unknown")
    except GraphError:
        raise
    except ValueError as exc:  # a combination the generator cannot build: say which section
        raise GraphError(f"graph.generator = {params.generator!r} with graph.n_people = {n}, "
                         f"graph.mean_degree = {k:g}: {exc}") from None
    return FriendGraph.from_csr(*arrays)
