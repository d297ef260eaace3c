"""`caseload validate`: check a scenario file without running it."""

from __future__ import annotations

import argparse

from simulator.cli.arguments import no_limits, scenario_arguments


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a scenario file without running it")
    scenario_arguments(p)
    no_limits(p)


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    scenario = cl.load_scenario(args.scenario, overrides=args.overrides)
    size = (
        cl.estimate(scenario)
        if args.no_limits
        else cl.check_size(scenario, None, str(args.scenario))
    )
    from simulator.scenario.notes import unused

    print(f"{args.scenario}: valid scenario '{scenario.name}' (hash {scenario.digest()})")
    print(f"  {size.text()}")
    for note in unused(scenario):
        print(f"  note: {note}")
    return 0
