"""The workforce: who is at work each day, how stressed, who leaves and who starts.

One process (`Workforce.days`) goes through the run a day at a time, at midnight:

1. *Staffing plan.* Positions change at the scenario's dates (`plan`).
2. *Vacation* (ferie). Each caseworker's year is planned when it begins: a block of
   `summer_weeks` starting on a Monday between 23 June and 21 July, the days between
   Christmas and New Year, and the remaining weeks as single weeks spread over the
   rest of the year.
3. *Sick leave* (sygefravær). On each working day a present caseworker falls sick with
   a probability set so that, without stress, the sick days per year are
   `days_per_year`; a spell lasts a drawn number of working days. Sustained stress
   multiplies the daily probability by ``1 + sensitivity * excess``.
4. *Stress.* On each working day a caseworker's load is the weeks of work waiting for
   them (`Office.pressure`); the stress index is its mean over the last `window_days`.
   The excess is ``max(0, index / threshold - 1)``: zero at or below the threshold,
   1 at twice the threshold.
5. *Resignations* (opsigelser). Every day a caseworker resigns with a probability from
   `resignations_per_year`, multiplied by ``1 + sensitivity * excess``; they leave after
   `notice_days`. Recruitment starts at once (after a hiring freeze, if one is on) and
   takes a drawn time; the new caseworker starts no earlier than the leaver goes, at
   `start_productivity`, reaching full speed linearly over `learning_days`.
6. *Overtime* and *triage*: a caseworker whose load is above the overtime threshold
   works the extra hours that day; tasks set aside by triage are reviewed.

Each caseworker has their own streams (``vacation:<id>``, ``sick:<id>``,
``resign:<id>``), drawing the same number of values a day whatever happens, so one
caseworker's sick leave does not shift another's. Everything is recorded in
`WorkforceLog`, a row per caseworker and day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Generator
from typing import Any

import simpy

from simulator.calendar import WorkCalendar
from simulator.office import Caseworker, Office
from simulator.records import WorkforceLog
from simulator.scenario import Scenario
from simulator.streams import Stream, Streams

Process = Generator[simpy.Event, Any, None]
PRESENT, VACATION, SICK = 0, 1, 2
AWAY_NAMES = {VACATION: "vacation", SICK: "sick leave"}


class Workforce:
    """The caseworkers as people: their absences, stress, resignations and replacements."""

    def __init__(
        self,
        scenario: Scenario,
        office: Office,
        calendar: WorkCalendar,
        streams: Streams,
        log: WorkforceLog,
    ) -> None:
        self.office, self.calendar, self.streams, self.log = office, calendar, streams, log
        self.env = office.env
        absence = scenario.absence
        self.vacation = absence.vacation if absence else None
        self.sick = absence.sick_leave if absence else None
        self.stress = scenario.stress
        self.turnover = scenario.turnover
        self.overtime = scenario.overtime
        self.start = calendar.start
        self.positions = 0
        self.hired_on: dict[int, int] = {}  # worker id -> day hired, while learning
        self.leaving: dict[int, int] = {}  # worker id -> last day before leaving
        self.recruiting: list[tuple[int, int]] = []  # (day the vacancy opened, start day)
        self.away_until: dict[int, int] = {}  # worker id -> first day back from sick leave
        self.holidays: dict[tuple[int, int], set[int]] = {}  # (worker, year) -> days off
        self.loads: dict[int, deque[tuple[int, float]]] = {}
        self.own: dict[tuple[str, int], Stream] = {}  # each caseworker's own streams
        self.freezes = [
            (calendar.day_of(f.start), calendar.day_of(f.end))
            for f in (self.turnover.hiring_freezes if self.turnover else [])
        ]
        years = len(calendar.workday) / 365.25
        workdays = float(calendar.workday.sum()) / years if years > 0 else 0.0
        self.workdays_per_year = workdays - (
            5 * self.vacation.weeks_per_year if self.vacation else 0
        )
        if self.sick is not None:
            self.spell = self.sick.spell_days.sampler(streams["sick_spell"])
            mean_spell = max(1.0, self.sick.spell_days.mean())
            per_day = self.sick.days_per_year / mean_spell / max(self.workdays_per_year, 1.0)
            self.sick_base = min(per_day, 1.0)
        if self.turnover is not None:
            self.recruitment = self.turnover.recruitment_days.sampler(streams["recruitment"])

    # ------------------------------------------------------------------ staffing plan

    def plan(self, positions: int) -> None:
        """The staffing plan says `positions` from today: hire or let go to match."""
        day = self._today()
        while self.positions < positions:
            self.positions += 1
            learning = self.turnover is not None and self.env.now > 0
            self._start(day, learning)
        while self.positions > positions:
            self.positions -= 1
            if self.recruiting:  # a vacancy not yet filled is the first to go
                opened, _ = self.recruiting.pop()
                self.log.vacancy(opened, day)
                continue
            # someone under notice goes first (and their replacement is not recruited)
            leaving = [w for w in self.office.workers if w.id in self.leaving]
            worker = leaving[0] if leaving else self.office.workers[-1]
            if self.leaving.pop(worker.id, None) is not None and self.recruiting:
                self.recruiting.pop()
            self.office.remove(worker, rebalance=False)
        self.office.balance()

    def _start(self, day: int, learning: bool) -> None:
        productivity = self.turnover.start_productivity if learning and self.turnover else 1.0
        worker = self.office.hire(productivity)
        if productivity < 1.0:
            self.hired_on[worker.id] = day
        self.log.hire(day, worker.id)

    # ------------------------------------------------------------------ the daily round

    def days(self) -> Process:
        """The daily round, at midnight, to the end of the run."""
        timeout = self.env.timeout
        while True:
            day = self._today()
            year = (self.start + dt.timedelta(days=day)).year
            self._recruit(day)
            for worker in list(self.office.workers):
                self._day(worker, day, year)
            yield timeout(1)

    def _stream(self, kind: str, worker_id: int) -> Stream:
        key = (kind, worker_id)
        stream = self.own.get(key)
        if stream is None:
            stream = self.own[key] = self.streams[f"{kind}:{worker_id}"]
        return stream

    def _today(self) -> int:
        return math.floor(self.env.now + 1e-9)

    def _day(self, worker: Caseworker, day: int, year: int) -> None:
        office = self.office
        if self.leaving.get(worker.id) == day:
            del self.leaving[worker.id]
            office.remove(worker)
            return
        working = bool(self.calendar.workday[day]) if day < len(self.calendar.workday) else False
        status = self._status(worker, day, year)
        office.set_present(worker, status == PRESENT)
        load = office.pressure(worker)
        if working:
            loads = self.loads.setdefault(worker.id, deque())
            loads.append((day, load))
            while loads[0][0] <= day - self.stress.window_days:
                loads.popleft()
            worker.stress = sum(x for _, x in loads) / len(loads)
        excess = max(0.0, worker.stress / self.stress.threshold - 1.0)
        if self.sick is not None and working:
            fall_sick = self._stream("sick", worker.id).uniform()
            p = self.sick_base * (1.0 + self.sick.stress_sensitivity * excess)
            if status == PRESENT and fall_sick < p:
                self.away_until[worker.id] = self._after_workdays(day, self.spell())
                status = SICK
                office.set_present(worker, False)
        if self.turnover is not None:
            resign = self._stream("resign", worker.id).uniform()
            rate = self.turnover.resignations_per_year / 365.25
            p = rate * (1.0 + self.turnover.stress_sensitivity * excess)
            if worker.id not in self.leaving and resign < p:
                self._resign(worker, day)
            if worker.id in self.hired_on:
                self._learn(worker, day)
        ot = self.overtime
        overtime = 0.0
        if ot is not None and working and status == PRESENT and load > ot.above:
            overtime = ot.hours_per_week / 5
        worker.overtime = overtime
        office.review_deferred(worker, self.env.now)
        self.log.day(day, worker.id, status, worker.stress if working else math.nan, overtime)

    def _status(self, worker: Caseworker, day: int, year: int) -> int:
        if self.away_until.get(worker.id, -1) > day:
            return SICK
        if self.vacation is not None:
            key = (worker.id, year)
            if key not in self.holidays:
                self.holidays[key] = self._plan_year(worker.id, year)
            if day in self.holidays[key]:
                return VACATION
        return PRESENT

    def _after_workdays(self, day: int, spell: float) -> int:
        """The first day after `spell` working days counted from `day` (at least one)."""
        left, d, workday = max(1, math.ceil(spell)), day, self.calendar.workday
        while left > 0 and d < len(workday):
            left -= bool(workday[d])
            d += 1
        return d

    # ------------------------------------------------------------------ vacation

    def _plan_year(self, worker_id: int, year: int) -> set[int]:
        spec = self.vacation
        assert spec is not None
        rng = self._stream("vacation", worker_id).generator
        day_of = lambda d: (d - self.start).days  # noqa: E731
        mondays = [
            d
            for d in (dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366))
            if d.year == year and d.weekday() == 0
        ]
        summer = [d for d in mondays if dt.date(year, 6, 23) <= d <= dt.date(year, 7, 21)]
        first = summer[int(rng.integers(len(summer)))]
        off = {day_of(first) + i for i in range(7 * spec.summer_weeks)}
        if spec.christmas:
            off |= {day_of(dt.date(year, 12, d)) for d in range(27, 32)}
        rest = spec.weeks_per_year - spec.summer_weeks - (1 if spec.christmas else 0)
        weeks, days = int(rest), round((rest - int(rest)) * 5)
        free = [
            d
            for d in mondays
            if not (
                first - dt.timedelta(days=7) <= d <= first + dt.timedelta(weeks=spec.summer_weeks)
            )
            and d < dt.date(year, 12, 21)
        ]
        picks = rng.choice(len(free), size=min(weeks + (days > 0), len(free)), replace=False)
        for k, i in enumerate(sorted(picks.tolist())):
            length = 7 if k < weeks else days
            off |= {day_of(free[i]) + j for j in range(length)}
        return off

    # ------------------------------------------------------------------ turnover

    def _resign(self, worker: Caseworker, day: int) -> None:
        assert self.turnover is not None
        leaves = day + max(1, math.ceil(self.turnover.notice_days))
        self.leaving[worker.id] = leaves
        self.log.resignation(day, worker.id)
        begins = day
        for start, end in self.freezes:
            if start <= begins < end:
                begins = end
        starts = max(leaves, begins + max(1, math.ceil(self.recruitment())))
        self.recruiting.append((leaves, starts))
        self.recruiting.sort()

    def _recruit(self, day: int) -> None:
        """Vacancies whose recruitment is done are filled today."""
        while self.recruiting and self.recruiting[0][1] <= day:
            opened, _ = self.recruiting.pop(0)
            self.log.vacancy(opened, day)
            self._start(day, learning=True)

    def _learn(self, worker: Caseworker, day: int) -> None:
        assert self.turnover is not None
        spec = self.turnover
        done = (day - self.hired_on[worker.id]) / spec.learning_days if spec.learning_days else 1.0
        if done >= 1.0:
            worker.productivity = 1.0
            del self.hired_on[worker.id]
        else:
            worker.productivity = spec.start_productivity + (1 - spec.start_productivity) * done
