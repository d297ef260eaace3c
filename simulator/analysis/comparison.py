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
FEW = 5  # paired replications below which the interval is marked rough (t ≥ 2.78 at 4)


def possible_range(values: np.ndarray, share: bool) -> tuple[float, float]:
    """Where the mean of one side's metric can lie: [0, 1] for a share, [0, inf) where no
    replication is negative (a count, hours, days: the rule `stats.nonnegative_ci` cuts
    by), else anywhere; a side whose replications all gave the same value (no overtime
    worked, where it is off) is that value, as its own interval is (`stats.share_ci`)."""
    seen = values[~np.isnan(values)]
    if seen.size and seen.min() == seen.max():
        return float(seen[0]), float(seen[0])
    if share:
        return 0.0, 1.0
    if seen.size and seen.min() >= 0:
        return 0.0, float("inf")
    return float("-inf"), float("inf")


def clipped_difference(
    xa: np.ndarray, xb: np.ndarray, low: float, high: float, share: bool
) -> tuple[float, float, str]:
    """The paired t-interval (`low`, `high`) of B − A cut to where the difference of the
    means can lie, [low_B − high_A, high_B − low_A] of `possible_range` ([-1, 1] for two
    shares; at least 0 where A is always 0 and B a count), and a note: the replications
    when fewer than `FEW` (with two, t = 12.7 on one degree of freedom), and the bound
    the interval was cut at. The cut removes only differences the means cannot have, so
    it keeps the interval's coverage; within the bounds the interval is the t-interval."""
    if np.isnan(low):
        return low, high, ""
    low_a, high_a = possible_range(xa, share)
    low_b, high_b = possible_range(xb, share)
    floor, ceiling = low_b - high_a, high_b - low_a
    notes = []
    n = int(np.count_nonzero(~np.isnan(xb - xa)))
    if n < FEW:
        notes.append(f"{n} replications: wide, a rough guide")
    if low < floor:
        low = floor
        notes.append(f"cut at {floor:g}, the lowest possible")
    if high > ceiling:
        high = ceiling
        notes.append(f"cut at {ceiling:g}, the highest possible")
    return low, high, "; ".join(notes)


def paired_table(
    a: pd.DataFrame,
    b: pd.DataFrame,
    off: Mapping[str, Mechanism] | Collection[str] = frozenset(),
) -> pd.DataFrame:
    """Per metric: both means, and B - A with its paired 95 % t-interval and the range
    8 replications in 10 of B - A lie in (`p10`, `p90`; NaN with fewer than two).

    The interval is cut to what the difference can be (`clipped_difference`: a share's
    difference lies in [-1, 1]; with A always 0, a count's B − A is at least 0); `ci_note`
    says where it was cut, and marks an interval on fewer than `FEW` replications as
    rough. The verdict reads the t-interval, which the cut never moves across 0.

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
        difference, t_low, t_high = t_interval(xb - xa)
        low, high, note = clipped_difference(xa, xb, t_low, t_high, metric.unit == "share")
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
                else _verdict(difference, t_low, t_high),
                "mechanism": not_a_finding(named[metric.name], BOTH)
                if metric.name in named
                else "",
                "ci_note": note,
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
