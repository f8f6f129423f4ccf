"""Invariants that must hold every day of any scenario.

Random scenarios (graph generator, sizes, shares, thresholds, recruitment,
groups, merchants, moderation all drawn at random) are stepped day by day
by a subclass of the model that records what each seller tie carried in
step 2, and after every day we check:

- no ad is seen on a removed tie; no Moments ad or lifestyle post on a muted
  tie (a muted seller reaches the viewer only by group or direct message);
  no Moments ad for someone who did not open Moments;
- trust stays in [0, 1]; annoyance >= 0; inventory >= 0;
- mutes, blocks and reports are never undone; removal is symmetric;
- each reseller's cash is revenue - purchases - fixed costs; buyers' spending
  equals sellers' retail revenue; wholesale payments balance between levels;
- stock is conserved: units made by merchants (or external supply) equal units
  held by resellers plus units sold to people;
- banned and quit sellers post nothing and sell nothing after they leave.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pytest

from agents.resellers import ACTIVE
from sim.model import SocialCommerceModel
from sim.rules import reactions
from sim.scenario import ScenarioError, validate
from sim.state import BLOCKER, IN_GROUP, MUTED, REMOVED, REPORTED

SEEDS = range(8)
DAYS = 25
STICKY = MUTED | REMOVED | BLOCKER | REPORTED


def random_scenario(seed: int) -> dict[str, Any]:
    """A random but valid scenario, small enough to run in about a second."""
    r = np.random.default_rng(1000 + seed)
    users = r.dirichlet([1, 1, 1])
    strat = r.dirichlet([1, 1, 1])
    mute = float(r.uniform(1, 10))
    n = int(r.integers(200, 600))
    data = {
        "run": {"seed": seed, "days": DAYS, "lcc_every_days": int(r.integers(1, 10))},
        "graph": {"generator": str(r.choice(["wechat_like", "watts_strogatz",
                                               "powerlaw_cluster", "communities"])),
                  "n_people": n, "mean_degree": float(r.uniform(6, 30)),
                  "n_communities": int(r.integers(2, 10)),
                  "strong_tie_share": float(r.uniform(0, 1))},
        "users": {"p_open_mean": float(r.uniform(0.3, 1.0)),
                  "attention_mean": float(r.uniform(3, 40)),
                  "ordinary_posts_per_day": float(r.uniform(0, 2)),
                  "share_tolerant": float(users[0]), "share_muter": float(users[1]),
                  "share_blocker": 1 - float(users[0]) - float(users[1]),
                  "mute_threshold": mute, "block_threshold": mute * float(r.uniform(1, 3)),
                  "report_threshold": mute * float(r.uniform(0.5, 3)),
                  "p_report": float(r.uniform(0, 0.6)),
                  "annoyance_decay": float(r.uniform(0, 0.5)),
                  "p_background_unfriend": float(r.uniform(0, 0.01)),
                  "budget_per_day": float(r.uniform(5, 100)),
                  "need_mean": float(r.uniform(0.1, 0.9))},
        "trust": {"p_word_of_mouth": float(r.uniform(0, 1)),
                  "loss_counterfeit": float(r.uniform(0, 1)),
                  "gain_lifestyle": float(r.uniform(0, 0.2))},
        "purchase": {"p_buy_base": float(r.uniform(0.01, 0.5)),
                     "p_payment_fail": float(r.uniform(0, 0.3)),
                     "trust_value_slope": float(r.uniform(0, 3))},
        "strategies": {"flooder_ads_per_day": float(r.uniform(2, 20))},
        "resellers": {"initial_share": float(r.uniform(0.02, 0.2)),
                      "share_flooder": float(strat[0]), "share_mixer": float(strat[1]),
                      "share_curated": 1 - float(strat[0]) - float(strat[1]),
                      "counterfeit_share": float(r.uniform(0, 1)),
                      "starter_stock": int(r.integers(0, 15)),
                      "restock_below": int(r.integers(0, 5)),
                      "restock_amount": int(r.integers(0, 15)),
                      "p_pitch": float(r.uniform(0, 0.8)),
                      "p_accept": float(r.uniform(0, 0.8)),
                      "max_level": int(r.integers(1, 5)),
                      "markup_per_level": float(r.uniform(0, 0.5)),
                      "fixed_cost_per_day": float(r.uniform(0, 5)),
                      "quit_after_loss_days": int(r.integers(2, 20))},
        "merchants": {"n_merchants": int(r.integers(1, 4)),
                      "account_type": str(r.choice(["subscription", "service"])),
                      "pushes_per_day": float(r.uniform(0, 4)),
                      "follower_share": float(r.uniform(0, 0.3)),
                      "segmentation": bool(r.random() < 0.5),
                      "customer_service": bool(r.random() < 0.5),
                      "paid_followers_per_day": float(r.uniform(0, 5)),
                      "offline_followers_per_day": float(r.uniform(0, 5))},
        "groups": {"n_groups": int(r.integers(0, 6)), "mean_size": int(r.integers(2, 60)),
                   "p_direct_reach": float(r.uniform(0, 0.5)),
                   "ads_per_day": float(r.uniform(0, 4))},
        "platform": {"policy": str(r.choice(["threshold_ban", "none"])),
                     "report_threshold": int(r.integers(1, 8)),
                     "report_window_days": int(r.integers(1, 30)),
                     "posting_cap": float(r.choice([0, 1, 2, 5]))},
    }
    return data


class Recorder(SocialCommerceModel):
    """The model, recording what each seller tie carried in today's step 2.

    Each day also runs :meth:`sim.state.State.check` (``run.check = true``).
    """

    def __init__(self, *args: Any, **kw: Any) -> None:
        kw["overrides"] = {**(kw.get("overrides") or {}), "run.check": True}
        super().__init__(*args, **kw)

    def step(self) -> None:
        react = reactions.react

        def spy(model: SocialCommerceModel, exp: Any) -> Any:
            st = model.state.st
            model.seen_today = {
                "flags": np.asarray(model.ties.flags[st.tie]).copy(),
                "opened": np.asarray(model.opened)[st.viewer].copy(),
                "moments": np.asarray(exp.moments).copy(),
                "lifestyle": np.asarray(exp.lifestyle).copy(),
                "group": np.asarray(exp.group).copy(),
                "direct": np.asarray(exp.direct).copy(),
                "slot": st.slot.copy(),
                "tie": st.tie.copy(),  # the morning's seller ties (new ones are inserted)
            }
            return react(model, exp)

        reactions.react = spy
        try:
            super().step()
        finally:
            reactions.react = react


def _snapshot(m: SocialCommerceModel) -> dict[str, Any]:
    t = m.sellers
    return {
        "flags": np.asarray(m.ties.flags).copy(),
        "cum": np.asarray(m.ties.cum_ads_seen).copy(),
        "status": t.status.copy(),
        "units_sold": t.units_sold.copy(), "orders": t.orders.copy(),
        "units_wholesaled": t.units_wholesaled.copy(), "ads_total": t.ads_total.copy(),
        "revenue": t.revenue.copy(),
    }


def check_day(m: Recorder, before: dict[str, Any]) -> None:
    g = m.graph
    ties = m.ties
    flags = np.asarray(ties.flags)
    seen = m.seen_today
    f = seen["flags"]
    removed, muted = (f & REMOVED) != 0, (f & MUTED) != 0
    total = seen["moments"] + seen["group"] + seen["direct"]

    # -- exposure follows the tie state of the morning
    assert not total[removed].any(), "ad seen on a removed tie"
    assert not seen["moments"][muted].any(), "Moments ad seen on a muted tie"
    assert not seen["lifestyle"][muted | removed].any(), "lifestyle post through a mute"
    assert not seen["moments"][~seen["opened"]].any(), "Moments ad seen without opening"
    assert not seen["direct"][~muted].any(), "direct reach on a tie that is not muted"
    assert not seen["group"][(f & IN_GROUP) == 0].any(), "group ad to a non-member"
    inactive = before["status"][seen["slot"]] != ACTIVE
    assert not total[inactive].any(), "ad from a banned or quit seller"
    # the full-length exposure counter agrees: no growth on ties removed or (without
    # groups and direct messages) muted in the morning
    delta = np.asarray(ties.cum_ads_seen).astype(np.int64) - before["cum"]
    assert (delta >= 0).all()
    assert not delta[(before["flags"] & REMOVED) != 0].any()
    np.testing.assert_array_equal(np.bincount(seen["tie"], weights=total,
                                              minlength=g.n_ties)[: delta.size], delta)

    # -- relationships: never undone, removal symmetric, counters consistent
    assert ((before["flags"] & STICKY) & ~flags == 0).all(), "a mute/block/report was undone"
    np.testing.assert_array_equal(flags & REMOVED, flags[g.rev] & REMOVED)
    assert ((flags & BLOCKER) == 0)[(flags & REMOVED) == 0].all()
    alive = int(((flags & REMOVED) == 0).sum())
    assert m.state.alive_ties == alive
    day = m.metrics().iloc[-1]
    assert day["mean_degree"] == pytest.approx(alive / g.n)
    ended = int(((flags & REMOVED) != 0).sum() - ((before["flags"] & REMOVED) != 0).sum()) // 2
    assert day["blocks"] == ended, "blocks/unfriends counted != friendships ended today"
    new_mutes = int(((flags & MUTED) != 0).sum() - ((before["flags"] & MUTED) != 0).sum())
    assert day["mutes"] == new_mutes
    assert np.isnan(day["ad_share_of_feed"]) if day["feed_items_seen"] == 0 else \
        0 <= day["ad_share_of_feed"] <= 1
    assert day["feed_items_seen"] >= day["ads_seen_moments"] - 1e-6
    assert day["ads_seen_moments"] == seen["moments"].sum()
    assert day["ads_seen"] == total.sum()

    # -- derived state agrees with a recomputation from the tie flags
    alive_mask = (flags & REMOVED) == 0
    visible = alive_mask & ((flags & MUTED) == 0)
    rate = np.asarray(m.people.ordinary_rate, np.float64)
    want = np.bincount(g.src()[visible], weights=rate[g.indices[visible]], minlength=g.n)
    np.testing.assert_allclose(np.asarray(m.people.ordinary_load), want, rtol=1e-3, atol=1e-3)
    if (m.day % m.params.run.lcc_every_days == 0) or m.day == m.params.run.days:
        lcc = max(len(c) for c in nx.connected_components(m.friend_graph())) / g.n
        assert day["largest_component_share"] == pytest.approx(lcc, abs=1e-12)
        trust_alive = np.asarray(ties.trust, np.float64)[alive_mask]
        assert day["mean_trust_friends"] == pytest.approx(trust_alive.mean(), rel=1e-5)
    st_tie = m.state.st.tie
    st_alive = alive_mask[st_tie]
    if st_alive.any():
        assert day["mean_trust_resellers"] == pytest.approx(
            np.asarray(ties.trust, np.float64)[st_tie[st_alive]].mean(), rel=1e-5)

    # -- bounded state
    trust = np.asarray(ties.trust)
    assert np.isfinite(trust).all() and (trust >= 0).all() and (trust <= 1).all()
    ann = np.asarray(ties.annoyance)
    assert np.isfinite(ann).all() and (ann >= 0).all()
    for merchant in m.merchant_list:
        assert ((merchant.f_trust >= 0) & (merchant.f_trust <= 1)).all()
        assert (merchant.f_annoyance >= 0).all()
    pop = m.people
    assert np.asarray(pop.budget).min() >= -1e-3
    assert np.asarray(pop.ordinary_load).min() >= -1e-3

    # -- sellers' books
    t = m.sellers
    assert (t.inventory >= 0).all()
    np.testing.assert_allclose(t.cash, t.revenue - t.purchases_cost - t.fixed_costs,
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(t.inventory, t.units_bought - t.units_wholesaled
                                  - t.units_sold)
    assert len(set(t.person.tolist())) == t.size, "a person runs two reseller rows"
    assert (t.level >= 1).all() and (t.level <= m.params.resellers.max_level).all()
    for merchant in m.merchant_list:
        assert merchant.cash == pytest.approx(merchant.revenue - merchant.costs)

    # -- banned and quit sellers: nothing after they leave
    gone = np.flatnonzero(before["status"] != ACTIVE)
    assert (t.status[gone] == before["status"][gone]).all(), "a seller came back"
    for col in ("units_sold", "orders", "units_wholesaled", "ads_total", "revenue"):
        np.testing.assert_array_equal(getattr(t, col)[gone], before[col][gone], err_msg=col)
    assert (t.ads_today[gone] == 0).all() and (t.life_today[gone] == 0).all()


def check_totals(m: SocialCommerceModel) -> None:
    """Money and stock conservation over the whole run."""
    t = m.sellers
    df = m.metrics()
    pop = m.people
    push_sales = df["gmv_push"].sum()
    retail = float((t.price * t.units_sold).sum())
    # buyers' spending = resellers' retail revenue + merchants' push sales
    assert df["gmv_resellers"].sum() == pytest.approx(retail, rel=1e-9, abs=1e-6)
    assert float(np.asarray(pop.spent, np.float64).sum()) == pytest.approx(
        retail + push_sales, rel=1e-5, abs=1e-2)
    assert df["gmv"].sum() == pytest.approx(retail + push_sales, rel=1e-9, abs=1e-6)
    assert int(np.asarray(pop.n_purchases).sum()) == int(df["purchases"].sum())
    assert int(t.units_sold.sum()) + sum(x.units_sold for x in m.merchant_list) == int(
        df["units_sold"].sum())
    # wholesale: what resellers paid upstream = what merchants and upstream resellers got
    merchant_wholesale = sum(x.revenue for x in m.merchant_list) - push_sales
    reseller_wholesale = float((t.revenue - t.price * t.units_sold).sum())
    paid = float(t.purchases_cost.sum())
    if m.merchant_list:
        assert m.external_supply == 0
        assert paid == pytest.approx(merchant_wholesale + reseller_wholesale, rel=1e-9,
                                     abs=1e-6)
    # money: all resellers' cash = their revenue - purchases - fixed costs
    assert float(t.cash.sum()) == pytest.approx(
        float((t.revenue - t.purchases_cost - t.fixed_costs).sum()), abs=1e-6)
    # stock: made by merchants (or supplied from outside) = held + sold to people
    made = sum(x.units_wholesaled for x in m.merchant_list) + m.external_supply
    assert made == int(t.inventory.sum()) + int(t.units_sold.sum())
    assert made == int(t.units_bought.sum()) - int(t.units_wholesaled.sum())
    assert df["unsold_inventory"].iloc[-1] == int(t.inventory.sum())
    assert int(df["recruits"].sum()) == int((t.level >= 2).sum())
    assert int(df["bans"].sum()) == int((t.status == 2).sum())
    assert int(df["quits"].sum()) == int((t.status == 1).sum())
    assert int(df["mutes"].sum()) == int(((np.asarray(m.ties.flags) & MUTED) != 0).sum())
    assert int(df["reports"].sum()) == int(t.reports.sum())
    # the per-agent tables tell the same story
    table = m.seller_table()
    np.testing.assert_allclose(table["profit"], table["revenue"] - table["costs"], atol=1e-6)
    res = table[table["type"] == "reseller"]
    assert int(res["units_sold"].sum()) == int(t.units_sold.sum())
    assert int((res["status"] == "banned").sum()) == int(df["bans"].sum())
    people = m.people_table()
    removed = int(((np.asarray(m.ties.flags) & REMOVED) != 0).sum())
    assert int(people["friends_lost"].sum()) == removed == 2 * int(df["blocks"].sum())
    assert float(people["spent"].sum()) == pytest.approx(retail + push_sales, rel=1e-5, abs=1e-2)
    assert int(people["purchases"].sum()) == int(df["purchases"].sum())


def run_checked(data: dict[str, Any]) -> Recorder:
    m = Recorder(data)
    indptr, indices = m.graph.indptr.copy(), m.graph.indices.copy()
    for _ in range(m.params.run.days):
        before = _snapshot(m)
        m.step()
        check_day(m, before)
    check_totals(m)
    # the friend graph's arrays are never written (removal is a flag)
    np.testing.assert_array_equal(m.graph.indptr, indptr)
    np.testing.assert_array_equal(m.graph.indices, indices)
    return m


@pytest.mark.parametrize("seed", SEEDS)
def test_invariants_random_scenario(seed: int) -> None:
    data = random_scenario(seed)
    try:
        validate(data)
    except ScenarioError as exc:  # pragma: no cover - the generator must stay valid
        pytest.fail(f"random scenario {seed} invalid: {exc}")
    m = run_checked(data)
    assert m.metrics().shape[0] == DAYS


def test_invariants_without_merchants_use_external_supply() -> None:
    data = random_scenario(99)
    data["merchants"]["n_merchants"] = 0
    data["resellers"]["p_pitch"] = 0.5
    data["resellers"]["p_accept"] = 0.5
    m = run_checked(data)
    assert m.external_supply > 0
    assert (m.sellers.upstream_merchant == -1).all()


def test_invariants_heavy_moderation_and_recruiting() -> None:
    # many resellers who are friends with each other, low report threshold, fast quitting
    data = random_scenario(7)
    data["resellers"] |= {"initial_share": 0.3, "p_pitch": 0.9, "p_accept": 0.9,
                          "max_level": 6, "quit_after_loss_days": 3}
    data["users"] |= {"p_report": 0.8, "mute_threshold": 1.0, "block_threshold": 2.0,
                      "report_threshold": 1.5}
    data["platform"] |= {"policy": "threshold_ban", "report_threshold": 2}
    m = run_checked(data)
    t = m.sellers
    assert (t.status == 2).any(), "expected bans in this scenario"
    assert (t.level >= 2).any(), "expected recruits in this scenario"


def test_invariants_custom_strategy_and_policy() -> None:
    # a user strategy (its own step) beside the bulk-planned built-ins, and a user policy
    from agents.strategies import Plan, Strategy
    from sim.platform import ModerationPolicy

    def weekender(seller, rng):  # noqa: ANN001, ANN202
        return Plan(int(rng.poisson(6)) if seller.model.day % 7 in (5, 6) else 0, 1)

    def strict(policy, model, window):  # noqa: ANN001, ANN202
        return window >= 2

    data = random_scenario(3)
    data["resellers"] |= {"p_pitch": 0.6, "p_accept": 0.6, "max_level": 4}
    m = Recorder(data, strategies={"weekender": Strategy.from_func("weekender", weekender)},
                 strategy_shares={"weekender": 0.5, "flooder": 0.5},
                 policy=ModerationPolicy.from_func("strict", strict))
    for _ in range(m.params.run.days):
        before = _snapshot(m)
        m.step()
        check_day(m, before)
    check_totals(m)
    names = {r.strategy.name for r in m.reseller_list}
    assert names == {"weekender", "flooder"}


EDGE_CASES = [
    {"resellers.initial_share": 0.0},  # merchants only
    {"resellers.initial_share": 0.0, "merchants.n_merchants": 0},  # nobody sells
    {"resellers.initial_share": 1.0},  # everybody sells
    {"resellers.starter_stock": 0, "resellers.restock_amount": 0},
    {"resellers.max_level": 1, "resellers.p_pitch": 1.0, "resellers.p_accept": 1.0},
    {"resellers.p_pitch": 1.0, "resellers.p_accept": 1.0, "trust.trust_weak": 1.0,
     "trust.trust_strong": 1.0},
    {"groups.n_groups": 50, "groups.mean_size": 500, "groups.max_size": 500},
    {"users.p_open_mean": 1e-6},
    {"users.attention_mean": 1e-3},
    {"users.n_categories": 1},
    {"merchants.follower_share": 1.0, "merchants.pushes_per_day": 50.0,
     "platform.enforce_push_limits": False},
    {"merchants.account_type": "service", "merchants.segmentation": True,
     "merchants.segment_need": 1.0},
    {"users.budget_per_day": 0.0},
    {"users.p_background_unfriend": 1.0},
    {"users.annoyance_decay": 1.0},
    {"platform.report_window_days": 1, "platform.report_threshold": 1, "users.p_report": 1.0},
    {"resellers.quit_after_loss_days": 1},
    {"graph.n_people": 5, "graph.mean_degree": 2.0, "resellers.initial_share": 0.4},
    {"run.lcc_every_days": 3650},
]


@pytest.mark.parametrize("over", EDGE_CASES, ids=lambda o: ",".join(f"{k}={v}" for k, v in
                                                                   o.items()))
def test_invariants_edge_configurations(over: dict[str, Any]) -> None:
    base = {"graph.n_people": 200, "graph.mean_degree": 8, "run.days": 8,
            "graph.generator": "watts_strogatz"}
    m = Recorder({}, overrides=base | over)
    for _ in range(m.params.run.days):
        before = _snapshot(m)
        m.step()
        check_day(m, before)
    check_totals(m)
    assert len(m.seller_table()) == m.sellers.size + len(m.merchant_list)
    assert len(m.people_table()) == m.graph.n
