"""What a valid scenario sets that its run will never use, or that leaves it with no one
to place: dated changes after its last day, an end of arrivals (`arrivals.until`) before
its first day or its measured years. Not errors (a staffing plan may run past a shortened
run, on purpose; a run of the cases open at the start has no arrivals), but worth a line
in `caseload validate`, since nothing else would show it."""

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
    return notes + _arrivals_end(scenario)


def _arrivals_end(scenario: Scenario) -> list[str]:
    """A sentence if `arrivals.until` leaves the run, or its measured years, with no one
    placed, or changes nothing."""
    until, sim = scenario.arrivals.until, scenario.simulation
    if until is None:
        return []
    said = f"arrivals.until ({until})"
    if until <= sim.start_date:
        return [f"{said} is on or before the run's first day ({sim.start_date}): no one is placed"]
    if sim.warmup_end is not None and until <= sim.warmup_end:
        return [
            f"{said} is within the warm-up (to {sim.warmup_end}): no one is placed in the "
            "years measured"
        ]
    if until > sim.last_day:
        return [f"{said} is after the run's last day ({sim.last_day}): it changes nothing"]
    return []
