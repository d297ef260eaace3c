"""What a staffing plan must achieve, over which periods, and how one run is measured.

A plan sets the caseworker posts of each planning period (calendar quarters or months).
A period **meets the targets** in one replication when

- its caseload per caseworker is at most `caseload_limit`, and
- at least `on_time` of the statutory tasks falling due in it were done by their deadline
  (a period in which none falls due misses nothing).

The caseload is one of three measures (`Targets.caseload`):

- ``average``: open cases over caseworkers on the staff (posts filled, at work or away),
  both time-weighted over the period: the simulator's `caseload_per_worker`;
- ``peak_week``: the same per week, the period's highest week;
- ``each``: every caseworker's own time-weighted caseload over the time they were on the
  staff in the period, the most loaded one (fixed assignment only).

A target is then met either **with probability** (`meet = "probability"`): the period
meets both targets in at least a share `confidence` of replications, or **on average**
(`meet = "mean"`): the expected caseload is at most the limit and the expected on-time
share at least the target.

`measure_periods` is the measure function the planner's runs use
(`simulator.experiments.work.Chunk.measure`): it runs one replication and returns these
figures per period, computed from the run's records with the analysis layer's exact
integrals. It sets no input and changes nothing in the model.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from simulator.analysis.metrics import interval_areas
from simulator.analysis.standards import CASELOAD_LIMIT, CONFIDENCE, ON_TIME
from simulator.engine.model import Municipality
from simulator.engine.records import DROPPED, HIRED, RunRecord
from simulator.scenario import Scenario
from simulator.scenario.bounds import LAST_DATE

Measure = Literal["average", "peak_week", "each"]
Meet = Literal["probability", "mean"]
PeriodStep = Literal["quarter", "month"]
MEASURES: tuple[Measure, ...] = ("average", "peak_week", "each")
MEETS: tuple[Meet, ...] = ("probability", "mean")
STEPS: tuple[PeriodStep, ...] = ("quarter", "month")
FIELDS = ("open", "open_new", "staff", "caseload", "peak_week", "each", "due", "on_time",
          "hires", "backlog_hours", "opened", "task_hours")  # fmt: skip
WEEK = 7.0
MIN_PERIOD_DAYS = 14  # a last period shorter than this is part of the one before it


@dataclass(frozen=True)
class Targets:
    """The targets a plan must meet in every period, and how (module docstring)."""

    caseload_limit: float = CASELOAD_LIMIT
    on_time: float = ON_TIME
    confidence: float = CONFIDENCE
    caseload: Measure = "average"
    meet: Meet = "probability"

    def __post_init__(self) -> None:
        if not self.caseload_limit > 0:
            raise ValueError(f"the caseload limit must be positive (got {self.caseload_limit})")
        if not 0 <= self.on_time <= 1:
            raise ValueError(f"the on-time target is a share from 0 to 1 (got {self.on_time})")
        if not 0.5 <= self.confidence < 1:
            raise ValueError(
                f"the confidence is a probability from 0.5 to below 1 (got {self.confidence})"
            )
        if self.caseload not in MEASURES:
            raise ValueError(f"the caseload measure is one of {MEASURES}, not {self.caseload!r}")
        if self.meet not in MEETS:
            raise ValueError(f"meet is one of {MEETS}, not {self.meet!r}")

    def definitions(self, step: str = "quarter") -> list[str]:
        """The definitions in words, as the page states them."""
        caseload = {
            "average": "open cases divided by the caseworkers on the staff (posts filled, "
            "at work or away), both averaged over the " + step,
            "peak_week": "open cases divided by the caseworkers on the staff in each week, "
            "the highest week of the " + step,
            "each": "each caseworker's own open cases averaged over the " + step + "; the "
            "most loaded caseworker counts",
        }[self.caseload]
        how = (
            f"in at least {self.confidence:.0%} of simulated futures (a probability, not an "
            "average)"
            if self.meet == "probability"
            else f"on average over simulated futures (the expected values; confidence "
            f"{self.confidence:.0%} that the averages meet them)"
        )
        return [
            f"Caseload per caseworker: {caseload}; at most {self.caseload_limit:g}.",
            f"On time: of the statutory tasks falling due in the {step}, the share done by "
            f"their deadline; at least {self.on_time:.0%}.",
            f"Each {step} must meet both targets {how}.",
        ]


@dataclass(frozen=True)
class Periods:
    """The planning periods: `dates[k]` is period k's first day, `end` the day after the last."""

    start: dt.date  # the scenario's first day: times are days since it
    dates: tuple[dt.date, ...]
    end: dt.date
    step: PeriodStep

    @property
    def n(self) -> int:
        return len(self.dates)

    @property
    def bounds(self) -> np.ndarray:
        """Period boundaries in days since the scenario's start (n + 1 values)."""
        return np.array([(d - self.start).days for d in (*self.dates, self.end)], dtype=float)

    @property
    def labels(self) -> list[str]:
        """ "2015 Q1" or "2015-01" per period."""
        if self.step == "quarter":
            return [f"{d.year} Q{(d.month - 1) // 3 + 1}" for d in self.dates]
        return [f"{d:%Y-%m}" for d in self.dates]


def planning_periods(
    scenario: Scenario,
    start: dt.date | None = None,
    until: dt.date | None = None,
    step: PeriodStep = "quarter",
) -> Periods:
    """The periods from `start` (default: the end of the scenario's warm-up, or its start)
    to `until` (default: the end of the scenario): the first begins on `start`, the others
    on calendar quarters (or months); the last ends on `until` (a scrap of fewer than
    `MIN_PERIOD_DAYS` days at the end is added to the period before it)."""
    if step not in STEPS:
        raise ValueError(f"step is one of {STEPS}, not {step!r}")
    sim = scenario.simulation
    first = start or sim.warmup_end or sim.start_date
    last = until or sim.start_date + dt.timedelta(days=round(sim.duration_days))
    if first < sim.start_date:
        raise ValueError(f"--from {first} is before the scenario starts ({sim.start_date})")
    if last <= first:
        raise ValueError(f"--until {last} must come after --from {first}")
    if last > LAST_DATE:
        raise ValueError(
            f"--until {last} is after {LAST_DATE}, the last date the result tables can hold"
        )
    dates = [first]
    month = dt.date(first.year, first.month, 1)
    while True:
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if (last - month).days < MIN_PERIOD_DAYS:  # a scrap at the end joins the period before
            break
        if step == "month" or month.month in (1, 4, 7, 10):
            dates.append(month)
    return Periods(sim.start_date, tuple(dates), last, step)


# --------------------------------------------------------------------------- one run


def measure_periods(
    scenario: Scenario, replication: int, seed: int, *, bounds: Sequence[float]
) -> dict[str, Any]:
    """Run one replication of `scenario` and measure each period in `bounds` (days since
    the start): a list per field of `period_stats`, the events and the CPU seconds the
    replication took. Module-level, so that it pickles."""
    cpu = time.process_time()
    record = Municipality(scenario, replication=replication, seed=seed).run()
    stats = period_stats(record, np.asarray(bounds, dtype=float))
    out: dict[str, Any] = {name: values.tolist() for name, values in stats.items()}
    out["events"] = record.events
    out["cpu_seconds"] = time.process_time() - cpu
    return out


def period_stats(record: RunRecord, bounds: np.ndarray) -> dict[str, np.ndarray]:
    """Per period [bounds[k], bounds[k + 1]) of one run:

    - ``open``, ``staff``: mean open cases and caseworkers on the staff; ``open_new``: of
      the open cases, those opened from the first period on;
    - ``caseload``, ``peak_week``, ``each``: the three caseload measures (`Targets`);
    - ``due``, ``on_time``: statutory tasks falling due (those that lapsed before their
      deadline, their case having closed, not counted) and those done by the deadline;
    - ``hires``: caseworkers who started (the plan's and replacements);
    - ``backlog_hours``: hours of work waiting to be started, time-weighted mean;
    - ``opened``, ``task_hours``: cases opened, and hours of the tasks created.
    """
    end = record.end
    b = np.minimum(bounds, end)
    length = np.diff(b)
    cases = record.cases
    closed = np.where(np.isnan(cases["closed"]), end, cases["closed"])
    open_area = interval_areas(cases["opened"], closed, b)
    new = cases["opened"] >= b[0]
    s0, s1, level = _staff_intervals(record.staff_changes, end)
    staff_area = interval_areas(s0, s1, b, level)
    t = record.tasks
    statutory = np.asarray(record.task_statutory, bool)[t["type"]]
    lapsed = (t["state"] == DROPPED) & (t["dropped"] <= t["due"])
    counted = statutory & ~lapsed & (t["due"] <= end)
    on_time = counted & (t["finished"] <= t["due"])
    waited = np.where(~np.isnan(t["started"]), t["started"],
                      np.where(~np.isnan(t["dropped"]), t["dropped"], end))  # fmt: skip
    events = record.workforce.get("events", {})
    hired = events["day"][events["kind"] == HIRED].astype(float) if events else np.zeros(0)
    return {
        "open": _ratio(open_area, length),
        "open_new": _ratio(interval_areas(cases["opened"][new], closed[new], b), length),
        "staff": _ratio(staff_area, length),
        "caseload": _ratio(open_area, staff_area),
        "peak_week": _peak_weeks(b, cases["opened"], closed, (s0, s1, level)),
        "each": _each_caseworker(record, b),
        "due": _count(t["due"][counted], b),
        "on_time": _count(t["due"][on_time], b),
        "hires": _count(hired[hired > 0], b),
        "backlog_hours": _ratio(interval_areas(t["created"], waited, b, t["hours"]), length),
        "opened": _count(cases["opened"], b),
        "task_hours": np.histogram(t["created"], bins=b, weights=t["hours"])[0],
    }


def _staff_intervals(
    changes: list[tuple[float, int]], end: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    times = [t for t, _ in changes] + [end]
    return np.array(times[:-1]), np.array(times[1:]), np.array([n for _, n in changes], float)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(len(num), np.nan)
    np.divide(num, den, out=out, where=np.asarray(den) > 0)
    return out


def _count(times: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many of `times` fall in each period [b[k], b[k + 1])."""
    counts = np.histogram(times, bins=b)[0].astype(float)
    counts[-1] -= float((times == b[-1]).sum())  # np.histogram closes its last bin
    return counts


def _peak_weeks(
    b: np.ndarray,
    opened: np.ndarray,
    closed: np.ndarray,
    staff: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """The highest weekly caseload in each period: weeks from the period's first day, a
    last part shorter than four days joined to the week before it."""
    out = np.full(len(b) - 1, np.nan)
    for k in range(len(b) - 1):
        edges = np.arange(b[k], b[k + 1], WEEK)
        edges = np.append(edges if b[k + 1] - edges[-1] >= 4 or len(edges) == 1 else edges[:-1],
                          b[k + 1])  # fmt: skip
        s0, s1, level = staff
        ratio = _ratio(interval_areas(opened, closed, edges), interval_areas(s0, s1, edges, level))
        if np.isfinite(ratio).any():
            out[k] = np.nanmax(ratio)
    return out


def _each_caseworker(record: RunRecord, b: np.ndarray) -> np.ndarray:
    """The most loaded caseworker's time-weighted caseload in each period, over the time
    they were on the staff in it (at least a week); NaN without fixed assignment."""
    a = record.assignments
    out = np.full(len(b) - 1, np.nan)
    if a["case"].size == 0:
        return out
    events = record.workforce["events"]
    hires = events["kind"] == HIRED
    started = dict(zip(events["worker"][hires].tolist(), events["day"][hires].tolist(),
                       strict=True))  # fmt: skip
    left = {int(w): float(t) for w, t in record.departures}
    for worker in np.unique(a["worker"]):
        w = int(worker)
        mine = a["worker"] == worker
        held = interval_areas(a["start"][mine], a["end"][mine], b)
        on_staff = interval_areas(np.array([float(started.get(w, 0))]),
                                  np.array([left.get(w, record.end)]), b)  # fmt: skip
        load = np.where(on_staff >= WEEK, held / np.maximum(on_staff, 1e-12), np.nan)
        out = np.fmax(out, load)
    return out
