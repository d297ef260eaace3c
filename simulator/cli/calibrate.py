"""`caseload calibrate`: the baseline and a spread of municipalities beside the surveys."""

from __future__ import annotations

import argparse

from simulator.cli.arguments import positive


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate", help="compare the baseline and a spread of municipalities with the surveys"
    )
    p.add_argument("--replications", type=positive, default=10, help="per municipality (10)")
    p.add_argument("--municipalities", type=positive, default=30, help="in the spread (30)")


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    print(cl.calibrate(args.replications, args.municipalities))
    return 0
