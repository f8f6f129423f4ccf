"""Sweep throughput: runs a minute at 10,000 people and 90 days, 1 vs 2 local workers.

Usage::

    .venv/bin/python -m benchmarks.bench_sweep [--runs 12] [--workers 1 2] [--people 10000]

Each configuration runs a fresh sweep of ``--runs`` replicates of the
embedded default scenario (10,000 people, mean degree 100, 10 groups) cut
to 90 days, on a local process pool, into a temporary folder. Wall time
includes starting the worker processes (spawn) and writing the Parquet
files: it is what a user of ``scsim sweep`` waits for. Scaling efficiency
is ``throughput(w) / (w * throughput(1))``. On a shared machine the numbers
move with the other load: run it when the machine is quiet and report the
load average printed with the result.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from experiments.design import parse_spec
from experiments.sweep import run_sweep
from sim.scenario import default_scenario, with_overrides

__all__ = ["bench", "main"]


def bench(workers: int, runs: int, people: int, days: int, mean_degree: float | None = None
          ) -> dict[str, float]:
    """Time one sweep of ``runs`` runs on ``workers`` local processes.

    Returns
    -------
    dict
        ``workers``, ``runs``, ``seconds``, ``runs_per_minute``, ``mean_run_seconds``.
    """
    over = {"graph.n_people": people, "run.days": days}
    if mean_degree is not None:
        over["graph.mean_degree"] = mean_degree
    scn = with_overrides(default_scenario(), over)
    scn = with_overrides(scn, {"experiment": {"sweep": {"platform.posting_cap": [0]},
                                              "replicates": runs}})
    spec = parse_spec(scn)
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        t0 = time.perf_counter()
        res = run_sweep(spec, Path(tmp), workers=workers, progress=False)
        wall = time.perf_counter() - t0
        import pandas as pd

        secs = pd.read_parquet(Path(tmp) / "runs", columns=["seconds"])["seconds"]
    if res.failed:
        raise RuntimeError(f"{res.failed} runs failed; see the sweep folder")
    return {"workers": workers, "runs": runs, "seconds": wall,
            "runs_per_minute": 60 * runs / wall, "mean_run_seconds": float(secs.mean())}


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    """Run the benchmark and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=12)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=90)
    args = ap.parse_args(argv)
    print(f"sweep throughput: {args.runs} runs of {args.people:,} people x {args.days} days "
          f"(default scenario), cpu count {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")
    rows = [bench(w, args.runs, args.people, args.days) for w in args.workers]
    base = rows[0]["runs_per_minute"] / rows[0]["workers"]
    print("workers  wall s  runs/min  s/run in worker  efficiency")
    for r in rows:
        eff = r["runs_per_minute"] / (r["workers"] * base)
        r["efficiency"] = eff
        print(f"{r['workers']:>7}  {r['seconds']:6.1f}  {r['runs_per_minute']:8.1f}  "
              f"{r['mean_run_seconds']:15.2f}  {eff:10.0%}")
    print(f"load after: {os.getloadavg()[0]:.2f}")
    return rows


if __name__ == "__main__":
    main()
