"""``scsim calibrate``: a tiny real calibration, the objective, and the shipped fit."""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from experiments.calibrate import (
    CLAIMS,
    DOC_BEGIN,
    DOC_END,
    FITTED,
    TARGETS,
    _prior_value,
    calibrate,
    calibration_tables,
    objective,
    simulate,
    simulate_claims,
    target_misses,
    uncertain_parameters,
    write_calibration,
)
from sim.cli import main
from sim.params import parameter_table

TINY = {"people": 300, "days": 10, "replicates": 1}


@pytest.fixture(scope="module")
def tiny() -> object:
    return calibrate(3, seed=1, validate=1, **TINY)


def _claims(share: float = 0.566, gmv: dict | None = None, week: float = 0.2,
            quarter: float = -0.2) -> dict:
    return {"share_blocks_resellers": share,
            "push_gmv": gmv or {1: 50.0, 2: 100.0, 3: 80.0, 4: 60.0, 5: 40.0, 6: 20.0},
            "flooder_week1_lead": week, "flooder_quarter_lead": quarter}


def _fit(**over: float) -> dict:
    sim = {name: t.value for name, t in TARGETS.items()}
    return {**sim, **over}


def test_misses_are_zero_when_every_target_is_met() -> None:
    assert objective(_fit()) == 0.0
    assert objective(_claims(), CLAIMS) == 0.0
    assert all(v == 0.0 for v in target_misses(_claims(), CLAIMS).values())


def test_calibration_targets_and_claims_are_apart() -> None:
    """No claim an experiment tests is fitted: the objective never reads a claim."""
    assert not set(TARGETS) & set(CLAIMS)
    assert {"share_blocks_resellers", "push_optimum", "flooder_week1_lead",
            "flooder_quarter_lead"} == set(CLAIMS)
    with pytest.raises(KeyError):  # the default objective has no claim to read
        objective(_claims())


def test_each_miss_measures_its_target() -> None:
    m = target_misses(_claims(share=0.766), CLAIMS)
    assert m["share_blocks_resellers"] == pytest.approx(2.0)
    # 1 push a day sells the most: the miss is ln(best / GMV at 2) in units of 0.1
    m = target_misses(_claims(gmv={1: 201.0, 2: 100.0, 3: 1.0, 4: 1.0, 5: 1.0, 6: 1.0}), CLAIMS)
    assert m["push_optimum"] == pytest.approx(math.log(202 / 101) / 0.1)
    m = target_misses(_claims(week=-0.1, quarter=0.3), CLAIMS)
    assert m["flooder_week1_lead"] == pytest.approx(2.0)
    assert m["flooder_quarter_lead"] == pytest.approx(4.0)
    assert objective(_claims(week=-0.1, quarter=0.3), CLAIMS) == pytest.approx(20.0)
    # NaN (no reseller of a strategy) is a miss, not a silent pass
    assert target_misses(_claims(week=float("nan")), CLAIMS)["flooder_week1_lead"] == 10.0
    # the fitted targets: two-sided, and one-sided exposure
    m = target_misses(_fit(ladder_exit=0.63, flooder_exposure=0.6, reseller_prevalence=0.01))
    assert m["ladder_exit"] == pytest.approx(2.0)
    assert m["flooder_exposure"] == pytest.approx(2.0)
    assert m["reseller_prevalence"] == pytest.approx(-2.0)
    assert target_misses(_fit(flooder_exposure=0.99))["flooder_exposure"] == 0.0


def test_fitted_parameters_are_declared_uncertain_and_the_rest_are_not_calibrated() -> None:
    keys = [r["key"] for r in uncertain_parameters()]
    assert keys == list(FITTED) and len(keys) >= 5
    rows = {r["key"]: r for r in parameter_table()}
    assert all(rows[k]["uncertain"] is not None for k in keys)
    # a parameter outside the fit does not claim to be calibrated (its value is sourced)
    for key, row in rows.items():
        assert ("calibrated" in str(row["source"])) == (key in FITTED), key


def test_simulation_is_real_and_responds_to_parameters() -> None:
    base = simulate({}, seeds=[1], people=300, days=10)
    again = simulate({}, seeds=[1], people=300, days=10)
    assert base == pytest.approx(again, nan_ok=True)  # seeded
    assert base["runs"] == 2  # the calibration town and S2 at six pushes a day
    shares = [base[k] for k in ("ladder_exit", "ladder_mute", "ladder_ignore")]
    if base["ladder_viewers"]:
        assert sum(shares) == pytest.approx(1.0)
    assert 0 < base["reseller_prevalence"] < 1
    # annoying pushes and an easy unfollow lose more followers at six pushes a day
    harsh = simulate({"merchants.annoyance_per_push": 1.5, "merchants.unfollow_threshold": 2.0},
                     seeds=[1], people=300, days=10)
    assert harsh["followers_lost_high_rate"] > base["followers_lost_high_rate"]


def test_claims_are_real_and_respond_to_parameters() -> None:
    base = simulate_claims({}, seeds=[1], people=600, days=20)
    assert base["runs"] == 8  # S9, S1 and S2 at 1..6 pushes a day
    assert 0 <= base["share_blocks_resellers"] <= 1
    assert sum(base["push_gmv"].values()) > 0
    # far more background unfriending lowers the share of blocks that hit resellers
    churn = simulate_claims({"users.p_background_unfriend": 0.005}, seeds=[1], people=600,
                            days=20)
    assert churn["share_blocks_resellers"] < base["share_blocks_resellers"]


def test_objective_changes_when_targets_change(tiny: object) -> None:
    moved = calibrate(1, seed=1, targets={"reseller_prevalence": 0.5}, claims=False, **TINY)
    same_runs = moved.trials[0]["sim"] == pytest.approx(tiny.trials[0]["sim"], nan_ok=True)
    assert same_runs  # trial 0 = defaults, same seeds: the same simulations
    assert moved.trials[0]["objective"] != tiny.trials[0]["objective"]
    assert moved.trials[0]["misses"]["reseller_prevalence"] == pytest.approx(
        (tiny.trials[0]["sim"]["reseller_prevalence"] - 0.5) / 0.005)


def test_unknown_target_or_method_is_named() -> None:
    with pytest.raises(ValueError, match="unknown target 'nope'"):
        calibrate(1, targets={"nope": 1.0}, **TINY)
    with pytest.raises(ValueError, match="method = 'grid'"):
        calibrate(1, method="grid", **TINY)


def test_lhs_search_is_seeded_and_moves_away_from_the_defaults() -> None:
    a = calibrate(5, seed=2, method="lhs", **TINY)
    b = calibrate(5, seed=2, method="lhs", **TINY)
    assert [t["values"] for t in a.trials] == [t["values"] for t in b.trials]
    phases = [t["phase"] for t in a.trials]
    assert phases[0] == "defaults" and "lhs" in phases and phases[-1] == "step"
    lhs = phases.index("lhs")
    assert a.trials[lhs]["values"] != a.trials[0]["values"]


def test_search_keeps_the_best_trial(tiny: object) -> None:
    objs = [t["objective"] for t in tiny.trials]
    assert len(objs) == 3
    assert tiny.best["objective"] == min(objs)
    phases = [t["phase"] for t in tiny.trials]
    assert phases[0] == "defaults"
    priors = {r["key"]: _prior_value(r) for r in tiny.params}
    if priors != tiny.trials[0]["values"]:  # defaults were calibrated: priors are trial 1
        assert phases[1] == "prior" and tiny.trials[1]["values"] == priors
    assert set(phases[1:]) <= {"prior", "tpe"}
    assert tiny.holdout["sim"] != tiny.best["sim"]  # other seeds, other runs
    for r in tiny.params:
        v = tiny.final["values"][r["key"]]
        assert r["lo"] - 1e-9 <= v <= r["hi"] + 1e-9


def test_output_file_structure(tiny: object, tmp_path: Path) -> None:
    path = write_calibration(tiny, tmp_path / "cal.toml", seconds=1.0)
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert {"provenance", "fit", "targets", "parameters", "simulated", "trials",
            "validation", "claims"} <= set(doc)
    assert set(doc["validation"]) == {"prior", "fitted", "other_family"}
    assert set(doc["claims"]) == {"fit_seeds", "fresh_seeds", "other_family"}
    for c in doc["claims"].values():
        assert set(CLAIMS) <= set(c)
        assert all({"simulated", "miss", "met"} <= set(c[name]) for name in CLAIMS)
    assert doc["provenance"]["validation_seeds"] == [2001]
    assert set(doc["targets"]) == set(TARGETS)
    for t in doc["targets"].values():
        assert {"target", "source", "scenario", "definition", "simulated_final",
                "miss_final", "met_final", "miss_holdout"} <= set(t)
    assert set(doc["parameters"]) == {r["key"] for r in uncertain_parameters()}
    for p in doc["parameters"].values():
        assert {"fitted", "prior_default", "range", "constrained", "spearman_with_misses"} <= set(p)
        assert p["fitted"] == float(f"{p['fitted']:.4g}")  # what sim/params.py can hold
    assert len(doc["trials"]) == 3
    assert doc["fit"]["objective_final"] == pytest.approx(tiny.final["objective"])
    assert doc["provenance"]["replicates"] == 1


def test_cli_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "c.toml"
    rc = main(["calibrate", "--trials", "2", "--people", "300", "--days", "10",
               "--replicates", "1", "--quiet", "--out", str(out)])
    assert rc == 0
    assert "objective: defaults" in capsys.readouterr().out
    assert tomllib.loads(out.read_text(encoding="utf-8"))["provenance"]["trials"] == 2


def test_cli_rejects_bad_arguments() -> None:
    with pytest.raises(SystemExit):
        main(["calibrate", "--trials", "0"])
    assert main(["calibrate", "--trials", "1", "--people", "300", "--days", "5",
                 "--replicates", "1", "--quiet", "--out", "/dev/null"]) == 2


def test_shipped_calibration_is_what_the_defaults_use() -> None:
    """sim/data/calibration.toml and sim/params.py agree, with provenance."""
    text = resources.files("sim").joinpath("data/calibration.toml").read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    rows = {r["key"]: r for r in parameter_table()}
    assert set(doc["parameters"]) == {r["key"] for r in uncertain_parameters()}
    for key, p in doc["parameters"].items():
        row = rows[key]
        assert row["default"] == pytest.approx(p["fitted"], rel=1e-3), key
        assert "calibrated" in row["source"] and "docs/calibration.md" in row["source"], key
    # the fit quality is recorded per target, misses included
    for name in TARGETS:
        assert "miss_final" in doc["targets"][name]


def test_prior_is_read_from_the_source_text() -> None:
    row = {"source": "calibrated, docs/calibration.md (prior 0.85: LIT 4.1)", "default": 0.67,
           "integer": False}
    assert _prior_value(row) == 0.85
    assert _prior_value({"source": "F12", "default": 3.0, "integer": False}) == 3.0


def test_docs_tables_are_generated_from_the_shipped_file() -> None:
    doc = tomllib.loads(
        resources.files("sim").joinpath("data/calibration.toml").read_text(encoding="utf-8"))
    text = (Path(__file__).resolve().parent.parent / "docs" / "calibration.md").read_text(
        encoding="utf-8")
    block = text.split(DOC_BEGIN, 1)[1].split(DOC_END, 1)[0].strip()
    assert block == calibration_tables(doc).strip(), (
        "docs/calibration.md tables differ from sim/data/calibration.toml; regenerate with "
        "update_doc()")


def _calibrate_args(*argv: str):
    from sim.cli import build_parser

    return build_parser().parse_args(["calibrate", *argv])


def test_cli_default_output_is_under_runs_not_the_shipped_record(
        tiny: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    """A plain ``scsim calibrate`` writes runs/calibration/calibration.toml; only --publish
    (or --out naming it) replaces the shipped sim/data/calibration.toml."""
    import experiments.calibrate as cal

    shipped = cal.shipped_path()
    before = shipped.read_bytes()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cal, "calibrate", lambda *a, **k: tiny)
    assert main(["calibrate", "--trials", "1", "--quiet"]) == 0
    written = tmp_path / "runs" / "calibration" / "calibration.toml"
    assert "wrote runs/calibration/calibration.toml" in capsys.readouterr().out
    assert tomllib.loads(written.read_text(encoding="utf-8"))["provenance"]["trials"] == 3
    assert shipped.read_bytes() == before
    assert cal._out_path(_calibrate_args()) == Path("runs/calibration/calibration.toml")
    assert cal._out_path(_calibrate_args("--publish")) == shipped
    assert shipped == Path(__file__).resolve().parent.parent / "sim/data/calibration.toml"
    assert cal._out_path(_calibrate_args("--out", "x.toml")) == Path("x.toml")
    with pytest.raises(SystemExit):  # one or the other
        _calibrate_args("--publish", "--out", "x.toml")


def test_cli_help_names_a_real_target_and_refuses_a_claim() -> None:
    import re

    from sim.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    text = sub.choices["calibrate"].format_help()
    example = re.search(r"e\.g\. --target (\w+)=", " ".join(text.split())).group(1)
    assert example in TARGETS
    calibrate(1, targets={example: 0.5}, people=300, days=10, replicates=1, claims=False)
    with pytest.raises(ValueError, match="'share_blocks_resellers' is a held-out claim"):
        calibrate(1, targets={"share_blocks_resellers": 0.6}, claims=False)
    with pytest.raises(ValueError, match="ladder_exit = 'x': must be a finite number"):
        calibrate(1, targets={"ladder_exit": "x"}, claims=False)


def test_a_target_outside_what_it_can_be_is_refused_before_any_trial() -> None:
    with pytest.raises(ValueError, match=r"ladder_exit = 5: must be in \[0, 1\]"):
        calibrate(1, targets={"ladder_exit": 5}, claims=False)
    with pytest.raises(ValueError, match="must sum to 1"):
        calibrate(1, targets={"ladder_exit": 0.5}, claims=False)
    with pytest.raises(ValueError, match=r"flooders_per_feed_median = -1: must be in \[0, 5000\]"):
        calibrate(1, targets={"flooders_per_feed_median": -1}, claims=False)
