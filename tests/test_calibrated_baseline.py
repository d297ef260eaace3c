"""The calibrated baseline meets its in-sample targets (docs/calibration.md, T1 and T3-T8).

At a fixed seed (the baseline's) and a fixed number of replications, chosen from the
intervals of `caseload calibrate` so that a value inside its band by more than its
interval's half-width passes every time, the baseline and the baseline with one more
caseworker are run once, and each target's verdict is computed by the calibration's own
code. T2 (30 municipalities) and T5's 15-year stationarity run are left to
`caseload calibrate`, which reports them with the out-of-sample checks: they take longer
than the test suite's budget allows. A target that no parameters inside their plausible
bounds could meet is marked as an expected failure, with its gap, and fails the suite the
day it passes (strict), so that the mark is removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.calibration.batch import run_points
from simulator.calibration.targets import (
    TARGETS,
    Point,
    Rows,
    Verdict,
    baseline_point,
    plus_one_point,
    rules_2014,
)
from simulator.scenario.files import read_toml

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
REPLICATIONS = 10
# targets the fit could not meet inside the plausible bounds: the gap, as docs/calibration.md
GAPS: dict[str, str] = {}


@pytest.fixture(scope="module")
def rows() -> Rows:
    data = read_toml(BASELINE)
    points = [baseline_point(data, REPLICATIONS), plus_one_point(data, REPLICATIONS)]
    if rules_2014(data) != data:
        points.append(Point("rules_2014", rules_2014(data), tuple(range(REPLICATIONS))))
    return run_points(points)


def _verdict(target: str, rows: Rows) -> Verdict:
    return TARGETS[target](rows)


@pytest.mark.parametrize(
    "target",
    [pytest.param(t, marks=pytest.mark.xfail(reason=GAPS[t], strict=True)) if t in GAPS else t
     for t in ("T1", "T3", "T4", "T5", "T6", "T7", "T8")],
)  # fmt: skip
def test_the_calibrated_baseline_meets_the_target(target: str, rows: Rows) -> None:
    verdict = _verdict(target, rows)
    failed = [f"{p.label}: {p.value:.3g} outside {p.low}-{p.high}" for p in verdict.parts
              if not p.passed]  # fmt: skip
    assert verdict.passed, f"{target}: " + "; ".join(failed)
