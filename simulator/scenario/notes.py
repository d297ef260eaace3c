"""What a valid scenario sets that its run will never use: dated changes after its last
day. Not errors (a staffing plan may run past a shortened run, on purpose), but worth a
line in `caseload validate`, since nothing else would show that they change nothing."""

from __future__ import annotations

from simulator.scenario.schema import Scenario


def unused(scenario: Scenario) -> list[str]:
    """One sentence per dated entry that falls after the run's last day."""
    last = scenario.simulation.last_day
    notes = [
        f"caseworkers.staffing[{i}] ({entry.date}) is after the run's last day ({last}): "
        "it changes nothing"
        for i, entry in enumerate(scenario.caseworkers.staffing)
        if entry.date > last
    ]
    notes += [
        f"timeline[{i}] ({entry.date}) is after the run's last day ({last}): it changes nothing"
        for i, entry in enumerate(scenario.timeline or [])
        if entry.date > last
    ]
    return notes
