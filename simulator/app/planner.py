"""The plans the flight simulator's debrief compares the trainee with.

The debrief compares the trainee's hiring with the plan that `caseload plan` finds for
the same arrivals (`simulator.staffing_plan`: the least posts per quarter for at most 45
cases each and 95 % of statutory tasks on time, each with 90 % probability). Where the
planner cannot answer (it raises a `ScenarioError` for the setting), the debrief uses
the instant answer (`simulator.offered_staffing`, from the offered load) and says so
plainly. No plan is ever made up here: both come from the package.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

import simulator as cl
from simulator.analysis.standards import CASELOAD_LIMIT, CONFIDENCE, ON_TIME

if TYPE_CHECKING:
    from simulator import Scenario

REPLICATIONS = 10  # the planner's search sample, kept small: a debrief waits for it
MAX_REPLICATIONS = 40  # and the most fresh replications its check runs


@dataclass(frozen=True)
class Plan:
    """A staffing plan: caseworkers employed from each date, and where it came from."""

    name: str
    source: str  # one sentence: which method, with which targets
    staffing: list[tuple[dt.date, int]]  # (from, caseworkers), dates increasing


def planner_available() -> bool:
    """Whether the package has the planner (`caseload plan`)."""
    return callable(getattr(cl, "staffing_plan", None))


def planned(scenario: Scenario, start: dt.date, end: dt.date) -> Plan | None:
    """The planner's plan for `scenario` from `start` to `end` (quarterly posts), or None
    where the planner cannot answer for this setting."""
    if not planner_available():
        return None
    try:
        answer: Any = cl.staffing_plan(
            scenario,
            caseload_limit=CASELOAD_LIMIT,
            on_time=ON_TIME,
            confidence=CONFIDENCE,
            start=start,
            until=end,
            replications=REPLICATIONS,
            max_replications=MAX_REPLICATIONS,
            evidence=False,
            workers=1,
        )
    except cl.ScenarioError:
        return None
    rows = [(d, int(n)) for d, n in zip(answer.periods.dates, answer.posts, strict=True)]
    return Plan(
        "the planner",
        f"the planner (`caseload plan`): at most {CASELOAD_LIMIT:g} cases per caseworker and "
        f"{ON_TIME:.0%} of statutory tasks on time, each with {CONFIDENCE:.0%} probability",
        rows,
    )


def instant(scenario: Scenario, start: dt.date, end: dt.date) -> Plan:
    """The instant answer from `start` to `end`: caseworkers per quarter for at most
    `CASELOAD_LIMIT` cases each with probability `CONFIDENCE` (offered load)."""
    table = cl.offered_staffing(scenario, caseload_limit=CASELOAD_LIMIT, level=CONFIDENCE)
    dates = pd.to_datetime(table["date"]).dt.date
    inside = (dates >= start) & (dates < end)
    rows = [
        (d, max(1, int(c)))
        for d, c in zip(dates[inside], table.loc[inside, "caseworkers_needed"], strict=True)
    ]
    return Plan(
        "the instant answer",
        "the instant answer (offered load, no simulation): enough caseworkers each quarter "
        "for at most 45 open cases each, with 90 % probability; it looks at open cases "
        "only, not at deadlines or the backlog",
        rows,
    )


def comparison_plan(scenario: Scenario, start: dt.date, end: dt.date) -> Plan:
    """The plan the debrief compares with: the planner's once it exists, else the
    instant answer."""
    return planned(scenario, start, end) or instant(scenario, start, end)
