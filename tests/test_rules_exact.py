"""The rules of :mod:`sim.rules`, one at a time, on hand-built graphs: exact outcomes.

Each test follows one sentence of a rule's module docstring on a graph of a
few people, with the probabilities that do not matter to it set to 0 or 1
(everyone opens Moments and reads everything, thresholds have no spread,
nothing decays), so the day's outcome follows by arithmetic; the test states
it. Where the rule itself is random, the test counts outcomes over many
independent draws and compares with the exact expectation within four
standard deviations of a binomial count, ``4 sqrt(N p (1 - p))``, derived in
the test from its ``N`` (a correct rule fails such a check with probability
below 1e-4; the seeds are fixed, so the tests are deterministic).

These tests were written to kill the mutants that ``mutmut`` left alive
(docs/testing.md): each asserts a number or a state that the changed line
would change. They drive the model through its public API
(``SocialCommerceModel``, ``step``, ``set_params``, ``metrics``,
``seller_table``, ``people_table``, ``user``, the agents) and call a rule
function directly only where the day's schedule cannot reach a case.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import pytest
import towns
from towns import fixed, star, tie

from agents.strategies import Plan, Strategy
from sim.backend import Draws
from sim.model import SocialCommerceModel
from sim.platform import ModerationPolicy
from sim.rules import moderation, pushes, recruitment, supply
from sim.state import BOUGHT

#: the selling town of tests/towns.py with buyers alike and the trust rules off; each test
#: turns on what it checks
EXACT = towns.SHOP | towns.BUYERS | towns.TRUST_OFF | {
    "users.annoyance_per_ad": 1.0,
    "trust.gain_genuine": 0.0,
}

#: every ad seen converts: p = 1 x trust x need x (1000 / 10) >= 1 for trust and need
#: above 0.01, clipped to 1; a seller in loss (its starter stock) does not quit
SURE_SALE: dict[str, Any] = {
    "purchase.p_buy_base": 1.0, "purchase.reference_price": 1000.0,
    "purchase.price_elasticity": 1.0, "resellers.sell_price": 10.0,
    "resellers.level1_cost": 5.0, "trust.trust_weak": 1.0, "trust.trust_strong": 1.0,
    "resellers.quit_after_loss_days": 3650,
}


def build(graph: nx.Graph, sellers: set, over: dict[str, Any] | None = None,
          strategy: Strategy | None = None,
          check: Callable[[SocialCommerceModel], bool] | None = None) -> SocialCommerceModel:
    """The model under the first seed whose initial resellers are exactly ``sellers``.

    Every reseller follows ``strategy``, a custom one always so that the plan is exact
    (default: no posts).
    """
    strategy = strategy if strategy is not None else fixed(0)
    return towns.build(EXACT, graph, sellers, over, strategy, check)


def day(m: SocialCommerceModel, k: int = -1) -> Any:
    return m.metrics().iloc[k]


#: a town without sellers is what these tests want (the model warns that nobody sells)
NOBODY_SELLS = pytest.mark.filterwarnings("ignore:.*nobody sells")


def four_sd(n: int, p: float) -> float:
    """Four standard deviations of a Binomial(n, p) count."""
    return 4 * float(np.sqrt(n * p * (1 - p)))


# ============================================================================ planning
def test_custom_plans_are_capped_and_counted() -> None:
    # a custom strategy's plan passes the platform's cap (F13) like the built-ins'
    over = {"platform.policy": "threshold_ban", "platform.posting_cap": 3}
    m = build(star(), {"R"}, over, fixed(5, 2))
    m.run(2)
    assert m.metrics()["ads_posted"].tolist() == [3, 3]
    assert m.metrics()["ads_seen"].tolist() == [12, 12]  # 4 friends x 3
    assert m.seller_table().loc[0, "ads_posted"] == 6
    assert m.sellers.life_today[0] == 2  # lifestyle posts are not capped
    # no policy: no cap
    m = build(star(), {"R"}, {"platform.posting_cap": 3}, fixed(5))
    m.step()
    assert day(m)["ads_posted"] == 5 and m.seller_table().loc[0, "ads_posted"] == 5


def test_the_policy_caps_posts_with_the_model_in_hand() -> None:
    # a policy's cap_posts(model, ads) is given the model: here a cap that grows by day
    class Warmup(ModerationPolicy):
        name = "warmup"

        def cap_posts(self, model: Any, ads: np.ndarray) -> np.ndarray:
            return np.minimum(ads, model.day)

    over = EXACT | {"resellers.initial_share": 0.2}
    m = SocialCommerceModel(graph=star(), seed=0, overrides=over, policy=Warmup(),
                            strategies={"f": fixed(3)}, strategy_shares={"f": 1.0})
    m.run(5)
    assert m.metrics()["ads_posted"].tolist() == [0, 1, 2, 3, 3]


def test_builtin_rates_are_drawn_per_strategy() -> None:
    # built-in strategies post Poisson(ads_per_day) ads and Poisson(lifestyle_per_day)
    # life posts: mixers at (0, 3), flooders at (2, 0); 40 sellers x 30 days
    g = nx.empty_graph(80)
    g.add_edges_from((i, i + 1) for i in range(79))
    over = EXACT | {"resellers.initial_share": 0.5, "resellers.share_flooder": 0.5,
                    "resellers.share_mixer": 0.5, "resellers.share_curated": 0.0,
                    "strategies.flooder_ads_per_day": 2.0, "strategies.mixer_ads_per_day": 0.0,
                    "strategies.mixer_lifestyle_per_day": 3.0,
                    "resellers.starter_stock": 0, "resellers.restock_amount": 0}
    m = SocialCommerceModel(graph=g, seed=1, overrides=over)
    kinds = np.array([r.strategy.name for r in m.reseller_list])
    ads = np.zeros(len(kinds))
    life = np.zeros(len(kinds))
    days = 30
    for _ in range(days):
        m.step()
        ads += m.sellers.ads_today
        life += m.sellers.life_today
    for name, rate_ads, rate_life in (("flooder", 2.0, 0.0), ("mixer", 0.0, 3.0)):
        k = int((kinds == name).sum())
        assert k >= 10
        # a sum of k x days Poisson(rate) counts: mean N rate, sd sqrt(N rate)
        n = k * days
        for got, rate in ((ads[kinds == name].sum(), rate_ads),
                          (life[kinds == name].sum(), rate_life)):
            assert abs(got - n * rate) <= 4 * np.sqrt(n * rate), (name, got, n * rate)
    assert m.metrics()["ads_posted"].sum() == ads.sum()


def test_a_strategy_without_rates_posts_nothing() -> None:
    # a Strategy subclass that keeps Strategy.plan but never set its rates: no posts
    class NoRates(Strategy):
        name = "norates"

        def __init__(self) -> None:
            self.appeal, self.quality_bonus = 1.0, 0.0

    m = build(star(), {"R"}, {"resellers.starter_stock": 0}, NoRates())
    m.run(3)
    assert m.metrics()["ads_posted"].tolist() == [0, 0, 0]
    assert m.sellers.life_today.tolist() == [0]


def test_restock_amount_unused_changes_nothing() -> None:
    # common random numbers: when no seller is below restock_below, resellers.restock_amount
    # changes no draw, so the custom sellers (whose plans draw from the sellers' stream in
    # the random order of their turns) post exactly the same
    rand = Strategy.from_func("rand", lambda seller, rng: Plan(int(rng.integers(0, 10)), 0))
    g = nx.cycle_graph(40)
    over = EXACT | {"resellers.initial_share": 0.5, "resellers.starter_stock": 100,
                    "resellers.restock_below": 3, "strategies.flooder_ads_per_day": 2.0}
    runs = []
    for amount in (0, 5):
        m = SocialCommerceModel(graph=g, seed=4, overrides=over | {
            "resellers.restock_amount": amount}, strategies={"rand": rand},
            strategy_shares={"rand": 0.5, "flooder": 0.5})
        m.run(5)
        runs.append(m.seller_table()[["person", "strategy", "ads_posted"]])
    assert runs[0]["strategy"].nunique() == 2
    assert runs[0].equals(runs[1])
    # and with restock_amount = 0 no seller restocks, whatever its stock: restock_below
    # changes nothing either
    runs = []
    for below in (0, 200):
        m = SocialCommerceModel(graph=g, seed=4, overrides=over | {
            "resellers.restock_amount": 0, "resellers.restock_below": below},
            strategies={"rand": rand}, strategy_shares={"rand": 0.5, "flooder": 0.5})
        m.run(5)
        runs.append(m.seller_table()[["person", "strategy", "ads_posted", "inventory"]])
    assert runs[0].equals(runs[1])


def test_restock_of_one_unit() -> None:
    over = {"resellers.starter_stock": 0, "resellers.restock_amount": 1,
            "resellers.restock_below": 5}
    m = build(star(), {"R"}, over)
    m.run(3)
    assert m.reseller_list[0].inventory == 3 and m.external_supply == 3


def test_group_owner_posts_group_ads_only_while_active() -> None:
    # a group owner posts Poisson(groups.ads_per_day) group ads; quit, it posts none
    over = {"groups.n_groups": 1, "groups.mean_size": 4, "groups.ads_per_day": 50.0,
            "groups.p_read": 1.0, "resellers.fixed_cost_per_day": 1.0,
            "resellers.quit_after_loss_days": 2}
    m = build(star(), {"R"}, over)
    m.run(4)
    df = m.metrics()
    posted = df["ads_seen_group"].to_numpy() / 4
    assert (posted[:2] > 20).all()  # Poisson(50) is above 20 with probability 1 - 1e-7
    assert df["quits"].tolist() == [0, 1, 0, 0]
    assert posted[2:].tolist() == [0, 0]


def test_only_sellers_below_max_level_pitch() -> None:
    over = {"resellers.p_pitch": 1.0, "resellers.p_accept": 1.0, "resellers.max_level": 1,
            "trust.trust_weak": 1.0}
    m = build(nx.Graph([("x", "y")]), {"x"}, over)
    m.run(3)
    assert len(m.reseller_list) == 1 and m.metrics()["recruits"].sum() == 0
    m = build(nx.Graph([("x", "y")]), {"x"}, over | {"resellers.max_level": 2})
    m.step()
    assert [r.level for r in m.reseller_list] == [1, 2]


def test_quit_seller_does_not_pitch_or_restock() -> None:
    over = {"resellers.p_pitch": 1.0, "resellers.p_accept": 0.0,
            "resellers.fixed_cost_per_day": 1.0, "resellers.quit_after_loss_days": 1,
            "resellers.starter_stock": 0, "resellers.restock_amount": 5,
            "resellers.restock_below": 1}
    m = build(nx.Graph([("x", "y")]), {"x"}, over)
    m.step()  # day 0: restocks 5 (inventory 0 < 1), pays the day's cost, quits
    r = m.reseller_list[0]
    assert r.status == "quit" and r.inventory == 5
    m.run(3)
    assert r.inventory == 5 and m.sellers.units_bought[0] == 5


def test_custom_strategy_restocks_only_below_the_threshold() -> None:
    over = {"resellers.starter_stock": 4, "resellers.restock_amount": 7,
            "resellers.restock_below": 4}
    m = build(star(), {"R"}, over)
    m.step()
    assert m.reseller_list[0].inventory == 4  # 4 is not below 4
    m.set_params({"resellers.restock_below": 5})
    m.step()
    assert m.reseller_list[0].inventory == 11
    m.step()
    assert m.reseller_list[0].inventory == 11


# ============================================================================ supply
def test_no_upstream_means_external_supply() -> None:
    # without merchants a top reseller buys from outside the model
    over = {"resellers.starter_stock": 6, "resellers.level1_cost": 4.0}
    m = build(star(), {"R"}, over)
    r = m.reseller_list[0]
    assert (r.inventory, r.cash) == (6, -24.0)
    assert m.external_supply == 6
    assert m.sellers.purchases_cost[0] == 24.0 and m.sellers.units_bought[0] == 6
    assert supply.buy_stock(m, r, 0) == 0 and supply.buy_stock(m, r, -3) == 0
    assert (r.inventory, m.external_supply) == (6, 6)
    assert supply.buy_stock(m, r, 2) == 2
    assert (r.inventory, r.cash, m.external_supply) == (8, -32.0, 8)


def test_merchant_supply_is_not_external() -> None:
    over = {"merchants.n_merchants": 1, "merchants.follower_share": 0.0,
            "merchants.unit_cost": 3.0, "resellers.starter_stock": 6,
            "resellers.level1_cost": 4.0}
    m = build(star(), {"R"}, over)
    merchant = m.merchant_list[0]
    assert m.external_supply == 0
    assert (merchant.units_wholesaled, merchant.revenue, merchant.costs) == (6, 24.0, 18.0)
    assert merchant.cash == 6.0


def test_wholesale_from_stock_then_restock_when_short() -> None:
    # level 2 buys from level 1: from stock when enough, else level 1 buys max(short,
    # restock_amount) first; what a short upstream cannot get is not shipped
    over = {"resellers.starter_stock": 5, "resellers.level1_cost": 10.0,
            "resellers.markup_per_level": 0.5, "resellers.restock_amount": 3,
            "resellers.p_pitch": 1.0, "resellers.p_accept": 1.0, "resellers.max_level": 2,
            "trust.trust_weak": 1.0}
    m = build(nx.Graph([("x", "y")]), {"x"}, over)
    m.step()  # y joins at level 2 and buys its 5 starter items from x's 5, at 15 each
    l1, l2 = m.reseller_list
    assert (l1.inventory, l2.inventory) == (0, 5)
    assert l1.cash == pytest.approx(-50 + 75) and l2.cash == pytest.approx(-75)
    t = m.sellers
    assert t.units_wholesaled[0] == 5 and t.revenue[0] == pytest.approx(75)
    assert m.external_supply == 5
    # y buys 4 more: x is short by 4 and buys max(4, 3) = 4 outside, then ships 4
    assert supply.buy_stock(m, l2, 4) == 4
    assert (l1.inventory, l2.inventory) == (0, 9)
    assert m.external_supply == 9 and t.units_bought[0] == 9
    # y buys 1: x is short by 1 and buys max(1, 3) = 3, ships 1, keeps 2
    assert supply.buy_stock(m, l2, 1) == 1
    assert (l1.inventory, l2.inventory) == (2, 10)
    assert t.units_wholesaled[0] == 10 and t.units_bought[1] == 10
    assert l2.cash == pytest.approx(-150) and t.purchases_cost[1] == pytest.approx(150)
    assert l1.cash == pytest.approx(-50 - 40 - 30 + 150)
    # with x quit, y buys from outside the model
    l1.status_code = 1
    assert supply.buy_stock(m, l2, 2) == 2 and m.external_supply == 14
    assert l1.inventory == 2


# ======================================================================== recruitment
def test_a_pitch_requested_by_a_custom_strategy_is_made() -> None:
    # Requests: a strategy calling seller.pitch() during its turn
    calls = []

    def plan(seller: Any, rng: np.random.Generator) -> Plan:
        if not calls:
            seller.pitch()
        calls.append(seller.slot)
        return Plan(0)

    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0}
    m = build(nx.Graph([("x", "y")]), {"x"}, over, Strategy.from_func("asks", plan))
    m.step()
    assert [r.label for r in m.reseller_list] == ["x", "y"]
    assert day(m, 0)["recruits"] == 1
    assert m.reseller_list[1].upstream is m.reseller_list[0]
    assert m.seller_table().loc[0, "recruits"] == 1


def test_requests_queue_pitches_until_taken() -> None:
    req = recruitment.Requests()
    a, b = types.SimpleNamespace(slot=3), types.SimpleNamespace(slot=7)
    req.pitch(a)
    req.pitch(b)
    req.pitch(a)
    got = req.take_pitches()
    assert got.tolist() == [3, 7, 3] and got.dtype == np.int64
    assert req.take_pitches().tolist() == []


def test_pitches_made_after_planning_join_the_same_day() -> None:
    # a pitch requested outside the planning turn (queued in model.requests) is made at
    # step 7 with the day's other pitches, and the recruit joins the same day
    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0}
    m = build(nx.Graph([("x", "y"), ("y", "z")]), {"x"}, over)
    m.reseller_list[0].pitch()
    m.step()
    assert [r.label for r in m.reseller_list] == ["x", "y"]
    # and a friend with an offer pending is not pitched again
    m = build(nx.Graph([("x", "y")]), {"x"}, over | {"resellers.p_pitch": 1.0})
    m.reseller_list[0].pitch()  # the same friend, twice today
    m.step()
    assert len(m.reseller_list) == 2 and day(m)["recruits"] == 1


def test_pitches_queued_after_planning_are_made_at_the_join() -> None:
    # a pitch requested after step 1 waits in model.requests; step 7 (join) makes it with
    # the pitch and accept streams, and the accepted friend joins at once
    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0}
    m = build(nx.Graph([("x", "y")]), {"x"}, over)
    x = m.reseller_of("x")
    m.requests.pitch(x)
    assert recruitment.join(m) == 1
    assert m.reseller_of("y").upstream is x and x.recruits == 1
    assert m.requests.take_pitches().tolist() == []
    # the pitch drew from the pitch and accept streams: the same draws as a direct pitch
    a = build(nx.Graph([("x", "y")]), {"x"}, over)
    b = build(nx.Graph([("x", "y")]), {"x"}, over)
    a.requests.pitch(a.reseller_of("x"))
    recruitment.join(a)
    recruitment.pitch(b, np.array([b.reseller_of("x").slot]))
    for name in ("pitch", "accept", "sellers"):
        assert a.rngs[name].random() == b.rngs[name].random()


def test_pitch_acceptance_is_p_accept_times_trust() -> None:
    # one pitch of R to its only friend: accepted with p_accept x trust = 0.8 x 0.5
    over = {"resellers.p_accept": 0.8, "trust.trust_weak": 0.5}
    m = build(nx.Graph([("R", "a")]), {"R"}, over)
    n, hits = 4000, 0
    for _ in range(n):
        m.pending_recruits = {}
        recruitment.pitch(m, np.array([0]))
        hits += len(m.pending_recruits)
    assert abs(hits - n * 0.4) <= four_sd(n, 0.4)  # 4 sd = 124
    assert m.pending_recruits in ({}, {m.graph.index_of("a"): m.reseller_list[0]})


def test_pitch_to_a_uniform_friend() -> None:
    # R has 4 friends: each pitch goes to one of them, 1/4 each (N = 4000: 4 sd = 110)
    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0}
    m = build(star(), {"R"}, over)
    counts: dict[int, int] = {}
    n = 4000
    for _ in range(n):
        m.pending_recruits = {}
        recruitment.pitch(m, np.array([0]))
        (f,) = m.pending_recruits
        counts[f] = counts.get(f, 0) + 1
    assert sorted(m.graph.label(f) for f in counts) == ["a", "b", "c", "d"]
    for c in counts.values():
        assert abs(c - n / 4) <= four_sd(n, 0.25)


def test_pitch_skips_removed_friends_sellers_and_pending_offers() -> None:
    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0,
            "users.share_muter": 0.0, "users.share_blocker": 1.0,
            "users.block_threshold": 0.5}
    # R's only friend blocked R on day 0: the friendship is gone, no offer
    m = build(nx.Graph([("R", "a")]), {"R"}, over, fixed(1))
    m.step()
    assert day(m)["blocks"] == 1
    for _ in range(20):
        recruitment.pitch(m, np.array([0]))
    assert m.pending_recruits == {}
    # a friend who sells already is not recruited
    m = build(nx.Graph([("x", "y")]), {"x", "y"}, {"resellers.p_accept": 1.0,
                                                   "trust.trust_weak": 1.0,
                                                   "resellers.p_pitch": 1.0})
    m.run(3)
    assert len(m.reseller_list) == 2 and m.metrics()["recruits"].sum() == 0
    # a friend with an offer pending is not pitched again
    m = build(nx.Graph([("x", "y")]), {"x"}, {"resellers.p_accept": 1.0,
                                              "trust.trust_weak": 1.0})
    up = m.reseller_list[0]
    y = m.graph.index_of("y")
    m.pending_recruits = {y: "first offer"}
    recruitment.pitch(m, np.array([0]))
    assert m.pending_recruits == {y: "first offer"}
    m.pending_recruits = {}
    recruitment.pitch(m, np.array([0]))
    assert m.pending_recruits == {y: up}
    # with an offer pending elsewhere, a friend who sells is still not pitched
    m = build(nx.Graph([("x", "y"), ("y", "w")]), {"x", "y"}, {"resellers.p_accept": 1.0,
                                                               "trust.trust_weak": 1.0})
    w = m.graph.index_of("w")
    m.pending_recruits = {w: "other offer"}
    for _ in range(5):
        recruitment.pitch(m, np.array([m.reseller_of("x").slot]))
    assert m.pending_recruits == {w: "other offer"}


def test_a_seller_without_friends_pitches_no_one() -> None:
    g = nx.Graph([("a", "b")])
    g.add_node("R")
    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0, "resellers.p_pitch": 1.0}
    m = build(g, {"R"}, over)
    m.run(2)
    assert len(m.reseller_list) == 1 and m.pending_recruits == {}


def test_the_first_accepted_offer_wins() -> None:
    # x and z both pitch y: y takes the offer of whichever comes first in the random
    # order of the sellers, each half the time (N = 2000: 4 sd = 89)
    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0}
    m = build(nx.Graph([("x", "y"), ("y", "z")]), {"x", "z"}, over)
    x, z = m.reseller_of("x"), m.reseller_of("z")
    y = m.graph.index_of("y")
    n, from_x = 2000, 0
    for _ in range(n):
        m.pending_recruits = {}
        recruitment.pitch(m, np.array([x.slot, z.slot]))
        assert list(m.pending_recruits) == [y]
        from_x += m.pending_recruits[y] is x
    assert abs(from_x - n / 2) <= four_sd(n, 0.5)
    # the day: y joins one of them
    m.set_params({"resellers.p_pitch": 1.0})
    m.step()
    assert len(m.reseller_list) == 3 and day(m)["recruits"] == 1
    assert m.reseller_of("y").upstream.recruits == 1


def test_recruit_inherits_the_upstream_line() -> None:
    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0, "resellers.p_pitch": 1.0,
            "resellers.max_level": 2, "resellers.sell_price": 80.0,
            "resellers.level1_cost": 40.0, "resellers.markup_per_level": 0.25,
            "resellers.quality_genuine": 0.9, "users.n_categories": 4,
            "resellers.starter_stock": 2}
    m = build(nx.Graph([("x", "y")]), {"x"}, over)
    x = m.reseller_list[0]
    m.step()
    y = m.reseller_list[1]
    t = m.seller_table().set_index("person")
    assert (y.level, y.price, y.cost) == (2, 80.0, 50.0)
    assert m.sellers.category[1] == m.sellers.category[0]
    assert m.sellers.base_quality[1] == pytest.approx(0.9)
    assert y.strategy is x.strategy
    assert t.loc["y", "upstream"] == "r0" and t.loc["y", "joined_day"] == 0
    assert t.loc["x", "recruits"] == 1 and t.loc["y", "recruits"] == 0
    assert y.inventory == 2 and x.inventory == 0


def test_an_offer_lapses_when_the_upstream_is_banned_that_day() -> None:
    # day 0: R pitches a (accepted), and a's and b's reports ban R at step 6; at step 7
    # the offer lapses
    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0, "resellers.p_pitch": 1.0,
            "users.p_report": 1.0, "users.report_threshold": 0.5,
            "platform.policy": "threshold_ban", "platform.report_threshold": 2}
    m = build(nx.Graph([("R", "a"), ("R", "b")]), {"R"}, over, fixed(1))
    m.step()
    d = day(m)
    assert d["reports"] == 2 and d["bans"] == 1
    assert d["recruits"] == 0 and len(m.reseller_list) == 1
    assert m.pending_recruits == {}


def test_an_offer_lapses_when_the_friend_became_a_reseller() -> None:
    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0}
    m = build(nx.Graph([("x", "y"), ("y", "z")]), {"x", "y"}, over)
    x, y = m.reseller_of("x"), m.reseller_of("y")
    m.pending_recruits = {m.graph.index_of("y"): x, m.graph.index_of("z"): y}
    assert recruitment.join(m) == 1
    z = m.reseller_of("z")
    assert len(m.reseller_list) == 3 and z.upstream is y and z.level == 2
    assert m.pending_recruits == {}
    assert (x.recruits, y.recruits, z.recruits) == (0, 1, 0)


# ============================================================================ feed
def test_feed_metrics_with_ordinary_posts() -> None:
    # friends' ordinary posts fill feeds too; with ample attention everything is read
    over = {"users.ordinary_posts_per_day": 2.0}
    m = build(star(), {"R"}, over, fixed(3, 1))
    load = m.people.ordinary_load.astype(np.float64).copy()
    assert load.sum() > 0
    m.step()
    d = day(m)
    assert d["openers"] == 6
    assert d["ads_seen"] == d["ads_seen_moments"] == 12
    assert d["ordinary_seen"] == pytest.approx(load.sum(), rel=1e-5)
    assert d["ordinary_crowded_out"] == pytest.approx(0.0, abs=1e-3)
    assert d["feed_items_seen"] == pytest.approx(12 + 4 + load.sum(), rel=1e-5)
    assert d["ad_share_of_feed"] == pytest.approx(12 / (16 + load.sum()), rel=1e-5)


def test_feed_attention_crowds_out_ordinary_posts() -> None:
    # attention 1e-6 a day: almost nothing is read, and the ordinary posts not read are
    # the crowded-out ones
    over = {"users.ordinary_posts_per_day": 2.0, "users.attention_mean": 1e-6}
    m = build(star(), {"R"}, over, fixed(3))
    load = m.people.ordinary_load.astype(np.float64).copy()
    m.step()
    d = day(m)
    assert d["ordinary_seen"] < 1e-3
    assert d["ordinary_crowded_out"] == pytest.approx(load.sum(), rel=1e-4)
    assert d["ads_seen"] == 0 and d["ad_share_of_feed"] == 0.0 and d["feed_items_seen"] < 1e-3


@NOBODY_SELLS
def test_feed_openers_follow_p_open() -> None:
    # 400 people open with p_open near 0.3 each: the openers are Binomial(400, p_open)
    g = nx.cycle_graph(400)
    over = EXACT | {"users.p_open_mean": 0.3, "users.p_open_concentration": 1000.0,
                    "resellers.initial_share": 0.0}
    m = SocialCommerceModel(graph=g, seed=2, overrides=over)
    p = float(m.people.p_open.mean())
    m.run(10)
    n = 400 * 10
    assert abs(m.metrics()["openers"].sum() - n * p) <= four_sd(n, p)
    assert abs(p - 0.3) < 0.02


def test_direct_reach_counts_in_ads_seen() -> None:
    # a muted seller reaches its muters by direct message (p 1): counted as ads seen
    over = {"groups.p_direct_reach": 1.0, "users.mute_threshold": 2.5}
    m = build(star(), {"R"}, over, fixed(3))
    m.run(2)
    df = m.metrics()
    assert df["mutes"].tolist() == [4, 0]
    assert df["ads_seen_direct"].tolist() == [0, 12]
    assert df["ads_seen"].tolist() == [12, 12]
    assert df["feed_items_seen"].tolist() == [12, 0]


# ======================================================================== reactions
def test_intents_need_an_active_seller_in_stock() -> None:
    # out of stock (no starter stock, no restocking): sure buyers buy nothing
    over = SURE_SALE | {"resellers.starter_stock": 0, "resellers.restock_amount": 0}
    m = build(star(), {"R"}, over, fixed(2))
    m.run(2)
    assert m.metrics()["purchases"].sum() == 0 and m.metrics()["ads_seen"].sum() == 16
    # in stock: each of 4 friends buys one unit a day (order size 1)
    m = build(star(), {"R"}, SURE_SALE | {"resellers.starter_stock": 100}, fixed(2))
    m.run(2)
    assert m.metrics()["purchases"].tolist() == [4, 4]
    assert m.reseller_list[0].inventory == 92


def test_banned_seller_sells_nothing_the_day_after() -> None:
    over = SURE_SALE | {"resellers.starter_stock": 100, "users.p_report": 1.0,
                        "users.report_threshold": 1.5, "platform.policy": "threshold_ban",
                        "platform.report_threshold": 4}
    m = build(star(), {"R"}, over, fixed(1))
    m.run(3)
    df = m.metrics()
    # annoyance 1, 2: all report on day 1, R is banned at the end of day 1
    assert df["bans"].tolist() == [0, 1, 0]
    assert df["purchases"].tolist() == [4, 4, 0]


def test_intents_are_attributed_to_moments_or_groups_by_ads_seen() -> None:
    # R's group holds both its friends, who also read Moments: an intent goes to Moments
    # with probability moments / (moments + group) ads seen. On days with 1 Moments ad and
    # exactly 3 group ads (Poisson(3)) that is 1/4 per buyer; N = 2 buyers x such days
    over = SURE_SALE | {"groups.n_groups": 1, "groups.mean_size": 2, "groups.p_read": 1.0,
                        "groups.ads_per_day": 3.0, "resellers.starter_stock": 100_000,
                        "users.mute_threshold": 1e6}  # (4 ads a day for 320 days: no mute)
    m = build(nx.Graph([("R", "a"), ("R", "b")]), {"R"}, over, fixed(1))
    moments = n = 0
    for _ in range(320):
        m.step()
        d = day(m)
        assert d["purchases"] == 2
        assert d["gmv_moments"] + d["gmv_groups"] == d["gmv_resellers"] == 20
        if int(m.sellers.group_ads_today[0]) != 3:
            continue
        assert d["ads_seen"] == 8
        moments += int(d["gmv_moments"] // 10)
        n += 2
    assert n >= 100
    assert abs(moments - n / 4) <= four_sd(n, 0.25)


def test_many_lifestyle_posts_in_a_day() -> None:
    # 100 lifestyle posts a day: good evidence saturates at lifestyle_cap (issue 11)
    over = {"trust.gain_lifestyle": 0.01, "trust.lifestyle_cap": 0.05, "trust.trust_weak": 0.2}
    m = build(star(), {"R"}, over, fixed(0, 100))
    m.step()
    good = 0.05 * (1 - np.exp(-100 * 0.01 / 0.05))
    want = (10 * 0.2 + good) / (10 + good)
    for leaf in "abcd":
        assert m.user(leaf).trust["R"] == pytest.approx(want, rel=1e-5)
    assert day(m)["mean_trust_resellers"] == pytest.approx(want, rel=1e-5)


def test_annoyance_fades_then_rises_by_ads_seen() -> None:
    over = {"users.annoyance_decay": 0.25, "users.annoyance_per_ad": 2.0}
    m = build(star(), {"R"}, over, fixed(3))
    m.step()
    assert m.user("a").annoyance["R"] == pytest.approx(6.0)
    m.set_params({"users.annoyance_per_ad": 0.5})
    m.step()
    assert m.user("a").annoyance["R"] == pytest.approx(6.0 * 0.75 + 1.5)
    assert m.ties.cum_ads_seen[tie(m, "a", "R")] == 6


# ==================================================================== relationships
def test_mutes_and_blocks_are_counted_per_seller() -> None:
    g = nx.Graph([("R", "a"), ("R", "b"), ("S", "c"), ("S", "d"), ("S", "e")])
    over = {"users.share_muter": 0.0, "users.share_blocker": 1.0,
            "users.block_threshold": 2.5}
    m = build(g, {"R", "S"}, over, fixed(3))
    m.step()
    t = m.seller_table().set_index("person")
    assert t.loc["R", "friends_lost"] == 2 and t.loc["S", "friends_lost"] == 3
    assert day(m)["blocks"] == day(m)["blocks_resellers"] == 5
    assert day(m)["blocks_others"] == 0
    m = build(g, {"R", "S"}, {"users.mute_threshold": 2.5}, fixed(3))
    m.step()
    t = m.seller_table().set_index("person")
    assert t.loc["R", "mutes_received"] == 2 and t.loc["S", "mutes_received"] == 3
    assert day(m)["mutes"] == 5 and day(m)["blocks"] == 0


def test_reports_are_counted_per_seller_once_per_tie() -> None:
    g = nx.Graph([("R", "a"), ("R", "b"), ("S", "c"), ("S", "d"), ("S", "e")])
    over = {"users.p_report": 1.0, "users.report_threshold": 2.5}
    m = build(g, {"R", "S"}, over, fixed(3))
    m.step()
    slot = {r.label: r.slot for r in m.reseller_list}
    assert m.reports_today[slot["R"]] == 2 and m.reports_today[slot["S"]] == 3
    assert day(m)["reports"] == 5
    m.step()
    assert m.reports_today.tolist() == [0, 0] and day(m)["reports"] == 0
    t = m.seller_table().set_index("person")
    assert t.loc["R", "reports"] == 2 and t.loc["S", "reports"] == 3
    # one count per seller slot, also for the last slots when they got no report
    g = nx.Graph([("R", "a"), ("R", "b"), ("S", "c")])
    only_r = Strategy.from_func("only_r", lambda seller, rng: Plan(3 if seller.label == "R"
                                                                   else 0))
    m = build(g, {"R", "S"}, over, only_r, lambda m: m.reseller_of("R").slot == 0)
    m.step()
    assert m.reports_today.tolist() == [2, 0] and day(m)["reports"] == 2


@NOBODY_SELLS
def test_background_churn_ends_one_friendship_a_person() -> None:
    # p = 1: every person with a friend drops one; on a path a-b-c-d-e-f with no seller
    # each friendship is dropped by one side or both
    g = nx.path_graph(["a", "b", "c", "d", "e", "f"])
    over = EXACT | {"users.p_background_unfriend": 1.0, "resellers.initial_share": 0.0}
    for seed in range(5):
        m = SocialCommerceModel(graph=g, seed=seed, overrides=over)
        m.step()
        d = day(m)
        fg = m.friend_graph()
        ended = 5 - fg.number_of_edges()
        assert d["blocks_others"] == d["blocks"] == ended >= 3
        assert d["blocks_resellers"] == 0
        # ends ends: a and f have one friend each, which they drop
        assert fg.degree("a") == 0 and fg.degree("f") == 0
        assert d["mean_degree"] == pytest.approx(2 * fg.number_of_edges() / 6)


@NOBODY_SELLS
def test_people_without_friends_drop_no_one() -> None:
    g = nx.Graph([("a", "b")])
    g.add_node("z")  # (the last person: no friend, no tie of its own)
    over = EXACT | {"users.p_background_unfriend": 1.0, "resellers.initial_share": 0.0}
    m = SocialCommerceModel(graph=g, seed=0, overrides=over)
    m.step()
    assert day(m)["blocks"] == 1 and m.friend_graph().number_of_edges() == 0


def test_no_churn_draws_nothing() -> None:
    # with users.p_background_unfriend = 0 (and no counterfeits to talk about) the
    # churn stream is not used: it is where set-up left it
    a = build(star(), {"R"}, {}, fixed(2))
    b = build(star(), {"R"}, {}, fixed(2))
    a.run(3)
    assert a.rngs["churn"].random() == b.rngs["churn"].random()


@NOBODY_SELLS
def test_background_churn_rate() -> None:
    # each person drops a friend with probability p: on a cycle of 2000 with p = 0.05,
    # about 2000 p friendships end on day 0 (less the few dropped by both sides)
    g = nx.cycle_graph(2000)
    over = EXACT | {"users.p_background_unfriend": 0.05, "resellers.initial_share": 0.0}
    m = SocialCommerceModel(graph=g, seed=3, overrides=over)
    m.step()
    ended = day(m)["blocks"]
    # droppers ~ Binomial(2000, 0.05): mean 100, 4 sd = 39; mutual drops take off ~0.2
    assert abs(ended - 100) <= four_sd(2000, 0.05) + 1
    assert 2000 - m.friend_graph().number_of_edges() == ended


def test_background_churn_toward_a_reseller_is_a_friend_lost() -> None:
    # a drops one of its two friends (R or t) every day; when it is R, R lost a friend
    g = nx.Graph([("R", "a"), ("a", "t")])
    lost = 0
    for seed in range(40):
        m = SocialCommerceModel(graph=g, seed=seed, overrides=EXACT | {
            "resellers.initial_share": 1 / 3, "users.p_background_unfriend": 1.0},
            strategies={"f": fixed(0)}, strategy_shares={"f": 1.0})
        if m.reseller_list[0].label != "t":
            continue
        m.step()
        d = day(m)
        t_lost = m.seller_table().loc[0, "friends_lost"]
        assert d["blocks_resellers"] == t_lost
        assert d["blocks"] == d["blocks_resellers"] + d["blocks_others"] == 2 - len(
            [e for e in m.friend_graph().edges()])
        lost += t_lost
    assert lost > 0


def test_no_background_churn_at_zero() -> None:
    m = build(nx.path_graph(["R", "a", "b"]), {"R"}, {"users.p_background_unfriend": 0.0})
    m.run(3)
    assert m.metrics()["blocks"].sum() == 0 and m.friend_graph().number_of_edges() == 2


# ============================================================================ orders
def _rich(m: SocialCommerceModel) -> bool:
    return all(m.user(x).budget >= 100 for x in "abcd")


def test_ratios_without_anything_to_divide_are_nan() -> None:
    # no ad seen: conversion is NaN (0/0); ads seen without orders: conversion 0; with no
    # order, the order value and the buyers' trust are NaN
    m = build(star(), {"R"}, {}, fixed(0))
    m.run(2)
    df = m.metrics()
    for name in ("conversion", "order_value_mean", "buyer_trust_mean"):
        assert df[name].dtype == np.float64 and df[name].isna().all(), name
    m = build(star(), {"R"}, {}, fixed(2))
    m.run(2)
    df = m.metrics()
    assert df["conversion"].tolist() == [0.0, 0.0]
    assert df["order_value_mean"].isna().all() and df["buyer_trust_mean"].isna().all()
    assert isinstance(m.today["order_value_mean"], float)


def test_order_size_is_capped_by_the_budget() -> None:
    # order size 1 + Poisson(10 x trust^2 = 10) is above what 25 RMB buys at 10 RMB (two
    # units) but with probability e^-10
    over = SURE_SALE | {"purchase.trust_value_slope": 10.0, "resellers.starter_stock": 1000,
                        "users.budget_per_day": 25.0, "users.budget_cap_days": 1.0}
    m = build(star(), {"R"}, over, fixed(1))
    budgets = {x: m.user(x).budget for x in "abcd"}
    m.step()
    d = day(m)
    want = {x: int(budgets[x] // 10) for x in "abcd"}
    assert d["units_sold"] == sum(want.values()) > 0
    for x in "abcd":
        v = m.user(x)
        assert v.spent == pytest.approx(10 * want[x])
        assert v.n_purchases == (1 if want[x] else 0)
    assert d["purchases"] == sum(1 for k in want.values() if k)
    assert d["gmv_moments"] == pytest.approx(10 * sum(want.values()))
    assert d["order_value_mean"] == pytest.approx(10 * sum(want.values()) / d["purchases"])


def test_order_size_mean_is_one_plus_slope_trust_squared() -> None:
    # 30 buyers, 20 days: 600 orders of 1 + Poisson(2 x 0.5^2 = 0.5) units; the mean of
    # 600 Poisson(0.5) is within 4 sqrt(0.5 / 600) = 0.115 of 0.5
    g = nx.star_graph(30)
    over = EXACT | SURE_SALE | {"purchase.trust_value_slope": 2.0, "trust.trust_weak": 0.5,
                                "trust.trust_strong": 0.5, "resellers.starter_stock": 100_000,
                                "resellers.initial_share": 1 / 31, "users.budget_per_day": 1e4}
    for seed in range(100):
        m = SocialCommerceModel(graph=g, seed=seed, overrides=over,
                                strategies={"f": fixed(1)}, strategy_shares={"f": 1.0})
        if m.reseller_list[0].person == 0:
            break
    m.run(20)
    df = m.metrics()
    n = df["purchases"].sum()
    assert n == 600
    extra = df["units_sold"].sum() / n - 1
    assert abs(extra - 0.5) <= 4 * np.sqrt(0.5 / n)
    assert df["buyer_trust_mean"].iloc[0] == pytest.approx(0.5)


def test_counterfeit_units_follow_quality_and_cut_trust() -> None:
    # quality 0: every unit is fake, bad evidence bad_counterfeit x negativity; quality 1:
    # none, good evidence good_genuine (trust = (w t0 + good) / (w + good + bad), w = 10)
    base = SURE_SALE | {"resellers.starter_stock": 100, "trust.trust_weak": 0.6,
                        "trust.trust_strong": 0.6, "purchase.reference_price": 10_000.0}
    m = build(star(), {"R"}, base | {"resellers.counterfeit_share": 1.0,
                                     "resellers.quality_counterfeit": 0.0,
                                     "trust.bad_counterfeit": 2.5, "trust.negativity": 2.0},
              fixed(1), _rich)
    m.step()
    d = day(m)
    assert d["counterfeits_delivered"] == 4 and d["units_sold"] == 4
    assert m.seller_table().loc[0, "counterfeits_sold"] == 4
    for x in "abcd":  # bad evidence 2.5 x 2: trust 10 x 0.6 / (10 + 5)
        assert m.user(x).trust["R"] == pytest.approx(0.4)
        assert m.user(x).n_counterfeits == 1 and m.user(x).lost_counterfeit == 10
    assert d["buyer_trust_mean"] == pytest.approx(0.6)
    assert d["mean_trust_resellers"] == pytest.approx(0.4)
    m = build(star(), {"R"}, base | {"trust.good_genuine": 2.0}, fixed(1), _rich)
    m.step()
    assert day(m)["counterfeits_delivered"] == 0
    for x in "abcd":  # good evidence 2: trust (6 + 2) / 12
        assert m.user(x).trust["R"] == pytest.approx(8 / 12)
        assert m.user(x).n_counterfeits == 0


def test_payment_fails_at_its_rate() -> None:
    # 4 sure buyers a day for 250 days: failures ~ Binomial(1000, 0.3), 4 sd = 58
    over = SURE_SALE | {"purchase.p_payment_fail": 0.3, "resellers.starter_stock": 100_000}
    m = build(star(), {"R"}, over, fixed(1))
    m.run(250)
    df = m.metrics()
    assert (df["payment_failures"] + df["purchases"] == 4).all()
    assert abs(df["payment_failures"].sum() - 300) <= four_sd(1000, 0.3)
    assert (df["conversion"] == df["purchases"] / 4).all()


def test_stock_rations_orders_by_seller_and_budget_by_buyer() -> None:
    # R has 2 units for 4 sure buyers: 2 orders; inventory 0 after
    over = SURE_SALE | {"resellers.starter_stock": 2}
    m = build(star(), {"R"}, over, fixed(1), _rich)
    m.step()
    assert day(m)["purchases"] == 2 and m.reseller_list[0].inventory == 0
    # the two buyers' ties (only theirs) are marked as bought from
    bought = [x for x in "abcd" if m.ties.flags[tie(m, x, "R")] & BOUGHT]
    assert sorted(bought) == sorted(x for x in "abcd" if m.user(x).n_purchases == 1)
    assert len(bought) == 2 and int(np.count_nonzero(m.ties.flags & BOUGHT)) == 2
    assert m.seller_table().loc[0, "orders"] == 2 and m.seller_table().loc[0, "units_sold"] == 2
    assert m.reseller_list[0].cash == pytest.approx(-10 + 20)
    assert m.seller_table().loc[0, "revenue"] == pytest.approx(20)
    # a buyer with the budget for one order buys from one of two sellers only
    g = nx.Graph([("R", "a"), ("S", "a")])
    over = SURE_SALE | {"resellers.starter_stock": 10, "users.budget_per_day": 15.0,
                        "users.budget_cap_days": 1.0}

    def one_order(m: SocialCommerceModel) -> bool:
        return 10 <= m.user("a").budget < 20

    m = build(g, {"R", "S"}, over, fixed(1), one_order)
    m.step()
    assert day(m)["purchases"] == 1 and m.user("a").n_purchases == 1
    assert m.sellers.units_sold.sum() == 1


def test_word_of_mouth_warns_common_friends_only_along_alive_ties() -> None:
    # a is cheated by R; a's friends: R (the seller: not warned), b (friend of R: warned),
    # t (not R's friend: nothing to lower); b's trust loses 20% (bad evidence 2.5 x trust 1
    # in a: 10 / 12.5); a's own: bad evidence 10, 10 / 20
    g = nx.Graph([("R", "a"), ("R", "b"), ("a", "b"), ("a", "t")])
    over = SURE_SALE | {"resellers.counterfeit_share": 1.0, "resellers.quality_counterfeit": 0.0,
                        "trust.bad_counterfeit": 10.0, "trust.p_word_of_mouth": 1.0,
                        "trust.loss_word_of_mouth": 2.5, "resellers.starter_stock": 1}
    m = build(g, {"R"}, over, fixed(1), lambda m: m.user("a").budget >= 10
              and m.user("b").budget >= 10)
    m.step()
    d = day(m)
    assert d["purchases"] == 1
    buyer = "a" if m.user("a").n_purchases else "b"
    other = "b" if buyer == "a" else "a"
    assert m.user(buyer).trust["R"] == pytest.approx(0.5)
    assert m.user(other).trust["R"] == pytest.approx(0.8)
    assert m.user("R").trust[buyer] == pytest.approx(1.0)  # R's trust in a: not a seller tie
    assert d["mean_trust_resellers"] == pytest.approx((0.5 + 0.8) / 2)


def test_word_of_mouth_reaches_the_first_tie_of_the_graph() -> None:
    # b is person 0 and b -> R tie 0: a warning along tie id 0 counts like any other
    g = nx.Graph([("b", "R"), ("R", "a"), ("a", "b")])
    over = SURE_SALE | {"resellers.counterfeit_share": 1.0, "resellers.quality_counterfeit": 0.0,
                        "trust.bad_counterfeit": 10.0, "trust.p_word_of_mouth": 1.0,
                        "trust.loss_word_of_mouth": 2.5, "resellers.starter_stock": 1}
    m = build(g, {"R"}, over, fixed(1), lambda m: m.user("a").budget >= 10
              and m.user("b").budget >= 10)
    assert tie(m, "b", "R") == 0
    m.step()
    d = day(m)
    assert d["purchases"] == 1 and d["word_of_mouth_warnings"] == 1
    trust = sorted([m.user("a").trust["R"], m.user("b").trust["R"]])
    assert trust == pytest.approx([0.5, 0.8])


def test_word_of_mouth_skips_removed_friendships() -> None:
    # b blocked R already: b is not warned about R (its tie to R is removed)
    g = nx.Graph([("R", "a"), ("R", "b"), ("a", "b")])
    over = SURE_SALE | {"resellers.counterfeit_share": 1.0, "resellers.quality_counterfeit": 0.0,
                        "trust.bad_counterfeit": 10.0, "trust.p_word_of_mouth": 1.0,
                        "trust.loss_word_of_mouth": 2.5, "resellers.starter_stock": 1}

    def rich(m: SocialCommerceModel) -> bool:
        return m.user("a").budget >= 10 and m.user("b").budget >= 10

    m = build(g, {"R"}, over, fixed(1), rich)
    m.state.remove_ties(np.array([tie(m, "b", "R")]))
    m.step()
    assert m.user("a").n_purchases == 1 and m.user("b").n_purchases == 0
    assert m.user("a").trust["R"] == pytest.approx(0.5)
    assert m.user("b").trust["R"] == pytest.approx(1.0)
    assert day(m)["word_of_mouth_warnings"] == 0
    # and with a's friendship with b removed, whoever of them buys the one unit warns
    # no one
    m = build(g, {"R"}, over, fixed(1), rich)
    m.state.remove_ties(np.array([tie(m, "a", "b")]))
    m.step()
    assert day(m)["purchases"] == 1 and day(m)["counterfeits_delivered"] == 1
    trust = sorted([m.user("a").trust["R"], m.user("b").trust["R"]])
    assert trust == pytest.approx([0.5, 1.0])
    assert day(m)["word_of_mouth_warnings"] == 0


def test_word_of_mouth_probability() -> None:
    # a cheated buyer warns each common friend with probability p: 30 buyers all friends
    # of each other (a clique plus R): each day each buyer is cheated once and each pair
    # warns with p = 0.1; count warnings over days (N = 30 x 29 per day)
    g = nx.complete_graph(31)
    over = EXACT | SURE_SALE | {"resellers.counterfeit_share": 1.0,
                                "resellers.quality_counterfeit": 0.0,
                                "trust.p_word_of_mouth": 0.1, "resellers.starter_stock": 100_000,
                                "resellers.initial_share": 1 / 31, "users.budget_per_day": 1e4,
                                "trust.loss_counterfeit": 0.0, "trust.loss_word_of_mouth": 0.0}
    m = SocialCommerceModel(graph=g, seed=5, overrides=over, strategies={"f": fixed(1)},
                            strategy_shares={"f": 1.0})
    m.run(3)
    df = m.metrics()
    assert (df["counterfeits_delivered"] == 30).all()
    n = 3 * 30 * 29
    assert abs(df["word_of_mouth_warnings"].sum() - 0.1 * n) <= four_sd(n, 0.1)


# ============================================================================ pushes
PUSH: dict[str, Any] = {
    "merchants.n_merchants": 1, "merchants.follower_share": 1.0,
    "merchants.pushes_per_day": 1.0, "merchants.account_type": "subscription",
    "merchants.p_open_push": 1.0, "merchants.unfollow_threshold": 1e6,
    "merchants.annoyance_per_push": 0.0, "merchants.quality": 1.0, "merchants.price": 10.0,
    "merchants.unit_cost": 4.0, "merchants.trust_start": 1.0,
    "resellers.initial_share": 0.0, "platform.enforce_push_limits": False,
}


def push_model(n: int = 10, **over: Any) -> SocialCommerceModel:
    return SocialCommerceModel(graph=nx.path_graph(n), seed=0,
                               overrides=EXACT | PUSH | over)


def test_every_planned_push_is_sent() -> None:
    # two merchants with Poisson(0.7) pushes a day: on days when the first plans none the
    # second still sends its own (and every follower of each is targeted)
    m = SocialCommerceModel(graph=nx.path_graph(12), seed=1, overrides=EXACT | PUSH | {
        "merchants.n_merchants": 2, "merchants.pushes_per_day": 0.7})
    planned = np.zeros(2, np.int64)
    skipped_first = 0
    for _ in range(30):
        m.step()
        k = [mer.pushes_today for mer in m.merchant_list]
        planned += k
        skipped_first += k[0] == 0 and k[1] > 0
        assert day(m)["pushes_sent"] == 12 * sum(k)
    assert skipped_first > 0
    assert [mer.pushes_sent for mer in m.merchant_list] == planned.tolist()


def test_a_closed_merchant_pushes_nothing_and_the_others_go_on() -> None:
    m = SocialCommerceModel(graph=nx.path_graph(12), seed=1, overrides=EXACT | PUSH | {
        "merchants.n_merchants": 2})
    first, second = m.merchant_list
    first.remove()
    m.run(2)
    assert (first.pushes_sent, second.pushes_sent) == (0, 2)
    assert m.metrics()["pushes_sent"].tolist() == [12, 12]


def test_a_day_without_pushes_draws_nothing() -> None:
    # a merchant with no push today (an integer rate of 0, no follower inflow, no
    # service) takes no number from the merchants' stream: the stream is where set-up
    # left it
    over = {"merchants.pushes_per_day": 0.0, "merchants.annoyance_per_push": 1.0}
    a = push_model(10, **over)
    b = push_model(10, **over)
    a.run(3)
    assert a.rngs["merchants"].random() == b.rngs["merchants"].random()
    assert a.metrics()["pushes_sent"].sum() == 0 and a.merchant_list[0].pushes_sent == 0


def test_a_merchant_without_followers_sends_nothing() -> None:
    m = push_model(10, **{"merchants.follower_share": 0.0})
    m.run(2)
    assert m.merchant_list[0].pushes_sent == 0 and m.metrics()["pushes_sent"].sum() == 0
    # one follower (share 0.1 of 10 people) gets every push
    m = push_model(10, **{"merchants.follower_share": 0.1, "purchase.p_buy_base": 1.0,
                          "purchase.reference_price": 1000.0})
    m.run(2)
    assert m.merchant_list[0].pushes_sent == 2
    assert m.metrics()["pushes_sent"].tolist() == [1, 1]
    assert m.metrics()["push_opens"].tolist() == [1, 1]
    assert m.metrics()["purchases"].tolist() == [1, 1]  # the one follower buys each day


def test_a_merchant_without_buyers_does_not_stop_the_next() -> None:
    over = {"merchants.n_merchants": 2, "purchase.p_buy_base": 1.0,
            "purchase.reference_price": 1e7}
    m = SocialCommerceModel(graph=nx.path_graph(12), seed=1, overrides=EXACT | PUSH | over)
    first, second = m.merchant_list
    first.price = 1e12  # above every budget
    m.step()
    assert (first.orders, second.orders) == (0, 12)
    assert day(m)["purchases"] == 12 and day(m)["gmv_push"] == 120.0
    # and one whose followers have all left (no one opens) does not either
    first.following[:] = False
    m.step()
    assert (first.orders, second.orders) == (0, 24)
    assert day(m)["pushes_sent"] == 12 and day(m)["push_opens"] == 12


def test_push_opens_and_sure_sales() -> None:
    m = push_model(10, **{"purchase.p_buy_base": 1.0, "purchase.reference_price": 1000.0})
    m.step()
    d = day(m)
    mer = m.merchant_list[0]
    assert d["pushes_sent"] == 10 and d["push_opens"] == 10
    assert d["purchases"] == 10 and d["units_sold"] == 10
    assert d["gmv_push"] == d["gmv"] == 100.0 and d["gmv_resellers"] == 0
    assert (mer.orders, mer.units_sold, mer.revenue) == (10, 10, 100.0)
    assert mer.costs == pytest.approx(40.0) and mer.cash == pytest.approx(60.0)
    assert not d["conversion"] > 0  # no ads seen: push orders are not ad conversions
    assert sum(m.user(i).spent for i in range(10)) == pytest.approx(100.0)


def test_push_counterfeits_and_trust() -> None:
    over = {"purchase.p_buy_base": 1.0, "purchase.reference_price": 1000.0,
            "merchants.quality": 0.0, "merchants.trust_start": 0.8,
            "trust.loss_counterfeit": 0.5}
    m = push_model(10, **over)
    m.step()
    mer = m.merchant_list[0]
    d = day(m)
    assert d["counterfeits_delivered"] == 10 and mer.counterfeits_sold == 10
    np.testing.assert_allclose(mer.f_trust, 0.4, rtol=1e-6)
    assert d["mean_trust_merchants"] == pytest.approx(0.4)
    m.step()
    assert mer.counterfeits_sold == 20 and mer.units_sold == 20 and mer.orders == 20
    np.testing.assert_allclose(mer.f_trust, 0.2, rtol=1e-6)
    assert m.seller_table().query("type == 'merchant'")["counterfeits_sold"].tolist() == [20]
    over |= {"merchants.quality": 1.0, "trust.gain_genuine": 0.5}
    m = push_model(10, **over)
    m.step()
    np.testing.assert_allclose(m.merchant_list[0].f_trust, 0.9, rtol=1e-6)
    assert day(m)["counterfeits_delivered"] == 0


def test_push_payment_failure_and_budget() -> None:
    over = {"purchase.p_buy_base": 1.0, "purchase.reference_price": 1000.0,
            "purchase.p_payment_fail": 1.0}
    m = push_model(10, **over)
    m.step()
    assert day(m)["purchases"] == 0 and day(m)["push_opens"] == 10
    # a price above every budget: no order
    m = push_model(10, **{"purchase.p_buy_base": 1.0, "purchase.reference_price": 1e7,
                          "merchants.price": 1e6})
    m.step()
    assert day(m)["purchases"] == 0 and day(m)["push_opens"] == 10
    # a price equal to one follower's budget is payable
    m = push_model(10, **{"purchase.p_buy_base": 1.0, "purchase.reference_price": 1e7})
    budgets = np.array([m.user(i).budget for i in range(10)])
    m.merchant_list[0].price = float(budgets.max())
    m.step()
    assert day(m)["purchases"] == 1 and day(m)["units_sold"] == 1
    assert m.user(int(budgets.argmax())).budget == pytest.approx(
        min(m.user(int(budgets.argmax())).budget_rate, m.user(int(budgets.argmax())).budget_cap))


def test_push_purchase_probability_follows_the_law_of_ads() -> None:
    # p = p_buy_base x trust x need x appeal 1 x (ref / price)^e x exp(-fatigue x annoyance):
    # 0.5 x 0.5 x 1 x 1 x 1 = 0.25 a follower; 400 followers x 4 days
    over = {"purchase.p_buy_base": 0.5, "merchants.trust_start": 0.5,
            "purchase.reference_price": 10.0, "purchase.price_elasticity": 2.0}
    m = push_model(400, **over)
    m.run(4)
    n = 1600
    assert abs(m.metrics()["purchases"].sum() - 0.25 * n) <= four_sd(n, 0.25) + 2 * 0.5 * n * 0.25
    # (trust rises by gain_genuine 0 here: trust stays 0.5)
    np.testing.assert_allclose(m.merchant_list[0].f_trust, 0.5)


def test_push_opens_fold_with_the_number_of_pushes() -> None:
    # 3 pushes a day, fold decay 0.5: mean share (1 + 0.5 + 0.25) / 3; each follower opens
    # Binomial(3, p_open_push x share) pushes; 500 followers
    over = {"merchants.pushes_per_day": 3.0, "merchants.p_open_push": 0.9,
            "platform.fold_decay": 0.5}
    m = push_model(500, **over)
    m.step()
    p = 0.9 * (1 + 0.5 + 0.25) / 3
    n = 3 * 500
    assert day(m)["pushes_sent"] == n and m.merchant_list[0].pushes_sent == 3
    assert abs(day(m)["push_opens"] - n * p) <= four_sd(n, p)
    # without folding: p_open_push each
    m = push_model(500, **over | {"platform.fold_pushes": False})
    m.step()
    assert abs(day(m)["push_opens"] - n * 0.9) <= four_sd(n, 0.9)


def test_two_pushes_a_day_can_both_be_opened() -> None:
    # without folding and with everyone opening, 2 pushes give 2 opens per follower
    over = {"merchants.pushes_per_day": 2.0, "platform.fold_pushes": False}
    m = push_model(20, **over)
    m.step()
    assert day(m)["pushes_sent"] == 40 and day(m)["push_opens"] == 40


def test_push_opens_follow_each_followers_p_open() -> None:
    # a follower opens each of 2 pushes with p_open_push x p_open (p_open near 0.5): the
    # opens are a sum of 1000 Bernoulli trials, mean sum 2 x 0.8 x p_i, variance sum of
    # 2 p (1 - p) (at most 250)
    over = {"merchants.pushes_per_day": 2.0, "platform.fold_pushes": False,
            "merchants.p_open_push": 0.8, "users.p_open_mean": 0.5,
            "users.p_open_concentration": 1000.0}
    m = push_model(500, **over)
    p = 0.8 * m.people.p_open.astype(np.float64)
    m.step()
    mean, var = 2 * p.sum(), 2 * (p * (1 - p)).sum()
    assert abs(day(m)["push_opens"] - mean) <= 4 * np.sqrt(var)
    assert abs(mean - 400) < 40


def test_one_push_opens_with_p_open_push() -> None:
    m = push_model(2000, **{"merchants.p_open_push": 0.3})
    m.step()
    assert abs(day(m)["push_opens"] - 600) <= four_sd(2000, 0.3)  # 4 sd = 82


def test_push_open_share_change_takes_effect() -> None:
    # the open probabilities are cached per merchant; a new p_open_push must be used
    m = push_model(50)
    m.step()
    assert day(m)["push_opens"] == 50
    m.set_params({"merchants.p_open_push": 0.0})
    m.step()
    assert day(m)["push_opens"] == 0
    m.set_params({"merchants.p_open_push": 1.0})
    m.step()
    assert day(m)["push_opens"] == 50


def test_push_annoyance_and_unfollows() -> None:
    # each push annoys by annoyance_per_push x (1 - need); need 1 (need_mean 1) -> none;
    # with need near 0.5 the follower unfollows at its threshold
    over = {"merchants.annoyance_per_push": 1.0, "merchants.unfollow_threshold": 1.2,
            "users.need_mean": 1e-6, "users.annoyance_decay": 0.0}
    m = push_model(20, **over)
    mer = m.merchant_list[0]
    m.step()
    np.testing.assert_allclose(mer.f_annoyance, 1.0, atol=1e-4)
    assert day(m)["unfollows"] == 0 and mer.n_followers == 20
    m.step()
    assert day(m)["unfollows"] == 20 and mer.unfollows == 20 and mer.n_followers == 0
    assert m.seller_table().query("type == 'merchant'")["friends_lost"].tolist() == [20]
    m.step()
    assert day(m)["pushes_sent"] == 0 and day(m)["unfollows"] == 0
    np.testing.assert_allclose(mer.f_annoyance, 2.0, atol=1e-4)


def test_unfollow_at_the_threshold() -> None:
    # need 0 (need_mean 1e-6 rounds to 0): each push annoys by exactly 1; thresholds without
    # spread scale by exactly 1; annoyance 2 reaches the threshold 2 on day 1
    over = {"merchants.annoyance_per_push": 1.0, "merchants.unfollow_threshold": 2.0,
            "users.need_mean": 1e-6}
    m = push_model(10, **over)
    m.run(3)
    assert m.metrics()["unfollows"].tolist() == [0, 10, 0]


def test_push_annoyance_fades_with_annoyance_decay() -> None:
    over = {"merchants.annoyance_per_push": 1.0, "users.need_mean": 1e-6,
            "users.annoyance_decay": 0.5}
    m = push_model(5, **over)
    mer = m.merchant_list[0]
    m.step()
    np.testing.assert_allclose(mer.f_annoyance, 1.0, atol=1e-4)
    m.step()
    np.testing.assert_allclose(mer.f_annoyance, 1.5, atol=1e-4)
    m.set_params({"merchants.pushes_per_day": 0.0})
    m.step()
    np.testing.assert_allclose(mer.f_annoyance, 0.75, atol=1e-4)


def test_unfollow_threshold_scales_with_tolerance() -> None:
    # tolerant followers' block thresholds are raised by tolerant_factor: they unfollow at
    # threshold x 3 (thresholds without spread)
    over = {"merchants.annoyance_per_push": 1.0, "merchants.unfollow_threshold": 1.5,
            "users.need_mean": 1e-6, "users.share_muter": 0.0, "users.share_tolerant": 1.0,
            "users.tolerant_factor": 3.0}
    m = push_model(10, **over)
    m.run(4)
    assert m.metrics()["unfollows"].tolist() == [0, 0, 0, 0]
    m.step()
    assert day(m)["unfollows"] == 10  # annoyance 5 >= 4.5


def test_unfollow_threshold_change_takes_effect() -> None:
    # the per-follower thresholds are cached; a new merchants.unfollow_threshold is used
    over = {"merchants.annoyance_per_push": 1.0, "users.need_mean": 1e-6}
    m = push_model(10, **over)
    m.run(2)
    assert m.metrics()["unfollows"].sum() == 0
    m.set_params({"merchants.unfollow_threshold": 2.5})
    m.step()  # annoyance 3 >= 2.5
    assert day(m)["unfollows"] == 10


def test_segment_need_change_takes_effect() -> None:
    # needs near 0: in the segment at segment_need 0, out of it at 0.5 (the cached
    # segment follows the new parameter)
    over = {"merchants.segmentation": True, "merchants.segment_need": 0.0,
            "users.need_mean": 1e-6}
    m = push_model(10, **over)
    m.step()
    assert day(m)["pushes_sent"] == 10
    m.set_params({"merchants.segment_need": 0.5})
    m.step()
    assert day(m)["pushes_sent"] == 0


def test_segment_holds_need_at_the_threshold() -> None:
    # followers whose need equals merchants.segment_need are in the segment (need >= it);
    # users.need_mean = 1 makes every need exactly 1.0
    m = push_model(10, **{"merchants.segmentation": True, "merchants.segment_need": 1.0})
    assert m.merchant_list[0].need_of(m.merchant_list[0].followers).tolist() == [1.0] * 10
    m.step()
    assert day(m)["pushes_sent"] == 10 and day(m)["push_opens"] == 10


def test_segmented_pushes_reach_followers_in_need() -> None:
    # users.need_mean 1: everyone is in need; segment_need above any need: no one
    over = {"merchants.segmentation": True, "merchants.segment_need": 0.5}
    m = push_model(10, **over)
    m.step()
    assert day(m)["pushes_sent"] == 10
    m = push_model(10, **over | {"users.need_mean": 1e-6})
    m.step()
    assert day(m)["pushes_sent"] == 0 and day(m)["push_opens"] == 0
    assert m.merchant_list[0].pushes_sent == 1
    m = push_model(10, **over | {"merchants.segmentation": False, "users.need_mean": 1e-6})
    m.step()
    assert day(m)["pushes_sent"] == 10


def test_push_opens_are_numpys_binomial() -> None:
    # _push_opens: rng.binomial(1, p) for p = clip(share x p_open), the same numbers and
    # the same stream use, for p in (0, 0.5] (the cached fast path) and outside it
    for p_open in ([0.1, 0.2, 0.5, 0.3], [0.0, 0.2, 0.4, 0.1], [0.1, 0.7, 0.2, 0.9],
                   [0.6, 0.8, 1.0, 0.55]):
        p_open_f = np.array(p_open)
        tgt = np.array([0, 1, 3])
        model = types.SimpleNamespace(state=types.SimpleNamespace(xp=np), caches={})
        mer = types.SimpleNamespace(index=0, followers=np.arange(4))
        got = pushes._push_opens(model, mer, 1.0, p_open_f, tgt,
                                 Draws(np, np.random.default_rng(3)))
        rng = np.random.default_rng(3)
        want = rng.binomial(1, p_open_f[tgt])
        assert got.tolist() == want.tolist(), p_open
        # again from the cache
        d = Draws(np, np.random.default_rng(4))
        got = pushes._push_opens(model, mer, 1.0, p_open_f, tgt, d)
        rng = np.random.default_rng(4)
        assert got.tolist() == rng.binomial(1, p_open_f[tgt]).tolist()
        assert d.random(1, np.float64)[0] == rng.random()
    # seed 0's first double equals exp(log(1 - p)) for this p: NumPy draws 0 (it needs
    # U > qn), and so does the cached fast path
    p = 0.3630383126785457
    model = types.SimpleNamespace(state=types.SimpleNamespace(xp=np), caches={})
    mer = types.SimpleNamespace(index=2, followers=np.arange(2))
    got = pushes._push_opens(model, mer, 1.0, np.array([p, 0.1]), np.array([0]),
                             Draws(np, np.random.default_rng(0)))
    assert got.tolist() == np.random.default_rng(0).binomial(1, [p]).tolist() == [0]
    # a share scales p; p is clipped to [0, 1]
    model = types.SimpleNamespace(state=types.SimpleNamespace(xp=np), caches={})
    mer = types.SimpleNamespace(index=1, followers=np.arange(3))
    got = pushes._push_opens(model, mer, 4.0, np.array([0.5, 0.0, 0.1]), np.array([0, 1, 2]),
                             Draws(np, np.random.default_rng(0)))
    assert got.tolist()[:2] == [1, 0]
    want = np.random.default_rng(0).binomial(1, [1.0, 0.0, 0.4])
    assert got.tolist() == want.tolist()


# ======================================================================== moderation
def test_ban_counts_reports_in_the_window() -> None:
    # one report a day (one new friend reports each day) ... here: reports of several
    # days add up in the window: 2 on day 0, 2 on day 1: banned at 4 on day 1
    g = nx.Graph([("R", x) for x in "abcd"])
    over = {"users.p_report": 1.0, "platform.policy": "threshold_ban",
            "platform.report_threshold": 4, "platform.report_window_days": 5}

    def two_early(m: SocialCommerceModel) -> bool:
        return sorted(m.user(x).report_thr for x in "abcd") == sorted(
            m.user(x).report_thr for x in "abcd")

    m = build(g, {"R"}, over | {"users.report_threshold": 1.5}, fixed(1), two_early)
    m.run(3)
    df = m.metrics()
    # annoyance 1, 2, 3: all four report on day 1 (>= 1.5): banned on day 1
    assert df["reports"].tolist() == [0, 4, 0]
    assert df["bans"].tolist() == [0, 1, 0]
    r = m.reseller_list[0]
    assert r.status == "banned" and m.seller_table().loc[0, "left_day"] == 1
    assert m.seller_table().loc[0, "reports"] == 4


def test_reports_outside_the_window_do_not_count() -> None:
    # call the moderation rule directly with a day's reports: 2 today, 2 four days later
    m = build(nx.Graph([("R", "a"), ("S", "b")]), {"R", "S"},
              {"platform.policy": "threshold_ban", "platform.report_threshold": 4,
               "platform.report_window_days": 3})
    for k, rep in enumerate(([2, 0], [0, 0], [0, 0], [2, 0], [2, 3], [0, 1])):
        m.day = k
        m.reports_today = np.array(rep, np.int64)
        moderation.moderate(m)
        assert m.today["bans"] == (1.0 if k in (4, 5) else 0.0), k
        if k == 4:
            assert m.seller_table()["status"].tolist() == ["banned", "active"]
    assert m.seller_table()["status"].tolist() == ["banned", "banned"]
    assert m.seller_table()["left_day"].tolist() == [4, 5]
    assert m.seller_table()["reports"].tolist() == [6, 4]


def test_moderation_pads_a_short_report_array() -> None:
    # reports for fewer slots than sellers (e.g. a seller added since): zeros for the rest
    m = build(nx.Graph([("R", "a"), ("S", "b")]), {"R", "S"},
              {"platform.policy": "threshold_ban", "platform.report_threshold": 2})
    m.reports_today = np.array([3], np.int64)
    moderation.moderate(m)
    assert m.seller_table()["status"].tolist() == ["banned", "active"]
    assert m.seller_table()["reports"].tolist() == [3, 0]
    m.reports_today = np.array([0, 1], np.int64)
    moderation.moderate(m)
    assert m.today["bans"] == 0.0  # R is banned already; S has 1 report in the window
    m.reports_today = np.zeros(0, np.int64)
    moderation.moderate(m)
    assert m.today["bans"] == 0.0 and m.seller_table()["reports"].tolist() == [3, 1]
    m.reports_today = np.array([0, 1], np.int64)
    moderation.moderate(m)
    assert m.today["bans"] == 1.0 and m.seller_table()["status"].tolist() == ["banned"] * 2


def test_only_active_sellers_are_banned() -> None:
    m = build(nx.Graph([("R", "a"), ("S", "b")]), {"R", "S"},
              {"platform.policy": "threshold_ban", "platform.report_threshold": 1})
    m.reseller_list[0].status_code = 1  # quit
    m.day = 7
    m.reports_today = np.array([5, 5], np.int64)
    moderation.moderate(m)
    t = m.seller_table()
    assert t["status"].tolist() == ["quit", "banned"]
    assert t["left_day"].tolist() == [-1, 7]
    assert m.today["bans"] == 1.0


def test_a_ban_policy_is_given_the_model() -> None:
    # ModerationPolicy.from_func: a rule that reads the model (here: no bans before day 3)
    def late(policy: ModerationPolicy, model: Any, window: np.ndarray) -> np.ndarray:
        return (window >= 1) & (model.day >= 3)

    m = build(nx.Graph([("R", "a")]), {"R"}, {})
    m.policy = ModerationPolicy.from_func("late", late)
    for k in range(5):
        m.day = k
        m.reports_today = np.array([1], np.int64)
        moderation.moderate(m)
        assert m.today["bans"] == (1.0 if k == 3 else 0.0)
    assert m.seller_table().loc[0, "left_day"] == 3


def test_no_moderation_bans_no_one() -> None:
    m = build(nx.Graph([("R", "a")]), {"R"}, {"platform.policy": "none"})
    m.reports_today = np.array([100_000], np.int64)
    moderation.moderate(m)
    assert m.today["bans"] == 0.0 and m.reseller_list[0].status == "active"


def test_report_window_length_follows_set_params() -> None:
    m = build(nx.Graph([("R", "a")]), {"R"},
              {"platform.policy": "threshold_ban", "platform.report_threshold": 2,
               "platform.report_window_days": 10})
    m.set_params({"platform.report_window_days": 1})
    for rep in (1, 1, 1):
        m.reports_today = np.array([rep], np.int64)
        moderation.moderate(m)
        m.day += 1
    assert m.reseller_list[0].status == "active"


# ============================================================================= money
def test_fixed_costs_only_for_active_sellers() -> None:
    g = nx.Graph([("R", "a"), ("S", "b")])
    over = {"resellers.fixed_cost_per_day": 3.0, "resellers.starter_stock": 0,
            "resellers.quit_after_loss_days": 1000}
    m = build(g, {"R", "S"}, over)
    m.reseller_list[1].status_code = 2
    m.run(4)
    t = m.seller_table()
    assert t["profit"].tolist() == [-12.0, 0.0]
    assert t["costs"].tolist() == [12.0, 0.0]
    assert m.sellers.fixed_costs.tolist() == [12.0, 0.0]
    assert m.metrics()["share_resellers_losing"].tolist() == [0.5] * 4


def test_days_in_loss_reset_when_cash_recovers() -> None:
    # cash -10 from the starter stock, which is worth 10 at cost: profit with stock 0;
    # day 0 costs 1 and sells nothing (profit -1: a day in loss); day 1 sells both
    # units at 10: cash -10 - 1 + 20 - 1 = +8, the streak ends
    over = SURE_SALE | {"resellers.starter_stock": 2, "resellers.level1_cost": 5.0,
                        "resellers.quit_after_loss_days": 2,
                        "resellers.fixed_cost_per_day": 1.0}
    m = build(star(), {"R"}, over, fixed(0))
    r = m.reseller_list[0]
    assert r.cash == -10 and r.profit_with_stock == 0
    m.step()
    assert m.sellers.days_in_loss[0] == 1
    m.set_params({"purchase.p_buy_base": 1.0})
    m.reseller_list[0].strategy = fixed(1)
    m.step()  # two units sold at 10
    assert r.cash == pytest.approx(8.0) and m.sellers.days_in_loss[0] == 0
    m.run(3)
    assert r.status == "active"


def test_quit_after_the_loss_streak_and_never_again() -> None:
    over = {"resellers.fixed_cost_per_day": 1.0, "resellers.quit_after_loss_days": 3,
            "resellers.starter_stock": 0}
    m = build(star(), {"R"}, over)
    m.run(6)
    df = m.metrics()
    # cash -1, -2, -3: in loss 1, 2, 3 days: quits on day 2
    assert df["quits"].tolist() == [0, 0, 1, 0, 0, 0]
    assert m.seller_table().loc[0, "left_day"] == 2
    assert m.reseller_list[0].cash == -3.0
    assert m.sellers.days_in_loss[0] == 0  # (counted for active sellers only)


def test_budgets_accrue_up_to_the_cap() -> None:
    m = build(star(), {"R"}, {"users.budget_per_day": 7.0, "users.budget_cap_days": 2.0})
    before = {x: m.user(x) for x in "abcd"}
    m.step()
    for x in "abcd":
        b = before[x]
        assert m.user(x).budget == pytest.approx(min(b.budget + b.budget_rate, b.budget_cap))
    m.run(200)
    for x in "abcd":
        assert m.user(x).budget == pytest.approx(before[x].budget_cap)


def test_recruits_metric_counts_joins() -> None:
    g = nx.Graph([("x", "y"), ("x", "z")])
    over = {"resellers.p_accept": 1.0, "trust.trust_weak": 1.0, "resellers.p_pitch": 1.0,
            "resellers.max_level": 2}
    m = build(g, {"x"}, over)
    m.run(30)
    assert m.metrics()["recruits"].sum() == 2 == len(m.reseller_list) - 1
    assert m.seller_table().loc[0, "recruits"] == 2
