"""Paired comparison of two scenarios' replications under common random numbers.

Both scenarios ran with the same seed and the same replication numbers. Because every
random stream is named, replication k of A and of B see the same arrivals, households,
exits and task durations wherever the scenarios agree; the difference per replication
is then due to the levers that differ, and the paired 95 % t-interval of those
differences is far narrower than comparing two separate CIs. Beside that interval of
the mean difference, the table gives the range of the differences themselves over the
replications (10th-90th percentile): what one municipality may see the lever do.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum

import numpy as np
import pandas as pd

from simulator.analysis.mechanisms import Mechanism, not_a_finding
from simulator.analysis.metrics import SUMMARY_METRICS
from simulator.analysis.stats import percentile_range, t_interval


class Verdict(StrEnum):
    """What the paired comparison says of B - A for one metric (the `verdict` column)."""

    HIGHER = "B higher"  # the 95 % interval of the mean difference lies above 0
    LOWER = "B lower"  # ... below 0
    CHANCE = "not distinguishable from zero"  # the interval holds 0
    IDENTICAL = "identical"  # the same in every replication
    ONE_REPLICATION = "one replication: no interval"
    UNDEFINED = "undefined"  # no value in some replication (a share with nothing due)
    OFF_IN_BOTH = "off in both: not modelled"  # its mechanism is off in A and in B


BOTH = "both scenarios"  # where a mechanism off in A and in B is off


def paired_table(
    a: pd.DataFrame,
    b: pd.DataFrame,
    off: Mapping[str, Mechanism] | Collection[str] = frozenset(),
) -> pd.DataFrame:
    """Per metric: both means, and B - A with its paired 95 % t-interval and the range
    8 replications in 10 of B - A lie in (`p10`, `p90`; NaN with fewer than two).

    `a` and `b` are per-replication tables (replication, metric, value) of the same
    replications. The metrics in `off` (their mechanism off in both scenarios:
    `mechanisms.off_in_all`) get the verdict `Verdict.OFF_IN_BOTH`, not "identical": their
    zeros say nothing about the mechanism. Given with their mechanisms, the `mechanism`
    column names it ("phone interpreting: switched off in both scenarios, not a finding");
    a share among them is left blank, as in each side's summary.csv (no share of meetings
    by telephone exists where none can be).
    """
    wide_a = a.pivot(index="replication", columns="metric", values="value")
    wide_b = b.pivot(index="replication", columns="metric", values="value")
    named = off if isinstance(off, Mapping) else {}
    rows = []
    for metric in SUMMARY_METRICS:
        xa, xb = wide_a[metric.name].to_numpy(), wide_b[metric.name].to_numpy()
        if metric.unit == "share" and metric.name in off:
            xa = xb = np.full(xa.shape, np.nan)
        difference, low, high = t_interval(xb - xa)
        p10, p90 = percentile_range(xb - xa)
        rows.append(
            {
                "metric": metric.name,
                "unit": metric.unit,
                "mean_a": t_interval(xa)[0],
                "mean_b": t_interval(xb)[0],
                "difference": difference,
                "ci_low": low,
                "ci_high": high,
                "p10": float(p10),
                "p90": float(p90),
                "verdict": Verdict.OFF_IN_BOTH.value
                if metric.name in off
                else _verdict(difference, low, high),
                "mechanism": not_a_finding(named[metric.name], BOTH)
                if metric.name in named
                else "",
            }
        )
    return pd.DataFrame(rows)


def _verdict(difference: float, low: float, high: float) -> str:
    if np.isnan(difference):
        return Verdict.UNDEFINED.value
    if difference == 0 and (np.isnan(low) or low == high):
        return Verdict.IDENTICAL.value
    if np.isnan(low):
        return Verdict.ONE_REPLICATION.value
    if low <= 0 <= high:
        return Verdict.CHANCE.value
    return (Verdict.HIGHER if difference > 0 else Verdict.LOWER).value
