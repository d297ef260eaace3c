"""Calibration against the survey seeds, reproducible by ``caseload calibrate``.

1. *The baseline municipality* (about 11 placements a month, 4 caseworkers) should hold
   70-75 cases per caseworker in steady state, as in the quote "4 caseworkers, 10-13 new
   refugees a month, on average 70-75 cases each" (DS quick poll, Nov 2014).
2. *A spread of municipalities* whose placements per caseworker vary as staffing ratios
   did in 2015 should give a distribution of individual caseloads like the survey's:
   mean 68, most between 40 and 90, range 7-167 (DS survey of caseloads, spring 2015,
   n = 52).

The spread of staffing ratios is an assumption (lognormal placements per caseworker a
month, centred on the baseline's 2.75, coefficient of variation `ratio_cv`); the rest of
every municipality is the baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.analysis.metrics import caseload_by_worker
from simulator.analysis.stats import t_interval
from simulator.engine.model import Municipality
from simulator.experiments.run import run_scenario
from simulator.scenario import Scenario, load_scenario, shipped

BASELINE = shipped.folder() / "baseline.toml"
QUOTED = (70.0, 75.0)  # seed 001
SURVEY_MEAN, SURVEY_MOST = 68.0, (40.0, 90.0)  # seed 000


@dataclass(frozen=True)
class Spread:
    """Individual caseloads pooled over the simulated municipalities."""

    municipalities: int
    caseworkers: int
    mean: float
    quartiles: tuple[float, float, float]
    share_40_90: float
    low: float
    high: float


def baseline_caseload(scenario: Scenario, replications: int = 10) -> tuple[float, float, float]:
    """Mean open cases per caseworker of the baseline, with its 95 % interval."""
    results = run_scenario(scenario, replications=replications)
    per = results.per_replication
    return t_interval(per.loc[per["metric"] == "caseload_per_worker_mean", "value"].to_numpy())


def municipality_spread(
    base: Path = BASELINE, n: int = 30, ratio_cv: float = 0.3, seed: int = 2015
) -> Spread:
    """Run `n` municipalities with survey-like staffing ratios; pool their caseworkers."""
    rng = np.random.default_rng(seed)
    staff = rng.integers(1, 9, n)  # assumption: integration teams of 1-8 caseworkers
    sigma = math.sqrt(math.log1p(ratio_cv**2))
    ratio = rng.lognormal(math.log(11 / 4) - sigma**2 / 2, sigma, n)  # placements/worker/month
    loads: list[float] = []
    for i, (workers, per_worker) in enumerate(zip(staff, ratio, strict=True)):
        scenario = load_scenario(
            base,
            [
                f"arrivals.per_month={per_worker * workers:.4f}",
                f"caseworkers.staffing=[{{date=2012-01-01, caseworkers={workers}}}]",
                "caseworkers.assignment='fixed'",
            ],
        )
        record = Municipality(scenario, replication=i).run()
        loads.extend(caseload_by_worker(record).values())
    x = np.asarray(loads)
    q1, q2, q3 = np.percentile(x, [25, 50, 75])
    inside = float(np.mean((x >= SURVEY_MOST[0]) & (x <= SURVEY_MOST[1])))
    return Spread(n, x.size, float(x.mean()), (q1, q2, q3), inside, float(x.min()), float(x.max()))


def report(replications: int = 10, municipalities: int = 30) -> str:
    """Both calibration checks as text."""
    scenario = load_scenario(BASELINE)
    mean, low, high = baseline_caseload(scenario, replications)
    spread = municipality_spread(n=municipalities)
    q1, q2, q3 = spread.quartiles
    return "\n".join(
        [
            "1. Baseline municipality (11 placements a month, 4 caseworkers):",
            f"   open cases per caseworker {mean:.1f} (95% CI {low:.1f} to {high:.1f}, "
            f"{replications} replications); quoted: {QUOTED[0]:g}-{QUOTED[1]:g}",
            f"2. {spread.municipalities} municipalities, survey-like staffing ratios, "
            f"{spread.caseworkers} caseworkers:",
            f"   mean caseload {spread.mean:.1f} (survey: {SURVEY_MEAN:g}); quartiles "
            f"{q1:.0f} / {q2:.0f} / {q3:.0f}; range {spread.low:.0f}-{spread.high:.0f} "
            f"(survey: 7-167)",
            f"   share of caseworkers with 40-90 cases: {spread.share_40_90:.0%} (survey: 'most')",
        ]
    )
