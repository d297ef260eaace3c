"""The trainers' app in a real browser: `caseload app` serves it, headless Chromium
(Debian's, driven by Playwright) uses it as a person would.

Few tests, each a whole use: every page renders without an error; a slider moves the
figure and the numbers the right way; the flight simulator is played to its debrief.
Screenshots go to each test's folder, and also to $CASELOAD_SCREENSHOTS when set (how
docs/images/ is made: CASELOAD_SCREENSHOTS=docs/images pytest tests/test_app_browser.py).
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/lib/chromium/chromium")  # Debian's, without its start script
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# first look and full answer: few for the tests (the trainers' default is 1 and 10)
REPLICATIONS = os.environ.get("CASELOAD_APP_REPLICATIONS", "1,4")
FULL = f"Full answer: {REPLICATIONS.split(',')[1]} replications"
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
NEW_FIGURE = """old => {
    const img = document.querySelector('[data-testid=stImage] img');
    return img !== null && img.complete && img.naturalWidth > 0 && img.src !== old;
}"""
# text the page cuts short with an ellipsis (a card's or a widget's label too long)
CUT = """() => [...document.querySelectorAll('[data-testid=stMain] *')].filter(e =>
    getComputedStyle(e).textOverflow === 'ellipsis' && e.innerText
    && e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""
NARROW = {"width": 1280, "height": 720}  # the smallest screen the trainers' room plans for
PAGES = {  # address: heading; the start page is the app's own, at "/"
    "": "The trainers' room",
    "peak": "The peak",
    "hockey-stick": "The hockey stick",
    "side-by-side": "Side by side",
    "flight-simulator": "The flight simulator",
    "predict": "Predict, then run",
}


def need(module: str) -> object:
    """Import a module of the app extra; skip without it, except in CI (make test installs it)."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module)


need("streamlit")
sync_api = need("playwright.sync_api")
if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(
        "Debian's Chromium is not installed (make test installs it)", allow_module_level=True
    )


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """`caseload app` on a free port, in its own process group; its address."""
    port = free_port()
    env = {**os.environ, "CASELOAD_APP_REPLICATIONS": REPLICATIONS}
    env.pop("CASELOAD_APP_WORKERS", None)
    caseload = Path(sys.executable).with_name("caseload")
    proc = subprocess.Popen(
        [str(caseload), "app", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        address = f"http://127.0.0.1:{port}/"
        assert first.startswith(f"caseload app: serving on {address}"), first
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{address}_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield address
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.set_default_timeout(60_000)
    yield page
    page.close()


def open_page(page: object, address: str, path: str) -> None:
    page.goto(address + path)
    page.get_by_role("heading", name=PAGES[path], exact=True).wait_for()
    idle(page)
    # an address the app does not serve still shows its first page, under a dialog
    # "Page not found": the heading alone would not notice
    dialogs = page.get_by_role("dialog")
    assert dialogs.count() == 0, dialogs.first.inner_text()


def idle(page: object) -> None:
    """Wait until the app has finished running (the full answer is drawn)."""
    page.wait_for_selector(IDLE, timeout=90_000)


def shot(page: object, folder: Path, name: str) -> Path:
    path = folder / name
    page.screenshot(path=str(path))
    extra = os.environ.get("CASELOAD_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / name)
    return path


def cut_short(page: object) -> list[str]:
    """The texts cut short with an ellipsis on a 1280 x 720 screen (none is the aim: a
    label cut to "On time, B − A (poin..." says nothing). Tables are drawn on a canvas:
    their headers are checked on screenshots, not here."""
    size = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        page.wait_for_timeout(300)  # the new layout
        return page.evaluate(CUT)
    finally:
        page.set_viewport_size(size)


def metric(page: object, label: str) -> str:
    card = page.get_by_test_id("stMetric").filter(has_text=label)
    return card.get_by_test_id("stMetricValue").inner_text()


def number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text.split()[0]))


def figure_source(page: object) -> str:
    return page.locator("[data-testid=stImage] img").first.get_attribute("src") or ""


def test_every_page_renders_without_an_error(server: str, page: object, tmp_path: Path) -> None:
    for path in PAGES:
        open_page(page, server, path)
        assert page.get_by_test_id("stException").count() == 0, path
        assert cut_short(page) == [], path
        if path:
            text = page.locator("[data-testid=stMain]").inner_text()
            assert "For the trainer, to read out" in text, path
        if path in ("peak", "hockey-stick", "side-by-side"):
            assert page.locator("[data-testid=stImage] img").count() >= 1, path
            assert FULL in text, path
        shot(page, tmp_path, f"app_{path or 'start'}.png")


def test_a_slider_moves_the_figure_and_the_numbers(
    server: str, page: object, tmp_path: Path
) -> None:
    open_page(page, server, "peak")
    before, picture = number(metric(page, "Highest backlog")), figure_source(page)
    slider = page.get_by_role("slider", name="Extra refugees a month during the peak")
    slider.focus()
    for _ in range(6):  # 19 -> 25 extra refugees a month
        page.keyboard.press("ArrowRight")
    page.wait_for_function(NEW_FIGURE, arg=picture)
    idle(page)
    page.get_by_text(FULL).wait_for()
    bigger = number(metric(page, "Highest backlog"))
    assert bigger > before
    assert figure_source(page) != picture
    hires = page.get_by_role("slider", name="Caseworkers hired")
    hires.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(NEW_FIGURE, arg=figure_source(page))
    idle(page)
    assert number(metric(page, "Highest backlog")) < bigger
    shot(page, tmp_path, "app_peak_moved.png")


def test_the_flight_simulator_advances_quarters_to_the_debrief(
    server: str, page: object, tmp_path: Path
) -> None:
    open_page(page, server, "flight-simulator")
    quarters = page.get_by_role("slider", name="Quarters to play")
    quarters.focus()
    for _ in range(5):  # 8 -> 3 quarters
        page.keyboard.press("ArrowLeft")
    page.get_by_role("button", name="Start the game").click()
    page.get_by_text("You take over the office on").wait_for()
    idle(page)
    assert "seed" in page.locator("[data-testid=stMain]").inner_text().lower()
    hires = page.get_by_role("spinbutton", name=re.compile("Caseworkers to recruit now"))
    hires.fill("2")
    hires.press("Enter")
    idle(page)
    page.get_by_role("button", name="Run quarter 1 of 3").click()
    page.get_by_text("Quarter 1 of 3 done").wait_for()
    idle(page)
    assert metric(page, "Caseworkers now") == "6"
    assert cut_short(page) == []  # the quarter's cards and the triage toggle
    shot(page, tmp_path, "app_flight_quarter.png")
    page.get_by_role("button", name="Run quarter 2 of 3").click()
    page.get_by_text("Quarter 2 of 3 done").wait_for()
    idle(page)
    page.get_by_role("button", name="Run quarter 3 of 3").click()
    page.get_by_role("heading", name="Debrief").wait_for()
    try:
        page.get_by_text(FULL).wait_for(timeout=180_000)
    finally:
        shot(page, tmp_path, "app_flight_debrief.png")
    idle(page)
    text = page.locator("[data-testid=stMain]").inner_text()
    assert "the planner" in text and "could not answer" not in text  # caseload plan
    # beside the plan, the same hires early and late, with their cost, in a table and words
    assert page.get_by_test_id("stDataFrame").count() == 2
    assert "The same 2 new caseworkers, hired early or late" in text
    assert "Hiring the 2 new caseworkers early" in text
    assert page.get_by_test_id("stException").count() == 0
