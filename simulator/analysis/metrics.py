"""Statistics of one run, computed from its records.

Every time-weighted quantity (open cases, pending tasks, backlog hours, overdue
tasks, busy caseworkers) is a sum of intervals: an item counts, with a weight,
from when it starts to when it ends. `interval_areas` integrates such a level
exactly over any bins, in O(n log n), so one small monitor serves them all.

Statistics cover the measurement window, from the end of the warm-up to the end
of the run; the weekly time series covers the whole run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.engine.calendar import WorkCalendar
from simulator.engine.records import DONE, DROPPED, IN_PROGRESS, PENDING, TRIAGED, RunRecord
from simulator.engine.workforce import SICK, VACATION

WEEK = 7.0


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    description: str


SUMMARY_METRICS = [
    Metric("caseload_per_worker_mean", "cases",
           "Open cases per caseworker, time-weighted mean over the measurement window"),
    Metric("caseload_per_worker_peak", "cases",
           "Highest weekly mean of open cases per caseworker in the measurement window"),
    Metric("caseload_individual_peak", "cases",
           "Most open cases any one caseworker held at any moment (fixed assignment)"),
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
    Metric("task_wait_days_mean", "days",
           "Mean time from a task's creation to the start of work on it (tasks started in "
           "the window)"),
    Metric("task_wait_days_p90", "days", "90th percentile of the same waits"),
    Metric("utilisation_mean", "share",
           "Hours worked on tasks over the casework hours available"),
    Metric("cases_opened", "cases", "Cases opened in the window"),
    Metric("cases_closed", "cases", "Cases closed in the window"),
    Metric("tasks_created", "tasks", "Tasks created in the window"),
    Metric("tasks_completed", "tasks", "Of the tasks created in the window, those finished"),
    Metric("tasks_pending_end", "tasks",
           "Of the tasks created in the window, those queued or in progress at the end"),
    Metric("tasks_dropped", "tasks",
           "Of the tasks created in the window, those dropped: lapsed because the case "
           "closed, or optional tasks dropped by triage"),
    # --- the workforce and the office's policies (engine.workforce, engine.office)
    Metric("caseworkers_present_mean", "caseworkers",
           "Caseworkers at work on working days (not on vacation or sick leave), mean"),
    Metric("sick_days_per_worker_year", "days",
           "Working days of sick leave per caseworker per year"),
    Metric("vacation_days_per_worker_year", "days",
           "Working days of vacation per caseworker per year"),
    Metric("resignations", "caseworkers", "Caseworkers who resigned in the window"),
    Metric("vacancy_days", "days", "Days positions stood vacant in the window, summed"),
    Metric("stress_index_mean", "weeks",
           "The stress index (weeks of work waiting, four-week mean) over caseworkers' "
           "working days"),
    Metric("stress_days_share", "share",
           "Share of caseworkers' working days with the stress index above the threshold"),
    Metric("overtime_hours", "hours", "Overtime hours worked in the window"),
    Metric("optional_tasks_dropped", "tasks",
           "Optional tasks created in the window and dropped by triage"),
    Metric("interpreter_wait_days_mean", "days",
           "Mean wait for a free interpreter, over interpreted meetings in the window "
           "(in person; zero when one was free)"),
    Metric("interpreted_by_phone_share", "share",
           "Share of the interpreted meetings in the window interpreted by telephone"),
    Metric("cases_waiting_assignment_mean", "cases",
           "Cases waiting for a caseworker under the caseload cap, time-weighted mean"),
    Metric("assignment_wait_days_mean", "days",
           "Mean days from opening to assignment, over cases opened in the window under a "
           "caseload cap"),
    # people: case mix, family reunification, external capacity (issue 4)
    Metric("health_exam_within_limit_share", "share",
           "Of the people whose health-examination limit (from their case's opening) fell in "
           "the window, those examined by it (people whose case closed first are not counted)"),
    Metric("health_exam_wait_days_mean", "days",
           "Mean wait in the GPs' queue, from the referral to the examination (examinations "
           "in the window)"),
    Metric("family_members_arrived", "people",
           "Family members reunified to refugees who arrived in the window (spouses and "
           "children)"),
    Metric("children_arrived", "people", "Of those, children"),
    Metric("family_arrival_days_mean", "days",
           "Mean time from the refugee's placement to the family's arrival (families "
           "arriving in the window)"),
    Metric("reunification_unaided_share", "share",
           "Reunification applications sent in the window without the caseworker's help "
           "(help not in the catalogue, dropped, or lapsed)"),
    Metric("traumatised_open_share", "share",
           "Share of open cases that are traumatised, time-weighted over the window"),
]  # fmt: skip
METRICS = {m.name: m for m in SUMMARY_METRICS}

TIMESERIES_METRICS = {
    "caseworkers": "caseworkers (mean over the week)",
    "open_cases": "open cases (mean over the week)",
    "caseload_per_worker": "open cases per caseworker (mean over the week)",
    "pending_tasks": "tasks waiting to be started (mean over the week)",
    "backlog_hours": "hours of work waiting to be started (mean over the week)",
    "overdue_tasks": "tasks waiting past their deadline (mean over the week)",
    "utilisation": "hours worked over casework hours available in the week",
    "cases_opened": "cases opened in the week",
    "tasks_created": "tasks created in the week",
    "tasks_completed": "tasks finished in the week",
    "statutory_due": "statutory tasks falling due in the week",
    "statutory_on_time_share": "share of the statutory tasks due in the week finished on time",
    "caseworkers_present": "caseworkers at work (mean over the week's working days)",
    "caseworkers_on_vacation": "caseworkers on vacation (mean over the week's working days)",
    "caseworkers_sick": "caseworkers on sick leave (mean over the week's working days)",
    "vacancies": "positions vacant (mean over the week)",
    "stress_index": "stress index, mean over caseworkers and the week's working days",
    "stress_share_above": "share of caseworker working days above the stress threshold",
    "overtime_hours": "overtime hours worked in the week",
    "optional_tasks_dropped": "optional tasks dropped by triage in the week",
    "cases_waiting_assignment": "cases waiting for a caseworker (mean over the week)",
    # people (issue 4)
    "family_members_arrived": "reunified family members (spouses, children) arriving in the week",
    "traumatised_open_share": "share of open cases that are traumatised (mean over the week)",
    "health_exam_queue": "people waiting in the GPs' queue for the health examination (mean)",
    "health_exam_within_limit_share": "share of the health-examination limits falling in the "
    "week that were met",
}


def interval_areas(
    starts: np.ndarray, ends: np.ndarray, edges: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Integral over each bin [edges[k], edges[k+1]) of sum_i w_i * 1[starts_i <= t < ends_i]."""
    starts, ends = np.asarray(starts, float), np.asarray(ends, float)
    w = np.ones_like(starts) if weights is None else np.asarray(weights, float)
    keep = ends > starts
    starts, ends, w = starts[keep], ends[keep], w[keep]

    def cumulative(points: np.ndarray, x: np.ndarray) -> np.ndarray:
        # sum over points p < x of w * (x - p)
        order = np.argsort(points, kind="stable")
        p, wp = points[order], w[order]
        cw = np.concatenate([[0.0], np.cumsum(wp)])
        cwp = np.concatenate([[0.0], np.cumsum(wp * p)])
        idx = np.searchsorted(p, x, side="left")
        return cw[idx] * x - cwp[idx]

    area = cumulative(starts, edges) - cumulative(ends, edges)
    return np.diff(area)


def level_peak(starts: np.ndarray, ends: np.ndarray, t0: float, t1: float) -> float:
    """Highest value reached in [t0, t1] by the count of intervals [start, end) covering t."""
    starts, ends = np.asarray(starts, float), np.asarray(ends, float)
    keep = ends > starts
    times = np.concatenate([starts[keep], ends[keep], [t0]])
    steps = np.concatenate([np.ones(keep.sum()), -np.ones(keep.sum()), [0.0]])
    order = np.lexsort((steps, times))  # at equal times, ends (-1) before starts (+1)
    level = np.cumsum(steps[order])
    inside = (times[order] >= t0) & (times[order] <= t1)
    return float(level[inside].max()) if inside.any() else 0.0


def _staff_level(changes: list[tuple[float, int]], end: float) -> tuple[np.ndarray, ...]:
    """Staffing as intervals (start, end, count) for `interval_areas`."""
    times = [t for t, _ in changes] + [end]
    counts = [n for _, n in changes]
    return np.array(times[:-1]), np.array(times[1:]), np.array(counts, float)


def _safe_ratio(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    num, den = np.asarray(num, float), np.asarray(den, float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


@dataclass
class RunStats:
    """What one replication showed: summary values, the weekly series, per-task-type figures."""

    summary: dict[str, float]
    weekly: pd.DataFrame  # date, metric, value
    by_task: pd.DataFrame  # task, statutory, created, completed, dropped, wait, on-time


def analyse(record: RunRecord, calendar: WorkCalendar) -> RunStats:
    """Compute the summary, the weekly time series and the per-task-type table of a run."""
    end, w0 = record.end, record.warmup
    tasks, cases = record.tasks, record.cases
    created, due, started = tasks["created"], tasks["due"], tasks["started"]
    finished, dropped, state = tasks["finished"], tasks["dropped"], tasks["state"]
    hours = tasks["hours"]

    # when each task stopped waiting (started, lapsed, or still waiting at the end)
    waited_until = np.where(~np.isnan(started), started, np.where(~np.isnan(dropped), dropped, end))
    overdue_from = np.minimum(due, waited_until)
    closed = np.where(np.isnan(cases["closed"]), end, cases["closed"])
    s0, s1, staff = _staff_level(record.staff_changes, end)

    edges = np.append(np.arange(0.0, end, WEEK), end)
    window = np.array([w0, end])

    def both(starts, ends, weights=None):
        return (interval_areas(starts, ends, edges, weights),
                interval_areas(starts, ends, window, weights)[0])  # fmt: skip

    open_w, open_total = both(cases["opened"], closed)
    staff_w, staff_total = both(s0, s1, staff)
    pending_w, pending_total = both(created, waited_until)
    backlog_w, backlog_total = both(created, waited_until, hours)
    overdue_w, overdue_total = both(overdue_from, waited_until)

    # utilisation, measured in casework (open) time
    o = calendar.open_time
    work_end = np.where(~np.isnan(finished), finished, end)
    has_started = ~np.isnan(started)
    busy_w = interval_areas(o(started[has_started]), o(work_end[has_started]), o(edges))
    busy_total = interval_areas(o(started[has_started]), o(work_end[has_started]), o(window))[0]
    staff_work = _workforce(record, calendar, edges, w0)
    after_s, after_f = _busy_after_leaving(record)  # a leaver finishes the task in hand
    avail_w = (interval_areas(o(s0), o(s1), o(edges), staff) - staff_work.away_open_w
               + interval_areas(o(after_s), o(after_f), o(edges)))  # fmt: skip
    avail_total = (interval_areas(o(s0), o(s1), o(window), staff)[0] - staff_work.away_open
                   + interval_areas(o(after_s), o(after_f), o(window))[0])  # fmt: skip

    width = np.diff(edges)
    statutory = np.asarray(record.task_statutory, bool)[tasks["type"]]
    lapsed_before_due = (state == DROPPED) & (dropped <= due)
    counted = statutory & ~lapsed_before_due & (due <= end)
    on_time = finished <= due  # NaN compares False

    week_of = lambda t: np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(width) - 1)  # noqa: E731
    n_weeks = len(width)

    def per_week(t: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        t = t if mask is None else t[mask]
        t = t[~np.isnan(t) & (t < end)]
        return np.bincount(week_of(t), minlength=n_weeks).astype(float)

    stat_due_w = per_week(due, counted)
    stat_ontime_w = per_week(due, counted & on_time)

    weekly = {
        "caseworkers": staff_w / width,
        "open_cases": open_w / width,
        "caseload_per_worker": _safe_ratio(open_w, staff_w),
        "pending_tasks": pending_w / width,
        "backlog_hours": backlog_w / width,
        "overdue_tasks": overdue_w / width,
        "utilisation": _safe_ratio(busy_w, avail_w),
        "cases_opened": per_week(cases["opened"]),
        "tasks_created": per_week(created),
        "tasks_completed": per_week(finished),
        "statutory_due": stat_due_w,
        "statutory_on_time_share": _safe_ratio(stat_ontime_w, stat_due_w),
        **staff_work.weekly,
        "optional_tasks_dropped": per_week(dropped, state == TRIAGED),
        "cases_waiting_assignment": _assignment_waits(record, edges)[0] / width,
    }
    weekly.update(_people_weekly(record, edges, per_week, open_w))
    start_date = calendar.start
    dates = [start_date + dt.timedelta(days=float(e)) for e in edges[:-1]]
    weekly_df = pd.DataFrame(
        {
            "date": np.tile(pd.to_datetime(dates).values, len(weekly)),
            "metric": np.repeat(list(weekly), n_weeks),
            "value": np.concatenate(list(weekly.values())),
        }
    )

    # summary over the measurement window
    in_window_weeks = edges[:-1] >= w0
    span = end - w0
    cohort = created >= w0
    window_due = counted & (due >= w0)
    waits = (started - created)[has_started & (started >= w0)]
    summary = {
        "caseload_per_worker_mean": float(_safe_ratio(open_total, staff_total)),
        "caseload_per_worker_peak": _nanmax(weekly["caseload_per_worker"][in_window_weeks]),
        "caseload_individual_peak": _individual_peak(record, w0, end),
        "backlog_hours_mean": backlog_total / span,
        "backlog_hours_peak": _nanmax(weekly["backlog_hours"][in_window_weeks]),
        "backlog_hours_per_worker_mean": float(_safe_ratio(backlog_total, staff_total)),
        "pending_tasks_mean": pending_total / span,
        "overdue_tasks_mean": overdue_total / span,
        "statutory_on_time_share": float(
            _safe_ratio((window_due & on_time).sum(), window_due.sum())
        ),
        "task_wait_days_mean": float(waits.mean()) if waits.size else float("nan"),
        "task_wait_days_p90": float(np.percentile(waits, 90)) if waits.size else float("nan"),
        "utilisation_mean": float(_safe_ratio(busy_total, avail_total)),
        "cases_opened": float((cases["opened"] >= w0).sum()),
        "cases_closed": float(((cases["closed"] >= w0) & (cases["closed"] <= end)).sum()),
        "tasks_created": float(cohort.sum()),
        "tasks_completed": float((cohort & (state == DONE)).sum()),
        "tasks_pending_end": float((cohort & ((state == PENDING) | (state == IN_PROGRESS))).sum()),
        "tasks_dropped": float((cohort & ((state == DROPPED) | (state == TRIAGED))).sum()),
        **staff_work.summary,
        "optional_tasks_dropped": float((cohort & (state == TRIAGED)).sum()),
        **_interpreting(record, w0),
        **_assignment_summary(record, w0),
    }
    summary.update(_people_summary(record, closed, open_total))

    by_task = _by_task(record, cohort, has_started & (started >= w0), window_due, on_time)
    return RunStats(summary=summary, weekly=weekly_df, by_task=by_task)


@dataclass(frozen=True)
class _Staff:
    weekly: dict[str, np.ndarray]
    summary: dict[str, float]
    away_open_w: np.ndarray  # casework (open) time lost to absence, per week
    away_open: float  # and in the measurement window


def _workforce(record: RunRecord, calendar: WorkCalendar, edges: np.ndarray, w0: float) -> _Staff:
    """Presence, absence, stress, overtime and vacancies, from the daily workforce log."""
    d, ev, vac = record.workforce["days"], record.workforce["events"], record.workforce["vacancies"]
    day, status, stress = d["day"].astype(float), d["status"], d["stress"]
    working = ~np.isnan(stress)  # stress is logged on working days only
    n_weeks = len(edges) - 1
    week = np.clip(np.searchsorted(edges, day, side="right") - 1, 0, n_weeks - 1)
    inside = day >= w0

    def weekly_sum(mask: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        w = None if values is None else values[mask]
        return np.bincount(week[mask], weights=w, minlength=n_weeks).astype(float)

    run_workdays = np.flatnonzero(calendar.workday)
    run_workdays = run_workdays[run_workdays < record.end]  # the calendar runs a little past
    workdays_w = np.bincount(
        np.clip(np.searchsorted(edges, run_workdays, side="right") - 1,
                0, n_weeks - 1), minlength=n_weeks).astype(float)  # fmt: skip
    away = working & (status != 0)
    above = working & (stress > record.stress_threshold)
    stress_sum = np.where(working, stress, 0.0)
    filled = np.where(np.isnan(vac["filled"]), record.end, vac["filled"])  # still open
    vacancy_days_w = interval_areas(vac["opened"], filled, edges)
    window = np.array([w0, record.end])
    vacancy_days = interval_areas(vac["opened"], filled, window)[0]
    worker_days = (working & inside).sum()
    years = worker_days / max(float(calendar.workday.sum()) / (calendar.n_days / 365.25), 1.0)
    per_year = lambda mask: float(mask.sum() / years) if years > 0 else float("nan")  # noqa: E731
    weekly = {
        "caseworkers_present": _safe_ratio(weekly_sum(working & (status == 0)), workdays_w),
        "caseworkers_on_vacation": _safe_ratio(
            weekly_sum(working & (status == VACATION)), workdays_w
        ),
        "caseworkers_sick": _safe_ratio(weekly_sum(working & (status == SICK)), workdays_w),
        "vacancies": vacancy_days_w / np.diff(edges),
        "stress_index": _safe_ratio(weekly_sum(working, stress_sum), weekly_sum(working)),
        "stress_share_above": _safe_ratio(weekly_sum(above), weekly_sum(working)),
        "overtime_hours": weekly_sum(np.ones_like(working), d["overtime"]),
    }
    window_workdays = float(calendar.workday[int(np.ceil(w0)) : int(np.ceil(record.end))].sum())
    summary = {
        "caseworkers_present_mean": float(
            _safe_ratio((working & inside & (status == 0)).sum(), window_workdays)
        ),
        "sick_days_per_worker_year": per_year(working & inside & (status == SICK)),
        "vacation_days_per_worker_year": per_year(working & inside & (status == VACATION)),
        "resignations": float(((ev["kind"] == 0) & (ev["day"] >= w0)).sum()),
        "vacancy_days": float(vacancy_days),
        "stress_index_mean": float(stress[working & inside].mean()) if worker_days else np.nan,
        "stress_days_share": float(_safe_ratio((above & inside).sum(), worker_days)),
        "overtime_hours": float(d["overtime"][inside].sum()),
    }
    # casework time lost to absence: a whole window a day, less the time an absent
    # caseworker still spent finishing the task in hand (absence starts after it)
    lost = calendar.window_length - _busy_on(record, calendar, d["worker"][away], day[away])
    return _Staff(weekly, summary, weekly_sum(away, _spread(away, lost)),
                  float(lost[inside[away]].sum()))  # fmt: skip


def _busy_after_leaving(record: RunRecord) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of the work caseworkers did after leaving (the task in hand when they
    left): time they count as available, as they were at work."""
    t = record.tasks
    starts, ends = [], []
    for worker, left in record.departures:
        mine = (t["worker"] == worker) & (t["started"] < left)
        finished = np.where(np.isnan(t["finished"][mine]), record.end, t["finished"][mine])
        late = finished > left
        starts.append(np.full(late.sum(), left))
        ends.append(finished[late])
    empty = np.zeros(0)
    return (np.concatenate(starts) if starts else empty, np.concatenate(ends) if ends else empty)


def _spread(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`values` (one per True in `mask`) placed at the True positions of a full-length array."""
    out = np.zeros(mask.size)
    out[mask] = values
    return out


def _busy_on(
    record: RunRecord, calendar: WorkCalendar, workers: np.ndarray, days: np.ndarray
) -> np.ndarray:
    """Casework (open) time each caseworker worked on each given day, from the task table.

    A caseworker works one task at a time, so their task intervals are disjoint and, sorted
    by start, sorted by end too: the tasks overlapping a day are found by two binary
    searches."""
    t, o = record.tasks, calendar.open_time
    out = np.zeros(days.size)
    started = ~np.isnan(t["started"])
    for w in np.unique(workers):
        mine = started & (t["worker"] == w)
        order = np.argsort(t["started"][mine], kind="stable")
        s = t["started"][mine][order]
        f = np.where(np.isnan(t["finished"][mine]), record.end, t["finished"][mine])[order]
        rows = np.flatnonzero(workers == w)
        first = np.searchsorted(f, days[rows], side="right")
        last = np.searchsorted(s, days[rows] + 1, side="left")
        for row, lo, hi in zip(rows, first, last, strict=True):
            if hi > lo:
                d = days[row]
                out[row] = float(
                    np.sum(o(np.minimum(f[lo:hi], d + 1)) - o(np.maximum(s[lo:hi], d)))
                )
    return out


def _interpreting(record: RunRecord, w0: float) -> dict[str, float]:
    i = record.interpreting
    inside = i["asked"] >= w0
    in_person = inside & (i["mode"] == 0)
    waits = (i["booked"] - i["asked"])[in_person]
    return {
        "interpreter_wait_days_mean": float(waits.mean()) if waits.size else float("nan"),
        "interpreted_by_phone_share": float(
            _safe_ratio((inside & (i["mode"] == 1)).sum(), inside.sum())
        ),
    }


# ---------------------------------------------------------------- people (issue 4)


def _examinations(record: RunRecord) -> dict[str, np.ndarray]:
    """Per person the health examination was due for: limit, referred, examined (NaN: not
    yet), left (their case closed; NaN: open at the end), and `counts`: whether the limit
    counts (their case did not close, unexamined, before it)."""
    ex = record.examinations
    if not ex or ex["case"].size == 0:
        empty = np.zeros(0)
        return {"limit": empty, "referred": empty, "examined": empty, "left": empty,
                "counts": empty.astype(bool)}  # fmt: skip
    left = record.cases["closed"][ex["case"].astype(int)]  # case ids are row numbers
    left_first = (left < ex["limit"]) & ~(ex["examined"] <= left)  # NaN compares False
    return {**ex, "left": left, "counts": ~left_first}


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else float("nan")


def _people_summary(record: RunRecord, closed: np.ndarray, open_total: float) -> dict[str, float]:
    """Summary figures of the case mix, family reunification and the GPs' capacity."""
    w0, end = record.warmup, record.end
    ex = _examinations(record)
    limit, examined = ex["limit"], ex["examined"]
    due = ex["counts"] & (limit >= w0) & (limit <= end)
    seen = examined >= w0  # NaN compares False

    f = record.families
    placed, arrived = f.get("placed", np.zeros(0)), f.get("arrived", np.zeros(0))
    came = arrived >= w0
    spouses, children = f.get("spouse", placed)[came], f.get("children", placed)[came]
    sent = f.get("applied", placed) >= w0
    unaided = f.get("aided", placed)[sent] == 0

    c = record.cases
    traumatised = interval_areas(c["opened"], closed, np.array([w0, end]), c["traumatised"])[0]
    return {
        "health_exam_within_limit_share": float(_safe_ratio((examined[due] <= limit[due]).sum(),
                                                            due.sum())),
        "health_exam_wait_days_mean": _mean((examined - ex["referred"])[seen]),
        "family_members_arrived": float(spouses.sum() + children.sum()),
        "children_arrived": float(children.sum()),
        "family_arrival_days_mean": _mean((arrived - placed)[came]),
        "reunification_unaided_share": float(_safe_ratio(unaided.sum(), unaided.size)),
        "traumatised_open_share": float(_safe_ratio(traumatised, open_total)),
    }  # fmt: skip


def _people_weekly(
    record: RunRecord, edges: np.ndarray, per_week: Any, open_w: np.ndarray
) -> dict[str, np.ndarray]:
    """Weekly series of the case mix, family reunification and the GPs' capacity."""
    c, f, end = record.cases, record.families, record.end
    closed = np.where(np.isnan(c["closed"]), end, c["closed"])
    ex = _examinations(record)
    limit, referred, examined = ex["limit"], ex["referred"], ex["examined"]
    # in the queue from the referral until examined, until the case closed, or to the end
    queued = ~np.isnan(referred)
    stop = np.fmin(np.fmin(examined, ex["left"]), end)[queued]
    arrived = f.get("arrived", np.zeros(0))
    came = arrived < end  # NaN compares False
    members = f["spouse"][came] + f["children"][came] if came.any() else arrived[came]
    return {
        "family_members_arrived": _weekly_sum(arrived[came], members, edges),
        "traumatised_open_share": _safe_ratio(
            interval_areas(c["opened"], closed, edges, c["traumatised"]), open_w
        ),
        "health_exam_queue": interval_areas(referred[queued], stop, edges) / np.diff(edges),
        "health_exam_within_limit_share": _safe_ratio(
            per_week(limit, ex["counts"] & (examined <= limit)), per_week(limit, ex["counts"])
        ),
    }


def _assignment_waits(record: RunRecord, edges: np.ndarray) -> np.ndarray:
    """Case-days waiting for assignment in each bin."""
    w = record.assignment_waits
    assigned = np.where(np.isnan(w[:, 1]), record.end, w[:, 1])
    return interval_areas(w[:, 0], assigned, edges)[None, :]


def _assignment_summary(record: RunRecord, w0: float) -> dict[str, float]:
    w = record.assignment_waits
    span = record.end - w0
    waiting = _assignment_waits(record, np.array([w0, record.end]))[0, 0]
    cohort = (w[:, 0] >= w0) & ~np.isnan(w[:, 1])
    waits = (w[:, 1] - w[:, 0])[cohort]
    return {
        "cases_waiting_assignment_mean": float(waiting / span),
        "assignment_wait_days_mean": float(waits.mean()) if waits.size else float("nan"),
    }


def _weekly_sum(t: np.ndarray, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sum of `values` whose time `t` falls in each week."""
    week = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(edges) - 2)
    return np.bincount(week, weights=values, minlength=len(edges) - 1)


def _nanmax(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.max()) if values.size else float("nan")


def caseload_by_worker(record: RunRecord) -> dict[int, float]:
    """Each caseworker's time-average number of open cases over the measurement window
    (fixed assignment; the unit the caseload surveys asked about)."""
    a = record.assignments
    t0, t1 = record.warmup, record.end
    overlap = np.clip(a["end"], t0, t1) - np.clip(a["start"], t0, t1)
    return {
        int(w): float(overlap[a["worker"] == w].sum() / (t1 - t0)) for w in np.unique(a["worker"])
    }


def _individual_peak(record: RunRecord, t0: float, t1: float) -> float:
    a = record.assignments
    if a["case"].size == 0:
        return float("nan")
    return max(
        level_peak(a["start"][a["worker"] == w], a["end"][a["worker"] == w], t0, t1)
        for w in np.unique(a["worker"])
    )


def _by_task(
    record: RunRecord, cohort: np.ndarray, waited: np.ndarray, due: np.ndarray, on_time: np.ndarray
) -> pd.DataFrame:
    tasks = record.tasks
    kind = tasks["type"]
    wait = tasks["started"] - tasks["created"]
    rows = []
    for i, name in enumerate(record.task_names):
        mine = kind == i
        w = wait[mine & waited]
        n_due = int((mine & due).sum())
        rows.append(
            {
                "task": name,
                "statutory": record.task_statutory[i],
                "created": int((mine & cohort).sum()),
                "completed": int((mine & cohort & (tasks["state"] == DONE)).sum()),
                "dropped": int((mine & cohort & (tasks["state"] == DROPPED)).sum()),
                "triaged": int((mine & cohort & (tasks["state"] == TRIAGED)).sum()),
                "hours_mean": float(tasks["hours"][mine].mean()) if mine.any() else float("nan"),
                "wait_days_mean": float(w.mean()) if w.size else float("nan"),
                "due_in_window": n_due,
                "on_time_share": float((mine & due & on_time).sum() / n_due)
                if n_due
                else float("nan"),
            }
        )
    return pd.DataFrame(rows)
