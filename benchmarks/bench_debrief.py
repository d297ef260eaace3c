"""How long the flight simulator's debrief keeps the room waiting: its plan, then its runs.

Run as ``python benchmarks/bench_debrief.py [--workers N] [--replications N
--max-replications N] [--plan-only]``. For the app's default game (peak_without_hiring,
eight quarters, no one hired) it times, as the debrief does them:

1. the plan (`simulator.app.planner.comparison_plan`): the quick plan on the app's
   settings (`planner.REPLICATIONS` futures to search, at most `planner.MAX_REPLICATIONS`
   fresh ones to check), or on the settings given (the debrief used 10 and 40 before its
   plan was made a quick one);
2. the debrief's runs once the plan is known, on the app's runner and its workers
   (`simulator.app.runs.Runner`): the trainee's game and the plan's, and the same hires
   started early and late (`flight.debrief_jobs`, `flight.timing_jobs`), each with the
   app's full answer's replications (`--full`, 10). The page shows a first look at the
   first two before these end; the time here is to the whole debrief.

Prints the wall time of each and of both, the replications simulated, the posts per
quarter and the build. Target: the whole debrief within 30 s on 2 cores, a room's
patience. Run it when the machine is quiet (`uptime`).
"""

from __future__ import annotations

import argparse
import os
import time

import simulator as cl
from simulator import native
from simulator.app import flight, planner
from simulator.app.runs import Runner

TARGET_SECONDS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="processes (the app's: 2)")
    parser.add_argument("--replications", type=int, default=planner.REPLICATIONS)
    parser.add_argument("--max-replications", type=int, default=planner.MAX_REPLICATIONS)
    parser.add_argument("--full", type=int, default=10, help="the runs' replications (10)")
    parser.add_argument("--plan-only", action="store_true", help="time the plan alone")
    args = parser.parse_args()
    planner.REPLICATIONS, planner.MAX_REPLICATIONS = args.replications, args.max_replications
    scenario = cl.load_scenario("peak_without_hiring")
    start, end = flight.game_start(scenario), flight.quarter_start(scenario, 8)
    game = flight.until(scenario, end, flight.staffing_with(scenario, []), warmup=True)
    # the app's runner is started with the app, long before a debrief: started here before
    # the plan, its workers ready (and idle, as in the app) when the runs are submitted
    runner = None if args.plan_only else Runner(args.workers)
    runs: list[int] = []
    started = time.perf_counter()
    plan = planner.comparison_plan(game, start, end, lambda _doing, n: runs.append(n), args.workers)
    wall = time.perf_counter() - started
    load = os.getloadavg()[0]
    build = "compiled (mypyc)" if native.REASON is None else f"plain Python ({native.REASON})"
    print(f"build: {build}; {args.workers} worker processes; load average (1 min) {load:.1f}")
    print(
        f"the debrief's plan, {args.replications} futures to search and at most "
        f"{args.max_replications} to check: {wall:.1f} s wall, "
        f"{max(runs, default=0)} replications simulated, by {plan.name}"
    )
    print("caseworkers from:", ", ".join(f"{day:%Y-%m-%d} {n}" for day, n in plan.staffing))
    if runner is None:
        return
    try:
        later = debrief_runs(scenario, plan, args.full, runner)
    finally:
        runner.close()
    total = wall + later
    verdict = "met" if total <= TARGET_SECONDS else "NOT met"
    print(
        f"the debrief's four runs of {args.full} replications (yours, the plan's, hiring early "
        f"and late): {later:.1f} s wall"
    )
    print(
        f"the whole debrief: {total:.1f} s wall (target {TARGET_SECONDS:g} s {verdict}); load "
        f"average (1 min) {os.getloadavg()[0]:.1f} at the end"
    )


def debrief_runs(scenario: cl.Scenario, plan: planner.Plan, full: int, runner: Runner) -> float:
    """Wall seconds of the debrief's runs after its plan, on the app's `runner`: the default
    game (no one hired, triage as the scenario has it) beside the plan, and hiring early
    and late."""
    own = scenario.triage is not None
    game = flight.Game(scenario.simulation.seed, 8, hires=[0] * 8, triage=[own] * 8)
    jobs = flight.debrief_jobs(scenario, game, full, plan)[0]
    jobs += flight.timing_jobs(scenario, game, full)
    started = time.perf_counter()
    for future in [runner.submit(job) for job in jobs]:
        future.result()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
