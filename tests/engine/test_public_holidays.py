"""The work calendar's Danish public holidays, against the `holidays` package's calendar."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest

from simulator.engine.calendar import WorkCalendar
from simulator.engine.public_holidays import danish_public_holidays, easter

# the years the holidays package's Denmark calendar covers (it has no days outside them)
COVERED = range(holidays.Denmark.start_year, holidays.Denmark.end_year + 1)


def test_the_days_are_the_holidays_packages_in_every_year_it_covers() -> None:
    assert len(COVERED) > 300  # 1771-2100 when written: the comparison is not empty
    differ = [y for y in COVERED if danish_public_holidays([y]) != set(holidays.Denmark(years=y))]
    assert differ == []


def test_great_prayer_day_was_abolished_from_2024() -> None:
    assert dt.date(2023, 5, 5) in danish_public_holidays([2023])  # the fourth Friday after Easter
    assert len(danish_public_holidays([2023])) == 11
    assert len(danish_public_holidays([2024])) == 10


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(1818, dt.date(1818, 3, 22)), (1943, dt.date(1943, 4, 25)), (2285, dt.date(2285, 3, 22))],
)
def test_easter_at_the_ends_of_its_range(year: int, sunday: dt.date) -> None:
    """The earliest (22 March) and latest (25 April) Easter Sundays, from the tables."""
    assert easter(year) == sunday


def test_the_calendar_is_closed_on_the_holidays_that_fall_on_weekdays() -> None:
    start = dt.date(2015, 1, 1)
    calendar = WorkCalendar(start, 365, 7.4)
    closed = {start + dt.timedelta(days=i) for i in range(365) if not calendar.workday[i]}
    weekdays_off = {d for d in danish_public_holidays([2015]) if d.weekday() < 5}
    assert len(weekdays_off) == 8  # 11, less Easter Sunday, Whit Sunday and 26 December
    weekends = {start + dt.timedelta(days=i) for i in range(365)} - {
        start + dt.timedelta(days=i) for i in range(365) if (start.weekday() + i) % 7 < 5
    }
    assert closed == weekends | weekdays_off
