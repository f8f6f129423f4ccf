"""One test (or a small group) per mechanism, each failing if its mechanism is removed.

Each test drives the model through its public API only (``SocialCommerceModel``
with a hand-built networkx graph and dotted-key overrides, ``run``/``step``,
``metrics``, ``seller_table``, ``user``, and the attributes of the agents in
``model.resellers`` and ``model.merchants``), so it survives a restructuring
of the model's internals.

Most outcomes are made exact: everyone opens Moments and reads everything,
thresholds have no spread, and a purchase is made certain by a price factor
``(reference_price / price) ** elasticity`` that pushes the per-ad probability
past 1 (it is clipped to 1). Where the mechanism is itself random (Poisson
order sizes, a purchase probability strictly between 0 and 1) the test pools
buyers over a few fixed seeds and compares with the exact expectation within
four standard errors computed from the pooled count; the derivation is in
each test.

Each test's docstring or comment names its rule; the edit that removes the rule
and makes the test fail is listed in the commit message that added this file.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pytest
import towns
from towns import fixed

from agents.strategies import Strategy
from sim.model import SocialCommerceModel

#: the quiet town of tests/towns.py (purchases at the scenario's rate unless a test sets
#: it) with buyers alike and the trust rules off; nobody reaches a threshold (1e6);
#: needs close to 1 (Beta(2, 2e-6)); budgets so large that they never bind; stock that
#: never runs out
EXACT = towns.QUIET | towns.BUYERS | towns.TRUST_OFF | {
    "users.mute_threshold": 1e6,
    "users.block_threshold": 1e6,
    "users.report_threshold": 1e6,
    "users.budget_per_day": 1e6,
    "resellers.starter_stock": 100_000,
}

#: every ad seen converts: per-ad probability p_buy_base * trust * need * (1000 / 10)
#: = 100 * trust * need, clipped to 1 for any trust and need above 0.01
SURE_SALE: dict[str, Any] = {
    "purchase.p_buy_base": 1.0, "purchase.reference_price": 1000.0,
    "purchase.price_elasticity": 1.0, "resellers.sell_price": 10.0,
    "resellers.level1_cost": 5.0,
}

#: a merchant whose every follower opens the day's one push
PUSHES: dict[str, Any] = {
    "merchants.n_merchants": 1, "merchants.follower_share": 1.0,
    "merchants.pushes_per_day": 1.0, "merchants.account_type": "subscription",
    "merchants.p_open_push": 1.0, "merchants.unfollow_threshold": 1e6,
    "merchants.quality": 1.0, "merchants.price": 10.0,
    "resellers.initial_share": 0.0,
}


def clique_with_one_seller(n: int, over: dict[str, Any], strategy: Strategy | None = None,
                           seed: int = 0) -> SocialCommerceModel:
    """n people who are all friends, one of them a reseller: ``n - 1`` identical buyers.

    Every choice of the reseller gives the same network, so no seed search is needed.
    """
    custom: dict[str, Any] = ({} if strategy is None else
                              {"strategies": {"fixed": strategy},
                               "strategy_shares": {"fixed": 1.0}})
    m = SocialCommerceModel(graph=nx.complete_graph(n), seed=seed,
                            overrides=EXACT | {"resellers.initial_share": 1 / n} | over,
                            **custom)
    assert len(m.resellers) == 1
    return m


def seller_of(m: SocialCommerceModel) -> Any:
    (r,) = list(m.resellers)
    return r


def buyers(m: SocialCommerceModel) -> list[Any]:
    """Labels of everyone who is not the reseller."""
    r = seller_of(m)
    return [x for x in m.friend_graph().nodes() if x != r.label]


def merchant_of(m: SocialCommerceModel) -> Any:
    (merchant,) = list(m.merchants)
    return merchant


# ---------------------------------------------------------------- a. trust.good_genuine
def test_genuine_sale_moves_buyer_trust_toward_one() -> None:
    """A genuine item is good evidence ``good_genuine``: trust (w t0 + good) / (w + good)."""
    g = 2.0
    m = clique_with_one_seller(11, SURE_SALE | {"trust.trust_weak": 0.4,
                                                "trust.good_genuine": g,
                                                "trust.gain_genuine": 0.9}, fixed(1))
    r = seller_of(m)
    for day in range(3):
        m.step()
        trust = (10 * 0.4 + g * (day + 1)) / (10 + g * (day + 1))  # 0.5, 0.571, 0.625
        d = m.metrics().iloc[day]
        assert d["purchases"] == 10 and d["counterfeits_delivered"] == 0
        for b in buyers(m):
            assert m.user(b).trust[r.label] == pytest.approx(trust, rel=1e-6)
    assert trust == pytest.approx(0.625)


def test_genuine_push_sale_moves_follower_trust_toward_one() -> None:
    """The same rule for a merchant's push sales: f_trust gains ``gain_genuine`` of the gap."""
    g = 0.25
    m = SocialCommerceModel(graph=nx.path_graph(20), seed=0, overrides=EXACT | PUSHES | {
        "merchants.trust_start": 0.4, "trust.gain_genuine": g, "purchase.p_buy_base": 1.0,
        "purchase.reference_price": 1000.0})
    merchant = merchant_of(m)
    trust = 0.4
    for _ in range(2):
        m.step()
        trust = trust + g * (1 - trust)
    assert merchant.orders == 40  # 20 followers, every day
    np.testing.assert_allclose(np.asarray(merchant.f_trust), trust, rtol=1e-6)


# ---------------------------------------------------------------- b. segmentation
@pytest.mark.parametrize("segment_need", [0.5, 0.25])
def test_segmented_pushes_reach_only_followers_in_need(segment_need: float) -> None:
    """With ``merchants.segmentation`` a push goes only to followers whose need for the
    catalogue is at least ``merchants.segment_need``; only they gain push annoyance."""
    n = 60
    over = EXACT | PUSHES | {"users.need_mean": 0.5,  # need ~ Beta(1, 1)
                             "merchants.segment_need": segment_need,
                             "merchants.annoyance_per_push": 1.0,
                             "purchase.p_buy_base": 0.0}
    seg = SocialCommerceModel(graph=nx.path_graph(n), seed=3,
                              overrides=over | {"merchants.segmentation": True})
    broad = SocialCommerceModel(graph=nx.path_graph(n), seed=3,
                                overrides=over | {"merchants.segmentation": False})
    need = {seg.user(x).id: seg.user(x).need[0] for x in range(n)}  # one category
    merchant = merchant_of(seg)
    followers = np.asarray(merchant.followers).tolist()
    assert sorted(followers) == list(range(n))
    in_segment = np.array([need[f] >= segment_need for f in followers])
    k = int(in_segment.sum())
    assert 0 < k < n, "the draw must put some followers on each side of the cut"
    seg.run(3)
    broad.run(3)
    assert seg.metrics()["pushes_sent"].tolist() == [k, k, k]
    assert broad.metrics()["pushes_sent"].tolist() == [n, n, n]
    assert merchant.pushes_sent == 3
    ann = np.asarray(merchant.f_annoyance)
    assert (ann[~in_segment] == 0).all()  # never pushed to
    want = 3 * (1 - np.array([need[f] for f in followers]))
    np.testing.assert_allclose(ann[in_segment], want[in_segment], rtol=1e-5)
    np.testing.assert_allclose(np.asarray(merchant_of(broad).f_annoyance), want, rtol=1e-5)


# ---------------------------------------------------------------- c. trust_value_slope
# units = 1 + Poisson(slope * trust**2): the mean is 1 + slope * trust**2 and the variance
# slope * trust**2 (budgets and stock never bind here). Over N orders pooled from the
# seeds, the mean order size has standard error sqrt(slope * trust**2 / N); the test
# allows 4 of them (two-sided chance of a false failure 6e-5 per check). At trust 0.5
# it tells trust**2 (mean 2) from trust (3), a constant 1 + Poisson(slope) (5) and no
# extra units at all (1): each is at least 1 / (4 * 0.041) = 6 allowances away.
SLOPE = 4.0
SLOPE_SEEDS = range(3)


@pytest.mark.parametrize("trust", [0.5, 1.0])
def test_reseller_order_size_rises_with_trust_squared(trust: float) -> None:
    n_buyers = 200
    units = orders = 0
    for s in SLOPE_SEEDS:
        m = clique_with_one_seller(n_buyers + 1, SURE_SALE | {
            "trust.trust_weak": trust, "purchase.trust_value_slope": SLOPE,
            "trust.gain_genuine": 0.0}, fixed(1), seed=s)
        m.step()
        d = m.metrics().iloc[0]
        assert d["purchases"] == n_buyers  # every buyer orders once
        orders += int(d["purchases"])
        units += int(d["units_sold"])
    mean = units / orders
    lam = SLOPE * trust**2
    assert mean == pytest.approx(1 + lam, abs=4 * np.sqrt(lam / orders))


@pytest.mark.parametrize("trust", [0.5, 1.0])
def test_push_order_size_rises_with_trust_squared(trust: float) -> None:
    n = 200
    units = orders = 0
    for s in SLOPE_SEEDS:
        m = SocialCommerceModel(graph=nx.path_graph(n), seed=s, overrides=EXACT | PUSHES | {
            "merchants.trust_start": trust, "purchase.trust_value_slope": SLOPE,
            "purchase.p_buy_base": 1.0, "purchase.reference_price": 1000.0})
        m.step()
        merchant = merchant_of(m)
        assert merchant.orders == n
        orders += merchant.orders
        units += merchant.units_sold
    lam = SLOPE * trust**2  # the same derivation as for resellers' orders above
    assert units / orders == pytest.approx(1 + lam, abs=4 * np.sqrt(lam / orders))


# ---------------------------------------------------------------- d. price elasticity
def _ad_buyers(price: float, elasticity: float, p_base: float, seed: int,
               n_buyers: int = 200) -> int:
    """Buyers, of ``n_buyers`` who each saw one ad at full trust and need, on day 0."""
    m = clique_with_one_seller(n_buyers + 1, {
        "purchase.p_buy_base": p_base, "purchase.reference_price": 100.0,
        "purchase.price_elasticity": elasticity, "resellers.sell_price": price,
        "resellers.level1_cost": 0.5, "trust.trust_weak": 1.0}, fixed(1), seed=seed)
    m.step()
    return int(m.metrics().iloc[0]["purchases"])


def test_price_above_reference_deters_ad_buyers() -> None:
    # (100 / 1000) ** 10 = 1e-10 per ad: of 200 buyers, none buys (chance 2e-8 otherwise)
    assert _ad_buyers(1000.0, 10.0, 1.0, seed=0) == 0
    # the control: the same buyers at the reference price all buy
    assert _ad_buyers(100.0, 10.0, 1.0, seed=0) == 200


def test_price_below_reference_draws_ad_buyers() -> None:
    # p_base 0.1 alone converts one ad in ten; (100 / 10) ** 1 = 10 makes it certain
    assert _ad_buyers(10.0, 1.0, 0.1, seed=0) == 200


@pytest.mark.parametrize(("price", "elasticity"), [(400.0, 1.0), (200.0, 2.0), (400.0, 0.5)])
def test_ad_conversion_follows_the_price_factor(price: float, elasticity: float) -> None:
    # one ad each, trust 1, need 1 (up to 1e-6): each buyer buys with probability
    # p = (100 / price) ** elasticity (0.25, 0.25, 0.5). Pooled over 5 seeds x 200 buyers
    # (N = 1000 Bernoulli draws) the share has standard error sqrt(p (1 - p) / N), and the
    # test allows 4 of them (<= 0.064): without the factor every buyer buys (share 1), and
    # the wrong exponent (0.5 for 1, 1 for 2, 1 for 0.5) misses by at least 0.25.
    seeds = range(5)
    n = 200 * len(seeds)
    share = sum(_ad_buyers(price, elasticity, 1.0, seed=s) for s in seeds) / n
    p = (100.0 / price) ** elasticity
    assert share == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n))


# ---------------------------------------------------------------- e. customer service
@pytest.mark.parametrize("service", [True, False])
def test_customer_service_raises_followers_trust_daily(service: bool) -> None:
    """With ``merchants.customer_service``, every follower's trust in the merchant gains
    ``service_trust_gain`` of the gap each day (no pushes, so nothing else moves it)."""
    g, start, cost = 0.2, 0.3, 50.0
    m = SocialCommerceModel(graph=nx.path_graph(30), seed=0, overrides=EXACT | PUSHES | {
        "merchants.pushes_per_day": 0.0, "merchants.trust_start": start,
        "merchants.customer_service": service, "merchants.service_trust_gain": g,
        "merchants.service_cost_per_day": cost})
    merchant = merchant_of(m)
    for day in range(1, 5):
        m.step()
        want = 1 - (1 - start) * (1 - g) ** day if service else start
        np.testing.assert_allclose(np.asarray(merchant.f_trust), want, rtol=1e-5)
        assert m.metrics()["mean_trust_merchants"].iloc[-1] == pytest.approx(want, rel=1e-5)
    assert merchant.orders == 0
    costs = m.seller_table().query("type == 'merchant'")["costs"].iloc[0]
    assert costs == pytest.approx(4 * cost if service else 0.0)


# ---------------------------------------------------------------- f. recruits' quality
@pytest.mark.parametrize(("counterfeit", "base"), [(1.0, 0.2), (0.0, 0.6)])
def test_recruit_inherits_upstream_base_quality(counterfeit: float, base: float) -> None:
    """A recruit sells its upstream's line: its base quality is the upstream's base
    quality (and its strategy's bonus is added again, so both sell at the same quality)."""
    bonus = 0.15
    over = EXACT | {
        "resellers.initial_share": 0.5, "resellers.counterfeit_share": counterfeit,
        "resellers.quality_counterfeit": 0.2, "resellers.quality_genuine": 0.6,
        "resellers.share_flooder": 0.0, "resellers.share_mixer": 0.0,
        "resellers.share_curated": 1.0, "strategies.curated_ads_per_day": 0.0,
        "strategies.curated_lifestyle_per_day": 0.0,
        "strategies.curated_quality_bonus": bonus,
        "resellers.p_pitch": 1.0, "resellers.p_accept": 1.0, "resellers.max_level": 2,
        "resellers.starter_stock": 10, "trust.trust_weak": 1.0}
    m = SocialCommerceModel(graph=nx.Graph([("x", "y")]), seed=0, overrides=over)
    (first,) = list(m.resellers)
    assert first.quality == pytest.approx(base + bonus)
    m.step()  # the one friend is pitched, accepts and joins at level 2
    recruit = next(r for r in m.resellers if r is not first)
    assert recruit.level == 2 and recruit.upstream is first
    assert recruit.quality == pytest.approx(base + bonus)
    table = m.seller_table().set_index("person")
    assert table.loc[recruit.label, "quality"] == pytest.approx(base + bonus)


# ---------------------------------------------------------------- g. gain_lifestyle
def test_lifestyle_posts_use_their_own_gain() -> None:
    """Each lifestyle post seen is good evidence ``trust.gain_lifestyle`` (saturating at
    ``trust.lifestyle_cap`` a day), not ``good_genuine`` (set to a different value here)."""
    gl, cap = 0.05, 0.2
    m = clique_with_one_seller(6, {"trust.gain_lifestyle": gl, "trust.lifestyle_cap": cap,
                                   "trust.good_genuine": 3.0, "trust.trust_weak": 0.4,
                                   "purchase.p_buy_base": 0.0}, fixed(0, 2))
    r = seller_of(m)
    per_day = cap * (1 - np.exp(-2 * gl / cap))  # two posts a day
    for day in range(1, 4):
        m.step()
        want = (10 * 0.4 + day * per_day) / (10 + day * per_day)
        for b in buyers(m):
            assert m.user(b).trust[r.label] == pytest.approx(want, rel=1e-5)
    assert m.metrics()["purchases"].sum() == 0


# ---------------------------------------------------------------- h. unfollow scaling
def test_tolerant_followers_unfollow_later() -> None:
    """A follower unfollows at ``merchants.unfollow_threshold`` scaled by its own block
    threshold over ``users.block_threshold``: 1 for muters and blockers (no spread),
    ``users.tolerant_factor`` for the tolerant."""
    n = 40
    over = EXACT | PUSHES | {
        "users.need_mean": 0.0,  # need ~ Beta(2e-6, 2): each push adds annoyance 1
        "users.share_tolerant": 0.5, "users.share_muter": 0.25, "users.share_blocker": 0.25,
        "users.tolerant_factor": 3.0, "users.block_threshold": 10.0,
        "merchants.annoyance_per_push": 1.0, "merchants.unfollow_threshold": 2.5,
        "purchase.p_buy_base": 0.0}
    m = SocialCommerceModel(graph=nx.path_graph(n), seed=0, overrides=over)
    tolerant = sum(m.user(x).kind == "tolerant" for x in range(n))
    assert 0 < tolerant < n
    m.run(10)
    # annoyance k after the k-th push: the others leave at 3 >= 2.5 (day 2), the
    # tolerant at 8 >= 7.5 (day 7)
    want = [0.0] * 10
    want[2], want[7] = n - tolerant, tolerant
    assert m.metrics()["unfollows"].tolist() == want
    assert not np.asarray(merchant_of(m).following).any()
