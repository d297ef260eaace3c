"""The caseload cap (simulator/engine/policies/caseload_cap.py): new cases wait for a
caseworker with room. Paired runs as in `levers`."""

from __future__ import annotations

import datetime as dt

import numpy as np
from levers import baseline, from_day, run, run_model
from test_model import check_invariants

from simulator.analysis.metrics import level_peak
from simulator.engine.model import Municipality


def assert_cap_held(record, cap: int) -> None:
    """No caseworker ever held more than `cap` cases at once."""
    a = record.assignments
    for worker in np.unique(a["worker"]):
        mine = a["worker"] == worker
        assert level_peak(a["start"][mine], a["end"][mine], 0, record.end) <= cap


def test_a_caseload_cap_is_never_exceeded_and_new_cases_wait():
    cap = 45  # the top of the DS recommendation: below the baseline's peak, so it binds
    scenario = baseline(f"caseworkers.caseload_cap={cap}")
    model, record, stats = run(scenario)
    assert_cap_held(record, cap)
    assert stats.summary["cases_waiting_assignment_mean"] > 0
    assert stats.summary["assignment_wait_days_mean"] > 0
    uncapped = run(baseline())[2]
    assert uncapped.summary["caseload_individual_peak"] > cap  # the cap did bind
    check_invariants(scenario, record, model.calendar, stats)


def test_a_cap_holds_when_staff_leave():
    scenario = baseline(
        "caseworkers.caseload_cap=70",
        "caseworkers.staffing=[{ date = 2012-01-01, caseworkers = 4 }, "
        "{ date = 2013-06-01, caseworkers = 3 }]",
    )
    _, record, _ = run(scenario)
    assert_cap_held(record, 70)


def test_a_cap_set_during_a_run_binds_from_then_on_and_lifted_lets_the_waiting_in():
    """A cap of 33 from mid-2013 (caseworkers hold about 30 then and reach it within
    two months; after that new cases wait for room), lifted at the start of 2014: every
    case still waiting is assigned then."""
    model = Municipality(baseline())
    start = model.calendar.day_of(dt.date(2013, 7, 1))
    end = model.calendar.day_of(dt.date(2014, 1, 1))
    from_day(model, start, caseload_cap=33)
    from_day(model, end, caseload_cap=None)
    record, stats = run_model(model)
    opened, assigned = record.assignment_waits.T
    assert opened.size > 0 and opened.min() >= start  # recorded only under the cap
    assert (assigned > opened).any()  # some waited ...
    assert np.nanmax(assigned) <= end  # ... and none beyond the end of the cap
    a = record.assignments
    for k in np.flatnonzero((a["start"] >= start) & (a["start"] < end)):
        mine = (a["worker"] == a["worker"][k]) & (a["start"] < a["start"][k])
        assert (mine & (a["end"] > a["start"][k])).sum() < 33  # room under the cap
    check_invariants(model.scenario, record, model.calendar, stats)
