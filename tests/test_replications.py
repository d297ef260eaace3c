"""The replications algorithm (Hoad, Robinson and Davies 2010) behind --replications auto."""

from __future__ import annotations

import math

import numpy as np
import pytest
from levers import plain_office
from scipy import stats

from simulator.analysis.replications import AutoReplications, relative_half_width
from simulator.experiments.run import run_scenario

ONE = ("m",)


def test_relative_half_width_by_hand():
    values = [9.0, 10.0, 11.0]
    half = stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)
    assert relative_half_width(values) == pytest.approx(half / 10.0)
    assert relative_half_width([4.0, 4.0, 4.0]) == 0.0
    assert relative_half_width([1.0]) == math.inf
    assert relative_half_width([-1.0, 1.0]) == math.inf  # mean zero: no relative precision


def test_converges_only_after_the_look_ahead():
    rule = AutoReplications(precision=0.05, minimum=3, look_ahead=5, metrics=ONE)
    steady = [10.0] * 20
    assert rule.converged_at({"m": steady[:7]}) is None  # 3 + 5 = 8 replications needed
    assert rule.converged_at({"m": steady[:8]}) == 3
    assert rule.stop({"m": steady[:8]})


def test_an_outlier_in_the_look_ahead_restarts_the_search():
    """Four equal values look perfectly precise; the fifth breaks that, so the rule must
    not stop at 3 or 4 but at the first n whose precision then holds for 5 more."""
    rule = AutoReplications(precision=0.25, minimum=3, look_ahead=5, metrics=ONE)
    values = [10.0, 10.0, 10.0, 10.0, 30.0] + [10.0] * 40
    n = rule.converged_at({"m": values})
    assert n is not None and n > 5
    assert relative_half_width(values[: n - 1]) > 0.25  # the first n that is precise
    for k in range(n, n + rule.look_ahead + 1):
        assert relative_half_width(values[:k]) <= 0.25


def test_look_ahead_grows_past_100_replications():
    rule = AutoReplications(look_ahead=5)
    assert rule.look_ahead_at(100) == 5
    assert rule.look_ahead_at(300) == 15


def test_stops_at_the_cap_when_never_precise():
    rng = np.random.default_rng(1)
    rule = AutoReplications(precision=0.001, maximum=12, metrics=ONE)
    noisy = list(rng.normal(10, 5, 12))
    assert rule.converged_at({"m": noisy}) is None
    assert rule.stop({"m": noisy})
    assert not rule.stop({"m": noisy[:11]})


@pytest.mark.parametrize("kwargs", [{"precision": 0}, {"precision": 1.5}, {"minimum": 1}])
def test_rejects_meaningless_rules(kwargs):
    with pytest.raises(ValueError):
        AutoReplications(**kwargs)


def test_runner_adds_replications_until_precise():
    scenario = plain_office("simulation.duration_years=2", "simulation.warmup_years=1")
    rule = AutoReplications(precision=0.25, maximum=40)
    results = run_scenario(scenario, replications=rule)
    assert results.converged_at is not None
    assert results.replications == results.converged_at + rule.look_ahead
    per = results.per_replication
    for metric in rule.metrics:
        values = per.loc[per["metric"] == metric, "value"].tolist()
        assert relative_half_width(values[: results.converged_at]) <= 0.25
    assert sorted(results.weekly["replication"].unique()) == list(range(results.replications))
