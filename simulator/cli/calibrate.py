"""`caseload calibrate`: every calibration target and out-of-sample check beside the model;
`--fit` refits the free parameters and writes them into the baseline; `--sensitivity` moves
each fitted or assumed parameter across its range (docs/calibration.md)."""

from __future__ import annotations

import argparse
import sys

from simulator.cli.arguments import positive


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate",
        help="compare the baseline with every calibration target and check; --fit refits it",
    )
    p.add_argument("scenario", nargs="?", default=None,
                   help="the scenario to calibrate (default: the shipped baseline)")  # fmt: skip
    p.add_argument("--replications", type=positive, default=20,
                   help="replications per point of the report (default 20)")  # fmt: skip
    p.add_argument("--municipalities", type=positive, default=30,
                   help="municipalities of T2 and O3 (default 30, as the targets say)")  # fmt: skip
    p.add_argument(
        "--workers", type=positive, default=None, help="worker processes (default: all cores)"
    )
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="KEY.PATH=VALUE",
                   help="the report only: set a scenario key first, e.g. --set "
                   "caseworkers.task_time_scale=0.75 (repeatable)")  # fmt: skip
    p.add_argument("--no-checks", action="store_true",
                   help="leave out the out-of-sample checks O1-O3")  # fmt: skip
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--fit", action="store_true",
                      help="refit the free parameters from their pre-fit values and write them "
                      "into the scenario (or --into FILE)")  # fmt: skip
    mode.add_argument("--sensitivity", action="store_true",
                      help="print the one-at-a-time sensitivity table (Markdown)")  # fmt: skip
    p.add_argument("--into", default=None, help="with --fit: the scenario file to write")
    p.add_argument("--force", action="store_true",
                   help="with --into: replace that file if caseload wrote it, "
                   "unchanged since")  # fmt: skip
    p.add_argument("--refine", action="store_true",
                   help="with --fit: run only the fit's third stage (at the report's "
                   "replications), from the scenario's current values")  # fmt: skip
    p.add_argument(
        "--max-evaluations",
        type=int,
        default=None,
        help="with --fit: the budget of evaluations, screening included (default 80)",
    )
    p.add_argument(
        "--fit-replications",
        type=int,
        default=None,
        help="with --fit: replications per point in each evaluation (default 6)",
    )


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    if args.overrides and (args.fit or args.sensitivity):
        print("caseload calibrate: --set is for the report, not --fit or --sensitivity",
              file=sys.stderr)  # fmt: skip
        return 2
    with_fit = (("--refine", args.refine), ("--into", args.into), ("--force", args.force),
                ("--max-evaluations", args.max_evaluations is not None),
                ("--fit-replications", args.fit_replications is not None))  # fmt: skip
    for flag, given in with_fit:
        if given and not args.fit:
            print(f"caseload calibrate: {flag} needs --fit", file=sys.stderr)
            return 2
    if args.force and not args.into:
        print("caseload calibrate: --force goes with --into", file=sys.stderr)
        return 2
    if args.fit:

        def progress(evaluation, n: int) -> None:
            values = ", ".join(f"{k} {v:.3f}" for k, v in evaluation.values.items())
            worst = max(evaluation.by_target, key=evaluation.by_target.get)
            print(f"  {n:3d}  stage {evaluation.stage}  D = {evaluation.distance:8.3f}  "
                  f"minimised {evaluation.objective:8.3f}  ({values}; worst {worst}, "
                  f"{evaluation.seconds:.0f} s)", file=sys.stderr, flush=True)  # fmt: skip

        result = cl.calibrate_fit(args.scenario, args.into, args.fit_replications,
                                  args.max_evaluations, args.workers or 2, progress,
                                  refine_only=args.refine, force=args.force)  # fmt: skip
        values = ", ".join(f"{k} = {v:.4f}" for k, v in result.values.items())
        print(f"Fitted in {result.seconds / 60:.1f} minutes, {len(result.evaluations)} "
              f"evaluations ({result.message}): D = {result.distance:.3f}")  # fmt: skip
        print(f"  {values}")
        print("  by target: " + ", ".join(f"{k} {v:.2f}" for k, v in result.best.by_target.items()))
        print(f"Written into {args.into or args.scenario or 'the shipped baseline'}; "
              "run `caseload calibrate` for the report.")  # fmt: skip
        return 0
    if args.sensitivity:
        print(cl.calibrate_sensitivity(args.scenario, min(args.replications, 5), args.workers))
        return 0
    print(cl.calibrate(args.replications, args.municipalities, args.workers,
                       not args.no_checks, args.scenario, args.overrides,
                       progress=True))  # fmt: skip
    return 0
