"""The `caseload` command (also `python -m simulator`): one module per command.

    caseload run SCENARIO [--seed S] [--replications N|auto] [--out DIR] [--set key.path=value ...]
                          [--workers N]
    caseload compare A B [--replications N] [--out DIR] [--workers N]
    caseload validate SCENARIO [--set key.path=value ...]
    caseload new NAME [--folder DIR] [--force]
    caseload calibrate
    caseload sweep SPEC [--out DIR] [--workers N | --scheduler ADDRESS]   (docs/sweeps.md)
    caseload analyze DIR
    caseload discover DIR --metric NAME (--below X | --above X)   PRIM and CART (research extra)
    caseload robustness DIR          each policy across the uncertainties: regret, satisficing
    caseload app [SCENARIO] [--port P]     the trainers' app in the browser (the app extra)
    caseload plan SCENARIO [--caseload-limit 45] [--on-time 0.95] ...    (docs/planning.md)
    caseload state SCENARIO --on YYYY-MM-DD [--replication R] [--out FOLDER] [--name NAME]

A scenario is a file or the name of a shipped one (`caseload run baseline`). Bad input
(a missing or malformed file, an unknown key, a value out of range) is reported with the
file, the key and what is allowed, exit status 2, and nothing written. The commands use
the public API (`simulator`) and nothing else.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import signal
import sys
import threading
from types import ModuleType
from typing import Any, NoReturn

from simulator import timings
from simulator.cli import (
    analyze,
    app,
    calibrate,
    compare,
    discover,
    new,
    plan,
    robustness,
    run,
    state,
    sweep,
    validate,
)
from simulator.cli.signals import Terminated, terminate_like_interrupt

EXIT_FAILED = 1  # the machine failed the command (a full disk), not its input
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as the shell reports a process SIGTERM ended
COMMANDS: dict[str, ModuleType] = {
    "run": run,
    "compare": compare,
    "validate": validate,
    "new": new,
    "calibrate": calibrate,
    "sweep": sweep,
    "analyze": analyze,
    "discover": discover,
    "robustness": robustness,
    "app": app,
    "plan": plan,
    "state": state,
}


class _Version(argparse.Action):
    """`--version`: argparse's own, with the version read only when asked for."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from simulator.version import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def parser() -> argparse.ArgumentParser:
    """The `caseload` parser, one subcommand per module of `simulator.cli`."""
    top = argparse.ArgumentParser(
        prog="caseload",
        description="Workload simulator for municipal refugee-integration casework.",
    )
    top.add_argument("--version", action=_Version, help="show program's version number and exit")
    sub = top.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the command `argv` (default: the process's arguments); return the exit status."""
    import simulator as cl

    args = parser().parse_args(argv)
    command = ["caseload", *(sys.argv[1:] if argv is None else argv)]
    previous = terminate_like_interrupt()
    if argv is None:  # the process's own command: one thread, and it ends with the command
        from simulator.experiments.executors import collect_rarely

        cl.fork_workers()
        collect_rarely()
    try:
        return int(COMMANDS[args.command].main(args, command))
    except cl.ScenarioError as exc:
        print(f"caseload: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # the machine's, not the input's: a full disk, a lost mount
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"caseload: error: {exc.strerror or exc}{where}; the files of this command are "
              "written all at once or not at all, so nothing half-written was left",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    except Terminated:
        print("caseload: terminated; nothing unfinished was left behind", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("caseload: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if timings.enabled():
            print(timings.report(), file=sys.stderr)
        if argv is None:  # the process's own command, which ends now: Python's exit would
            gc.freeze()  # run the collector over every object left (0.3 s after a run)


def command() -> NoReturn:
    """The `caseload` program (and `python -m simulator`): the process's command, then the
    process ends with its exit status.

    It ends as Python would, less the freeing of every module and object (the more is
    loaded, the longer: pandas and its tables after a run): once the command has
    returned, the exit functions run (`atexit`: a Dask client closes, say), the output
    is flushed and the process exits. Where a thread of its own still runs, the output
    cannot be flushed or the command exits by raising (`--help`, a usage error), it ends
    the usual way.
    """
    status = main()
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if any(not t.daemon and t.is_alive() for t in others):
        sys.exit(status)  # Python waits for them
    atexit._run_exitfuncs()  # and forgets them: they never run twice
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe, say: Python reports it as it exits
        sys.exit(status)
    os._exit(status)
