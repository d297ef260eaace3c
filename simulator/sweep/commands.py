"""The `caseload sweep` and `caseload analyze` commands (hooked into `simulator.cli`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.scenario import ScenarioError

if TYPE_CHECKING:
    from simulator.sweep.spec import Sweep

EXIT_OK, EXIT_RUNS_FAILED, EXIT_INTERRUPTED = 0, 1, 130
COMMANDS = ("sweep", "analyze")

SWEEP_EPILOG = """\
exit status: 0 every run succeeded; 1 some runs raised (each is stored with its error,
and the others ran) or the executor failed (finished runs are kept); 2 bad input
(nothing run); 130 interrupted (finished runs are kept).
Run the same command again to resume: runs already stored are skipped."""


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add `sweep` and `analyze` to the `caseload` parser."""
    sweep = sub.add_parser(
        "sweep",
        help="run a batch experiment (sweep spec), in parallel, resumable",
        description="Run every (design point, replication) of a sweep spec and store the "
        "results as a Parquet dataset, written as runs finish.",
        epilog=SWEEP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sweep.add_argument("spec", type=Path, help="sweep spec file (TOML)")
    sweep.add_argument("--out", type=Path, help="results folder (default: results/sweeps/<name>)")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="local worker processes (default: every core; 1 runs in this process)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask distributed cluster, e.g. tcp://scheduler-host:8786 "
        "(needs the 'sweep' extra; every worker must have this package installed)",
    )
    sweep.add_argument("--chunk", type=_positive, metavar="N", help="runs per task (default: auto)")
    sweep.add_argument(
        "--batch",
        type=_positive,
        default=100,
        metavar="N",
        help="write a Parquet part every N finished runs (or 30 s; default 100)",
    )
    sweep.add_argument(
        "--retry-failed", action="store_true", help="run again the stored runs that raised"
    )
    sweep.add_argument(
        "--check", action="store_true", help="validate the spec and its design; run nothing"
    )
    sweep.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")

    analyze = sub.add_parser(
        "analyze",
        help="tables, figures and a report of a sweep's results",
        description="Write DIR/analysis/: main effects with 95 %% CIs, heatmaps of two "
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
    analyze.add_argument("--out", type=Path, help="folder to write (default: FOLDER/analysis)")
    analyze.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def run_command(args: argparse.Namespace, argv: list[str] | None) -> int:
    """Carry out `sweep` or `analyze`; `ScenarioError`s go to the caller (exit 2)."""
    if args.command == "analyze":
        return _analyze(args)
    return _sweep(args, argv)


def _sweep(args: argparse.Namespace, argv: list[str] | None) -> int:
    from simulator.experiments.executors import make_executor
    from simulator.sweep.runner import prepare, run_sweep
    from simulator.sweep.spec import load_sweep

    sweep = load_sweep(args.spec)
    design = prepare(sweep)
    runs = len(design) * sweep.spec.replications
    if args.check:
        print(describe(sweep, len(design), runs))
        return EXIT_OK
    out = args.out or Path("results") / "sweeps" / sweep.name
    executor = make_executor(args.workers, args.scheduler)
    command = ["caseload", *(sys.argv[1:] if argv is None else argv)]
    try:
        outcome = run_sweep(
            sweep,
            out,
            executor,
            design=design,
            chunk=args.chunk,
            batch=args.batch,
            retry_failed=args.retry_failed,
            show_progress=not args.quiet,
            command=command,
        )
    except KeyboardInterrupt:
        print(f"caseload: interrupted; finished runs are kept in {out}", file=sys.stderr)
        print("caseload: run the same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ScenarioError:
        raise
    except Exception as exc:  # the executor failed (a worker died, the cluster went away)
        print(f"caseload: error: the sweep stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"caseload: finished runs are kept in {out}; run again to resume", file=sys.stderr)
        return EXIT_RUNS_FAILED
    finally:
        executor.close()
    if not args.quiet:
        print(
            f"sweep '{sweep.name}': {outcome.total} runs in {out} ({outcome.ran} run now on "
            f"{outcome.executor}, {outcome.already} already stored); {outcome.failed} failed; "
            f"{outcome.wall_seconds:.1f} s"
        )
        for run_id, error in outcome.failures[:5]:
            print(f"  run {run_id} failed: {error.splitlines()[0]}")
        if len(outcome.failures) > 5:
            print(f"  ... and {len(outcome.failures) - 5} more (status and error in the dataset)")
        print(f"next: caseload analyze {out}")
    return EXIT_RUNS_FAILED if outcome.failed else EXIT_OK


def describe(sweep: Sweep, points: int, runs: int) -> str:
    """What a valid spec will run, in a few lines."""
    spec = sweep.spec
    n = f" (n = {spec.design.n})" if spec.design.n else ""
    lines = [
        f"{sweep.path}: valid sweep '{sweep.name}' on base scenario '{sweep.base.name}'",
        f"  design: {spec.design.kind}{n}, {points} points x {spec.replications} replications "
        f"= {runs} runs, seed {sweep.seed}"
        + (", common random numbers" if spec.common_random_numbers else ""),
    ]
    for name, f in sweep.factors.items():
        values = f.levels if f.levels is not None else f"range {f.range}"
        lines.append(f"  {name} ({f.kind}, {f.value_type}): {f.key} = {values}")
    return "\n".join(lines)


def _analyze(args: argparse.Namespace) -> int:
    from simulator.sweep.analyze import analyze_sweep

    out = analyze_sweep(
        args.folder,
        metrics=args.metrics,
        pair=tuple(args.heatmap) if args.heatmap else None,
        target=args.target,
        out=args.out,
    )
    if not args.quiet:
        print((out / "report.md").read_text(encoding="utf-8"))
        print(f"written: {out}")
    return EXIT_OK
