"""The vacation planner's Mondays: every Monday of the year, in order."""

from __future__ import annotations

import datetime as dt

from simulator.engine.workforce import _monday_dates


def test_the_mondays_are_every_monday_of_the_year_in_order() -> None:
    for year in range(1990, 2101):
        days = (dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366))
        mondays = [d for d in days if d.year == year and d.weekday() == 0]
        assert _monday_dates(year) == mondays, year
    assert len(_monday_dates(2024)) == 53  # a leap year that begins on a Monday
    assert len(_monday_dates(2025)) == 52
