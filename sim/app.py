"""The interactive app: Mesa's SolaraViz over :class:`SocialCommerceModel`.

Run it with ``scsim app`` or ``solara run app.py``. The sidebar's sliders
are built from the parameter declarations of :mod:`sim.params` (range,
default, unit and source), so a slider can only offer values the scenario
validator accepts; the main area shows live plots of spam share, mutes and
blocks, trust, conversion and GMV, and a network view of a sample of people
with ties coloured by state (muted, blocked, bought from).

Changing a slider takes effect at the next **Reset** (Mesa's convention);
**Step** advances one day (times the render interval), ▶ plays.

The knobs
---------
``n_people``, ``mean_degree``, ``reseller_share``, ``counterfeit_share``,
``policy``, ``report_threshold``, ``posting_cap`` and ``seed`` map one to
one onto a scenario key (:data:`KNOBS`). The posting-strategy mix is two
sliders that cannot produce an invalid mix: ``flooder_share`` (share of
resellers who flood) and ``curated_of_rest`` (share of the other resellers
who are curated sellers; the rest are lifestyle mixers).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from agents.resellers import ACTIVE
from sim import kernels
from sim.backend import to_host
from sim.model import SocialCommerceModel
from sim.params import SECTIONS, Scenario
from sim.rng import stream
from sim.state import BOUGHT, MUTED, REMOVED

__all__ = ["Knob", "KNOBS", "AppModel", "app_overrides", "model_params", "declared",
           "network_sample", "tie_states", "network_figure", "spam_figure", "ties_figure",
           "trust_figure", "conversion_figure", "gmv_figure", "summary_text", "components",
           "Page"]

#: Days after which the app's model stops (``running`` turns False).
APP_DAYS = 365


@dataclass(frozen=True)
class Knob:
    """One sidebar input, bound to a declared scenario parameter.

    Attributes
    ----------
    name : str
        Keyword argument of :class:`AppModel`.
    key : str or None
        Dotted scenario key the value sets; None for a derived knob.
    label : str
        Short label; the unit and source are appended from the declaration.
    ui : tuple of float, optional
        ``(min, max, step)`` of the slider; must lie inside the declared range
        (the declared range is used when a side is finite and no narrower
        interface range is given).
    value : Any, optional
        The app's default; None takes the declared default.
    """

    name: str
    key: str | None
    label: str
    ui: tuple[float, float, float] | None = None
    value: Any = None


#: The sidebar, top to bottom. The app defaults to a small population so
#: that a day steps in well under a second.
KNOBS: tuple[Knob, ...] = (
    Knob("n_people", "graph.n_people", "People", (200, 20_000, 100), 2000),
    Knob("mean_degree", "graph.mean_degree", "Mean friends", (4, 200, 2), 40.0),
    Knob("reseller_share", "resellers.initial_share", "Reseller share", (0, 0.1, 0.005)),
    Knob("flooder_share", "resellers.share_flooder", "Flooders among resellers", (0, 1, 0.05)),
    Knob("curated_of_rest", None, "Curated among non-flooders", (0, 1, 0.05)),
    Knob("counterfeit_share", "resellers.counterfeit_share", "Counterfeit sellers",
         (0, 1, 0.05)),
    Knob("policy", "platform.policy", "Moderation policy"),
    Knob("report_threshold", "platform.report_threshold", "Ban threshold", (1, 100, 1)),
    Knob("posting_cap", "platform.posting_cap", "Posting cap, 0 = none", (0, 20, 1)),
    Knob("seed", "run.seed", "Seed", (0, 999, 1), 1),
)


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


def _defaults() -> dict[str, Any]:
    """The app's default value of every knob."""
    r = Scenario().resellers
    out = {}
    for k in KNOBS:
        if k.value is not None:
            out[k.name] = k.value
        elif k.key is not None:
            out[k.name] = declared(k.key)["default"]
    out["curated_of_rest"] = r.share_curated / (r.share_curated + r.share_mixer)
    return out


DEFAULTS: dict[str, Any] = _defaults()


def app_overrides(*, n_people: int, mean_degree: float, reseller_share: float,
                  flooder_share: float, curated_of_rest: float, counterfeit_share: float,
                  policy: str, report_threshold: int, posting_cap: float, seed: int,
                  days: int = APP_DAYS) -> dict[str, Any]:
    """Map the app's knobs onto dotted scenario overrides.

    The strategy mix is ``flooder = f``, ``curated = (1 - f) * c`` and
    ``mixer = (1 - f) * (1 - c)``, which sums to one for any ``f, c`` in
    [0, 1]; values outside [0, 1] are passed on and rejected by the scenario
    validator, naming the field.

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
    """The model the app drives: slider values in, scenario overrides out.

    Every keyword is a knob of :data:`KNOBS` (defaults :data:`DEFAULTS`);
    ``days`` is when ``running`` turns False. Mesa's SolaraViz re-creates the
    model with the sliders' values on Reset.

    Examples
    --------
    >>> m = AppModel(n_people=300, mean_degree=10)
    >>> m.step()
    >>> m.day, m.running
    (1, True)
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
        super().__init__(overrides=app_overrides(**self.knobs, days=days))
        self.network_view: tuple[nx.Graph, dict[Any, np.ndarray], np.ndarray] | None = None

    def step(self) -> None:
        """One day; stop once ``run.days`` days have passed."""
        super().step()
        self.running = self.day < self.params.run.days


# ------------------------------------------------------------------ sliders
def _fmt(v: float) -> str:
    return f"{v:g}"


def model_params() -> dict[str, Any]:
    """SolaraViz ``model_params``: one input per knob, built from the declarations.

    Returns
    -------
    dict
        ``{name: {"type": "SliderInt" | "SliderFloat" | "Select", "value", "label",
        "min", "max", "step"}}`` plus the fixed ``days``.

    Raises
    ------
    ValueError
        If a knob's interface range leaves its declared range (a bug in
        :data:`KNOBS`), naming the knob, the bound and the rule.
    """
    out: dict[str, Any] = {}
    for k in KNOBS:
        if k.key is None:
            d = {"lo": 0.0, "hi": 1.0, "lo_strict": False, "hi_strict": False,
                 "type": float, "unit": "share", "source": "F10, F19"}
        else:
            d = declared(k.key)
        value = DEFAULTS[k.name]
        label = f"{k.label} · {d['source'].split(' (')[0]}"
        if "values" in d:
            out[k.name] = {"type": "Select", "value": value, "label": label,
                           "values": d["values"]}
            continue
        assert k.ui is not None, k.name
        lo, hi, step = k.ui
        _check_inside(k, lo, d)
        _check_inside(k, hi, d)
        is_int = d["type"] is int
        out[k.name] = {"type": "SliderInt" if is_int else "SliderFloat", "value": value,
                       "label": label, "min": int(lo) if is_int else float(lo),
                       "max": int(hi) if is_int else float(hi),
                       "step": int(step) if is_int else float(step)}
    out["days"] = APP_DAYS
    return out


def _check_inside(k: Knob, v: float, d: dict[str, Any]) -> None:
    lo, hi = d["lo"], d["hi"]
    if lo is not None and (v < lo or (d["lo_strict"] and v == lo)):
        rule = ">" if d["lo_strict"] else ">="
        raise ValueError(f"slider {k.name} bound {_fmt(v)} breaks {k.key} {rule} {_fmt(lo)}")
    if hi is not None and (v > hi or (d["hi_strict"] and v == hi)):
        rule = "<" if d["hi_strict"] else "<="
        raise ValueError(f"slider {k.name} bound {_fmt(v)} breaks {k.key} {rule} {_fmt(hi)}")


# ------------------------------------------------------------ network view
#: Tie-state colours of the network view, in drawing priority.
TIE_COLORS = {"blocked": "#d62728", "muted": "#ff7f0e", "bought": "#2ca02c",
              "friends": "#c8c8c8"}


def network_sample(model: SocialCommerceModel, n_resellers: int = 3,
                   friends_each: int = 45) -> tuple[nx.Graph, dict[Any, np.ndarray],
                                                     np.ndarray]:
    """A small sample around a few resellers, with a seeded layout.

    Takes the ``n_resellers`` level-1 resellers with most friends and up to
    ``friends_each`` of each one's friends (drawn with the run's seed, stream
    ``"app"``), keeps every original friendship among them (removed ones
    too, so blocks stay visible) and lays it out once with
    ``networkx.spring_layout(seed=...)``.

    Returns
    -------
    graph : networkx.Graph
        Nodes are internal person ids, attribute ``seller`` (bool, at sampling time).
    pos : dict
        Node -> 2-vector.
    ties : ndarray of int64, shape (n_edges, 2)
        For each edge of ``graph.edges()`` (in that order), the two directed
        tie ids ``u -> v`` and ``v -> u``.

    Notes
    -----
    O(sum of the sampled people's degrees) to find ties, plus the layout's
    O(iterations * nodes^2) on about 150 nodes.
    """
    g = model.graph
    rng = stream(model.seed, "app")
    first = [r.person for r in model.reseller_list if r.level == 1]
    sellers = sorted(first, key=lambda p: (-int(g.degree[p]), p))[:n_resellers]
    nodes: set[int] = set(sellers)
    for p in sellers:
        nb = g.indices[g.indptr[p]:g.indptr[p + 1]]
        take = rng.choice(nb.size, size=min(friends_each, nb.size), replace=False)
        nodes.update(int(x) for x in nb[np.sort(take)])
    if not nodes:  # no resellers: a few random people
        nodes.update(int(x) for x in rng.choice(g.n, size=min(g.n, 120), replace=False))
    ids = np.array(sorted(nodes), dtype=np.int64)
    pos_, owner = kernels.ragged_positions(g.indptr, ids)
    nb = g.indices[pos_]
    inside = np.isin(nb, ids) & (ids[owner] < nb)
    u, v, e_uv = ids[owner][inside], nb[inside].astype(np.int64), pos_[inside]
    sample = nx.Graph()
    roles = to_host(model.people.role)
    sample.add_nodes_from((int(i), {"seller": bool(roles[i])}) for i in ids.tolist())
    sample.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    tie_of = {(a, b): (int(x), int(g.rev[x])) for a, b, x in
              zip(u.tolist(), v.tolist(), e_uv.tolist(), strict=True)}
    ties = np.array([tie_of[(a, b) if a < b else (b, a)] for a, b in sample.edges()],
                    dtype=np.int64).reshape(-1, 2)
    pos = nx.spring_layout(sample, seed=int(rng.integers(2**31)), iterations=100)
    return sample, pos, ties


def tie_states(flags: np.ndarray, ties: np.ndarray) -> np.ndarray:
    """The state of each sampled friendship from its two directed ties' flags.

    ``blocked`` (removed) beats ``muted`` (either side) beats ``bought``
    (either side bought from the other) beats ``friends``.

    Parameters
    ----------
    flags : ndarray of uint8
        The model's tie flags.
    ties : ndarray, shape (n_edges, 2)
        Directed tie ids of each friendship.

    Returns
    -------
    ndarray of str
    """
    f = flags[ties[:, 0]] | flags[ties[:, 1]]
    out = np.full(ties.shape[0], "friends", dtype=object)
    out[(f & BOUGHT) != 0] = "bought"
    out[(f & MUTED) != 0] = "muted"
    out[(f & REMOVED) != 0] = "blocked"
    return out


def network_figure(model: AppModel) -> Figure:
    """The network view: sampled people, friendships coloured by tie state."""
    if model.network_view is None:
        model.network_view = network_sample(model)
    sample, pos, ties = model.network_view
    states = tie_states(to_host(model.ties.flags), ties) if ties.size else np.zeros(0, object)
    fig = Figure(figsize=(6, 4.6), dpi=90, layout="constrained")
    ax = fig.subplots()
    edges = list(sample.edges())
    for state in ("friends", "bought", "muted", "blocked"):
        sel = [ed for ed, s in zip(edges, states, strict=True) if s == state]
        if not sel:
            continue
        nx.draw_networkx_edges(sample, pos, edgelist=sel, ax=ax, edge_color=TIE_COLORS[state],
                               width=0.6 if state == "friends" else 1.6,
                               style="dashed" if state == "blocked" else "solid",
                               alpha=0.6 if state == "friends" else 0.9)
    nodes = list(sample.nodes())
    seller = to_host(model.people.role)[np.array(nodes, dtype=np.int64)] != 0  # recruits too
    status = _seller_status(model)
    colors = ["#7b3294" if (s and status.get(n, ACTIVE) == ACTIVE) else
              ("#bbbbbb" if s else "#4c72b0") for n, s in zip(nodes, seller, strict=True)]
    nx.draw_networkx_nodes(sample, pos, nodelist=nodes, ax=ax, node_color=colors,
                           node_size=np.where(seller, 90, 14).tolist(), linewidths=0)
    counts = pd.Series(states).value_counts() if len(states) else pd.Series(dtype=int)
    handles = [ax.plot([], [], color=c, lw=2, ls="--" if s == "blocked" else "-",
                       label=f"{s} ({int(counts.get(s, 0))})")[0]
               for s, c in TIE_COLORS.items()]
    handles.append(ax.scatter([], [], s=60, color="#7b3294", label="reseller"))
    handles.append(ax.scatter([], [], s=60, color="#bbbbbb", label="quit or banned"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3,
              fontsize=7, frameon=False)
    ax.set_title(f"{sample.number_of_nodes()} people around {int(seller.sum())} resellers, "
                 f"day {model.day}", fontsize=9)
    ax.set_axis_off()
    return fig


def _seller_status(model: SocialCommerceModel) -> dict[int, int]:
    t = model.sellers
    return dict(zip(t.person.tolist(), t.status.tolist(), strict=True))


# ------------------------------------------------------------------ plots
def _metrics(model: SocialCommerceModel) -> pd.DataFrame:
    m = model.metrics()
    return m.reset_index() if len(m) else pd.DataFrame(columns=["day"])


def _figure(title: str, ylabel: str = "") -> tuple[Figure, Any]:
    fig = Figure(figsize=(6, 3.4), dpi=90, layout="constrained")
    ax = fig.subplots()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("day", fontsize=8)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    return fig, ax


def spam_figure(model: SocialCommerceModel) -> Figure:
    """Share of feed items that are ads, and friends' posts crowded out (F9)."""
    m = _metrics(model)
    fig, ax = _figure("Spam: ads in the feed", "% of items read")
    if len(m):
        ax.plot(m["day"], 100 * m["ad_share_of_feed"], color="tab:red", label="ads")
        crowd = m["ordinary_crowded_out"] / (m["ordinary_seen"] + m["ordinary_crowded_out"])
        ax.plot(m["day"], 100 * crowd.fillna(0), color="grey", ls="--",
                label="friends' posts crowded out")
        ax.legend(fontsize=7)
    return fig


def ties_figure(model: SocialCommerceModel) -> Figure:
    """Cumulative mutes, blocks of resellers, reports and bans."""
    m = _metrics(model)
    fig, ax = _figure("Mutes and blocks (cumulative)", "ties")
    if len(m):
        for col, label, style in (("mutes", "mutes", "-"), ("blocks_resellers",
                                  "blocks of resellers", "-"), ("reports", "reports", ":"),
                                  ("bans", "bans", "--")):
            ax.plot(m["day"], m[col].cumsum(), ls=style, label=label)
        ax.legend(fontsize=7)
    return fig


def trust_figure(model: SocialCommerceModel) -> Figure:
    """Mean trust toward resellers, over all ties, and in merchants."""
    m = _metrics(model)
    fig, ax = _figure("Trust", "mean trust")
    if len(m):
        ax.plot(m["day"], m["mean_trust_resellers"], label="toward resellers")
        ax.plot(m["day"], m["mean_trust_friends"], ls=":", label="all ties")
        ax.plot(m["day"], m["mean_trust_merchants"], label="in merchants")
        ax.legend(fontsize=7)
    ax.set_ylim(0, 1)
    return fig


def conversion_figure(model: SocialCommerceModel) -> Figure:
    """Orders per ad seen (daily and 7-day mean)."""
    m = _metrics(model)
    fig, ax = _figure("Conversion: orders per ad seen", "%")
    if len(m):
        ax.plot(m["day"], 100 * m["conversion"], color="tab:green", alpha=0.35, label="daily")
        ax.plot(m["day"], 100 * m["conversion"].rolling(7, min_periods=1).mean(),
                color="tab:green", label="7-day mean")
        ax.legend(fontsize=7)
    return fig


def gmv_figure(model: SocialCommerceModel) -> Figure:
    """GMV a day by channel, stacked."""
    m = _metrics(model)
    fig, ax = _figure("GMV by channel", "RMB / day")
    if len(m):
        ax.stackplot(m["day"], m["gmv_moments"], m["gmv_groups"], m["gmv_push"],
                     labels=["Moments", "groups & DMs", "pushes"], alpha=0.8)
        ax.legend(fontsize=7, loc="upper left")
    return fig


def summary_text(model: AppModel) -> str:
    """A few numbers of the model as it is now (the browser test reads them)."""
    m = model.metrics()
    t = model.sellers
    k = model.params.resellers
    total = (lambda c: float(m[c].sum()) if len(m) else 0.0)  # noqa: E731
    return (
        f"Day {model.day} · people: {model.graph.n} · resellers: "
        f"{int((t.status == ACTIVE).sum())} active of {t.size} · strategy mix "
        f"flooder {k.share_flooder:.2f} / mixer {k.share_mixer:.2f} / curated "
        f"{k.share_curated:.2f} · counterfeit sellers {k.counterfeit_share:.2f} · "
        f"policy {model.params.platform.policy} (ban at "
        f"{model.params.platform.report_threshold} reports)\n"
        f"mutes {total('mutes'):.0f} · blocks {total('blocks'):.0f} · bans "
        f"{total('bans'):.0f} · orders {total('purchases'):.0f} · GMV "
        f"{total('gmv'):,.0f} RMB"
    )


def _figure_component(make: Any) -> Any:
    def component(model: AppModel) -> Any:
        fig = make(model)
        return solara.FigureMatplotlib(fig, format="png", dependencies=None)

    component.__name__ = make.__name__.replace("_figure", "").title() + "View"
    return component


def _summary_component(model: AppModel) -> Any:
    with solara.Column(style={"padding": "0 8px"}, classes=["scsim-summary"]) as col:
        for line in summary_text(model).splitlines():
            solara.Text(line)
    return col


def components() -> list[tuple[Any, int]]:
    """The main area: summary, five live plots and the network view, on page 0."""
    figs = (spam_figure, ties_figure, trust_figure, conversion_figure, gmv_figure,
            network_figure)
    return [(_summary_component, 0)] + [(_figure_component(f), 0) for f in figs]


@solara.component
def Page() -> Any:
    """The app page (``solara run app.py`` finds it through the root ``app.py``)."""
    model = solara.use_memo(lambda: AppModel(), [])
    return SolaraViz(model, components=components(), model_params=model_params(),
                     name="scsim: social commerce on a friend network", play_interval=200)
