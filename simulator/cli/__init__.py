"""The `caseload` command (also `python -m simulator`): one module per command.

    caseload run SCENARIO [--seed S] [--replications N|auto] [--out DIR] [--set key.path=value ...]
    caseload compare A B [--replications N] [--out DIR]
    caseload validate SCENARIO [--set key.path=value ...]
    caseload new NAME [--folder DIR]
    caseload calibrate
    caseload sweep SPEC [--out DIR] [--workers N | --scheduler ADDRESS]   (docs/sweeps.md)
    caseload analyze DIR
    caseload app [SCENARIO] [--port P]     the trainers' app in the browser (the app extra)
    caseload plan SCENARIO [--caseload-limit 45] [--on-time 0.95] ...    (docs/planning.md)

A scenario is a file or the name of a shipped one (`caseload run baseline`). Bad input
(a missing or malformed file, an unknown key, a value out of range) is reported with the
file, the key and what is allowed, exit status 2, and nothing written. The commands use
the public API (`simulator`) and nothing else.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from simulator import __version__
from simulator.cli import analyze, app, calibrate, compare, new, plan, run, sweep, validate

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
COMMANDS: dict[str, ModuleType] = {
    "run": run,
    "compare": compare,
    "validate": validate,
    "new": new,
    "calibrate": calibrate,
    "sweep": sweep,
    "analyze": analyze,
    "app": app,
    "plan": plan,
}


def parser() -> argparse.ArgumentParser:
    """The `caseload` parser, one subcommand per module of `simulator.cli`."""
    top = argparse.ArgumentParser(
        prog="caseload",
        description="Workload simulator for municipal refugee-integration casework.",
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = top.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the command `argv` (default: the process's arguments); return the exit status."""
    import simulator as cl

    args = parser().parse_args(argv)
    command = ["caseload", *(sys.argv[1:] if argv is None else argv)]
    try:
        return int(COMMANDS[args.command].main(args, command))
    except cl.ScenarioError as exc:
        print(f"caseload: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("caseload: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
