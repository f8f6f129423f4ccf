"""Run a scenario and write its run folder.

A run folder holds everything needed to trust and reproduce the numbers:

- ``config.toml``    the fully resolved scenario
- ``metadata.json``  seed, package versions, code revision, timings
- ``metrics.parquet`` one row per day (:data:`sim.metrics.METRICS`)
- ``agents.parquet`` one row per reseller and merchant
- ``people.parquet`` one row per person
- ``summary.png``    the summary figure, and ``summary.txt`` the printed summary

A run folder is written whole or not at all: the files go into a hidden
sibling (``.NAME.partial-PID-TOKEN``), which is then renamed into place in
one step (an atomic exchange with an existing folder, where Linux offers
it). A run into an existing run folder is refused unless ``overwrite`` is
set, and then replaces it whole; a folder that is not a run folder is never
replaced. A run killed while it writes leaves the old folder or the new
one, never a mix; a hidden sibling left by ``kill -9`` is removed by the
next run into the same place. :func:`check_out` makes every check on the
output location before a run starts.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.model import SocialCommerceModel
from sim.params import Scenario
from sim.scenario import (
    EmptyTownWarning,
    check_memory,
    estimate_memory,
    path_problem,
    save_scenario,
    warn_empty_town,
)

__all__ = ["RunResult", "run_scenario", "write_run", "summarize", "provenance",
           "write_parquet", "safe_name", "default_out", "check_out", "RunFolderError",
           "RUN_FILES", "estimate_memory", "check_memory", "is_run_folder",
           "remove_stale"]

#: the files of a run folder
RUN_FILES = ("config.toml", "metadata.json", "metrics.parquet", "agents.parquet",
             "people.parquet", "summary.png", "summary.txt")


class RunFolderError(ValueError):
    """An output location that cannot take a run folder (named, with what to do)."""

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
    check_memory(scenario, graph=graph)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = SocialCommerceModel(scenario, graph=graph)
    for w in caught:  # shown as they would have been (once per text and place)
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                               registry=_WARNED)
    if not any(issubclass(w.category, EmptyTownWarning) for w in caught):
        warn_empty_town(model.params, model.graph.n)
    model.run(progress=progress)
    metrics = model.metrics().reset_index()
    return RunResult(scenario=model.params, metrics=metrics, agents=model.seller_table(),
                     people=model.people_table(), seconds=time.perf_counter() - t0,
                     model=model if keep_model else None)


#: the warnings :func:`run_scenario` passed on (so each shows once, as Python's default)
_WARNED: dict[Any, Any] = {}


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


def write_parquet(df: pd.DataFrame, path: str | Path, schema: Any = None) -> None:
    """Write a DataFrame to Parquet atomically (temporary file, then rename).

    With a declared ``schema`` (:mod:`sim.schema`), the columns get its
    types, units, descriptions and labels. The output is byte-identical for
    identical frames: no timestamps, fixed compression.
    """
    if schema is not None:
        from sim.schema import write_parquet as write_declared

        write_declared(df, path, schema)
        return
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


# ---------------------------------------------------------------- the run folder
def safe_name(name: str, *, max_length: int = 64) -> str:
    """A scenario name made safe as one path component.

    Letters (any script), digits, ``.``, ``_`` and ``-`` are kept; every
    other run of characters (``/``, ``..``, spaces, control characters)
    becomes one ``-``; leading and trailing dots and dashes go (no hidden
    folders, no ``..``); at most ``max_length`` characters; ``run`` if
    nothing is left. Use it wherever a name chooses a path
    (``runs/NAME-seedSEED``, ``runs/sweeps/NAME``).

    Examples
    --------
    >>> safe_name("../../../elsewhere/escaped"), safe_name("/elsewhere/x")
    ('elsewhere-escaped', 'elsewhere-x')
    >>> safe_name("S1 ads & trust"), safe_name(".."), safe_name("微商-2")
    ('S1-ads-trust', 'run', '微商-2')
    """
    text = re.sub(r"[^\w.-]+", "-", str(name), flags=re.UNICODE)
    text = re.sub(r"-{2,}", "-", text)
    text = re.sub(r"\.{2,}", ".", text).strip("-.")
    text = text[:max_length].rstrip("-.")
    return text or "run"


def default_out(scenario: Scenario) -> Path:
    """Where ``scsim run`` writes without ``--out``: ``runs/SAFE_NAME-seedSEED``."""
    return Path("runs") / f"{safe_name(scenario.name)}-seed{scenario.run.seed}"


_OLD_TMP = re.compile(r"^\.[a-z]+\.parquet\.\d+\.tmp$")  # left by earlier versions


def is_run_folder(path: str | Path) -> bool:
    """Whether ``path`` is a directory holding only run-folder files (at least one of
    ``config.toml`` and ``metadata.json``)."""
    p = Path(path)
    try:
        names = set(os.listdir(p))
    except OSError:
        return False
    extra = {n for n in names - set(RUN_FILES) if not _OLD_TMP.match(n)}
    return not extra and bool(names & {"config.toml", "metadata.json"})


def _nearest_existing(path: Path) -> Path:
    p = path.absolute()
    while not os.path.lexists(p) and p != p.parent:
        p = p.parent
    return p


def _describe_existing(out: Path) -> str:
    names = sorted(os.listdir(out))
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return shown


def check_out(out: str | Path, *, overwrite: bool = False, probe: bool = True,
              label: str = "--out") -> Path:
    """Check that a run folder can be written at ``out``, before the run starts.

    Parameters
    ----------
    out : str or Path
    overwrite : bool
        Allow replacing an existing run folder (whole).
    probe : bool
        Create and remove a hidden folder next to ``out`` to prove the
        parent is writable (permissions, read-only file systems).
    label : str
        How the messages name the folder (``--out``, or the default folder).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    RunFolderError
        ``out`` is a file, a folder that is not a run folder, a run folder
        without ``overwrite``, under a file, or in a place that cannot be
        written; the message says what to do.
    """
    text = os.fspath(out)
    if not text.strip():
        raise RunFolderError(f"{label} = '': give a folder path, e.g. --out runs/mine")
    problem = path_problem(text)
    if problem:
        shown = text if len(text) <= 80 else f"{text[:80]}..."
        raise RunFolderError(f"{label} {shown!r} {problem}")
    out = Path(text)
    if out.is_symlink() and out.is_dir():
        out = out.resolve()
    if out.name in ("", ".", ".."):
        out = out.absolute().resolve()
        if out.parent == out:
            raise RunFolderError(f"{label} {text!r}: a run folder cannot be the root folder")
    if os.path.lexists(out):
        if not out.is_dir():
            kind = "a file" if out.is_file() else "not a folder (a device, pipe or link)"
            raise RunFolderError(f"{label} {text!r} is {kind}; a run folder is a folder of "
                                 f"{len(RUN_FILES)} files: give a new folder path")
        if os.listdir(out):
            if not is_run_folder(out):
                raise RunFolderError(
                    f"{label} {text!r} is a folder that is not a run folder (it holds "
                    f"{_describe_existing(out)}); a run replaces its folder whole, so give a "
                    "new or empty folder")
            if not overwrite:
                raise RunFolderError(
                    f"{label} {text!r} already holds a run; add --overwrite to replace it "
                    "whole, or give another folder (--out)")
    base = _nearest_existing(out.parent)
    if not base.is_dir():
        raise RunFolderError(f"{label} {text!r}: {str(base)!r} is a file, so no folder can be "
                             "made under it")
    if probe:
        token = base / f".{out.name[:100]}.probe-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(token)
            os.rmdir(token)
        except OSError as exc:
            raise RunFolderError(f"{label} {text!r}: cannot write in {str(base)!r} "
                                 f"({exc.strerror}); choose a folder you can write") from None
    return out


_STALE = r"^\.{name}\.(partial|old|probe)-(\d+)-[0-9a-f]+$"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, someone else's
        return True
    return True


def remove_stale(out: Path) -> None:
    """Remove hidden siblings of ``out`` left by killed runs; put back an old run folder
    that a killed replacement had moved aside (where renames cannot exchange)."""
    pattern = re.compile(_STALE.format(name=re.escape(out.name)))
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        m = pattern.match(entry.name)
        if not m or _pid_alive(int(m.group(2))):
            continue
        try:
            if m.group(1) == "old" and not os.path.lexists(out):
                os.rename(entry, out)
            elif entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except OSError:
            pass


_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """``renameat2(2)`` with ``flags``; False where the system does not offer it, an
    OSError for any other failure."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_uint]
    if fn(at_fdcwd, os.fsencode(src), at_fdcwd, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block ends (then they act)."""
    sigs = {getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _install(tmp: Path, out: Path, overwrite: bool) -> None:
    """Put the finished folder ``tmp`` at ``out`` in one step."""
    with _signals_held():
        if os.path.lexists(out):
            check_out(out, overwrite=overwrite, probe=False)  # still a run folder or empty
            if _renameat2(tmp, out, _RENAME_EXCHANGE):
                shutil.rmtree(tmp)  # tmp now holds the old folder
                return
            old = out.with_name(f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old)
            return
        try:
            if not _renameat2(tmp, out, _RENAME_NOREPLACE):
                if os.path.lexists(out):
                    raise FileExistsError(errno.EEXIST, "exists", str(out))
                os.rename(tmp, out)
        except FileExistsError:
            # another run made ``out`` while this one ran
            if overwrite and is_run_folder(out):
                _install_replace(tmp, out)
                return
            keep = out.with_name(f"{out.name}.conflict-{os.getpid()}")
            os.rename(tmp, keep)
            raise RunFolderError(f"{str(out)!r} was written by another run while this one "
                                 f"ran; this run's results are in {str(keep)!r}") from None


def _install_replace(tmp: Path, out: Path) -> None:
    if _renameat2(tmp, out, _RENAME_EXCHANGE):
        shutil.rmtree(tmp)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
    os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old)


def write_run(result: RunResult, out: str | Path, *, figure: bool = True,
              overwrite: bool = False) -> Path:
    """Write a run folder, whole, and return its path.

    The files are written into a hidden sibling folder, then renamed into
    place in one step (see the module docstring).

    Parameters
    ----------
    result : RunResult
    out : str or Path
        The run folder; its parents are created.
    figure : bool
        Draw ``summary.png``.
    overwrite : bool
        Replace an existing run folder at ``out`` (whole); without it an
        existing run folder is refused.

    Raises
    ------
    RunFolderError
        ``out`` cannot take a run folder (:func:`check_out`).
    """
    out = check_out(out, overwrite=overwrite, probe=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    tmp = out.with_name(f".{out.name[:100]}.partial-{os.getpid()}-{secrets.token_hex(4)}")
    try:  # the folder is made inside: a Ctrl-C just after mkdir still removes it
        os.mkdir(tmp)
        _write_files(result, tmp, figure=figure)
        _install(tmp, out, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _write_files(result: RunResult, out: Path, *, figure: bool) -> None:
    save_scenario(result.scenario, out / "config.toml")
    from sim import schema

    write_parquet(result.metrics, out / "metrics.parquet", schema.METRICS)
    write_parquet(result.agents, out / "agents.parquet", schema.SELLERS)
    write_parquet(result.people, out / "people.parquet", schema.PEOPLE)
    meta = provenance(result.scenario, len(result.people)) | {
        "seconds": round(result.seconds, 3)}
    (out / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    text = summarize(result)
    (out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    if figure:
        from sim.figures import summary_figure

        summary_figure(result.metrics, out / "summary.png", title=result.scenario.name)


def _or_dash(x: float) -> str:
    """``x`` to 3 decimals, or a dash where it is undefined (NaN: nobody to average)."""
    return "-" if x != x else f"{x:.3f}"


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
        f"({total['blocks_resellers'] / blocks if blocks else 0:.0%} of them hit resellers); "
        f"reports {total['reports']:,.0f}; bans {total['bans']:,.0f}",
        f"orders {total['purchases']:,.0f}; conversion {conversion:.2%} "
        f"per ad seen; payment failures {total['payment_failures']:,.0f}",
        f"GMV {total['gmv']:,.0f} RMB (Moments {total['gmv_moments']:,.0f}, groups "
        f"{total['gmv_groups']:,.0f}, pushes {total['gmv_push']:,.0f}); counterfeits "
        f"{total['counterfeits_delivered']:,.0f}",
        f"resellers: {len(r)} ever, {int((r['status'] == 'active').sum())} active, "
        f"{int((r['status'] == 'quit').sum())} quit, {int((r['status'] == 'banned').sum())} "
        f"banned; {(r['profit'] < 0).mean() if len(r) else 0:.0%} lost money",
        f"trust in resellers {_or_dash(m['mean_trust_resellers'].iloc[0])} -> "
        f"{_or_dash(m['mean_trust_resellers'].iloc[-1])}; largest component "
        f"{m['largest_component_share'].iloc[-1]:.1%}, mean degree "
        f"{m['mean_degree'].iloc[-1]:.1f}",
    ]
    return "\n".join(lines)
