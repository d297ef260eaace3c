"""The `caseload` command (also `python -m simulator`).

    caseload run SCENARIO [--seed S] [--replications N] [--out DIR] [--set key.path=value ...]
    caseload validate SCENARIO [--set key.path=value ...]
    caseload sweep SPEC [--out DIR] [--workers N | --scheduler ADDRESS]   (docs/sweeps.md)
    caseload analyze DIR

Bad input (a missing or malformed file, an unknown key, a value out of range)
is reported with the file, the key and what is allowed, exit status 2, and
nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator import __version__
from simulator.scenario import Scenario, ScenarioError, load_scenario
from simulator.sweep.commands import COMMANDS as SWEEP_COMMANDS
from simulator.sweep.commands import add_commands as add_sweep_commands

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caseload",
        description="Workload simulator for municipal refugee-integration casework.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def scenario_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("scenario", type=Path, help="scenario file (TOML)")
        p.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="KEY.PATH=VALUE",
            help="override a scenario key, e.g. --set caseworkers.weekly_hours=30 (repeatable)",
        )

    run = sub.add_parser("run", help="run a scenario and write its results folder")
    scenario_args(run)
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    run.add_argument(
        "--replications",
        type=_replications,
        metavar="N|auto",
        help="independent replications (default: the scenario's); 'auto' adds replications "
        "until the key metrics' 95 %% CI half-width is within --precision of the mean",
    )
    run.add_argument(
        "--precision",
        type=float,
        default=0.05,
        help="with --replications auto: relative half-width to reach (default 0.05)",
    )
    run.add_argument(
        "--max-replications",
        type=int,
        default=100,
        help="with --replications auto: stop here even if imprecise (default 100)",
    )
    run.add_argument("--out", type=Path, help="results folder (default: results/<scenario name>)")
    run.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    run.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")

    comp = sub.add_parser(
        "compare", help="run two scenarios with common random numbers and compare them"
    )
    comp.add_argument("a", type=Path, help="scenario A (the reference)")
    comp.add_argument("b", type=Path, help="scenario B (the alternative)")
    comp.add_argument("--replications", type=int, default=10, help="paired replications (10)")
    comp.add_argument("--seed", type=int, help="random seed (default: A's)")
    comp.add_argument("--out", type=Path, help="folder (default: results/compare_<A>_vs_<B>)")
    comp.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")

    calibrate = sub.add_parser(
        "calibrate", help="compare the baseline and a spread of municipalities with the surveys"
    )
    calibrate.add_argument("--replications", type=int, default=10)
    calibrate.add_argument("--municipalities", type=int, default=30)

    validate = sub.add_parser("validate", help="check a scenario file without running it")
    scenario_args(validate)
    add_sweep_commands(sub)
    return parser


def _replications(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number or 'auto', got {text!r}"
        ) from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "compare":
            return _compare(args, argv)
        if args.command in SWEEP_COMMANDS:
            from simulator.sweep.commands import run_command

            return run_command(args, argv)
        if args.command == "calibrate":
            from simulator.calibration import report

            print(report(args.replications, args.municipalities))
            return 0
        scenario = load_scenario(args.scenario, args.overrides)
        if args.command == "validate":
            print(f"{args.scenario}: valid scenario '{scenario.name}' (hash {scenario.digest()})")
            return 0
        return _run(args, scenario, argv)
    except ScenarioError as exc:
        print(f"caseload: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("caseload: interrupted; nothing was written", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace, scenario: Scenario, argv: list[str] | None) -> int:
    from simulator.analysis.replications import AutoReplications
    from simulator.experiments.run import run_scenario
    from simulator.reporting.files import console_summary, write_results
    from simulator.reporting.progress import ProgressBar

    if args.seed is not None and args.seed < 0:
        raise ScenarioError("--seed: must be a whole number >= 0")
    out = args.out or Path("results") / scenario.name
    replications = args.replications or scenario.simulation.replications
    if replications == "auto":
        try:
            replications = AutoReplications(precision=args.precision, maximum=args.max_replications)
        except ValueError as exc:
            raise ScenarioError(f"--replications auto: {exc}") from None
    expected = replications.maximum if isinstance(replications, AutoReplications) else replications
    with ProgressBar(expected, enabled=not args.quiet) as bar:
        results = run_scenario(
            scenario, replications=replications, seed=args.seed, progress=bar.update
        )
    figures = None
    if not args.no_figures:
        from simulator.reporting.figures import write_figures

        figures = write_figures
    command = ["caseload", *(sys.argv[1:] if argv is None else argv)]
    write_results(results, out, command=command, figures=figures)
    if not args.quiet:
        print(console_summary(results, out))
    return 0


def _compare(args: argparse.Namespace, argv: list[str] | None) -> int:
    from simulator.experiments.run import compare
    from simulator.reporting.files import comparison_summary, write_comparison
    from simulator.reporting.progress import ProgressBar

    a, b = load_scenario(args.a), load_scenario(args.b)
    if args.replications < 2:
        raise ScenarioError("--replications: a paired comparison needs at least 2")
    if args.seed is not None and args.seed < 0:
        raise ScenarioError("--seed: must be a whole number >= 0")
    out = args.out or Path("results") / f"compare_{a.name}_vs_{b.name}"
    with ProgressBar(args.replications, enabled=not args.quiet) as bar:
        result = compare(a, b, replications=args.replications, seed=args.seed, progress=bar.update)
    command = ["caseload", *(sys.argv[1:] if argv is None else argv)]
    write_comparison(result, out, command=command)
    if not args.quiet:
        print(comparison_summary(result, out))
    return 0
