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

`measure` computes them as plain columns (`Measures`: numpy arrays, lists), without
pandas: a worker process forked before the program loads pandas sends them back as
they are, and the program makes the tables (`Measures.frames`, the same for every
caller); `analyse` does both at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.analysis.metrics import counts, people, staffing, tasks
from simulator.analysis.metrics.context import Context, Metric, Part
from simulator.analysis.metrics.intervals import interval_areas, level_peak
from simulator.analysis.metrics.staffing import caseload_by_worker
from simulator.engine.calendar import WorkCalendar
from simulator.engine.records import RunRecord

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "METRICS",
    "PARTS",
    "SUMMARY_METRICS",
    "TIMESERIES_METRICS",
    "WEEKLY_SHARES",
    "Measures",
    "Metric",
    "RunStats",
    "analyse",
    "caseload_by_worker",
    "interval_areas",
    "level_peak",
    "measure",
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


def is_share(name: str) -> bool:
    """Whether the summary metric `name` is a share (0 to 1): its intervals stay inside it,
    and figures draw it in per cent."""
    return name in METRICS and METRICS[name].unit == "share"


TIMESERIES_METRICS: dict[str, str] = {
    name: description for part in PARTS for name, description in part.timeseries.items()
}
# the weekly series that are shares (0 to 1): their intervals stay inside [0, 1]. Utilisation
# is one with overtime too: hours worked and hours available are both counted inside the
# casework windows (`staffing.utilisation`), so overtime after closing counts in neither
WEEKLY_SHARES = frozenset(
    {"statutory_on_time_share", "stress_share_above", "traumatised_open_share",
     "health_exam_within_limit_share", "utilisation"}
)  # fmt: skip


@dataclass
class RunStats:
    """What one replication showed: summary values, the weekly series, per-task-type figures."""

    summary: dict[str, float]
    weekly: pd.DataFrame  # date, metric, value
    by_task: pd.DataFrame  # task, statutory, created, completed, dropped, wait, on-time
    counts: pd.DataFrame  # period (month "YYYY-MM", or "window"), metric, value


@dataclass
class Measures:
    """What one replication showed, as plain columns: the summary values, the weekly
    series (one array of values per series, a value per week from `week_starts`), the
    per-task-type rows and the counts by period (one array per count, a value per
    `periods` label)."""

    summary: dict[str, float]
    week_starts: list[dt.date]  # each week's first day
    weekly: dict[str, np.ndarray]
    by_task: list[dict[str, Any]]
    periods: list[str]
    counts: dict[str, np.ndarray]

    def frames(self) -> RunStats:
        """The tables: the weekly series as one long table (date, metric, value), the
        per-task-type table, and the counts as a long table (period, metric, value)."""
        import pandas as pd

        weeks = len(self.week_starts)
        weekly = pd.DataFrame(
            {
                "date": np.tile(pd.to_datetime(self.week_starts).values, len(self.weekly)),
                "metric": np.repeat(list(self.weekly), weeks),
                "value": np.concatenate(list(self.weekly.values())),
            }
        )
        counts = pd.DataFrame(
            {
                "period": np.tile(np.asarray(self.periods, dtype=object), len(self.counts)),
                "metric": np.repeat(np.asarray(list(self.counts), dtype=object), len(self.periods)),
                "value": np.concatenate(list(self.counts.values())).astype(float),
            }
        ).astype({"period": "str", "metric": "str"})
        return RunStats(self.summary, weekly, pd.DataFrame(self.by_task), counts)


def measure(record: RunRecord, calendar: WorkCalendar) -> Measures:
    """Compute the summary, the weekly time series, the per-task-type rows and the counts
    of a run, without pandas."""
    run = Context.of(record, calendar)
    summary: dict[str, float] = {}
    weekly: dict[str, np.ndarray] = {}
    for part in PARTS:
        measured = part(run)
        summary.update(measured.summary)
        weekly.update(measured.weekly)
    start = run.calendar.start
    dates = [start + dt.timedelta(days=float(e)) for e in run.edges[:-1]]
    periods, by_period = counts.counts(run)
    return Measures(
        summary=summary,
        week_starts=dates,
        weekly=weekly,
        by_task=tasks.by_task_type(run),
        periods=periods,
        counts=by_period,
    )


def analyse(record: RunRecord, calendar: WorkCalendar) -> RunStats:
    """Compute the summary, the weekly time series and the per-task-type table of a run."""
    return measure(record, calendar).frames()
