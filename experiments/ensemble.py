"""Uncertainty from parameters, not only seeds: each experiment over the calibration's
plausible region (issue 12, point 3).

The rule is pre-registered once, in ``experiments/ensemble.toml`` (:func:`load_spec`):
which calibration trials are plausible (:func:`plausible_region`), which of them run
(:func:`draw`), how many replicates each, with which seeds, how the spread is reported and
how the verdict over the region is formed. :func:`run_ensemble` runs an experiment's
pre-registered design once per drawn parameter set (``DATA/<id>/ensemble/trial-<t>/``,
resumable sweep folders), applies the experiment's own check to each set and to all sets
pooled, and splits each decision part's spread into a parameter and a replicate component
(:func:`decompose`, a one-way random-effects ANOVA). :func:`section_md` writes the
report's "Parameter uncertainty" section.

Source of the parameter sets: the ``[[trials]]`` tables that ``scsim calibrate`` writes
into ``sim/data/calibration.toml`` (``trial``, ``phase``, ``objective``, ``[trials.misses]``
and ``[trials.values]``; docs/calibration.md).
"""

from __future__ import annotations

import json
import shutil
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from experiments import prereg

__all__ = ["SPEC_PATH", "CALIBRATION_PATH", "ParamSet", "Decomposition", "EnsembleResult",
           "load_spec", "load_calibration", "threshold", "plausible_region", "draw",
           "decompose", "anova", "within_sd_from_interval", "build_view", "set_folder",
           "run_ensemble", "section_md"]

SPEC_PATH = Path(__file__).resolve().parent / "ensemble.toml"
CALIBRATION_PATH = Path(__file__).resolve().parent.parent / "sim" / "data" / "calibration.toml"


# ---------------------------------------------------------------------- the pre-registration
def load_spec(path: str | Path = SPEC_PATH) -> dict[str, Any]:
    """The validated ``[ensemble]`` table of the ensemble's pre-registration.

    Returns
    -------
    dict
        ``sets`` (K, int >= 1), ``replicates`` (r, int >= 2: within-set noise must be
        estimable), ``level`` (in (0, 1)), ``draw_seed`` (int), ``exclude_best`` (bool),
        and the rules in words (``region``, ``draw``, ``design``, ``seeds``, ``spread``,
        ``verdict``).

    Raises
    ------
    ValueError
        Naming the file and the missing or bad key.
    """
    path = Path(path)
    spec = tomllib.loads(path.read_text(encoding="utf-8")).get("ensemble")
    if not spec:
        raise ValueError(f"{path}: no [ensemble] table, so no pre-registered ensemble")
    for key in ("sets", "replicates", "level", "draw_seed", "exclude_best", "region", "draw",
                "design", "seeds", "spread", "verdict"):
        if key not in spec:
            raise ValueError(f"{path}: [ensemble] lacks {key!r}")
    for key, lo in (("sets", 1), ("replicates", 2), ("draw_seed", 0)):
        v = spec[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ValueError(f"{path}: [ensemble] {key} = {v!r} must be an integer >= {lo}")
    if not 0 < float(spec["level"]) < 1:
        raise ValueError(f"{path}: [ensemble] level = {spec['level']!r} must lie in (0, 1)")
    if not isinstance(spec["exclude_best"], bool):
        raise ValueError(f"{path}: [ensemble] exclude_best must be true or false")
    return dict(spec)


def load_calibration(path: str | Path = CALIBRATION_PATH) -> dict[str, Any]:
    """The calibration file as a dict, with its path under ``"__path__"`` (for messages)."""
    path = Path(path)
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    doc["__path__"] = str(path)
    return doc


# ---------------------------------------------------------------------- the region
@dataclass(frozen=True)
class ParamSet:
    """One calibration trial's parameter values.

    Attributes
    ----------
    trial : int
        The trial's number in the calibration file.
    objective : float
        Its objective (sum of squared misses, each in units of its target's tolerance).
    values : dict
        Dotted parameter key -> value (integers for integer-typed parameters).
    phase : str
        The search phase that proposed it (``defaults``, ``random``, ``tpe``, ...).
    """

    trial: int
    objective: float
    values: dict[str, Any] = field(default_factory=dict)
    phase: str = ""


def _where(doc: dict[str, Any]) -> str:
    return str(doc.get("__path__", "the calibration file"))


def _trials(doc: dict[str, Any]) -> list[dict[str, Any]]:
    trials = doc.get("trials") or []
    if not trials:
        raise ValueError(f"{_where(doc)}: no [[trials]] tables (trial, objective, "
                         "[trials.values]); rerun `scsim calibrate`, which records every "
                         "trial, before running a parameter ensemble")
    for t in trials:
        for key in ("trial", "objective", "values"):
            if key not in t:
                raise ValueError(f"{_where(doc)}: a [[trials]] table lacks {key!r} "
                                 f"(trial {t.get('trial', '?')})")
    return trials


def _n_targets(doc: dict[str, Any], trials: list[dict[str, Any]]) -> int:
    if doc.get("targets"):
        return len(doc["targets"])
    misses = trials[0].get("misses") or {}
    if not misses:
        raise ValueError(f"{_where(doc)}: neither [targets.*] nor [trials.misses]: the "
                         "number of targets (the chi-square degrees of freedom) is unknown")
    return len(misses)


def threshold(doc: dict[str, Any], level: float = 0.95) -> tuple[float, float, int]:
    """The plausible region's bound on the objective.

    Parameters
    ----------
    doc : dict
        The calibration file (:func:`load_calibration`).
    level : float
        The chi-square quantile's level.

    Returns
    -------
    tuple
        ``(bound, best, df)``: ``bound = best + chi2.ppf(level, df)`` with ``best`` the
        smallest objective of the trials and ``df`` the number of targets. Assumption:
        each miss is in units of its target's tolerance, so the objective is a
        chi-square-like sum and a rise of ``chi2.ppf(level, df)`` above the best is
        within tolerance (a likelihood-ratio region; with a misfitting model it is a
        tolerance region, not a posterior).

    Raises
    ------
    ValueError
        When the file has no trials (naming the file).
    """
    from scipy.stats import chi2

    trials = _trials(doc)
    df = _n_targets(doc, trials)
    best = min(float(t["objective"]) for t in trials)
    return best + float(chi2.ppf(level, df)), best, df


def _cast(values: dict[str, Any]) -> dict[str, Any]:
    from experiments.design import _field_type

    out = {}
    for k, v in values.items():
        kind = _field_type(k)
        out[k] = (int(round(float(v))) if kind is int else bool(v) if kind is bool
                  else float(v) if isinstance(v, int | float) else v)
    return out


def plausible_region(doc: dict[str, Any], *, level: float = 0.95, need: int = 1
                     ) -> list[ParamSet]:
    """The calibration trials within tolerance of the best.

    Parameters
    ----------
    doc : dict
        The calibration file (:func:`load_calibration`): its ``[[trials]]``.
    level : float
        See :func:`threshold`: a trial is plausible when ``objective <= best +
        chi2.ppf(level, number of targets)``.
    need : int
        How many plausible sets the caller needs.

    Returns
    -------
    list of ParamSet
        Sorted by objective (then trial number), the best first; values cast to the
        parameters' declared types.

    Raises
    ------
    ValueError
        When the file has no trials, or fewer than ``need`` plausible ones (naming the
        file, the bound and the count).
    """
    bound, _, df = threshold(doc, level)
    sets = sorted((ParamSet(int(t["trial"]), float(t["objective"]), _cast(dict(t["values"])),
                            str(t.get("phase", "")))
                   for t in _trials(doc) if float(t["objective"]) <= bound),
                  key=lambda s: (s.objective, s.trial))
    if len(sets) < need:
        raise ValueError(f"{_where(doc)}: {len(sets)} trial(s) have an objective <= {bound:.4g} "
                         f"(best + chi2 {level:g} quantile, {df} df); {need} are needed")
    return sets


def draw(doc: dict[str, Any], k: int | None = None, seed: int | None = None, *,
         level: float | None = None, exclude_best: bool | None = None) -> list[ParamSet]:
    """``k`` parameter sets from the plausible region, deterministically.

    The pre-registered rule (``experiments/ensemble.toml``): the best trial is left out
    when ``exclude_best`` (its rounded values are the calibrated defaults, which the main
    design runs); the rest, sorted by objective, is cut into ``k`` contiguous strata of
    nearly equal size (:func:`numpy.array_split`) and one trial drawn from each with
    ``numpy.random.default_rng(seed)``: the sets spread from near-best to the edge.
    Arguments left None take the pre-registered values (``sets``, ``draw_seed``,
    ``level``, ``exclude_best``).

    Returns
    -------
    list of ParamSet
        ``k`` sets, in stratum order (best stratum first).

    Raises
    ------
    ValueError
        No trials, or fewer plausible sets than ``k`` (naming the file).
    """
    spec = load_spec()
    k = spec["sets"] if k is None else int(k)
    seed = spec["draw_seed"] if seed is None else int(seed)
    level = float(spec["level"]) if level is None else float(level)
    exclude_best = spec["exclude_best"] if exclude_best is None else exclude_best
    if k < 1:
        raise ValueError(f"k = {k}: at least one parameter set")
    region = plausible_region(doc, level=level, need=k + int(bool(exclude_best)))
    pool = region[1:] if exclude_best else region
    rng = np.random.default_rng(seed)
    strata = np.array_split(np.arange(len(pool)), k)
    return [pool[int(rng.choice(s))] for s in strata]


# ---------------------------------------------------------------------- decomposition
@dataclass(frozen=True)
class Decomposition:
    """A decision part's spread over parameter sets, split into its components.

    Attributes
    ----------
    k : int
        Parameter sets with a finite estimate.
    mean : float
        Mean of the set estimates.
    between_sd : float
        Sample SD of the set estimates (ddof 1): parameters plus what replicate noise is
        left in a set's estimate (NaN with fewer than 2 sets).
    within_sd : float
        Replicate (seed) SD per run, within a parameter set.
    param_var : float
        Parameter variance component: ``max(0, between_sd**2 - mean(within_sd**2 / n))``
        (one-way random-effects ANOVA, method of moments).
    share : float
        ``param_var / (param_var + within_sd**2)``: the share of a run's variance that
        comes from the parameters (intraclass correlation); NaN when undefined.
    """

    k: int
    mean: float
    between_sd: float
    within_sd: float
    param_var: float
    share: float

    @property
    def param_sd(self) -> float:
        """Square root of the parameter variance component."""
        return float(np.sqrt(self.param_var)) if np.isfinite(self.param_var) else float("nan")


def decompose(estimates: Any, n: Any, within_sd: float) -> Decomposition:
    """Split the spread of per-set estimates into parameter and replicate components.

    Parameters
    ----------
    estimates : array_like, shape (K,)
        One estimate per parameter set (non-finite ones are dropped).
    n : int or array_like, shape (K,)
        Replicates behind each set's estimate.
    within_sd : float
        Replicate SD per run within a set (same unit as the estimates).

    Returns
    -------
    Decomposition
        The one-way random-effects ANOVA estimate (Searle, Casella and McCulloch,
        *Variance Components*, 1992, ch. 3): a set's estimate has variance
        ``sigma_p**2 + within_sd**2 / n``, so ``sigma_p**2 = var(estimates) -
        mean(within_sd**2 / n)``, floored at 0.
    """
    est = np.asarray(estimates, dtype=float)
    ns = np.broadcast_to(np.asarray(n, dtype=float), est.shape)
    ok = np.isfinite(est) & (ns > 0)
    est, ns = est[ok], ns[ok]
    w = float(within_sd)
    if est.size < 2:
        return Decomposition(int(est.size), float(est.mean()) if est.size else float("nan"),
                             float("nan"), w, float("nan"), float("nan"))
    between = float(np.var(est, ddof=1))
    if not np.isfinite(w):
        return Decomposition(int(est.size), float(est.mean()), float(np.sqrt(between)), w,
                             float("nan"), float("nan"))
    pv = max(0.0, between - float(np.mean(w ** 2 / ns)))
    total = pv + w ** 2
    return Decomposition(int(est.size), float(est.mean()), float(np.sqrt(between)), w, pv,
                         pv / total if total > 0 else float("nan"))


def anova(values: Any) -> Decomposition:
    """:func:`decompose` of per-run values: rows are parameter sets, columns replicates.

    Parameters
    ----------
    values : array_like, shape (K, r)
        One value per run; ``r >= 2``.

    Returns
    -------
    Decomposition
        Set estimates are the row means; the within-set SD is the pooled SD of the rows
        (mean of the row variances, ddof 1).

    Raises
    ------
    ValueError
        When ``values`` is not 2-D with at least 2 columns.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(f"values of shape {x.shape}: need (sets, replicates >= 2)")
    return decompose(x.mean(axis=1), x.shape[1], float(np.sqrt(x.var(axis=1, ddof=1).mean())))


def within_sd_from_interval(low: float, high: float, n: int, interval: str = "t",
                            level: float = 0.95) -> float:
    """Replicate SD per run implied by a 95% interval of a mean-like statistic.

    ``(high - low) / (2 q) * sqrt(n)``, with ``q`` the Student-t quantile (``n - 1``
    df) for ``t`` and ``paired t`` intervals and the normal quantile for bootstrap ones
    (approximation). NaN when the interval or ``n`` cannot give one.
    """
    from scipy.stats import norm, t

    if not (np.isfinite(low) and np.isfinite(high)) or n < 2:
        return float("nan")
    p = 0.5 + level / 2
    q = float(norm.ppf(p)) if interval == "bootstrap" else float(t.ppf(p, n - 1))
    return float((high - low) / (2 * q) * np.sqrt(n))


# ---------------------------------------------------------------------- folders
VIEW_KEY = "ensemble_view"


def set_folder(data: str | Path, id_: str, ps: ParamSet) -> Path:
    """The sweep folder of parameter set ``ps`` of experiment ``id_``."""
    return Path(data) / id_.upper() / "ensemble" / f"trial-{ps.trial}"


def build_view(dest: str | Path, sources: list[Path], spec: Any, *, pooled: bool) -> Path:
    """A sweep folder the experiment's check can read, made from ensemble sweep folders.

    Every table of each source is copied with the swept factors' columns relabelled by
    design point to the values of ``spec`` (the design at the calibrated defaults: a
    level ``"default"`` that a set resolved to its own value reads as the calibrated
    default, so labels agree across sets). With ``pooled``, source ``i``'s replicate
    ``j`` becomes replicate ``i * r + j`` and gets a new run id, so pairing by replicate
    stays within a set and a seed.

    Parameters
    ----------
    dest : path
        The view folder; replaced if it is an earlier view (refused otherwise).
    sources : list of path
        Ensemble sweep folders of one experiment, in the same design.
    spec : SweepSpec
        The experiment's design at the calibrated defaults.
    pooled : bool
        Renumber replicates across sources.

    Returns
    -------
    Path
        ``dest``.
    """
    import hashlib

    from experiments.design import design_points, factor_types, scenario_digest
    from experiments.sweep import TABLES, read_design, read_table, sweep_schemas
    from sim import schema as _schema

    dest = Path(dest)
    if dest.exists():
        old = dest / "sweep.json"
        if not (old.is_file() and VIEW_KEY in json.loads(old.read_text(encoding="utf-8"))):
            raise ValueError(f"{dest} exists and is not an ensemble view; not replacing it")
        shutil.rmtree(dest)
    points = design_points(spec)
    types = factor_types(spec)
    schemas = sweep_schemas(types)
    factors = [c for c in types]
    runs, revisions, reps = [], [], 0
    for i, src in enumerate(sources):
        design = read_design(src)
        revisions += design.get("revisions", [])
        r = int(design["replicates"])
        reps = max(reps, (i + 1) * r if pooled else r)

        def new_id(rid: str, i: int = i) -> str:
            return ("r" + hashlib.sha256(f"{rid}/{i}".encode()).hexdigest()[:15]) if pooled \
                else rid

        for table in TABLES:
            df = read_table(src, table)
            if df.empty:
                continue
            for c in factors:
                if c in df.columns:
                    df[c] = [points[p][c] for p in df["point"]]
            if pooled:
                df["replicate"] = df["replicate"] + i * r
                df["run_id"] = df["run_id"].map(new_id)
            (dest / table).mkdir(parents=True, exist_ok=True)
            for rid, g in df.groupby("run_id", sort=False):
                (dest / table / f"{rid}.parquet").write_bytes(schemas[table].to_bytes(g))
        (dest / "done").mkdir(parents=True, exist_ok=True)
        done = {p.stem for p in (Path(src) / "done").glob("*.json")}
        for run in design["runs"]:
            if run["run_id"] not in done:
                continue
            rid = new_id(run["run_id"])
            rec = {"run_id": rid, "point": run["point"],
                   "replicate": run["replicate"] + (i * r if pooled else 0),
                   "seed": run["seed"], "values": points[run["point"]],
                   "overrides": run["overrides"], "source": f"{src}/{run['run_id']}"}
            runs.append(rec)
            (dest / "done" / f"{rid}.json").write_text(json.dumps(rec, default=str),
                                                       encoding="utf-8")
    doc = {"name": spec.name, "digest": scenario_digest(spec.scenario), "sample": spec.sample,
           "n": spec.n, "replicates": reps, "factors": spec.factors, "factor_types": types,
           "sweep": spec.sweep, "variants": spec.variants, "outputs": spec.outputs,
           "question": spec.scenario.experiment.get("question", ""),
           "claim": spec.scenario.experiment.get("claim", ""),
           "scenario": spec.scenario.model_dump(), "schema": _schema.VERSION,
           "revisions": list(dict.fromkeys(revisions)), "runs": runs,
           VIEW_KEY: {"sources": [str(s) for s in sources], "pooled": pooled}}
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "sweep.json").write_text(json.dumps(doc, indent=1, default=str), encoding="utf-8")
    return dest


# ---------------------------------------------------------------------- running
@dataclass
class EnsembleResult:
    """An experiment's ensemble over the plausible region.

    Attributes
    ----------
    id : str
        Experiment id.
    sets : list of ParamSet
        The drawn parameter sets.
    region : list of ParamSet
        The whole plausible region (best first).
    bound, best : float
        The region's bound on the objective and the best objective.
    df : int
        Number of calibration targets.
    replicates : int
        Replicates per set and design point.
    per_set : list of Finding
        The experiment's check on each set's runs.
    pooled : Finding
        The check on all sets' runs pooled: the verdict over the region.
    rows : list of dict
        One per decision part and label: the spread table (:func:`section_md`).
    """

    id: str
    sets: list[ParamSet]
    region: list[ParamSet]
    bound: float
    best: float
    df: int
    n_trials: int
    replicates: int
    points: int
    per_set: list[Any]
    pooled: Any
    rows: list[dict[str, Any]]
    runs: int = 0
    resumed: int = 0
    failed: int = 0
    seconds: float = 0.0
    check_seconds: float = 0.0
    figure: Path | None = None
    prereg_commit: str | None = None
    prereg_clean: bool = False
    runs_before_prereg: int = 0


def _scenario(id_: str, people: int | None, overrides: dict[str, Any] | None,
              values: dict[str, Any] | None = None) -> Any:
    from experiments.cli import resolve_scenario
    from sim.scenario import load_scenario, with_overrides

    scn = load_scenario(resolve_scenario(id_))
    if people is not None:
        scn = with_overrides(scn, {"graph.n_people": people})
    if values:
        scn = with_overrides(scn, values)
    if overrides:
        scn = with_overrides(scn, overrides)
    return scn


def run_ensemble(id_: str, main: Any, *, sets: int | None = None, workers: int = 1,
                 data: str | Path = "runs/experiments", out: str | Path | None = None,
                 dask: str | None = None, people: int | None = None,
                 overrides: dict[str, Any] | None = None, progress: bool = True,
                 inline: bool = False, calibration: str | Path = CALIBRATION_PATH
                 ) -> EnsembleResult:
    """Run experiment ``id_`` over ``sets`` parameter sets of the plausible region.

    Parameters
    ----------
    id_ : str
        ``S1`` .. ``S12``.
    main : Finding
        The experiment's finding at the calibrated defaults (its intervals give the
        replicate SD; its parts the labels).
    sets : int, optional
        K (default: the pre-registered ``sets``).
    workers, dask, progress, inline
        As for :func:`experiments.sweep.run_sweep`.
    data : path
        Parent of the experiment's folder; set ``t`` runs into
        ``data/<id>/ensemble/trial-<t>/`` (finished runs are reused), the views the
        checks read into ``data/<id>/ensemble/views/``.
    out : path, optional
        Where the ensemble figure ``<id>-ensemble.png`` goes (None: no figure).
    people, overrides
        The main run's size overrides; applied on top of the set's values (an override
        of a calibrated parameter wins over the set).
    calibration : path
        The calibration file with the ``[[trials]]``.

    Returns
    -------
    EnsembleResult

    Raises
    ------
    ValueError
        No trials or too few plausible sets in the calibration file.
    SweepInterrupted
        As :func:`experiments.sweep.run_sweep`.
    """
    from experiments.design import design_points, parse_spec
    from experiments.findings import check
    from experiments.sweep import run_sweep

    key = id_.upper()
    spec_doc = load_spec()
    r = int(spec_doc["replicates"])
    doc = load_calibration(calibration)
    level = float(spec_doc["level"])
    chosen = draw(doc, sets, spec_doc["draw_seed"], level=level,
                  exclude_best=spec_doc["exclude_best"])
    region = plausible_region(doc, level=level)
    bound, best, df = threshold(doc, level)
    base = parse_spec(_scenario(key, people, overrides), replicates=r)
    n_points = len(design_points(base))
    root = Path(data) / key / "ensemble"
    folders, resumed, failed, n_runs = [], 0, 0, 0
    t0 = time.perf_counter()
    for ps in chosen:
        spec = parse_spec(_scenario(key, people, overrides, ps.values), replicates=r)
        if len(design_points(spec)) != n_points:
            raise ValueError(f"{key}: trial {ps.trial}'s design has {len(design_points(spec))} "
                             f"points, the calibrated one {n_points}")
        folder = set_folder(data, key, ps)
        res = run_sweep(spec, folder, workers=workers, dask=dask, progress=progress,
                        inline=inline)
        folders.append(folder)
        resumed += res.skipped
        failed += res.failed
        n_runs += res.total
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    per_set = []
    for ps, folder in zip(chosen, folders, strict=True):
        view = build_view(root / "views" / f"trial-{ps.trial}", [folder], base, pooled=False)
        per_set.append(check(key, view, root / "figures" / f"trial-{ps.trial}"))
    pooled_spec = parse_spec(_scenario(key, people, overrides), replicates=r * len(chosen))
    view = build_view(root / "views" / "pooled", folders, pooled_spec, pooled=True)
    pooled = check(key, view, root / "figures" / "pooled")
    check_seconds = time.perf_counter() - t1
    rows = _rows(key, main, per_set, pooled)
    early = sum(prereg.runs_before(f, SPEC_PATH) for f in folders)
    result = EnsembleResult(key, chosen, region, bound, best, df, len(_trials(doc)), r,
                            n_points, per_set, pooled, rows, n_runs, resumed, failed,
                            seconds, check_seconds, None, prereg.commit(SPEC_PATH),
                            prereg.is_clean(SPEC_PATH), early)
    if out is not None:
        result.figure = _figure(result, main, Path(out))
    return result


def _rows(key: str, main: Any, per_set: list[Any], pooled: Any) -> list[dict[str, Any]]:
    """One row per decision part (and label): defaults, sets, spread, pooled."""
    specs = {p["name"]: p for p in prereg.decision(prereg.load(key))["parts"]}

    def by_key(f: Any) -> dict[tuple[str, str], Any]:
        return {(p.name, p.label): p for p in f.parts}

    sets = [by_key(f) for f in per_set]
    pool = by_key(pooled)
    rows = []
    for p in main.parts:
        k = (p.name, p.label)
        got = [s.get(k) for s in sets]
        est = [g.estimate if g is not None else float("nan") for g in got]
        ns = [g.n if g is not None else 0 for g in got]
        w = within_sd_from_interval(p.low, p.high, p.n, specs[p.name].get("interval", "t"))
        rows.append({"part": p, "sets": got, "decomposition": decompose(est, ns, w),
                     "pooled": pool.get(k)})
    return rows


# ---------------------------------------------------------------------- report
def _short(key: str) -> str:
    return key.split(".", 1)[1]


def section_md(res: EnsembleResult, main: Any, fmt: Any = "{:.4g}".format) -> str:
    """The report's "Parameter uncertainty" section (markdown, without its heading)."""
    spec = load_spec()
    c = res.prereg_commit
    if c and res.prereg_clean and not res.runs_before_prereg:
        cite = (f"Ensemble pre-registration: commit `{c}` (the last commit that changed "
                "`experiments/ensemble.toml`: the plausible region, the sets, replicates, "
                "seeds, how the spread is reported and how the verdict over the region is "
                "formed); these results were produced after it.")
    elif c and res.prereg_clean:
        cite = (f"**Ensemble not pre-registered:** {res.runs_before_prereg} ensemble runs "
                f"finished before commit `{c}` of `experiments/ensemble.toml`.")
    else:
        cite = ("**Ensemble not pre-registered:** `experiments/ensemble.toml` has uncommitted "
                "changes or was never committed.")
    trials = ", ".join(str(s.trial) for s in res.sets)
    head = (f"{cite}\n\nPlausible region: the {len(res.region)} of {res.n_trials} calibration "
            f"trials with objective <= {res.bound:.1f} (best {res.best:.1f} + the chi-square "
            f"{float(spec['level']):g} quantile with {res.df} df, one per target; "
            "`sim/data/calibration.toml`). "
            f"{len(res.sets)} sets drawn, one per stratum of the region sorted by objective "
            f"(trials {trials}{'; the best trial left out: its values are the defaults' if spec['exclude_best'] else ''}), "  # noqa: E501
            f"each run at all {res.points} design points with {res.replicates} replicates "
            f"(the main run's first {res.replicates} seeds: common random numbers), "
            f"{res.runs} runs ({res.resumed} reused, {res.failed} failed), {res.seconds:.0f} s "
            f"of runs and {res.check_seconds:.0f} s of checks.\n\n"
            f"**Verdict over the plausible region (all {len(res.sets)} x {res.replicates} runs "
            f"pooled, the pre-registered rule): {res.pooled.result}** (at the calibrated "
            f"defaults: {main.result}).\n")
    lines = ["| part | at calibrated defaults (95% CI) | per set (trial: estimate) | "
             "between-set SD | within-set SD per run (replicates) | parameter SD (ANOVA, "
             "lower bound) | share from parameters | verdict per set | pooled (95% CI): "
             "verdict |", "|---|---|---|---:|---:|---:|---:|---|---|"]
    for row in res.rows:
        p, d, pool = row["part"], row["decomposition"], row["pooled"]
        name = f"`{p.name}`" + (f" [{p.label}]" if p.label else "")
        per = "; ".join(f"{s.trial}: {fmt(g.estimate)}" if g is not None else f"{s.trial}: n/a"
                        for s, g in zip(res.sets, row["sets"], strict=True))
        vs = ", ".join(g.verdict if g is not None else "n/a" for g in row["sets"])
        share = f"{d.share:.0%}" if np.isfinite(d.share) else "n/a"
        pl = (f"{fmt(pool.estimate)} ({fmt(pool.low)} to {fmt(pool.high)}, n = {pool.n}): "
              f"**{pool.verdict}**" if pool is not None else "n/a")
        lines.append(f"| {name} | {fmt(p.estimate)} ({fmt(p.low)} to {fmt(p.high)}): "
                     f"{p.verdict} | {per} | {fmt(d.between_sd)} | {fmt(d.within_sd)} | "
                     f"{fmt(d.param_sd)} | {share} | {vs} | {pl} |")
    keys = list(res.sets[0].values) if res.sets else []
    st = ["| trial | objective | " + " | ".join(f"`{_short(k)}`" for k in keys) + " |",
          "|---:|---:|" + "---:|" * len(keys)]
    for s in res.sets:
        st.append(f"| {s.trial} | {s.objective:.1f} | "
                  + " | ".join(fmt(s.values[k]) for k in keys) + " |")
    note = ("Within-set SD: from the interval at the calibrated defaults (half-width / q x "
            "sqrt(n)), assumed the same across the region. Parameter SD: sqrt(max(0, "
            "between-set variance - within-set variance / replicates)), a one-way "
            "random-effects ANOVA; under common random numbers the seeds' main effect "
            "cancels between sets, so it is a lower bound and the between-set SD an upper "
            "bound on the parameters' spread. Share: parameter variance / (parameter + "
            "within-set variance), per run. Per-set verdicts rest on "
            f"{res.replicates} replicates each (Student-t with {res.replicates - 1} df): "
            "shown, never decided on. The pooled intervals treat the runs of one town "
            "(seed) under different sets as independent.")
    fig = f"\n\n![{res.id} over the plausible region]({res.figure.name})" if res.figure else ""
    return (head + "\n" + "\n".join(lines) + "\n\n" + note + "\n\nParameter sets (calibrated "
            "parameters; all others at their defaults):\n\n" + "\n".join(st) + fig + "\n")


def _figure(res: EnsembleResult, main: Any, out: Path) -> Path:
    """Per decision part: the estimate at the defaults, per set and pooled, with 95% CIs."""
    import textwrap

    from experiments.findings import _plt

    plt = _plt()
    n = len(res.rows)
    cols = min(n, 4)
    nrows = -(-n // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 3.4 * nrows), squeeze=False)
    labels = ["defaults"] + [f"trial {s.trial}" for s in res.sets] + ["pooled"]
    for ax, row in zip(axes.flat, res.rows, strict=False):
        p = row["part"]
        items = [p, *row["sets"], row["pooled"]]
        x = np.arange(len(items))
        m = np.array([g.estimate if g is not None else np.nan for g in items])
        lo = np.array([g.low if g is not None else np.nan for g in items])
        hi = np.array([g.high if g is not None else np.nan for g in items])
        err = np.nan_to_num(np.vstack([m - lo, hi - m]), nan=0.0)
        colors = ["black"] + ["tab:blue"] * len(res.sets) + ["tab:red"]
        for xi, mi, e, c in zip(x, m, err.T, colors, strict=True):
            ax.errorbar([xi], [mi], yerr=e.reshape(2, 1), fmt="o", color=c, capsize=3)
        ax.axhline(p.boundary, ls="--", color="grey", lw=1)
        finite = np.concatenate([m, lo[[0, -1]], hi[[0, -1]], [p.boundary]])
        finite = finite[np.isfinite(finite)]
        if finite.size:
            span = max(float(finite.max() - finite.min()), 1e-9)
            ax.set_ylim(finite.min() - 0.15 * span, finite.max() + 0.15 * span)
        ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=7)
        stat = p.statistic if "(" in p.statistic else p.statistic + " (dimensionless)"
        ax.set_ylabel("\n".join(textwrap.wrap(stat, 40)), fontsize=7)
        ax.set_xlabel("parameter set (calibration trial)", fontsize=7)
        ax.set_title(p.name + (f" [{p.label}]" if p.label else ""), fontsize=7)
        ax.grid(alpha=0.3, axis="y")
    for ax in list(axes.flat)[n:]:
        ax.remove()
    fig.suptitle(f"{res.id} over the plausible region: estimate and 95% CI (dashed: the "
                 "pre-registered boundary)", fontsize=9)
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{res.id}-ensemble.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
