"""Hand-built graphs with probabilities at 0 or 1: each day's outcome worked out by hand.

Everyone opens Moments every day (``users.p_open_mean = 1``), reads every
item (``attention_mean`` huge, no ordinary posts to compete), thresholds
have no spread (``threshold_spread = 0``), annoyance does not decay unless
a test says so, and sellers post a fixed number of ads through a
user-supplied strategy, so every count below follows from the rules of
MODEL.md steps 2-7 by arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import pytest
import towns
from towns import BLOCKERS, LEAVES, MUTERS, TOLERANT, fixed, star, tie

from agents.strategies import Plan, Strategy
from sim.model import SocialCommerceModel
from sim.state import BLOCKER, MUTED, REMOVED

#: the exposure thresholds of towns.ANNOYANCE; tolerant readers' thresholds are 3 times higher
EXACT = (towns.EXACT | towns.ANNOYANCE | towns.PLAIN_RESELLERS | towns.TRUST_OFF
         | {"users.tolerant_factor": 3.0})


def model_with_sellers_at(graph: nx.Graph, sellers: set, overrides: dict[str, Any],
                          strategy: Strategy | None,
                          check: Callable[[SocialCommerceModel], bool] | None = None,
                          ) -> SocialCommerceModel:
    """The model of this file's town under the first seed whose resellers sit at ``sellers``.

    ``strategy=None`` keeps the built-in strategies (all flooders); see :func:`towns.build`.
    """
    return towns.build(EXACT, graph, sellers, overrides, strategy, check)


# ---------------------------------------------------------------- who sees what
def test_day_one_exposure() -> None:
    m = model_with_sellers_at(star(), {"R"}, MUTERS, fixed(3))
    m.step()
    d = m.metrics().iloc[0]
    assert d["ads_posted"] == 3
    assert d["openers"] == 6
    assert d["ads_seen"] == d["ads_seen_moments"] == 12  # 4 friends x 3 ads
    assert d["ads_seen_direct"] == d["ads_seen_group"] == 0
    assert d["feed_items_seen"] == pytest.approx(12)
    assert d["ad_share_of_feed"] == pytest.approx(1.0)
    assert d["ordinary_crowded_out"] == 0
    for leaf in LEAVES:
        assert m.ties.cum_ads_seen[tie(m, leaf, "R")] == 3
        assert m.user(leaf).annoyance == {"R": pytest.approx(3.0)}
    # t is not R's friend, and R's own ties and a-t carry no ads
    assert m.user("t").annoyance == {}
    assert m.ties.cum_ads_seen.sum() == 12
    assert m.ties.cum_ads_seen[tie(m, "R", "a")] == 0


def test_no_one_opens_no_one_sees() -> None:
    g = star()
    m = model_with_sellers_at(g, {"R"}, MUTERS | {"users.p_open_mean": 1e-9,
                                                  "users.p_open_concentration": 1000.0},
                              fixed(3))
    m.run(3)
    assert m.metrics()["ads_seen"].sum() == 0
    assert m.metrics()["ads_posted"].sum() == 9


def test_annoyance_decays_geometrically() -> None:
    m = model_with_sellers_at(star(), {"R"}, MUTERS | {"users.annoyance_decay": 0.5,
                                                       "users.mute_threshold": 100.0},
                              fixed(3))
    expected = 0.0
    for _ in range(5):
        m.step()
        expected = expected * 0.5 + 3
        assert m.user("a").annoyance["R"] == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(5.8125)


#: a day's good evidence from two lifestyle posts: cap (1 - exp(-2 x 0.1 / cap)), cap 0.5
LIFE_DAY = 0.5 * (1 - math.exp(-2 * 0.1 / 0.5))
LIFE = {"trust.gain_lifestyle": 0.1, "trust.lifestyle_cap": 0.5}


def test_lifestyle_posts_build_trust_without_annoyance() -> None:
    m = model_with_sellers_at(star(), {"R"}, MUTERS | LIFE, fixed(0, 2))
    for day in range(1, 4):
        m.step()
        # trust_weak 0.4, w = 10: (10 x 0.4 + good) / (10 + good), nothing forgotten
        want = (4 + day * LIFE_DAY) / (10 + day * LIFE_DAY)
        for leaf in LEAVES:
            assert m.user(leaf).trust["R"] == pytest.approx(want, rel=1e-5)
            assert m.user(leaf).annoyance == {}
    assert m.metrics()["mutes"].sum() == 0


def test_mean_trust_friends_follows_trust_without_removals() -> None:
    m = model_with_sellers_at(star(), {"R"}, MUTERS | LIFE | {"run.lcc_every_days": 1},
                              fixed(0, 2))
    m.run(3)
    df = m.metrics()
    for day in range(3):
        good = (day + 1) * LIFE_DAY  # four ties toward R; six others stay 0.4
        t = (4 + good) / (10 + good)
        assert df["mean_trust_friends"].iloc[day] == pytest.approx((6 * 0.4 + 4 * t) / 10,
                                                                   rel=1e-5)
        assert df["mean_trust_resellers"].iloc[day] == pytest.approx(t, rel=1e-5)
    assert df["largest_component_share"].tolist() == [1.0, 1.0, 1.0]


# ---------------------------------------------------------------- mute and block
def test_muter_mutes_on_the_day_annoyance_crosses() -> None:
    m = model_with_sellers_at(star(), {"R"}, MUTERS, fixed(3))
    m.run(6)
    df = m.metrics()
    # annoyance 3, 6, 9 >= 7.5 on day 2
    assert df["mutes"].tolist() == [0, 0, 4, 0, 0, 0]
    assert df["ads_seen"].tolist() == [12, 12, 12, 0, 0, 0]
    assert df["blocks"].sum() == 0
    for leaf in LEAVES:
        view = m.user(leaf)
        assert view.muted == ["R"]
        assert "R" in view.friends  # muting keeps the friendship
        assert view.annoyance["R"] == pytest.approx(9.0)  # no decay, nothing more seen
        e = tie(m, leaf, "R")
        assert m.ties.flags[e] & MUTED and not m.ties.flags[e] & REMOVED
        assert m.ties.cum_ads_seen[e] == 9
    assert m.friend_graph().number_of_edges() == 5
    assert m.reseller_list[0].model.sellers.mutes_received[0] == 4


def test_blocker_blocks_on_the_day_annoyance_crosses() -> None:
    m = model_with_sellers_at(star(), {"R"}, BLOCKERS, fixed(3))
    m.run(6)
    df = m.metrics()
    # annoyance 3, 6, 9, 12 >= 10.5 on day 3; blockers never mute
    assert df["blocks"].tolist() == [0, 0, 0, 4, 0, 0]
    assert df["blocks_resellers"].tolist() == [0, 0, 0, 4, 0, 0]
    assert df["mutes"].sum() == 0
    assert df["ads_seen"].tolist() == [12, 12, 12, 12, 0, 0]
    assert df["mean_degree"].tolist() == pytest.approx([10 / 6] * 3 + [2 / 6] * 3)
    for leaf in LEAVES:
        view = m.user(leaf)
        assert view.blocked == ["R"]
        assert "R" not in view.friends
        e = tie(m, leaf, "R")
        assert m.ties.flags[e] & (REMOVED | BLOCKER) == REMOVED | BLOCKER
        back = m.graph.rev[e]
        assert m.ties.flags[back] & REMOVED and not m.ties.flags[back] & BLOCKER
    assert m.user("R").friends == []  # both directions are gone
    fg = m.friend_graph()
    assert set(fg.nodes()) == {"R", "a", "b", "c", "d", "t"}
    assert [tuple(sorted(e)) for e in fg.edges()] == [("a", "t")]
    assert m.seller_table().loc[0, "friends_lost"] == 4
    assert m.people_table().set_index("person").loc["R", "friends_lost"] == 4


def test_mixed_types_follow_their_own_rule() -> None:
    mixed = {"users.share_tolerant": 0.0, "users.share_muter": 0.5, "users.share_blocker": 0.5}

    def both_kinds(m: SocialCommerceModel) -> bool:
        return {m.user(leaf).kind for leaf in LEAVES} == {"muter", "blocker"}

    m = model_with_sellers_at(star(), {"R"}, mixed, fixed(3), check=both_kinds)
    m.run(5)
    df = m.metrics()
    n_mute = sum(m.user(leaf).kind == "muter" for leaf in LEAVES)
    assert df["mutes"].tolist() == [0, 0, n_mute, 0, 0]
    assert df["blocks"].tolist() == [0, 0, 0, 4 - n_mute, 0]
    for leaf in LEAVES:
        view = m.user(leaf)
        if view.kind == "muter":
            assert view.muted == ["R"] and "R" in view.friends
        else:
            assert view.blocked == ["R"] and "R" not in view.friends


def test_muted_muter_escalates_to_block_through_direct_reach() -> None:
    m = model_with_sellers_at(star(), {"R"}, MUTERS | {"groups.p_direct_reach": 1.0},
                              fixed(3))
    m.run(7)
    df = m.metrics()
    # mute at 9 (day 2); direct messages keep adding 3 a day: 12, 15 >= 2 x 7.5 (the muter's
    # escalation threshold: escalation_factor x its MUTE threshold) on day 4
    assert df["mutes"].tolist() == [0, 0, 4, 0, 0, 0, 0]
    assert df["ads_seen_direct"].tolist() == [0, 0, 0, 12, 12, 0, 0]
    assert df["ads_seen_moments"].tolist() == [12, 12, 12, 0, 0, 0, 0]
    assert df["blocks"].tolist() == [0, 0, 0, 0, 4, 0, 0]
    assert df["escalations"].tolist() == [0, 0, 0, 0, 4, 0, 0]
    for leaf in LEAVES:
        e = tie(m, leaf, "R")
        assert m.ties.flags[e] & (MUTED | REMOVED | BLOCKER) == MUTED | REMOVED | BLOCKER
        assert m.ties.cum_ads_seen[e] == 15
    assert m.friend_graph().number_of_edges() == 1


def test_tolerant_people_mute_late_and_never_block() -> None:
    m = model_with_sellers_at(star(), {"R"}, TOLERANT | {"groups.p_direct_reach": 1.0},
                              fixed(3))
    m.run(20)
    df = m.metrics()
    # mute threshold 3 x 7.5 = 22.5: annoyance 3(k + 1) reaches 24 on day 7
    assert df["mutes"].tolist() == [0] * 7 + [4] + [0] * 12
    assert df["blocks"].sum() == 0
    assert m.user("a").annoyance["R"] == pytest.approx(60.0)  # 20 days x 3, direct after mute


def test_report_and_ban_stop_posting() -> None:
    over = BLOCKERS | {"users.p_report": 1.0, "users.report_threshold": 5.5,
                       "platform.policy": "threshold_ban", "platform.report_threshold": 4,
                       "users.block_threshold": 1000.0}
    m = model_with_sellers_at(star(), {"R"}, over, fixed(3))
    m.run(5)
    df = m.metrics()
    # annoyance 6 >= 5.5 on day 1: all four report (once per tie), the fourth bans R
    assert df["reports"].tolist() == [0, 4, 0, 0, 0]
    assert df["bans"].tolist() == [0, 1, 0, 0, 0]
    assert df["resellers_banned"].tolist() == [0, 1, 1, 1, 1]
    assert df["ads_posted"].tolist() == [3, 3, 0, 0, 0]
    assert df["ads_seen"].tolist() == [12, 12, 0, 0, 0]
    r = m.reseller_list[0]
    assert r.status == "banned" and r.reports == 4
    assert m.seller_table().loc[0, "left_day"] == 1


# ---------------------------------------------------------------- orders and trust
def _rich(m: SocialCommerceModel) -> bool:
    return all(m.user(leaf).budget >= 100 for leaf in LEAVES)


SURE_SALE = {
    "purchase.p_buy_base": 1.0, "purchase.price_elasticity": 0.0, "purchase.fatigue": 0.0,
    "purchase.p_payment_fail": 0.0, "purchase.trust_value_slope": 0.0,
    "users.need_mean": 1.0, "users.budget_per_day": 1000.0, "users.mute_threshold": 1000.0,
    "trust.trust_weak": 1.0, "trust.trust_strong": 1.0,
    "resellers.sell_price": 100.0, "resellers.level1_cost": 50.0,
    "resellers.starter_stock": 10, "resellers.restock_below": 0,
}


def test_counterfeit_sale_cuts_trust_and_word_of_mouth_spreads() -> None:
    g = star()
    g.add_edge("a", "b")  # a and b warn each other
    g.add_edge("c", "b")  # b is warned twice
    over = MUTERS | SURE_SALE | {
        "resellers.counterfeit_share": 1.0, "resellers.quality_counterfeit": 0.0,
        "trust.bad_counterfeit": 10.0, "trust.p_word_of_mouth": 1.0,
        "trust.loss_word_of_mouth": 2.5}
    m = model_with_sellers_at(g, {"R"}, over, fixed(3), check=_rich)
    before = {leaf: m.user(leaf) for leaf in LEAVES}
    m.step()
    d = m.metrics().iloc[0]
    assert d["purchases"] == 4 and d["units_sold"] == 4
    assert d["gmv_moments"] == d["gmv_resellers"] == 400
    assert d["counterfeits_delivered"] == 4
    assert d["word_of_mouth_warnings"] == 4  # a->b, b->a, b->c, c->b
    r = m.reseller_list[0]
    assert r.inventory == 6 and r.units_sold == 4 and r.cash == pytest.approx(-500 + 400)
    for leaf in LEAVES:
        view = m.user(leaf)
        assert view.n_purchases == 1 and view.n_counterfeits == 1
        assert view.spent == 100 and view.lost_counterfeit == 100
        b = before[leaf]  # pays 100, then a day's budget accrues up to the cap
        assert view.budget == pytest.approx(min(b.budget - 100 + b.budget_rate, b.budget_cap))
    trust = {leaf: m.user(leaf).trust["R"] for leaf in LEAVES}
    # trust 1, w = 10: own counterfeit (bad 10) halves trust, 10 / 20; each warning adds
    # bad evidence 2.5 x the friend's trust in the buyer (1)
    assert trust["d"] == pytest.approx(0.5)
    assert trust["a"] == pytest.approx(10 / 22.5)
    assert trust["c"] == pytest.approx(10 / 22.5)
    assert trust["b"] == pytest.approx(10 / 25)  # warned by a and by c


def test_genuine_sale_raises_trust() -> None:
    over = MUTERS | SURE_SALE | {"trust.good_genuine": 1.0}
    m = model_with_sellers_at(star(), {"R"}, over, fixed(1), check=_rich)
    m.step()
    assert m.metrics().iloc[0]["purchases"] == 4
    assert m.metrics().iloc[0]["counterfeits_delivered"] == 0
    # trust 1 stays 1; the sale went through
    assert all(m.user(leaf).trust["R"] == pytest.approx(1.0) for leaf in LEAVES)
    assert m.reseller_list[0].inventory == 6


def test_stock_out_rations_orders() -> None:
    over = MUTERS | SURE_SALE | {"resellers.starter_stock": 3}
    m = model_with_sellers_at(star(), {"R"}, over, fixed(3), check=_rich)
    m.step()
    d = m.metrics().iloc[0]
    assert d["purchases"] == 3 and d["units_sold"] == 3  # four want one each, three in stock
    assert m.reseller_list[0].inventory == 0
    assert sum(m.user(leaf).n_purchases for leaf in LEAVES) == 3


# ---------------------------------------------------------------- supply chain
CHAIN = {
    "merchants.n_merchants": 1, "merchants.follower_share": 0.0, "merchants.unit_cost": 40.0,
    "resellers.level1_cost": 50.0, "resellers.markup_per_level": 0.15,
    "resellers.sell_price": 100.0, "resellers.starter_stock": 10,
    "resellers.restock_amount": 15, "resellers.fixed_cost_per_day": 2.0,
    "resellers.p_pitch": 1.0, "resellers.p_accept": 1.0, "resellers.max_level": 2,
    "trust.trust_weak": 1.0, "trust.trust_strong": 1.0,
}


# a custom strategy runs each agent's own step(); the built-in ones are planned in bulk
STRATEGIES = pytest.mark.parametrize(
    ("strategy", "extra"),
    [(fixed(0), {}), (None, {"strategies.flooder_ads_per_day": 0.0})],
    ids=["custom", "builtin"])


@STRATEGIES
def test_two_level_chain_starter_stock_and_restock(strategy: Strategy | None,
                                                   extra: dict[str, Any]) -> None:
    g = nx.Graph([("x", "y")])
    m = model_with_sellers_at(g, {"x"}, MUTERS | CHAIN | {"resellers.restock_below": 3}
                              | extra, strategy)
    merchant = m.merchant_list[0]
    l1 = m.reseller_list[0]
    # set-up: level 1 buys its starter stock from the merchant
    assert (l1.level, l1.inventory, l1.cash) == (1, 10, -500)
    assert (merchant.cash, merchant.revenue, merchant.units_wholesaled) == (100, 500, 10)

    m.step()  # day 0: x pitches y, y joins at level 2 and buys 10 from x at 57.50
    assert len(m.reseller_list) == 2
    l2 = m.reseller_list[1]
    assert l2.label == "y" and l2.upstream is l1
    assert (l2.level, l2.cost, l2.price) == (2, pytest.approx(57.5), 100)
    assert l2.inventory == 10 and l2.cash == pytest.approx(-575)
    assert l1.inventory == 0
    assert l1.cash == pytest.approx(-500 - 2 + 575)  # starter, a day's cost, wholesale
    t = m.sellers
    assert t.revenue[0] == pytest.approx(575) and t.purchases_cost[0] == pytest.approx(500)
    assert t.units_wholesaled[0] == 10 and t.fixed_costs[0] == 2 and t.fixed_costs[1] == 0
    d0 = m.metrics().iloc[0]
    assert d0["recruits"] == 1 and d0["wholesale_units"] == 10

    m.step()  # day 1: x is below 3 in stock and restocks 15 from the merchant
    assert l1.inventory == 15
    assert l1.cash == pytest.approx(73 - 750 - 2)
    assert l2.inventory == 10 and l2.cash == pytest.approx(-575 - 2)
    assert merchant.units_wholesaled == 25
    assert merchant.revenue == pytest.approx(1250) and merchant.costs == pytest.approx(1000)
    assert merchant.cash == pytest.approx(250)
    d1 = m.metrics().iloc[1]
    assert d1["recruits"] == 0 and d1["wholesale_units"] == 15
    assert d1["unsold_inventory"] == 25
    assert d1["resellers_active"] == 2


@STRATEGIES
def test_upstream_short_of_stock_restocks_before_wholesaling(strategy: Strategy | None,
                                                             extra: dict[str, Any]) -> None:
    g = nx.Graph([("x", "y"), ("x", "z")])
    m = model_with_sellers_at(g, {"x"}, MUTERS | CHAIN | {"resellers.restock_below": 0}
                              | extra, strategy)
    l1 = m.reseller_list[0]
    days = 0
    while len(m.reseller_list) < 3:
        m.step()
        days += 1
        assert days < 40, "x never recruited both friends"
    second = int(np.flatnonzero(m.metrics()["recruits"].to_numpy())[-1])
    assert days == second + 1
    first_recruit, second_recruit = m.reseller_list[1], m.reseller_list[2]
    # the second recruit found x empty: x bought 15 (restock_amount) and shipped 10
    assert l1.inventory == 5
    assert m.sellers.units_bought[0] == 25 and m.sellers.units_wholesaled[0] == 20
    assert l1.cash == pytest.approx(-500 + 575 - 750 + 575 - 2 * days)
    assert first_recruit.inventory == second_recruit.inventory == 10
    assert first_recruit.cash == pytest.approx(-575 - 2 * (days - 1))
    assert second_recruit.cash == pytest.approx(-575)
    assert m.merchant_list[0].units_wholesaled == 25


def test_quit_after_loss_days() -> None:
    over = MUTERS | {"resellers.fixed_cost_per_day": 1.0, "resellers.quit_after_loss_days": 3}
    m = model_with_sellers_at(star(), {"R"}, over, fixed(1))
    m.run(5)
    df = m.metrics()
    # the starter stock is worth its cost; the fixed cost puts profit below 0 from
    # day 0 on: days in loss 1, 2, 3 -> quits on day 2
    assert df["quits"].tolist() == [0, 0, 1, 0, 0]
    assert df["resellers_quit"].tolist() == [0, 0, 1, 1, 1]
    assert df["ads_posted"].tolist() == [1, 1, 1, 0, 0]
    r = m.reseller_list[0]
    assert r.status == "quit" and r.inventory == 10  # keeps unsold stock
    assert r.cash == pytest.approx(-500 - 3)  # no fixed cost once quit


# ---------------------------------------------------------------- merchants' pushes
def _push_model(**over: Any) -> SocialCommerceModel:
    g = nx.path_graph(40)
    overrides = EXACT | {"merchants.n_merchants": 1, "merchants.follower_share": 0.5,
                         "merchants.unfollow_threshold": 1e6, "resellers.initial_share": 0.0}
    return SocialCommerceModel(graph=g, seed=0, overrides=overrides | over)


@pytest.mark.parametrize(
    ("account", "per_day", "enforce", "days", "expected"),
    [
        ("subscription", 3.0, True, 10, 10),  # F2: one a day
        ("subscription", 3.0, False, 10, 30),
        ("service", 1.0, True, 61, 9),  # F2: four a month: days 0-3, 30-33, 60
        ("service", 2.0, True, 35, 8),  # days 0-1 and 30-31
    ],
)
def test_push_limits(account: str, per_day: float, enforce: bool, days: int,
                     expected: int) -> None:
    m = _push_model(**{"merchants.account_type": account, "merchants.pushes_per_day": per_day,
                       "platform.enforce_push_limits": enforce})
    m.run(days)
    merchant = m.merchant_list[0]
    assert merchant.pushes_sent == expected
    assert m.metrics()["pushes_sent"].sum() == expected * 20  # 20 followers each time


def test_push_orders_do_not_count_as_ad_conversion() -> None:
    # resellers have nothing to sell; every order comes from a push, none from an ad
    g = nx.watts_strogatz_graph(300, 10, 0.1, seed=1)
    m = SocialCommerceModel(graph=g, seed=1, overrides={
        "merchants.n_merchants": 2, "merchants.follower_share": 0.8,
        "merchants.p_open_push": 1.0, "purchase.p_buy_base": 0.5,
        "resellers.initial_share": 0.05, "resellers.starter_stock": 0,
        "resellers.restock_amount": 0})
    m.run(10)
    df = m.metrics()
    assert df["ads_seen"].sum() > 0 and df["gmv_push"].sum() > 0 and df["purchases"].sum() > 0
    assert df["gmv_resellers"].sum() == 0
    assert (df["conversion"] == 0).all()


def test_day_one_exposure_builtin_flooders_under_a_cap() -> None:
    # Poisson(200) ads capped at 3 by the platform: exactly 3 a day
    over = MUTERS | {"strategies.flooder_ads_per_day": 200.0, "platform.posting_cap": 3.0,
                     "platform.policy": "threshold_ban", "platform.report_threshold": 1000}
    m = model_with_sellers_at(star(), {"R"}, over, None)
    m.run(3)
    df = m.metrics()
    assert df["ads_posted"].tolist() == [3, 3, 3]
    assert df["ads_seen_moments"].tolist() == [12, 12, 12]
    assert df["mutes"].tolist() == [0, 0, 4]
    assert m.seller_table().loc[0, "strategy"] == "flooder"


def test_protocol_only_strategy_and_bad_plans() -> None:
    class Duck:  # not a Strategy subclass: just the PostingStrategy protocol
        name, appeal, quality_bonus = "duck", 1.0, 0.0

        def plan(self, seller: Any, rng: np.random.Generator) -> Plan:
            return Plan(2, 1)

    # (no pitches, so the 15 initial resellers stay 15)
    over = {"graph.n_people": 300, "graph.mean_degree": 10, "resellers.initial_share": 0.05,
            "resellers.p_pitch": 0.0}
    m = SocialCommerceModel(seed=1, overrides=over, strategies={"duck": Duck()},
                            strategy_shares={"duck": 1.0}).run(3)
    assert m.metrics()["ads_posted"].tolist() == [30, 30, 30]  # 15 resellers x 2
    assert set(m.seller_table().query("type == 'reseller'")["strategy"]) == {"duck"}

    class Negative(Duck):
        name = "negative"

        def plan(self, seller: Any, rng: np.random.Generator) -> Plan:
            return Plan(-1, 0)

    m = SocialCommerceModel(seed=1, overrides=over, strategies={"negative": Negative()},
                            strategy_shares={"negative": 1.0})
    with pytest.raises(ValueError, match=r"strategy 'negative' planned .*counts must be >= 0"):
        m.step()
    with pytest.raises(TypeError, match="lacks name/appeal/quality_bonus/plan"):
        SocialCommerceModel(seed=1, overrides=over, strategies={"x": object()},
                            strategy_shares={"x": 1.0})


def test_group_ads_reach_members_whatever_their_moments() -> None:
    # nobody opens Moments; R's group holds all four friends and each reads every group ad
    over = MUTERS | {"users.p_open_mean": 1e-9, "users.p_open_concentration": 1000.0,
                     "groups.n_groups": 1, "groups.mean_size": 4, "groups.p_read": 1.0,
                     "groups.ads_per_day": 3.0, "groups.p_direct_reach": 1.0,
                     "users.mute_threshold": 4.5, "users.block_threshold": 1000.0,
                     "users.escalation_factor": 100.0}  # (no escalation to a block here)
    m = model_with_sellers_at(star(), {"R"}, over, fixed(2))
    posted = []
    for _ in range(6):
        m.step()
        posted.append(int(m.sellers.group_ads_today[0]))
        d = m.metrics().iloc[-1]
        assert d["ads_seen_moments"] == 0
        assert d["ads_seen_group"] == 4 * posted[-1]
        assert d["ads_seen_direct"] == 0  # group members are reached by the group, not DMs
    cum = np.cumsum(posted)
    assert cum[-1] >= 4.5, "too few group ads drawn for this check"
    for leaf in LEAVES:
        assert m.user(leaf).annoyance["R"] == pytest.approx(cum[-1])
        assert m.ties.cum_ads_seen[tie(m, leaf, "R")] == cum[-1]
    first = int(np.argmax(cum >= 4.5))  # muting does not stop group ads
    assert m.metrics()["mutes"].tolist() == [4 if k == first else 0 for k in range(6)]
