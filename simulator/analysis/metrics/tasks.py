"""Tasks: the work waiting (backlog, pending and overdue tasks), how long it waited, the
statutory deadlines met, the tasks created and finished, and the per-task-type table.

A task waits from its creation until work on it starts, it lapses (its case closed or triage
dropped it) or the run ends. A task counts towards the share on time if it falls due by the
end of the run and did not lapse with its case before its deadline; statutory ("skal") and
optional ("kan") tasks are counted apart. An optional task dropped by triage or given up
unstarted is not done on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.analysis.metrics.context import Context, Measured, Metric, measures
from simulator.analysis.metrics.intervals import mean, nanmax, safe_ratio
from simulator.engine.records import (
    ABANDONED,
    DONE,
    DROPPED,
    IN_PROGRESS,
    PENDING,
    TRIAGED,
    RunRecord,
)


@dataclass(frozen=True)
class Deadlines:
    """Which tasks count towards a share on time, and which met their deadline."""

    counted: np.ndarray  # due by the end of the run, not lapsed with the case before it
    in_window: np.ndarray  # counted and due in the measurement window
    on_time: np.ndarray  # finished by the deadline (whether counted or not)
    statutory: np.ndarray  # a statutory ("skal") task; the others are optional ("kan")


def deadlines_of(record: RunRecord, w0: float, end: float) -> Deadlines:
    """The tasks of `record` that count towards a share on time in the window from `w0` to
    `end` (days of the run), and which met their deadline."""
    t = record.tasks
    statutory = np.asarray(record.task_statutory, bool)[t["type"]]
    lapsed_before_due = (t["state"] == DROPPED) & (t["dropped"] <= t["due"])
    counted = ~lapsed_before_due & (t["due"] <= end)
    on_time = t["finished"] <= t["due"]  # NaN compares False
    return Deadlines(counted, counted & (t["due"] >= w0), on_time, statutory)


def _deadlines(run: Context) -> Deadlines:
    return deadlines_of(run.record, run.w0, run.end)


def _share_on_time(deadlines: Deadlines, kind: np.ndarray) -> float:
    """Of the tasks of `kind` due in the window (and counted), the share done on time."""
    due = deadlines.in_window & kind
    return float(safe_ratio((due & deadlines.on_time).sum(), due.sum()))


def _started_in_window(run: Context) -> np.ndarray:
    """The tasks whose wait ended with work starting in the measurement window."""
    started = run.record.tasks["started"]
    return ~np.isnan(started) & (started >= run.w0)


@measures(
    summary=[
        Metric("backlog_hours_mean", "hours",
               "Hours of work waiting to be started, time-weighted mean"),
        Metric("backlog_hours_peak", "hours",
               "Highest weekly mean of the hours of work waiting to be started"),
        Metric("backlog_hours_per_worker_mean", "hours",
               "Backlog hours per caseworker, time-weighted mean"),
        Metric("pending_tasks_mean", "tasks", "Tasks waiting to be started, time-weighted mean"),
        Metric("overdue_tasks_mean", "tasks",
               "Tasks not yet started whose deadline has passed, time-weighted mean"),
        Metric("statutory_on_time_share", "share",
               "Statutory tasks due in the window that were finished by their deadline "
               "(tasks that lapsed before their deadline are not counted)"),
        Metric("optional_on_time_share", "share",
               "Optional ('kan') tasks due in the window that were finished by their "
               "deadline (those dropped by triage or given up count as not on time; those "
               "that lapsed with their case before it are not counted)"),
        Metric("task_wait_days_mean", "days",
               "Mean time from a task's creation to the start of work on it (tasks started "
               "in the window)"),
        Metric("task_wait_days_p90", "days", "90th percentile of the same waits"),
    ],
    timeseries={
        "pending_tasks": "tasks waiting to be started (mean over the week)",
        "backlog_hours": "hours of work waiting to be started (mean over the week)",
        "overdue_tasks": "tasks waiting past their deadline (mean over the week)",
    },
)  # fmt: skip
def work_waiting(run: Context) -> Measured:
    """The work waiting to be started, how long it waited, and statutory deadlines met."""
    t = run.record.tasks
    created, due, started, dropped = t["created"], t["due"], t["started"], t["dropped"]
    # when each task stopped waiting (started, lapsed, or still waiting at the end)
    waited_until = np.where(
        ~np.isnan(started), started, np.where(~np.isnan(dropped), dropped, run.end)
    )
    pending_w, pending_total = run.both(created, waited_until)
    backlog_w, backlog_total = run.both(created, waited_until, t["hours"])
    overdue_w, overdue_total = run.both(np.minimum(due, waited_until), waited_until)
    backlog_weekly = backlog_w / run.width
    deadlines = _deadlines(run)
    waits = (started - created)[_started_in_window(run)]
    return Measured(
        summary={
            "backlog_hours_mean": backlog_total / run.span,
            "backlog_hours_peak": nanmax(backlog_weekly[run.weeks_in_window]),
            "backlog_hours_per_worker_mean": float(safe_ratio(backlog_total, run.staff_total)),
            "pending_tasks_mean": pending_total / run.span,
            "overdue_tasks_mean": overdue_total / run.span,
            "statutory_on_time_share": _share_on_time(deadlines, deadlines.statutory),
            "optional_on_time_share": _share_on_time(deadlines, ~deadlines.statutory),
            "task_wait_days_mean": mean(waits),
            "task_wait_days_p90": float(np.percentile(waits, 90)) if waits.size else float("nan"),
        },
        weekly={
            "pending_tasks": pending_w / run.width,
            "backlog_hours": backlog_weekly,
            "overdue_tasks": overdue_w / run.width,
        },
    )


@measures(
    summary=[
        Metric("tasks_created", "tasks", "Tasks created in the window"),
        Metric("tasks_completed", "tasks", "Of the tasks created in the window, those finished"),
        Metric("tasks_pending_end", "tasks",
               "Of the tasks created in the window, those queued or in progress at the end"),
        Metric("tasks_dropped", "tasks",
               "Of the tasks created in the window, those dropped: lapsed because the case "
               "closed, optional tasks dropped by triage, or help abandoned unstarted"),
    ],
    timeseries={
        "tasks_created": "tasks created in the week",
        "tasks_completed": "tasks finished in the week",
        "statutory_due": "statutory tasks falling due in the week",
        "statutory_on_time_share":
            "share of the statutory tasks due in the week finished on time",
        "optional_tasks_done": "optional tasks finished in the week",
        "optional_tasks_unworked":
            "optional tasks ended unworked in the week: lapsed with their case, help the "
            "family stopped waiting for, or dropped by triage",
    },
)  # fmt: skip
def task_flow(run: Context) -> Measured:
    """Tasks created, finished, left pending and dropped; statutory tasks falling due."""
    t = run.record.tasks
    state = t["state"]
    cohort = t["created"] >= run.w0
    deadlines = _deadlines(run)
    statutory = deadlines.counted & deadlines.statutory
    due_w = run.per_week(t["due"], statutory)
    optional = ~np.asarray(run.record.task_statutory, dtype=bool)[t["type"]]
    unworked = (state == DROPPED) | (state == TRIAGED) | (state == ABANDONED)
    return Measured(
        summary={
            "tasks_created": float(cohort.sum()),
            "tasks_completed": float((cohort & (state == DONE)).sum()),
            "tasks_pending_end": float(
                (cohort & ((state == PENDING) | (state == IN_PROGRESS))).sum()
            ),
            "tasks_dropped": float(
                (cohort & ((state == DROPPED) | (state == TRIAGED) | (state == ABANDONED))).sum()
            ),
        },
        weekly={
            "tasks_created": run.per_week(t["created"]),
            "tasks_completed": run.per_week(t["finished"]),
            "statutory_due": due_w,
            "statutory_on_time_share": safe_ratio(
                run.per_week(t["due"], statutory & deadlines.on_time), due_w
            ),
            "optional_tasks_done": run.per_week(t["finished"], optional),
            "optional_tasks_unworked": run.per_week(t["dropped"], optional & unworked),
        },
    )


def by_task_type(run: Context) -> list[dict[str, Any]]:
    """Per task type: tasks created in the window and what became of them, hours, waits, and
    the deadlines falling in the window that were met (statutory and optional alike): a
    row (column -> value) per task type."""
    tasks = run.record.tasks
    kind, state = tasks["type"], tasks["state"]
    cohort = tasks["created"] >= run.w0
    waited = _started_in_window(run)
    deadlines = _deadlines(run)
    due, on_time = deadlines.in_window, deadlines.on_time
    wait = tasks["started"] - tasks["created"]
    rows = []
    for i, name in enumerate(run.record.task_names):
        mine = kind == i
        w = wait[mine & waited]
        n_due = int((mine & due).sum())
        rows.append(
            {
                "task": name,
                "statutory": run.record.task_statutory[i],
                "created": int((mine & cohort).sum()),
                "completed": int((mine & cohort & (state == DONE)).sum()),
                "dropped": int((mine & cohort & ((state == DROPPED) | (state == ABANDONED))).sum()),
                "triaged": int((mine & cohort & (state == TRIAGED)).sum()),
                "hours_mean": float(tasks["hours"][mine].mean()) if mine.any() else float("nan"),
                "wait_days_mean": mean(w),
                "due_in_window": n_due,
                "on_time_share": float((mine & due & on_time).sum() / n_due)
                if n_due
                else float("nan"),
            }
        )
    return rows
