"""The ``scsim`` command line.

``scsim run [SCENARIO]`` runs a scenario file, or the embedded default, and
writes a run folder. Experiment, sweep, analysis and app commands are
registered by :mod:`experiments.cli` and :mod:`sim.app` when present.
Invalid input exits with code 2 and a message naming the field, the value
and what is allowed, before any work starts and with nothing written; no
input prints a Python traceback (``SCSIM_DEBUG=1`` shows one for an
internal error, which exits with code 1).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import warnings
from typing import Any

# sim.scenario (pydantic) and the rest load inside main(), so that Ctrl-C while they load
# is an "interrupted" line, not a traceback

__all__ = ["main", "build_parser", "parse_set", "positive_int", "version_text"]


def parse_set(items: list[str], flag: str = "--set") -> dict[str, Any]:
    """Parse ``key=value`` items of ``flag``; values are read as TOML (``3``, ``0.5``, ``true``).

    Raises
    ------
    ScenarioError
        An item without ``=`` or with an empty key, or a key given twice.
    """
    import tomllib

    from sim.scenario import ScenarioError

    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(f"{flag} {item!r}: expected KEY=VALUE, e.g. graph.n_people=5000")
        key, raw = item.split("=", 1)
        if not key.strip():
            raise ScenarioError(f"{flag} {item!r}: the key before '=' is empty; expected "
                                "KEY=VALUE, e.g. graph.n_people=5000")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        if key.strip() in out:
            raise ScenarioError(f"{flag} {key.strip()} is given twice ({out[key.strip()]!r}, then "
                                f"{value!r}): give it once")
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


def version_text() -> str:
    """``scsim VERSION (git REVISION)``: the installed package and the code's revision."""
    from importlib import metadata

    from sim.runner import git_revision

    try:
        version = metadata.version("scsim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"scsim {version} (git {git_revision()})"


class _Version(argparse.Action):
    """``--version``: computed only when asked (it runs git)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        print(version_text())
        parser.exit()


def _cmd_run(args: argparse.Namespace) -> int:
    from sim.scenario import (
        ScenarioError,
        check_memory,
        default_scenario,
        load_scenario,
        with_overrides,
    )

    scenario = load_scenario(args.scenario) if args.scenario else default_scenario()
    overrides = parse_set(args.set or [])
    for flag, value, key in (("--seed", args.seed, "run.seed"), ("--days", args.days, "run.days"),
                             ("--people", args.people, "graph.n_people")):
        if value is None:
            continue
        if key in overrides:
            raise ScenarioError(f"{flag} {value} and --set {key}={overrides[key]!r} both set "
                                f"{key}: give one")
        overrides[key] = value
    if overrides:
        scenario = with_overrides(scenario, overrides)
    if scenario.graph.generator == "edgelist" and "graph.n_people" in overrides:
        n = overrides["graph.n_people"]
        flag, given = (("--people", f"--people {n}") if args.people is not None
                       else ("--set graph.n_people", f"--set graph.n_people={n}"))
        raise ScenarioError(
            f"{given}: the town is read from graph.edgelist_path "
            f"({scenario.graph.edgelist_path!r}), so its people are the file's; "
            f"graph.n_people sizes generated towns only: drop {flag}")
    # every check before any work: the memory the town needs, then where it goes
    check_memory(scenario)
    from sim.runner import check_out, default_out, run_scenario, write_run

    out = check_out(args.out if args.out is not None else default_out(scenario),
                    overwrite=args.overwrite,
                    label="--out" if args.out is not None else "the default run folder")
    result = run_scenario(scenario, progress=not args.quiet)
    out = write_run(result, out, overwrite=args.overwrite)
    print((out / "summary.txt").read_text(encoding="utf-8"), end="")
    print(f"results in {out}/ (metrics.parquet, agents.parquet, people.parquet, summary.png)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="scsim", description="Simulate social commerce on a WeChat-style friend network.")
    parser.add_argument("--version", action=_Version,
                        help="print the package version and git revision, then exit")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one scenario (default: the embedded default)")
    run.add_argument("scenario", nargs="?", help="scenario TOML file")
    run.add_argument("--seed", type=int, help="root seed (overrides run.seed)")
    run.add_argument("--days", type=int, help="days to simulate, 1..3650 (overrides run.days)")
    run.add_argument("--people", type=int, help="number of people (overrides graph.n_people)")
    run.add_argument("--out", help="run folder (default runs/NAME-seedSEED, NAME made safe "
                                   "as a folder name)")
    run.add_argument("--overwrite", action="store_true",
                     help="replace an existing run folder (whole) instead of refusing")
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


def _show_warning(message: Warning | str, category: type[Warning], filename: str,
                  lineno: int, file: Any = None, line: str | None = None) -> None:
    """Warnings as ``scsim: warning: ...`` lines on stderr."""
    print(f"scsim: warning: {message}", file=sys.stderr if file is None else file)


_MAIN_PID = [0]


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM ends ``scsim`` as Ctrl-C does (a run folder is left as it was); a forked
    worker process dies of it as usual."""
    if os.getpid() != _MAIN_PID[0]:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    raise KeyboardInterrupt


#: exit status when the reader of stdout went away (``scsim ... | head``), as for a
#: process killed by SIGPIPE
BROKEN_PIPE = 128 + 13


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises nothing more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor (captured output)
        pass


def _flush_stdout() -> None:
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except ValueError:  # closed
        pass


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``scsim``; returns the exit code.

    Exit codes: 0 done; 1 a run or sweep failed, or an internal error (one
    line; ``SCSIM_DEBUG=1`` shows the traceback); 2 invalid input; 130
    interrupted (Ctrl-C or SIGTERM; a run folder is then left as it was);
    141 the reader of the output went away (``scsim ... | head``: quietly,
    as Unix tools do; the work itself was done).
    """
    try:
        try:
            return _main(argv)
        finally:  # a reader gone away shows here, not as a message at exit
            _flush_stdout()
    except BrokenPipeError:
        _quiet_stdout()
        return BROKEN_PIPE


def _main(argv: list[str] | None) -> int:
    try:  # the subcommands' modules load here: Ctrl-C meanwhile is no traceback either
        parser = build_parser()
    except KeyboardInterrupt:
        print("scsim: interrupted", file=sys.stderr)
        return 130
    except BaseException as exc:  # an import interrupted inside a compiled library
        if isinstance(exc, SystemExit) or os.environ.get("SCSIM_DEBUG"):
            raise
        print(f"scsim: interrupted while loading ({type(exc).__name__})", file=sys.stderr)
        return 130
    args = parser.parse_args(argv)
    old_show = warnings.showwarning
    warnings.showwarning = _show_warning
    _MAIN_PID[0] = os.getpid()
    try:
        old_term = signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError, AttributeError):  # not the main thread
        old_term = None
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:  # ScenarioError, GraphError and RunFolderError are ValueErrors
        print(f"scsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # (an OSError) the reader of stdout went away: quietly, in main()
        raise
    except MemoryError:
        print("scsim: error: out of memory; make the town smaller (graph.n_people, "
              "graph.mean_degree) or use a machine with more memory", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f": {exc.filename!r}" if exc.filename else ""
        print(f"scsim: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except Exception as exc:  # also what a library turns an interrupt into (pyo3's panic)
        if os.environ.get("SCSIM_DEBUG"):
            raise
        print(f"scsim: internal error: {type(exc).__name__}: {exc}\n(please report it; "
              "SCSIM_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = old_show
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        if argv is None:  # the command line: the process exits next, so a late Ctrl-C
            _ignore_interrupts()  # must not print a traceback from an exit handler


def _ignore_interrupts() -> None:
    for name in ("SIGINT", "SIGTERM"):
        try:
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        except (ValueError, OSError, AttributeError):  # not the main thread
            pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
