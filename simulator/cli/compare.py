"""`caseload compare`: two scenarios with common random numbers, paired differences."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.arguments import quiet, workers


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare", help="run two scenarios with common random numbers and compare them"
    )
    p.add_argument("a", type=Path, help="scenario A (the reference): a file or a shipped name")
    p.add_argument("b", type=Path, help="scenario B (the alternative)")
    p.add_argument("--replications", type=int, default=10, help="paired replications (10)")
    p.add_argument("--seed", type=int, help="random seed (default: A's)")
    p.add_argument("--out", type=Path, help="folder (default: results/compare_<A>_vs_<B>)")
    workers(p)
    quiet(p)


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    a, b = cl.load_scenario(args.a), cl.load_scenario(args.b)
    if args.replications < 2:
        raise cl.ScenarioError("--replications: a paired comparison needs at least 2")
    if args.seed is not None and args.seed < 0:
        raise cl.ScenarioError("--seed: must be a whole number >= 0")
    out = args.out or Path("results") / f"compare_{a.name}_vs_{b.name}"
    result = cl.compare(
        a,
        b,
        replications=args.replications,
        seed=args.seed,
        progress=not args.quiet,
        workers=args.workers,
    )
    cl.write_comparison(result, out, command=command)
    if not args.quiet:
        print(cl.describe(result, out))
    return 0
