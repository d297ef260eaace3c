"""Whether a run shows an office at its wall (no steady state), judged from its results.

A page says "no steady state" beside a run's numbers when the run shows the office
falling behind, so that a trainer never reads a growing backlog's numbers as the
office's level. Queueing theory's bookkeeping says when: the work that falls due (and
is not dropped) is the work done plus the growth of the backlog, so the office's load is

    load = utilisation + backlog growth a week / capacity a week,

and an office is at its wall when that load reaches `AT_WALL`. Without growth this is
the utilisation test alone (a finite run's measured utilisation never reads above
100 %, so an office past its capacity reads about 100 %); the growth term catches an
office that falls behind while its caseworkers are not all busy all the time: near the
wall, where a finite run's utilisation reads a little below it, and wherever work waits
in one caseworker's queue while a colleague has none (with triage on, before the
replacement's rebalance was fixed on 2 December 2026, the baseline with 2 caseworkers
at 10 refugees a month read 94-97 % utilisation while its backlog grew week by week:
tests/test_app_wall.py). A backlog that rises while the caseworkers have hours to spare
is its level following the work, not an office past its capacity: its load stays far
below the wall.

The app holds no model logic: this reads the results a run returned (its weekly backlog
and caseworkers at work, its tasks by type, its summary, the scenario it ran) and
nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

import simulator as cl

if TYPE_CHECKING:
    from simulator import Results

# load from which an office is at (or past) its wall: the work that falls due is more
# than the caseworkers can do, the queue grows through the run, and a longer run would
# show longer waits (a finite run's utilisation never reads above 100 %, so the
# utilisation alone says it from here)
AT_WALL = 0.98

# Clarity: a stable queue fluctuates around a level, and a line through T weeks of it
# rises or falls by chance. For fluctuations of standard deviation s that forget
# themselves in tau weeks, the fitted rise over the period has a standard error of about
# s * sqrt(24 tau / T) (the least-squares slope's sqrt(12 / T^3) s, widened by
# sqrt(2 tau) for correlated weeks, times T). The backlog of an office below its wall
# forgets within weeks (tasks wait days to weeks), so tau / T <= 0.1 over the 78 weeks
# of the shortest measured period the pages run (1.5 years), and the chance rise's
# standard error is at most about 1.55 s. The backlog's growth counts in the load only when its
# rise over the measured period is `CLEAR` times its spread about the line or more,
# about twice that: no chance fluctuation (the spread about a fitted line reads a little
# below s; tests/test_app_wall.py holds such series' clear rises to 1 in 10 at
# tau / T = 0.1). A queue past capacity rises by (load - 1) x capacity x T, far more than
# it wanders about its line.
CLEAR = 3.0
# measured weeks from which a trend is judged at all: a quarter (with fewer, the load is
# the utilisation alone)
MIN_WEEKS = 13


@dataclass(frozen=True)
class Reading:
    """What a run shows about its office's steady state, from its results.

    `utilisation`: measured utilisation (mean over replications); `weeks`: measured weeks
    with a backlog value; `growth`: the backlog's fitted growth, hours a week (mean over
    replications); `spread`: the
    weekly backlog's standard deviation about its fitted line, hours; `capacity`: the
    casework hours a week of the caseworkers at work (the unit of triage's "weeks of
    work waiting"); `dropped` and `optional`: optional tasks created in the measured
    period and dropped by triage, and all of them (a replication's mean); `years`: the
    measured years."""

    utilisation: float
    weeks: int
    growth: float
    spread: float
    capacity: float
    dropped: float
    optional: float
    years: float

    @property
    def rise(self) -> float:
        """The backlog's fitted growth over the measured weeks, hours."""
        return self.growth * max(self.weeks - 1, 0)

    @property
    def clear(self) -> bool:
        """Whether the backlog grows through the measured period, clear of the
        fluctuations of a stable queue (`CLEAR`; `MIN_WEEKS` at least)."""
        if self.weeks < MIN_WEEKS or not self.rise > 0:  # NaN: nothing to judge from
            return False
        return self.rise >= CLEAR * self.spread

    @property
    def load(self) -> float:
        """The office's load as the run shows it: utilisation, plus the backlog's growth
        over the capacity where it grows clearly (else the utilisation alone)."""
        if self.clear and self.capacity > 0:
            return self.utilisation + self.growth / self.capacity
        return self.utilisation

    @property
    def full(self) -> bool:
        """Whether the measured utilisation alone reads at or past the wall."""
        return self.utilisation >= AT_WALL

    @property
    def at_wall(self) -> bool:
        """Whether the run shows no steady state: a load of `AT_WALL` or more."""
        return self.load >= AT_WALL

    @property
    def falling_behind(self) -> bool:
        """At the wall by the backlog's growth, where utilisation alone does not say it."""
        return self.at_wall and not self.full

    @property
    def dropped_share(self) -> float:
        """The share of the optional tasks that triage dropped (NaN: none created)."""
        return self.dropped / self.optional if self.optional > 0 else math.nan


def trend(values: np.ndarray) -> tuple[float, float]:
    """The least-squares slope of `values` (one a week, in order) per week, and their
    standard deviation about that line."""
    weeks = np.arange(len(values), dtype=float)
    slope, intercept = np.polyfit(weeks, values, 1)
    residual = values - (intercept + slope * weeks)
    return float(slope), float(np.sqrt(np.mean(residual**2)))


def measured(results: Results, metric: str) -> np.ndarray:
    """The weekly `metric` (mean over replications) in the weeks that start in the
    measured period (from the end of the warm-up; without a warm-up, all), in order."""
    sim = results.scenario.simulation
    bands = cl.weekly_bands(results, metric)
    start = np.datetime64(sim.warmup_end or sim.start_date)
    values = bands.loc[bands["date"] >= start, "mean"].to_numpy(dtype=float)
    return values[~np.isnan(values)]


def read(results: Results) -> Reading:
    """What `results` show about the office's steady state (`Reading`): its measured
    utilisation, its weekly backlog's trend over the measured period, its capacity (the
    caseworkers at work each week, times one caseworker's casework hours a week in the
    scenario) and what triage dropped."""
    sim = results.scenario.simulation
    summary = results.summary.set_index("metric")["mean"]
    backlog = measured(results, "backlog_hours")
    growth, spread = trend(backlog) if len(backlog) >= 2 else (math.nan, math.nan)
    present = measured(results, "caseworkers_present")
    week_hours = results.scenario.caseworkers.casework_hours_per_day * 5
    optional = results.by_task[~results.by_task["statutory"].astype(bool)]
    replications = max(1, results.replications)
    return Reading(
        utilisation=float(summary.get("utilisation_mean", math.nan)),
        weeks=len(backlog),
        growth=growth,
        spread=spread,
        capacity=float(present.mean()) * week_hours if len(present) else math.nan,
        dropped=float(optional["triaged"].sum()) / replications,
        optional=float(optional["created"].sum()) / replications,
        years=sim.duration_years - sim.warmup_years,
    )
