"""The model's promises: hand-computed results, invariants, determinism, common random numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import build, one_task
from levers import plain_office

from simulator.analysis.metrics import analyse
from simulator.engine.model import Municipality
from simulator.engine.records import DONE, DROPPED, IN_PROGRESS, PENDING
from simulator.experiments.run import run_scenario
from simulator.scenario import load_scenario

HOUR = 1 / 24


def run(scenario, replication=0):
    model = Municipality(scenario, replication)
    record = model.run()
    return model, record, analyse(record, model.calendar)


# ---------------------------------------------------------------- hand-computed


def test_tiny_scenario_matches_hand_computation():
    """Two single adults placed on day 6 (a Sunday) and day 18 (a Friday), one caseworker
    working 08:00-16:00 on weekdays. Each gets a 2 h reception task on arrival and a 10 h
    statutory task 10 days later with a one-day deadline, which spills into the next morning."""
    scenario = build(
        {
            "tasks": {
                "long_task": one_task(
                    trigger={"on": "after", "days": 10.0},
                    deadline_days=1.0,
                    duration_hours={"dist": "fixed", "value": 10.0},
                )
            }
        }
    )
    _, record, stats = run(scenario)
    t = record.tasks
    expected = {  # (created, started, finished) in days since Monday 2024-01-08 00:00
        ("reception", 6.0): (7 + 8 * HOUR, 7 + 10 * HOUR),  # Sunday -> Monday 08-10
        ("reception", 18.0): (18 + 8 * HOUR, 18 + 10 * HOUR),  # Friday 08-10
        ("long_task", 16.0): (16 + 8 * HOUR, 17 + 10 * HOUR),  # Wed 08-16, Thu 08-10
        ("long_task", 28.0): (28 + 8 * HOUR, 29 + 10 * HOUR),  # Mon 08-16, Tue 08-10
    }
    got = {
        (record.task_names[k], c): (s, f)
        for k, c, s, f in zip(t["type"], t["created"], t["started"], t["finished"], strict=True)
    }
    assert got.keys() == expected.keys()
    for key, (start, finish) in expected.items():
        assert got[key] == pytest.approx((start, finish), abs=1e-9), key

    end = scenario.simulation.duration_days  # 36.525 days: Tuesday 13 February, 12:36
    s = stats.summary
    assert s["tasks_created"] == s["tasks_completed"] == 4
    assert s["tasks_pending_end"] == s["tasks_dropped"] == 0
    assert s["cases_opened"] == 2 and s["cases_closed"] == 0
    assert s["caseload_per_worker_mean"] == pytest.approx(((end - 6) + (end - 18)) / end)
    assert s["statutory_on_time_share"] == pytest.approx(0.5)  # both long tasks are late
    waits = [8 * HOUR + 1, 8 * HOUR, 8 * HOUR, 8 * HOUR]
    assert s["task_wait_days_mean"] == pytest.approx(np.mean(waits))
    # 26 full working days of 8 h, and 4.6 h of the last morning
    assert s["utilisation_mean"] == pytest.approx(24 / (26 * 8 + 4.6))


def test_continuous_calendar_serves_immediately():
    scenario = build({"calendar": {"mode": "continuous"}})
    _, record, stats = run(scenario)
    assert np.all(record.tasks["started"] == record.tasks["created"])
    assert stats.summary["task_wait_days_mean"] == 0


# ---------------------------------------------------------------- invariants


def check_invariants(scenario, record, calendar, stats) -> None:
    """What must hold at the end of any run."""
    t, c = record.tasks, record.cases
    s = stats.summary
    assert s["tasks_created"] == s["tasks_completed"] + s["tasks_pending_end"] + s["tasks_dropped"]
    n_tasks = t["task"].size
    assert np.array_equal(t["task"], np.arange(n_tasks)), "every task recorded exactly once"
    n_cases = c["case"].size
    assert np.array_equal(c["case"], np.arange(n_cases)), "every case recorded exactly once"
    closed = ~np.isnan(c["closed"])
    assert np.all(c["closed"][closed] >= c["exit"][closed] - 1e-9)  # now + (t - now) != t
    assert np.all(np.isnan(c["closed"][~closed]) | (c["exit"][~closed] >= 0))

    started = ~np.isnan(t["started"])
    assert np.all(t["started"][started] >= t["created"][started]), "no negative waits"
    done = t["state"] == DONE
    assert np.all(~np.isnan(t["finished"][done]))
    assert np.all(t["finished"][done] >= t["started"][done])
    assert np.all(np.isnan(t["started"][t["state"] == PENDING]))
    assert np.all(np.isnan(t["started"][t["state"] == DROPPED]))
    assert np.all(~np.isnan(t["started"][t["state"] == IN_PROGRESS]))
    # work happens only in working hours (and overtime, where the scenario allows it)
    overtime = scenario.overtime.hours_per_week / 5 if scenario.overtime else 0.0
    for when in (t["started"][started], t["finished"][done]):
        assert all(calendar.is_open(x, overtime) for x in when)
    # a caseworker does one task at a time
    for worker in np.unique(t["worker"][started]):
        mine = started & (t["worker"] == worker)
        finish = np.where(np.isnan(t["finished"][mine]), np.inf, t["finished"][mine])
        order = np.lexsort((finish, t["started"][mine]))  # zero-hour tasks share a start
        begin, finish = t["started"][mine][order], finish[order]
        assert np.all(begin[1:] >= finish[:-1] - 1e-9), f"caseworker {worker} overlaps"
    # the hours worked can't exceed the hours available
    assert s["utilisation_mean"] <= 1 + 1e-9


@pytest.mark.parametrize("assignment", ["fixed", "pool"])
@pytest.mark.parametrize("queue_order", ["priority", "fifo"])
def test_invariants_hold_on_the_baseline(assignment, queue_order):
    scenario = load_scenario(
        "scenarios/baseline.toml",
        [
            f"caseworkers.assignment={assignment!r}",
            f"caseworkers.queue_order={queue_order!r}",
            "caseworkers.staffing.0.caseworkers=3",  # busy enough that work is queued
            "simulation.duration_years=2",
            "simulation.warmup_years=0.5",
        ],
    )
    model, record, stats = run(scenario)
    check_invariants(scenario, record, model.calendar, stats)
    assert stats.summary["tasks_dropped"] > 0  # cases close with tasks queued
    assert stats.summary["cases_closed"] > 0


def test_staff_changes_move_cases_and_keep_invariants():
    scenario = plain_office(
        *[
            "simulation.duration_years=2",
            "simulation.warmup_years=0",
            "caseworkers.staffing=[{date=2012-01-01,caseworkers=3},"
            "{date=2012-09-01,caseworkers=6},{date=2013-04-01,caseworkers=2}]",
        ],
    )
    model, record, stats = run(scenario)
    check_invariants(scenario, record, model.calendar, stats)
    a = record.assignments
    assert set(np.unique(a["worker"])) == set(range(6))
    # after the cut to two caseworkers only workers 0 and 1 hold cases
    cut = model.calendar.day_of(scenario.caseworkers.staffing[2].date)
    assert set(np.unique(a["worker"][a["end"] > cut + 1e-9])) == {0, 1}
    # work started after the cut is done by the two who stayed
    late = record.tasks["started"] > cut + 1
    assert set(np.unique(record.tasks["worker"][late])) <= {0, 1}


# ---------------------------------------------------------------- determinism and streams


def test_same_seed_same_results_other_seed_other_results():
    short = ["simulation.duration_years=1.5", "simulation.warmup_years=0.5"]
    scenario = load_scenario("scenarios/baseline.toml", short)
    _, a, _ = run(scenario)
    _, b, _ = run(scenario)
    for name in a.tasks:
        np.testing.assert_array_equal(a.tasks[name], b.tasks[name])
    other = load_scenario("scenarios/baseline.toml", [*short, "simulation.seed=99"])
    _, c, _ = run(other)
    assert not np.array_equal(a.cases["opened"][:50], c.cases["opened"][:50])


def test_replications_are_independent_streams():
    scenario = load_scenario(
        "scenarios/baseline.toml", ["simulation.duration_years=1", "simulation.warmup_years=0"]
    )
    _, r0, _ = run(scenario, replication=0)
    _, r1, _ = run(scenario, replication=1)
    assert not np.array_equal(r0.cases["opened"][:50], r1.cases["opened"][:50])


def _task_key(record):
    """(case, task type, created) -> hours: what was asked of the caseworkers."""
    t = record.tasks
    return {
        (int(c), int(k), round(float(x), 9)): float(h)
        for c, k, x, h in zip(t["case"], t["type"], t["created"], t["hours"], strict=True)
    }


def test_staffing_changes_nothing_but_the_service():
    """Common random numbers: with other staffing, the same people arrive, the same tasks
    fall due with the same durations; only waits and completion change.

    The help with the family-reunification application is switched off here: with it, a
    family arrives when the application is sent, after the caseworker's help, so its
    arrival depends on the staffing by design (the placements do not; test_compare). So
    is the start of the employment effort made irrelevant (multiplier 1): with it, when
    people become self-supporting depends on the staffing by design (test_self_support)."""
    base = [
        "simulation.duration_years=2",
        "simulation.warmup_years=0",
        "tasks.reunification_help.enabled=false",
        "exit.before_effort_multiplier=1.0",
    ]
    few = load_scenario("scenarios/baseline.toml", base)
    many = load_scenario(
        "scenarios/baseline.toml", [*base, "caseworkers.staffing=[{date=2012-01-01,caseworkers=9}]"]
    )
    assert Municipality(few).arrivals == Municipality(many).arrivals  # arrivals, households
    _, a, sa = run(few)
    _, b, sb = run(many)
    np.testing.assert_array_equal(a.cases["opened"], b.cases["opened"])
    np.testing.assert_array_equal(a.cases["exit"], b.cases["exit"])
    ka, kb = _task_key(a), _task_key(b)
    # closure tasks are created when the case closes (after its pending work), so they
    # may fall outside the run in one of the two; every other task is the same
    closure = a.task_names.index("case_closure")
    assert {k: v for k, v in ka.items() if k[1] != closure} == {
        k: v for k, v in kb.items() if k[1] != closure
    }
    assert sb.summary["task_wait_days_mean"] < sa.summary["task_wait_days_mean"]


def test_new_task_type_shifts_no_other_stream():
    # without the help with reunification applications, whose wait for a caseworker (and
    # so the family's arrival) the new task's work would change: see the test above; and
    # with exits that do not wait for the employment effort, whose start it would change
    base = [
        "simulation.duration_years=1",
        "simulation.warmup_years=0",
        "tasks.reunification_help.enabled=false",
        "exit.before_effort_multiplier=1.0",
    ]
    plain = load_scenario("scenarios/baseline.toml", base)
    extra = load_scenario(
        "scenarios/baseline.toml",
        [
            *base,
            "tasks.aaa_new_task={statutory=false, trigger={on='rate', per_year=5.0}, "
            "duration_hours={dist='exponential', mean=1.0}}",
        ],
    )
    _, a, _ = run(plain)
    _, b, _ = run(extra)
    np.testing.assert_array_equal(a.cases["opened"], b.cases["opened"])
    names_b = b.task_names
    hours_a = {
        (int(c), a.task_names[k], round(float(x), 9)): h
        for c, k, x, h in zip(
            a.tasks["case"], a.tasks["type"], a.tasks["created"], a.tasks["hours"], strict=True
        )
    }
    hours_b = {
        (int(c), names_b[k], round(float(x), 9)): h
        for c, k, x, h in zip(
            b.tasks["case"], b.tasks["type"], b.tasks["created"], b.tasks["hours"], strict=True
        )
        if names_b[k] != "aaa_new_task"
    }
    assert hours_a == hours_b


# ---------------------------------------------------------------- runner


def test_runner_summary_has_confidence_intervals():
    scenario = load_scenario(
        "scenarios/baseline.toml", ["simulation.duration_years=1", "simulation.warmup_years=0"]
    )
    results = run_scenario(scenario, replications=3)
    row = results.summary.set_index("metric").loc["caseload_per_worker_mean"]
    assert row["replications"] == 3
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    per_rep = results.per_replication
    values = per_rep.loc[per_rep["metric"] == "caseload_per_worker_mean", "value"]
    assert math.isclose(row["mean"], values.mean())
    assert sorted(results.weekly["replication"].unique()) == [0, 1, 2]


def test_returning_tasks_draw_the_same_visits_whatever_the_staffing():
    """A task that comes back draws its whole chain of visits when it first falls due, so
    other staffing changes when the visits happen, never how many or how long they are."""
    base = [
        "simulation.duration_years=2",
        "simulation.warmup_years=0",
        "tasks.integration_contract.repeat={probability=0.4, "
        "delay_days={dist='exponential', mean=10.0}}",
    ]
    # without turnover: a newcomer still learning takes longer over the same task
    few = plain_office(*base)
    many = plain_office(*base, "caseworkers.staffing=[{date=2012-01-01,caseworkers=8}]")

    def visits(record):
        t, c = record.tasks, record.cases
        kind = record.task_names.index("integration_contract")
        early = set(c["case"][c["opened"] < 180].tolist())  # their returns end long before
        mine = (t["type"] == kind) & np.isin(t["case"], list(early))
        out: dict[int, list[float]] = {}
        for case, hours in zip(t["case"][mine], t["hours"][mine], strict=True):
            out.setdefault(int(case), []).append(float(hours))
        return {case: sorted(h) for case, h in out.items()}

    _, a, _ = run(few)
    _, b, _ = run(many)
    va, vb = visits(a), visits(b)
    assert any(len(h) > 1 for h in va.values()), "some contracts came back"
    assert va == vb


def test_cases_moving_away_and_back_never_duplicate_work():
    """Hiring shares cases out; cutting staff moves them back. A low-priority task still
    queued through both moves must be worked (or lapse) once, not once per move."""
    staffing = ",".join(
        f"{{date={d},caseworkers={n}}}"
        for d, n in [
            ("2012-01-01", 3),
            ("2012-05-01", 7),
            ("2012-07-01", 3),
            ("2012-09-01", 7),
            ("2012-11-01", 3),
            ("2013-01-01", 7),
            ("2013-03-01", 3),
        ]
    )
    scenario = load_scenario(
        "scenarios/baseline.toml",
        [
            "simulation.duration_years=2",
            "simulation.warmup_years=0",
            f"caseworkers.staffing=[{staffing}]",
        ],
    )
    model, record, stats = run(scenario)
    check_invariants(scenario, record, model.calendar, stats)
