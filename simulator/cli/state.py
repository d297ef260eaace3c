"""`caseload state`: one simulated office on a day, as the files a start from that day reads.

The files are those a municipality writes from its own case system to start from today
(docs/planning.md, "Starting from today"): `<name>_cases.csv` (the cases open, by month of
takeover, kind and caseworker) and `<name>_tasks.csv` (the tasks waiting), and
`<name>.toml`, the scenario from that day with the rest of `[initial_state]` (who is at
work, away, new or leaving, the posts vacant, the reunification applications pending)
reading them. A template for one's own export, and a start that continues the run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.arguments import day, not_negative, quiet, scenario_arguments


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "state",
        help="one simulated office on a day, as the files a start from that day reads",
        description="Run one replication of SCENARIO to the day --on and write its office "
        "that day as a case system would export it: NAME_cases.csv (cases open), "
        "NAME_tasks.csv (tasks waiting) and NAME.toml, the scenario from that day reading "
        "them (caseload run takes it as it is). A template for a municipality's own files; "
        "docs/planning.md, 'Starting from today'.",
    )
    scenario_arguments(p)
    p.add_argument(
        "--on", required=True, type=day, metavar="YYYY-MM-DD", help="the day (of the run)"
    )
    p.add_argument(
        "--replication",
        type=not_negative,
        default=0,
        metavar="R",
        help="which replication of the scenario's seed (default 0; 0, 1, ... as run numbers them)",
    )
    p.add_argument("--seed", type=int, help="the seed (default: the scenario's)")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("."),
        metavar="FOLDER",
        help="the folder to write the three files in, made if missing (default: here)",
    )
    p.add_argument(
        "--name",
        metavar="NAME",
        help="the files' name (default: the scenario's name and the day, e.g. baseline_2015-01-01)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace files of those names that caseload wrote and nobody has changed since",
    )
    quiet(p)


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    scenario = cl.load_scenario(args.scenario, overrides=args.overrides)
    name = f"{scenario.name}_{args.on}" if args.name is None else args.name
    out = args.out
    # checked before the work; a folder not there yet is made once it is done
    cl.state_files(out, name, force=args.force, scenario=True, labels=("--name", "--force"))
    state = cl.state_on(scenario, args.on, args.replication, seed=args.seed)
    start = cl.start_from(scenario, state, args.on)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    header = (
        f"# Scenario '{scenario.name}' from {args.on}: its office that day in replication "
        f"{args.replication} (seed {seed}),\n# written by {' '.join(command)}.\n"
        "# Run it with caseload run; replace the two CSV files with your own export.\n\n"
    )
    out.mkdir(parents=True, exist_ok=True)
    paths = cl.write_state(state, out, name, force=args.force, start=start, header=header)
    if not args.quiet:
        cases = sum(e["cases"] for e in state["open_cases"])
        tasks = sum(e["tasks"] for e in state["waiting_tasks"])
        pending = sum(e["applications"] for e in state["pending_reunifications"])
        vacant = len(state["vacancies"])
        print(
            f"{scenario.name} on {args.on}, replication {args.replication}: {cases} cases "
            f"open, {tasks} tasks waiting, {state['caseworkers']} caseworkers at work "
            f"({len(state['staff'])} of them away, new or leaving), {vacant} "
            f"{'post' if vacant == 1 else 'posts'} vacant, {pending} reunification "
            "applications pending or being prepared"
        )
        for path in paths:
            print(f"  wrote {path}")
        print(f"  run it: caseload run {paths[-1]}")
    return 0
