"""Time to answer: how long a user waits for `caseload`, and where the time goes.

Run as ``python benchmarks/bench_answer.py [--repeats N] [--workers N] [--json FILE]``
(``make bench-answer``); ``--against OTHER/.venv/bin/caseload`` runs another build's
command in turn with this one (e.g. a worktree of the commit before a change; repeat it
for more builds) and prints the ratio of the medians, and
``--build`` times a first ``make run`` on a fresh clone (``--build --only "make run"``: that
alone).

Each case is the whole command in a fresh process, as a user starts it:
``caseload --help``, ``caseload validate scenarios/baseline.toml`` and
``caseload run scenarios/baseline.toml`` with 1 and 10 replications, with and without
the figures. The cases are run in turn (A, B, C, ..., A, B, C, ...) because the machine
is shared and noisy, after one untimed round that fills the disk cache; the medians are
reported, with the load average before and after, and the machine's speed: the event
rate of bench_engine.py's bare SimPy loop before and after, to tell one day's machine
from another's (the host's speed varied 1.7 times within minutes on 2 December 2026),
on one core and on every core at once (the slowest core's rate): one core can run at
full speed while the others are slowed.

CPU is the processor time of the command and every process it started (the fork server
and the workers too: this benchmark adopts them as a Linux "subreaper"). On a shared
machine it is steadier than wall time, and under load wall time follows it: when other
sessions keep both cores busy, a command gets no more than its share whatever the
number of its processes.

The commands run as a user runs them, printing their key figures (not ``-q``): the
console's summary is part of the answer. The breakdown comes from the command itself:
with CASELOAD_TIMINGS=1 it prints the seconds of each phase (`simulator.timings`:
import, scenario, simulation, statistics, tables, figures, summary) to stderr. What no
phase covers (starting Python, importing the package and the command line, parsing the
arguments, exiting) is "start-up". Where
replications run in worker processes, the section of the run they take is split between
simulation, statistics and tables in the proportions the workers measured.

The share simulating is measured directly: each replication notes when its event loop
started and ended (`time.perf_counter()`, a clock every process shares), and the command
prints, as the span "simulating", the wall time during which at least one replication's
event loop ran, on any core (`simulator.timings.covered`). Its share of the command's
wall time is the share of the wait spent simulating; what the command did meanwhile
(loading pandas and matplotlib, making each replication's tables) is hidden behind the
simulation, and what it did before or after (starting Python, drawing the figures,
writing the folder) is not.

Targets (medians on the 2-core machine; docs/speed.md): 10 replications with figures within
3 s, without figures within 1.5 s, at least half of the former's wall time simulating;
validate and --help within 0.5 s; a first ``make run`` on a fresh clone within 2 min.
The event loop's own targets are benchmarks/bench_engine.py's (``make bench``).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
PHASES = (
    "start-up",
    "import",
    "scenario",
    "simulation",
    "statistics",
    "tables",
    "figures",
    "summary",
)
PREFIX = "caseload timings: "  # simulator.timings.PREFIX (not imported: the bench stays light)
SPANS_PREFIX = "caseload spans: "  # simulator.timings.SPANS_PREFIX
SIMULATING = "span:simulating"  # in a run's phases: the wall time some event loop ran
SPEED_PROCESSES = 300  # the machine's speed: bare SimPy at the model's heap size
SPEED_EVENTS = 100_000  # events of each loop timed


@dataclass(frozen=True)
class Case:
    """One command, its wall-time target (None: none) and whether it writes a folder."""

    label: str
    args: tuple[str, ...]
    target: float | None = None
    writes: bool = False


CASES = (
    Case("caseload --help", ("--help",), 0.5),
    Case("caseload validate", ("validate", BASELINE), 0.5),
    Case(
        "run, 1 replication, no figures",
        ("run", BASELINE, "--replications", "1", "--no-figures"),
        writes=True,
    ),
    Case("run, 1 replication, figures", ("run", BASELINE, "--replications", "1"), writes=True),
    Case("run, 10 replications, no figures", ("run", BASELINE, "--no-figures"), 1.5, True),
    Case("run, 10 replications, figures", ("run", BASELINE), 3.0, True),
)
SIMULATING_CASE = "run, 10 replications, figures"
SIMULATING_TARGET = 0.5
BUILD_TARGET_S = 120.0


@dataclass
class Timed:
    """The repeats of one case with one build: wall seconds and phase seconds of each."""

    case: Case
    build: tuple[str, ...]  # the command that runs the build's `caseload`
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    phases: list[dict[str, float]] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.walls)

    def median_phases(self) -> dict[str, float]:
        return {p: statistics.median(run.get(p, 0.0) for run in self.phases) for p in PHASES}


def command() -> list[str]:
    """The `caseload` of the Python running this benchmark (its virtual environment)."""
    script = Path(sys.executable).parent / "caseload"
    return [str(script)] if script.exists() else [sys.executable, "-m", "simulator"]


def adopt_orphans() -> None:
    """Become the parent of the processes our commands leave (Linux's child subreaper),
    so that their processor time is ours to count when they end."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: CPU of the command only
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def children_cpu() -> float:
    """Processor seconds of every ended (and reaped) process started from here."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reap_all() -> None:
    """Wait for every process left from the last command (the fork server ends last)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def run_once(
    case: Case, build: tuple[str, ...], workers: int | None, scratch: Path
) -> tuple[float, float, dict[str, float]]:
    """Run `case` in a fresh process: its wall time, the processor time of it and all it
    started, and its phases (start-up: the rest)."""
    argv = [*build, *case.args]
    if case.writes:
        # a folder not there yet: caseload replaces its own only with --force (which an
        # older build, run --against, does not know)
        shutil.rmtree(scratch / "out", ignore_errors=True)
        argv += ["--out", str(scratch / "out")]  # not -q: the key figures are part of the answer
        if workers is not None:
            argv += ["--workers", str(workers)]
    env = {**os.environ, "CASELOAD_TIMINGS": "1"}
    cpu = children_cpu()
    started = time.perf_counter()
    # started in an empty folder: a worker started by a fork server imports the package from
    # the working folder first, which would run this tree's code under another build
    done = subprocess.run(argv, cwd=scratch, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    reap_all()
    cpu = children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    phases: dict[str, float] = {}
    spans: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if line.startswith(PREFIX):
            phases = json.loads(line.removeprefix(PREFIX))
        elif line.startswith(SPANS_PREFIX):
            spans = json.loads(line.removeprefix(SPANS_PREFIX))
    phases["start-up"] = max(0.0, wall - sum(phases.values()))
    if "simulating" in spans:
        phases[SIMULATING] = spans["simulating"]
    return wall, cpu, phases


def measure(
    cases: tuple[Case, ...], builds: list[tuple[str, ...]], repeats: int, workers: int | None
) -> list[Timed]:
    """Every case with every build `repeats` times, interleaved, after one untimed round."""
    timed = [Timed(case, build) for case in cases for build in builds]
    adopt_orphans()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        for t in timed:
            run_once(t.case, t.build, workers, scratch)
        for _ in range(repeats):
            for t in timed:
                wall, cpu, phases = run_once(t.case, t.build, workers, scratch)
                t.walls.append(wall)
                t.cpus.append(cpu)
                t.phases.append(phases)
    return timed


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def report(timed: list[Timed]) -> str:
    """The table of medians with targets, and the breakdown of the runs, of one build."""
    lines = [f"{' '.join(timed[0].build)}", ""]
    lines.append(f"{'command':34} {'median':>7} {'min':>6} {'max':>6} {'CPU':>6}  target")
    for t in timed:
        target = t.case.target
        aim = "" if target is None else f"≤ {target:.1f} s  {verdict(t.median() <= target)}"
        walls = f"{t.median():6.2f}s {min(t.walls):5.2f}s {max(t.walls):5.2f}s"
        lines.append(f"{t.case.label:34} {walls} {statistics.median(t.cpus):5.2f}s  {aim}")
    lines += ["", "breakdown, median seconds per phase (start-up: Python, the package, exit)"]
    lines.append(f"{'command':34} " + " ".join(f"{p:>10}" for p in PHASES) + "  simulating")
    for t in timed:
        if not t.case.writes:
            continue
        ph = t.median_phases()
        shares = [run.get(SIMULATING, 0.0) / w for run, w in zip(t.phases, t.walls, strict=True)]
        share = statistics.median(shares)
        lines.append(
            f"{t.case.label:34} " + " ".join(f"{ph[p]:10.2f}" for p in PHASES) + f"  {share:10.0%}"
        )
        if t.case.label == SIMULATING_CASE:
            met = verdict(share >= SIMULATING_TARGET)
            lines.append(
                f"{'':34} share simulating ≥ {SIMULATING_TARGET:.0%}: {met} (median "
                f"{share:.1%}, runs {min(shares):.1%} to {max(shares):.1%})"
            )
    lines += [
        "simulating: the median share of the wall time during which some replication's",
        "event loop ran, on any core (the phases above split the same run by what this",
        "process did, so their simulation is less where it loaded modules meanwhile)",
    ]
    return "\n".join(lines)


def ratios(timed: list[Timed], builds: list[tuple[str, ...]]) -> str:
    """This build's median wall and CPU time over each other build's, command by command
    (measured in turn, so the machine's load weighs on both alike)."""
    first = {t.case.label: t for t in timed if t.build == builds[0]}
    lines = ["this build's median over the other's (wall; CPU)"]
    for other in builds[1:]:
        lines.append(f"  against {' '.join(other)}")
        for t in (t for t in timed if t.build == other):
            mine = first[t.case.label]
            wall = mine.median() / t.median()
            cpu = statistics.median(mine.cpus) / max(statistics.median(t.cpus), 1e-9)
            lines.append(f"    {t.case.label:34} {wall:5.2f}; {cpu:5.2f}")
    return "\n".join(lines)


def time_fresh_build(python: str) -> str:
    """A first `make run` on a fresh clone of this repository's HEAD, timed."""
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        started = time.perf_counter()
        before = os.times()
        done = subprocess.run(
            ["make", "run", f"PYTHON={python}"],
            cwd=clone,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        after = os.times()
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        if done.returncode != 0:
            raise SystemExit(f"make run failed:\n{done.stdout}\n{done.stderr}")
        built = subprocess.run(
            [
                str(clone / ".venv/bin/python"),
                "-c",
                "from simulator import native; print(native.describe())",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    return (
        f"first `make run` on a fresh clone: {wall:.0f} s wall, {cpu:.0f} s CPU; build: {built}; "
        f"target ≤ {BUILD_TARGET_S:.0f} s: {verdict(wall <= BUILD_TARGET_S)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="timed runs of each case (5)")
    ap.add_argument("--workers", type=int, help="--workers for the runs (default: the command's)")
    ap.add_argument(
        "--only",
        help="only the commands whose label contains this text (with --build, text that "
        'names none, such as "make run", times the fresh build alone)',
    )
    ap.add_argument("--json", type=Path, help="also write every timing to this file")
    ap.add_argument(
        "--against",
        type=Path,
        action="append",
        default=[],
        help="another build's caseload, run in turn (repeatable)",
    )
    ap.add_argument("--build", action="store_true", help="also time `make run` on a fresh clone")
    ap.add_argument("--python", default="python3", help="the Python for --build (python3)")
    args = ap.parse_args()
    cases = tuple(c for c in CASES if args.only is None or args.only in c.label)
    if not cases and not args.build:
        labels = ", ".join(repr(c.label) for c in CASES)
        raise SystemExit(f"--only {args.only!r}: no command matches (they are {labels})")
    builds = [tuple(command())] + [(str(other),) for other in args.against]
    if cases:  # none with --build and an --only that names none (e.g. "make run")
        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        speed_before, every_core_before = machine_speed(), machine_speed_every_core()
        timed = measure(cases, builds, args.repeats, args.workers)
        speed_after, every_core_after = machine_speed(), machine_speed_every_core()
        load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"{args.repeats} repeats per command, {os.cpu_count()} cores; load average "
            f"(1, 5, 15 min) {load_before} before, {load_after} after"
        )
        print(
            f"the machine's speed: bare SimPy at {speed_before:,.0f} events/s before, "
            f"{speed_after:,.0f} after (bench_engine.py's loop at the model's heap size; "
            "compare it across days before the times)"
        )
        print(
            f"on every core at once: {every_core_before:,.0f} before, {every_core_after:,.0f} "
            "after (the slowest core's loop, as the run commands' workers share them)"
        )
        for build in builds:
            print()
            print(report([t for t in timed if t.build == build]))
        if len(builds) > 1:
            print()
            print(ratios(timed, builds))
    else:
        timed = []
    if args.json:
        rows = [
            {"case": t.case.label, "build": " ".join(t.build), "walls": t.walls, "phases": t.phases}
            for t in timed
        ]
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    if args.build:
        if shutil.which("make") is None:
            raise SystemExit("--build needs make")
        print(time_fresh_build(args.python))


def machine_speed(repeats: int = 3) -> float:
    """The events a second of bench_engine.py's bare SimPy loop at the model's heap size
    (300 processes), the best of `repeats`: how fast this machine runs Python now, so that
    a day's timings can be told from another day's machine (the host's speed varies)."""
    return max(_bare_rate(SPEED_EVENTS) for _ in range(repeats))


def machine_speed_every_core(repeats: int = 3) -> float:
    """`machine_speed` with one loop on each core at once, the slowest of them (best of
    `repeats`): a machine whose other cores are busy with other work reads full speed on
    one core but runs a command's workers slower (seen on 3 December 2026: one core at
    full speed, the commands' processor time 1.27 times the full-speed figure)."""
    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_bare_rate, [10_000] * cores))  # every worker started before timing
        return max(min(pool.map(_bare_rate, [SPEED_EVENTS] * cores)) for _ in range(repeats))


def _bare_rate(events: int) -> float:
    """Events a second of one bare SimPy loop of `events` at the model's heap size."""
    from bench_engine import time_bare  # this folder: the script's own

    return time_bare(SPEED_PROCESSES, events).rate


if __name__ == "__main__":
    main()
