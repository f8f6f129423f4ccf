"""The parameter ensemble over the calibration's plausible region (issue 12, point 3)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2

from experiments import ensemble as ens
from experiments import prereg
from experiments.analysis import mean_ci
from experiments.cli import EXPERIMENTS
from experiments.findings import _fmt, run_experiment
from experiments.sweep import read_design, read_table

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "docs" / "experiments"


def _doc(objectives: list[float], targets: int = 2) -> dict:
    """A calibration file: trial i has objective objectives[i]; an integer-typed parameter
    (platform.report_threshold) stored as a float, a real one as an integer."""
    return {"__path__": "made-up/calibration.toml",
            "targets": {f"t{j}": {"target": 1.0, "scale": 1.0} for j in range(targets)},
            "trials": [{"trial": i, "phase": "tpe", "objective": o,
                        "misses": {f"t{j}": 0.0 for j in range(targets)},
                        "values": {"platform.report_threshold": 5.0 + i,
                                   "users.mute_threshold": 3}}
                       for i, o in enumerate(objectives)]}


# ---------------------------------------------------------------------- the region
def test_plausible_region_is_best_plus_the_chi2_quantile():
    q = chi2.ppf(0.95, 2)                                    # 5.991
    doc = _doc([30.0, 10.0 + q + 0.01, 12.0, 10.0, 10.0 + q - 0.01, 10.0 + q])
    region = ens.plausible_region(doc)
    assert [s.trial for s in region] == [3, 2, 4, 5]         # sorted by objective, bound kept
    assert [s.objective for s in region] == sorted(s.objective for s in region)
    assert ens.threshold(doc) == (pytest.approx(10.0 + q), 10.0, 2)
    v = region[0].values
    assert v["platform.report_threshold"] == 8 and isinstance(v["platform.report_threshold"],
                                                               int)
    assert isinstance(v["users.mute_threshold"], float)
    # the degrees of freedom are the number of targets: 7 targets widen the region
    assert len(ens.plausible_region(_doc([10.0, 20.0, 25.0], targets=7))) == 2
    assert len(ens.plausible_region(_doc([10.0, 20.0, 25.0], targets=2))) == 1


def test_calibration_without_trials_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "calibration.toml"
    path.write_text("[fit]\nbest_trial = 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"calibration.toml: no \[\[trials\]\]"):
        ens.plausible_region(ens.load_calibration(path))
    with pytest.raises(ValueError, match=r"made-up/calibration.toml: 1 trial\(s\) .* 3 are "
                                         "needed"):
        ens.plausible_region(_doc([10.0, 40.0]), need=3)
    with pytest.raises(ValueError, match=r"made-up/calibration.toml: 2 trial\(s\) .* 3 are needed"):
        ens.draw(_doc([10.0, 11.0, 40.0]), k=2, seed=0)     # the best is left out


def test_draw_is_deterministic_one_per_stratum_without_the_best():
    doc = _doc([10.0 + 0.1 * i for i in range(13)])          # 13 plausible, best = trial 0
    a = ens.draw(doc, k=4, seed=5, exclude_best=True)
    assert [s.trial for s in a] == [s.trial for s in ens.draw(doc, k=4, seed=5,
                                                              exclude_best=True)]
    assert 0 not in [s.trial for s in a]
    strata = np.array_split(np.arange(1, 13), 4)             # trials 1..12, by objective
    for s, stratum in zip(a, strata, strict=True):
        assert s.trial in stratum
    draws = {tuple(s.trial for s in ens.draw(doc, k=4, seed=sd, exclude_best=True))
             for sd in range(20)}
    assert len(draws) > 1                                    # the seed matters
    with_best = {ens.draw(doc, k=1, seed=sd, exclude_best=False)[0].trial for sd in range(60)}
    assert 0 in with_best


def test_the_preregistered_ensemble_reads_and_defaults_come_from_it():
    spec = ens.load_spec()
    assert spec["sets"] >= 2 and spec["replicates"] >= 2 and spec["exclude_best"] is True
    doc = ens.load_calibration()
    assert len(ens.draw(doc)) == spec["sets"]
    assert ens.draw(doc) == ens.draw(doc, spec["sets"], spec["draw_seed"])


# ---------------------------------------------------------------------- decomposition
K, R = 400, 2


def _tol_share(sigma_w: float) -> float:
    """4 SDs of the estimate of var(set means) when the set means are pure noise."""
    v = sigma_w ** 2 / R
    return 4 * v * np.sqrt(2 / (K - 1)) / sigma_w ** 2


def test_pure_replicate_noise_gives_a_share_near_zero():
    x = np.random.default_rng(1).normal(5.0, 2.0, (K, R))
    d = ens.anova(x)
    assert d.k == K and d.within_sd == pytest.approx(2.0, rel=4 / np.sqrt(K * (R - 1)))
    assert d.share <= _tol_share(2.0)
    # the same through decompose, from the set means and a known within-set SD
    assert ens.decompose(x.mean(axis=1), R, 2.0).share <= _tol_share(2.0)


def test_pure_parameter_effect_gives_a_share_near_one():
    rng = np.random.default_rng(2)
    x = rng.normal(0.0, 10.0, (K, 1)) + rng.normal(0.0, 0.1, (K, R))
    d = ens.anova(x)
    # parameter variance 100 +- 4 x 100 sqrt(2 / (K - 1)); within 0.01
    assert d.param_var == pytest.approx(100.0, rel=4 * np.sqrt(2 / (K - 1)))
    assert d.share >= 1 - 0.01 / (100 * (1 - 4 * np.sqrt(2 / (K - 1))))


def test_half_and_half_and_the_floor():
    rng = np.random.default_rng(3)
    k = 4000
    x = rng.normal(0.0, 1.0, (k, 1)) + rng.normal(0.0, 1.0, (k, R))
    assert ens.anova(x).share == pytest.approx(0.5, abs=4 * 2 * np.sqrt(2 / (k - 1)) / 2)
    d = ens.decompose([1.0, 1.1, 0.9], 2, 5.0)               # spread far below the noise
    assert d.param_var == 0.0 and d.share == 0.0 and d.between_sd == pytest.approx(0.1)
    assert np.isnan(ens.decompose([1.0], 2, 1.0).share)      # one set: nothing to split


def test_within_sd_from_a_t_interval_is_the_sample_sd():
    x = np.random.default_rng(4).normal(3.0, 1.5, 20)
    m, lo, hi, n = mean_ci(x)
    assert ens.within_sd_from_interval(lo, hi, n, "paired t") == pytest.approx(x.std(ddof=1))
    assert ens.within_sd_from_interval(lo, hi, n, "bootstrap") > x.std(ddof=1)  # z < t
    assert np.isnan(ens.within_sd_from_interval(float("nan"), float("nan"), 1))


# ---------------------------------------------------------------------- end to end, tiny
TINY = {"graph.n_people": 200, "graph.mean_degree": 8, "run.days": 35}


def test_s4_ensemble_end_to_end(tmp_path):
    """S4 sweeps two calibrated parameters with a level "default": each set runs at its own
    values, the views relabel them, the pooled check sees sets x replicates runs."""
    data, out = tmp_path / "data", tmp_path / "out"
    f = run_experiment("S4", replicates=2, data=data, out=out, overrides=TINY, inline=True,
                       progress=False, force=True, ensemble=2)
    sets = ens.draw(ens.load_calibration(), 2)
    default_pitch = read_design(data / "S4")["scenario"]["resellers"]["p_pitch"]
    assert all(s.values["resellers.p_pitch"] != default_pitch for s in sets)
    e = f.setup["ensemble"]
    assert e["sets"] == [s.trial for s in sets] and e["replicates"] == 2
    assert e["runs"] == 2 * 2 * 6 and e["resumed"] == 0
    for s in sets:
        folder = ens.set_folder(data, "S4", s)
        scn = read_design(folder)["scenario"]
        assert scn["users"]["mute_threshold"] == pytest.approx(s.values["users.mute_threshold"])
        runs = read_table(folder, "runs")
        assert sorted(runs["replicate"].unique()) == [0, 1]
        assert s.values["resellers.p_pitch"] in set(runs["resellers.p_pitch"])
        view = read_table(data / "S4" / "ensemble" / "views" / f"trial-{s.trial}", "runs")
        assert set(view["resellers.p_pitch"]) == {0.4, 0.8, default_pitch}
    pooled = read_table(data / "S4" / "ensemble" / "views" / "pooled", "runs")
    assert sorted(pooled["replicate"].unique()) == [0, 1, 2, 3] and len(pooled) == 24
    assert pooled["run_id"].is_unique
    report = (out / "S4.md").read_text(encoding="utf-8")
    assert "## Parameter uncertainty" in report and "(S4-ensemble.png)" in report
    assert (out / "S4-ensemble.png").is_file()
    assert "Verdict over the plausible region" in report
    assert "--ensemble 2" in f.setup["reproduce"]
    for s in sets:
        assert f"| {s.trial} | {s.objective:.1f} |" in report
    # again: every run reused, the same numbers
    g = run_experiment("S4", replicates=2, data=data, out=tmp_path / "out2", overrides=TINY,
                       inline=True, progress=False, force=True, ensemble=2)
    assert g.setup["ensemble"]["resumed"] == g.setup["ensemble"]["runs"]
    again = (tmp_path / "out2" / "S4.md").read_text(encoding="utf-8")
    table = re.compile(r"\| part \|.*?\n\n", re.S)
    assert table.search(again).group(0) == table.search(report).group(0)


def test_the_spread_is_computed_from_the_set_estimates(tmp_path):
    data = tmp_path / "data"
    f = run_experiment("S9", replicates=2, data=data, out=tmp_path / "out", overrides=TINY,
                       inline=True, progress=False, force=True, ensemble=None)
    res_sets = ens.draw(ens.load_calibration())
    from experiments.findings import check

    est = [check("S9", data / "S9" / "ensemble" / "views" / f"trial-{s.trial}",
                 tmp_path / "figs").parts[0].estimate for s in res_sets]
    report = (tmp_path / "out" / "S9.md").read_text(encoding="utf-8")
    row = next(ln for ln in report.splitlines() if ln.startswith("| `majority`"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] == _fmt(float(np.std(est, ddof=1)))
    assert cells[2] == "; ".join(f"{s.trial}: {_fmt(v)}" for s, v in zip(res_sets, est,
                                                                          strict=True))
    assert "--ensemble" not in f.setup["reproduce"] and "--no-ensemble" not in \
        f.setup["reproduce"]


# ---------------------------------------------------------------------- git order
CITE = re.compile(r"Ensemble pre-registration: commit `([0-9a-f]{40})`")


def _git(*args: str) -> str | None:
    return prereg.git(*args, cwd=ROOT)


@pytest.mark.parametrize("eid", EXPERIMENTS)
def test_ensemble_results_are_committed_after_the_ensemble_preregistration(eid):
    """A report whose "Parameter uncertainty" section cites experiments/ensemble.toml was
    committed after that commit, and the file has not changed since."""
    report = REPORTS / f"{eid}.md"
    if not report.is_file():
        pytest.skip(f"no committed report for {eid}")
    text = report.read_text(encoding="utf-8")
    m = CITE.search(text)
    if m is None:
        if "## Parameter uncertainty" in text:
            assert "Ensemble not pre-registered" in text, f"{eid}: cites no ensemble commit"
        pytest.skip(f"{eid}: no ensemble section citing a commit")
    if _git("rev-parse", "--git-dir") is None:
        pytest.skip("not a git checkout")
    problem = prereg.order_problem(f"docs/experiments/{eid}.md", "experiments/ensemble.toml",
                                   m.group(1), cwd=ROOT)
    assert problem is None, f"{eid}: {problem}"
