"""Confidence intervals over replications."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.analysis.stats import mean_ci, t_interval


def test_mean_ci_matches_hand_computed_t_interval() -> None:
    mean, low, high = mean_ci(np.array([1.0, 2.0, 3.0]))
    half = stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)  # sd of [1, 2, 3] is 1
    assert float(mean) == pytest.approx(2.0)
    assert float(low) == pytest.approx(2.0 - half)
    assert float(high) == pytest.approx(2.0 + half)
    assert half == pytest.approx(2.4841, abs=1e-4)  # 4.3027 / sqrt(3)


def test_mean_ci_single_value_has_no_interval() -> None:
    mean, low, high = mean_ci(np.array([5.0]))
    assert float(mean) == 5.0
    assert math.isnan(low) and math.isnan(high)


def test_mean_ci_skips_nan_per_column() -> None:
    values = np.array([[1.0, 4.0], [2.0, np.nan], [3.0, np.nan]])  # rows: replications
    mean, low, high = mean_ci(values, axis=0)
    assert mean == pytest.approx([2.0, 4.0])
    assert high[0] - mean[0] == pytest.approx(stats.t.ppf(0.975, 2) / math.sqrt(3))
    assert math.isnan(low[1]) and math.isnan(high[1])  # one value left: no interval


def test_t_interval_is_the_scalar_form_of_mean_ci() -> None:
    values = [3.0, 5.0, 4.0, 8.0]
    mean, low, high = t_interval(values)
    half = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / math.sqrt(4)
    assert (mean, low, high) == pytest.approx((5.0, 5.0 - half, 5.0 + half))
    assert math.isnan(t_interval([2.0])[1])
