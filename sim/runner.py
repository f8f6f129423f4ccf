"""Run a scenario and write its run folder.

A run folder holds everything needed to trust and reproduce the numbers:

- ``config.toml``    the fully resolved scenario
- ``metadata.json``  seed, package versions, code revision, timings
- ``metrics.parquet`` one row per day (MODEL.md "What every run reports")
- ``agents.parquet`` one row per reseller and merchant
- ``people.parquet`` one row per person
- ``summary.png``    the summary figure, and ``summary.txt`` the printed summary
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.model import SocialCommerceModel
from sim.params import Scenario
from sim.scenario import save_scenario

__all__ = ["RunResult", "run_scenario", "write_run", "summarize", "provenance",
           "write_parquet"]

PACKAGES = ("scsim", "mesa", "numpy", "networkx", "scipy", "pandas", "pyarrow", "pydantic",
            "matplotlib")


@dataclass
class RunResult:
    """The outputs of one run."""

    scenario: Scenario
    metrics: pd.DataFrame
    agents: pd.DataFrame
    people: pd.DataFrame
    seconds: float
    model: SocialCommerceModel | None = None


def run_scenario(scenario: Scenario, *, graph: Any = None, progress: bool = False,
                 keep_model: bool = False) -> RunResult:
    """Run ``scenario`` for ``run.days`` days.

    Parameters
    ----------
    scenario : Scenario
    graph : networkx.Graph or FriendGraph, optional
        Use this friend graph instead of the scenario's generator.
    progress : bool
        Show a progress bar over days.
    keep_model : bool
        Keep the model object in the result (for inspection).

    Returns
    -------
    RunResult
    """
    t0 = time.perf_counter()
    model = SocialCommerceModel(scenario, graph=graph)
    model.run(progress=progress)
    metrics = model.metrics().reset_index()
    return RunResult(scenario=model.params, metrics=metrics, agents=model.seller_table(),
                     people=model.people_table(), seconds=time.perf_counter() - t0,
                     model=model if keep_model else None)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the results."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


#: changes here do not change what a run computes, so they do not make a revision dirty
#: (``scsim experiment all`` writes its reports into docs/ while it runs)
DOC_PATHS = (":(exclude)docs", ":(exclude)*.md")


def git_revision(root: Path | None = None) -> str:
    """The code's git revision, or ``unknown``.

    ``-dirty`` is appended when tracked files other than documentation
    (:data:`DOC_PATHS`) differ from that revision. ``root`` is the checkout
    (default: the one this package is in).
    """
    root = Path(__file__).resolve().parent.parent if root is None else Path(root)
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                ".", *DOC_PATHS],
                               cwd=root, capture_output=True, text=True, timeout=10).stdout
        return rev + ("-dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(scenario: Scenario, n_people: int | None = None) -> dict[str, Any]:
    """Seed, versions, revision and machine of a run.

    ``n_people`` is the size of the graph actually simulated, when it did
    not come from the scenario's generator.
    """
    return {
        "scenario": scenario.name,
        "seed": scenario.run.seed,
        "days": scenario.run.days,
        "n_people": scenario.graph.n_people if n_people is None else int(n_people),
        "versions": package_versions(),
        "git_revision": git_revision(),
        "platform": platform.platform(),
        "command": " ".join(sys.argv),
    }


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """Write a DataFrame to Parquet atomically (temporary file, then rename).

    The output is byte-identical for identical frames: no timestamps, fixed
    compression.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def write_run(result: RunResult, out: str | Path, *, figure: bool = True) -> Path:
    """Write a run folder; return its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_scenario(result.scenario, out / "config.toml")
    write_parquet(result.metrics, out / "metrics.parquet")
    write_parquet(result.agents, out / "agents.parquet")
    write_parquet(result.people, out / "people.parquet")
    meta = provenance(result.scenario, len(result.people)) | {
        "seconds": round(result.seconds, 3)}
    (out / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    text = summarize(result)
    (out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    if figure:
        from sim.figures import summary_figure

        summary_figure(result.metrics, out / "summary.png", title=result.scenario.name)
    return out


def summarize(result: RunResult) -> str:
    """A short plain-text summary of a run."""
    m = result.metrics
    a = result.agents
    r = a[a["type"] == "reseller"]
    s = result.scenario
    total = m.sum(numeric_only=True)
    blocks = total["blocks"]
    conversion = (m["conversion"] * m["ads_seen"]).sum() / max(total["ads_seen"], 1)
    lines = [
        f"scenario {s.name!r}: {len(result.people):,} people, {s.run.days} days, "
        f"seed {s.run.seed} ({result.seconds:.1f} s)",
        f"ads posted {total['ads_posted']:,.0f}; seen {total['ads_seen']:,.0f}; "
        f"share of feed that is ads {m['ad_share_of_feed'].mean():.1%} (mean over days)",
        f"friends' posts crowded out {total['ordinary_crowded_out']:,.0f}",
        f"mutes {total['mutes']:,.0f}; blocks/unfriends {blocks:,.0f} "
        f"({total['blocks_resellers'] / blocks if blocks else 0:.0%} of resellers); "
        f"reports {total['reports']:,.0f}; bans {total['bans']:,.0f}",
        f"orders {total['purchases']:,.0f}; conversion {conversion:.2%} "
        f"per ad seen; payment failures {total['payment_failures']:,.0f}",
        f"GMV {total['gmv']:,.0f} RMB (Moments {total['gmv_moments']:,.0f}, groups "
        f"{total['gmv_groups']:,.0f}, pushes {total['gmv_push']:,.0f}); counterfeits "
        f"{total['counterfeits_delivered']:,.0f}",
        f"resellers: {len(r)} ever, {int((r['status'] == 'active').sum())} active, "
        f"{int((r['status'] == 'quit').sum())} quit, {int((r['status'] == 'banned').sum())} "
        f"banned; {(r['profit'] < 0).mean() if len(r) else 0:.0%} lost money",
        f"trust in resellers {m['mean_trust_resellers'].iloc[0]:.3f} -> "
        f"{m['mean_trust_resellers'].iloc[-1]:.3f}; largest component "
        f"{m['largest_component_share'].iloc[-1]:.1%}, mean degree "
        f"{m['mean_degree'].iloc[-1]:.1f}",
    ]
    return "\n".join(lines)
