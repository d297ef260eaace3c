"""Statistics of one run, computed from its records.

Each concern computes its own metrics in parts, each declaring its summary metrics and
weekly series right above the code that computes them:

- `tasks`: the work waiting (backlog, pending, overdue), waits, statutory deadlines met, the
  tasks created and finished, and the per-task-type table;
- `staffing`: caseload per caseworker, utilisation, presence, absence, stress, turnover,
  overtime, and the office's policies (triage, interpreting, the caseload cap);
- `people`: cases opened and closed, the traumatised share, family reunification, the GPs'
  health examination, self-support, months on benefit and the costs of benefit and staff;

over the shared `context` (weekly bins, the measurement window, open cases and staffing)
and the small monitor in `intervals`. `PARTS` puts the parts in the order of the rows of
`summary.csv` and of the weekly series; `SUMMARY_METRICS`, `METRICS` and
`TIMESERIES_METRICS` are assembled from their declarations.

Statistics cover the measurement window, from the end of the warm-up to the end of the run;
the weekly time series covers the whole run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.analysis.metrics import counts, people, staffing, tasks
from simulator.analysis.metrics.context import Context, Metric, Part
from simulator.analysis.metrics.intervals import interval_areas, level_peak
from simulator.analysis.metrics.staffing import caseload_by_worker
from simulator.engine.calendar import WorkCalendar
from simulator.engine.records import RunRecord

__all__ = [
    "METRICS",
    "PARTS",
    "SUMMARY_METRICS",
    "TIMESERIES_METRICS",
    "WEEKLY_SHARES",
    "Metric",
    "RunStats",
    "analyse",
    "caseload_by_worker",
    "interval_areas",
    "level_peak",
]

PARTS: tuple[Part, ...] = (
    staffing.caseload,
    tasks.work_waiting,
    staffing.utilisation,
    people.cases,
    tasks.task_flow,
    staffing.workforce,
    staffing.triage,
    staffing.interpreting,
    staffing.assignment,
    people.families_and_health,
    people.self_support_and_costs,
)

SUMMARY_METRICS: list[Metric] = [metric for part in PARTS for metric in part.summary]
METRICS: dict[str, Metric] = {m.name: m for m in SUMMARY_METRICS}
TIMESERIES_METRICS: dict[str, str] = {
    name: description for part in PARTS for name, description in part.timeseries.items()
}
# the weekly series that are shares (0 to 1): their intervals stay inside [0, 1]
# (utilisation is not: with overtime, the hours worked can exceed the casework hours)
WEEKLY_SHARES = frozenset(
    {"statutory_on_time_share", "stress_share_above", "traumatised_open_share",
     "health_exam_within_limit_share"}
)  # fmt: skip


@dataclass
class RunStats:
    """What one replication showed: summary values, the weekly series, per-task-type figures."""

    summary: dict[str, float]
    weekly: pd.DataFrame  # date, metric, value
    by_task: pd.DataFrame  # task, statutory, created, completed, dropped, wait, on-time
    counts: pd.DataFrame  # period (month "YYYY-MM", or "window"), metric, value


def analyse(record: RunRecord, calendar: WorkCalendar) -> RunStats:
    """Compute the summary, the weekly time series and the per-task-type table of a run."""
    run = Context.of(record, calendar)
    summary: dict[str, float] = {}
    weekly: dict[str, np.ndarray] = {}
    for part in PARTS:
        measured = part(run)
        summary.update(measured.summary)
        weekly.update(measured.weekly)
    return RunStats(summary, _long_table(run, weekly), tasks.by_task_type(run), counts.counts(run))


def _long_table(run: Context, weekly: dict[str, np.ndarray]) -> pd.DataFrame:
    """The weekly series as one long table: date (each week's start), metric, value."""
    start = run.calendar.start
    dates = [start + dt.timedelta(days=float(e)) for e in run.edges[:-1]]
    return pd.DataFrame(
        {
            "date": np.tile(pd.to_datetime(dates).values, len(weekly)),
            "metric": np.repeat(list(weekly), run.n_weeks),
            "value": np.concatenate(list(weekly.values())),
        }
    )
