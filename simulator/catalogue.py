"""The task catalogue compiled for one run.

Turns the scenario's task table into `TaskType`s, each drawing its durations from
its own named stream (``duration:<task>``), grouped by what triggers them, and
works out a case's *agenda*: every task that falls due while the case is open,
with the time it falls due.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.distributions import Sampler
from simulator.entities import INF, TaskType, Visits
from simulator.scenario import DAYS_PER_YEAR, PERSON_KINDS, After, AtRate, Every, Task
from simulator.streams import Stream, Streams


@dataclass
class _Triggers:
    """The task types that apply to one kind of person, by trigger."""

    arrival: list[TaskType] = field(default_factory=list)
    after: list[tuple[float, TaskType]] = field(default_factory=list)
    every: list[tuple[float, float, float, TaskType]] = field(default_factory=list)
    rate: list[tuple[float, Stream, TaskType]] = field(default_factory=list)
    reunification_application: list[TaskType] = field(default_factory=list)
    reunification: list[TaskType] = field(default_factory=list)
    closure: list[TaskType] = field(default_factory=list)


class Catalogue:
    """The enabled tasks of a scenario, ready to be created."""

    def __init__(self, tasks: dict[str, Task], streams: Streams) -> None:
        self.types: list[TaskType] = []
        self._by_kind = {kind: _Triggers() for kind in PERSON_KINDS}
        for name, spec in tasks.items():
            if not spec.enabled:
                continue
            tt = TaskType(
                index=len(self.types),
                name=name,
                statutory=spec.statutory,
                deadline=INF if spec.deadline_days is None else spec.deadline_days,
                sample_hours=spec.duration_hours.sampler(streams[f"duration:{name}"]),
                meeting=spec.meeting,
                closes=spec.trigger.on == "closure",
            )
            if spec.repeat is not None:
                tt.later_visits = _return_sampler(spec, streams[f"repeat:{name}"], tt.sample_hours)
            self.types.append(tt)
            trigger = spec.trigger
            for kind in spec.applies_to:
                group = self._by_kind[kind]
                if isinstance(trigger, After):
                    group.after.append((trigger.days, tt))
                elif isinstance(trigger, Every):
                    first = trigger.days if trigger.start_days is None else trigger.start_days
                    until = INF if trigger.until_days is None else trigger.until_days
                    group.every.append((first, trigger.days, until, tt))
                elif isinstance(trigger, AtRate):
                    rate = trigger.per_year / DAYS_PER_YEAR
                    group.rate.append((rate, streams[f"rate:{name}"], tt))
                else:
                    getattr(group, trigger.on).append(tt)

    def on(self, event: str, reunified: bool) -> list[TaskType]:
        """Task types triggered by `event` (arrival, reunification, closure, ...)."""
        return getattr(self._by_kind["reunified" if reunified else "refugee"], event)

    def agenda(
        self, reunified: bool, opened: float, exit_time: float
    ) -> list[tuple[float, int, TaskType, float, Visits]]:
        """(time, order, task type, hours, later visits) of every task due before the case
        exits, in time order.

        Durations are drawn here, when the case opens, rather than when each task falls
        due: simultaneous tasks of different cases would otherwise draw in an order that
        depends on SimPy's tie-breaking, and so on every other task type in the run.
        """
        group = self._by_kind["reunified" if reunified else "refugee"]
        due: list[tuple[float, int, TaskType, float, Visits]] = []
        add = due.append
        for tt in group.arrival:
            add((opened, tt.index, tt, tt.sample_hours(), tt.draw_later_visits()))
        for days, tt in group.after:
            if opened + days < exit_time:
                add((opened + days, tt.index, tt, tt.sample_hours(), tt.draw_later_visits()))
        for first, every, until, tt in group.every:
            t, stop = opened + first, min(exit_time, opened + until)
            while t < stop:
                add((t, tt.index, tt, tt.sample_hours(), tt.draw_later_visits()))
                t += every
        for rate, stream, tt in group.rate:
            t = opened + stream.exponential() / rate
            while t < exit_time:
                add((t, tt.index, tt, tt.sample_hours(), tt.draw_later_visits()))
                t += stream.exponential() / rate
        due.sort(key=_time_then_order)
        return due


_time_then_order = operator.itemgetter(0, 1)


def _return_sampler(spec: Task, stream: Stream, hours: Sampler) -> Callable[[], Visits]:
    """The later visits a new task of this kind will need: (delay in days, hours) each.

    The whole chain is drawn when the first visit is created (for agenda tasks, when the
    case opens), so neither decisions nor durations depend on when caseworkers finish.
    """
    assert spec.repeat is not None
    probability, delay = spec.repeat.probability, spec.repeat.delay_days.sampler(stream)

    def later_visits() -> Visits:
        visits = []
        while stream.uniform() < probability:
            visits.append((delay(), hours()))
        return tuple(visits)

    return later_visits
