"""Confidence intervals over replications."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

LEVEL = 0.95


def mean_ci(
    values: np.ndarray | list[float], axis: int = 0, confidence: float = LEVEL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and two-sided Student-t confidence interval of `values` along `axis`, ignoring NaN.

    The interval is mean ± t_{(1+confidence)/2, n-1} · sd / sqrt(n), with sd the sample
    standard deviation (ddof=1) and n the number of non-NaN values, so replications
    that have no value (e.g. no statutory task fell due that week) do not count.
    Where n < 2 no interval exists and the bounds are NaN; where n = 0 the mean is NaN too.
    Returns (mean, low, high), each with `axis` removed.
    """
    x = np.asarray(values, dtype=float)
    n = np.sum(~np.isnan(x), axis=axis)
    with warnings.catch_warnings():  # all-NaN slices and n < 2 are handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=axis)
        sd = np.nanstd(x, axis=axis, ddof=1)
    enough = n >= 2
    t = stats.t.ppf(0.5 + confidence / 2, np.where(enough, n - 1, 1))
    half = np.where(enough, t * sd / np.sqrt(np.maximum(n, 1)), np.nan)
    return mean, mean - half, mean + half


def t_interval(
    values: np.ndarray | list[float], level: float = LEVEL
) -> tuple[float, float, float]:
    """(mean, low, high) of one metric over replications; NaN bounds with one value."""
    mean, low, high = mean_ci(np.asarray(values, dtype=float).ravel(), confidence=level)
    return float(mean), float(low), float(high)
