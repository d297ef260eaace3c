"""`caseload discover`: scenario discovery (PRIM, CART) on a sweep's results."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.arguments import Heard, analysis_output, finite, share


def add_parser(sub: argparse._SubParsersAction) -> None:
    discover = sub.add_parser(
        "discover",
        help="scenario discovery: the boxes of factor values where runs fail (PRIM, CART)",
        description="Find, with PRIM (EMA workbench), the box of factor values in which runs "
        "fail (a metric below or above a threshold), with coverage, density and the peeling "
        "trajectory; CART's boxes beside it. Writes DIR/discovery_<metric>/. Needs the "
        "'research' extra.",
    )
    discover.add_argument("folder", type=Path, help="a sweep's results folder")
    discover.add_argument("--metric", required=True, metavar="NAME", help="the metric to test")
    rule = discover.add_mutually_exclusive_group(required=True)
    rule.add_argument("--below", type=finite, metavar="X", help="a run fails if metric < X")
    rule.add_argument("--above", type=finite, metavar="X", help="a run fails if metric > X")
    discover.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="FACTOR=VALUE",
        help="keep only runs with this factor at this value (repeatable): the boxes of the "
        "other factors in which this policy fails",
    )
    discover.add_argument(
        "--threshold",
        type=share,
        default=0.8,
        metavar="D",
        help="the density the reported box must reach (default 0.8)",
    )
    analysis_output(discover, "DIR/discovery_<metric>")


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    policy = {}
    for text in args.policy:
        name, sep, value = text.partition("=")
        if not sep:
            raise cl.ScenarioError(f"--policy {text!r}: give FACTOR=VALUE")
        policy[name.strip()] = value.strip()
    heard = Heard()
    found = cl.discover(
        args.folder,
        args.metric,
        below=args.below,
        above=args.above,
        policy=policy,
        threshold=args.threshold,
        out=args.out,
        force=args.force,
        on_damaged=heard.damaged.append,
        on_unfinished=heard.unfinished.append,
    )
    if not args.quiet:
        print((found.folder / "report.md").read_text(encoding="utf-8"))
        print(f"written: {found.folder}")
    heard.say(args.folder)  # also when quiet: the box is found among fewer runs
    return 0
