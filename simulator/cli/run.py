"""`caseload run`: run a scenario's replications and write its results folder."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from simulator.cli.arguments import (
    force,
    no_limits,
    quiet,
    replications,
    scenario_arguments,
    workers,
    write_and_describe,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario and write its results folder")
    scenario_arguments(p)
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument(
        "--replications",
        type=replications,
        metavar="N|auto",
        help="independent replications (default: the scenario's); 'auto' adds replications "
        "until the key metrics' 95 %% CI half-width is within --precision of the mean",
    )
    p.add_argument(
        "--precision",
        type=float,
        default=0.05,
        help="with --replications auto: relative half-width to reach (default 0.05)",
    )
    p.add_argument(
        "--max-replications",
        type=int,
        default=100,
        help="with --replications auto: stop here even if imprecise (default 100)",
    )
    p.add_argument("--out", type=Path, help="results folder (default: results/<scenario name>)")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    force(p)
    no_limits(p)
    workers(p)
    quiet(p)


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    scenario = cl.load_scenario(args.scenario, overrides=args.overrides)
    out = cl.results_folder(scenario, args.out, force=args.force)  # checked before the run
    if not args.no_limits:  # checked here to name the file
        planned = args.max_replications if args.replications == "auto" else args.replications
        cl.check_size(scenario, planned, str(args.scenario))
    results = cl.run(
        scenario,
        replications=args.replications,
        seed=args.seed,
        precision=args.precision,
        max_replications=args.max_replications,
        progress=not args.quiet,
        workers=args.workers,
        limits=False,
        meanwhile=cl.prepare_tables if args.no_figures else cl.prepare_figures,  # meanwhile
    )
    write = partial(
        cl.write_results,
        results,
        out,
        figures=not args.no_figures,
        command=command,
        workers=args.workers,
    )
    return write_and_describe(write, results, out.path, args.quiet)
