"""The policy timeline: the rules in force by date, as a run applies them.

A scenario's ``[[timeline]]`` entries each change some keys from a date
(`simulator.scenario.schema.TimelineEntry`); the scenario resolves them into the whole
scenario in force from each date (`Scenario.timeline_states`). This module turns those
into what the run needs, for each kind of rule:

- *Swapped in on the date* by the model's `_timeline` process
  (`simulator.engine.model.Municipality.rules_change`): the office's policies
  (interpreting, triage, cover, the caseload cap, and the casework hours a week that
  pressure is counted in) through their settings interface; the catalogue's deadlines
  and which tasks apply, for tasks falling due from then on; the GPs' capacity and
  limit; overtime. The process wakes before anything else due at that moment (`at`), so
  a task falling due at midnight of the date already gets the new rules.
- *Read by date where they act*, from the schedule known when the run starts: the
  casework hours of each day (the calendar is built with them: `hours`); the
  reunification waiting rule (`may_apply`: an application may be sent once the rule in
  force then allows it); the Immigration Service's processing and the family's travel
  (`family_delay`: those in force when the application is sent; drawn for every
  household at its placement, from streams of their own, so the draws of the scenario
  without a timeline stay what they were); which of a case's agenda tasks apply when
  they fall due (`applicability`, for `simulator.engine.catalogue.Catalogue`).

Entries dated on or before the start are in force from the start (`first`). Without
entries nothing here runs during the run: an empty timeline costs nothing per event.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import math
from typing import Final

import simpy
from simpy.events import URGENT

from simulator.engine.sampling import Family
from simulator.engine.streams import Sampler, Streams, sampler
from simulator.scenario.schema import Reunification, Scenario

NOT_DRAWN: Final = -1  # a family delay under the first rules: the family's own draw


class Timeline:
    """The rules of one scenario by date, for one run (days since the start)."""

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        start = scenario.simulation.start_date
        first = scenario
        self.changes: list[tuple[float, Scenario]] = []  # (day, the rules from then), in order
        for date, state in scenario.timeline_states():
            day = float((date - start).days)
            if day <= 0:
                first = state
            else:
                self.changes.append((day, state))
        self.first: Scenario = first  # the rules in force at the start
        dated = [(-math.inf, first), *self.changes]
        # the reunification rules from each date (the first from the start)
        self.reunification: list[tuple[float, Reunification | None]] = [
            (day, state.reunification) for day, state in dated
        ]
        # processing and travel under each date's rules: the family's own draw under the
        # first rules; under other rules a draw of their own (one stream per distinct rule)
        self.delay_index: list[int] = []
        self.delay_rules: list[Reunification] = []  # each distinct later rule's
        rules: list[tuple[object, object]] = []
        base = _delays(first.reunification)
        for _, state in dated:
            spec, rule = state.reunification, _delays(state.reunification)
            if spec is None or rule == base:
                self.delay_index.append(NOT_DRAWN)
                continue
            if rule not in rules:
                rules.append(rule)
                self.delay_rules.append(spec)
            self.delay_index.append(rules.index(rule))
        self.delay_samplers = self.samplers(streams)

    # ------------------------------------------------------------------ the process's

    def at(self, env: simpy.Environment, day: float) -> simpy.Event:
        """An event at `day` that comes before every other event of that moment (SimPy's
        URGENT priority), so the rules change before anything due then happens."""
        event = simpy.Event(env)
        event._ok = True  # as a Timeout is made (SimPy has no public urgent timeout)
        event._value = None
        env.schedule(event, URGENT, day - env.now)
        return event

    # ------------------------------------------------------------------ read by date

    def hours(self) -> list[tuple[int, float]]:
        """(day, casework hours a day from then) where the hours change, for the calendar."""
        out: list[tuple[int, float]] = []
        hours = self.first.caseworkers.casework_hours_per_day
        for day, state in self.changes:
            now = state.caseworkers.casework_hours_per_day
            if now != hours:
                out.append((int(day), now))
                hours = now
        return out

    def applicability(self) -> dict[str, list[tuple[float, bool]]]:
        """(day, applies from then) of each task whose applicability changes by date, the
        first from the start; for the catalogue."""
        out: dict[str, list[tuple[float, bool]]] = {}
        for name, spec in self.first.tasks.items():
            changes = [(-math.inf, spec.enabled)]
            for day, state in self.changes:
                if state.tasks[name].enabled != changes[-1][1]:
                    changes.append((day, state.tasks[name].enabled))
            if len(changes) > 1:
                out[name] = changes
        return out

    def may_apply(self, placed: float, status: str) -> float:
        """When a refugee placed at `placed` may apply for family reunification: the first
        moment at which the waiting rule in force allows it (a rule that comes in while
        they wait applies to them; one lifted while they wait lets them apply at once)."""
        rules = self.reunification
        spec = rules[0][1]
        assert spec is not None  # only households with a family ask
        if len(rules) == 1:
            return placed + spec.waiting_days(status)
        for k, (start, spec) in enumerate(rules):
            end = rules[k + 1][0] if k + 1 < len(rules) else math.inf
            if end <= placed or spec is None:
                continue
            t = max(placed + spec.waiting_days(status), start)
            if t < end:
                return t
        return math.inf

    def samplers(self, streams: Streams) -> list[tuple[Sampler, Sampler]]:
        """(processing, travel) samplers for each rule of a later date that differs from
        the first, from `streams` (one stream per distinct rule)."""
        return [
            (
                sampler(spec.processing_days, streams[f"reunification:processing:{k}"]),
                sampler(spec.travel_days, streams[f"reunification:travel:{k}"]),
            )
            for k, spec in enumerate(self.delay_rules, start=1)
        ]

    def draw_family_delays(
        self, samplers: list[tuple[Sampler, Sampler]] | None = None
    ) -> list[tuple[float, float]]:
        """(processing, travel) under each rule of a later date that differs from the
        first, for one household (every household draws, whether it applies or not), from
        the run's samplers or `samplers` (`samplers()` of other streams)."""
        samplers = self.delay_samplers if samplers is None else samplers
        if not samplers:
            return []
        return [(processing(), travel()) for processing, travel in samplers]

    def family_delay(
        self, family: Family, drawn: list[tuple[float, float]], now: float
    ) -> tuple[float, float]:
        """(processing, travel) of an application sent at `now`, under the rules in force
        now: the family's own draw under the first rules, else `drawn`."""
        k = 0
        for i in range(1, len(self.reunification)):
            if self.reunification[i][0] > now:
                break
            k = i
        index = self.delay_index[k]
        if index == NOT_DRAWN:
            return (family.processing, family.travel)
        return drawn[index]


def _delays(spec: Reunification | None) -> tuple[object, object]:
    """What decides a family's processing and travel times under a rule."""
    if spec is None:
        return (None, None)
    return (spec.processing_days, spec.travel_days)
