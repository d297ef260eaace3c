"""How fast the trainers' app answers a slider, measured in a real browser.

Run as ``python benchmarks/bench_app.py [--repeats N]`` (needs the app extra and Debian's
Chromium: ``make test`` installs both). It starts ``caseload app`` as a trainer would (the
defaults: a first look from 1 replication, the full answer from 10, a worker process per
core), opens each page in headless Chromium, waits for its full answer, then moves one
slider a step at a time, each step to a setting not run before, and times from the key
press:

- **first result**: until the page shows a new figure (the first look);
- **full answer**: until the app is idle again with the full answer drawn (10
  replications, with the 95 % interval and the range 8 of 10 municipalities would see).

Targets: first result within 1.5 s, full answer within 10 s, on this 2-core
machine. Prints the median and the largest time per slider. Run it on a quiet machine
(``uptime``): the app shares the two cores with whatever else runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/lib/chromium/chromium"
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
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
FIRST_TARGET, FULL_TARGET = 1.5, 10.0
# a figure is shown again, and it is another one (the first look after the key press)
CHANGED = """old => {
    const img = document.querySelector('[data-testid=stImage] img');
    return img !== null && img.complete && img.naturalWidth > 0 && img.src !== old;
}"""


@dataclass(frozen=True)
class Slider:
    """A slider to move: on which page, its label, which way, and what a step changes."""

    page: str
    label: str
    key: str  # ArrowRight or ArrowLeft
    what: str


SLIDERS = [
    Slider("peak", "Extra refugees a month during the peak", "ArrowRight", "the peak, 8 years"),
    Slider("hockey-stick", "Refugees a month", "ArrowLeft", "the current point"),
    Slider("hockey-stick", "Caseworkers", "ArrowRight", "the point and the 8-point curve"),
    Slider("side-by-side", "Caseworkers (B)", "ArrowRight", "side B"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server() -> Iterator[str]:
    """`caseload app` with its defaults, in its own process group; its address."""
    port = free_port()
    caseload = Path(sys.executable).with_name("caseload")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASELOAD_APP_")}
    proc = subprocess.Popen(
        [str(caseload), "app", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    address = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(address + "_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.3)
        yield address
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def measure(page: Page, slider: Slider) -> tuple[float, float]:
    """Seconds from one key press on `slider` to the first result and to the full answer."""
    old = page.locator("[data-testid=stImage] img").first.get_attribute("src")
    page.get_by_role("slider", name=slider.label).focus()
    started = time.perf_counter()
    page.keyboard.press(slider.key)
    page.wait_for_function(CHANGED, arg=old, polling=20, timeout=60_000)
    first = time.perf_counter() - started
    page.wait_for_selector(IDLE, timeout=120_000)
    page.get_by_text("Full answer: 10 replications").wait_for(timeout=120_000)
    return first, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="slider steps per slider")
    args = parser.parse_args()
    from simulator import native

    print(f"build: {native.describe()}; load average {os.getloadavg()[0]:.2f}")
    rows = []
    with server() as address, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        shown = None
        for slider in SLIDERS:
            if slider.page != shown:
                page.goto(address + slider.page)
                page.wait_for_selector(IDLE, timeout=180_000)
                page.get_by_text("Full answer: 10 replications").wait_for(timeout=180_000)
                shown = slider.page
            times = [measure(page, slider) for _ in range(args.repeats)]
            firsts, fulls = [t[0] for t in times], [t[1] for t in times]
            rows.append((slider, firsts, fulls))
            print(
                f"{slider.page:>13} | {slider.label:<40} ({slider.what}): first result median "
                f"{statistics.median(firsts):.2f} s (max {max(firsts):.2f}), full answer "
                f"median {statistics.median(fulls):.2f} s (max {max(fulls):.2f})",
                flush=True,
            )
        browser.close()
    first = statistics.median([t for _, f, _ in rows for t in f])
    full = statistics.median([t for _, _, f in rows for t in f])
    print(
        f"all sliders, {args.repeats} steps each: first result median {first:.2f} s "
        f"(target {FIRST_TARGET} s: {'met' if first <= FIRST_TARGET else 'NOT met'}), "
        f"full answer median {full:.2f} s (target {FULL_TARGET:.0f} s: "
        f"{'met' if full <= FULL_TARGET else 'NOT met'}); load average now "
        f"{os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
