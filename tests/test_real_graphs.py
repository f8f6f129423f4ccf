"""Graphs: the default generator against its targets, and the model on real graphs.

1. ``sim.generators.wechat_like_csr`` at n = 10,000, mean degree 100, target
   clustering 0.5 against LITERATURE.md §4.2's acceptance test for a
   "WeChat-like" generator. Measured (seed 1): one component; mean degree
   100.0, median 72, max 2,167; average clustering 0.495 (0.66 for nodes at or
   below the median degree, 0.16 in the top decile); mean distance 2.46,
   90th percentile 3; degree assortativity -0.077. Two targets are missed and
   kept as strict expected failures, so a fix shows up: positive assortativity
   (the Chung-Lu long-range ties make it slightly negative) and a mean path
   length of 3.5-5 (at n = 1e4-1e5 it is 2.5-2.9: the band comes from
   Facebook at 7e8 people, and distances grow like log n).
2. The full model runs on networkx's bundled real graphs (karate club,
   Les Misérables, Davis southern women, Florentine families), whose labels
   are ints or strings, and keeps its invariants.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

from sim.generators import wechat_like_csr
from sim.model import SocialCommerceModel
from sim.state import REMOVED

N, K, C = 10_000, 100.0, 0.5


@pytest.fixture(scope="module")
def stats() -> dict[str, float]:
    indptr, indices = wechat_like_csr(N, K, C, seed=1)
    n = indptr.size - 1
    deg = np.diff(indptr)
    a = sp.csr_matrix((np.ones(indices.size, np.int8), indices, indptr), shape=(n, n))
    _, lab = connected_components(a, directed=False)
    rng = np.random.default_rng(0)
    sample = rng.choice(n, 400, replace=False)
    local = []
    for i in sample:  # test code: 400 ego networks
        nb = indices[indptr[i]:indptr[i + 1]]
        d = nb.size
        local.append(a[nb][:, nb].nnz / (d * (d - 1)) if d > 1 else 0.0)
    local_c = np.array(local)
    src = np.repeat(np.arange(n), deg)
    dist = shortest_path(a, unweighted=True, indices=rng.choice(n, 10, replace=False))
    dist = dist[np.isfinite(dist) & (dist > 0)]
    low = deg[sample] <= np.median(deg)
    high = deg[sample] >= np.quantile(deg, 0.9)
    return {
        "n": n, "giant": np.bincount(lab).max() / n, "mean": deg.mean(),
        "median": float(np.median(deg)), "max": deg.max(), "clustering": local_c.mean(),
        "clustering_low": local_c[low].mean(), "clustering_high": local_c[high].mean(),
        "assortativity": float(np.corrcoef(deg[src], deg[indices])[0, 1]),
        "path": dist.mean(),
    }


def test_one_giant_component(stats: dict) -> None:
    assert stats["giant"] >= 0.99


def test_mean_degree_as_asked_and_right_skewed(stats: dict) -> None:
    assert stats["mean"] == pytest.approx(K, rel=0.01)
    assert stats["median"] < stats["mean"]
    assert stats["max"] > 5 * stats["mean"]  # a heavy tail, not a lattice


def test_clustering_matches_target_and_falls_with_degree(stats: dict) -> None:
    # generator docs: realised average clustering within about 0.03 of the target;
    # 400 sampled egos add a standard error of about 0.01
    assert stats["clustering"] == pytest.approx(C, abs=0.05)
    assert stats["clustering"] >= 0.3  # LITERATURE.md §4.2
    assert stats["clustering_low"] > 2 * stats["clustering_high"]


def test_paths_are_short(stats: dict) -> None:
    assert 2.0 <= stats["path"] <= 5.0


@pytest.mark.xfail(strict=True, reason="measured 2.46 at n = 1e4: the 3.5-5 band is for "
                                       "Facebook-scale graphs (LITERATURE.md §4.2)")
def test_path_length_in_literature_band(stats: dict) -> None:
    assert 3.5 <= stats["path"] <= 5.0


@pytest.mark.xfail(strict=True, reason="measured -0.077: Chung-Lu long-range ties make the "
                                       "default generator slightly disassortative")
def test_positive_assortativity(stats: dict) -> None:
    assert stats["assortativity"] > 0


# --------------------------------------------------------------- real graphs
REAL = {
    "karate_club": nx.karate_club_graph,
    "les_miserables": nx.les_miserables_graph,
    "davis_southern_women": nx.davis_southern_women_graph,
    "florentine_families": nx.florentine_families_graph,
}
SMALL = {"run.days": 30, "resellers.initial_share": 0.15, "merchants.follower_share": 0.3,
         "strategies.flooder_ads_per_day": 12.0, "users.p_background_unfriend": 0.002}


@pytest.mark.parametrize("name", list(REAL))
def test_model_runs_on_real_graph(name: str) -> None:
    g = REAL[name]()
    m = SocialCommerceModel(graph=g, overrides=SMALL, seed=3)
    m.run()
    df = m.metrics()
    assert len(df) == SMALL["run.days"]
    assert not df[["ads_posted", "ads_seen", "purchases", "gmv"]].isna().any().any()
    assert df["ads_posted"].sum() > 0  # something happened
    tr = m.ties.trust
    assert np.all((tr >= 0) & (tr <= 1))
    assert np.all(m.sellers.inventory >= 0)
    assert np.all(m.people.budget >= -1e-3)
    # labels survive: the friend graph now is the original minus removed friendships
    now = m.friend_graph()
    assert set(now.nodes) == set(g.nodes)
    assert set(map(frozenset, now.edges)) <= set(map(frozenset, g.edges))
    removed = int((m.ties.flags & REMOVED).astype(bool).sum()) // 2
    assert now.number_of_edges() == g.number_of_edges() - removed
    assert df["mean_degree"].iloc[-1] == pytest.approx(2 * now.number_of_edges() / len(g))
    # people and sellers are reported by original label
    people = m.people_table()
    assert len(people) == len(g)
    assert set(people["person"].astype(str)) == {str(v) for v in g.nodes}
    sellers = m.seller_table()
    r = sellers[sellers["type"] == "reseller"]
    assert len(r) >= 1
    assert set(r["person"]) <= {str(v) for v in g.nodes}
    label = next(iter(g.nodes))
    view = m.user(label)
    assert view.label == label
    assert set(view.friends) <= set(g[label])


def test_string_labels_keep_identity() -> None:
    g = nx.les_miserables_graph()
    m = SocialCommerceModel(graph=g, overrides=SMALL, seed=4)
    assert m.graph.labels is not None
    assert set(m.user("Valjean").friends) == set(g["Valjean"])
    with pytest.raises(KeyError, match="Javertt"):
        m.user("Javertt")


def test_bipartite_graph_is_read_as_friendships() -> None:
    """Davis southern women: women and events are both people; ties are attendances."""
    g = nx.davis_southern_women_graph()
    m = SocialCommerceModel(graph=g, overrides=SMALL, seed=5)
    assert m.graph.n == 32
    assert m.graph.n_ties == 2 * g.number_of_edges()
    assert set(m.user("Evelyn Jefferson").friends) == set(g["Evelyn Jefferson"])
