"""`caseload plan`: the least caseworker posts per quarter that meet the targets, certified,
with plan.csv and a one-page report for the council (docs/planning.md)."""

from __future__ import annotations

import argparse
import math
from functools import partial
from pathlib import Path

from simulator.analysis.standards import CASELOAD_LIMIT, CONFIDENCE, ON_TIME
from simulator.cli.arguments import (
    day,
    force,
    no_limits,
    positive,
    positive_number,
    quiet,
    scenario_arguments,
    share,
    write_and_describe,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan",
        help="the least caseworker posts per quarter meeting the targets, with a page",
        description="Find, for each quarter (or month), the fewest caseworker posts that keep "
        "the caseload per caseworker at most --caseload-limit and get at least --on-time of "
        "the statutory tasks due done on time, in at least --confidence of simulated futures; "
        "check the plan on fresh replications, show one fewer misses, and write plan.csv and "
        "the page for the council (PDF and PNG). Method and definitions: docs/planning.md.",
    )
    scenario_arguments(p)
    p.add_argument(
        "--caseload-limit",
        type=positive_number,
        default=CASELOAD_LIMIT,
        metavar="CASES",
        help=f"most cases per caseworker (default {CASELOAD_LIMIT:g}, the DS recommendation)",
    )
    p.add_argument(
        "--on-time",
        type=share,
        default=ON_TIME,
        metavar="SHARE",
        help=f"least share of statutory tasks due done by the deadline (default {ON_TIME:g})",
    )
    p.add_argument(
        "--confidence",
        type=share,
        default=CONFIDENCE,
        metavar="P",
        help="share of simulated futures in which each quarter must meet both "
        f"targets (default {CONFIDENCE:g}); with --meet mean, the confidence in the averages",
    )
    p.add_argument(
        "--meet",
        choices=("probability", "mean"),
        default="probability",
        help="targets met with probability --confidence (default), or on average",
    )
    p.add_argument(
        "--caseload-measure",
        choices=("average", "peak_week", "each"),
        default="average",
        help="average: open cases ÷ caseworkers on the staff over the quarter "
        "(default); peak_week: the quarter's highest week; each: every caseworker's "
        "own caseload",
    )
    p.add_argument(
        "--from",
        dest="start",
        type=day,
        metavar="YYYY-MM-DD",
        help="first day planned (default: the end of the warm-up, or the start)",
    )
    p.add_argument(
        "--until",
        type=day,
        metavar="YYYY-MM-DD",
        help="the day after the last day planned (default: the scenario's end)",
    )
    p.add_argument(
        "--step",
        choices=("quarter", "month"),
        default="quarter",
        help="planning period (default quarter)",
    )
    p.add_argument(
        "--max-change",
        type=positive,
        metavar="N",
        help="most posts added or cut from one period to the next (hires start "
        "earlier to keep to it)",
    )
    p.add_argument(
        "--no-firing", action="store_true", help="posts never fall: staff leave only by turnover"
    )
    p.add_argument(
        "--hold-years",
        type=_hold,
        default=1.0,
        metavar="YEARS",
        help="posts that rise do not fall again, and posts that fall do not rise again, "
        "within this many years: nobody is hired to be let go soon after, no post is cut to "
        "be filled again soon after (default 1; 0: off)",
    )
    p.add_argument(
        "--deadline-premium",
        type=_premium,
        default=0.25,
        metavar="SHARE",
        help="most posts bought for the statutory deadlines, as a share above what the caseload "
        "and the work need (default 0.25: caseloads down to about 36 at a limit of 45); a "
        "deadline costing more is reported as reachable only at very high cost",
    )
    p.add_argument(
        "--arrivals-range",
        type=_range,
        metavar="LOW,HIGH",
        help="factors on the scenario's quotas, e.g. 0.8,1.5: the plan holds up to the high end",
    )
    p.add_argument(
        "--replications",
        type=_at_least_two,
        default=20,
        metavar="N",
        help="replications the search judges each plan on (default 20)",
    )
    p.add_argument(
        "--max-replications",
        type=positive,
        default=100,
        metavar="N",
        help="most fresh replications the check runs (default 100)",
    )
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument(
        "--workers",
        type=positive,
        metavar="N",
        help="processes (default: every core; 1 runs in this process)",
    )
    p.add_argument("--out", type=Path, help="folder (default: results/plan_<scenario name>)")
    force(p)
    no_limits(p)
    quiet(p)


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    scenario = cl.load_scenario(args.scenario, overrides=args.overrides)
    out = cl.plan_folder(scenario, args.out, force=args.force)  # checked before the work
    most = max(args.max_replications, args.replications)
    cl.check_plan_size(scenario, args.arrivals_range, args.replications, str(args.scenario),
                       start=args.start, until=args.until, step=args.step,
                       limits=not args.no_limits, max_replications=most)  # fmt: skip
    plan = cl.staffing_plan(
        scenario,
        caseload_limit=args.caseload_limit,
        on_time=args.on_time,
        confidence=args.confidence,
        caseload_measure=args.caseload_measure,
        meet=args.meet,
        start=args.start,
        until=args.until,
        step=args.step,
        max_change=args.max_change,
        no_firing=args.no_firing,
        hold_years=args.hold_years,
        deadline_premium=args.deadline_premium,
        arrivals_range=args.arrivals_range,
        replications=args.replications,
        max_replications=most,
        seed=args.seed,
        workers=args.workers,
        limits=False,
        progress=not args.quiet,
    )
    write = partial(cl.write_plan, plan, out, command=command)
    return write_and_describe(write, plan, out.path, args.quiet)


def _at_least_two(text: str) -> int:
    n = positive(text)
    if n < 2:
        raise argparse.ArgumentTypeError("the search needs at least 2 replications")
    return n


def _range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected two factors LOW,HIGH such as 0.8,1.5, got {text!r}"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low <= 1 <= high):
        raise argparse.ArgumentTypeError(f"need 0 < LOW <= 1 <= HIGH, got {text}")
    return low, high


def _hold(text: str) -> float:
    return _between(text, "YEARS", "years such as 1 or 0.5")


def _premium(text: str) -> float:
    return _between(text, "SHARE", "a share such as 0.25 or 0")


def _between(text: str, name: str, example: str, low: float = 0.0, high: float = 10.0) -> float:
    """A finite number from `low` to `high` (the option's value `text`)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {example}, got {text!r}") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise argparse.ArgumentTypeError(f"need {low:g} <= {name} <= {high:g}, got {text}")
    return value
