"""Engine benchmark: how fast the model runs compared with bare SimPy, and at what scale.

Run as ``python benchmarks/bench_engine.py [--repeats N] [--quick] [--instructions]``
(``make bench``).

(a) Event rate. The baseline scenario's SimPy events per second of ``env.run``,
    against a bare SimPy loop in the same process. SimPy's cost per event grows
    with the size of its event heap (``heappop`` is O(log n)) and the model keeps
    many processes waiting (hundreds in the baseline, thousands nationally), so
    the bare loop runs as many concurrent processes as the model's mean heap
    holds (measured in a separate, untimed run). Both loops run with Python's
    cyclic garbage collector paused, as `Municipality.simulate` runs. A 10-process
    bare loop is shown too, for transparency, and the model with the collector
    on, as a diagnostic. The runs are interleaved (A, B, C, D, A, B, C, D, ...) because
    the machine is shared and noisy; medians and the median of the per-repeat
    ratios are reported. Every timed run starts after ``gc.collect()``, so no
    run pays for the garbage of the one before.
    Target: the model at least 40 % of bare SimPy's event rate.

(b) National scale. ``benchmarks/national_2015.toml`` (Denmark, 2015), a full
    ``Municipality(s).run()`` plus ``simulator.analysis.metrics.analyse``, in a spawned
    child process so that its peak memory (max RSS) is that run's alone.
    Targets: within 60 s and 1 GB on one core.

(c) With ``--instructions``: instructions per event of the model's event loop (the
    build measured, and the plain-Python build for comparison) and of the bare loop,
    and, without a target, of ``scenarios/quota_doubled.toml``'s event loop (an office
    of 7-13 caseworkers whose staff changes move many cases, which the baseline's four
    hardly do),
    counted by valgrind's callgrind in child processes (setup counted alone and
    subtracted). Unlike wall time this is the same on every run
    (numpy's BLAS threads pinned to one, hash seed fixed), so it shows small
    changes that the noise of a shared machine hides. It counts work, not memory
    stalls: the model touches more memory per event than the bare loop, so its
    wall-time ratio is a few points lower.

The model runs as installed by ``make``: compiled with mypyc where a C compiler was at
hand (see setup.py), which the report's first line says. ``CASELOAD_PURE_PYTHON=1``
measures the plain-Python build instead.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import simpy

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable without installing the package
    sys.path.insert(0, str(ROOT))

from simulator import native  # noqa: E402
from simulator.analysis.metrics import analyse  # noqa: E402
from simulator.engine.model import Municipality, no_cyclic_gc  # noqa: E402
from simulator.scenario import Scenario, load_scenario  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.toml"
# (c) also counts a large office whose staff changes move many cases: a cost there that the
# baseline's four caseworkers hardly pay (moving cases, 2 December 2026) shows in it
STAFFED = ROOT / "scenarios" / "quota_doubled.toml"
NATIONAL = ROOT / "benchmarks" / "national_2015.toml"
# --quick: one tenth of the national arrivals and caseworkers.
QUICK_NATIONAL = [
    "arrivals.per_month=88.27",
    "caseworkers.staffing=[{ date = 2015-01-01, caseworkers = 32 }]",
]

RATIO_TARGET = 0.40
WALL_TARGET_S = 60.0
MEMORY_TARGET_MB = 1024.0
BARE_MIN_EVENTS = 200_000  # the bare loop runs at least this long, for a stable timing
SEED = 20151104


@dataclass(frozen=True)
class Timing:
    """Events scheduled by one timed ``env.run`` and the seconds it took."""

    events: int
    seconds: float

    @property
    def rate(self) -> float:
        """Events per second."""
        return self.events / self.seconds


# ---------------------------------------------------------------------------- the model


def start_model(scenario: Scenario) -> Municipality:
    """A municipality with its initial staff and root processes started, as `run()` does."""
    m = Municipality(scenario)
    m.start()
    return m


def time_model(scenario: Scenario, collector_on: bool = False) -> Timing:
    """Time the event loop alone; events are those SimPy scheduled (its counter).

    By default the loop runs as `Municipality.run` runs it (`simulate()`, with Python's
    cyclic garbage collector paused). With `collector_on` the bare ``env.run`` is timed
    with the collector running: a diagnostic of what the collector would cost.
    """
    m = start_model(scenario)
    gc.collect()  # earlier runs' cyclic garbage would otherwise slow this run's collections
    started = time.perf_counter()
    if collector_on:
        m.env.run(until=m.end)
    else:
        m.simulate()
    seconds = time.perf_counter() - started
    return Timing(next(m.env._eid), seconds)


@dataclass(frozen=True)
class HeapSize:
    """The model's event-heap size, averaged two ways."""

    time_mean: float  # sampled at regular intervals of simulated time
    event_mean: float  # seen by every event as it is processed (what the cost depends on)
    peak: int


def sample_heap(scenario: Scenario, samples: int) -> HeapSize:
    """Run the model (untimed) and measure its event-heap size.

    The run is stepped with ``env.run(until=t)`` at `samples` evenly spaced times,
    recording ``len(env._queue)`` after each; `env.step` is wrapped to record the
    size every event meets. Neither changes the order of the model's events.
    """
    m = start_model(scenario)
    env, queue = m.env, m.env._queue
    seen = [0, 0, 0]  # sum of sizes, events, peak
    step = env.step

    def counting_step() -> None:
        n = len(queue)
        seen[0] += n
        seen[1] += 1
        if n > seen[2]:
            seen[2] = n
        step()

    env.step = counting_step  # type: ignore[method-assign]
    at_times = []
    for k in range(1, samples + 1):
        env.run(until=m.end * k / samples)
        at_times.append(len(queue))
    return HeapSize(statistics.fmean(at_times), seen[0] / max(seen[1], 1), seen[2])


# ---------------------------------------------------------------------------- bare SimPy


def bare_process(env: simpy.Environment, rng: random.Random) -> Generator[simpy.Event, Any, None]:
    """The simplest SimPy process: wait an exponential time, forever."""
    while True:
        yield env.timeout(rng.expovariate(1.0))


def time_bare(processes: int, events: int, seed: int = SEED) -> Timing:
    """Time a bare SimPy loop of `processes` concurrent processes for about `events` events.

    Each process schedules one event per unit of simulated time on average, so the
    heap holds `processes` events throughout.
    """
    env = simpy.Environment()
    rng = random.Random(seed)
    for _ in range(processes):
        env.process(bare_process(env, rng))
    until = events / processes
    gc.collect()
    started = time.perf_counter()
    with no_cyclic_gc():  # the same collector setting as the model's event loop
        env.run(until=until)
    seconds = time.perf_counter() - started
    return Timing(next(env._eid), seconds)


# ---------------------------------------------------------------------------- (a) event rate


@dataclass(frozen=True)
class RateResult:
    """The interleaved timings of part (a) and the heap size the bare loop matched."""

    model: list[Timing]
    bare: list[Timing]
    bare10: list[Timing]
    model_collector_on: list[Timing]
    heap: HeapSize
    processes: int


def measure_rates(scenario: Scenario, repeats: int, heap_samples: int) -> RateResult:
    """Interleave model, bare (same heap size), bare (10 processes) and model without
    the garbage collector (diagnostic), `repeats` times."""
    heap = sample_heap(scenario, heap_samples)
    processes = max(1, round(heap.event_mean))
    model, bare, bare10, model_collector_on = [], [], [], []
    time_model(scenario)  # warm-up: imports, caches, first-touch allocations
    for _ in range(repeats):
        a = time_model(scenario)
        n = max(a.events, BARE_MIN_EVENTS)
        model.append(a)
        bare.append(time_bare(processes, n))
        bare10.append(time_bare(10, n))
        model_collector_on.append(time_model(scenario, collector_on=True))
    return RateResult(model, bare, bare10, model_collector_on, heap, processes)


def median_rate(timings: list[Timing]) -> float:
    """Median events per second."""
    return statistics.median(t.rate for t in timings)


def median_ratio(model: list[Timing], bare: list[Timing]) -> float:
    """Median over the interleaved pairs of model rate / bare rate."""
    return statistics.median(a.rate / b.rate for a, b in zip(model, bare, strict=True))


def verdict(ok: bool) -> str:
    """How a figure compares with its target."""
    return "MET" if ok else "MISSED"


def report_rates(r: RateResult) -> None:
    """Print part (a)."""
    ratio, ratio10 = median_ratio(r.model, r.bare), median_ratio(r.model, r.bare10)
    print(f"(a) Event rate: {BASELINE.relative_to(ROOT)}, {len(r.model)} interleaved repeats")
    print(
        f"    model event heap: mean {r.heap.event_mean:,.0f} per event processed, "
        f"{r.heap.time_mean:,.0f} over simulated time; peak {r.heap.peak:,}"
    )
    print(f"    {'':34} {'events':>10} {'median s':>9} {'median ev/s':>12}   range ev/s")
    rows = [
        ("model (event loop, as run)", r.model),
        (f"bare SimPy, {r.processes:,} processes", r.bare),
        ("bare SimPy, 10 processes", r.bare10),
        ("model, collector on (diagnostic)", r.model_collector_on),
    ]
    for label, ts in rows:
        print(
            f"    {label:34} {ts[0].events:>10,} {statistics.median(t.seconds for t in ts):>9.3f}"
            f" {median_rate(ts):>12,.0f}   {min(t.rate for t in ts):,.0f} .. "
            f"{max(t.rate for t in ts):,.0f}"
        )
    print(
        f"    model / bare at the same heap size: {ratio:.1%} (median of per-repeat ratios)"
        f"   target >= {RATIO_TARGET:.0%}: {verdict(ratio >= RATIO_TARGET)}"
    )
    print(f"    model / bare with 10 processes:     {ratio10:.1%} (for transparency)")
    print(
        f"    diagnostic: model with the collector on / bare at the same heap size: "
        f"{median_ratio(r.model_collector_on, r.bare):.1%}"
    )


# ---------------------------------------------------------------------------- (b) national


def _vm_rss_mb() -> float:
    """This process's resident set size now, in MB (Linux), or NaN."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def national_child(path: str, overrides: list[str], conn: Connection) -> None:
    """In the child process: load, run and analyse the national scenario; send the figures."""
    scenario = load_scenario(path, overrides)
    rss_before = _vm_rss_mb()
    t0 = time.perf_counter()
    m = Municipality(scenario)
    t1 = time.perf_counter()
    record = m.run()
    t2 = time.perf_counter()
    analyse(record, m.calendar)
    t3 = time.perf_counter()
    conn.send(
        {
            "wall": t3 - t0,
            "build": t1 - t0,
            "run_wall": t2 - t1,
            "analyse": t3 - t2,
            "events": record.events,
            "cases": len(record.cases["case"]),
            "tasks": len(record.tasks["task"]),
            "rss_before_mb": rss_before,
        }
    )
    conn.close()


def measure_national(path: Path, overrides: list[str]) -> dict[str, float]:
    """Run the national scenario in a spawned child; add its peak RSS (MB) to its figures."""
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=national_child, args=(str(path), overrides, send))
    child.start()
    send.close()
    figures = receive.recv()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"the national run failed (exit code {child.exitcode})")
    # Linux reports ru_maxrss in kB: the largest of the children waited for (here, one).
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return figures


def report_national(path: Path, overrides: list[str], f: dict[str, float]) -> None:
    """Print part (b)."""
    cut = f" with {', '.join(overrides)}" if overrides else ""
    print(f"(b) National scale: {path.relative_to(ROOT)}{cut}")
    print(
        f"    cases {f['cases']:,}   tasks {f['tasks']:,}   events {f['events']:,}"
        f"   ({f['events'] / f['run_wall']:,.0f} events/s in run())"
    )
    ok_wall, ok_mem = f["wall"] <= WALL_TARGET_S, f["peak_rss_mb"] <= MEMORY_TARGET_MB
    print(
        f"    wall time   {f['wall']:7.1f} s  (Municipality() {f['build']:.1f} s + run() "
        f"{f['run_wall']:.1f} s + analyse {f['analyse']:.1f} s)   "
        f"target <= {WALL_TARGET_S:.0f} s: {verdict(ok_wall)}"
    )
    print(
        f"    peak memory {f['peak_rss_mb']:7.0f} MB (max RSS of the child; "
        f"{f['rss_before_mb']:.0f} MB after imports and loading)   "
        f"target <= {MEMORY_TARGET_MB:.0f} MB: {verdict(ok_mem)}"
    )


# ---------------------------------------------------------------------------- main


# ---------------------------------------------------------------------------- (c) instructions

COUNT_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}


def count_child(what: str, processes: int, scenario: Path = BASELINE) -> int:
    """In a child under callgrind: build the model of `scenario` and a bare loop, run one,
    print events.

    Both are built whatever runs, so that subtracting the "setup" child's count leaves
    exactly the instructions of the loop that ran.
    """
    m = start_model(load_scenario(scenario))
    env, rng = simpy.Environment(), random.Random(SEED)
    for _ in range(processes):
        env.process(bare_process(env, rng))
    if what == "model":
        m.simulate()
        print(next(m.env._eid))
    elif what == "bare":
        with no_cyclic_gc():
            env.run(until=BARE_MIN_EVENTS / processes)
        print(next(env._eid))
    else:
        print(0)
    return 0


def count_instructions(
    what: str, processes: int, pure: bool = False, scenario: Path = BASELINE
) -> tuple[int, int]:
    """(instructions, events) of a counting child run under valgrind's callgrind, the
    model being `scenario`'s; with `pure`, the child runs the plain-Python build."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--count-child", what, "--processes", str(processes),
        "--count-scenario", str(scenario),
    ]  # fmt: skip
    env = {**os.environ, **COUNT_ENV}
    if pure:
        env[native.PURE_ENV] = "1"
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1)), int(done.stdout.split()[-1])


def report_instructions(processes: int) -> None:
    """Print part (c): instructions per event, model against bare SimPy (deterministic)."""
    setup, _ = count_instructions("setup", processes)
    model, model_events = count_instructions("model", processes)
    bare, bare_events = count_instructions("bare", processes)
    per_model = (model - setup) / model_events
    per_bare = (bare - setup) / bare_events
    ratio = per_bare / per_model
    print("(c) Instructions per event (callgrind: repeatable, unlike wall time here)")
    bare_label = f"bare SimPy, {processes:,} processes"
    print(f"    {'model (event loop, as run)':32} {per_model:>10,.0f}   ({model_events:,} events)")
    if native.REASON is None:  # compiled: the plain-Python build for comparison
        pure_setup, _ = count_instructions("setup", processes, pure=True)
        pure, pure_events = count_instructions("model", processes, pure=True)
        per_pure = (pure - pure_setup) / pure_events
        print(f"    {'model, plain-Python build':32} {per_pure:>10,.0f}   ({pure_events:,} events)")
    print(f"    {bare_label:32} {per_bare:>10,.0f}   ({bare_events:,} events)")
    print(
        f"    bare / model: {ratio:.1%}: the model's event rate as a share of bare SimPy's, "
        f"counted in instructions   target >= {RATIO_TARGET:.0%}: {verdict(ratio >= RATIO_TARGET)}"
    )
    if native.REASON is None:
        print(f"    bare / plain-Python model: {per_bare / per_pure:.1%} (for comparison)")
    staffed_setup, _ = count_instructions("setup", processes, scenario=STAFFED)
    staffed, staffed_events = count_instructions("model", processes, scenario=STAFFED)
    per_staffed = (staffed - staffed_setup) / staffed_events
    print(
        f"    {'model, ' + STAFFED.stem:32} {per_staffed:>10,.0f}   ({staffed_events:,} events: "
        "7-13 caseworkers whose staff changes move many cases; no target, to compare builds)"
    )


def announce(label: str) -> None:
    """Say on stderr what is running (stdout stays the report)."""
    print(f"[{label} ...]", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: --repeats N, --quick."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="interleaved repeats for the event rate (default 11; 2 with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: fewer repeats, the national scenario cut to one tenth",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions per event under valgrind (about 3 minutes)",
    )
    parser.add_argument("--count-child", choices=["setup", "model", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--processes", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--count-scenario", type=Path, default=BASELINE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 11
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Measure and print (a) the event rate and (b) the national run."""
    args = parse_args(argv)
    if args.count_child:
        return count_child(args.count_child, args.processes, args.count_scenario)
    mode = ", QUICK mode" if args.quick else ""
    print(f"Python {sys.version.split()[0]}, SimPy {simpy.__version__}{mode}")
    print(f"model build: {native.describe()}")
    announce("event rate")
    rates = measure_rates(load_scenario(BASELINE), args.repeats, 200 if args.quick else 1000)
    report_rates(rates)
    overrides = QUICK_NATIONAL if args.quick else []
    announce("national run")
    report_national(NATIONAL, overrides, measure_national(NATIONAL, overrides))
    if args.instructions:
        if shutil.which("valgrind") is None:
            print("(c) Instructions per event: valgrind is not installed; skipped")
        else:
            announce("instruction counts")
            report_instructions(rates.processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
