"""What the app draws, as Apache ECharts options (plain dicts, no widget code).

The app's plots are drawn in the browser by ECharts (the library behind
``solara.FigureEcharts``, served offline by ``solara-assets``): the server
sends each chart's option, a few kilobytes of numbers, and the browser
redraws it, instead of the server rendering images every day.

- :func:`history`: a model's daily series from day 0 (the state at set-up) on.
- :data:`CHARTS` and :func:`chart_option`: the six line charts, one or two
  policies on the same axes (policy B dashed).
- :func:`ego_sample`, :func:`tie_states` and :func:`network_option`: the
  network view, the friends of one seller with every friendship coloured by
  its state; pan and zoom in the browser.

Every function here is pure: it reads a model and returns numbers or dicts,
so the tests can check the plots without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from sim import kernels
from sim.backend import to_host
from sim.rng import stream
from sim.state import ACTIVE, BOUGHT, MUTED, REMOVED

__all__ = ["History", "history", "Line", "Chart", "CHARTS", "chart_option", "clean",
           "seller_choices", "EgoSample", "ego_sample", "tie_states", "TIE_COLORS",
           "RELATIONS", "network_option"]

#: Series a chart reads, by metric column (sim.metrics.METRICS).
_COLUMNS = ("ad_share_of_feed", "ordinary_seen", "ordinary_crowded_out", "mutes",
            "blocks_resellers", "reports", "bans", "resellers_active", "resellers_quit",
            "resellers_banned", "mean_trust_resellers", "mean_trust_friends",
            "mean_trust_merchants", "conversion", "ads_seen", "gmv_resellers", "gmv_push",
            "purchases", "gmv")

#: A model's series: ``day`` (0, 1, …) and one float array per metric column;
#: day 0 is the town at set-up (flows NaN, stocks as built).
History = dict[str, np.ndarray]


def history(model: Any) -> History:
    """The model's daily metrics with day 0, the town as it was built, prepended.

    Row ``d`` (d >= 1) is the end of simulated day ``d`` (the metrics' row
    ``d - 1``). Day 0 has the stocks at set-up (trust, active resellers) and
    NaN for the flows (ads, orders, GMV), which have no value before a day
    has run.

    Parameters
    ----------
    model : SocialCommerceModel
        Any model; ``model.initial`` (set by the app's model) supplies day 0,
        else day 0 is NaN except for zeros of cumulative counts.

    Returns
    -------
    dict
        ``day`` and every column of :data:`_COLUMNS`, each of length ``model.day + 1``.
    """
    vars_ = model.datacollector.model_vars
    n = len(vars_.get("mutes", ()))
    initial = getattr(model, "initial", {})
    out: History = {"day": np.arange(n + 1, dtype=np.int64)}
    for c in _COLUMNS:
        a = np.empty(n + 1)
        a[0] = initial.get(c, math.nan)
        a[1:] = np.asarray(vars_.get(c, ()), dtype=float)
        out[c] = a
    return out


def initial_state(model: Any) -> dict[str, float]:
    """The day-0 values of the stock series: trust and active resellers at set-up."""
    state = model.state
    fol = [to_host(m.f_trust[m.following]) for m in model.merchant_list]
    fol_all = np.concatenate(fol) if fol else np.zeros(0)
    return {
        "mean_trust_resellers": float(state.mean_trust_resellers()),
        "mean_trust_friends": float(state.mean_trust_friends()),
        "mean_trust_merchants": float(fol_all.mean()) if fol_all.size else math.nan,
        "resellers_active": float(np.count_nonzero(model.sellers.status == ACTIVE)),
        "resellers_quit": 0.0, "resellers_banned": 0.0,
    }


# ------------------------------------------------------------------ charts
def _cum(col: str) -> Callable[[History], np.ndarray]:
    def f(h: History) -> np.ndarray:
        x = np.nan_to_num(h[col].copy())
        return np.cumsum(x)
    return f


def _mean7(num: Callable[[History], np.ndarray],
           den: Callable[[History], np.ndarray] | None = None,
           scale: float = 1.0) -> Callable[[History], np.ndarray]:
    """Trailing 7-day mean (or ratio of 7-day sums), NaN on day 0."""
    def f(h: History) -> np.ndarray:
        a = np.nan_to_num(num(h))
        ca = np.concatenate([[0.0], np.cumsum(a[1:])])
        d = h["day"]
        lo = np.maximum(d - 7, 0)
        s = ca - ca[lo]
        if den is None:
            out = s / np.maximum(d - lo, 1)
        else:
            b = np.nan_to_num(den(h))
            cb = np.concatenate([[0.0], np.cumsum(b[1:])])
            sb = cb - cb[lo]
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.where(sb > 0, s / sb, np.nan)
        out = out * scale
        out[0] = math.nan
        return out
    return f


def _col(col: str, scale: float = 1.0) -> Callable[[History], np.ndarray]:
    return lambda h: h[col] * scale


def _crowded(h: History) -> np.ndarray:
    tot = h["ordinary_seen"] + h["ordinary_crowded_out"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, 100 * h["ordinary_crowded_out"] / tot, np.nan)


@dataclass(frozen=True)
class Line:
    """One series of a chart: legend name, colour and how it is computed."""

    name: str
    color: str
    value: Callable[[History], np.ndarray]
    digits: int = 1


@dataclass(frozen=True)
class Chart:
    """One line chart: title, y-axis name with its unit, and its series."""

    key: str
    title: str
    y_name: str
    lines: tuple[Line, ...]
    y_max: float | None = None


#: The six charts, in page order.
CHARTS: tuple[Chart, ...] = (
    Chart("feed", "Ads in the feed", "% of items read", (
        Line("ads among Moments items read", "#d62728", _col("ad_share_of_feed", 100)),
        Line("friends' posts crowded out", "#7f7f7f", _crowded))),
    Chart("ties", "Mutes, blocks and reports since day 0", "count", (
        Line("mutes", "#ff7f0e", _cum("mutes"), 0),
        Line("blocks & unfriendings of resellers", "#d62728", _cum("blocks_resellers"), 0),
        Line("reports to the platform", "#9467bd", _cum("reports"), 0))),
    Chart("sellers", "Resellers", "resellers", (
        Line("active", "#7b3294", _col("resellers_active"), 0),
        Line("banned (to date)", "#d62728", _col("resellers_banned"), 0),
        Line("quit (to date)", "#8c564b", _col("resellers_quit"), 0))),
    Chart("trust", "Trust", "mean trust (0 none, 1 full)", (
        Line("toward resellers", "#1f77b4", _col("mean_trust_resellers"), 3),
        Line("over all friendships", "#17becf", _col("mean_trust_friends"), 3),
        Line("in merchants (followers)", "#2ca02c", _col("mean_trust_merchants"), 3)),
        y_max=1.0),
    Chart("conversion", "Conversion (7-day mean)", "orders per 100 ads seen", (
        Line("resellers' orders per 100 ads seen", "#2ca02c",
             _mean7(lambda h: h["conversion"] * h["ads_seen"], _col("ads_seen"), 100), 2),)),
    Chart("gmv", "Sales (7-day mean)", "GMV, RMB a day", (
        Line("resellers (Moments, groups, messages)", "#1f77b4", _mean7(_col("gmv_resellers")),
             0),
        Line("merchants' pushes", "#ff7f0e", _mean7(_col("gmv_push")), 0))),
)


def clean(x: Any) -> Any:
    """``x`` with every NaN or infinity replaced by None (JSON has neither).

    Examples
    --------
    >>> clean({"a": [1.0, float("nan")], "b": (float("inf"),)})
    {'a': [1.0, None], 'b': [None]}
    """
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [clean(v) for v in x]
    return x


def _points(day: np.ndarray, y: np.ndarray, digits: int) -> list[list[Any]]:
    y = np.round(y.astype(float), digits)
    return [[int(d), (float(v) if math.isfinite(v) else None)]
            for d, v in zip(day.tolist(), y.tolist(), strict=True)]


def chart_option(chart: Chart, runs: Sequence[tuple[str, History]]) -> dict[str, Any]:
    """The ECharts option of one chart for one run, or two on the same axes.

    Parameters
    ----------
    chart : Chart
        One of :data:`CHARTS`.
    runs : sequence of (label, History)
        One run, or two: the second is drawn dashed. A series is named by its
        measure alone (one legend entry shows or hides it in both runs) and
        identified by ``"<label>:<measure>"``; the app's tooltip lists each
        measure with the value of every run.

    Returns
    -------
    dict
        A JSON-ready option: whole-day x axis named "day" starting at 0, the
        y axis named with its unit, one line per series and run; at day 0 a
        hint to run the model.

    Examples
    --------
    >>> from sim.app import AppModel
    >>> m = AppModel(n_people=300, mean_degree=10); m.step()
    >>> o = chart_option(CHARTS[0], [("A", history(m)), ("B", history(m))])
    >>> [s["id"] for s in o["series"]]  # doctest: +NORMALIZE_WHITESPACE
    ['A:ads among Moments items read', "A:friends' posts crowded out",
     'B:ads among Moments items read', "B:friends' posts crowded out"]
    >>> o["xAxis"]["name"], o["xAxis"]["minInterval"], o["yAxis"]["name"]
    ('day', 1, '% of items read')
    """
    compare = len(runs) > 1
    series = []
    last = 0
    for k, (label, h) in enumerate(runs):
        last = max(last, int(h["day"][-1]))
        few = h["day"].size <= 2
        for line in chart.lines:
            series.append({
                "type": "line", "id": f"{label}:{line.name}", "name": line.name,
                "symbol": "circle" if few else "none", "symbolSize": 6, "showSymbol": few,
                "data": _points(h["day"], line.value(h), line.digits),
                "lineStyle": {"color": line.color, "type": "dashed" if k else "solid",
                              "width": 2},
                "itemStyle": {"color": line.color},
                "emphasis": {"disabled": True},
            })
    names = [line.name for line in chart.lines]
    rows = 1 + (len(names) > 2)
    top = (52 if compare else 34) + 20 * rows
    y_axis: dict[str, Any] = {"type": "value", "name": chart.y_name, "nameLocation": "middle",
                              "nameGap": 46, "min": 0, "nameTextStyle": {"fontSize": 12},
                              "splitLine": {"lineStyle": {"color": "#eee"}}}
    if chart.y_max is not None:
        y_axis["max"] = chart.y_max
    title: dict[str, Any] = {"text": chart.title, "left": 8, "top": 4,
                             "textStyle": {"fontSize": 14, "fontWeight": "bold",
                                           "lineHeight": 18}}
    if compare:
        title.update(subtext=f"solid: {runs[0][0]} · dashed: {runs[1][0]}", itemGap=6,
                     subtextStyle={"fontSize": 11, "color": "#555", "lineHeight": 14})
    option: dict[str, Any] = {
        "animation": False,
        "title": title,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": names, "top": 48 if compare else 30, "left": 8, "right": 8,
                   "itemWidth": 24, "itemHeight": 8, "textStyle": {"fontSize": 11}},
        "grid": {"left": 62, "right": 18, "top": top, "bottom": 46},
        "xAxis": {"type": "value", "name": "day", "nameLocation": "middle", "nameGap": 28,
                  "min": 0, "max": max(last, 7), "minInterval": 1,
                  "axisPointer": {"snap": True},
                  "nameTextStyle": {"fontSize": 12}, "splitLine": {"show": False}},
        "yAxis": y_axis,
        "series": series,
    }
    if last == 0:  # (the app rebuilds a chart after day 0, which removes the hint)
        option["graphic"] = [{"type": "text", "left": "center", "top": "58%", "silent": True,
                              "style": {"text": "day 0, the town as built: press Step, ▶ or "
                                                "Run 30 days", "fill": "#777",
                                        "fontSize": 13}}]
    return option


# ---------------------------------------------------------------- network
#: Colours of a friendship's state, by priority (blocked beats muted beats bought).
TIE_COLORS = {"blocked": "#d62728", "muted": "#ff7f0e", "bought": "#2ca02c",
              "friends": "#b8b8b8"}

#: The categories of people in the network view: the seller, then each friend
#: by the state of their friendship with the seller.
RELATIONS: tuple[tuple[str, str], ...] = (
    ("the seller", "#7b3294"),
    ("friend", "#4c72b0"),
    ("bought from the seller", TIE_COLORS["bought"]),
    ("muted the seller", TIE_COLORS["muted"]),
    ("friendship ended", TIE_COLORS["blocked"]),
)
_STATE_TO_RELATION = {"friends": 1, "bought": 2, "muted": 3, "blocked": 4}


def seller_choices(model: Any, limit: int = 12) -> list[tuple[int, str]]:
    """The sellers a user can centre the network view on: initial resellers, most friends first.

    Returns
    -------
    list of (person, label)
        Internal person id and a label such as ``"#812 · flooder · 97 friends"``.
    """
    deg = model.graph.degree
    first = [r for r in model.reseller_list if r.level == 1]
    first.sort(key=lambda r: (-int(deg[r.person]), r.person))
    return [(int(r.person), f"#{r.label} · {r.strategy.name} · {int(deg[r.person])} friends")
            for r in first[:limit]]


@dataclass(frozen=True)
class EgoSample:
    """The people and friendships the network view draws around one seller.

    Attributes
    ----------
    seller : int
        Internal id of the seller at the centre.
    nodes : ndarray of int64
        Internal ids, the seller first.
    pos : ndarray of float, shape (n_nodes, 2)
        Layout coordinates (seeded; fixed for the run).
    edges : ndarray of int64, shape (n_edges, 2)
        Friendships as node indices into ``nodes``, lower index first (so the
        seller's friendships are the rows that start with 0).
    ties : ndarray of int64, shape (n_edges, 2)
        The two directed tie ids of each friendship: ``edges[k, 0] -> edges[k, 1]``
        and back.
    """

    seller: int
    nodes: np.ndarray
    pos: np.ndarray
    edges: np.ndarray
    ties: np.ndarray


def ego_sample(model: Any, seller: int, max_friends: int = 80) -> EgoSample:
    """A seller and up to ``max_friends`` of their friends, with every friendship among them.

    Friends are drawn with the run's seed (stream ``"app:<seller>"``), so a run and its
    comparison run (same seed, same graph) get the same sample and layout;
    friendships that ended are kept (drawn as ended). The layout is
    ``networkx.spring_layout`` with a seeded start.

    Notes
    -----
    O(sum of the sampled people's degrees) to find the friendships, plus the
    layout's O(iterations * nodes^2) on at most ``max_friends + 1`` nodes.
    """
    g = model.graph
    rng = stream(model.seed, f"app:{seller}")
    nb = g.indices[g.indptr[seller]:g.indptr[seller + 1]].astype(np.int64)
    if nb.size > max_friends:
        nb = nb[np.sort(rng.choice(nb.size, size=max_friends, replace=False))]
    ids = np.concatenate([[seller], np.sort(nb)]).astype(np.int64)
    pos_, owner = kernels.ragged_positions(g.indptr, ids)
    other = g.indices[pos_].astype(np.int64)
    index = {int(p): k for k, p in enumerate(ids.tolist())}
    inside = np.isin(other, ids) & (ids[owner] < other)
    u, v, e = ids[owner][inside], other[inside], pos_[inside].astype(np.int64)
    edges = np.array([[index[a], index[b]] for a, b in zip(u.tolist(), v.tolist(),
                                                           strict=True)],
                     dtype=np.int64).reshape(-1, 2)
    ties = np.stack([e, np.asarray(g.rev)[e].astype(np.int64)], axis=1).reshape(-1, 2)
    swap = edges[:, 0] > edges[:, 1]  # lower node index first: the seller's friendships
    edges[swap] = edges[swap][:, ::-1]  # start with 0 (u -> v stays ties[:, 0]'s direction)
    ties[swap] = ties[swap][:, ::-1]
    sg = nx.Graph()
    sg.add_nodes_from(range(ids.size))
    sg.add_edges_from(edges.tolist())
    layout = nx.spring_layout(sg, seed=int(rng.integers(2**31)), iterations=60,
                              k=1.6 / math.sqrt(max(ids.size, 1)))
    pos = np.array([layout[k] for k in range(ids.size)], dtype=float).reshape(-1, 2)
    return EgoSample(int(seller), ids, pos, edges, ties)


def tie_states(flags: np.ndarray, ties: np.ndarray) -> np.ndarray:
    """The state of each friendship from its two directed ties' flags.

    ``blocked`` (removed) beats ``muted`` (either side) beats ``bought``
    (either side bought from the other) beats ``friends``.

    Parameters
    ----------
    flags : ndarray of uint8
        The model's tie flags (``model.state.ties.flags``).
    ties : ndarray, shape (n_edges, 2)
        Directed tie ids of each friendship.

    Returns
    -------
    ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sim.state import BOUGHT, MUTED, REMOVED
    >>> flags = np.array([0, BOUGHT, MUTED, REMOVED], dtype=np.uint8)
    >>> tie_states(flags, np.array([[0, 0], [1, 0], [2, 1], [3, 2]])).tolist()
    ['friends', 'bought', 'muted', 'blocked']
    """
    f = flags[ties[:, 0]] | flags[ties[:, 1]]
    out = np.full(ties.shape[0], "friends", dtype=object)
    out[(f & BOUGHT) != 0] = "bought"
    out[(f & MUTED) != 0] = "muted"
    out[(f & REMOVED) != 0] = "blocked"
    return out


def network_option(model: Any, sample: EgoSample, title: str) -> dict[str, Any]:
    """The ECharts option of the network view of one model around ``sample.seller``.

    Nodes: the seller (large), and each friend coloured by the state of their
    friendship with the seller (a diamond marks another reseller); lines:
    every friendship among them, coloured by its state (blocked dashed).
    Drag to pan, scroll to zoom.
    """
    flags = to_host(model.state.ties.flags)
    states = tie_states(flags, sample.ties) if sample.ties.size else np.zeros(0, object)
    n = sample.nodes.size
    relation = np.ones(n, dtype=np.int64)
    relation[0] = 0
    spoke = sample.edges[:, 0] == 0
    for (a, b), s in zip(sample.edges[spoke].tolist(), states[spoke].tolist(), strict=True):
        relation[b if a == 0 else a] = _STATE_TO_RELATION[s]
    roles = to_host(model.state.people.role)[sample.nodes] != 0
    names = [name for name, _ in RELATIONS]
    nodes = []
    for k in range(n):
        label = model.graph.label(int(sample.nodes[k]))
        nodes.append({
            "name": f"#{label} · {names[relation[k]]}" + (" · reseller" if roles[k] and k
                                                           else ""),
            "x": round(float(sample.pos[k, 0]) * 100, 2),
            "y": round(float(sample.pos[k, 1]) * 100, 2),
            "category": int(relation[k]),
            "symbol": "diamond" if roles[k] and k else "circle",
            "symbolSize": 22 if k == 0 else (11 if roles[k] else 8),
        })
    links = []
    counts = dict.fromkeys(TIE_COLORS, 0)
    for (a, b), s in zip(sample.edges.tolist(), states.tolist(), strict=True):
        counts[s] += 1
        link: dict[str, Any] = {"source": a, "target": b}
        if s != "friends":  # plain friendships take the series' line style
            link["lineStyle"] = {"color": TIE_COLORS[s], "width": 1.6, "opacity": 0.9,
                                 "type": "dashed" if s == "blocked" else "solid"}
        links.append(link)
    sub = (f"lines: {counts['friends']} friendships, {counts['bought']} bought, "
           f"{counts['muted']} muted, {counts['blocked']} ended (dashed)\n"
           "◆ another reseller · drag to pan, scroll to zoom")
    return {
        "animation": False,
        "title": {"text": title, "subtext": sub, "left": 8, "top": 4, "itemGap": 6,
                  "textStyle": {"fontSize": 14, "lineHeight": 18},
                  "subtextStyle": {"fontSize": 11, "lineHeight": 14}},
        "tooltip": {"formatter": "{b}"},
        "legend": {"data": names, "bottom": 4, "left": "center", "itemWidth": 12,
                   "textStyle": {"fontSize": 11}},
        "series": [{
            "type": "graph", "layout": "none", "roam": True, "draggable": False,
            "scaleLimit": {"min": 0.4, "max": 15}, "top": 74, "bottom": 40,
            "categories": [{"name": name, "itemStyle": {"color": c}} for name, c in RELATIONS],
            "data": nodes, "links": links,
            "label": {"show": False}, "emphasis": {"focus": "adjacency"},
            "lineStyle": {"color": TIE_COLORS["friends"], "width": 0.6, "opacity": 0.35},
            "itemStyle": {"borderColor": "#fff", "borderWidth": 0.5},
        }],
    }
