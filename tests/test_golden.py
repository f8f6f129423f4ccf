"""Golden outputs: the model's numbers do not move unless a change means them to.

``tests/golden/hashes.json`` holds the hashes of the metrics, seller and
people tables of the default scenario and S1-S9 at 3,000 people x 60 days,
two seeds each (``benchmarks/golden.py``); ``tests/golden/metrics_small.csv``
holds the full daily metrics of one small run, so a change shows its first
differing numbers. A change that moves them on purpose rewrites both with
``python benchmarks/golden.py --write`` and says why in its commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import golden  # noqa: E402


def test_table_hashes_match_the_baseline():
    old = json.loads(golden.BASELINE.read_text())
    lines = golden.diff(old, golden.compute())
    assert not lines, ("the model's numbers changed (benchmarks/golden.py):\n"
                       + "\n".join(lines))


def test_small_run_metrics_match_the_baseline():
    want = pd.read_csv(golden.SMALL_CSV, index_col="day")
    got = golden.small_metrics()
    assert list(got.columns) == list(want.columns)
    bad = []
    for col in want.columns:
        a = want[col].to_numpy(np.float64)
        b = got[col].to_numpy(np.float64)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        if not same.all():
            day = int(np.flatnonzero(~same)[0])
            bad.append(f"{col}: first differs on day {day}: baseline {a[day]!r}, now {b[day]!r}")
    assert not bad, "daily metrics changed:\n" + "\n".join(bad)
