"""Pre-registered claims, three verdicts, guard rails and where runs write (issue 12)."""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import findings, prereg
from experiments.analysis import bootstrap_ci, combine, mean_ci, verdict
from experiments.cli import EXPERIMENTS
from experiments.design import check_sizes, parse_spec, sobol_min_n, sobol_size_problem
from sim.cli import main
from sim.scenario import ScenarioError, default_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "docs" / "experiments"
INDEX = ROOT / "docs" / "experiments.md"


# ---------------------------------------------------------------------- three verdicts
@pytest.mark.parametrize(("est", "lo", "hi", "b", "side", "want"), [
    (2.0, 1.0, 3.0, 0.0, ">", "held"),
    (-2.0, -3.0, -1.0, 0.0, ">", "did not hold"),
    (0.5, -1.0, 2.0, 0.0, ">", "inconclusive"),       # spans the boundary
    (1.0, 0.0, 2.0, 0.0, ">", "inconclusive"),        # touches it
    (-2.0, -3.0, -1.0, 0.0, "<", "held"),
    (2.0, 1.0, 3.0, 0.0, "<", "did not hold"),
    (0.1, -0.2, 0.4, 0.0, "<", "inconclusive"),
    (0.56, 0.53, 0.60, 0.5, ">", "held"),
    (0.56, 0.53, 0.60, 0.55, ">", "inconclusive"),
    (0.56, 0.53, 0.60, 0.65, ">", "did not hold"),
    (3.0, float("nan"), float("nan"), 0.0, ">", "inconclusive"),  # one replicate: no CI
])
def test_verdict_on_constructed_intervals(est, lo, hi, b, side, want):
    assert verdict(est, lo, hi, b, side) == want


def test_verdict_on_constructed_samples():
    """From samples through mean_ci: a clear effect, a clear opposite, noise around 0."""
    rng = np.random.default_rng(1)
    effect = rng.normal(5, 1, 20)
    assert verdict(*mean_ci(effect)[:3], 0, ">") == "held"
    assert verdict(*mean_ci(-effect)[:3], 0, ">") == "did not hold"
    noise = rng.normal(0, 1, 20)
    noise -= noise.mean()
    assert verdict(*mean_ci(noise)[:3], 0, ">") == "inconclusive"


def test_verdict_refuses_nonsense():
    with pytest.raises(ValueError, match="direction = '>='"):
        verdict(1, 0, 2, 0, ">=")
    with pytest.raises(ValueError, match="low > high"):
        verdict(1, 2, 0, 0, ">")
    with pytest.raises(ValueError, match="outside its interval"):
        verdict(5, 0, 2, 0, ">")


def test_combine_all_and_any():
    assert combine(["held", "held"]) == "held"
    assert combine(["held", "inconclusive"]) == "inconclusive"
    assert combine(["held", "did not hold", "inconclusive"]) == "did not hold"
    assert combine(["did not hold", "inconclusive"], "any") == "inconclusive"
    assert combine(["did not hold", "did not hold"], "any") == "did not hold"
    assert combine(["did not hold", "held"], "any") == "held"
    with pytest.raises(ValueError):
        combine(["partly held"])


# ---------------------------------------------------------------------- guard rails
def test_nonnegative_intervals_stay_nonnegative():
    x = [0.0, 0.0, 0.0, 0.0, 12.0]                 # a count, mostly zero
    assert mean_ci(x)[1] < 0                        # Student-t goes below zero
    m, lo, hi, n = mean_ci(x, nonneg=True)
    assert (m, n) == (2.4, 5) and 0 <= lo <= m <= hi <= 12
    assert bootstrap_ci([3.0, 3.0]) == (3.0, 3.0, 3.0, 2)
    assert bootstrap_ci(x) == bootstrap_ci(x)       # deterministic
    with pytest.raises(ValueError, match="negative"):
        mean_ci([1.0, -1.0], nonneg=True)


def _spec(**exp):
    scn = with_overrides(default_scenario(), {"graph.n_people": 200, "run.days": 5})
    return parse_spec(with_overrides(scn, {"experiment": exp}))


def test_fewer_than_five_replicates_refused_unless_forced():
    sp = _spec(sweep={"platform.posting_cap": [0, 1]}, replicates=4)
    with pytest.raises(ScenarioError, match=r"replicates = 4: fewer than 5 .*--force"):
        check_sizes(sp)
    check_sizes(sp, force=True)
    check_sizes(_spec(sweep={"platform.posting_cap": [0, 1]}, replicates=5))


def test_sobol_sizes_checked():
    rng = {"users.p_report": {"low": 0.05, "high": 0.3},
           "platform.posting_cap": {"low": 0, "high": 4}}
    assert sobol_min_n(2) == 64 and sobol_min_n(40) == 128
    assert sobol_size_problem(64, 2) is None
    assert "n = 48 is not a power of two" in sobol_size_problem(48, 2)
    small = _spec(sweep=rng, sample="sobol", n=8, replicates=5)
    with pytest.raises(ScenarioError, match=r"n = 8 is too small for 2 factor\(s\): use n >= 64"):
        check_sizes(small)
    check_sizes(small, force=True)                 # forced: a smoke test
    check_sizes(_spec(sweep=rng, sample="sobol", n=64, replicates=5))


def test_scsim_experiment_refuses_few_replicates(capsys):
    assert main(["experiment", "S9", "--replicates", "3", "--quiet"]) == 2
    assert "replicates = 3" in capsys.readouterr().err


def test_publish_refuses_a_forced_run(capsys):
    assert main(["experiment", "S9", "--replicates", "2", "--force", "--publish"]) == 2
    assert "never published" in capsys.readouterr().err


# ---------------------------------------------------------------------- pre-registration
@pytest.mark.parametrize("eid", EXPERIMENTS)
def test_every_experiment_is_preregistered(eid):
    exp = prereg.load(eid)
    d = prereg.decision(exp)
    assert exp["evidence"] in prereg.EVIDENCE and exp["evidence_note"] and exp["seeds"]
    assert d["rule"] and exp["replicates"] >= 10
    assert eid in findings.CHECKS


def test_evidence_status_of_the_old_claims():
    ev = {e: prereg.load(e)["evidence"] for e in EXPERIMENTS}
    assert {e for e, v in ev.items() if v == "held-out"} == {"S1", "S2", "S9"}
    assert ev["S7"] == "by construction" and ev["S8"] == "partly by construction"


def test_the_rule_is_read_from_the_preregistration(monkeypatch):
    """Changing the boundary in the pre-registration (and only there) changes the verdict."""
    exp = prereg.load("S9")
    stats = {"majority": (0.56, 0.53, 0.60, 20)}
    assert prereg.decide(exp, stats)[0] == "held"
    for boundary, want in ((0.55, "inconclusive"), (0.65, "did not hold")):
        exp["decision"]["parts"][0]["boundary"] = boundary
        assert prereg.decide(exp, stats)[0] == want
    with pytest.raises(ValueError, match="missing"):
        prereg.decide(prereg.load("S9"), {})


def test_preregistration_errors_are_named():
    exp = {"id": "X", "decision": {"rule": "r", "parts": [
        {"name": "a", "statistic": "s", "boundary": 0, "direction": "=>"}]}}
    with pytest.raises(ValueError, match="direction '=>'"):
        prereg.decision(exp)
    with pytest.raises(ValueError, match="no \\[experiment.decision\\]"):
        prereg.decision({"id": "X"})


def _git(*args: str) -> str | None:
    return prereg.git(*args, cwd=ROOT)


CITE = re.compile(r"Pre-registration: commit `([0-9a-f]{40})`")


@pytest.mark.parametrize("eid", EXPERIMENTS)
def test_reports_are_committed_after_their_preregistration(eid):
    """A report that cites its pre-registration was committed in a later commit than the
    pre-registration's last change, and the pre-registration has not changed since (the
    results never edited the rule). A report that cites none says it is not
    pre-registered, and so does its row of docs/experiments.md."""
    report = REPORTS / f"{eid}.md"
    if not report.is_file():
        pytest.skip(f"no committed report for {eid} yet")
    text = report.read_text(encoding="utf-8")
    m = CITE.search(text)
    if m is None:
        assert findings.NOT_PREREGISTERED in text, f"{eid}: cites no pre-registration"
        row = next((ln for ln in INDEX.read_text(encoding="utf-8").splitlines()
                    if ln.startswith(f"| [{eid}](")), "")
        assert "not pre-registered" in row.lower(), f"{eid}: index row lacks the flag"
        return
    if _git("rev-parse", "--git-dir") is None:
        pytest.skip("not a git checkout")
    cited = m.group(1)
    if _git("cat-file", "-e", f"{cited}^{{commit}}") is None:
        pytest.skip(f"commit {cited} is not in this clone (shallow?)")
    problem = prereg.order_problem(f"docs/experiments/{eid}.md",
                                   f"experiments/scenarios/{eid}.toml", cited, cwd=ROOT)
    assert problem is None, f"{eid}: {problem}"


def test_stale_reports_are_flagged_in_the_index():
    text = INDEX.read_text(encoding="utf-8")
    for eid in EXPERIMENTS:
        report = REPORTS / f"{eid}.md"
        if report.is_file() and not CITE.search(report.read_text(encoding="utf-8")):
            assert f"[{eid}](experiments/{eid}.md)" in text


# ---------------------------------------------------------------------- where runs write
TINY = ["--people", "200", "--set", "graph.mean_degree=8", "--set", "run.days=8"]


def test_experiment_writes_under_runs_and_its_reproduce_line_reproduces(tmp_path,
                                                                        monkeypatch):
    """`scsim experiment` writes under runs/ of the working directory, never docs/; the
    report's Reproduce line, run in a fresh directory, gives the same numbers."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    monkeypatch.chdir(a)
    before = sorted(p.stat().st_mtime_ns for p in REPORTS.iterdir())
    assert main(["experiment", "S9", "--replicates", "2", "--force", "--workers", "1",
                 "--quiet", *TINY]) == 0
    assert sorted(p.stat().st_mtime_ns for p in REPORTS.iterdir()) == before
    assert not (a / "docs").exists()
    report = (a / "runs" / "experiments" / "reports" / "S9.md").read_text(encoding="utf-8")
    assert (a / "runs" / "experiments" / "reports" / "S9.png").is_file()
    cmd = re.search(r"Reproduce \(at that revision\): `([^`]+)`", report).group(1)
    argv = shlex.split(cmd)
    assert argv[:3] == ["scsim", "experiment", "S9"]
    for opt in ("--replicates", "--people", "--force", "graph.mean_degree=8", "run.days=8"):
        assert opt in argv, opt
    monkeypatch.chdir(b)
    assert main([*argv[1:], "--workers", "1", "--quiet"]) == 0
    again = (b / "runs" / "experiments" / "reports" / "S9.md").read_text(encoding="utf-8")

    def numbers(t: str) -> str:
        return t[t.index("## Numbers"):t.index("## Figure")]

    assert numbers(again) == numbers(report)


# ---------------------------------------------------------------------- checks on made-up sweeps
def _fake(monkeypatch, tables: dict[str, pd.DataFrame], scenario: dict) -> None:
    monkeypatch.setattr(findings, "read_table",
                        lambda _d, table="runs", columns=None: tables[table].copy())
    monkeypatch.setattr(findings, "read_design",
                        lambda *a, **k: {"question": "q", "claim": "c", "scenario": scenario})


def _s1_runs(flip: bool) -> pd.DataFrame:
    """Flooders lead week 1 clearly. In the quarter mixers and curated sellers take turns
    being 30 RMB above flooders: against the best other strategy per replicate flooders
    always trail by 30, pairwise they do not trail on average (flip=True), or they trail
    both clearly (flip=False)."""
    rows = []
    rng = np.random.default_rng(3)
    for r in range(10):
        for days in (7, 90):
            fl = 100.0 + rng.normal(0, 1)
            if days == 7:
                mx, cu = 60.0 + rng.normal(0, 1), 50.0 + rng.normal(0, 1)
            elif flip:
                mx, cu = (fl + 30, fl - 30) if r % 2 else (fl - 30, fl + 30)
            else:
                mx, cu = fl + 30 + rng.normal(0, 1), fl + 20 + rng.normal(0, 1)
            rows.append({"replicate": r, "run.days": days, "purchase.fatigue": 0.1,
                         "revenue_flooder": fl, "revenue_mixer": mx, "revenue_curated": cu,
                         "profit_flooder": 1.0, "profit_mixer": 1.0, "profit_curated": 1.0,
                         "friends_lost_flooder": 3.0, "friends_lost_mixer": 1.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("flip", "want"), [(True, "inconclusive"), (False, "held")])
def test_s1_compares_strategies_pairwise(tmp_path, monkeypatch, flip, want):
    runs = _s1_runs(flip)
    best = runs[runs["run.days"] == 90]
    gap = best["revenue_flooder"] - best[["revenue_mixer", "revenue_curated"]].max(axis=1)
    assert verdict(*mean_ci(gap)[:3], 0, "<") == "held"   # the old best-of rule: "lose"
    _fake(monkeypatch, {"runs": runs}, {"purchase": {"fatigue": 0.1}})
    assert findings.check_s1(tmp_path, tmp_path).result == want


def _s3_runs(trade_off: bool) -> pd.DataFrame:
    """With trade_off, spam and GMV fall together along the caps and the higher thresholds
    are dominated; without, caps cut spam and raise GMV (rho near -1)."""
    rng = np.random.default_rng(4)
    rows = []
    for r in range(8):
        for i, thr in enumerate((2, 5, 10, 20)):
            for j, cap in enumerate((0, 1, 2, 4)):
                # caps cut spam; higher thresholds add a little spam and cost GMV (dominated)
                spam = 1000 - 50 * j + 5 * i + rng.normal(0, 2)
                gmv = (2000 - 100 * j - 20 * i if trade_off else 2000 + 70 * j) + rng.normal(0, 2)
                rows.append({"replicate": r, "platform.report_threshold": thr,
                             "platform.posting_cap": cap, "ads_seen": spam,
                             "gmv_resellers": gmv, "bans": 1.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("trade_off", "want"), [(True, "held"), (False, "did not hold")])
def test_s3_decides_from_bootstrap_intervals(tmp_path, monkeypatch, trade_off, want):
    _fake(monkeypatch, {"runs": _s3_runs(trade_off)}, {})
    f = findings.check_s3(tmp_path, tmp_path)
    assert f.result == want, [p.sentence() for p in f.parts]


def _s4_tables(saturates: bool) -> dict[str, pd.DataFrame]:
    runs, metrics, agents = [], [], []
    for combo, (pp, pa) in enumerate(((0.1, 0.02), (0.8, 0.1))):
        for r in range(6):
            rid = f"r{combo}{r}"
            runs.append({"run_id": rid, "replicate": r, "resellers.p_pitch": pp,
                         "resellers.p_accept": pa, "resellers_ever": 50.0,
                         "share_resellers_lost_money": 0.8})
            for day in range(120):
                month = day // 30
                rate = ((5, 20, 8, 2)[month] if saturates else (2, 4, 6, 8)[month]) / 30
                metrics.append({"run_id": rid, "replicate": r, "day": day,
                                "recruits": rate * (1 + 0.1 * (r % 3)),
                                "resellers_active": 10.0, "share_resellers_losing": 0.5})
            for k in (0, 0, 0, 0, 1, 2, 3, 5):
                agents.append({"run_id": rid, "replicate": r, "type": "reseller",
                               "recruits": k})
    return {"runs": pd.DataFrame(runs), "metrics": pd.DataFrame(metrics),
            "agents": pd.DataFrame(agents)}


@pytest.mark.parametrize(("saturates", "want"), [(True, "held"), (False, "did not hold")])
def test_s4_decides_and_reports_the_tree_shape(tmp_path, monkeypatch, saturates, want):
    _fake(monkeypatch, _s4_tables(saturates),
          {"resellers": {"p_pitch": 0.1, "p_accept": 0.02}})
    f = findings.check_s4(tmp_path, tmp_path)
    assert f.result == want
    assert "50% of resellers ever recruited nobody" in f.verdict
    assert "25% recruited three or more" in f.verdict
    assert (tmp_path / "S4-tree.png").is_file()


def _s10_tables(effect: float) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(5)
    runs, people = [], []
    for r in range(8):
        for v, shift in (("random", 0.0), ("degree", effect), ("list", 0.0)):
            rid = f"{v}{r}"
            buyers = int(100 + shift * 20 + rng.integers(-3, 4))
            runs.append({"run_id": rid, "replicate": r, "variant": v,
                         "gmv_resellers": 5000 + shift * 500 + rng.normal(0, 20),
                         "blocks_resellers": 40 + shift * 10 + rng.normal(0, 1)})
            people += [{"run_id": rid, "replicate": r, "purchases": int(i < buyers)}
                       for i in range(300)]
    return {"runs": pd.DataFrame(runs), "people": pd.DataFrame(people)}


@pytest.mark.parametrize(("effect", "want"), [(1.0, "held"), (-1.0, "did not hold"),
                                              (0.0, "inconclusive")])
def test_s10_check_on_constructed_sweeps(tmp_path, monkeypatch, effect, want):
    _fake(monkeypatch, _s10_tables(effect), {})
    f = findings.check_s10(tmp_path, tmp_path)
    assert f.result == want, [p.sentence() for p in f.parts]
    assert (tmp_path / "S10.png").is_file() and "degree minus random" in f.verdict


def _s11_runs(cut: float, gmv_loss: float) -> pd.DataFrame:
    rng = np.random.default_rng(6)
    rows = []
    for r in range(8):
        for w in (1, 5):
            for m in (1, 30):
                for t in (5, 15):
                    strict = (w == 5) + (m == 30) * 0.5 + (t == 5) * 0.5
                    rows.append({
                        "replicate": r, "platform.counterfeit_report_weight": w,
                        "platform.account_maturity_days": m, "platform.report_threshold": t,
                        "counterfeits_delivered": 200 - cut * strict + rng.normal(0, 2),
                        "gmv": 10000 * (1 - gmv_loss * strict) + rng.normal(0, 10),
                        "bans": 2.0 * strict})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("cut", "loss", "want"), [(50, 0.01, "held"), (50, 0.2, "did not hold"),
                                                   (-50, 0.01, "did not hold")])
def test_s11_check_on_constructed_sweeps(tmp_path, monkeypatch, cut, loss, want):
    _fake(monkeypatch, {"runs": _s11_runs(cut, loss)},
          {"platform": {"account_maturity_days": 30, "report_threshold": 15}})
    f = findings.check_s11(tmp_path, tmp_path)
    assert f.result == want, [p.sentence() for p in f.parts]
    assert (tmp_path / "S11.png").is_file()


def _s12_runs(sp: float, wom: float) -> pd.DataFrame:
    """Growth = 100 + the effects + noise shared by a replicate's word-of-mouth pair, and
    +-5 (alternating by replicate) when word of mouth is on: with wom = 0 its paired
    difference averages exactly 0."""
    rng = np.random.default_rng(7)
    rows = []
    for r in range(8):
        for s_on in (0.0, 0.2):
            noise = rng.normal(0, 5)
            for w_on in (0.0, 0.1):
                g = (100 + sp * (s_on > 0) + (wom + (5 if r % 2 else -5)) * (w_on > 0)
                     + noise)
                rows.append({"replicate": r, "purchase.social_proof": s_on,
                             "trust.p_recommend": w_on, "gmv_resellers_m1": 1000.0,
                             "gmv_resellers_m3": 1000.0 + g, "gmv_resellers": 3000.0 + g})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("sp", "wom", "want"), [(50, 50, "held"), (50, -50, "did not hold"),
                                                 (50, 0, "inconclusive")])
def test_s12_check_on_constructed_sweeps(tmp_path, monkeypatch, sp, wom, want):
    _fake(monkeypatch, {"runs": _s12_runs(sp, wom)},
          {"purchase": {"social_proof": 0.2}, "trust": {"p_recommend": 0.1}})
    f = findings.check_s12(tmp_path, tmp_path)
    assert f.result == want, [p.sentence() for p in f.parts]
    assert (tmp_path / "S12.png").is_file()


def test_new_scenarios_name_the_parameters_of_issue_11():
    raw = {e: tomllib.loads(prereg.path_of(e).read_text(encoding="utf-8"))["experiment"]
           for e in ("S10", "S11", "S12")}
    assert {v["resellers.seeding"] for v in raw["S10"]["variants"].values()} == {
        "random", "degree", "list"}
    assert len(raw["S10"]["variants"]["list"]["resellers.seed_labels"]) == 50
    assert set(raw["S11"]["sweep"]) == {"platform.counterfeit_report_weight",
                                        "platform.account_maturity_days",
                                        "platform.report_threshold"}
    assert set(raw["S12"]["sweep"]) == {"purchase.social_proof", "trust.p_recommend"}


def test_runs_older_than_the_preregistration_are_counted(tmp_path):
    if prereg.commit("S9") is None:
        pytest.skip("not a git checkout")
    done = tmp_path / "done"
    done.mkdir()
    old, new = done / "a.json", done / "b.json"
    old.write_text("{}")
    new.write_text("{}")
    os.utime(old, (0, 0))  # 1970: before any commit
    assert prereg.runs_before(tmp_path, "S9") == 1
    assert prereg.runs_before(tmp_path / "none", "S9") == 0


def test_order_problem_names_each_way_a_report_can_break_its_preregistration(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("no git")
    g = functools.partial(prereg.git, cwd=tmp_path)
    assert g("init", "-q") is not None
    g("config", "user.email", "t@example.org")
    g("config", "user.name", "t")

    def commit(path: str, text: str) -> str:
        (tmp_path / path).write_text(text, encoding="utf-8")
        g("add", path)
        g("commit", "-qm", path)
        return g("rev-parse", "HEAD")

    rule = commit("rule.toml", "claim = 1\n")
    assert "not committed" in prereg.order_problem("report.md", "rule.toml", rule,
                                                   cwd=tmp_path)
    commit("report.md", "results\n")
    assert prereg.order_problem("report.md", "rule.toml", rule, cwd=tmp_path) is None
    later = commit("rule.toml", "claim = 2\n")  # the rule edited after its results
    assert "changed after" in prereg.order_problem("report.md", "rule.toml", rule,
                                                   cwd=tmp_path)
    # a report that cites the later rule was produced before it
    assert "last change" in prereg.order_problem("report.md", "rule.toml", later,
                                                 cwd=tmp_path)
