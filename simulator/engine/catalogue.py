"""The task catalogue compiled for one run.

Turns the scenario's task table into `TaskType`s, each drawing its durations from
its own named stream (``duration:<task>``), grouped by the cases they apply to
(person kind, traumatised or not, household with children or not: `applies_to` and
`requires`) and by what triggers them, and works out a case's *agenda*: every task
that falls due while the case is open, with the time it falls due.

A policy timeline may change a task's deadline, and whether it applies, from a date
(`set_rules`, on the date): tasks falling due from then on get the new deadline, and
a task that no longer applies does not fall due. A case's agenda, laid out when it
opens, leaves out the tasks that will not apply when they fall due (`dated`: the
timeline's dates for each task whose applicability changes).

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.engine.entities import INF, Case, TaskType, Visits
from simulator.engine.streams import Sampler, Stream, Streams, sampler
from simulator.scenario.schema import (
    AGENDA_TRIGGERS,
    DAYS_PER_YEAR,
    PERSON_KINDS,
    After,
    AtRate,
    CaseMix,
    Every,
    Task,
)


@dataclass
class _Agenda:
    """Task types that fall due by a case's own clock (arrival, after, every, rate)."""

    arrival: list[TaskType] = field(default_factory=list)
    after: list[tuple[float, TaskType]] = field(default_factory=list)
    every: list[tuple[float, float, float, TaskType]] = field(default_factory=list)
    rate: list[tuple[float, Stream, TaskType]] = field(default_factory=list)

    def add(self, trigger: After | Every | AtRate | object, tt: TaskType, streams: Streams) -> None:
        if isinstance(trigger, After):
            self.after.append((trigger.days, tt))
        elif isinstance(trigger, Every):
            first = trigger.days if trigger.start_days is None else trigger.start_days
            until = INF if trigger.until_days is None else trigger.until_days
            self.every.append((first, trigger.days, until, tt))
        elif isinstance(trigger, AtRate):
            rate = trigger.per_year / DAYS_PER_YEAR
            self.rate.append((rate, streams[f"rate:{tt.name}"], tt))
        else:
            self.arrival.append(tt)

    def fill(self, add: Callable[[Due], None], start: float, exit_time: float) -> None:
        """Add every task due from `start` until the case exits."""
        if start >= exit_time:  # employment work of someone who leaves before treatment
            return
        for tt in self.arrival:
            add((start, tt.index, tt, tt.sample_hours(), tt.draw_later_visits()))
        for days, tt in self.after:
            if start + days < exit_time:
                add((start + days, tt.index, tt, tt.sample_hours(), tt.draw_later_visits()))
        for first, every, until, tt in self.every:
            t, stop = start + first, min(exit_time, start + until)
            while t < stop:
                add((t, tt.index, tt, tt.sample_hours(), tt.draw_later_visits()))
                t += every
        for rate, stream, tt in self.rate:
            t = start + stream.exponential() / rate
            while t < exit_time:
                add((t, tt.index, tt, tt.sample_hours(), tt.draw_later_visits()))
                t += stream.exponential() / rate


@dataclass
class _Group:
    """The catalogue as it applies to one profile of case (kind, traumatised, children).

    `parts` splits the agenda by (meeting multiplier, paused until treatment): a single
    part unless the case is traumatised. `events` lists the task types each event
    (reunification_application, reunification, children, closure) triggers, with their
    multiplier.
    """

    parts: list[tuple[_Agenda, float, bool]] = field(default_factory=list)
    events: dict[str, list[tuple[TaskType, float]]] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    employment: bool = False  # the agenda has employment work: the effort can begin


Due = tuple[float, int, TaskType, float, Visits]
EVENTS = ("reunification_application", "reunification", "children", "closure")


class Catalogue:
    """The enabled tasks of a scenario, ready to be created."""

    def __init__(
        self,
        tasks: dict[str, Task],
        streams: Streams,
        mix: CaseMix | None = None,
        dated: dict[str, list[tuple[float, bool]]] | None = None,
        time_scale: float = 1.0,
    ) -> None:
        # (day, applies from then) per task whose applicability changes by date; such a
        # task is in the catalogue even while it does not apply
        self.dated: dict[int, list[tuple[float, bool]]] = {}
        self.types: list[TaskType] = []
        for name, spec in tasks.items():
            changes = (dated or {}).get(name)
            if not spec.enabled and changes is None:
                continue
            hours, visits = _samplers(name, spec, streams, time_scale)
            tt = TaskType(
                index=len(self.types),
                name=name,
                statutory=spec.statutory,
                deadline=INF if spec.deadline_days is None else spec.deadline_days,
                sample_hours=hours,
                meeting=spec.meeting,
                closes=spec.trigger.on == "closure",
                employment=spec.employment,
            )
            if visits is not None:
                tt.later_visits = visits
            if changes is not None:
                tt.applies = spec.enabled
                self.dated[tt.index] = changes
            self.types.append(tt)
        self.by_name = {tt.name: tt for tt in self.types}
        longer = 1.0 if mix is None else mix.meeting_multiplier_traumatised
        self._specs, self._longer, self._time_scale = tasks, longer, time_scale
        specs = [(tasks[tt.name], tt) for tt in self.types]
        self._groups = {
            profile: _group(specs, *profile, longer, streams)
            for profile in itertools.product(PERSON_KINDS, (False, True), (False, True))
        }

    def on(self, event: str, case: Case) -> list[tuple[TaskType, float, Visits]]:
        """(task type, hours, later visits) of each task `event` triggers for `case`
        (reunification_application, reunification, children, closure)."""
        out = []
        for tt, scale in self._groups[case.kind, case.traumatised, case.children].events[event]:
            hours, visits = tt.sample_hours() * scale, tt.draw_later_visits()
            if tt.applies:  # drawn all the same: the task's draws do not depend on the rules
                out.append((tt, hours, _scaled(visits, scale) if scale != 1.0 else visits))
        return out

    def applies(self, name: str, case: Case) -> bool:
        """Whether the task type `name` is in the catalogue for this case, and applies now."""
        group = self._groups[case.kind, case.traumatised, case.children]
        return name in group.names and self.by_name[name].applies

    def waiting(self, name: str, streams: Streams) -> Callable[[Case], tuple[float, Visits]]:
        """A drawer of the hours and later visits of a task of type `name` that was waiting
        for a case at the start (`initial_state.waiting_tasks`), from `streams` (those of
        what is open at the start), not the type's own: the cases placed during the run draw
        their durations as they would without it. A traumatised person's meetings take
        longer, as on their agenda."""
        spec = self._specs[name]
        hours, visits = _samplers(name, spec, streams, self._time_scale)
        longer = self._longer if spec.meeting else 1.0

        def draw(case: Case) -> tuple[float, Visits]:
            scale = longer if case.traumatised else 1.0
            later = visits() if visits is not None else ()
            return hours() * scale, _scaled(later, scale) if scale != 1.0 else later

        return draw

    def set_rules(self, tasks: dict[str, Task]) -> None:
        """Deadlines and applicability from now on (a policy timeline's date), for the
        tasks that fall due from now."""
        for tt in self.types:
            spec = tasks[tt.name]
            tt.deadline = INF if spec.deadline_days is None else spec.deadline_days
            tt.applies = spec.enabled

    def _applies_at(self, tt: TaskType, t: float) -> bool:
        """Whether `tt` applies at time `t`, by the timeline's dates."""
        applies = True
        for day, enabled in self.dated[tt.index]:
            if day > t:
                break
            applies = enabled
        return applies

    def has_employment(self, case: Case) -> bool:
        """Whether this case's agenda has employment work, whose start begins the
        person's employment effort (`simulator.engine.model.Municipality.effort_begins`)."""
        return self._groups[case.kind, case.traumatised, case.children].employment

    def agenda(self, case: Case) -> list[Due]:
        """(time, order, task type, hours, later visits) of every task due before the case
        exits, in time order.

        Durations are drawn here, when the case opens, rather than when each task falls
        due: simultaneous tasks of different cases would otherwise draw in an order that
        depends on SimPy's tie-breaking, and so on every other task type in the run.
        A traumatised person's meetings take longer, and their employment work starts
        only when trauma treatment does (its clock starts then).
        """
        group = self._groups[case.kind, case.traumatised, case.children]
        due: list[Due] = []
        add, opened, exit_time = due.append, case.opened, case.exit_time
        for part, scale, paused in group.parts:
            first = len(due)
            part.fill(add, case.treatment_from if paused else opened, exit_time)
            if scale != 1.0:  # longer meetings (and their later visits): only when on
                due[first:] = [(t, i, tt, h * scale, _scaled(v, scale) if v else v)
                               for t, i, tt, h, v in due[first:]]  # fmt: skip
        # (time, order) is unique within a case, so the rest of the tuples is never
        # compared; a plain sort of tuples takes CPython's fast path for float keys
        due.sort()
        if self.dated:  # drawn all the same; those that will not apply then fall away
            dated = self.dated
            due = [d for d in due if d[2].index not in dated or self._applies_at(d[2], d[0])]
        return due


def _group(
    specs: list[tuple[Task, TaskType]],
    kind: str,
    traumatised: bool,
    children: bool,
    longer: float,
    streams: Streams,
) -> _Group:
    """The task types that apply to one profile of case, by trigger."""
    traits = {"traumatised": traumatised, "children": children}
    group = _Group(events={event: [] for event in EVENTS})
    parts: dict[tuple[float, bool], _Agenda] = {}
    for spec, tt in specs:
        if kind not in spec.applies_to or not all(traits[t] for t in spec.requires):
            continue
        group.names.add(tt.name)
        scale = longer if traumatised and spec.meeting else 1.0
        if spec.trigger.on in AGENDA_TRIGGERS:
            group.employment = group.employment or spec.employment
            paused = traumatised and spec.employment
            parts.setdefault((scale, paused), _Agenda()).add(spec.trigger, tt, streams)
        else:
            group.events[spec.trigger.on].append((tt, scale))
    group.parts = [(part, scale, paused) for (scale, paused), part in parts.items()]
    return group


def _samplers(
    name: str, spec: Task, streams: Streams, time_scale: float
) -> tuple[Sampler, Callable[[], Visits] | None]:
    """A task type's samplers of hours (times the scenario's task_time_scale) and of later
    visits (None if it is never needed again), from `streams`' streams named after it."""
    hours = _times(sampler(spec.duration_hours, streams[f"duration:{name}"]), time_scale)
    if spec.repeat is None:
        return hours, None
    return hours, _return_sampler(spec, streams[f"repeat:{name}"], hours)


def _scaled(visits: Visits, scale: float) -> Visits:
    return tuple((delay, hours * scale) for delay, hours in visits)


def _times(sample: Sampler, by: float) -> Sampler:
    """`sample` with every draw multiplied by `by` (the scenario's task_time_scale): the
    same random numbers drawn, so a change of scale moves no other draw; `sample` itself
    at 1."""
    if by == 1.0:
        return sample
    return lambda: sample() * by


def _return_sampler(spec: Task, stream: Stream, hours: Sampler) -> Callable[[], Visits]:
    """The later visits a new task of this kind will need: (delay in days, hours) each.

    The whole chain is drawn when the first visit is created (for agenda tasks, when the
    case opens), so neither decisions nor durations depend on when caseworkers finish.
    """
    assert spec.repeat is not None
    probability, delay = spec.repeat.probability, sampler(spec.repeat.delay_days, stream)

    def later_visits() -> Visits:
        visits = []
        while stream.uniform() < probability:
            visits.append((delay(), hours()))
        return tuple(visits)

    return later_visits
