"""`caseload validate`: check a scenario file without running it."""

from __future__ import annotations

import argparse

from simulator.cli.arguments import scenario_arguments


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a scenario file without running it")
    scenario_arguments(p)


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    scenario = cl.load_scenario(args.scenario, overrides=args.overrides)
    print(f"{args.scenario}: valid scenario '{scenario.name}' (hash {scenario.digest()})")
    return 0
