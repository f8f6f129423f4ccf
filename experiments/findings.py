"""The shipped experiments: run, check the pre-registered claim, write the report.

:func:`run_experiment` runs one experiment's sweep (``experiments/scenarios/
S*.toml``), then its check function reads the sweep folder, computes the
statistics its pre-registration names, decides the claim, draws the figure
and returns a :class:`Finding`; :func:`write_report` writes ``S*.md`` and
:func:`write_index` the collected index. Reports go under ``runs/`` unless
the caller publishes them (``scsim experiment ... --publish`` writes
``docs/experiments/``).

The decision rule of each experiment is pre-registered in the
``[experiment.decision]`` table of its scenario file (:mod:`experiments.
prereg`): which statistic, which boundary, which direction. The check
functions compute the statistics; :func:`experiments.prereg.decide` applies
the boundaries through :func:`experiments.analysis.verdict`, so every claim
gets one of three verdicts: *held* (the interval lies on the claimed side of
the boundary), *did not hold* (on the other side) or *inconclusive* (it spans
the boundary). Paired differences use the common random numbers of the
design: replicate ``r`` of every design point runs with the same seed.
Intervals of non-negative quantities are bootstrap intervals (they stay
>= 0), of signed ones Student-t intervals.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments import prereg
from experiments.analysis import (
    mean_ci,
    plot_frontier,
    plot_heatmap,
    plot_points,
    plot_timeseries,
    point_table,
    summarize,
)
from experiments.sweep import read_design, read_table

__all__ = ["Finding", "CHECKS", "run_experiment", "check", "write_report", "write_index",
           "reproduce_command"]


@dataclass
class Finding:
    """The outcome of one experiment.

    ``result`` is the verdict (``held``, ``did not hold``, ``inconclusive``)
    of the pre-registered rule; ``verdict`` the sentence that reports the
    numbers; ``parts`` every decided comparison.
    """

    id: str
    title: str
    question: str
    claim: str
    result: str
    verdict: str
    rule: str
    table: pd.DataFrame
    parts: list[prereg.Part] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    discussion: str = ""
    setup: dict[str, Any] = field(default_factory=dict)
    #: the report's "Parameter uncertainty" section (markdown; :mod:`experiments.ensemble`)
    uncertainty: str = ""

    def status_word(self) -> str:
        """``held``, ``did not hold`` or ``inconclusive``."""
        return self.result


# ---------------------------------------------------------------------- helpers
def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 0.1:
        return f"{v:.3f}"
    return f"{v:.4f}"


def _row(label: str, x: Any, signed: bool = False) -> dict[str, Any]:
    """A table row: mean and 95% CI of ``x`` (bootstrap when every value is >= 0 and the
    quantity is not a signed difference, else Student-t)."""
    a = pd.Series(x, dtype=float).dropna()
    m, lo, hi, n = mean_ci(a, nonneg=not signed and bool((a >= 0).all()))
    return {"quantity": label, "mean": m, "ci_low": lo, "ci_high": hi, "n": n}


def _drow(label: str, d: tuple[float, float, float, int]) -> dict[str, Any]:
    return {"quantity": label, "mean": d[0], "ci_low": d[1], "ci_high": d[2], "n": d[3]}


def _paired(runs: pd.DataFrame, factor: str, a: Any, b: Any, col: str,
            col_b: str | None = None) -> pd.Series:
    """Per replicate: ``col`` at ``factor == a`` minus ``col_b`` (default ``col``) at ``b``."""
    x = runs[runs[factor] == a].set_index("replicate")[col]
    y = runs[runs[factor] == b].set_index("replicate")[col_b or col]
    return (x - y).dropna()


def _parts(id_: str) -> dict[str, dict[str, Any]]:
    """The pre-registered decision parts of experiment ``id_``, by name."""
    return {p["name"]: p for p in prereg.decision(prereg.load(id_))["parts"]}


CheckFn = Callable[[Path, Path], Finding]
CHECKS: dict[str, CheckFn] = {}


def _check(fn: CheckFn) -> CheckFn:
    CHECKS[fn.__name__.removeprefix("check_").upper()] = fn
    return fn


def _base(data: Path, id_: str, title: str) -> dict[str, Any]:
    d = read_design(data)
    return {"id": id_, "title": title, "question": d["question"], "claim": d["claim"]}


def _finish(data: Path, id_: str, title: str, stats: dict[str, Any], verdict: str,
            rows: list[dict[str, Any]], figures: list[Path], discussion: str) -> Finding:
    """Decide ``stats`` by the pre-registered rule of ``id_`` and build the Finding."""
    exp = prereg.load(id_)
    result, parts = prereg.decide(exp, stats)
    return Finding(**_base(data, id_, title), result=result, verdict=verdict,
                   rule=prereg.decision(exp)["rule"], table=pd.DataFrame(rows), parts=parts,
                   figures=figures, discussion=discussion)


def _base_value(data: Path, key: str) -> Any:
    """The base scenario's value of ``section.name`` (the default the verdict is read at)."""
    section, name = key.split(".")
    return read_design(data)["scenario"][section][name]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _bars(ax: Any, labels: list[str], cis: list[tuple[float, float, float, int]],
          ylabel: str, colors: list[str] | None = None) -> None:
    """Bars of means with 95% CI whiskers."""
    m = np.array([c[0] for c in cis], dtype=float)
    lo = np.array([c[1] for c in cis], dtype=float)
    hi = np.array([c[2] for c in cis], dtype=float)
    err = np.nan_to_num(np.vstack([m - lo, hi - m]), nan=0.0)
    ax.bar(labels, m, yerr=err, capsize=4, color=colors)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.grid(alpha=0.3, axis="y")


# ---------------------------------------------------------------------- S1
STRATS = ("flooder", "mixer", "curated")


@_check
def check_s1(data: Path, figs: Path) -> Finding:
    """Flooders win the first week but lose the quarter (F10, F19)."""
    runs = read_table(data, "runs")
    days, fat = "run.days", "purchase.fatigue"
    if fat not in runs:
        runs[fat] = _base_value(data, fat)
    default = float(_base_value(data, fat))
    week, quarter = sorted(runs[days].unique())
    rows, diffs = [], {}
    for fv in sorted(runs[fat].unique(), key=lambda v: (v != default, v)):
        tag = f"fatigue {fv:g}{' (default)' if fv == default else ''}"
        for d in (week, quarter):
            g = runs[(runs[days] == d) & (runs[fat] == fv)]
            for s in STRATS:
                rows.append(_row(f"{tag}, day {d:.0f}: revenue per level-1 {s} (RMB)",
                                 g[f"revenue_{s}"]))
            if fv == default:
                for s in STRATS:
                    rows.append(_row(f"{tag}, day {d:.0f}: profit per level-1 {s} (RMB)",
                                     g[f"profit_{s}"], signed=True))
            for s in ("mixer", "curated"):
                dd = mean_ci(g["revenue_flooder"] - g[f"revenue_{s}"])
                diffs[(fv, int(d), s)] = dd
                rows.append(_drow(f"{tag}, day {d:.0f}: flooder minus {s}, revenue (RMB, "
                                  "paired)", dd))
    stats = {name: diffs[(default, int(p["args"]["days"]), p["args"]["versus"])]
             for name, p in _parts("S1").items()}
    ww = [diffs[(default, int(week), s)] for s in ("mixer", "curated")]
    qq = [diffs[(default, int(quarter), s)] for s in ("mixer", "curated")]
    verdict = (f"at the default fatigue ({default:g}), pairwise and paired by replicate: first "
               f"week, flooder minus mixer {_fmt(ww[0][0])} RMB (CI {_fmt(ww[0][1])} to "
               f"{_fmt(ww[0][2])}), minus curated {_fmt(ww[1][0])} RMB (CI {_fmt(ww[1][1])} "
               f"to {_fmt(ww[1][2])}); quarter, flooder minus mixer {_fmt(qq[0][0])} RMB (CI "
               f"{_fmt(qq[0][1])} to {_fmt(qq[0][2])}), minus curated {_fmt(qq[1][0])} RMB "
               f"(CI {_fmt(qq[1][1])} to {_fmt(qq[1][2])})")
    for fv in sorted(runs[fat].unique()):
        if fv != default:
            verdict += (f"; with fatigue {fv:g} (reported, not decided): day {week:.0f} "
                        f"flooder minus mixer {_fmt(diffs[(fv, int(week), 'mixer')][0])} RMB, "
                        f"day {quarter:.0f} {_fmt(diffs[(fv, int(quarter), 'mixer')][0])} RMB")
    plt = _plt()
    fvs = sorted(runs[fat].unique(), key=lambda v: (v != default, v))
    fig, axes = plt.subplots(len(fvs), 2, figsize=(9, 3.2 * len(fvs)), squeeze=False)
    for i, fv in enumerate(fvs):
        for ax, d in zip(axes[i], (week, quarter), strict=True):
            g = runs[(runs[days] == d) & (runs[fat] == fv)]
            _bars(ax, list(STRATS), [mean_ci(g[f"revenue_{s}"], nonneg=True) for s in STRATS],
                  "revenue per level-1 reseller (RMB), mean, 95% CI",
                  colors=["tab:red", "tab:green", "tab:blue"])
            ax.set_xlabel("posting strategy")
            ax.set_title(f"fatigue {fv:g}: first {d:.0f} days", fontsize=9)
    fig.tight_layout()
    fig_path = figs / "S1.png"
    fig.savefig(fig_path, dpi=110)
    plt.close(fig)
    q = runs[(runs[days] == quarter) & (runs[fat] == default)]
    fl, fm = q["friends_lost_flooder"].mean(), q["friends_lost_mixer"].mean()
    discussion = (
        "Revenue is the mean over the resellers who started with each strategy (level 1; "
        "recruits inherit their upstream's strategy and are left out so that every strategy "
        "gets the same days). The 7-day run with a given seed is exactly the first week of "
        "the 90-day run with that seed, so the two dates are the same towns. "
        f"Over the quarter (default fatigue) a flooder lost on average {fl:.1f} friends to "
        f"blocks against {fm:.1f} for a mixer: flooding buys early reach at the price of the "
        "audience, and a flooder's sales per ad seen collapse as friends mute, block or tire. "
        "In the first week a flooder posts about 8 ads a day against 1 for a mixer and 0.5 "
        "for a curated seller, but each ad a friend sees adds annoyance, and the purchase "
        "probability falls as exp(-fatigue x annoyance) (`purchase.fatigue`, LIT U7-U8, "
        "declared uncertain in 0.02-0.5 and calibrated), while curated sellers' ads carry an "
        "appeal multiplier (`strategies.curated_appeal` = 1.5, F19). How far flooders lead in "
        "the first week therefore turns on the fatigue, which is why the sweep also runs a "
        "low value; compare the two blocks of the table.")
    return _finish(data, "S1", "Posting strategies: first week vs quarter", stats, verdict,
                   rows, [fig_path], discussion)


# ---------------------------------------------------------------------- S2
@_check
def check_s2(data: Path, figs: Path) -> Finding:
    """An optimum near 2 pushes a day (F11)."""
    runs = read_table(data, "runs")
    f, ann = "merchants.pushes_per_day", "merchants.annoyance_per_push"
    if ann not in runs:
        runs[ann] = _base_value(data, ann)
    default = float(_base_value(data, ann))
    outs = ["gmv_push", "unfollows", "push_opens", "followers"]
    summ = summarize(runs, outs, by=[ann, f])
    rows, best = [], {}
    parts = _parts("S2")
    for av in sorted(runs[ann].unique(), key=lambda v: (v != default, v)):
        tag = f"annoyance/push {av:g}{' (default)' if av == default else ''}"
        sub = runs[runs[ann] == av]
        for k in sorted(sub[f].unique()):
            g = sub[sub[f] == k]
            rows.append(_row(f"{tag}, {k:g} pushes/day: merchants' GMV (RMB)", g["gmv_push"]))
            rows.append(_row(f"{tag}, {k:g} pushes/day: unfollows", g["unfollows"]))
        for p in parts.values():
            at, vs = p["args"]["at"], p["args"]["versus"]
            d = mean_ci(_paired(sub, f, at, vs, "gmv_push"))
            rows.append(_drow(f"{tag}: GMV at {at:g}/day minus at {vs:g}/day (RMB, paired)", d))
        gm = summ[(summ["output"] == "gmv_push") & (summ[ann] == av)].set_index(f)["mean"]
        levels = sorted(sub[f].unique())
        b = float(gm.idxmax())
        best[av] = (b, 0 < levels.index(b) < len(levels) - 1, float(gm.max()))
    sub = runs[runs[ann] == default]
    stats = {name: mean_ci(_paired(sub, f, p["args"]["at"], p["args"]["versus"], "gmv_push"))
             for name, p in parts.items()}
    b, interior, top = best[default]
    verdict = (f"at the default annoyance per push ({default:g}), merchants' quarterly GMV at "
               + "; ".join(f"{p['args']['at']:g} a day minus {p['args']['versus']:g} a day: "
                           f"{_fmt(stats[n][0])} RMB (paired CI {_fmt(stats[n][1])} to "
                           f"{_fmt(stats[n][2])})" for n, p in parts.items())
               + f"; the highest mean is at {b:g} a day ({_fmt(top)} RMB"
               + (")" if interior else ", the edge of the range)"))
    for av, (bb, inner, _t) in best.items():
        if av != default:
            verdict += (f"; with {av:g} annoyance per push (reported, not decided) the highest "
                        f"mean is at {bb:g} a day" + ("" if inner else " (edge of the range)"))
    fig1 = plot_points(summ, f, ["gmv_push", "unfollows", "push_opens"], figs / "S2.png",
                       title="S2: push frequency (F2 daily limit lifted)", hue=ann)
    discussion = (
        "F2 allows a subscription account one push a day, so this experiment sets "
        "`platform.enforce_push_limits = false`; pushes stay folded (`platform.fold_pushes`), "
        "so the k-th push of a day is opened `fold_decay^(k-1)` times as often as the first "
        "and a day's opens saturate at twice one push's. Annoyance grows linearly with pushes "
        "and decays by `users.annoyance_decay` a day, so a follower with need n settles near "
        "k x annoyance_per_push x (1 - n) / decay, and unfollows once that passes "
        "`merchants.unfollow_threshold`: each extra push brings fewer extra opens (folding) "
        "and loses more followers. Where the optimum falls therefore turns on "
        "`merchants.annoyance_per_push` (declared uncertain, 0.1-1.5; prior 0.6 from LIT "
        "U5-U6) and the unfollow threshold, both calibrated; the sweep also runs the prior "
        "value. F11 reports a cap that one firm chose ('never more than two'), consistent "
        "with an optimum at or below two.")
    return _finish(data, "S2", "Merchant push frequency", stats, verdict, rows, [fig1],
                   discussion)


# ---------------------------------------------------------------------- S3
def _pareto(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Non-dominated points when lower ``x`` and higher ``y`` are better."""
    x, y = np.round(x, 3), np.round(y, 3)  # differences below 0.001 are noise, not rank
    keep = np.ones(len(x), bool)
    for i in range(len(x)):
        better = (x <= x[i]) & (y >= y[i]) & ((x < x[i]) | (y > y[i]))
        keep[i] = not better.any()
    return keep


@_check
def check_s3(data: Path, figs: Path) -> Finding:
    """A frontier of spam seen vs GMV kept (F12, F13)."""
    from scipy import stats

    runs = read_table(data, "runs")
    fa, fb = "platform.report_threshold", "platform.posting_cap"
    # GMV kept: relative to the most lenient rule (highest threshold, no cap), same replicate
    lenient = runs[(runs[fa] == runs[fa].max()) & (runs[fb] == 0)].set_index("replicate")
    runs = runs.assign(
        gmv_kept=runs["gmv_resellers"] / runs["replicate"].map(lenient["gmv_resellers"]),
        spam_kept=runs["ads_seen"] / runs["replicate"].map(lenient["ads_seen"]))
    pts = []
    for (a, b), g in runs.groupby([fa, fb]):
        sx, gy = mean_ci(g["spam_kept"], nonneg=True), mean_ci(g["gmv_kept"], nonneg=True)
        pts.append({"label": f"thr {a:g}, cap {b:g}" if b else f"thr {a:g}, no cap", fa: a,
                    fb: b, "spam": sx[0], "spam_low": sx[1], "spam_high": sx[2],
                    "gmv": gy[0], "gmv_low": gy[1], "gmv_high": gy[2],
                    "bans": g["bans"].mean()})
    pts = pd.DataFrame(pts)
    front = pd.Series(_pareto(pts["spam"].to_numpy(), pts["gmv"].to_numpy()), index=pts.index)
    rho = stats.spearmanr(pts["spam"], pts["gmv"]).statistic
    rows = []
    for _, r in pts.sort_values("spam").iterrows():
        rows.append({"quantity": f"{r['label']}: ads seen (share of lenient rule)",
                     "mean": r["spam"], "ci_low": r["spam_low"], "ci_high": r["spam_high"],
                     "n": int(runs["replicate"].nunique())})
        rows.append({"quantity": f"{r['label']}: reseller GMV kept (share)"
                     + (" [frontier]" if front[_] else ""),
                     "mean": r["gmv"], "ci_low": r["gmv_low"], "ci_high": r["gmv_high"],
                     "n": int(runs["replicate"].nunique())})
    n_front = int(front.sum())
    parts = _parts("S3")
    boot = _s3_bootstrap(runs, [fa, fb], "spam_kept", "gmv_kept",
                         int(parts["rho"].get("args", {}).get("resamples", 2000)))
    stats = {"rho": (float(rho), *boot["rho"], int(runs["replicate"].nunique())),
             "dominated": (float(len(pts) - n_front), *boot["dominated"],
                           int(runs["replicate"].nunique()))}
    rows.append(_drow("Spearman rho across rules, spam seen vs GMV kept (bootstrap CI)",
                      stats["rho"]))
    rows.append(_drow("rules dominated by another rule (bootstrap CI)", stats["dominated"]))
    verdict = (f"{n_front} of {len(pts)} rules are on the frontier (non-dominated), so "
               f"{len(pts) - n_front} are dominated (bootstrap CI {_fmt(boot['dominated'][0])} "
               f"to {_fmt(boot['dominated'][1])}); across rules, spam seen and GMV kept have "
               f"Spearman rho = {rho:.2f} (bootstrap CI {boot['rho'][0]:.2f} to "
               f"{boot['rho'][1]:.2f})")
    fig1 = plot_frontier(pts, "spam", "gmv", figs / "S3.png", frontier=front,
                         title="S3: spam seen vs GMV kept, per moderation rule",
                         xlabel="ads seen (share of the lenient rule's)",
                         ylabel="reseller GMV kept (share of the lenient rule's)")
    summ = summarize(runs, ["ads_seen", "gmv_resellers"], by=[fa, fb])
    fig2 = plot_heatmap(summ, fb, fa, "ads_seen", figs / "S3-heatmap-ads-seen.png",
                        title="S3: ads seen over 90 days (mean)")
    fig3 = plot_heatmap(summ, fb, fa, "gmv_resellers", figs / "S3-heatmap-gmv.png",
                        title="S3: reseller GMV over 90 days (mean, RMB)")
    bans = pts.set_index("label")["bans"]
    top = pts.loc[pts["gmv"].idxmax()]
    least = pts.loc[pts["spam"].idxmin()]
    on_front = ", ".join(pts[front].sort_values("spam")["label"])
    discussion = (
        f"Frontier, from least spam to most GMV: {on_front}. The rule with the least spam "
        f"({least['label']}) keeps {least['gmv']:.0%} of GMV with {least['spam']:.0%} of the "
        f"ads seen; the rule with the most GMV ({top['label']}) has {top['gmv']:.0%} of the "
        f"GMV with {top['spam']:.0%} of the ads seen. A tight posting cap can raise GMV: it "
        "turns flooders into sparse posters whose friends do not mute or block them, so they "
        "keep an audience that buys (the mechanism behind S1). "
        "Spam seen is all ads people read (Moments, groups, direct) over 90 days; GMV kept is "
        "resellers' GMV. Both are divided, replicate by replicate, by the values under the "
        f"most lenient rule tried (report threshold {runs[fa].max():g}, no posting cap; the "
        "defaults are a threshold of 20 and no cap). "
        "A rule is on the frontier when no other rule shows less spam and more GMV. "
        f"Mean bans per run ranged from {bans.min():.1f} to {bans.max():.1f}: with the default "
        "report propensity, few sellers collect enough reports for a ban at higher "
        "thresholds, so the posting cap does most of the work.")
    return _finish(data, "S3", "Moderation: report threshold x posting cap", stats, verdict,
                   rows, [fig1, fig2, fig3], discussion)


def _s3_bootstrap(runs: pd.DataFrame, factors: list[str], xcol: str, ycol: str,
                  resamples: int, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Percentile-bootstrap 95% intervals, resampling replicates (the same draw for every
    rule: common random numbers), of the Spearman correlation across rules of the mean of
    ``xcol`` and ``ycol``, and of the number of dominated rules (lower x and higher y
    better, means rounded to 0.001 as in :func:`_pareto`)."""
    from scipy import stats

    x = runs.pivot_table(index="replicate", columns=factors, values=xcol).to_numpy()
    y = runs.pivot_table(index="replicate", columns=factors, values=ycol).to_numpy()
    ok = np.isfinite(x).all(axis=1) & np.isfinite(y).all(axis=1)
    x, y = x[ok], y[ok]
    if len(x) < 2:
        nan = (float("nan"), float("nan"))
        return {"rho": nan, "dominated": nan}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(x), (resamples, len(x)))
    mx, my = x[idx].mean(axis=1), y[idx].mean(axis=1)  # resamples x rules
    rx, ry = stats.rankdata(mx, axis=1), stats.rankdata(my, axis=1)
    rx, ry = rx - rx.mean(axis=1, keepdims=True), ry - ry.mean(axis=1, keepdims=True)
    den = np.sqrt((rx ** 2).sum(axis=1) * (ry ** 2).sum(axis=1))
    rho = np.where(den > 0, (rx * ry).sum(axis=1) / np.where(den > 0, den, 1), np.nan)
    ax, ay = np.round(mx, 3), np.round(my, 3)
    le = ax[:, :, None] <= ax[:, None, :]   # [b, j, i]: rule j has no more spam than rule i
    ge = ay[:, :, None] >= ay[:, None, :]
    strict = (ax[:, :, None] < ax[:, None, :]) | (ay[:, :, None] > ay[:, None, :])
    dominated = (le & ge & strict).any(axis=1).sum(axis=1).astype(float)
    q = (0.025, 0.975)
    r = rho[np.isfinite(rho)]
    return {"rho": tuple(float(v) for v in np.quantile(r, q)) if r.size else
            (float("nan"), float("nan")),
            "dominated": tuple(float(v) for v in np.quantile(dominated, q))}


# ---------------------------------------------------------------------- S4
@_check
def check_s4(data: Path, figs: Path) -> Finding:
    """Saturation; most resellers lose money (F4, F21)."""
    runs = read_table(data, "runs")
    fp, fa = "resellers.p_pitch", "resellers.p_accept"
    for k in (fp, fa):
        if k not in runs:
            runs[k] = _base_value(data, k)
    metrics = read_table(data, "metrics", columns=["day", "recruits", "resellers_active",
                                                   "share_resellers_losing"])
    metrics = metrics.merge(runs[["run_id", fp, fa]], on="run_id")
    metrics = metrics.assign(month=metrics["day"] // 30)
    monthly = metrics.groupby([fp, fa, "replicate", "month"])["recruits"].sum().reset_index()
    agents = read_table(data, "agents", columns=["type", "recruits"])
    agents = agents[agents["type"] == "reseller"]
    tree = agents.groupby("run_id")["recruits"].agg(
        none=lambda r: float((r == 0).mean()), three=lambda r: float((r >= 3).mean()),
        one=lambda r: float((r == 1).mean()), two=lambda r: float((r == 2).mean()))
    runs = runs.merge(tree, left_on="run_id", right_index=True, how="left")
    rows = []
    sat, lose, shape = {}, {}, {}
    combos = sorted({(a, b) for a, b in zip(runs[fp], runs[fa], strict=True)},
                    key=lambda c: (c[0] * c[1], c))
    for kp, ka in combos:
        tag = f"p_pitch {kp:.3g}, p_accept {ka:.3g}"
        g = runs[(runs[fp] == kp) & (runs[fa] == ka)]
        mk = monthly[(monthly[fp] == kp) & (monthly[fa] == ka)].pivot(
            index="replicate", columns="month", values="recruits")
        curve = mk.mean()
        last = int(curve.index.max())
        # the busiest month before the last (the mean curve's peak, the last month left out)
        peak = int(curve.drop(last).idxmax()) if len(curve) > 1 else last
        rows.append(_row(f"{tag}: resellers ever", g["resellers_ever"]))
        rows.append(_row(f"{tag}: recruits in the busiest month before the last (month "
                         f"{peak + 1})", mk[peak]))
        rows.append(_row(f"{tag}: recruits in the last month (month {last + 1})", mk[last]))
        sat[(kp, ka)] = mean_ci(mk[peak] - mk[last])
        rows.append(_drow(f"{tag}: busiest month minus last month (paired)", sat[(kp, ka)]))
        lose[(kp, ka)] = mean_ci(g["share_resellers_lost_money"], nonneg=True)
        rows.append(_drow(f"{tag}: share of resellers who lost money", lose[(kp, ka)]))
        shape[(kp, ka)] = (mean_ci(g["none"], nonneg=True), mean_ci(g["three"], nonneg=True))
        rows.append(_drow(f"{tag}: share of resellers ever who recruited nobody (SF8: about "
                          "half)", shape[(kp, ka)][0]))
        rows.append(_drow(f"{tag}: share of resellers ever who recruited three or more",
                          shape[(kp, ka)][1]))
    stats = {"saturation": sat[combos[-1]],
             "most_lose": {f"p_pitch {a:.3g} x p_accept {b:.3g}": lose[(a, b)]
                           for a, b in combos}}
    dflt = (float(_base_value(data, fp)), float(_base_value(data, fa)))
    at = min(combos, key=lambda c: (abs(c[0] - dflt[0]) + abs(c[1] - dflt[1])))
    none_, three = shape[at]
    verdict = (f"at the fastest recruitment ({combos[-1][0]:.3g} x {combos[-1][1]:.3g}) the "
               f"busiest month before the last minus the last month is "
               f"{_fmt(sat[combos[-1]][0])} recruits (paired CI {_fmt(sat[combos[-1]][1])} to "
               f"{_fmt(sat[combos[-1]][2])}; at the other combinations "
               + ", ".join(f"{_fmt(sat[c][0])}" for c in combos[:-1])
               + f"; defaults p_pitch {dflt[0]:.3g}, p_accept {dflt[1]:.3g}); the share of "
               "resellers who lost money ranges from "
               f"{min(v[0] for v in lose.values()):.0%} to {max(v[0] for v in lose.values()):.0%}"
               f"; recruitment tree at the defaults: {none_[0]:.0%} of resellers ever recruited "
               f"nobody (CI {none_[1]:.0%} to {none_[2]:.0%}; SF8: half recruit nobody) and "
               f"{three[0]:.0%} recruited three or more (CI {three[1]:.0%} to {three[2]:.0%})")
    metrics["combo"] = [f"p_pitch={a:.3g}, p_accept={b:.3g}"
                        for a, b in zip(metrics[fp], metrics[fa], strict=True)]
    fig = plot_timeseries(metrics, ["resellers_active", "recruits", "share_resellers_losing"],
                          figs / "S4.png", by="combo", title="S4: reseller pyramid")
    discussion = (
        "Saturation is read from recruits per 30-day month: the peak month is taken from the "
        "mean curve over replicates, and a combination saturates when the paired CI of (peak "
        "month - last month) lies above 0 with the peak before the last month. In a finite "
        "friend graph pitches land more and more on friends who are already resellers, have "
        "muted or blocked the pitcher, or do not trust them enough, so new recruits fall "
        "while the pitching goes on. Whether this shows within a year depends on the "
        "speed of recruitment, pitches a day x acceptance (`resellers.p_pitch` x "
        "`resellers.p_accept`, both calibrated and declared uncertain): at the calibrated "
        "defaults acceptance is low (F4 gives no rate), the pyramid hardly grows and most "
        "initial resellers quit, so there is nothing to saturate; slow pyramids are still "
        "growing at day 360; only fast ones spread through a large part of the town, peak "
        "and decline, which is saturation proper. "
        "'Lost money' counts every reseller ever recruited whose cash (sales minus "
        "stock bought upstream minus fixed costs) is negative at the end; a recruit pays for "
        "starter stock upfront, so recent recruits mostly count as losing "
        "(`share_resellers_losing` in the figure is the same share day by day).")
    plt = _plt()
    fig2, ax = plt.subplots(figsize=(7.5, 3.6))
    width = 0.8 / len(combos)
    cats = ["0", "1", "2", "3 or more"]
    for i, (kp, ka) in enumerate(combos):
        g = runs[(runs[fp] == kp) & (runs[fa] == ka)]
        cis = [mean_ci(g[c], nonneg=True) for c in ("none", "one", "two", "three")]
        m = np.array([c[0] for c in cis])
        err = np.nan_to_num(np.vstack([m - [c[1] for c in cis], [c[2] for c in cis] - m]))
        ax.bar(np.arange(4) + i * width, m, width, yerr=err, capsize=2,
               label=f"p_pitch {kp:.3g}, p_accept {ka:.3g}")
    ax.axhline(0.5, color="grey", ls=":", lw=1, label="SF8: half recruit nobody")
    ax.set_xticks(np.arange(4) + width * (len(combos) - 1) / 2, cats)
    ax.set_xlabel("recruits of a reseller by the end of the year (resellers)")
    ax.set_ylabel("share of resellers ever (mean, 95% CI)", fontsize=8)
    ax.set_title("S4: shape of the recruitment tree", fontsize=9)
    ax.legend(fontsize=6)
    ax.grid(alpha=0.3, axis="y")
    fig2.tight_layout()
    fig2_path = figs / "S4-tree.png"
    fig2.savefig(fig2_path, dpi=110)
    plt.close(fig2)
    discussion += (
        " The recruitment tree: each reseller's recruits (people who joined on their pitch) "
        "are counted at the end of the year, over every reseller ever (initial ones "
        "included); SF8 reports that about half of the participants recruit nobody, and the "
        "table and the second figure show the model's shares of 0, 1, 2 and 3 or more "
        "recruits.")
    return _finish(data, "S4", "Reseller pyramid: recruitment and saturation", stats, verdict,
                   rows, [fig, fig2_path], discussion)


# ---------------------------------------------------------------------- S5
@_check
def check_s5(data: Path, figs: Path) -> Finding:
    """Trust and conversion decay over months with counterfeits (F16)."""
    runs = read_table(data, "runs")
    f = "resellers.counterfeit_share"
    runs = runs.assign(trust_drop=runs["trust_resellers_m1"] - runs["trust_resellers_m3"],
                       conv_drop=runs["conversion_m1"] - runs["conversion_m3"])
    rows = []
    for k in sorted(runs[f].unique()):
        g = runs[runs[f] == k]
        rows.append(_row(f"counterfeit share {k:g}: trust in resellers, month 1",
                         g["trust_resellers_m1"]))
        rows.append(_row(f"counterfeit share {k:g}: trust in resellers, month 3",
                         g["trust_resellers_m3"]))
        rows.append(_row(f"counterfeit share {k:g}: conversion, month 1", g["conversion_m1"]))
        rows.append(_row(f"counterfeit share {k:g}: conversion, month 3", g["conversion_m3"]))
    lo, hi = runs[f].min(), runs[f].max()
    dt = mean_ci(_paired(runs, f, hi, lo, "trust_resellers_m3"))
    dc = mean_ci(_paired(runs, f, hi, lo, "conversion_m3"))
    rows.append({"quantity": f"month-3 trust, share {hi:g} minus share {lo:g} (paired)",
                 "mean": dt[0], "ci_low": dt[1], "ci_high": dt[2], "n": dt[3]})
    rows.append({"quantity": f"month-3 conversion, share {hi:g} minus share {lo:g} (paired)",
                 "mean": dc[0], "ci_low": dc[1], "ci_high": dc[2], "n": dc[3]})
    g_hi = runs[runs[f] == hi]
    tdrop, cdrop = mean_ci(g_hi["trust_drop"]), mean_ci(g_hi["conv_drop"])
    rows.append({"quantity": f"share {hi:g}: trust, month 1 minus month 3", "mean": tdrop[0],
                 "ci_low": tdrop[1], "ci_high": tdrop[2], "n": tdrop[3]})
    rows.append({"quantity": f"share {hi:g}: conversion, month 1 minus month 3",
                 "mean": cdrop[0], "ci_low": cdrop[1], "ci_high": cdrop[2], "n": cdrop[3]})
    stats = {"trust_lower": dt, "conversion_lower": dc, "trust_falls": tdrop,
             "conversion_falls": cdrop}
    verdict = (
        f"(a) month-3 trust in resellers, every reseller selling counterfeits minus none: "
        f"{_fmt(dt[0])} (paired CI {_fmt(dt[1])} to {_fmt(dt[2])}); month-3 conversion: "
        f"{_fmt(dc[0])} orders/ad (CI {_fmt(dc[1])} to {_fmt(dc[2])}); (b) with every reseller "
        f"selling counterfeits, trust month 1 minus month 3: {_fmt(tdrop[0])} (CI "
        f"{_fmt(tdrop[1])} to {_fmt(tdrop[2])}), conversion month 1 minus month 3: "
        f"{_fmt(cdrop[0])} (CI {_fmt(cdrop[1])} to {_fmt(cdrop[2])})")
    metrics = read_table(data, "metrics", columns=["day", "mean_trust_resellers",
                                                   "conversion", "counterfeits_delivered"])
    pts = point_table(data)
    labels = {int(r["point"]): f"counterfeit share={r[f]:g}" for _, r in pts.iterrows()}
    fig = plot_timeseries(metrics, ["mean_trust_resellers", "conversion",
                                    "counterfeits_delivered"], figs / "S5.png",
                          labels=labels, title="S5: counterfeit sellers")
    discussion = (
        "Trust is the mean over alive ties toward resellers; conversion is orders per ad "
        "seen (all channels); month 1 = days 0-29, month 3 = the last 30 days. A counterfeit "
        "is strong bad evidence against the seller for the buyer (`trust.bad_counterfeit`, "
        "weighed by `trust.negativity`) and the buyer warns common friends (word of mouth, "
        "F16), so trust falls as fast as counterfeits are delivered and warnings spread; ads "
        "read are weak bad evidence and lifestyle posts weak good evidence, all of it "
        "forgotten at `trust.forgetting` a day (docs/ODD.md 7.3, 7.5). Meanwhile the annoyed "
        "friends mute or block the heaviest posters, so the ads still seen come from sellers "
        "whose audience tolerates them, which raises conversion per ad seen over the months "
        "in every town; where that shift is held fixed (no flooders, no quits), conversion "
        "falls from month 1 to month 3 when every seller cheats "
        "(tests/test_trust_evidence.py). No default was changed for this report.")
    return _finish(data, "S5", "Counterfeit sellers, trust and conversion", stats, verdict,
                   rows, [fig], discussion)


# ---------------------------------------------------------------------- S6
@_check
def check_s6(data: Path, figs: Path) -> Finding:
    """Groups > Moments > pushes in engagement (F1, F2)."""
    runs = read_table(data, "runs")
    f = "groups.n_groups"
    p_read = float(_base_value(data, "groups.p_read"))
    chans = [("groups", "gmv_per_ad_groups"), ("Moments", "gmv_per_ad_moments"),
             ("pushes", "gmv_per_push")]
    rows = []
    gms, mps = {}, {}
    for k in sorted(runs[f].unique()):
        g = runs[runs[f] == k]
        for name, col in chans:
            rows.append(_row(f"{k:g} groups: GMV per {name} message reaching a person (RMB)",
                             g[col]))
        rows.append(_row(f"{k:g} groups: GMV per push opened (RMB)", g["gmv_per_push_open"]))
        rows.append(_row(f"{k:g} groups: share of Moments ads delivered that are read "
                         "(estimated)", g["moments_read_rate"]))
        rows.append({"quantity": f"{k:g} groups: share of group ads delivered that are read "
                     "(`groups.p_read`, a parameter)", "mean": p_read, "ci_low": p_read,
                     "ci_high": p_read, "n": len(g)})
        rows.append(_row(f"{k:g} groups: share of pushes delivered that are opened",
                         g["push_open_rate"]))
        gms[f"{k:g} groups"] = gm = mean_ci(g["gmv_per_ad_groups"] - g["gmv_per_ad_moments"])
        mps[f"{k:g} groups"] = mp = mean_ci(g["gmv_per_ad_moments"] - g["gmv_per_push"])
        rows.append(_drow(f"{k:g} groups: groups minus Moments (RMB, paired)", gm))
        rows.append(_drow(f"{k:g} groups: Moments minus pushes (RMB, paired)", mp))
    stats = {"groups_vs_moments": gms, "moments_vs_pushes": mps}
    mr = mean_ci(runs["moments_read_rate"], nonneg=True)
    pr = mean_ci(runs["push_open_rate"], nonneg=True)
    verdict = ("in GMV per message reaching a person, groups minus Moments: "
               + "; ".join(f"{k} {_fmt(v[0])} RMB (paired CI {_fmt(v[1])} to {_fmt(v[2])})"
                           for k, v in gms.items())
               + "; Moments minus pushes: "
               + "; ".join(f"{k} {_fmt(v[0])} RMB (paired CI {_fmt(v[1])} to {_fmt(v[2])})"
                           for k, v in mps.items())
               + f"; share of delivered messages read: Moments {mr[0]:.2f}, groups "
                 f"{p_read:.2f} (`groups.p_read`), pushes {pr[0]:.2f}")
    discussion = (
        "Engagement is defined as GMV per message that reached a person: per group ad read "
        "(group ads read plus ads reaching people who muted the seller through groups or "
        "direct messages, the channel the model books as 'groups'), per Moments ad read in a "
        "feed, and per public-account push delivered to a follower (folded, so most are never "
        "opened: F2). Purchases are attributed to channels in proportion to the ads of each "
        "channel the buyer saw from that seller that day. Per push *opened* is also shown: "
        "an opened push converts like a Moments ad from a low-trust sender (merchant "
        "`trust_start` 0.3). "
        "Why groups do not clearly beat Moments here: the purchase rule is the same in every "
        "channel (trust, need, appeal, price, fatigue), and group members are the owner's "
        "friends, so a group ad read converts much like a Moments ad read, except that the "
        "'groups' channel also carries the ads that reach friends who muted the seller "
        "(`groups.p_direct_reach`), who are the most annoyed and buy least. Reading is where "
        "F1's 'groups are more active' could enter: the model reads a group ad with "
        f"probability `groups.p_read` = {p_read:g}, while a friend reads a Moments ad with "
        f"probability {mr[0]:.2f} (share of people opening Moments a day x share of their "
        "feed they read). To let the model reproduce F1, `groups.p_read` would have to "
        "exceed the Moments read rate clearly (F1 gives no number); no default was changed.")
    plt = _plt()
    fig_, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    width = 0.8 / runs[f].nunique()
    for i, (k, g) in enumerate(runs.groupby(f)):
        x = np.arange(len(chans)) + i * width
        for ax, st in ((axes[0], [mean_ci(g[c], nonneg=True) for _, c in chans]),
                       (axes[1], [(p_read, p_read, p_read, len(g)),
                                  mean_ci(g["moments_read_rate"], nonneg=True),
                                  mean_ci(g["push_open_rate"], nonneg=True)])):
            m = np.array([v[0] for v in st])
            err = np.nan_to_num(np.vstack([m - [v[1] for v in st], [v[2] for v in st] - m]))
            ax.bar(x, m, width, yerr=err, capsize=3, label=f"{k:g} groups")
    for ax, ylabel in zip(axes, ("GMV per message reaching a person (RMB/message), mean, "
                                 "95% CI", "share of delivered messages read (0-1), mean, "
                                 "95% CI (groups: the parameter)"), strict=True):
        ax.set_xticks(np.arange(len(chans)) + width * (runs[f].nunique() - 1) / 2,
                      [n for n, _ in chans])
        ax.set_xlabel("channel")
        ax.set_ylabel(ylabel, fontsize=7)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3, axis="y")
    fig_.suptitle("S6: channels", fontsize=10)
    fig_.tight_layout()
    fig = figs / "S6.png"
    fig_.savefig(fig, dpi=110)
    plt.close(fig_)
    return _finish(data, "S6", "Channels: groups vs Moments vs pushes", stats, verdict, rows,
                   [fig], discussion)


# ---------------------------------------------------------------------- S7
@_check
def check_s7(data: Path, figs: Path) -> Finding:
    """Order value rises as trust builds (F15)."""
    runs = read_table(data, "runs")
    f = "purchase.trust_value_slope"
    metrics = read_table(data, "metrics", columns=["day", "buyer_trust_mean", "order_value_mean",
                                                   "purchases", f])
    metrics = metrics[metrics["order_value_mean"] > 0]
    rows = []
    for k in sorted(runs[f].unique()):
        g = runs[runs[f] == k]
        rows.append(_row(f"slope {k:g}: within-run correlation of buyers' trust and order value",
                         g["trust_order_value_corr"]))
        rows.append(_row(f"slope {k:g}: mean order value (RMB)", g["order_value_mean"]))
    default = float(_base_value(data, f))
    c = mean_ci(runs[runs[f] == default]["trust_order_value_corr"])
    c0 = mean_ci(runs[runs[f] == runs[f].min()]["trust_order_value_corr"])
    stats = {"correlation": c}
    zero = (f"the correlation is {_fmt(c0[0])} (CI {_fmt(c0[1])} to {_fmt(c0[2])})" if c0[3]
            else "every order is one item at the list price, so order value does not move "
                 "with trust at all")
    verdict = (f"at the default slope ({default:g}) the mean within-run correlation of "
               f"buyers' trust and order value is {_fmt(c[0])} (CI {_fmt(c[1])} to "
               f"{_fmt(c[2])}); "
               f"with the slope set to {runs[f].min():g}, {zero}")
    # figure: binned order value against buyer trust, per slope
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    bins = np.linspace(metrics["buyer_trust_mean"].min(), metrics["buyer_trust_mean"].max(), 9)
    for k, g in metrics.groupby(f):
        b = pd.cut(g["buyer_trust_mean"], bins, include_lowest=True)
        st = g.groupby(b, observed=True)["order_value_mean"].apply(
            lambda x: pd.Series(mean_ci(x, nonneg=True)[:3], index=["m", "lo", "hi"])).unstack()
        mid = [iv.mid for iv in st.index]
        ax.errorbar(mid, st["m"], yerr=[st["m"] - st["lo"], st["hi"] - st["m"]], fmt="o-",
                    capsize=3, label=f"trust_value_slope = {k:g}")
    ax.set_xlabel("mean trust of the day's buyers in their seller (trust, 0-1)")
    ax.set_ylabel("mean reseller order value (RMB/order), 95% CI")
    ax.set_title("S7: order value against trust (days pooled over replicates; CI over the "
                 "days in a bin)", fontsize=8)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig_path = figs / "S7.png"
    fig.savefig(fig_path, dpi=110)
    plt.close(fig)
    discussion = (
        "The test is within runs: for each run, the correlation over days between the mean "
        "trust of that day's buyers (in the reseller they bought from) and the mean order "
        "value. The order size is `1 + Poisson(trust_value_slope * trust^2)` items (F15), so "
        "the ladder is put into the model by this one parameter; with the slope at 0 the "
        "ladder vanishes, which shows the measured "
        "ladder comes from that mechanism and not from an artefact (budgets, prices). "
        "(A correlation is undefined when order value never varies; such runs are left out "
        "of its mean, and the table's n says how many remain.) "
        "Whether real order values rise with trust this way is an assumption the model "
        "takes from F15, not something it discovers.")
    return _finish(data, "S7", "Trust ladder: order value and trust", stats, verdict, rows,
                   [fig_path], discussion)


# ---------------------------------------------------------------------- S8
@_check
def check_s8(data: Path, figs: Path) -> Finding:
    """Segmented pushes: fewer unfollows, higher conversion (F18)."""
    runs = read_table(data, "runs")
    f = "merchants.segmentation"
    rows = []
    for k in (False, True):
        g = runs[runs[f] == k]
        name = "segmented" if k else "broadcast"
        rows.append(_row(f"{name}: unfollows over 90 days", g["unfollows"]))
        rows.append(_row(f"{name}: GMV per push delivered (RMB)", g["gmv_per_push"]))
        rows.append(_row(f"{name}: GMV per push opened (RMB)", g["gmv_per_push_open"]))
        rows.append(_row(f"{name}: merchants' GMV (RMB)", g["gmv_push"]))
    du = mean_ci(_paired(runs, f, True, False, "unfollows"))
    dc = mean_ci(_paired(runs, f, True, False, "gmv_per_push"))
    dg = mean_ci(_paired(runs, f, True, False, "gmv_push"))
    for lab, d in (("unfollows", du), ("GMV per push delivered", dc), ("merchants' GMV", dg)):
        rows.append({"quantity": f"segmented minus broadcast: {lab} (paired)", "mean": d[0],
                     "ci_low": d[1], "ci_high": d[2], "n": d[3]})
    stats = {"unfollows": du, "gmv_per_push": dc}
    verdict = (f"segmented minus broadcast, paired: unfollows {_fmt(du[0])} (CI {_fmt(du[1])} "
               f"to {_fmt(du[2])}); GMV per push delivered {_fmt(dc[0])} RMB (CI {_fmt(dc[1])} "
               f"to {_fmt(dc[2])}); total merchant GMV (reported, not decided) {_fmt(dg[0])} "
               f"RMB (CI {_fmt(dg[1])} to {_fmt(dg[2])})")
    summ = summarize(runs.assign(**{f: runs[f].map({False: "broadcast", True: "segmented"})}),
                     ["unfollows", "gmv_per_push", "gmv_push"], by=[f])
    fig = plot_points(summ, f, ["unfollows", "gmv_per_push", "gmv_push"], figs / "S8.png",
                      title="S8: segmented vs broadcast pushes")
    discussion = (
        "With segmentation a merchant pushes only to followers whose need for its category is "
        "at least `merchants.segment_need`; broadcast pushes reach every follower. A push to a "
        "follower with low need adds annoyance in proportion to (1 - need), so broadcasting "
        "mostly annoys the followers who would not buy. Conversion here is GMV per push "
        "delivered (per push opened is also shown).")
    return _finish(data, "S8", "Segmented vs broadcast pushes", stats, verdict, rows, [fig],
                   discussion)


# ---------------------------------------------------------------------- S9
@_check
def check_s9(data: Path, figs: Path) -> Finding:
    """Resellers draw the majority of blocks (F7: 56.6%)."""
    runs = read_table(data, "runs")
    f = "users.p_background_unfriend"
    rows = []
    res = {}
    for k in sorted(runs[f].unique()):
        g = runs[runs[f] == k]
        rows.append(_row(f"background unfriending {k:g}/day: share of blocks hitting resellers",
                         g["share_blocks_resellers"]))
        rows.append(_row(f"background unfriending {k:g}/day: blocks of resellers",
                         g["blocks_resellers"]))
        rows.append(_row(f"background unfriending {k:g}/day: other blocks/unfriendings",
                         g["blocks_others"]))
        res[k] = mean_ci(g["share_blocks_resellers"], nonneg=True)
    default = float(_base_value(data, f))
    m, lo, hi, _ = res[default]
    stats = {"majority": res[default]}
    verdict = (f"at the default background rate ({default:.3g}/day) {m:.1%} of blocks hit "
               f"resellers (bootstrap CI {lo:.1%} to {hi:.1%}; F7: 56.6%)")
    summ = summarize(runs, ["share_blocks_resellers"], by=[f])
    fig = plot_points(summ, f, ["share_blocks_resellers"], figs / "S9.png",
                      title="S9: share of blocks that hit resellers (F7: 0.566)")
    discussion = (
        "The model's share counts every friendship ended by a block or unfriend over 90 days: "
        "those aimed at resellers (annoyance past a blocker's threshold, a muter's escalation, "
        "or background churn that happens to hit a reseller) against all others (background "
        "unfriending, `users.p_background_unfriend`, LIT U1). F7 is a different measure: the "
        "share of 442 surveyed people who named the compulsive reseller as the poster most "
        "likely to be blocked; the comparison is qualitative (a majority), and the model's "
        "share depends directly on the uncertain background rate, as the sweep shows.")
    return _finish(data, "S9", "Who gets blocked", stats, verdict, rows, [fig], discussion)


# ---------------------------------------------------------------------- S10
@_check
def check_s10(data: Path, figs: Path) -> Finding:
    """Seeding resellers at hubs vs at random vs from a list: reach, GMV, blocks."""
    runs = read_table(data, "runs")
    people = read_table(data, "people", columns=["purchases"])
    buyers = people.assign(b=people["purchases"] > 0).groupby("run_id")["b"].sum()
    runs = runs.assign(buyers=runs["run_id"].map(buyers).astype(float))
    f = "variant"
    outs = [("buyers", "people who bought at least once (people)"),
            ("gmv_resellers", "resellers' GMV over the run (RMB)"),
            ("blocks_resellers", "friendships ended on resellers (friendships)")]
    variants = [v for v in ("random", "degree", "list") if v in set(runs[f])]
    rows = []
    for v in variants:
        g = runs[runs[f] == v]
        for col, lab in outs:
            rows.append(_row(f"{v} seeding: {lab}", g[col]))
    diffs = {}
    for v in variants:
        if v == "random":
            continue
        for col, lab in outs:
            diffs[(v, col)] = d = mean_ci(_paired(runs, f, v, "random", col))
            rows.append(_drow(f"{v} minus random seeding: {lab} (paired)", d))
    parts = _parts("S10")
    cols = {"reach": "buyers", "gmv": "gmv_resellers"}
    stats = {n: mean_ci(_paired(runs, f, p["args"]["at"], p["args"]["versus"], cols[n]))
             for n, p in parts.items()}
    verdict = ("degree minus random seeding, paired: "
               + "; ".join(f"{lab.split(' (')[0]} {_fmt(diffs[('degree', col)][0])} (CI "
                           f"{_fmt(diffs[('degree', col)][1])} to "
                           f"{_fmt(diffs[('degree', col)][2])})"
                           for col, lab in outs if ("degree", col) in diffs))
    if ("list", "buyers") in diffs:
        verdict += (f"; the named list minus random (reported): buyers "
                    f"{_fmt(diffs[('list', 'buyers')][0])}, resellers' GMV "
                    f"{_fmt(diffs[('list', 'gmv_resellers')][0])} RMB")
    plt = _plt()
    fig, axes = plt.subplots(1, len(outs), figsize=(11, 3.4))
    for ax, (col, lab) in zip(axes, outs, strict=True):
        _bars(ax, variants, [mean_ci(runs[runs[f] == v][col], nonneg=True) for v in variants],
              f"{lab}, mean, 95% CI")
        ax.set_xlabel("seeding of the initial resellers")
    fig.suptitle("S10: seeding at random, at the hubs, from a named list", fontsize=10)
    fig.tight_layout()
    fig_path = figs / "S10.png"
    fig.savefig(fig_path, dpi=110)
    plt.close(fig)
    discussion = (
        "The three variants differ only in who starts as a reseller: random people "
        "(`resellers.seeding = \"random\"`), the highest-degree people (`\"degree\"`) or the "
        "people named in `resellers.seed_labels` (`\"list\"`, 50 labels fixed in the scenario "
        "file). The towns are the same (replicate r has the same seed in every variant), so "
        "the differences are paired. Reach counts the people who bought at least once over "
        "the run (from any seller; the merchants are the same in every variant). Hubs have "
        "more friends to show ads to and to pitch, and more friends to annoy: the blocks "
        "row is the price of the reach.")
    return _finish(data, "S10", "Seeding: hubs, random or a named list", stats, verdict, rows,
                   [fig_path], discussion)


# ---------------------------------------------------------------------- S11
@_check
def check_s11(data: Path, figs: Path) -> Finding:
    """Counterfeit moderation: complaint weighting x account age x threshold."""
    runs = read_table(data, "runs")
    fw, fm, ft = ("platform.counterfeit_report_weight", "platform.account_maturity_days",
                  "platform.report_threshold")
    for k in (fw, fm, ft):
        if k not in runs:
            runs[k] = _base_value(data, k)
    dm, dt = float(_base_value(data, fm)), float(_base_value(data, ft))
    parts = _parts("S11")
    lenient = runs[(runs[fw] == runs[fw].min()) & (runs[fm] == runs[fm].min())
                   & (runs[ft] == dt)].set_index("replicate")
    runs = runs.assign(
        cf_kept=runs["counterfeits_delivered"] / runs["replicate"].map(
            lenient["counterfeits_delivered"]).replace(0, np.nan),
        gmv_kept=runs["gmv"] / runs["replicate"].map(lenient["gmv"]).replace(0, np.nan))
    pts, rows = [], []
    for (w, m, t), g in runs.groupby([fw, fm, ft]):
        cx, gy = mean_ci(g["cf_kept"], nonneg=True), mean_ci(g["gmv_kept"], nonneg=True)
        label = f"weight {w:g}, age {m:g} d, thr {t:g}"
        pts.append({"label": label, "cf": cx[0], "cf_low": cx[1], "cf_high": cx[2],
                    "gmv": gy[0], "gmv_low": gy[1], "gmv_high": gy[2]})
        rows.append(_row(f"{label}: counterfeits delivered (items)",
                         g["counterfeits_delivered"]))
        rows.append(_drow(f"{label}: counterfeits delivered (share of the lenient rule's)", cx))
        rows.append(_drow(f"{label}: GMV kept (share of the lenient rule's)", gy))
        rows.append(_row(f"{label}: bans (accounts)", g["bans"]))
    pts = pd.DataFrame(pts)
    front = pd.Series(_pareto(pts["cf"].to_numpy(), pts["gmv"].to_numpy()), index=pts.index)
    at = runs[(runs[fm] == dm) & (runs[ft] == dt)]
    stats = {}
    for name, p in parts.items():
        a, v = p["args"]["at"], p["args"]["versus"]
        if name == "fewer_counterfeits":
            stats[name] = mean_ci(_paired(at, fw, a, v, "counterfeits_delivered"))
        else:
            x = at[at[fw] == a].set_index("replicate")["gmv"]
            y = at[at[fw] == v].set_index("replicate")["gmv"]
            stats[name] = mean_ci((x / y.replace(0, np.nan)).dropna(), nonneg=True)
        rows.append(_drow(f"at the default threshold and account age: {p['statistic']}",
                          stats[name]))
    fc, gk = stats["fewer_counterfeits"], stats["gmv_kept"]
    verdict = (f"at the default threshold ({dt:g}) and account maturity ({dm:g} days), "
               f"counting a counterfeit complaint as {parts['gmv_kept']['args']['at']:g} "
               f"reports changes counterfeits delivered by {_fmt(fc[0])} items (paired CI "
               f"{_fmt(fc[1])} to {_fmt(fc[2])}) and keeps {gk[0]:.1%} of GMV (CI {gk[1]:.1%} "
               f"to {gk[2]:.1%}); {int(front.sum())} of {len(pts)} rules are on the frontier "
               "of counterfeits delivered vs GMV kept")
    fig = plot_frontier(pts, "cf", "gmv", figs / "S11.png", frontier=front,
                        title="S11: counterfeits delivered vs GMV kept, per moderation rule",
                        xlabel="counterfeits delivered (share of the lenient rule's), 95% CI",
                        ylabel="GMV kept (share of the lenient rule's), 95% CI")
    discussion = (
        "Each rule is a complaint weight (how many reports one complaint about a counterfeit "
        "counts as, `platform.counterfeit_report_weight`), an account maturity (an account "
        "younger than this many days is banned at a share of the threshold, "
        "`platform.account_maturity_days`; 1 = age ignored) and a report threshold "
        "(`platform.report_threshold`). Counterfeits delivered and GMV are divided, replicate "
        "by replicate, by the values under the lenient rule (weight 1, age ignored, the "
        "default threshold). A rule is on the frontier when no other rule delivers fewer "
        "counterfeits and keeps more GMV. Frontier: "
        + ", ".join(pts[front].sort_values("cf")["label"]) + ".")
    return _finish(data, "S11", "Moderation of counterfeits", stats, verdict, rows, [fig],
                   discussion)


# ---------------------------------------------------------------------- S12
@_check
def check_s12(data: Path, figs: Path) -> Finding:
    """Social proof and positive word of mouth on/off: resellers' sales growth."""
    runs = read_table(data, "runs")
    fs, fr = "purchase.social_proof", "trust.p_recommend"
    ds, dr = float(_base_value(data, fs)), float(_base_value(data, fr))
    runs = runs.assign(growth=runs["gmv_resellers_m3"] - runs["gmv_resellers_m1"])
    combos = [(0.0, 0.0), (ds, 0.0), (0.0, dr), (ds, dr)]
    names = {(0.0, 0.0): "both off", (ds, 0.0): "social proof only",
             (0.0, dr): "word of mouth only", (ds, dr): "both on"}
    rows = []
    for c in combos:
        g = runs[(runs[fs] == c[0]) & (runs[fr] == c[1])]
        rows.append(_row(f"{names[c]}: resellers' GMV, month 1 (RMB)", g["gmv_resellers_m1"]))
        rows.append(_row(f"{names[c]}: resellers' GMV, month 3 (RMB)", g["gmv_resellers_m3"]))
        rows.append(_row(f"{names[c]}: growth, month 3 minus month 1 (RMB)", g["growth"],
                         signed=True))

    def diff(a: tuple[float, float], b: tuple[float, float], col: str) -> Any:
        x = runs[(runs[fs] == a[0]) & (runs[fr] == a[1])].set_index("replicate")[col]
        y = runs[(runs[fs] == b[0]) & (runs[fr] == b[1])].set_index("replicate")[col]
        return mean_ci((x - y).dropna())

    stats = {"social_proof": diff((ds, dr), (0.0, dr), "growth"),
             "word_of_mouth": diff((ds, dr), (ds, 0.0), "growth")}
    both = diff((ds, dr), (0.0, 0.0), "growth")
    both_gmv = diff((ds, dr), (0.0, 0.0), "gmv_resellers")
    for lab, d in (("social proof on minus off: growth (RMB, paired)", stats["social_proof"]),
                   ("word of mouth on minus off: growth (RMB, paired)", stats["word_of_mouth"]),
                   ("both on minus both off: growth (RMB, paired)", both),
                   ("both on minus both off: resellers' GMV (RMB, paired)", both_gmv)):
        rows.append(_drow(lab, d))
    sp, wm = stats["social_proof"], stats["word_of_mouth"]
    verdict = (f"growth of resellers' GMV from month 1 to month 3, paired: social proof "
               f"({ds:g}) on minus off {_fmt(sp[0])} RMB (CI {_fmt(sp[1])} to {_fmt(sp[2])}); "
               f"word of mouth (p_recommend {dr:g}) on minus off {_fmt(wm[0])} RMB (CI "
               f"{_fmt(wm[1])} to {_fmt(wm[2])}); both on minus both off {_fmt(both[0])} RMB "
               f"(reported), resellers' GMV over the run {_fmt(both_gmv[0])} RMB (reported)")
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    labels = [names[c] for c in combos]
    for ax, col, ylabel in ((axes[0], "growth", "growth of resellers' GMV, month 3 minus "
                             "month 1 (RMB), mean, 95% CI"),
                            (axes[1], "gmv_resellers", "resellers' GMV over the run (RMB), "
                             "mean, 95% CI")):
        cis = [mean_ci(runs[(runs[fs] == c[0]) & (runs[fr] == c[1])][col],
                       nonneg=col != "growth") for c in combos]
        _bars(ax, labels, cis, ylabel)
        ax.set_xlabel("mechanisms switched on")
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle("S12: social proof and positive word of mouth", fontsize=10)
    fig.tight_layout()
    fig_path = figs / "S12.png"
    fig.savefig(fig_path, dpi=110)
    plt.close(fig)
    discussion = (
        "Social proof multiplies a friend's purchase probability by (1 + "
        "`purchase.social_proof` x the number of mutual friends who bought, capped); positive "
        "word of mouth lets a satisfied buyer recommend the seller to each common friend with "
        "probability `trust.p_recommend`, which raises that friend's trust. Each is switched "
        "off (0) and on (its default) with the other on, in the same towns (paired). Growth "
        "is resellers' GMV in the last 30 days minus the first 30: a mechanism that only "
        "lifts sales by a constant factor raises growth only in proportion; one that "
        "compounds (buyers making buyers) raises it more.")
    return _finish(data, "S12", "Social proof and word of mouth", stats, verdict, rows,
                   [fig_path], discussion)


# ---------------------------------------------------------------------- driver
def check(id_: str, data: str | Path, figs: str | Path) -> Finding:
    """Check experiment ``id_``'s claim on the sweep folder ``data``; figures go to ``figs``."""
    key = id_.upper()
    if key not in CHECKS:
        raise ValueError(f"experiment {id_!r} is unknown; use one of {', '.join(CHECKS)}")
    figs = Path(figs)
    figs.mkdir(parents=True, exist_ok=True)
    return CHECKS[key](Path(data), figs)


#: where reports go unless published (``scsim experiment --publish`` writes docs/experiments)
DEFAULT_OUT = Path("runs/experiments/reports")
#: where the sweep folders go
DEFAULT_DATA = Path("runs/experiments")


def reproduce_command(id_: str, *, replicates: int, people: int | None = None,
                      overrides: dict[str, Any] | None = None, force: bool = False,
                      ensemble: int | None = None) -> str:
    """The ``scsim experiment`` command line that reproduces a report's numbers.

    Every option that changes a number is on it (replicates, people, each
    ``--set``, ``--force``, ``--ensemble K`` when K is not the pre-registered
    number of parameter sets, ``--no-ensemble`` when ``ensemble == 0``);
    workers, Dask and output folders do not change the numbers (run ids and
    seeds do not depend on them) and are left out. ``ensemble=None``: the
    pre-registered ensemble (the command's default).
    """
    import json

    cmd = ["scsim", "experiment", id_.upper(), "--replicates", str(replicates)]
    if people is not None:
        cmd += ["--people", str(people)]
    for k, v in (overrides or {}).items():
        cmd += ["--set", f"{k}={json.dumps(v)}"]
    if force:
        cmd.append("--force")
    if ensemble == 0:
        cmd.append("--no-ensemble")
    elif ensemble is not None:
        from experiments.ensemble import load_spec

        if ensemble != load_spec()["sets"]:
            cmd += ["--ensemble", str(ensemble)]
    return shlex.join(cmd)


def run_experiment(id_: str, *, replicates: int | None = None, workers: int = 1,
                   data: Path = DEFAULT_DATA, out: Path = DEFAULT_OUT, dask: str | None = None,
                   people: int | None = None, progress: bool = True,
                   overrides: dict[str, Any] | None = None, inline: bool = False,
                   force: bool = False, ensemble: int | None = 0) -> Finding:
    """Run experiment ``id_`` (S1..S12), check its pre-registered claim, write its report.

    Parameters
    ----------
    id_ : str
        ``S1`` .. ``S12``.
    replicates : int, optional
        Replicates per design point (default: the pre-registered number in the
        scenario file). Fewer than 5 are refused unless ``force``.
    workers : int
        Local worker processes.
    data : Path
        Parent of the sweep folder (``data/S1`` ...); finished runs there are reused.
    out : Path
        Where ``S1.md`` and its figures go (default ``runs/experiments/reports``;
        ``docs/experiments`` only when publishing).
    dask : str, optional
        Run on Dask (``local`` or a scheduler address).
    people : int, optional
        Override ``graph.n_people``.
    progress : bool
        Progress bar.
    overrides : dict, optional
        Other base-parameter overrides (``--set``; e.g. small sizes for tests).
    inline : bool
        Run in this process (tests).
    force : bool
        Accept fewer than 5 replicates or a small Sobol sample (smoke tests; the
        report says so).
    ensemble : int, optional
        Then run the experiment over this many parameter sets of the calibration's
        plausible region (:func:`experiments.ensemble.run_ensemble`; None: the
        pre-registered number, 0: none, the default here; ``scsim experiment``
        runs the pre-registered ensemble unless ``--no-ensemble``). Its section
        and figure go into the report.

    Returns
    -------
    Finding

    Raises
    ------
    ScenarioError
        For too few replicates or a bad Sobol size without ``force``.
    """
    from experiments.cli import resolve_scenario
    from experiments.design import check_sizes, expand, parse_spec
    from experiments.sweep import run_sweep
    from sim.runner import git_revision
    from sim.scenario import load_scenario, with_overrides

    path = resolve_scenario(id_)
    scn = load_scenario(path)
    if people is not None:
        scn = with_overrides(scn, {"graph.n_people": people})
    if overrides:
        scn = with_overrides(scn, overrides)
    spec = parse_spec(scn, replicates=replicates)
    check_sizes(spec, force=force)
    folder = Path(data) / id_.upper()
    t0 = time.perf_counter()
    res = run_sweep(spec, folder, workers=workers, dask=dask, progress=progress, inline=inline)
    seconds = time.perf_counter() - t0
    finding = check(id_, folder, out)
    run_seconds = read_table(folder, "runs", columns=["seconds"])["seconds"]
    exp = prereg.load(path)
    finding.setup = {
        "scenario": f"experiments/scenarios/{id_.upper()}.toml", "name": scn.name,
        "people": scn.graph.n_people, "mean_degree": scn.graph.mean_degree,
        "generator": scn.graph.generator,
        "days": scn.run.days, "seed": scn.run.seed, "replicates": spec.replicates,
        "sweep": spec.sweep, "variants": list(spec.variants),
        "runs": len({r.run_id for r in expand(spec)}),
        "failed": res.failed, "seconds": round(seconds, 1), "workers": workers,
        "run_seconds": float(run_seconds.sum()), "mean_run_seconds": float(run_seconds.mean()),
        "resumed": res.skipped,
        "revision": ", ".join(read_design(folder).get("revisions", [])) or git_revision(),
        "reproduce": reproduce_command(id_, replicates=spec.replicates, people=people,
                                       overrides=overrides, force=force, ensemble=ensemble),
        "forced": force and spec.replicates < 5,
        "prereg_commit": prereg.commit(path), "prereg_clean": prereg.is_clean(path),
        "runs_before_prereg": prereg.runs_before(folder, path),
        "evidence": exp.get("evidence", "independent"),
        "evidence_note": exp.get("evidence_note", ""), "seeds": exp.get("seeds", ""),
    }
    if ensemble != 0:
        from experiments import ensemble as ens

        res = ens.run_ensemble(id_, finding, sets=ensemble, workers=workers, data=data,
                               out=out, dask=dask, people=people, overrides=overrides,
                               progress=progress, inline=inline)
        finding.uncertainty = ens.section_md(res, finding, _fmt)
        if res.figure is not None:
            finding.figures.append(res.figure)
        finding.setup["ensemble"] = {
            "result": res.pooled.result, "sets": [s.trial for s in res.sets],
            "replicates": res.replicates, "runs": res.runs, "resumed": res.resumed,
            "seconds": round(res.seconds, 1), "check_seconds": round(res.check_seconds, 1),
            "prereg_commit": res.prereg_commit, "prereg_clean": res.prereg_clean,
            "runs_before_prereg": res.runs_before_prereg,
            "per_set": [f.result for f in res.per_set]}
    write_report(finding, out)
    return finding


def _evidence_note(setup: dict[str, Any]) -> str:
    ev, note = setup.get("evidence", "independent"), setup.get("evidence_note", "")
    lead = {"held-out": "**A held-out claim (a calibration target before; no longer fitted).**",
            "by construction": "**This claim holds by construction; do not count it as "
                               "evidence.**",
            "partly by construction": "**This claim holds partly by construction; do not "
                                      "count that part as evidence.**",
            "independent": "**Evidence: independent.**"}.get(ev, "")
    return f"{lead} {note}".strip()


NOT_PREREGISTERED = "Not pre-registered"


def _prereg_md(finding: Finding) -> str:
    s = finding.setup
    c, clean, early = s.get("prereg_commit"), s.get("prereg_clean"), s.get("runs_before_prereg")
    if c and clean and early:
        return (f"**{NOT_PREREGISTERED}:** {early} of the runs in the sweep folder finished "
                f"before commit `{c}`, the last change of `{s.get('scenario', '')}`; delete "
                "the sweep folder and run the experiment again.")
    if c and clean:
        return (f"Pre-registration: commit `{c}` (the last commit that changed "
                f"`{s.get('scenario', '')}`, whose `[experiment]` table holds the claim, the "
                "decision rule, outputs, design, replicates and seeds); this report was "
                "produced after it and must be committed after it (tests/test_prereg.py "
                "checks the order in git history).")
    why = ("the scenario file has uncommitted changes" if c else
           "the scenario file was never committed (or this is not a git checkout)")
    return (f"**{NOT_PREREGISTERED}:** {why}, so the rule applied cannot be shown to predate "
            "the results. Commit the scenario file, then run the experiment again.")


def _wall(s: dict[str, Any]) -> str:
    """The sweep's wall time, or that its runs were reused (a resumed sweep takes ~0 s)."""
    reused = int(s.get("resumed") or 0)
    if reused and reused >= int(s.get("runs") or 0):
        return "every run reused from the sweep folder (finished by an earlier invocation)"
    more = f" ({reused} runs reused)" if reused else ""
    return f"{s.get('seconds', 0):.0f} s wall with {s.get('workers', 1)} worker(s){more}"


def _table_md(df: pd.DataFrame) -> str:
    lines = ["| quantity | mean | 95% CI | n |", "|---|---:|---:|---:|"]
    for _, r in df.iterrows():
        ci = (f"{_fmt(r['ci_low'])} to {_fmt(r['ci_high'])}" if np.isfinite(r["ci_low"])
              else "n/a")
        lines.append(f"| {r['quantity']} | {_fmt(r['mean'])} | {ci} | {int(r['n'])} |")
    return "\n".join(lines)


def write_report(finding: Finding, out: str | Path) -> Path:
    """Write ``out/<id>.md``: claim, verdict, pre-registration, set-up, numbers, figures."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    s = finding.setup
    sweep = "; ".join(f"`{k}` = {v}" for k, v in s.get("sweep", {}).items())
    if s.get("variants"):
        sweep = "; ".join(filter(None, [f"variants {', '.join(s['variants'])}", sweep]))
    figs = "\n\n".join(f"![{finding.id}]({Path(p).name})" for p in finding.figures
                       if f"({Path(p).name})" not in finding.uncertainty)
    parts = "\n".join(f"- `{p.name}`: {p.sentence(_fmt)}" for p in finding.parts)
    forced = ("\n**Forced run with fewer than 5 replicates: a smoke test; its verdict means "
              "nothing.**\n" if s.get("forced") else "")
    reproduce = s.get("reproduce") or f"scsim experiment {finding.id}"
    uncertainty = (f"\n## Parameter uncertainty\n\n{finding.uncertainty.strip()}\n"
                   if finding.uncertainty else "")
    text = f"""# {finding.id}: {finding.title}

**Question.** {finding.question}

**Claim tested.** {finding.claim}

**Result: {finding.status_word()}.** {finding.verdict[:1].upper()}{finding.verdict[1:]}.
{forced}
*Rule (pre-registered):* {finding.rule}

{_prereg_md(finding)}

{_evidence_note(s)}

## Decision

{parts}

Each comparison: "held" when its 95% interval lies on the claimed side of the boundary,
"did not hold" when it lies on the other side, "inconclusive" when it spans the boundary
(`experiments.analysis.verdict`).
{uncertainty}
## Set-up

Scenario `{s.get('scenario', '')}`: {s.get('people', '?'):,} people, mean degree
{s.get('mean_degree', 0):g} ({s.get('generator', '')} graph), {s.get('days', '?')} days, root
seed {s.get('seed', '?')}; swept: {sweep}; {s.get('replicates', '?')} replicates per point
({s.get('runs', '?')} runs, {s.get('failed', 0)} failed); {_wall(s)}, model time
{s.get('run_seconds', 0):.0f} s in all,
{s.get('mean_run_seconds', 0):.2f} s a run; code revision(s) that ran it
`{s.get('revision', 'unknown')}`. Seeds: {s.get('seeds', '')}.
Everything else takes its declared default (docs/ODD.md; defaults that were calibrated say so
in their source and in docs/calibration.md); nothing was tuned for this experiment.

Reproduce (at that revision): `{reproduce}`

## Numbers (mean over replicates and 95% CI: bootstrap if non-negative, else Student-t)

{_table_md(finding.table)}

## Figure

{figs}

## Discussion

{finding.discussion}
"""
    path = out / f"{finding.id}.md"
    path.write_text(text, encoding="utf-8")
    return path


START, END = "<!-- findings:start -->", "<!-- findings:end -->"


def write_index(findings: list[Finding], path: str | Path) -> Path:
    """Write the table of findings into ``path`` (``docs/experiments.md``).

    The table goes between the markers ``<!-- findings:start -->`` and
    ``<!-- findings:end -->`` when the file has them, so hand-written text
    around it survives a rerun; otherwise a new page is written. Each row
    says whether the claim is evidence (independent), held-out, or holds by
    construction, and whether its report is pre-registered.
    """
    path = Path(path)
    region = any("ensemble" in f.setup for f in findings)
    rows = ["| id | claim | result | evidence | pre-registered | "
            + ("over the plausible region | " if region else "") + "finding |",
            "|---|---|---|---|---|---|" + ("---|" if region else "")]
    for f in findings:
        c = f.setup.get("prereg_commit")
        pre = (f"yes (`{c[:9]}`)" if c and f.setup.get("prereg_clean")
               and not f.setup.get("runs_before_prereg") else
               f"**{NOT_PREREGISTERED.lower()}**")
        ens = f.setup.get("ensemble")
        cell = ""
        if region:
            flag = ("" if ens and ens.get("prereg_commit") and ens.get("prereg_clean")
                    and not ens.get("runs_before_prereg") else ", **not pre-registered**")
            cell = (f"{ens['result']} ({len(ens['sets'])} sets x {ens['replicates']} "
                    f"replicates, pooled{flag}) | " if ens else "not run | ")
        rows.append(f"| [{f.id}](experiments/{f.id}.md) | {f.claim} | **{f.status_word()}** | "
                    f"{f.setup.get('evidence', 'independent')} | {pre} | {cell}{f.verdict} |")
    block = f"{START}\n" + "\n".join(rows) + f"\n{END}"
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if START in old and END in old:
        text = old[:old.index(START)] + block + old[old.index(END) + len(END):]
    else:
        text = "# Experiments: findings\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
