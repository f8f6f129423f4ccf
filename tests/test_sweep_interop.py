"""Sweep tables any tool reads, analysis around NaN outputs, results that reach --out on any
Dask cluster (issue 14, items 6, 8 and 10)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.analysis import analyze, sensitivity
from experiments.design import parse_spec
from experiments.sweep import finished_runs, read_table, run_sweep
from sim.cli import main
from sim.scenario import default_scenario, load_scenario, with_overrides

TINY = {"graph.n_people": 200, "graph.mean_degree": 10, "run.days": 5}

#: the join the README shows: each reseller with the person behind it
JOIN = """
select s.run_id, s.point, s.seller_id, s.strategy, s.status, s.profit,
       p.kind, p.degree_start, p.friends_lost as friends_lost_as_person
from read_parquet('{out}/agents/*.parquet') s
join read_parquet('{out}/people/*.parquet') p using (run_id, person)
where s.type = 'reseller'
order by s.point, s.run_id, s.seller_id
"""


@pytest.fixture(scope="module")
def no_seller_sweep(tmp_path_factory):
    """12 design points; points 0-5 are towns without any seller (point 0 is written first)."""
    out = tmp_path_factory.mktemp("nosellers")
    scn = with_overrides(default_scenario(), TINY)
    spec = parse_spec(with_overrides(scn, {"experiment": {
        "variants": {"none": {"resellers.initial_share": 0.0, "merchants.n_merchants": 0},
                     "some": {"resellers.initial_share": 0.02}},
        "sweep": {"users.p_report": [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]},
        "replicates": 1}}))
    res = run_sweep(spec, out, inline=True, progress=False)
    assert (res.finished, res.failed) == (12, 0)
    return out


def test_no_seller_point_reads_with_read_table_pandas_pyarrow(no_seller_sweep):
    import pyarrow.dataset as ds

    out = no_seller_sweep
    agents = read_table(out, "agents")
    assert set(agents["variant"]) == {"some"} and set(agents["point"]) == set(range(6, 12))
    assert pd.api.types.is_string_dtype(agents["strategy"])
    assert list(agents["status"].cat.categories) == ["active", "quit", "banned", "closed"]
    for table in ("runs", "metrics", "agents", "people"):
        p = pd.read_parquet(out / table)  # the whole folder, first file a no-seller run or not
        assert pd.api.types.is_integer_dtype(p["point"]), (table, p["point"].dtype)
        points = range(6, 12) if table == "agents" else range(12)  # 0-5: no sellers
        assert sorted(p["point"].unique()) == list(points), table
        assert (p["point"] > 9).sum() > 0  # an integer, not a categorical sorted as text
        t = ds.dataset(out / table, format="parquet").to_table()
        assert t.num_rows == len(p)
        assert str(t.schema.field("point").type) == "int64"
    p = pd.read_parquet(out / "agents")
    assert pd.api.types.is_string_dtype(p["upstream"]) and pd.api.types.is_integer_dtype(
        p["units_sold"])
    runs = read_table(out, "runs")
    assert runs["point"].tolist() == list(range(12))
    none = runs["variant"] == "none"
    assert runs.loc[none, "resellers_ever"].eq(0).all()
    assert runs.loc[none, "share_resellers_lost_money"].isna().all()  # undefined, not 0
    assert pd.api.types.is_integer_dtype(runs["purchases"])
    assert runs["gmv_per_ad_groups"].isna().any()  # undefined, not 0, without sellers


def test_duckdb_reads_every_table_and_joins_people_and_sellers(no_seller_sweep):
    import duckdb

    out = no_seller_sweep
    con = duckdb.connect()
    for table in ("runs", "metrics", "agents", "people"):
        n, points = con.execute(
            f"select count(*), count(distinct point) from read_parquet('{out}/{table}/*.parquet')"
        ).fetchone()
        assert n > 0 and points == (6 if table == "agents" else 12)
    types = {r[0]: r[1] for r in con.execute(
        f"describe select * from read_parquet('{out}/agents/*.parquet')").fetchall()}
    assert types["point"] == "BIGINT" and types["strategy"] == "VARCHAR"
    assert types["units_sold"] == "BIGINT"
    rows = con.execute(JOIN.format(out=out)).df()
    agents = read_table(out, "agents")
    assert len(rows) == (agents["type"] == "reseller").sum() > 0
    assert set(rows["kind"]) <= {"tolerant", "muter", "blocker"}
    # a reseller is a person: its row in the people table says so
    roles = con.execute(f"""
        select p.role from read_parquet('{out}/agents/*.parquet') s
        join read_parquet('{out}/people/*.parquet') p using (run_id, person_id)
        where s.type = 'reseller' and s.joined_day = 0""").fetchall()
    assert roles and {r[0] for r in roles} == {"reseller"}


# ---------------------------------------------------------------------- item 8
@pytest.fixture(scope="module")
def nan_sweep(tmp_path_factory):
    """A Sobol sweep where gmv_per_push is NaN wherever there is no merchant (half the points)."""
    out = tmp_path_factory.mktemp("nan")
    scn = with_overrides(default_scenario(), TINY)
    spec = parse_spec(with_overrides(scn, {"experiment": {
        "sweep": {"merchants.n_merchants": {"low": 0, "high": 1}},
        "sample": "sobol", "n": 4, "replicates": 1,
        "outputs": ["pushes_sent", "gmv_per_push"]}}))
    run_sweep(spec, out, inline=True, progress=False)
    return out


def test_analyze_names_the_nan_output_and_analyses_the_rest(nan_sweep, capsys):
    out = nan_sweep
    runs = read_table(out, "runs")
    assert runs["gmv_per_push"].isna().any() and runs["gmv_per_push"].notna().any()
    ana = out / "analysis"
    ana.mkdir(exist_ok=True)
    (ana / "sensitivity.csv").write_text("stale\n")
    assert main(["analyze", str(out), "--no-figures"]) == 0
    text = capsys.readouterr().out
    assert "skipped gmv_per_push is NaN at" in text and "finish the sweep" not in text
    idx = pd.read_csv(ana / "sensitivity.csv")
    assert set(idx["output"]) == {"pushes_sent"} and np.isfinite(idx["ST"]).all()
    # only the NaN output: no indices, and no stale file left behind
    written = analyze(out, outputs=["gmv_per_push"], figures=False)
    assert "sensitivity" not in written and not (ana / "sensitivity.csv").exists()
    assert "gmv_per_push" in written["skipped"].read_text()
    # an unfinished sweep still says so
    (out / "done" / f"{sorted(finished_runs(out))[0]}.json").unlink()
    with pytest.raises(ValueError, match="finish the sweep first"):
        sensitivity(out, ["pushes_sent"])


# ---------------------------------------------------------------------- item 10
def test_dask_results_reach_the_clients_out_whatever_the_workers_cwd(tmp_path, monkeypatch,
                                                                     capsys):
    """Workers in another working directory, a relative --out: every result lands in the
    client's --out (by --scheduler-file from the command line, by Client from Python)."""
    from distributed import Client, LocalCluster

    client_dir, worker_dir = tmp_path / "client", tmp_path / "workers"
    client_dir.mkdir()
    worker_dir.mkdir()
    sched = tmp_path / "scheduler.json"
    toml = client_dir / "s.toml"
    toml.write_text("""name = "tiny"
[run]
days = 5
[graph]
n_people = 200
mean_degree = 10
[experiment]
replicates = 2
[experiment.sweep]
"users.p_report" = [0.05, 0.1]
""", encoding="utf-8")
    monkeypatch.chdir(client_dir)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0",
                      scheduler_kwargs={"scheduler_file": str(sched)}) as cluster, \
            Client(cluster) as client:
        client.run(os.chdir, str(worker_dir))
        assert set(client.run(os.getcwd).values()) == {str(worker_dir)}
        assert main(["sweep", "s.toml", "--scheduler-file", str(sched), "--out", "rel",
                     "--quiet"]) == 0
        text = capsys.readouterr().out
        assert "4 finished, 0 failed" in text and "Dask dashboard: http" in text
        spec = parse_spec(load_scenario(toml))
        res = run_sweep(spec, "rel2", client=client, progress=False)
        assert res.finished == 4
        assert client.submit(sum, [1, 2]).result() == 3  # the caller's client stays open
    for name in ("rel", "rel2"):
        assert len(finished_runs(client_dir / name)) == 4
        assert len(read_table(client_dir / name, "metrics")) == 4 * 5
    assert not any(worker_dir.iterdir()), list(worker_dir.rglob("*"))
    assert main(["analyze", str(client_dir / "rel"), "--no-figures"]) == 0
    assert Path(client_dir / "rel" / "analysis" / "summary.csv").is_file()
