"""Analysis of a sweep folder: means with confidence intervals, sensitivity, figures.

``scsim analyze DIR`` calls :func:`analyze`, which writes into ``DIR/analysis``:

- ``summary.csv``      per design point and output: mean, 95% CI, replicates
- ``sensitivity.csv``  Sobol (S1, ST) or Morris (mu*, sigma) indices, for a
  ``sobol`` or ``morris`` sample (the outputs that are defined at every point)
- ``skipped.txt``      the outputs left out of the indices, each with why (an
  output that is NaN at some design points); absent when none was
- ``timeseries.png``   chosen per-day columns, mean and 95% CI band per point
- ``heatmap_<output>.png`` for a two-factor grid
- ``sensitivity.png``  bars of the indices

Confidence intervals of a mean over replicates: for a quantity that cannot be
negative (counts, GMV, shares; every value >= 0) a percentile bootstrap of the
mean (:func:`bootstrap_ci`, 4,000 resamples, a fixed seed), which stays inside
the range of the data and so never goes below zero; for a signed quantity
(paired differences, correlations) the Student-t interval
``mean +- t_{0.975, n-1} * sd / sqrt(n)``. Replicates differ only in their
seed, and design points share replicate seeds (common random numbers).

Verdicts are decided by one function, :func:`verdict`: "held" when the
interval lies on the claimed side of the decision boundary, "did not hold"
when it lies on the other side, "inconclusive" when it spans the boundary
(or there is no interval); :func:`combine` joins the verdicts of a claim's
parts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.design import SweepSpec, design_points, parse_spec, salib_problem
from experiments.sweep import read_design, read_table, scenario_for

__all__ = ["mean_ci", "bootstrap_ci", "verdict", "combine", "VERDICTS", "MIN_REPLICATES",
           "unit_of", "axis_label", "summarize", "point_table", "timeseries_ci", "sensitivity",
           "morris_indices",
           "plot_timeseries", "plot_heatmap", "plot_frontier", "plot_sensitivity",
           "plot_points", "analyze"]


#: the three verdicts a claim can get
VERDICTS = ("held", "did not hold", "inconclusive")

#: fewer replicates than this are refused by ``scsim experiment`` unless forced
MIN_REPLICATES = 5


def verdict(estimate: float, low: float, high: float, boundary: float,
            direction: str) -> str:
    """The verdict on one comparison: ``held``, ``did not hold`` or ``inconclusive``.

    The claim is ``estimate > boundary`` (``direction = ">"``) or
    ``estimate < boundary`` (``"<"``), judged on the interval ``[low, high]``:

    - *held*: the whole interval lies on the claimed side (``low > boundary``
      for ``">"``, ``high < boundary`` for ``"<"``);
    - *did not hold*: the whole interval lies on the other side
      (``high < boundary`` for ``">"``, ``low > boundary`` for ``"<"``);
    - *inconclusive*: the interval spans (or touches) the boundary, or is
      undefined (NaN: fewer than two finite replicates).

    Parameters
    ----------
    estimate : float
        Point estimate (reported; it must lie in the interval when both are finite).
    low, high : float
        Interval bounds.
    boundary : float
        Decision boundary (from the pre-registration).
    direction : str
        ``">"`` or ``"<"``: the side the claim puts the quantity on.

    Raises
    ------
    ValueError
        For another direction, ``low > high``, or an estimate outside its interval.
    """
    if direction not in (">", "<"):
        raise ValueError(f"direction = {direction!r}: use '>' or '<' (the side of the "
                         "boundary the claim puts the quantity on)")
    vals = [float(estimate), float(low), float(high), float(boundary)]
    if not np.isfinite(vals[3]):
        raise ValueError(f"boundary = {boundary!r} must be a finite number")
    lo, hi = vals[1], vals[2]
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "inconclusive"
    if lo > hi:
        raise ValueError(f"interval [{lo}, {hi}] has low > high")
    if np.isfinite(vals[0]) and not lo - 1e-9 * max(1.0, abs(lo)) <= vals[0] <= (
            hi + 1e-9 * max(1.0, abs(hi))):
        raise ValueError(f"estimate {vals[0]} lies outside its interval [{lo}, {hi}]")
    b = vals[3]
    above, below = lo > b, hi < b
    if direction == ">":
        return "held" if above else ("did not hold" if below else "inconclusive")
    return "held" if below else ("did not hold" if above else "inconclusive")


def combine(verdicts: list[str] | tuple[str, ...], how: str = "all") -> str:
    """Join the verdicts of a claim's parts.

    ``how = "all"`` (the claim is A and B): held if every part held, did not
    hold if any part did not hold, else inconclusive. ``how = "any"`` (A or
    B): held if some part held, did not hold if every part did not hold,
    else inconclusive.
    """
    vs = list(verdicts)
    bad = [v for v in vs if v not in VERDICTS]
    if bad or not vs:
        raise ValueError(f"verdicts {vs!r}: need one or more of {VERDICTS}")
    if how == "all":
        if all(v == "held" for v in vs):
            return "held"
        return "did not hold" if "did not hold" in vs else "inconclusive"
    if how == "any":
        if "held" in vs:
            return "held"
        return "did not hold" if all(v == "did not hold" for v in vs) else "inconclusive"
    raise ValueError(f"how = {how!r}: use 'all' or 'any'")


def _finite(x: Any) -> tuple[np.ndarray, tuple[float, float, float, int] | None]:
    """The finite values of ``x``, and the ``(mean, nan, nan, n)`` answer when n < 2."""
    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    if a.size >= 2:
        return a, None
    m = float(a.mean()) if a.size else float("nan")
    return a, (m, float("nan"), float("nan"), int(a.size))


def bootstrap_ci(x: Any, level: float = 0.95, resamples: int = 4000,
                 seed: int = 0) -> tuple[float, float, float, int]:
    """Mean and percentile-bootstrap interval of the mean of the finite values of ``x``.

    The interval's bounds are means of resamples of the data, so they lie
    within ``[min(x), max(x)]``: a quantity that cannot be negative gets an
    interval that cannot go below zero (the Student-t interval of 2-5
    replicates of a count often does). Deterministic (fixed ``seed``).

    Returns
    -------
    tuple
        ``(mean, low, high, n)``; the interval is NaN when ``n < 2``.
    """
    a, few = _finite(x)
    if few is not None:
        return few
    n, m = a.size, float(a.mean())
    rng = np.random.default_rng(seed)
    means = a[rng.integers(0, n, (resamples, n))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return m, float(min(lo, m)), float(max(hi, m)), n


def mean_ci(x: Any, level: float = 0.95,
            nonneg: bool = False) -> tuple[float, float, float, int]:
    """Mean and confidence interval of the finite values of ``x``.

    Parameters
    ----------
    x : array-like
        One value per replicate.
    level : float
        Confidence level.
    nonneg : bool
        The quantity cannot be negative (a count, GMV, a share): use the
        percentile bootstrap (:func:`bootstrap_ci`), whose interval stays at
        or above zero. Otherwise (a paired difference, a correlation) the
        Student-t interval.

    Returns
    -------
    tuple
        ``(mean, low, high, n)``; the interval is NaN when ``n < 2``.

    Raises
    ------
    ValueError
        If ``nonneg`` and a value is negative.
    """
    from scipy import stats

    a, few = _finite(x)
    if nonneg:
        if (a < 0).any():
            raise ValueError(f"nonneg = True but {int((a < 0).sum())} value(s) are negative "
                             f"(min {a.min():g}): not a non-negative quantity")
        return bootstrap_ci(a, level)
    if few is not None:
        return few
    n, m = a.size, float(a.mean())
    h = float(stats.t.ppf(0.5 + level / 2, n - 1) * a.std(ddof=1) / np.sqrt(n))
    return m, m - h, m + h, n


def unit_of(name: str) -> str:
    """The declared unit of a run output, per-day metric or parameter (``""`` if none)."""
    from sim.schema import METRICS, RUN_OUTPUTS

    for schema in (RUN_OUTPUTS, METRICS):
        if name in schema:
            return schema[name].unit
    if "." in name:
        from sim.params import parameter_table

        for row in parameter_table():
            if row["key"] == name:
                return str(row["unit"])
    return ""


def axis_label(name: str, unit: str | None = None) -> str:
    """``name (unit)`` for an axis, the unit from the declarations unless given."""
    u = unit_of(name) if unit is None else unit
    short = name.split(".")[-1] if "." in name else name
    return f"{short} ({u})" if u else short


def point_table(out: str | Path) -> pd.DataFrame:
    """One row per design point: ``point`` and its factor values."""
    design = read_design(out)
    rows = {}
    for r in design["runs"]:
        rows.setdefault(r["point"], {"point": r["point"]} | r["values"])
    return pd.DataFrame(list(rows.values())).sort_values("point").reset_index(drop=True)


def summarize(runs: pd.DataFrame, outputs: list[str], by: list[str] | None = None,
              level: float = 0.95) -> pd.DataFrame:
    """Mean and CI of each output over replicates, per group.

    Parameters
    ----------
    runs : pandas.DataFrame
        The ``runs`` table (one row per run).
    outputs : list of str
        Output columns.
    by : list of str, optional
        Grouping columns (default ``["point"]``).

    Returns
    -------
    pandas.DataFrame
        Columns ``by + [output, mean, ci_low, ci_high, n]``. An output whose
        every value in ``runs`` is >= 0 (a count, GMV, a share) gets the
        bootstrap interval, which stays >= 0; others the Student-t interval.
    """
    by = by or ["point"]
    rows = []
    nonneg = {o: bool((runs[o].dropna() >= 0).all()) for o in outputs}
    for key, g in runs.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        for o in outputs:
            m, lo, hi, n = mean_ci(g[o], level, nonneg=nonneg[o])
            rows.append(dict(zip(by, key, strict=True)) | {"output": o, "mean": m, "ci_low": lo,
                                                           "ci_high": hi, "n": n})
    return pd.DataFrame(rows)


def timeseries_ci(metrics: pd.DataFrame, column: str, by: str = "point",
                  level: float = 0.95) -> pd.DataFrame:
    """Per-day mean and CI of ``column`` over replicates, per ``by`` group (vectorised).

    Student-t bands; for a column that is never negative the band's lower edge
    is cut at 0 (these bands are drawn, never used for a verdict, and a
    per-day bootstrap of every point would cost more than the figure is worth).
    """
    from scipy import stats

    g = metrics.groupby([by, "day"])[column]
    df = g.agg(["mean", "std", "count"]).reset_index()
    t = stats.t.ppf(0.5 + level / 2, np.maximum(df["count"] - 1, 1))
    h = t * df["std"].fillna(0) / np.sqrt(df["count"])
    df["ci_low"], df["ci_high"] = df["mean"] - h, df["mean"] + h
    if (metrics[column].dropna() >= 0).all():
        df["ci_low"] = df["ci_low"].clip(lower=0.0)
    return df


def morris_indices(spec: SweepSpec, points: list[dict[str, Any]], y: Any,
                   num_resamples: int = 1000, conf_level: float = 0.95,
                   seed: int | None = None) -> pd.DataFrame:
    """Morris indices from the values actually run: ``mu``, ``mu_star``, ``sigma``.

    An elementary effect is the change of ``y`` along one step of a
    trajectory divided by the step of the factor as run, on the factor's
    unit scale (a range: ``(x - low) / (high - low)``; a list of levels: its
    index over ``len - 1``). So a discrete factor whose grid levels round to
    unevenly spaced values still gets exact effects (``y = posting_cap`` over
    0..4 has ``mu_star = 4``, the change over the range), where the nominal
    grid step (SALib's ``delta``) would be off by the rounding.

    Parameters
    ----------
    spec : SweepSpec
        The Morris spec.
    points : list of dict
        The design points (:func:`experiments.design.design_points`), trajectory
        by trajectory.
    y : array-like
        One output value per point.

    Returns
    -------
    pandas.DataFrame
        ``factor, mu, mu_star, mu_star_conf, sigma`` (``mu_star_conf``: half
        width of a bootstrap confidence interval of ``mu_star``).
    """
    keys = list(spec.sweep)
    k = len(keys)
    y = np.asarray(y, dtype=float)
    x = np.empty((len(points), k))
    for j, key in enumerate(keys):
        levels = spec.sweep[key]
        if isinstance(levels, dict):
            lo, hi = float(levels["low"]), float(levels["high"])
            x[:, j] = [(float(p[key]) - lo) / (hi - lo) for p in points]
        else:
            index = {repr(v): i for i, v in enumerate(levels)}
            x[:, j] = [index[repr(p[key])] / (len(levels) - 1) for p in points]
    if len(points) % (k + 1) or len(y) != len(points):
        raise ValueError(f"{len(points)} points, {len(y)} outputs: not trajectories of {k + 1}")
    effects: list[list[float]] = [[] for _ in keys]
    for t in range(len(points) // (k + 1)):
        xs, ys = x[t * (k + 1):(t + 1) * (k + 1)], y[t * (k + 1):(t + 1) * (k + 1)]
        for step in range(k):
            dx = xs[step + 1] - xs[step]
            moved = np.flatnonzero(dx != 0)
            if moved.size == 1:  # one factor per step; a step that rounds to none is skipped
                j = int(moved[0])
                effects[j].append(float((ys[step + 1] - ys[step]) / dx[j]))
    from scipy import stats

    rng = np.random.default_rng(seed)
    z = stats.norm.ppf(0.5 + conf_level / 2)
    rows = []
    for key, ee in zip(keys, effects, strict=True):
        e = np.asarray(ee)
        if e.size == 0:
            rows.append({"factor": key, "mu": np.nan, "mu_star": np.nan,
                         "mu_star_conf": np.nan, "sigma": np.nan})
            continue
        boot = np.abs(e[rng.integers(0, e.size, (num_resamples, e.size))]).mean(axis=1)
        rows.append({"factor": key, "mu": float(e.mean()), "mu_star": float(np.abs(e).mean()),
                     "mu_star_conf": float(z * boot.std(ddof=1)) if e.size > 1 else np.nan,
                     "sigma": float(e.std(ddof=1)) if e.size > 1 else np.nan})
    return pd.DataFrame(rows)


def sensitivity(out: str | Path, outputs: list[str]) -> pd.DataFrame:
    """SALib Sobol or Morris indices of ``outputs`` for a ``sobol`` / ``morris`` sweep.

    Each output is averaged over replicates at each design point first. An
    output that is NaN at some design points (undefined there, such as
    ``gmv_per_ad_groups`` where no group ads were seen), or for Sobol the same
    at every point, has no indices: it is left out, and named with the reason
    in ``result.attrs["skipped"]`` (output -> reason); the other outputs are
    analysed.

    Returns
    -------
    pandas.DataFrame
        Sobol: ``output, factor, S1, S1_conf, ST, ST_conf``; Morris:
        ``output, factor, mu, mu_star, mu_star_conf, sigma``
        (:func:`morris_indices`).

    Raises
    ------
    ValueError
        If the sweep is not a ``sobol`` or ``morris`` sample, or design points
        have no finished runs (finish the sweep first).
    """
    design = read_design(out)
    sample = design["sample"]
    if sample not in ("sobol", "morris"):
        raise ValueError(f"sensitivity indices need a sobol or morris sample; {str(out)!r} "
                         f"holds a {sample!r} sweep")
    spec = parse_spec(scenario_for(out), replicates=design["replicates"], sample=sample,
                      n=design["n"])
    problem = salib_problem(spec)
    runs = read_table(out, "runs")
    n_points = len(point_table(out))
    have = set(runs["point"]) if len(runs) else set()
    missing = n_points - len(have & set(range(n_points)))
    if missing:
        raise ValueError(f"{missing} of {n_points} design points have no finished runs; "
                         "finish the sweep first (rerun the same scsim sweep command)")
    means = runs.groupby("point")[outputs].mean().reindex(range(n_points))
    seed = int(design["scenario"]["run"]["seed"] % 2**32)
    skipped: dict[str, str] = {}
    warnings: list[str] = []
    if sample == "sobol":
        from experiments.design import sobol_size_problem

        problem_text = sobol_size_problem(spec.n, len(spec.sweep))
        if problem_text:
            warnings.append(f"{problem_text}; the indices below are not reliable (an index "
                            "above 1 or below 0 is a symptom)")
    rows = []
    points = design_points(spec) if sample == "morris" else []
    for o in outputs:
        y = means[o].to_numpy(dtype=float)
        bad = int((~np.isfinite(y)).sum())
        if bad:
            skipped[o] = (f"{o} is NaN at {bad} of {n_points} design points (undefined "
                          "there, e.g. a ratio with nothing to divide by); no indices for it")
            continue
        if sample == "sobol":
            from SALib.analyze import sobol

            if np.ptp(y) == 0:
                skipped[o] = (f"{o} is {y[0]:g} at every design point: no variance to "
                              "apportion, no Sobol indices")
                continue
            res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
            for j, f in enumerate(problem["names"]):
                rows.append({"output": o, "factor": f, "S1": res["S1"][j],
                             "S1_conf": res["S1_conf"][j], "ST": res["ST"][j],
                             "ST_conf": res["ST_conf"][j]})
        else:
            idx = morris_indices(spec, points, y, seed=seed)
            rows += [{"output": o} | r for r in idx.to_dict("records")]
    df = pd.DataFrame(rows)
    df.attrs["skipped"] = skipped
    df.attrs["warnings"] = warnings
    return df


# ---------------------------------------------------------------------- figures
def _label(values: dict[str, Any]) -> str:
    return ", ".join(f"{k.split('.')[-1]}={v}" for k, v in values.items())


def _pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend, imported only when a figure is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path) -> Path:
    """Lay out, write as PNG and close a figure; return its path."""
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def plot_timeseries(metrics: pd.DataFrame, columns: list[str], path: str | Path,
                    labels: dict[Any, str] | None = None, by: str = "point",
                    title: str = "") -> Path:
    """Per-day mean with 95% CI band, one line per ``by`` group, one panel per column."""
    plt = _pyplot()

    fig, axes = plt.subplots(len(columns), 1, figsize=(7, 2.6 * len(columns)), squeeze=False,
                             sharex=True)
    for ax, col in zip(axes[:, 0], columns, strict=True):
        ts = timeseries_ci(metrics, col, by=by)
        for key, g in ts.groupby(by):
            line, = ax.plot(g["day"], g["mean"], lw=1.4,
                            label=(labels or {}).get(key, f"{by} {key}"))
            ax.fill_between(g["day"], g["ci_low"], g["ci_high"], alpha=0.2,
                            color=line.get_color(), lw=0)
        ax.set_ylabel(axis_label(col), fontsize=8)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7, ncol=2)
    axes[-1, 0].set_xlabel("day of the run (days); band: 95% CI over replicates")
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def plot_heatmap(summary: pd.DataFrame, x: str, y: str, output: str, path: str | Path,
                 title: str = "") -> Path:
    """Heat map of an output's mean over a two-factor grid.

    Each cell is annotated with the mean and, when ``summary`` has them, its
    95% CI (``ci_low``, ``ci_high``) underneath.
    """
    plt = _pyplot()

    s = summary[summary["output"] == output]
    grid = s.pivot_table(index=y, columns=x, values="mean")
    has_ci = {"ci_low", "ci_high"} <= set(s.columns)
    if has_ci:
        low = s.pivot_table(index=y, columns=x, values="ci_low").reindex_like(grid)
        high = s.pivot_table(index=y, columns=x, values="ci_high").reindex_like(grid)
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            text = f"{grid.iat[i, j]:.3g}"
            if has_ci and np.isfinite(low.iat[i, j]):
                text += f"\n[{low.iat[i, j]:.3g}, {high.iat[i, j]:.3g}]"
            ax.text(j, i, text, ha="center", va="center", color="w", fontsize=6)
    fig.colorbar(im, ax=ax, label=f"{axis_label(output)}, mean over replicates")
    ax.set_title(title or output, fontsize=10)
    return _save(fig, path)


def plot_frontier(points: pd.DataFrame, x: str, y: str, path: str | Path, label: str = "label",
                  frontier: pd.Series | None = None, title: str = "",
                  xlabel: str = "", ylabel: str = "") -> Path:
    """Scatter of policies with CI whiskers; the non-dominated ones joined as a frontier.

    ``points`` needs columns ``x, y`` (means), ``x_low, x_high, y_low, y_high``
    and ``label``; ``frontier`` is a boolean mask of the non-dominated rows.
    """
    plt = _pyplot()

    fig, ax = plt.subplots(figsize=(6.5, 5))
    ax.errorbar(points[x], points[y],
                xerr=[points[x] - points[f"{x}_low"], points[f"{x}_high"] - points[x]],
                yerr=[points[y] - points[f"{y}_low"], points[f"{y}_high"] - points[y]],
                fmt="o", ms=4, alpha=0.7, lw=0.8, color="tab:blue")
    for _, r in points.iterrows():
        ax.annotate(r[label], (r[x], r[y]), fontsize=6, xytext=(3, 3),
                    textcoords="offset points")
    if frontier is not None and frontier.any():
        f = points[frontier].sort_values(x)
        ax.plot(f[x], f[y], "-", color="tab:red", lw=1.5, label="frontier (non-dominated)")
        ax.legend(fontsize=8)
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_points(summary: pd.DataFrame, x: str, outputs: list[str], path: str | Path,
                title: str = "", hue: str | None = None) -> Path:
    """Means with 95% CI error bars against one factor, one panel per output."""
    plt = _pyplot()

    fig, axes = plt.subplots(1, len(outputs), figsize=(3.6 * len(outputs), 3.3), squeeze=False)
    for ax, o in zip(axes[0], outputs, strict=True):
        s = summary[summary["output"] == o]
        groups = s.groupby(hue) if hue else [(None, s)]
        for key, g in groups:
            g = g.sort_values(x)
            numeric = (pd.api.types.is_numeric_dtype(g[x])
                       and not pd.api.types.is_bool_dtype(g[x]))
            xs = g[x].astype(float) if numeric else np.arange(len(g))
            ax.errorbar(xs, g["mean"], yerr=[g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]],
                        fmt="o-", ms=4, capsize=3, label=None if key is None else f"{key}")
            if not numeric:
                ax.set_xticks(xs, [str(v) for v in g[x]])
        ax.set_title(o, fontsize=9)
        ax.set_xlabel(axis_label(x))
        ax.set_ylabel(f"{axis_label(o)}, mean, 95% CI", fontsize=8)
        ax.grid(alpha=0.3)
        if hue:
            ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def plot_sensitivity(indices: pd.DataFrame, path: str | Path) -> Path:
    """Bars of Sobol S1/ST (or Morris mu*) per factor, one panel per output."""
    plt = _pyplot()

    outputs = list(dict.fromkeys(indices["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(4 * len(outputs), 3.4), squeeze=False)
    cols = [("S1", "S1_conf"), ("ST", "ST_conf")] if "S1" in indices else [
        ("mu_star", "mu_star_conf")]
    for ax, o in zip(axes[0], outputs, strict=True):
        s = indices[indices["output"] == o]
        x = np.arange(len(s))
        w = 0.8 / len(cols)
        for k, (c, conf) in enumerate(cols):
            ax.bar(x + k * w, s[c], w, yerr=s[conf], capsize=2, label=c)
        ax.set_xticks(x + w * (len(cols) - 1) / 2, [f.split(".")[-1] for f in s["factor"]],
                      rotation=30, ha="right", fontsize=7)
        ax.set_title(o, fontsize=9)
        ax.set_ylabel("Sobol index (share of variance)" if "S1" in indices
                      else "Morris mu* (output units per factor range)", fontsize=8)
        ax.set_xlabel("factor")
        ax.legend(fontsize=7)
    return _save(fig, path)


# ---------------------------------------------------------------------- entry point
def analyze(out: str | Path, outputs: list[str] | None = None,
            timeseries: list[str] | None = None, figures: bool = True) -> dict[str, Path]:
    """Summaries, sensitivity indices (sobol/morris sweeps) and figures of a sweep folder.

    Parameters
    ----------
    out : path
        Sweep folder.
    outputs : list of str, optional
        Scalar outputs (default: the scenario's ``experiment.outputs``, else
        ``gmv``, ``ads_seen``, ``blocks``).
    timeseries : list of str, optional
        Per-day columns to plot (default ``ads_seen``, ``gmv``, ``mean_trust_resellers``).
    figures : bool
        Draw the figures.

    Returns
    -------
    dict of str to Path
        What was written (``skipped``: the outputs without sensitivity indices,
        with the reason, one a line). Earlier ``sensitivity.*`` files are
        removed first, so none is left from an earlier analysis.

    Raises
    ------
    ValueError
        If the folder has no finished runs or an output is unknown.
    """
    out = Path(out)
    design = read_design(out)
    runs = read_table(out, "runs")
    if runs.empty:
        raise ValueError(f"{str(out)!r} has no finished runs yet")
    outputs = outputs or design.get("outputs") or ["gmv", "ads_seen", "blocks"]
    unknown = [o for o in outputs if o not in runs.columns]
    if unknown:
        raise ValueError(f"unknown outputs {unknown}; available: "
                         f"{', '.join(sorted(c for c in runs.columns if runs[c].dtype != object))}")
    ana = out / "analysis"
    ana.mkdir(exist_ok=True)
    for name in ("sensitivity.csv", "sensitivity.png"):  # never leave a stale result behind
        (ana / name).unlink(missing_ok=True)
    skipped: dict[str, str] = {}
    written_skipped = ana / "skipped.txt"
    written_skipped.unlink(missing_ok=True)
    points = point_table(out)
    summary = summarize(runs, outputs).merge(points, on="point")
    written = {"summary": ana / "summary.csv"}
    summary.to_csv(written["summary"], index=False)
    factors = [f for f in design["factors"] if f in points.columns]
    if design["sample"] in ("sobol", "morris"):
        idx = sensitivity(out, outputs)
        skipped.update(idx.attrs.get("skipped", {}))
        for i, w in enumerate(idx.attrs.get("warnings", [])):
            skipped[f"warning {i}"] = f"WARNING: {w}"
        if len(idx):
            written["sensitivity"] = ana / "sensitivity.csv"
            idx.to_csv(written["sensitivity"], index=False)
            if figures:
                written["sensitivity_png"] = plot_sensitivity(idx, ana / "sensitivity.png")
    if skipped:
        written_skipped.write_text("\n".join(skipped.values()) + "\n", encoding="utf-8")
        written["skipped"] = written_skipped
    if not figures:
        return written
    columns = timeseries or ["ads_seen", "gmv", "mean_trust_resellers"]
    metrics = read_table(out, "metrics", columns=["day", *columns])
    if len(points) <= 12:
        labels = {int(r["point"]): _label({f: r[f] for f in factors})
                  for _, r in points.iterrows()}
        written["timeseries"] = plot_timeseries(metrics, columns, ana / "timeseries.png",
                                                labels=labels, title=design["name"])
    if design["sample"] == "grid" and len(factors) == 2 and "variant" not in factors:
        for o in outputs:
            written[f"heatmap_{o}"] = plot_heatmap(summary, factors[0], factors[1], o,
                                                   ana / f"heatmap_{o}.png")
    elif design["sample"] == "grid" and len(factors) == 1:
        written["points"] = plot_points(summary, factors[0], outputs[:4], ana / "points.png",
                                        title=design["name"])
    return written
