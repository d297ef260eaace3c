"""People: the cases opened and closed, who they are (the traumatised share), the families
who follow by reunification, the GPs' health examination, and what the casework means for
people and public money: when they become self-supporting, the months they spend on
benefit and its cost beside the cost of the caseworkers.

A health-examination limit counts where it falls in the window, unless the person's case
closed, unexamined, before it; a family counts where it arrives in the window; a person on
benefit counts from their case's opening until its exit (self-support, moving away, or the
end of the integration period: the closure task's paperwork is not benefit).
"""

from __future__ import annotations

import numpy as np

from simulator.analysis.metrics.context import Context, Measured, Metric, measures
from simulator.analysis.metrics.intervals import interval_areas, mean, safe_ratio
from simulator.engine.records import ABANDONED, SELF_SUPPORT, RunRecord
from simulator.scenario.schema import DAYS_PER_YEAR

MONTH = DAYS_PER_YEAR / 12  # days in an average month


@measures(
    summary=[
        Metric("cases_opened", "cases", "Cases opened in the window"),
        Metric("cases_closed", "cases", "Cases closed in the window"),
    ],
    timeseries={"cases_opened": "cases opened in the week"},
)  # fmt: skip
def cases(run: Context) -> Measured:
    """Cases opened and closed."""
    opened, closed = run.record.cases["opened"], run.record.cases["closed"]
    return Measured(
        summary={
            "cases_opened": float((opened >= run.w0).sum()),
            "cases_closed": float(((closed >= run.w0) & (closed <= run.end)).sum()),
        },
        weekly={"cases_opened": run.per_week(opened)},
    )


@measures(
    summary=[
        Metric("health_exam_within_limit_share", "share",
               "Of the people whose health-examination limit (from their case's opening) fell "
               "in the window, those examined by it (people whose case closed first are not "
               "counted)"),
        Metric("health_exam_wait_days_mean", "days",
               "Mean wait for the GPs, from the referral to the examination (examinations "
               "in the window)"),
        Metric("health_exam_done_share", "share",
               "Of the people due a health examination whose case closed in the window, "
               "those examined while it was open (the audit's 'had had the examination')"),
        Metric("family_members_arrived", "people",
               "Family members reunified to refugees who arrived in the window (spouses and "
               "children)"),
        Metric("children_arrived", "people", "Of those, children"),
        Metric("family_arrival_days_mean", "days",
               "Mean time from the refugee's placement to the family's arrival (families "
               "arriving in the window)"),
        Metric("reunification_unaided_share", "share",
               "Reunification applications sent in the window without the caseworker's help "
               "(help not in the catalogue, dropped, lapsed, or abandoned)"),
        Metric("reunification_help_abandoned", "tasks",
               "Application-help tasks given up in the window because no caseworker had "
               "started them in time (the family applied alone)"),
        Metric("traumatised_open_share", "share",
               "Share of open cases that are traumatised, time-weighted over the window"),
    ],
    timeseries={
        "family_members_arrived":
            "reunified family members (spouses, children) arriving in the week",
        "traumatised_open_share":
            "share of open cases that are traumatised (mean over the week)",
        "health_exam_queue":
            "people waiting in the GPs' queue for the health examination (mean)",
        "health_exam_within_limit_share":
            "share of the health-examination limits falling in the week that were met",
    },
)  # fmt: skip
def families_and_health(run: Context) -> Measured:
    """The traumatised share of open cases, families reunified, and the GPs' examinations."""
    c, f, w0, end = run.record.cases, run.record.families, run.w0, run.end
    ex = _examinations(run.record)
    limit, referred, examined = ex["limit"], ex["referred"], ex["examined"]
    due = ex["counts"] & (limit >= w0) & (limit <= end)
    seen = examined >= w0  # NaN compares False
    finished = (ex["left"] >= w0) & (ex["left"] <= end)  # the case closed in the window
    # in the queue from the referral until examined, until the case closed, or to the end
    queued = ~np.isnan(referred)
    stop = np.fmin(np.fmin(examined, ex["left"]), end)[queued]

    placed, arrived = f.get("placed", np.zeros(0)), f.get("arrived", np.zeros(0))
    came = arrived >= w0
    spouses, children = f.get("spouse", placed)[came], f.get("children", placed)[came]
    sent = f.get("applied", placed) >= w0
    unaided = f.get("aided", placed)[sent] == 0
    came_in_run = arrived < end  # NaN compares False
    members = (
        f["spouse"][came_in_run] + f["children"][came_in_run]
        if came_in_run.any()
        else arrived[came_in_run]
    )

    traumatised_w, traumatised = run.both(c["opened"], run.closed, c["traumatised"])
    return Measured(
        summary={
            "health_exam_within_limit_share": float(
                safe_ratio((examined[due] <= limit[due]).sum(), due.sum())
            ),
            "health_exam_wait_days_mean": mean((examined - referred)[seen]),
            "health_exam_done_share": float(
                safe_ratio((examined[finished] <= ex["left"][finished]).sum(), finished.sum())
            ),
            "family_members_arrived": float(spouses.sum() + children.sum()),
            "children_arrived": float(children.sum()),
            "family_arrival_days_mean": mean((arrived - placed)[came]),
            "reunification_unaided_share": float(safe_ratio(unaided.sum(), unaided.size)),
            "reunification_help_abandoned": float(_abandoned(run).sum()),
            "traumatised_open_share": float(safe_ratio(traumatised, run.open_total)),
        },
        weekly={
            "family_members_arrived": np.bincount(
                run.week_of(arrived[came_in_run]), weights=members, minlength=run.n_weeks
            ),
            "traumatised_open_share": safe_ratio(traumatised_w, run.open_w),
            "health_exam_queue": interval_areas(referred[queued], stop, run.edges) / run.width,
            "health_exam_within_limit_share": safe_ratio(
                run.per_week(limit, ex["counts"] & (examined <= limit)),
                run.per_week(limit, ex["counts"]),
            ),
        },
    )


def _abandoned(run: Context) -> np.ndarray:
    """Which tasks were abandoned (given up unstarted) in the measurement window."""
    t = run.record.tasks
    return (t["state"] == ABANDONED) & (t["dropped"] >= run.w0) & (t["dropped"] <= run.end)


@measures(
    summary=[
        Metric("self_support_months_mean", "months",
               "Mean months from a case's opening (placement, or the family's arrival) to "
               "self-support, for people who became self-supporting in the window"),
        Metric("self_supported", "people", "People who became self-supporting in the window"),
        Metric("effort_start_days_mean", "days",
               "Mean days from a case's opening to the start of the person's employment "
               "effort (the first employment task a caseworker started), for efforts begun "
               "in the window"),
        Metric("benefit_person_months", "person-months",
               "Months on benefit in the window, summed over people: each person from their "
               "case's opening until its exit (self-support, moving away, or the end of the "
               "integration period)"),
        Metric("benefit_cost_dkk", "DKK",
               "Benefit paid in the window: benefit_person_months times "
               "costs.benefit_dkk_per_person_month (gross public transfers)"),
        Metric("staff_cost_dkk", "DKK",
               "Salaries of the caseworkers on the staff in the window: caseworker-years "
               "times costs.salary_dkk_per_caseworker_year"),
    ],
    timeseries={
        "on_benefit": "people on benefit: cases opened and not yet exited (mean over the week)",
        "self_supported": "people becoming self-supporting in the week",
    },
)  # fmt: skip
def self_support_and_costs(run: Context) -> Measured:
    """When people become self-supporting, the months they spend on benefit, and the cost
    of that benefit beside the cost of the caseworkers."""
    c, w0, end = run.record.cases, run.w0, run.end
    opened, exit_at = c["opened"], np.minimum(c["exit"], end)
    supported = (c["exit_reason"] == SELF_SUPPORT) & (c["exit"] >= w0) & (c["exit"] <= end)
    effort = c["effort_from"]
    begun = effort >= w0  # NaN compares False
    on_benefit_w, on_benefit = run.both(opened, exit_at)
    months = on_benefit / MONTH
    costs = run.record.costs
    benefit_rate = costs.get("benefit_dkk_per_person_month", float("nan"))
    salary = costs.get("salary_dkk_per_caseworker_year", float("nan"))
    return Measured(
        summary={
            "self_support_months_mean": mean((c["exit"] - opened)[supported] / MONTH),
            "self_supported": float(supported.sum()),
            "effort_start_days_mean": mean((effort - opened)[begun]),
            "benefit_person_months": float(months),
            "benefit_cost_dkk": float(months * benefit_rate),
            "staff_cost_dkk": float(run.staff_total / DAYS_PER_YEAR * salary),
        },
        weekly={
            "on_benefit": on_benefit_w / run.width,
            "self_supported": run.per_week(c["exit"], c["exit_reason"] == SELF_SUPPORT),
        },
    )


def examination_table(record: RunRecord) -> dict[str, np.ndarray]:
    """Per person the health examination was due for: limit, referred, examined, left, and
    whether the limit counts (the calibration reads the shares year by year)."""
    return _examinations(record)


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
    return {**ex, "left": left, "counts": limit_counts(ex["limit"], ex["examined"], left)}


def limit_counts(limit: np.ndarray, examined: np.ndarray, left: np.ndarray) -> np.ndarray:
    """Whether each person's limit counts: not if their case closed (`left`), unexamined,
    before it. NaN (not examined, still open) compares False."""
    return ~((left < limit) & ~(examined <= left))
