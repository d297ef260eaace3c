"""The workforce acts in the right direction: absence, stress, turnover, overtime; and
the invariants with every mechanism and policy on.

Paired runs as in `levers`; each policy of the office has its tests beside its module,
in tests/engine/policies/.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from levers import baseline, plain_office, run, same_people
from test_model import check_invariants

from simulator.engine.workforce import SICK, VACATION
from simulator.scenario import load_scenario

# ---------------------------------------------------------------- absence


def test_sick_leave_without_stress_matches_the_base_rate():
    """With stress switched off (sensitivity 0) sick days per caseworker-year average the
    scenario's rate. Over 3 replications x 4 caseworkers x 2 measured years = 24
    caseworker-years of spells (about 4 a year, mean 3 working days, sd 4): the sd of
    one caseworker-year's total is about sqrt(4 * (3^2 + 4^2)) = 10 days, so the mean
    of 24 has sd about 2; 4 sd either side of 12 is 4 to 20."""
    scenario = baseline(
        "absence.sick_leave.stress_sensitivity=0.0", "absence.vacation.weeks_per_year=6"
    )
    values = [run(scenario, rep)[2].summary["sick_days_per_worker_year"] for rep in range(3)]
    assert 4 <= np.mean(values) <= 20


def test_higher_stress_sensitivity_raises_sick_days():
    calm = baseline("absence={}", "absence.sick_leave.stress_sensitivity=0.0")
    sensitive = baseline("absence={}", "absence.sick_leave.stress_sensitivity=5.0")
    _, ra, a = run(calm)
    _, rb, b = run(sensitive)
    same_people(ra, rb)
    assert a.summary["stress_days_share"] > 0  # the baseline is under pressure when away
    assert b.summary["sick_days_per_worker_year"] > a.summary["sick_days_per_worker_year"]


def test_vacation_is_mostly_in_july_and_the_weeks_add_up():
    scenario = baseline("absence={ vacation = { weeks_per_year = 6 }, sick_leave = {} }",
                        "absence.sick_leave.days_per_year=0")  # fmt: skip
    model, record, stats = run(scenario)
    d = record.workforce["days"]
    working = ~np.isnan(d["stress"])
    on_vacation = working & (d["status"] == VACATION)
    months = np.array(
        [(model.calendar.start + dt.timedelta(days=int(x))).month for x in d["day"][on_vacation]]
    )
    assert np.mean(months == 7) > 0.4  # three of six weeks start in late June or July
    assert not (d["status"] == SICK).any()
    # six weeks are 30 working days, less public holidays that fall inside them
    assert 24 <= stats.summary["vacation_days_per_worker_year"] <= 30


@pytest.mark.parametrize("christmas", [False, True])
def test_vacation_set_to_none_as_documented_runs_with_nobody_on_vacation(christmas):
    """The schema's way to have no vacation (weeks_per_year and summer_weeks 0, christmas
    false) runs (its empty summer holiday was planned as a block of no days, and the run
    stopped), with nobody on vacation; with the days after Christmas only, those five days
    (moved where the team's rule asks, none lost) are the vacation: at most five working
    days a year each."""
    weeks = 1 if christmas else 0
    scenario = baseline(
        f"absence={{ vacation = {{ weeks_per_year = {weeks}, summer_weeks = 0, "
        f"christmas = {str(christmas).lower()} }}, sick_leave = {{}} }}",
        "absence.sick_leave.days_per_year=0",
    )
    _, record, stats = run(scenario)
    d = record.workforce["days"]
    away = d["day"][d["status"] == VACATION]
    assert (away.size > 0) == christmas
    assert 0 < stats.summary["vacation_days_per_worker_year"] <= 5 or not christmas


def vacation_by_day(share: float, staff: int, years: int = 6):
    """(caseworkers on vacation, caseworkers employed, vacation days per caseworker) per
    working day of a run of `years` whole years with `staff` caseworkers and vacation only
    (no sick leave, nobody leaves), under a staggering rule of `share` (1: none)."""
    scenario = plain_office(
        f"simulation.duration_years={years}",
        "simulation.warmup_years=1",
        f"caseworkers.staffing=[{{ date = 2012-01-01, caseworkers = {staff} }}]",
        f"absence={{ vacation = {{ max_share_away = {share} }} }}",
        "absence.sick_leave.days_per_year=0",
    )
    _, record, _ = run(scenario)
    d = record.workforce["days"]
    working = ~np.isnan(d["stress"])
    days = np.unique(d["day"][working])
    away = np.bincount(
        np.searchsorted(days, d["day"][working & (d["status"] == VACATION)]), minlength=days.size
    )
    employed = np.bincount(np.searchsorted(days, d["day"][working]), minlength=days.size)
    per_worker = np.bincount(d["worker"][working & (d["status"] == VACATION)], minlength=staff)
    return away, employed, per_worker


@pytest.mark.parametrize("staff", [4, 7])
def test_staggered_vacations_keep_the_share_away_and_every_vacation_day(staff):
    """At most half the team on vacation on any working day (4 caseworkers: 2; 7: 3),
    where without the rule the whole team is away at times (between Christmas and New
    Year, some summer days); and each caseworker takes exactly the vacation days they
    would take without the rule: blocks move, none is lost."""
    free_away, free_employed, free_days = vacation_by_day(1.0, staff)
    away, employed, days = vacation_by_day(0.5, staff)
    assert (employed == staff).all() and (free_employed == staff).all()
    assert free_away.max() == staff  # without the rule, everyone away together at times
    assert away.max() == staff // 2
    assert (days == free_days).all() and days.sum() > 0
    assert days.sum() == free_days.sum() == away.sum()


def test_absence_lowers_capacity_and_lengthens_waits():
    """Away caseworkers' tasks wait for them (cover: tests/engine/policies/test_cover.py)."""
    away = baseline("absence={}", 'caseworkers.absence_cover="wait"')
    _, r0, none = run(baseline())
    _, r1, wait = run(away)
    same_people(r0, r1)
    assert wait.summary["caseworkers_present_mean"] < none.summary["caseworkers_present_mean"]
    assert wait.summary["task_wait_days_mean"] > none.summary["task_wait_days_mean"]


# ---------------------------------------------------------------- turnover


def test_resignations_open_vacancies_that_are_filled_after_recruitment():
    scenario = baseline(
        "turnover={ resignations_per_year = 1.0, stress_sensitivity = 0.0 }",
        'turnover.recruitment_days={ dist = "fixed", value = 60.0 }',
        "turnover.notice_days=30",
    )
    _model, record, stats = run(scenario)
    w = record.workforce
    resigned = w["events"]["day"][w["events"]["kind"] == 0]
    assert resigned.size >= 4  # about 4 caseworkers x 1 a year x 3 years
    gaps = w["vacancies"]["filled"] - w["vacancies"]["opened"]
    # recruitment starts at the resignation and takes 60 days; the leaver goes after 30
    # days; people start on a working day, so a start due on a weekend (or a holiday
    # weekend) waits up to three days
    assert np.all((gaps >= 30.0) & (gaps <= 33.0))
    assert stats.summary["vacancy_days"] > 0
    active = [n for t, n in record.staff_changes if t > 0]
    assert max(active) <= 4 < max(active) + 1  # a leaver is replaced, never doubled
    assert len(active) == 2 * resigned.size  # each leave and each start changes the count


def caseloads_on(record, day: int) -> list[int]:
    """Cases each caseworker on the staff on working `day` held just after the day's round
    (at midnight), from the assignment log: none for one who holds no case."""
    a, days = record.assignments, record.workforce["days"]
    t = day + 1e-6
    held = (a["start"] <= t) & (t < a["end"])
    staff = days["worker"][days["day"] == day]
    return sorted(int((held & (a["worker"] == w)).sum()) for w in staff)


def test_a_replacement_gets_a_share_of_the_cases_when_it_starts():
    """With `rebalance_on_staff_change` (the default), a caseworker recruited to replace a
    leaver is given cases when they start, as the schema and docs/workforce.md say:
    loads then differ by at most one (newest cases move first)."""
    scenario = baseline(
        "turnover={ resignations_per_year = 1.0, stress_sensitivity = 0.0 }",
        'turnover.recruitment_days={ dist = "fixed", value = 60.0 }',
        "turnover.notice_days=30",
    )
    _model, record, _ = run(scenario)
    ev = record.workforce["events"]
    starts = ev["day"][(ev["kind"] == 1) & (ev["day"] > 0)]
    assert starts.size >= 3
    for day in starts:
        loads = caseloads_on(record, int(day))
        assert len(loads) >= 2 and loads[-1] - loads[0] <= 1, (int(day), loads)


def test_a_hiring_freeze_keeps_positions_vacant_longer():
    free = baseline("turnover={ resignations_per_year = 1.0, stress_sensitivity = 0.0 }")
    frozen = baseline(
        "turnover={ resignations_per_year = 1.0, stress_sensitivity = 0.0 }",
        "turnover.hiring_freezes=[{ start = 2012-01-01, end = 2013-07-01 }]",
    )
    (_, _, a), (model, record, b) = run(free), run(frozen)
    assert b.summary["vacancy_days"] > a.summary["vacancy_days"]
    ev = record.workforce["events"]
    hires = ev["day"][(ev["kind"] == 1) & (ev["day"] > 0)]
    assert hires.size and hires.min() >= model.calendar.day_of(dt.date(2013, 7, 1))


def test_new_hires_learn_the_job():
    scenario = baseline(
        "turnover={ resignations_per_year = 0.0, start_productivity = 0.5, learning_days = 90 }",
        "caseworkers.staffing=[{ date = 2012-01-01, caseworkers = 4 }, "
        "{ date = 2013-01-01, caseworkers = 5 }]",
        "case_mix.interpreter_share=0.0",  # interpreted meetings would take longer still
    )
    model, record, _ = run(scenario)
    t = record.tasks
    new = model.office.everyone[4]
    assert new.productivity == 1.0  # learnt by the end
    day = model.calendar.day_of(dt.date(2013, 1, 1))
    # tasks the new hire did within one working day: time taken per hour of work
    same_day = np.floor(t["started"]) == np.floor(t["finished"])
    by_new = (t["worker"] == 4) & (t["state"] == 0) & same_day
    slowness = (t["finished"] - t["started"]) * 24 / t["hours"]
    early = by_new & (t["started"] < day + 20)  # productivity below 0.5 + 0.5 * 20 / 90
    late = by_new & (t["started"] > day + 120)  # learnt
    assert early.sum() >= 5 and late.sum() >= 5
    assert slowness[early].min() > 1 / (0.5 + 0.5 * 20 / 90)  # at about half speed
    assert slowness[late] == pytest.approx(1.0)


# ---------------------------------------------------------------- overtime


def test_overtime_adds_hours_when_the_backlog_is_high():
    pressed = "caseworkers.staffing=[{ date = 2012-01-01, caseworkers = 3 }]"
    a = run(baseline(pressed))[2]
    b = run(baseline(pressed, "overtime={ hours_per_week = 5, above = 1.0 }"))[2]
    assert a.summary["overtime_hours"] == 0
    assert b.summary["overtime_hours"] > 0
    assert b.summary["backlog_hours_mean"] < a.summary["backlog_hours_mean"]


# ---------------------------------------------------------------- invariants


@pytest.mark.parametrize("assignment", ["fixed", "pool"])
def test_invariants_hold_with_every_mechanism_on(assignment):
    cap = "caseworkers.caseload_cap=90" if assignment == "fixed" else "caseworkers.caseload_cap"
    overrides = [
        f"caseworkers.assignment={assignment!r}",
        'caseworkers.absence_cover="pool"',
        "absence={}",
        "turnover={ resignations_per_year = 0.5 }",
        "overtime={}",
        'triage={ action = "defer", drop_after_days = 60 }',
        "interpreting={ interpreters = 1 }",
    ]
    if assignment == "fixed":
        overrides.append(cap)
    scenario = baseline(*overrides)
    model, record, stats = run(scenario)
    check_invariants(scenario, record, model.calendar, stats)


# ---------------------------------------------------------------- extremes


def test_an_overloaded_office_with_absence_is_busy_all_its_present_time_and_no_more():
    """Utilisation counts the casework time of caseworkers at work; a caseworker who falls
    sick at midnight still finishes the task in hand, and that time counts as present."""
    scenario = load_scenario("scenarios/triage_under_pressure_off.toml")  # six years: saturated
    model, record, stats = run(scenario)
    check_invariants(scenario, record, model.calendar, stats)  # utilisation <= 1 among them
    # the same work in less present time: busier than the same office without absence
    # (and without turnover, whose vacancies are time away too)
    calm = run(
        load_scenario(
            "scenarios/triage_under_pressure_off.toml", changes={"absence": None, "turnover": None}
        )
    )[2]
    assert stats.summary["utilisation_mean"] > calm.summary["utilisation_mean"]


@pytest.mark.parametrize("assignment", ["fixed", "pool"])
def test_an_office_whose_only_caseworker_keeps_leaving_still_runs(assignment):
    """Spells with nobody employed: cases and tasks wait for the next caseworker."""
    scenario = baseline(
        f"caseworkers.assignment={assignment!r}",
        "caseworkers.staffing=[{ date = 2012-01-01, caseworkers = 1 }]",
        "turnover={ resignations_per_year = 6.0, notice_days = 1 }",
    )
    model, record, stats = run(scenario)
    assert 0 in [n for _, n in record.staff_changes]  # there were days with nobody
    check_invariants(scenario, record, model.calendar, stats)
