"""Confidence intervals over replications."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

LEVEL = 0.95


def t_interval(
    values: np.ndarray | list[float], level: float = LEVEL
) -> tuple[float, float, float]:
    """(mean, low, high) of the Student-t interval for the mean; NaN bounds with one value.

    NaN values (a metric undefined in some replication) are left out.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size == 1:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half
