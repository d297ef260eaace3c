"""What every concern's part of the analysis shares: the run's context, and how a part
declares the metrics it computes.

A part is a function from the `Context` of one run to the values it `Measured`, turned into
a `Part` by `@measures(...)` written right above it: the summary metrics (name, unit,
description) and the weekly series (name, description) it computes. The package lists the
parts in a fixed order, which is the order of the rows of `summary.csv` and of the weekly
table; a test checks that each part returns exactly the names it declares, so a metric
cannot be declared without being computed, or computed without being declared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from simulator.analysis.metrics.intervals import areas_over
from simulator.engine.calendar import WorkCalendar
from simulator.engine.records import RunRecord

WEEK = 7.0


@dataclass(frozen=True)
class Metric:
    """A summary metric as `summary.csv` describes it: name, unit, one-line description."""

    name: str
    unit: str
    description: str


@dataclass(frozen=True)
class Measured:
    """What one part computed: summary values over the measurement window, weekly series."""

    summary: dict[str, float]
    weekly: dict[str, np.ndarray]


@dataclass(frozen=True)
class Part:
    """One concern's share of the analysis: the metrics it declares and how it computes them."""

    name: str
    summary: tuple[Metric, ...]
    timeseries: Mapping[str, str]  # weekly series name -> description
    compute: Callable[[Context], Measured]

    def __call__(self, run: Context) -> Measured:
        return self.compute(run)


def measures(
    summary: Iterable[Metric] = (), timeseries: Mapping[str, str] | None = None
) -> Callable[[Callable[[Context], Measured]], Part]:
    """Declare, above the function that computes them, the summary metrics and weekly series
    of one part; the function becomes that `Part`, named after it."""

    def declare(compute: Callable[[Context], Measured]) -> Part:
        return Part(compute.__name__, tuple(summary), dict(timeseries or {}), compute)

    return declare


@dataclass(frozen=True)
class Context:
    """One run as every part sees it, computed once: the weekly bins over the whole run, the
    measurement window (from the end of the warm-up to the end of the run), and the two
    levels several concerns divide by: open cases and caseworkers on the staff."""

    record: RunRecord
    calendar: WorkCalendar
    edges: np.ndarray  # weekly bin edges from 0 to the end of the run (the last week short)
    window: np.ndarray  # [end of the warm-up, end of the run]
    staff: tuple[np.ndarray, np.ndarray, np.ndarray]  # staffing as (start, end, caseworkers)
    staff_w: np.ndarray  # caseworker-days on the staff, per week
    staff_total: float  # and in the window
    closed: np.ndarray  # when each case closed, or the end of the run if it is open
    open_w: np.ndarray  # open case-days, per week
    open_total: float  # and in the window

    @classmethod
    def of(cls, record: RunRecord, calendar: WorkCalendar) -> Context:
        """The context of the run `record`, on its working calendar."""
        end = record.end
        edges = np.append(np.arange(0.0, end, WEEK), end)
        window = np.array([record.warmup, end])
        staff = _staff_level(record.staff_changes, end)
        staff_w, staff_total = _both(edges, window, *staff)
        closed = np.where(np.isnan(record.cases["closed"]), end, record.cases["closed"])
        open_w, open_total = _both(edges, window, record.cases["opened"], closed)
        return cls(record, calendar, edges, window, staff, staff_w, staff_total,
                   closed, open_w, open_total)  # fmt: skip

    @property
    def end(self) -> float:
        """The end of the run, in days from its start."""
        return self.record.end

    @property
    def w0(self) -> float:
        """The end of the warm-up: the start of the measurement window."""
        return self.record.warmup

    @property
    def span(self) -> float:
        """The length of the measurement window, in days."""
        return self.record.end - self.record.warmup

    @property
    def width(self) -> np.ndarray:
        """The length of each week, in days (the last one cut short by the end of the run)."""
        return np.diff(self.edges)

    @property
    def n_weeks(self) -> int:
        return len(self.edges) - 1

    @property
    def weeks_in_window(self) -> np.ndarray:
        """Whether each week starts in the measurement window."""
        return self.edges[:-1] >= self.w0

    def both(
        self, starts: np.ndarray, ends: np.ndarray, weights: np.ndarray | None = None
    ) -> tuple[np.ndarray, float]:
        """The integral of a level of intervals per week, and over the measurement window."""
        return _both(self.edges, self.window, starts, ends, weights)

    def week_of(self, t: np.ndarray) -> np.ndarray:
        """The week each time in `t` falls in (times past the last edge: the last week)."""
        return np.clip(np.searchsorted(self.edges, t, side="right") - 1, 0, self.n_weeks - 1)

    def per_week(self, t: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """How many of the times `t` (those in `mask`) fall in each week; NaN times, times
        before the start (cases and tasks open at the start, `initial_state`) and times
        from the end of the run on are not counted."""
        t = t if mask is None else t[mask]
        t = t[(t >= self.edges[0]) & (t < self.end)]  # NaN compares False
        return np.bincount(self.week_of(t), minlength=self.n_weeks).astype(float)


def _both(
    edges: np.ndarray,
    window: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    weekly, whole = areas_over(starts, ends, (edges, window), weights)
    return weekly, whole[0]


def _staff_level(
    changes: list[tuple[float, int]], end: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Staffing as intervals (start, end, count) for `interval_areas`."""
    times = [t for t, _ in changes] + [end]
    counts = [n for _, n in changes]
    return np.array(times[:-1]), np.array(times[1:]), np.array(counts, float)
