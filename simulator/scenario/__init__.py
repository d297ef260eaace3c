"""Scenarios: immutable, validated data describing a municipality, its people and policies.

A scenario is read from a TOML file (`files`), may ``extends = "other.toml"`` and change
only what differs (`merge`), may have keys set by their dotted path (`keys`: ``--set``,
sweep factors, the planner), and is validated as a whole (`schema`) before anything runs.
Every problem is a `ScenarioError` naming the file, the key and what is allowed
(`errors`). Nothing here knows SimPy: the engine reads scenarios, never the reverse.
"""

from simulator.scenario.errors import ScenarioError
from simulator.scenario.files import (
    changed_scenario,
    load_scenario,
    read_toml,
    scenario_from_dict,
    scenario_path,
)
from simulator.scenario.keys import with_value, with_values
from simulator.scenario.merge import deep_merge
from simulator.scenario.schema import (
    DAYS_PER_YEAR,
    PERSON_KINDS,
    STATUSES,
    Scenario,
    years_to_days,
)

__all__ = [
    "DAYS_PER_YEAR",
    "PERSON_KINDS",
    "STATUSES",
    "Scenario",
    "ScenarioError",
    "changed_scenario",
    "deep_merge",
    "load_scenario",
    "read_toml",
    "scenario_from_dict",
    "scenario_path",
    "with_value",
    "with_values",
    "years_to_days",
]
