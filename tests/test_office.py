"""The office's queues under staff changes, and its backlog bookkeeping."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import pytest
import simpy
from levers import baseline

from simulator.engine.calendar import WorkCalendar
from simulator.engine.entities import Case, Task, TaskType
from simulator.engine.model import Municipality
from simulator.engine.office import NOBODY, TAKEN, Office, Policies
from simulator.engine.records import DONE, DROPPED, PENDING, AssignmentLog, TaskLog
from simulator.scenario.schema import Triage


def _type(index: int, statutory: bool) -> TaskType:
    return TaskType(index, f"t{index}", statutory, 30.0, lambda: 1.0, meeting=False)


def _office(policies: Policies | None = None) -> tuple[simpy.Environment, Office, TaskLog]:
    """An office with fixed assignment and queues by priority, from Monday 8 January 2024
    (work from 08:00, 8 hours a day), with one caseworker; and its task log."""
    env = simpy.Environment()
    calendar = WorkCalendar(dt.date(2024, 1, 8), 30, 8.0)
    log = TaskLog()
    office = Office(
        env,
        calendar,
        fixed=True,
        priority=True,
        rebalance=True,
        tasks=log,
        assignments=AssignmentLog(),
        policies=policies,
    )
    office.set_staff(1)
    return env, office, log


def _night_shuffle(exit_before_work: bool, until: float = 5) -> TaskLog:
    """Two cases queued with one caseworker at night; a hire moves case b away, a cut
    moves it back; optionally b exits before anyone works. The run ends at `until` (before
    work begins at 08:00 if below 1/3), its unfinished tasks recorded. Returns the task
    log."""
    env, office, log = _office()
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
    env.run(until=until)
    office.record_unfinished()
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


def test_a_pending_task_of_a_case_moved_away_and_back_is_recorded_once():
    """The run ends before anyone works: each task is recorded once, pending, though the
    case that moved away and back has two entries in the first caseworker's queue."""
    log = _night_shuffle(exit_before_work=False, until=0.25)
    assert sorted(t.id for t in log.tasks()) == [0, 1]
    assert {t.state for t in log.tasks()} == {PENDING}


# ---------------------------------------------------------------- the backlog


def assert_backlog_is_the_work_waiting(model) -> None:
    """At the end of a run each case's `queued` hours are those of its live tasks waiting
    (queued, set aside by triage, or waiting for an interpreter; not those of a case
    waiting for assignment), and each caseworker's backlog (the pool's) is the sum of
    their cases' (all cases')."""
    office = model.office
    waiting = [e[-1] for e in office.pool if e[-1].holder != TAKEN]  # TAKEN: abandoned
    queued = [e[-1] for w in office.everyone for e in w.queue if e[-1].holder == w.id]
    waiting += {id(task): task for task in queued}.values()  # a case moved away and back
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


def test_the_backlog_is_the_work_waiting_when_a_leavers_cases_wait_under_a_cap():
    """A leaver's case that no colleague has room for waits for assignment with all its
    tasks, those set aside by triage and those waiting for an interpreter too: none of its
    work counts in a backlog until it is assigned, and then all of it does."""
    # a cap that binds hard in the baseline (about 45 cases each by the end of the run), so
    # that leavers' cases wait for assignment with work set aside
    model = Municipality(baseline("caseworkers.caseload_cap=30", *SET_ASIDE))
    model.run()
    assert_backlog_is_the_work_waiting(model)
    assert all(case.queued >= -1e-9 for case in model.cases.values())
    assert all(worker.backlog >= -1e-9 for worker in model.office.everyone)


def test_a_task_set_aside_for_a_case_that_exits_while_waiting_for_assignment_lapses():
    """Caseworker A sets aside an optional task of case c (triage, "defer"); c moves to a
    new colleague B; a cap of one case comes in; B leaves and A, at the cap, has no room,
    so c waits for assignment; c exits while waiting; then A leaves too. The task lapses
    with its case, is recorded once, and no backlog keeps its hours (this crashed: the
    task, still in A's list, went back to a case no longer waiting)."""
    triage = Triage(action="defer", above=1e-6)
    env, office, log = _office(Policies(triage=triage, week_hours=40.0))
    a = office.workers[0]
    x, c = Case(0, 0, "refugee", 0.0, 99.0), Case(1, 1, "refugee", 0.0, 99.0)
    office.assign(x)
    office.assign(c)
    task = Task(0, _type(0, statutory=False), c, 0.0, 30.0, 1.0)
    office.submit(task)

    def story():
        yield env.timeout(0.5)  # noon: A came to the task at 08:00 and set it aside
        assert [t for _, t in a.deferred] == [task]
        office.set_staff(2)  # c, the newest case, moves to B
        b = office.workers[1]
        assert c.worker == b.id
        office.configure(dataclasses.replace(office.policies, caseload_cap=1))
        office.remove(b)  # A holds x: no room for c
        assert c.worker == NOBODY
        c.is_open = False  # c exits while it waits
        office.lapse(c)
        office.remove(a)

    env.process(story())
    env.run(until=2)
    assert [(t.id, t.state) for t in log.tasks()] == [(0, DROPPED)]
    assert c.queued == 0 and all(w.backlog == pytest.approx(0) for w in office.everyone)
