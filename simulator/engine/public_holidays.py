"""Danish public holidays (helligdage): the days the work calendar is closed.

New Year's Day, Maundy Thursday (skærtorsdag), Good Friday (langfredag), Easter Sunday
and Monday, Great Prayer Day (store bededag: the fourth Friday after Easter, abolished
from 2024), Ascension Day (Kristi himmelfartsdag), Whit Sunday and Monday (pinse), and
Christmas Day and the second day of Christmas. Constitution Day (grundlovsdag, 5 June),
Christmas Eve and New Year's Eve are not public holidays, though many offices close on
them: a scenario closes such days with `calendar.closed_month_days`.

The days are computed from the date of Easter. Over the years the `holidays` package's
Denmark calendar covers (1771-2100) they are its days, year by year (a test compares
them); the engine used that package before, which loads the calendars of all its 250
countries to give one (about 0.06 s of every command that simulates) and has no days
outside those years.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final

GREAT_PRAYER_DAY_UNTIL: Final = 2023  # the last year it was a holiday (law of March 2023)
GREAT_PRAYER_DAY_FROM: Final = 1686  # the first (Christian V's church ordinance)
# days after Easter Sunday
MOVABLE: Final = (-3, -2, 0, 1, 39, 49, 50)  # Maundy Thursday ... Whit Monday
GREAT_PRAYER_DAY: Final = 26
FIXED: Final = ((1, 1), (12, 25), (12, 26))  # (month, day)


def easter(year: int) -> dt.date:
    """Easter Sunday of `year` in the Gregorian calendar (the anonymous algorithm, as in
    Meeus, Astronomical Algorithms, 1991, ch. 8)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's name)
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def danish_public_holidays(years: Iterable[int]) -> set[dt.date]:
    """The Danish public holidays of `years`."""
    days: set[dt.date] = set()
    for year in years:
        sunday = easter(year)
        after = list(MOVABLE)
        if GREAT_PRAYER_DAY_FROM <= year <= GREAT_PRAYER_DAY_UNTIL:
            after.append(GREAT_PRAYER_DAY)
        days.update(sunday + dt.timedelta(days=n) for n in after)
        days.update(dt.date(year, month, day) for month, day in FIXED)
    return days
