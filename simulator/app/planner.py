"""The plans the flight simulator's debrief compares the trainee with.

The debrief compares the trainee's hiring with the plan that `caseload plan` finds for
the same arrivals (`simulator.staffing_plan`: the least posts per quarter for at most 45
cases each and 95 % of statutory tasks on time, each with 90 % probability). Where the
planner cannot answer (it raises a `ScenarioError` for the setting), the debrief uses
the instant answer (`simulator.offered_staffing`, from the offered load) and says so
plainly. No plan is ever made up here: both come from the package.

The debrief's plan is a quick one, for a classroom: the planner searches on
`REPLICATIONS` simulated futures and checks the plan on at most `MAX_REPLICATIONS`
fresh ones (`caseload plan` uses 20 and up to 100), so that the room waits well under a
minute, not three; the page says on how many futures it rests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

import simulator as cl
from simulator.analysis.standards import CASELOAD_LIMIT, CONFIDENCE, ON_TIME

if TYPE_CHECKING:
    from simulator import Scenario

REPLICATIONS = 4  # the planner's search sample, kept small: a room waits for it
MAX_REPLICATIONS = 8  # and the most fresh replications its check runs
QUICK = (
    f"a quick plan on {REPLICATIONS + MAX_REPLICATIONS} simulated futures ({REPLICATIONS} to "
    f"search, up to {MAX_REPLICATIONS} fresh ones to check it; `caseload plan` uses 20 and up "
    "to 100)"
)
Progress = Callable[[str, int], None]  # told what the planner does and its runs so far


@dataclass(frozen=True)
class Plan:
    """A staffing plan: caseworkers employed from each date, and where it came from."""

    name: str
    source: str  # one sentence: which method, with which targets
    staffing: list[tuple[dt.date, int]]  # (from, caseworkers), dates increasing


def planner_available() -> bool:
    """Whether the package has the planner (`caseload plan`)."""
    return callable(getattr(cl, "staffing_plan", None))


def planned(
    scenario: Scenario,
    start: dt.date,
    end: dt.date,
    progress: Progress | None = None,
    workers: int = 1,
) -> Plan | None:
    """The planner's quick plan for `scenario` from `start` to `end` (quarterly posts), or
    None where the planner cannot answer for this setting. `progress` is told what the
    planner is doing and how many runs it has made, after each run; `workers`: processes
    (the app's own workers are idle while the debrief waits for its plan)."""
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
            workers=max(1, workers),
            progress=progress or False,
        )
    except cl.ScenarioError:
        return None
    rows = [(d, int(n)) for d, n in zip(answer.periods.dates, answer.posts, strict=True)]
    return Plan(
        "the planner",
        f"the planner (`caseload plan`): at most {CASELOAD_LIMIT:g} cases per caseworker and "
        f"{ON_TIME:.0%} of statutory tasks on time, each aiming at {CONFIDENCE:.0%} "
        f"probability; {QUICK}, too few to show that probability: `caseload plan` does",
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
        f"for at most {CASELOAD_LIMIT:g} open cases each, with {CONFIDENCE * 100:.0f} % "
        "probability; "
        "it looks at open cases only, not at deadlines or the backlog",
        rows,
    )


def comparison_plan(
    scenario: Scenario,
    start: dt.date,
    end: dt.date,
    progress: Progress | None = None,
    workers: int = 1,
) -> Plan:
    """The plan the debrief compares with: the planner's once it exists, else the
    instant answer."""
    return planned(scenario, start, end, progress, workers) or instant(scenario, start, end)
