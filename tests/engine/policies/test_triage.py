"""Triage (simulator/engine/policies/triage.py): optional tasks dropped or set aside under
pressure. Paired runs as in `levers`."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from levers import baseline, from_day, run, run_model, same_people
from test_model import check_invariants

from simulator.engine.model import Municipality
from simulator.engine.records import TRIAGED

PRESSED = [  # three caseworkers, first come first served: statutory work queues behind
    "caseworkers.staffing=[{ date = 2012-01-01, caseworkers = 3 }]",
    'caseworkers.queue_order="fifo"',
]


def test_triage_lowers_overdue_statutory_work_by_dropping_optional_tasks():
    """In first-come-first-served order statutory tasks queue behind optional ones, so
    dropping optional tasks under pressure brings statutory work forward."""
    pressed = baseline(*PRESSED)
    triaged = baseline(*PRESSED, 'triage={ measure = "backlog", above = 1.0, action = "drop" }')
    _, ra, a = run(pressed)
    _, rb, b = run(triaged)
    same_people(ra, rb)
    assert a.summary["optional_tasks_dropped"] == 0
    assert b.summary["optional_tasks_dropped"] > 0
    triaged_types = {rb.task_names[k] for k in rb.tasks["type"][rb.tasks["state"] == TRIAGED]}
    statutory = {n for n, s in zip(rb.task_names, rb.task_statutory, strict=True) if s}
    assert triaged_types and not triaged_types & statutory  # only "kan" tasks are dropped
    assert b.summary["statutory_on_time_share"] > a.summary["statutory_on_time_share"]
    assert b.summary["overdue_tasks_mean"] < a.summary["overdue_tasks_mean"]
    # dropped help with reunification applications: the families apply without it
    assert "reunification_help" in triaged_types
    assert b.summary["reunification_unaided_share"] > a.summary["reunification_unaided_share"]


def test_deferred_optional_tasks_come_back_when_the_pressure_eases():
    scenario = baseline('triage={ measure = "backlog", above = 0.5, action = "defer" }')
    model, record, stats = run(scenario)
    check_invariants(scenario, record, model.calendar, stats)
    t = record.tasks
    optional = ~np.asarray(record.task_statutory)[t["type"]]
    assert stats.summary["optional_tasks_dropped"] == 0  # deferred, never dropped
    assert (optional & (t["state"] == 0)).any()


def test_triage_switched_on_during_a_run_drops_tasks_from_that_day_on():
    spec = baseline('triage={ measure = "backlog", above = 1.0, action = "drop" }').triage
    model = Municipality(baseline(*PRESSED))
    day = model.calendar.day_of(dt.date(2013, 7, 1))
    from_day(model, day, triage=spec)
    record = model.run()
    t = record.tasks
    dropped = t["dropped"][t["state"] == TRIAGED]
    assert dropped.size > 0 and dropped.min() >= day


def test_triage_switched_off_during_a_run_returns_the_tasks_set_aside():
    """Set aside under a low threshold, the tasks go back to the queues the day triage
    stops, and nothing is set aside after."""
    model = Municipality(baseline(*PRESSED, 'triage={ above = 0.5, action = "defer" }'))
    day = model.calendar.day_of(dt.date(2013, 7, 1))
    set_aside = []

    def count():
        yield model.env.timeout(day - 1e-6)
        set_aside.append(sum(len(w.deferred) for w in model.office.workers))
        yield model.env.timeout(2e-6)
        set_aside.append(sum(len(w.deferred) for w in model.office.workers))

    from_day(model, day, triage=None)
    model.env.process(count())
    record, stats = run_model(model)
    assert set_aside[0] > 0 and set_aside[1] == 0
    assert not any(w.deferred for w in model.office.everyone)  # none set aside since
    check_invariants(model.scenario, record, model.calendar, stats)


def test_triage_is_a_standing_order_for_optional_tasks_falling_due_under_pressure():
    """Statutory work first: in a pressed office optional tasks rarely reach the front of
    the queue, so a rule that acted only when a caseworker came to one would rarely act,
    and the work given up would still count as work waiting until its case closed. Triage
    also drops an optional task the moment it falls due to a pressed caseworker: it never
    joins the backlog, and a family whose help is dropped so applies alone at once (a
    month later without help), not after waiting for help that is not coming."""
    pressed = [PRESSED[0], "reunification.help_abandoned_after_days=60"]
    a_scenario = baseline(*pressed)
    assert a_scenario.caseworkers.queue_order == "priority"
    b_scenario = baseline(*pressed, 'triage={ measure = "backlog", above = 1.0, action = "drop" }')
    _, ra, a = run(a_scenario)
    _, rb, b = run(b_scenario)
    same_people(ra, rb)
    t = rb.tasks
    triaged = t["state"] == TRIAGED
    at_once = triaged & (t["dropped"] == t["created"])
    assert at_once.sum() > triaged.sum() / 2  # most are dropped as they fall due
    assert not np.asarray(rb.task_statutory)[t["type"][triaged]].any()
    assert b.summary["backlog_hours_mean"] < a.summary["backlog_hours_mean"]
    help_type = rb.task_names.index("reunification_help")
    dropped_help = at_once & (t["type"] == help_type)
    assert dropped_help.any()
    families = rb.families
    by_household = dict(zip(families["household"], range(len(families["household"])), strict=True))
    delay = b_scenario.reunification.unaided_delay_days
    sent = t["created"] + delay < rb.end  # the application is sent before the run ends
    checked = dropped_help & sent
    assert checked.any()
    for household, created in zip(t["household"][checked], t["created"][checked], strict=True):
        row = by_household[household]
        assert families["may_apply"][row] == created
        assert families["applied"][row] == created + delay
        assert not families["aided"][row]


def test_a_task_triage_did_not_take_on_has_nothing_to_wait_for():
    """A task that ended unworked before anyone waited for it has no event, and never will:
    `still_to_end` leaves it out, and asking for its event is an error, not a wait that
    never ends."""
    scenario = baseline(*PRESSED, 'triage={ measure = "backlog", above = 1.0, action = "drop" }')
    model = Municipality(scenario)
    model.run()
    unwaited = [t for t in model.office.log.tasks() if t.state == TRIAGED and t.done is None]
    assert unwaited
    assert model.still_to_end(unwaited) == []
    with pytest.raises(RuntimeError, match="ended before anyone waited for it"):
        model.awaited(unwaited[0])
