"""The office's queues under staff changes."""

from __future__ import annotations

import datetime as dt

import simpy

from simulator.engine.calendar import WorkCalendar
from simulator.engine.entities import Case, Task, TaskType
from simulator.engine.office import Office
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
