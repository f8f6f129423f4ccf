"""The interactive app: a Solara page over :class:`SocialCommerceModel`.

Run it with ``scsim app`` (or ``solara run app.py``). The sidebar holds the
controls (Reset, Step, ▶ Play, Run 30 days), the town's sliders, the
moderation policy and, with **Compare** on, a second policy B run on the
same town with the same random numbers. The main area shows a summary table,
six line charts (policy B dashed on the same axes) and a network view of one
seller's friends that the user can pan and zoom.

Speed: the model steps in milliseconds; the plots are drawn in the browser
by Apache ECharts (the library of ``solara.FigureEcharts``, served offline
by ``solara-assets``), so a day sends a few kilobytes of numbers instead of
six server-rendered images. Playing waits for the browser to draw each day
before the next, so it never runs ahead of the screen and Pause is immediate.

The knobs
---------
Every slider is bound to a declared parameter of :mod:`sim.params` (its
default and source come from the declaration; its range is the app's,
inside the declared one) and shows its value with its unit; the source ids
under a slider open a tooltip with the source's text from
``docs/sources.md`` (:mod:`sim.app_sources`). Changes take effect at
**Reset**. The posting-strategy mix is two sliders that cannot produce an
invalid mix: ``flooder_share`` (share of resellers who flood) and
``curated_of_rest`` (share of the others who are curated sellers; the rest
are lifestyle mixers). :class:`AppModel` refuses any value outside the
page's ranges, whatever a client sends.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

import ipyvuetify
import numpy as np
import solara
import traitlets

from sim.app_charts import (
    CHARTS,
    EgoSample,
    chart_option,
    clean,
    ego_sample,
    history,
    initial_state,
    network_option,
    seller_choices,
)
from sim.app_cli import APP_TITLE
from sim.app_sources import load_sources, source_ids
from sim.model import SocialCommerceModel
from sim.params import SECTIONS, Scenario
from sim.state import ACTIVE

__all__ = ["Knob", "KNOBS", "TOWN", "POLICY", "APP_DAYS", "RUN_DAYS", "PLAY_SECONDS",
           "AppModel", "Run", "app_overrides", "check_knobs", "declared", "defaults",
           "policy_text", "summary_rows", "option_json", "ChartSpec", "ChartGroup",
           "EChartsWidget", "Page"]

#: Days after which the app's models stop (``running`` turns False).
APP_DAYS = 365
#: Days the "Run 30 days" button advances.
RUN_DAYS = 30
#: Least wall time per day while playing, in seconds (the plots update every day).
PLAY_SECONDS = 0.1
#: Longest wait for the browser to draw a day before playing on, in seconds.
SHOWN_TIMEOUT = 2.0


@dataclass(frozen=True)
class Knob:
    """One input of the page, bound to a declared scenario parameter.

    Attributes
    ----------
    name : str
        Keyword argument of :class:`AppModel`.
    key : str or None
        Dotted scenario key the value sets; None for the derived
        ``curated_of_rest``.
    label : str
        What the page calls it.
    lo, hi, step : float
        The page's range and step, in the model's units (inside the declared
        range; :func:`check_knobs` enforces it).
    value : Any
        The app's default; None takes the declared default.
    scale : float
        Shown value = model value × scale (100 for a share shown in %).
    unit : str
        Unit of the shown value, e.g. ``"% of people"``.
    unit_one : str
        The unit when the shown value is 1 (default ``unit``).
    integer : bool
        Whole numbers only.
    choices : tuple of (value, label), optional
        For a choice: each value and what the page calls it.
    """

    name: str
    key: str | None
    label: str
    lo: float = 0.0
    hi: float = 1.0
    step: float = 1.0
    value: Any = None
    scale: float = 1.0
    unit: str = ""
    unit_one: str = ""
    integer: bool = False
    choices: tuple[tuple[str, str], ...] = ()

    def show(self, value: Any) -> str:
        """The value as the page shows it, with its unit.

        Examples
        --------
        >>> KNOBS["n_people"].show(2000), KNOBS["reseller_share"].show(0.015)
        ('2,000 people', '1.5 % of people')
        >>> KNOBS["posting_cap"].show(0), KNOBS["posting_cap"].show(1)
        ('no cap', '1 ad a day per seller')
        """
        if self.choices:
            return dict(self.choices).get(value, str(value))
        if self.name == "posting_cap" and float(value) == 0:
            return "no cap"
        v = float(value) * self.scale
        text = f"{int(round(v)):,}" if self.integer else f"{round(v, 6):g}"
        unit = self.unit_one if self.unit_one and v == 1 else self.unit
        return f"{text} {unit}".strip() if unit else text

    def source(self) -> str:
        """The declaration's source string (the derived knob cites F10, F19)."""
        return declared(self.key)["source"] if self.key else "F10, F19"


def _window() -> int:
    return int(SECTIONS["platform"].model_fields["report_window_days"].default)


_POLICIES = (("threshold_ban", "Ban at a report threshold"),
             ("none", "No moderation (no bans, no cap)"))

_KNOB_LIST = (
    Knob("n_people", "graph.n_people", "People", 200, 20_000, 100, 2000, unit="people",
         integer=True),
    Knob("mean_degree", "graph.mean_degree", "Mean friends", 4, 200, 2, 40.0,
         unit="friends each"),
    Knob("reseller_share", "resellers.initial_share", "Resellers at the start", 0, 0.1, 0.005,
         scale=100, unit="% of people"),
    Knob("flooder_share", "resellers.share_flooder", "Flooders among resellers", 0, 1, 0.05,
         scale=100, unit="% of resellers"),
    Knob("curated_of_rest", None, "Curated sellers among the others", 0, 1, 0.05,
         scale=100, unit="% of non-flooders"),
    Knob("counterfeit_share", "resellers.counterfeit_share", "Counterfeit sellers", 0, 1, 0.05,
         scale=100, unit="% of resellers"),
    Knob("seed", "run.seed", "Random seed", 0, 999, 1, 1, integer=True),
    Knob("policy", "platform.policy", "Moderation", choices=_POLICIES),
    Knob("report_threshold", "platform.report_threshold", "Ban threshold", 1, 100, 1,
         unit=f"reports in {_window()} days", unit_one=f"report in {_window()} days",
         integer=True),
    Knob("posting_cap", "platform.posting_cap", "Posting cap", 0, 20, 1,
         unit="ads a day per seller", unit_one="ad a day per seller", integer=True),
)

#: Every knob by name, in page order.
KNOBS: dict[str, Knob] = {k.name: k for k in _KNOB_LIST}
#: The town's knobs (the same for both policies of a comparison).
TOWN: tuple[str, ...] = ("n_people", "mean_degree", "reseller_share", "flooder_share",
                         "curated_of_rest", "counterfeit_share", "seed")
#: The policy's knobs (policy A, and policy B when comparing).
POLICY: tuple[str, ...] = ("policy", "report_threshold", "posting_cap")


def declared(key: str) -> dict[str, Any]:
    """The declaration of one scenario parameter.

    Parameters
    ----------
    key : str
        Dotted key, e.g. ``"graph.n_people"``.

    Returns
    -------
    dict
        ``default``, ``lo``/``hi`` (None when open), ``lo_strict``/``hi_strict``
        (True for ``gt``/``lt``), ``unit``, ``source``, ``doc``, ``type`` and,
        for a choice, ``values``.

    Raises
    ------
    KeyError
        If the key names no declared parameter.
    """
    section, _, name = key.partition(".")
    cls = SECTIONS.get(section)
    if cls is None or name not in cls.model_fields:
        raise KeyError(f"{key!r} is not a declared parameter; sections: {sorted(SECTIONS)}")
    field = cls.model_fields[name]
    out: dict[str, Any] = {"default": field.default, "lo": None, "hi": None,
                           "lo_strict": False, "hi_strict": False, "type": field.annotation,
                           "doc": field.description or ""}
    for m in field.metadata:
        for attr, side, strict in (("ge", "lo", False), ("gt", "lo", True),
                                   ("le", "hi", False), ("lt", "hi", True)):
            v = getattr(m, attr, None)
            if v is not None:
                out[side], out[f"{side}_strict"] = v, strict
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    out["unit"] = str(extra.get("unit", ""))
    out["source"] = str(extra.get("source", ""))
    if typing.get_origin(field.annotation) is typing.Literal:
        out["values"] = list(typing.get_args(field.annotation))
    return out


def defaults() -> dict[str, Any]:
    """The app's default value of every knob (the declared default unless the app sets one)."""
    r = Scenario().resellers
    out: dict[str, Any] = {}
    for k in _KNOB_LIST:
        if k.value is not None:
            out[k.name] = k.value
        elif k.key is not None:
            out[k.name] = declared(k.key)["default"]
    out["curated_of_rest"] = r.share_curated / (r.share_curated + r.share_mixer)
    return out


DEFAULTS: dict[str, Any] = defaults()
#: Policy B's default: the same policy with a cap of two ads a day per seller.
DEFAULT_B: dict[str, Any] = {**{n: DEFAULTS[n] for n in POLICY}, "posting_cap": 2}


def check_knobs(values: Mapping[str, Any]) -> None:
    """Refuse any knob value the page does not offer.

    Parameters
    ----------
    values : mapping
        Knob name -> value; every knob of :data:`KNOBS` must be present.

    Raises
    ------
    ValueError
        Naming the knob, the value and the allowed range (or choices).

    Examples
    --------
    >>> check_knobs({**DEFAULTS, "n_people": 200_000_000})
    Traceback (most recent call last):
    ...
    ValueError: n_people = 200000000 is outside the app's range: 200 to 20000 (People)
    """
    for k in _KNOB_LIST:
        if k.name not in values:
            raise ValueError(f"{k.name} is missing")
        v = values[k.name]
        if k.choices:
            allowed = [c for c, _ in k.choices]
            if v not in allowed:
                raise ValueError(f"{k.name} = {v!r} is not one of {allowed} ({k.label})")
            continue
        rng = f"{k.lo:g} to {k.hi:g}"
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            raise ValueError(f"{k.name} = {v!r} must be a number in {rng} ({k.label})")
        if not math.isfinite(float(v)) or not k.lo <= float(v) <= k.hi:
            raise ValueError(f"{k.name} = {v!r} is outside the app's range: {rng} ({k.label})")
        if k.integer and float(v) != int(v):
            raise ValueError(f"{k.name} = {v!r} must be a whole number in {rng} ({k.label})")


def app_overrides(*, n_people: int, mean_degree: float, reseller_share: float,
                  flooder_share: float, curated_of_rest: float, counterfeit_share: float,
                  policy: str, report_threshold: int, posting_cap: float, seed: int,
                  days: int = APP_DAYS) -> dict[str, Any]:
    """Map the app's knobs onto dotted scenario overrides.

    The strategy mix is ``flooder = f``, ``curated = (1 - f) * c`` and
    ``mixer = (1 - f) * (1 - c)``, which sums to one for any ``f, c`` in
    [0, 1].

    Returns
    -------
    dict
        Keys as accepted by :func:`sim.scenario.with_overrides`.

    Examples
    --------
    >>> o = app_overrides(n_people=500, mean_degree=20, reseller_share=0.02,
    ...                   flooder_share=0.5, curated_of_rest=0.25, counterfeit_share=0.3,
    ...                   policy="none", report_threshold=20, posting_cap=0, seed=3)
    >>> o["resellers.share_flooder"], o["resellers.share_curated"], o["resellers.share_mixer"]
    (0.5, 0.125, 0.375)
    """
    f, c = float(flooder_share), float(curated_of_rest)
    return {
        "graph.n_people": int(n_people),
        "graph.mean_degree": float(mean_degree),
        "resellers.initial_share": float(reseller_share),
        "resellers.share_flooder": f,
        "resellers.share_curated": (1 - f) * c,
        "resellers.share_mixer": (1 - f) * (1 - c),
        "resellers.counterfeit_share": float(counterfeit_share),
        "platform.policy": str(policy),
        "platform.report_threshold": int(report_threshold),
        "platform.posting_cap": float(posting_cap),
        "run.seed": int(seed),
        "run.days": int(days),
    }


class AppModel(SocialCommerceModel):
    """The model the app drives: knob values in, scenario overrides out.

    Every keyword is a knob of :data:`KNOBS` (defaults :data:`DEFAULTS`);
    ``days`` (1 to 3650) is when ``running`` turns False. Values outside the
    page's ranges are refused (:func:`check_knobs`), so a client cannot ask
    for a town larger than the page offers.

    Attributes
    ----------
    knobs : dict
        The knob values the model was built with.
    initial : dict
        Day-0 values of the stock series (trust, active resellers).

    Raises
    ------
    ValueError
        A knob outside the page's range, naming it and the range.

    Examples
    --------
    >>> m = AppModel(n_people=300, mean_degree=10)
    >>> m.step()
    >>> m.day, m.running
    (1, True)
    >>> AppModel(flooder_share=2.0)
    Traceback (most recent call last):
    ...
    ValueError: flooder_share = 2.0 is outside the app's range: 0 to 1 (Flooders among resellers)
    """

    def __init__(self, *, n_people: int = DEFAULTS["n_people"],
                 mean_degree: float = DEFAULTS["mean_degree"],
                 reseller_share: float = DEFAULTS["reseller_share"],
                 flooder_share: float = DEFAULTS["flooder_share"],
                 curated_of_rest: float = DEFAULTS["curated_of_rest"],
                 counterfeit_share: float = DEFAULTS["counterfeit_share"],
                 policy: str = DEFAULTS["policy"],
                 report_threshold: int = DEFAULTS["report_threshold"],
                 posting_cap: float = DEFAULTS["posting_cap"],
                 seed: int = DEFAULTS["seed"], days: int = APP_DAYS) -> None:
        self.knobs = {
            "n_people": n_people, "mean_degree": mean_degree, "reseller_share": reseller_share,
            "flooder_share": flooder_share, "curated_of_rest": curated_of_rest,
            "counterfeit_share": counterfeit_share, "policy": policy,
            "report_threshold": report_threshold, "posting_cap": posting_cap, "seed": seed,
        }
        check_knobs(self.knobs)
        if isinstance(days, bool) or not isinstance(days, int | np.integer) \
                or not 1 <= days <= 3650:
            raise ValueError(f"days = {days!r} must be a whole number from 1 to 3650")
        super().__init__(overrides=app_overrides(**self.knobs, days=int(days)))
        self.initial = initial_state(self)

    def step(self) -> None:
        """One day; stop once ``run.days`` days have passed."""
        super().step()
        self.running = self.day < self.params.run.days


def policy_text(values: Mapping[str, Any]) -> str:
    """A policy in words.

    Examples
    --------
    >>> policy_text({"policy": "threshold_ban", "report_threshold": 15, "posting_cap": 2})
    'ban at 15 reports, cap 2 ads a day'
    >>> policy_text({"policy": "none", "report_threshold": 15, "posting_cap": 2})
    'no moderation'
    """
    if values["policy"] == "none":
        return "no moderation"
    cap, n = float(values["posting_cap"]), int(values["report_threshold"])
    cap_text = "no cap" if cap == 0 else f"cap {cap:g} ad{'s' * (cap != 1)} a day"
    return f"ban at {n} report{'s' * (n != 1)}, {cap_text}"


_run_ids = itertools.count(1)


class Run:
    """One town under policy A and, when comparing, the same town under policy B.

    Both models are built from the same town knobs and seed, so they start
    from the same friend graph and people and draw from the same named
    random streams (common random numbers): a difference between their
    curves comes from the policy.

    Parameters
    ----------
    town : mapping
        The town knobs (:data:`TOWN`).
    policy_a : mapping
        The policy knobs (:data:`POLICY`) of run A.
    policy_b : mapping, optional
        Those of run B; None for no comparison.
    days : int
        When the models stop.
    """

    def __init__(self, town: Mapping[str, Any], policy_a: Mapping[str, Any],
                 policy_b: Mapping[str, Any] | None = None, *, days: int = APP_DAYS) -> None:
        self.id = next(_run_ids)
        self.town = {n: town[n] for n in TOWN}
        self.policy_a = {n: policy_a[n] for n in POLICY}
        self.days = days
        self.lock = threading.RLock()
        self.a = AppModel(**self.town, **self.policy_a, days=days)
        self.b: AppModel | None = None
        self.policy_b: dict[str, Any] | None = None
        self._samples: dict[int, EgoSample] = {}
        #: the day each chart last showed in the browser, by chart name
        self.shown: dict[str, int] = {}
        #: the charts the page draws now
        self.charts: set[str] = set()
        self._shown_cv = threading.Condition()
        if policy_b is not None:
            self.compare(policy_b)

    @property
    def day(self) -> int:
        """Days run so far."""
        return self.a.day

    @property
    def running(self) -> bool:
        """False once the models reached their last day."""
        return bool(self.a.running)

    def step(self, days: int = 1) -> int:
        """Advance both models ``days`` days (fewer at the end); return the days run."""
        done = 0
        with self.lock:
            for _ in range(int(days)):
                if not self.a.running:
                    break
                self.a.step()
                if self.b is not None:
                    self.b.step()
                done += 1
        return done

    def compare(self, policy_b: Mapping[str, Any] | None) -> None:
        """Start (or stop, with None) run B and bring it to run A's day."""
        with self.lock:
            if policy_b is None:
                self.b, self.policy_b = None, None
                return
            self.policy_b = {n: policy_b[n] for n in POLICY}
            b = AppModel(**self.town, **self.policy_b, days=self.days)
            while b.day < self.a.day:
                b.step()
            self.b = b

    def models(self) -> list[tuple[str, AppModel]]:
        """``[("A", a)]`` or ``[("A", a), ("B", b)]``."""
        out = [("A", self.a)]
        if self.b is not None:
            out.append(("B", self.b))
        return out

    def histories(self) -> list[tuple[str, Any]]:
        """Each model's :func:`sim.app_charts.history`, labelled."""
        with self.lock:
            return [(label, history(m)) for label, m in self.models()]

    def mark_shown(self, chart: str, day: int) -> None:
        """The browser drew ``chart`` for ``day`` (called by the chart's widget)."""
        with self._shown_cv:
            self.shown[chart] = max(day, self.shown.get(chart, -1))
            self._shown_cv.notify_all()

    def wait_shown(self, day: int, timeout: float) -> bool:
        """Wait until every chart of the page showed ``day`` (or ``timeout`` s passed).

        The play loop waits here, so that playing never runs ahead of what the
        browser draws: the plots advance as fast as the browser can draw them,
        and Pause stops at the day on screen.
        """
        def done() -> bool:
            return all(self.shown.get(c, -1) >= day for c in self.charts)

        with self._shown_cv:
            return self._shown_cv.wait_for(done, timeout=timeout)

    def sample(self, seller: int) -> EgoSample:
        """The network view's sample around ``seller`` (cached; the same for A and B)."""
        if seller not in self._samples:
            self._samples[seller] = ego_sample(self.a, seller)
        return self._samples[seller]


# ------------------------------------------------------------------ summary
def _totals(m: AppModel) -> dict[str, float]:
    v = m.datacollector.model_vars
    total = (lambda c: float(np.nansum(np.asarray(v.get(c, ()), dtype=float))))  # noqa: E731
    t = m.sellers
    return {
        "ads posted": total("ads_posted"),
        "mutes": total("mutes"),
        "blocks & unfriendings of resellers": total("blocks_resellers"),
        "reports": total("reports"),
        "bans": total("bans"),
        "resellers active": float(np.count_nonzero(t.status == ACTIVE)),
        "orders": total("purchases"),
        "GMV, RMB": total("gmv"),
        "resellers in loss, %": (100.0 * np.count_nonzero(t.cash < 0) / t.size
                                 if t.size else 0.0),
    }


def summary_rows(run: Run) -> list[tuple[str, list[float]]]:
    """The summary table: each measure to date, for A (and B)."""
    with run.lock:
        cols = [_totals(m) for _, m in run.models()]
    return [(k, [c[k] for c in cols]) for k in cols[0]]


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.1f}"


def summary_html(run: Run) -> str:
    """The summary table as HTML (the page shows it; the browser test reads it)."""
    rows = summary_rows(run)
    compare = run.b is not None
    head = "<tr><th></th><th>A</th>" + ("<th>B</th><th>B − A</th>" if compare else "") + \
        "</tr>"
    body = []
    for name, vals in rows:
        cells = "".join(f"<td>{_fmt(v)}</td>" for v in vals)
        if compare:
            d = vals[1] - vals[0]
            cells += f"<td>{'+' if d > 0 else ''}{_fmt(d)}</td>"
        body.append(f"<tr><th>{escape(name)}</th>{cells}</tr>")
    return f'<table class="scsim-table">{head}{"".join(body)}</table>'


def headline(run: Run) -> str:
    """One line: day, town and the policies (the browser test reads it)."""
    t = run.town
    text = (f"Day {run.day} · {int(t['n_people']):,} people · "
            f"{float(t['mean_degree']):g} friends each · seed {int(t['seed'])} · "
            f"A: {policy_text(run.policy_a)}")
    if run.policy_b is not None:
        text += f" · B: {policy_text(run.policy_b)} (same town, same random numbers)"
    return text


# ------------------------------------------------------------------ ECharts
_ECHARTS_VUE = r"""
<template>
  <div class="scsim-group" ref="root" :style="{display: 'grid', gap: '8px',
       gridTemplateColumns: 'repeat(' + columns + ', minmax(0, 1fr))'}">
    <div v-for="b in boxes" :key="b.name" :class="'scsim-chart-box ' + b.cls">
      <div class="scsim-chart" :ref="b.name" :style="{height: height, width: '100%'}"></div>
    </div>
  </div>
</template>
<script>
module.exports = {
  mounted() {
    this.charts = {};
    this.drawn_json = {};
    const cdn = this.cdn || (window.solara ? window.solara.cdn : this.baseUrl() + "_solara/cdn");
    if (!window.scsimEcharts) {
      window.scsimEcharts = this.loadRequire(cdn).then(() => new Promise((resolve, reject) => {
        window.requirejs([cdn + "/echarts@5.4.0/dist/echarts.min.js"], resolve, reject);
      }));
    }
    window.scsimEcharts.then((echarts) => {
      if (this._isDestroyed) return;
      this.echarts = echarts;
      this.observer = new ResizeObserver((seen) => {
        for (const s of seen) {
          const c = Object.values(this.charts).find(c => c.chart.getDom() === s.target);
          if (c) c.chart.resize();
        }
      });
      this.draw();
    });
  },
  beforeDestroy() {
    if (this.observer) this.observer.disconnect();
    for (const c of Object.values(this.charts || {})) c.chart.dispose();
    this.charts = {};
  },
  watch: {
    charts_json() { this.schedule(); },
    stamp() { this.schedule(); },
  },
  methods: {
    schedule() {
      if (this.pending) return;
      this.pending = true;
      this.$nextTick(() => { this.pending = false; this.draw(); });
    },
    draw() {
      if (!this.echarts) return;
      const t0 = performance.now();
      const entries = JSON.parse(this.charts_json);
      const names = new Set(entries.map(e => e.name));
      for (const [name, c] of Object.entries(this.charts)) {
        if (!names.has(name)) { this.drop(c); delete this.charts[name]; }
      }
      for (const e of entries) {
        const el = (this.$refs[e.name] || [])[0];
        if (!el) continue;
        let c = this.charts[e.name];
        if (c && c.chart.getDom() !== el) { this.drop(c); c = null; }
        if (!c) {
          c = this.charts[e.name] = {chart: this.echarts.init(el), key: null, json: null};
          this.observer.observe(el);  // a chart follows its box (e.g. one column to two)
        }
        // an unchanged option (the network on a quiet day) is not redrawn; a new key (other
        // series, another town) replaces the chart; otherwise the option is merged, which
        // keeps the user's zoom, pan and legend choices
        if (e.option !== c.json) {
          const option = JSON.parse(e.option);
          const tip = option.tooltip;
          if (tip && tip.trigger === "axis") tip.formatter = this.axisTip;
          try {
            c.chart.setOption(option, {notMerge: e.key !== c.key, lazyUpdate: false});
            c.key = e.key;
            c.json = e.option;
          } catch (err) {  // one chart's failure must not stop the others (nor the ack)
            console.error("scsim chart " + e.name + ": " + err);
            c.key = null;  // rebuild it next time
          }
        }
        el.setAttribute("data-drawn", this.stamp);
      }
      // tell the server (the play loop waits for it) and time the drawing (browser test)
      this.drawn = this.stamp;
      const d = window.scsimDrawTime || (window.scsimDrawTime = {n: 0, ms: 0});
      d.n += 1; d.ms += performance.now() - t0;
    },
    drop(c) {
      this.observer.unobserve(c.chart.getDom());
      c.chart.dispose();
    },
    axisTip(params) {
      // one row per measure, with the value of each run (series id "<run>:<measure>")
      if (!params.length) return "";
      const runs = new Set(params.map(p => String(p.seriesId).split(":")[0]));
      const rows = new Map();
      for (const p of params) {
        const v = Array.isArray(p.value) ? p.value[1] : p.value;
        const run = String(p.seriesId).split(":")[0];
        const none = v === null || v === undefined || v === "-";
        const text = none ? "–" : Number(v).toLocaleString();
        if (!rows.has(p.seriesName)) rows.set(p.seriesName, {marker: p.marker, vals: []});
        rows.get(p.seriesName).vals.push(runs.size > 1 ? run + " " + text : text);
      }
      const day = Array.isArray(params[0].value) ? params[0].value[0] : params[0].axisValue;
      let out = "day " + day;
      for (const [name, r] of rows) {
        out += "<br>" + r.marker + name + ": <b>" + r.vals.join(" · ") + "</b>";
      }
      return out;
    },
    loadRequire(cdn) {
      if (window.requirejs) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = cdn + "/requirejs@2.3.6/require.js";
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    },
    baseUrl() {
      if (document.getElementsByTagName("base").length) return "./";
      let base = document.body.dataset.baseUrl || document.baseURI;
      return base.endsWith("/") ? base : base + "/";
    },
  },
};
</script>
"""


class EChartsWidget(ipyvuetify.VuetifyTemplate):
    """A group of Apache ECharts charts that update in place, in a grid.

    The library of ``solara.FigureEcharts``, from the same offline assets,
    with three changes for a page that updates every simulated day:

    - all the group's options travel as one JSON string in one message (the
      renderer compares a string at once, where it would walk thousands of
      numbers in a dict, and the browser redraws the group in one go);
    - a new option is merged into its chart rather than replacing it, so a
      user's zoom, pan and legend choices survive the daily update (a chart
      is rebuilt only when its ``key`` changes), and an unchanged option is
      not redrawn;
    - after each update every chart's element carries ``data-drawn = stamp``
      and the widget sends ``drawn = stamp`` back, which the play loop and
      the browser test wait for.
    """

    template = traitlets.Unicode(_ECHARTS_VUE).tag(sync=True)
    charts_json = traitlets.Unicode("[]").tag(sync=True)
    boxes = traitlets.List(traitlets.Dict()).tag(sync=True)
    columns = traitlets.Int(2).tag(sync=True)
    stamp = traitlets.Unicode("").tag(sync=True)
    drawn = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Unicode("300px").tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _cdn(self) -> str | None:
        import solara.settings

        return None if solara.settings.assets.proxy else solara.settings.assets.cdn


def option_json(option: dict[str, Any]) -> str:
    """An ECharts option as compact JSON (NaN and infinities become null).

    Examples
    --------
    >>> option_json({"data": [[0, 1.5], [1, float("nan")]]})
    '{"data":[[0,1.5],[1,null]]}'
    """
    try:
        return json.dumps(option, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a NaN or infinity: JSON has neither
        return json.dumps(clean(option), separators=(",", ":"))


@dataclass(frozen=True)
class ChartSpec:
    """One chart of a :func:`ChartGroup`: name, key (a new key rebuilds the chart),
    option (from :func:`option_json`) and the CSS class of its box."""

    name: str
    key: str
    option: str
    cls: str


@solara.component
def ChartGroup(charts: list[ChartSpec], stamp: str, height: str = "300px", columns: int = 2,
               on_drawn: Callable[[str], None] | None = None) -> Any:
    """Charts in a grid of ``columns``, drawn by one :class:`EChartsWidget`;
    ``on_drawn(stamp)`` is called when the browser has drawn them."""
    payload = json.dumps([{"name": c.name, "key": c.key, "option": c.option} for c in charts],
                         separators=(",", ":"))
    return EChartsWidget.element(charts_json=payload, stamp=stamp, height=height,
                                 columns=columns, on_drawn=on_drawn,
                                 boxes=[{"name": c.name, "cls": c.cls} for c in charts])


def _shown(run: Run, group: str) -> Callable[[str], None]:
    run.charts.add(group)

    def on_drawn(stamp: str) -> None:
        if stamp.isdigit():
            run.mark_shown(group, int(stamp))
    return on_drawn


# ------------------------------------------------------------------ page parts
_CSS = """
.scsim-knob { margin-bottom: 6px; }
.scsim-knob .v-input { margin-top: 0; padding-top: 0; }
.scsim-knob .v-input__slot { margin-bottom: 0 !important; }
.scsim-knob .v-messages { display: none; }
.scsim-knob-head { display: flex; justify-content: space-between; align-items: baseline;
                   gap: 8px; font-size: 14px; }
.scsim-knob-value { font-weight: 600; white-space: nowrap; }
.scsim-sources { font-size: 12px; color: #666; margin-top: -4px; }
.scsim-sources .v-chip { margin-right: 4px; cursor: help; }
.scsim-table { border-collapse: collapse; font-size: 14px; }
.scsim-table th, .scsim-table td { padding: 2px 12px; text-align: right; }
.scsim-table th:first-child { text-align: left; font-weight: normal; color: #444; }
.scsim-table tr:first-child th { border-bottom: 1px solid #ccc; }
.scsim-headline { font-size: 15px; font-weight: 500; margin-bottom: 6px; }
.scsim-chart-box { border: 1px solid #e4e4e4; border-radius: 4px; background: white;
                   padding: 4px; min-width: 0; }
.scsim-pending { font-size: 13px; color: #a15c00; }
.scsim-section { font-weight: 600; font-size: 15px; margin: 10px 0 4px 0; }
"""


@solara.component
def SourceChips(source: str) -> Any:
    """The source ids of a declaration, each opening a tooltip with the source's text."""
    known = load_sources()
    ids = source_ids(source)
    with solara.Row(gap="2px", classes=["scsim-sources"],
                    style={"flex-wrap": "wrap", "align-items": "center"}) as row:
        solara.Text("source:")
        if not ids:
            text = ("No published source: the app's or the model's own choice "
                    "(docs/ODD.md lists every parameter).")
            _chip(source.split(" (")[0] or "assumption", text, "assumption")
        for sid in ids:
            s = known.get(sid)
            body = f"{s.title}. {s.text}" if s else f"{sid}: not in docs/sources.md"
            _chip(sid.replace("LIT-", "LIT "), body + f"  (docs/sources.md#{sid})", sid)
    return row


def _chip(label: str, text: str, sid: str) -> Any:
    chip = solara.v.Chip(x_small=True, outlined=True, label=True, children=[label],
                         v_on="tooltip.on", class_=f"scsim-source scsim-source-{sid}")
    return solara.v.Tooltip(bottom=True, max_width=420, open_delay=150,
                            v_slots=[{"name": "activator", "variable": "tooltip",
                                      "children": chip}],
                            children=[solara.v.Html(tag="div", children=[text])])


@solara.component
def KnobInput(knob: Knob, value: Any, on_value: Callable[[Any], None],
              disabled: bool = False, suffix: str = "") -> Any:
    """One knob: label and value with its unit, the slider (or menu), its sources."""
    cls = ["scsim-knob", f"scsim-knob-{knob.name}{suffix}"]
    with solara.Column(gap="0px", classes=cls) as col:
        solara.HTML(tag="div", classes=["scsim-knob-head"],
                    unsafe_innerHTML=f"<span>{escape(knob.label)}</span><span class="
                                     f"'scsim-knob-value'>{escape(knob.show(value))}</span>")
        if knob.choices:
            solara.v.Select(items=[{"text": t, "value": c} for c, t in knob.choices],
                            v_model=value, on_v_model=on_value, dense=True,
                            disabled=disabled, hide_details=True)
        else:
            shown = float(value) * knob.scale
            lo, hi, step = knob.lo * knob.scale, knob.hi * knob.scale, knob.step * knob.scale

            def set_shown(v: float) -> None:
                x = float(v) / knob.scale
                on_value(int(round(x)) if knob.integer else round(x, 10))

            if knob.integer and knob.scale == 1:
                solara.SliderInt("", value=int(round(shown)), min=int(lo), max=int(hi),
                                 step=int(step), on_value=set_shown, thumb_label=False,
                                 disabled=disabled)
            else:
                solara.SliderFloat("", value=shown, min=lo, max=hi, step=step,
                                   on_value=set_shown, thumb_label=False, disabled=disabled)
        SourceChips(knob.source())
    return col


def _pending(settings: dict[str, Any], run: Run) -> list[str]:
    """What Reset would change: ``"People 2,000 → 5,000"``, …"""
    out = []
    for n in TOWN:
        if settings["town"][n] != run.town[n]:
            k = KNOBS[n]
            out.append(f"{k.label} {k.show(run.town[n])} → {k.show(settings['town'][n])}")
    for tag, running in (("A", run.policy_a), ("B", run.policy_b)):
        if running is None:
            continue
        for n in POLICY:
            if settings[tag][n] != running[n]:
                k = KNOBS[n]
                out.append(f"{tag}: {k.label} {k.show(running[n])} → "
                           f"{k.show(settings[tag][n])}")
    return out


@solara.component
def Controls(run: solara.Reactive[Run], tick: solara.Reactive[int],
             settings: solara.Reactive[dict[str, Any]], mode: solara.Reactive[str],
             target: solara.Reactive[int], error: solara.Reactive[str]) -> Any:
    """Reset, Step, ▶ Play, Run 30 days; the day; what Reset would change."""
    r = run.value
    _ = tick.value  # re-render each day
    m = mode.value

    def loop(cancel: threading.Event) -> None:
        if m is None:
            return
        while not cancel.is_set() and mode.value == m:
            cur = run.value
            if not cur.running or (m == "run" and cur.day >= target.value):
                mode.value = None
                return
            t0 = time.perf_counter()
            n = 1 if m == "play" else min(10, target.value - cur.day)
            try:
                cur.step(n)
            except Exception as e:  # a model error stops the run and is shown
                error.value = f"the model stopped on day {cur.day}: {e}"
                mode.value = None
                return
            tick.value = tick.value + 1
            # never run ahead of the browser: wait until it has drawn this day
            cur.wait_shown(cur.day, timeout=SHOWN_TIMEOUT)
            if m == "play":
                rest = PLAY_SECONDS - (time.perf_counter() - t0)
                if rest > 0:
                    cancel.wait(rest)

    solara.use_thread(loop, dependencies=[m], intrusive_cancel=False)

    def reset() -> None:
        mode.value = None
        s = settings.value
        try:
            new = Run(s["town"], s["A"], s["B"] if s["compare"] else None)
        except Exception as e:
            error.value = f"Reset failed: {e}"
            return
        error.value = ""
        run.value = new
        tick.value = tick.value + 1

    def step() -> None:
        if mode.value is None:
            run.value.step(1)
            tick.value = tick.value + 1

    def play() -> None:
        mode.value = None if mode.value == "play" else "play"

    def run_days() -> None:
        target.value = min(run.value.day + RUN_DAYS, APP_DAYS)
        mode.value = "run"

    busy = m is not None
    with solara.Card("Run", margin=0, classes=["scsim-controls"]) as card:
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button("Reset", color="primary", on_click=reset, disabled=m == "run")
            solara.Button("Step", color="primary", on_click=step,
                          disabled=busy or not r.running)
            solara.Button("❚❚ Pause" if m == "play" else "▶ Play", color="primary",
                          on_click=play, disabled=m == "run" or not r.running)
            solara.Button(f"Run {RUN_DAYS} days", color="primary", on_click=run_days,
                          disabled=busy or not r.running)
        state = ("playing" if m == "play" else f"running to day {target.value}"
                 if m == "run" else "stopped at the last day" if not r.running else "paused")
        solara.HTML(tag="div", classes=["scsim-day"],
                    unsafe_innerHTML=f"<b>Day {r.day}</b> of {APP_DAYS} · {state}")
        pending = _pending(settings.value, r)
        if pending:
            solara.HTML(tag="div", classes=["scsim-pending"],
                        unsafe_innerHTML="Press Reset to apply: " + escape("; ".join(pending)))
        if error.value:
            solara.Error(error.value)
    return card


@solara.component
def Settings(run: solara.Reactive[Run], tick: solara.Reactive[int],
             settings: solara.Reactive[dict[str, Any]], error: solara.Reactive[str]) -> Any:
    """The town's knobs, policy A, the comparison switch and policy B."""
    s = settings.value

    def setter(group: str, name: str) -> Callable[[Any], None]:
        def on_value(v: Any) -> None:
            cur = settings.value
            settings.value = {**cur, group: {**cur[group], name: v}}
        return on_value

    def set_compare(on: bool) -> None:
        settings.value = {**settings.value, "compare": bool(on)}
        try:
            run.value.compare(settings.value["B"] if on else None)
        except Exception as e:
            error.value = f"Comparison failed: {e}"
            return
        tick.value = tick.value + 1

    with solara.Column(gap="0px") as col:
        with solara.Card("Town", margin=0, style={"margin-top": "12px"}):
            solara.Text("Changes apply at Reset.", style={"font-size": "12px", "color": "#666"})
            for n in TOWN:
                KnobInput(KNOBS[n], s["town"][n], setter("town", n))
        with solara.Card("Policy A", margin=0, style={"margin-top": "12px"}):
            for n in POLICY:
                KnobInput(KNOBS[n], s["A"][n], setter("A", n),
                          disabled=n != "policy" and s["A"]["policy"] == "none")
        with solara.Card("Compare", margin=0, style={"margin-top": "12px"}):
            solara.Switch(label="Compare with policy B (same town, same random numbers)",
                          value=s["compare"], on_value=set_compare,
                          classes=["scsim-compare"])
            for n in POLICY:
                KnobInput(KNOBS[n], s["B"][n], setter("B", n), suffix="-b",
                          disabled=not s["compare"] or (n != "policy"
                                                        and s["B"]["policy"] == "none"))
    return col


@solara.component
def Network(run: Run, tick: int) -> Any:
    """The network view: one seller's friends, friendships coloured by state."""
    choices = solara.use_memo(lambda: seller_choices(run.a), [run.id])
    seller, set_seller = solara.use_state(choices[0][0] if choices else -1)
    if choices and seller not in dict(choices):
        seller = choices[0][0]
    with solara.Card("Network around a seller", margin=0,
                     style={"margin-top": "8px"}, classes=["scsim-network"]) as card:
        if not choices:
            solara.Text("No resellers in this town (raise 'Resellers at the start').")
            return card
        solara.v.Select(label="Seller at the centre", items=[{"text": t, "value": p}
                                                             for p, t in choices],
                        v_model=seller, on_v_model=set_seller, dense=True,
                        style_="max-width: 420px", class_="scsim-seller")
        sample = run.sample(seller)
        models = run.models()
        charts = []
        for label, m in models:
            policy = run.policy_a if label == "A" else run.policy_b
            title = (f"{label}: {policy_text(policy)}" if len(models) > 1
                     else f"{sample.nodes.size - 1} friends of seller #{m.graph.label(seller)}")
            with run.lock:
                option = network_option(m, sample, title)
            charts.append(ChartSpec(f"net-{label}", f"{run.id}:{seller}:{len(models)}",
                                    option_json(option), f"scsim-net-{label}"))
        ChartGroup(charts, stamp=str(run.day), height="480px", columns=len(charts),
                   on_drawn=_shown(run, "network"))
    return card


@solara.component
def Main(run: solara.Reactive[Run], tick: solara.Reactive[int]) -> Any:
    """Summary, the six charts (two per row) and the network view."""
    r = run.value
    t = tick.value
    hist = r.histories()
    compare = len(hist) > 1
    with solara.Column(gap="4px", style={"padding": "8px 12px"}) as col:
        with solara.Card(margin=0, classes=["scsim-summary"]):
            solara.HTML(tag="div", classes=["scsim-headline"],
                        unsafe_innerHTML=escape(headline(r)))
            solara.HTML(tag="div", unsafe_innerHTML=summary_html(r))
        # a new key rebuilds the charts: a new town, the comparison on or off, and the first
        # day (merging cannot remove the day-0 hint: ECharts 5.4 fails on a graphic removal
        # after a rebuild)
        key = f"{r.id}:{int(compare)}:{r.day == 0}"
        ChartGroup([ChartSpec(c.key, key, option_json(chart_option(c, hist)),
                              f"scsim-plot-{c.key}") for c in CHARTS],
                   stamp=str(r.day), on_drawn=_shown(r, "lines"))
        Network(r, t)
    return col


def _initial_settings() -> dict[str, Any]:
    return {"town": {n: DEFAULTS[n] for n in TOWN}, "A": {n: DEFAULTS[n] for n in POLICY},
            "B": dict(DEFAULT_B), "compare": False}


@solara.component
def Page() -> Any:
    """The app page (``solara run sim.app``, or ``solara run app.py`` from the repository)."""
    first = solara.use_memo(lambda: Run({n: DEFAULTS[n] for n in TOWN},
                                        {n: DEFAULTS[n] for n in POLICY}), [])
    run = solara.use_reactive(first)
    tick = solara.use_reactive(0)
    settings = solara.use_reactive(_initial_settings())
    mode = solara.use_reactive(typing.cast(str, None))
    target = solara.use_reactive(0)
    error = solara.use_reactive("")
    solara.Title(APP_TITLE)
    solara.Style(_CSS)
    with solara.AppBarTitle():
        solara.Text("scsim · social commerce on a friend network")
    with solara.Sidebar():
        Controls(run, tick, settings, mode, target, error)
        Settings(run, tick, settings, error)
    Main(run, tick)
