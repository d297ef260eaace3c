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
machine. Prints, per slider, the median and the largest time, whether the medians meet
the targets, the load average before and after its steps, and the processor time the
app itself (its server and worker processes) spent per step: that does not depend on
what else runs, so on a busy machine it tells the app's own cost from the wait for the
other processes (on N free cores a step cannot take less than its processor time / N).
Run it on a quiet machine (``uptime``): the app shares the cores with whatever else
runs, and the last line says whether the machine was busy.
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
QUIET = 1.0  # a load average below this before the app starts: no other work to speak of
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


def group_cpu_seconds(group: int) -> float:
    """Processor seconds (user + system) used so far by the live processes of process
    group `group` (the app's server and its worker processes), read from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has ended
            continue
        if int(fields[2]) == group:  # pgrp; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / tick


@dataclass(frozen=True)
class App:
    """The app under test: its address and its process group."""

    address: str
    group: int


@contextmanager
def server() -> Iterator[App]:
    """`caseload app` with its defaults, in its own process group."""
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
        yield App(address, proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def measure(page: Page, slider: Slider, group: int) -> tuple[float, float, float]:
    """Seconds from one key press on `slider` to the first result and to the full answer,
    and the app's processor seconds in between (a run fetched ahead after the previous
    step and still going counts here too)."""
    old = page.locator("[data-testid=stImage] img").first.get_attribute("src")
    page.get_by_role("slider", name=slider.label).focus()
    cpu = group_cpu_seconds(group)
    started = time.perf_counter()
    page.keyboard.press(slider.key)
    page.wait_for_function(CHANGED, arg=old, polling=20, timeout=60_000)
    first = time.perf_counter() - started
    page.wait_for_selector(IDLE, timeout=120_000)
    page.get_by_text("Full answer: 10 replications").wait_for(timeout=120_000)
    return first, time.perf_counter() - started, group_cpu_seconds(group) - cpu


def verdict(seconds: float, target: float) -> str:
    return f"target {target:g} s {'met' if seconds <= target else 'NOT met'}"


def load() -> float:
    """The one-minute load average."""
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="slider steps per slider")
    parser.add_argument(
        "--page",
        action="append",
        choices=sorted({s.page for s in SLIDERS}),
        help="measure only this page's sliders (may be given again; default: all)",
    )
    args = parser.parse_args()
    from simulator import native
    from simulator.app.runs import WORKER_NICENESS
    from simulator.experiments.executors import available_cores

    sliders = [s for s in SLIDERS if not args.page or s.page in args.page]
    cores = available_cores()
    loads = [load()]
    print(
        f"build: {native.describe()}; {cores} cores; the app's defaults: first look from "
        f"1 replication, full answer from 10 on {cores} worker processes (nice "
        f"+{WORKER_NICENESS}); {args.repeats} steps per slider, medians; load average "
        f"(1 min) now {loads[0]:.2f}",
        flush=True,
    )
    rows = []
    with server() as app, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        shown = None
        for slider in sliders:
            if slider.page != shown:
                page.goto(app.address + slider.page)
                page.wait_for_selector(IDLE, timeout=180_000)
                page.get_by_text("Full answer: 10 replications").wait_for(timeout=180_000)
                shown = slider.page
            before = load()
            times = [measure(page, slider, app.group) for _ in range(args.repeats)]
            after = load()
            loads += [before, after]
            firsts, fulls = [t[0] for t in times], [t[1] for t in times]
            cpu = statistics.median([t[2] for t in times])
            rows.append((slider, firsts, fulls))
            print(
                f"{slider.page:>13} | {slider.label:<40} ({slider.what}): "
                f"first result median {statistics.median(firsts):.2f} s "
                f"(max {max(firsts):.2f}; {verdict(statistics.median(firsts), FIRST_TARGET)}), "
                f"full answer median {statistics.median(fulls):.2f} s "
                f"(max {max(fulls):.2f}; {verdict(statistics.median(fulls), FULL_TARGET)}); "
                f"the app's processor time per step {cpu:.1f} s (at least {cpu / cores:.1f} s "
                f"on {cores} free cores); load average {before:.1f} -> {after:.1f}",
                flush=True,
            )
        browser.close()
    first = statistics.median([t for _, f, _ in rows for t in f])
    full = statistics.median([t for _, _, f in rows for t in f])
    loads.append(load())
    print(
        f"all sliders, {args.repeats} steps each: first result median {first:.2f} s "
        f"({verdict(first, FIRST_TARGET)}), full answer median {full:.2f} s "
        f"({verdict(full, FULL_TARGET)}); load average before the app started "
        f"{loads[0]:.2f} on {cores} cores, "
        + (
            "a quiet machine"
            if loads[0] < QUIET
            else "the machine was BUSY with other work, so these times include waiting for "
            "it: compare the processor times, or run again on a quiet machine"
        )
        + f" (during the measurements {min(loads[1:]):.1f} to {max(loads[1:]):.1f}, the "
        "app and the browser included: about 2-3 on a quiet machine)"
    )


if __name__ == "__main__":
    main()
