"""The workforce: who is at work each day, how stressed, who leaves and who starts.

One process (`Workforce.days`) goes through the run a working day at a time, at
midnight (closed days change nothing for the work, so people leave, start and fall
sick on working days):

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
   1 at twice the threshold, and at most `excess_cap` (2: three times the threshold).
5. *Resignations* (opsigelser). Every working day a caseworker resigns with a probability from
   `resignations_per_year`, multiplied by ``1 + sensitivity * excess``; they leave after
   `notice_days`. Recruitment starts at once (after a hiring freeze, if one is on) and
   takes a drawn time; the new caseworker starts no earlier than the leaver goes, at
   `start_productivity`, reaching full speed linearly over `learning_days`.
6. *Overtime* and *triage*: a caseworker whose load is above the overtime threshold
   works the extra hours that day; tasks set aside by triage are reviewed.

Each caseworker has their own streams (``vacation:<id>``, ``sick:<id>``,
``resign:<id>``), drawing the same number of values a day whatever happens, so one
caseworker's sick leave does not shift another's. Everything is recorded in
`WorkforceLog`, a row per caseworker and working day.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Final

import simpy

from simulator.engine.calendar import WorkCalendar
from simulator.engine.office import Caseworker, Office
from simulator.engine.records import WorkforceLog
from simulator.engine.streams import Stream, Streams, sampler
from simulator.scenario.schema import Scenario, StaffAtStart, Vacancy

Process = Generator[simpy.Event, Any, None]
PRESENT: Final = 0
VACATION: Final = 1
SICK: Final = 2
SUMMER: Final = 0  # a block of vacation: the summer holiday, or a week (or part of one)
WEEK: Final = 1
AWAY_NAMES = {VACATION: "vacation", SICK: "sick leave"}


@dataclass(slots=True, eq=False)
class _Person:
    """What the workforce knows of one caseworker."""

    sick: Stream | None
    resign: Stream | None
    vacation: Stream | None
    loads: deque[tuple[int, float]] = field(default_factory=deque)  # (day, weeks waiting)
    total: float = 0.0  # sum of the loads
    away_until: int = -1  # first working day back from sick leave
    leaves_on: int | None = None  # under notice: the day they go
    hired_on: int | None = None  # while learning the job
    holidays: dict[int, set[int]] = field(default_factory=dict)  # year -> days off


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
        # (day the vacancy opens, start day, the leaver's worker id: -1 for a post empty
        # at the start)
        self.recruiting: list[tuple[int, int, int]] = []
        self.people: dict[int, _Person] = {}
        self.workdays: list[int] = calendar.workdays()
        self.workday: list[bool] = calendar.workday.tolist()
        self.booked: dict[int, dict[int, int]] = {}  # year -> day -> caseworkers on vacation
        self.freezes = [
            (int(calendar.day_of(f.start)), int(calendar.day_of(f.end)))
            for f in (self.turnover.hiring_freezes if self.turnover else [])
        ]
        self.window_days, self.threshold = self.stress.window_days, self.stress.threshold
        self.excess_cap = self.stress.excess_cap
        self.log_day = log.add_day
        years = calendar.n_days / 365.25
        per_year = len(self.workdays) / years if years > 0 else 0.0
        vacation_days = 5 * self.vacation.weeks_per_year if self.vacation else 0.0
        if self.sick is not None:
            self.spell = sampler(self.sick.spell_days, streams["sick_spell"])
            mean_spell = max(1.0, self.sick.spell_days.mean())
            on_duty = max(per_year - vacation_days, 1.0)
            self.sick_base = min(self.sick.days_per_year / mean_spell / on_duty, 1.0)
            self.sick_sensitivity = self.sick.stress_sensitivity
        if self.turnover is not None:
            self.recruitment = sampler(self.turnover.recruitment_days, streams["recruitment"])
            self.resign_base = self.turnover.resignations_per_year / max(per_year, 1.0)
            self.resign_sensitivity = self.turnover.stress_sensitivity

    # ------------------------------------------------------------------ staffing plan

    def plan(self, positions: int, new: bool | None = None) -> None:
        """The staffing plan says `positions` from today: hire or let go to match. A post
        added is filled by a newcomer who learns the job (`new`; by default, after the
        start: the first caseworkers are the office's own)."""
        day = self._today()
        new = self.env.now > 0 if new is None else new
        while self.positions < positions:
            self.positions += 1
            self._start(day, learning=new and self.turnover is not None)
        while self.positions > positions:
            self.positions -= 1
            if self.recruiting:  # a post not yet filled is the first to go: an empty one,
                empty = [k for k, (opened, _, _) in enumerate(self.recruiting) if opened <= day]
                opened, _, _ = self.recruiting.pop(empty[-1] if empty else -1)  # or one to be
                if opened <= day:  # one still to fall empty never stood vacant
                    self.log.vacancy(opened, day)
                continue
            # no post left to fill: the last caseworker not under notice goes (one under
            # notice has had their successor's post cut already, above: every leaver's
            # successor is recruited for)
            staying = [w for w in self.office.workers if self._person(w).leaves_on is None]
            self.office.remove(staying[-1] if staying else self.office.workers[-1], False)
        self.office.balance()

    def _start(self, day: int, learning: bool) -> None:
        productivity = self.turnover.start_productivity if learning and self.turnover else 1.0
        worker = self.office.hire(productivity)
        if productivity < 1.0:
            self._person(worker).hired_on = day
        self.log.hire(day, worker.id)

    # ------------------------------------------------------------------ the daily round

    def days(self) -> Process:
        """The daily round, at midnight of each working day, to the end of the run.

        Nothing that matters to the work happens on closed days, so the round skips them:
        people leave and start, and fall sick, on the next working day.
        """
        timeout, now, office = self.env.timeout, self.env.now, self.office
        first = self.start.toordinal()
        year, new_year = self.start.year, -1
        for day in self.workdays:
            if day > now:
                yield timeout(day - now)
                now = day
            if day >= new_year:
                year = dt.date.fromordinal(first + day).year
                new_year = dt.date(year + 1, 1, 1).toordinal() - first
            if self.recruiting:
                self._recruit(day)
            for worker in list(office.workers):
                self._day(worker, day, year)

    def _person(self, worker: Caseworker) -> _Person:
        person = self.people.get(worker.id)
        if person is None:
            s = self.streams
            person = self.people[worker.id] = _Person(
                sick=s[f"sick:{worker.id}"] if self.sick is not None else None,
                resign=s[f"resign:{worker.id}"] if self.turnover is not None else None,
                vacation=s[f"vacation:{worker.id}"] if self.vacation is not None else None,
            )
        return person

    def _today(self) -> int:
        return math.floor(self.env.now + 1e-9)

    def _day(self, worker: Caseworker, day: int, year: int) -> None:
        """One caseworker's day: away or not, their load and stress, sick leave,
        resignation, learning, overtime and triage. This runs for every caseworker on
        every working day, so it calls out only when something happens."""
        person = self.people.get(worker.id) or self._person(worker)
        if person.leaves_on is not None and person.leaves_on <= day:
            self.office.remove(worker)
            return
        if person.away_until > day:
            status = SICK
        elif person.vacation is not None:
            status = self._status(person, day, year)
        else:
            status = PRESENT
        if worker.present != (status == PRESENT):
            self.office.set_present(worker, status == PRESENT)
        load = self.office.pressure(worker)
        loads = person.loads
        loads.append((day, load))
        total = person.total + load
        while loads[0][0] <= day - self.window_days:
            total -= loads.popleft()[1]
        person.total = total
        worker.stress = stress = total / len(loads) if total > 0 else 0.0
        if stress > self.threshold or person.sick is not None or person.resign is not None:
            status = self._hazards(worker, person, day, status, stress)
        overtime = 0.0
        if self.overtime is not None and status == PRESENT and load > self.overtime.above:
            overtime = self.overtime.hours_per_week / 5
        worker.overtime = overtime
        if worker.deferred:
            self.office.triage.review(worker, self.env.now)
        self.log_day((day, worker.id, status, stress, overtime))

    def _hazards(
        self, worker: Caseworker, person: _Person, day: int, status: int, stress: float
    ) -> int:
        """Sick leave, resignation and learning today; the status after them."""
        excess = 0.0
        if stress > self.threshold:
            excess = min(stress / self.threshold - 1.0, self.excess_cap)
        if person.sick is not None:
            p = self.sick_base * (1.0 + self.sick_sensitivity * excess)
            if person.sick.uniform() < p and status == PRESENT:
                person.away_until = self._after_workdays(day, self.spell())
                status = SICK
                self.office.set_present(worker, False)
        if person.resign is not None:
            p = self.resign_base * (1.0 + self.resign_sensitivity * excess)
            if person.resign.uniform() < p and person.leaves_on is None:
                self._resign(worker, person, day)
            if person.hired_on is not None:
                self._learn(worker, person, day)
        return status

    def _status(self, person: _Person, day: int, year: int) -> int:
        """VACATION on the person's days off this year (planned when the year begins)."""
        assert person.vacation is not None
        off = person.holidays.get(year)
        if off is None:
            off = person.holidays[year] = self._plan_year(person.vacation, year, day)
        return VACATION if day in off else PRESENT

    def _after_workdays(self, day: int, spell: float) -> int:
        """The first day after `spell` working days counted from `day` (at least one)."""
        left, d, workday = max(1, math.ceil(spell)), day, self.calendar.workday
        while left > 0 and d < len(workday):
            left -= bool(workday[d])
            d += 1
        return d

    # ------------------------------------------------------------------ vacation

    def _plan_year(self, stream: Stream, year: int, today: int) -> set[int]:
        """A caseworker's days off in `year` (days since the start), planned on `today`:
        drawn from their own stream, then staggered by the team's rule (`_stagger`)."""
        spec = self.vacation
        assert spec is not None
        blocks = self._draw_year(stream, year)
        if spec.max_share_away >= 1.0:
            return {d for _, days in blocks for d in days}
        return self._stagger(blocks, year, today)

    def _draw_year(self, stream: Stream, year: int) -> list[tuple[int, list[int]]]:
        """The blocks of vacation a caseworker would take in `year`, (SUMMER or WEEK, the
        days): the summer holiday, the days after Christmas, the single weeks."""
        spec = self.vacation
        assert spec is not None
        rng = stream.generator
        start = self.start
        mondays = _monday_dates(year)
        opens, closes = dt.date(year, 6, 23), dt.date(year, 7, 21)
        summer = [d for d in mondays if opens <= d <= closes]
        first = summer[int(rng.integers(len(summer)))]
        begins = (first - start).days
        blocks = [(SUMMER, [begins + i for i in range(7 * spec.summer_weeks)])]
        if not spec.summer_weeks:  # drawn all the same: the draws after it do not move
            blocks = []
        if spec.christmas:
            blocks.append((WEEK, [(dt.date(year, 12, d) - start).days for d in range(27, 32)]))
        rest = spec.weeks_per_year - spec.summer_weeks - (1 if spec.christmas else 0)
        weeks, days = int(rest), round((rest - int(rest)) * 5)
        # not the week before the summer holiday nor its weeks, nor Christmas week
        before, after = first - dt.timedelta(days=7), first + dt.timedelta(weeks=spec.summer_weeks)
        christmas = dt.date(year, 12, 21)
        free = [d for d in mondays if not (before <= d <= after) and d < christmas]
        picks = rng.choice(len(free), size=min(weeks + (days > 0), len(free)), replace=False)
        for k, i in enumerate(sorted(picks.tolist())):
            length = 7 if k < weeks else days
            monday = (free[i] - start).days
            blocks.append((WEEK, [monday + j for j in range(length)]))
        return blocks

    # A staggering rule: at most `max_share_away` of the team on vacation on a working day.
    # Caseworkers' years are planned one after another (in the order of the daily round);
    # each block of vacation that would break the rule, given the plans made before it,
    # moves to the nearest Monday (nearest the drawn week first; the summer holiday
    # within 1 May to 30 September, the rest within the year) from which as many working
    # days, within as many weeks, keep the rule: the days between Christmas and New Year
    # become the first days of another week. A summer holiday that fits nowhere whole is
    # taken as single weeks; a block that fits nowhere stays as drawn. No random numbers
    # are drawn, so the draws are those of a team without the rule.

    def _stagger(self, blocks: list[tuple[int, list[int]]], year: int, today: int) -> set[int]:
        """The days off of `blocks`, each where the rule allows it."""
        spec = self.vacation
        assert spec is not None
        booked = self.booked.setdefault(year, {})
        cap = max(1, math.floor(spec.max_share_away * len(self.office.workers) + 1e-9))
        off: set[int] = set()
        for kind, days in blocks:
            if days[0] < today:  # begun before it was planned (a newcomer): as drawn
                placed = days
            else:
                placed = self._place(kind, days, year, today, cap, booked, off)
            off.update(placed)
            for d in self._working(placed):
                booked[d] = booked.get(d, 0) + 1
        return off

    def _place(
        self,
        kind: int,
        days: list[int],
        year: int,
        today: int,
        cap: int,
        booked: dict[int, int],
        off: set[int],
    ) -> list[int]:
        """Where a block goes: as drawn if the rule allows it, else the nearest Monday
        where a block of the same shape and as many working days does."""
        if self._fits(days, cap, booked, off):
            return days
        span, working = len(days), len(self._working(days))
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        if kind == SUMMER:  # the main holiday falls between 1 May and 30 September
            first, last = dt.date(year, 5, 1), dt.date(year, 9, 30)
        earliest, end = max((first - self.start).days, today), (last - self.start).days
        tries = [m for m in self._mondays(year) if earliest <= m <= end]
        tries.sort(key=lambda m: (abs(m - days[0]), m))  # nearest the drawn week first
        for monday in tries:
            moved = self._from_monday(monday, working, max(span, 7))
            if moved and moved[-1] <= end and self._fits(moved, cap, booked, off):
                return moved
        if kind == SUMMER and span > 7:  # nowhere whole: week by week
            out: list[int] = []
            for k in range(0, span, 7):
                week = self._place(WEEK, days[k : k + 7], year, today, cap, booked, off)
                out += week
                off.update(week)
                for d in self._working(week):
                    booked[d] = booked.get(d, 0) + 1
            for d in self._working(out):  # counted by the caller
                booked[d] -= 1
            return out
        return days  # nowhere: the rule cannot be kept for this block

    def _from_monday(self, monday: int, working: int, weeks_span: int) -> list[int]:
        """The days from `monday` to its `working`-th working day, if that comes within
        `weeks_span` days (the drawn block's weeks); else none."""
        out: list[int] = []
        n = 0
        for d in range(monday, min(monday + weeks_span, len(self.workday))):
            out.append(d)
            if self.workday[d]:
                n += 1
                if n == working:
                    return out
        return []

    def _fits(self, days: list[int], cap: int, booked: dict[int, int], off: set[int]) -> bool:
        """Whether a block on `days` keeps the rule and overlaps none of the own days off."""
        return all(booked.get(d, 0) < cap and d not in off for d in self._working(days))

    def _working(self, days: list[int]) -> list[int]:
        """The working days among `days` inside the run."""
        workday, n = self.workday, len(self.workday)
        return [d for d in days if 0 <= d < n and workday[d]]

    def _mondays(self, year: int) -> list[int]:
        """The Mondays of `year`, as days since the start."""
        offset = (_first_monday(year) - self.start).days
        return list(range(offset, (dt.date(year, 12, 31) - self.start).days + 1, 7))

    # ------------------------------------------------------------------ turnover

    def _resign(self, worker: Caseworker, person: _Person, day: int) -> None:
        assert self.turnover is not None
        leaves = day + max(1, math.ceil(self.turnover.notice_days))
        person.leaves_on = leaves
        self.log.resignation(day, worker.id)
        starts = max(leaves, self._recruited(day, self.recruitment))
        self.recruiting.append((leaves, starts, worker.id))
        self.recruiting.sort()

    def _recruited(self, day: int, recruitment: Callable[[], float]) -> int:
        """The day a recruitment begun on `day` (or when a hiring freeze ends) is done."""
        begins = day
        for start, end in self.freezes:
            if start <= begins < end:
                begins = end
        return begins + max(1, math.ceil(recruitment()))

    # ------------------------------------------------------------------ the start

    def take_over(
        self, staff: list[StaffAtStart], vacancies: list[Vacancy], stream: Stream
    ) -> None:
        """Who is away, new or leaving at the start, and the posts vacant then
        (`[initial_state]`): the caseworkers at work are in place (`plan`), the vacant
        posts not yet. A recruitment not dated is drawn from `stream`, from the start; a
        leaver without a successor holds no post."""
        recruitment = sampler(self.turnover.recruitment_days, stream) if self.turnover else None

        def day(date: dt.date) -> int:
            return math.floor(self.calendar.day_of(date))

        def starts(date: dt.date | None) -> int:
            if date is not None:
                return day(date)
            assert recruitment is not None  # the scenario's checks: a [turnover] table
            return self._recruited(0, recruitment)

        for vacancy in vacancies:
            self.positions += 1
            self.recruiting.append((0, starts(vacancy.filled), -1))
        for entry in staff:
            worker = self.office.workers[entry.caseworker]
            person = self._person(worker)
            if entry.away_until is not None:
                person.away_until = day(entry.away_until)
                self.office.set_present(worker, False)
            if entry.hired is not None:
                person.hired_on = day(entry.hired)
                self._learn(worker, person, 0)
            if entry.leaves is not None:
                person.leaves_on = leaves = day(entry.leaves)
                if entry.successor:
                    successor = max(leaves, starts(entry.successor_starts))
                    self.recruiting.append((leaves, successor, worker.id))
                else:  # their post has gone: they work beyond the posts until they leave
                    self.positions -= 1
        self.recruiting.sort()

    def finish(self) -> None:
        """At the end of the run, record the vacancies still open (unfilled: NaN)."""
        for opened, _, _ in self.recruiting:
            if opened < self.env.now:
                self.log.vacancy(opened, math.nan)

    def _recruit(self, day: int) -> None:
        """Vacancies whose recruitment is done are filled today, each on its own day
        (the list is in the order the posts fall empty, not the order they are filled);
        the cases are then shared out once, as when the staffing plan changes."""
        filled = [post for post in self.recruiting if post[1] <= day]
        for post in filled:
            self.recruiting.remove(post)
            self.log.vacancy(post[0], day)
            self._start(day, learning=True)
        if filled:
            self.office.balance()

    def _learn(self, worker: Caseworker, person: _Person, day: int) -> None:
        assert self.turnover is not None
        spec = self.turnover
        done = self._learnt(person, day)
        if done >= 1.0:
            worker.productivity = 1.0
            person.hired_on = None
        else:
            worker.productivity = spec.start_productivity + (1 - spec.start_productivity) * done

    def learning(self, person: _Person, day: float) -> bool:
        """Whether a newcomer (`person.hired_on` set) is still learning the job on `day`:
        one who has learnt it by then works at full speed from that day's round on."""
        return person.hired_on is not None and self._learnt(person, day) < 1.0

    def _learnt(self, person: _Person, day: float) -> float:
        """How much of the job a newcomer has learnt by `day` (1: all of it)."""
        assert self.turnover is not None and person.hired_on is not None
        days = self.turnover.learning_days
        return (day - person.hired_on) / days if days else 1.0


def _first_monday(year: int) -> dt.date:
    """The first Monday of `year`."""
    first = dt.date(year, 1, 1)
    return first + dt.timedelta(days=-first.weekday() % 7)


def _monday_dates(year: int) -> list[dt.date]:
    """The Mondays of `year`, in order."""
    monday, week = _first_monday(year), dt.timedelta(days=7)
    out: list[dt.date] = []
    while monday.year == year:
        out.append(monday)
        monday += week
    return out
