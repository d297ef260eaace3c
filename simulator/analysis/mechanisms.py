"""Which of the model's mechanisms a scenario switches on, and which it leaves off.

A zero must never be read as a finding when the mechanism behind it is simply off: "sick
days 0.0" in a scenario without absence says nothing about sick leave. `mechanisms`
derives, from the scenario alone, the state of every mechanism a scenario can switch
(absence, turnover, overtime, triage, the caseload cap, interpreting, its limited pool
and by telephone, family reunification, the GPs' health examination, trauma, the
timeline), over the whole run: where the timeline switches one on or off from a date, its
state says so. The console, `summary.csv` (the `mechanism` column of each metric the
mechanism drives; a share of a mechanism never on is left blank there, as no share of
meetings by telephone exists where none can be) and the manifest all read it from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from simulator.scenario import Scenario

ON, OFF = "on", "off"


@dataclass(frozen=True)
class Switch:
    """How a mechanism is read from a scenario: its name, the summary metrics it drives (a
    metric of a mechanism that is off is zero or blank by construction), and a function
    that gives, for a scenario without its timeline, None (off) or a short description of
    how it is on ("" where there is nothing to add)."""

    name: str
    metrics: tuple[str, ...]
    on: Callable[[Scenario], str | None]


@dataclass(frozen=True)
class Mechanism:
    """One mechanism's state over the run: `on` from the start, and `changes`, the dates
    from which the timeline switches it (date, on afterwards); `detail` says how it is on
    (from the start, or from the first date it is on)."""

    name: str
    metrics: tuple[str, ...]
    on: bool
    detail: str
    changes: tuple[tuple[dt.date, bool], ...] = ()

    @property
    def ever_on(self) -> bool:
        return self.on or any(state for _, state in self.changes)

    @property
    def state(self) -> str:
        """In words: "on", "off", "off, on from 2016-02-03", "on, off from ...", ..."""
        text = ON if self.on else OFF
        for date, state in self.changes:
            text += f", {ON if state else OFF} from {date:%Y-%m-%d}"
        return text

    def describe(self) -> str:
        """The mechanism, its state and how it is on, for the console and summary.csv."""
        detail = f" ({self.detail})" if self.detail and self.ever_on else ""
        return f"{self.name}: {self.state}{detail}"


def _vacation(s: Scenario) -> str | None:
    v = s.absence.vacation if s.absence else None
    if v is None or v.weeks_per_year == 0:
        return None
    return f"{v.weeks_per_year:g} weeks a year, at most {v.max_share_away:.0%} of the team away"


def _sick_leave(s: Scenario) -> str | None:
    sick = s.absence.sick_leave if s.absence else None
    if sick is None or sick.days_per_year == 0:
        return None
    return f"{sick.days_per_year:g} days a year without stress"


def _turnover(s: Scenario) -> str | None:
    # stress multiplies the base rate (`Workforce`): with none, nobody ever resigns
    t = s.turnover
    if t is None or t.resignations_per_year == 0:
        return None
    return f"{t.resignations_per_year:.0%} resign a year without stress"


def _overtime(s: Scenario) -> str | None:
    o = s.overtime
    return None if o is None else f"{o.hours_per_week:g} h a week above {o.above:g} weeks waiting"


def _triage(s: Scenario) -> str | None:
    t = s.triage
    return None if t is None else f"{t.action} optional tasks above {t.above:g} ({t.measure})"


def _cap(s: Scenario) -> str | None:
    cap = s.caseworkers.caseload_cap
    return None if cap is None else f"at most {cap} cases a caseworker"


def _interpreting(s: Scenario) -> str | None:
    rules = s.interpreting_rules
    if rules is None or s.case_mix is None or s.case_mix.interpreter_share == 0:
        return None
    share, times = s.case_mix.interpreter_share, rules.in_person_multiplier
    return f"{share:.0%} need one, meetings x{times:g}"


def _phone_interpreting(s: Scenario) -> str | None:
    # "when_busy" with an unlimited pool: an interpreter is always free, so never by phone
    rules = s.interpreting_rules
    if rules is None or _interpreting(s) is None or rules.phone == "never":
        return None
    if rules.phone == "when_busy" and rules.interpreters is None:
        return None
    when = "always" if rules.phone == "always" else "when no interpreter is free"
    return f"{when}, meetings x{rules.phone_multiplier:g}"


def _interpreter_pool(s: Scenario) -> str | None:
    rules = s.interpreting_rules
    if rules is None or rules.interpreters is None or _interpreting(s) is None:
        return None
    return f"{rules.interpreters} interpreters at once"


def _reunification(s: Scenario) -> str | None:
    r = s.reunification
    if r is None or not any(share > 0 for share in r.apply_share.values()):
        return None
    return ""


def _help_given_up(s: Scenario) -> str | None:
    r = s.reunification
    if _reunification(s) is None or r is None or r.help_abandoned_after_days is None:
        return None
    return f"after {r.help_abandoned_after_days:g} days unstarted"


def _health_examination(s: Scenario) -> str | None:
    gp = s.external.health_examination
    if gp is None:
        return None
    if gp.capacity_per_week is not None:
        return f"GPs' capacity fixed at {gp.capacity_per_week:g} a week"
    return "GPs' capacity follows demand"


def _trauma(s: Scenario) -> str | None:
    shares = s.case_mix.trauma_share if s.case_mix else {}
    return "" if any(v > 0 for v in shares.values()) else None


SWITCHES = (
    Switch("vacation", ("vacation_days_per_worker_year",), _vacation),
    Switch("sick leave", ("sick_days_per_worker_year",), _sick_leave),
    Switch("turnover", ("resignations", "vacancy_days"), _turnover),
    Switch("overtime", ("overtime_hours",), _overtime),
    Switch("triage", ("optional_tasks_dropped",), _triage),
    Switch(
        "caseload cap",
        ("cases_waiting_assignment_mean", "assignment_wait_days_mean"),
        _cap,
    ),
    Switch("interpreting", (), _interpreting),
    Switch("phone interpreting", ("interpreted_by_phone_share",), _phone_interpreting),
    Switch("interpreter pool (limited)", ("interpreter_wait_days_mean",), _interpreter_pool),
    Switch(
        "family reunification",
        (
            "family_members_arrived",
            "children_arrived",
            "family_arrival_days_mean",
            "reunification_unaided_share",
        ),
        _reunification,
    ),
    Switch("help given up", ("reunification_help_abandoned",), _help_given_up),
    Switch(
        "health examination",
        ("health_exam_within_limit_share", "health_exam_wait_days_mean", "health_exam_done_share"),
        _health_examination,
    ),
    Switch("trauma", ("traumatised_open_share",), _trauma),
)
TIMELINE = "timeline"


def mechanisms(scenario: Scenario) -> tuple[Mechanism, ...]:
    """Every mechanism a scenario can switch, in a fixed order, with its state over the run;
    the timeline last (on when the scenario's rules change by date)."""
    states = scenario.timeline_states() if scenario.timeline else []
    start, last = scenario.simulation.start_date, scenario.simulation.last_day
    states = [(date, state) for date, state in states if date <= last]  # later: not run
    first = scenario
    for date, state in states:  # entries on or before the start apply from the start
        if date <= start:
            first = state
    later = [(date, state) for date, state in states if date > start]
    out = []
    for switch in SWITCHES:
        detail = switch.on(first)
        on, changes = detail is not None, []
        for date, state in later:
            now = switch.on(state)
            if (now is not None) != (changes[-1][1] if changes else on):
                changes.append((date, now is not None))
            detail = now if detail is None else detail
        out.append(Mechanism(switch.name, switch.metrics, on, detail or "", tuple(changes)))
    dates = [f"{date:%Y-%m-%d}" for date, _ in states]
    described = f"{len(dates)} dated change{'s' if len(dates) != 1 else ''}: {', '.join(dates)}"
    out.append(Mechanism(TIMELINE, (), bool(states), described if states else ""))
    return tuple(out)


def off_metrics(
    scenario: Scenario, found: tuple[Mechanism, ...] | None = None
) -> dict[str, Mechanism]:
    """The summary metrics whose mechanism `scenario` never switches on (zero or blank by
    construction, whatever else the scenario does), each with that mechanism; `found`, the
    scenario's `mechanisms` if already worked out."""
    return _never_on(mechanisms(scenario) if found is None else found)


def _never_on(found: tuple[Mechanism, ...]) -> dict[str, Mechanism]:
    """Each metric of a mechanism in `found` that is never on, with that mechanism."""
    return {metric: m for m in found if not m.ever_on for metric in m.metrics}


def off_in_all(everyone: Iterable[tuple[Mechanism, ...]]) -> dict[str, Mechanism]:
    """The summary metrics whose mechanism is off in every one of several scenarios (each
    given by its `mechanisms`): the two sides of a comparison, the design points of a
    sweep. Their values are zero or blank by construction wherever they were measured, so
    no difference or effect of them is a finding. Empty when `everyone` is."""
    off: dict[str, Mechanism] | None = None
    for found in everyone:
        mine = _never_on(found)
        off = mine if off is None else {m: off[m] for m in off if m in mine}
    return off or {}


def not_a_finding(mechanism: Mechanism, where: str) -> str:
    """How a report names a metric's mechanism switched off in all of `where` ("every run
    of the sweep", "both scenarios"): "overtime: switched off in every run of the sweep,
    not a finding"."""
    return f"{mechanism.name}: switched off in {where}, not a finding"


def metric_mechanisms(found: tuple[Mechanism, ...]) -> dict[str, str]:
    """Per summary metric driven by a mechanism, that mechanism's description (the
    `mechanism` column of summary.csv)."""
    return {metric: m.describe() for m in found for metric in m.metrics}


def empty_start(scenario: Scenario) -> str | None:
    """What to say of a run whose statistics start with an empty office (no warm-up and no
    caseload at the start, [initial_state]), lest its low first months read as a finding;
    None otherwise."""
    sim = scenario.simulation
    if sim.warmup_years > 0 or scenario.initial_state is not None:
        return None
    return (
        f"The office starts empty on {sim.start_date}, with no warm-up and no "
        "[initial_state]: the figures include its filling up, and understate the caseload "
        "and backlog of an office in its stride."
    )
