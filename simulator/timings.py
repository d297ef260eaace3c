"""Where a command's time goes: named phases, timed cheaply, printed when asked.

    with timings.phase("simulation"):
        ...

Each phase counts its own time only: a phase entered inside another pauses the outer
one, so the phases of a process never overlap and add up to at most its wall time. The
phases are "import" (modules loaded when a command first needs them), "scenario"
(reading and validating it), "simulation" (the event loop), "statistics" (records to
numbers), "tables" (gathering and writing them), "figures" and "summary" (the key
figures the console prints). Replications run in
other processes report their phases with their results (`add`).

Set CASELOAD_TIMINGS=1 and the command line prints them to stderr at exit, as one line
``caseload timings: {...}`` of JSON (benchmarks/bench_answer.py reads it). Timing costs
two clock reads per phase, so it is always on.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

ENV = "CASELOAD_TIMINGS"
PREFIX = "caseload timings: "

_totals: dict[str, float] = {}
_stack: list[str] = []  # the phases entered, innermost last
_since = [0.0]  # when the innermost phase last started or resumed


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the block as phase `name` (the enclosing phase is paused meanwhile)."""
    _switch()
    _stack.append(name)
    try:
        yield
    finally:
        _switch()
        _stack.pop()


def add(seconds: Mapping[str, float]) -> None:
    """Add phase times measured elsewhere (e.g. in a worker process)."""
    for name, value in seconds.items():
        _credit(name, value)


def totals() -> dict[str, float]:
    """Seconds per phase so far in this process."""
    return dict(_totals)


def reset() -> None:
    """Forget the phases timed so far (e.g. in a worker before each replication)."""
    _totals.clear()


def enabled() -> bool:
    """Whether the command line should print the phases (CASELOAD_TIMINGS is set)."""
    return bool(os.environ.get(ENV))


def report() -> str:
    """One line for stderr: the prefix and the phases as JSON (seconds, rounded to 0.1 ms)."""
    return PREFIX + json.dumps({name: round(value, 4) for name, value in _totals.items()})


def _switch() -> None:
    """Credit the time since the last switch to the innermost open phase."""
    now = time.perf_counter()
    if _stack:
        _credit(_stack[-1], now - _since[0])
    _since[0] = now


def _credit(name: str, seconds: float) -> None:
    _totals[name] = _totals.get(name, 0.0) + seconds
