"""Diagnosis, not a speed benchmark: what a worker does between two replications of
`caseload run`, where no event loop runs (docs/speed.md, "Known costs left").

Run as ``python benchmarks/diagnose_replication_gaps.py [SCENARIO] [--replications N]
[--figures]`` (defaults: the baseline, 10, no figures). It runs the command as
`caseload run` does (workers forked from this process), into a temporary folder that it
removes after, and logs in every worker, with `time.perf_counter()` (one clock for the
machine's processes): when each replication's job arrived, its event loop started and
ended, and it returned (the statistics are between the last two); how long sending its
results back took (`concurrent.futures`' `_sendback_result`: the pipe empties only as
fast as the command reads it); and each run of the cyclic garbage collector of at least
1 ms (`gc.callbacks`). It prints each worker's timeline, then per worker the seconds of
event loop, statistics, sending, between jobs (from its results sent to the next job in)
and collecting (which falls inside the others), the most objects it left to the collector
after a job (young objects: `gc.get_count()`) and its peak memory (`ru_maxrss`); then
when the first replication started and the last one ended, counted from the script's
start (before it loads the simulator: what comes before the first is the command's
start-up), and how much of that window some event loop ran. With --figures, also when
each figure was drawn, by which worker, and when the command wrote its tables meanwhile.
The temporary folders are its own, made with `tempfile`.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # the clock starts before anything of the simulator is loaded

import argparse  # noqa: E402
import concurrent.futures.process as pool_process  # noqa: E402
import gc  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import ClassVar  # noqa: E402

import simulator.experiments.work as work  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
LOGS: list[Path] = []  # the folder of the workers' logs, once made
MAIN = os.getpid()
QUIET_GC = 0.001  # collections shorter than this are not logged


def _log(line: str) -> None:
    """Append `line` to this process's log (one file a process: no interleaving)."""
    with open(LOGS[0] / f"{os.getpid()}.log", "a", encoding="utf-8") as out:
        out.write(line + "\n")


def _at(clock: float) -> float:
    return clock - T0


# Patched before `simulator.experiments.run` is imported (by the command, later), which
# binds the name when it loads: it then hands the workers this wrapper, which pickles by
# the original's name and is found there in the workers forked from this process.
_replicate_numbered = work.replicate_numbered


def replicate_numbered(item: tuple[int, work.Replication]) -> tuple[int, work.Replicated]:
    """`work.replicate_numbered`, logging when the job came in, its event loop, its end."""
    arrived = time.perf_counter()
    if os.getpid() != MAIN and _collector not in gc.callbacks:
        gc.callbacks.append(_collector)
    number, done = _replicate_numbered(item)
    start, end = done.simulating
    returned = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    _log(
        f"job {number} {_at(arrived):.4f} {_at(start):.4f} {_at(end):.4f} {_at(returned):.4f} "
        f"{gc.get_count()[0]} {peak}"
    )
    return number, done


# pickled by name: the workers, forked from here, find this one under the original's name
replicate_numbered.__module__ = work.replicate_numbered.__module__
replicate_numbered.__qualname__ = work.replicate_numbered.__qualname__
work.replicate_numbered = replicate_numbered

_sendback_result = pool_process._sendback_result  # type: ignore[attr-defined]


def sendback_result(*args: object, **kwargs: object) -> None:
    """`concurrent.futures`' sending of a result, timed."""
    started = time.perf_counter()
    _sendback_result(*args, **kwargs)
    _log(f"send {_at(started):.4f} {_at(time.perf_counter()):.4f}")


pool_process._sendback_result = sendback_result  # type: ignore[attr-defined]


def _patch_drawing(drawing: ModuleType) -> None:
    """Log each figure job (`drawing.draw`, on a worker): when it began and ended."""
    original = drawing.draw

    def draw(job: tuple[object, list[str], Path]) -> list[Path]:
        started = time.perf_counter()
        done = original(job)
        _log(f"figure {','.join(job[1])} {_at(started):.4f} {_at(time.perf_counter()):.4f}")
        return done

    draw.__module__, draw.__qualname__ = original.__module__, original.__qualname__
    drawing.draw = draw


def _patch_files(files: ModuleType) -> None:
    """Log when the command wrote its tables (`files._write_tables`)."""
    original = files._write_tables

    def write_tables(*args: object, **kwargs: object) -> None:
        started = time.perf_counter()
        original(*args, **kwargs)
        _log(f"tables {_at(started):.4f} {_at(time.perf_counter()):.4f}")

    files._write_tables = write_tables


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patch these modules as they are imported (by the command, at the time it loads
    them: importing them here would load pandas before the workers are forked)."""

    patches: ClassVar[dict[str, Callable[[ModuleType], None]]] = {
        "simulator.reporting.drawing": _patch_drawing,
        "simulator.reporting.files": _patch_files,
    }

    def find_spec(self, name: str, path: object, target: object = None) -> object:
        if name not in self.patches:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        loader = spec.loader  # type: ignore[union-attr]
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            self.patches[name](module)

        loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _PatchOnImport())
_collecting: list[float] = []


def _collector(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _collecting[:] = [time.perf_counter()]
    elif _collecting and time.perf_counter() - _collecting[0] >= QUIET_GC:
        begun = _collecting[0]
        _log(f"gc {info['generation']} {_at(begun):.4f} {_at(time.perf_counter()):.4f}")


def read_logs(folder: Path) -> dict[int, list[list[str]]]:
    """Every worker's log lines, split, by process id."""
    found: dict[int, list[list[str]]] = {}
    for path in sorted(folder.glob("*.log"), key=lambda path: int(path.stem)):
        found[int(path.stem)] = [line.split() for line in path.read_text().splitlines()]
    return found


def report(logs: dict[int, list[list[str]]], wall: float) -> None:
    """Print each worker's timeline and its seconds by what it did."""
    loops: list[tuple[float, float]] = []
    for pid, lines in logs.items():
        jobs = sorted(
            (float(line[2]), float(line[3]), float(line[4]), float(line[5]), int(line[1]))
            for line in lines
            if line[0] == "job"
        )
        if not jobs:
            continue
        sends = sorted((float(line[1]), float(line[2])) for line in lines if line[0] == "send")
        print(f"\nworker {pid}: seconds since the script started (Python already running)")
        spent: dict[str, float] = defaultdict(float)
        free = None  # when the worker had sent its last results
        for arrived, start, end, returned, number in jobs:
            if free is not None:
                spent["between jobs"] += arrived - free
            spent["event loop"] += end - start
            spent["statistics"] += returned - end
            loops.append((start, end))
            sent = next((send for send in sends if send[0] >= returned - 1e-4), None)
            free = returned if sent is None else sent[1]
            spent["sending"] += free - returned
            print(
                f"  replication {number:3}: job in {arrived:6.3f}, event loop {start:6.3f}-"
                f"{end:6.3f}, statistics to {returned:6.3f}, results sent by {free:6.3f}"
            )
        for line in lines:
            if line[0] == "gc":
                begun, ended = float(line[2]), float(line[3])
                spent["collecting"] += ended - begun
                if ended - begun >= 0.01:
                    print(f"  collector (generation {line[1]}) {begun:6.3f}-{ended:6.3f}")
        print("  seconds: " + ", ".join(f"{k} {v:.3f}" for k, v in spent.items()))
        young = max(int(line[6]) for line in lines if line[0] == "job")
        peak = max(int(line[7]) for line in lines if line[0] == "job") / 1024
        print(f"  objects left to the collector after a job: at most {young:,}; peak memory "
              f"{peak:.0f} MB")  # fmt: skip
    print("\n(collecting falls inside the other columns)")
    figures = [(float(line[2]), float(line[3]), line[1], pid)
               for pid, lines in logs.items() for line in lines if line[0] == "figure"]  # fmt: skip
    if figures:
        print("\nfigures: seconds since the script started, by the worker that drew it")
        for begun, ended, name, pid in sorted(figures):
            print(f"  {begun:6.3f}-{ended:6.3f}  {ended - begun:5.3f}  worker {pid}  {name}")
    for lines in logs.values():
        for line in lines:
            if line[0] == "tables":
                print(f"the command wrote its tables from {float(line[1]):.3f} to "
                      f"{float(line[2]):.3f} s")  # fmt: skip
    if loops:
        from simulator.timings import covered

        first = min(start for start, _ in loops)
        last = max(end for _, end in loops)
        print(
            f"the first replication started at {first:.3f} s and the last one ended at "
            f"{last:.3f} s; some event loop ran {covered(loops):.3f} s of the {last - first:.3f} s "
            f"between; the script ended at {wall:.3f} s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(BASELINE))
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--figures", action="store_true", help="draw the figures too")
    args = parser.parse_args()
    LOGS.append(Path(tempfile.mkdtemp(prefix="caseload-gaps-")))
    made: list[Path] = []  # the folder of the command's results, once made
    try:
        made.append(Path(tempfile.mkdtemp(prefix="caseload-gaps-out-")))
        out = made[0] / "results"
        import simulator as cl
        from simulator.cli import main as caseload
        from simulator.experiments import executors

        cl.fork_workers()  # as the command line does for its own process
        if hasattr(executors, "collect_rarely"):  # a build before it collects as Python does
            executors.collect_rarely()
        command = ["run", args.scenario, "--replications", str(args.replications)]
        command += ["--out", str(out), "--quiet"] + ([] if args.figures else ["--no-figures"])
        status = caseload(command)
        wall = time.perf_counter() - T0
        if status:
            return status
        report(read_logs(LOGS[0]), wall)
    finally:
        for folder in (LOGS[0], *made):
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
