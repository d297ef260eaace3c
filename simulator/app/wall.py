"""Whether a run shows an office at its wall (no steady state), judged from its results.

A page says "no steady state" beside a run's numbers when the run shows the office
falling behind, so that a trainer never reads a growing backlog's numbers as the
office's level. Two things in the results show it, and either is enough:

- the caseworkers' measured utilisation is `AT_WALL` or more (a finite run's measured
  utilisation never reads above 100 %, so an office past its capacity reads about 100 %);
- the backlog (hours of work waiting to be started) grows through the measured period
  (`grows`). Utilisation alone misses an office that falls behind while its caseworkers
  are not all busy all the time: with triage on, an office past its capacity measured
  94-96 % utilisation while its backlog grew week by week.

The app holds no model logic: this reads the results a run returned (its weekly backlog,
its tasks by type, its summary) and nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

import simulator as cl

if TYPE_CHECKING:
    from simulator import Results

# measured utilisation from which an office is at (or past) its wall: the work that
# falls due is more than the caseworkers can do, the queue grows through the run, and a
# longer run would show longer waits (a finite run's utilisation never reads above 100 %)
AT_WALL = 0.98

# The backlog grows through the measured period when the least-squares line through its
# weekly values (the mean over replications) meets both tests below. They were fixed
# from theory before any run was looked at:
#
# Size. A queue past capacity grows roughly linearly, by (load - 1) x capacity a week:
# the work kept (not dropped) that falls due, less the work done. The line's slope over
# the hours the caseworkers worked a week estimates load - 1; from `GROWTH` on, more
# work falls due than they do by the same margin `AT_WALL` leaves below 100 %. A stable
# queue's level may drift slowly (the rules by date change the work), but not by 2 % of
# the office's week every week.
GROWTH = 1.0 - AT_WALL
# Clarity. A stable queue fluctuates around a level, and a line through T weeks of it
# rises or falls by chance: for fluctuations of standard deviation s that forget
# themselves in tau weeks, the fitted rise over the period has a standard error of about
# s * sqrt(24 tau / T) (the least-squares slope's sqrt(12 / T^3) s, widened by
# sqrt(2 tau) for correlated weeks, times T). The backlog of an office below its wall
# forgets within weeks (tasks wait days to weeks), so tau / T <= 0.1 over the 78 weeks
# of the shortest measured period the pages run (1.5 years), and the chance rise's
# standard error is at most 1.55 s. A rise of `CLEAR` times the spread about the line,
# about twice that, is no chance fluctuation (and the size test must hold as well); a
# queue past capacity rises by (load - 1) x capacity x T, far more than it wanders.
CLEAR = 3.0
# measured weeks from which a trend is judged at all: a quarter (with fewer, the page
# relies on utilisation alone)
MIN_WEEKS = 13


@dataclass(frozen=True)
class Reading:
    """What a run shows about its office's steady state, from its results.

    `utilisation`: measured utilisation (mean over replications); `weeks`: measured weeks
    with a backlog value; `growth`: the backlog's fitted growth, hours a week; `rise`:
    that growth over the measured weeks, hours; `spread`: the weekly backlog's standard
    deviation about its fitted line, hours; `worked`: hours the caseworkers worked a week
    on the tasks created in the measured period (a replication's mean); `dropped` and
    `optional`: optional tasks created in the measured period and dropped by triage, and
    all of them (a replication's mean); `years`: the measured years."""

    utilisation: float
    weeks: int
    growth: float
    rise: float
    spread: float
    worked: float
    dropped: float
    optional: float
    years: float

    @property
    def full(self) -> bool:
        """Whether the measured utilisation reads at or past the wall."""
        return self.utilisation >= AT_WALL

    @property
    def excess(self) -> float:
        """The backlog's growth over the hours worked a week: an estimate of load - 1 (the
        share more work falling due than the caseworkers do; NaN where none was done)."""
        if self.worked > 0:
            return self.growth / self.worked
        return math.inf if self.growth > 0 else math.nan

    @property
    def growing(self) -> bool:
        """Whether the backlog grows through the measured period (`grows`)."""
        return grows(self.weeks, self.rise, self.spread, self.excess)

    @property
    def at_wall(self) -> bool:
        """Whether the run shows no steady state: at the wall by utilisation, or a backlog
        growing through the measured period."""
        return self.full or self.growing

    @property
    def dropped_share(self) -> float:
        """The share of the optional tasks that triage dropped (NaN: none created)."""
        return self.dropped / self.optional if self.optional > 0 else math.nan


def grows(weeks: int, rise: float, spread: float, excess: float) -> bool:
    """Whether a backlog whose fitted line rises by `rise` over `weeks` measured weeks,
    with weekly values `spread` about the line and a growth of `excess` times the hours
    worked a week, grows through the measured period: enough weeks to judge
    (`MIN_WEEKS`), a growth of `GROWTH` or more, and a rise of `CLEAR` spreads or more
    (a flat line with no spread rises by nothing, and does not grow)."""
    if weeks < MIN_WEEKS or not excess >= GROWTH:  # NaN: nothing to judge from
        return False
    return rise > 0 and rise >= CLEAR * spread


def trend(values: np.ndarray) -> tuple[float, float]:
    """The least-squares slope of `values` (one a week, in order) per week, and their
    standard deviation about that line."""
    weeks = np.arange(len(values), dtype=float)
    slope, intercept = np.polyfit(weeks, values, 1)
    residual = values - (intercept + slope * weeks)
    return float(slope), float(np.sqrt(np.mean(residual**2)))


def read(results: Results) -> Reading:
    """What `results` show about the office's steady state (`Reading`): its measured
    utilisation, its weekly backlog's trend over the measured period, the hours worked
    and what triage dropped. Weeks are those starting in the measured period (from the
    end of the warm-up; without a warm-up, all)."""
    sim = results.scenario.simulation
    summary = results.summary.set_index("metric")["mean"]
    bands = cl.weekly_bands(results, "backlog_hours")
    start = sim.warmup_end or sim.start_date
    measured = bands[bands["date"] >= np.datetime64(start)]
    values = measured["mean"].to_numpy(dtype=float)
    values = values[~np.isnan(values)]
    growth, spread = trend(values) if len(values) >= 2 else (math.nan, math.nan)
    by_task = results.by_task
    replications = max(1, results.replications)
    done_hours = (by_task["completed"] * by_task["hours_mean"].fillna(0.0)).sum()
    optional = by_task[~by_task["statutory"].astype(bool)]
    days = sim.duration_days - sim.warmup_days
    return Reading(
        utilisation=float(summary.get("utilisation_mean", math.nan)),
        weeks=len(values),
        growth=growth,
        rise=growth * max(len(values) - 1, 0),
        spread=spread,
        worked=float(done_hours) / replications / (days / 7.0) if days > 0 else math.nan,
        dropped=float(optional["triaged"].sum()) / replications,
        optional=float(optional["created"].sum()) / replications,
        years=sim.duration_years - sim.warmup_years,
    )
