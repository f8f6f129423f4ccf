"""A peer's model: scsim's independent cascade against NDlib's IndependentCascadesModel.

NDlib (Rossetti et al. 2018) is a test dependency only. Its IC semantics,
read in ``ndlib/models/epidemics/IndependentCascadesModel.py`` (NDlib 6.0.1):
each iteration, every node of status Infected (1) flips once,
``np.random.random_sample() <= threshold``, against each neighbour still
Susceptible (0), where ``threshold`` is the edge's configured ``threshold``
(default ``1/deg(u)``, the weighted cascade; on an undirected graph the
threshold of ``(v, u)`` is used when ``(u, v)`` is not configured); then the
node becomes Removed (2). We configure every edge's threshold to ``beta``,
seed the same nodes, iterate until no node is Infected, and compare final
sizes (Infected + Removed) with :func:`sim.adoption.independent_cascade`.

Statistics: 200 runs each side; a Mann-Whitney U and a two-sample KS test
must not reject equality at the 1 % level, and the 95 % confidence interval
of the difference of means (Welch, 1.96 sqrt(se_a^2 + se_b^2)) must contain
0. (Asking each mean to lie in the other's one-sample 95 % interval,
1.96 se, fails about 16 % of the time when the two models are identical,
because the difference has standard error sqrt(2) se; the ER case below did
so with 200 runs, and agreed to 0.7 se with 1,500 runs each side:
153.3 vs 150.9, Mann-Whitney p = 0.35.) A power check shows the same tests
reject a cascade with a different beta.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from sim.adoption import as_friend_graph, independent_cascade

ndlib_ep = pytest.importorskip("ndlib.models.epidemics")
ndlib_mc = pytest.importorskip("ndlib.models.ModelConfig")

RUNS = 200


def ndlib_final_size(g: nx.Graph, seeds: list, beta: float, seed: int) -> int:
    """Final cascade size of one NDlib IC run with a uniform edge threshold ``beta``."""
    model = ndlib_ep.IndependentCascadesModel(g, seed=seed)
    cfg = ndlib_mc.Configuration()
    cfg.add_model_initial_configuration("Infected", list(seeds))
    for e in g.edges():
        cfg.add_edge_configuration("threshold", e, beta)
    model.set_initial_status(cfg)
    while True:
        it = model.iteration(node_status=False)
        if it["iteration"] > 0 and it["node_count"][1] == 0:
            return int(it["node_count"][1] + it["node_count"][2])


def scsim_sizes(g: nx.Graph, seeds: list, beta: float, runs: int, offset: int = 0) -> np.ndarray:
    fg = as_friend_graph(g)  # compile once, as the model does
    return np.array([independent_cascade(fg, seeds, beta, seed=offset + s).size
                     for s in range(runs)])


def ndlib_sizes(g: nx.Graph, seeds: list, beta: float, runs: int) -> np.ndarray:
    return np.array([ndlib_final_size(g, seeds, beta, 1000 + s) for s in range(runs)])


def assert_same_distribution(a: np.ndarray, b: np.ndarray) -> None:
    mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    ks = stats.ks_2samp(a, b)
    assert mw.pvalue > 0.01, f"Mann-Whitney p = {mw.pvalue:.4g}; means {a.mean()}, {b.mean()}"
    assert ks.pvalue > 0.01, f"KS p = {ks.pvalue:.4g}"
    se = np.hypot(a.std(ddof=1) / np.sqrt(a.size), b.std(ddof=1) / np.sqrt(b.size))
    diff = a.mean() - b.mean()
    assert abs(diff) <= 1.96 * se, (
        f"means {a.mean():.3f} vs {b.mean():.3f}: difference {diff:.3f} outside "
        f"its 95% CI half-width {1.96 * se:.3f}")


CASES = {
    "karate club, 2 hubs, beta 0.2": (nx.karate_club_graph(), [0, 33], 0.2),
    "karate club, 1 peripheral node, beta 0.35": (nx.karate_club_graph(), [11], 0.35),
    "Erdos-Renyi n 600 k 8, 3 seeds, beta 0.15": (
        nx.gnp_random_graph(600, 8 / 599, seed=3), [1, 2, 3], 0.15),
    "Les Miserables (string labels), beta 0.1": (
        nx.les_miserables_graph(), ["Valjean"], 0.1),
}


@pytest.mark.parametrize("case", list(CASES))
def test_final_sizes_match_ndlib(case: str) -> None:
    g, seeds, beta = CASES[case]
    ours = scsim_sizes(g, seeds, beta, RUNS)
    theirs = ndlib_sizes(g, seeds, beta, RUNS)
    # the cascades are not degenerate: sizes vary and exceed the seed set
    assert ours.std() > 0 and ours.mean() > len(seeds) + 0.5
    assert_same_distribution(ours, theirs)


def test_comparison_has_power() -> None:
    """The same tests reject NDlib at beta = 0.2 against scsim at beta = 0.3."""
    g = nx.karate_club_graph()
    theirs = ndlib_sizes(g, [0, 33], 0.2, RUNS)
    ours = scsim_sizes(g, [0, 33], 0.3, RUNS)
    assert stats.mannwhitneyu(ours, theirs).pvalue < 1e-3


def test_giant_cascade_matches_percolation_theory() -> None:
    """IC with uniform beta on ER(n, k/n) is bond percolation: S = 1 - exp(-k beta S).

    LITERATURE.md §1.7: S = 0.7968 at k beta = 2. Runs that take off (> 10 %
    of n) must reach S within 0.02 (finite n = 20,000, mean of 10 runs).
    """
    n, k, beta = 20_000, 10.0, 0.2
    rng = np.random.default_rng(5)
    m = int(n * k / 2)
    from sim.generators import csr_from_edges
    from sim.graph import FriendGraph

    g = FriendGraph.from_csr(*csr_from_edges(n, rng.integers(0, n, m), rng.integers(0, n, m)))
    kb = g.degree.mean() * beta
    s = 0.8
    for _ in range(200):
        s = 1 - np.exp(-kb * s)
    sizes = np.array([independent_cascade(g, [i], beta, seed=i).size for i in range(10)]) / n
    big = sizes[sizes > 0.1]
    assert big.size >= 5  # P(take-off) = S, about 0.8
    assert big.mean() == pytest.approx(s, abs=0.02)
    assert s == pytest.approx(0.7968, abs=0.01)


def test_one_chance_per_new_adopter() -> None:
    """beta = 1 activates exactly the seed's component, round by round (BFS layers)."""
    g = nx.path_graph(6)
    g.add_edge(10, 11)
    res = independent_cascade(g, [0], 1.0, seed=0)
    assert res.size == 6
    assert res.new_per_round.tolist() == [1, 1, 1, 1, 1, 1]
    assert independent_cascade(g, [0], 0.0, seed=0).size == 1


def test_errors_name_the_problem() -> None:
    g = nx.karate_club_graph()
    with pytest.raises(ValueError, match="beta = 1.5"):
        independent_cascade(g, [0], 1.5)
    with pytest.raises(ValueError, match="seeds is empty"):
        independent_cascade(g, [], 0.1)
    with pytest.raises(KeyError, match="99"):
        independent_cascade(g, [99], 0.1)
