"""Who starts as a reseller, how many friends they have, whom they pitch, whom people see.

Issue 11, points 3 and 9 (and SF8 of point 12):

- seeding (``resellers.seeding``, ``resellers.seed_labels``, the
  ``seed_resellers=`` argument): random (today's draws), by degree, by a list
  of labels, by a function of the graph; labels the graph lacks are named;
- initial resellers' friend counts from their own lognormal
  (``resellers.friends_median``, ``friends_sigma``, ``friends_cap``: WeChat's
  5,000, LIT 4.1), added to generated graphs as weak ties to random people;
- pitches weighted by the friend's degree (``resellers.recruit_degree_bias``);
- the F10 exposure metrics ``flooder_exposure`` and ``flooders_per_feed_median``;
- SF8 (Gastwirth 1977, docs/sources.md#LIT-SF8): under uniform recruitment
  about half of the recruits recruit nobody.

Exact tests use hand-built graphs; statistical ones state their tolerance
from their N.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from agents.strategies import Plan, Strategy
from sim import metrics
from sim.graph import FriendGraph, build_graph
from sim.model import SocialCommerceModel
from sim.rng import stream
from sim.rules import recruitment
from sim.scenario import ScenarioError, default_scenario, with_overrides

#: nothing happens by itself: everyone opens Moments, no posts, pitches, churn or costs
QUIET: dict[str, Any] = {
    "users.p_open_mean": 1.0,
    "users.p_background_unfriend": 0.0,
    "users.p_report": 0.0,
    "users.threshold_spread": 0.0,
    "users.mute_threshold": 1000.0,
    "users.block_threshold": 1000.0,
    "groups.n_groups": 0,
    "merchants.n_merchants": 0,
    "platform.policy": "none",
    "resellers.p_pitch": 0.0,
    "resellers.fixed_cost_per_day": 0.0,
    "purchase.p_buy_base": 0.0,
}


def silent(name: str) -> Strategy:
    """A strategy called ``name`` that posts nothing."""
    return Strategy.from_func(name, lambda seller, rng: Plan(0, 0))


def labels(m: SocialCommerceModel) -> list[Any]:
    return [r.label for r in m.reseller_list]


def four_sd(n: int, p: float) -> float:
    """Four standard deviations of a Binomial(n, p) count."""
    return 4 * float(np.sqrt(n * p * (1 - p)))


# ============================================================================ seeding
def test_random_seeding_keeps_todays_draws() -> None:
    # "random" is the first draw of the sellers' stream, as before seeding could be chosen
    over = {"graph.n_people": 400, "graph.mean_degree": 10, "resellers.initial_share": 0.05}
    for seed in (0, 7):
        m = SocialCommerceModel(seed=seed, overrides=over)
        want = stream(seed, "sellers").choice(400, size=20, replace=False)
        assert m.initial_resellers.tolist() == want.tolist()
        assert [r.person for r in m.reseller_list] == want.tolist()


def test_degree_seeding_picks_the_best_connected() -> None:
    # degrees: h1 5, h2 4, h3 4, the rest 1 to 3; two resellers: h1, then h2 (the lower id
    # of the two with 4 friends)
    g = nx.Graph()
    g.add_edges_from(("h1", x) for x in "abcde")
    g.add_edges_from(("h2", x) for x in "abcf")
    g.add_edges_from(("h3", x) for x in "adef")
    k = 2
    over = QUIET | {"resellers.seeding": "degree",
                    "resellers.initial_share": k / g.number_of_nodes()}
    m = SocialCommerceModel(graph=g, overrides=over)
    assert labels(m) == ["h1", "h2"]
    assert m.people.role[m.initial_resellers].tolist() == [1, 1]
    # three: h3 too
    over["resellers.initial_share"] = 3 / g.number_of_nodes()
    assert labels(SocialCommerceModel(graph=g, overrides=over)) == ["h1", "h2", "h3"]


def test_list_seeding_picks_the_named_labels() -> None:
    g = nx.Graph([("ann", "bo"), ("bo", "cy"), ("cy", "di"), ("di", "ann")])
    over = QUIET | {"resellers.seeding": "list", "resellers.seed_labels": ["di", "bo"]}
    m = SocialCommerceModel(graph=g, overrides=over)
    assert labels(m) == ["di", "bo"]  # in the order given; initial_share is not read
    # the Python API, overriding the scenario
    m = SocialCommerceModel(graph=g, overrides=QUIET, seed_resellers=["cy"])
    assert labels(m) == ["cy"]
    # a generated graph: labels are the ids 0..n-1
    over = {"graph.n_people": 300, "graph.mean_degree": 8, "resellers.seeding": "list",
            "resellers.seed_labels": [5, 17, 299]}
    m = SocialCommerceModel(overrides=over)
    assert labels(m) == [5, 17, 299]
    # an edge-list file's labels are text: a whole number finds its text label
    g2 = nx.relabel_nodes(g, {"ann": "1", "bo": "2", "cy": "3", "di": "4"})
    m = SocialCommerceModel(graph=g2, overrides=QUIET, seed_resellers=[2, "4"])
    assert labels(m) == ["2", "4"]


def test_function_seeding_gets_the_networkx_graph() -> None:
    g = nx.star_graph(6)  # 0 is the hub
    g.add_edge(5, 6)
    seen = []

    def hub_and_last(net: nx.Graph) -> list[int]:
        seen.append(net)
        return [max(net, key=net.degree), 6]

    m = SocialCommerceModel(graph=g, overrides=QUIET, seed_resellers=hub_and_last)
    assert labels(m) == [0, 6] and seen == [g]  # the graph given, attributes and all
    # on a generated graph the function gets it as networkx, labels 0..n-1
    m = SocialCommerceModel(overrides={"graph.n_people": 200, "graph.mean_degree": 6},
                            seed_resellers=lambda net: sorted(net)[-3:])
    assert labels(m) == [197, 198, 199]


def test_bad_labels_are_named_before_work_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    g = nx.Graph([("ann", "bo"), ("bo", "cy")])
    over = QUIET | {"resellers.seeding": "list", "resellers.seed_labels": ["bo", "zed", "xi"]}
    with pytest.raises(ScenarioError, match=r"2 label\(s\).*'zed', 'xi'"):
        SocialCommerceModel(graph=g, overrides=over)
    with pytest.raises(ScenarioError, match="'nobody'"):
        SocialCommerceModel(graph=g, overrides=QUIET, seed_resellers=["ann", "nobody"])
    with pytest.raises(ScenarioError, match="seed_resellers = <lambda>.*'ghost'"):
        SocialCommerceModel(graph=g, overrides=QUIET, seed_resellers=lambda net: ["ghost"])
    with pytest.raises(ScenarioError, match="more than once"):
        SocialCommerceModel(graph=g, overrides=QUIET, seed_resellers=["ann", "ann"])
    with pytest.raises(ScenarioError, match="expected node labels"):
        SocialCommerceModel(graph=g, overrides=QUIET, seed_resellers="ann")
    # a generated graph: checked against 0..n-1 before the graph is built
    import sim.model

    def no_build(*a: Any, **k: Any) -> None:
        raise AssertionError("the graph was built before the labels were checked")

    monkeypatch.setattr(sim.model, "build_graph", no_build)
    over = {"graph.n_people": 100, "resellers.seeding": "list",
            "resellers.seed_labels": [3, 100, "a"]}
    with pytest.raises(ScenarioError, match=r"not in the generated graph.*100, 'a'"):
        SocialCommerceModel(overrides=over)


def test_seeding_scenario_is_validated() -> None:
    s = default_scenario()
    with pytest.raises(ScenarioError, match="needs resellers.seed_labels"):
        with_overrides(s, {"resellers.seeding": "list"})
    with pytest.raises(ScenarioError, match="set resellers.seeding = 'list'"):
        with_overrides(s, {"resellers.seed_labels": [1, 2]})
    with pytest.raises(ScenarioError, match="more than once"):
        with_overrides(s, {"resellers.seeding": "list", "resellers.seed_labels": [1, 2, 1]})
    with pytest.raises(ScenarioError, match="resellers.seeding"):
        with_overrides(s, {"resellers.seeding": "hubs"})


def test_kinds_and_counterfeits_are_drawn_for_the_chosen() -> None:
    # list seeding draws strategies and counterfeit flags as random seeding does: by the
    # shares, from the sellers' stream (200 sellers, all counterfeit or none)
    over = {"graph.n_people": 400, "graph.mean_degree": 6, "resellers.seeding": "list",
            "resellers.seed_labels": list(range(0, 400, 2)), "resellers.share_flooder": 1.0,
            "resellers.share_mixer": 0.0, "resellers.share_curated": 0.0,
            "resellers.counterfeit_share": 1.0}
    m = SocialCommerceModel(overrides=over)
    assert {r.strategy.name for r in m.reseller_list} == {"flooder"}
    q = m.params.resellers.quality_counterfeit
    assert all(r.quality == pytest.approx(q) for r in m.reseller_list)


# ===================================================================== friend counts
def test_a_reseller_befriends_random_people_up_to_its_count() -> None:
    # sigma 0: the count is the median itself; the new ties are weak (trust_weak), the old
    # all strong here; a graph given to the model is not changed
    base = {"graph.n_people": 500, "graph.mean_degree": 6, "graph.strong_tie_share": 1.0,
            "trust.trust_strong": 0.9, "trust.trust_weak": 0.2, "resellers.seeding": "list",
            "resellers.seed_labels": [7], "resellers.friends_sigma": 0.0,
            "resellers.friends_median": 120.0}
    plain = SocialCommerceModel(overrides=base | {"resellers.friends_median": 0.0})
    m = SocialCommerceModel(overrides=base)
    g0, g = plain.graph, m.graph
    assert g.degree[7] == 120 and g0.degree[7] < 120
    assert g.n_ties - g0.n_ties == 2 * (120 - g0.degree[7])
    old = set(g0.indices[g0.indptr[7]:g0.indptr[8]].tolist())
    new = set(g.indices[g.indptr[7]:g.indptr[8]].tolist())
    assert old < new and 7 not in new
    trust = m.ties.trust
    for j in new:
        want = 0.9 if j in old else 0.2
        assert trust[g.tie(7, j)] == pytest.approx(want)
        assert trust[g.tie(j, 7)] == pytest.approx(want)
    # everyone else keeps their friends (plus 7 if they were drawn)
    others = np.setdiff1d(np.arange(500), [7])
    assert (g.degree[others] - g0.degree[others]
            == np.isin(others, list(new - old)).astype(int)).all()
    # the cap, and at most n - 1
    m = SocialCommerceModel(overrides=base | {"resellers.friends_cap": 50})
    assert m.graph.degree[7] == 50
    m = SocialCommerceModel(overrides=base | {"resellers.friends_median": 10_000.0})
    assert m.graph.degree[7] == 499
    # a graph from data is used as it is; one from build_graph, passed in, is generated
    m = SocialCommerceModel(graph=g0.to_networkx(), overrides=base)
    assert m.graph.n_ties == g0.n_ties
    built = build_graph(plain.params.graph, stream(plain.seed, "graph"))
    assert built.generated and not FriendGraph.from_networkx(g0.to_networkx()).generated
    m = SocialCommerceModel(graph=built, overrides=base)
    assert m.graph.degree[7] == 120 and m.graph.generated
    # fewer wanted than had: nothing added
    m = SocialCommerceModel(overrides=base | {"resellers.friends_median": 1.0})
    assert m.graph.n_ties == g0.n_ties


def test_reseller_friend_counts_follow_the_lognormal() -> None:
    # 200 initial resellers in 10,000 people of 4 friends each: log(friends) ~ N(ln 150, 0.7)
    # (a reseller drawn by another gains a friend: about 200 x 190 / 10,000 = 4, under 3%
    # of the median, against the tolerance below). Kolmogorov-Smirnov at alpha = 0.001,
    # and the mean and sd of the logs within 4 standard errors (sd/sqrt(N), sd/sqrt(2N))
    over = {"graph.n_people": 10_000, "graph.mean_degree": 4, "graph.generator":
            "watts_strogatz", "resellers.initial_share": 0.02,
            "resellers.friends_median": 150.0, "resellers.friends_sigma": 0.7}
    m = SocialCommerceModel(seed=3, overrides=over)
    d = np.log(m.graph.degree[m.initial_resellers])
    n = d.size
    assert n == 200
    assert stats.kstest((d - np.log(150)) / 0.7, "norm").pvalue > 0.001
    assert abs(d.mean() - np.log(150)) <= 4 * 0.7 / np.sqrt(n)
    assert abs(d.std(ddof=1) - 0.7) <= 4 * 0.7 / np.sqrt(2 * n)
    # nobody else gained many: the rest keep their 4 friends plus about 200 x 150 / 10,000
    rest = np.setdiff1d(np.arange(10_000), m.initial_resellers)
    assert abs(m.graph.degree[rest].mean() - 4 - 200 * np.exp(np.log(150) + 0.245) / 10_000) < 1


# ========================================================================= pitching
def _pitch_counts(bias: float, n: int) -> dict[str, int]:
    # R's friends: a (1 friend: R), b (4 friends: R, x, y, z)
    g = nx.Graph([("R", "a"), ("R", "b"), ("b", "x"), ("b", "y"), ("b", "z")])
    over = QUIET | {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0,
                    "trust.trust_strong": 1.0, "resellers.recruit_degree_bias": bias}
    m = SocialCommerceModel(graph=g, overrides=over, seed_resellers=["R"])
    counts = {"a": 0, "b": 0}
    for _ in range(n):
        m.pending_recruits = {}
        recruitment.pitch(m, np.array([0]))
        (f,) = m.pending_recruits
        counts[m.graph.label(f)] += 1
    return counts


@pytest.mark.parametrize(("bias", "p_b"), [(0.0, 0.5), (1.0, 0.8), (2.0, 16 / 17)])
def test_pitches_favour_well_connected_friends(bias: float, p_b: float) -> None:
    # weight degree ** bias: b (4 friends) against a (1): 4^bias / (4^bias + 1)
    n = 3000
    got = _pitch_counts(bias, n)["b"]
    assert abs(got - n * p_b) <= four_sd(n, p_b), (got, n * p_b)


def test_weighted_pitches_of_many_sellers_at_once() -> None:
    # rows of different sellers do not mix: each seller's friend is its own
    g = nx.Graph([("R", "a"), ("R", "b"), ("S", "c"), ("S", "d"), ("S", "e"), ("d", "x")])
    over = QUIET | {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0,
                    "trust.trust_strong": 1.0, "resellers.recruit_degree_bias": 1.0}
    m = SocialCommerceModel(graph=g, overrides=over, seed_resellers=["R", "S"])
    picked = {"R": set(), "S": set()}
    n, d_count = 600, 0
    for _ in range(n):
        m.pending_recruits = {}
        recruitment.pitch(m, np.array([0, 1]))
        for f, up in m.pending_recruits.items():
            picked[up.label].add(m.graph.label(f))
            d_count += m.graph.label(f) == "d"
    assert picked == {"R": {"a", "b"}, "S": {"c", "d", "e"}}
    assert abs(d_count - n / 2) <= four_sd(n, 0.5)  # d: 2 friends of S's 1 + 2 + 1


# ========================================================================= exposure
def test_exposure_metrics_exact() -> None:
    # flooders F and G (friends of each other), mixer M; e has no seller friend
    g = nx.Graph([("F", "a"), ("F", "b"), ("F", "c"), ("G", "a"), ("G", "b"), ("M", "c"),
                  ("M", "d"), ("F", "G"), ("e", "d")])
    m = SocialCommerceModel(graph=g, overrides=QUIET, seed_resellers=["F", "G", "M"],
                            strategies={"flooder": silent("flooder")},
                            strategy_shares={"flooder": 1.0})
    m.reseller_of("M").strategy = silent("mixer")
    m.step()
    # flooders among friends, everyone opened: F 1, G 1, M 0, a 2, b 2, c 1, d 0, e 0
    by = dict(zip(m.graph.labels, metrics.flooders_in_feeds(m).tolist(), strict=True))
    assert by == {"F": 1, "G": 1, "M": 0, "a": 2, "b": 2, "c": 1, "d": 0, "e": 0}
    day0 = m.metrics().iloc[-1]
    assert day0["flooder_exposure"] == 5 / 8 and day0["flooders_per_feed_median"] == 1.0
    # a mutes F, G quits: F 0, G 1, M 0, a 0, b 1, c 1, d 0, e 0
    st = m.state.st
    a, f = m.graph.index_of("a"), m.graph.index_of("F")
    m.state.mute(np.flatnonzero(st.tie == m.graph.tie(a, f)))
    m.reseller_of("G").remove()
    m.step()
    day1 = m.metrics().iloc[-1]
    assert day1["flooder_exposure"] == 3 / 8 and day1["flooders_per_feed_median"] == 0.0
    # only openers count: b and c opened (1 and 1 flooder), e did not matter
    m.opened = np.isin(np.arange(8), [m.graph.index_of("b"), m.graph.index_of("e")])
    assert metrics.flooders_in_feeds(m).tolist() == [1, 0]


def test_exposure_without_flooders_or_openers() -> None:
    g = nx.Graph([("x", "y"), ("y", "z")])
    m = SocialCommerceModel(graph=g, overrides=QUIET, seed_resellers=["x"],
                            strategies={"quiet": silent("quiet")},
                            strategy_shares={"quiet": 1.0})
    m.step()
    day = m.metrics().iloc[-1]
    assert day["flooder_exposure"] == 0.0 and day["flooders_per_feed_median"] == 0.0
    m.opened = np.zeros(3, bool)
    metrics.observe(m)
    assert np.isnan(m.today["flooder_exposure"]) and np.isnan(m.today["flooders_per_feed_median"])


def test_strict_backend_runs_seeding_and_exposure() -> None:
    over = {"graph.n_people": 300, "graph.mean_degree": 6, "run.backend": "strict",
            "resellers.initial_share": 0.03, "resellers.friends_median": 40.0,
            "resellers.recruit_degree_bias": 1.0, "resellers.p_pitch": 1.0,
            "resellers.p_accept": 0.5, "run.days": 4}
    df = SocialCommerceModel(overrides=over).run().metrics()
    assert (df["flooder_exposure"].between(0, 1)).all()


# ============================================================================== SF8
def test_recruitment_trees_are_bottom_heavy() -> None:
    """SF8 (LIT SF8, Gastwirth 1977): about half of the recruits recruit nobody.

    Uniform recruitment (``recruit_degree_bias`` 0), every pitch accepted at
    trust 1 with probability ``p_accept``, nobody quits and no depth limit, in
    a town large enough that friends rarely sell already. If each newcomer's
    recruiter were drawn uniformly among the m roots and the earlier recruits
    (a random recursive forest), recruit i of N members in all is a leaf with
    probability (i - 1) / (N - 1), so the expected share of recruits with no
    recruit is (N + m - 1) / (2 (N - 1)), and its variance about 1 / (12 N).
    Over the seeds, the mean share must lie within 0.02 (the tolerance of
    LITERATURE SF8) plus 4 standard errors of the seeds' mean of the
    expectation.
    """
    over = {"graph.n_people": 6000, "graph.mean_degree": 60, "run.days": 35,
            "resellers.initial_share": 0.004, "resellers.friends_median": 0.0,
            "resellers.recruit_degree_bias": 0.0, "resellers.p_pitch": 0.1,
            "resellers.p_accept": 1.0, "trust.trust_strong": 1.0, "trust.trust_weak": 1.0,
            "trust.gain_lifestyle": 0.0, "resellers.max_level": 100,
            "resellers.quit_after_loss_days": 3650, "platform.policy": "none",
            "users.p_background_unfriend": 0.0, "groups.n_groups": 0}
    shares, expected = [], []
    for seed in range(4):
        m = SocialCommerceModel(seed=seed, overrides=over).run()
        t = m.seller_table()
        t = t[t["type"] == "reseller"]
        recruits = t[t["level"] >= 2]
        n_all, m_roots = len(t), int((t["level"] == 1).sum())
        assert len(recruits) >= 150, "too few recruits to test"
        shares.append(float((recruits["recruits"] == 0).mean()))
        expected.append((n_all + m_roots - 1) / (2 * (n_all - 1)))
    shares_, expected_ = np.array(shares), np.array(expected)
    se = shares_.std(ddof=1) / np.sqrt(shares_.size)
    gap = shares_.mean() - expected_.mean()
    assert abs(gap) <= 0.02 + 4 * se, (shares, expected)
