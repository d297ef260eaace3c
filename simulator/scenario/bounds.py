"""What a scenario's values must fit beyond their own ranges: folder names, seeds, dates.

A scenario's name becomes a folder (`results/<name>/`), its seed is stored as a 64-bit
integer and every date of a run ends up in a pandas table. A value that cannot be
carried that far is refused when the scenario is loaded, with the key named, rather
than after the simulation has run (when the write fails and the run is lost).

These checks are data only: the schema calls them from its validators, sweep specs and
the command line call them for their own names and seeds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

# A name that is one ordinary folder on every system: no separators, not "." or "..",
# no leading dot (hidden) or dash (read as an option), no trailing dot (Windows drops it).
SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
MAX_NAME_LENGTH = 100  # results/compare_<A>_vs_<B> and temporary names stay far below 255
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(10)
}

# Tables and lists inside each other: a scenario needs 5; anything recursive (the TOML
# parser, merging, validation) fails far deeper, with a RecursionError, not a message.
MAX_DEPTH = 24

# Seeds are stored in int64 columns (sweep results) and fed to numpy's SeedSequence.
MAX_SEED = 2**63 - 1

# The dates a pandas table of nanosecond timestamps can hold (pd.Timestamp.min and .max,
# 1677-09-21 00:12 to 2262-04-11 23:47), rounded inwards to whole days.
FIRST_DATE = dt.date(1677, 9, 22)
LAST_DATE = dt.date(2262, 4, 10)


def check_name(name: str) -> str:
    """`name` if it is a safe folder name, else a ValueError saying what is allowed."""
    allowed = (
        "letters, digits, '_', '-' and '.', starting with a letter, digit or '_', "
        f"not ending with '.', at most {MAX_NAME_LENGTH} characters"
    )
    if not SAFE_NAME.fullmatch(name) or name.endswith(".") or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"{name!r} cannot name a results folder: use {allowed}")
    if name.split(".")[0].lower() in WINDOWS_RESERVED:
        raise ValueError(f"{name!r} is a reserved device name on Windows; choose another")
    return name


def check_seed(seed: int) -> int:
    """`seed` if it is a whole number from 0 to 2**63 - 1, else a ValueError."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"a seed is a whole number from 0 to {MAX_SEED} (2**63 - 1)")
    return seed


def check_run_dates(
    start: dt.date,
    years: float,
    deadlines: dict[str, float],
    to_days: Callable[[dt.date, float], float],
) -> None:
    """A ValueError unless every date a run of `years` from `start` writes fits the tables:
    the start, the end, and the due date of a task created on the last day (`deadlines`:
    each task's deadline_days). `to_days` is the schema's conversion of years into days."""
    if start < FIRST_DATE:
        raise ValueError(
            f"simulation.start_date: {start.isoformat()} is before {FIRST_DATE.isoformat()}, "
            "the first date the result tables can hold"
        )
    room = (LAST_DATE - start).days
    # whole years first: a date thousands of years on cannot even be built
    days = room + 1.0 if years > LAST_DATE.year - start.year + 1 else to_days(start, years)
    if days > room:
        raise ValueError(
            f"simulation.duration_years: {years:g} years from {start.isoformat()} run past "
            f"{LAST_DATE.isoformat()}, the last date the result tables can hold"
        )
    task, deadline_days = max(deadlines.items(), key=lambda item: item[1], default=("", 0.0))
    if days + deadline_days > room:
        raise ValueError(
            f"tasks.{task}.deadline_days: {deadline_days:g} days put due dates past "
            f"{LAST_DATE.isoformat()}, the last date the result tables can hold (at most "
            f"{room - days:,.0f} days after the end of the run)"
        )


def too_deep(data: Any, limit: int = MAX_DEPTH) -> str | None:
    """The key path where `data` nests more than `limit` tables or lists, or None."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:  # iterative: a recursive walk would fail on the very input it guards against
        node, path = stack.pop()
        if len(path) > limit:
            return ".".join(path[: limit + 1]) + "..."
        if isinstance(node, dict):
            stack.extend((value, (*path, str(key))) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, (*path, str(i))) for i, value in enumerate(node))
    return None
