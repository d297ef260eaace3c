"""`caseload compare`: two scenarios with common random numbers, paired differences."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from simulator.cli.arguments import force, no_limits, quiet, workers, write_and_describe


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare", help="run two scenarios with common random numbers and compare them"
    )
    p.add_argument("a", type=Path, help="scenario A (the reference): a file or a shipped name")
    p.add_argument("b", type=Path, help="scenario B (the alternative)")
    p.add_argument("--replications", type=int, default=10, help="paired replications (10)")
    p.add_argument("--seed", type=int, help="random seed (default: A's)")
    p.add_argument("--out", type=Path, help="folder (default: results/compare_<A>_vs_<B>)")
    force(p)
    no_limits(p)
    workers(p)
    quiet(p)


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    a, b = cl.load_scenario(args.a), cl.load_scenario(args.b)
    if args.replications < 2:
        raise cl.ScenarioError("--replications: a paired comparison needs at least 2")
    out = cl.comparison_folder(a, b, args.out, force=args.force)  # checked before the runs
    if not args.no_limits:  # checked here to name the files
        cl.check_size(a, args.replications, str(args.a))
        cl.check_size(b, args.replications, str(args.b))
    result = cl.compare(
        a,
        b,
        replications=args.replications,
        seed=args.seed,
        progress=not args.quiet,
        workers=args.workers,
        limits=False,
    )
    write = partial(cl.write_comparison, result, out, command=command)
    return write_and_describe(write, result, out.path, args.quiet)
