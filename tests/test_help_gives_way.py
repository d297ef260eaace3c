"""Help that gives way: an application-help task no caseworker has started within
`reunification.help_abandoned_after_days` is abandoned, counted, and the family applies
alone `unaided_delay_days` later.

In an overloaded office the help, an optional task, waits behind every statutory one.
Without the rule the family waits for it however long that takes (the issue measured
779 days from placement to arrival instead of about 205); with it, the application is sent
at most `give up + unaided delay` after the family may apply, so the time to the family's
arrival is bounded whatever the office's backlog.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_model import check_invariants
from test_people import check_people_invariants, run, tasks_of

from simulator.engine.entities import Task
from simulator.engine.model import Municipality
from simulator.engine.office import TAKEN
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


def waiting_tasks(model: Municipality) -> list[Task]:
    """Every task waiting for a caseworker, once: queued (live entries), set aside by
    triage, waiting for an interpreter, or held while its case waits for a caseworker."""
    office = model.office
    found: list[Task] = []
    for worker in office.everyone:
        found += [e[-1] for e in worker.queue if e[-1].holder == worker.id]
        found += [t for _, t in worker.deferred]
    found += [e[-1] for e in office.pool if e[-1].holder != TAKEN]
    if office.interpreters is not None:
        found += [t for t, _ in office.interpreters.waiting]
    unique = {t.id: t for t in found if t.state < 0 and t.worker == -1}
    return list(unique.values())


def check_accounts(model: Municipality) -> None:
    """Each open case's queued hours are those of its tasks waiting; the backlogs add up."""
    queued: dict[int, float] = {}
    for task in waiting_tasks(model):
        if task.case.is_open:
            queued[task.case.id] = queued.get(task.case.id, 0.0) + task.hours
    held = {cid for cid in model.office.held}
    for case in model.cases.values():
        if case.is_open and case.id not in held:
            assert case.queued == pytest.approx(queued.get(case.id, 0.0), abs=1e-6), case
    office = model.office
    total = sum(w.backlog for w in office.everyone) + office.shared.backlog
    assert total == pytest.approx(sum(c.queued for c in model.cases.values()), abs=1e-6)


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
        check_accounts(model)
    record = model._record(0.0)
    from simulator.analysis.metrics import analyse

    stats = analyse(record, model.calendar)
    check_invariants(scenario, record, model.calendar, stats)
    assert (record.tasks["state"] == ABANDONED).sum() > 5
