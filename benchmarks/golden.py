"""Golden hashes: the bytes of the metrics, seller and people tables of small runs.

A refactor that must not change the model's numbers is checked against
``tests/golden/hashes.json``: the default scenario and S1-S9 at 3,000 people
x 60 days, two seeds each. Each table is hashed column by column (name,
dtype and raw bytes; object columns as their ``str``), so a diff names the
table and the columns that changed.

Usage::

    python benchmarks/golden.py            # compare with tests/golden/hashes.json
    python benchmarks/golden.py --write    # (re)write the baseline, on purpose
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "golden" / "hashes.json"
SCENARIOS = ("default",) + tuple(f"S{i}" for i in range(1, 10))
SEEDS = (1, 2)
SIZE = {"graph.n_people": 3000, "run.days": 60}
SMALL_CSV = ROOT / "tests" / "golden" / "metrics_small.csv"


def column_hashes(df: pd.DataFrame) -> dict[str, str]:
    """sha256 (first 16 hex digits) of each column's name, dtype and bytes."""
    out = {}
    for name in df.columns:
        col = df[name]
        if not (pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)):
            data = "\x1f".join(map(str, col.tolist())).encode()
        else:
            data = np.ascontiguousarray(col.to_numpy()).tobytes()
        h = hashlib.sha256(f"{name}|{col.dtype}|".encode() + data).hexdigest()[:16]
        out[str(name)] = h
    return out


def run_one(scenario: str, seed: int) -> dict[str, dict[str, str]]:
    """Hashes of the three tables of one small run."""
    from sim.model import SocialCommerceModel

    src = None if scenario == "default" else ROOT / "experiments" / "scenarios" / f"{scenario}.toml"
    m = SocialCommerceModel(src, seed=seed, overrides=SIZE)
    m.run()
    return {"metrics": column_hashes(m.metrics().reset_index()),
            "sellers": column_hashes(m.seller_table()),
            "people": column_hashes(m.people_table())}


def small_metrics():
    """The daily metrics of the default scenario at 1,000 people x 30 days, seed 3."""
    from sim.model import SocialCommerceModel

    m = SocialCommerceModel(seed=3, overrides={"graph.n_people": 1000, "run.days": 30})
    return m.run().metrics()


def compute() -> dict[str, dict[str, dict[str, str]]]:
    """Every run's table hashes, keyed ``"<scenario>/seed<k>"``."""
    return {f"{s}/seed{k}": run_one(s, k) for s in SCENARIOS for k in SEEDS}


def diff(old: dict, new: dict) -> list[str]:
    """Human-readable differences: one line per run and table, naming columns."""
    lines = []
    for run in sorted(set(old) | set(new)):
        if run not in old or run not in new:
            lines.append(f"{run}: only in {'new' if run in new else 'baseline'}")
            continue
        for table in sorted(set(old[run]) | set(new[run])):
            a, b = old[run].get(table, {}), new[run].get(table, {})
            cols = sorted(c for c in set(a) | set(b) if a.get(c) != b.get(c))
            if cols:
                lines.append(f"{run} {table}: {len(cols)} column(s) differ: {', '.join(cols)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write the baseline")
    args = ap.parse_args(argv)
    new = compute()
    if args.write:
        BASELINE.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
        small_metrics().to_csv(SMALL_CSV, float_format="%.17g")
        print(f"wrote {BASELINE.relative_to(ROOT)}: {len(new)} runs, and "
              f"{SMALL_CSV.relative_to(ROOT)}")
        return 0
    old = json.loads(BASELINE.read_text())
    lines = diff(old, new)
    want = pd.read_csv(SMALL_CSV, index_col="day")
    if not np.array_equal(want.to_numpy(float), small_metrics().to_numpy(float), equal_nan=True):
        lines.append(f"{SMALL_CSV.relative_to(ROOT)}: the small run's metrics differ")
    print("\n".join(lines) if lines else f"identical: {len(new)} runs x 3 tables")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
