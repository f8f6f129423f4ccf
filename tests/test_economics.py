"""Reseller economics (issue 11, point 7): patience, stock at cost, minimum orders, quits.

Exact tests on hand-built towns follow one sentence of :mod:`sim.rules.money`
or :mod:`sim.rules.supply` each: a reseller's own patience decides its quit
day; starter stock is an asset valued at cost, so a new reseller is not in
loss on day 0; a purchase below the level's minimum order is raised to it;
profit is reported with and without unsold stock at cost. The statistical
test runs the default scenario for a year over seeds and checks that no day
holds more than 10% of the year's quits (the cliff on day 59 of a fixed
60-day patience is gone).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import pytest
import towns

from sim.model import SocialCommerceModel
from sim.rng import stream
from sim.rules.supply import min_order

#: the selling town of tests/towns.py as it is: each test turns on what it checks
EXACT = towns.SHOP

#: every ad seen sells one item at 100 (cost 50); budgets are ample
SURE_SALE: dict[str, Any] = {
    "purchase.p_buy_base": 1.0, "purchase.price_elasticity": 0.0, "purchase.fatigue": 0.0,
    "purchase.p_payment_fail": 0.0, "purchase.trust_value_slope": 0.0,
    "users.need_mean": 1.0, "users.budget_per_day": 1000.0,
    "trust.trust_weak": 1.0, "trust.trust_strong": 1.0, "trust.gain_genuine": 0.0,
    "resellers.sell_price": 100.0, "resellers.level1_cost": 50.0,
}


def build(graph: nx.Graph, sellers: set, over: dict[str, Any], ads: int = 0,
          check: Callable[[SocialCommerceModel], bool] | None = None) -> SocialCommerceModel:
    """The model under the first seed whose resellers are exactly ``sellers``, ``ads`` a day."""
    return towns.build(EXACT, graph, sellers, over, towns.fixed(ads), check)


def lognormal_patience(mean: float, cv: float, z: float) -> float:
    """The declared patience: mean x exp(sigma z - sigma^2 / 2), sigma^2 = ln(1 + cv^2)."""
    s2 = math.log(1 + cv * cv)
    return mean * math.exp(math.sqrt(s2) * z - s2 / 2)


# ============================================================================ patience
def test_each_resellers_patience_decides_its_quit_day() -> None:
    # two resellers who never sell lose 1 a day from day 0; each quits on the day its
    # run of losses reaches its own patience: day ceil(patience) - 1 (0-based)
    g = nx.Graph([("R", "a"), ("S", "b"), ("T", "c")])
    over = {"resellers.fixed_cost_per_day": 1.0, "resellers.starter_stock": 0,
            "resellers.quit_after_loss_days": 8, "resellers.patience_spread": 0.5}

    def distinct(m: SocialCommerceModel) -> bool:
        return len({math.ceil(r.patience) for r in m.reseller_list}) == 3

    m = build(g, {"R", "S", "T"}, over, check=distinct)
    # drawn once per reseller, in the order they were created, from the "patience" stream
    rng = stream(m.seed, "patience")
    z = [rng.standard_normal() for _ in m.reseller_list]
    np.testing.assert_array_equal(m.sellers.patience_z, z)
    for r, zi in zip(m.reseller_list, z, strict=True):
        assert r.patience == pytest.approx(lognormal_patience(8, 0.5, zi), rel=1e-12)
    m.run(60)
    t = m.seller_table()
    expected = [math.ceil(r.patience) - 1 for r in m.reseller_list]
    assert t["left_day"].tolist() == expected
    assert t["status"].tolist() == ["quit"] * 3
    assert t["patience"].tolist() == pytest.approx([r.patience for r in m.reseller_list])
    quits = m.metrics()["quits"].to_numpy()
    assert sorted(np.flatnonzero(quits).tolist()) == sorted(expected)


def test_patience_without_spread_is_the_mean_and_recruits_draw_their_own() -> None:
    g = nx.Graph([("x", "y")])
    over = {"resellers.p_pitch": 1.0, "resellers.p_accept": 1.0, "resellers.max_level": 2,
            "trust.trust_weak": 1.0, "resellers.quit_after_loss_days": 7}
    m = build(g, {"x"}, over)
    m.step()  # y joins at level 2
    assert [r.level for r in m.reseller_list] == [1, 2]
    rng = stream(m.seed, "patience")
    np.testing.assert_array_equal(m.sellers.patience_z, [rng.standard_normal() for _ in "xy"])
    assert [r.patience for r in m.reseller_list] == [7.0, 7.0]  # spread 0: exactly the mean
    m.set_params({"resellers.patience_spread": 1.0})  # read each day, from the stored draws
    z = m.sellers.patience_z
    assert [r.patience for r in m.reseller_list] == pytest.approx(
        [lognormal_patience(7, 1.0, zi) for zi in z])


def test_patience_spread_is_inert_when_nobody_can_quit() -> None:
    # common random numbers: the patience draws have a stream of their own, so a spread
    # that decides nothing (patience far beyond the run) changes no output
    over = {"graph.n_people": 400, "resellers.quit_after_loss_days": 3650, "run.days": 15,
            "resellers.initial_share": 0.05}
    a, b = (SocialCommerceModel(overrides=over | {"resellers.patience_spread": s}, seed=3).run()
            for s in (0.0, 1.5))
    assert a.metrics().equals(b.metrics())
    cols = [c for c in a.seller_table().columns if c != "patience"]
    assert a.seller_table()[cols].equals(b.seller_table()[cols])


# ====================================================================== stock at cost
def test_starter_stock_is_an_asset_a_new_reseller_is_not_in_loss() -> None:
    over = {"resellers.starter_stock": 10, "resellers.level1_cost": 50.0,
            "resellers.quit_after_loss_days": 1}
    m = build(nx.Graph([("R", "a")]), {"R"}, over)
    r = m.reseller_list[0]
    assert (r.cash, r.inventory, r.profit_with_stock) == (-500.0, 10, 0.0)
    m.step()  # no sale, no cost: cash is negative, profit with stock at cost is not
    assert m.sellers.days_in_loss.tolist() == [0] and r.status == "active"
    d = m.metrics().iloc[0]
    assert d["quits"] == 0
    assert d["share_resellers_losing"] == 1.0 and d["share_resellers_losing_with_stock"] == 0.0
    # the day's fixed cost is a real loss: with patience 1 it quits that day
    m.set_params({"resellers.fixed_cost_per_day": 1.0})
    m.step()
    assert r.profit_with_stock == -1.0 and r.status == "quit"
    assert m.metrics()["quits"].tolist() == [0, 1]


def test_a_recruit_with_its_starter_stock_is_not_in_loss() -> None:
    # y joins at level 2 and buys 10 from x at 57.50: cash -575, stock worth 575
    over = {"merchants.n_merchants": 1, "merchants.follower_share": 0.0,
            "resellers.level1_cost": 50.0, "resellers.markup_per_level": 0.15,
            "resellers.starter_stock": 10, "resellers.fixed_cost_per_day": 2.0,
            "resellers.p_pitch": 1.0, "resellers.p_accept": 1.0, "resellers.max_level": 2,
            "trust.trust_weak": 1.0, "resellers.quit_after_loss_days": 1}
    m = build(nx.Graph([("x", "y")]), {"x"}, over)
    m.step()
    x, y = m.reseller_list
    assert y.cash == pytest.approx(-575) and y.profit_with_stock == pytest.approx(0)
    # x: starter -500, a day's cost -2, wholesale +575, no stock left
    assert x.cash == pytest.approx(73) and x.profit_with_stock == pytest.approx(73)
    assert m.sellers.days_in_loss.tolist() == [0, 0]
    assert (x.status, y.status) == ("active", "active")


def test_profit_with_and_without_stock() -> None:
    # four friends buy one item each at 100; starter 10 at 50; a day's cost 2
    leaves = "abcd"
    over = SURE_SALE | {"resellers.starter_stock": 10, "resellers.fixed_cost_per_day": 2.0,
                        "resellers.quit_after_loss_days": 100}

    def rich(m: SocialCommerceModel) -> bool:
        return all(m.user(x).budget >= 100 for x in leaves)

    m = build(nx.Graph([("R", x) for x in leaves]), {"R"}, over, ads=1, check=rich)
    m.step()
    t = m.seller_table().iloc[0]
    assert (t["units_sold"], t["inventory"]) == (4, 6)
    assert t["profit"] == pytest.approx(-500 + 400 - 2)  # cash: without the stock
    assert t["stock_value"] == pytest.approx(6 * 50)
    assert t["profit_with_stock"] == pytest.approx(-500 + 400 - 2 + 300)
    d = m.metrics().iloc[0]
    assert d["share_resellers_losing"] == 1.0 and d["share_resellers_losing_with_stock"] == 0.0


# ====================================================================== minimum order
def test_minimum_order_per_level() -> None:
    m = SocialCommerceModel(overrides={"graph.n_people": 50, "graph.mean_degree": 10,
                                       "resellers.initial_share": 0.1,
                                       "run.days": 1})
    # defaults: 20 at level 1, each level 0.7 of the one above, rounded up
    assert [min_order(m, k) for k in range(1, 7)] == [20, 14, 10, 7, 5, 4]
    m.set_params({"resellers.min_order_level1": 0})
    assert [min_order(m, k) for k in range(1, 7)] == [0] * 6


def test_purchases_below_the_minimum_are_raised_to_it() -> None:
    # x (level 1, external supply): starter stock 10 < its minimum 20: buys 20;
    # y joins at level 2 with starter stock 10 < its minimum 14: buys 14 from x
    over = {"resellers.min_order_level1": 20, "resellers.min_order_per_level": 0.7,
            "resellers.starter_stock": 10, "resellers.restock_amount": 10,
            "resellers.level1_cost": 5.0,
            "resellers.p_pitch": 1.0, "resellers.p_accept": 1.0, "resellers.max_level": 2,
            "trust.trust_weak": 1.0, "resellers.quit_after_loss_days": 100}
    m = build(nx.Graph([("x", "y")]), {"x"}, over)
    x = m.reseller_list[0]
    assert (x.inventory, x.min_order, m.external_supply) == (20, 20, 20)
    m.step()
    x, y = m.reseller_list
    assert y.level == 2 and y.min_order == 14
    assert m.sellers.units_bought.tolist() == [20, 14]
    assert (x.inventory, y.inventory) == (6, 14)
    assert m.sellers.units_wholesaled.tolist() == [14, 0]
    assert x.cash == pytest.approx(-20 * 5 + 14 * 5.75)
    # x is below 7 and restocks 10, raised to its minimum 20; y (14) is not below 7
    m.set_params({"resellers.restock_below": 7})
    m.step()
    assert (x.inventory, y.inventory) == (26, 14)
    assert m.sellers.units_bought.tolist() == [40, 14]
    assert m.metrics()["wholesale_units"].tolist() == [14, 20]


def test_restock_above_the_minimum_is_bought_as_asked() -> None:
    over = {"resellers.min_order_level1": 20, "resellers.starter_stock": 0,
            "resellers.restock_amount": 30, "resellers.restock_below": 1}
    m = build(nx.Graph([("x", "y")]), {"x"}, over)
    assert m.reseller_list[0].inventory == 0  # no starter stock: no purchase at all
    m.step()
    assert m.reseller_list[0].inventory == 30 and m.sellers.units_bought.tolist() == [30]
    m.set_params({"resellers.min_order_level1": 0, "resellers.restock_amount": 3,
                  "resellers.restock_below": 31})
    m.step()  # without a minimum, a restock of 3 is 3
    assert m.sellers.units_bought.tolist() == [33]


# ====================================================================== quits spread out
SEEDS = range(20)


@pytest.fixture(scope="module")
def year_of_quits() -> np.ndarray:
    """Quits per day over 365 days, 2,500 people, summed over seeds.

    At the calibrated defaults few resellers quit at all (0-2 in three run-years:
    with stock valued at cost most are not in loss), so "no day holds a tenth of the
    quits" would hold vacuously there; the town here is the default one with fixed
    costs of 20 RMB a day, where resellers do lose money and quit.
    """
    total = np.zeros(365)
    for seed in SEEDS:
        m = SocialCommerceModel(overrides={"graph.n_people": 2500, "run.days": 365,
                                           "resellers.fixed_cost_per_day": 20.0,
                                           "run.lcc_every_days": 365}, seed=seed).run()
        total += m.metrics()["quits"].to_numpy()
    return total


def test_no_day_holds_more_than_a_tenth_of_a_years_quits(year_of_quits: np.ndarray) -> None:
    # Pooled over 20 seeds (about 100 quits; measured: ~2-4% on the busiest day with
    # patience_spread 0.5, ~20-28% on day 59 with spread 0, the old cliff). With at least
    # 50 quits, a day at 10% holds at least 5 of them: a cliff, not a coincidence.
    total = year_of_quits.sum()
    assert total >= 50, f"only {total:.0f} quits in {len(SEEDS)} runs: too few to judge"
    share = year_of_quits.max() / total
    assert share <= 0.10, (f"day {int(year_of_quits.argmax())} holds {share:.1%} of "
                           f"{total:.0f} quits")
