"""Caseworkers: the caseload each carries, how busy they are, who is at work, and what the
office's policies did to them and to the work.

Utilisation is measured in casework (open) time: hours worked on tasks over the casework
hours of the caseworkers on the staff, less those lost to absence, plus the time a
caseworker who left spent finishing the task in hand. Presence, absence, stress and overtime
come from the workforce's daily log, one row per caseworker and day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.analysis.metrics.context import Context, Measured, Metric, measures
from simulator.analysis.metrics.intervals import (
    areas_over,
    level_peak,
    mean,
    nanmax,
    safe_ratio,
)
from simulator.engine.records import TRIAGED, RunRecord
from simulator.engine.workforce import SICK, VACATION


@measures(
    summary=[
        Metric("caseload_per_worker_mean", "cases",
               "Open cases per caseworker, time-weighted mean over the measurement window "
               "(under a caseload cap, the cases waiting for a caseworker included)"),
        Metric("caseload_assigned_per_worker_mean", "cases",
               "Cases held by a caseworker (assigned), per caseworker, time-weighted mean: "
               "under a caseload cap, without the cases waiting for assignment (fixed "
               "assignment; none with a pool)"),
        Metric("caseload_per_worker_peak", "cases",
               "Highest weekly mean of open cases per caseworker in the measurement window"),
        Metric("caseload_individual_peak", "cases",
               "Most open cases any one caseworker held at any moment (fixed assignment)"),
    ],
    timeseries={
        "caseworkers": "caseworkers (mean over the week)",
        "open_cases": "open cases (mean over the week)",
        "caseload_per_worker": "open cases per caseworker (mean over the week)",
        "caseload_assigned_per_worker":
            "cases held by a caseworker (assigned), per caseworker (mean over the week)",
    },
)  # fmt: skip
def caseload(run: Context) -> Measured:
    """Caseworkers on the staff, open cases, and open cases per caseworker: all of them, and
    those a caseworker holds (under a caseload cap, some wait for one)."""
    per_worker = safe_ratio(run.open_w, run.staff_w)
    held_w, held = _held(run)
    nothing = np.full(run.n_weeks, np.nan)
    pooled = run.record.assignments["case"].size == 0  # a pool, or nobody assigned: no caseloads
    return Measured(
        summary={
            "caseload_per_worker_mean": float(safe_ratio(run.open_total, run.staff_total)),
            "caseload_assigned_per_worker_mean": np.nan
            if pooled
            else float(safe_ratio(held, run.staff_total)),
            "caseload_per_worker_peak": nanmax(per_worker[run.weeks_in_window]),
            "caseload_individual_peak": _individual_peak(run.record, run.w0, run.end),
        },
        weekly={
            "caseworkers": run.staff_w / run.width,
            "open_cases": run.open_w / run.width,
            "caseload_per_worker": per_worker,
            "caseload_assigned_per_worker": nothing if pooled else safe_ratio(held_w, run.staff_w),
        },
    )


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


@measures(
    summary=[
        Metric("utilisation_mean", "share",
               "Hours worked on tasks over the casework hours available"),
    ],
    timeseries={"utilisation": "hours worked over casework hours available in the week"},
)  # fmt: skip
def utilisation(run: Context) -> Measured:
    """Hours worked on tasks over the casework hours available, both in casework time."""
    record, o = run.record, run.calendar.open_time
    started, finished = record.tasks["started"], record.tasks["finished"]
    has_started = ~np.isnan(started)
    work_end = np.where(~np.isnan(finished), finished, run.end)
    busy = o(started[has_started]), o(work_end[has_started])
    s0, s1, staff = run.staff
    on_staff = o(s0), o(s1)
    after_s, after_f = _busy_after_leaving(record)  # a leaver finishes the task in hand
    after = o(after_s), o(after_f)
    away_w, away_total = _absence_lost(run)
    edges, window = o(run.edges), o(run.window)
    (busy_w, busy_all), (staff_w, staff_all), (after_w, after_all) = (
        areas_over(*busy, (edges, window)),
        areas_over(*on_staff, (edges, window), staff),
        areas_over(*after, (edges, window)),
    )
    busy_total = busy_all[0]
    avail_w = staff_w - away_w + after_w
    avail_total = staff_all[0] - away_total + after_all[0]
    return Measured(
        summary={"utilisation_mean": float(safe_ratio(busy_total, avail_total))},
        weekly={"utilisation": safe_ratio(busy_w, avail_w)},
    )


@dataclass(frozen=True)
class _DailyLog:
    """The workforce's daily log (one row per caseworker and day), with each row's week."""

    worker: np.ndarray
    day: np.ndarray
    status: np.ndarray  # 0 at work, or VACATION, SICK
    stress: np.ndarray  # NaN on days that are not working days
    overtime: np.ndarray  # hours
    working: np.ndarray  # a working day (stress is logged on working days only)
    inside: np.ndarray  # in the measurement window
    week: np.ndarray
    n_weeks: int

    @classmethod
    def of(cls, run: Context) -> _DailyLog:
        d = run.record.workforce["days"]
        day, stress = d["day"].astype(float), d["stress"]
        return cls(d["worker"], day, d["status"], stress, d["overtime"], ~np.isnan(stress),
                   day >= run.w0, run.week_of(day), run.n_weeks)  # fmt: skip

    def weekly_sum(self, mask: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """Per week, the rows in `mask` counted, or their `values` (one per row) summed."""
        w = None if values is None else values[mask]
        return np.bincount(self.week[mask], weights=w, minlength=self.n_weeks).astype(float)


def _absence_lost(run: Context) -> tuple[np.ndarray, float]:
    """Casework (open) time lost to absence, per week and in the measurement window: a whole
    window a day, less the time an absent caseworker still spent finishing the task in hand
    (absence starts after it)."""
    log = _DailyLog.of(run)
    away = log.working & (log.status != 0)
    busy = _busy_on(run, log.worker[away], log.day[away])
    lost = run.calendar.length_on(log.day[away]) - busy
    return log.weekly_sum(away, _spread(away, lost)), float(lost[log.inside[away]].sum())


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


def _busy_on(run: Context, workers: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Casework (open) time each caseworker worked on each given day, from the task table.

    A caseworker works one task at a time, so their task intervals are disjoint and, sorted
    by start, sorted by end too: the tasks overlapping a day are found by two binary
    searches in the caseworker's tasks. Each task's share of its day is mapped to open
    time all at once; each day's shares are then summed as `np.sum` sums them."""
    t, o = run.record.tasks, run.calendar.open_time
    started = ~np.isnan(t["started"])
    who, s = t["worker"][started], t["started"][started]
    f = np.where(np.isnan(t["finished"]), run.end, t["finished"])[started]
    order = np.lexsort((s, who))  # by caseworker, then start (stable: ties keep their order)
    who, s, f = who[order], s[order], f[order]
    first = np.zeros(days.size, dtype=np.int64)  # each day's first and last task + 1
    last = np.zeros(days.size, dtype=np.int64)
    for w in np.unique(workers):
        lo, hi = np.searchsorted(who, w, side="left"), np.searchsorted(who, w, side="right")
        rows = workers == w
        first[rows] = lo + np.searchsorted(f[lo:hi], days[rows], side="right")
        last[rows] = lo + np.searchsorted(s[lo:hi], days[rows] + 1, side="left")
    n = np.maximum(last - first, 0)  # tasks overlapping each day
    ends = np.cumsum(n)
    task = np.arange(ends[-1] if n.size else 0) - np.repeat(ends - n - first, n)
    day = np.repeat(days, n)
    share = o(np.minimum(f[task], day + 1)) - o(np.maximum(s[task], day))
    out = np.zeros(days.size)
    for row in np.flatnonzero(n):
        out[row] = float(np.sum(share[ends[row] - n[row] : ends[row]]))
    return out


@measures(
    summary=[
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
    ],
    timeseries={
        "caseworkers_present": "caseworkers at work (mean over the week's working days)",
        "caseworkers_on_vacation":
            "caseworkers on vacation (mean over the week's working days)",
        "caseworkers_sick": "caseworkers on sick leave (mean over the week's working days)",
        "vacancies": "positions vacant (mean over the week)",
        "stress_index": "stress index, mean over caseworkers and the week's working days",
        "stress_share_above": "share of caseworker working days above the stress threshold",
        "overtime_hours": "overtime hours worked in the week",
    },
)  # fmt: skip
def workforce(run: Context) -> Measured:
    """Presence, absence, stress, overtime, resignations and vacancies, from the daily log."""
    record, calendar = run.record, run.calendar
    log = _DailyLog.of(run)
    working, status, stress, inside = log.working, log.status, log.stress, log.inside
    run_workdays = np.flatnonzero(calendar.workday)
    run_workdays = run_workdays[run_workdays < record.end]  # the calendar runs a little past
    workdays_w = np.bincount(run.week_of(run_workdays), minlength=run.n_weeks).astype(float)
    above = working & (stress > record.stress_threshold)
    stress_sum = np.where(working, stress, 0.0)
    vac = record.workforce["vacancies"]
    filled = np.where(np.isnan(vac["filled"]), record.end, vac["filled"])  # still open
    vacancy_days_w, vacancy_days = run.both(vac["opened"], filled)
    worker_days = (working & inside).sum()
    years = worker_days / max(float(calendar.workday.sum()) / (calendar.n_days / 365.25), 1.0)
    per_year = lambda mask: float(mask.sum() / years) if years > 0 else float("nan")  # noqa: E731
    window_workdays = float(calendar.workday[int(np.ceil(run.w0)) : int(np.ceil(run.end))].sum())
    events = record.workforce["events"]
    return Measured(
        summary={
            "caseworkers_present_mean": float(
                safe_ratio((working & inside & (status == 0)).sum(), window_workdays)
            ),
            "sick_days_per_worker_year": per_year(working & inside & (status == SICK)),
            "vacation_days_per_worker_year": per_year(working & inside & (status == VACATION)),
            "resignations": float(((events["kind"] == 0) & (events["day"] >= run.w0)).sum()),
            "vacancy_days": float(vacancy_days),
            "stress_index_mean": float(stress[working & inside].mean()) if worker_days else np.nan,
            "stress_days_share": float(safe_ratio((above & inside).sum(), worker_days)),
            "overtime_hours": float(log.overtime[inside].sum()),
        },
        weekly={
            "caseworkers_present": safe_ratio(log.weekly_sum(working & (status == 0)), workdays_w),
            "caseworkers_on_vacation": safe_ratio(
                log.weekly_sum(working & (status == VACATION)), workdays_w
            ),
            "caseworkers_sick": safe_ratio(log.weekly_sum(working & (status == SICK)), workdays_w),
            "vacancies": vacancy_days_w / run.width,
            "stress_index": safe_ratio(
                log.weekly_sum(working, stress_sum), log.weekly_sum(working)
            ),
            "stress_share_above": safe_ratio(log.weekly_sum(above), log.weekly_sum(working)),
            "overtime_hours": log.weekly_sum(np.ones_like(working), log.overtime),
        },
    )


@measures(
    summary=[
        Metric("optional_tasks_dropped", "tasks",
               "Optional tasks created in the window and dropped by triage"),
    ],
    timeseries={"optional_tasks_dropped": "optional tasks dropped by triage in the week"},
)  # fmt: skip
def triage(run: Context) -> Measured:
    """Optional tasks that triage dropped under pressure."""
    t = run.record.tasks
    triaged = t["state"] == TRIAGED
    return Measured(
        summary={"optional_tasks_dropped": float(((t["created"] >= run.w0) & triaged).sum())},
        weekly={"optional_tasks_dropped": run.per_week(t["dropped"], triaged)},
    )


@measures(
    summary=[
        Metric("interpreter_wait_days_mean", "days",
               "Mean wait for a free interpreter, over interpreted meetings in the window "
               "(in person; zero when one was free)"),
        Metric("interpreted_by_phone_share", "share",
               "Share of the interpreted meetings in the window interpreted by telephone"),
    ],
)  # fmt: skip
def interpreting(run: Context) -> Measured:
    """Waits for a free interpreter, and meetings interpreted by telephone instead."""
    i = run.record.interpreting
    inside = i["asked"] >= run.w0
    in_person = inside & (i["mode"] == 0)
    return Measured(
        summary={
            "interpreter_wait_days_mean": mean((i["booked"] - i["asked"])[in_person]),
            "interpreted_by_phone_share": float(
                safe_ratio((inside & (i["mode"] == 1)).sum(), inside.sum())
            ),
        },
        weekly={},
    )


@measures(
    summary=[
        Metric("cases_waiting_assignment_mean", "cases",
               "Cases waiting for a caseworker under the caseload cap, time-weighted mean"),
        Metric("assignment_wait_days_mean", "days",
               "Mean days from opening to assignment, over cases opened in the window under "
               "a caseload cap"),
    ],
    timeseries={
        "cases_waiting_assignment": "cases waiting for a caseworker (mean over the week)",
    },
)  # fmt: skip
def assignment(run: Context) -> Measured:
    """New cases waiting for a caseworker with room under the caseload cap.

    A case waits from its opening (or from when its caseworker left and nobody had room)
    until a caseworker takes it, or until it closes unassigned: the open case-time that no
    caseworker held. Without a cap every case is held from its opening, and none waits."""
    w = run.record.assignment_waits
    if w.size == 0:  # no cap: nobody waits
        waiting_w, waiting = np.zeros(run.n_weeks), 0.0
    else:
        held_w, held = _held(run)
        waiting_w, waiting = np.maximum(run.open_w - held_w, 0.0), max(run.open_total - held, 0.0)
    cohort = (w[:, 0] >= run.w0) & ~np.isnan(w[:, 1])
    return Measured(
        summary={
            "cases_waiting_assignment_mean": float(waiting / run.span),
            "assignment_wait_days_mean": mean((w[:, 1] - w[:, 0])[cohort]),
        },
        weekly={"cases_waiting_assignment": waiting_w / run.width},
    )


def _held(run: Context) -> tuple[np.ndarray, float]:
    """Case-days held by a caseworker (fixed assignment), per week and in the window."""
    a = run.record.assignments
    return run.both(a["start"], a["end"])
