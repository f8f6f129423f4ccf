"""The scenario library S1-S9, analysis and findings (issue 3)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.analysis import analyze, mean_ci, sensitivity, summarize
from experiments.cli import EXPERIMENTS, resolve_scenario
from experiments.design import expand, parse_spec
from experiments.findings import CHECKS, run_experiment, write_index
from experiments.sweep import read_table, run_outputs, run_sweep
from sim.cli import main
from sim.model import SocialCommerceModel
from sim.scenario import ScenarioError, default_scenario, load_scenario, with_overrides

SMALL = {"graph.n_people": 300, "graph.mean_degree": 10, "run.days": 35}


@pytest.fixture(scope="module")
def output_names() -> set[str]:
    m = SocialCommerceModel(overrides={"graph.n_people": 200, "graph.mean_degree": 10,
                                       "run.days": 5, "groups.n_groups": 2})
    m.run()
    return set(run_outputs(m.metrics().reset_index(), m.seller_table()))


@pytest.mark.parametrize("eid", EXPERIMENTS)
def test_scenario_files_state_question_claim_outputs(eid, output_names):
    path = resolve_scenario(eid)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    exp = raw["experiment"]
    assert exp["id"] == eid
    for key in ("question", "claim", "varies", "outputs", "sweep"):
        assert exp[key], f"{eid}: experiment.{key} is empty"
    assert exp["replicates"] >= 20
    assert set(exp["varies"]) == set(exp["sweep"])
    assert set(exp["outputs"]) <= output_names, set(exp["outputs"]) - output_names
    spec = parse_spec(load_scenario(path))
    assert len(expand(spec)) >= 20
    assert eid.upper() in CHECKS


def test_resolve_scenario_errors():
    with pytest.raises(ScenarioError, match="neither a file nor an experiment id"):
        resolve_scenario("S10")


def test_mean_ci_matches_textbook():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    m, lo, hi, n = mean_ci(x)
    # t_{0.975,4} = 2.776, sd = 1.5811
    assert (m, n) == (3.0, 5)
    assert lo == pytest.approx(3 - 2.7764 * 1.5811 / np.sqrt(5), abs=1e-3)
    assert hi == pytest.approx(3 + 2.7764 * 1.5811 / np.sqrt(5), abs=1e-3)
    assert np.isnan(mean_ci([2.0])[1]) and mean_ci([np.nan])[3] == 0
    df = pd.DataFrame({"g": [0, 0, 1, 1], "y": [1.0, 3.0, 10.0, 10.0]})
    s = summarize(df, ["y"], by=["g"])
    assert s["mean"].tolist() == [2.0, 10.0] and s["ci_low"].iloc[1] == 10.0


def test_run_outputs_are_consistent():
    m = SocialCommerceModel(overrides={"graph.n_people": 300, "graph.mean_degree": 10,
                                       "run.days": 40, "groups.n_groups": 3})
    m.run()
    met = m.metrics().reset_index()
    out = run_outputs(met, m.seller_table())
    assert out["gmv"] == pytest.approx(met["gmv"].sum())
    assert out["resellers_active"] == met["resellers_active"].iloc[-1]
    assert out["share_blocks_resellers"] == pytest.approx(
        met["blocks_resellers"].sum() / met["blocks"].sum())
    assert out["conversion_m1"] == pytest.approx(
        met["purchases"][:30].sum() / met["ads_seen"][:30].sum())
    assert 0 <= out["share_resellers_lost_money"] <= 1


def test_analyze_grid_and_sobol(tmp_path, capsys):
    scn = with_overrides(default_scenario(), SMALL | {"run.days": 12})
    grid = with_overrides(scn, {"experiment": {
        "sweep": {"platform.posting_cap": [0, 1], "users.p_report": [0.1, 0.3]},
        "replicates": 2, "outputs": ["ads_seen", "gmv"]}})
    run_sweep(parse_spec(grid), tmp_path / "grid", inline=True, progress=False)
    assert main(["analyze", str(tmp_path / "grid")]) == 0
    ana = tmp_path / "grid" / "analysis"
    summ = pd.read_csv(ana / "summary.csv")
    assert len(summ) == 4 * 2 and {"mean", "ci_low", "ci_high", "n"} <= set(summ.columns)
    assert (summ["n"] == 2).all() and (summ["ci_low"] <= summ["mean"]).all()
    assert (ana / "timeseries.png").stat().st_size > 5000
    assert (ana / "heatmap_ads_seen.png").is_file()
    assert "summary:" in capsys.readouterr().out
    sob = with_overrides(scn, {"experiment": {
        "sweep": {"users.p_report": {"low": 0.05, "high": 0.3},
                  "platform.posting_cap": {"low": 0, "high": 4}},
        "replicates": 1, "sample": "sobol", "n": 4, "outputs": ["ads_seen"]}})
    run_sweep(parse_spec(sob), tmp_path / "sob", inline=True, progress=False)
    written = analyze(tmp_path / "sob", timeseries=["ads_seen"])
    idx = pd.read_csv(written["sensitivity"])
    assert list(idx["factor"]) == ["users.p_report", "platform.posting_cap"]
    assert {"S1", "ST", "S1_conf", "ST_conf"} <= set(idx.columns)
    assert written["sensitivity_png"].is_file()
    mor = with_overrides(sob, {"experiment.sample": "morris", "experiment.n": 3})
    run_sweep(parse_spec(mor), tmp_path / "mor", inline=True, progress=False)
    midx = pd.read_csv(analyze(tmp_path / "mor", figures=False)["sensitivity"])
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(midx.columns) and len(midx) == 2
    with pytest.raises(ValueError, match="need a sobol or morris sample"):
        sensitivity(tmp_path / "grid", ["ads_seen"])
    with pytest.raises(ValueError, match="unknown outputs"):
        analyze(tmp_path / "grid", outputs=["no_such_output"], figures=False)


def test_every_experiment_runs_checks_and_reports(tmp_path):
    """All nine experiments end to end at a tiny size (2 replicates): the machinery, not
    the science; the verdicts at this size mean nothing."""
    findings = []
    for eid in EXPERIMENTS:
        f = run_experiment(eid, replicates=2, workers=1, data=tmp_path / "data",
                           out=tmp_path / "docs", overrides=SMALL, inline=True,
                           progress=False)
        findings.append(f)
        report = (tmp_path / "docs" / f"{eid}.md").read_text(encoding="utf-8")
        assert f"# {eid}:" in report and "**Result: the claim" in report
        assert f.status_word() in report and "| quantity | mean | 95% CI | n |" in report
        assert f.held in (True, False, None)
        assert not f.table.empty and f.figures
        for p in f.figures:
            assert Path(p).is_file() and Path(p).name in report
        assert len(read_table(tmp_path / "data" / eid, "runs")) == f.setup["runs"]
    index = write_index(findings, tmp_path / "experiments.md")
    text = index.read_text(encoding="utf-8")
    assert all(f"[{e}](experiments/{e}.md)" in text for e in EXPERIMENTS)
