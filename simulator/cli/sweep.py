"""`caseload sweep`: run a batch experiment (a sweep spec), in parallel, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.cli.arguments import no_limits, positive, quiet
from simulator.cli.signals import Terminated

EXIT_OK, EXIT_RUNS_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 130, 143

SWEEP_EPILOG = """\
exit status: 0 every run succeeded; 1 some runs raised (each is stored with its error,
and the others ran) or the executor failed (finished runs are kept); 2 bad input
(nothing run); 130 interrupted, 143 terminated (finished runs are kept).
Run the same command again to resume: runs already stored are skipped."""


def add_parser(sub: argparse._SubParsersAction) -> None:
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
        type=positive,
        metavar="N",
        help="local worker processes (default: every core; 1 runs in this process)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask distributed cluster you trust (it exchanges pickled data, which "
        "can run code), e.g. tls://scheduler-host:8786 with --tls-*, or tcp:// on a private "
        "network (needs the 'sweep' extra; every worker must have this package installed)",
    )
    sweep.add_argument("--chunk", type=positive, metavar="N", help="runs per task (default: auto)")
    sweep.add_argument(
        "--batch",
        type=positive,
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
    tls = sweep.add_argument_group("TLS to a tls:// scheduler (docs/sweeps.md)")
    tls.add_argument("--tls-ca-file", metavar="FILE", help="the cluster's CA certificate")
    tls.add_argument("--tls-cert", metavar="FILE", help="this client's certificate")
    tls.add_argument("--tls-key", metavar="FILE", help="this client's key (default: in --tls-cert)")
    no_limits(sweep)
    quiet(sweep)


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    sweep = cl.load_sweep(args.spec)
    out = cl.sweep_folder(sweep, args.out)
    if args.check:  # what the run would check before it starts, and the design
        cl.check_sweep(sweep, out=out, workers=args.workers, scheduler=args.scheduler,
                       limits=not args.no_limits, design=False)  # fmt: skip
        print(cl.describe(sweep, limits=not args.no_limits))
        return EXIT_OK
    security = _security(args)
    try:
        outcome = cl.run_sweep(
            sweep,
            out=out,
            workers=args.workers,
            scheduler=args.scheduler,
            retry_failed=args.retry_failed,
            progress=not args.quiet,
            command=command,
            chunk=args.chunk,
            batch=args.batch,
            limits=not args.no_limits,
            security=security,
        )
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
        how = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"caseload: {how}; finished runs are kept in {out}", file=sys.stderr)
        print("caseload: run the same command again to resume", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except cl.ScenarioError:
        raise
    except Exception as exc:  # the executor failed (a worker died, the cluster went away)
        print(f"caseload: error: the sweep stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"caseload: finished runs are kept in {out}; run again to resume", file=sys.stderr)
        return EXIT_RUNS_FAILED
    if not args.quiet:
        print(cl.describe(outcome))
    elif outcome.repaired:  # damage is reported even when quiet
        print("\n".join(outcome.details()), file=sys.stderr)
    return EXIT_RUNS_FAILED if outcome.failed or outcome.series_failed else EXIT_OK


def _security(args: argparse.Namespace) -> dict[str, str | None] | None:
    """The TLS files given, for the API (which makes Dask's `Security` of them)."""
    import simulator as cl

    given = [args.tls_ca_file, args.tls_cert, args.tls_key]
    if not any(given):
        return None
    if args.scheduler is None or not (args.tls_ca_file and args.tls_cert):
        raise cl.ScenarioError(
            "--tls-ca-file and --tls-cert (and --tls-key, unless the key is in the "
            "certificate file) go together with --scheduler tls://HOST:PORT"
        )
    return {"ca_file": args.tls_ca_file, "cert": args.tls_cert, "key": args.tls_key}
