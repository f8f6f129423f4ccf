"""Kill campaign: `scsim run --overwrite` into a run folder, killed at random moments.

The figures "kills survived" and "runs lost" of docs/reliability.md come from
this script. Each trial copies a finished run folder (seed 1, 2 days), starts
`scsim run --overwrite` of seed 2 for 3 days into it, and sends SIGKILL,
SIGINT or SIGTERM at one moment:

- ``delay``    a random time after the start (import, set-up, simulation, writing)
- ``partial``  as soon as the hidden ``.run.partial-*`` folder appears
- ``files``    once 1 to 7 files are in it
- ``gone``     as soon as it has disappeared (renamed into place; cleaning up)

Then the folder must be the old run or the new one, whole (every file from
one run: seed, days and rows agree), and after the cleanup the next run into
the same place makes (:func:`sim.runner.remove_stale`) no hidden folder or
temporary file may be left. Three trials run at a time.

Usage::

    PYTHONPATH=. python benchmarks/kill_campaign.py --trials 60 --seed 101
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.cli import main
from sim.runner import RUN_FILES, remove_stale
from sim.scenario import load_scenario

TINY = ["--people", "300", "--set", "graph.mean_degree=10", "--quiet"]


def run_id(d: Path) -> tuple | str:
    """(seed, days) of a whole run folder, else ``"mix"`` or ``"missing"``."""
    if not d.exists():
        return "missing"
    if sorted(p.name for p in d.iterdir()) != sorted(RUN_FILES):
        return "mix"
    cfg = load_scenario(d / "config.toml")
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    days = len(pd.read_parquet(d / "metrics.parquet"))
    whole = ((meta["seed"], meta["days"]) == (cfg.run.seed, cfg.run.days) == (cfg.run.seed, days)
             and f"seed {cfg.run.seed}" in (d / "summary.txt").read_text(encoding="utf-8")
             and len(pd.read_parquet(d / "people.parquet")) == 300)
    return (cfg.run.seed, days) if whole else "mix"


def campaign(trials: int, seed: int, signals: list[str], moments: list[str],
             root: Path) -> dict:
    old = root / "old"
    assert main(["run", *TINY, "--days", "2", "--seed", "1", "--out", str(old)]) == 0
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    pending = []
    for i in range(trials):
        parent = root / f"t{i}"
        parent.mkdir()
        shutil.copytree(old, parent / "run")
        pending.append(dict(i=i, parent=parent, sig=rng.choice(signals),
                            moment=rng.choice(moments), delay=rng.uniform(0.2, 12.0),
                            files=rng.randint(1, 7)))
    active, results = [], []
    while pending or active:
        while pending and len(active) < 3:
            t = pending.pop(0)
            t["proc"] = subprocess.Popen(
                [sys.executable, "-m", "sim.cli", "run", *TINY, "--days", "3", "--seed", "2",
                 "--out", str(t["parent"] / "run"), "--overwrite"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
            t.update(t0=time.monotonic(), sent=False, seen=False)
            active.append(t)
        for t in list(active):
            proc = t["proc"]
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace")
                d = t["parent"] / "run"
                rid = run_id(d)
                before = sorted(p.name for p in t["parent"].iterdir() if p.name != "run")
                remove_stale(d)
                after = sorted(p.name for p in t["parent"].iterdir() if p.name != "run")
                results.append(dict(sig=t["sig"], moment=t["moment"], sent=t["sent"],
                                    rc=proc.returncode, run=rid, traceback="Traceback" in err,
                                    left_before=before, left_after=after, err=err[-400:]))
                active.remove(t)
                continue
            if t["sent"]:
                continue
            partial = [p for p in t["parent"].iterdir() if p.name.startswith(".run.partial-")]
            t["seen"] = t["seen"] or bool(partial)
            m = t["moment"]
            if m == "delay":
                fire = time.monotonic() - t["t0"] > t["delay"]
            elif m == "partial":
                fire = bool(partial)
            elif m == "gone":
                fire = t["seen"] and not partial
            else:
                try:
                    fire = bool(partial) and len(list(partial[0].iterdir())) >= t["files"]
                except FileNotFoundError:
                    fire = False
            if fire:
                proc.send_signal(getattr(signal, t["sig"]))
                t["sent"] = True
        time.sleep(0.0005)
    killed = [r for r in results if r["sent"] and r["rc"] != 0]
    return {
        "trials": len(results),
        "killed": len(killed),
        "by_signal": {s: sum(r["sig"] == s for r in killed) for s in signals},
        "old_run_whole": sum(r["run"] == (1, 2) for r in results),
        "new_run_whole": sum(r["run"] == (2, 3) for r in results),
        "runs_lost": sum(r["run"] not in ((1, 2), (2, 3)) for r in results),
        "hidden_left_by_sigint_or_sigterm": sum(bool(r["left_before"]) for r in killed
                                                if r["sig"] != "SIGKILL"),
        "hidden_left_after_next_run": sum(bool(r["left_after"]) for r in results),
        "tracebacks": [r["err"] for r in results if r["traceback"]],
    }


def cli() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=60)
    p.add_argument("--seed", type=int, default=101)
    p.add_argument("--signals", default="SIGKILL,SIGINT,SIGTERM")
    p.add_argument("--moments", default="delay,partial,files,gone")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="scsim-kills-") as tmp:
        out = campaign(args.trials, args.seed, args.signals.split(","),
                       args.moments.split(","), Path(tmp))
    print(json.dumps(out, indent=2))
    return 0 if out["runs_lost"] == 0 and out["hidden_left_after_next_run"] == 0 else 1


if __name__ == "__main__":
    sys.exit(cli())
