"""Run a sweep on local processes or on Dask, resumably, into a Parquet dataset.

Layout of a sweep folder ``DIR``::

    DIR/sweep.json                              the spec, base scenario, code revisions, runs
    DIR/runs/point=P/run_id=R/part.parquet      one row per run: parameters + scalar outputs
    DIR/metrics/point=P/run_id=R/part.parquet   one row per day (sim.metrics.METRICS)
    DIR/agents/point=P/run_id=R/part.parquet    one row per reseller and merchant
    DIR/done/R.json                             the manifest: one record per finished run
    DIR/failed/R.json                           error, traceback and parameters of a failed run

The three tables are hive-partitioned datasets readable by pandas
(``pd.read_parquet(DIR / "metrics")``), pyarrow (``pyarrow.dataset.dataset(...,
partitioning="hive")``) and DuckDB (``read_parquet('DIR/metrics/**/*.parquet',
hive_partitioning = true)``).

Each worker writes its files atomically (temporary file, then ``os.replace``)
and only then its manifest record, so a run is finished exactly when
``done/R.json`` exists; the same command run again skips finished runs and
rewrites (never duplicates) the files of a run that was cut off. Runs that
raise are recorded in ``failed/`` and retried by the next invocation.

Testing hook (documented, test-only): when the environment variable
``SCSIM_SWEEP_KILL_ONCE`` names a file that does not exist, the first run to
start creates that file and kills its own worker process with
``os._exit(70)``, imitating a worker lost to the OOM killer or a crash.
"""

from __future__ import annotations

import json
import os
import socket
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.design import Run, SweepSpec, expand, scenario_digest
from sim.params import Scenario
from sim.scenario import ScenarioError, validate, with_overrides

__all__ = ["SweepResult", "SweepInterrupted", "run_sweep", "execute_run", "run_outputs",
           "finished_runs", "read_design", "read_table", "KILL_ENV"]

KILL_ENV = "SCSIM_SWEEP_KILL_ONCE"
TABLES = ("runs", "metrics", "agents")

#: per-day columns that are flows (summed over the run); the rest are states (last day)
FLOWS = (
    "ads_posted", "openers", "ads_seen", "ads_seen_moments", "ads_seen_group", "ads_seen_direct",
    "feed_items_seen", "ordinary_seen", "ordinary_crowded_out", "mutes", "blocks",
    "blocks_resellers", "blocks_others", "reports", "bans", "purchases", "units_sold",
    "payment_failures", "gmv", "gmv_moments", "gmv_groups", "gmv_push", "gmv_resellers",
    "counterfeits_delivered", "word_of_mouth_warnings", "recruits", "quits", "wholesale_units",
    "pushes_sent", "push_opens", "unfollows",
)
STRATEGIES = ("flooder", "mixer", "curated")


class SweepInterrupted(RuntimeError):
    """The sweep stopped early (interrupt or lost worker); rerun the same command to resume."""


@dataclass
class SweepResult:
    """What one invocation of :func:`run_sweep` did."""

    out: Path
    total: int
    skipped: int
    finished: int
    failed: int
    seconds: float

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
    ``units_<strategy>``. With ``n_people``, ``moments_read_rate`` estimates
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
    out["order_value_mean"] = float(m.loc[buy, "order_value_mean"].mean()) if buy.any() else 0.0
    ok = buy & m["buyer_trust_mean"].notna()
    out["trust_order_value_corr"] = (
        float(np.corrcoef(m.loc[ok, "buyer_trust_mean"], m.loc[ok, "order_value_mean"])[0, 1])
        if ok.sum() > 2 and m.loc[ok, "buyer_trust_mean"].std() > 0
        and m.loc[ok, "order_value_mean"].std() > 0 else float("nan"))
    r = agents[agents["type"] == "reseller"]
    out["resellers_ever"] = float(len(r))
    out["share_resellers_lost_money"] = float((r["profit"] < 0).mean()) if len(r) else 0.0
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


# ---------------------------------------------------------------------- one run
def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _param_columns(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in values.items():
        out[k] = v if isinstance(v, bool | str) else float(v)
    return out


def _partition(out: Path, table: str, run: Run) -> Path:
    return out / table / f"point={run.point}" / f"run_id={run.run_id}"


def execute_run(run: dict[str, Any], base: dict[str, Any], out: str) -> dict[str, Any]:
    """Run one sweep run in a worker and write its files; never raises for a model error.

    Parameters
    ----------
    run : dict
        A :class:`experiments.design.Run` as a dict.
    base : dict
        The base scenario (``Scenario.model_dump()``).
    out : str
        The sweep folder.

    Returns
    -------
    dict
        ``{"run_id", "status": "done" | "failed", "seconds", "error"}``; the
        data go to files, not through the executor (bounded memory).
    """
    from sim.runner import write_parquet

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
    root = Path(out)
    t0 = time.perf_counter()
    record = {"run_id": r.run_id, "point": r.point, "replicate": r.replicate, "seed": r.seed,
              "values": r.values, "overrides": r.overrides, "host": socket.gethostname(),
              "pid": os.getpid()}
    try:
        from sim.runner import run_scenario

        scn = with_overrides(validate(base), r.overrides | {"run.seed": r.seed})
        res = run_scenario(scn)
        params = _param_columns(r.values)
        ident = {"replicate": r.replicate, "seed": r.seed} | params
        summary = pd.DataFrame([ident | run_outputs(res.metrics, res.agents,
                                                    scn.graph.n_people)
                                | {"seconds": res.seconds}])
        metrics = res.metrics.assign(**ident)
        agents = res.agents.assign(**ident)
        for table, df in (("metrics", metrics), ("agents", agents), ("runs", summary)):
            d = _partition(root, table, r)
            d.mkdir(parents=True, exist_ok=True)
            write_parquet(df, d / "part.parquet")
    except Exception as exc:  # noqa: BLE001 - recorded, and the sweep goes on
        record |= {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(),
                   "seconds": time.perf_counter() - t0}
        (root / "failed").mkdir(exist_ok=True)
        _atomic_write_text(root / "failed" / f"{r.run_id}.json", json.dumps(record, default=str))
        return {"run_id": r.run_id, "status": "failed", "error": record["error"]}
    record["seconds"] = round(time.perf_counter() - t0, 4)
    (root / "done").mkdir(exist_ok=True)
    _atomic_write_text(root / "done" / f"{r.run_id}.json", json.dumps(record, default=str))
    failed = root / "failed" / f"{r.run_id}.json"
    if failed.exists():
        failed.unlink(missing_ok=True)
    return {"run_id": r.run_id, "status": "done", "seconds": record["seconds"]}


# ---------------------------------------------------------------------- the sweep
def finished_runs(out: str | Path) -> set[str]:
    """Ids of the runs the manifest records as finished."""
    d = Path(out) / "done"
    return {p.stem for p in d.glob("*.json")} if d.is_dir() else set()


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
    """Read one table of a sweep folder (only runs of its current design, with ``point``).

    Parameters
    ----------
    out : path
        The sweep folder.
    table : str
        ``runs``, ``metrics`` or ``agents``.
    columns : list of str, optional
        Columns to read (partition columns always come along).
    """
    import pyarrow.dataset as ds

    if table not in TABLES:
        raise ValueError(f"table = {table!r} must be one of {', '.join(TABLES)}")
    path = Path(out) / table
    if not path.is_dir():
        return pd.DataFrame()
    dset = ds.dataset(path, format="parquet", partitioning="hive")
    if columns is not None:
        columns = [c for c in dict.fromkeys(columns + ["run_id", "replicate"])
                   if c in dset.schema.names]
    df = dset.to_table(columns=columns).to_pandas()
    design = read_design(out)
    ids = pd.DataFrame([{"run_id": r["run_id"], "point": r["point"]} for r in design["runs"]])
    df = df.drop(columns=["point"], errors="ignore").merge(ids, on="run_id", how="inner")
    return df


def _prepare(spec: SweepSpec, out: Path, runs: list[Run], will_run: bool = True) -> None:
    out.mkdir(parents=True, exist_ok=True)
    from sim.runner import git_revision, package_versions

    digest = scenario_digest(spec.scenario)
    path = out / "sweep.json"
    revisions = [git_revision()] if will_run else []
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        earlier = old.get("revisions", [])
        if will_run and earlier and revisions[0] not in earlier:
            warnings.warn(
                f"{str(out)!r} holds runs made by code revision(s) {', '.join(earlier)}; this "
                f"is {revisions[0]}: the finished runs are kept and new ones added, so the "
                "results will mix code revisions (sweep.json lists them all). Use another "
                "--out folder to start afresh.", stacklevel=3)
        revisions = list(dict.fromkeys(earlier + revisions))
        if old.get("digest") != digest:
            raise ScenarioError(
                f"{str(out)!r} holds a sweep of a different base scenario "
                f"({old.get('scenario', {}).get('name')!r}, digest {old.get('digest')}); "
                "use another --out folder")
    doc = {
        "name": spec.name, "digest": digest, "sample": spec.sample, "n": spec.n,
        "replicates": spec.replicates, "factors": spec.factors, "sweep": spec.sweep,
        "variants": spec.variants, "outputs": spec.outputs,
        "question": spec.scenario.experiment.get("question", ""),
        "claim": spec.scenario.experiment.get("claim", ""),
        "scenario": spec.scenario.model_dump(),
        "revisions": revisions,
        "versions": package_versions(),
        "runs": [asdict(r) for r in runs],
    }
    _atomic_write_text(path, json.dumps(doc, indent=1, default=str))
    for p in out.rglob(".*.tmp"):
        p.unlink(missing_ok=True)


def _connect_dask(address: str, workers: int) -> tuple[Any, Any]:
    """A Dask client: ``local`` starts a LocalCluster, anything else is a scheduler address."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ScenarioError("--dask needs the 'distributed' package") from exc
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster
    try:
        client = Client(address, timeout="5s")
    except (OSError, TimeoutError) as exc:
        raise ScenarioError(f"--dask {address!r}: cannot reach a Dask scheduler there within "
                            f"5 s ({type(exc).__name__}: {exc})") from None
    return client, None


def run_sweep(spec: SweepSpec, out: str | Path, *, workers: int = 1, dask: str | None = None,
              progress: bool = True, on_result: Callable[[dict], None] | None = None,
              inline: bool = False) -> SweepResult:
    """Run every unfinished run of a sweep.

    Parameters
    ----------
    spec : SweepSpec
        A validated spec (:func:`experiments.design.parse_spec`).
    out : path
        Sweep folder; created if needed. Runs already in its manifest are skipped.
    workers : int
        Local worker processes (or LocalCluster workers with ``dask="local"``).
    dask : str, optional
        ``"local"`` to start a Dask LocalCluster, or a scheduler address
        (``tcp://host:8786``) to use an existing cluster. Default: a local
        process pool.
    progress : bool
        Show a progress bar (runs done, failed, ETA).
    on_result : callable, optional
        Called with each run's status dict as it completes.
    inline : bool
        Run in this process, one after another (debugging, small tests).

    Returns
    -------
    SweepResult

    Raises
    ------
    ScenarioError
        Bad ``workers``, unreachable scheduler, or a folder holding another sweep
        (all before any run starts).
    SweepInterrupted
        A worker process died; finished runs are kept, rerun to resume.
    KeyboardInterrupt
        After cancelling the pending runs; rerun to resume.
    """
    if not isinstance(workers, int) or workers < 1:
        raise ScenarioError(f"workers = {workers!r} must be an integer >= 1")
    out = Path(out)
    runs = expand(spec)
    unique: dict[str, Run] = {}
    for r in runs:
        unique.setdefault(r.run_id, r)
    client = cluster = None
    if dask is not None:
        client, cluster = _connect_dask(dask, workers)
    try:
        done = finished_runs(out)
        todo = [r for r in unique.values() if r.run_id not in done]
        _prepare(spec, out, runs, will_run=bool(todo))
        base = spec.scenario.model_dump()
        t0 = time.perf_counter()
        counts = {"done": 0, "failed": 0}
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc=f"sweep {spec.name}", unit="run", disable=not progress,
                   mininterval=0.5)

        def record(status: dict) -> None:
            counts[status["status"]] += 1
            bar.set_postfix(done=counts["done"], failed=counts["failed"], refresh=False)
            bar.update(1)
            if on_result is not None:
                on_result(status)

        try:
            if client is not None:
                _run_dask(client, todo, base, out, record)
            elif inline:
                for r in todo:
                    record(execute_run(asdict(r), base, str(out)))
            else:
                _run_pool(todo, base, out, workers, record)
        finally:
            bar.close()
        return SweepResult(out=out, total=len(unique), skipped=len(unique) - len(todo),
                           finished=counts["done"], failed=counts["failed"],
                           seconds=time.perf_counter() - t0)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _run_pool(todo: list[Run], base: dict, out: Path, workers: int,
              record: Callable[[dict], None]) -> None:
    ctx = get_context("spawn")
    pending = iter(todo)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        inflight: dict[Any, Run] = {}

        def fill() -> None:
            for r in pending:
                inflight[pool.submit(execute_run, asdict(r), base, str(out))] = r
                if len(inflight) >= 2 * workers:
                    break

        try:
            fill()
            while inflight:
                finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for f in finished:
                    run = inflight.pop(f)
                    try:
                        record(f.result())
                    except BrokenProcessPool:
                        raise SweepInterrupted(
                            f"a worker process died while running (run {run.run_id} or one "
                            "beside it); finished runs are kept in the manifest: rerun the same "
                            "command to resume") from None
                fill()
        except BaseException:
            for f in inflight:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _run_dask(client: Any, todo: list[Run], base: dict, out: Path,
              record: Callable[[dict], None]) -> None:
    from distributed import as_completed

    futures = [client.submit(execute_run, asdict(r), base, str(out), pure=False,
                             key=f"scsim-{r.run_id}") for r in todo]
    try:
        for f in as_completed(futures):
            try:
                record(f.result())
            except Exception as exc:  # KilledWorker and friends
                raise SweepInterrupted(f"Dask could not finish a run ({type(exc).__name__}: "
                                       f"{exc}); rerun the same command to resume") from None
    except BaseException:
        client.cancel(futures)
        raise


def scenario_for(out: str | Path) -> Scenario:
    """The base scenario recorded in a sweep folder."""
    return validate(read_design(out)["scenario"])


def iter_runs(out: str | Path) -> Iterable[dict[str, Any]]:
    """The runs of the recorded design, as dicts."""
    return iter(read_design(out)["runs"])
