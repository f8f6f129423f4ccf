"""Sweeps: designs, executors, resumption, failures and validation (issue 3)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.design import design_points, expand, parse_spec, replicate_seed, run_id
from experiments.sweep import (
    KILL_ENV,
    SweepInterrupted,
    finished_runs,
    read_manifest,
    read_table,
    run_sweep,
)
from sim.cli import main
from sim.scenario import ScenarioError, default_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent
TINY = {"graph.n_people": 200, "graph.mean_degree": 10, "run.days": 10, "groups.n_groups": 2}


def tiny(sweep: dict, replicates: int = 2, **exp) -> object:
    """A tiny scenario with an [experiment] table."""
    scn = with_overrides(default_scenario(), TINY)
    return with_overrides(scn, {"experiment": {"sweep": sweep, "replicates": replicates}
                                | exp})


def write_toml(path: Path, sweep_lines: str, replicates: int = 2) -> Path:
    path.write_text(f"""name = "tiny"
[run]
days = 10
[graph]
n_people = 200
mean_degree = 10
[experiment]
replicates = {replicates}
[experiment.sweep]
{sweep_lines}
""", encoding="utf-8")
    return path


# ---------------------------------------------------------------------- designs
def test_seeds_and_ids_are_stable():
    assert replicate_seed(1, 0) == replicate_seed(1, 0)
    assert replicate_seed(1, 0) != replicate_seed(1, 1) != replicate_seed(2, 1)
    assert 0 <= replicate_seed(2**63 - 1, 7) < 2**62
    a = run_id({"x.y": 1.0, "a.b": 2}, 5)
    assert a == run_id({"a.b": 2, "x.y": 1.0}, 5)  # key order does not matter
    assert a != run_id({"a.b": 2, "x.y": 1.0}, 6)
    assert a.startswith("r") and len(a) == 16


def test_grid_lhs_sobol_morris_designs():
    grid = parse_spec(tiny({"platform.posting_cap": [0, 2], "users.p_report": [0.1, 0.2, 0.3]},
                           replicates=3))
    pts = design_points(grid)
    assert len(pts) == 6 and len(expand(grid)) == 18
    assert len({r.run_id for r in expand(grid)}) == 18
    rng = {"users.p_report": {"low": 0.05, "high": 0.3}, "platform.report_threshold":
           {"low": 2, "high": 40}}
    lhs = design_points(parse_spec(tiny(rng), sample="lhs", n=10))
    assert len(lhs) == 10
    assert all(0.05 <= p["users.p_report"] <= 0.3 for p in lhs)
    assert all(isinstance(p["platform.report_threshold"], int) for p in lhs)
    # Latin hypercube: one point in each of the 10 strata of each factor
    strata = np.floor((np.array([p["users.p_report"] for p in lhs]) - 0.05) / 0.025)
    assert sorted(strata.astype(int).tolist()) == list(range(10))
    sob = design_points(parse_spec(tiny(rng), sample="sobol", n=8))
    assert len(sob) == 8 * (2 + 2)  # Saltelli, first order: N (k + 2)
    mor = design_points(parse_spec(tiny(rng), sample="morris", n=5))
    assert len(mor) == 5 * (2 + 1)
    variants = tiny({"platform.posting_cap": [0, 1]}, variants={
        "flood": {"resellers.share_flooder": 1.0, "resellers.share_mixer": 0.0,
                  "resellers.share_curated": 0.0},
        "mix": {"resellers.share_flooder": 0.0, "resellers.share_mixer": 1.0,
                "resellers.share_curated": 0.0}})
    vp = design_points(parse_spec(variants))
    assert len(vp) == 4 and {p["variant"] for p in vp} == {"flood", "mix"}


def test_default_level_stands_for_the_scenario_value():
    scn = tiny({"purchase.fatigue": ["default", 0.04]})
    spec = parse_spec(scn)
    assert spec.sweep["purchase.fatigue"] == [scn.purchase.fatigue, 0.04]
    assert [p["purchase.fatigue"] for p in design_points(spec)] == [scn.purchase.fatigue, 0.04]


@pytest.mark.parametrize("sweep, kw, message", [
    ({"platform.no_such_thing": [1, 2]}, {}, "unknown parameter 'platform.no_such_thing'"),
    ({"nosection.x": [1]}, {}, "unknown parameter 'nosection.x'"),
    ({"platform.posting_cap": []}, {}, "empty list"),
    ({"users.p_report": {"low": 0.3, "high": 0.1}}, {"sample": "lhs"}, "empty range"),
    ({"users.p_report": {"low": 0.2, "high": 0.2}}, {"sample": "sobol"}, "empty range"),
    ({"users.p_report": [0.1, 2.0]}, {}, "less than or equal to 1"),
    ({"users.p_report": {"low": 0.1, "high": 0.3}}, {}, "grid sampling needs a list"),
    ({"platform.posting_cap": [1]}, {"replicates": 0}, "replicates = 0 must be"),
    ({"run.seed": [1, 2]}, {}, "cannot be swept"),
    ({"resellers.share_flooder": [0.5]}, {}, "must equal 1"),
    ({"platform.posting_cap": [0, 1]}, {"n": 10}, "--n 10: grid sampling"),
    ({"platform.posting_cap": [0, 1]}, {"sample": "grid", "n": 4}, "drop --n"),
])
def test_bad_specs_fail_before_work(sweep, kw, message):
    reps = kw.pop("replicates", 2)
    with pytest.raises(ScenarioError, match=message):
        parse_spec(tiny(sweep, replicates=2), replicates=reps, **kw)


def test_bad_specs_exit_2_from_cli(tmp_path, capsys):
    bad = write_toml(tmp_path / "bad.toml", '"platform.posting_kap" = [1, 2]')
    out = tmp_path / "out"
    assert main(["sweep", str(bad), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter 'platform.posting_kap'" in err and "posting_cap" in err
    empty = write_toml(tmp_path / "empty.toml", '"platform.posting_cap" = []')
    assert main(["sweep", str(empty), "--out", str(out), "--quiet"]) == 2
    assert "empty list" in capsys.readouterr().err
    ok = write_toml(tmp_path / "ok.toml", '"platform.posting_cap" = [1]')
    assert main(["sweep", str(ok), "--replicates", "0", "--out", str(out), "--quiet"]) == 2
    assert "replicates = 0 must be an integer >= 1" in capsys.readouterr().err
    assert main(["sweep", str(ok), "--n", "10", "--out", str(out), "--quiet"]) == 2
    assert "--n 10: grid sampling runs every combination" in capsys.readouterr().err
    t0 = time.perf_counter()
    assert main(["sweep", str(ok), "--dask", "tcp://127.0.0.1:9", "--out", str(out),
                 "--quiet"]) == 2
    assert time.perf_counter() - t0 < 30
    assert "cannot reach a Dask scheduler" in capsys.readouterr().err
    assert not out.exists()  # nothing started


# ---------------------------------------------------------------------- executors
def _frames(out: Path) -> pd.DataFrame:
    m = read_table(out, "metrics").sort_values(["run_id", "day"]).reset_index(drop=True)
    return m[sorted(m.columns)]


def test_pool_and_dask_give_identical_results(tmp_path):
    from distributed import Client, LocalCluster

    spec = parse_spec(tiny({"platform.posting_cap": [0, 2]}, replicates=2))
    pool = run_sweep(spec, tmp_path / "pool", workers=2, progress=False)
    assert (pool.finished, pool.failed) == (4, 0)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        addr = cluster.scheduler_address
        with Client(cluster):
            dsk = run_sweep(spec, tmp_path / "dask", dask=addr, progress=False)
    assert (dsk.finished, dsk.failed) == (4, 0)
    a, b = _frames(tmp_path / "pool"), _frames(tmp_path / "dask")
    assert len(a) == 4 * 10
    pd.testing.assert_frame_equal(a, b)
    # the two replicates differ (the seeds matter) and the cap changes the ads posted
    r = read_table(tmp_path / "pool", "runs")
    assert r["seed"].nunique() == 2
    assert r.groupby("platform.posting_cap")["ads_posted"].sum().iloc[1] < \
        r.groupby("platform.posting_cap")["ads_posted"].sum().iloc[0]


def test_dataset_reads_with_pandas_pyarrow_duckdb(tmp_path):
    import duckdb
    import pyarrow.dataset as ds

    spec = parse_spec(tiny({"users.p_report": [0.1, 0.2]}, replicates=2))
    run_sweep(spec, tmp_path, inline=True, progress=False)
    p = pd.read_parquet(tmp_path / "metrics")
    assert len(p) == 4 * 10 and p["run_id"].nunique() == 4
    t = ds.dataset(tmp_path / "runs", format="parquet", partitioning="hive").to_table()
    assert t.num_rows == 4 and {"run_id", "point", "gmv", "users.p_report"} <= set(
        t.schema.names)
    con = duckdb.connect()
    n, runs = con.execute(
        f"select count(*), count(distinct run_id) from read_parquet("
        f"'{tmp_path}/agents/**/*.parquet', hive_partitioning = true)").fetchone()
    assert runs == 4 and n >= 4
    pts = con.execute(
        f"select point, count(*) from read_parquet('{tmp_path}/runs/**/*.parquet', "
        f"hive_partitioning = true) group by point order by point").fetchall()
    assert [c for _, c in pts] == [2, 2]
    design = json.loads((tmp_path / "sweep.json").read_text())
    assert len(design["revisions"]) == 1 and len(design["runs"]) == 4
    assert design["versions"]["mesa"].startswith("3.") and "numpy" in design["versions"]
    run_sweep(spec, tmp_path, inline=True, progress=False)  # nothing to do: no new revision
    assert json.loads((tmp_path / "sweep.json").read_text())["revisions"] == design["revisions"]


def test_failing_run_is_recorded_and_sweep_goes_on(tmp_path):
    # graph.mean_degree >= n_people passes parameter validation but fails at graph build
    spec = parse_spec(tiny({"graph.mean_degree": [10, 400]}, replicates=2))
    res = run_sweep(spec, tmp_path, inline=True, progress=False)
    assert (res.finished, res.failed) == (2, 2)
    failed = read_manifest(tmp_path, "failed")
    assert len(failed) == 2
    assert all("GraphError" in e and "mean_degree" in e for e in failed["error"])
    assert all(v["graph.mean_degree"] == 400 for v in failed["values"])
    assert all("Traceback" in t for t in failed["traceback"])
    assert len(read_table(tmp_path, "runs")) == 2


def _check_exactly_once(out: Path, n_runs: int, days: int) -> None:
    done = read_manifest(out)
    assert len(done) == n_runs and done["run_id"].is_unique
    runs = read_table(out, "runs")
    assert len(runs) == n_runs and runs["run_id"].is_unique
    m = read_table(out, "metrics")
    assert (m.groupby("run_id").size() == days).all() and m["run_id"].nunique() == n_runs
    assert not list(out.rglob("*.tmp"))


def test_killed_worker_then_resume_runs_everything_once(tmp_path, monkeypatch):
    spec = parse_spec(tiny({"platform.posting_cap": [0, 1, 2]}, replicates=2))
    marker = tmp_path / "killed-once"
    monkeypatch.setenv(KILL_ENV, str(marker))
    out = tmp_path / "sweep"
    with pytest.raises(SweepInterrupted, match="rerun the same command"):
        run_sweep(spec, out, workers=2, progress=False)
    assert marker.exists()
    first = finished_runs(out)
    assert len(first) < 6
    res = run_sweep(spec, out, workers=2, progress=False)
    assert res.skipped == len(first) and res.finished == 6 - len(first)
    _check_exactly_once(out, 6, 10)
    again = run_sweep(spec, out, workers=1, progress=False)
    assert (again.skipped, again.finished) == (6, 0)
    _check_exactly_once(out, 6, 10)


def test_interrupt_then_same_command_resumes(tmp_path):
    toml = write_toml(tmp_path / "s.toml", '"users.p_report" = [0.05, 0.1, 0.2, 0.3]',
                      replicates=3)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(toml), "--out", str(out),
           "--workers", "1", "--quiet"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(finished_runs(out)) < 2 and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    _, err = proc.communicate(timeout=60)
    n_first = len(finished_runs(out))
    if proc.returncode == 0:  # pragma: no cover - finished before the interrupt landed
        pytest.skip("the sweep finished before the interrupt")
    assert proc.returncode == 130, err.decode()
    assert 2 <= n_first < 12
    rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{12 - n_first} finished, 0 failed, {n_first} already done" in rerun.stdout
    _check_exactly_once(out, 12, 10)


def test_other_base_scenario_in_same_folder_is_refused(tmp_path):
    spec = parse_spec(tiny({"platform.posting_cap": [0]}, replicates=1))
    run_sweep(spec, tmp_path, inline=True, progress=False)
    other = with_overrides(spec.scenario, {"graph.n_people": 250})
    with pytest.raises(ScenarioError, match="different base scenario"):
        run_sweep(parse_spec(other), tmp_path, inline=True, progress=False)
    manifest = json.loads((tmp_path / "sweep.json").read_text())
    assert manifest["replicates"] == 1


def test_resuming_with_other_code_warns_and_records_both_revisions(tmp_path, monkeypatch):
    """Finished runs are kept, but a user is told the results will mix code revisions."""
    import sim.runner

    spec = parse_spec(tiny({"platform.posting_cap": [0, 3]}, replicates=1))
    run_sweep(spec, tmp_path, inline=True, progress=False)
    first = json.loads((tmp_path / "sweep.json").read_text())["revisions"]
    next(iter(sorted((tmp_path / "done").iterdir()))).unlink()  # one run to redo
    monkeypatch.setattr(sim.runner, "git_revision", lambda: "0" * 40)
    with pytest.warns(UserWarning, match="mix code revisions"):
        res = run_sweep(spec, tmp_path, inline=True, progress=False)
    assert res.finished == 1
    assert json.loads((tmp_path / "sweep.json").read_text())["revisions"] == first + ["0" * 40]
