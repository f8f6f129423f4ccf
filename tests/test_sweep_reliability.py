"""Sweeps that do not hurt: own files only, no orphans, verified resume, one sweep per folder
(issue 13, items 3-6, and the default sweep folder)."""

from __future__ import annotations

import functools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from experiments.analysis import analyze
from experiments.design import expand, parse_spec
from experiments.sweep import (
    LOCK_NAME,
    SweepLocked,
    _interrupts_at_safe_points,
    default_out,
    finished_runs,
    read_table,
    run_sweep,
    verify_runs,
)
from sim.cli import main
from sim.scenario import ScenarioError, default_scenario, load_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent
TINY = {"graph.n_people": 200, "graph.mean_degree": 10, "run.days": 5}


def write_toml(path: Path, name: str = "tiny", levels: str = "[0.05, 0.1]",
               replicates: int = 2) -> Path:
    path.write_text(f"""name = {json.dumps(name)}
[run]
days = 5
[graph]
n_people = 200
mean_degree = 10
[experiment]
replicates = {replicates}
[experiment.sweep]
"users.p_report" = {levels}
""", encoding="utf-8")
    return path


def tiny_spec(levels=(0.05, 0.1), replicates: int = 2):
    scn = with_overrides(default_scenario(), TINY)
    return parse_spec(with_overrides(scn, {"experiment": {
        "sweep": {"users.p_report": list(levels)}, "replicates": replicates}}))


@pytest.fixture
def inline_cli(monkeypatch):
    """`scsim sweep` running its runs in-process (the executors are tested elsewhere)."""
    import experiments.sweep

    monkeypatch.setattr(experiments.sweep, "run_sweep",
                        functools.partial(experiments.sweep.run_sweep, inline=True))


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# ---------------------------------------------------------------------- item 3
def test_sweep_touches_only_files_it_created(tmp_path, monkeypatch, inline_cli):
    """`scsim sweep ... --out .` used to delete every hidden *.tmp file below the folder."""
    toml = write_toml(tmp_path / "s.toml", replicates=1)
    spec = parse_spec(load_scenario(toml))
    rid = expand(spec)[0].run_id
    theirs = [tmp_path / ".editor-swap.tmp", tmp_path / "notes" / ".draft.tmp",
              tmp_path / "notes" / "deep" / f".{rid}.parquet.{dead_pid()}.tmp",
              tmp_path / "runs" / ".mine-not-scsim.tmp"]
    for p in theirs:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("keep me")
    ours = tmp_path / "runs" / f".{rid}.parquet.{dead_pid()}.tmp"  # left by a killed sweep
    ours.write_text("partial")
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(toml), "--out", ".", "--quiet"]) == 0
    assert all(p.read_text() == "keep me" for p in theirs)
    assert not ours.exists()
    assert len(read_table(tmp_path, "runs")) == 2


# ---------------------------------------------------------------------- item 4
def test_killing_the_main_process_by_any_signal_ends_its_workers(tmp_path):
    """SIGTERM, SIGINT and SIGKILL of a sweep's PID (not its process group) end its two
    workers and the resource tracker: three sweeps side by side, one per signal."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    toml = write_toml(tmp_path / "s.toml", levels="[0.05, 0.1, 0.2, 0.3]", replicates=10)
    procs = {}
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
        out = tmp_path / sig.name
        procs[sig] = (out, subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "sweep", str(toml), "--out", str(out),
             "--workers", "2", "--quiet"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True))
    children = {}
    deadline = time.time() + 150
    try:
        for sig, (out, proc) in procs.items():
            parent = psutil.Process(proc.pid)
            while time.time() < deadline and proc.poll() is None:
                kids = parent.children(recursive=True)
                # the resource tracker and two workers, which have finished a run
                if len(kids) >= 3 and finished_runs(out):
                    break
                time.sleep(0.1)
            assert proc.poll() is None, proc.communicate()[0].decode()[-2000:]
            children[sig] = parent.children(recursive=True)
            assert len(children[sig]) >= 3
            os.kill(proc.pid, sig)
        for _out, proc in procs.values():
            proc.wait(timeout=60)
        t0 = time.time()
        alive = []
        while time.time() - t0 < 10:
            alive = [k for kids in children.values() for k in kids
                     if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
            if not alive:
                break
            time.sleep(0.1)
        assert not alive, [(k.pid, k.cmdline()[-1][:60]) for k in alive]
    finally:
        for _out, proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for kids in children.values():
            for k in kids:
                if k.is_running():
                    k.kill()
    # scsim ends on SIGTERM as on Ctrl-C (sim.cli.main: exit status 130, nothing left behind)
    assert procs[signal.SIGTERM][1].returncode == 130
    assert procs[signal.SIGINT][1].returncode == 130
    assert procs[signal.SIGKILL][1].returncode == -signal.SIGKILL
    # a caught signal releases the lock; after SIGKILL it stays, to be taken over
    assert not (procs[signal.SIGTERM][0] / LOCK_NAME).exists()
    assert not (procs[signal.SIGINT][0] / LOCK_NAME).exists()
    assert (procs[signal.SIGKILL][0] / LOCK_NAME).exists()


def test_a_signal_during_the_pool_loop_is_raised_only_where_the_loop_checks():
    """Ctrl-C or SIGTERM while the pool runs must not raise inside a library call that
    holds locks (a sweep once ignored Ctrl-C that way): it is noted, raised by
    ``check()``, and one that comes after the last check is raised on leaving."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        before = signal.getsignal(sig)
        with pytest.raises(KeyboardInterrupt):
            with _interrupts_at_safe_points() as check:
                os.kill(os.getpid(), sig)
                time.sleep(0.05)  # a handler that raised would have raised by now
                reached = True
                check()
        assert reached
        assert signal.getsignal(sig) is before
        with pytest.raises(KeyboardInterrupt):  # noted after the last check
            with _interrupts_at_safe_points() as check:
                check()
                os.kill(os.getpid(), sig)
                time.sleep(0.05)
        with _interrupts_at_safe_points() as check:  # no signal, no interrupt
            check()


# ---------------------------------------------------------------------- item 5
def test_resume_verifies_finished_files_and_redoes_damaged_ones(tmp_path, capsys, inline_cli):
    """A truncated part.parquet used to count as done ("8 already done", exit 0)."""
    toml = write_toml(tmp_path / "s.toml", levels="[0.05, 0.1, 0.2]")
    out = tmp_path / "out"
    assert main(["sweep", str(toml), "--out", str(out), "--quiet"]) == 0
    ids = sorted(finished_runs(out))
    assert len(ids) == 6 and verify_runs(out, ids) == {}
    # damage three finished runs three ways
    runs_file = out / "runs" / f"{ids[0]}.parquet"
    runs_file.write_bytes(runs_file.read_bytes()[: runs_file.stat().st_size // 2])
    (out / "people" / f"{ids[1]}.parquet").unlink()
    agents = out / "agents" / f"{ids[2]}.parquet"  # same size, bytes flipped in the footer
    data = bytearray(agents.read_bytes())
    data[-12:-8] = b"\xff\xff\xff\xff"
    agents.write_bytes(bytes(data))
    bad = verify_runs(out, ids)
    assert set(bad) == set(ids[:3])
    with pytest.raises(ScenarioError, match="rerun the same `scsim sweep` command"):
        read_table(out, "runs")  # names the damage and what to do
    assert "bytes" in bad[ids[0]] and "missing" in bad[ids[1]]
    capsys.readouterr()
    assert main(["sweep", str(toml), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "3 finished, 0 failed, 3 already done; 3 of them redone" in text
    assert all(rid in text for rid in ids[:3])
    assert verify_runs(out, ids, checksum=True) == {}
    assert len(read_table(out, "runs")) == 6 and len(read_table(out, "people")) == 6 * 200
    analyze(out, figures=False)


# ---------------------------------------------------------------------- item 6
def test_a_second_sweep_into_a_folder_is_refused_with_the_holder_named(tmp_path, capsys):
    spec = tiny_spec(replicates=1)
    out = tmp_path / "out"
    out.mkdir()
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "started": "2030-01-01T00:00",
              "proc_start": None, "command": "scsim sweep"}
    (out / LOCK_NAME).write_text(json.dumps(holder))
    with pytest.raises(SweepLocked, match=rf"PID {os.getpid()} on host .*started 2030-01-01"):
        run_sweep(spec, out, inline=True, progress=False)
    assert not finished_runs(out) and (out / LOCK_NAME).exists()
    toml = write_toml(tmp_path / "s.toml", replicates=1)
    assert main(["sweep", str(toml), "--out", str(out), "--quiet"]) == 2
    assert "another sweep is writing into" in capsys.readouterr().err
    (out / LOCK_NAME).write_text(json.dumps(holder | {"host": "elsewhere"}))
    with pytest.raises(SweepLocked, match="host 'elsewhere'.*delete"):
        run_sweep(spec, out, inline=True, progress=False)


def test_a_stale_lock_is_taken_over_with_a_message_and_released(tmp_path):
    spec = tiny_spec(replicates=1)
    out = tmp_path / "out"
    out.mkdir()
    pid = dead_pid()
    (out / LOCK_NAME).write_text(json.dumps({"pid": pid, "host": socket.gethostname(),
                                             "started": "2020-05-05T05:05"}))
    said = []
    res = run_sweep(spec, out, inline=True, progress=False, log=said.append)
    assert res.finished == 2
    assert any("took over the lock" in m and f"PID {pid}" in m for m in said), said
    assert not (out / LOCK_NAME).exists()

    def boom(status):
        raise RuntimeError("stop")

    (out / "done" / f"{sorted(finished_runs(out))[0]}.json").unlink()  # one run to redo
    with pytest.raises(RuntimeError, match="stop"):
        run_sweep(spec, out, inline=True, progress=False, on_result=boom)
    assert not (out / LOCK_NAME).exists()  # released on an error too


# ---------------------------------------------------------------------- the default folder
@pytest.mark.parametrize("name, folder", [("../../escaped", "escaped"), ("/abs/x", "abs-x"),
                                          ("..", "run")])
def test_default_sweep_folder_stays_under_runs_sweeps(name, folder):
    assert default_out(name) == Path("runs") / "sweeps" / folder


def test_cli_default_folder_is_sanitised(tmp_path, monkeypatch, inline_cli):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    toml = write_toml(tmp_path / "s.toml", name="../../x", levels="[0.05]", replicates=1)
    monkeypatch.chdir(work)
    assert main(["sweep", str(toml), "--quiet"]) == 0
    assert len(read_table(work / "runs" / "sweeps" / "x", "runs")) == 1
    assert not (tmp_path / "x").exists() and not (work / "runs" / "x").exists()
