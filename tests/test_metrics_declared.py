"""The analysis computes every metric it declares, and declares every metric it computes.

A summary metric declared but computed nowhere would be NaN in every `summary.csv` without a
word; one computed but not declared would never reach it; a weekly series likewise. Each
part of the analysis declares its metrics above the code that computes them, so each part
is checked on its own (a new metric added in one place only fails here, naming the part),
and `analyse` as a whole. The run has every mechanism and policy on: the reference scenario
(absence, turnover, interpreting, triage, overtime) with a caseload cap that binds, one
replication, short.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from simulator.analysis.metrics import (
    METRICS,
    PARTS,
    SUMMARY_METRICS,
    TIMESERIES_METRICS,
    RunStats,
    analyse,
)
from simulator.analysis.metrics.context import Context, Part
from simulator.engine.model import Municipality
from simulator.scenario import load_scenario

REFERENCE = Path(__file__).resolve().parent / "reference" / "reference.toml"
EVERY_MECHANISM_ON = [
    "simulation.replications=1",
    "simulation.duration_years=1.5",
    "simulation.warmup_years=0.5",
    "caseworkers.caseload_cap=25",  # binds: new cases wait for a caseworker with room
    "triage.above=0.5",  # binds in the calibrated office too: optional tasks set aside, dropped
    "triage.drop_after_days=20",
]


@pytest.fixture(scope="module")
def context() -> Context:
    model = Municipality(load_scenario(REFERENCE, EVERY_MECHANISM_ON), 0)
    return Context.of(model.run(), model.calendar)


@pytest.fixture(scope="module")
def stats(context: Context) -> RunStats:
    return analyse(context.record, context.calendar)


@pytest.mark.parametrize("part", PARTS, ids=lambda part: part.name)
def test_each_part_returns_exactly_the_summary_metrics_it_declares(
    context: Context, part: Part
) -> None:
    assert list(part(context).summary) == [metric.name for metric in part.summary]


@pytest.mark.parametrize("part", PARTS, ids=lambda part: part.name)
def test_each_part_returns_exactly_the_weekly_series_it_declares_one_value_a_week(
    context: Context, part: Part
) -> None:
    weekly = part(context).weekly
    assert list(weekly) == list(part.timeseries)
    lengths = {name: len(values) for name, values in weekly.items()}
    assert lengths == dict.fromkeys(part.timeseries, context.n_weeks)


def test_no_metric_is_declared_by_two_parts() -> None:
    summary = Counter(metric.name for part in PARTS for metric in part.summary)
    weekly = Counter(name for part in PARTS for name in part.timeseries)
    assert [name for name, n in summary.items() if n > 1] == []
    assert [name for name, n in weekly.items() if n > 1] == []
    assert len(METRICS) == len(SUMMARY_METRICS)


def test_analyse_produces_every_declared_summary_metric_and_no_other(stats: RunStats) -> None:
    declared = [metric.name for metric in SUMMARY_METRICS]
    assert sorted(set(declared) - set(stats.summary)) == [], "declared, not computed"
    assert sorted(set(stats.summary) - set(declared)) == [], "computed, not declared"
    assert list(stats.summary) == declared  # the order of summary.csv and of the sweep rows


def test_analyse_produces_every_declared_weekly_series_and_no_other(stats: RunStats) -> None:
    produced = list(stats.weekly["metric"].unique())
    assert sorted(set(TIMESERIES_METRICS) - set(produced)) == [], "declared, not computed"
    assert sorted(set(produced) - set(TIMESERIES_METRICS)) == [], "computed, not declared"
    assert produced == list(TIMESERIES_METRICS)  # the order of timeseries.parquet


def test_with_every_mechanism_on_every_summary_metric_has_a_value(stats: RunStats) -> None:
    assert [name for name, value in stats.summary.items() if np.isnan(value)] == []


def test_with_every_mechanism_on_every_weekly_series_moves(stats: RunStats) -> None:
    nonzero = stats.weekly["value"].fillna(0.0) != 0.0
    moved = stats.weekly.loc[nonzero, "metric"].unique()
    assert sorted(set(TIMESERIES_METRICS) - set(moved)) == []
