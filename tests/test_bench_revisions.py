"""The pure pieces of benchmarks/bench_revisions.py, and its errors, without long simulations."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_revisions.py"

_spec = importlib.util.spec_from_file_location("bench_revisions", SCRIPT)
br = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(br)


def test_abba_order_alternates_per_repeat():
    sizes = ((100, 3), (10, 6))
    order = br.abba_order(3, sizes)
    assert order == [
        (0, (100, 3), "before"), (0, (100, 3), "after"),
        (0, (10, 6), "before"), (0, (10, 6), "after"),
        (1, (100, 3), "after"), (1, (100, 3), "before"),
        (1, (10, 6), "after"), (1, (10, 6), "before"),
        (2, (100, 3), "before"), (2, (100, 3), "after"),
        (2, (10, 6), "before"), (2, (10, 6), "after"),
    ]
    # each side runs once per repeat and size; two repeats balance who goes first
    two = br.abba_order(2, sizes)
    firsts = [two[i][2] for i in range(0, len(two), 2)]
    assert firsts.count("before") == firsts.count("after")


def _fake(side, people, days, rep, s_per_day, peak, setup=1.0):
    return {"side": side, "people": people, "days": days, "repeat": rep,
            "s_per_day": s_per_day, "peak_mib": peak, "setup_s": setup,
            "run_cpu_s": s_per_day * days}


def test_summary_ratios_verdicts_and_table():
    ms = []
    for rep, (b, a) in enumerate([(0.010, 0.0105), (0.012, 0.0125), (0.011, 0.0116)]):
        ms += [_fake("before", 100, 3, rep, b, 400), _fake("after", 100, 3, rep, a, 500)]
        ms += [_fake("before", 10, 6, rep, 0.002, 100), _fake("after", 10, 6, rep, 0.0025, 99)]
    rows = br.summarise(ms, ((100, 3), (10, 6)))
    assert [(r["people"], r["side"]) for r in rows] == [
        (100, "before"), (100, "after"), (10, "before"), (10, "after")]
    big = rows[1]
    assert big["s_per_day"] == pytest.approx(0.0116)  # median of the after runs
    assert big["s_per_day_ratio"] == pytest.approx(0.0116 / 0.011)
    assert big["s_per_day_within"] == "yes"
    assert big["peak_mib_ratio"] == pytest.approx(1.25)
    assert big["peak_mib_within"] == "no"
    assert rows[3]["s_per_day_within"] == "no" and rows[3]["peak_mib_within"] == "yes"
    assert "s_per_day_ratio" not in rows[0]

    table = br.format_table(rows, {"before": "9901c2b", "after": "WORKTREE (9901c2b)"})
    lines = table.splitlines()
    assert len(lines) == 2 + 4
    assert all(line.count("|") == 10 for line in lines)
    assert "| 100 x 3 d | after: WORKTREE (9901c2b) | 0.0116 | 1.00 | 500 | 1.055 | yes " \
           "| 1.250 | no |" in table
    assert "| 10 x 6 d | after: WORKTREE (9901c2b) | 0.0025 | 1.00 | 99 | 1.250 | no " \
           "| 0.990 | yes |" in table

    pairs = br.paired_ratios(ms)
    assert len(pairs) == 6
    assert pairs[0]["s_per_day_ratio"] == pytest.approx(1.25)  # (0, 10, 6) sorts first
    notes = br.spread_notes(ms, ((100, 3), (10, 6)))
    assert notes[0].startswith("100 x 3 d: per-repeat s/day ratios 1.042 to 1.055; "
                               "best-of ratio 1.050")
    assert notes[1].endswith("CPU-time ratio of the run 1.250")
    assert "NOISY" not in notes[0]
    ms[0]["s_per_day"] = 0.02  # one pair's ratio 0.525: the spread says noise
    assert "NOISY" in br.spread_notes(ms, ((100, 3), (10, 6)))[0]


def test_verdict_threshold_and_parsers():
    assert br.verdict(1.10) == "yes" and br.verdict(0.5) == "yes"
    assert br.verdict(1.1001) == "no"
    assert br.parse_size("100000x30") == (100_000, 30)
    assert br.parse_size("10_000X60") == (10_000, 60)
    with pytest.raises(Exception, match="PEOPLExDAYS"):
        br.parse_size("100000")
    assert br.parse_child_output('noise\n{"a": 1}\nmore noise\n') == {"a": 1}
    with pytest.raises(ValueError):
        br.parse_child_output("no json here\n")


def _run_script(*args, env=None):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)


def test_nonexistent_revision_is_a_clean_error(tmp_path):
    out = tmp_path / "r.json"
    for flags in (["--before", "no-such-rev-q7z"], ["--after", "no-such-rev-q7z"]):
        proc = _run_script(*flags, "--json", str(out))
        assert proc.returncode == 2
        assert "no-such-rev-q7z" in proc.stderr and "does not exist" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_missing_git_is_a_clean_error(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # an empty folder: no git on PATH
    proc = _run_script("--json", str(tmp_path / "r.json"), env=env)
    assert proc.returncode == 2
    assert "git was not found" in proc.stderr and "Traceback" not in proc.stderr


def _fake_tree(tmp_path, run_body):
    pkg = tmp_path / "sim"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "model.py").write_text(
        "class SocialCommerceModel:\n"
        "    def __init__(self, seed=None, overrides=None):\n"
        "        self.overrides = overrides\n"
        "    def run(self):\n"
        f"        {run_body}\n")
    return tmp_path


def test_child_imports_the_trees_sim_not_the_editable_install(tmp_path):
    tree = _fake_tree(tmp_path, "return self")
    res = br.measure(tree, (10, 2), 1, "fake")
    assert Path(res["sim_file"]).resolve() == (tree / "sim" / "__init__.py").resolve()
    assert (res["people"], res["days"], res["seed"]) == (10, 2, 1)
    assert res["peak_mib"] > 0 and res["s_per_day"] >= 0


def test_failing_child_reports_its_stderr(tmp_path):
    tree = _fake_tree(tmp_path, "raise RuntimeError('boom in run')")
    with pytest.raises(br.BenchError) as err:
        br.measure(tree, (10, 2), 1, "after fake")
    assert err.value.status == 1
    assert "boom in run" in str(err.value) and "after fake" in str(err.value)
