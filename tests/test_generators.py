"""Tests of sim.generators: CSR friend-graph generators built with NumPy only."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse import csgraph

from sim.generators import (
    community_csr,
    csr_from_edges,
    powerlaw_cluster_csr,
    watts_strogatz_csr,
    wechat_like_csr,
)

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def adjacency(indptr: np.ndarray, indices: np.ndarray) -> sp.csr_array:
    n = indptr.shape[0] - 1
    data = np.ones(indices.shape[0], dtype=np.float64)
    return sp.csr_array((data, indices, indptr), shape=(n, n))


def assert_simple_symmetric(indptr: np.ndarray, indices: np.ndarray, n: int) -> np.ndarray:
    """Check the CSR invariants; return the degrees."""
    assert indptr.dtype == np.int64 and indptr.shape == (n + 1,)
    assert indices.dtype == np.int32 and indices.shape == (int(indptr[-1]),)
    assert indptr[0] == 0 and np.all(np.diff(indptr) >= 0)
    if indices.size:
        assert indices.min() >= 0 and indices.max() < n
    a = adjacency(indptr, indices)
    assert (a != a.T).nnz == 0, "not symmetric"
    assert a.diagonal().sum() == 0, "self-loop"
    rows = np.repeat(np.arange(n), np.diff(indptr))
    same_row = rows[1:] == rows[:-1]
    steps = np.diff(indices.astype(np.int64))[same_row]
    assert np.all(steps > 0), "rows not strictly increasing (unsorted or duplicate ties)"
    return np.diff(indptr)


def local_clustering(
    indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Local clustering coefficients (and degrees) of ``nodes`` (all nodes by default)."""
    a = adjacency(indptr, indices)
    deg = np.diff(indptr)
    if nodes is None:
        nodes = np.arange(deg.shape[0])
    rows = a[nodes]
    triangles = np.asarray((rows @ a).multiply(rows).sum(axis=1)).ravel() / 2
    k = deg[nodes].astype(np.float64)
    pairs = k * (k - 1) / 2
    c = np.divide(triangles, pairs, out=np.zeros_like(triangles), where=pairs > 0)
    return c, deg[nodes]


def sample_nodes(n: int, size: int, seed: int = 0) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).choice(n, size=min(n, size), replace=False))


# ---------------------------------------------------------------------------
# csr_from_edges
# ---------------------------------------------------------------------------


def test_csr_from_edges_hand_built():
    # (0,1) twice (once reversed), a self-loop (2,2), (1,2) twice, (3,4), (4,0).
    src = np.array([0, 1, 2, 1, 3, 2, 4])
    dst = np.array([1, 0, 2, 2, 4, 1, 0])
    indptr, indices = csr_from_edges(5, src, dst)
    assert indptr.tolist() == [0, 2, 4, 5, 6, 8]
    assert indices.tolist() == [1, 4, 0, 2, 1, 4, 0, 3]
    assert indptr.dtype == np.int64 and indices.dtype == np.int32
    a = adjacency(indptr, indices)
    assert (a != a.T).nnz == 0
    assert a.diagonal().sum() == 0
    assert_simple_symmetric(indptr, indices, 5)


def test_csr_from_edges_isolated_nodes_and_empty_input():
    indptr, indices = csr_from_edges(4, [2], [1])
    assert indptr.tolist() == [0, 0, 1, 2, 2]
    assert indices.tolist() == [2, 1]
    for n in (0, 3):
        indptr, indices = csr_from_edges(n, [], [])
        assert indptr.tolist() == [0] * (n + 1)
        assert indices.shape == (0,) and indices.dtype == np.int32


def test_csr_from_edges_matches_scipy_reference():
    rng = np.random.default_rng(7)
    n, m = 300, 5000
    src = rng.integers(0, n, m, dtype=np.int32)
    dst = rng.integers(0, n, m, dtype=np.uint16)
    indptr, indices = csr_from_edges(n, src, dst)
    assert_simple_symmetric(indptr, indices, n)
    ref = sp.coo_array(
        (np.ones(2 * m), (np.r_[src, dst], np.r_[dst, src])), shape=(n, n)
    ).tocsr()
    ref.setdiag(0)
    ref.eliminate_zeros()
    ref.sum_duplicates()
    ref.sort_indices()
    assert indptr.tolist() == ref.indptr.tolist()
    assert indices.tolist() == ref.indices.tolist()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((-1, [], []), "n = -1"),
        ((2.5, [], []), "n = 2.5"),
        ((3, [0, 1], [1]), "src has length 2 and dst has length 1"),
        ((3, [0, 3], [1, 2]), "src holds node id 3"),
        ((3, [0, 1], [-1, 2]), "dst holds node id -1"),
        ((3, [0.0, 1.0], [1, 2]), "src has dtype float64"),
        ((3, [[0, 1]], [[1, 2]]), "src has shape (1, 2)"),
    ],
)
def test_csr_from_edges_bad_arguments(args, fragment):
    with pytest.raises(ValueError) as info:
        csr_from_edges(*args)
    assert fragment in str(info.value)


# ---------------------------------------------------------------------------
# every generator: invariants, determinism, mean degree
# ---------------------------------------------------------------------------

N = 20_000

GENERATORS = {
    # name: (callable taking seed, target mean degree, relative tolerance)
    "watts_strogatz": (lambda seed: watts_strogatz_csr(N, 100, 0.1, seed=seed), 100.0, 0.01),
    "powerlaw_cluster": (lambda seed: powerlaw_cluster_csr(N, 50, 0.5, seed=seed), 100.0, 0.01),
    "community": (lambda seed: community_csr(N, 100.0, 20, 0.8, seed=seed), 100.0, 0.001),
    "wechat_like": (lambda seed: wechat_like_csr(N, 100.0, seed=seed), 100.0, 0.001),
}


@pytest.fixture(scope="module")
def built():
    """Each generator's graph at seeds 1 and 2 (built once for the module)."""
    return {name: (make(1), make(2)) for name, (make, _, _) in GENERATORS.items()}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_is_simple_symmetric_and_on_target(name, built):
    _, target, tol = GENERATORS[name]
    indptr, indices = built[name][0]
    deg = assert_simple_symmetric(indptr, indices, N)
    assert abs(deg.mean() - target) <= tol * target, deg.mean()


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_is_deterministic_under_a_seed(name, built):
    make = GENERATORS[name][0]
    (p1, i1), (p2, i2) = built[name]
    again_p, again_i = make(1)
    assert np.array_equal(p1, again_p) and np.array_equal(i1, again_i)
    assert not (np.array_equal(p1, p2) and np.array_equal(i1, i2))
    # A Generator seeds exactly like the int it was made from.
    gen_p, gen_i = make(np.random.default_rng(1))
    assert np.array_equal(p1, gen_p) and np.array_equal(i1, gen_i)


def test_seed_none_gives_a_valid_graph():
    indptr, indices = wechat_like_csr(500, 10.0, seed=None)
    assert_simple_symmetric(indptr, indices, 500)
    assert indices.shape[0] == 500 * 10


# ---------------------------------------------------------------------------
# wechat_like_csr
# ---------------------------------------------------------------------------


def test_wechat_like_structure(built):
    indptr, indices = built["wechat_like"][0]
    deg = np.diff(indptr)
    # One giant component.
    _, labels = csgraph.connected_components(adjacency(indptr, indices), directed=False)
    assert np.bincount(labels).max() >= 0.99 * N
    # Right-skewed degrees with a heavy tail.
    assert np.median(deg) < deg.mean()
    assert deg.max() > 10 * deg.mean()
    # High clustering, near the default target of 0.5, falling with degree.
    c, k = local_clustering(indptr, indices, sample_nodes(N, 3000))
    assert c.mean() >= 0.3
    assert abs(c.mean() - 0.5) < 0.06, c.mean()
    high = c[k >= np.quantile(k, 0.9)].mean()
    low = c[k <= np.quantile(k, 0.5)].mean()
    assert high < low, (high, low)
    # Short paths: BFS from a few people.
    dist = csgraph.shortest_path(
        adjacency(indptr, indices), unweighted=True, indices=[0, 1, 2], directed=False
    )
    assert np.isfinite(dist).all()
    assert dist.mean() < 6, dist.mean()


def test_wechat_like_clustering_knob_is_monotone():
    n = 5000
    means = []
    for target in (0.1, 0.4, 0.7):
        indptr, indices = wechat_like_csr(n, 40.0, target, seed=3)
        assert indices.shape[0] == n * 40
        means.append(local_clustering(indptr, indices, sample_nodes(n, 2000))[0].mean())
    assert means[0] < means[1] < means[2], means


@pytest.mark.parametrize("n", [5, 6, 9, 30])
@pytest.mark.parametrize("clustering", [0.0, 0.5, 1.0])
def test_wechat_like_tiny_and_dense(n, clustering):
    for mean_degree in (2.0, (n - 1) / 2):
        indptr, indices = wechat_like_csr(n, mean_degree, clustering, seed=5)
        deg = assert_simple_symmetric(indptr, indices, n)
        assert deg.sum() == 2 * round(n * mean_degree / 2)
        n_comp = csgraph.connected_components(adjacency(indptr, indices), directed=False)[0]
        assert n_comp == 1  # the ring backbone is always there


# ---------------------------------------------------------------------------
# powerlaw_cluster_csr
# ---------------------------------------------------------------------------


def test_powerlaw_cluster_clustering_rises_with_p():
    n, m = 5000, 5
    low, high = [], []
    for seed in range(3):
        for p, out in ((0.0, low), (0.9, high)):
            indptr, indices = powerlaw_cluster_csr(n, m, p, seed=seed)
            deg = assert_simple_symmetric(indptr, indices, n)
            assert deg.sum() == 2 * m * (n - m)
            assert np.median(deg) < deg.mean() and deg.max() > 10 * deg.mean()
            assert deg.min() >= m
            out.append(local_clustering(indptr, indices)[0].mean())
    assert max(low) < 0.05
    assert min(high) > 0.2
    assert min(high) > 5 * max(low)


def test_powerlaw_cluster_small_cases():
    for n, m in ((2, 1), (3, 2), (12, 11), (40, 7)):
        for p in (0.0, 1.0):
            indptr, indices = powerlaw_cluster_csr(n, m, p, seed=0)
            deg = assert_simple_symmetric(indptr, indices, n)
            assert deg.sum() == 2 * m * (n - m)


# ---------------------------------------------------------------------------
# watts_strogatz_csr and community_csr
# ---------------------------------------------------------------------------


def test_watts_strogatz_without_rewiring_is_the_ring_lattice():
    n, k = 1000, 10
    indptr, indices = watts_strogatz_csr(n, k, 0.0, seed=0)
    deg = assert_simple_symmetric(indptr, indices, n)
    assert np.all(deg == k)
    row0 = indices[indptr[0]:indptr[1]].tolist()
    assert row0 == [1, 2, 3, 4, 5, 995, 996, 997, 998, 999]
    c = local_clustering(indptr, indices)[0]
    assert np.allclose(c, 3 * (k - 2) / (4 * (k - 1)))
    indptr, indices = watts_strogatz_csr(n, 0, 0.5, seed=0)
    assert indices.shape == (0,)


def test_community_shares(built):
    indptr, indices = built["community"][0]
    deg = np.diff(indptr)
    label = np.arange(N) * 20 // N
    rows = np.repeat(np.arange(N), deg)
    within = label[rows] == label[indices]
    assert abs(within.mean() - 0.8) < 0.002
    per_node = np.bincount(rows, weights=within, minlength=N) / np.maximum(deg, 1)
    assert abs(np.median(per_node) - 0.8) < 0.05
    assert np.bincount(label).tolist() == [N // 20] * 20


def test_community_extremes():
    for p_within in (0.0, 1.0):
        indptr, indices = community_csr(400, 10.0, 4, p_within, seed=1)
        assert_simple_symmetric(indptr, indices, 400)
        rows = np.repeat(np.arange(400), np.diff(indptr))
        label = np.arange(400) * 4 // 400
        assert np.mean(label[rows] == label[indices]) == p_within
    indptr, indices = community_csr(50, 6.0, 1, 1.0, seed=1)
    assert indices.shape[0] == 300


# ---------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------

BAD_CALLS = [
    (watts_strogatz_csr, (10, 3, 0.1), "k = 3"),
    (watts_strogatz_csr, (10, 10, 0.1), "k = 10"),
    (watts_strogatz_csr, (10, -2, 0.1), "k = -2"),
    (watts_strogatz_csr, (10, 4, 1.5), "p = 1.5"),
    (watts_strogatz_csr, (10, 4, float("nan")), "p = nan"),
    (watts_strogatz_csr, (2, 0, 0.1), "n = 2"),
    (watts_strogatz_csr, (10.5, 4, 0.1), "n = 10.5"),
    (powerlaw_cluster_csr, (10, 0, 0.5), "m = 0"),
    (powerlaw_cluster_csr, (10, 10, 0.5), "m = 10"),
    (powerlaw_cluster_csr, (10, 2, -0.1), "p = -0.1"),
    (powerlaw_cluster_csr, (1, 1, 0.5), "n = 1"),
    (community_csr, (100, 10.0, 0, 0.5), "n_communities = 0"),
    (community_csr, (100, 10.0, 51, 0.5), "n_communities = 51"),
    (community_csr, (100, 10.0, 5, 2), "p_within = 2"),
    (community_csr, (100, -1.0, 5, 0.5), "mean_degree = -1.0"),
    (community_csr, (100, 0.0, 5, 0.5), "mean_degree = 0.0"),
    (community_csr, (100, 10.0, 1, 0.5), "p_within = 0.5"),
    (community_csr, (100, 30.0, 10, 0.9), "p_within = 0.9"),
    (wechat_like_csr, (100, 1.0), "mean_degree = 1.0"),
    (wechat_like_csr, (100, 60.0), "mean_degree = 60.0"),
    (wechat_like_csr, (100, 10.0, 1.5), "clustering = 1.5"),
    (wechat_like_csr, (4, 2.0), "n = 4"),
    (wechat_like_csr, (True, 2.0), "n = True"),
    (wechat_like_csr, ("100", 10.0), "n = '100'"),
]


@pytest.mark.parametrize(("func", "args", "fragment"), BAD_CALLS)
def test_bad_arguments_name_the_argument_and_value(func, args, fragment):
    with pytest.raises(ValueError) as info:
        func(*args)
    assert fragment in str(info.value)
    assert "must" in str(info.value)


@pytest.mark.parametrize("seed", [-1, "abc", 1.5])
def test_bad_seed(seed):
    with pytest.raises(ValueError) as info:
        wechat_like_csr(100, 10.0, seed=seed)
    assert f"seed = {seed!r}" in str(info.value)
