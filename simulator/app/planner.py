"""The plans the flight simulator's debrief compares the trainee with.

The debrief should compare the trainee's hiring with the plan that `caseload plan`
finds for the same arrivals. Until the planner is in the package, it uses the
instant answer (`simulator.offered_staffing`: caseworkers per quarter for at most 45
cases each, with 90 % probability, from the offered load), and says so plainly. No plan
is ever made up here: both come from the package.

**The place to wire the planner** is `planned`: once `simulator.plan` exists it is called
there, and its answer (one row per quarter with the caseworkers to employ) becomes the
staffing the debrief runs beside the trainee's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

import simulator as cl

if TYPE_CHECKING:
    from simulator import Scenario

CASELOAD_LIMIT = 45.0  # the top of the DS recommendation
LEVEL = 0.9  # the probability of staying within it


@dataclass(frozen=True)
class Plan:
    """A staffing plan: caseworkers employed from each date, and where it came from."""

    name: str
    source: str  # one sentence: which method, with which targets
    staffing: list[tuple[dt.date, int]]  # (from, caseworkers), dates increasing


def planner_available() -> bool:
    """Whether the package has the planner (`caseload plan`)."""
    return callable(getattr(cl, "plan", None))


def planned(scenario: Scenario, start: dt.date, end: dt.date) -> Plan | None:
    """The planner's plan for `scenario` from `start` to `end`, or None until it exists.

    PLANNER HOOK: `simulator.plan` is called here once it lands. The planner is
    specified to give a table (`plan.csv`) with one row per quarter, `quarter` and
    `caseworkers`; it is read from the returned object's `table`. Adjust this call to the
    planner's final signature when it lands; everything else in the debrief stays.
    """
    if not planner_available():
        return None
    answer: Any = cl.plan(  # type: ignore[attr-defined]
        scenario,
        caseload_limit=CASELOAD_LIMIT,
        on_time=0.95,
        confidence=LEVEL,
        start=start,
        until=end,
    )
    table = answer.table
    rows = [
        (pd.Timestamp(q).date(), int(c))
        for q, c in zip(table["quarter"], table["caseworkers"], strict=True)
    ]
    return Plan(
        "the planner",
        "the planner (`caseload plan`): at most 45 cases per caseworker and 95 % of "
        "statutory tasks on time, each with 90 % probability",
        rows,
    )


def instant(scenario: Scenario, start: dt.date, end: dt.date) -> Plan:
    """The instant answer from `start` to `end`: caseworkers per quarter for at most
    `CASELOAD_LIMIT` cases each with probability `LEVEL` (offered load)."""
    table = cl.offered_staffing(scenario, caseload_limit=CASELOAD_LIMIT, level=LEVEL)
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
