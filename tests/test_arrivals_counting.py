"""Arrivals as the sources count them, and schedules that cannot leave years empty unnoticed.

- `arrivals.counts = "persons"` counts everyone placed, children included (as quotas
  count them), and the household mix turns persons into households and adults (cases);
  `"adults"` counts cases, children on top.
- `per_month_basis` says whether `per_month` is per calendar month or a constant daily
  rate, and gives both.
- A `yearly` schedule that leaves years of the run without a quota is an error naming
  them, unless those years are listed with 0.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from builders import MINIMAL, build
from test_scenario import assert_one_clear_problem

from simulator.engine.arrivals import month_starts, monthly_expected, placements
from simulator.engine.streams import Streams
from simulator.plan.offered_load import offered_load
from simulator.scenario import DAYS_PER_YEAR, ScenarioError, load_scenario

START = dt.date(2024, 1, 1)
HOUSEHOLDS = {
    "single_adult": {"share": 0.5, "adults": 1},
    "family": {"share": 0.5, "adults": 2, "children_min": 1, "children_max": 3},
}  # 1.5 adults and 2.5 persons per household on average


def schedule(counts: str, process: str, years: float = 4.0, **arrivals: Any):
    return build(
        {
            "simulation": {"start_date": START, "duration_years": years, "seed": 3},
            "caseworkers": {"staffing": [{"date": START, "caseworkers": 1}]},
            "arrivals": {"counts": counts, "process": process, "monthly": None, **arrivals}
            | ({} if arrivals else {"per_month": 25.0}),
            "households": HOUSEHOLDS,
        }
    )


def placed(scenario) -> tuple[np.ndarray, np.ndarray]:
    """(adults, children) of every household placed."""
    streams = Streams(scenario.simulation.seed, 0)
    rows = placements(scenario, streams["arrivals"], streams["households"])
    return np.array([p.adults for p in rows]), np.array([p.children for p in rows])


def test_exact_persons_fill_each_month_with_persons_children_included():
    """process = exact, counts = persons: each month places exactly its count of persons;
    the cases are the adults among them (fewer than the count), the children the rest."""
    scenario = schedule("persons", "exact")
    adults, children = placed(scenario)
    months = len(month_starts(START, scenario.simulation.duration_days))
    assert adults.sum() + children.sum() == 25 * months
    # households are about 2.5 persons, 1.5 adults: about 60 % of persons are adults
    assert 0.5 < adults.sum() / (25 * months) < 0.7


def test_exact_adults_count_cases_and_children_come_on_top():
    scenario = schedule("adults", "exact")
    adults, children = placed(scenario)
    months = len(month_starts(START, scenario.simulation.duration_days))
    assert adults.sum() == 25 * months
    assert children.sum() > 0.5 * adults.sum()


def test_poisson_persons_have_the_expected_count_of_persons():
    """Poisson households at rate count ÷ mean persons per household (2.5): over 48 months
    at 25 persons a month (480 households expected), the persons placed are within a
    99.9 % band of their mean 1,200. A household's persons are 1 or 2 + U{1..3}: variance
    of the total is E[N] E[X²] = 480 × 7.5 = 3,600 (compound Poisson), sd 60."""
    adults, children = placed(schedule("persons", "poisson"))
    total = adults.sum() + children.sum()
    assert abs(total - 1200) < 3.29 * 60, total
    adults_only, _ = placed(schedule("adults", "poisson"))
    # counting adults, the same numbers bring 25 adults a month: about 1.67 times as many
    assert adults_only.sum() > 1.4 * adults.sum()


def test_the_offered_load_counts_persons_as_the_simulator_does():
    """The analytic openings: persons ÷ 2.5 persons per household × 1.5 adults each = 15
    adult cases a month from 25 persons; 25 counting adults."""
    for counts, adults_a_month in (("persons", 15.0), ("adults", 25.0)):
        load = offered_load(schedule(counts, "poisson"), step="month")
        assert load.openings["refugee"][1] == pytest.approx(adults_a_month, rel=1e-6)


def test_per_month_per_calendar_month_or_at_a_daily_rate():
    """calendar_month: every month its per_month, February as January. daily_rate:
    per_month × 12 / 365.25 a day, so months get their share by length; a year gets 12 ×
    per_month (up to the leap day) either way."""
    months = month_starts(START, 366.0)
    days = np.array([t1 - t0 for _, t0, t1 in months])
    calendar = monthly_expected(schedule("adults", "exact").arrivals, START, 366.0)
    daily = monthly_expected(
        schedule("adults", "exact", per_month=25.0, per_month_basis="daily_rate").arrivals,
        START,
        366.0,
    )
    np.testing.assert_allclose(calendar, 25.0)
    np.testing.assert_allclose(daily, 25.0 * 12 / DAYS_PER_YEAR * days)
    assert daily[1] < 25.0 < daily[0]  # 29 days in February 2024, 31 in January
    assert sum(daily) == pytest.approx(25.0 * 12 * 366 / DAYS_PER_YEAR)


def test_per_month_basis_is_dropped_with_per_month_by_another_schedule(write_scenario):
    """Giving yearly in a scenario that extends one with per_month drops both per_month
    and its basis, as it drops per_month alone."""
    base = write_scenario(
        {**_as_toml(MINIMAL), "arrivals": {"per_month": 2.0, "per_month_basis": "daily_rate"}},
        "base.toml",
    )
    child = write_scenario(
        'extends = "base.toml"\n[arrivals]\nyearly = [{ year = 2024, refugees = 10 }]\n',
        "child.toml",
    )
    assert load_scenario(base).arrivals.per_month_basis == "daily_rate"
    scenario = load_scenario(child)
    assert scenario.arrivals.per_month is None
    assert scenario.arrivals.per_month_basis == "calendar_month"


def _as_toml(data: dict[str, Any]) -> dict[str, Any]:
    """MINIMAL without its arrivals, ready for tomli_w (dates stay dates)."""
    return {k: v for k, v in data.items() if k != "arrivals"}


# --------------------------------------------------------------------------- empty years


def test_yearly_quotas_must_cover_every_year_of_the_run(baseline_data, write_scenario):
    """The README's first example gave quotas for 2015 and 2016 only, in a 2012-2017 run:
    every arrival of 2012-14 and 2017 vanished without a word. Now it is an error that
    names the years."""
    baseline_data["arrivals"].pop("per_month")
    baseline_data["arrivals"]["yearly"] = [
        {"year": 2015, "refugees": 130},
        {"year": 2016, "refugees": 260},
    ]
    path = write_scenario(baseline_data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_one_clear_problem(
        str(info.value), path, "arrivals.yearly", "no quota for 2012, 2013, 2014 and 2017"
    )
    assert "refugees = 0" in str(info.value)


def test_a_year_without_arrivals_is_said_with_zero(baseline_data, write_scenario):
    baseline_data["arrivals"].pop("per_month")
    baseline_data["arrivals"]["yearly"] = [
        {"year": y, "refugees": 0 if y == 2017 else 130} for y in range(2012, 2018)
    ]
    scenario = load_scenario(write_scenario(baseline_data))
    expected = monthly_expected(scenario.arrivals, dt.date(2012, 1, 1), 2192.0)
    assert sum(expected[-12:]) == 0 and sum(expected[:12]) == pytest.approx(130)


def test_years_after_until_need_no_quota(baseline_data, write_scenario):
    baseline_data["arrivals"].pop("per_month")
    baseline_data["arrivals"]["yearly"] = [{"year": y, "refugees": 130} for y in (2012, 2013)]
    baseline_data["arrivals"]["until"] = dt.date(2014, 1, 1)
    assert load_scenario(write_scenario(baseline_data)).arrivals.until == dt.date(2014, 1, 1)


def test_danish_spouses_yearly_must_cover_the_run_too(baseline_data, write_scenario):
    baseline_data["arrivals"]["danish_spouses"] = {"yearly": [{"year": 2012, "refugees": 5}]}
    path = write_scenario(baseline_data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_one_clear_problem(
        str(info.value), path, "arrivals.danish_spouses.yearly", "2013, 2014, 2015, 2016 and 2017"
    )


def test_a_partial_first_and_last_year_need_quotas():
    """A run from July 2024 for two years touches 2024, 2025 and 2026."""
    data = {
        "simulation": {"start_date": dt.date(2024, 7, 1), "duration_years": 2.0},
        "caseworkers": {"staffing": [{"date": dt.date(2024, 7, 1), "caseworkers": 1}]},
        "arrivals": {"monthly": None, "yearly": [{"year": 2025, "refugees": 12}]},
    }
    with pytest.raises(ScenarioError, match="no quota for 2024 and 2026"):
        build(data)
