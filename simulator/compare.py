"""Paired comparison of two scenarios under common random numbers.

Both scenarios run with the same seed and the same replication numbers. Because
every random stream is named, replication k of A and of B see the same arrivals,
households, exits and task durations wherever the scenarios agree; the difference
per replication is then due to the levers that differ, and the paired 95 %
t-interval of those differences is far narrower than comparing two separate CIs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.metrics import SUMMARY_METRICS
from simulator.runner import Progress, Results, run_scenario
from simulator.scenario import Scenario
from simulator.stats import t_interval


@dataclass
class Comparison:
    """Two runs with the same seed and replications, and their paired differences."""

    a: Results
    b: Results
    table: pd.DataFrame  # metric, unit, mean_a, mean_b, difference, ci_low, ci_high, verdict


def compare(
    a: Scenario,
    b: Scenario,
    *,
    replications: int,
    seed: int | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """Run `a` and `b` with common random numbers and compare them metric by metric."""
    seed = a.simulation.seed if seed is None else seed
    done_a = None if progress is None else (lambda rep, f: progress(rep, f / 2))
    done_b = None if progress is None else (lambda rep, f: progress(rep, 0.5 + f / 2))
    result_a = run_scenario(a, replications=replications, seed=seed, progress=done_a)
    result_b = run_scenario(b, replications=replications, seed=seed, progress=done_b)
    return Comparison(result_a, result_b, paired_table(result_a, result_b))


def paired_table(a: Results, b: Results) -> pd.DataFrame:
    """Per metric: both means, and B - A with its paired 95 % t-interval."""
    wide_a = a.per_replication.pivot(index="replication", columns="metric", values="value")
    wide_b = b.per_replication.pivot(index="replication", columns="metric", values="value")
    rows = []
    for metric in SUMMARY_METRICS:
        xa, xb = wide_a[metric.name].to_numpy(), wide_b[metric.name].to_numpy()
        difference, low, high = t_interval(xb - xa)
        rows.append(
            {
                "metric": metric.name,
                "unit": metric.unit,
                "mean_a": t_interval(xa)[0],
                "mean_b": t_interval(xb)[0],
                "difference": difference,
                "ci_low": low,
                "ci_high": high,
                "verdict": _verdict(difference, low, high),
            }
        )
    return pd.DataFrame(rows)


def _verdict(difference: float, low: float, high: float) -> str:
    if np.isnan(difference):
        return "undefined"
    if difference == 0 and (np.isnan(low) or low == high):
        return "identical"
    if np.isnan(low):
        return "one replication: no interval"
    if low <= 0 <= high:
        return "not distinguishable from zero"
    return "B higher" if difference > 0 else "B lower"
