"""Interpreting (simulator/engine/policies/interpreting.py): interpreted meetings take
longer, and wait for an interpreter of a limited pool. Paired runs as in `levers`."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from builders import build, one_task
from levers import baseline, from_day, run, run_model, same_people

from simulator.engine.model import Municipality


def interpreted(*overrides: str):
    return baseline("case_mix.interpreter_share=0.6", *overrides)


def test_an_unlimited_interpreter_pool_removes_interpreter_waits():
    _, ra, scarce = run(interpreted("interpreting={ interpreters = 1 }"))
    _, rb, unlimited = run(interpreted("interpreting={}"))
    same_people(ra, rb)
    assert scarce.summary["interpreter_wait_days_mean"] > 0
    assert unlimited.summary["interpreter_wait_days_mean"] == 0
    assert unlimited.summary["task_wait_days_mean"] < scarce.summary["task_wait_days_mean"]
    i = rb.interpreting
    assert i["task"].size > 0 and np.all(i["booked"] == i["asked"])


def meeting_hours(share: float, interpreting: dict | None) -> dict[str, float]:
    """Casework hours worked on meetings and on other tasks in a year of a small office
    with room to spare (every task done, nobody leaves), where a `share` of the people
    need an interpreter; `interpreting` is the scenario's table (None: left out)."""
    changes = {
        "simulation": {"duration_years": 1.0},
        "arrivals": {"monthly": [4] * 12},
        "case_mix": {"interpreter_share": share},
        "tasks": {
            "reception": one_task(
                meeting=True, duration_hours={"dist": "lognormal", "mean": 2.0, "sd": 1.0}
            ),
            "benefit_decision": one_task(
                duration_hours={"dist": "lognormal", "mean": 1.0, "sd": 0.5}
            ),
        },
    }
    if interpreting is not None:
        changes["interpreting"] = interpreting
    model, record, _ = run(build(changes))
    t, o = record.tasks, model.calendar.open_time
    assert (t["state"] == 0).all()  # every task done: the two runs work the same tasks
    worked = (o(t["finished"]) - o(t["started"])) * 24
    meeting = t["type"] == record.task_names.index("reception")
    return {"meetings": worked[meeting].sum(), "other": worked[~meeting].sum(), "n": meeting.size}


@pytest.mark.parametrize(
    ("interpreting", "factor"),
    [(None, 1.16), ({}, 1.16), ({"phone": "always"}, 1.30), ({"in_person_multiplier": 1.5}, 1.5)],
    ids=["no-table", "unlimited", "phone", "own-multiplier"],
)
def test_needing_an_interpreter_lengthens_meetings_by_exactly_the_multiplier(interpreting, factor):
    """Everyone needs an interpreter (share 1) or no one (share 0), with an unlimited pool:
    the same meetings take exactly the multiplier times as long, other tasks no longer.
    Without an [interpreting] table the pool is unlimited, in person, at 1.16."""
    nobody, everyone = meeting_hours(0.0, interpreting), meeting_hours(1.0, interpreting)
    assert everyone["n"] == nobody["n"] > 50
    assert everyone["meetings"] == pytest.approx(factor * nobody["meetings"], rel=1e-9)
    assert everyone["other"] == pytest.approx(nobody["other"], rel=1e-9)


def test_interpreted_meetings_take_longer_in_person_and_longer_still_by_phone():
    """A fixed-duration meeting (1 h) of a citizen who needs an interpreter takes 1.16 h in
    person and 1.30 h by phone (trauma's own multiplier and the task-time scale set to 1
    here)."""
    for phone, factor in (("never", 1.16), ("always", 1.30)):
        scenario = interpreted(
            f'interpreting={{ phone = "{phone}" }}',
            'tasks.reception.duration_hours={ dist = "fixed", value = 1.0 }',
            "case_mix.meeting_multiplier_traumatised=1.0",
            "caseworkers.task_time_scale=1.0",
        )
        model, record, _ = run(scenario)
        t = record.tasks
        reception = (t["type"] == record.task_names.index("reception")) & (t["state"] == 0)
        o = model.calendar.open_time  # casework hours happen in working windows only
        hours = (o(t["finished"][reception]) - o(t["started"][reception])) * 24
        needs = np.isin(t["task"][reception], record.interpreting["task"])
        assert needs.any() and (~needs).any()
        assert hours[needs] == pytest.approx(np.full(needs.sum(), factor))
        assert hours[~needs] == pytest.approx(np.ones((~needs).sum()))


def test_phone_when_busy_trades_waiting_for_longer_meetings():
    _, _, booked = run(interpreted("interpreting={ interpreters = 1 }"))
    _, _, phone = run(interpreted('interpreting={ interpreters = 1, phone = "when_busy" }'))
    assert booked.summary["interpreted_by_phone_share"] == 0
    assert phone.summary["interpreted_by_phone_share"] > 0
    assert phone.summary["interpreter_wait_days_mean"] == 0
    assert phone.summary["task_wait_days_mean"] < booked.summary["task_wait_days_mean"]


def pool_changed(before: str, after: str):
    """A run whose interpreter pool is `before` and from 1 July 2013 `after` (scenario
    values of `interpreting`): the model, the day, the interpreting records and which
    meetings waited for an interpreter."""
    model = Municipality(interpreted(f"interpreting={before}"))
    day = model.calendar.day_of(dt.date(2013, 7, 1))
    from_day(model, day, interpreting=interpreted(f"interpreting={after}").interpreting)
    record, _ = run_model(model)
    i = record.interpreting
    return model, day, i, i["booked"] > i["asked"]


def test_an_interpreter_pool_limited_during_a_run_makes_meetings_wait_from_then_on():
    _, day, i, waited = pool_changed("{}", "{ interpreters = 1 }")
    assert waited.any() and i["asked"][waited].min() >= day


def test_an_interpreter_who_becomes_available_is_booked_by_a_caseworker_waiting_idle():
    """One caseworker (08:00-16:00 from Monday 8 January 2024), two refugees placed on
    days 6 and 18, each needing an interpreter for a 2 h reception meeting. No interpreter
    at first: the first meeting asks on day 7 and waits, the caseworker idle. From day 10
    there is one: the caseworker is called back and holds it at 08:00 that day."""
    scenario = build(
        {
            "case_mix": {"interpreter_share": 1.0},
            "interpreting": {"interpreters": 0},
            "tasks": {"reception": one_task(meeting=True)},
        }
    )
    model = Municipality(scenario)
    from_day(model, 10, interpreting=scenario.interpreting.model_copy(update={"interpreters": 1}))
    record, _ = run_model(model)
    i = record.interpreting
    eight = 8 / 24
    assert i["asked"].tolist() == [7 + eight, 18 + eight]
    assert i["booked"].tolist() == [10 + eight, 18 + eight]


def test_an_interpreter_pool_lifted_during_a_run_books_the_waiting_meetings_at_once():
    """From one interpreter to as many as needed: no meeting waits after the day, and those
    waiting go ahead from the first working hour, each before the next other task of its
    caseworker (a year's waiting meetings take weeks to hold)."""
    model, day, i, waited = pool_changed("{ interpreters = 1 }", "{}")
    assert not (waited & (i["asked"] >= day)).any()
    waiting_then = waited & (i["asked"] < day) & (i["booked"] >= day)
    assert waiting_then.sum() > 10
    assert i["booked"][waiting_then].min() < day + 1
    assert not model.office.interpreters.waiting_list


@pytest.mark.parametrize("action", ["drop", "defer"])
def test_only_meetings_in_progress_hold_an_interpreter_when_triage_drops_tasks(action):
    """A meeting taken from the interpreters' list that triage then drops or sets aside
    books no interpreter: the pool never shrinks."""
    model, record, _ = run(
        interpreted(
            "interpreting={ interpreters = 2 }",
            f'triage={{ above = 0.5, action = "{action}" }}',
            "caseworkers.staffing=[{ date = 2012-01-01, caseworkers = 3 }]",
        )
    )
    pool = model.office.interpreters
    in_hand = {w.current.id for w in model.office.everyone if w.current is not None}
    assert pool.holding <= in_hand
    assert pool.free + len(pool.holding) == 2
    i = record.interpreting
    assert (i["booked"] > i["asked"]).any()  # meetings did wait for an interpreter
