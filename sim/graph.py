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

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

__all__ = ["FriendGraph", "GraphError", "build_graph", "edgelist_format",
           "EDGELIST_FORMATS", "row_position", "befriend"]


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
    generated : bool
        Built by a generator of the scenario (:func:`build_graph`), not read
        from data: the model then gives the initial resellers their own
        friend counts (``resellers.friends_median``).
    """

    indptr: np.ndarray
    indices: np.ndarray
    labels: list[Any] | None = None
    generated: bool = False
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
                 labels: list[Any] | None = None, *, generated: bool = False) -> FriendGraph:
        """Wrap CSR arrays (already symmetric, sorted, loop-free)."""
        g = cls(np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int32), labels,
                generated)
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
    def from_edgelist(cls, path: str | Path, format: str = "auto") -> FriendGraph:
        """Read an edge-list file: CSV, TSV, whitespace text (SNAP), GraphML or GML.

        Parameters
        ----------
        path : str or Path
            The file; ``.gz`` files are read decompressed.
        format : str
            ``"auto"`` (by the extension, :func:`edgelist_format`), ``"csv"``,
            ``"tsv"``, ``"text"``, ``"graphml"`` or ``"gml"``.

        Notes
        -----
        In CSV, TSV and text files every line is blank, a comment (``#`` at
        the start; in text files also ``%`` at the start, or ``#`` after
        whitespace) or one friendship: two labels, then optionally more
        columns that are numbers (weights, times; ignored). The first line
        may be a header (column names such as ``u,v`` or ``source,target``,
        or any text above rows of numbers); a header names the columns, so
        then an extra column it names may hold text, and one beyond them
        must still be a number (``u,v`` above ``x,y,z`` is refused). Labels
        are kept as text; ``#`` inside a label is part of it. Self-loops are
        dropped with a warning, repeated friendships merged.

        Raises
        ------
        GraphError
            If the file is missing or not a regular file, or any line does
            not parse (naming the file, the line number and the line), or
            it holds no friendships.
        """
        path = Path(path)
        fmt = edgelist_format(path, format)
        if fmt in ("graphml", "gml"):
            return cls.from_networkx(_read_markup(path, fmt))
        labels, u, v, loops = _read_pairs(path, fmt)
        if u.size == 0:
            raise GraphError(f"edge-list file {str(path)!r} holds no edges (every line is "
                             "blank, a comment or a header)")
        if loops:
            warnings.warn(f"dropped {loops[0]} self-loop(s) in edge-list file {str(path)!r} "
                          f"(the first on line {loops[1]})", stacklevel=2)
        from sim.generators import csr_from_edges

        indptr, indices = csr_from_edges(len(labels), u, v)
        return cls.from_csr(indptr, indices, labels)


#: the formats of ``graph.format`` other than ``auto``
EDGELIST_FORMATS = ("csv", "tsv", "text", "graphml", "gml")
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".graphml": "graphml",
               ".xml": "graphml", ".gml": "gml"}
#: first-row words that make it a header of a CSV, TSV or text edge list
HEADER_WORDS = frozenset({
    "u", "v", "source", "target", "src", "dst", "from", "to",
    "node", "node1", "node2", "node_1", "node_2", "node_a", "node_b", "id1", "id2", "id_1",
    "id_2", "user", "user1", "user2", "user_1", "user_2", "user_a", "user_b", "friend",
    "friend1", "friend2", "person", "person1", "person2", "head", "tail", "start", "end",
    "left", "right", "ego", "alter", "follower", "followee", "vertex1", "vertex2", "n1",
    "n2", "fromnodeid", "tonodeid", "from_id", "to_id", "source_id", "target_id",
})
_INLINE_COMMENT = re.compile(r"\s#.*$")


def edgelist_format(path: str | Path, format: str = "auto") -> str:
    """The format an edge-list file is read as.

    ``format`` other than ``"auto"`` is returned as is (checked); ``"auto"``
    goes by the extension, ignoring a final ``.gz``: ``.csv`` CSV, ``.tsv``
    or ``.tab`` TSV, ``.graphml`` or ``.xml`` GraphML, ``.gml`` GML, any
    other whitespace text (SNAP style).

    Examples
    --------
    >>> edgelist_format("friends.csv"), edgelist_format("web.txt.gz")
    ('csv', 'text')
    >>> edgelist_format("friends.csv", "tsv")
    'tsv'
    """
    if format != "auto":
        if format not in EDGELIST_FORMATS:
            raise GraphError(f"graph.format = {format!r} is unknown; allowed: auto, "
                             f"{', '.join(EDGELIST_FORMATS)}")
        return format
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".gz":
        suffix = Path(p.stem).suffix.lower()
    return _EXTENSIONS.get(suffix, "text")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise GraphError(f"edge-list file {str(path)!r} does not exist")
    if path.is_dir():
        raise GraphError(f"edge-list file {str(path)!r} is a directory, not a file")
    if not path.is_file():
        raise GraphError(f"edge-list file {str(path)!r} is not a regular file (a device or "
                         "a pipe); give the path of a file holding the edges")


def _open_binary(path: Path) -> Any:
    if path.suffix.lower() == ".gz":
        import gzip

        return gzip.open(path, "rb")
    return open(path, "rb")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_pairs(path: Path, fmt: str) -> tuple[list[str], np.ndarray, np.ndarray,
                                                tuple[int, int] | None]:
    """Labels (first-seen order), the two ends of every line's friendship as ids, and
    (number of self-loops, line of the first) or None."""
    import csv
    from array import array

    _check_file(path)
    name = str(path)
    index: dict[str, int] = {}
    u, v = array("q"), array("q")
    n_loops, first_loop = 0, 0
    delimiter = {"csv": ",", "tsv": "\t"}.get(fmt)
    header: bool | None = None  # decided at the first row
    width = 0  # the number of columns the header names (0: no header)
    pending: tuple[int, str, list[str]] | None = None  # first row, held until the second

    def fail(ln: int, line: str, problem: str) -> GraphError:
        shown = line if len(line) <= 200 else line[:200] + "..."
        return GraphError(f"edge-list file {name!r}, line {ln}: {problem}: {shown!r} "
                          f"(read as {fmt}; set graph.format if that is wrong)")

    def add(ln: int, line: str, fields: list[str], named: int) -> None:
        nonlocal n_loops, first_loop
        if len(fields) < 2:
            raise fail(ln, line, f"expected two labels (a friendship), found {len(fields)} "
                                 "field(s)")
        a, b = fields[0], fields[1]
        if not a or not b:
            raise fail(ln, line, "a label is empty")
        extra = [x for x in fields[max(2, named):] if x != ""]
        if extra and not all(_is_number(x) for x in extra):
            what = (f"the header names {named} columns, so expected only numbers (weights) "
                    "after them" if named > 2 else "expected two labels then only numbers "
                    "(weights)")
            raise fail(ln, line, f"{what}, found {len(fields)} fields")
        ia = index.setdefault(a, len(index))
        ib = index.setdefault(b, len(index))
        if ia == ib:
            n_loops += 1
            first_loop = first_loop or ln
        u.append(ia)
        v.append(ib)

    try:
        f = _open_binary(path)
    except OSError as exc:
        raise GraphError(f"edge-list file {name!r} cannot be read: {exc.strerror}") from None
    with f:
        ln = 0
        try:
            for ln, raw in enumerate(f, start=1):  # noqa: B007 - ln is read after the loop
                try:
                    line = raw.decode("utf-8-sig" if ln == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise fail(ln, raw.decode("utf-8", "replace").rstrip("\r\n"),
                               f"not UTF-8 text (byte {raw[exc.start]:#04x} at column "
                               f"{exc.start + 1}); save the file as UTF-8") from None
                line = line.rstrip("\r\n")
                text = line.strip()
                if not text or text.startswith("#") or (fmt == "text" and text[0] == "%"):
                    continue
                if "\x00" in text:
                    raise fail(ln, line, "a NUL byte: this is not a text file")
                if delimiter is None:
                    fields = _INLINE_COMMENT.sub("", text).split()
                else:
                    fields = [x.strip() for x in next(csv.reader([text],
                                                                 delimiter=delimiter))]
                if header is None:
                    if pending is None:
                        if {x.lower() for x in fields[:2]} <= HEADER_WORDS and len(fields) >= 2:
                            header, width = True, len(fields)
                            continue
                        pending = (ln, line, fields)
                        continue
                    # the first row is a header when it is text above a row of numbers
                    first = pending[2]
                    header = (delimiter is not None and len(first) >= 2 and len(fields) >= 2
                              and not any(_is_number(x) for x in first[:2])
                              and all(_is_number(x) for x in fields[:2]))
                    if header:
                        width = len(first)
                    else:
                        add(*pending, named=0)
                    pending = None
                add(ln, line, fields, named=width)
        except (OSError, EOFError) as exc:  # a truncated .gz, a read error
            raise GraphError(f"edge-list file {name!r}, after line {ln}: cannot be read "
                             f"({exc})") from None
        except csv.Error as exc:
            raise GraphError(f"edge-list file {name!r}, line {ln}: {exc}") from None
    if pending is not None:  # a single data row
        add(*pending, named=0)
    labels = list(index)
    return (labels, np.frombuffer(u, dtype=np.int64), np.frombuffer(v, dtype=np.int64),
            (n_loops, first_loop) if n_loops else None)


def _read_markup(path: Path, fmt: str) -> nx.Graph:
    """A GraphML or GML file through networkx's reader, errors naming the file."""
    from xml.etree.ElementTree import ParseError

    _check_file(path)
    try:
        if fmt == "graphml":
            return nx.read_graphml(path)
        return nx.read_gml(path)
    except ParseError as exc:
        line = exc.position[0]
        raise GraphError(f"{fmt} file {str(path)!r}, line {line}: not valid XML "
                         f"({exc}){_line_of(path, line)}") from None
    except (nx.NetworkXError, ValueError, KeyError, TypeError, OSError, EOFError) as exc:
        where = re.search(r"\((\d+), \d+\)", str(exc))
        shown = _line_of(path, int(where.group(1))) if where else ""
        raise GraphError(f"{fmt} file {str(path)!r} cannot be read as {fmt}: "
                         f"{exc}{shown} (set graph.format if the format is wrong)") from None


def _line_of(path: Path, ln: int) -> str:
    """``: 'the text of line ln'`` of a file, or nothing."""
    try:
        with _open_binary(path) as f:
            for i, raw in enumerate(f, start=1):
                if i == ln:
                    text = raw.decode("utf-8", "replace").rstrip("\r\n")
                    return f": {text[:200]!r}"
    except (OSError, EOFError):
        pass
    return ""


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
        Marked ``generated`` unless read from an edge-list file.
    """
    from sim import generators as gen

    n, k = params.n_people, params.mean_degree
    if params.generator == "edgelist":
        return FriendGraph.from_edgelist(params.edgelist_path,
                                         params.format)
    if k >= n and params.generator != "wechat_like":  # (which checks its own, tighter limit)
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
    return FriendGraph.from_csr(*arrays, generated=True)


def row_position(indptr: np.ndarray, indices: np.ndarray, i: np.ndarray,
                 j: np.ndarray) -> np.ndarray:
    """Where ``j[k]`` is, or would be inserted, in the sorted CSR row ``i[k]``.

    A vectorised binary search, ``log2(largest degree) + 1`` passes over the
    queries: no per-tie key array is built, so it costs O(queries) memory
    on a graph of any size.

    Parameters
    ----------
    indptr, indices : CSR arrays (rows sorted ascending)
    i, j : int arrays (m,)
        Rows and the values looked up.

    Returns
    -------
    int64 array (m,)
        Positions in ``indices``; ``j[k]`` is in row ``i[k]`` when the
        position is below ``indptr[i[k] + 1]`` and holds ``j[k]``.
    """
    lo = indptr[i].astype(np.int64)
    hi = indptr[i + 1].astype(np.int64)
    last = max(indices.shape[0] - 1, 0)
    while True:
        live = lo < hi
        if not live.any():
            return lo
        mid = (lo + hi) // 2
        right = live & (indices[np.minimum(mid, last)] < j)
        lo = np.where(right, mid + 1, lo)
        hi = np.where(live & ~right, mid, hi)


def befriend(graph: FriendGraph, people: np.ndarray, targets: np.ndarray,
             rng: np.random.Generator, rounds: int = 8) -> tuple[FriendGraph, np.ndarray]:
    """A copy of ``graph`` where ``people[k]`` has at least ``targets[k]`` friends.

    Each person below their target befriends people drawn uniformly at
    random among those who are not yet their friends (marketing accounts
    adding strangers toward WeChat's 5,000-friend cap; LIT 4.1). A person
    already at or above the target keeps their friends. The new friends
    are drawn in rounds of vectorised draws, rejecting oneself, existing
    friends and repeats; after ``rounds`` rounds a person still short
    draws from their non-friends directly (a loop over those few people,
    which happens only when a target is close to the number of people).
    A person befriended by another of ``people`` counts that friend on top
    of their own target.

    Parameters
    ----------
    graph : FriendGraph
    people : int array (k,)
        Distinct internal ids.
    targets : int array (k,)
        Friend counts wanted, at most ``graph.n - 1``.
    rng : numpy.random.Generator

    Returns
    -------
    FriendGraph
        The graph with the new friendships (labels kept).
    added : bool array (new n_ties,)
        The directed ties that are new (both directions of each friendship).

    Notes
    -----
    Memory is O(n + new ties) besides the copy of ``indices``: new ties are
    inserted in place of a rebuild (:func:`row_position` finds where).
    """
    n = graph.n
    people = np.asarray(people, np.int64)
    need = np.maximum(np.asarray(targets, np.int64) - graph.degree[people], 0)
    keys = np.zeros(0, np.int64)  # canonical keys min * n + max of the new friendships
    us, vs = [], []
    for _ in range(rounds):
        if not need.any():
            break
        owner = np.repeat(np.arange(people.size), need)
        u = people[owner]
        v = rng.integers(0, n, owner.size)
        ok = u != v
        pos = row_position(graph.indptr, graph.indices, u, v)
        ok &= ~((pos < graph.indptr[u + 1])
                & (graph.indices[np.minimum(pos, graph.n_ties - 1)] == v))
        key = np.minimum(u, v) * n + np.maximum(u, v)
        if keys.size:  # not a friendship drawn in an earlier round
            at = np.minimum(np.searchsorted(keys, key), keys.size - 1)
            ok &= keys[at] != key
        k_ok = np.flatnonzero(ok)
        order = np.argsort(key[k_ok], kind="stable")
        sk = key[k_ok][order]
        first = np.ones(sk.size, bool)
        first[1:] = sk[1:] != sk[:-1]  # the first draw of each new friendship
        take = np.sort(k_ok[order[first]])
        keys = np.sort(np.concatenate([keys, sk[first]]))
        us.append(u[take])
        vs.append(v[take])
        need -= np.bincount(owner[take], minlength=people.size)
    short = np.flatnonzero(need).tolist()  # the few still short: their non-friends directly
    if short:
        lo_end, hi_end = np.concatenate(us) if us else keys, np.concatenate(vs) if vs else keys
        extra: dict[int, list[int]] = {}
        for k in short:
            u0 = int(people[k])
            taken = np.zeros(n, bool)
            taken[graph.indices[graph.indptr[u0]:graph.indptr[u0 + 1]]] = True
            taken[u0] = True
            taken[hi_end[lo_end == u0]] = True
            taken[lo_end[hi_end == u0]] = True
            taken[extra.get(u0, [])] = True
            free = np.flatnonzero(~taken)
            pick = rng.choice(free, size=min(int(need[k]), free.size), replace=False)
            for j in pick.tolist():
                extra.setdefault(j, []).append(u0)
            us.append(np.full(pick.size, u0, np.int64))
            vs.append(pick.astype(np.int64))
    u = np.concatenate(us) if us else np.zeros(0, np.int64)
    v = np.concatenate(vs) if vs else np.zeros(0, np.int64)
    src, dst = np.concatenate([u, v]), np.concatenate([v, u])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    pos = row_position(graph.indptr, graph.indices, src, dst)
    indices = np.insert(graph.indices, pos, dst.astype(graph.indices.dtype))
    indptr = graph.indptr.copy()
    indptr[1:] += np.cumsum(np.bincount(src, minlength=n))
    added = np.zeros(indices.shape[0], bool)
    added[pos + np.arange(pos.size)] = True
    return (FriendGraph.from_csr(indptr, indices, graph.labels, generated=graph.generated),
            added)
