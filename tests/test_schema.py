"""Declared table schemas (sim/schema.py; issue 14 item 6)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim import schema as S
from sim.metrics import METRICS as METRIC_DESCRIPTIONS
from sim.runner import run_scenario
from sim.scenario import default_scenario, with_overrides

TINY = {"graph.n_people": 200, "graph.mean_degree": 10, "run.days": 5}


@pytest.fixture(scope="module")
def result():
    return run_scenario(with_overrides(default_scenario(), TINY | {"groups.n_groups": 2}))


@pytest.fixture(scope="module")
def empty_result():
    """A town without sellers: no resellers, no merchants."""
    return run_scenario(with_overrides(default_scenario(), TINY | {
        "resellers.initial_share": 0.0, "merchants.n_merchants": 0}))


def test_every_column_of_every_table_is_declared(result):
    assert S.METRICS.names == list(result.metrics.columns)
    assert S.SELLERS.names == list(result.agents.columns)
    assert S.PEOPLE.names == list(result.people.columns)
    # every metric has an explicit type and unit, not the fallback
    assert set(S._METRIC_TYPES) == set(METRIC_DESCRIPTIONS)
    for table in (S.METRICS, S.SELLERS, S.PEOPLE, S.RUN_OUTPUTS):
        for f in table.fields:
            assert f.description, f"{table.name}.{f.name} has no description"


def test_run_outputs_are_declared_and_flows_agree(result):
    from experiments.sweep import FLOWS, run_outputs

    out = run_outputs(result.metrics, result.agents, 200)
    assert set(out) | {"seconds"} == set(S.RUN_OUTPUTS.names)
    assert set(FLOWS) == {"ads_posted", "openers", "ads_seen", "ads_seen_moments",
                          "ads_seen_group", "ads_seen_direct", "feed_items_seen",
                          "ordinary_seen", "ordinary_crowded_out", "mutes", "blocks",
                          "blocks_resellers", "blocks_others", "escalations", "reports",
                          "complaints", "bans", "purchases",
                          "units_sold", "payment_failures", "gmv", "gmv_moments", "gmv_groups",
                          "gmv_push", "gmv_resellers", "counterfeits_delivered",
                          "word_of_mouth_warnings", "recommendations", "obligation_intents",
                          "recruits", "quits", "wholesale_units",
                          "pushes_sent", "push_opens", "unfollows"}


def test_field_metadata_units_descriptions_and_table_name(result):
    data = S.METRICS.to_bytes(result.metrics)
    sch = pq.read_schema(io.BytesIO(data))
    assert sch.metadata[b"scsim.table"] == b"metrics"
    gmv = sch.field("gmv").metadata
    assert gmv[b"unit"] == b"RMB" and b"gross merchandise value" in gmv[b"description"]
    kind = pq.read_schema(io.BytesIO(S.PEOPLE.to_bytes(result.people))).field("kind")
    assert b"tolerant" in kind.metadata[b"categories"]
    assert S.to_parquet_bytes(result.metrics, S.METRICS) == data  # byte-reproducible
    assert list(S.METRICS.describe().columns) == ["column", "type", "unit", "description"]


def test_counts_are_integers_codes_are_labelled_person_is_text(result):
    m = pq.read_table(io.BytesIO(S.METRICS.to_bytes(result.metrics))).to_pandas()
    for c in ("day", "ads_posted", "purchases", "blocks", "resellers_active", "followers"):
        assert pd.api.types.is_integer_dtype(m[c]), c
    for c in ("gmv", "conversion", "feed_items_seen", "mean_degree"):
        assert m[c].dtype == np.float64, c
    p = pq.read_table(io.BytesIO(S.PEOPLE.to_bytes(result.people))).to_pandas()
    assert isinstance(p["kind"].dtype, pd.CategoricalDtype)
    assert set(p["kind"].cat.categories) == {"tolerant", "muter", "blocker"}
    assert set(p["kind"]) <= {"tolerant", "muter", "blocker"} and p["kind"].notna().all()
    assert list(p["role"].cat.categories) == ["person", "reseller"]
    s = pq.read_table(io.BytesIO(S.SELLERS.to_bytes(result.agents))).to_pandas()
    assert pd.api.types.is_string_dtype(p["person"]) and pd.api.types.is_string_dtype(
        s["person"])
    resellers = s[s["type"] == "reseller"]
    assert set(resellers["person"]) <= set(p["person"])  # joins on the text label


def test_empty_seller_table_keeps_its_declared_types(result, empty_result):
    assert len(empty_result.agents) == 0
    full = pq.read_schema(io.BytesIO(S.SELLERS.to_bytes(result.agents)))
    empty = pq.read_schema(io.BytesIO(S.SELLERS.to_bytes(empty_result.agents)))
    assert full.remove_metadata() == empty.remove_metadata()
    assert str(empty.field("strategy").type) == "string"
    assert str(empty.field("upstream").type) == "string"
    assert "dictionary" in str(empty.field("status").type)


def test_apply_refuses_what_does_not_fit(result):
    m = result.metrics.copy()
    with pytest.raises(S.SchemaError, match=r"undeclared columns \['extra'\]"):
        S.METRICS.apply(m.assign(extra=1.0))
    with pytest.raises(S.SchemaError, match=r"missing columns \['gmv'\]"):
        S.METRICS.apply(m.drop(columns=["gmv"]))
    with pytest.raises(S.SchemaError, match="metrics.purchases: declared a count"):
        S.METRICS.apply(m.assign(purchases=0.5))
    with pytest.raises(S.SchemaError, match="people.kind: codes"):
        S.PEOPLE.apply(result.people.assign(kind=7))
    with pytest.raises(S.SchemaError, match="sellers.status: labels"):
        S.SELLERS.apply(result.agents.assign(status="sleeping"))


def test_conform_restores_all_categories():
    df = pd.DataFrame({"kind": ["muter", "muter"]})
    out = S.PEOPLE.conform(df)
    assert list(out["kind"].cat.categories) == ["tolerant", "muter", "blocker"]
