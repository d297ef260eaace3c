"""Confidence intervals over replications."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simulator.analysis.stats import T95, mean_ci, percentile_range, t_interval, t_quantile


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


def test_the_stored_95_percent_quantiles_are_scipys_bit_for_bit() -> None:
    for df, t in enumerate(T95, start=1):
        assert t == stats.t.ppf(0.5 + 0.95 / 2, df), df
        assert t_quantile(0.95, df) == t


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_t_quantile_agrees_with_scipy_at_every_level_and_many_degrees_of_freedom(
    confidence: float,
) -> None:
    for df in [*range(1, 130), 150, 200, 333, 500, 1000, 2000]:
        want = stats.t.ppf(0.5 + confidence / 2, df)
        assert t_quantile(confidence, df) == pytest.approx(want, rel=1e-11), df


def test_t_quantile_refuses_impossible_arguments() -> None:
    for confidence, df in [(0.0, 5), (1.0, 5), (1.2, 5), (0.95, 0)]:
        with pytest.raises(ValueError):
            t_quantile(confidence, df)


def test_mean_ci_uses_each_columns_own_degrees_of_freedom() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=(12, 3))
    values[4:, 1] = np.nan  # 4 values in column 1
    mean, low, high = mean_ci(values, axis=0, confidence=0.9)
    for column in range(3):
        x = values[:, column][~np.isnan(values[:, column])]
        half = stats.t.ppf(0.95, x.size - 1) * np.std(x, ddof=1) / math.sqrt(x.size)
        assert high[column] - mean[column] == pytest.approx(half, rel=1e-11)
        assert mean[column] - low[column] == pytest.approx(half, rel=1e-11)


def test_percentile_range_is_nanpercentile_row_by_row_bit_for_bit() -> None:
    rng = np.random.default_rng(7)
    values = rng.lognormal(size=(400, 10))
    values[::7, 3] = np.nan  # some rows with a run missing
    values[::11, :9] = np.nan  # some with one value left: no range
    values[::13] = np.round(values[::13], 1)  # ties
    values[5] = 2.5  # all alike
    lo, hi = percentile_range(values, axis=1)
    for row, low, high in zip(values, lo, hi, strict=True):
        if np.count_nonzero(~np.isnan(row)) < 2:
            assert np.isnan(low) and np.isnan(high)
            continue
        want = np.nanpercentile(row, [10.0, 90.0])
        assert (low, high) == (want[0], want[1])  # exactly, not approximately


def test_a_share_past_one_by_rounding_keeps_its_share_interval() -> None:
    """A utilisation summed from a day's parts can come out at 1.0000000000000142: that is
    1, not a value outside [0, 1], so the interval is still Wilson's, inside [0, 1]; a real
    value past 1 still gets the plain t-interval."""
    from simulator.analysis.stats import share_ci

    runs = np.array([0.72, 0.85, 0.91, 1.0000000000000142])
    mean, low, high = share_ci(runs)
    assert 0.0 <= low < mean < high <= 1.0
    exact = share_ci(np.array([0.72, 0.85, 0.91, 1.0]))
    assert [float(v) for v in (mean, low, high)] == pytest.approx([float(v) for v in exact])
    _, _, beyond = share_ci(np.array([0.72, 0.85, 0.91, 1.2]))
    assert beyond > 1.0


def test_a_value_never_reached_counts_as_beyond_every_other() -> None:
    """+inf ("not in the run") in the runs: a percentile landing on a finite run is that
    run's value (numpy's interpolation gives NaN there: 26 + (inf - 26) x 0), one that
    reaches towards an inf is inf; without inf, numpy's percentile bit for bit."""
    runs = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 26.0, np.inf]
    low, high = percentile_range(runs)
    assert (float(low), float(high)) == (1.0, 26.0)
    assert [float(v) for v in percentile_range([26.0, np.inf])] == [np.inf, np.inf]
    rows = np.array([runs, list(range(11))], dtype=float)
    lows, highs = percentile_range(rows, axis=1)
    assert list(lows) == [1.0, 1.0] and list(highs) == [26.0, 9.0]
    finite = np.random.default_rng(3).normal(size=(5, 9))
    assert np.array_equal(np.stack(percentile_range(finite, axis=1)),
                          np.percentile(finite, [10, 90], axis=1))  # fmt: skip


_VALUE = st.one_of(
    st.floats(0.0, 1.0),  # a share, or a small count
    st.floats(-1e6, 1e6, allow_subnormal=False),
    st.sampled_from([0.0, 1.0, np.nan, np.inf, 1.0000000000000142]),
)


@settings(max_examples=60, deadline=None)
@given(
    replications=st.integers(0, 12),
    values=st.lists(_VALUE, min_size=1, max_size=64),
    missing=st.sets(st.integers(0, 200), max_size=30),
    order=st.randoms(use_true_random=False),
)
def test_summarise_gives_each_metric_the_statistics_of_its_values_alone(
    replications: int, values: list[float], missing: set[int], order: object
) -> None:
    """`summarise` takes the metrics together (a row each of one array); its numbers are
    those of each metric's values taken alone, in the table's order, by the functions of
    this module, bit for bit: with NaN, inf, values past a share's bounds, a metric missing
    from some replications or from all, and rows of a metric it does not know."""
    from simulator.analysis.metrics import SUMMARY_METRICS
    from simulator.analysis.stats import nonnegative_ci, share_ci
    from simulator.analysis.tables import summarise

    rows = [
        (rep, metric.name, values[(rep * 7 + k) % len(values)])
        for rep in range(replications)
        for k, metric in enumerate(SUMMARY_METRICS)
        if (rep * len(SUMMARY_METRICS) + k) not in missing
    ] + [(0, "not_a_metric", 3.0)]
    order.shuffle(rows)  # type: ignore[attr-defined]
    table = pd.DataFrame(rows, columns=["replication", "metric", "value"])
    summary = summarise(table).set_index("metric")
    for metric in SUMMARY_METRICS:
        alone = table.loc[table["metric"] == metric.name, "value"].to_numpy(dtype=float)
        interval = share_ci if metric.unit == "share" else nonnegative_ci
        want = [*interval(alone), *percentile_range(alone)]
        got = summary.loc[metric.name, ["mean", "ci_low", "ci_high", "p10", "p90"]]
        assert np.array_equal(np.array(want, dtype=float), got.to_numpy(dtype=float),
                              equal_nan=True), metric.name  # fmt: skip
        assert summary.loc[metric.name, "replications"] == np.count_nonzero(~np.isnan(alone))
