"""Sampling of people's paths: when a case exits, whether and when a family follows.

Each mechanism draws from its own named stream (``exit``, ``reunification``), and
each household or case draws the same number of values whatever the outcome, so
changing one share or policy does not shift the draws of anyone else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.scenario import DAYS_PER_YEAR, Exit, Reunification
from simulator.streams import Stream


class ExitSampler:
    """Days from opening until a case exits: self-support, leaving, or the period's end.

    Self-support follows a hazard that is constant within each year and chosen so
    that the cumulative shares by the end of years 1, 2, 3 are those given; after
    the last given year the hazard stays at the last year's value.
    """

    def __init__(self, spec: Exit, stream: Stream) -> None:
        self.period = spec.period_years * DAYS_PER_YEAR
        self.other = spec.other_per_year / DAYS_PER_YEAR
        self.stream = stream
        self.hazards = {kind: yearly_hazards(shares) for kind, shares in spec.self_support.items()}

    def days_open(self, kind: str) -> float:
        """Sample how long a new case of this kind of person stays open."""
        target = self.stream.exponential()  # cumulative hazard at which self-support happens
        other = self.stream.exponential()
        t_other = other / self.other if self.other > 0 else math.inf
        t_self = _invert(self.hazards.get(kind, []), target)
        return min(t_self, t_other, self.period)


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


@dataclass(frozen=True, slots=True)
class Family:
    """A reunification: when the application is made and the family arrives (days after
    the household's placement), and who comes."""

    applies_after: float
    arrives_after: float
    spouse: bool
    children: int


class FamilySampler:
    """Whether a household's principal applies for family reunification, and its course."""

    def __init__(self, spec: Reunification | None, stream: Stream) -> None:
        self.spec = spec
        self.stream = stream
        self.delay = spec.delay_days.sampler(stream) if spec else None

    def draw(self, household_type: str) -> Family | None:
        spec = self.spec
        if spec is None or self.delay is None:
            return None
        applies = self.stream.uniform() < spec.apply_share.get(household_type, 0.0)
        delay = self.delay()
        spouse = self.stream.uniform() < spec.spouse_share
        children = self.stream.poisson(spec.children_mean)
        if not applies or not (spouse or children):
            return None
        return Family(spec.apply_after_days, spec.apply_after_days + delay, spouse, children)
