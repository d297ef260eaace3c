"""The calibration's parameters: the five it fits, and the sourced and assumed ones it does not.

Each free parameter has bounds written down before any fit (docs/calibration.md, "Free
parameters") and says which scenario keys it sets: most set one key, two set several (the
self-support hazard scales the register's shares of every person kind; the household mix
keeps the other household types in their ratio). `SOURCED` lists the defaults of the
baseline that are not fitted, each with the range its source makes plausible, so that a
test can fail when a default drifts out of it, and the report can say which parameters
were fitted, sourced or assumed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Ministry, "Integration i tal" 2016, cohort 2011, age 25-64: employed after 1, 2, 3 years
REGISTER: dict[str, tuple[float, float, float]] = {
    "refugee": (0.17, 0.22, 0.29),
    "reunified": (0.17, 0.19, 0.25),
}
# the other household types keep the baseline's ratio among themselves (2 : 5 : 1)
OTHER_HOUSEHOLDS: dict[str, float] = {"couple": 0.10, "family": 0.25, "single_parent": 0.05}


def scaled_shares(shares: tuple[float, ...] | list[float], k: float) -> list[float]:
    """Cumulative shares whose (piecewise constant) hazard is `k` times that of `shares`:
    S_k(t) = 1 - (1 - S(t))^k, rounded to four places."""
    return [round(1.0 - (1.0 - s) ** k, 4) for s in shares]


def _self_support(k: float) -> dict[str, Any]:
    refugee, reunified = (scaled_shares(REGISTER[kind], k) for kind in ("refugee", "reunified"))
    # spouses of Danish citizens: as the reunified (an assumption of the baseline)
    return {"exit.self_support": {"refugee": refugee, "reunified": reunified,
                                  "danish_spouse": list(reunified)}}  # fmt: skip


def _households(single: float) -> dict[str, Any]:
    rest = sum(OTHER_HOUSEHOLDS.values())
    single = round(single, 4)
    changes: dict[str, Any] = {"households.single_adult.share": single}
    left = 1.0 - single
    names = list(OTHER_HOUSEHOLDS)
    for name in names[:-1]:
        changes[f"households.{name}.share"] = round(OTHER_HOUSEHOLDS[name] / rest * left, 4)
    # the last takes what remains, so that the shares sum to 1 exactly (in steps of 1e-4)
    taken = sum(v for k, v in changes.items() if k != "households.single_adult.share")
    changes[f"households.{names[-1]}.share"] = round(left - taken, 4)
    return changes


def _one(key: str, digits: int = 4) -> Callable[[float], dict[str, Any]]:
    return lambda value: {key: round(value, digits)}


@dataclass(frozen=True)
class Free:
    """A fitted parameter: its name, the scenario keys it sets, bounds, pre-fit value, why."""

    name: str
    label: str
    low: float
    high: float
    start: float
    reason: str
    sets: Callable[[float], dict[str, Any]]  # value -> {key path: value}

    def unit(self, value: float) -> float:
        """`value` mapped to [0, 1] inside the bounds (the optimiser's coordinates)."""
        return (value - self.low) / (self.high - self.low)

    def value(self, unit: float) -> float:
        """The parameter at unit coordinate `unit`, clipped to the bounds."""
        return self.low + min(max(unit, 0.0), 1.0) * (self.high - self.low)


FREE: tuple[Free, ...] = (
    Free("task_time_scale", "task times as a whole (caseworkers.task_time_scale)", 0.45, 2.0,
         1.0, "seed 001: 12.33 h a week for ~100 refugees (0.45); seed 000: fully busy at the "
         "wanted caseload of 47 (2.0)", _one("caseworkers.task_time_scale")),
    Free("casework_share", "time available for casework (caseworkers.casework_share)", 0.60,
         0.80, 0.70, "time studies 60-76 % case-related (DOMAIN 6.6); at least a fifth of the "
         "week not tied to a case (judgement)", _one("caseworkers.casework_share")),
    Free("self_support_hazard", "self-support hazard × k on the register's shares "
         "(exit.self_support)", 0.65, 1.64, 1.0, "the register's three-year share across "
         "cohorts, 20 % (2015) to 43 % (2018)", _self_support),
    Free("single_adult_share", "single adults among households placed "
         "(households.*.share)", 0.60, 0.90, 0.60, "seed 001: many single men; family "
         "members reunified per person placed 0.41-0.58 (public statistics 2015-16)",
         _households),
    Free("resignations_per_year", "resignations without stress "
         "(turnover.resignations_per_year)", 0.15, 0.34, 0.20, "DOMAIN 6.5: 15-34 % a year in "
         "comparable social work", _one("turnover.resignations_per_year")),
)  # fmt: skip
FREE_BY_NAME: dict[str, Free] = {p.name: p for p in FREE}


def changes_for(values: Mapping[str, float]) -> dict[str, Any]:
    """The scenario key changes that set each named free parameter to its value."""
    changes: dict[str, Any] = {}
    for name, value in values.items():
        changes.update(FREE_BY_NAME[name].sets(value))
    return changes


def prefit() -> dict[str, float]:
    """Every free parameter at its value before the fit."""
    return {p.name: p.start for p in FREE}


@dataclass(frozen=True)
class Sourced:
    """A default of the baseline that is not fitted: the range its source makes plausible."""

    key: str
    low: float
    high: float
    kind: str  # "sourced" or "assumed"
    source: str


# Each default checked against the range its source allows (tests/test_calibration_ranges.py).
SOURCED: tuple[Sourced, ...] = (
    Sourced("arrivals.per_month", 10.0, 13.0, "sourced", "seed 001: 10-13 new refugees a month"),
    Sourced("caseworkers.staffing.0.caseworkers", 4, 4, "sourced", "seed 001: 4 caseworkers"),
    Sourced("caseworkers.weekly_hours", 37.0, 37.0, "sourced", "Danish full-time week"),
    Sourced("exit.other_per_year", 0.04, 0.07, "sourced",
            "DOMAIN 6.7: Integration i tal no. 1, 2016 (moved within 3 years)"),
    Sourced("exit.before_effort_multiplier", 0.67, 1.0, "sourced",
            "DOMAIN 6.1: Graversen & van Ours 2008 (hazard ratio 1.0-1.5)"),
    Sourced("exit.period_years", 3.0, 3.0, "sourced", "Integration Act: three years"),
    Sourced("external.health_examination.never_share", 0.4, 0.6, "sourced",
            "DOMAIN 5: National Audit Office 8/2014, only 50 % examined"),
    Sourced("absence.sick_leave.days_per_year", 10.0, 14.0, "sourced",
            "DOMAIN 6.4: 9.8-14 sick days (DS, KRL); 13.0 all municipal staff 2015"),
    Sourced("absence.vacation.weeks_per_year", 5.0, 6.0, "sourced",
            "Holiday Act: 5 weeks, + the 6th holiday week of public-sector agreements"),
    Sourced("interpreting.in_person_multiplier", 1.16, 1.16, "sourced", "Fagan et al. 2003"),
    Sourced("interpreting.phone_multiplier", 1.30, 1.30, "sourced", "Fagan et al. 2003"),
    Sourced("reunification.spouse_share", 0.3, 0.6, "sourced",
            "DOMAIN 4: 1,425 spouses vs 2,887 children (2016)"),
    Sourced("reunification.children_mean", 0.8, 1.1, "sourced",
            "DOMAIN 4: 1.4 family members per applicant"),
    Sourced("costs.benefit_dkk_per_person_month", 7000.0, 14416.0, "sourced",
            "DOMAIN 6.2: 2015 integration benefit to cash benefit with children"),
    Sourced("costs.salary_dkk_per_caseworker_year", 400000.0, 470000.0, "sourced",
            "DOMAIN 6.3: 2015, pension included"),
    Sourced("case_mix.interpreter_share", 0.5, 0.9, "assumed", "DOMAIN 6.8: no Danish figure"),
    Sourced("case_mix.trauma_share.refugee", 0.2, 0.4, "assumed", "seeds 000, 001"),
    Sourced("case_mix.meeting_multiplier_traumatised", 1.0, 1.5, "assumed", "seed 000"),
    Sourced("case_mix.self_support_multiplier_traumatised", 0.25, 1.0, "assumed", "assumption"),
    Sourced("absence.sick_leave.stress_sensitivity", 0.0, 2.0, "assumed", "DOMAIN 6.4: none"),
    Sourced("turnover.stress_sensitivity", 0.0, 2.0, "assumed", "seed 001: resignations"),
    Sourced("stress.threshold", 1.0, 4.0, "assumed", "assumption: weeks of work waiting"),
    Sourced("turnover.recruitment_days.mean", 60.0, 120.0, "assumed", "assumption"),
    Sourced("turnover.learning_days", 30.0, 180.0, "assumed", "assumption"),
    Sourced("reunification.apply_share.single_adult", 0.4, 0.8, "assumed", "seed 001"),
    Sourced("reunification.help_abandoned_after_days", 30.0, 120.0, "assumed", "assumption"),
    Sourced("reunification.travel_days.mean", 7.0, 30.0, "assumed", "assumption"),
    Sourced("external.health_examination.wait_days.mean", 14.0, 60.0, "assumed", "assumption"),
)  # fmt: skip


def lookup(data: Mapping[str, Any], key: str) -> Any:
    """The value at dotted `key` in plain scenario data (list entries by number)."""
    node: Any = data
    for part in key.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def fitted_values(data: Mapping[str, Any]) -> dict[str, float]:
    """The free parameters' values as they stand in scenario data (inverse of `changes_for`)."""
    refugee_3 = lookup(data, "exit.self_support.refugee")[-1]
    return {
        "task_time_scale": float(lookup(data, "caseworkers").get("task_time_scale", 1.0)),
        "casework_share": float(lookup(data, "caseworkers.casework_share")),
        "self_support_hazard": math.log(1.0 - refugee_3) / math.log(1.0 - REGISTER["refugee"][-1]),
        "single_adult_share": float(lookup(data, "households.single_adult.share")),
        "resignations_per_year": float(lookup(data, "turnover.resignations_per_year")),
    }
