"""`caseload analyze`: tables, figures and a report of a sweep's results."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.arguments import Heard, analysis_output


def add_parser(sub: argparse._SubParsersAction) -> None:
    analyze = sub.add_parser(
        "analyze",
        help="tables, figures and a report of a sweep's results",
        description="Write DIR/analysis/: main effects with 95 % CIs, heatmaps of two "
        "factors, Sobol indices (Sobol designs), and report.md ranking the factors.",
    )
    analyze.add_argument("folder", type=Path, help="a sweep's results folder")
    analyze.add_argument(
        "--metric",
        dest="metrics",
        action="append",
        metavar="NAME",
        help="metric for heatmaps and main effects (repeatable; default: "
        "caseload_per_worker_mean, statutory_on_time_share, backlog_hours_mean)",
    )
    analyze.add_argument(
        "--heatmap", nargs=2, metavar=("X", "Y"), help="the two factors (default: the first two)"
    )
    analyze.add_argument(
        "--target",
        default="backlog_hours_mean",
        metavar="NAME",
        help="the metric report.md ranks the factors by (default: backlog_hours_mean)",
    )
    analyze.add_argument(
        "--series",
        nargs="+",
        type=int,
        metavar="POINT",
        help="draw the stored weekly series of these design points (spec 'series')",
    )
    analysis_output(analyze, "FOLDER/analysis")


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    heard = Heard()
    out = cl.analyze_sweep(
        args.folder,
        metrics=args.metrics,
        pair=tuple(args.heatmap) if args.heatmap else None,
        target=args.target,
        out=args.out,
        series_points=args.series,
        force=args.force,
        on_damaged=heard.damaged.append,
        on_off=heard.left_out.append,
        on_unfinished=heard.unfinished.append,
    )
    if not args.quiet:
        print((out / "report.md").read_text(encoding="utf-8"))
        print(f"written: {out}")
    heard.say(args.folder)  # also when quiet: the analysis lacks these runs or metrics
    return 0
