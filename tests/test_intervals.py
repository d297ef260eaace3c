"""The small monitor's integrals of levels made of intervals (`metrics.intervals`)."""

from __future__ import annotations

import numpy as np

from simulator.analysis.metrics.intervals import areas_over, interval_areas


def test_the_area_of_each_bin_is_the_time_each_interval_spends_in_it() -> None:
    starts, ends = np.array([0.5, 2.0, 1.0, 3.0]), np.array([2.5, 2.0, 4.0, 3.5])
    weights = np.array([1.0, 5.0, 2.0, 0.5])  # the second is empty: it counts for nothing
    edges = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    # by hand: [0.5, 2.5) weight 1, [1, 4) weight 2, [3, 3.5) weight 0.5
    expected = [0.5, 1.0 + 2.0, 0.5 + 2.0, 2.0 + 0.25]
    assert np.allclose(interval_areas(starts, ends, edges, weights), expected, rtol=0, atol=1e-12)


def test_several_binnings_at_once_give_the_values_of_one_call_each() -> None:
    rng = np.random.default_rng(7)
    starts = rng.uniform(0, 1000, 5000)
    ends = starts + rng.exponential(60, 5000)
    weights = rng.uniform(0.5, 2.0, 5000)
    weeks, window = np.arange(0.0, 1100.0, 7.0), np.array([365.0, 1000.0])
    weekly, whole = areas_over(starts, ends, (weeks, window), weights)
    assert np.array_equal(weekly, interval_areas(starts, ends, weeks, weights))  # bit for bit
    assert np.array_equal(whole, interval_areas(starts, ends, window, weights))
