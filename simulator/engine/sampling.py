"""Sampling of people: who they are, when their case exits, whether and when a family follows.

Each mechanism draws from its own named stream (``exit``, ``profile:trauma``,
``reunification``, ...), and each household or person draws the same number of values
whatever the outcome, so changing one share or policy does not shift the draws of
anyone else. People of each kind (placed refugees, their reunified spouses, spouses of
Danish citizens) draw from streams of their own, in an order that does not depend on
the others: refugees and their spouses in placement order, Danish spouses in theirs.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import math

from simulator.engine.streams import Sampler, Stream, Streams, sampler
from simulator.scenario.schema import (
    DAYS_PER_YEAR,
    STATUSES,
    CaseMix,
    Exit,
    ExternalService,
    Reunification,
    Scenario,
)

_FAMILY_REDRAWS = 10_000  # draws of a family under way before settling on a spouse


class ExitSampler:
    """When a case exits: self-support, leaving, or the period's end.

    Self-support follows a hazard that is constant within each year and chosen so
    that the cumulative shares by the end of years 1, 2, 3 are those given; after
    the last given year the hazard stays at the last year's value. A person draws,
    when their case opens, the cumulative hazard at which they become self-supporting
    (`Exit.target`, exponential with mean 1) and when they would leave for other
    reasons; when self-support then happens depends on when their employment effort
    begins (`self_support_age`), which the caseworkers decide, but the numbers drawn do
    not: each person draws the same two values whatever happens.
    """

    def __init__(self, spec: Exit, stream: Stream) -> None:
        self.period = spec.period_years * DAYS_PER_YEAR
        self.other = spec.other_per_year / DAYS_PER_YEAR
        self.stream = stream
        self.hazards = {kind: yearly_hazards(shares) for kind, shares in spec.self_support.items()}

    def draw(self, factor: float = 1.0) -> tuple[float, float]:
        """(target, leaves): the cumulative usual self-support hazard, counted from when
        the self-support clock starts, at which the person becomes self-supporting (the
        drawn exponential over `factor`, their hazard multiplier; infinite at 0), and the
        days from opening until they leave for other reasons or the period ends."""
        target = self.stream.exponential()  # cumulative hazard at which self-support happens
        other = self.stream.exponential()
        t_other = other / self.other if self.other > 0 else math.inf
        return (target / factor if factor > 0 else math.inf), min(t_other, self.period)

    def days_open(self, kind: str, pause: float = 0.0, factor: float = 1.0) -> float:
        """Sample how long a new case of this kind of person stays open, with the usual
        hazard from the start (an employment effort begun at once, or irrelevant).

        With `pause`, self-support is impossible for that many days (waiting for trauma
        treatment) and its clock starts after them; `factor` multiplies its hazard.
        """
        target, leaves = self.draw(factor)
        return min(pause + self.self_support_age(kind, target), leaves)

    def self_support_age(
        self, kind: str, target: float, before: float = 1.0, effort: float = 0.0
    ) -> float:
        """Days after the self-support clock starts at which the cumulative hazard reaches
        `target`, the hazard being `before` times the usual until `effort` days (when the
        employment effort begins; infinite if it has not) and the usual after.

        Solves before·H(a) = target if that happens before the effort, else
        before·H(effort) + H(a) − H(effort) = target, H the usual cumulative hazard.
        """
        hazards = self.hazards.get(kind, [])
        if effort > 0 and before != 1.0:
            reached = before * _cumulative(hazards, effort) if effort < math.inf else math.inf
            if reached >= target:  # self-supporting before the effort begins
                return _invert(hazards, target / before) if before > 0 else math.inf
            target += (1.0 - before) * _cumulative(hazards, effort)
        return _invert(hazards, target)


def yearly_hazards(cumulative: list[float]) -> list[float]:
    """Per-day hazard in each year that gives these cumulative exit shares."""
    hazards, survival = [], 1.0
    for share in cumulative:
        remaining = 1.0 - share
        hazards.append(-math.log(remaining / survival) / DAYS_PER_YEAR if survival > 0 else 0.0)
        survival = remaining
    return hazards


def _invert(hazards: list[float], target: float) -> float:
    """The time at which the piecewise-constant cumulative hazard reaches `target`."""
    t = 0.0
    for i, h in enumerate(hazards):
        last = i == len(hazards) - 1
        span = math.inf if last else DAYS_PER_YEAR
        if h > 0 and target <= h * span:
            return t + target / h
        target -= h * span if not last else 0.0
        t += span
    return math.inf


def _cumulative(hazards: list[float], age: float) -> float:
    """The piecewise-constant cumulative hazard at `age` (the inverse of `_invert`)."""
    total, t = 0.0, 0.0
    for i, h in enumerate(hazards):
        last = i == len(hazards) - 1
        span = math.inf if last else DAYS_PER_YEAR
        if age <= t + span:
            return total + h * (age - t)
        total += h * span
        t += span
    return total


class Person:
    """Who a new case is, and the numbers that decide when their case will exit.

    `days_open` is how long the case stays open with the usual self-support hazard from
    the start; the model works out the exit from `support_target` and `leaves` when the
    case opens and again when the employment effort begins (`ExitSampler`).
    `exam_wait` is the wait for an external service's examination once referred
    (infinite: never seen; 0 under a fixed capacity, where the queue decides).

    Person and Family are slotted classes with a written-out ``__init__``, for the reason
    `simulator.engine.entities.Case` gives: one is made per case and per household.
    """

    __slots__ = (
        "days_open",
        "exam_wait",
        "kind",
        "leaves",
        "needs_interpreter",
        "status",
        "support_target",
        "traumatised",
        "treatment_wait",
    )

    def __init__(
        self,
        kind: str,
        days_open: float,
        status: str = "",
        traumatised: bool = False,
        treatment_wait: float = 0.0,
        needs_interpreter: bool = False,
        support_target: float = math.inf,
        leaves: float = math.inf,
        exam_wait: float = 0.0,
    ) -> None:
        self.kind = kind
        self.days_open = days_open
        self.status = status
        self.traumatised = traumatised
        self.treatment_wait = treatment_wait  # days from opening until trauma treatment starts
        self.needs_interpreter = needs_interpreter
        self.support_target = support_target  # cumulative usual hazard, from treatment
        self.leaves = leaves  # days from opening until leaving or the period's end
        self.exam_wait = exam_wait


class PersonSampler:
    """Draws the people of one kind: their exit and, with a case mix, their profile.

    Each attribute has its own stream (``profile:status``, ``profile:trauma``,
    ``profile:treatment``, ``profile:interpreter``, and with an external examination
    ``profile:health`` and ``profile:health_wait``; for kinds other than refugees the
    stream names end in ``:<kind>``, as does their ``exit`` stream), and every person
    draws once from each whatever the outcome.
    """

    def __init__(
        self,
        kind: str,
        exit_spec: Exit,
        mix: CaseMix | None,
        streams: Streams,
        exam: ExternalService | None = None,
    ) -> None:
        suffix = "" if kind == "refugee" else f":{kind}"
        self.kind = kind
        self.exits = ExitSampler(exit_spec, streams[f"exit{suffix}"])
        self.exam_never = 0.0 if exam is None else exam.never_share
        self.exam: Stream | None = None if exam is None else streams[f"profile:health{suffix}"]
        wait = None if exam is None else exam.wait_days
        self.exam_wait: Sampler | None = (
            None if wait is None else sampler(wait, streams[f"profile:health_wait{suffix}"])
        )
        self.mix = mix
        if mix is None:
            return
        self.status = streams[f"profile:status{suffix}"] if kind == "refugee" else None
        self.status_cumulative = [0.0] * len(STATUSES)
        total = 0.0
        for i, status in enumerate(STATUSES):
            total += mix.status_share.get(status, 0.0)
            self.status_cumulative[i] = total
        self.trauma = streams[f"profile:trauma{suffix}"]
        self.trauma_share = mix.trauma_share.get(kind, 0.0)
        wait_days = mix.treatment_wait_days
        self.treatment: Sampler | None = (
            sampler(wait_days, streams[f"profile:treatment{suffix}"]) if wait_days else None
        )
        self.interpreter = streams[f"profile:interpreter{suffix}"]

    def draw(self) -> Person:
        mix = self.mix
        exam_wait = self._exam_wait()
        exits = self.exits
        if mix is None:
            target, leaves = exits.draw()
            days_open = min(exits.self_support_age(self.kind, target), leaves)
            return Person(self.kind, days_open, support_target=target, leaves=leaves,
                          exam_wait=exam_wait)  # fmt: skip
        status = STATUSES[self.status.choice(self.status_cumulative)] if self.status else ""
        traumatised = self.trauma.uniform() < self.trauma_share
        wait = self.treatment() if self.treatment is not None else 0.0
        interpreter = self.interpreter.uniform() < mix.interpreter_share
        if traumatised:
            target, leaves = exits.draw(mix.self_support_multiplier_traumatised)
        else:
            (target, leaves), wait = exits.draw(), 0.0
        days_open = min(wait + exits.self_support_age(self.kind, target), leaves)
        return Person(self.kind, days_open, status, traumatised, wait, interpreter,
                      target, leaves, exam_wait)  # fmt: skip

    def _exam_wait(self) -> float:
        """The wait for the examination once referred (infinite: never seen); drawn for
        everyone, whether or not they will be referred."""
        if self.exam is None:
            return 0.0
        never = self.exam.uniform() < self.exam_never
        wait = self.exam_wait() if self.exam_wait is not None else 0.0
        return math.inf if never else wait


class Family:
    """A reunification: how long the Immigration Service takes, how long the family takes
    to come once permitted (days), and who comes."""

    __slots__ = ("children", "processing", "spouse", "travel")

    def __init__(
        self, processing: float, travel: float, spouse: Person | None, children: int
    ) -> None:
        self.processing = processing
        self.travel = travel
        self.spouse = spouse
        self.children = children


class FamilySampler:
    """Whether a household's principal applies for family reunification, and its course.

    Every household draws the same values (apply, processing, travel, spouse, children,
    and the spouse as a person) whether or not it applies.
    """

    def __init__(self, spec: Reunification | None, stream: Stream, spouses: PersonSampler) -> None:
        self.spec = spec
        self.stream = stream
        self.spouses = spouses
        if spec is not None:
            self.processing = sampler(spec.processing_days, stream)
            self.travel = sampler(spec.travel_days, stream)

    def draw(self, household_type: str) -> Family | None:
        spec = self.spec
        if spec is None:
            return None
        return self.draw_with(spec.apply_share.get(household_type, 0.0))

    def draw_with(self, chance: float) -> Family | None:
        """The family of a household whose principal applies with probability `chance`."""
        spec = self.spec
        assert spec is not None
        applies = self.stream.uniform() < chance
        processing, travel = self.processing(), self.travel()
        spouse = self.stream.uniform() < spec.spouse_share
        children = self.stream.poisson(spec.children_mean)
        person = self.spouses.draw()
        if not applies or not (spouse or children):
            return None
        return Family(processing, travel, person if spouse else None, children)


class LoadedFamilies:
    """The family, if any, that will follow a refugee case open at the start (a household
    of its own), drawn as `FamilySampler` draws a placed household's: its chance of
    applying is the share of adults who are principals that apply (over the household
    types); certain where its application is under way (`applying`: then a spouse or
    children, at least one: `pending_family`). From the streams of the state at the
    start."""

    def __init__(self, scenario: Scenario, streams: Streams, spouses: PersonSampler) -> None:
        spec = scenario.reunification
        assert spec is not None
        self.families = FamilySampler(spec, streams["families"], spouses)
        households = scenario.households
        adults = sum(h.share * h.adults for h in households.values())
        share = sum(h.share * spec.apply_share.get(k, 0.0) for k, h in households.items())
        self.chance = share / adults if adults > 0 else 0.0

    def __call__(self, applying: bool) -> Family | None:
        f = self.families
        if applying:
            assert f.spec is not None
            return pending_family(f.spec, f.stream, f.processing, f.travel, f.spouses)
        return f.draw_with(self.chance)


def pending_family(
    spec: Reunification,
    stream: Stream,
    processing: Sampler,
    travel: Sampler,
    spouses: PersonSampler,
) -> Family:
    """The family of an application already under way: a spouse and children as
    `FamilySampler` draws them, given that at least one of them comes."""
    for _ in range(_FAMILY_REDRAWS):
        spouse = stream.uniform() < spec.spouse_share
        children = stream.poisson(spec.children_mean)
        if spouse or children:
            break
    else:
        spouse = True
    return Family(processing(), travel(), spouses.draw() if spouse else None, children)
