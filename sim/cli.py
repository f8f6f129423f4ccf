"""The ``scsim`` command line.

``scsim run [SCENARIO]`` runs a scenario file, or the embedded default, and
writes a run folder. Experiment, sweep, analysis and app commands are
registered by :mod:`experiments.cli` and :mod:`sim.app` when present.
Invalid input exits with code 2 and a message naming the field, the value
and what is allowed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from sim.graph import GraphError
from sim.scenario import ScenarioError, default_scenario, load_scenario, with_overrides

__all__ = ["main", "build_parser", "parse_set", "positive_int"]


def parse_set(items: list[str]) -> dict[str, Any]:
    """Parse ``key=value`` overrides; values are read as TOML (``3``, ``0.5``, ``true``)."""
    import tomllib

    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(f"--set {item!r}: expected KEY=VALUE, e.g. graph.n_people=5000")
        key, raw = item.split("=", 1)
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        out[key.strip()] = value
    return out


def positive_int(value: str) -> int:
    """An argparse type: a whole number >= 1, with a message naming the value otherwise."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: expected an integer") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{n}: must be >= 1")
    return n


def _cmd_run(args: argparse.Namespace) -> int:
    from sim.runner import run_scenario, write_run

    scenario = load_scenario(args.scenario) if args.scenario else default_scenario()
    overrides = parse_set(args.set or [])
    if args.seed is not None:
        overrides["run.seed"] = args.seed
    if args.days is not None:
        overrides["run.days"] = args.days
    if args.people is not None:
        overrides["graph.n_people"] = args.people
    if overrides:
        scenario = with_overrides(scenario, overrides)
    out = Path(args.out) if args.out else Path("runs") / f"{scenario.name}-seed{scenario.run.seed}"
    result = run_scenario(scenario, progress=not args.quiet)
    write_run(result, out)
    print((out / "summary.txt").read_text(encoding="utf-8"), end="")
    print(f"results in {out}/ (metrics.parquet, agents.parquet, people.parquet, summary.png)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="scsim", description="Simulate social commerce on a WeChat-style friend network.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one scenario (default: the embedded default)")
    run.add_argument("scenario", nargs="?", help="scenario TOML file")
    run.add_argument("--seed", type=int, help="root seed (overrides run.seed)")
    run.add_argument("--days", type=int, help="days to simulate (overrides run.days)")
    run.add_argument("--people", type=int, help="number of people (overrides graph.n_people)")
    run.add_argument("--out", help="run folder (default runs/NAME-seedSEED)")
    run.add_argument("--set", action="append", metavar="KEY=VALUE",
                     help="override any parameter, e.g. --set platform.posting_cap=3")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_cmd_run)
    for module in ("experiments.cli", "experiments.calibrate", "sim.app_cli"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``scsim``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ScenarioError, GraphError, ValueError) as exc:
        print(f"scsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
