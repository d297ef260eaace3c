"""Absence cover (simulator/engine/policies/cover.py): colleagues with nothing of their own
to do take an absent caseworker's queue. Paired runs as in `levers`."""

from __future__ import annotations

import datetime as dt

import numpy as np
from levers import baseline, from_day, run, run_model

from simulator.engine.model import Municipality
from simulator.engine.records import DONE

WAIT = baseline("absence={}", 'caseworkers.absence_cover="wait"')


def covered(record) -> np.ndarray:
    """When each task done by a colleague of its case's caseworker was started."""
    t, a = record.tasks, record.assignments
    done = np.flatnonzero(t["state"] == DONE)
    starts = []
    for k in done:
        mine = (a["case"] == t["case"][k]) & (a["start"] <= t["started"][k])
        mine &= t["started"][k] < a["end"]
        if mine.any() and t["worker"][k] not in a["worker"][mine]:
            starts.append(t["started"][k])
    return np.array(starts)


def test_cover_shortens_waits_while_caseworkers_are_away():
    """Away caseworkers' tasks wait for them, or colleagues with nothing of their own to
    do take them. Absences then differ between the two runs (stress differs), so one
    replication can go either way: compared over four paired replications."""
    cover = baseline("absence={}", 'caseworkers.absence_cover="pool"')
    waits = {
        name: [run(s, rep)[2].summary["task_wait_days_mean"] for rep in range(4)]
        for name, s in (("wait", WAIT), ("cover", cover))
    }
    assert np.mean(waits["cover"]) < np.mean(waits["wait"])


def test_cover_switched_on_during_a_run_acts_from_that_day_on():
    model = Municipality(WAIT)
    day = model.calendar.day_of(dt.date(2013, 7, 1))
    from_day(model, day, cover=True)
    record, _ = run_model(model)
    assert covered(run(WAIT)[1]).size == 0
    when = covered(record)
    assert when.size > 0 and when.min() >= day
