"""`caseload robustness`: each policy's performance across the uncertainties of a sweep."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.analysis.standards import CASELOAD_LIMIT, ON_TIME
from simulator.cli.arguments import Heard, analysis_output, positive_number, share


def add_parser(sub: argparse._SubParsersAction) -> None:
    robust = sub.add_parser(
        "robustness",
        help="each lever setting's performance across the uncertainties: regret, satisficing",
        description="For a sweep with levers and uncertainties: per policy (lever setting) "
        "the mean across scenarios, the bad decile, the maximum regret against the best "
        "policy of each scenario, and the share of scenarios meeting the targets. Writes "
        "DIR/robustness/.",
    )
    robust.add_argument("folder", type=Path, help="a sweep's results folder")
    robust.add_argument(
        "--metric",
        dest="metrics",
        action="append",
        metavar="NAME",
        help="metric to assess (repeatable; default: statutory_on_time_share, "
        "caseload_per_worker_mean, backlog_hours_end)",
    )
    robust.add_argument(
        "--caseload-limit",
        type=positive_number,
        default=CASELOAD_LIMIT,
        metavar="N",
        help=f"target (default {CASELOAD_LIMIT:g})",
    )
    robust.add_argument(
        "--on-time",
        type=share,
        default=ON_TIME,
        metavar="SHARE",
        help=f"target (default {ON_TIME:g})",
    )
    analysis_output(robust, "DIR/robustness")


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    heard = Heard()
    out = cl.robustness(
        args.folder,
        args.metrics,
        caseload_limit=args.caseload_limit,
        on_time=args.on_time,
        out=args.out,
        force=args.force,
        on_damaged=heard.damaged.append,
        on_off=heard.left_out.append,
        on_unfinished=heard.unfinished.append,
    )
    if not args.quiet:
        print((out / "report.md").read_text(encoding="utf-8"))
        print(f"written: {out}")
    heard.say(args.folder)  # also when quiet: the table lacks these runs or metrics
    return 0
