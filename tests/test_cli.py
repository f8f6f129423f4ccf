"""The ``scsim run`` command line: run folder, metadata, overrides, exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main, parse_set
from sim.metrics import METRICS
from sim.scenario import ScenarioError, load_scenario

SMALL_TOML = """\
name = "tiny"
description = "a small test town"

[run]
seed = 5
days = 6

[graph]
generator = "watts_strogatz"
n_people = 250
mean_degree = 12

[resellers]
initial_share = 0.05

[groups]
n_groups = 2
"""

RUN_FILES = ("config.toml", "metadata.json", "metrics.parquet", "agents.parquet",
             "people.parquet", "summary.png", "summary.txt")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.toml"
    p.write_text(SMALL_TOML, encoding="utf-8")
    return p


def _run(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = main(["run", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_run_writes_every_file(small: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture) -> None:
    out_dir = tmp_path / "out"
    code, out, err = _run([str(small), "--out", str(out_dir), "--quiet"], capsys)
    assert code == 0, err
    for name in RUN_FILES:
        assert (out_dir / name).is_file() and (out_dir / name).stat().st_size > 0, name
    # the printed summary is the saved one
    summary = (out_dir / "summary.txt").read_text(encoding="utf-8")
    assert summary in out and "scenario 'tiny': 250 people, 6 days, seed 5" in out
    assert (out_dir / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = pd.read_parquet(out_dir / "metrics.parquet")
    assert len(metrics) == 6
    assert set(METRICS) <= set(metrics.columns) and "day" in metrics.columns
    agents = pd.read_parquet(out_dir / "agents.parquet")
    assert {"reseller", "merchant"} <= set(agents["type"])
    assert {"seller_id", "profit", "reports", "friends_lost", "units_sold"} <= set(agents)
    people = pd.read_parquet(out_dir / "people.parquet")
    assert len(people) == 250
    assert {"purchases", "spent", "lost_to_counterfeits", "friends_lost"} <= set(people)
    # the saved config is the resolved scenario, and loads back to it
    assert load_scenario(out_dir / "config.toml") == load_scenario(small)


def test_metadata_fields(small: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out_dir = tmp_path / "meta"
    code, _, err = _run([str(small), "--out", str(out_dir), "--quiet", "--seed", "42"], capsys)
    assert code == 0, err
    meta = json.loads((out_dir / "metadata.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 42 and meta["days"] == 6 and meta["n_people"] == 250
    assert meta["scenario"] == "tiny"
    for pkg in ("python", "scsim", "mesa", "numpy", "networkx", "pandas", "pyarrow"):
        assert meta["versions"][pkg], pkg
    rev = meta["git_revision"]
    assert rev == "unknown" or len(rev.removesuffix("-dirty")) == 40
    assert meta["seconds"] >= 0
    assert load_scenario(out_dir / "config.toml").run.seed == 42


def test_revision_is_dirty_for_code_changes_not_for_docs(tmp_path: Path) -> None:
    """Reports written into docs/ while experiments run must not mark the code dirty."""
    import shutil
    import subprocess

    from sim.runner import git_revision

    if shutil.which("git") is None:
        pytest.skip("git is not installed")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                       cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "docs").mkdir()
    (tmp_path / "model.py").write_text("x = 1\n")
    (tmp_path / "docs" / "S1.md").write_text("report\n")
    (tmp_path / "README.md").write_text("readme\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "first")
    clean = git_revision(tmp_path)
    assert len(clean) == 40
    (tmp_path / "docs" / "S1.md").write_text("a new report\n")
    (tmp_path / "README.md").write_text("more\n")
    assert git_revision(tmp_path) == clean
    (tmp_path / "model.py").write_text("x = 2\n")
    assert git_revision(tmp_path) == clean + "-dirty"


def test_seed_days_people_flags(small: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture) -> None:
    out_dir = tmp_path / "flags"
    code, _, err = _run([str(small), "--out", str(out_dir), "--quiet", "--seed", "3",
                         "--days", "4", "--people", "200"], capsys)
    assert code == 0, err
    cfg = load_scenario(out_dir / "config.toml")
    assert (cfg.run.seed, cfg.run.days, cfg.graph.n_people) == (3, 4, 200)
    assert len(pd.read_parquet(out_dir / "metrics.parquet")) == 4
    assert len(pd.read_parquet(out_dir / "people.parquet")) == 200


def test_set_overrides(small: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out_dir = tmp_path / "set"
    code, _, err = _run([str(small), "--out", str(out_dir), "--quiet",
                         "--set", "platform.posting_cap=1", "--set", "merchants.segmentation=true",
                         "--set", "name=\"renamed\"", "--set", "users.p_open_mean=0.5"], capsys)
    assert code == 0, err
    cfg = load_scenario(out_dir / "config.toml")
    assert cfg.platform.posting_cap == 1 and cfg.merchants.segmentation is True
    assert cfg.name == "renamed" and cfg.users.p_open_mean == 0.5
    m = pd.read_parquet(out_dir / "metrics.parquet")
    agents = pd.read_parquet(out_dir / "agents.parquet")
    resellers = agents[agents["type"] == "reseller"]
    assert (resellers["ads_posted"] <= 6).all()  # at most 1 a day for 6 days
    assert m["ads_posted"].max() <= len(resellers)


def test_parse_set() -> None:
    assert parse_set(["a.b=3", "c.d=0.5", "e.f=true", "g.h=word", "i.j=\"x=y\""]) == {
        "a.b": 3, "c.d": 0.5, "e.f": True, "g.h": "word", "i.j": "x=y"}
    with pytest.raises(ScenarioError, match="expected KEY=VALUE"):
        parse_set(["graph.n_people"])


def test_default_scenario_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(["--people", "500", "--days", "5", "--quiet"], capsys)
    assert code == 0, err
    out_dir = tmp_path / "runs" / "default-seed20141010"  # runs/NAME-seedSEED
    for name in RUN_FILES:
        assert (out_dir / name).is_file(), name
    cfg = load_scenario(out_dir / "config.toml")
    assert cfg.name == "default" and cfg.graph.n_people == 500 and cfg.run.days == 5
    assert cfg.groups.n_groups == 10  # from the embedded default.toml, not the class defaults
    assert "scenario 'default': 500 people, 5 days" in out


# ---------------------------------------------------------------- bad input: exit code 2
@pytest.mark.parametrize(
    ("toml", "needles"),
    [
        ("[users]\np_open_mean = 1.5\n", ["users.p_open_mean = 1.5", "less than or equal to 1"]),
        ("[graph]\nn_people = -5\n", ["graph.n_people = -5", "greater than or equal to 2"]),
        ("[graph]\nn_peple = 300\n", ["'graph.n_peple'", "300", "n_people"]),
        ("[run]\ndays = \"ten\"\n", ["run.days = 'ten'", "number"]),
        ("[platform]\npolicy = \"ban_all\"\n", ["platform.policy = 'ban_all'", "threshold_ban"]),
        ("[users]\nshare_muter = 0.9\n", ["share_muter", "must equal 1"]),
        ("[graph\nn_people = 3\n", ["not valid TOML"]),
        ("[graph]\ngenerator = \"edgelist\"\nedgelist_path = \"nope.txt\"\n",
         ["nope.txt", "does not exist"]),
        ("[graph]\nn_people = 20\nmean_degree = 50\n",
         ["graph.mean_degree = 50", "graph.n_people = 20"]),
        ("[graph]\ngenerator = \"communities\"\nn_people = 200\nmean_degree = 6\n"
         "n_communities = 4\np_within = 1.0\nrequire_connected = true\n"
         "[resellers]\nfriends_median = 0.0\n",  # (marketing accounts would join them)
         ["graph.require_connected = true", "disconnected", "25.0%"]),
    ],
    ids=["probability", "negative", "unknown-key", "wrong-type", "bad-name", "shares",
         "not-toml", "missing-edgelist", "degree", "disconnected"],
)
def test_bad_scenario_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture, toml: str,
                                  needles: list[str]) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(toml, encoding="utf-8")
    code, out, err = _run([str(p), "--out", str(tmp_path / "o"), "--quiet"], capsys)
    assert code == 2
    assert err.startswith("scsim: error:")
    for needle in needles:
        assert needle in err, (needle, err)
    assert not (tmp_path / "o" / "metrics.parquet").exists()  # rejected before the run


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--people", "-5"], ["graph.n_people = -5"]),
        (["--days", "0"], ["run.days = 0"]),
        (["--set", "users.p_report=1.5"], ["users.p_report = 1.5"]),
        (["--set", "graph.n_peple=3"], ["'graph.n_peple'", "allowed here", "n_people"]),
        (["--set", "users.p_report"], ["expected KEY=VALUE"]),
        (["--set", "merchants.segmentation=1"], ["merchants.segmentation = 1", "true or false"]),
    ],
)
def test_bad_flags_exit_2(small: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                          args: list[str], needles: list[str]) -> None:
    code, _, err = _run([str(small), "--out", str(tmp_path / "o"), "--quiet", *args], capsys)
    assert code == 2
    for needle in needles:
        assert needle in err, (needle, err)


def test_missing_scenario_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = _run([str(tmp_path / "nope.toml"), "--quiet"], capsys)
    assert code == 2 and "does not exist" in err


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "--seed", "abc"])
    assert info.value.code == 2
    assert "--seed" in capsys.readouterr().err


def test_exit_code_2_from_a_real_process(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("[users]\np_open_mean = 1.5\n", encoding="utf-8")
    exe = Path(sys.executable).parent / "scsim"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sim.cli"]
    proc = subprocess.run([*cmd, "run", str(p), "--quiet"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "users.p_open_mean = 1.5" in proc.stderr


# ---------------------------------------------------------------- run folders (issue 13)
TINY_RUN = ["--people", "300", "--set", "graph.mean_degree=10", "--quiet"]


def _run_id(d: Path) -> tuple[int, int]:
    """(seed, days) of a run folder, checked to be the same in every file (never a mix)."""
    assert sorted(p.name for p in d.iterdir()) == sorted(RUN_FILES), sorted(d.iterdir())
    cfg = load_scenario(d / "config.toml")
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    days = len(pd.read_parquet(d / "metrics.parquet"))
    summary = (d / "summary.txt").read_text(encoding="utf-8")
    assert (meta["seed"], meta["days"]) == (cfg.run.seed, cfg.run.days) == (cfg.run.seed, days)
    assert f"{days} days, seed {cfg.run.seed}" in summary
    assert len(pd.read_parquet(d / "people.parquet")) == 300
    assert not pd.read_parquet(d / "agents.parquet").empty
    return cfg.run.seed, days


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.rglob("*")
                  if p.name.startswith(".") or p.name.endswith(".tmp"))


def test_rerun_refuses_then_overwrite_replaces_whole(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    d = tmp_path / "r"
    assert main(["run", *TINY_RUN, "--days", "2", "--seed", "1", "--out", str(d)]) == 0
    assert _run_id(d) == (1, 2)
    capsys.readouterr()
    t0 = time.perf_counter()
    assert main(["run", *TINY_RUN, "--days", "3", "--seed", "2", "--out", str(d)]) == 2
    assert time.perf_counter() - t0 < 5  # refused before the run
    assert "already holds a run" in capsys.readouterr().err and _run_id(d) == (1, 2)
    assert main(["run", *TINY_RUN, "--days", "3", "--seed", "2", "--out", str(d),
                 "--overwrite"]) == 0
    assert _run_id(d) == (2, 3)
    assert _leftovers(tmp_path) == []


def test_overwrite_never_replaces_a_folder_that_is_not_a_run(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    d = tmp_path / "mine"
    d.mkdir()
    (d / "thesis.tex").write_text("years of work", encoding="utf-8")
    assert main(["run", *TINY_RUN, "--days", "2", "--out", str(d), "--overwrite"]) == 2
    assert "not a run folder" in capsys.readouterr().err
    assert (d / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    # an empty folder is fine
    e = tmp_path / "empty"
    e.mkdir()
    assert main(["run", *TINY_RUN, "--days", "2", "--out", str(e)]) == 0
    assert _run_id(e)[1] == 2


def test_output_checked_before_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture) -> None:
    """`--out README.md` used to run the whole simulation, then lose it in a traceback."""
    import sim.runner

    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("readme\n", encoding="utf-8")
    ran = []
    monkeypatch.setattr(sim.runner, "run_scenario", lambda *a, **k: ran.append(1))
    for out in ("README.md", "README.md/sub", os.devnull):
        assert main(["run", "--people", "2000", "--days", "3", "--quiet", "--out", out]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and "--out" in err
    assert not ran
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_scenario_name_never_chooses_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture) -> None:
    from sim.runner import default_out, safe_name

    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    for name, expect in (("../../../elsewhere/escaped", "elsewhere-escaped"),
                         (str(tmp_path / "x"), safe_name(str(tmp_path / "x"))),
                         ("..", "run"), ("a b\n\tc", "a-b-c"), ("-rf", "rf")):
        s = load_scenario_from_text(work, f"name = {json.dumps(name)}\n")
        out = default_out(s)
        assert out.parent == Path("runs") and len(out.parts) == 2, out
        assert out.name == f"{expect}-seed{s.run.seed}"
    assert main(["run", *TINY_RUN, "--days", "2", "--set",
                 "name='../../../elsewhere/escaped'"]) == 0
    assert _run_id(work / "runs" / "elsewhere-escaped-seed20141010")[1] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # nothing outside runs/
    assert sorted(p.name for p in work.iterdir()) == ["named.toml", "runs"]
    assert sorted(p.name for p in (work / "runs").iterdir()) == [
        "elsewhere-escaped-seed20141010"]


def load_scenario_from_text(tmp: Path, text: str):
    p = tmp / "named.toml"
    p.write_text(text, encoding="utf-8")
    return load_scenario(p)


def test_version_prints_package_and_revision(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("scsim 0.") and "(git " in out
    rev = out.split("(git ", 1)[1].rstrip(")")
    assert rev == "unknown" or len(rev.removesuffix("-dirty")) == 40


def test_empty_town_warns_and_says_how_to_place_resellers(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import networkx as nx

    from sim.runner import run_scenario
    from sim.scenario import EmptyTownWarning, default_scenario, with_overrides

    s = with_overrides(default_scenario(), {"run.days": 2})
    with pytest.warns(EmptyTownWarning, match=r"rounds to 0 resellers.*initial_share to at "
                                              r"least 0\.0295"):
        run_scenario(s, graph=nx.karate_club_graph())
    code = main(["run", *TINY_RUN, "--days", "2", "--out", str(tmp_path / "e"), "--set",
                 "resellers.initial_share=0.001"])
    err = capsys.readouterr().err
    assert code == 0
    assert "scsim: warning: resellers.initial_share = 0.001 of 300 people rounds to 0" in err
    assert "Traceback" not in err and "UserWarning" not in err


# ---------------------------------------------------------------- killed runs
#: (signal, moment): "running" still simulating; "partial" the hidden folder has just
#: appeared; "files" three or more files are in it
KILL_MOMENTS = [("SIGKILL", "files"), ("SIGINT", "running"), ("SIGINT", "files"),
                ("SIGTERM", "partial")]


class _Child:
    """``scsim run --overwrite`` of seed 2, 3 days into ``d``, its stderr read as it comes."""

    def __init__(self, d: Path) -> None:
        import signal as sig
        import threading

        self.d = d
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "run", *TINY_RUN[:-1], "--days", "3", "--seed",
             "2", "--out", str(d), "--overwrite"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=lambda: sig.signal(sig.SIGINT, sig.SIG_DFL))
        self.err = b""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.sent = False

    def _read(self) -> None:
        while chunk := self.proc.stderr.read1(4096):
            self.err += chunk

    def at(self, moment: str) -> bool:
        """Whether the run has reached ``moment``."""
        partial = [p for p in self.d.parent.iterdir()
                   if p.name.startswith(f".{self.d.name}.partial-")]
        if moment == "running":
            return b"days:" in self.err and not partial
        if moment == "partial":
            return bool(partial)
        try:
            return bool(partial) and len(list(partial[0].iterdir())) >= 3
        except FileNotFoundError:
            return False


def test_a_killed_run_leaves_the_old_folder_or_the_new_one(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Kill `scsim run --overwrite` into a run folder at several moments, with SIGKILL,
    Ctrl-C and SIGTERM (the runs go on side by side): the folder is then the old run or
    the new one, whole; an interrupted run cleans up after itself; the hidden folder a
    SIGKILL leaves is removed by the next run into the same place."""
    import shutil
    import signal as sig

    from sim.runner import remove_stale

    old = tmp_path / "old"
    assert main(["run", *TINY_RUN, "--days", "2", "--seed", "1", "--out", str(old)]) == 0
    capsys.readouterr()
    children = {}
    for signame, moment in [*KILL_MOMENTS, ("SIGKILL", "files-first")]:
        parent = tmp_path / f"{signame}-{moment}"
        parent.mkdir()
        if moment != "files-first":  # else: the first run into the place
            shutil.copytree(old, parent / "run")
        children[signame, moment] = _Child(parent / "run")
    t0 = time.monotonic()
    while time.monotonic() - t0 < 240 and any(c.proc.poll() is None and not c.sent
                                              for c in children.values()):
        for (signame, moment), c in children.items():
            if not c.sent and c.proc.poll() is None and c.at(moment.removesuffix("-first")):
                c.proc.send_signal(getattr(sig, signame))
                c.sent = True
        time.sleep(0.0005)
    killed = 0
    for (signame, moment), c in children.items():
        c.proc.wait(timeout=60)
        c.reader.join(timeout=10)
        label = f"{signame} at {moment}: {c.err.decode(errors='replace')[-2000:]}"
        assert b"Traceback" not in c.err, label
        if moment == "files-first":
            assert not c.d.exists() or _run_id(c.d) == (2, 3), label
        else:
            assert _run_id(c.d) in ((1, 2), (2, 3)), label  # whole, old or new, never a mix
        if c.sent and c.proc.returncode != 0:
            killed += 1
            if signame != "SIGKILL":
                # 130, or death by SIGINT where CPython saw the interrupt pass through
                # code it runs from C (shells report both as 130)
                assert c.proc.returncode in (130, -2), label
                assert _leftovers(c.d.parent) == [], label  # cleaned up on the way out
        remove_stale(c.d)  # what the next run into this place does first
        assert _leftovers(c.d.parent) == [], label
    assert killed >= len(children) - 1  # at most one finished before its moment


# ---------------------------------------------------------------- output into a closed pipe
@pytest.mark.parametrize("args", [["--version"],
                                  ["run", *TINY_RUN, "--days", "2", "--out", "OUT"]])
def test_a_closed_pipe_ends_quietly(args: list[str], tmp_path: Path) -> None:
    """``scsim ... | head``: the reader goes away; scsim exits 141 (as a process killed by
    SIGPIPE) with nothing on stderr, not 'scsim: error: Broken pipe' or a traceback."""
    args = [str(tmp_path / "run") if a == "OUT" else a for a in args]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    r, w = os.pipe()
    os.close(r)  # the reader is gone before scsim writes a byte
    try:
        proc = subprocess.run([sys.executable, "-m", "sim.cli", *args], stdout=w,
                              stderr=subprocess.PIPE, text=True, env=env, timeout=300)
    finally:
        os.close(w)
    assert proc.stderr == ""
    assert proc.returncode == 141
    if "--out" in args:  # the run itself was done and written
        assert (tmp_path / "run" / "summary.txt").is_file()
