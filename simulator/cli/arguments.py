"""Argument types and options shared by several commands, and how they end."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_FIGURES_FAILED = 1  # the results are written, a figure (or the plan's page) is missing


def write_and_describe(write: Callable[[], Any], what: Any, folder: Path, quiet: bool) -> int:
    """Write a command's folder (`write()`), then print what the console shows of `what`.
    If a figure failed, the tables are written: say so, with the key figures, on stderr."""
    import simulator as cl

    try:
        write()
    except cl.FiguresFailed as exc:
        print(cl.describe(what, folder), file=sys.stderr)
        print(f"caseload: error: {exc}", file=sys.stderr)
        return EXIT_FIGURES_FAILED
    if not quiet:
        print(cl.describe(what, folder))
    return 0


def scenario_arguments(p: argparse.ArgumentParser) -> None:
    """SCENARIO and --set, as `run` and `validate` take them."""
    p.add_argument("scenario", type=Path, help="scenario file (TOML), or a shipped one's name")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="set a scenario key, e.g. --set caseworkers.weekly_hours=30 or "
        "--set caseworkers.staffing.0.caseworkers=5 (repeatable)",
    )


def quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


FORCE_HELP = (
    "replace the folder at --out if caseload wrote it and it holds nothing else (a sweep's "
    "folder never)"
)
NO_LIMITS_HELP = (
    "run even if the run is estimated too large (caseworkers, cases, tasks, events or "
    "memory above the limits; docs/robustness.md)"
)


def force(p: argparse.ArgumentParser) -> None:
    _flag(p, "--force", FORCE_HELP)


def analysis_output(p: argparse.ArgumentParser, default: str) -> None:
    """--out, --force and -q of a command that reads a sweep's folder and writes an analysis
    beside it (`default`, e.g. "DIR/robustness"), never into the sweep's own data."""
    p.add_argument(
        "--out",
        type=Path,
        help=f"folder to write (default: {default}; never the sweep's folder or its run data)",
    )
    force(p)
    quiet(p)


@dataclass
class Heard:
    """What a command that reads a sweep's runs (analyze, robustness, discover) hears from
    the API's callbacks of what its results lack or leave out: the damaged parts skipped
    (`on_damaged`; a part of the weekly series comes as a `sweep.damage.Damaged` naming
    its series, whose runs are not missing), the metrics left out and why (`on_off`), the
    warning of an incomplete sweep (`on_unfinished`)."""

    damaged: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)

    def say(self, folder: Path) -> None:
        """Say it on stderr, also when quiet, in the same words whichever command read the
        sweep in `folder`: a table, a ranking or a box resting on fewer runs than the design,
        or on fewer metrics than asked for, never passes without a word."""
        for warning in self.unfinished:
            print(f"caseload: warning: {warning}", file=sys.stderr)
        for reason in self.left_out:
            print(f"caseload: note: {reason}", file=sys.stderr)
        if not self.damaged:
            return
        from simulator.sweep.damage import (
            of_series,
            rerun_text,
            series_damage_text,
            skipped_text,
        )

        series = [problem for problem in self.damaged if of_series(problem)]
        runs = [problem for problem in self.damaged if not of_series(problem)]
        for problem in self.damaged:
            print(f"caseload: warning: {skipped_text(problem, bool(of_series(problem)))}",
                  file=sys.stderr)  # fmt: skip
        if runs:
            print(f"caseload: warning: {rerun_text(folder)}", file=sys.stderr)
        if series:  # their runs are whole: which series are missing, and what resuming does
            print(f"caseload: warning: {series_damage_text(folder, series)}", file=sys.stderr)


def no_limits(p: argparse.ArgumentParser) -> None:
    _flag(p, "--no-limits", NO_LIMITS_HELP)


def _flag(p: argparse.ArgumentParser, option: str, help: str) -> None:
    p.add_argument(option, action="store_true", help=help)


def workers(p: argparse.ArgumentParser) -> None:
    """--workers, as `run` and `compare` take it."""
    p.add_argument(
        "--workers",
        type=positive,
        help="processes to run the replications on (default: one per core, but this "
        "process alone for 2 replications or fewer); results are the same however many",
    )


def day(text: str) -> dt.date:
    """A date, YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _at_least(minimum: int) -> Callable[[str], int]:
    """The argument type of a whole number >= `minimum`."""

    def whole(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {n}")
        return n

    return whole


positive = _at_least(1)
not_negative = _at_least(0)


def port(text: str) -> int:
    """A TCP port: a whole number from 1 to 65535 (0, "any free port", would serve at an
    address nobody is told)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 1 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"a port from 1 to 65535, got {n}")
    return n


def finite(text: str) -> float:
    """A number that is not inf or nan."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_number(text: str) -> float:
    """A finite number > 0."""
    value = finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def share(text: str) -> float:
    """A share: a number above 0, at most 1."""
    value = positive_number(text)
    if value >= 1 and text.strip() not in ("1", "1.0"):
        raise argparse.ArgumentTypeError(f"a share from 0 to 1, got {text}")
    return value


def replications(text: str) -> int | str:
    """A whole number >= 1, or 'auto'."""
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
