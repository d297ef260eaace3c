"""Whole runs of a large office whose staff changes move many cases, timed: to compare builds.

Run as ``python benchmarks/bench_staff_changes.py [--rounds N] [--instructions]``. Each
round builds and runs replications 0, 1 and 2 of ``scenarios/quota_doubled.toml`` (six
years, 7-13 caseworkers, turnover: every recruitment and staffing change shares the cases
out again), timing `Municipality(...)` (preparing a run: the work calendar, the rules by
date, the samplers) and `.run()` apart; the first round is untimed. Prints the median and
the fastest of each over the rounds, and with ``--instructions`` valgrind's callgrind
count of one whole run (replication 0: `Municipality(...).run()`, less a child that only
imports and loads the scenario), the same on every machine.

The baseline's four caseworkers move few cases, so `bench_engine.py` hardly sees what a
staff change costs (a slowdown of that kind, 2 December 2026: docs/speed.md).

It imports `simulator` from wherever Python finds it and never puts this tree first on
the path: ``PYTHONPATH=OTHER_TREE python benchmarks/bench_staff_changes.py`` measures
another build (a worktree after ``make``), and the first line says which ran. The machine
is shared: alternate the builds, round against round, and compare medians.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "quota_doubled.toml"
REPLICATIONS = (0, 1, 2)
COUNT_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}


def rounds(n: int) -> None:
    """Time building and running the replications, `n` timed rounds after one untimed."""
    import simulator
    from simulator import load_scenario, native
    from simulator.engine.model import Municipality

    print(f"simulator from {Path(simulator.__file__).parent}; build: {native.describe()}")
    scenario = load_scenario(SCENARIO)
    built: list[float] = []
    ran: list[float] = []
    events = 0
    for k in range(n + 1):
        for replication in REPLICATIONS:
            started = time.perf_counter()
            model = Municipality(scenario, replication=replication)
            middle = time.perf_counter()
            record = model.run()
            if k:
                built.append(middle - started)
                ran.append(time.perf_counter() - middle)
                events = record.events if replication == 0 else events
    print(f"{SCENARIO.name}, replications {REPLICATIONS}, {n} rounds: median (fastest)")
    for what, seconds in (("Municipality()", built), ("run()", ran)):
        print(f"  {what:16} {statistics.median(seconds):.4f} s ({min(seconds):.4f})")
    print(f"  events of replication 0: {events:,}")


def count_child(what: str) -> int:
    """Under callgrind: load the scenario, and with `what` "run" run replication 0."""
    from simulator import load_scenario
    from simulator.engine.model import Municipality

    scenario = load_scenario(SCENARIO)
    if what == "run":
        Municipality(scenario, replication=0).run()
    return 0


def count(what: str) -> int:
    """The instructions callgrind counts for a child doing `what`."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, __file__, "--count-child", what]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **COUNT_ENV}, check=True
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (5)")
    parser.add_argument(
        "--instructions", action="store_true", help="also count one run under callgrind"
    )
    parser.add_argument("--count-child", choices=["setup", "run"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_child:
        return count_child(args.count_child)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    rounds(args.rounds)
    if args.instructions:
        run = count("run") - count("setup")
        print(f"  instructions of one run (replication 0, callgrind): {run / 1e6:,.0f} million")
    return 0


if __name__ == "__main__":
    sys.exit(main())
