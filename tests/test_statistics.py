"""Statistical checks over seeds, each with its tolerance stated.

Comparative claims run both arms under the same ten seeds (common random
numbers: the arms share every stream the changed parameter does not touch)
and require the direction to hold on average *and* in at least 8 of 10
paired seeds. Distributional checks compare a sample mean with its
parameter within four standard errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.model import SocialCommerceModel
from sim.state import BLOCKER_TYPE, MUTER, TOLERANT

SEEDS = range(10)
SMALL: dict[str, Any] = {
    "graph.n_people": 500, "graph.mean_degree": 20, "graph.generator": "watts_strogatz",
    "run.days": 20, "resellers.initial_share": 0.04, "merchants.n_merchants": 1,
}


def run(seed: int, **over: Any) -> SocialCommerceModel:
    overrides = SMALL | {k.replace("__", "."): v for k, v in over.items()}
    return SocialCommerceModel(seed=seed, overrides=overrides).run()


def paired(metric, a: dict[str, Any], b: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """``metric(model)`` for arm a and arm b under each seed."""
    xa = np.array([metric(run(s, **a)) for s in SEEDS], dtype=float)
    xb = np.array([metric(run(s, **b)) for s in SEEDS], dtype=float)
    return xa, xb


def total(name: str):
    return lambda m: m.metrics()[name].sum()


def last(name: str):
    return lambda m: m.metrics()[name].iloc[-1]


def assert_greater(hi: np.ndarray, lo: np.ndarray, min_wins: int = 8) -> None:
    wins = int((hi > lo).sum())
    assert hi.mean() > lo.mean(), f"mean {hi.mean():.4g} <= {lo.mean():.4g}"
    assert wins >= min_wins, f"only {wins}/{len(hi)} seeds in the expected direction"


# ---------------------------------------------------------------- comparative claims
def test_more_flooding_more_blocks() -> None:
    base = {"resellers__share_flooder": 1.0, "resellers__share_mixer": 0.0,
            "resellers__share_curated": 0.0}
    hi, lo = paired(total("blocks_resellers"),
                    base | {"strategies__flooder_ads_per_day": 15.0},
                    base | {"strategies__flooder_ads_per_day": 2.0})
    assert_greater(hi, lo)
    assert hi.mean() > 2 * lo.mean()  # not a marginal effect


def test_counterfeits_lower_trust_in_resellers() -> None:
    sale = {"purchase__p_buy_base": 0.3, "resellers__starter_stock": 50,
            "users__budget_per_day": 100.0}
    bad, good = paired(last("mean_trust_resellers"),
                       sale | {"resellers__counterfeit_share": 0.8},
                       sale | {"resellers__counterfeit_share": 0.0})
    assert_greater(good, bad, min_wins=9)


def test_posting_cap_reduces_ads_seen() -> None:
    capped, free = paired(total("ads_seen"), {"platform__posting_cap": 1.0},
                          {"platform__posting_cap": 0.0})
    assert_greater(free, capped, min_wins=10)


def test_flooding_crowds_out_friends_posts() -> None:
    base = {"resellers__share_flooder": 1.0, "resellers__share_mixer": 0.0,
            "resellers__share_curated": 0.0, "users__attention_mean": 5.0,
            "users__mute_threshold": 1000.0, "users__block_threshold": 1000.0,
            "users__report_threshold": 1000.0}
    hi, lo = paired(total("ordinary_crowded_out"),
                    base | {"strategies__flooder_ads_per_day": 20.0},
                    base | {"strategies__flooder_ads_per_day": 1.0})
    assert_greater(hi, lo, min_wins=10)


def test_lower_ban_threshold_bans_more() -> None:
    # (resellers keep the graph's friends: with hundreds of friends every flooder reaches
    # either threshold within the run)
    annoy = {"users__p_report": 0.5, "users__report_threshold": 5.0,
             "strategies__flooder_ads_per_day": 12.0, "resellers__friends_median": 0.0}
    strict, lax = paired(last("resellers_banned"), annoy | {"platform__report_threshold": 2},
                         annoy | {"platform__report_threshold": 15})
    assert_greater(strict, lax, min_wins=7)


def test_recruiting_grows_the_hierarchy() -> None:
    many, few = paired(lambda m: len(m.reseller_list),
                       {"resellers__p_pitch": 0.5, "resellers__p_accept": 0.5},
                       {"resellers__p_pitch": 0.0})
    assert (few == few[0]).all()  # nobody is recruited without pitches
    assert_greater(many, few, min_wins=10)


# ---------------------------------------------------------------- distributions
@pytest.mark.parametrize("p_open_mean", [0.5, 0.85])
def test_mean_p_open_matches_parameter(p_open_mean: float) -> None:
    # Beta(m c, (1 - m) c) has variance m (1 - m) / (c + 1); 4 standard errors
    n, c, days = 1000, 4.0, 5
    means, openers = [], []
    for s in SEEDS:
        m = SocialCommerceModel(seed=s, graph=None, overrides=SMALL | {
            "graph.n_people": n, "run.days": days, "users.p_open_mean": p_open_mean,
            "users.p_open_concentration": c})
        means.append(float(np.mean(m.people.p_open)))
        m.run()
        openers.append(m.metrics()["openers"].mean() / n)
    se = np.sqrt(p_open_mean * (1 - p_open_mean) / (c + 1) / (n * len(SEEDS)))
    assert np.mean(means) == pytest.approx(p_open_mean, abs=4 * se)
    # daily openers: a Bernoulli(p_i) a person-day on top of the Beta draws p_i, the same
    # p_i all five days. Over N = n x seeds people, the share opening has variance
    # Var(p) / N + E[p (1 - p)] / (N days), and E[p (1 - p)] = m (1 - m) - Var(p)
    # = m (1 - m) c / (c + 1), so its standard error is se * sqrt(1 + c / days)
    se_open = se * np.sqrt(1 + c / days)
    assert np.mean(openers) == pytest.approx(p_open_mean, abs=4 * se_open)


def test_tolerance_types_match_shares() -> None:
    shares = {TOLERANT: 0.19, MUTER: 0.38, BLOCKER_TYPE: 0.43}
    kinds = np.concatenate([
        np.asarray(SocialCommerceModel(seed=s, overrides=SMALL | {"graph.n_people": 1000})
                   .people.kind) for s in SEEDS])
    n = kinds.size
    for kind, share in shares.items():
        se = np.sqrt(share * (1 - share) / n)
        assert (kinds == kind).mean() == pytest.approx(share, abs=4 * se)


def test_strong_tie_share_and_initial_trust() -> None:
    share = 0.3
    # (without marketing accounts' added friends, which are weak ties by design)
    m = SocialCommerceModel(seed=1, overrides=SMALL | {"graph.n_people": 1000,
                                                       "graph.strong_tie_share": share,
                                                       "resellers.friends_median": 0.0})
    strong = np.asarray(m.ties.strong)
    n_friendships = strong.size // 2
    se = np.sqrt(share * (1 - share) / n_friendships)
    assert strong.mean() == pytest.approx(share, abs=4 * se)
    np.testing.assert_array_equal(strong, strong[m.graph.rev])  # a tie is strong both ways
    trust = np.asarray(m.ties.trust)
    assert np.allclose(trust[strong], 0.7) and np.allclose(trust[~strong], 0.4)


def test_attention_mean() -> None:
    # attention = Gamma(4, mean / 4): mean `attention_mean`, sd mean / 2
    mean = 25.0
    att = np.concatenate([np.asarray(SocialCommerceModel(
        seed=s, overrides=SMALL | {"graph.n_people": 1000, "users.attention_mean": mean})
        .people.attention) for s in SEEDS])
    assert att.mean() == pytest.approx(mean, abs=4 * (mean / 2) / np.sqrt(att.size))


def test_payment_failure_share() -> None:
    # F17: a share p_payment_fail of purchase intents fails at payment
    p_fail = 0.3
    fails, intents = 0.0, 0.0
    for s in SEEDS:
        m = run(s, purchase__p_payment_fail=p_fail, purchase__p_buy_base=0.3,
                merchants__n_merchants=0, users__budget_per_day=1000.0,
                resellers__starter_stock=500)
        df: pd.DataFrame = m.metrics()
        fails += df["payment_failures"].sum()
        intents += df["payment_failures"].sum() + df["purchases"].sum()
    assert intents > 300
    se = np.sqrt(p_fail * (1 - p_fail) / intents)
    assert fails / intents == pytest.approx(p_fail, abs=4 * se)


def test_genuine_share_matches_quality() -> None:
    q = 0.2
    cf, units = 0.0, 0.0
    for s in SEEDS:
        m = run(s, resellers__counterfeit_share=1.0, resellers__quality_counterfeit=q,
                strategies__curated_quality_bonus=0.0, purchase__p_buy_base=0.3,
                merchants__n_merchants=0, users__budget_per_day=1000.0,
                resellers__starter_stock=500)
        cf += m.metrics()["counterfeits_delivered"].sum()
        units += m.metrics()["units_sold"].sum()
    assert units > 300
    # each unit of an order is genuine independently (Binomial(units, q) an order), so
    # the genuine share of all units is a binomial proportion whatever the order sizes
    se = np.sqrt(q * (1 - q) / units)
    assert 1 - cf / units == pytest.approx(q, abs=4 * se)


def test_attention_rations_what_is_read() -> None:
    # F9: each visible item is read with probability min(1, attention / load); with no
    # ordinary posts the load is the seller's 10 ads, so a leaf reads attention / 10 of them
    from agents.strategies import Plan, Strategy

    g = __import__("networkx").star_graph(8)  # hub 0, leaves 1..8
    days, ads = 150, 10
    over = {"users.p_open_mean": 1.0, "users.attention_mean": 2.0,
            "users.ordinary_posts_per_day": 0.0, "users.mute_threshold": 1e6,
            "users.block_threshold": 1e6, "users.report_threshold": 1e6,
            "users.p_background_unfriend": 0.0, "resellers.initial_share": 1 / 9,
            "platform.policy": "none", "merchants.n_merchants": 0,
            "resellers.quit_after_loss_days": 3650, "purchase.p_buy_base": 0.0,
            "groups.n_groups": 0}  # (Moments only: no group ads)
    fixed = Strategy.from_func("fixed", lambda seller, rng: Plan(ads, 0))
    for seed in range(50):
        m = SocialCommerceModel(graph=g, seed=seed, overrides=over, strategies={"f": fixed},
                                strategy_shares={"f": 1.0})
        if m.reseller_list[0].person == 0:
            break
    m.run(days)
    for leaf in range(1, 9):
        share = min(1.0, m.user(leaf).attention / ads)
        n = days * ads
        seen = int(m.ties.cum_ads_seen[m.graph.tie(leaf, 0)])
        # the same load and attention every day: seen ~ Binomial(days x ads, share)
        assert seen == pytest.approx(n * share, abs=4 * np.sqrt(n * share * (1 - share)))
    df = m.metrics()  # only ads in these feeds: every item read is an ad
    assert df["ad_share_of_feed"].eq(1.0).all()
    assert (df["feed_items_seen"] == df["ads_seen_moments"]).all()
