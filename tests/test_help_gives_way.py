"""Help that gives way: an application-help task no caseworker has started within
`reunification.help_abandoned_after_days` is abandoned, counted, and the family applies
alone `unaided_delay_days` later.

In an overloaded office the help, an optional task, waits behind every statutory one.
Without the rule the family waits for it however long that takes, and the time from
placement to arrival grows with the backlog; with it, the application is sent
at most `give up + unaided delay` after the family may apply, so the time to the family's
arrival is bounded whatever the office's backlog.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_model import check_invariants
from test_office import assert_backlog_is_the_work_waiting
from test_people import check_people_invariants, run, tasks_of

from simulator.engine.model import Municipality
from simulator.engine.records import ABANDONED
from simulator.scenario import load_scenario

GIVE_UP, UNAIDED = 60.0, 30.0


def overloaded(give_up: float | None, *overrides: str, **changes: Any):
    """The baseline with two caseworkers: statutory work alone fills their time, so the
    optional help is not reached while the backlog lasts."""
    return load_scenario(
        "scenarios/baseline.toml",
        [
            "caseworkers.staffing.0.caseworkers=2",
            "simulation.duration_years=5",
            "simulation.warmup_years=2",
            *overrides,
        ],
        changes={"reunification.help_abandoned_after_days": give_up, **changes},
    )


@pytest.fixture(scope="module")
def giving_way():
    return run(overloaded(GIVE_UP))


def test_family_arrival_stays_bounded_in_an_overloaded_office(giving_way):
    model, record, stats = giving_way
    f = record.families
    sent = ~np.isnan(f["applied"])
    delay = (f["applied"] - f["may_apply"])[sent]
    aided = f["aided"][sent] == 1
    print(
        f"\ngive up after {GIVE_UP:.0f} days: application {delay.mean():.0f} days after it may "
        f"be made (max {delay.max():.0f}), {aided.mean():.0%} helped; family arrives "
        f"{stats.summary['family_arrival_days_mean']:.0f} days after placement; "
        f"{stats.summary['reunification_help_abandoned']:.0f} helps abandoned in the window"
    )
    # unaided: at most give-up + unaided delay after the family may apply
    assert delay[~aided].max() <= GIVE_UP + UNAIDED + 1e-9
    # aided: the help was started within the give-up time
    help_rows = tasks_of(record, "reunification_help")
    started = record.tasks["started"][help_rows] - record.tasks["created"][help_rows]
    assert np.nanmax(started) <= GIVE_UP + 1e-9
    assert stats.summary["reunification_help_abandoned"] > 10
    check_invariants(model.scenario, record, model.calendar, stats)
    check_people_invariants(record)


def test_without_the_rule_the_family_waits_for_the_backlog(giving_way):
    """The same office without the rule (what the model did before): applications wait
    far longer than the bound, and the families with them."""
    _, record, stats = run(overloaded(None))
    f = record.families
    delay = (f["applied"] - f["may_apply"])[~np.isnan(f["applied"])]
    print(
        f"\nnever given up: application {delay.mean():.0f} days after it may be made "
        f"(max {delay.max():.0f}); family arrives "
        f"{stats.summary['family_arrival_days_mean']:.0f} days after placement"
    )
    assert delay.max() > 3 * (GIVE_UP + UNAIDED)
    bounded = giving_way[2].summary["family_arrival_days_mean"]
    assert stats.summary["family_arrival_days_mean"] > bounded + 60
    assert stats.summary["reunification_help_abandoned"] == 0


def test_abandoned_help_is_counted_once_and_never_started(giving_way):
    _, record, stats = giving_way
    t = record.tasks
    abandoned = t["state"] == ABANDONED
    assert np.all(tasks_of(record, "reunification_help")[abandoned])
    assert np.all(np.isnan(t["started"][abandoned]))
    np.testing.assert_allclose(t["dropped"][abandoned] - t["created"][abandoned], GIVE_UP)
    in_window = abandoned & (t["dropped"] >= record.warmup)
    assert stats.summary["reunification_help_abandoned"] == in_window.sum()


# ---------------------------------------------------------------- the office's accounts


@pytest.mark.parametrize(
    "policy",
    [
        ["caseworkers.assignment='pool'"],
        ["triage.measure='backlog'", "triage.above=0.5", "triage.action='defer'"],
        ["interpreting.interpreters=1"],
        ["caseworkers.caseload_cap=30"],
    ],
    ids=["pool", "triage-defer", "interpreters", "caseload-cap"],
)
def test_abandoning_keeps_the_offices_accounts_wherever_the_task_waits(policy):
    """A help task can be abandoned in a worker's queue, the pool, triage's set-aside list,
    the interpreters' waiting list, or held under a caseload cap: in each case it ends
    once, is never worked, and leaves the backlog it was counted in."""
    scenario = overloaded(5.0, *policy, "simulation.duration_years=2.5")
    model = Municipality(scenario, 0)
    model.start()
    for until in np.linspace(60.0, scenario.simulation.duration_days, 12):
        model.env.run(until=until)
        assert_backlog_is_the_work_waiting(model)
    record = model._record(0.0)
    from simulator.analysis.metrics import analyse

    stats = analyse(record, model.calendar)
    check_invariants(scenario, record, model.calendar, stats)
    assert (record.tasks["state"] == ABANDONED).sum() > 5
