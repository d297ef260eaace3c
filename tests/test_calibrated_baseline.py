"""The calibrated baseline meets its in-sample targets (docs/calibration.md, T1 and T3-T8).

At a fixed seed (the baseline's) and the replications of `caseload calibrate` (20, its
`REPORT_REPLICATIONS`), the baseline, the baseline with one more caseworker and the
baseline under 2013/14 reunification rules are run once, and each target's verdict is
computed by the calibration's own code: the test reads exactly the numbers and intervals
that docs/calibration.md reports. The count is chosen from those intervals: at 20, T1's
95 % CI is about ±3 cases, a fifth of its band; at 10 it would be about ±4.5, and a
value in the upper third of the band could fall either side of it with the seed. T2 (30
municipalities) and T5's 15-year stationarity run are left to `caseload calibrate`, which
reports them with the out-of-sample checks: they take longer than the test suite's budget
allows. A target the fit leaves outside its band is marked as an expected failure, with
its gap as docs/calibration.md reports it, and fails the suite the day it passes (strict),
so that the mark is removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.calibration.batch import run_points
from simulator.calibration.report import REPORT_REPLICATIONS
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
REPLICATIONS = REPORT_REPLICATIONS
# targets the fit of 2 December 2026 (on the model with the replacement's rebalance) leaves
# just outside their bands, as docs/calibration.md reports them: the fit trades them against
# each other (their shares of the distance D: T1 1.16, T4 1.73, T7 0.39, T8 1.22; of all
# eight, 5.21)
GAPS: dict[str, str] = {
    "T1": "66.0 cases a caseworker, 0.5 below the band 66.5-78.8 (docs/calibration.md)",
    "T4": "0.342 resignations a caseworker-year, 0.022 above the band 0.18-0.32 "
    "(docs/calibration.md)",
    "T7": "reunified, year 3: 28 % self-supporting, 0.1 points above the band 22-28 % "
    "(docs/calibration.md)",
    "T8": "59 % of working time case-related, 0.8 points below the band 60-76 % "
    "(docs/calibration.md)",
}


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
