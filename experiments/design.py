"""Sweep specifications and experimental designs.

A sweep is declared in a scenario file's free-form ``[experiment]`` table::

    [experiment]
    question = "Which moderation rule removes the most spam for the least GMV?"
    claim = "a frontier of spam seen vs GMV kept (F12, F13)"
    outputs = ["ads_seen", "gmv"]
    replicates = 20
    sample = "grid"                 # grid | lhs | sobol | morris
    n = 64                          # base sample size for lhs / sobol / morris

    [experiment.sweep]
    "platform.report_threshold" = [5, 10, 20, 40]       # a list: grid levels
    "platform.posting_cap" = {low = 0, high = 4}        # a range: lhs / sobol / morris
    "purchase.fatigue" = ["default", 0.05]              # "default": the scenario's value

    [experiment.variants]           # optional named bundles of coupled overrides
    flooders = {"resellers.share_flooder" = 1.0, "resellers.share_mixer" = 0.0}

:func:`parse_spec` validates all of it against the parameter declarations
before any run starts; :func:`expand` turns the spec into runs, each with a
stable id (a hash of its overrides and seed) so a sweep can be resumed and
gives the same results whichever executor runs it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from sim.params import SECTIONS, Scenario
from sim.scenario import ScenarioError, with_overrides

__all__ = [
    "SAMPLES",
    "SweepSpec",
    "Run",
    "parse_spec",
    "design_points",
    "expand",
    "factor_types",
    "integer_levels",
    "morris_levels",
    "replicate_seed",
    "run_id",
    "salib_problem",
    "scenario_digest",
    "MIN_SOBOL_N",
    "sobol_min_n",
    "sobol_size_problem",
    "check_sizes",
]

SAMPLES = ("grid", "lhs", "sobol", "morris")
Sample = Literal["grid", "lhs", "sobol", "morris"]


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: what varies, how it is sampled, how often each point runs.

    Attributes
    ----------
    scenario : Scenario
        The base scenario (its ``experiment`` table included).
    sweep : dict
        Parameter key -> list of levels, or ``{"low": a, "high": b}`` range.
    variants : dict
        Variant name -> overrides applied together (a categorical factor).
    sample : str
        ``grid``, ``lhs``, ``sobol`` or ``morris``.
    n : int
        Base sample size for ``lhs`` (points), ``sobol`` (Saltelli N, a power
        of two) and ``morris`` (trajectories).
    replicates : int
        Runs per design point, each with its own seed.
    outputs : list of str
        Scalar outputs the analysis reads by default.
    """

    scenario: Scenario
    sweep: dict[str, Any]
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    sample: str = "grid"
    n: int = 16
    replicates: int = 1
    outputs: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def factors(self) -> list[str]:
        """Names of the varied factors (``variant`` first when there are variants)."""
        return (["variant"] if self.variants else []) + list(self.sweep)


@dataclass(frozen=True)
class Run:
    """One run of a sweep: a design point, a replicate and its seed."""

    run_id: str
    point: int
    replicate: int
    seed: int
    values: dict[str, Any]
    overrides: dict[str, Any]


def _field_type(key: str) -> type | None:
    section, _, name = key.partition(".")
    cls = SECTIONS.get(section)
    if cls is None or name not in cls.model_fields:
        return None
    ann = cls.model_fields[name].annotation
    return ann if isinstance(ann, type) else str


def _current(scenario: Scenario, key: str, where: str) -> Any:
    """The scenario's value of ``section.name`` (what the level ``"default"`` stands for)."""
    section, _, name = key.partition(".")
    node = getattr(scenario, section, None)
    if node is None or not hasattr(node, name) or section == "experiment":
        raise ScenarioError(f"{where}: unknown parameter {key!r}; sections: "
                            f"{', '.join(sorted(SECTIONS))}")
    return getattr(node, name)


def _check_key(scenario: Scenario, key: str, value: Any, where: str) -> None:
    if key == "run.seed":
        raise ScenarioError(f"{where}: {key!r} cannot be swept; replicate seeds derive from it "
                            "(use replicates instead)")
    try:
        with_overrides(scenario, {key: value})
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def parse_spec(scenario: Scenario, *, replicates: int | None = None, sample: str | None = None,
               n: int | None = None) -> SweepSpec:
    """Validate a scenario's ``[experiment]`` table as a sweep.

    Parameters
    ----------
    scenario : Scenario
        A scenario whose ``experiment`` table holds ``sweep`` (and optionally
        ``variants``, ``sample``, ``n``, ``replicates``, ``outputs``).
    replicates, sample, n : optional
        Command-line overrides of the table's values.

    Returns
    -------
    SweepSpec

    Raises
    ------
    ScenarioError
        For an unknown parameter, an empty level list, a range with
        ``low >= high`` or outside the parameter's valid range, a range under
        ``grid`` sampling, ``n`` given with ``grid`` sampling (it would be
        ignored), ``replicates < 1``, ``n < 1``, a ``sobol`` sample
        whose ``n`` is not a power of two, or an unknown sample. Every value is
        checked through :func:`sim.scenario.with_overrides`.
    """
    exp = dict(scenario.experiment)
    sweep = dict(exp.get("sweep", {}))
    variants = {str(k): dict(v) for k, v in dict(exp.get("variants", {})).items()}
    sample = sample or exp.get("sample", "grid")
    if n is not None and sample == "grid":
        raise ScenarioError(f"--n {n}: grid sampling runs every combination of the levels, so "
                            "it takes no sample size; drop --n, or sample with --sample "
                            "lhs|sobol|morris")
    reps = exp.get("replicates", 1) if replicates is None else replicates
    n = int(exp.get("n", 16) if n is None else n)
    outputs = list(exp.get("outputs", []))
    if sample not in SAMPLES:
        raise ScenarioError(f"sample = {sample!r} is unknown; use one of {', '.join(SAMPLES)}")
    if not isinstance(reps, int) or isinstance(reps, bool) or reps < 1:
        raise ScenarioError(f"replicates = {reps!r} must be an integer >= 1")
    if n < 1:
        raise ScenarioError(f"n = {n} must be >= 1 (sample size for {sample})")
    if sample == "sobol" and n & (n - 1):
        lo = 1 << (n.bit_length() - 1)
        raise ScenarioError(
            f"n = {n}: Sobol sampling (Saltelli's scheme) needs n a power of two, or its "
            f"indices lose their convergence properties; use n = {lo} or n = {2 * lo}")
    if not sweep and not variants:
        raise ScenarioError(
            f"scenario {scenario.name!r} has no [experiment.sweep] or [experiment.variants] "
            "table: nothing to vary")
    for key, levels in list(sweep.items()):
        where = f"experiment.sweep {key!r}"
        if isinstance(levels, list | tuple) and "default" in levels:
            levels = sweep[key] = [_current(scenario, key, where) if v == "default" else v
                                   for v in levels]
        if isinstance(levels, dict):
            if set(levels) - {"low", "high"} or not {"low", "high"} <= set(levels):
                raise ScenarioError(f"{where} = {levels!r}: a range needs exactly low and high")
            lo, hi = levels["low"], levels["high"]
            if not lo < hi:
                raise ScenarioError(f"{where}: empty range low = {lo!r} >= high = {hi!r}")
            if sample == "grid":
                raise ScenarioError(f"{where} is a range; grid sampling needs a list of levels "
                                    "(or use --sample lhs|sobol|morris)")
            kind = _field_type(key)
            if kind is bool or kind is str:
                raise ScenarioError(f"{where}: a range needs a numeric parameter")
            _check_key(scenario, key, lo, where)
            _check_key(scenario, key, hi, where)
        elif isinstance(levels, list | tuple):
            if len(levels) == 0:
                raise ScenarioError(f"{where} = []: empty list of levels")
            for v in levels:
                _check_key(scenario, key, v, where)
            if sample in ("sobol", "morris") and len(levels) < 2:
                raise ScenarioError(f"{where}: {sample} needs at least 2 levels or a range")
        else:
            raise ScenarioError(f"{where} = {levels!r}: expected a list of levels or "
                                "{low = ..., high = ...}")
    for name, ov in variants.items():
        if not ov:
            raise ScenarioError(f"experiment.variants.{name} is empty")
        try:
            with_overrides(scenario, ov)
        except ScenarioError as exc:
            raise ScenarioError(f"experiment.variants.{name}: {exc}") from None
        clash = set(ov) & set(sweep)
        if clash:
            raise ScenarioError(f"experiment.variants.{name} sets {sorted(clash)}, which "
                                "experiment.sweep also varies")
    if variants and sample in ("sobol", "morris"):
        raise ScenarioError(f"variants are categorical; {sample} sampling needs numeric factors")
    spec = SweepSpec(scenario=scenario, sweep=sweep, variants=variants, sample=sample, n=n,
                     replicates=int(reps), outputs=outputs)
    # every combination must also validate (e.g. strategy shares that must sum to 1)
    for values in design_points(spec)[:10_000]:
        try:
            with_overrides(scenario, _overrides(spec, values))
        except ScenarioError as exc:
            raise ScenarioError(f"design point {values}: {exc}") from None
    return spec


#: the smallest Saltelli base sample a Sobol analysis accepts (with few factors)
MIN_SOBOL_N = 64


def sobol_min_n(k: int) -> int:
    """The smallest acceptable Sobol base sample for ``k`` factors.

    ``max(64, 2 (k + 2))`` rounded up to a power of two: below 64 the
    bootstrap intervals of Saltelli/Jansen estimators are wider than the
    indices themselves (an N = 8 analysis gave a first-order index of 1.28),
    and a design of ``N (k + 2)`` runs should have at least twice as many
    base rows as columns of its radial blocks.
    """
    need = max(MIN_SOBOL_N, 2 * (k + 2))
    return 1 << (need - 1).bit_length()


def sobol_size_problem(n: int, k: int) -> str | None:
    """Why a Sobol base sample ``n`` for ``k`` factors is not acceptable, or None."""
    if n < 1 or n & (n - 1):
        lo = 1 << max(n.bit_length() - 1, 0)
        return (f"Sobol sample size n = {n} is not a power of two (Saltelli's scheme needs "
                f"one); use n = {max(lo, 1)} or n = {2 * max(lo, 1)}")
    need = sobol_min_n(k)
    if n < need:
        return (f"Sobol sample size n = {n} is too small for {k} factor(s): use n >= {need} "
                f"(a power of two, at least max(64, 2 (k + 2)); the design then has "
                f"{need * (k + 2)} points)")
    return None


def check_sizes(spec: SweepSpec, *, force: bool = False) -> None:
    """Refuse a design too small to support a finding, unless ``force``.

    Raises
    ------
    ScenarioError
        When ``spec.replicates`` is below
        :data:`experiments.analysis.MIN_REPLICATES` (5), naming the value; or
        for a ``sobol`` sample whose ``n`` is not a power of two or below
        :func:`sobol_min_n` (also with ``force``: a Sobol design that is not a
        power of two is never valid; a small one is allowed when forced).
    """
    from experiments.analysis import MIN_REPLICATES

    if spec.sample == "sobol":
        problem = sobol_size_problem(spec.n, len(spec.sweep))
        if problem and (not force or spec.n & (spec.n - 1)):
            raise ScenarioError(problem + ("" if spec.n & (spec.n - 1) else
                                           " (or pass --force / force=True)"))
    if spec.replicates < MIN_REPLICATES and not force:
        raise ScenarioError(
            f"replicates = {spec.replicates}: fewer than {MIN_REPLICATES} replicates give "
            "intervals too wide and too unstable to decide a claim; use --replicates "
            f"{MIN_REPLICATES} or more, or pass --force (force=True) for a smoke test whose "
            "verdicts mean nothing")


def integer_levels(spec: SweepSpec, key: str) -> int | None:
    """How many values factor ``key`` takes when they are discrete, else None.

    A list of levels takes ``len(levels)`` values (its indices); a range of an
    integer parameter takes ``high - low + 1``; a range of a real parameter is
    continuous (None).
    """
    levels = spec.sweep[key]
    if isinstance(levels, list | tuple):
        return len(levels)
    if _field_type(key) is int:
        return int(math.floor(levels["high"])) - int(math.ceil(levels["low"])) + 1
    return None


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem dict of the factors, in unit bins for discrete ones.

    A real range spans ``[low, high]``; a discrete factor with ``k`` values
    spans ``[low, low + k]`` (a list: ``[0, k]``), which :func:`design_points`
    cuts into ``k`` equal bins, one a value, so every value gets the same
    share of the unit interval (and of the draws).
    """
    names, bounds = [], []
    for key, levels in spec.sweep.items():
        k = integer_levels(spec, key)
        if isinstance(levels, dict):
            lo = float(levels["low"]) if k is None else float(math.ceil(levels["low"]))
            bounds.append([lo, float(levels["high"]) if k is None else lo + k])
        else:
            bounds.append([0.0, float(len(levels))])
        names.append(key)
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def morris_levels(spec: SweepSpec) -> int:
    """The Morris grid's number of levels ``p`` for this spec.

    Without discrete factors the usual ``p = 4``. With discrete factors of
    ``k1, k2, ...`` values, the smallest even multiple of their least common
    multiple that is at least 4 (when it is at most 24): then each value of
    each discrete factor is ``p / k`` grid levels, so every value is sampled
    and equally often (0..4 gets ``p = 10``: two levels a value). Beyond 24,
    the smallest even ``p >= max(k)`` (up to 24) reaches every value of the
    widest factor, if not exactly equally often. Elementary effects are
    computed from the values actually run (:func:`experiments.analysis.
    morris_indices`), so they are exact whatever the rounding.
    """
    ks = [k for key in spec.sweep if (k := integer_levels(spec, key)) is not None]
    if not ks:
        return 4
    p = math.lcm(2, *ks)
    while p < 4:
        p *= 2
    if p <= 24:
        return p
    p = max(4, max(ks) + max(ks) % 2)
    return p if p <= 24 else 4


def _cast(key: str, x: float, levels: Any, bounds: list[float]) -> Any:
    """Map a draw in ``bounds`` to a parameter value (discrete: ``k`` equal bins)."""
    if isinstance(levels, list | tuple):
        return levels[min(max(int(math.floor(x)), 0), len(levels) - 1)]
    if _field_type(key) is int:
        lo, hi = int(bounds[0]), int(bounds[1]) - 1
        return min(max(int(math.floor(x)), lo), hi)
    return float(x)


def factor_types(spec: SweepSpec) -> dict[str, str]:
    """Column type of each factor in the sweep's tables (:mod:`sim.schema` type names).

    From the parameter's declaration (``int64``, ``float64``, ``bool``,
    ``string``), so a factor has one type in every file of a sweep folder;
    ``variant`` is a ``string``.
    """
    out: dict[str, str] = {"variant": "string"} if spec.variants else {}
    for key, levels in spec.sweep.items():
        kind = _field_type(key)
        values = list(levels.values()) if isinstance(levels, dict) else list(levels)
        if kind is bool or (kind is None and all(isinstance(v, bool) for v in values)):
            out[key] = "bool"
        elif kind is int:
            out[key] = "int64"
        elif kind is float or (kind is None and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in values)):
            out[key] = "float64"
        else:
            out[key] = "string"
    return out


def design_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The design's parameter points, in a fixed order.

    Grid: the Cartesian product of the levels (and variants). LHS: ``n``
    points of a Latin hypercube (scipy, seeded from ``run.seed``). Sobol:
    Saltelli's scheme of SALib for first-order and total indices
    (``n * (k + 2)`` points for ``k`` factors; ``n`` a power of two). Morris:
    SALib's ``n`` trajectories (``n * (k + 1)`` points) on a grid of
    :func:`morris_levels` levels. A discrete factor (a list of levels, or a
    range of an integer parameter) with ``k`` values maps the unit interval to
    ``k`` equal bins, so each value is drawn equally often.

    Returns
    -------
    list of dict
        Factor -> value, ``variant`` included when the spec has variants.
    """
    keys = list(spec.sweep)
    variant_names = list(spec.variants) or [None]
    if spec.sample == "grid":
        pts = []
        for combo in itertools.product(variant_names, *(spec.sweep[k] for k in keys)):
            v, *vals = combo
            d = {"variant": v} if v is not None else {}
            pts.append(d | dict(zip(keys, vals, strict=True)))
        return pts
    problem = salib_problem(spec)
    bounds = problem["bounds"]
    seed = int(spec.scenario.run.seed % (2**32))
    if spec.sample == "lhs":
        from scipy.stats import qmc

        u = qmc.LatinHypercube(d=len(keys), seed=np.random.default_rng(seed)).random(spec.n)
        lo = np.array([b[0] for b in bounds])
        hi = np.array([b[1] for b in bounds])
        x = lo + u * (hi - lo)
        base = [{"variant": v} if v is not None else {} for v in variant_names]
        return [b | {k: _cast(k, x[i, j], spec.sweep[k], bounds[j]) for j, k in enumerate(keys)}
                for b in base for i in range(spec.n)]
    if spec.sample == "sobol":
        from SALib.sample import sobol as sobol_sample

        x = sobol_sample.sample(problem, spec.n, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris as morris_sample

        x = morris_sample.sample(problem, spec.n, num_levels=morris_levels(spec), seed=seed)
    return [{k: _cast(k, row[j], spec.sweep[k], bounds[j]) for j, k in enumerate(keys)}
            for row in x]


def _overrides(spec: SweepSpec, values: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k != "variant"}
    if "variant" in values:
        out = dict(spec.variants[values["variant"]]) | out
    return out


def replicate_seed(seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` of a scenario with root seed ``seed``.

    Derived with :class:`numpy.random.SeedSequence`, so it does not depend on
    the executor, the worker or the order runs finish in. All design points
    share replicate seeds (common random numbers: sharper comparisons).
    """
    state = np.random.SeedSequence([int(seed), int(replicate)]).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & (2**62 - 1)


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def run_id(overrides: dict[str, Any], seed: int) -> str:
    """Stable id of a run: a hash of its overrides and seed (``r`` + 15 hex digits)."""
    h = hashlib.sha256(_canonical({"overrides": overrides, "seed": int(seed)}).encode())
    return "r" + h.hexdigest()[:15]


def scenario_digest(scenario: Scenario) -> str:
    """Hash of the base scenario without its experiment table (identifies a sweep folder)."""
    data = scenario.model_dump(exclude={"experiment"})
    data["run"].pop("seed", None)
    data["seed"] = scenario.run.seed
    return hashlib.sha256(_canonical(data).encode()).hexdigest()[:16]


def expand(spec: SweepSpec) -> list[Run]:
    """Every run of the sweep: design points x replicates, with ids and seeds."""
    seeds = [replicate_seed(spec.scenario.run.seed, r) for r in range(spec.replicates)]
    runs = []
    for point, values in enumerate(design_points(spec)):
        ov = _overrides(spec, values)
        for rep, seed in enumerate(seeds):
            runs.append(Run(run_id=run_id(ov, seed), point=point, replicate=rep, seed=seed,
                            values=values, overrides=ov))
    return runs
