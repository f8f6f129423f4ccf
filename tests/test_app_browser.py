"""The app in a real headless Chromium, used as a person would use it.

The test starts the app's Solara server (``scsim app``'s command line) on a
free localhost port and drives Debian's ``/usr/bin/chromium`` with
Playwright (installed by ``make browser``; nothing is downloaded at run time,
and every request that is not to localhost is blocked and fails the test).
It reads a slider's source tooltip, moves the "People" slider, resets, steps,
plays 30 days, runs 30 days, zooms the network view, switches the comparison
on, checks that the plots changed, then does the same at 20,000 people. It
records the seconds per day the plots take to advance, from the click to the
last chart redrawn (both read on the page's clock), and prints them as a
table (a report, not an assertion); the table is also saved as
``app_timing.json`` in the test's tmp dir.

With ``SCSIM_UPDATE_SCREENSHOT=1`` it refreshes the README's screenshot,
``docs/img/app.png`` (2,000 people, the comparison on, after about 70 days).

Without a browser the test is skipped locally and fails under ``CI=true``.
The model-side checks of the app are in tests/test_app.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sim.app_sources import load_sources

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SCSIM_CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]
N_CHARTS = 7  # six line charts and the network view (one more with the comparison on)


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
    env = {**os.environ, **OFFLINE_ENV,
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [
               os.environ.get("PYTHONPATH")])])}
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


# ------------------------------------------------------------------ helpers
def _drawn(page, day: int, n: int = N_CHARTS, timeout: float = 60_000) -> float:
    """Wait until ``n`` charts are drawn for day ``day`` or later; the page's clock then (ms)."""
    return float(page.wait_for_function(
        """([day, n]) => {
            const e = [...document.querySelectorAll('.scsim-chart[data-drawn]')];
            return e.length >= n && e.every(x => Number(x.dataset.drawn) >= day)
                && performance.now();
        }""", arg=[day, n], timeout=timeout, polling="raf").json_value())


def _day(page) -> int:
    return int(page.locator(".scsim-day b").inner_text().split()[1])


def _plots(page) -> list[bytes]:
    boxes = page.locator(".scsim-chart-box")
    return [boxes.nth(i).screenshot() for i in range(boxes.count())]


def _button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def _per_day(page, click, days: int, n: int = N_CHARTS) -> float:
    """Seconds per day from the click (the page's click event) until every chart shows
    ``days`` more days (checked every animation frame)."""
    start = _day(page)
    click()
    end = _drawn(page, start + days, n)
    return (end - page.evaluate("() => window.scsimClicks.at(-1)")) / 1000 / days


def _set_people(page, key: str, presses: int = 1) -> int:
    """Set the People slider with the keyboard; return the value the page shows."""
    thumb = page.locator(".scsim-knob-n_people [role=slider]")
    thumb.focus()
    for _ in range(presses):
        thumb.press(key)
    page.wait_for_timeout(300)
    return int(thumb.get_attribute("aria-valuenow"))


# ---------------------------------------------------------------- the test
@pytest.mark.browser
def test_app_in_headless_chromium(server: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
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
            page = browser.new_page(viewport={"width": 1400, "height": 2300})
            page.route("**/*", only_localhost)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            timing = _drive(page, server, tmp_path)
            assert not errors, errors
        finally:
            browser.close()
    assert not external, f"requests left localhost: {external}"
    (tmp_path / "app_timing.json").write_text(json.dumps(timing, indent=1))
    with capsys.disabled():
        print("\n\nseconds per day until the plots show it, in headless Chromium "
              "(click to last chart redrawn):")
        print(f"{'people':>8}  {'what':<40} {'s/day':>7}")
        for row in timing["rows"]:
            print(f"{row['people']:>8,}  {row['what']:<40} {row['s_per_day']:>7.3f}")
        print(f"page load to day 0 drawn: {timing['load_s']:.1f} s\n")


def _drive(page, url: str, tmp_path: Path) -> dict:
    from playwright.sync_api import expect

    rows: list[dict] = []

    def record(people: int, what: str, s: float) -> None:
        rows.append({"people": people, "what": what, "s_per_day": round(s, 4)})

    head = page.locator(".scsim-headline")
    t0 = time.perf_counter()
    page.goto(url, timeout=90_000)
    expect(head).to_contain_text("Day 0 · 2,000 people", timeout=90_000)
    _drawn(page, 0)  # something is shown at load: day-0 points, hints, the network
    load = time.perf_counter() - t0
    page.evaluate("() => { window.scsimClicks = []; document.addEventListener("
                  "'click', () => window.scsimClicks.push(performance.now()), true); }")

    # every slider shows its value and unit; a source id opens the source's text
    people = page.locator(".scsim-knob-n_people")
    expect(people.locator(".scsim-knob-value")).to_have_text("2,000 people")
    expect(page.locator(".scsim-knob-flooder_share .scsim-knob-value")).to_have_text(
        "40 % of resellers")
    page.locator(".scsim-knob-flooder_share .scsim-source-F10").hover()
    expect(page.locator(".v-tooltip__content:visible")).to_contain_text(
        load_sources()["F10"].text[:60], timeout=10_000)
    page.mouse.move(700, 5)

    # move the People slider with the mouse: the value moves, Reset applies it
    box = people.locator(".v-slider").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + box["height"] / 2)
    thumb = people.locator("[role=slider]")
    expect(thumb).not_to_have_attribute("aria-valuenow", "2000")
    moved = int(thumb.get_attribute("aria-valuenow"))
    assert 3000 < moved < 8000, moved
    expect(people.locator(".scsim-knob-value")).to_have_text(f"{moved:,} people")
    expect(page.locator(".scsim-pending")).to_contain_text("People 2,000 people →")
    _button(page, "Reset").click()
    expect(head).to_contain_text(f"Day 0 · {moved:,} people", timeout=60_000)
    expect(page.locator(".scsim-pending")).to_have_count(0)

    # back to the default 2,000 with the keyboard (Home = 200, then 18 steps of 100)
    _set_people(page, "Home")
    assert _set_people(page, "ArrowRight", 18) == 2000
    _button(page, "Reset").click()
    expect(head).to_contain_text("Day 0 · 2,000 people", timeout=60_000)
    _drawn(page, 0)
    before = _plots(page)

    # step, play 30 days, run 30 days
    step = _button(page, "Step")
    record(2000, "Step (mean of 3)",
           sum(_per_day(page, step.click, 1) for _ in range(3)) / 3)
    after = _plots(page)
    changed = [a != b for a, b in zip(before[:6], after[:6], strict=True)]
    assert all(changed), f"line plots that did not change after 3 steps: {changed}"
    network_at_0 = before[6]
    record(2000, "Play 30 days", _per_day(page, _button(page, "▶ Play").click, 30))
    _button(page, "❚❚ Pause").click()
    expect(_button(page, "▶ Play")).to_be_visible()
    page.wait_for_timeout(300)
    record(2000, "Run 30 days", _per_day(page, _button(page, "Run 30 days").click, 30))
    assert "orders" in page.locator(".scsim-summary").inner_text()

    # the network view: zoom in with the wheel; the zoom survives the next day's update
    zoom = ("() => document.querySelectorAll('.scsim-group')[1].__vue__"
            ".charts['net-A'].chart.getOption().series[0].zoom")
    box = page.locator(".scsim-net-A canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)
    page.wait_for_function(f"({zoom})() > 1")
    _per_day(page, step.click, 1)
    assert page.evaluate(zoom) > 1, "the daily update reset the network's zoom"

    # pick another seller: the network view moves to their friends
    title = ("() => document.querySelectorAll('.scsim-group')[1].__vue__"
             ".charts['net-A'].chart.getOption().title[0].text")
    first = page.evaluate(title)
    page.locator(".scsim-seller").click()
    page.locator(".v-menu__content:visible .v-list-item").nth(1).click()
    page.wait_for_function(f"({title})() !== {json.dumps(first)}")

    # the comparison: policy B (a cap of 2 ads a day) on the same town, dashed
    before = _plots(page)
    assert before[6] != network_at_0, "the network view did not change in 63 days"
    page.get_by_text("Compare with policy B").click()
    expect(head).to_contain_text("B: ban at 15 reports, cap 2 ads a day", timeout=60_000)
    day = _day(page)
    _drawn(page, day, N_CHARTS + 1)
    page.wait_for_timeout(500)
    after = _plots(page)
    assert len(after) == len(before) + 1  # a second network view
    changed = [a != b for a, b in zip(before[:6], after[:6], strict=True)]
    assert all(changed), f"plots that did not change with the comparison: {changed}"
    expect(page.locator(".scsim-summary th", has_text="B − A")).to_be_visible()
    record(2000, "Step, comparison on (mean of 3)",
           sum(_per_day(page, step.click, 1, N_CHARTS + 1) for _ in range(3)) / 3)
    page.wait_for_timeout(500)
    _shot(page, tmp_path, "app_2000.png")

    # the largest town the page offers, comparison still on
    assert _set_people(page, "End") == 20_000
    _button(page, "Reset").click()
    expect(head).to_contain_text("Day 0 · 20,000 people", timeout=90_000)
    _drawn(page, 0, N_CHARTS + 1, timeout=90_000)
    record(20_000, "Step, comparison on (mean of 3)",
           sum(_per_day(page, step.click, 1, N_CHARTS + 1) for _ in range(3)) / 3)
    record(20_000, "Play 10 days, comparison on",
           _per_day(page, _button(page, "▶ Play").click, 10, N_CHARTS + 1))
    _button(page, "❚❚ Pause").click()
    expect(_button(page, "▶ Play")).to_be_visible()
    page.wait_for_timeout(300)
    record(20_000, "Run 30 days, comparison on",
           _per_day(page, _button(page, "Run 30 days").click, 30, N_CHARTS + 1))
    _shot(page, tmp_path, "app_20000.png")
    return {"load_s": round(load, 2), "rows": rows}


def _shot(page, tmp_path: Path, name: str) -> None:
    page.mouse.move(5, 5)
    box = page.locator(".scsim-network").bounding_box()  # the page down to the network view
    height = int(box["y"] + box["height"] + 16) if box else page.viewport_size["height"]
    page.screenshot(path=str(tmp_path / name),
                    clip={"x": 0, "y": 0, "width": page.viewport_size["width"], "height": height})
    assert (tmp_path / name).stat().st_size > 10_000
    if name == "app_2000.png" and os.environ.get("SCSIM_UPDATE_SCREENSHOT") == "1":
        out = ROOT / "docs" / "img" / "app.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / name, out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
