"""The policy timeline: rules that change by date (`[[timeline]]`,
simulator/engine/timeline.py).

Each kind of rule takes effect on its date and not before; an empty timeline changes
nothing, byte for byte; every problem of an entry is a clear error naming the entry's
index and date.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w
from builders import build, one_task
from levers import baseline
from levers import run as run_baseline
from test_people import REUNIFICATION, people
from test_people import run as run_people
from test_scenario import load_error

from simulator.cli import main
from simulator.engine.model import Municipality
from simulator.engine.records import TRIAGED
from simulator.scenario import DAYS_PER_YEAR, STATUSES, load_scenario
from simulator.scenario.files import read_toml

DATE = dt.date(2013, 1, 1)  # a date in the measured year of the short baseline (levers)
DAY = float((DATE - dt.date(2012, 1, 1)).days)


def on(date: dt.date, *changes: str, unset: str = "") -> str:
    """A --set override giving the scenario one timeline entry."""
    removed = f", unset = [{unset}]" if unset else ""
    return f"timeline=[{{ date = {date}, set = {{ {', '.join(changes)} }}{removed} }}]"


def dated(*changes: str, unset: str = ""):
    """(model, record, stats) of the short baseline with `changes` from DATE."""
    return run_baseline(baseline(on(DATE, *changes, unset=unset)))


def of_type(record, name: str) -> np.ndarray:
    return record.tasks["type"] == record.task_names.index(name)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('"simulation.seed" = 3', "simulation.seed cannot change by date. Keys that can:"),
        (
            '"caseworkers.staffing.0.caseworkers" = 5',
            "caseworkers.staffing cannot change by date",
        ),
        (
            '"tasks.integraton_plan.enabled" = false',
            "tasks.integraton_plan: no such task; did you mean 'integration_plan'?",
        ),
        (
            '"reunification.waiting_years.temporary" = "one"',
            "reunification.waiting_years.temporary: Input should be a valid number",
        ),
        ('"triage.abov" = 1.0', "triage.abov: unknown key; did you mean 'above'?"),
        (
            '"caseworkers.casework_share" = 1.5',
            "caseworkers.casework_share: Input should be less than or equal to 1",
        ),
        ('"caseworkers.weekly_hours.x" = 1', "caseworkers.weekly_hours is a value"),
    ],
    ids=["fixed-key", "list", "unknown-task", "bad-value", "unknown-key", "range", "path"],
)
def test_a_bad_entry_is_one_clear_error_naming_its_index_and_date(entry, problem):
    message = load_error("scenarios/baseline.toml", [on(DATE, entry)])
    head, *lines = message.splitlines()
    assert head.endswith(": 1 problem in the scenario"), message
    assert lines[0].startswith("  timeline.0 (2013-01-01): "), message
    assert problem in lines[0], message


def test_every_entry_is_checked_and_each_problem_named():
    timeline = (
        'timeline=[{ date = 2013-02-01, set = { "simulation.seed" = 3 } },'
        ' { date = 2013-01-01, set = { "triage.above" = 1.0 } },'
        ' { date = 2013-03-01, unset = ["caseworkers.caseload_cap"] }]'
    )
    lines = load_error("scenarios/baseline.toml", [timeline]).splitlines()
    assert lines[0].endswith(": 3 problems in the scenario")
    assert lines[1].startswith("  timeline.0 (2013-02-01): simulation.seed cannot change")
    assert lines[2] == (
        "  timeline.1 (2013-01-01): entries must be in date order (the one before is 2013-02-01)"
    )
    assert lines[3] == (
        "  timeline.2 (2013-03-01): caseworkers.caseload_cap: there is no such key to remove"
    )


def test_the_scenario_in_force_is_the_scenario_changed_by_each_entry_in_turn():
    scenario = baseline(
        'timeline=[{ date = 2013-01-01, set = { "caseworkers.caseload_cap" = 60, '
        'triage = { above = 1.0 } } }, { date = 2014-01-01, unset = ["triage"], '
        'set = { "interpreting.interpreters" = 2 } }]'
    )
    (d1, first), (d2, second) = scenario.timeline_states()
    assert (d1, d2) == (dt.date(2013, 1, 1), dt.date(2014, 1, 1))
    assert first.caseworkers.caseload_cap == 60 and first.triage is not None
    assert second.caseworkers.caseload_cap == 60 and second.triage is None
    assert second.interpreting is not None and second.interpreting.interpreters == 2
    assert first.timeline == [] and scenario.caseworkers.caseload_cap is None


def test_the_states_are_worked_out_once_and_travel_with_the_scenario(monkeypatch):
    """Validating a scenario works its states out; every replication asks again, in this
    process or on a worker (a pickled copy), and gets the same without validating them
    again. A copy with fields changed (`model_copy(update=...)`) works them out afresh."""
    import pickle

    from simulator.scenario.schema import Scenario

    scenario = baseline(
        'timeline=[{ date = 2013-01-01, set = { "caseworkers.caseload_cap" = 60 } }]'
    )
    first = scenario.timeline_states()
    calls: list[int] = []
    work_out = Scenario._timeline_states
    monkeypatch.setattr(
        Scenario, "_timeline_states", lambda self: calls.append(1) or work_out(self)
    )
    sent = pickle.loads(pickle.dumps(scenario))
    assert scenario.timeline_states() == first == sent.timeline_states() and calls == []
    assert sent == scenario and sent.model_dump() == scenario.model_dump()
    renamed = scenario.model_copy(update={"name": "renamed"})
    assert [s.name for _, s in renamed.timeline_states()] == ["renamed"] and calls == [1]


# ---------------------------------------------------------------- an empty timeline


def test_an_empty_timeline_gives_byte_identical_results(tmp_path: Path):
    # the baseline as it stands, but with no timeline at all (the shipped one has its rules
    # by date), against the same with an empty one
    data = {k: v for k, v in read_toml(Path("scenarios/baseline.toml").resolve()).items()
            if k != "timeline"}  # fmt: skip
    plain = tmp_path / "no_timeline.toml"
    plain.write_text(tomli_w.dumps(data), encoding="utf-8")
    short = ["--set", "simulation.duration_years=2", "--set", "simulation.warmup_years=1"]
    args = ["run", str(plain), "--replications", "2", "--no-figures", "-q"]
    assert main([*args, *short, "--out", str(tmp_path / "without")]) == 0
    assert main([*args, *short, "--set", "timeline=[]", "--out", str(tmp_path / "empty")]) == 0
    without, empty = tmp_path / "without", tmp_path / "empty"
    for name in ("summary.csv", "tasks_by_type.csv", "scenario.resolved.toml"):
        assert (empty / name).read_bytes() == (without / name).read_bytes(), name
    for name in ("timeseries.parquet", "tasks.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(empty / name), pd.read_parquet(without / name), check_exact=True
        )


# ---------------------------------------------------------------- on its date, not before


def test_a_deadline_changes_for_tasks_falling_due_from_its_date():
    """From the date, health-examination referrals get 180 days and the GPs' limit is 180
    days for cases opened from then; before it, 90."""
    _, record, _ = dated(
        '"tasks.health_examination_referral.deadline_days" = 180',
        '"external.health_examination.limit_days" = 180',
    )
    t = record.tasks
    referral = of_type(record, "health_examination_referral")
    created, allowed = t["created"][referral], (t["due"] - t["created"])[referral]
    assert (created < DAY).sum() > 50 and (created >= DAY).sum() > 50
    np.testing.assert_allclose(allowed[created < DAY], 90.0)
    np.testing.assert_allclose(allowed[created >= DAY], 180.0)
    ex = record.examinations
    opened = record.cases["opened"][ex["case"].astype(int)]
    np.testing.assert_allclose((ex["limit"] - opened)[opened < DAY], 90.0)
    np.testing.assert_allclose((ex["limit"] - opened)[opened >= DAY], 180.0)


def test_a_task_repealed_on_a_date_falls_due_no_more_and_one_brought_in_only_from_it():
    _, repealed, _ = dated('"tasks.integration_plan.enabled" = false')
    plan = repealed.tasks["created"][of_type(repealed, "integration_plan")]
    assert plan.max() < DAY and (plan > DAY - 30).any()
    _, brought, _ = run_baseline(
        baseline(
            "tasks.integration_plan.enabled=false",
            on(DATE, '"tasks.integration_plan.enabled" = true'),
        )
    )
    plan = brought.tasks["created"][of_type(brought, "integration_plan")]
    assert plan.min() >= DAY and plan.size > 50


def test_casework_hours_change_on_their_date():
    """From the date a week of 30 hours: each casework window is 30 × 0.7 / 5 = 4.2 hours,
    work ends by 12:12, and pressure is counted in weeks of 21 hours."""
    model, record, _ = dated('"caseworkers.weekly_hours" = 30.0')
    lengths = np.array(model.calendar.lengths) * 24
    np.testing.assert_allclose(lengths[: int(DAY)], 37 * 0.7 / 5)
    np.testing.assert_allclose(lengths[int(DAY) :], 30 * 0.7 / 5)
    finished = record.tasks["finished"][~np.isnan(record.tasks["finished"])]
    hour = (finished - np.floor(finished)) * 24
    assert hour[finished >= DAY].max() <= 8 + 4.2 + 1e-6
    assert hour[finished < DAY].max() > 8 + 4.2 + 0.5  # the longer window was used before
    assert model.office.week_hours == pytest.approx(21.0)


def test_an_interpreter_pool_limited_on_a_date_makes_meetings_wait_from_then_on():
    _, record, _ = dated('"interpreting.interpreters" = 1')
    i = record.interpreting
    waited = i["booked"] > i["asked"]
    assert waited.any() and i["asked"][waited].min() >= DAY
    assert (i["asked"] < DAY).sum() > 100  # interpreted (longer, unlimited) before


def test_gp_capacity_changes_on_its_date():
    """From the date the GPs see one person a week (2.55 before): examinations are at least
    seven days apart after it, closer before."""
    _, record, _ = run_baseline(
        baseline(
            "external.health_examination.capacity_per_week=2.55",  # a fixed capacity
            on(DATE, '"external.health_examination.capacity_per_week" = 1.0'),
        )
    )
    seen = np.sort(record.examinations["examined"])
    seen = seen[~np.isnan(seen)]
    gaps = np.diff(seen)
    after = seen[:-1] >= DAY + 7
    assert after.sum() > 10 and gaps[after].min() >= 7.0 - 1e-9
    assert gaps[seen[:-1] < DAY].min() < 3.0


def test_triage_switched_on_on_a_date_drops_tasks_from_then_on():
    _, record, _ = dated("triage = { above = 0.5 }")
    t = record.tasks
    triaged = t["state"] == TRIAGED
    assert triaged.sum() > 10 and t["dropped"][triaged].min() >= DAY


def test_a_cap_from_a_date_and_lifted_later():
    """A cap of 15 cases from 2013: cases wait for a caseworker from then only; lifted in
    July 2013, those waiting are assigned at once and none waits after."""
    lifted = dt.date(2013, 7, 1)
    day = float((lifted - dt.date(2012, 1, 1)).days)
    scenario = baseline(
        f'timeline=[{{ date = {DATE}, set = {{ "caseworkers.caseload_cap" = 15 }} }}, '
        f'{{ date = {lifted}, unset = ["caseworkers.caseload_cap"] }}]'
    )
    model, record, _ = run_baseline(scenario)
    opened, assigned = record.assignment_waits[:, 0], record.assignment_waits[:, 1]
    waited = assigned > opened
    assert waited.any()
    assert opened[waited].min() >= DAY and assigned[waited].max() <= day + 1e-9
    assert not model.office.cap.on


def test_rules_dated_on_or_before_the_start_are_in_force_from_the_start():
    _, record, _ = run_baseline(
        baseline(on(dt.date(2011, 6, 1), '"tasks.health_examination_referral.deadline_days" = 180'))
    )
    t, referral = record.tasks, of_type(record, "health_examination_referral")
    np.testing.assert_allclose((t["due"] - t["created"])[referral], 180.0)


def test_a_rule_dated_at_midnight_applies_to_a_task_falling_due_at_that_moment():
    """The one refugee of a small scenario is placed at midnight of 20 January 2024 (day
    12): a deadline changed from that day applies to the reception task falling due then;
    one from the next day does not; a task repealed from that day does not fall due."""

    def reception(*timeline: dict):
        scenario = build(
            {
                "arrivals": {"monthly": [1]},
                "tasks": {"benefit_decision": one_task()},
                "timeline": list(timeline),
            }
        )
        record = Municipality(scenario).run()
        return {k: v[of_type(record, "reception")] for k, v in record.tasks.items()}

    def deadline(date: dt.date) -> dict:
        return {"date": date, "set": {"tasks.reception.deadline_days": 14.0}}

    assert reception()["created"].tolist() == [12.0]
    t = reception(deadline(dt.date(2024, 1, 20)))
    assert (t["due"] - t["created"]).tolist() == [14.0]
    t = reception(deadline(dt.date(2024, 1, 21)))
    assert (t["due"] - t["created"]).tolist() == [7.0]
    repeal = {"date": dt.date(2024, 1, 20), "set": {"tasks.reception.enabled": False}}
    assert reception(repeal)["created"].size == 0


# ---------------------------------------------------------------- family reunification


def families(entries: str, changes=None):
    """The families of a run of `test_people.REUNIFICATION` (half the refugees with
    temporary protection, placed in the first year) with the timeline `entries` and its
    [reunification] keys replaced by `changes`."""
    timeline = tomllib.loads(f"timeline = [{entries}]")
    reunification = {**REUNIFICATION["reunification"], **(changes or {})}
    scenario = people({**REUNIFICATION, "reunification": reunification, **timeline}, years=4.2)
    _, record, _ = run_people(scenario)
    f = record.families
    cases = record.cases
    temporary_cases = cases["status"] == STATUSES.index("temporary")
    temporary = np.isin(f["household"], cases["household"][temporary_cases])
    return f, temporary


def test_a_waiting_rule_applies_to_those_who_may_apply_while_it_is_in_force():
    """One year for temporary protection from day 60, three years from day 500, none from
    day 900: placed before day 60, they may apply at once; from day 60, a year later if
    that comes before day 500, else under the three-year rule until it is lifted on day
    900. Refugees with convention status never wait."""
    start = dt.date(2024, 1, 8)

    def entry(day: int, years: float) -> str:
        date = start + dt.timedelta(days=day)
        return f'{{ date = {date}, set = {{ "reunification.waiting_years.temporary" = {years} }} }}'

    f, temporary = families(", ".join([entry(60, 1.0), entry(500, 3.0), entry(900, 0.0)]))
    placed, year = f["placed"], DAYS_PER_YEAR
    expected = np.where(placed < 60, placed, np.where(placed + year < 500, placed + year, 900.0))
    expected = np.where(temporary, expected, placed)
    assert temporary.sum() > 10 and (temporary & (placed < 60)).any()
    assert (temporary & (placed >= 60) & (placed + year < 500)).any()
    assert (temporary & (placed + year >= 500)).any()
    np.testing.assert_allclose(f["may_apply"], expected, atol=1e-9)


def test_processing_changes_for_applications_sent_from_its_date():
    """Processing 100 days, 300 for applications sent from day 200; travel 14 days."""
    date = dt.date(2024, 1, 8) + dt.timedelta(days=200)
    f, _ = families(
        f'{{ date = {date}, set = {{ "reunification.processing_days" = '
        '{ dist = "fixed", value = 300.0 } } }',
        {"processing_days": {"dist": "fixed", "value": 100.0}},
    )
    came = ~np.isnan(f["arrived"])
    took = (f["arrived"] - f["applied"])[came]
    applied = f["applied"][came]
    assert (applied < 200).sum() > 10 and (applied >= 200).sum() > 10
    np.testing.assert_allclose(took[applied < 200], 114.0)
    np.testing.assert_allclose(took[applied >= 200], 314.0)


# ---------------------------------------------------------------- the shipped scenario


def test_the_reforms_scenario_runs_the_rules_by_date():
    scenario = load_scenario("scenarios/reforms_2015_2016.toml", ["simulation.replications=1"])
    model, record, _ = run_baseline(scenario)
    day = model.calendar.day_of
    plan = record.tasks["created"][of_type(record, "integration_plan")]
    assert plan.min() >= day(dt.date(2013, 7, 1)) and plan.max() < day(dt.date(2016, 7, 1))
    f = record.families
    waited = f["may_apply"] - f["placed"]
    before = f["placed"] < day(dt.date(2015, 2, 20))
    assert (waited[before] == 0).all()
    # placed from 20 Feb 2015: convention status at once; temporary protection a year, and
    # then (from Feb 2016) three: none of them may apply before the run ends in 2017
    assert set(waited[~before & ~np.isnan(waited)]) == {0.0}
    assert np.isnan(waited[~before]).sum() > 5
