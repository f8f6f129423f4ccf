"""Scenario validation: every bad-input class is rejected before a run starts.

Each message must name the field, the value and what is allowed (issue 2,
"bad input"); a valid scenario survives a TOML round trip unchanged; every
declared parameter carries a unit and a source.
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest

from sim.graph import GraphError
from sim.model import SocialCommerceModel
from sim.params import SECTIONS, Scenario, parameter_table
from sim.scenario import (
    ScenarioError,
    default_scenario,
    load_scenario,
    save_scenario,
    to_toml,
    validate,
    with_overrides,
)


def _error(data: dict) -> str:
    with pytest.raises(ScenarioError) as info:
        validate(data)
    return str(info.value)


# ---------------------------------------------------------------- bad input classes
@pytest.mark.parametrize(
    ("data", "field", "value", "rule"),
    [
        # out of range
        ({"graph": {"n_people": -5}}, "graph.n_people", "-5", "greater than or equal to 2"),
        ({"users": {"p_open_mean": 1.5}}, "users.p_open_mean", "1.5", "less than or equal to 1"),
        ({"users": {"p_report": -0.1}}, "users.p_report", "-0.1", "greater than or equal to 0"),
        ({"purchase": {"p_buy_base": 1.5}}, "purchase.p_buy_base", "1.5",
         "less than or equal to 1"),
        ({"trust": {"trust_strong": 2}}, "trust.trust_strong", "2", "less than or equal to 1"),
        ({"run": {"days": 0}}, "run.days", "0", "greater than or equal to 1"),
        ({"merchants": {"n_merchants": -1}}, "merchants.n_merchants", "-1",
         "greater than or equal to 0"),
        ({"resellers": {"starter_stock": -3}}, "resellers.starter_stock", "-3",
         "greater than or equal to 0"),
        ({"users": {"mute_threshold": 0}}, "users.mute_threshold", "0", "greater than 0"),
        ({"users": {"p_open_mean": float("nan")}}, "users.p_open_mean", "nan", ""),
        # wrong type
        ({"run": {"days": "abc"}}, "run.days", "'abc'", "must be a number (int)"),
        ({"run": {"seed": 1.5}}, "run.seed", "1.5", "integer"),
        ({"merchants": {"segmentation": "maybe"}}, "merchants.segmentation", "'maybe'",
         "true or false"),
        ({"run": 5}, "run", "5", "dictionary"),
        ({"name": 5}, "name", "5", "string"),
        # a name outside its list
        ({"platform": {"policy": "ban_everyone"}}, "platform.policy", "'ban_everyone'",
         "'threshold_ban' or 'none'"),
        ({"graph": {"generator": "erdos"}}, "graph.generator", "'erdos'", "'wechat_like'"),
        ({"run": {"backend": "jax"}}, "run.backend", "'jax'", "'numpy', 'cupy' or 'strict'"),
    ],
)
def test_bad_value_names_field_value_and_rule(data: dict, field: str, value: str,
                                              rule: str) -> None:
    msg = _error(data)
    assert field in msg
    assert value in msg
    assert rule in msg


@pytest.mark.parametrize(
    ("data", "field", "value"),
    [
        # pydantic's lax mode would coerce these; a scenario file that says
        # days = "5" or segmentation = 1 has a wrong type and must be rejected
        ({"run": {"days": "5"}}, "run.days", "'5'"),
        ({"graph": {"mean_degree": "100"}}, "graph.mean_degree", "'100'"),
        ({"run": {"days": True}}, "run.days", "True"),
        ({"users": {"p_open_mean": True}}, "users.p_open_mean", "True"),
        ({"merchants": {"segmentation": 1}}, "merchants.segmentation", "1"),
        ({"merchants": {"segmentation": "true"}}, "merchants.segmentation", "'true'"),
    ],
)
def test_coercible_wrong_types_are_rejected(data: dict, field: str, value: str) -> None:
    msg = _error(data)
    assert field in msg
    assert value in msg


@pytest.mark.parametrize("field", ["users.annoyance_per_ad", "resellers.sell_price",
                                   "users.budget_per_day"])
def test_infinite_values_are_rejected(field: str) -> None:
    section, key = field.split(".")
    msg = _error({section: {key: float("inf")}})
    assert field in msg and "inf" in msg


def test_unknown_key_lists_allowed_keys() -> None:
    msg = _error({"graph": {"n_peple": 300}})
    assert "'graph.n_peple'" in msg and "300" in msg
    assert "n_people" in msg and "mean_degree" in msg  # the allowed keys


def test_unknown_section_lists_sections() -> None:
    msg = _error({"grpah": {"n_people": 300}})
    assert "'grpah'" in msg
    for section in ("graph", "users", "platform"):
        assert section in msg


def test_several_problems_reported_together() -> None:
    msg = _error({"graph": {"n_people": -1}, "users": {"p_report": 2.0}})
    assert "graph.n_people = -1" in msg
    assert "users.p_report = 2.0" in msg


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"users": {"share_muter": 0.5}}, "share_tolerant + share_muter + share_blocker"),
        ({"resellers": {"share_flooder": 0.9}}, "share_flooder + share_mixer + share_curated"),
        ({"graph": {"generator": "edgelist"}}, "graph.edgelist_path"),
        ({"graph": {"edgelist_path": "friends.csv"}},
         "graph.edgelist_path = 'friends.csv' must come with graph.generator = 'edgelist'"),
    ],
)
def test_cross_field_rules(data: dict, fragment: str) -> None:
    msg = _error(data)
    assert fragment in msg
    assert "must" in msg


def test_scenario_error_is_value_error() -> None:
    assert issubclass(ScenarioError, ValueError)
    with pytest.raises(ValueError):
        validate({"run": {"days": -1}})


def test_validate_rejects_non_mapping() -> None:
    with pytest.raises(ScenarioError, match="expected a table of sections, got list"):
        validate([1, 2, 3])  # type: ignore[arg-type]


# ---------------------------------------------------------------- overrides
def test_overrides_apply_and_revalidate() -> None:
    s = with_overrides(Scenario(), {"graph.n_people": 321, "users.p_report": 0.5})
    assert s.graph.n_people == 321 and s.users.p_report == 0.5
    with pytest.raises(ScenarioError, match=r"users\.p_report = 1\.5"):
        with_overrides(Scenario(), {"users.p_report": 1.5})


@pytest.mark.parametrize("key", ["graph.n_peple", "grpah.n_people", "graph.n_people.x"])
def test_override_unknown_key(key: str) -> None:
    with pytest.raises(ScenarioError) as info:
        with_overrides(Scenario(), {key: 3})
    assert repr(key) in str(info.value)


def test_override_experiment_metadata_is_free_form() -> None:
    s = with_overrides(Scenario(), {"experiment.claim": "flooders lose"})
    assert s.experiment["claim"] == "flooders lose"


def test_overrides_do_not_mutate_input() -> None:
    base = Scenario()
    with_overrides(base, {"graph.n_people": 77})
    assert base.graph.n_people == Scenario().graph.n_people


def test_model_rejects_bad_input_before_running() -> None:
    with pytest.raises(ScenarioError, match=r"users\.p_open_mean = 1\.5"):
        SocialCommerceModel(overrides={"users.p_open_mean": 1.5})
    with pytest.raises(ScenarioError, match="graph.n_people = -10"):
        SocialCommerceModel({"graph": {"n_people": -10}})


def test_mean_degree_not_below_population_is_rejected() -> None:
    # the default generator states its own limit, (n - 1) / 2; the others n
    with pytest.raises(GraphError, match=r"mean_degree = 50.0 must be .*<= \(n - 1\) / 2 = 9.5"):
        SocialCommerceModel(overrides={"graph.n_people": 20, "graph.mean_degree": 50})
    with pytest.raises(GraphError, match=r"graph\.mean_degree = 50 must be < graph\.n_people = 20"):
        SocialCommerceModel(overrides={"graph.n_people": 20, "graph.mean_degree": 50,
                                       "graph.generator": "watts_strogatz"})


@pytest.mark.parametrize(
    ("graph", "fragment"),
    [(nx.Graph(), "empty"), (nx.empty_graph(5), "no ties")],
)
def test_model_rejects_empty_graphs(graph: nx.Graph, fragment: str) -> None:
    with pytest.raises(GraphError, match=fragment):
        SocialCommerceModel(graph=graph)


def test_strategy_shares_checked() -> None:
    g = nx.path_graph(10)
    with pytest.raises(ValueError, match="unknown strategies"):
        SocialCommerceModel(graph=g, strategy_shares={"spammer": 1.0})
    with pytest.raises(ValueError, match="sum to 1"):
        SocialCommerceModel(graph=g, strategy_shares={"flooder": 0.5, "mixer": 0.2})


# ---------------------------------------------------------------- files and round trip
def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "nope.toml")


def test_not_toml(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("[graph\nn_people = 3\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(p)


def test_bad_file_message_names_file_field_value(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("[users]\np_open_mean = 1.5\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    msg = str(info.value)
    assert "bad.toml" in msg and "users.p_open_mean = 1.5" in msg


def test_edgelist_path_resolved_relative_to_file(tmp_path: Path) -> None:
    (tmp_path / "edges.txt").write_text("a b\nb c\n", encoding="utf-8")
    p = tmp_path / "s.toml"
    p.write_text('[graph]\ngenerator = "edgelist"\nedgelist_path = "edges.txt"\n',
                 encoding="utf-8")
    s = load_scenario(p)
    assert Path(s.graph.edgelist_path) == (tmp_path / "edges.txt").resolve()


def _non_default() -> Scenario:
    return with_overrides(Scenario(), {
        "name": "round-trip", "description": "every section touched",
        "run.seed": 7, "run.days": 12, "graph.generator": "communities",
        "graph.n_people": 1234, "graph.mean_degree": 12.5, "users.p_open_mean": 0.6,
        "users.share_tolerant": 0.2, "users.share_muter": 0.3, "users.share_blocker": 0.5,
        "trust.gain_genuine": 0.2, "purchase.p_payment_fail": 0.0,
        "strategies.flooder_ads_per_day": 12.0, "resellers.max_level": 3,
        "merchants.segmentation": True, "merchants.account_type": "service",
        "groups.n_groups": 4, "platform.posting_cap": 2.0, "platform.policy": "none",
        "experiment.claim": "x", "experiment.sweep": {"platform.posting_cap": [1, 2, 3]},
    })


@pytest.mark.parametrize("make", [Scenario, default_scenario, _non_default])
def test_toml_round_trip(make, tmp_path: Path) -> None:
    s = make()
    p = tmp_path / "s.toml"
    save_scenario(s, p)
    back = load_scenario(p)
    assert back == s
    assert to_toml(back) == to_toml(s)


def test_default_scenario_is_embedded_and_valid() -> None:
    s = default_scenario()
    assert isinstance(s, Scenario)
    assert s.name == "default"


# ---------------------------------------------------------------- declarations
_SOURCE = re.compile(r"\bF([1-9]|1\d|2[0-3])[a-z]?\b|\bLIT\b|assumption|MODEL\.md|user input")


def test_every_parameter_has_unit_source_and_doc() -> None:
    rows = parameter_table()
    n_fields = sum(len(cls.model_fields) for cls in SECTIONS.values())
    assert len(rows) == n_fields > 50
    for row in rows:
        assert row["unit"], f"{row['key']} has no unit"
        assert row["source"], f"{row['key']} has no source"
        assert _SOURCE.search(row["source"]), f"{row['key']}: source {row['source']!r}"
        assert row["doc"], f"{row['key']} has no doc"
        assert row["range"], f"{row['key']} has no range"


def test_cited_fact_ids_exist() -> None:
    for row in parameter_table():
        for num in re.findall(r"\bF(\d+)[a-z]?\b", row["source"]):
            assert 1 <= int(num) <= 23, f"{row['key']} cites F{num}, not in SEED-FACTS"


def test_defaults_are_within_their_ranges() -> None:
    # validating a dump of the defaults must not raise
    validate(Scenario().model_dump())


def test_uncertain_ranges_contain_default() -> None:
    for row in parameter_table():
        if row["uncertain"] is not None:
            lo, hi = row["uncertain"]
            assert lo <= row["default"] <= hi, row["key"]


def test_range_strings() -> None:
    table = {r["key"]: r for r in parameter_table()}
    assert table["users.p_open_mean"]["range"] == "(0, 1]"
    assert table["graph.n_people"]["range"].startswith("[2,")
    assert table["merchants.segmentation"]["range"] == "true/false"
    assert table["platform.policy"]["range"] == "threshold_ban | none"
