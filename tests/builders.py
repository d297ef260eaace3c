"""Small scenarios for tests, built as plain data and validated like any file."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from simulator.scenario import Scenario, deep_merge, scenario_from_dict


def one_task(**task: Any) -> dict[str, Any]:
    """A catalogue entry: statutory, on arrival, deadline 7 days, 2 fixed hours, unless given.

    Given fields replace the defaults whole (a new distribution is not merged into the old).
    """
    base = {
        "statutory": True,
        "trigger": {"on": "arrival"},
        "deadline_days": 7.0,
        "duration_hours": {"dist": "fixed", "value": 2.0},
    }
    return {**base, **{k: v for k, v in task.items() if v is not None}}


MINIMAL: dict[str, Any] = {
    "name": "minimal",
    "simulation": {"start_date": dt.date(2024, 1, 8), "duration_years": 0.1, "seed": 7},
    "caseworkers": {
        "staffing": [{"date": dt.date(2024, 1, 8), "caseworkers": 1}],
        "weekly_hours": 40.0,
        "casework_share": 1.0,
    },
    "arrivals": {"process": "exact", "monthly": [2]},
    "households": {"single_adult": {"share": 1.0, "adults": 1}},
    "exit": {"self_support": {}, "other_per_year": 0.0},
    "tasks": {"reception": one_task()},
}


def build(changes: dict[str, Any] | None = None, base: dict[str, Any] = MINIMAL) -> Scenario:
    """A validated scenario: `base` with `changes` merged in (tables key by key)."""
    return scenario_from_dict(deep_merge(copy.deepcopy(base), changes or {}), "<test>")
