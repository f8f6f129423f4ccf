"""Defects the old design let in, each a test that failed before the rules were restructured.

1. a strategy replaced mid-run kept posting at the old rate;
2. a parameter changed mid-run was honoured by some rules and ignored by others;
3. a moderation policy passed to a second model carried the first run's reports;
4. the day's ``blocks_resellers`` and the sellers' ``friends_lost`` disagreed;
5. ``SocialCommerceModel()`` and ``scsim run`` started from different towns;
6. ``purchase.trust_value_slope`` was declared as something the code did not do;
7. the model relied on private internals of Mesa's DataCollector;
8. agents, the model and the policy wrote each other's private state.

And the seller table, the people table and the daily metrics agree on every
count they share.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydantic
import pytest

from agents.strategies import Strategy
from sim.interventions import ChangeParams, ChangeStrategy
from sim.model import SETUP_ONLY, SocialCommerceModel
from sim.params import Scenario, parameter_table
from sim.platform import ThresholdBan
from sim.scenario import ScenarioError, default_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"graph.n_people": 400, "graph.mean_degree": 16, "run.days": 6,
         "resellers.initial_share": 0.05}


def _quiet() -> Strategy:
    return Strategy(ads_per_day=0.0, lifestyle_per_day=0.0)


# 1 ------------------------------------------------------------------------------------
def test_a_strategy_replaced_mid_run_posts_at_the_new_rate() -> None:
    m = SocialCommerceModel(seed=1, overrides=SMALL)
    m.run(3)
    flooders = [r for r in m.reseller_list if r.strategy.name == "flooder"]
    assert flooders
    before = {r.slot: r.model.sellers.cols["ads_total"][r.slot] for r in flooders}
    assert sum(before.values()) > 0
    quiet = _quiet()
    for r in flooders:
        r.strategy = quiet
    m.run(3)
    after = {r.slot: m.sellers.cols["ads_total"][r.slot] for r in flooders}
    assert after == before, "replaced flooders still posted"
    assert all(r.strategy is quiet for r in flooders)


def test_change_strategy_intervention_equals_the_setter() -> None:
    quiet = _quiet()
    a = SocialCommerceModel(seed=2, overrides=SMALL,
                            interventions=[ChangeStrategy(3, quiet, who="flooder")])
    a.run()
    b = SocialCommerceModel(seed=2, overrides=SMALL)
    b.run(3)
    for r in b.reseller_list:
        if r.strategy.name == "flooder":
            r.strategy = quiet
    b.run(3)
    pd.testing.assert_frame_equal(a.metrics(), b.metrics())
    pd.testing.assert_frame_equal(a.seller_table(), b.seller_table())


# 2 ------------------------------------------------------------------------------------
def test_scenario_is_frozen() -> None:
    m = SocialCommerceModel(seed=1, overrides=SMALL)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        m.params.trust.gain_lifestyle = 0.5  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        m.params.name = "x"  # type: ignore[misc]


def _changed_value(row: dict[str, Any]) -> Any:
    """A valid value other than the default, inside the declared range."""
    d = row["default"]
    key = row["key"]
    if isinstance(d, bool):
        return not d
    field = Scenario.model_fields[key.split(".")[0]].annotation.model_fields[key.split(".")[1]]
    choices = getattr(field.annotation, "__args__", None)
    if isinstance(d, str):
        others = [c for c in (choices or ()) if c != d]
        return others[0] if others else None
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else lo
        lo = getattr(m, "gt", None) if getattr(m, "gt", None) is not None else lo
        hi = getattr(m, "le", None) if getattr(m, "le", None) is not None else hi
        hi = getattr(m, "lt", None) if getattr(m, "lt", None) is not None else hi
    if isinstance(d, int):
        v = d + 1
        return v if hi is None or v <= hi else d - 1
    v = d * 1.5 if d else 0.1
    if hi is not None and v >= hi:
        v = (d + (lo if lo is not None else 0.0)) / 2
    return v


#: read while the town is built and on later days too (recruits' starter stock, and the
#: minimum order it is raised to)
AT_SETUP_TOO = ("resellers.starter_stock", "resellers.min_order_level1")
DAILY = [r for r in parameter_table()
         if not any(r["key"] == s or (s.endswith((".", "_")) and r["key"].startswith(s))
                    for s in SETUP_ONLY)
         and r["key"] not in ("run.days", "run.check") + AT_SETUP_TOO]
SHARES = {"resellers.share_flooder", "resellers.share_mixer", "resellers.share_curated"}


@pytest.mark.parametrize("row", DAILY, ids=[r["key"] for r in DAILY])
def test_every_daily_parameter_set_mid_run_acts_as_if_set_from_the_start(
        row: dict[str, Any]) -> None:
    """``set_params`` before day 0 gives the run built with the value, byte for byte.

    So every rule reads the parameter from ``model.params`` (none caches it),
    and no parameter outside :data:`SETUP_ONLY` is read while the town is built.
    """
    value = _changed_value(row)
    if value is None:
        pytest.skip(f"{row['key']} has no other valid value")
    over = {**SMALL, "users.p_background_unfriend": 0.01, "merchants.follower_share": 0.2}
    try:
        built = SocialCommerceModel(seed=4, overrides={**over, row["key"]: value})
    except (ScenarioError, ValueError) as exc:
        pytest.skip(f"{row['key']} = {value!r} is not valid alone: {exc}")
    changed = SocialCommerceModel(seed=4, overrides=over)
    changed.set_params({row["key"]: value})
    built.run()
    changed.run()
    pd.testing.assert_frame_equal(built.metrics(), changed.metrics())
    pd.testing.assert_frame_equal(built.seller_table(), changed.seller_table())


def test_starter_stock_changed_mid_run_reaches_later_recruits_only() -> None:
    over = {**SMALL, "run.days": 10, "resellers.p_pitch": 1.0, "resellers.p_accept": 1.0,
            "resellers.restock_amount": 0, "resellers.starter_stock": 7,
            "resellers.min_order_level1": 0,  # (no minimum order raises the starter stock)
            "resellers.max_level": 2}  # (recruits sell to no one downstream: they buy once)
    m = SocialCommerceModel(seed=3, overrides=over,
                            interventions=[ChangeParams(5, {"resellers.starter_stock": 13})])
    m.run()
    t = m.seller_table()
    res = t[t.type == "reseller"]
    bought = m.sellers.units_bought
    recruit = (res.level == 2).to_numpy()
    early, late = recruit & (res.joined_day < 5).to_numpy(), recruit & (res.joined_day >= 5)
    assert late.sum() > 0 and early.sum() > 0
    assert set(bought[early]) == {7}
    assert set(bought[late.to_numpy()]) == {13}


def test_a_parameter_changed_mid_run_is_honoured() -> None:
    """A larger lifestyle gain (and cap) from day 3 on lifts trust toward resellers from day 3."""
    over = {**SMALL, "run.days": 8, "resellers.share_flooder": 0.0,
            "resellers.share_mixer": 1.0, "resellers.share_curated": 0.0}
    a = SocialCommerceModel(seed=5, overrides=over,
                            interventions=[ChangeParams(3, {"trust.gain_lifestyle": 0.3,
                                                             "trust.lifestyle_cap": 5.0})])
    b = SocialCommerceModel(seed=5, overrides=over)
    ta = a.run().metrics()["mean_trust_resellers"]
    tb = b.run().metrics()["mean_trust_resellers"]
    np.testing.assert_array_equal(ta[:3], tb[:3])
    # evidence accumulates: higher every day from day 3, by more than 0.01 at the end
    assert (ta[3:] > tb[3:]).all() and ta.iloc[-1] > tb.iloc[-1] + 0.01, (ta.tolist(),
                                                                           tb.tolist())
    assert a.params.trust.gain_lifestyle == 0.3


def test_a_setup_parameter_cannot_change_mid_run() -> None:
    m = SocialCommerceModel(seed=1, overrides=SMALL)
    for key, value in (("graph.n_people", 500), ("users.block_threshold", 9.0),
                       ("resellers.initial_share", 0.2)):
        with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
            m.set_params({key: value})
    with pytest.raises(ScenarioError, match="platform.posting_cap"):
        m.set_params({"platform.posting_cap": -1})
    assert m.params.platform.posting_cap == 0


# 3 ------------------------------------------------------------------------------------
def test_a_policy_object_carries_no_run_state() -> None:
    over = {**SMALL, "users.p_report": 1.0, "users.report_threshold": 0.5,
            "platform.report_threshold": 2}
    policy = ThresholdBan(Scenario().platform.model_copy(update={"report_threshold": 2}))
    first = SocialCommerceModel(seed=7, overrides=over, policy=policy)
    first.run()
    assert first.metrics()["bans"].sum() > 0
    reused = SocialCommerceModel(seed=7, overrides=over, policy=policy).run()
    fresh = SocialCommerceModel(
        seed=7, overrides=over,
        policy=ThresholdBan(Scenario().platform.model_copy(update={"report_threshold": 2}))).run()
    pd.testing.assert_frame_equal(reused.metrics(), fresh.metrics())
    assert not [k for k in vars(policy) if k != "params" and k != "name"]


# 4 and one truth per number --------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
def test_tables_and_metrics_agree_on_shared_counts(seed: int) -> None:
    over = {**SMALL, "run.days": 25, "users.p_background_unfriend": 0.02, "users.p_report": 0.5,
            "platform.report_threshold": 3, "resellers.p_pitch": 0.5,
            "resellers.p_accept": 0.8, "merchants.follower_share": 0.3,
            "merchants.quality": 0.5, "purchase.p_buy_base": 0.3,
            "resellers.counterfeit_share": 0.5}
    m = SocialCommerceModel(seed=seed, overrides=over).run()
    day = m.metrics().sum()
    sel = m.seller_table()
    res = sel[sel.type == "reseller"]
    mer = sel[sel.type == "merchant"]
    people = m.people_table()
    assert day["blocks_resellers"] > 0 and day["blocks_others"] > 0
    assert day["blocks_resellers"] == res.friends_lost.sum()
    assert 2 * day["blocks"] == people.friends_lost.sum()
    assert day["mutes"] == res.mutes_received.sum()
    assert day["reports"] == res.reports.sum()
    assert day["ads_posted"] == res.ads_posted.sum()
    assert day["purchases"] == sel.orders.sum() == people.purchases.sum()
    assert day["units_sold"] == sel.units_sold.sum()
    assert day["counterfeits_delivered"] == sel.counterfeits_sold.sum() \
        == people.counterfeits.sum()
    assert day["gmv"] == pytest.approx(people.spent.sum(), rel=1e-5)
    assert day["unfollows"] == mer.friends_lost.sum()
    assert day["recruits"] == (res.level > 1).sum() == res.recruits.sum()
    last = m.metrics().iloc[-1]
    assert last["resellers_quit"] == (res.status == "quit").sum()
    assert last["resellers_banned"] == (res.status == "banned").sum()
    assert day["quits"] == (res.status == "quit").sum()
    assert day["bans"] == (res.status == "banned").sum()
    assert last["unsold_inventory"] == res.inventory.sum()


# 5 ------------------------------------------------------------------------------------
def test_the_model_and_the_cli_start_from_the_same_town() -> None:
    assert SocialCommerceModel(overrides=SMALL).params == with_overrides(default_scenario(),
                                                                         SMALL)
    a, b = Scenario().model_dump(), default_scenario().model_dump()
    assert {k for k in a if a[k] != b[k]} == {"description"}


# 6 ------------------------------------------------------------------------------------
def test_trust_value_slope_is_declared_as_computed() -> None:
    doc = Scenario.model_fields["purchase"].annotation.model_fields["trust_value_slope"]
    assert "Poisson(slope * trust^2)" in doc.description
    src = (ROOT / "sim" / "rules" / "orders.py").read_text(encoding="utf-8")
    assert "1 + draws.poisson(p.purchase.trust_value_slope * trust.astype(xp.float64) ** 2)" \
        in src
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert "1 + Poisson(trust_value_slope · trust²)" in odd
    assert "Poisson(slope * trust^2)" in odd  # the generated table says the same


# 7 and 8 ------------------------------------------------------------------------------
def _private_uses(path: Path, owners: set[str]) -> list[str]:
    """``x._name`` uses in ``path`` where ``x`` is not ``self``/``cls`` and names an owner."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            base = node.value
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            if name in owners:
                hits.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}.{node.attr}")
    return hits


def test_no_module_reaches_into_another_objects_private_state() -> None:
    owners = {"model", "m", "merchant", "agent", "up", "seller", "policy", "datacollector",
              "state", "ties", "people", "pop", "sellers"}
    files = [p for d in ("sim", "agents") for p in (ROOT / d).rglob("*.py")]
    hits = [h for p in files for h in _private_uses(p, owners)]
    assert not hits, "\n".join(hits)


def test_the_collector_is_plain_mesa() -> None:
    import mesa

    m = SocialCommerceModel(seed=1, overrides=SMALL).run(2)
    assert type(m.datacollector) is mesa.DataCollector
    assert m.metrics().shape[0] == 2
