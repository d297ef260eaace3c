"""Starting from today: cases open at the start, by month of takeover, and pending family
reunification applications (`[initial_state]`, `Municipality._initial_cases`).

Every tolerance is fixed before the run from the law of what is checked; seeds are fixed.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from builders import build, one_task

from simulator.engine.model import Municipality
from simulator.scenario import ScenarioError, load_scenario

START = dt.date(2024, 1, 1)


def scenario(initial: dict[str, Any], **changes: Any) -> Any:
    """A year from START, single adults, one caseworker pool, exits at rate 0.5 a year."""
    base: dict[str, Any] = {
        "simulation": {"start_date": START, "duration_years": 1.0, "seed": 3},
        "caseworkers": {"staffing": [{"date": START, "caseworkers": 4}]},
        "arrivals": {"process": "poisson", "per_month": 5.0},
        "exit": {"self_support": {}, "other_per_year": 0.5, "period_years": 3.0},
        "initial_state": initial,
    }
    base.update(changes)
    return build(base)


def opened_in(month: dt.date, cases: int, kind: str = "refugee") -> dict[str, Any]:
    return {"takeover": month, "cases": cases, "kind": kind}


# --------------------------------------------------------------------------- the schema


def test_a_takeover_after_the_start_is_an_error() -> None:
    with pytest.raises(ScenarioError, match=r"after simulation\.start_date"):
        scenario({"open_cases": [opened_in(dt.date(2024, 2, 1), 3)]})


def test_cases_older_than_the_integration_period_are_an_error() -> None:
    with pytest.raises(ScenarioError, match="would have closed by the start"):
        scenario({"open_cases": [opened_in(dt.date(2020, 11, 1), 3)]})


def test_the_oldest_month_is_cut_at_the_integration_period() -> None:
    """December 2020 ends 1,095 days before 1 January 2024, within the period of 1,095.75
    days: its cases are spread over its last three quarters of a day."""
    s = scenario({"open_cases": [opened_in(dt.date(2020, 12, 1), 3)]})
    opened = Municipality(s, 0).run().cases["opened"]
    old = opened[opened < 0]
    assert len(old) == 3 and np.all((old > -3 * 365.25) & (old < -1095.0))


def test_pending_applications_need_reunification_and_enough_refugee_cases() -> None:
    cases = {"open_cases": [opened_in(dt.date(2023, 6, 1), 2)]}
    with pytest.raises(ScenarioError, match="needs a \\[reunification\\] table"):
        scenario({**cases, "pending_reunifications": [{"applied": START, "applications": 1}]})
    reunification = {
        "apply_share": {"single_adult": 0.5},
        "processing_days": {"dist": "fixed", "value": 100.0},
    }
    with pytest.raises(ScenarioError, match="3 applications by 2023-09-01, but only 2"):
        scenario(
            {**cases, "pending_reunifications": [{"applied": dt.date(2023, 9, 1),
                                                   "applications": 3}]},
            reunification=reunification,
        )  # fmt: skip
    with pytest.raises(ScenarioError, match="but only 0"):
        scenario(
            {**cases, "pending_reunifications": [{"applied": dt.date(2023, 5, 1),
                                                   "applications": 1}]},
            reunification=reunification,
        )  # fmt: skip
    beyond = r"pending_reunifications\.0\.applied: 2024-03-01 is more than reunification\."
    with pytest.raises(ScenarioError, match=beyond + r"unaided_delay_days \(30 days\)"):
        scenario(
            {**cases, "pending_reunifications": [{"applied": dt.date(2024, 3, 1),
                                                   "applications": 1}]},
            reunification={**reunification, "unaided_delay_days": 30.0},
        )  # fmt: skip
    with pytest.raises(
        ScenarioError, match=r"3 applications by 2024-02-01, but only 2 .* by 2024-01-01"
    ):  # still to be sent: by cases open at the start
        scenario(
            {**cases, "pending_reunifications": [{"applied": dt.date(2024, 2, 1),
                                                   "applications": 3}]},
            reunification={**reunification, "unaided_delay_days": 60.0},
        )  # fmt: skip


def test_cases_file_is_read_beside_the_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "today.csv").write_text(
        "takeover,cases,kind\n2023-11,4,refugee\n2023-12-01,2,reunified\n\n", encoding="utf-8"
    )
    (tmp_path / "today.toml").write_text(
        'extends = "baseline.toml"\nname = "today"\n[simulation]\nstart_date = 2024-01-01\n'
        "warmup_years = 0.0\n[caseworkers]\nstaffing = [{ date = 2024-01-01, caseworkers = 4 }]\n"
        '[initial_state]\ncases_file = "today.csv"\n',
        encoding="utf-8",
    )
    loaded = load_scenario(tmp_path / "today.toml")
    state = loaded.initial_state
    assert state is not None and state.cases_file is None
    assert [(e.takeover, e.cases, e.kind) for e in state.open_cases] == [
        (dt.date(2023, 11, 1), 4, "refugee"),
        (dt.date(2023, 12, 1), 2, "reunified"),
    ]


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("month,cases\n2023-11,4\n", "the header must name takeover, cases"),
        ("takeover,cases,note\n2023-11,4,x\n", "the header must name takeover, cases"),
        ("takeover,cases\n2023-13,4\n", "line 2: takeover must be YYYY-MM"),
        ("takeover,cases\n2023-11,four\n", "line 2: takeover must be YYYY-MM"),
        ("takeover,cases,kind\n2023-11,4,refugee\n2023-11,4\n", "line 3: 2 fields, but the"),
        ("takeover,cases\n2023-11,4\n2023-12,4,x\n", "line 3: 3 fields, but the header"),
    ],
)
def test_a_bad_cases_file_names_the_file_and_line(tmp_path: Path, csv: str, message: str) -> None:
    (tmp_path / "cases.csv").write_text(csv, encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        'extends = "baseline.toml"\n[initial_state]\ncases_file = "cases.csv"\n', encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match=message):
        load_scenario(tmp_path / "s.toml")


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("2023-11,4,refugee\n2023-12,2,alien\n", "line 3, kind: Input should be 'refugee'"),
        ("2023-11,4,refugee\n\n2023-12,-2,refugee\n", "line 4, cases: Input should be greater"),
        ("2023-11,4,refugee\n2024-02,2,refugee\n", "line 3, takeover: 2024-02-01 is after"),
    ],
)
def test_a_value_the_scenario_refuses_names_the_cases_files_line(
    tmp_path: Path, csv: str, message: str
) -> None:
    """Problems found when the whole scenario is checked (not while reading the file) name
    the CSV file and its line, not the entry's place in the list it became."""
    (tmp_path / "today.csv").write_text("takeover,cases,kind\n" + csv, encoding="utf-8")
    (tmp_path / "today.toml").write_text(
        'extends = "baseline.toml"\nname = "today"\n[simulation]\nstart_date = 2024-01-01\n'
        "warmup_years = 0.0\n[caseworkers]\nstaffing = [{ date = 2024-01-01, caseworkers = 4 }]\n"
        '[initial_state]\ncases_file = "today.csv"\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenario(tmp_path / "today.toml")
    assert f"initial_state.cases_file: {tmp_path / 'today.csv'}, {message}" in str(raised.value)
    assert "open_cases" not in str(raised.value)


def test_cases_file_and_open_cases_together_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_text("takeover,cases\n2011-11,4\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        'extends = "baseline.toml"\n[initial_state]\ncases_file = "cases.csv"\n'
        "open_cases = [{ takeover = 2011-10-01, cases = 1 }]\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="give cases_file or open_cases, not both"):
        load_scenario(tmp_path / "s.toml")


def test_cases_file_in_plain_data_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="cases_file is read when a scenario file is loaded"):
        scenario({"cases_file": "x.csv"})


# --------------------------------------------------------------------------- the engine


def test_open_cases_are_opened_at_their_takeover_and_are_open_at_the_start() -> None:
    months = [dt.date(2023, m, 1) for m in (3, 7, 12)]
    s = scenario({"open_cases": [opened_in(m, 10) for m in months]})
    record = Municipality(s, 0).run()
    c = record.cases
    initial = c["opened"] < 0
    assert initial.sum() == 30
    for month in months:
        t0 = (month - START).days
        t1 = min((dt.date(2024, 1, 1) if month.month == 12 else month.replace(
            month=month.month + 1)) - START, dt.timedelta(0)).days  # fmt: skip
        inside = initial & (c["opened"] >= t0) & (c["opened"] < t1)
        assert inside.sum() == 10, month
    closed = np.where(np.isnan(c["closed"]), np.inf, c["closed"])
    assert np.all(closed[initial] > 0) and np.all(c["exit"][initial] > 0)
    assert np.all(record.tasks["created"] >= 0)
    # caseload at the start: 30 cases over 4 caseworkers, assigned at time 0
    a = record.assignments
    held = np.isin(a["case"], c["case"][initial]) & (a["start"] == 0)
    assert held.sum() == 30


def test_tasks_due_before_the_start_are_history_and_later_ones_fall_due() -> None:
    """One case taken over in September 2023 (spread over the month: at its middle, 107
    days before the start) with a task every 30 days from day 30: the tasks of days 30, 60
    and 90 are history, those of days 120, 150, ... fall due 13, 43, ... days after the
    start. The reception task (on arrival) is history too."""
    tasks = {
        "reception": one_task(),
        "visit": one_task(trigger={"on": "every", "days": 30.0}),
    }
    s = scenario({"open_cases": [opened_in(dt.date(2023, 9, 10), 1)]}, tasks=tasks,
                 exit={"self_support": {}, "other_per_year": 0.0, "period_years": 3.0},
                 arrivals={"process": "exact", "monthly": [0, 1]})  # fmt: skip
    record = Municipality(s, 0).run()
    c = record.cases
    initial = int(np.flatnonzero(c["opened"] < 0)[0])
    assert c["opened"][initial] == pytest.approx(-107.0)
    t = record.tasks
    created = np.sort(t["created"][t["case"] == c["case"][initial]])
    expected = -107.0 + 30 * np.arange(1, 20)
    assert created == pytest.approx(expected[(expected >= 0) & (expected < record.end)])


def test_the_remaining_time_open_follows_the_law_given_the_age() -> None:
    """Exits at a constant rate λ (no self-support) are memoryless: a case open at age a
    stays open min(E, T − a) more days, E exponential with mean 1/λ, T the period. So the
    mean remaining time of case i is (1 − exp(−λ (T − a_i))) / λ exactly. 1,200 cases taken
    over in one month two years ago: the sample mean's standard error is at most
    1/(λ √1200), and the test allows 4 of them (a correct model fails once in 15,000)."""
    lam = 1.0 / 365.25  # one a year
    month = dt.date(2022, 1, 1)
    s = scenario({"open_cases": [opened_in(month, 1200)]},
                 exit={"self_support": {}, "other_per_year": 1.0, "period_years": 3.0},
                 caseworkers={"staffing": [{"date": START, "caseworkers": 400}]},
                 tasks={"closure": one_task(trigger={"on": "closure"})})  # fmt: skip
    record = Municipality(s, 0).run()
    c = record.cases
    initial = c["opened"] < 0
    remaining = c["exit"][initial]  # days after the start (time 0)
    age = -c["opened"][initial]
    period = 3 * 365.25
    exact = float(np.mean((1 - np.exp(-lam * (period - age))) / lam))
    tolerance = 4 / (lam * math.sqrt(initial.sum()))
    assert abs(float(remaining.mean()) - exact) <= tolerance
    assert np.all(remaining <= period - age + 1e-6)


def test_the_arrivals_and_their_people_are_those_of_the_run_without_it() -> None:
    """Common random numbers: what is open at the start draws from streams of its own."""
    without = scenario({"open_cases": []})
    with_cases = scenario({"open_cases": [opened_in(dt.date(2023, 9, 1), 25)]})
    a = Municipality(without, 2).run().cases
    b = Municipality(with_cases, 2).run().cases
    later = b["opened"] >= 0
    assert np.array_equal(np.sort(a["opened"]), np.sort(b["opened"][later]))
    order_a, order_b = np.argsort(a["opened"]), np.argsort(b["opened"][later])
    assert np.allclose((a["exit"] - a["opened"])[order_a],
                       (b["exit"] - b["opened"])[later][order_b])  # fmt: skip


def spouses_in_210_days(apply_share: float = 0.0, **more: Any) -> dict[str, Any]:
    """A [reunification] table: a spouse and no children, 200 days' processing and 10 of
    travel; `apply_share` of single adults apply."""
    return {
        "apply_share": {"single_adult": apply_share},
        "spouse_share": 1.0,
        "children_mean": 0.0,
        "processing_days": {"dist": "fixed", "value": 200.0},
        "travel_days": {"dist": "fixed", "value": 10.0},
        **more,
    }


def test_pending_applications_bring_their_families_after_the_start() -> None:
    reunification = spouses_in_210_days()
    s = scenario(
        {
            "open_cases": [opened_in(dt.date(2023, 6, 1), 5), opened_in(dt.date(2023, 10, 1), 5)],
            "pending_reunifications": [
                {"applied": dt.date(2023, 8, 15), "applications": 3},
                {"applied": dt.date(2023, 11, 1), "applications": 4},
            ],
        },
        reunification=reunification,
        arrivals={"process": "exact", "monthly": [0, 1]},
    )
    record = Municipality(s, 0).run()
    f = record.families
    assert len(f["household"]) == 7
    applied = np.sort(f["applied"])
    sent = [(dt.date(2023, 8, 15) - START).days] * 3 + [(dt.date(2023, 11, 1) - START).days] * 4
    assert applied == pytest.approx(sent)
    assert f["arrived"] == pytest.approx(f["applied"] + 210.0)  # fixed: all after the start
    c = record.cases
    spouses = c["reunified"].astype(bool)
    assert spouses.sum() == 7
    assert np.sort(c["opened"][spouses]) == pytest.approx(np.sort(f["arrived"]))
    # applicants: distinct refugee cases, the August ones taken over in June
    households = f["household"]
    assert len(set(households.tolist())) == 7
    june = (dt.date(2023, 6, 1) - START).days, (dt.date(2023, 7, 1) - START).days
    opened = dict(zip(c["household"][~spouses].tolist(), c["opened"][~spouses].tolist(),
                      strict=True))  # fmt: skip
    august = households[np.isclose(f["applied"], sent[0])]
    assert all(june[0] <= opened[int(h)] < june[1] for h in august)


def test_open_cases_bring_their_families_still_to_come() -> None:
    """Every single adult applies, a spouse follows (apply_share 1, spouse_share 1), a
    year's wait from placement, 200 + 10 days to arrive; no helper task. Ten cases taken
    over in June 2023 may apply in June 2024, after the start: each family applies then
    and arrives 210 days later. Ten taken over in June 2022 could apply in June 2023,
    before the start, with no help waiting: applied already (none pending) and nothing
    comes. The later arrivals and their families are those of the run without them."""
    reunification = spouses_in_210_days(1.0, waiting_years={"convention": 1.0})
    june22, june23 = dt.date(2022, 6, 1), dt.date(2023, 6, 1)
    runs = []
    for cases in ([opened_in(june22, 10), opened_in(june23, 10)], []):
        s = scenario({"open_cases": cases}, reunification=reunification,
                     case_mix={},  # residence status: convention, whose wait is a year
                     simulation={"start_date": START, "duration_years": 2.0, "seed": 3},
                     arrivals={"process": "exact", "monthly": [0, 0, 1]})  # fmt: skip
        runs.append(Municipality(s, 0).run())
    f = runs[0].families
    loaded = f["placed"] < 0
    assert loaded.sum() == 10
    placed = np.sort(f["placed"][loaded])
    june = (june23 - START).days, (dt.date(2023, 7, 1) - START).days
    assert np.all((placed >= june[0]) & (placed < june[1]))
    year = np.sort(f["may_apply"][loaded]) - placed
    assert np.all((year > 365.0) & (year < 367.0))  # a calendar year
    assert f["arrived"][loaded] == pytest.approx(f["applied"][loaded] + 210.0)
    # the household placed in the run (month 3) and its family: as without the open cases
    later = {k: runs[0].families[k][~loaded] for k in ("placed", "applied", "arrived")}
    alone = {k: runs[1].families[k] for k in later}
    assert len(alone["placed"]) == 1
    for k in later:
        assert later[k] == pytest.approx(alone[k], nan_ok=True)


def test_help_with_an_application_waiting_at_the_start_leads_to_the_application() -> None:
    """Help with the application (a task on reunification_application, 1 hour) waits on
    three cases taken over in 2022 (their wait long over); once a caseworker does it,
    the application goes, and the family follows 210 days later."""
    reunification = spouses_in_210_days()
    hour = {"dist": "fixed", "value": 1.0}
    help_task = one_task(trigger={"on": "reunification_application"}, duration_hours=hour)
    tasks = {**VISITS, "help": help_task}
    s = scenario(
        {"open_cases": [opened_in(dt.date(2022, 6, 1), 5)],
         "waiting_tasks": [waiting("help", DEC, 3)]},
        tasks=tasks, reunification=reunification,
        arrivals={"process": "exact", "monthly": [0, 0, 0, 1]},
    )  # fmt: skip
    record = Municipality(s, 0).run()
    t, f = record.tasks, record.families
    helped = t["type"] == record.task_names.index("help")
    assert helped.sum() == 3 and np.all(t["finished"][helped] >= 0)
    assert len(f["household"]) == 3
    assert np.sort(f["applied"]) == pytest.approx(np.sort(t["finished"][helped]))
    assert f["arrived"] == pytest.approx(f["applied"] + 210.0)
    assert np.sort(f["may_apply"]) == pytest.approx(np.sort(t["created"][helped]))


def test_a_family_preparing_its_application_alone_sends_it_on_its_day() -> None:
    """An application dated after the start is one a family is preparing alone: it is sent
    that day, unaided, and the family follows 210 days later. It belongs to a case that
    could apply before the start (taken over in June 2022, a year's wait), not to a later
    one still waiting (June 2023), whose families all come as they would without it."""
    reunification = spouses_in_210_days(
        1.0, waiting_years={"convention": 1.0}, unaided_delay_days=30.0
    )
    june22, june23 = dt.date(2022, 6, 1), dt.date(2023, 6, 1)
    sends = START + dt.timedelta(days=20)
    s = scenario(
        {"open_cases": [opened_in(june22, 10), opened_in(june23, 10)],
         "pending_reunifications": [{"applied": sends, "applications": 1}]},
        reunification=reunification, case_mix={},
        simulation={"start_date": START, "duration_years": 2.0, "seed": 3},
        arrivals={"process": "exact", "monthly": [0, 0, 1]},
    )  # fmt: skip
    record = Municipality(s, 0).run()
    f, c = record.families, record.cases
    f = {k: v[f["placed"] < 0] for k, v in f.items()}  # not the household placed in March
    alone = f["applied"] == 20.0
    assert alone.sum() == 1 and f["arrived"][alone] == pytest.approx([230.0])
    assert not f["aided"][alone].any()
    refugees = ~c["reunified"].astype(bool)
    opened = dict(zip(c["household"][refugees].tolist(), c["opened"][refugees].tolist(),
                      strict=True))  # fmt: skip
    assert opened[int(f["household"][alone][0])] < (dt.date(2022, 7, 1) - START).days
    assert (~alone).sum() == 10  # the June 2023 cases' families, each a year after
    assert np.all(f["may_apply"][~alone] > 0.0)


@pytest.mark.parametrize("capacity", [False, True])
def test_the_examinations_of_the_cases_taken_over_are_expected(capacity: bool) -> None:
    """The GPs see everyone 40 days after their referral, which is the reception, on
    arrival. Ten cases taken over in November 2023, their receptions done (history): each
    was referred as it opened and seen 40 days later, before the start or after it. Ten
    in December whose receptions wait at the start (one each, on the December cases):
    referred when a caseworker does it, seen 40 days later. Under a fixed capacity the
    queue at the start is not known: the November ones are not expected."""
    exam: dict[str, Any] = {"after_task": "reception", "never_share": 0.0, "limit_days": 90.0}
    if capacity:
        exam["capacity_per_week"] = 50.0
    else:
        exam["wait_days"] = {"dist": "fixed", "value": 40.0}
    s = scenario(
        {"open_cases": [opened_in(NOV, 10), opened_in(DEC, 10)],
         "waiting_tasks": [waiting("reception", DEC, 10)]},
        tasks=VISITS, external={"health_examination": exam},
        arrivals={"process": "exact", "monthly": [0, 1]},
    )  # fmt: skip
    record = Municipality(s, 0).run()
    ex, c, t = record.examinations, record.cases, record.tasks
    opened = c["opened"][ex["case"].astype(int)]
    november = (opened >= (NOV - START).days) & (opened < (DEC - START).days)
    december = (opened >= (DEC - START).days) & (opened < 0)
    waited = (t["type"] == record.task_names.index("reception")) & (t["created"] < 0)
    assert waited.sum() == 10
    assert sorted(t["case"][waited].tolist()) == sorted(ex["case"][december].tolist())
    done = dict(zip(t["case"][waited].tolist(), t["finished"][waited].tolist(), strict=True))
    referred = [done[int(case)] for case in ex["case"][december]]
    assert ex["referred"][december] == pytest.approx(referred)  # when the reception was done
    assert december.sum() == 10 and np.all(ex["referred"][december] >= 0.0)
    if capacity:
        assert november.sum() == 0
        return
    assert november.sum() == 10
    assert ex["referred"][november] == pytest.approx(opened[november])
    seen = ex["referred"] + 40.0
    gone = c["closed"][ex["case"].astype(int)] < seen  # closed before: never seen
    assert np.all(np.isnan(ex["examined"][gone])) and (~gone & november).any()
    assert ex["examined"][~gone] == pytest.approx(seen[~gone])
    assert (ex["examined"][november] < 0).any() and (ex["examined"][november] > 0).any()


def test_an_examination_after_employment_work_keeps_to_its_clock() -> None:
    """The referral is employment work 10 days after the self-support clock starts, which
    for the traumatised is trauma treatment, 150 days after arrival. Cases taken over in
    October, all traumatised: their referral is ahead of them at the start (it fell due
    on their clock, not 10 days after they opened), so they are referred after it, when
    a caseworker does it."""
    tasks = {**VISITS, "jobref": one_task(trigger={"on": "after", "days": 10.0}, employment=True)}
    exam = {"after_task": "jobref", "never_share": 0.0, "limit_days": 400.0,
            "wait_days": {"dist": "fixed", "value": 5.0}}  # fmt: skip
    s = scenario(
        {"open_cases": [opened_in(OCT, 10)]}, tasks=tasks, external={"health_examination": exam},
        case_mix={"trauma_share": {"refugee": 1.0},
                  "treatment_wait_days": {"dist": "fixed", "value": 150.0}},
        arrivals={"process": "exact", "monthly": [0, 1]},
    )  # fmt: skip
    record = Municipality(s, 0).run()
    ex, t = record.examinations, record.tasks
    loaded = record.cases["opened"][ex["case"].astype(int)] < 0
    jobref = t["type"] == record.task_names.index("jobref")
    done = dict(zip(t["case"][jobref].tolist(), t["finished"][jobref].tolist(), strict=True))
    assert loaded.sum() == 10
    assert ex["referred"][loaded] == pytest.approx([done[int(c)] for c in ex["case"][loaded]])
    assert np.all(ex["referred"][loaded] > 0.0)


def test_the_spouses_who_come_have_their_health_examination_ahead_of_them() -> None:
    """The spouses of pending applications are new cases: referred after their reception,
    they wait for the GPs as anyone does (here, never seen: never_share 1), where before
    they were all examined at once."""
    exam = {
        "after_task": "reception",
        "never_share": 1.0,
        "limit_days": 90.0,
        "wait_days": {"dist": "fixed", "value": 20.0},
    }
    s = scenario(
        {"open_cases": [opened_in(dt.date(2023, 6, 1), 5)],
         "pending_reunifications": [{"applied": dt.date(2023, 8, 15), "applications": 3}]},
        reunification=spouses_in_210_days(), external={"health_examination": exam},
        arrivals={"process": "exact", "monthly": [0, 1]},
    )  # fmt: skip
    record = Municipality(s, 0).run()
    ex, c = record.examinations, record.cases
    spouses = set(c["case"][c["reunified"].astype(bool)].tolist())
    mine = np.isin(ex["case"], list(spouses))
    assert mine.sum() == 3 and np.all(np.isnan(ex["examined"][mine]))
    assert np.all(np.isinf(ex["wait"][mine]))


def test_families_already_due_before_the_start_are_redrawn_to_come_later() -> None:
    """An application sent 200 days before the start, processing 150 ± 100 days and travel
    14: families drawn to have arrived by the start are drawn again (they are pending)."""
    reunification = {
        "apply_share": {"single_adult": 0.0},
        "spouse_share": 1.0,
        "processing_days": {"dist": "lognormal", "mean": 150.0, "sd": 100.0},
        "travel_days": {"dist": "fixed", "value": 14.0},
    }
    s = scenario(
        {
            "open_cases": [opened_in(dt.date(2023, 5, 1), 40)],
            "pending_reunifications": [{"applied": dt.date(2023, 6, 15), "applications": 40}],
        },
        reunification=reunification,
    )
    record = Municipality(s, 1).run()
    arrived = record.families["arrived"]
    assert np.all(np.isnan(arrived) | (arrived > 0))  # NaN: after the end of the run


def test_an_open_case_past_its_first_employment_task_has_its_effort_under_way() -> None:
    """The employment task falls due 30 days after opening; a case taken over 107 days
    before the start had it then (history: its effort began at −77), one taken over in
    mid-December has it in the run and its effort begins when a caseworker starts it."""
    tasks = {
        "reception": one_task(),
        "skills": one_task(trigger={"on": "after", "days": 30.0}, employment=True),
    }
    s = scenario(
        {"open_cases": [opened_in(dt.date(2023, 9, 1), 1), opened_in(dt.date(2023, 12, 1), 1)]},
        tasks=tasks,
        exit={"self_support": {"refugee": [0.2, 0.3, 0.4]}, "other_per_year": 0.0,
              "period_years": 3.0, "before_effort_multiplier": 0.5},
        arrivals={"process": "exact", "monthly": [0, 1]},
    )  # fmt: skip
    record = Municipality(s, 0).run()
    c = record.cases
    old, young = (int(np.flatnonzero(np.isclose(c["opened"], t))[0]) for t in (-107.0, -15.5))
    assert c["effort_from"][old] == pytest.approx(-77.0)
    t = record.tasks
    skills = record.task_names.index("skills")
    started = t["started"][(t["case"] == c["case"][young]) & (t["type"] == skills)]
    assert not c["closed"][young] <= 14.5  # open when the task fell due (seeded)
    assert c["effort_from"][young] == pytest.approx(float(started[0]))
    assert c["effort_from"][young] >= 14.5  # due 30 days after opening, at day 14.5


# --------------------------------------------------------------------------- the work waiting


def waiting(task: str, created: dt.date, tasks: int) -> dict[str, Any]:
    return {"task": task, "created": created, "tasks": tasks}


VISITS = {
    "reception": one_task(),
    "visit": one_task(trigger={"on": "every", "days": 30.0}, deadline_days=14.0),
    "closure": one_task(trigger={"on": "closure"}),
}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (waiting("nap", dt.date(2023, 12, 1), 1), r"waiting_tasks\.0\.task: 'nap' is not an"),
        (waiting("closure", dt.date(2023, 12, 1), 1), "is done as a case closes"),
        (waiting("visit", dt.date(2024, 2, 1), 1), r"waiting_tasks\.0\.created: .* is after"),
        (waiting("visit", dt.date(2020, 11, 1), 1), "would have closed by the start"),
        (waiting("visit", dt.date(2023, 12, 1), 0), r"waiting_tasks\.0\.tasks"),
    ],
)
def test_a_waiting_task_that_cannot_be_is_an_error(entry: dict[str, Any], message: str) -> None:
    cases = [opened_in(dt.date(2023, 10, 1), 3)]
    with pytest.raises(ScenarioError, match=message):
        scenario({"open_cases": cases, "waiting_tasks": [entry]}, tasks=VISITS)


def test_a_waiting_task_needs_an_open_case_of_a_kind_it_is_for() -> None:
    tasks = {**VISITS, "spouse_visit": one_task(applies_to=["danish_spouse"])}
    cases = [opened_in(dt.date(2023, 10, 1), 3)]
    message = r"is for danish_spouse cases \(tasks\.spouse_visit\.applies_to\), and none is open"
    with pytest.raises(ScenarioError, match=message):
        scenario({"open_cases": cases,
                  "waiting_tasks": [waiting("spouse_visit", dt.date(2023, 12, 1), 1)]},
                 tasks=tasks)  # fmt: skip


def test_tasks_file_is_read_beside_the_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_text("takeover,cases\n2023-11,4\n", encoding="utf-8")
    (tmp_path / "tasks.csv").write_text(
        "task,created,tasks\nfollow_up_early,2023-11,2\nreception,2023-12-01,1\n\n",
        encoding="utf-8",
    )
    (tmp_path / "today.toml").write_text(
        'extends = "baseline.toml"\n[simulation]\nstart_date = 2024-01-01\n'
        "warmup_years = 0.0\n[caseworkers]\nstaffing = [{ date = 2024-01-01, caseworkers = 4 }]\n"
        '[initial_state]\ncases_file = "cases.csv"\ntasks_file = "tasks.csv"\n',
        encoding="utf-8",
    )
    state = load_scenario(tmp_path / "today.toml").initial_state
    assert state is not None and state.tasks_file is None
    assert [(e.task, e.created, e.tasks) for e in state.waiting_tasks] == [
        ("follow_up_early", dt.date(2023, 11, 1), 2),
        ("reception", dt.date(2023, 12, 1), 1),
    ]


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("created,tasks\n2023-11,4\n", "the header must name created, tasks, task"),
        ("task,created,tasks,kind\nreception,2023-11,4,x\n", "the header must name created"),
        ("task,created,tasks\nreception,November,4\n", "line 2: created must be YYYY-MM"),
        ("task,created,tasks\nreception,2023-11,\n", "line 2: created must be YYYY-MM"),
        ("task,created,tasks,caseworker\nreception,2023-11,4\n", "line 2: 3 fields, but"),
    ],
)
def test_a_bad_tasks_file_names_the_file_and_line(tmp_path: Path, csv: str, message: str) -> None:
    (tmp_path / "tasks.csv").write_text(csv, encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        'extends = "baseline.toml"\n[initial_state]\ntasks_file = "tasks.csv"\n', encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match=f"tasks.csv.*{message}"):
        load_scenario(tmp_path / "s.toml")


def test_tasks_file_in_plain_data_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="tasks_file is read when a scenario file is loaded"):
        scenario({"tasks_file": "x.csv"})


def test_waiting_tasks_are_queued_at_the_start_from_the_day_they_fell_due() -> None:
    """Ten cases taken over in October 2023 and ten in December; six visits waiting since
    November and four receptions since December. Each task is created on its day of its
    month (spread evenly, as takeovers are), its deadline runs from then, it goes to a case
    taken over by that day (the November visits: October's cases), and the waiting work is
    started first, in the office's order (statutory first, earliest deadline first)."""
    s = scenario(
        {
            "open_cases": [opened_in(dt.date(2023, m, 1), 10) for m in (10, 12)],
            "waiting_tasks": [waiting("visit", dt.date(2023, 11, 1), 6),
                              waiting("reception", dt.date(2023, 12, 1), 4)],
        },
        tasks=VISITS,
        caseworkers={"staffing": [{"date": START, "caseworkers": 1}], "assignment": "pool"},
    )  # fmt: skip
    record = Municipality(s, 0).run()
    t, c = record.tasks, record.cases
    old = t["created"] < 0
    assert old.sum() == 10
    visit, reception = (record.task_names.index(n) for n in ("visit", "reception"))
    nov = (dt.date(2023, 11, 1) - START).days  # -61: November has 30 days
    assert np.sort(t["created"][old & (t["type"] == visit)]) == pytest.approx(
        nov + 30 * (np.arange(6) + 0.5) / 6
    )
    dec = (dt.date(2023, 12, 1) - START).days  # -31
    assert np.sort(t["created"][old & (t["type"] == reception)]) == pytest.approx(
        dec + 31 * (np.arange(4) + 0.5) / 4
    )
    visits = old & (t["type"] == visit)
    assert t["due"][visits] == pytest.approx(t["created"][visits] + 14.0)
    opened = dict(zip(c["case"].tolist(), c["opened"].tolist(), strict=True))
    held_by = zip(t["case"][old].tolist(), t["created"][old].tolist(), strict=True)
    assert all(opened[case] <= created for case, created in held_by)
    # started first, earliest deadline first, by the one caseworker
    order = np.argsort(t["started"])[:10]
    assert np.all(old[order]) and np.all(np.diff(t["due"][order]) > 0)
    assert np.all(t["started"][old] >= 0)


def test_the_waiting_work_draws_from_streams_of_its_own() -> None:
    """Common random numbers: the hours of the tasks of the cases placed during the run are
    those of the same run without the waiting work (lognormal hours, drawn per task type)."""
    lognormal = {"dist": "lognormal", "mean": 2.0, "sd": 1.0}
    tasks = {**VISITS, "reception": one_task(duration_hours=lognormal)}
    cases = {"open_cases": [opened_in(dt.date(2023, 10, 1), 10)]}
    work = {**cases, "waiting_tasks": [waiting("reception", dt.date(2023, 12, 1), 8)]}
    runs = [Municipality(scenario(state, tasks=tasks), 4).run() for state in (cases, work)]
    placed = []
    for record in runs:
        t, c = record.tasks, record.cases
        later = np.isin(t["case"], c["case"][c["opened"] >= 0])
        kind = t["type"] == record.task_names.index("reception")
        placed.append(np.sort(t["hours"][later & kind]))
    assert len(placed[0]) > 20 and np.array_equal(placed[0], placed[1])
    waited = runs[1].tasks["created"] < 0
    assert waited.sum() == 8 and len(set(runs[1].tasks["hours"][waited].tolist())) == 8


def test_the_waiting_work_is_in_the_backlog_and_the_cases_taken_over_are_not_opened() -> None:
    """Eight 2-hour tasks waiting at the start, one caseworker, 8 hours of casework a day
    at most: the 16 hours take at least two days, so they add at least 16 hours x 2 days
    / 2 = 16 hour-days to week 0's backlog, 16/7 hours to its mean (more, if other work
    waits behind them). The weekly count of cases opened counts the one case placed in the
    run (in its second month), not the 30 taken over."""
    from simulator.analysis.metrics import analyse

    cases = {"open_cases": [opened_in(dt.date(2023, 10, 1), 30)]}
    work = {**cases, "waiting_tasks": [waiting("reception", dt.date(2023, 12, 1), 8)]}
    weeks, summaries = [], []
    for state in (cases, work):
        s = scenario(state, tasks=VISITS, arrivals={"process": "exact", "monthly": [0, 1]},
                     caseworkers={"staffing": [{"date": START, "caseworkers": 1}]})  # fmt: skip
        model = Municipality(s, 0)
        stats = analyse(model.run(), model.calendar)
        weeks.append(stats.weekly.pivot_table(index="date", columns="metric", values="value"))
        summaries.append(stats.summary)
    assert s.caseworkers.casework_hours_per_day <= 8.0
    added = weeks[1]["backlog_hours"].iloc[0] - weeks[0]["backlog_hours"].iloc[0]
    assert added >= 16.0 / 7
    assert weeks[1]["cases_opened"].sum() == summaries[1]["cases_opened"] == 1


# --------------------------------------------------------------------------- who holds what


def held_by(month: dt.date, cases: int, caseworker: int) -> dict[str, Any]:
    return {**opened_in(month, cases), "caseworker": caseworker}


OCT, NOV, DEC = (dt.date(2023, m, 1) for m in (10, 11, 12))
# resignations off: nobody leaves but whom the state says
TURNOVER = {"resignations_per_year": 0.0, "learning_days": 100.0, "start_productivity": 0.5,
            "recruitment_days": {"dist": "fixed", "value": 40.0}}  # fmt: skip


LATER = dt.date(2024, 3, 1)


@pytest.mark.parametrize(
    ("state", "posts", "turnover", "message"),
    [
        ({"open_cases": [held_by(OCT, 3, 4)]}, 4, True,
         r"open_cases\.0\.caseworker: 4, but 4 case"),
        ({"open_cases": [held_by(OCT, 3, 1)], "vacancies": [{"filled": LATER}]}, 2, True,
         r"open_cases\.0\.caseworker: 1, but 1 caseworkers are at work .* \(numbered 0 to 0"),
        ({"open_cases": [opened_in(OCT, 3)], "vacancies": [{}, {}]}, 1, True,
         "2 posts vacant, but the staffing plan has 1"),
        ({"open_cases": [held_by(OCT, 3, 0)], "waiting_tasks": [
            {**waiting("visit", NOV, 1), "caseworker": 1}]}, 4, True,
         r"waiting_tasks\.0\.caseworker: caseworker 1 holds no open refugee or reunified case"),
        ({"staff": [{"caseworker": 0, "away_until": START}]}, 4, True, "must be after"),
        ({"staff": [{"caseworker": 0}]}, 4, True, "give away_until, hired or leaves"),
        ({"staff": [{"caseworker": 0, "hired": NOV}]}, 4, False,
         r"hired needs a \[turnover\] table"),
        ({"staff": [{"caseworker": 0, "hired": dt.date(2024, 2, 1)}]}, 4, True, "is after"),
        ({"staff": [{"caseworker": 0, "away_until": LATER, "successor_starts": LATER}]}, 4,
         True, "successor_starts needs leaves"),
        ({"staff": [{"caseworker": 0, "leaves": LATER, "successor_starts": dt.date(2024, 2, 1)}]},
         4, True, "is before leaves"),
        ({"staff": [{"caseworker": 0, "leaves": LATER}]}, 4, False, "give successor_starts, or a"),
        ({"staff": [{"caseworker": 0, "away_until": LATER, "successor": False}]}, 4, True,
         "successor: false .* needs leaves"),
        ({"staff": [{"caseworker": 0, "leaves": LATER, "successor_starts": LATER,
                     "successor": False}]}, 4, True, "and no successor_starts"),
        ({"staff": [{"caseworker": 0, "away_until": LATER}, {"caseworker": 0, "hired": NOV}]}, 4,
         True, "0 is listed twice"),
        ({"vacancies": [{}]}, 4, False, r"vacancies\.0\.filled: give the day"),
        ({"vacancies": [{"filled": DEC}]}, 4, True, "is before simulation.start_date"),
    ],
)  # fmt: skip
def test_a_state_of_the_staff_that_cannot_be_is_an_error(
    state: dict[str, Any], posts: int, turnover: bool, message: str
) -> None:
    staffing = {"staffing": [{"date": START, "caseworkers": posts}]}
    extra = {"turnover": TURNOVER} if turnover else {}
    with pytest.raises(ScenarioError, match=message):
        scenario(state, tasks=VISITS, caseworkers=staffing, **extra)


def test_cases_have_a_caseworker_only_under_fixed_assignment() -> None:
    with pytest.raises(ScenarioError, match=r"only with caseworkers\.assignment = fixed"):
        scenario({"open_cases": [held_by(OCT, 3, 0)]},
                 caseworkers={"staffing": [{"date": START, "caseworkers": 2}],
                              "assignment": "pool"})  # fmt: skip


def test_the_cases_files_take_a_caseworker_column(tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_text(
        "takeover,cases,kind,caseworker\n2023-11,4,refugee,1\n2023-12,2,refugee,\n", "utf-8"
    )
    (tmp_path / "tasks.csv").write_text("task,created,tasks,caseworker\nvisit,2023-12,3,1\n")
    (tmp_path / "bad.csv").write_text("takeover,cases,caseworker\n2023-11,4,Anna\n")
    text = (
        'extends = "baseline.toml"\n[simulation]\nstart_date = 2024-01-01\n'
        "warmup_years = 0.0\n[caseworkers]\nstaffing = [{ date = 2024-01-01, caseworkers = 4 }]\n"
        '[initial_state]\ncases_file = "CASES"\n'
    )
    (tmp_path / "today.toml").write_text(text.replace("CASES", "cases.csv"), "utf-8")
    state = load_scenario(tmp_path / "today.toml").initial_state
    assert state is not None
    assert [(e.cases, e.caseworker) for e in state.open_cases] == [(4, 1), (2, None)]
    (tmp_path / "bad.toml").write_text(text.replace("CASES", "bad.csv"), "utf-8")
    with pytest.raises(ScenarioError, match=r"bad.csv, line 2: .*caseworker whole numbers"):
        load_scenario(tmp_path / "bad.toml")


def started_model(state: dict[str, Any], staff: int = 4, **changes: Any) -> Municipality:
    staffing = {"staffing": [{"date": START, "caseworkers": staff}]}
    s = scenario(state, tasks=VISITS, **{"caseworkers": staffing, "turnover": TURNOVER, **changes})
    model = Municipality(s, 0)
    model.start()
    return model


def test_cases_go_to_their_caseworker_and_the_others_balance_them() -> None:
    """Ten cases held by caseworker 2, six not said: those go least loaded first, so two
    each to the other three; the tasks waiting for caseworker 2 are on their cases, in
    their queue and backlog."""
    model = started_model({
        "open_cases": [held_by(OCT, 10, 2), opened_in(NOV, 6)],
        "waiting_tasks": [{**waiting("visit", NOV, 5), "caseworker": 2}],
    })  # fmt: skip
    workers = model.office.workers
    assert [len(w.cases) for w in workers] == [2, 2, 10, 2]
    queued = [e[-1] for e in workers[2].queue]
    assert len(queued) == 5 and all(t.case.worker == 2 and t.holder == 2 for t in queued)
    assert all(not w.queue for i, w in enumerate(workers) if i != 2)
    assert workers[2].backlog == pytest.approx(5 * 2.0)


def test_a_caseworker_away_at_the_start_works_from_the_day_back() -> None:
    """Caseworker 1 is away until 1 February; their five waiting visits wait for them (no
    cover), and the workforce log has them on sick leave every working day before."""
    back = dt.date(2024, 2, 1)
    s = scenario(
        {"open_cases": [held_by(OCT, 10, 0), held_by(OCT, 10, 1)],
         "waiting_tasks": [{**waiting("visit", NOV, 5), "caseworker": 1}],
         "staff": [{"caseworker": 1, "away_until": back}]},
        tasks=VISITS, caseworkers={"staffing": [{"date": START, "caseworkers": 2}]},
    )  # fmt: skip
    record = Municipality(s, 0).run()
    t, w = record.tasks, record.workforce["days"]
    day_back = (back - START).days
    theirs = t["worker"] == 1
    assert theirs.sum() > 5 and t["started"][theirs].min() >= day_back
    before = (w["worker"] == 1) & (w["day"] < day_back)
    assert before.sum() >= 20 and np.all(w["status"][before] == 2)  # SICK
    assert np.all(w["status"][(w["worker"] == 1) & (w["day"] >= day_back)] != 2)
    waited = (t["created"] < 0) & (t["type"] == record.task_names.index("visit"))
    assert waited.sum() == 5 and np.all(t["worker"][waited] == 1)


def test_a_new_caseworker_learns_from_the_day_they_were_hired() -> None:
    """Hired 40 days before the start, learning over 100 days from 0.5: 0.7 at the start."""
    model = started_model({"staff": [{"caseworker": 3, "hired": START - dt.timedelta(40)}]})
    assert model.office.workers[3].productivity == pytest.approx(0.5 + 0.5 * 40 / 100)
    assert [w.productivity for w in model.office.workers[:3]] == [1.0] * 3


def test_a_leaver_goes_and_the_successor_and_a_vacant_post_start_when_said() -> None:
    """Four posts, one vacant until 1 March; caseworker 0 leaves on 1 April and the
    successor starts on 15 April; caseworker 1 leaves on 1 May, the successor after the
    recruitment drawn from the start (40 days: done by then, so the day they leave). Each
    change happens on the first working day from its date."""
    s = scenario(
        {"open_cases": [held_by(OCT, 6, 0), opened_in(OCT, 6)],
         "staff": [{"caseworker": 0, "leaves": dt.date(2024, 4, 1),
                    "successor_starts": dt.date(2024, 4, 15)},
                   {"caseworker": 1, "leaves": dt.date(2024, 5, 1)}],
         "vacancies": [{"filled": LATER}]},
        tasks=VISITS, turnover=TURNOVER,
        caseworkers={"staffing": [{"date": START, "caseworkers": 4}]},
    )  # fmt: skip
    model = Municipality(s, 0)
    record = model.run()
    workdays = model.calendar.workdays()
    assert [t for t, _ in record.staff_changes] == sorted(t for t, _ in record.staff_changes)

    def on(date: dt.date) -> float:
        return float(min(d for d in workdays if d >= (date - START).days))

    assert [n for t, n in record.staff_changes if t == 0][-1] == 3  # one post vacant
    assert [(t, n) for t, n in record.staff_changes if t > 0] == [
        (on(LATER), 4),  # the vacancy filled
        (on(dt.date(2024, 4, 1)), 3),  # 0 leaves
        (on(dt.date(2024, 4, 15)), 4),  # their successor
        (on(dt.date(2024, 5, 1)), 5),  # 1's successor starts the day they leave, before
        (on(dt.date(2024, 5, 1)), 4),  # they go (recruiting is done first in the round)
    ]
    left = {int(w): t for w, t in record.departures.tolist()}
    assert left == {0: on(dt.date(2024, 4, 1)), 1: on(dt.date(2024, 5, 1))}


def test_a_successor_due_before_a_later_vacancy_is_filled_starts_on_time() -> None:
    """A vacancy filled on 3 June and caseworker 0 leaving on 1 February, the successor
    starting on 5 February: the successor starts then, not behind the vacancy (posts are
    listed in the order they fall empty, and each is filled on its own day)."""
    s = scenario(
        {"caseworkers": 3, "open_cases": [held_by(OCT, 6, 0), opened_in(OCT, 6)],
         "staff": [{"caseworker": 0, "leaves": dt.date(2024, 2, 1),
                    "successor_starts": dt.date(2024, 2, 5)}],
         "vacancies": [{"filled": dt.date(2024, 6, 3)}]},
        tasks=VISITS, turnover=TURNOVER,
        caseworkers={"staffing": [{"date": START, "caseworkers": 4}]},
    )  # fmt: skip
    record = Municipality(s, 0).run()
    changes = [(t, n) for t, n in record.staff_changes if t > 0]
    days = [float((dt.date(2024, m, d) - START).days) for m, d in ((2, 1), (2, 5), (6, 3))]
    assert changes == [(days[0], 2), (days[1], 3), (days[2], 4)]  # all working days


def test_a_cut_at_the_start_falls_on_the_empty_post_before_one_still_to_empty() -> None:
    """Three at work, caseworker 0 leaving on 1 February (successor on 15 February) and a
    post empty until 3 June, four posts; the plan has three: the empty post is cut, and
    the leaver's successor still comes."""
    model = started_model(
        {"caseworkers": 3, "open_cases": [held_by(OCT, 6, w) for w in range(3)],
         "staff": [{"caseworker": 0, "leaves": dt.date(2024, 2, 1),
                    "successor_starts": dt.date(2024, 2, 15)}],
         "vacancies": [{"filled": dt.date(2024, 6, 3)}]},
        caseworkers={"staffing": [{"date": START, "caseworkers": 3}]},
    )  # fmt: skip
    leaves, successor = ((dt.date(2024, m, d) - START).days for m, d in ((2, 1), (2, 15)))
    leaver = model.office.workers[0].id
    assert model.workforce.recruiting == [(leaves, successor, leaver)]


@pytest.mark.parametrize(("posts", "people", "vacant"), [(6, [4, 5, 5, 5, 5], 1), (2, [12, 12], 0)])
def test_posts_at_the_start_other_than_the_people_there_are_added_or_cut(
    posts: int, people: list[int], vacant: int
) -> None:
    """Three caseworkers at work with eight cases each and a post vacant; the staffing
    plan (or a plan's) has `posts` at the start. Six: two more posts are filled at the
    start by newcomers, the vacancy still recruited for, and the 24 cases shared out again
    (rebalance on). Two: the vacancy is cut, then the last caseworker, whose cases go to
    the other two."""
    model = started_model(
        {"caseworkers": 3, "open_cases": [held_by(OCT, 8, w) for w in range(3)],
         "vacancies": [{"filled": LATER}]},
        caseworkers={"staffing": [{"date": START, "caseworkers": posts}],
                     "rebalance_on_staff_change": True},
    )  # fmt: skip
    assert sorted(len(w.cases) for w in model.office.workers) == people
    assert model.workforce.positions == posts and len(model.workforce.recruiting) == vacant
    # the three there know the job; the posts added are newcomers, at start_productivity
    speeds = [w.productivity for w in model.office.workers]
    assert speeds == [1.0] * min(3, posts) + [0.5] * (posts - 4 if posts > 4 else 0)


# --------------------------------------------------------------------------- a run's state


def test_a_runs_state_loaded_is_the_state_a_start_from_it_has() -> None:
    """The state of quota_doubled's replications on 1 January 2015 (`state_on`), loaded as
    a start that day (`at_start`), is what that start holds before anything happens: the
    same cases by month, kind and caseworker, the same tasks waiting, the same people away,
    new and leaving, the same vacancies and pending applications, those still to be sent
    by families alone among them. Replications 2 and 4 (chosen by looking, on the baseline
    refitted on 2 December 2026): 2 has two caseworkers away, one new and a vacancy, 4 one
    leaving (a successor to start later) and a family preparing its application alone."""
    from simulator.experiments.state import at_start, state_now, state_on

    base = load_scenario("quota_doubled")
    on = dt.date(2015, 1, 1)
    seen = set()
    for replication in (2, 4):
        state = state_on(base, on, replication)
        seen |= {key for key in ("staff", "vacancies") if state[key]}
        if any(p["applied"] > on for p in state["pending_reunifications"]):
            seen.add("sent alone")
        start = at_start(base, state, on)
        assert start.simulation.start_date == on and start.simulation.warmup_years == 0
        assert start.simulation.duration_days == (dt.date(2018, 1, 1) - on).days
        model = Municipality(start, 0)
        model.start()
        assert state_now(model) == state
        assert sum(e["cases"] for e in state["open_cases"]) > 250
        at_work = set(range(start.at_work_at_start()))  # each holds cases; 3 with a vacancy
        assert {e["caseworker"] for e in state["open_cases"]} == at_work
        assert {e["caseworker"] for e in state["waiting_tasks"]} <= at_work
    assert seen == {"staff", "vacancies", "sent alone"}


def test_a_runs_state_on_days_within_a_month_is_the_state_a_start_from_it_has() -> None:
    """As above, on days that are not the first of a month (pending applications are kept
    by month, those still to be sent by day: one sent later on the state's own day must
    not read as sent), among them 11 September 2016 of replication 1, where a family sent
    its application alone that day."""
    from simulator.experiments.state import at_start, state_now

    base = load_scenario("quota_doubled")
    days = [dt.date(2014, 3, 17) + dt.timedelta(days=41 * k) for k in range(24)]
    days.append(dt.date(2016, 9, 11))
    model = Municipality(base, replication=1, seed=base.simulation.seed)
    model.start()
    alone = 0
    for day in sorted(days):
        model.env.run(until=model.calendar.day_of(day))
        state = state_now(model)
        alone += sum(p["applied"] > day for p in state["pending_reunifications"])
        start = Municipality(at_start(base, state, day), 0)
        start.start()
        assert state_now(start) == state, day
    assert alone >= 3


def test_a_runs_state_on_any_day_loads_and_runs_to_the_same_end() -> None:
    """quota_doubled's replication 1 looked at every Monday and on the first of every
    month of 2014-2016: each state loads as a start that day (a leave or a post filled
    on a closed day, due and not yet happened, is dated that day, not before the start)
    and its run ends on the scenario's last day (the duration in years never rounds a day
    on: yearly quotas stop at 2017)."""
    from simulator.experiments.state import at_start, state_now

    base = load_scenario("quota_doubled")
    model = Municipality(base, replication=1, seed=base.simulation.seed)
    model.start()
    first, last = dt.date(2014, 1, 1), dt.date(2017, 1, 1)
    days = [first + dt.timedelta(days=k) for k in range((last - first).days)]
    staffed = 0
    for day in [d for d in days if d.weekday() == 0 or d.day == 1]:
        model.env.run(until=model.calendar.day_of(day))
        state = state_now(model)
        assert at_start(base, state, day).simulation.last_day == base.simulation.last_day
        staffed += bool(state["staff"] or state["vacancies"])
    assert staffed > 20  # someone away, new or leaving, or a post empty, on many of them


SHOWN = ("backlog_hours_mean", "statutory_on_time_share", "utilisation_mean",
         "stress_index_mean", "sick_days_per_worker_year", "health_exam_within_limit_share",
         "health_exam_wait_days_mean", "health_exam_done_share")  # fmt: skip


@functools.cache
def runs_and_starts(posts: int) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """quota_doubled cut to its first quarter after the warm-up, `posts` posts from 1
    January 2015: per kind of start ("loaded"; at 4 posts also "without who", the cases and
    tasks alone), per metric of `SHOWN`, each of 20 runs' value (B) and the mean of 10
    starts from its state that day (M). Prints the figures docs/planning.md quotes (read
    them with pytest -s)."""
    from simulator.analysis.stats import t_quantile
    from simulator.api import run
    from simulator.experiments.state import at_start, state_on

    on, states, starts = dt.date(2015, 1, 1), 20, 10
    changes: dict[str, Any] = {"simulation.duration_years": 3.25}
    if posts != 4:  # an entry that changes nothing would share the cases out again
        more = {"date": on, "caseworkers": posts}
        changes["caseworkers.staffing"] = [{"date": dt.date(2012, 1, 1), "caseworkers": 4}, more]
    base = load_scenario("quota_doubled", changes=changes)

    def values(results: Any) -> dict[str, np.ndarray]:
        p = results.per_replication.sort_values("replication")
        return {k: p[p.metric == k].value.to_numpy() for k in SHOWN}

    def starts_from(state: dict[str, Any], r: int) -> dict[str, float]:
        done = run(at_start(base, state, on), replications=starts, seed=1000 + r, limits=False)
        return {k: float(np.nanmean(v)) for k, v in values(done).items()}

    def without_who(state: dict[str, Any]) -> dict[str, Any]:
        """The cases and tasks alone: no caseworkers, nobody away, new or leaving."""
        rows = {k: [{c: v for c, v in e.items() if c != "caseworker"} for e in state[k]]
                for k in ("open_cases", "waiting_tasks")}  # fmt: skip
        return {**state, **rows, "staff": [], "vacancies": []}

    b = values(run(base, replications=states, limits=False))
    loaded = [state_on(base, on, r) for r in range(states)]
    kinds: dict[str, Any] = {"loaded": lambda state: state}
    if posts == 4:  # the control: it failed the criterion before the fix of 2 Dec 2026, as
        # the mean state did (+121 hours); since it, +28 (-3 to +58): docs/planning.md
        kinds["without who"] = without_who
    out: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    print(f"\n{posts} posts: runs (B) against starts from their states (M), {states} runs")
    for kind, change in kinds.items():
        rows = [starts_from(change(state), r) for r, state in enumerate(loaded)]
        out[kind] = {k: (b[k], np.array([row[k] for row in rows])) for k in SHOWN}
        for k, (bk, m) in out[kind].items():
            d = bk - m
            half = t_quantile(0.95, states - 1) * d.std(ddof=1) / math.sqrt(states)
            print(f"  {kind:12} {k:31} B {bk.mean():8.3f} M {m.mean():8.3f} "
                  f"B-M {d.mean():+8.3f} ({d.mean() - half:+.3f} to {d.mean() + half:+.3f}) "
                  f"corr {np.corrcoef(bk, m)[0, 1]:.2f}")  # fmt: skip
    bk, m = out["loaded"]["backlog_hours_mean"]
    pairs = " ".join(f"{x:.0f}/{y:.0f}" for x, y in zip(bk, m, strict=True))
    print("  backlog by run, B / M:", pairs)
    return out


def covers_0(b: np.ndarray, m: np.ndarray) -> bool:
    """Whether the 95 % t interval of the mean of B - M covers 0."""
    from simulator.analysis.stats import t_quantile

    d = b - m
    half = t_quantile(0.95, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    return bool(d.mean() - half <= 0 <= d.mean() + half)


@pytest.mark.parametrize("posts", [4, 8])
def test_a_start_from_a_runs_state_continues_as_the_run_did(posts: int) -> None:
    """Written down before the first run: quota_doubled, its first quarter after the
    warm-up. For each of 20 runs, its backlog over the quarter (B) against the mean of 10
    starts from its state on 1 January 2015 (M): the 95 % t interval of the mean of B - M
    covers 0. It does (-11.3 hours, -34.6 to +12.0; B 207 hours on average; the correlation
    of B and M 0.94). Before the fix of 2 December 2026 (a replacement caseworker started
    with no cases) it read +12.1 (-10.4 to +34.6), where loading the cases and tasks
    without who holds them and who is away gave +121 hours (+68 to +174), the mean-state
    start's failure; since the fix that control reads +28 (-3 to +58). And on the
    planner's path, 8 posts from that day (a staffing change in the runs, posts added to
    the state's people in the starts): -10.2 hours (-26.4 to +6.0; +1.1 before the fix)."""
    assert covers_0(*runs_and_starts(posts)["loaded"]["backlog_hours_mean"])


def test_the_health_examinations_wait_as_in_the_run() -> None:
    """Written down before the GPs' examinations of the cases open at the start were
    loaded: the same 20 runs and starts at 4 posts; the 95 % t interval of B - M covers 0
    for the mean wait for an examination once referred. Before, it did not (+9.0 days,
    +2.6 to +15.4: the starts saw only the new cases); loaded, it does (+1.9, -2.0 to
    +5.8; before the fix of 2 December 2026 +3.4, -1.8 to +8.6)."""
    assert covers_0(*runs_and_starts(4)["loaded"]["health_exam_wait_days_mean"])


def test_the_health_examinations_are_within_the_limit_as_in_the_run() -> None:
    """Written down with the test above, the same criterion for the share examined within
    the limit of those due in the quarter. Before the loading it held (+0.033, -0.062 to
    +0.128) on the wrong people, the new cases alone; loaded, it holds: runs 0.420, starts
    0.428, -0.008 (-0.047 to +0.032); given the referrals (the GPs' own draws integrated
    out, benchmarks/diagnose_start_examinations.py), +0.004 (-0.005 to +0.013). Before
    the fix of 2 December 2026 it failed (-0.051, -0.091 to -0.012), put down to chance in
    the runs' GP draws, and was a strict expected failure."""
    assert covers_0(*runs_and_starts(4)["loaded"]["health_exam_within_limit_share"])


def test_the_api_gives_a_runs_state_and_a_start_from_it(tmp_path: Path) -> None:
    """`state_on`, `start_from` and `write_state` as a notebook uses them; a day outside
    the run, or a folder that is not one, is a ScenarioError naming it."""
    import simulator as cl

    baseline = cl.load_scenario("baseline")
    state = cl.state_on(baseline, "2014-06-02", replication=2)
    start = cl.start_from(baseline, state, "2014-06-02")
    loaded = start.initial_state
    assert loaded is not None and loaded.caseworkers + len(loaded.vacancies) == 4  # posts
    cases, tasks = cl.write_state(state, tmp_path)
    assert cases.name == "today_cases.csv" and tasks.name == "today_tasks.csv"
    read = cases.read_text().splitlines()
    assert read[0] == "takeover,cases,kind,caseworker" and len(read) > 50
    first = cl.state_on(baseline, "2012-01-01")  # the start day: an empty office
    assert first["open_cases"] == [] and first["caseworkers"] == 4
    for bad in (None, {"open_cases": [1, 2]}):
        with pytest.raises(ScenarioError, match=r"^state"):
            cl.write_state(bad, tmp_path)
    with pytest.raises(ScenarioError, match=r"^state: "):
        cl.start_from(baseline, None, "2014-06-02")
    for on in ("2011-12-31", "2018-01-01", "June"):  # the run: 2012-01-01 to 2017-12-31
        with pytest.raises(ScenarioError, match=r"^on: "):
            cl.state_on(baseline, on)
    with pytest.raises(ScenarioError, match="not a folder"):
        cl.write_state(state, tmp_path / "nowhere")
    (tmp_path / "mine_tasks.csv").write_text("my own\n")  # not the tool's: kept
    with pytest.raises(ScenarioError, match=r"mine_tasks\.csv: already there; left as it is"):
        cl.write_state(state, tmp_path, "mine")
    with pytest.raises(ScenarioError, match=r"mine_tasks\.csv: exists, and caseload did not"):
        cl.write_state(state, tmp_path, "mine", force=True)  # force replaces only its own
    assert not (tmp_path / "mine_cases.csv").exists()  # checked before either is written
    assert (tmp_path / "mine_tasks.csv").read_text() == "my own\n"
    (tmp_path / "mine_tasks.csv").unlink()
    written = cl.write_state(state, tmp_path, "mine")
    assert cl.write_state(state, tmp_path, "mine", force=True) == written


def test_the_families_still_to_come_arrive_as_in_the_run() -> None:
    """Written down before the first run: quota_doubled with its own staffing; for each of
    20 runs, the families arriving in 2015, 2016 and 2017 (B) against the mean of 4 starts
    from its state on 1 January 2015 (M); each year the 95 % t interval of the mean of
    B - M covers 0. It does: -1.51, +1.06 and +0.97 families a year, of 28, 19 and 26
    (-3.05 to +0.03, -1.58 to +3.70, -1.84 to +3.79). Before the fix of 2 December 2026:
    +2.0, +2.1 and +1.9, of 39, 25 and 34 (-0.9 to +5.0, -1.0 to +5.2, -1.3 to +5.0);
    before the families still to come were loaded, 10 runs gave 3.6 and 2.7 fewer in
    2015 and 2017. Of the runs' 2015 families, 1.1 a year were, on 1 January, preparing
    their application alone, and were not loaded: written down before the change that
    loads them, 2015's B - M should fall by about that much, the criterion unchanged. It
    fell to +1.0 (-1.7 to +3.6) (both before the fix)."""
    from simulator.analysis.stats import t_quantile
    from simulator.experiments.state import at_start, state_now

    on, states, starts = dt.date(2015, 1, 1), 20, 4
    base = load_scenario("quota_doubled")
    years = [(0, 365), (365, 731), (731, 1096)]

    def arrivals(model: Municipality, now: float) -> list[int]:
        arrived = np.array([r.arrived for r in model.family_log.rows], dtype=float)
        return [int(((arrived >= now + a) & (arrived < now + b)).sum()) for a, b in years]

    b, m = [], []
    for r in range(states):
        run = Municipality(base, replication=r, seed=base.simulation.seed)
        run.start()
        now = run.calendar.day_of(on)
        run.env.run(until=now)
        start = at_start(base, state_now(run), on)
        run.env.run(until=run.end)
        b.append(arrivals(run, now))
        mine = []
        for k in range(starts):
            model = Municipality(start, replication=k, seed=7000 + r)
            model.start()
            model.env.run(until=model.end)
            mine.append(arrivals(model, 0.0))
        m.append(np.mean(mine, axis=0))
    d = np.array(b, dtype=float) - np.array(m)
    half = t_quantile(0.95, states - 1) * d.std(axis=0, ddof=1) / math.sqrt(states)
    for y, year in enumerate((2015, 2016, 2017)):  # the figures docs/planning.md quotes
        print(f"\n{year}: runs {np.mean(b, axis=0)[y]:.1f} starts {np.mean(m, axis=0)[y]:.1f} "
              f"B-M {d.mean(axis=0)[y]:+.2f} ({d.mean(axis=0)[y] - half[y]:+.2f} to "
              f"{d.mean(axis=0)[y] + half[y]:+.2f})", end="")  # fmt: skip
    assert np.all(np.abs(d.mean(axis=0)) <= half), (d.mean(axis=0), half)


def test_a_leaver_whose_post_was_cut_has_no_successor_in_a_start_from_the_state() -> None:
    """Caseworker 0 leaves on 1 March (successor 1 April), 1 on 9 January (successor 1
    May); the staffing plan cuts to 3 posts on 8 January, which takes 0's successor's post
    (the later of the two still to fall empty). On 10 January 0 leaves with no successor
    (`successor` false) and 1's post is vacant until 1 May. A start from that state goes on
    as the run: 0 goes on 1 March, nobody comes but 1's successor on 1 May. Read without
    `successor`, the start drew a successor for 0, and its cut fell on the vacancy (the
    empty post first): 1's successor never came. The run logs one vacancy, 1's: the cut
    post never stood vacant (it was logged as filled before it opened)."""
    from simulator.engine.records import HIRED
    from simulator.experiments.state import at_start, state_now

    on = dt.date(2024, 1, 10)
    s = scenario(
        {"caseworkers": 4, "open_cases": [held_by(OCT, 6, w) for w in range(4)],
         "staff": [{"caseworker": 0, "leaves": LATER, "successor_starts": dt.date(2024, 4, 1)},
                   {"caseworker": 1, "leaves": dt.date(2024, 1, 9),
                    "successor_starts": dt.date(2024, 5, 1)}]},
        tasks=VISITS, turnover=TURNOVER,
        caseworkers={"staffing": [{"date": START, "caseworkers": 4},
                                  {"date": dt.date(2024, 1, 8), "caseworkers": 3}]},
    )  # fmt: skip
    run = Municipality(s, 0)
    run.start()
    now = run.calendar.day_of(on)
    run.env.run(until=now)
    state = state_now(run)
    assert state["caseworkers"] == 3
    assert state["staff"] == [{"caseworker": 0, "leaves": LATER, "successor": False}]
    assert state["vacancies"] == [{"filled": dt.date(2024, 5, 1)}]
    start = at_start(s, state, on)
    assert start.at_work_at_start() == 3 and start.posts_at_start() == 3
    model = Municipality(start, 0)
    model.start()
    assert state_now(model) == state
    run.env.run(until=run.end)
    model.env.run(until=model.end)

    def hired(model: Municipality, since: float) -> list[float]:
        events = model.workforce.log.arrays()["events"]
        days = events["day"][(events["kind"] == HIRED) & (events["day"] > since)]
        return [float(day) - since for day in days]

    assert hired(run, now) == [(dt.date(2024, 5, 1) - on).days]
    vacancies = run.workforce.log.arrays()["vacancies"]  # the cut post never stood vacant
    assert list(zip(vacancies["opened"], vacancies["filled"], strict=True)) == [
        (float(run.calendar.day_of(dt.date(2024, 1, 9))), float((dt.date(2024, 5, 1) - START).days))
    ]
    assert hired(model, 0) == hired(run, now)
    assert [len(model.office.workers), len(run.office.workers)] == [3, 3]
    # on the day 0 leaves, the vacancy of 1's post loaded at the start is not 0's successor
    later = Municipality(s, 0)
    later.start()
    later.env.run(until=later.calendar.day_of(LATER))
    state = state_now(later)
    assert state["staff"] == [{"caseworker": 0, "leaves": LATER, "successor": False}]
    again = Municipality(at_start(s, state, LATER), 0)
    again.start()
    assert state_now(again) == state


def test_cuts_count_a_leaver_once() -> None:
    """Four at work, caseworker 0 leaving on 1 March (successor on 1 April); the staffing
    plan cuts to 3 posts on 8 January and to 2 on 15 January. The first cut takes the
    successor's post (0 still leaves); the second someone not under notice: from 1 March
    two are at work for two posts (the leaver was counted twice, and three stayed)."""
    s = scenario(
        {"caseworkers": 4, "open_cases": [held_by(OCT, 6, w) for w in range(4)],
         "staff": [{"caseworker": 0, "leaves": dt.date(2024, 3, 1),
                    "successor_starts": dt.date(2024, 4, 1)}]},
        tasks=VISITS, turnover=TURNOVER,
        caseworkers={"staffing": [{"date": START, "caseworkers": 4},
                                  {"date": dt.date(2024, 1, 8), "caseworkers": 3},
                                  {"date": dt.date(2024, 1, 15), "caseworkers": 2}]},
    )  # fmt: skip
    record = Municipality(s, 0).run()
    march = (dt.date(2024, 3, 1) - START).days
    assert record.staff_changes[-1] == (float(march), 2)
    assert {int(w) for w, _ in record.departures.tolist()} == {0, 3}


def test_days_to_years_is_never_longer_and_ends_on_the_same_day() -> None:
    """`days_to_years` is the inverse of `years_to_days` that never rounds a day on: for
    starts on every day of 2015-2016 (a leap year among them) and runs from a day to five
    years, half-days included, the years it gives are not longer than the days asked, and
    within a day of them. (A rest of over 365.25 days in a leap year looped for ever.)"""
    from simulator.scenario.schema import days_to_years, years_to_days

    for k in range(0, 731, 5):
        start = dt.date(2015, 1, 1) + dt.timedelta(days=k)
        for days in (1.0, 365.0, 365.5, 366.0, 730.5, 1000.25, 1826.0):
            years = days_to_years(start, days)
            assert days - 1.0 < years_to_days(start, years) <= days, (start, days, years)
