"""Scaling benchmark: the default scenario at 10k, 100k and 1M people (mean 100 friends).

Each size runs in its own subprocess so that its peak resident memory (the
kernel's high-water mark, ``VmHWM`` in ``/proc/self/status``, or
``ru_maxrss`` elsewhere) is its own. For each size it prints the friend-graph
build time, the model set-up time, seconds per simulated day, the year total
(graph + set-up + 365 days, or the days asked for), the peak memory, and the
process CPU time (what the run costs on an idle machine; the wall clock also
counts time lost to other processes on a shared machine), the 1-minute load
average before and after, and the ratio to a *floor*: the time of the least
work any implementation of a day must do at that size (draw who opens
Moments, one binomial draw for each tie that carries posts that day, one
read-modify-write of the annoyance of every seller tie), measured in the
same process on the same arrays.

On ``--backend cupy`` the clock is read after the GPU has finished
(``sim.backend.synchronize``), peak memory is the host's, and the GPU's is
reported as the bytes CuPy's memory pool holds at the end (its high-water
mark: freed blocks stay in the pool). On ``--backend strict`` (the CPU
emulation of a GPU's arrays) it also prints the device-to-host reads and the
device operations a day: what a GPU pays a synchronisation or a kernel
launch for.

Usage::

    .venv/bin/python benchmarks/bench_scale.py              # 10k, 100k, 1M x 365 days
    .venv/bin/python benchmarks/bench_scale.py --quick      # 10k and 100k x 30 days
    .venv/bin/python benchmarks/bench_scale.py --sizes 100000 --days 365 --json out.json
    .venv/bin/python benchmarks/bench_scale.py --backend cupy --sizes 1000000 10000000  # a GPU
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB (VmHWM, else ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def floor_seconds_per_day(model: object, repeats: int = 5) -> float:
    """Time of the least work of one day at this size (see the module docstring).

    On the model's own backend and device (waiting for a GPU to finish).
    """
    import numpy as np

    from sim.backend import Draws, synchronize, to_device

    m = model
    xp = m.xp
    draws = Draws(xp, np.random.default_rng(0))
    t = m.sellers
    ads = to_device(xp, t.ads_today + t.life_today + t.group_ads_today)[m.state.st.slot]
    nz = xp.flatnonzero(ads)
    p = xp.full(nz.shape[0], 0.5)
    ann = m.ties.seller_annoyance.copy()
    best = float("inf")
    for _ in range(repeats):
        synchronize(xp)
        t0 = time.perf_counter()
        opened = draws.random(m.graph.n) < m.people.p_open
        k = draws.binomial(ads[nz], p)
        ann *= np.float32(0.85)
        ann[nz] += k.astype(xp.float32)
        synchronize(xp)
        best = min(best, time.perf_counter() - t0)
    del opened
    return best


def run_one(people: int, days: int, backend: str, seed: int) -> dict:
    """Build, set up and run one size in this process; return the measurements."""
    sys.path.insert(0, str(ROOT))
    from sim.backend import device_info, synchronize
    from sim.graph import build_graph
    from sim.model import SocialCommerceModel
    from sim.rng import stream
    from sim.scenario import default_scenario, with_overrides

    scn = with_overrides(default_scenario(), {
        "graph.n_people": people, "run.days": days, "run.seed": seed,
        "run.backend": backend})
    load0 = os.getloadavg()[0]
    c0, t0 = time.process_time(), time.perf_counter()
    g = build_graph(scn.graph, stream(seed, "graph"))
    t1 = time.perf_counter()
    graph_mb = peak_rss_mb()
    model = SocialCommerceModel(scn, graph=g)
    synchronize(model.xp)
    counts = None
    c2, t2 = time.process_time(), time.perf_counter()
    if backend == "strict":  # the emulation counts what a GPU would pay for per day
        from sim.strict_xp import counting

        with counting() as counts:
            model.run()
    else:
        model.run()
    synchronize(model.xp)
    c3, t3 = time.process_time(), time.perf_counter()
    df = model.metrics()
    return {
        "people": people, "ties": g.n_ties, "days": days, "backend": backend,
        "graph_s": t1 - t0, "init_s": t2 - t1, "run_s": t3 - t2,
        "s_per_day": (t3 - t2) / days, "total_s": t3 - t0,
        "cpu_s_per_day": (c3 - c2) / days, "cpu_total_s": c3 - c0,
        "load_avg": [load0, os.getloadavg()[0]],
        "peak_mb": peak_rss_mb(), "graph_peak_mb": graph_mb,
        "device": device_info(model.xp)["device"],
        "device_pool_mb": device_info(model.xp)["pool_bytes"] / 2**20,
        "device_reads_per_day": counts.reads / days if counts else None,
        "device_ops_per_day": counts.ops / days if counts else None,
        "floor_s_per_day": floor_seconds_per_day(model),
        "resellers_end": int(df["resellers_active"].iloc[-1]),
        "purchases": float(df["purchases"].sum()), "blocks": float(df["blocks"].sum()),
        "largest_component_end": float(df["largest_component_share"].iloc[-1]),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=None,
                    help="numbers of people (default 10000 100000 1000000)")
    ap.add_argument("--days", type=int, default=None, help="days to simulate (default 365)")
    ap.add_argument("--quick", action="store_true", help="10k and 100k people, 30 days")
    ap.add_argument("--backend", default="numpy", choices=("numpy", "cupy", "strict"),
                    help="array backend (cupy needs a CUDA GPU; strict is the CPU emulation)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="write all results to this JSON file")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    sizes = args.sizes or ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    days = args.days or (30 if args.quick else 365)
    if args.child:
        print(json.dumps(run_one(sizes[0], days, args.backend, args.seed)))
        return 0
    print(f"scsim scaling: default scenario, mean 100 friends, {days} days, backend "
          f"{args.backend}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    head = (f"{'people':>10} {'ties':>12} {'graph s':>8} {'init s':>7} {'s/day':>8} "
            f"{'run s':>8} {'total s':>8} {'cpu s/day':>9} {'cpu tot s':>9} {'peak MB':>8} "
            f"{'x floor':>8} {'load':>9}")
    print(head)
    results = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--child", "--sizes", str(n), "--days", str(days),
               "--backend", args.backend, "--seed", str(args.seed)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            print(f"{n:>10,} failed:\n{proc.stderr[-2000:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"{n:>10,} {r['ties']:>12,} {r['graph_s']:>8.2f} {r['init_s']:>7.2f} "
              f"{r['s_per_day']:>8.4f} {r['run_s']:>8.2f} {r['total_s']:>8.2f} "
              f"{r['cpu_s_per_day']:>9.4f} {r['cpu_total_s']:>9.2f} "
              f"{r['peak_mb']:>8.0f} {r['s_per_day'] / r['floor_s_per_day']:>8.1f} "
              f"{r['load_avg'][0]:>4.1f}-{r['load_avg'][1]:<4.1f}", flush=True)
        if r["device_reads_per_day"] is not None:
            print(f"{'':>10} device path: {r['device_reads_per_day']:.0f} reads (synchronisations)"
                  f" and {r['device_ops_per_day']:.0f} operations a day")
        if r["device_pool_mb"]:
            print(f"{'':>10} on {r['device']}: GPU memory pool {r['device_pool_mb']:,.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
