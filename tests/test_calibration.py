"""Per-caseworker caseloads, the unit the surveys counted."""

from __future__ import annotations

import pytest
from levers import plain_office

from simulator.analysis.metrics import analyse, caseload_by_worker
from simulator.engine.model import Municipality


def test_individual_caseloads_add_up_to_the_mean_per_caseworker():
    # without turnover, so that the three caseworkers are the same three all the time
    scenario = plain_office(
        "simulation.duration_years=3",
        "simulation.warmup_years=1.5",
        "caseworkers.staffing=[{date=2012-01-01, caseworkers=3}]",
    )
    model = Municipality(scenario)
    record = model.run()
    loads = caseload_by_worker(record)
    assert sorted(loads) == [0, 1, 2]
    mean = analyse(record, model.calendar).summary["caseload_per_worker_mean"]
    assert sum(loads.values()) / 3 == pytest.approx(mean, rel=1e-9)
    # least-loaded assignment keeps the caseworkers close to each other
    assert max(loads.values()) - min(loads.values()) < 0.05 * mean
