"""The baseline's defaults stay where their sources put them.

Every default that is sourced or assumed (not fitted) is checked against the range its
source makes plausible (`simulator.calibration.parameters.SOURCED`: key -> low, high,
source), and every fitted value against the bounds written down before the fit: a default
that drifts out of its range fails here, with its source named.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.calibration.parameters import FREE, SOURCED, fitted_values, lookup
from simulator.scenario.files import read_toml

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
DATA = read_toml(BASELINE)


@pytest.mark.parametrize("sourced", SOURCED, ids=lambda s: s.key)
def test_a_sourced_or_assumed_default_stays_in_its_sources_range(sourced) -> None:
    value = lookup(DATA, sourced.key)
    assert sourced.low <= value <= sourced.high, (
        f"{sourced.key} = {value}: outside {sourced.low}-{sourced.high} ({sourced.source})"
    )


@pytest.mark.parametrize("free", FREE, ids=lambda p: p.name)
def test_a_fitted_value_stays_inside_the_bounds_written_before_the_fit(free) -> None:
    value = fitted_values(DATA)[free.name]
    assert free.low - 1e-3 <= value <= free.high + 1e-3, (
        f"{free.name} = {value}: outside {free.low}-{free.high} ({free.reason})"
    )


def test_the_baseline_has_every_mechanism_on_and_the_planners_policies_off() -> None:
    for table in ("absence", "stress", "turnover", "interpreting"):
        assert table in DATA, f"[{table}] is off in the baseline"
    assert DATA["absence"]["vacation"]["weeks_per_year"] > 0
    assert DATA["absence"]["sick_leave"]["days_per_year"] > 0
    assert DATA["absence"]["vacation"]["max_share_away"] < 1.0  # vacations staggered
    # the reunification rules in force by date over the period reported
    changed = {key for entry in DATA["timeline"] for key in entry["set"]}
    assert changed == {"reunification.waiting_years.temporary", "reunification.processing_days"}
    assert "interpreters" not in DATA["interpreting"]  # as many as needed: meetings lengthen
    assert "external" in DATA and "health_examination" in DATA["external"]
    assert DATA["exit"]["before_effort_multiplier"] < 1.0  # casework matters to self-support
    for policy in ("triage", "overtime"):
        assert policy not in DATA, f"[{policy}] is a planner's policy: off in the baseline"
    assert "caseload_cap" not in DATA["caseworkers"]
    text = BASELINE.read_text()
    assert "OFF in the baseline" in text and "ON:" in text  # and the file says so
