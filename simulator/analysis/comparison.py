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

from collections.abc import Collection

import numpy as np
import pandas as pd

from simulator.analysis.metrics import SUMMARY_METRICS
from simulator.analysis.stats import percentile_range, t_interval

OFF_IN_BOTH = "off in both: not modelled"


def paired_table(
    a: pd.DataFrame, b: pd.DataFrame, off: Collection[str] = frozenset()
) -> pd.DataFrame:
    """Per metric: both means, and B - A with its paired 95 % t-interval and the range
    8 replications in 10 of B - A lie in (`p10`, `p90`; NaN with fewer than two).

    `a` and `b` are per-replication tables (replication, metric, value) of the same
    replications. The metrics in `off` (their mechanism off in both scenarios:
    `mechanisms.off_metrics`) get the verdict `OFF_IN_BOTH`, not "identical": their zeros
    say nothing about the mechanism.
    """
    wide_a = a.pivot(index="replication", columns="metric", values="value")
    wide_b = b.pivot(index="replication", columns="metric", values="value")
    rows = []
    for metric in SUMMARY_METRICS:
        xa, xb = wide_a[metric.name].to_numpy(), wide_b[metric.name].to_numpy()
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
                "verdict": OFF_IN_BOTH if metric.name in off else _verdict(difference, low, high),
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
