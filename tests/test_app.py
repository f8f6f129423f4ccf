"""The app without a browser: knobs and their limits, the comparison on common
random numbers, what the charts and the network view draw, the sources behind
the sliders' tooltips, and ``scsim app`` as a process.

The page itself, driven by headless Chromium, is tests/test_app_browser.py.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from sim.app import (
    DEFAULT_B,
    DEFAULTS,
    KNOBS,
    POLICY,
    TOWN,
    AppModel,
    Run,
    app_overrides,
    check_knobs,
    declared,
    headline,
    option_json,
    summary_html,
)
from sim.app_charts import (
    CHARTS,
    RELATIONS,
    chart_option,
    ego_sample,
    history,
    network_option,
    seller_choices,
    tie_states,
)
from sim.app_cli import APP_TITLE
from sim.app_sources import SOURCES_MD, anchor, load_sources, parse_sources, source_ids
from sim.params import SECTIONS
from sim.scenario import default_scenario, with_overrides
from sim.state import BOUGHT, MUTED, REMOVED

ROOT = Path(__file__).resolve().parent.parent
SMALL = dict(n_people=400, mean_degree=12)


def _town(**kw):
    return {**{n: DEFAULTS[n] for n in TOWN}, **SMALL, **kw}


def _policy(**kw):
    return {**{n: DEFAULTS[n] for n in POLICY}, **kw}


# ------------------------------------------------------------------ knobs
def test_every_slider_position_is_a_valid_scenario_inside_the_declared_range() -> None:
    for k in KNOBS.values():
        if k.choices:
            assert [c for c, _ in k.choices] == declared(k.key)["values"], k.name
            continue
        if k.key is not None:
            d = declared(k.key)
            assert d["lo"] is None or k.lo >= d["lo"], k.name
            assert d["hi"] is None or k.hi <= d["hi"], k.name
        for v in (k.lo, k.hi, DEFAULTS[k.name]):
            with_overrides(default_scenario(), app_overrides(**{**DEFAULTS, k.name: v}))
        if k.key is not None and k.value is None:
            assert DEFAULTS[k.name] == declared(k.key)["default"], k.name


def test_strategy_mix_always_sums_to_one() -> None:
    for f in np.linspace(0, 1, 5):
        for c in np.linspace(0, 1, 5):
            o = app_overrides(**{**DEFAULTS, "flooder_share": f, "curated_of_rest": c})
            total = (o["resellers.share_flooder"] + o["resellers.share_mixer"]
                     + o["resellers.share_curated"])
            assert total == pytest.approx(1, abs=1e-12)
            assert o["resellers.share_curated"] == pytest.approx((1 - f) * c)


def test_every_knob_shows_its_value_with_a_unit() -> None:
    for k in KNOBS.values():
        text = k.show(DEFAULTS[k.name])
        assert text and text != str(DEFAULTS[k.name]) or k.name == "seed", (k.name, text)
    assert KNOBS["n_people"].show(20_000) == "20,000 people"
    assert KNOBS["counterfeit_share"].show(0.3) == "30 % of resellers"
    assert KNOBS["report_threshold"].show(15) == "15 reports in 30 days"


@pytest.mark.parametrize("name, value, allowed", [
    ("n_people", 200_000_000, "200 to 20000"),
    ("n_people", 100, "200 to 20000"),
    ("mean_degree", 500.0, "4 to 200"),
    ("flooder_share", 2.0, "0 to 1"),
    ("curated_of_rest", -0.5, "0 to 1"),
    ("reseller_share", 0.5, "0 to 0.1"),
    ("posting_cap", 21, "0 to 20"),
    ("seed", 10**9, "0 to 999"),
])
def test_the_app_model_refuses_what_the_page_does_not_offer(name: str, value: float,
                                                            allowed: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} = .*{re.escape(allowed)}") as info:
        AppModel(**{**SMALL, name: value})
    assert "share_curated" not in str(info.value)


@pytest.mark.parametrize("value", [float("nan"), "2000", True, 2000.5])
def test_the_app_model_refuses_values_that_are_not_whole_numbers(value: object) -> None:
    with pytest.raises(ValueError, match="n_people"):
        check_knobs({**DEFAULTS, "n_people": value})


def test_the_app_model_refuses_an_unknown_policy_and_day_count() -> None:
    with pytest.raises(ValueError, match="policy = 'ban_everyone' is not one of"):
        AppModel(**SMALL, policy="ban_everyone")
    with pytest.raises(ValueError, match="days"):
        AppModel(**SMALL, days=10**6)


def test_app_model_maps_knobs_and_stops_after_days() -> None:
    m = AppModel(**SMALL, reseller_share=0.05, flooder_share=1.0, policy="none", days=3)
    assert m.graph.n == 400
    assert m.params.platform.policy == "none"
    assert {r.strategy.name for r in m.reseller_list} == {"flooder"}
    assert len(m.reseller_list) == 20
    for _ in range(3):
        assert m.running
        m.step()
    assert not m.running


# ------------------------------------------------------------- comparison
def test_comparison_runs_the_same_town_on_common_random_numbers() -> None:
    same = Run(_town(), _policy(), _policy())
    a, b = same.a, same.b
    assert b is not None
    assert np.array_equal(a.graph.indptr, b.graph.indptr)
    assert np.array_equal(a.graph.indices, b.graph.indices)
    assert np.array_equal(a.state.people.role, b.state.people.role)
    same.step(15)
    ha, hb = (h for _, h in same.histories())
    for c in ha:  # the same policy twice: identical curves, day by day
        assert np.array_equal(ha[c], hb[c], equal_nan=True), c

    capped = Run(_town(reseller_share=0.05, flooder_share=1.0), _policy(posting_cap=0),
                 _policy(posting_cap=2))
    capped.step(1)
    ha, hb = (h for _, h in capped.histories())
    # day 1: the cap is the only difference (flooders post 8 ads a day, capped at 2)
    assert hb["ads_seen"][1] < ha["ads_seen"][1]
    assert "B: ban at 15 reports, cap 2 ads a day" in headline(capped)
    assert "<th>B − A</th>" in summary_html(capped)


def test_switching_the_comparison_on_mid_run_catches_up() -> None:
    late = Run(_town(), _policy())
    late.step(10)
    late.compare(DEFAULT_B)
    early = Run(_town(), _policy(), DEFAULT_B)
    early.step(10)
    assert late.b is not None and late.b.day == 10
    h_late, h_early = history(late.b), history(early.b)
    for c in h_late:
        assert np.array_equal(h_late[c], h_early[c], equal_nan=True), c
    late.compare(None)
    assert late.b is None and [label for label, _ in late.models()] == ["A"]


# ------------------------------------------------------------------ charts
def test_history_starts_at_the_town_as_built() -> None:
    m = AppModel(**SMALL)
    h0 = history(m)
    assert h0["day"].tolist() == [0]
    assert 0 < h0["mean_trust_friends"][0] < 1 and math.isnan(h0["gmv"][0])
    assert h0["resellers_active"][0] == len(m.reseller_list)
    for _ in range(4):
        m.step()
    h = history(m)
    assert h["day"].tolist() == [0, 1, 2, 3, 4]
    assert np.array_equal(h["mutes"][1:], m.metrics()["mutes"].to_numpy())


def test_charts_have_labelled_axes_whole_days_and_something_at_day_0() -> None:
    run = Run(_town(), _policy(), DEFAULT_B)
    for c in CHARTS:
        o = chart_option(c, run.histories())
        assert o["xAxis"]["name"] == "day" and o["xAxis"]["minInterval"] == 1
        assert o["xAxis"]["min"] == 0 and o["yAxis"]["name"]
        assert o["graphic"][0]["type"] == "text"  # day 0: a hint, and day-0 points
        json.loads(option_json(o))
    trust = chart_option(CHARTS[3], run.histories())
    assert all(s["data"][0][1] is not None for s in trust["series"])
    run.step(5)
    for c in CHARTS:
        o = chart_option(c, run.histories())
        assert "graphic" not in o
        assert [s["lineStyle"]["type"] for s in o["series"]] == (
            ["solid"] * len(c.lines) + ["dashed"] * len(c.lines))
        assert {s["name"] for s in o["series"]} == {line.name for line in c.lines}
        days = [p[0] for s in o["series"] for p in s["data"]]
        assert set(days) == set(range(6)) and all(isinstance(d, int) for d in days)
        text = option_json(o)
        assert "NaN" not in text and "Infinity" not in text


def test_tie_states_priority() -> None:
    flags = np.array([0, BOUGHT, MUTED, MUTED | BOUGHT, REMOVED, 0], dtype=np.uint8)
    ties = np.array([[0, 5], [1, 5], [2, 5], [3, 5], [4, 3]])
    assert tie_states(flags, ties).tolist() == ["friends", "bought", "muted", "muted",
                                                "blocked"]


def test_network_view_around_a_picked_seller() -> None:
    a, b = AppModel(**SMALL), AppModel(**SMALL)
    choices = seller_choices(a)
    assert choices and choices == seller_choices(b)
    seller = choices[-1][0]
    sa, sb = ego_sample(a, seller), ego_sample(b, seller)
    assert sa.nodes[0] == seller and np.array_equal(sa.nodes, sb.nodes)
    assert np.allclose(sa.pos, sb.pos) and np.array_equal(sa.edges, sb.edges)
    g = a.graph
    src = g.src()
    for (u, v), (e, r) in zip(sa.edges, sa.ties, strict=True):  # ties are the drawn edges
        assert {int(src[e]), int(g.indices[e])} == {int(sa.nodes[u]), int(sa.nodes[v])}
        assert g.rev[e] == r
    spokes = sa.edges[sa.edges[:, 0] == 0]
    assert len(spokes) == sa.nodes.size - 1  # every sampled person is the seller's friend
    for _ in range(20):
        a.step()
    o = network_option(a, sa, "title")
    series = o["series"][0]
    assert series["roam"] is True and series["layout"] == "none"
    assert [c["name"] for c in series["categories"]] == [n for n, _ in RELATIONS]
    assert series["data"][0]["category"] == 0 and len(series["links"]) == len(sa.edges)
    json.loads(option_json(o))


# ---------------------------------------------------------------- sources
def test_the_shipped_sources_are_docs_sources_md() -> None:
    assert SOURCES_MD.read_bytes() == (ROOT / "docs" / "sources.md").read_bytes(), (
        "sim/data/sources.md differs from docs/sources.md: cp docs/sources.md "
        "sim/data/sources.md")


def test_every_cited_source_has_an_anchored_entry() -> None:
    known = load_sources()
    for n in range(1, 24):
        assert f"F{n}" in known, f"F{n}"
    cited = set()
    for section, cls in SECTIONS.items():
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            for sid in source_ids(str(extra.get("source", ""))):
                cited.add(sid)
                assert sid in known, f"{section}.{name} cites {sid}, not in docs/sources.md"
    assert {"LIT-4.1", "LIT-U4", "LIT-M6"} <= cited
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    for sid in known:
        assert f'<a id="{sid}"></a>' in text
        assert len(known[sid].text) > 80, sid
    assert "../shared" not in text and "shared/" not in text  # the repository stands alone


def test_every_knob_tooltip_quotes_docs_sources_md() -> None:
    known = load_sources()
    for k in KNOBS.values():
        for sid in source_ids(k.source()):
            assert known[sid].text.split(".")[0] in (ROOT / "docs" / "sources.md").read_text(
                encoding="utf-8").replace("\n", " ")
    assert source_ids(KNOBS["mean_degree"].source()) == ["LIT-4.1", "F5"]
    assert anchor("LIT U13") == "LIT-U13"


def test_parse_sources_rejects_a_duplicate_anchor() -> None:
    doc = '<a id="F1"></a>\n### F1\n\ntext\n\n<a id="F1"></a>\n### F1 again\n\ntext\n'
    with pytest.raises(ValueError, match="'F1' appears twice"):
        parse_sources(doc)


# -------------------------------------------------------------- scsim app
def test_scsim_app_command_serves_the_module_and_checks_the_port() -> None:
    from sim.app_cli import OFFLINE_ENV, solara_command
    from sim.cli import build_parser

    args = build_parser().parse_args(["app", "--port", "9001"])
    assert args.command == "app" and args.port == 9001 and args.host == "127.0.0.1"
    cmd = solara_command(9001, "127.0.0.1")
    assert cmd[-1] == "--production" and "--no-check-version" in cmd
    assert cmd[3:5] == ["run", "sim.app"]  # a module name: no file is written anywhere
    assert OFFLINE_ENV["SOLARA_THEME_SHOW_BANNER"] == "False"
    assert OFFLINE_ENV["SOLARA_THEME_TITLE"] == APP_TITLE != "Solara ☀️"
    with pytest.raises(ValueError, match="--port = 70000"):
        solara_command(70000, "127.0.0.1")
    for bad in ("999.1.1.1", "", " "):
        with pytest.raises(ValueError, match=f"--host = '{bad}' is not an address"):
            solara_command(9001, bad)
    assert "0.0.0.0" in solara_command(9001, "0.0.0.0")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_stopping_scsim_app_stops_the_server() -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [
        os.environ.get("PYTHONPATH")])])}
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main())",
         "app", "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        t0 = time.monotonic()
        while True:
            assert proc.poll() is None, f"scsim app exited with {proc.returncode}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        page = r.read().decode("utf-8")
                        break
            except OSError:
                pass
            assert time.monotonic() - t0 < 90, "scsim app did not answer in 90 s"
            time.sleep(0.5)
        # the tab's title from the first byte (it was Solara's "Solara ☀️" until rendered)
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        assert title and title.group(1).strip() == APP_TITLE
        os.kill(proc.pid, signal.SIGTERM)  # the one process `scsim app` started
        proc.wait(timeout=20)
        t0 = time.monotonic()
        while _port_open(port):
            assert time.monotonic() - t0 < 10, f"port {port} still served after scsim app ended"
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
