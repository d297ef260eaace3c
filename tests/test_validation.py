"""The engine against exact theory (see docs/validation.md).

Each check was specified before its result was seen: the exact value must lie in
the 99 % t-interval over the replications; the Poisson arrivals' chi-square p-value
must be at least 0.01; exact arrivals must match the schedule month by month.
"""

from __future__ import annotations

import pytest

from simulator.analysis import theory as validation


@pytest.mark.parametrize("load", [0.5, 0.8, 0.95])
def test_pooled_caseworkers_match_erlang_c(load):
    for check in validation.mmc(load):
        assert check.passed, check


def test_repeat_visits_match_the_jackson_network():
    for check in validation.jackson():
        assert check.passed, check


def test_littles_law_for_open_cases():
    check = validation.littles_law()
    assert check.passed, check


@pytest.mark.parametrize("process", ["exact", "poisson"])
def test_arrivals_per_month_follow_the_schedule(process):
    check = validation.arrivals_by_month(process)
    assert check.passed, check


def test_erlang_c_formula_by_hand():
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lambda)
    p_wait, wq = validation.erlang_c(0.5, 1.0, 1)
    assert p_wait == pytest.approx(0.5)
    assert wq == pytest.approx(1.0)
