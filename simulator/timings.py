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

Beside the phases, a process notes spans: wall time that overlaps them, such as
"replications", from the first replication sent to worker processes to the last one back,
while this process did phases of its own (loading pandas, making tables), and
"simulating", the wall time during which some replication's event loop ran, in this
process or on any worker (`covered`). A phase is what this process spent; a span is what
the user waited for.

Set CASELOAD_TIMINGS=1 and the command line prints them to stderr at exit, as a line
``caseload timings: {...}`` of JSON and, where there are spans, a line ``caseload spans:
{...}`` (benchmarks/bench_answer.py reads them). Timing costs two clock reads per phase,
so it is always on.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

ENV = "CASELOAD_TIMINGS"
PREFIX = "caseload timings: "
SPANS_PREFIX = "caseload spans: "

_totals: dict[str, float] = {}
_stack: list[str] = []  # the phases entered, innermost last
_since = [0.0]  # when the innermost phase last started or resumed
_spans: dict[str, float] = {}


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


def span(name: str, seconds: float) -> None:
    """Note `seconds` of wall time as span `name` (added to what it has so far), apart
    from the phases: a span may overlap them."""
    _spans[name] = _spans.get(name, 0.0) + seconds


def covered(intervals: list[tuple[float, float]]) -> float:
    """Seconds of wall time inside at least one of `intervals` ((start, end) by
    `time.perf_counter()`, which every process of a machine shares): e.g. the wall time
    during which some worker simulated."""
    total, reached = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reached:
            total += end - max(start, reached)
            reached = end
    return total


def spans() -> dict[str, float]:
    """Seconds per span so far in this process."""
    return dict(_spans)


def reset() -> None:
    """Forget the phases and spans timed so far (e.g. in a worker before each replication)."""
    _totals.clear()
    _spans.clear()


def enabled() -> bool:
    """Whether the command line should print the phases (CASELOAD_TIMINGS is set)."""
    return bool(os.environ.get(ENV))


def report() -> str:
    """For stderr: the prefix and the phases as JSON (seconds, rounded to 0.1 ms), and on a
    second line the spans, where there are any."""
    lines = [PREFIX + _json(_totals)]
    if _spans:
        lines.append(SPANS_PREFIX + _json(_spans))
    return "\n".join(lines)


def _json(seconds: dict[str, float]) -> str:
    return json.dumps({name: round(value, 4) for name, value in seconds.items()})


def _switch() -> None:
    """Credit the time since the last switch to the innermost open phase."""
    now = time.perf_counter()
    if _stack:
        _credit(_stack[-1], now - _since[0])
    _since[0] = now


def _credit(name: str, seconds: float) -> None:
    _totals[name] = _totals.get(name, 0.0) + seconds
