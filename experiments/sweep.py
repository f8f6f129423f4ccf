"""Run a sweep on local processes or on Dask, resumably, into Parquet tables.

Layout of a sweep folder ``DIR``::

    DIR/sweep.json            the spec, base scenario, code revisions, factor types, runs
    DIR/sweep.lock            while a sweep runs: who holds the folder (PID, host, start)
    DIR/runs/R.parquet        one row per run: parameters + scalar outputs
    DIR/metrics/R.parquet     one row per day (sim.metrics.METRICS)
    DIR/agents/R.parquet      one row per reseller and merchant
    DIR/people/R.parquet      one row per person
    DIR/done/R.json           the manifest: one record per finished run (sizes, checksums)
    DIR/failed/R.json         error, traceback and parameters of a failed run

Every file of a table has the table's declared schema (:mod:`sim.schema`:
types, units and descriptions in the Parquet metadata), whatever the run, and
starts with the columns ``run_id``, ``point`` (an integer), ``replicate``,
``seed`` and the swept parameters. A table is a folder of Parquet files that
pandas (``pd.read_parquet(DIR / "metrics")``), pyarrow
(``pyarrow.dataset.dataset(DIR / "metrics")``) and DuckDB
(``read_parquet('DIR/metrics/*.parquet')``) read whole; :func:`read_table`
reads the runs of the current design. The seller and people tables join on
``(run_id, person)``.

The runs are computed by worker processes (a local process pool, or Dask
workers anywhere) which send their tables back, as Parquet bytes, to the
sweep's main process; only the main process writes into ``DIR``, so the
results land in the user's folder whatever the cluster and whatever the
workers' working directories. Files are written atomically (a temporary
``.NAME.PID.tmp`` sibling, then ``os.replace``) and only then the manifest
record, so a run is finished exactly when ``done/R.json`` exists and its
files match it. The same command run again verifies each finished run's files
(size, Parquet footer, schema, row count) against the manifest, redoes the
damaged ones, skips the rest, and rewrites (never duplicates) the files of a
run that was cut off. Runs that raise are recorded in ``failed/`` and retried
by the next invocation.

One sweep at a time writes into a folder: ``DIR/sweep.lock`` names the
holder, a second sweep is refused, and a lock left by a process that no
longer runs is taken over with a message. Killing a sweep's main process by
any signal ends its worker processes (they die with their parent).

Testing hook (documented, test-only): when the environment variable
``SCSIM_SWEEP_KILL_ONCE`` names a file that does not exist, the first run to
start creates that file and kills its own worker process with
``os._exit(70)``, imitating a worker lost to the OOM killer or a crash.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.design import Run, SweepSpec, expand, factor_types, scenario_digest
from sim import schema as _schema
from sim.params import Scenario
from sim.scenario import ScenarioError, validate, with_overrides

__all__ = ["SweepResult", "SweepInterrupted", "SweepTerminated", "SweepLocked", "run_sweep",
           "execute_run", "run_outputs", "finished_runs", "verify_runs", "read_manifest",
           "read_design", "read_table", "sweep_schemas", "default_out", "KILL_ENV",
           "LOCK_NAME"]

KILL_ENV = "SCSIM_SWEEP_KILL_ONCE"
LOCK_NAME = "sweep.lock"
#: the tables of a sweep folder (each a folder of one Parquet file per run)
TABLES = ("runs", "metrics", "agents", "people")

#: per-day columns that are flows (summed over the run); the rest are states (last day)
FLOWS = _schema.METRIC_FLOWS
STRATEGIES = _schema.STRATEGIES

_LOG = logging.getLogger("scsim.sweep")


class SweepInterrupted(RuntimeError):
    """The sweep stopped early (interrupt or lost worker); rerun the same command to resume."""


class SweepTerminated(SweepInterrupted):
    """The sweep's main process received SIGTERM or SIGHUP; its workers were stopped."""

    def __init__(self, signum: int) -> None:
        self.signum = int(signum)
        super().__init__(f"received {signal.Signals(signum).name}; the workers were stopped "
                         "and finished runs are kept: rerun the same command to resume")


class SweepLocked(ScenarioError):
    """Another sweep is writing into the same folder."""


@dataclass
class SweepResult:
    """What one invocation of :func:`run_sweep` did."""

    out: Path
    total: int
    skipped: int
    finished: int
    failed: int
    seconds: float
    #: finished runs whose files did not match the manifest, redone in this invocation
    redone: int = 0

    @property
    def runs_per_minute(self) -> float:
        """Throughput of the runs done in this invocation."""
        return 60 * (self.finished + self.failed) / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------------- outputs
def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else float("nan")


def run_outputs(metrics: pd.DataFrame, agents: pd.DataFrame, n_people: int | None = None
                ) -> dict[str, float]:
    """Scalar outputs of one run.

    Flow columns of :data:`sim.metrics.METRICS` are summed over the run, state
    columns take their last-day value, and a few ratios are derived:
    ``share_blocks_resellers`` (blocks that hit resellers, F7),
    ``conversion`` (orders per ad seen), per-channel engagement
    ``gmv_per_ad_moments`` / ``gmv_per_ad_groups`` / ``gmv_per_push`` (RMB of
    GMV per message read, opened or delivered, F1), ``push_open_rate``,
    month-1 and month-3 values of conversion and trust (``*_m1`` = days 0-29,
    ``*_m3`` = the last 30 days), and per-strategy means over the initial
    (level-1) resellers: ``revenue_<strategy>``, ``profit_<strategy>``,
    ``units_<strategy>``. A ratio or mean with nothing to divide by (no ads
    seen, no orders, no resellers) is NaN, not 0. With ``n_people``, ``moments_read_rate`` estimates
    the share of Moments ads delivered to a friend that the friend reads:
    the share of people opening Moments a day times the share of their feed
    load they read (attention, F9).

    Parameters
    ----------
    metrics : pandas.DataFrame
        Per-day metrics of the run.
    agents : pandas.DataFrame
        The seller table at the end of the run.
    n_people : int, optional
        People in the town (for ``moments_read_rate``).

    Returns
    -------
    dict of str to float
    """
    m = metrics
    tot = m[list(FLOWS)].sum()
    out: dict[str, float] = {k: float(v) for k, v in tot.items()}
    for col in m.columns:
        if col not in FLOWS and col != "day":
            out[col] = float(m[col].iloc[-1])
    out["days"] = float(len(m))
    out["conversion"] = _ratio(tot["purchases"], tot["ads_seen"])
    out["ad_share_of_feed"] = _ratio(tot["ads_seen_moments"], tot["feed_items_seen"])
    out["share_blocks_resellers"] = _ratio(tot["blocks_resellers"], tot["blocks"])
    out["gmv_per_ad_moments"] = _ratio(tot["gmv_moments"], tot["ads_seen_moments"])
    out["gmv_per_ad_groups"] = _ratio(tot["gmv_groups"],
                                      tot["ads_seen_group"] + tot["ads_seen_direct"])
    out["gmv_per_push"] = _ratio(tot["gmv_push"], tot["pushes_sent"])
    out["gmv_per_push_open"] = _ratio(tot["gmv_push"], tot["push_opens"])
    out["push_open_rate"] = _ratio(tot["push_opens"], tot["pushes_sent"])
    out["moments_read_rate"] = (
        _ratio(tot["openers"], n_people * len(m))
        * _ratio(tot["ordinary_seen"], tot["ordinary_seen"] + tot["ordinary_crowded_out"])
        if n_people else float("nan"))
    w = min(30, len(m))
    for tag, part in (("m1", m.iloc[:w]), ("m3", m.iloc[-w:])):
        out[f"conversion_{tag}"] = _ratio(part["purchases"].sum(), part["ads_seen"].sum())
        out[f"trust_resellers_{tag}"] = float(part["mean_trust_resellers"].mean())
        out[f"gmv_resellers_{tag}"] = float(part["gmv_resellers"].sum())
        out[f"recruits_{tag}"] = float(part["recruits"].sum())
    buy = m["order_value_mean"] > 0
    out["order_value_mean"] = (float(m.loc[buy, "order_value_mean"].mean()) if buy.any()
                               else float("nan"))
    ok = buy & m["buyer_trust_mean"].notna()
    out["trust_order_value_corr"] = (
        float(np.corrcoef(m.loc[ok, "buyer_trust_mean"], m.loc[ok, "order_value_mean"])[0, 1])
        if ok.sum() > 2 and m.loc[ok, "buyer_trust_mean"].std() > 0
        and m.loc[ok, "order_value_mean"].std() > 0 else float("nan"))
    r = agents[agents["type"] == "reseller"]
    out["resellers_ever"] = float(len(r))
    out["share_resellers_lost_money"] = (float((r["profit"] < 0).mean()) if len(r)
                                         else float("nan"))
    first = r[r["level"] == 1]
    for s in STRATEGIES:
        g = first[first["strategy"] == s]
        out[f"revenue_{s}"] = float(g["revenue"].mean()) if len(g) else float("nan")
        out[f"profit_{s}"] = float(g["profit"].mean()) if len(g) else float("nan")
        out[f"units_{s}"] = float(g["units_sold"].mean()) if len(g) else float("nan")
        out[f"friends_lost_{s}"] = float(g["friends_lost"].mean()) if len(g) else float("nan")
    mer = agents[agents["type"] == "merchant"]
    out["merchant_revenue"] = float(mer["revenue"].sum())
    out["merchant_profit"] = float(mer["profit"].sum())
    return out


# ---------------------------------------------------------------------- schemas
def sweep_schemas(types: dict[str, str]) -> dict[str, _schema.Schema]:
    """The declared schema of each table of a sweep whose factors have column ``types``.

    Parameters
    ----------
    types : dict
        Factor -> :mod:`sim.schema` type name
        (:func:`experiments.design.factor_types`; ``sweep.json`` records it).
    """
    params = tuple(_schema.param_field(k, t) for k, t in types.items())
    keys = (*_schema.SWEEP_KEYS, *params)
    return {
        "runs": _schema.runs_schema(params),
        "metrics": _schema.METRICS.with_fields(before=keys),
        "agents": _schema.SELLERS.with_fields(before=keys, name="agents"),
        "people": _schema.PEOPLE.with_fields(before=keys),
    }


def _schema_signature(arrow_schema: Any) -> list[tuple[str, str]]:
    return [(f.name, str(f.type)) for f in arrow_schema]


# ---------------------------------------------------------------------- one run
def _param_values(values: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    out = {}
    for k, v in values.items():
        t = types.get(k, "string")
        out[k] = (int(v) if t == "int64" else float(v) if t == "float64" else
                  bool(v) if t == "bool" else (None if v is None else str(v)))
    return out


def execute_run(run: dict[str, Any], base: dict[str, Any], types: dict[str, str]
                ) -> dict[str, Any]:
    """Run one sweep run (in a worker); never raises for a model error; writes nothing.

    Parameters
    ----------
    run : dict
        A :class:`experiments.design.Run` as a dict.
    base : dict
        The base scenario (``Scenario.model_dump()``).
    types : dict
        Factor column types (:func:`experiments.design.factor_types`).

    Returns
    -------
    dict
        ``{"run_id", "status": "done" | "failed", "seconds", "record"}`` and,
        when done, ``"files"`` (table -> Parquet bytes with the declared
        schema) and ``"rows"`` (table -> rows). The sweep's main process writes
        them (:func:`run_sweep`), so a worker's file system does not matter.
    """
    kill = os.environ.get(KILL_ENV)
    if kill:
        try:
            fd = os.open(kill, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.close(fd)
            os._exit(70)
    r = Run(**run)
    t0 = time.perf_counter()
    record = {"run_id": r.run_id, "point": r.point, "replicate": r.replicate, "seed": r.seed,
              "values": r.values, "overrides": r.overrides, "host": socket.gethostname(),
              "pid": os.getpid()}
    try:
        from sim.runner import run_scenario

        scn = with_overrides(validate(base), r.overrides | {"run.seed": r.seed})
        res = run_scenario(scn)
        ident = {"run_id": r.run_id, "point": r.point, "replicate": r.replicate,
                 "seed": r.seed} | _param_values(r.values, types)
        summary = pd.DataFrame([ident | run_outputs(res.metrics, res.agents,
                                                    scn.graph.n_people)
                                | {"seconds": res.seconds}])
        schemas = sweep_schemas(types)
        files, rows = {}, {}
        for table, df in (("metrics", res.metrics), ("agents", res.agents),
                          ("people", res.people), ("runs", summary)):
            frame = df.assign(**ident) if table != "runs" else df
            files[table] = schemas[table].to_bytes(frame)
            rows[table] = len(frame)
    except Exception as exc:  # noqa: BLE001 - recorded, and the sweep goes on
        record |= {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(),
                   "seconds": time.perf_counter() - t0}
        return {"run_id": r.run_id, "status": "failed", "error": record["error"],
                "seconds": record["seconds"], "record": record}
    record["seconds"] = round(time.perf_counter() - t0, 4)
    return {"run_id": r.run_id, "status": "done", "seconds": record["seconds"],
            "record": record, "files": files, "rows": rows}


def _atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``path`` whole or not at all (``.NAME.PID.tmp`` sibling, then rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _store(out: Path, result: dict[str, Any]) -> dict[str, Any]:
    """Write a worker's result into the sweep folder (main process); return its status."""
    rid = result["run_id"]
    record = dict(result["record"])
    status = {k: result[k] for k in ("run_id", "status", "seconds") if k in result}
    if result["status"] != "done":
        (out / "failed").mkdir(exist_ok=True)
        _atomic_write(out / "failed" / f"{rid}.json", json.dumps(record, default=str))
        return status | {"error": result.get("error", "")}
    files = {}
    for table, data in result["files"].items():
        folder = out / table
        folder.mkdir(exist_ok=True)
        _atomic_write(folder / f"{rid}.parquet", data)
        files[table] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                        "rows": int(result["rows"][table])}
    record["files"] = files
    (out / "done").mkdir(exist_ok=True)
    _atomic_write(out / "done" / f"{rid}.json", json.dumps(record, default=str))
    (out / "failed" / f"{rid}.json").unlink(missing_ok=True)
    return status


# ---------------------------------------------------------------------- the folder
def finished_runs(out: str | Path) -> set[str]:
    """Ids of the runs the manifest records as finished (see :func:`verify_runs`)."""
    d = Path(out) / "done"
    return {p.stem for p in d.glob("*.json")} if d.is_dir() else set()


def verify_runs(out: str | Path, run_ids: Iterable[str], types: dict[str, str] | None = None,
                checksum: bool = False) -> dict[str, str]:
    """Check the files of finished runs against their manifest records.

    Each table's file must exist, have the size the manifest recorded, a
    readable Parquet footer with the recorded number of rows, and the
    declared schema of the sweep's tables (with ``checksum``, also the
    recorded SHA-256, which reads every byte).

    Parameters
    ----------
    out : path
        The sweep folder.
    run_ids : iterable of str
        Runs to check (those recorded as finished).
    types : dict, optional
        Factor column types (default: the ones ``sweep.json`` records).
    checksum : bool
        Also compare SHA-256 checksums.

    Returns
    -------
    dict of str to str
        Run id -> what is wrong, for each damaged run (empty when all are sound).
    """
    import pyarrow.parquet as pq

    out = Path(out)
    if types is None:
        types = read_design(out).get("factor_types", {})
    want = {t: _schema_signature(s.arrow()) for t, s in sweep_schemas(types).items()}
    bad: dict[str, str] = {}
    for rid in run_ids:
        try:
            record = json.loads((out / "done" / f"{rid}.json").read_text(encoding="utf-8"))
            files = record["files"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            bad[rid] = f"manifest record unreadable ({type(exc).__name__})"
            continue
        for table in TABLES:
            path = out / table / f"{rid}.parquet"
            meta = files.get(table, {})
            try:
                size = path.stat().st_size
            except OSError:
                bad[rid] = f"{table}/{path.name} is missing"
                break
            if size != meta.get("size"):
                bad[rid] = (f"{table}/{path.name} has {size} bytes, the manifest "
                            f"records {meta.get('size')}")
                break
            try:
                md = pq.read_metadata(path)
                sig = _schema_signature(md.schema.to_arrow_schema())
            except Exception as exc:  # noqa: BLE001 - any unreadable footer
                bad[rid] = f"{table}/{path.name} is not a readable Parquet file ({exc})"
                break
            if md.num_rows != meta.get("rows"):
                bad[rid] = (f"{table}/{path.name} has {md.num_rows} rows, the manifest "
                            f"records {meta.get('rows')}")
                break
            if sig != want[table]:
                bad[rid] = f"{table}/{path.name} does not have the declared schema"
                break
            if checksum and hashlib.sha256(path.read_bytes()).hexdigest() != meta.get("sha256"):
                bad[rid] = f"{table}/{path.name} does not match its recorded checksum"
                break
    return bad


def read_manifest(out: str | Path, kind: str = "done") -> pd.DataFrame:
    """The manifest (``kind="done"``) or the failure records (``kind="failed"``) as a table."""
    d = Path(out) / kind
    rows = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(d.glob("*.json"))]
    return pd.DataFrame(rows)


def read_design(out: str | Path) -> dict[str, Any]:
    """The ``sweep.json`` of a sweep folder."""
    path = Path(out) / "sweep.json"
    if not path.is_file():
        raise ScenarioError(f"{str(out)!r} is not a sweep folder (no sweep.json)")
    return json.loads(path.read_text(encoding="utf-8"))


def read_table(out: str | Path, table: str = "runs", columns: list[str] | None = None
               ) -> pd.DataFrame:
    """Read one table of a sweep folder: the finished runs of its current design.

    Columns have their declared types (:mod:`sim.schema`): ``point`` an
    integer, counts integers, codes categories with all their labels.
    Rows are in the order of ``point``, ``replicate`` (and ``day``). A run
    that several design points share (a Sobol or Morris design can repeat the
    values of a discrete factor: same overrides and seed, one run) comes once
    per point, so every point has its rows; in the files it is stored once,
    under its first point.

    Parameters
    ----------
    out : path
        The sweep folder.
    table : str
        ``runs``, ``metrics``, ``agents`` or ``people``.
    columns : list of str, optional
        Columns to read (``run_id``, ``point`` and ``replicate`` always come along).

    Raises
    ------
    ScenarioError
        If a finished run's file cannot be read (rerun the sweep to redo it).
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    if table not in TABLES:
        raise ValueError(f"table = {table!r} must be one of {', '.join(TABLES)}")
    out = Path(out)
    path = out / table
    if not path.is_dir():
        return pd.DataFrame()
    design = read_design(out)
    schema = sweep_schemas(design.get("factor_types", {}))[table]
    ids = pd.DataFrame([{"run_id": r["run_id"], "point": r["point"]} for r in design["runs"]])
    done = finished_runs(out)
    files = [str(path / f"{rid}.parquet") for rid in dict.fromkeys(ids["run_id"])
             if rid in done and (path / f"{rid}.parquet").is_file()]
    if not files:
        return pd.DataFrame()
    if columns is not None:
        columns = [c for c in dict.fromkeys(["run_id", "replicate", *columns])
                   if c in schema and c != "point"]
    try:
        df = ds.dataset(files, format="parquet", schema=schema.arrow()).to_table(
            columns=columns).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        bad = verify_runs(out, [Path(f).stem for f in files], design.get("factor_types", {}))
        what = "; ".join(f"{k}: {v}" for k, v in list(bad.items())[:5]) or str(exc)
        raise ScenarioError(f"{str(out)!r}: cannot read the {table} table ({what}); rerun the "
                            "same `scsim sweep` command to verify and redo damaged runs"
                            ) from None
    df = df.drop(columns=["point"], errors="ignore").merge(ids, on="run_id", how="inner")
    order = [c for c in ("point", "replicate", "run_id", "day") if c in df.columns]
    df = df.sort_values(order, kind="stable").reset_index(drop=True)
    first = [c for c in ("run_id", "point") if c in df.columns]
    df = df[first + [c for c in df.columns if c not in first]]
    return schema.conform(df)


def default_out(name: str) -> Path:
    """The sweep folder without ``--out``: ``runs/sweeps/<name made a safe path component>``."""
    from sim.runner import safe_name

    return Path("runs") / "sweeps" / safe_name(name)


# ---------------------------------------------------------------------- the lock
def _proc_start(pid: int) -> str | None:
    """The kernel's start time of process ``pid`` (Linux), to tell a reused PID apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _holder_alive(holder: dict[str, Any]) -> bool | None:
    """Whether a lock's holder still runs: None when it runs on another host (unknown)."""
    if holder.get("host") != socket.gethostname():
        return None
    pid = int(holder.get("pid", -1))
    if pid <= 0 or not _pid_alive(pid):
        return False
    start = holder.get("proc_start")
    return start is None or _proc_start(pid) in (None, start)


def _describe(holder: dict[str, Any]) -> str:
    return (f"PID {holder.get('pid')} on host {holder.get('host')!r}, started "
            f"{holder.get('started')}")


class _FolderLock:
    """``DIR/sweep.lock``: one sweep at a time in a folder; a dead holder's lock taken over."""

    def __init__(self, out: Path, say: Callable[[str, bool], None]) -> None:
        self.path = out / LOCK_NAME
        self.say = say
        self.me = {"pid": os.getpid(), "host": socket.gethostname(),
                   "started": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                   "proc_start": _proc_start(os.getpid()),
                   "command": " ".join(sys.argv)}

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def acquire(self) -> None:
        tmp = self.path.with_name(f".{LOCK_NAME}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.me), encoding="utf-8")
        try:
            for _ in range(20):
                try:
                    os.link(tmp, self.path)  # atomic: fails if a lock exists
                    return
                except FileExistsError:
                    pass
                holder = self._read(self.path)
                if holder is None:  # vanished, or being replaced: look again
                    time.sleep(0.05)
                    continue
                alive = _holder_alive(holder)
                if alive is None:
                    raise SweepLocked(
                        f"another sweep is writing into {str(self.path.parent)!r} "
                        f"({_describe(holder)}); one sweep at a time per folder. If no sweep "
                        f"runs there any more, delete {str(self.path)!r}")
                if alive:
                    raise SweepLocked(
                        f"another sweep is writing into {str(self.path.parent)!r} "
                        f"({_describe(holder)}); one sweep at a time per folder: wait for it "
                        "to finish, or use another --out folder")
                stale = self.path.with_name(f".{LOCK_NAME}.{os.getpid()}.stale")
                try:
                    os.rename(self.path, stale)
                except FileNotFoundError:
                    continue
                taken = self._read(stale)
                if taken != holder:  # we moved a lock just taken by someone else: put it back
                    with contextlib.suppress(OSError):
                        os.link(stale, self.path)
                    stale.unlink(missing_ok=True)
                    continue
                stale.unlink(missing_ok=True)
                self.say(f"took over the lock of a sweep that no longer runs "
                         f"({_describe(holder)}) in {str(self.path.parent)!r}", True)
            raise SweepLocked(f"could not take the lock {str(self.path)!r}; try again")
        finally:
            tmp.unlink(missing_ok=True)

    def release(self) -> None:
        if self._read(self.path) == self.me:
            self.path.unlink(missing_ok=True)


# ---------------------------------------------------------------------- preparing
_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?:tmp|stale)$")


def _remove_stale_tmp(out: Path, run_ids: Iterable[str]) -> int:
    """Remove the temporary files an earlier, killed sweep of this folder left behind.

    Only names this module creates (``.NAME.PID.tmp`` of ``sweep.json``, the
    lock, or a run's table file / manifest record), only in the sweep's own
    folders, only when that PID no longer runs; anything else is left alone.
    """
    ids = set(run_ids)
    mine = {out: {"sweep.json", LOCK_NAME}}
    for table in TABLES:
        mine[out / table] = {f"{r}.parquet" for r in ids}
    for kind in ("done", "failed"):
        mine[out / kind] = {f"{r}.json" for r in ids}
    removed = 0
    for folder, names in mine.items():
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            m = _TMP.match(p.name)
            if (m and m["name"] in names and p.is_file() and int(m["pid"]) != os.getpid()
                    and not _pid_alive(int(m["pid"]))):
                p.unlink(missing_ok=True)
                removed += 1
    return removed


def _check_layout(out: Path) -> None:
    for table in ("runs", "metrics", "agents"):
        folder = out / table
        if folder.is_dir() and any(p.name.startswith("point=") for p in folder.iterdir()):
            raise ScenarioError(
                f"{str(out)!r} holds a sweep written by an older scsim (folders "
                f"{table}/point=P/run_id=R/); its tables do not have the declared schemas and "
                "cannot be mixed with new runs: use another --out folder")


def _prepare(spec: SweepSpec, out: Path, runs: list[Run], types: dict[str, str],
             will_run: bool = True) -> None:
    from sim.runner import git_revision, package_versions

    digest = scenario_digest(spec.scenario)
    path = out / "sweep.json"
    revisions = [git_revision()] if will_run else []
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        earlier = old.get("revisions", [])
        if old.get("digest") != digest:
            raise ScenarioError(
                f"{str(out)!r} holds a sweep of a different base scenario "
                f"({old.get('scenario', {}).get('name')!r}, digest {old.get('digest')}); "
                "use another --out folder")
        if "factor_types" in old and old["factor_types"] != types:
            raise ScenarioError(
                f"{str(out)!r} holds a sweep of other factors ({old['factor_types']}); this one "
                f"varies {types}: their tables cannot share a folder; use another --out folder")
        if will_run and earlier and revisions[0] not in earlier:
            warnings.warn(
                f"{str(out)!r} holds runs made by code revision(s) {', '.join(earlier)}; this "
                f"is {revisions[0]}: the finished runs are kept and new ones added, so the "
                "results will mix code revisions (sweep.json lists them all). Use another "
                "--out folder to start afresh.", stacklevel=3)
        revisions = list(dict.fromkeys(earlier + revisions))
    doc = {
        "name": spec.name, "digest": digest, "sample": spec.sample, "n": spec.n,
        "replicates": spec.replicates, "factors": spec.factors, "factor_types": types,
        "sweep": spec.sweep, "variants": spec.variants, "outputs": spec.outputs,
        "question": spec.scenario.experiment.get("question", ""),
        "claim": spec.scenario.experiment.get("claim", ""),
        "scenario": spec.scenario.model_dump(),
        "schema": _schema.VERSION,
        "revisions": revisions,
        "versions": package_versions(),
        "runs": [asdict(r) for r in runs],
    }
    _atomic_write(path, json.dumps(doc, indent=1, default=str))


# ---------------------------------------------------------------------- workers die with us
def _die_with_parent(parent: int, poll: float = 0.25) -> None:
    """Make this (worker) process end when process ``parent`` ends, however it ends.

    On Linux the kernel sends SIGKILL at once (``prctl(PR_SET_PDEATHSIG)``);
    everywhere, a daemon thread checks every ``poll`` seconds that the parent
    is still this process's parent and exits otherwise.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # pragma: no cover - no libc: the thread does it
            pass
    if os.getppid() != parent:  # the parent died before we got here
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="scsim-parent-watch", daemon=True).start()


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`SweepTerminated` while a sweep runs (main
    thread, default handlers only), so the workers are stopped and the lock released."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise SweepTerminated(signum)

    old = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
            old[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


# ---------------------------------------------------------------------- the sweep
def _connect_dask(address: str | None, scheduler_file: str | Path | None, workers: int
                  ) -> tuple[Any, Any]:
    """A Dask client: ``local`` starts a LocalCluster, else a scheduler address or file."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ScenarioError("--dask needs the 'distributed' package") from exc
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster
    where = f"--dask {address!r}" if scheduler_file is None else \
        f"--scheduler-file {str(scheduler_file)!r}"
    if scheduler_file is not None and not Path(scheduler_file).is_file():
        raise ScenarioError(f"{where}: no such file")
    try:
        if scheduler_file is not None:
            client = Client(scheduler_file=str(scheduler_file), timeout="10s")
        else:
            client = Client(address, timeout="5s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ScenarioError(f"{where}: cannot reach a Dask scheduler there within "
                            f"{'10' if scheduler_file else '5'} s ({type(exc).__name__}: "
                            f"{exc})") from None
    return client, None


def run_sweep(spec: SweepSpec, out: str | Path, *, workers: int = 1, dask: str | None = None,
              client: Any = None, scheduler_file: str | Path | None = None,
              progress: bool = True, on_result: Callable[[dict], None] | None = None,
              inline: bool = False, log: Callable[[str], None] | None = None) -> SweepResult:
    """Run every unfinished run of a sweep.

    Parameters
    ----------
    spec : SweepSpec
        A validated spec (:func:`experiments.design.parse_spec`).
    out : path
        Sweep folder; created if needed. Runs already in its manifest whose
        files check out (:func:`verify_runs`) are skipped; damaged ones are redone.
    workers : int
        Local worker processes (or LocalCluster workers with ``dask="local"``).
    dask : str, optional
        ``"local"`` to start a Dask LocalCluster, or a scheduler address
        (``tcp://host:8786``) to use an existing cluster.
    client : distributed.Client, optional
        A Dask client of your own (left open afterwards).
    scheduler_file : path, optional
        A Dask scheduler file (``dask scheduler --scheduler-file F``).
    progress : bool
        Show a progress bar (runs done, failed, ETA).
    on_result : callable, optional
        Called with each run's status dict as it completes.
    inline : bool
        Run in this process, one after another (debugging, small tests).
    log : callable, optional
        Receives messages for the user (the Dask dashboard link, a stale lock
        taken over, damaged runs redone); default: the ``scsim.sweep`` logger.

    Whatever the executor, the workers send their tables back and this
    process writes them into ``out`` (resolved against this process's working
    directory): the results reach ``out`` even when the workers run on other
    machines or in other directories.

    Returns
    -------
    SweepResult

    Raises
    ------
    ScenarioError
        Bad ``workers``, unreachable scheduler, a folder holding another sweep,
        or a folder another sweep is writing into (:class:`SweepLocked`), all
        before any run starts.
    SweepInterrupted
        A worker process died, or this process got SIGTERM / SIGHUP
        (:class:`SweepTerminated`); finished runs are kept, rerun to resume.
    KeyboardInterrupt
        After stopping the workers; rerun to resume.
    """
    if not isinstance(workers, int) or workers < 1:
        raise ScenarioError(f"workers = {workers!r} must be an integer >= 1")
    out = Path(out).absolute()

    def say(message: str, important: bool = False) -> None:
        if log is not None:
            log(message)
        elif important:
            _LOG.warning(message)
        else:
            _LOG.info(message)

    runs = expand(spec)
    unique: dict[str, Run] = {}
    for r in runs:
        unique.setdefault(r.run_id, r)
    types = factor_types(spec)
    own_client = client is None and (dask is not None or scheduler_file is not None)
    cluster = None
    if own_client:
        client, cluster = _connect_dask(dask, scheduler_file, workers)
    lock = None
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(_stop_on_signals())
        if client is not None:
            services = (client.scheduler_info() or {}).get("services", {})
            if "dashboard" in services and client.dashboard_link:
                say(f"Dask dashboard: {client.dashboard_link}")
        _check_layout(out)
        out.mkdir(parents=True, exist_ok=True)
        lock = _FolderLock(out, say)
        lock.acquire()
        _remove_stale_tmp(out, unique)
        done = finished_runs(out) & set(unique)
        bad = verify_runs(out, sorted(done), types) if done else {}
        for rid, why in bad.items():
            say(f"run {rid} was recorded as finished but {why}: redoing it", True)
            (out / "done" / f"{rid}.json").unlink(missing_ok=True)
        done -= set(bad)
        todo = [r for r in unique.values() if r.run_id not in done]
        _prepare(spec, out, runs, types, will_run=bool(todo))
        base = spec.scenario.model_dump()
        t0 = time.perf_counter()
        counts = {"done": 0, "failed": 0}
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc=f"sweep {spec.name}", unit="run", disable=not progress,
                   mininterval=0.5)

        def record(result: dict) -> None:
            status = _store(out, result)
            counts[status["status"]] += 1
            bar.set_postfix(done=counts["done"], failed=counts["failed"], refresh=False)
            bar.update(1)
            if on_result is not None:
                on_result(status)

        try:
            if client is not None:
                _run_dask(client, todo, base, types, record)
            elif inline:
                for r in todo:
                    record(execute_run(asdict(r), base, types))
            else:
                _run_pool(todo, base, types, workers, record)
        finally:
            bar.close()
        return SweepResult(out=out, total=len(unique), skipped=len(unique) - len(todo),
                           finished=counts["done"], failed=counts["failed"],
                           seconds=time.perf_counter() - t0, redone=len(bad))
    finally:
        if lock is not None:
            lock.release()
        stack.close()
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate a pool's worker processes now (they may be in the middle of a run)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    deadline = time.monotonic() + 5
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()


@contextlib.contextmanager
def _interrupts_at_safe_points() -> Iterator[Callable[[], None]]:
    """Turn Ctrl-C and SIGTERM into a flag that the caller checks where it is safe.

    Python raises ``KeyboardInterrupt`` between any two bytecodes; raised inside
    ``concurrent.futures.wait`` while it takes the futures' locks one by one, it
    leaves some locked for good, and cancelling them or shutting the pool down then
    hangs (seen once in CI: a sweep that ignored Ctrl-C). So while the pool runs,
    the handlers only note the signal, and the yielded ``check()`` raises
    ``KeyboardInterrupt`` from the loop, holding no lock. Outside the main thread
    (where handlers cannot be set) ``check()`` does nothing.
    """
    caught: list[int] = []

    def note(signum: int, frame: Any) -> None:
        caught.append(signum)

    def check() -> None:
        if caught:
            raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield check
        return
    sigs = [getattr(signal, n) for n in ("SIGINT", "SIGTERM") if hasattr(signal, n)]
    old = {s: signal.signal(s, note) for s in sigs}
    try:
        yield check
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    check()  # a signal that came after the caller's last check is not lost


def _run_pool(todo: list[Run], base: dict, types: dict[str, str], workers: int,
              record: Callable[[dict], None]) -> None:
    with _interrupts_at_safe_points() as check:
        _run_pool_until(todo, base, types, workers, record, check)


def _run_pool_until(todo: list[Run], base: dict, types: dict[str, str], workers: int,
                    record: Callable[[dict], None], check: Callable[[], None]) -> None:
    ctx = get_context("spawn")
    pending = iter(todo)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                               initializer=_die_with_parent, initargs=(os.getpid(),))
    inflight: dict[Any, Run] = {}

    def fill() -> None:
        for r in pending:
            inflight[pool.submit(execute_run, asdict(r), base, types)] = r
            if len(inflight) >= 2 * workers:
                break

    try:
        fill()
        while inflight:
            check()
            finished, _ = wait(inflight, timeout=0.2, return_when=FIRST_COMPLETED)
            for f in finished:
                run = inflight.pop(f)
                try:
                    result = f.result()
                except BrokenProcessPool:
                    raise SweepInterrupted(
                        f"a worker process died while running (run {run.run_id} or one "
                        "beside it); finished runs are kept in the manifest: rerun the same "
                        "command to resume") from None
                record(result)
                check()
            fill()
    except BaseException:
        for f in inflight:
            f.cancel()
        _stop_workers(pool)
        with contextlib.suppress(Exception):  # the workers are gone: this returns at once
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _run_dask(client: Any, todo: list[Run], base: dict, types: dict[str, str],
              record: Callable[[dict], None]) -> None:
    from distributed import as_completed

    futures = [client.submit(execute_run, asdict(r), base, types, pure=False,
                             key=f"scsim-{r.run_id}") for r in todo]
    try:
        for f in as_completed(futures):
            try:
                result = f.result()
            except Exception as exc:  # KilledWorker and friends
                raise SweepInterrupted(f"Dask could not finish a run ({type(exc).__name__}: "
                                       f"{exc}); rerun the same command to resume") from None
            record(result)
            f.release()
    except BaseException:
        client.cancel(futures)
        raise


def scenario_for(out: str | Path) -> Scenario:
    """The base scenario recorded in a sweep folder."""
    return validate(read_design(out)["scenario"])


def iter_runs(out: str | Path) -> Iterable[dict[str, Any]]:
    """The runs of the recorded design, as dicts."""
    return iter(read_design(out)["runs"])
