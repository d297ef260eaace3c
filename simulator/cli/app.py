"""`caseload app`: serve the trainers' app on this machine (127.0.0.1) and print its address.

The app is a Streamlit script (`simulator/app/main.py`) started in a child process; it
needs nothing from the network (Streamlit serves its own files, usage statistics are
off). The scenario and the port are checked first, so a typo, a port outside 1-65535 or
one in use is reported as for any command (exit status 2), before a server starts.
Streamlit then takes the command's place (exec): Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import sys
from pathlib import Path

from simulator.cli import arguments

HOST = "127.0.0.1"
DEFAULT_PORT = 8501
EXIT_BAD_INPUT = 2  # as every command: bad input, nothing started


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "app",
        help="serve the trainers' app in the browser (on this machine only)",
        description="Serve the trainers' app on http://127.0.0.1:PORT and print the address. "
        "Needs the app extra: pip install -e '.[app]'.",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="scenario file or shipped name (default: the baseline; the flight simulator "
        "then uses peak_without_hiring)",
    )
    p.add_argument(
        "--port",
        type=arguments.port,
        default=None,
        help=f"port to serve on, 1-65535 (default {DEFAULT_PORT}, or the next free one)",
    )


def free_port(start: int = DEFAULT_PORT, tries: int = 50) -> int:
    """The first port from `start` on that nothing listens on at 127.0.0.1 (bound as the
    server binds it: connections of a server stopped a moment ago do not count)."""
    for port in range(start, min(start + tries, 65536)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            if os.name == "posix":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port in {start}-{start + tries - 1}")


def command(scenario: str | None, port: int) -> list[str]:
    """The command that serves the app (Streamlit, headless, on 127.0.0.1 only)."""
    script = Path(__file__).resolve().parent.parent / "app" / "main.py"
    serve = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        HOST,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]
    return serve + (["--", "--scenario", scenario] if scenario else [])


def main(args: argparse.Namespace, argv: list[str]) -> int:
    import simulator as cl

    if importlib.util.find_spec("streamlit") is None:
        print(
            "caseload: error: the app needs Streamlit: pip install -e '.[app]' (or make app)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    source = None
    if args.scenario is not None:
        cl.load_scenario(args.scenario)  # a bad scenario fails here, with the usual message
        given = Path(args.scenario)
        source = str(given.resolve()) if given.exists() else args.scenario
    if args.port is not None:
        try:
            free_port(args.port, tries=1)
        except OSError:
            print(
                f"caseload app: error: port {args.port} is in use on {HOST} (another "
                "program serves there); give another --port, or none for a free one",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    port = args.port if args.port is not None else free_port()
    print(f"caseload app: serving on http://{HOST}:{port}/  (Ctrl-C stops it)", flush=True)
    serve = command(source, port)
    # Streamlit takes this process's place: Ctrl-C and the signals a supervisor sends
    # reach the server itself, and no child outlives its parent.
    os.execve(serve[0], serve, {**os.environ, "PYTHONUNBUFFERED": "1"})
    return 0  # not reached
