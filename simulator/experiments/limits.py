"""How large a run will be, estimated from the scenario alone, and the limits it must keep.

A scenario can ask for more than any machine has: a rate of 10^9 tasks a year, 100,000
caseworkers, a follow-up every few seconds, 10^9 replications. Such a run would fill the
memory or run for weeks before failing. `estimate` works out, in microseconds and from
the scenario alone, what a run will hold: the horizon, the arrivals and the cases open
at the start (cases), the caseworkers, the tasks and events of one replication, and the
memory a run of so many replications needs. `check` stops a run above `LIMITS` with a
message naming each cause and its estimate; a user who means it passes ``--no-limits``
(``limits=False``).

The estimates are upper bounds of the expected size, not predictions: every task counts
for every case (whatever its `applies_to` and `requires`), every case stays open for the
whole integration period, a repeated task counts its expected repeats. They are measured
against the baseline (about 18,000 tasks and 39,000 events a replication; about 750 bytes
of memory per task while a replication runs, 100 bytes per task kept in the results).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.engine.arrivals import monthly_expected
from simulator.scenario import DAYS_PER_YEAR, Scenario, ScenarioError
from simulator.scenario.schema import AtRate, Every, Schedule, Task

# Per replication unless said otherwise. Far above any municipality (Denmark received
# about 10,000 refugees in its busiest year), far below what exhausts a laptop.
LIMITS = {
    "horizon_years": 100.0,
    "caseworkers": 10_000,
    "cases": 2_000_000,
    "tasks": 5_000_000,
    "events": 20_000_000,
    "memory_bytes": 4 * 2**30,  # the whole run: one replication's peak and what is kept
}
BYTES_PER_TASK_RUNNING = 750  # a replication's records and SimPy objects, per task
BYTES_PER_CASEWORKER_DAY = 100
BYTES_PER_TASK_KEPT = 100  # tasks.parquet's table in memory, per task and replication
BYTES_PER_WEEKLY_VALUE = 40  # the weekly series (about 40 of them) per replication
WEEKLY_SERIES = 40
EVENTS_PER_TASK = 2.0  # created, started, finished; measured about 2.15 with the rest
EVENTS_PER_CASEWORKER_DAY = 1.0  # the working day, absences, the stress index


class LimitError(ScenarioError):
    """A run larger than the limits; the message names each cause and its estimate."""


@dataclass
class Estimate:
    """What a run of a scenario will hold (upper bounds of the expected sizes)."""

    horizon_years: float
    cases: float  # per replication: refugees placed, reunified spouses, Danish spouses
    caseworkers: int  # the most at any time
    caseworker_days: float
    tasks: float  # per replication
    events: float  # per replication
    replications: int
    memory_bytes: float  # the whole run
    tasks_by_type: dict[str, float] = field(default_factory=dict)  # per replication
    open_at_start: float = 0.0  # of `cases`: open at the start, with pending families

    def exceeded(self, limits: dict[str, float] | None = None) -> list[str]:
        """One line per limit this estimate passes, naming the cause."""
        limit = LIMITS if limits is None else limits
        checks = [  # (passed, what to say); events and memory only where nothing else is
            (
                self.horizon_years > limit["horizon_years"],
                f"simulation.duration_years: a horizon of {self.horizon_years:g} years "
                f"(limit {limit['horizon_years']:g})",
            ),
            (
                self.caseworkers > limit["caseworkers"],
                f"caseworkers.staffing: {self.caseworkers:,} caseworkers "
                f"(limit {limit['caseworkers']:,})",
            ),
            (
                self.open_at_start > limit["cases"],
                f"initial_state: {_n(self.open_at_start)} cases open at the start, with the "
                f"families pending (limit {_n(limit['cases'])})",
            ),
            (
                self.cases > limit["cases"] and self.open_at_start <= limit["cases"],
                f"arrivals: about {_n(self.cases)} cases per replication "
                f"(limit {_n(limit['cases'])})",
            ),
            (
                self.tasks > limit["tasks"],
                f"tasks: about {_n(self.tasks)} tasks per replication (limit "
                f"{_n(limit['tasks'])}), most of them {self._largest()}",
            ),
        ]
        lines = [text for passed, text in checks if passed]
        if not lines and self.events > limit["events"]:
            lines.append(
                f"about {_n(self.events)} events per replication (limit {_n(limit['events'])})"
                f": {_n(self.tasks)} tasks, {_n(self.caseworker_days)} caseworker-days"
            )
        if not lines and self.memory_bytes > limit["memory_bytes"]:
            lines.append(
                f"about {_bytes(self.memory_bytes)} of memory for {self.replications:,} "
                f"replications of {_n(self.tasks)} tasks (limit "
                f"{_bytes(limit['memory_bytes'])}); fewer replications fit"
            )
        return lines

    def _largest(self) -> str:
        name, count = max(self.tasks_by_type.items(), key=lambda item: item[1])
        return f"tasks.{name} (about {_n(count)})"

    def text(self) -> str:
        """The estimate in one line, for `validate` and the messages."""
        return (
            f"about {_n(self.cases)} cases, {_n(self.tasks)} tasks and {_n(self.events)} events "
            f"per replication over {self.horizon_years:g} years, {self.caseworkers:,} "
            f"caseworkers at most; {self.replications:,} replication"
            f"{'s' if self.replications != 1 else ''} need about "
            f"{_bytes(self.memory_bytes)} of memory"
        )


def estimate(scenario: Scenario, replications: int | None = None) -> Estimate:
    """The size of a run of `scenario` with `replications` (default: the scenario's)."""
    sim = scenario.simulation
    reps = replications or sim.replications
    horizon = sim.duration_days
    refugees = _placed(scenario.arrivals, scenario)
    cases = refugees + _reunified_spouses(scenario, refugees)
    if scenario.arrivals.danish_spouses is not None:
        cases += _placed(scenario.arrivals.danish_spouses, scenario)
    open_at_start = _open_at_start(scenario)
    cases += open_at_start
    open_days = min(scenario.exit.period_years * DAYS_PER_YEAR, horizon)
    by_type = {
        name: cases * _per_case(task, open_days) for name, task in scenario.enabled_tasks.items()
    }
    tasks = sum(by_type.values())
    staffing = scenario.caseworkers.staffing  # a change after the run's last day is none
    workers = max(c.caseworkers for c in staffing if c is staffing[0] or c.date <= sim.last_day)
    worker_days = workers * horizon
    events = EVENTS_PER_TASK * tasks + EVENTS_PER_CASEWORKER_DAY * worker_days + cases
    running = BYTES_PER_TASK_RUNNING * tasks + BYTES_PER_CASEWORKER_DAY * worker_days
    weekly = horizon / 7 * WEEKLY_SERIES * BYTES_PER_WEEKLY_VALUE
    memory = running + reps * (BYTES_PER_TASK_KEPT * tasks + weekly)
    return Estimate(
        horizon_years=sim.duration_years,
        cases=cases,
        caseworkers=workers,
        caseworker_days=worker_days,
        tasks=tasks,
        events=events,
        replications=reps,
        memory_bytes=memory,
        tasks_by_type=by_type,
        open_at_start=open_at_start,
    )


def check(scenario: Scenario, replications: int | None = None, source: str = "") -> Estimate:
    """The estimate of a run, or a `LimitError` naming every limit it passes."""
    size = estimate(scenario, replications)
    exceeded = size.exceeded()
    if exceeded:
        where = f"{source}: " if source else ""
        raise LimitError(
            f"{where}the run would be too large for the limits of this tool:\n  "
            + "\n  ".join(exceeded)
            + f"\n  (estimate: {size.text()})\n"
            "Check the scenario for a misplaced digit; to run it anyway, add --no-limits"
        )
    return size


MAX_RUNS = 1_000_000  # replications in one command: a million baseline runs is days of work


def work_ratio(scenario: Scenario) -> float:
    """The hours of work a run of `scenario` holds over the casework hours its caseworkers
    have, from the scenario alone: `estimate`'s task counts, each task type at its mean
    duration, over the most caseworkers at work on every working day. An upper bound of
    the offered load, as the estimate is (every task for every case, each open the whole
    period): it reads about twice the baseline's measured utilisation, so compare it
    with another scenario's, not with 1."""
    size = estimate(scenario, 1)
    tasks = scenario.enabled_tasks
    hours = sum(n * tasks[name].duration_hours.mean() for name, n in size.tasks_by_type.items())
    available = size.caseworker_days * 5 / 7 * scenario.caseworkers.casework_hours_per_day
    return hours / available if available > 0 else float("inf")


def check_runs(
    runs: int,
    source: str,
    limit: int = MAX_RUNS,
    asks: str = "the design asks for",
    escape: str = "Check the spec for a misplaced digit; to run it anyway, add --no-limits",
) -> None:
    """Refuse a batch of more than `limit` runs (a sweep's design times replications, a
    plan's fresh replications, a calibration's points), before any starts."""
    if runs > limit:
        raise LimitError(f"{source}: {asks} {runs:,} runs, above the limit of {limit:,}. {escape}")


def _placed(schedule: Schedule, scenario: Scenario) -> float:
    sim = scenario.simulation
    return sum(monthly_expected(schedule, sim.start_date, sim.duration_days))


def _open_at_start(scenario: Scenario) -> float:
    """The cases open at the start (`initial_state`) and the family members of the
    reunification applications pending then (a spouse and the children, at most)."""
    state = scenario.initial_state
    if state is None:
        return 0.0
    family = scenario.reunification
    members = 1.0 + (family.children_mean if family is not None else 0.0)
    pending = sum(p.applications for p in state.pending_reunifications)
    return float(sum(entry.cases for entry in state.open_cases)) + pending * members


def _reunified_spouses(scenario: Scenario, refugees: float) -> float:
    """Spouses reunified to the refugees placed: the adults among the family members."""
    family = scenario.reunification
    if family is None:
        return 0.0
    households = scenario.households
    mean_adults = sum(h.share * h.adults for h in households.values())
    applying = sum(households[kind].share * share for kind, share in family.apply_share.items())
    return refugees / mean_adults * applying * family.spouse_share


def _per_case(task: Task, open_days: float) -> float:
    """How often a task type falls due for one case open `open_days` (repeats included)."""
    trigger = task.trigger
    if isinstance(trigger, Every):
        first = trigger.days if trigger.start_days is None else trigger.start_days
        until = open_days if trigger.until_days is None else min(trigger.until_days, open_days)
        count = max(0.0, (until - first) / trigger.days + 1)
    elif isinstance(trigger, AtRate):
        count = trigger.per_year * open_days / DAYS_PER_YEAR
    else:
        count = 1.0
    repeat = task.repeat
    return count / (1 - repeat.probability) if repeat is not None else count


def _n(value: float) -> str:
    """A count for people: 18,109 or 1.2e+09."""
    return f"{value:,.0f}" if value < 1e7 else f"{value:.2g}"


def _bytes(value: float) -> str:
    """Memory for people: 58 MB, 1.0 GB or 3.4e+06 GB."""
    if value < 2**30:
        return f"{value / 2**20:,.0f} MB"
    return f"{value / 2**30:,.1f} GB" if value < 1e4 * 2**30 else f"{value / 2**30:.2g} GB"
