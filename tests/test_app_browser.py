"""The app: knob mapping, slider declarations, and a real headless Chromium session.

The browser test starts ``solara run app.py`` on a free localhost port, drives
Debian's ``/usr/bin/chromium`` with Playwright (installed by ``make browser``;
nothing is downloaded at run time, and every request that is not to
localhost is blocked and fails the test), changes a slider, resets, steps the
model and checks that the plots changed. It saves a screenshot to the test's
tmp dir, and to ``docs/img/app.png`` when ``SCSIM_UPDATE_SCREENSHOT=1``.

Without a browser the test is skipped locally and fails under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from sim.app import (
    KNOBS,
    AppModel,
    app_overrides,
    declared,
    model_params,
    network_sample,
    summary_text,
    tie_states,
)
from sim.scenario import default_scenario, with_overrides
from sim.state import BOUGHT, MUTED, REMOVED

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SCSIM_CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]
SMALL = dict(n_people=400, mean_degree=12)


# ------------------------------------------------------------- no browser
def test_sliders_stay_inside_the_declared_ranges() -> None:
    params = model_params()
    for k in KNOBS:
        spec = params[k.name]
        if spec["type"] == "Select":
            assert spec["values"] == declared(k.key)["values"]
            continue
        for bound in ("min", "max", "value"):
            kw = {**{n: (p["value"] if isinstance(p, dict) else p) for n, p in params.items()
                     if n != "days"}, k.name: spec[bound]}
            # the scenario validator accepts every slider position
            with_overrides(default_scenario(), app_overrides(**kw))
        if k.key is not None and k.value is None:
            assert spec["value"] == declared(k.key)["default"], k.name


def test_strategy_mix_always_sums_to_one() -> None:
    base = {n: (p["value"] if isinstance(p, dict) else p) for n, p in model_params().items()
            if n != "days"}
    for f in np.linspace(0, 1, 5):
        for c in np.linspace(0, 1, 5):
            o = app_overrides(**{**base, "flooder_share": f, "curated_of_rest": c})
            total = (o["resellers.share_flooder"] + o["resellers.share_mixer"]
                     + o["resellers.share_curated"])
            assert total == pytest.approx(1, abs=1e-12)
            assert o["resellers.share_curated"] == pytest.approx((1 - f) * c)


def test_out_of_range_knob_is_rejected_naming_the_field() -> None:
    with pytest.raises(ValueError, match="counterfeit_share"):
        AppModel(**SMALL, counterfeit_share=1.5)


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
    assert summary_text(m).startswith("Day 3 · people: 400")


def test_mesa_reset_rebuilds_the_model_from_slider_values() -> None:
    from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params

    m = AppModel(**SMALL)
    params = model_params()
    _check_model_params(m, params)
    values = {n: (p["value"] if isinstance(p, dict) else p) for n, p in params.items()}
    values.update(SMALL, seed=7)
    kwargs = _build_model_init_kwargs(m, values, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    m2 = type(m)(**kwargs)
    assert m2.seed == 7 and m2.graph.n == 400


def test_tie_states_priority() -> None:
    flags = np.array([0, BOUGHT, MUTED, MUTED | BOUGHT, REMOVED, 0], dtype=np.uint8)
    ties = np.array([[0, 5], [1, 5], [2, 5], [3, 5], [4, 3]])
    assert tie_states(flags, ties).tolist() == ["friends", "bought", "muted", "muted",
                                                "blocked"]


def test_network_sample_is_seeded_and_its_ties_are_the_drawn_edges() -> None:
    a, b = AppModel(**SMALL), AppModel(**SMALL)
    ga, pa, ta = network_sample(a)
    gb, pb, tb = network_sample(b)
    assert list(ga.edges()) == list(gb.edges())
    assert all(np.allclose(pa[n], pb[n]) for n in ga)
    g = a.graph
    for (u, v), (e, r) in zip(ga.edges(), ta, strict=True):
        assert {int(g.src()[e]), int(g.indices[e])} == {u, v}
        assert g.rev[e] == r
    sellers = [n for n in ga if ga.nodes[n]["seller"]]
    assert sellers and ga.number_of_nodes() > len(sellers)


def test_scsim_app_command_is_registered_and_checks_the_port() -> None:
    from sim.app_cli import solara_command
    from sim.cli import build_parser

    args = build_parser().parse_args(["app", "--port", "9001"])
    assert args.command == "app" and args.port == 9001 and args.host == "127.0.0.1"
    cmd = solara_command(9001, "127.0.0.1")
    assert cmd[-1] == "--production" and "--no-check-version" in cmd
    assert Path(cmd[4]).name == "app.py"
    with pytest.raises(ValueError, match="--port = 70000"):
        solara_command(70000, "127.0.0.1")


# ---------------------------------------------------------------- browser
def _need_browser() -> None:
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "the playwright package is not installed (pip install -e '.[dev]')"
    if reason is None and not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        reason = f"no chromium at {CHROMIUM} (run `make browser` as root)"
    if reason is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI needs the browser test: {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"solara exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer in {timeout} s")


@pytest.fixture
def server(tmp_path: Path):
    from sim.app_cli import OFFLINE_ENV, solara_command

    _need_browser()
    port = _free_port()
    log = open(tmp_path / "solara.log", "w")  # noqa: SIM115
    env = {**os.environ, **OFFLINE_ENV}
    proc = subprocess.Popen(solara_command(port, "127.0.0.1"), cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_http(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _summary(page) -> str:
    return page.locator(".scsim-summary").inner_text()


def _plot_images(page) -> list[bytes]:
    imgs = page.locator(".vue-grid-item img")
    return [imgs.nth(i).screenshot() for i in range(imgs.count())]


@pytest.mark.browser
def test_app_in_headless_chromium(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    external: list[str] = []

    def only_localhost(route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1750})
            page.route("**/*", only_localhost)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            _drive(page, server, tmp_path)
            assert not errors, errors
        finally:
            browser.close()
    assert not external, f"requests left localhost: {external}"


def _drive(page, url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.goto(url, timeout=90_000)
    summary = page.locator(".scsim-summary")
    expect(summary).to_contain_text("Day 0 · people: 2000", timeout=90_000)
    expect(page.locator(".vue-grid-item img")).to_have_count(6, timeout=60_000)

    # a slider: click a quarter of the way along the "People" track, then Reset
    row = page.locator(".v-input", has_text="People")
    slider = row.locator("[role=slider]")
    box = row.locator(".v-slider").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + box["height"] / 2)
    expect(slider).not_to_have_attribute("aria-valuenow", "2000")
    people = int(slider.get_attribute("aria-valuenow"))
    assert 3000 < people < 8000, people
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Reset").click()
    expect(summary).to_contain_text(f"Day 0 · people: {people}", timeout=60_000)
    page.wait_for_timeout(500)
    before = _plot_images(page)
    assert len(before) == 6

    # step three days
    step = page.get_by_role("button", name="Step")
    for day in (1, 2, 3):
        step.click()
        expect(summary).to_contain_text(f"Day {day} · people: {people}", timeout=60_000)
    expect(page.get_by_text("Time: 3")).to_be_visible()
    page.wait_for_timeout(500)
    after = _plot_images(page)
    changed = [a != b for a, b in zip(before, after, strict=True)]
    assert all(changed), f"plots that did not change after 3 steps: {changed}"
    assert "orders" in _summary(page)

    if os.environ.get("SCSIM_UPDATE_SCREENSHOT") == "1":
        for day in range(4, 31):
            step.click()
            expect(summary).to_contain_text(f"Day {day} ·", timeout=60_000)
        page.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
        page.wait_for_timeout(1000)
        out = ROOT / "docs" / "img" / "app.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
    page.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
    page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
    assert (tmp_path / "app.png").stat().st_size > 10_000


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
