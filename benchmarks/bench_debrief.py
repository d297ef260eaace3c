"""How long the flight simulator's debrief waits for its plan.

Run as ``python benchmarks/bench_debrief.py [--workers N] [--replications N
--max-replications N]``. Times `simulator.app.planner.comparison_plan` for the app's
default game (peak_without_hiring, eight quarters, no one hired), as the debrief calls it:
the quick plan on the app's settings (`planner.REPLICATIONS` futures to search, at most
`planner.MAX_REPLICATIONS` fresh ones to check), or on the settings given (the debrief used
10 and 40 before its plan was made a quick one). Prints the wall time, the replications
simulated, the posts per quarter and the build. Target: within 30 s on 2 cores, a room's
patience. Run it when the machine is quiet (`uptime`).
"""

from __future__ import annotations

import argparse
import os
import time

import simulator as cl
from simulator import native
from simulator.app import flight, planner

TARGET_SECONDS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="processes (the app's: 2)")
    parser.add_argument("--replications", type=int, default=planner.REPLICATIONS)
    parser.add_argument("--max-replications", type=int, default=planner.MAX_REPLICATIONS)
    args = parser.parse_args()
    planner.REPLICATIONS, planner.MAX_REPLICATIONS = args.replications, args.max_replications
    scenario = cl.load_scenario("peak_without_hiring")
    start, end = flight.game_start(scenario), flight.quarter_start(scenario, 8)
    game = flight.until(scenario, end, flight.staffing_with(scenario, []), warmup=True)
    runs: list[int] = []
    started = time.perf_counter()
    plan = planner.comparison_plan(game, start, end, lambda _doing, n: runs.append(n), args.workers)
    wall = time.perf_counter() - started
    load = os.getloadavg()[0]
    build = "compiled (mypyc)" if native.REASON is None else f"plain Python ({native.REASON})"
    verdict = "met" if wall <= TARGET_SECONDS else "NOT met"
    print(f"build: {build}; {args.workers} worker processes; load average (1 min) {load:.1f}")
    print(
        f"the debrief's plan, {args.replications} futures to search and at most "
        f"{args.max_replications} to check: {wall:.1f} s wall (target {TARGET_SECONDS:g} s "
        f"{verdict}), {max(runs, default=0)} replications simulated, by {plan.name}"
    )
    print("caseworkers from:", ", ".join(f"{day:%Y-%m-%d} {n}" for day, n in plan.staffing))


if __name__ == "__main__":
    main()
