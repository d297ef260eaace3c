"""docs/reference/cli.md, generated from the command line's own parser (a test keeps it current).

python -m simulator.cli.reference > docs/reference/cli.md
"""

from __future__ import annotations

import argparse
import os

from simulator.cli import COMMANDS, parser

HEADER = """\
# Command line reference

Generated from the parser by `python -m simulator.cli.reference`; do not edit by hand.
Every command reports bad input with the file, the key and what is allowed, exit status 2,
and writes nothing. `python -m simulator` is the same as `caseload`.
"""


def _subparsers(top: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def markdown() -> str:
    """The reference page: the top-level usage, then each command's full help."""
    width = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal's width
    try:
        top = parser()
        parts = [HEADER, "```text\n" + top.format_help().strip() + "\n```\n"]
        commands = _subparsers(top)
        for name in COMMANDS:
            parts.append(f"## caseload {name}\n")
            parts.append("```text\n" + commands[name].format_help().strip() + "\n```\n")
    finally:
        if width is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = width
    return "\n".join(parts)


if __name__ == "__main__":
    print(markdown(), end="")
