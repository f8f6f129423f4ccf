"""The friend graph: any networkx graph in, CSR arrays with correct reverse ties out.

Issue 2: "accepts any networkx graph a user passes (any hashable node labels;
isolated nodes allowed; self-loops and multi-edges rejected or dropped with
a warning that says so), an edge-list file, or a generator".
"""

from __future__ import annotations

import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim.graph import FriendGraph, GraphError, build_graph, edgelist_format
from sim.model import SocialCommerceModel
from sim.params import GraphParams


def _check_csr(fg: FriendGraph) -> None:
    """Symmetric, sorted rows, no self-loops or duplicates, and rev is the reverse tie."""
    src = fg.src()
    dst = fg.indices
    assert fg.indptr[0] == 0 and fg.indptr[-1] == fg.n_ties
    assert np.all(np.diff(fg.indptr) >= 0)
    assert np.all(src != dst), "self-loop in CSR"
    for i in range(fg.n):
        row = dst[fg.indptr[i]:fg.indptr[i + 1]]
        assert np.all(np.diff(row) > 0), f"row {i} not strictly increasing"
    rev = fg.rev
    assert rev.shape == (fg.n_ties,)
    np.testing.assert_array_equal(src[rev], dst)
    np.testing.assert_array_equal(dst[rev], src)
    np.testing.assert_array_equal(rev[rev], np.arange(fg.n_ties))


def _same_graph(a: nx.Graph, b: nx.Graph) -> None:
    assert set(a.nodes()) == set(b.nodes())
    assert {frozenset(e) for e in a.edges()} == {frozenset(e) for e in b.edges()}


# ---------------------------------------------------------------- networkx input
@pytest.mark.parametrize(
    "graph",
    [
        nx.path_graph(6),
        nx.karate_club_graph(),
        nx.relabel_nodes(nx.cycle_graph(7), {i: f"user-{i}" for i in range(7)}),
        nx.relabel_nodes(nx.grid_2d_graph(3, 4), lambda x: x),  # tuple labels
        nx.relabel_nodes(nx.star_graph(5), {0: "hub", 1: (1, "a"), 2: 2.5, 3: frozenset({3})}),
    ],
    ids=["path", "karate", "strings", "tuples", "mixed"],
)
def test_from_networkx_round_trip(graph: nx.Graph) -> None:
    fg = FriendGraph.from_networkx(graph)
    assert fg.n == graph.number_of_nodes()
    assert fg.n_ties == 2 * graph.number_of_edges()
    _check_csr(fg)
    _same_graph(fg.to_networkx(), graph)
    for u, v in graph.edges():
        i, j = fg.index_of(u), fg.index_of(v)
        assert fg.tie(i, j) >= 0 and fg.tie(j, i) >= 0
        assert fg.rev[fg.tie(i, j)] == fg.tie(j, i)
        assert fg.label(i) == u


def test_isolated_nodes_are_kept() -> None:
    g = nx.Graph([("a", "b"), ("b", "c")])
    g.add_nodes_from(["lonely", "alone"])  # the last nodes are isolated
    fg = FriendGraph.from_networkx(g)
    assert fg.n == 5
    assert fg.degree[fg.index_of("lonely")] == 0
    assert fg.degree[fg.index_of("alone")] == 0
    back = fg.to_networkx()
    assert "lonely" in back and back.degree("lonely") == 0
    _check_csr(fg)


def test_model_runs_with_isolated_people_last() -> None:
    # the last people in label order are isolated: row sums must not fail
    g = nx.Graph([(0, 1), (1, 2), (2, 3)])
    g.add_nodes_from([4, 5])
    m = SocialCommerceModel(graph=g, overrides={"resellers.initial_share": 0.2,
                                                "run.days": 3})
    m.run()
    table = m.people_table()
    assert table.loc[4, "friends_lost"] == 0 and table.loc[5, "degree_start"] == 0
    assert float(m.people.ordinary_load[4]) == 0.0
    fgx = m.friend_graph()
    assert set(fgx.nodes()) == set(g.nodes())
    assert {frozenset(e) for e in fgx.edges()} <= {frozenset(e) for e in g.edges()}
    assert m.user(5).friends == []


def test_float_and_bool_labels_survive() -> None:
    # 0.0 == 0 and False == 0 in Python: the labels must still come back as given
    g = nx.Graph([(0.0, 1.0), (1.0, 2.0)])
    fg = FriendGraph.from_networkx(g)
    assert fg.labels == [0.0, 1.0, 2.0]
    assert all(type(x) is float for x in fg.to_networkx().nodes())
    fg = FriendGraph.from_networkx(nx.Graph([(False, True)]))
    assert fg.labels == [False, True]


def test_integer_labels_out_of_order() -> None:
    g = nx.Graph()
    g.add_nodes_from([10, 3, 7])
    g.add_edges_from([(10, 3), (3, 7)])
    fg = FriendGraph.from_networkx(g)
    assert fg.labels == [10, 3, 7]
    _same_graph(fg.to_networkx(), g)


def test_self_loops_dropped_with_warning() -> None:
    g = nx.Graph([("a", "b"), ("b", "c"), ("a", "a"), ("c", "c")])
    with pytest.warns(UserWarning, match=r"dropped 2 self-loop\(s\)"):
        fg = FriendGraph.from_networkx(g)
    assert fg.n_ties == 4
    _check_csr(fg)
    _same_graph(fg.to_networkx(), nx.Graph([("a", "b"), ("b", "c")]))


def test_multigraph_parallel_edges_merged_with_warning() -> None:
    g = nx.MultiGraph([(1, 2), (1, 2), (2, 1), (2, 3)])
    with pytest.warns(UserWarning, match=r"merged 2 parallel edge\(s\)"):
        fg = FriendGraph.from_networkx(g)
    assert fg.n_ties == 4
    _check_csr(fg)


def test_multigraph_without_parallels_gives_no_warning() -> None:
    g = nx.MultiGraph([(1, 2), (2, 3)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fg = FriendGraph.from_networkx(g)
    assert fg.n_ties == 4


def test_digraph_read_as_undirected_with_warning() -> None:
    g = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c")])
    with pytest.warns(UserWarning, match="directed graph"):
        fg = FriendGraph.from_networkx(g)
    assert fg.n_ties == 4  # a-b once, b-c once, both directions
    _check_csr(fg)


def test_empty_graph_rejected() -> None:
    with pytest.raises(GraphError, match="empty"):
        FriendGraph.from_networkx(nx.Graph())


@pytest.mark.parametrize("n", [1, 5])
def test_graph_without_edges_rejected(n: int) -> None:
    with pytest.raises(GraphError, match=f"n = {n} people|{n} people but no ties"):
        FriendGraph.from_networkx(nx.empty_graph(n))


def test_only_self_loops_is_no_edges() -> None:
    g = nx.Graph([(1, 1), (2, 2)])
    with pytest.warns(UserWarning, match="self-loop"), pytest.raises(GraphError, match="no ties"):
        FriendGraph.from_networkx(g)


def test_not_a_graph_rejected() -> None:
    with pytest.raises(TypeError, match="networkx graph"):
        FriendGraph.from_networkx([(1, 2)])  # type: ignore[arg-type]


def test_require_connected() -> None:
    g = nx.Graph([(0, 1), (2, 3)])
    SocialCommerceModel(graph=g)  # allowed by default
    with pytest.raises(GraphError, match="disconnected"):
        SocialCommerceModel(graph=g, overrides={"graph.require_connected": True})
    SocialCommerceModel(graph=nx.path_graph(4), overrides={"graph.require_connected": True})


# ---------------------------------------------------------------- edge-list files
def test_edgelist_file(tmp_path: Path) -> None:
    p = tmp_path / "edges.txt"
    p.write_text("# friends\nalice bob\nbob carol\n\ncarol alice  # a comment\ndave erin\n",
                 encoding="utf-8")
    fg = FriendGraph.from_edgelist(p)
    assert sorted(fg.labels) == ["alice", "bob", "carol", "dave", "erin"]
    assert fg.n_ties == 8
    _check_csr(fg)
    g = fg.to_networkx()
    assert g.has_edge("alice", "carol") and not g.has_edge("alice", "dave")


def test_edgelist_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="does not exist"):
        FriendGraph.from_edgelist(tmp_path / "missing.txt")


@pytest.mark.parametrize("text", ["", "# nothing here\n\n"])
def test_edgelist_without_edges(tmp_path: Path, text: str) -> None:
    p = tmp_path / "empty.txt"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(GraphError, match="holds no edges"):
        FriendGraph.from_edgelist(p)


def test_edgelist_scenario_runs(tmp_path: Path) -> None:
    p = tmp_path / "edges.txt"
    p.write_text("\n".join(f"p{i} p{(i + 1) % 30}" for i in range(30)), encoding="utf-8")
    m = SocialCommerceModel(overrides={"graph.generator": "edgelist",
                                       "graph.edgelist_path": str(p), "run.days": 2})
    assert m.graph.n == 30
    m.run()
    assert set(m.friend_graph().nodes()) == {f"p{i}" for i in range(30)}


# ---------------------------------------------------------------- edge lists as people have them
def _write(tmp: Path, name: str, text: str | bytes) -> Path:
    p = tmp / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("h.csv", "u,v\nalice,bob\nbob,carol\n"),
        ("h2.csv", "source,target,weight\nalice,bob,3\nbob,carol,heavy\n"),
        ("noheader.csv", "alice,bob\nbob,carol\n"),
        ("quoted.csv", '"alice","bob"\n"bob","carol"\n'),
        ("spaces.csv", "# friends\nalice, bob\nbob , carol\n"),
        ("h.tsv", "from\tto\nalice\tbob\nbob\tcarol\n"),
        ("snap.txt", "# Directed graph\n# FromNodeId\tToNodeId\nalice\tbob\nbob carol 0.5 17\n"),
        ("konect.edges", "% sym unweighted\nalice bob\nbob carol\n"),
        ("crlf.txt", "alice bob\r\nbob carol\r\n"),
        ("bom.csv", "\ufeffu,v\nalice,bob\nbob,carol\n"),
    ],
)
def test_edge_list_formats(tmp_path: Path, name: str, text: str) -> None:
    fg = FriendGraph.from_edgelist(_write(tmp_path, name, text))
    assert sorted(fg.labels) == ["alice", "bob", "carol"]
    assert fg.n_ties == 4
    _check_csr(fg)


def test_csv_header_of_words_is_not_two_people(tmp_path: Path) -> None:
    """`u,v` (and text above numbers) is a header, not a friendship between 'u' and 'v'."""
    fg = FriendGraph.from_edgelist(_write(tmp_path, "e.csv", "u,v\n1,2\n2,3\n"))
    assert fg.labels == ["1", "2", "3"]
    fg = FriendGraph.from_edgelist(_write(tmp_path, "f.csv", "name_a,name_b\n1,2\n2,3\n"))
    assert fg.labels == ["1", "2", "3"]


def test_hash_inside_a_label_is_kept(tmp_path: Path) -> None:
    fg = FriendGraph.from_edgelist(_write(tmp_path, "e.txt", "user#1 user#2\nuser#2 user#3 "
                                                              "# a comment\n"))
    assert fg.labels == ["user#1", "user#2", "user#3"]


def test_graphml_and_gml(tmp_path: Path) -> None:
    g = nx.relabel_nodes(nx.cycle_graph(6), {i: f"p{i}" for i in range(6)})
    g.add_node("alone")
    nx.write_graphml(g, tmp_path / "g.graphml")
    nx.write_gml(g, tmp_path / "g.gml")
    for name in ("g.graphml", "g.gml"):
        fg = FriendGraph.from_edgelist(tmp_path / name)
        assert fg.n == 7 and fg.n_ties == 12
        _same_graph(fg.to_networkx(), g)


def test_gzip_and_explicit_format(tmp_path: Path) -> None:
    import gzip

    with gzip.open(tmp_path / "e.csv.gz", "wt", encoding="utf-8") as f:
        f.write("u,v\na,b\nb,c\n")
    assert FriendGraph.from_edgelist(tmp_path / "e.csv.gz").n == 3
    p = _write(tmp_path, "edges.dat", "a;b\n")
    with pytest.raises(GraphError, match="edges.dat', line 1"):
        FriendGraph.from_edgelist(p)
    _write(tmp_path, "friends.data", "a,b\nb,c\n")
    assert FriendGraph.from_edgelist(tmp_path / "friends.data", "csv").n == 3
    assert edgelist_format("x.GML") == "gml" and edgelist_format("x.tab") == "tsv"
    with pytest.raises(GraphError, match="graph.format = 'pdf'"):
        edgelist_format("x.csv", "pdf")


def test_graph_format_parameter(tmp_path: Path) -> None:
    p = _write(tmp_path, "friends.data", "u,v\n" + "".join(f"p{i},p{(i + 1) % 30}\n"
                                                          for i in range(30)))
    m = SocialCommerceModel(overrides={"graph.generator": "edgelist", "graph.format": "csv",
                                       "graph.edgelist_path": str(p), "run.days": 1})
    assert m.graph.n == 30 and "u" not in m.graph.labels
    with pytest.raises(GraphError, match="read as text"):
        SocialCommerceModel(overrides={"graph.generator": "edgelist",
                                       "graph.edgelist_path": str(p), "run.days": 1})


@pytest.mark.parametrize(
    ("name", "text", "needles"),
    [
        ("a.txt", "a b c d\nx\n", ["line 1", "'a b c d'"]),
        ("b.txt", "alice bob\nx\n", ["line 2", "'x'", "found 1 field"]),
        ("c.txt", "alice bob\nbob carol extra\n", ["line 2", "'bob carol extra'"]),
        ("d.csv", "alice,bob\n,carol\n", ["line 2", "label is empty"]),
        ("e.csv", "alice,bob\nbob\n", ["line 2", "'bob'"]),
        ("f.txt", b"alice bob\n\xe9 x\n", ["line 2", "not UTF-8", "0xe9"]),
        ("g.txt", "alice bob\0\n", ["line 1", "NUL"]),
        ("h.graphml", "<graphml><graph>", ["line 1", "not valid XML"]),
        ("i.gml", "graph [ node [ id 1 label \"a\" ] node [ id 1 label \"b\" ] ]",
         ["cannot be read as gml"]),
        # a header names two columns: a third must still be a number (a weight)
        ("j.csv", "u,v\n1,2\nx,y,z\n", ["line 3", "'x,y,z'", "only numbers"]),
        ("k.txt", "source target\na b\nx y z\n", ["line 3", "'x y z'"]),
        ("l.csv", "u,v,w\n1,2,3\n4,5,x,y\n", ["line 3", "the header names 3 columns"]),
    ],
)
def test_every_line_must_parse(tmp_path: Path, name: str, text: str | bytes,
                               needles: list[str]) -> None:
    p = _write(tmp_path, name, text)
    with pytest.raises(GraphError) as info:
        FriendGraph.from_edgelist(p)
    msg = str(info.value)
    assert repr(str(p)) in msg
    for needle in needles:
        assert needle in msg, (needle, msg)


@pytest.mark.parametrize("where", ["directory", "device"])
def test_edge_list_not_a_file(tmp_path: Path, where: str) -> None:
    import os

    path = tmp_path if where == "directory" else Path(os.devnull)
    with pytest.raises(GraphError, match="directory|not a regular file"):
        FriendGraph.from_edgelist(path)


def test_self_loop_in_edge_list_warns_with_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "e.txt", "a b\nb b\nb c\n")
    with pytest.warns(UserWarning, match="dropped 1 self-loop.*line 2"):
        fg = FriendGraph.from_edgelist(p)
    assert fg.n == 3 and fg.n_ties == 4


# ---------------------------------------------------------------- CSR helpers
def test_tie_lookup() -> None:
    fg = FriendGraph.from_networkx(nx.path_graph(5))
    assert fg.tie(0, 1) == 0
    assert fg.tie(1, 0) == 1 and fg.tie(1, 2) == 2
    assert fg.tie(0, 2) == -1 and fg.tie(4, 0) == -1 and fg.tie(2, 2) == -1
    assert fg.indices[fg.tie(3, 4)] == 4


def test_rev_on_random_graphs() -> None:
    for seed in range(5):
        g = nx.gnm_random_graph(200, 600, seed=seed)
        g.add_nodes_from(range(200, 210))  # isolated tail
        fg = FriendGraph.from_networkx(g)
        _check_csr(fg)
        _same_graph(fg.to_networkx(), g)


def test_to_networkx_keep_drops_a_friendship_if_either_side_removed() -> None:
    fg = FriendGraph.from_networkx(nx.Graph([("a", "b"), ("b", "c")]))
    keep = np.ones(fg.n_ties, bool)
    a, b = fg.index_of("a"), fg.index_of("b")
    keep[fg.tie(a, b)] = False  # one direction only
    g = fg.to_networkx(keep)
    assert not g.has_edge("a", "b") and g.has_edge("b", "c")
    assert set(g.nodes()) == {"a", "b", "c"}


def test_index_of_unknown_label() -> None:
    fg = FriendGraph.from_networkx(nx.Graph([("a", "b")]))
    with pytest.raises(KeyError, match="'zed'"):
        fg.index_of("zed")
    fg = FriendGraph.from_networkx(nx.path_graph(3))
    with pytest.raises(KeyError, match="7"):
        fg.index_of(7)
    assert fg.index_of(np.int64(2)) == 2
    for wrong in (1.7, "1", True, -1):  # not silently read as person 1
        with pytest.raises(KeyError, match="not in the graph"):
            fg.index_of(wrong)


@pytest.mark.parametrize("generator", ["wechat_like", "watts_strogatz", "powerlaw_cluster",
                                       "communities"])
def test_generators_give_valid_csr(generator: str) -> None:
    params = GraphParams(generator=generator, n_people=300, mean_degree=10, n_communities=5)
    fg = build_graph(params, np.random.default_rng(1))
    assert fg.n == 300
    _check_csr(fg)
    assert 5 <= fg.n_ties / fg.n <= 20  # mean degree near the asked 10


def test_model_with_labels_exposes_original_labels() -> None:
    g = nx.relabel_nodes(nx.karate_club_graph(), {i: f"member{i}" for i in range(34)})
    m = SocialCommerceModel(graph=g, overrides={"run.days": 3, "resellers.initial_share": 0.1})
    m.run()
    fgx = m.friend_graph()
    assert set(fgx.nodes()) == set(g.nodes())
    assert set(fgx.edges()) <= {tuple(e) for e in g.edges()} | {e[::-1] for e in g.edges()}
    view = m.user("member0")
    assert view.label == "member0"
    assert set(view.friends) <= set(g["member0"])
    with pytest.raises(AttributeError, match="read-only"):
        view.budget = 0
    table = m.seller_table()
    assert set(table.loc[table["type"] == "reseller", "person"]) <= set(g.nodes())


@pytest.mark.parametrize(
    ("over", "needle"),
    [({"generator": "communities", "n_people": 200, "mean_degree": 150}, "communities"),
     ({"generator": "wechat_like", "n_people": 2, "mean_degree": 1}, "graph.n_people = 2"),
     ({"generator": "watts_strogatz", "n_people": 50, "mean_degree": 60},
      "graph.mean_degree = 60 must be < graph.n_people = 50")],
)
def test_generator_rejections_name_the_graph_section(over: dict, needle: str) -> None:
    with pytest.raises(GraphError, match="graph.") as info:
        build_graph(GraphParams(**over), np.random.default_rng(0))
    assert needle in str(info.value)
