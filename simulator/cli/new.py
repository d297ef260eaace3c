"""`caseload new`: a commented starter scenario that extends the shipped baseline."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "new", help="write NAME.toml, a commented starter scenario extending the baseline"
    )
    p.add_argument("name", help="the scenario's name (letters, digits, '_', '-' and '.')")
    p.add_argument("--folder", type=Path, default=Path("."), help="where to write it (.)")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace NAME.toml if caseload wrote it and nobody has changed it since",
    )


def main(args: argparse.Namespace, command: list[str]) -> int:
    import simulator as cl

    path = cl.new_scenario(args.name, args.folder, force=args.force)
    print(f"written: {path}\nnext: caseload validate {path}   then   caseload run {path}")
    return 0
