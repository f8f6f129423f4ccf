"""The scenario library S1-S12, analysis and findings (issues 3 and 12)."""

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


NEW_PARAMS = {"S10": "resellers.seeding", "S11": "platform.counterfeit_report_weight",
              "S12": "purchase.social_proof"}


def _load_or_skip(eid: str):
    """The experiment's sweep spec; S10-S12 skip until issue 11 declares their parameters."""
    try:
        return parse_spec(load_scenario(resolve_scenario(eid)))
    except ScenarioError as exc:
        if eid in NEW_PARAMS and NEW_PARAMS[eid].split(".")[1] in str(exc):
            pytest.skip(f"{eid}: {NEW_PARAMS[eid]} is not declared yet (issue 11)")
        raise


@pytest.mark.parametrize("eid", EXPERIMENTS)
def test_scenario_files_state_question_claim_outputs(eid, output_names):
    path = resolve_scenario(eid)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    exp = raw["experiment"]
    assert exp["id"] == eid
    for key in ("question", "claim", "varies", "outputs", "decision", "evidence", "seeds"):
        assert exp[key], f"{eid}: experiment.{key} is empty"
    assert exp["replicates"] >= 10
    assert set(exp["varies"]) == (set(exp.get("sweep", {})) | ({"variant"} if exp.get(
        "variants") else set()))
    assert set(exp["outputs"]) <= output_names, set(exp["outputs"]) - output_names
    assert eid.upper() in CHECKS
    spec = _load_or_skip(eid)
    assert len(expand(spec)) >= 20


def test_resolve_scenario_errors():
    with pytest.raises(ScenarioError, match="neither a file nor an experiment id"):
        resolve_scenario("S13")


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
    # a non-negative output gets an interval that stays >= 0 (Student-t would not)
    counts = pd.DataFrame({"g": 0, "y": [0.0, 0.0, 0.0, 0.0, 9.0]})
    assert mean_ci(counts["y"])[1] < 0
    lo = summarize(counts, ["y"], by=["g"])["ci_low"].iloc[0]
    assert 0 <= lo < 1.8


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
    assert "Sobol sample size n = 4 is too small" in written["skipped"].read_text()
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


def _check_axes(fig) -> None:
    """Every panel of a figure has a y label with a unit in parentheses, and the figure has
    an x label (panels that share x label only the bottom one)."""
    axes = [ax for ax in fig.axes if not hasattr(ax, "_colorbar")
            and ax.get_label() != "<colorbar>"]
    assert axes
    for ax in axes:
        assert "(" in ax.get_ylabel() and ")" in ax.get_ylabel(), ax.get_ylabel()
    assert any(ax.get_xlabel() for ax in axes), [ax.get_title() for ax in axes]


def test_every_experiment_runs_checks_and_reports(tmp_path, monkeypatch):
    """All shipped experiments end to end at a tiny size (2 replicates, forced): the
    machinery, not the science; the verdicts at this size mean nothing. Every figure is
    checked for labelled axes with units before it is saved."""
    from matplotlib.figure import Figure

    save = Figure.savefig
    drawn = []

    def checked(fig, *a, **k):
        _check_axes(fig)
        drawn.append(a[0])
        return save(fig, *a, **k)

    monkeypatch.setattr(Figure, "savefig", checked)
    with pytest.raises(ScenarioError, match=r"replicates = 2: fewer than 5"):
        run_experiment("S9", replicates=2, data=tmp_path / "data", out=tmp_path / "docs",
                       overrides=SMALL, inline=True, progress=False)
    findings = []
    for eid in EXPERIMENTS:
        if eid in NEW_PARAMS:
            try:
                _load_or_skip(eid)
            except pytest.skip.Exception:
                continue
        f = run_experiment(eid, replicates=2, workers=1, data=tmp_path / "data",
                           out=tmp_path / "docs", overrides=SMALL, inline=True,
                           progress=False, force=True)
        findings.append(f)
        report = (tmp_path / "docs" / f"{eid}.md").read_text(encoding="utf-8")
        assert f"# {eid}:" in report and f"**Result: {f.result}.**" in report
        assert "| quantity | mean | 95% CI | n |" in report and "Forced run" in report
        assert f.result in ("held", "did not hold", "inconclusive")
        assert "Reproduce (at that revision): `scsim experiment " + eid in report
        assert "--force" in report and "graph.n_people=300" in report
        # the verdict follows the pre-registered rule, recomputed here from the sweep's runs
        scn = with_overrides(load_scenario(resolve_scenario(eid)), SMALL)
        if eid in EXPECTED:
            want = EXPECTED[eid](tmp_path / "data" / eid, scn)
            assert f.result == want, f"{eid}: {f.result}, the rule on the runs gives {want}"
        assert not f.table.empty and f.figures and f.parts
        for p in f.figures:
            assert Path(p).is_file() and Path(p).name in report
        assert len(read_table(tmp_path / "data" / eid, "runs")) == f.setup["runs"]
    assert len(drawn) >= len(findings)
    index = write_index(findings, tmp_path / "experiments.md")
    text = index.read_text(encoding="utf-8")
    assert all(f"[{f.id}](experiments/{f.id}.md)" in text for f in findings)
    assert "| evidence | pre-registered |" in text


# ------------------------------------------------------------------ verdicts, recomputed
# Each experiment's pre-registered rule applied to the runs table of its sweep, written
# again here without experiments.analysis or experiments.findings: a 95% Student-t
# interval of the finite values (none with fewer than 2) for differences, a percentile
# bootstrap (4,000 resamples, seed 0) for non-negative quantities, paired by replicate.
def _ci(x) -> tuple[float, float]:
    from scipy import stats

    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    if a.size < 2:
        return float("nan"), float("nan")
    h = stats.t.ppf(0.975, a.size - 1) * a.std(ddof=1) / np.sqrt(a.size)
    return float(a.mean() - h), float(a.mean() + h)


def _boot(x) -> tuple[float, float]:
    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    if a.size < 2:
        return float("nan"), float("nan")
    means = a[np.random.default_rng(0).integers(0, a.size, (4000, a.size))].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    return float(min(lo, a.mean())), float(max(hi, a.mean()))


def _v(ci: tuple[float, float], boundary: float, side: str) -> str:
    lo, hi = ci
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "inconclusive"
    if side == ">":
        return "held" if lo > boundary else "did not hold" if hi < boundary else "inconclusive"
    return "held" if hi < boundary else "did not hold" if lo > boundary else "inconclusive"


def _all(vs) -> str:
    vs = list(vs)
    return ("held" if all(v == "held" for v in vs) else
            "did not hold" if "did not hold" in vs else "inconclusive")


def _any(vs) -> str:
    vs = list(vs)
    return ("held" if "held" in vs else
            "did not hold" if all(v == "did not hold" for v in vs) else "inconclusive")


def _by_rep(runs: pd.DataFrame, mask, col: str) -> pd.Series:
    return runs[mask].set_index("replicate")[col]


def _held_s1(data: Path, scn) -> str:
    runs = read_table(data, "runs")
    fat = runs["purchase.fatigue"] if "purchase.fatigue" in runs else scn.purchase.fatigue
    at = runs[np.isclose(fat, scn.purchase.fatigue)]
    week, quarter = at["run.days"].min(), at["run.days"].max()

    def d(day, other):
        g = at[at["run.days"] == day]
        return _ci(g["revenue_flooder"] - g[f"revenue_{other}"])

    return _all([_all(_v(d(week, o), 0, ">") for o in ("mixer", "curated")),
                 _any(_v(d(quarter, o), 0, "<") for o in ("mixer", "curated"))])


def _held_s2(data: Path, scn) -> str:
    runs = read_table(data, "runs")
    ann = runs.get("merchants.annoyance_per_push", scn.merchants.annoyance_per_push)
    at = runs[np.isclose(ann, scn.merchants.annoyance_per_push)]
    k = at["merchants.pushes_per_day"]
    two = _by_rep(at, k == 2, "gmv_push")
    return _all(_v(_ci((two - _by_rep(at, k == o, "gmv_push")).dropna()), 0, ">")
                for o in (1, 4))


def _held_s5(data: Path, scn) -> str:
    runs = read_table(data, "runs")
    f = "resellers.counterfeit_share"
    hi, lo = runs[f] == runs[f].max(), runs[f] == runs[f].min()

    def paired(col: str) -> pd.Series:
        return (_by_rep(runs, hi, col) - _by_rep(runs, lo, col)).dropna()

    top = runs[hi]
    return _all([_v(_ci(paired("trust_resellers_m3")), 0, "<"),
                 _v(_ci(paired("conversion_m3")), 0, "<"),
                 _v(_ci(top["trust_resellers_m1"] - top["trust_resellers_m3"]), 0, ">"),
                 _v(_ci(top["conversion_m1"] - top["conversion_m3"]), 0, ">")])


def _held_s6(data: Path, scn) -> str:
    runs = read_table(data, "runs")
    vs = []
    for _, g in runs.groupby("groups.n_groups"):
        vs.append(_v(_ci(g["gmv_per_ad_groups"] - g["gmv_per_ad_moments"]), 0, ">"))
        vs.append(_v(_ci(g["gmv_per_ad_moments"] - g["gmv_per_push"]), 0, ">"))
    return _all(vs)


def _held_s7(data: Path, scn) -> str:
    runs = read_table(data, "runs")
    f = "purchase.trust_value_slope"
    at = runs[np.isclose(runs[f], scn.purchase.trust_value_slope)]
    return _v(_ci(at["trust_order_value_corr"]), 0, ">")


def _held_s8(data: Path, scn) -> str:
    runs = read_table(data, "runs")
    seg = runs["merchants.segmentation"].astype(bool)

    def paired(col: str) -> pd.Series:
        return (_by_rep(runs, seg, col) - _by_rep(runs, ~seg, col)).dropna()

    return _all([_v(_ci(paired("unfollows")), 0, "<"), _v(_ci(paired("gmv_per_push")), 0, ">")])


def _held_s9(data: Path, scn) -> str:
    runs = read_table(data, "runs")
    f = "users.p_background_unfriend"
    at = runs[np.isclose(runs[f], scn.users.p_background_unfriend)]
    return _v(_boot(at["share_blocks_resellers"]), 0.5, ">")


# S3's and S4's statistics (a bootstrap of a rank correlation, a peak month) are checked on
# constructed data in tests/test_prereg.py instead
EXPECTED = {"S1": _held_s1, "S2": _held_s2, "S5": _held_s5, "S6": _held_s6, "S7": _held_s7,
            "S8": _held_s8, "S9": _held_s9}


@pytest.mark.parametrize(("d_unfollows", "d_gmv", "want"),
                         [(-10.0, 0.5, "held"), (-10.0, -0.5, "did not hold"),
                          (-10.0, 0.0, "inconclusive"), (10.0, -0.5, "did not hold")])
def test_s8_verdict_follows_the_numbers(tmp_path, monkeypatch, d_unfollows, d_gmv, want):
    """Constructed runs, where segmentation shifts unfollows and GMV per push by a set
    amount (noise sd 1 and 0.05, 6 replicates: the paired CI half-width is about 1.05 and
    0.05), reach each of the three verdicts."""
    from experiments import findings

    rng = np.random.default_rng(0)
    reps = np.arange(6)
    rows = []
    for seg in (False, True):
        rows.append(pd.DataFrame({
            "replicate": reps, "merchants.segmentation": seg,
            "unfollows": 100 + (d_unfollows if seg else 0) + rng.normal(0, 1, reps.size),
            "gmv_per_push": 2 + (d_gmv if seg else 0) + rng.normal(0, 0.05, reps.size),
            "gmv_per_push_open": 5.0, "gmv_push": 1000.0}))
    runs = pd.concat(rows, ignore_index=True)
    monkeypatch.setattr(findings, "read_table", lambda *a, **k: runs.copy())
    monkeypatch.setattr(findings, "read_design",
                        lambda *a, **k: {"question": "q", "claim": "c", "scenario": {}})
    f = findings.check_s8(tmp_path, tmp_path)
    assert f.result == want
