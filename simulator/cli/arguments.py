"""Argument types and options shared by several commands."""

from __future__ import annotations

import argparse
from pathlib import Path


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


def workers(p: argparse.ArgumentParser) -> None:
    """--workers, as `run` and `compare` take it."""
    p.add_argument(
        "--workers",
        type=positive,
        help="processes to run the replications on (default: one per core, but this "
        "process alone for 2 replications or fewer); results are the same however many",
    )


def positive(text: str) -> int:
    """A whole number >= 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


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
