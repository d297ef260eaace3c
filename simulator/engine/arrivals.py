"""Arrivals: when households are placed in the municipality and who is in them.

The schedule counts, per calendar month, either persons (``counts = "persons"``: everyone
placed, children included, as quotas count them) or adults (``"adults"``: refugees who
become cases, children on top); the municipality takes over on arrival. With
``process = "exact"`` each month gets exactly its count, households spaced evenly
through the month (the last household of a month is fitted to what remains: a smaller
type, fewer children). With ``process = "poisson"`` households arrive as a
non-homogeneous Poisson process whose rate is constant within a month, with the month's
expected count (its rate divided by the mean number of persons, or adults, per household).

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from simulator.engine.streams import Stream
from simulator.scenario.schema import DAYS_PER_YEAR, HouseholdType, Scenario, Schedule, Simulation


@dataclass(frozen=True, slots=True)
class Placement:
    """One household placed at time `time` (days since the start)."""

    time: float
    household_type: str
    adults: int
    children: int


def month_starts(start: dt.date, end_day: float) -> list[tuple[dt.date, float, float]]:
    """(first day, start time, end time) of every calendar month overlapping [0, end_day)."""
    months: list[tuple[dt.date, float, float]] = []
    first = dt.date(start.year, start.month, 1)
    while True:
        nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        t0, t1 = float((first - start).days), float((nxt - start).days)
        if t0 >= end_day:
            return months
        months.append((first, max(t0, 0.0), min(t1, end_day)))
        first = nxt


def monthly_expected(arrivals: Schedule, start: dt.date, end_day: float) -> list[float]:
    """People expected in each calendar month of the run (partial months pro rata), in the
    schedule's unit (for refugees, persons or adults as `Arrivals.counts` says)."""
    out = []
    for i, (first, t0, t1) in enumerate(month_starts(start, end_day)):
        days_in_month = float(
            (dt.date(first.year + first.month // 12, first.month % 12 + 1, 1) - first).days
        )
        covered = (t1 - t0) / days_in_month
        if arrivals.until is not None and first >= arrivals.until:
            out.append(0.0)
        elif arrivals.per_month is not None:
            if arrivals.per_month_basis == "daily_rate":  # a constant rate a day
                out.append(arrivals.per_month * 12.0 / DAYS_PER_YEAR * (t1 - t0))
            else:  # the same count every calendar month
                out.append(arrivals.per_month * covered)
        elif arrivals.monthly is not None:
            out.append(arrivals.monthly[i] if i < len(arrivals.monthly) else 0.0)
        else:
            quotas = {q.year: q.refugees for q in arrivals.yearly or []}
            profile = arrivals.monthly_profile or [1.0] * 12
            share = profile[first.month - 1] / sum(profile)
            out.append(quotas.get(first.year, 0.0) * share * covered)
    return out


class HouseholdSampler:
    """Draws household types and their children from the `households` stream."""

    def __init__(self, types: dict[str, HouseholdType], stream: Stream) -> None:
        self.names = list(types)
        self.types = [types[n] for n in self.names]
        total, self.cumulative = 0.0, []
        for t in self.types:
            total += t.share
            self.cumulative.append(total)
        self.stream = stream
        self.mean_adults = sum(t.share * t.adults for t in self.types)
        self.mean_persons = sum(
            t.share * (t.adults + (t.children_min + t.children_max) / 2) for t in self.types
        )

    def draw(
        self, max_adults: int | None = None, max_persons: int | None = None
    ) -> tuple[str, int, int]:
        """(type name, adults, children); with `max_adults` (or `max_persons`), only types
        that fit, and with `max_persons` no more children than fit. Every household draws
        the same two numbers whatever fits."""
        i = self.stream.choice(self.cumulative)
        u = self.stream.uniform()
        if max_persons is not None:
            if self.types[i].adults + self.types[i].children_min > max_persons:
                fitting = [j for j, t in enumerate(self.types)
                           if t.adults + t.children_min <= max_persons]  # fmt: skip
                if fitting:
                    i = min(fitting, key=lambda j: (self._smallest(j), -self.types[j].share))
        elif max_adults is not None and self.types[i].adults > max_adults:
            fitting = [j for j, t in enumerate(self.types) if t.adults <= max_adults]
            i = min(fitting, key=lambda j: (self.types[j].adults, -self.types[j].share))
        t = self.types[i]
        span = t.children_max - t.children_min
        children = t.children_min + min(int(u * (span + 1)), span)
        if max_persons is not None:
            children = max(min(children, max_persons - t.adults), 0)
        return self.names[i], t.adults, children

    def _smallest(self, j: int) -> int:
        """The fewest persons a household of type j can have."""
        return self.types[j].adults + self.types[j].children_min


def placements(scenario: Scenario, arrival_stream: Stream, households: Stream) -> list[Placement]:
    """Every household placed during the run, in time order."""
    sim = scenario.simulation
    sampler = HouseholdSampler(scenario.households, households)
    months = month_starts(sim.start_date, sim.duration_days)
    expected = monthly_expected(scenario.arrivals, sim.start_date, sim.duration_days)
    persons = scenario.arrivals.counts == "persons"
    per_household = sampler.mean_persons if persons else sampler.mean_adults
    out: list[Placement] = []
    for (_, t0, t1), count in zip(months, expected, strict=True):
        if scenario.arrivals.process == "exact":
            remaining, drawn = round(count), []
            while remaining > 0:
                if persons:
                    name, adults, children = sampler.draw(max_persons=remaining)
                    remaining -= adults + children
                else:
                    name, adults, children = sampler.draw(max_adults=remaining)
                    remaining -= adults
                drawn.append((name, adults, children))
            times = _spread(t0, t1, len(drawn))
        else:
            n = arrival_stream.poisson(count / per_household)
            times = _spread(t0, t1, n, arrival_stream)
            drawn = [sampler.draw() for _ in range(n)]
        out.extend(Placement(t, *hh) for t, hh in zip(times, drawn, strict=True))
    return out


def arrival_times(schedule: Schedule, sim: Simulation, stream: Stream) -> list[float]:
    """When each person of a schedule of single people (spouses of Danish citizens) arrives."""
    months = month_starts(sim.start_date, sim.duration_days)
    expected = monthly_expected(schedule, sim.start_date, sim.duration_days)
    out: list[float] = []
    for (_, t0, t1), n in zip(months, expected, strict=True):
        if schedule.process == "exact":
            out.extend(_spread(t0, t1, round(n)))
        else:
            out.extend(_spread(t0, t1, stream.poisson(n), stream))
    return out


def _spread(t0: float, t1: float, n: int, stream: Stream | None = None) -> list[float]:
    """`n` times in [t0, t1): evenly spaced, or uniformly at random from `stream`."""
    if stream is None:
        return [t0 + (t1 - t0) * (k + 0.5) / n for k in range(n)]
    return sorted(t0 + (t1 - t0) * stream.uniform() for _ in range(n))
