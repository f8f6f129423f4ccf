"""Seconds per day beside the work of a day: seller ties and ads seen.

A day's cost follows the number of seller ties (every one is visited by the
feed, by forgetting and by the metrics) and of ads seen (each drawn and
learned from). This prints both with s/day, for the code on ``PYTHONPATH``,
so that two revisions' times can be read per unit of work::

    python benchmarks/bench_work.py 100000 120
    git worktree add --detach /tmp/old aefa2f6
    PYTHONPATH=/tmp/old python benchmarks/bench_work.py 100000 120

(default scenario, seed 1; the run, not the set-up, is timed).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("people", type=int)
    ap.add_argument("days", type=int)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    import sim
    from sim.model import SocialCommerceModel

    m = SocialCommerceModel(seed=args.seed, overrides={"graph.n_people": args.people})
    ties, ads = [], []
    t0 = time.perf_counter()
    for _ in range(args.days):
        m.step()
        st = m.state.st
        ties.append(st.tie.shape[0] if hasattr(st, "tie") else st.slot.shape[0])
        ads.append(m.today["ads_seen"])
    el = time.perf_counter() - t0
    per_tie = el / args.days / np.mean(ties) * 1e9
    print(f"{sim.__file__}\n{args.people:,} x {args.days} d: s/day {el / args.days:.4f}; "
          f"seller ties (mean) {np.mean(ties):,.0f}; ads seen a day {np.mean(ads):,.0f}; "
          f"{per_tie:.0f} ns per seller tie and day")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
