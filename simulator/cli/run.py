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
        help="with --replications auto: relative half-width to reach (default 0.05)",
    )
    p.add_argument(
        "--max-replications",
        type=int,
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

    auto = args.replications == "auto"
    for flag, given in (
        ("--precision", args.precision),
        ("--max-replications", args.max_replications),
    ):
        if given is not None and not auto:
            raise cl.ScenarioError(f"{flag} goes with --replications auto (got a fixed count)")
    from simulator.analysis.replications import AutoReplications as Auto

    precision = Auto.precision if args.precision is None else args.precision
    most = Auto.maximum if args.max_replications is None else args.max_replications
    if auto:  # checked before the size of a run of `most` replications
        try:
            Auto(precision=precision, maximum=most)
        except ValueError as exc:
            raise cl.ScenarioError(
                f"--replications auto --precision {precision:g} --max-replications {most}: {exc}"
            ) from None
    scenario = cl.load_scenario(args.scenario, overrides=args.overrides)
    out = cl.results_folder(scenario, args.out, force=args.force)  # checked before the run
    if not args.no_limits:  # checked here to name the file
        cl.check_size(scenario, most if auto else args.replications, str(args.scenario))
    results = cl.run(
        scenario,
        replications=args.replications,
        seed=args.seed,
        precision=precision,
        max_replications=most,
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
