"""The work calendar: when caseworkers can do casework.

Simulation time is measured in days (floats) since midnight of the scenario's
start date. A caseworker does casework on working days (Monday to Friday, not on
Danish public holidays or other closed days) in one window a day that starts at
`workday_start_hour` and lasts `casework_hours_per_day` (weekly hours times the
share of time available for casework, over five days). The rest of the working
day goes to work that is not tied to a case (meetings, training, administration),
which the time studies in docs/domain.md (section 6.6) put at 24-40 %.

A task that does not fit in what is left of today's window continues in the next
window, so finishing a task is a single calculation (`finish_time`), not a chain
of simulation events. The `continuous` mode works around the clock with no
holidays; it exists to compare the engine with queueing theory.

The casework hours of a day may change from a date (`hours_from`: a policy timeline
that changes weekly hours or the casework share): each day's window has the length in
force that day.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import numpy as np

from simulator.engine.public_holidays import danish_public_holidays

HOURS: Final = 24.0
INF: Final = float("inf")


class WorkCalendar:
    """Working windows over `n_days` days from `start`; `continuous` means always open."""

    def __init__(
        self,
        start: dt.date,
        n_days: int,
        hours_per_day: float,
        *,
        continuous: bool = False,
        start_hour: float = 8.0,
        public_holidays: bool = True,
        closed_month_days: tuple[str, ...] | list[str] = (),
        hours_from: list[tuple[int, float]] | None = None,
    ) -> None:
        later = hours_from or []
        if not continuous and any(
            start_hour + h > HOURS for h in [hours_per_day, *(h for _, h in later)]
        ):
            raise ValueError("the daily casework window must end before midnight")
        self.start = start
        self.n_days = n_days
        self.continuous = continuous
        self.open_offset = start_hour / HOURS
        self.window_length = hours_per_day / HOURS  # at the start; `lengths` per day
        self.hours_per_day = hours_per_day
        lengths = [self.window_length] * n_days
        for first, hours in later:  # (day, casework hours a day from then), in order
            lengths[max(first, 0) :] = [hours / HOURS] * max(n_days - max(first, 0), 0)
        self.lengths: list[float] = lengths  # each day's window, in days
        dates = [start + dt.timedelta(days=i) for i in range(n_days)]
        closed: set[dt.date] = set()
        if public_holidays and not continuous:
            closed.update(danish_public_holidays(range(start.year, dates[-1].year + 1)))
        # "MM-DD" as (month, day): formatting each date to compare took most of the time
        # a calendar takes to build, and one is built for every replication
        month_days = {(int(md[:2]), int(md[3:])) for md in closed_month_days}
        workday = np.array(
            [
                continuous
                or (d.weekday() < 5 and d not in closed and (d.month, d.day) not in month_days)
                for d in dates
            ],
            dtype=bool,
        )
        self.workday = workday
        self._workdays: list[int] = np.flatnonzero(workday).tolist()
        # Per day: when its window opens (-1 on closed days), and when the window of the
        # next working day after it opens (INF after the last). Plain lists of floats:
        # the model asks once per task, and numpy indexing is slow.
        self._opens: list[float] = [
            i + self.open_offset if w else -1.0 for i, w in enumerate(workday.tolist())
        ]
        # when each day's window closes (its own length), whether it is a working day or not
        self._closes: list[float] = [i + self.open_offset + lengths[i] for i in range(n_days)]
        self._next_opens: list[float] = [INF] * n_days
        following = INF
        for i in range(n_days - 1, -1, -1):
            self._next_opens[i] = following
            if workday[i]:
                following = i + self.open_offset
        # open hours before day i, for utilisation denominators
        self._lengths = np.array([*lengths, 0.0])  # a day after the last: past the end
        self._cum_open = np.concatenate([[0.0], np.cumsum(workday * self._lengths[:-1])])

    def workdays(self) -> list[int]:
        """The days (since the start) on which casework happens."""
        return list(self._workdays)

    def next_open(self, t: float) -> float:
        """The earliest time >= t at which casework can happen."""
        if self.continuous:
            return t
        day = int(t)
        if day >= self.n_days:
            return INF
        opens = self._opens[day]
        if opens >= 0.0:
            if t < opens:
                return opens
            if t < self._closes[day]:
                return t
        return self._next_opens[day]

    def window(self, t: float) -> tuple[float, float]:
        """(opens, closes) of the casework window containing `t`, or else the next one."""
        if self.continuous:
            return -INF, INF
        opens = self.next_open(t)
        if opens == INF:
            return INF, INF
        return opens, self._closes[int(opens)]

    def finish_time(self, t: float, hours: float, overtime: float = 0.0) -> float:
        """When `hours` of casework started at open time `t` are done; today's window
        is longer by `overtime` hours."""
        left = hours / HOURS
        if self.continuous:
            return t + left
        extra = overtime / HOURS
        while True:
            closes = self._closes[int(t)] + extra
            extra = 0.0
            if t + left <= closes + 1e-12:
                return t + left
            left -= closes - t
            t = self.next_open(closes + 1e-9)
            if t == INF:
                return t

    def is_open(self, t: float, overtime: float = 0.0) -> bool:
        """Whether `t` lies inside a casework window (closing instant included), the
        window longer by `overtime` hours."""
        if self.continuous:
            return True
        day = int(t)
        if not (0 <= day < self.n_days and self.workday[day]):
            # the closing instant of the previous day's window may round into this day
            return False
        offset = t - day
        closes = self.open_offset + self.lengths[day] + overtime / HOURS
        return self.open_offset - 1e-9 <= offset <= closes + 1e-9

    def open_time(self, t: np.ndarray) -> np.ndarray:
        """Open time (days of casework windows) from the start up to each time in `t`.

        Mapping times through this function turns "time on the clock" into "time
        a caseworker could have worked", which is what utilisation is measured in.
        """
        t = np.asarray(t, dtype=float)
        if self.continuous:
            return t.copy()
        day = np.clip(np.floor(t), 0, self.n_days).astype(np.int64)
        before = self._cum_open[day]
        inside = np.clip(t - day - self.open_offset, 0.0, self._lengths[day])
        is_workday = np.concatenate([self.workday, [False]])[day]
        return before + np.where(is_workday, inside, 0.0)

    def length_on(self, days: np.ndarray) -> np.ndarray:
        """The casework window of each of `days` (whole days since the start), in days."""
        return self._lengths[np.clip(np.asarray(days, dtype=np.int64), 0, self.n_days)]

    def date_of(self, t: float) -> dt.date:
        return self.start + dt.timedelta(days=int(t))

    def day_of(self, date: dt.date) -> float:
        return float((date - self.start).days)
