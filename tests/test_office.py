"""The office's queues under staff changes, and its backlog bookkeeping."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
import simpy
from levers import baseline

from simulator.engine.calendar import WorkCalendar
from simulator.engine.entities import Case, Task, TaskType
from simulator.engine.model import Municipality
from simulator.engine.office import NOBODY, TAKEN, Office
from simulator.engine.records import DONE, DROPPED, AssignmentLog, TaskLog


def _type(index: int, statutory: bool) -> TaskType:
    return TaskType(index, f"t{index}", statutory, 30.0, lambda: 1.0, meeting=False)


def _night_shuffle(exit_before_work: bool) -> TaskLog:
    """Two cases queued with one caseworker at night; a hire moves case b away, a cut
    moves it back; optionally b exits before anyone works. Returns the task log."""
    env = simpy.Environment()
    calendar = WorkCalendar(dt.date(2024, 1, 8), 30, 8.0)  # a Monday; work from 08:00
    log = TaskLog()
    office = Office(
        env,
        calendar,
        fixed=True,
        priority=True,
        rebalance=True,
        tasks=log,
        assignments=AssignmentLog(),
    )
    office.set_staff(1)
    a, b = Case(0, 0, "refugee", 0.0, 99.0), Case(1, 1, "refugee", 0.0, 99.0)
    office.assign(a)
    office.assign(b)
    office.submit(Task(0, _type(0, True), a, 0.0, 30.0, 10.0))
    office.submit(Task(1, _type(1, False), b, 0.0, 30.0, 1.0))

    def shuffle():
        yield env.timeout(0.1)
        office.set_staff(2)  # case b (the newest) goes to the new caseworker
        assert b.worker == 1
        yield env.timeout(0.1)
        office.set_staff(1)  # ... and comes back before anyone has started work
        assert b.worker == 0
        if exit_before_work:
            b.is_open = False

    env.process(shuffle())
    env.run(until=5)
    return log


def test_a_lapsed_task_of_a_case_moved_away_and_back_is_recorded_once():
    log = _night_shuffle(exit_before_work=True)
    ids = sorted(t.id for t in log.tasks())
    assert ids == [0, 1], ids
    assert [t.state for t in sorted(log.tasks(), key=lambda t: t.id)] == [DONE, DROPPED]


def test_a_case_moved_away_and_back_overnight_is_worked_once():
    """A queued task whose case moved away and back has two entries in the first
    caseworker's queue; it must still be worked once."""
    log = _night_shuffle(exit_before_work=False)
    worked = [t.id for t in log.tasks() if t.state == DONE]
    assert sorted(worked) == [0, 1], worked


# ---------------------------------------------------------------- the backlog


def assert_backlog_is_the_work_waiting(model) -> None:
    """At the end of a run each case's `queued` hours are those of its live tasks waiting
    (queued, set aside by triage, or waiting for an interpreter; not those of a case
    waiting for assignment), and each caseworker's backlog (the pool's) is the sum of
    their cases' (all cases')."""
    office = model.office
    waiting = [e[-1] for e in office.pool if e[-1].holder != TAKEN]  # TAKEN: abandoned
    waiting += [e[-1] for w in office.everyone for e in w.queue if e[-1].holder == w.id]
    waiting += office.triage.waiting() + office.interpreters.waiting()
    hours = defaultdict(float)
    for task in waiting:
        if not task.lapsed:
            hours[task.case.id] += task.hours
    accounts = defaultdict(float)
    for case in model.cases.values():
        assert case.queued == pytest.approx(hours[case.id], abs=1e-6), case
        accounts[case.worker] += case.queued
    if office.fixed:
        for worker in office.everyone:
            assert worker.backlog == pytest.approx(accounts[worker.id], abs=1e-6), worker.id
    else:
        assert office.shared.backlog == pytest.approx(accounts[NOBODY], abs=1e-6)


SET_ASIDE = [  # every mechanism that keeps work aside, with absence and turnover
    'caseworkers.absence_cover="pool"',
    "absence={}",
    "turnover={ resignations_per_year = 0.5 }",
    'triage={ action = "defer", drop_after_days = 60 }',
    "interpreting={ interpreters = 1 }",
]


@pytest.mark.parametrize(
    "overrides",
    [
        ['caseworkers.assignment="fixed"', *SET_ASIDE],
        ['caseworkers.assignment="pool"', *SET_ASIDE],
        ["caseworkers.caseload_cap=60", "absence={}", 'triage={ action = "drop" }'],
    ],
    ids=["fixed", "pool", "cap"],
)
def test_the_backlog_is_the_work_waiting(overrides):
    model = Municipality(baseline(*overrides))
    model.run()
    assert_backlog_is_the_work_waiting(model)


@pytest.mark.xfail(
    strict=True,
    reason="known: a leaver's case that waits for assignment under a cap loses from its "
    "queued hours those of its tasks set aside or waiting for an interpreter; they are "
    "subtracted again when worked, so Case.queued and the backlog go negative",
)
def test_the_backlog_is_the_work_waiting_when_a_leavers_cases_wait_under_a_cap():
    # a cap that binds hard in the baseline (about 45 cases each by the end of the run), so
    # that leavers' cases wait for assignment with work set aside
    model = Municipality(baseline("caseworkers.caseload_cap=30", *SET_ASIDE))
    model.run()
    assert_backlog_is_the_work_waiting(model)
