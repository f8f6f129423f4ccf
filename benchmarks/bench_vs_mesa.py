"""scsim against the idiomatic Mesa reference, in one process, on the same graph.

Runs the default scenario at 10,000 people (mean 100 friends) for ``--days``
days with scsim and with :mod:`benchmarks.mesa_reference` (every person a
``mesa.Agent`` with one Python ``step()``), and prints seconds per simulated
day of each and their ratio, plus the totals of both runs side by side. Both
models start from the same friend graph; graph building is timed apart.

A run's cost depends on what happens in it (how many resellers are
recruited, how many ties carry ads), so one seed can be a busy or a quiet
realisation for either model: ``--seeds`` (default 3) runs both on that many
seeds, each with its own graph, and the headline ratio pools them (summed
reference time over summed scsim time).

scsim's run is short (tens of milliseconds at 10,000 people), so one
descheduling on a shared machine moves it by a few percent: it is run
``--repeats`` times (a fresh model each time, same seed, so the same
results) and its median set-up and run times are used; the first run's time
is reported too. The reference runs once (seconds; its noise averages out).

Usage::

    .venv/bin/python benchmarks/bench_vs_mesa.py              # 10k people, 30 days, 3 seeds
    .venv/bin/python benchmarks/bench_vs_mesa.py --people 2000 --days 10 --cached
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.mesa_reference import run_reference  # noqa: E402
from sim.graph import build_graph  # noqa: E402
from sim.model import SocialCommerceModel  # noqa: E402
from sim.rng import stream  # noqa: E402
from sim.scenario import default_scenario, with_overrides  # noqa: E402

COLUMNS = ("ads_posted", "ads_seen", "mutes", "blocks", "reports", "purchases", "gmv",
           "recruits")


def compare(people: int, days: int, seed: int, cached: bool, repeats: int = 5) -> dict:
    """Time both models on one graph; return a dict of timings, ratios and totals."""
    scn = with_overrides(default_scenario(), {"graph.n_people": people, "run.days": days,
                                              "run.seed": seed})
    t0 = time.perf_counter()
    g = build_graph(scn.graph, stream(seed, "graph"))
    t1 = time.perf_counter()
    inits, runs = [], []
    for _ in range(max(1, repeats)):
        t2 = time.perf_counter()
        model = SocialCommerceModel(scn, graph=g)
        t3 = time.perf_counter()
        model.run()
        runs.append(time.perf_counter() - t3)
        inits.append(t3 - t2)
    df = model.metrics()
    out = {
        "people": people, "days": days, "ties": g.n_ties, "graph_s": t1 - t0,
        "scsim_init_s": statistics.median(inits), "scsim_run_s": statistics.median(runs),
        "scsim_first_run_s": runs[0], "scsim_runs_s": runs,
        "scsim_totals": {c: float(df[c].sum()) for c in COLUMNS},
    }
    variants = [("mesa", False)] + ([("mesa_cached", True)] if cached else [])
    for name, cache in variants:
        ref = run_reference(scn, g.indptr, g.indices, seed, days, cache_feed_load=cache)
        out[f"{name}_init_s"] = ref.init_seconds
        out[f"{name}_run_s"] = ref.run_seconds
        out[f"{name}_totals"] = {c: ref.totals[c] for c in COLUMNS}
        out[f"ratio_{name}_per_day"] = ref.run_seconds / out["scsim_run_s"]
        out[f"ratio_{name}_total"] = ((ref.init_seconds + ref.run_seconds)
                                      / (out["scsim_init_s"] + out["scsim_run_s"]))
    return out


def pooled(results: list[dict], name: str = "mesa") -> dict:
    """Ratios over several seeds: summed run (and set-up) times of the reference over scsim's."""
    ref_run = sum(r[f"{name}_run_s"] for r in results)
    ref_all = ref_run + sum(r[f"{name}_init_s"] for r in results)
    ours_run = sum(r["scsim_run_s"] for r in results)
    ours_all = ours_run + sum(r["scsim_init_s"] for r in results)
    return {"per_day": ref_run / ours_run, "total": ref_all / ours_all}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    ap.add_argument("--seeds", type=int, default=3,
                    help="seeds, each with its own graph; the ratio pools them (default 3)")
    ap.add_argument("--cached", action="store_true",
                    help="also time the reference with an incrementally kept feed load")
    ap.add_argument("--repeats", type=int, default=5,
                    help="scsim runs per seed; the median is used (default 5)")
    ap.add_argument("--json", type=Path, help="write the results to this JSON file")
    args = ap.parse_args(argv)
    seeds = range(args.seed, args.seed + max(1, args.seeds))
    d = args.days
    results = []
    print(f"{args.people:,} people, mean 100 friends, {d} days, seeds "
          f"{seeds[0]}-{seeds[-1]} (each its own graph, built apart)")
    print(f"{'seed':>4}  {'model':<24}{'init s':>9}{'s/day':>10}{'ratio/day':>11}"
          f"{'ratio total':>13}")
    for seed in seeds:
        r = compare(args.people, d, seed, args.cached, args.repeats)
        results.append(r)
        n = len(r["scsim_runs_s"])
        print(f"{seed:>4}  {'scsim (numpy)':<24}{r['scsim_init_s']:>9.2f}"
              f"{r['scsim_run_s'] / d:>10.4f}{1:>11.0f}{1:>13.0f}"
              f"   (median of {n}; range {min(r['scsim_runs_s']) / d:.4f}-"
              f"{max(r['scsim_runs_s']) / d:.4f})")
        for name, label in (("mesa", "Mesa reference"), ("mesa_cached", "Mesa, cached load")):
            if f"{name}_run_s" in r:
                print(f"{'':>4}  {label:<24}{r[f'{name}_init_s']:>9.2f}"
                      f"{r[f'{name}_run_s'] / d:>10.4f}{r[f'ratio_{name}_per_day']:>11.1f}"
                      f"{r[f'ratio_{name}_total']:>13.1f}", flush=True)
    ratio = pooled(results)
    print(f"speed ratio (s/day, Mesa reference / scsim, {len(results)} seeds pooled): "
          f"{ratio['per_day']:.1f}x ({ratio['total']:.1f}x counting set-up); per seed "
          + ", ".join(f"{r['ratio_mesa_per_day']:.1f}x" for r in results))
    if args.cached:
        c = pooled(results, "mesa_cached")
        print(f"against the reference with a cached feed load: {c['per_day']:.1f}x")
    print("totals over the runs (summed over seeds):")
    for c in COLUMNS:
        ours = sum(r["scsim_totals"][c] for r in results)
        ref = sum(r["mesa_totals"][c] for r in results)
        print(f"  {c:<12}scsim {ours:>12.0f}   Mesa {ref:>12.0f}")
    if args.json:
        args.json.write_text(json.dumps({"seeds": results, "pooled": ratio}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
