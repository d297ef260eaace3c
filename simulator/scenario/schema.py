"""Scenarios: immutable, validated descriptions of a municipality and its policies.

A scenario is loaded from a TOML file, may ``extends = "other.toml"`` and change
only what differs, may be overridden from the command line with
``--set key.path=value``, and is validated as a whole before anything runs.
Unknown keys are errors, so a typo fails loudly. Every problem is reported with
the file, the key path and what is allowed (`ScenarioError`).

The scenario holds data only; the SimPy objects of a run live in
`simulator.engine.model`, never here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from typing import Annotated, Any, ClassVar, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.scenario import bounds
from simulator.scenario.distributions import Distribution, Fixed, Lognormal

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Count = Annotated[int, Field(ge=0)]

# Who a case is: a refugee placed by the municipality, a family member reunified to a
# refugee, or a spouse reunified to a Danish citizen (arrives by its own schedule).
PERSON_KINDS = ("refugee", "reunified", "danish_spouse")
PersonKind = Literal["refugee", "reunified", "danish_spouse"]
# a task's people unless it says otherwise
DEFAULT_APPLIES_TO: tuple[PersonKind, ...] = ("refugee", "reunified")
STATUSES = ("convention", "temporary")  # a refugee's residence status
DAYS_PER_YEAR = 365.25


def years_to_days(start: dt.date, years: float) -> float:
    """Days from `start` to `years` later: whole years by the calendar, the rest at 365.25."""
    whole = int(years)
    try:
        later = start.replace(year=start.year + whole)
    except ValueError:  # 29 February in a year that has none
        later = start.replace(year=start.year + whole, day=28)
    return (later - start).days + (years - whole) * DAYS_PER_YEAR


class Strict(BaseModel):
    """A table of a file this tool reads: frozen, unknown keys and inf/nan are errors."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )


# --------------------------------------------------------------------------- simulation


class Simulation(Strict):
    """The simulated period, the warm-up excluded from statistics, and the seed."""

    start_date: dt.date
    duration_years: Positive = 3.0
    warmup_years: NonNegative = 0.0
    seed: int = Field(default=1, ge=0)
    replications: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _warmup_inside(self) -> Simulation:
        if self.warmup_years >= self.duration_years:
            raise ValueError("warmup_years must be shorter than duration_years")
        return self

    _seed_fits = field_validator("seed")(bounds.check_seed)  # stored as int64

    @property
    def duration_days(self) -> float:
        return years_to_days(self.start_date, self.duration_years)

    @property
    def warmup_days(self) -> float:
        return years_to_days(self.start_date, self.warmup_years)

    @property
    def warmup_end(self) -> dt.date | None:
        """The date statistics start from; None without a warm-up."""
        if self.warmup_years == 0:
            return None
        return self.start_date + dt.timedelta(days=int(self.warmup_days))


class Calendar(Strict):
    """When casework can happen."""

    mode: Literal["working_hours", "continuous"] = "working_hours"
    workday_start_hour: Annotated[float, Field(ge=0, lt=24)] = 8.0
    public_holidays: bool = True
    closed_month_days: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _month_days(self) -> Calendar:
        for md in self.closed_month_days:
            try:
                dt.date(2000, int(md[:2]), int(md[3:]))
                assert len(md) == 5 and md[2] == "-"
            except (ValueError, AssertionError):
                raise ValueError(f"closed_month_days entries are 'MM-DD', got {md!r}") from None
        return self


class StaffChange(Strict):
    """From `date` on, the municipality has `caseworkers` caseworkers."""

    date: dt.date
    caseworkers: Annotated[int, Field(ge=1)]


class Caseworkers(Strict):
    """The caseworkers: how many over time, their hours, how cases reach them."""

    staffing: list[StaffChange] = Field(min_length=1)
    weekly_hours: Annotated[float, Field(gt=0, le=80)] = 37.0
    casework_share: Annotated[float, Field(gt=0, le=1)] = 0.7
    assignment: Literal["fixed", "pool"] = "fixed"
    queue_order: Literal["priority", "fifo"] = "priority"
    rebalance_on_staff_change: bool = True
    caseload_cap: Annotated[int, Field(ge=1)] | None = None
    absence_cover: Literal["wait", "pool"] = "wait"

    @model_validator(mode="after")
    def _sorted(self) -> Caseworkers:
        dates = [c.date for c in self.staffing]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("staffing dates must be strictly increasing")
        if self.caseload_cap is not None and self.assignment != "fixed":
            raise ValueError("caseload_cap needs assignment = 'fixed' (a pool has no caseloads)")
        return self

    @property
    def casework_hours_per_day(self) -> float:
        """Hours of casework one caseworker does on a working day."""
        return self.weekly_hours * self.casework_share / 5


# --------------------------------------------------------------------------- the workforce


class Interpreting(Strict):
    """Interpreters (tolke): a limited pool that interpreted meetings must book.

    `interpreters` is how many meetings can be interpreted in person at once, in the
    casework hours; leave it out for an unlimited pool. `phone` decides when a meeting
    is interpreted by telephone instead: never, always, or when no interpreter is free
    (which trades waiting for a longer meeting).
    """

    interpreters: Annotated[int, Field(ge=0)] | None = None
    in_person_multiplier: Annotated[float, Field(ge=1)] = 1.16
    phone_multiplier: Annotated[float, Field(ge=1)] = 1.30
    phone: Literal["never", "always", "when_busy"] = "never"


class Vacation(Strict):
    """Holidays (ferie): the Danish pattern, most of it in July, some at Christmas."""

    weeks_per_year: Annotated[float, Field(ge=0, le=10)] = 6.0
    summer_weeks: Annotated[int, Field(ge=0, le=6)] = 3
    christmas: bool = True

    @model_validator(mode="after")
    def _fits(self) -> Vacation:
        if self.summer_weeks + (1 if self.christmas else 0) > self.weeks_per_year:
            raise ValueError("summer_weeks (+1 for christmas) must not exceed weeks_per_year")
        return self


class SickLeave(Strict):
    """Sick leave (sygefravær): spells start at a base rate that rises with stress."""

    days_per_year: NonNegative = 12.0
    spell_days: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", mean=3.0, sd=4.0)
    )
    stress_sensitivity: NonNegative = 1.0


class Stress(Strict):
    """The stress index: weeks of work waiting in a caseworker's queue, over four weeks.

    Each working day a caseworker's index is the hours of work waiting for them over the
    casework hours of one week of theirs, averaged over the last `window_days` (a rolling
    four weeks). Above `threshold` the caseworker counts as under sustained stress. The
    excess over the threshold, ``index / threshold - 1``, raises sick leave and
    resignations; it counts up to `excess_cap` (by default, an index of three times the
    threshold), so hazards stay finite however long the queue grows.
    """

    window_days: Annotated[int, Field(ge=1)] = 28
    threshold: Positive = 2.0
    excess_cap: NonNegative = 2.0


class HiringFreeze(Strict):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> HiringFreeze:
        if self.end <= self.start:
            raise ValueError("a hiring freeze must end after it starts")
        return self


class Turnover(Strict):
    """Resignations, recruitment and learning (personaleomsætning)."""

    resignations_per_year: NonNegative = 0.20
    stress_sensitivity: NonNegative = 1.0
    notice_days: NonNegative = 30.0
    recruitment_days: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", mean=90.0, sd=30.0)
    )
    learning_days: NonNegative = 90.0
    start_productivity: Annotated[float, Field(gt=0, le=1)] = 0.5
    hiring_freezes: list[HiringFreeze] = Field(default_factory=list)


class Absence(Strict):
    """Caseworkers away: vacation and sick leave."""

    vacation: Vacation | None = Field(default_factory=Vacation)
    sick_leave: SickLeave | None = Field(default_factory=SickLeave)


class Triage(Strict):
    """Under pressure, optional ("kan") tasks are deferred or dropped.

    Pressure is a caseworker's stress index (`measure = "stress"`) or the weeks of work
    waiting for them right now (`"backlog"`). Above `above`, an optional task they come
    to is dropped (`action = "drop"`) or set aside until the pressure falls below it
    again (`"defer"`); a task set aside longer than `drop_after_days` is dropped.
    """

    measure: Literal["backlog", "stress"] = "backlog"
    above: Positive = 2.0
    action: Literal["drop", "defer"] = "drop"
    drop_after_days: Positive | None = None


class Overtime(Strict):
    """Overtime (overarbejde): extra casework hours on days a caseworker's backlog is high."""

    hours_per_week: Annotated[float, Field(gt=0, le=20)] = 5.0
    above: Positive = 2.0


# --------------------------------------------------------------------------- arrivals


class YearQuota(Strict):
    year: int = Field(ge=1900, le=2200)
    refugees: NonNegative


class Schedule(Strict):
    """People arriving per month, each a case.

    Give exactly one of: `per_month` (constant), `monthly` (one count per month
    from the start month on), or `yearly` quotas spread by `monthly_profile`.
    """

    WHO: ClassVar[str] = "people"
    process: Literal["exact", "poisson"] = "exact"
    per_month: NonNegative | None = None
    monthly: list[NonNegative] | None = None
    yearly: list[YearQuota] | None = None
    monthly_profile: list[NonNegative] | None = None
    until: dt.date | None = None

    @model_validator(mode="after")
    def _one_schedule(self) -> Schedule:
        given = [k for k in ("per_month", "monthly", "yearly") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one arrival schedule: per_month, monthly or yearly"
                + (f" (got {', '.join(given)})" if given else " (got none)")
            )
        if self.monthly is not None and not self.monthly:
            raise ValueError("the arrival schedule 'monthly' is empty")
        if self.yearly is not None:
            if not self.yearly:
                raise ValueError("the arrival schedule 'yearly' is empty")
            years = [q.year for q in self.yearly]
            if len(set(years)) != len(years):
                raise ValueError("each year may appear only once in 'yearly'")
        if self.monthly_profile is not None:
            if self.yearly is None:
                raise ValueError("monthly_profile applies only with 'yearly' quotas")
            if len(self.monthly_profile) != 12 or sum(self.monthly_profile) <= 0:
                raise ValueError("monthly_profile needs 12 non-negative weights, not all zero")
        counts = self.monthly or ([q.refugees for q in self.yearly] if self.yearly else [])
        if self.per_month is not None:
            counts = [self.per_month]
        if sum(counts) <= 0:
            raise ValueError(f"the arrival schedule places no {self.WHO}")
        exact, monthly = self.process == "exact", self.monthly or []
        if exact and any(c != int(c) for c in monthly):
            raise ValueError("with process = 'exact', monthly counts must be whole numbers")
        return self


class Arrivals(Schedule):
    """Refugees (adults, each a case) placed in the municipality per month, and
    optionally spouses of Danish citizens (`danish_spouses`, a schedule of its own)."""

    WHO: ClassVar[str] = "refugees"
    danish_spouses: Schedule | None = None


class HouseholdType(Strict):
    """A kind of household placed together; each adult is a case."""

    share: Probability
    adults: Annotated[int, Field(ge=1, le=2)]
    children_min: Count = 0
    children_max: Count = 0

    @model_validator(mode="after")
    def _children(self) -> HouseholdType:
        if self.children_max < self.children_min:
            raise ValueError("children_max must be >= children_min")
        return self


# Keys of the first version's [reunification], and what replaced them (issue 4).
RENAMED_REUNIFICATION = {
    "apply_after_days": "use waiting_years = { convention = ..., temporary = ... }",
    "delay_days": "use processing_days (Immigration Service) and travel_days (permit to arrival)",
}


class Reunification(Strict):
    """Family reunification (familiesammenføring): who applies, when, and who comes.

    The principal of a household may apply `waiting_years[status]` after placement
    (the 2015 and 2016 laws made refugees with temporary protection wait 1, then 3
    years); with `waiting_from`, only those placed from that date on wait (the law's
    date). The application-help task (trigger `reunification_application`) falls due
    then and the application is sent when it is done; without help (task disabled,
    dropped or lapsed) the applicant sends it `unaided_delay_days` later. The
    Immigration Service decides after `processing_days`; the family arrives
    `travel_days` after the permit.
    """

    apply_share: dict[str, Probability] = Field(default_factory=dict)
    waiting_years: dict[str, NonNegative] = Field(default_factory=dict)
    waiting_from: dt.date | None = None
    unaided_delay_days: NonNegative = 0.0
    processing_days: Distribution
    travel_days: Distribution = Fixed(dist="fixed", value=0.0)
    spouse_share: Probability = 0.45
    children_mean: NonNegative = 0.95

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for old, new in RENAMED_REUNIFICATION.items():
                if old in data:
                    raise ValueError(f"{old} was replaced: {new}")
        return data

    @model_validator(mode="after")
    def _statuses(self) -> Reunification:
        for status in self.waiting_years:
            if status not in STATUSES:
                raise ValueError(f"waiting_years: unknown status {status!r}; use {STATUSES}")
        return self

    def waiting_days(self, status: str) -> float:
        """Days from placement until a refugee of this status may apply."""
        return self.waiting_years.get(status, 0.0) * DAYS_PER_YEAR


class CaseMix(Strict):
    """Who the people are, drawn when each case opens (each attribute from its own stream).

    `status_share`: residence status of refugees (convention status or temporary
    protection; it sets the reunification waiting rule). `interpreter_share`: share who
    need an interpreter. `trauma_share` per person kind: traumatised people's meetings
    take `meeting_multiplier_traumatised` times longer, tasks that require
    "traumatised" fall due for them, and they wait `treatment_wait_days` for treatment,
    during which employment work pauses and self-support is impossible; after it their
    self-support hazard is `self_support_multiplier_traumatised` times the usual.
    """

    status_share: dict[str, Probability] = Field(default_factory=lambda: {"convention": 1.0})
    interpreter_share: Probability = 0.0
    trauma_share: dict[str, Probability] = Field(default_factory=dict)
    meeting_multiplier_traumatised: Positive = 1.0
    treatment_wait_days: Distribution | None = None
    self_support_multiplier_traumatised: NonNegative = 1.0

    @model_validator(mode="after")
    def _shares(self) -> CaseMix:
        for status in self.status_share:
            if status not in STATUSES:
                raise ValueError(f"status_share: unknown status {status!r}; use {STATUSES}")
        total = sum(self.status_share.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"status_share: shares must sum to 1 (got {total:g})")
        for kind in self.trauma_share:
            if kind not in PERSON_KINDS:
                raise ValueError(f"trauma_share: unknown person kind {kind!r}; use {PERSON_KINDS}")
        return self


class Exit(Strict):
    """When a case closes before the integration period ends.

    `self_support` gives, per person kind, the cumulative share self-supporting
    by the end of year 1, 2, 3 (a piecewise-constant hazard per year).
    `other_per_year` is a constant hazard of leaving for other reasons.
    """

    period_years: Positive = 3.0
    self_support: dict[str, list[Probability]]
    other_per_year: NonNegative = 0.0

    @model_validator(mode="after")
    def _shares(self) -> Exit:
        for kind, shares in self.self_support.items():
            if kind not in PERSON_KINDS:
                raise ValueError(f"self_support: unknown person kind {kind!r}; use {PERSON_KINDS}")
            if not shares or any(b < a for a, b in itertools.pairwise(shares)):
                raise ValueError(f"self_support.{kind}: cumulative shares must not decrease")
            if shares[-1] >= 1:
                raise ValueError(f"self_support.{kind}: shares must stay below 1")
        return self


# --------------------------------------------------------------------------- tasks


class OnArrival(Strict):
    on: Literal["arrival"]


class After(Strict):
    on: Literal["after"]
    days: NonNegative


class Every(Strict):
    on: Literal["every"]
    days: Positive
    start_days: NonNegative | None = None
    until_days: NonNegative | None = None


class AtRate(Strict):
    on: Literal["rate"]
    per_year: Positive


class OnReunificationApplication(Strict):
    on: Literal["reunification_application"]


class OnReunification(Strict):
    on: Literal["reunification"]


class OnChildren(Strict):
    """Children join the household: at placement, or when reunified children arrive
    (once per household, on the principal's case)."""

    on: Literal["children"]


class OnClosure(Strict):
    on: Literal["closure"]


Trigger = Annotated[
    OnArrival
    | After
    | Every
    | AtRate
    | OnReunificationApplication
    | OnReunification
    | OnChildren
    | OnClosure,
    Field(discriminator="on"),
]
AGENDA_TRIGGERS = ("arrival", "after", "every", "rate")  # laid out when the case opens


class Repeat(Strict):
    """With `probability` a finished task is needed again after an external delay
    (an application returned incomplete, documents missing, a referral bounced)."""

    probability: Annotated[float, Field(ge=0, lt=1)]
    delay_days: Distribution


class Task(Strict):
    """One kind of task in the catalogue."""

    danish: str = ""
    statutory: bool
    trigger: Trigger
    deadline_days: NonNegative | None = None
    duration_hours: Distribution
    meeting: bool = False
    applies_to: list[PersonKind] = Field(default_factory=lambda: list(DEFAULT_APPLIES_TO))
    requires: list[Literal["traumatised", "children"]] = Field(default_factory=list)
    employment: bool = False
    repeat: Repeat | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _statutory_deadline(self) -> Task:
        if self.statutory and self.deadline_days is None:
            raise ValueError("a statutory ('skal') task needs deadline_days")
        if self.employment and self.trigger.on not in AGENDA_TRIGGERS:
            raise ValueError(
                "employment work must fall due by the case's own agenda (trigger "
                f"{', '.join(AGENDA_TRIGGERS)}), not on {self.trigger.on!r}"
            )
        return self


# --------------------------------------------------------------------------- external services


class ExternalService(Strict):
    """A service outside the municipality with limited capacity: after `after_task` is done
    the person queues (first come, first served) for one of `capacity_per_week` slots; it
    should happen within `limit_days` of the case's opening."""

    after_task: str
    capacity_per_week: Positive
    limit_days: Positive


class External(Strict):
    """External services the caseworkers refer people to."""

    health_examination: ExternalService | None = None


# --------------------------------------------------------------------------- scenario


class Scenario(Strict):
    """A whole scenario. Build one with `load_scenario`."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    simulation: Simulation
    calendar: Calendar = Calendar()
    caseworkers: Caseworkers
    arrivals: Arrivals
    households: dict[str, HouseholdType] = Field(min_length=1)
    reunification: Reunification | None = None
    case_mix: CaseMix | None = None
    exit: Exit
    tasks: dict[str, Task] = Field(min_length=1)
    external: External = External()
    interpreting: Interpreting | None = None
    absence: Absence | None = None
    stress: Stress = Stress()
    turnover: Turnover | None = None
    triage: Triage | None = None
    overtime: Overtime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        total = sum(h.share for h in self.households.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"households: shares must sum to 1 (got {total:g})")
        if self.reunification is not None:
            for kind in self.reunification.apply_share:
                if kind not in self.households:
                    raise ValueError(
                        f"reunification.apply_share: unknown household type {kind!r}; "
                        f"known: {sorted(self.households)}"
                    )
        for name, service in self.external:
            if service is not None and service.after_task not in self.tasks:
                raise ValueError(
                    f"external.{name}.after_task: unknown task {service.after_task!r}; "
                    f"known: {sorted(self.tasks)}"
                )
        if not any(t.enabled for t in self.tasks.values()):
            raise ValueError("tasks: at least one task must be enabled")
        if self.caseworkers.staffing[0].date > self.simulation.start_date:
            raise ValueError(
                "caseworkers.staffing: the first entry must start on or before "
                "simulation.start_date"
            )
        return self

    _name_is_a_folder = field_validator("name")(bounds.check_name)  # results/<name>/

    @model_validator(mode="after")
    def _dates_fit_tables(self) -> Scenario:
        deadlines = {name: t.deadline_days or 0.0 for name, t in self.tasks.items()}
        sim = self.simulation
        bounds.check_run_dates(sim.start_date, sim.duration_years, deadlines, years_to_days)
        return self

    @property
    def enabled_tasks(self) -> dict[str, Task]:
        return {name: t for name, t in self.tasks.items() if t.enabled}

    def to_dict(self) -> dict[str, Any]:
        """The full scenario as plain data (dates stay dates), for TOML and hashing."""
        return self.model_dump(mode="python", by_alias=True, exclude_none=True)

    def to_toml(self, header: str = "", **simulation: Any) -> str:
        """The full scenario as TOML (every key resolved), with `simulation` keys replaced."""
        data = self.to_dict()
        data["simulation"].update(simulation)
        return header + tomli_w.dumps(_toml_ready(data))

    def digest(self) -> str:
        """A stable hash of what is modelled: the municipality, its people and policies.

        Labels (name, description) and run settings (seed, replications) are left out,
        so runs of one scenario with other seeds share its hash; results record the seed.
        """
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        data.pop("name"), data.pop("description")
        data["simulation"].pop("seed"), data["simulation"].pop("replications")
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _toml_ready(value: Any) -> Any:
    """TOML has no None or tuples; drop the one and list the other."""
    if isinstance(value, dict):
        return {k: _toml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_toml_ready(v) for v in value]
    return value
