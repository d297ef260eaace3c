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
import difflib
import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulator.scenario import bounds
from simulator.scenario.distributions import Distribution, Fixed, Lognormal
from simulator.scenario.errors import problems
from simulator.scenario.keys import with_value, without


def about(
    description: str,
    *,
    unit: str | None = None,
    source: str | None = None,
    entry: str | None = None,
) -> Any:
    """A key's documentation, as metadata: ``name: Annotated[type, about(...)] = default``.

    `description` says what the key means for a planner; `unit` is the unit of its
    values; `source` where its value (the default, or the baseline's) comes from; `entry`
    names the entries of a table of user-named tables (``tasks.<name>``) or list of tables.
    Documentation only: it changes no default, constraint or error message.
    `simulator.scenario.reference` reads it for the reference page and the app's tooltips.
    """
    extra = {"unit": unit, "source": source, "entry": entry}
    return Field(
        description=description,
        json_schema_extra={k: v for k, v in extra.items() if v is not None} or None,
    )


# The sources defaults cite, by title. scenarios/baseline.toml calls the first five
# "seed 000" to "seed 004" and the public figures "DOMAIN"; docs/domain.md lists them all.
DS_SURVEY = "DS survey of caseloads, spring 2015"
DS_POLL = "DS quick poll of members in integration work, Nov 2014"
KL_ANALYSIS = '"Refugee pressure changes the organisation" (KL analysis), 4 Nov 2015'
ROSKILDE = '"Learn from others\' integration success" (Roskilde)'
DS_RECOMMENDATIONS = "DS recommendations for municipal integration work, 11 Nov 2015"
INTEGRATION_ACT = "Integration Act (integrationsloven), 2013-2016 wording"
ASSUMPTION = "assumption"

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Count = Annotated[int, Field(ge=0)]
# people placed in a month or a year: no country places a billion, and the samplers cannot
# draw counts near float's limit (the size limits, `--no-limits` aside, stop far sooner)
MAX_PEOPLE = 1e9
People = Annotated[float, Field(ge=0, le=MAX_PEOPLE)]

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


def days_to_years(start: dt.date, days: float, *, not_longer: bool = True) -> float:
    """`simulation.duration_years` for a run of `days` days from `start`, as
    `years_to_days` counts them (whole calendar years, then days at 365.25 a year). With
    `not_longer`, the largest number of years that is not longer, so that rounding never
    adds a day to the run's last day; without, as computed (the planner's runs, whose
    ends its shared warm-ups reproduce to the last bit)."""
    whole = 0
    while years_to_days(start, whole + 1) <= days:
        whole += 1
    years = whole + (days - years_to_days(start, whole)) / DAYS_PER_YEAR
    if not_longer:  # a leap year's rest can reach the next whole year: stay below it
        years = min(years, math.nextafter(whole + 1.0, whole))
        while years > whole and years_to_days(start, years) > days:
            years = math.nextafter(years, whole)
    return years


class Strict(BaseModel):
    """A table of a file this tool reads: frozen, unknown keys and inf/nan are errors."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )


# --------------------------------------------------------------------------- simulation


class Simulation(Strict):
    """The simulated period, the warm-up excluded from statistics, and the seed."""

    start_date: Annotated[
        dt.date,
        about(
            "The first day simulated. The municipality starts with no cases, so the first "
            "years are a warm-up (warmup_years)."
        ),
    ]
    duration_years: Annotated[
        Positive,
        about(
            "How long the simulation runs, warm-up included. A warm-up and then one full "
            "three-year integration period shows the steady state.",
            unit="years",
        ),
    ] = 3.0
    warmup_years: Annotated[
        NonNegative,
        about(
            "Years at the start left out of every statistic while the caseload builds up "
            "from empty; shorter than duration_years. Three years (one integration period, "
            "longer than any case stays open) gives a full caseload.",
            unit="years",
        ),
    ] = 0.0
    seed: Annotated[
        int,
        about(
            "Seed of the random numbers, any whole number: the same scenario and seed give "
            "the same results. Changed by caseload run --seed."
        ),
    ] = Field(default=1, ge=0)
    replications: Annotated[
        int,
        about(
            "Independent runs with different random numbers. Every summary figure is their "
            "mean with a 95 % confidence interval (none with one run). Changed by caseload "
            "run --replications.",
            unit="runs",
        ),
    ] = Field(default=1, ge=1)

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
    def last_day(self) -> dt.date:
        """The last day simulated (in part, if the run ends during it)."""
        return self.start_date + dt.timedelta(days=math.ceil(self.duration_days) - 1)

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
    """When casework can happen: working days, and the hour the casework window opens.

    On a working day each caseworker has one casework window of
    ``weekly_hours × casework_share / 5`` hours; a task that does not fit continues in the
    next window.
    """

    mode: Annotated[
        Literal["working_hours", "continuous"],
        about(
            "working_hours: casework on weekdays that are not public holidays or closed "
            "days, in one window a day. continuous: around the clock every day, with no "
            "holidays (to compare the engine with queueing theory).",
            source="Danish public-sector working hours",
        ),
    ] = "working_hours"
    workday_start_hour: Annotated[
        float,
        Field(ge=0, lt=24),
        about(
            "Hour of the day the casework window opens (8.0 is 08:00).",
            unit="hour of the day",
            source=ASSUMPTION,
        ),
    ] = 8.0
    public_holidays: Annotated[
        bool,
        about(
            "Danish public holidays (helligdage) are days off: New Year's Day, Maundy "
            "Thursday to Easter Monday, Great Prayer Day (until 2023), Ascension Day, Whit "
            "Sunday and Monday, 25 and 26 December.",
            source="Danish public holidays",
        ),
    ] = True
    closed_month_days: Annotated[
        list[str],
        about(
            "Further days off every year, each written 'MM-DD'. The baseline closes on "
            "Constitution Day (Grundlovsdag, 06-05), Christmas Eve and New Year's Eve.",
            source=ASSUMPTION,
        ),
    ] = Field(default_factory=list)

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

    date: Annotated[dt.date, about("The day from which this number of caseworkers works.")]
    caseworkers: Annotated[
        int,
        Field(ge=1),
        about(
            "Caseworkers (sagsbehandlere) doing integration casework from this date: "
            "full-time positions, filled or vacant.",
            unit="caseworkers",
            source=f'{DS_POLL}: "4 caseworkers" (the baseline)',
        ),
    ]


class Caseworkers(Strict):
    """The caseworkers: how many over time, their hours, how cases reach them."""

    staffing: Annotated[
        list[StaffChange],
        about(
            "How many caseworkers there are, from each date on: a list of { date, "
            "caseworkers }, dates strictly increasing, the first on or before "
            "simulation.start_date. An entry adds or removes caseworkers on its date.",
            entry="i",
        ),
    ] = Field(min_length=1)
    weekly_hours: Annotated[
        float,
        Field(gt=0, le=80),
        about(
            "A caseworker's working week.",
            unit="hours a week",
            source="Danish full-time week",
        ),
    ] = 37.0
    casework_share: Annotated[
        float,
        Field(gt=0, le=1),
        about(
            "Share of working time available for casework; the rest goes to meetings, "
            "training and administration not tied to a case.",
            unit="share of working time",
            source="time studies: 60-76 % of working time is case-related (US child-welfare "
            "studies; Colorado 2014: 68 %; docs/domain.md 6.6)",
        ),
    ] = 0.7
    task_time_scale: Annotated[
        float,
        Field(gt=0),
        about(
            "Every task takes this many times the duration its catalogue entry draws: the "
            "catalogue's assumed task times scaled as a whole. The baseline's value is "
            "fitted (docs/calibration.md); 1 takes the catalogue as written.",
            unit="times the duration",
            source="fitted: no source gives task times (docs/calibration.md, P1)",
        ),
    ] = 1.0
    assignment: Annotated[
        Literal["fixed", "pool"],
        about(
            "fixed: every case has one caseworker, the least loaded when the case opens, "
            "who does all its tasks. pool: one shared queue; any free caseworker takes the "
            "first task."
        ),
    ] = "fixed"
    queue_order: Annotated[
        Literal["priority", "fifo"],
        about(
            "priority: statutory tasks (skal-opgaver) before optional ones (kan-opgaver), "
            "then the earliest deadline. fifo: in the order the tasks fell due.",
            source=f"{KL_ANALYSIS}: eight in ten municipalities prioritised harder between "
            "must and can",
        ),
    ] = "priority"
    rebalance_on_staff_change: Annotated[
        bool,
        about(
            "With fixed assignment, cases are shared out again when caseworkers come or go "
            "(newest cases move first) so loads differ by at most one; otherwise only new "
            "cases reach a newcomer.",
            source=ASSUMPTION,
        ),
    ] = True
    caseload_cap: Annotated[
        Annotated[int, Field(ge=1)] | None,
        about(
            "Most cases a caseworker may hold (fixed assignment only). A new case that finds "
            "every caseworker at the cap waits for one, first come first served, its tasks "
            "held until then. Leave out for no cap.",
            unit="cases per caseworker",
            source=f"{ROSKILDE}: at most 60 cases each",
        ),
    ] = None
    absence_cover: Annotated[
        Literal["wait", "pool"],
        about(
            "With fixed assignment, an absent caseworker's tasks wait for their return "
            "(wait), or colleagues with nothing of their own to do take the most urgent "
            "(pool)."
        ),
    ] = "wait"

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
    """Interpreters (tolke): how meetings with people who need one are interpreted.

    Every meeting with a person who needs an interpreter (`case_mix.interpreter_share`)
    is interpreted and takes longer, in person or by telephone. `interpreters` is how
    many meetings can be interpreted in person at once, in the casework hours; leave it
    out for an unlimited pool. `phone` decides when a meeting is interpreted by
    telephone instead: never, always, or when no interpreter is free (which trades
    waiting for a longer meeting). A scenario without this table interprets in person
    with an unlimited pool at the default multipliers.
    """

    interpreters: Annotated[
        Annotated[int, Field(ge=0)] | None,
        about(
            "Interpreters (tolke) who can be booked at the same time, in the casework "
            "hours. An interpreted meeting in person waits until its caseworker and an "
            "interpreter are both free. Leave out for as many as needed.",
            unit="interpreters",
        ),
    ] = None
    in_person_multiplier: Annotated[
        float,
        Field(ge=1),
        about(
            "An interpreted meeting in person takes this many times its usual duration.",
            unit="times the duration",
            source="Fagan et al., J Gen Intern Med 2003: interpreted visits 16 % longer",
        ),
    ] = 1.16
    phone_multiplier: Annotated[
        float,
        Field(ge=1),
        about(
            "A meeting interpreted by telephone takes this many times its usual duration.",
            unit="times the duration",
            source="Fagan et al., J Gen Intern Med 2003: by telephone 30 % longer",
        ),
    ] = 1.30
    phone: Annotated[
        Literal["never", "always", "when_busy"],
        about(
            "When a meeting is interpreted by telephone instead of in person: never, "
            "always, or when_busy (when no interpreter is free: no wait, a longer meeting)."
        ),
    ] = "never"


class Vacation(Strict):
    """Holidays (ferie): the Danish pattern, most of it in July, some at Christmas."""

    weeks_per_year: Annotated[
        float,
        Field(ge=0, le=10),
        about(
            "Weeks of vacation a caseworker takes a year: summer_weeks in summer, the "
            "Christmas week if christmas, the rest single weeks on random Mondays.",
            unit="weeks a year",
            source="Danish Holiday Act (ferieloven): 5 weeks, and the 6th holiday week "
            "(feriefridage) of most public-sector agreements",
        ),
    ] = 6.0
    summer_weeks: Annotated[
        int,
        Field(ge=0, le=6),
        about(
            "Consecutive weeks of the main summer holiday (hovedferie), starting on a Monday "
            "between 23 June and 21 July.",
            unit="weeks",
            source="the three-week main holiday (hovedferie), in practice in July",
        ),
    ] = 3
    christmas: Annotated[
        bool,
        about(
            "Off from 27 to 31 December, one of the weeks_per_year.",
            source="assumption: the days between Christmas and New Year",
        ),
    ] = True
    max_share_away: Annotated[
        float,
        Field(gt=0, le=1),
        about(
            "Staggering: at most this share of the team (the caseworkers employed when a "
            "year's vacations are planned, rounded down, at least one) is on vacation on "
            "any working day. A block of vacation that would break the rule moves to the "
            "nearest week that keeps it with as many working days (the summer weeks within "
            "1 May to 30 September), so nobody loses vacation. 1 for no rule.",
            unit="share of the team",
            source="assumption: at least half the team at work; the Danish Holiday Act "
            "(ferieloven) lets the employer set when holidays are taken, the three-week "
            "main holiday between 1 May and 30 September",
        ),
    ] = 0.5

    @model_validator(mode="after")
    def _fits(self) -> Vacation:
        if self.summer_weeks + (1 if self.christmas else 0) > self.weeks_per_year:
            raise ValueError("summer_weeks (+1 for christmas) must not exceed weeks_per_year")
        return self


class SickLeave(Strict):
    """Sick leave (sygefravær): spells start at a base rate that rises with stress."""

    days_per_year: Annotated[
        NonNegative,
        about(
            "Sick days per caseworker a year without stress: spells start at the rate that "
            "gives this many. 0 for no sick leave.",
            unit="working days a year",
            source="DS, from KRL statistics: municipal social workers 9.8-14 sick days a "
            "year (2019-2022); Statistics Denmark: all municipal staff 13.0 in 2015",
        ),
    ] = 12.0
    spell_days: Annotated[
        Distribution,
        about(
            "Length of one spell of sick leave (drawn, rounded up to whole days).",
            unit="working days",
            source="assumption: many short spells, a few long ones",
        ),
    ] = Field(default_factory=lambda: Lognormal(dist="lognormal", mean=3.0, sd=4.0))
    stress_sensitivity: Annotated[
        NonNegative,
        about(
            "How much stress raises sick leave: the daily chance that a spell starts is "
            "multiplied by 1 + stress_sensitivity × excess, where the excess over the stress "
            "threshold is 0 at the threshold and 1 at twice it ([stress]).",
            source="assumption: at twice the stress threshold, sick leave starts twice as "
            "often (DS: about a third of sick days come from the psychosocial work "
            "environment)",
        ),
    ] = 1.0


class Stress(Strict):
    """The stress index: weeks of work waiting in a caseworker's queue, over four weeks.

    Each working day a caseworker's index is the hours of work waiting for them over the
    casework hours of one week of theirs, averaged over the last `window_days` (a rolling
    four weeks). Above `threshold` the caseworker counts as under sustained stress. The
    excess over the threshold, ``index / threshold - 1``, raises sick leave and
    resignations; it counts up to `excess_cap` (by default, an index of three times the
    threshold), so hazards stay finite however long the queue grows.
    """

    window_days: Annotated[
        int,
        Field(ge=1),
        about(
            "The stress index is the mean of the daily load over this many days (a rolling "
            "four weeks).",
            unit="days",
            source=ASSUMPTION,
        ),
    ] = 28
    threshold: Annotated[
        Positive,
        about(
            "Stress index above which a caseworker is under sustained stress, and from "
            "which stress raises sick leave and resignations.",
            unit="weeks of work waiting",
            source="assumption: the baseline's caseworkers carry about two weeks of waiting "
            "work on average",
        ),
    ] = 2.0
    excess_cap: Annotated[
        NonNegative,
        about(
            "Largest excess over the threshold (index / threshold - 1) that counts, so the "
            "hazards of sick leave and resignation stay finite when a queue runs away (2: "
            "an index of three times the threshold).",
            source=ASSUMPTION,
        ),
    ] = 2.0


class HiringFreeze(Strict):
    """A hiring freeze (ansættelsesstop): no recruitment from `start` until `end`."""

    start: Annotated[dt.date, about("The first day of the freeze.")]
    end: Annotated[
        dt.date,
        about(
            "The day the freeze is lifted (after start): recruitment that waited starts on "
            "this day."
        ),
    ]

    @model_validator(mode="after")
    def _ordered(self) -> HiringFreeze:
        if self.end <= self.start:
            raise ValueError("a hiring freeze must end after it starts")
        return self


class Turnover(Strict):
    """Resignations, recruitment and learning (personaleomsætning)."""

    resignations_per_year: Annotated[
        NonNegative,
        about(
            "Resignations per caseworker a year without stress (a daily chance); each "
            "leaver is replaced.",
            unit="a year",
            source="assumption for integration work; about 25 % a year in Danish child and "
            "youth services, 30-34 % in Swedish social services (docs/domain.md 6.5)",
        ),
    ] = 0.20
    stress_sensitivity: Annotated[
        NonNegative,
        about(
            "How much stress raises resignations: the daily chance is multiplied by "
            "1 + stress_sensitivity × excess, as for sick leave.",
            source=f"assumption ({DS_POLL}: caseworkers resigned because of the workload)",
        ),
    ] = 1.0
    notice_days: Annotated[
        NonNegative,
        about(
            "Days from a resignation to the caseworker's last day (the notice period).",
            unit="days",
            source="assumption: one month's notice",
        ),
    ] = 30.0
    recruitment_days: Annotated[
        Distribution,
        about(
            "Time to recruit a replacement, from the resignation (or the end of a hiring "
            "freeze). The newcomer starts when it is over and the leaver has gone.",
            unit="days",
            source="assumption: advertising, interviews and notice at the old job",
        ),
    ] = Field(default_factory=lambda: Lognormal(dist="lognormal", mean=90.0, sd=30.0))
    learning_days: Annotated[
        NonNegative,
        about(
            "Days a new caseworker (a replacement, or one added by the staffing plan after "
            "the start) takes to reach full speed, linearly from start_productivity.",
            unit="days",
            source=ASSUMPTION,
        ),
    ] = 90.0
    start_productivity: Annotated[
        float,
        Field(gt=0, le=1),
        about(
            "A new caseworker's speed on their first day, as a share of full speed: a task "
            "takes its hours / productivity.",
            unit="share of full speed",
            source=ASSUMPTION,
        ),
    ] = 0.5
    hiring_freezes: Annotated[
        list[HiringFreeze],
        about(
            "Periods with no recruitment, each { start, end }.",
            source=f'{DS_SURVEY}: "a hiring freeze"',
            entry="i",
        ),
    ] = Field(default_factory=list)


class Absence(Strict):
    """Caseworkers away: vacation and sick leave."""

    vacation: Annotated[
        Vacation | None,
        about(
            "Vacation (ferie), on whenever [absence] is given. For none, set weeks_per_year "
            "and summer_weeks to 0 and christmas to false."
        ),
    ] = Field(default_factory=Vacation)
    sick_leave: Annotated[
        SickLeave | None,
        about(
            "Sick leave (sygefravær), on whenever [absence] is given. For none, set "
            "days_per_year to 0."
        ),
    ] = Field(default_factory=SickLeave)


class Triage(Strict):
    """Under pressure, optional ("kan") tasks are deferred or dropped.

    Pressure is a caseworker's stress index (`measure = "stress"`) or the weeks of work
    waiting for them right now (`"backlog"`). Above `above`, an optional task they come
    to is dropped (`action = "drop"`) or set aside until the pressure falls below it
    again (`"defer"`); a task set aside longer than `drop_after_days` is dropped.
    Dropping is a standing order too: an optional task that falls due while the
    caseworker who would do it is above `above` is dropped at once, never queued.
    """

    measure: Annotated[
        Literal["backlog", "stress"],
        about(
            "The pressure triage looks at: backlog, the weeks of work waiting for the "
            "caseworker now, or stress, their stress index (its mean over four weeks)."
        ),
    ] = "backlog"
    above: Annotated[
        Positive,
        about(
            "Pressure above which an optional task the caseworker comes to (or, to be "
            "dropped, one falling due for them) is triaged.",
            unit="weeks of work waiting",
            source=ASSUMPTION,
        ),
    ] = 2.0
    action: Annotated[
        Literal["drop", "defer"],
        about(
            "drop: the task is dropped (counted as triaged), and an optional task falling "
            "due while the pressure is above is dropped at once. defer: a task the "
            "caseworker comes to is set aside until the pressure is back at or below "
            "above. Statutory tasks are never triaged.",
            source=f"{KL_ANALYSIS}: eight in ten municipalities cut optional work under "
            "pressure (help with family reunification, housing for reunified families, "
            "follow-up)",
        ),
    ] = "drop"
    drop_after_days: Annotated[
        Positive | None,
        about(
            "With action = defer, a task set aside longer than this is dropped. Leave out "
            "to keep it until the pressure falls.",
            unit="days",
        ),
    ] = None


class Overtime(Strict):
    """Overtime (overarbejde): extra casework hours on days a caseworker's backlog is high."""

    hours_per_week: Annotated[
        float,
        Field(gt=0, le=20),
        about(
            "Extra casework a week for a caseworker under pressure: on each such day their "
            "casework window is hours_per_week / 5 hours longer.",
            unit="hours a week",
            source=ASSUMPTION,
        ),
    ] = 5.0
    above: Annotated[
        Positive,
        about(
            "A caseworker works overtime on a day when the work waiting for them that "
            "morning is above this.",
            unit="weeks of work waiting",
            source=ASSUMPTION,
        ),
    ] = 2.0


# --------------------------------------------------------------------------- arrivals


class YearQuota(Strict):
    """One year's quota (kommunekvote): how many people are placed in the year."""

    year: Annotated[int, about("The calendar year.")] = Field(ge=1900, le=2200)
    refugees: Annotated[
        People,
        about(
            "People placed in that year (refugees, counted as arrivals.counts says, or "
            "spouses of Danish citizens under [arrivals.danish_spouses]), spread over its "
            "months by monthly_profile. 0 says the year has none (a run year left out of "
            "yearly is an error).",
            unit="people a year",
        ),
    ]


class Schedule(Strict):
    """People arriving per month.

    Give exactly one of: `per_month` (constant: the same count every calendar month, or a
    constant daily rate, as `per_month_basis` says), `monthly` (one count per month from
    the start month on), or `yearly` quotas spread by `monthly_profile` (every year of the
    run must be listed; a year with none says so with 0).
    """

    WHO: ClassVar[str] = "people"
    process: Annotated[
        Literal["exact", "poisson"],
        about(
            "exact: each month gets exactly its count, spaced evenly through the month. "
            "poisson: arrivals at random (a Poisson process), the month's count on average."
        ),
    ] = "exact"
    per_month: Annotated[
        People | None,
        about(
            "The same number of people every month (refugees counted as arrivals.counts "
            "says). per_month_basis says whether every calendar month gets this count or "
            "the count is a constant daily rate.",
            unit="people a month",
            source=f'the baseline\'s 11 refugees: {DS_POLL}: "10-13 new refugees a month"',
        ),
    ] = None
    per_month_basis: Annotated[
        Literal["calendar_month", "daily_rate"],
        about(
            "With per_month: calendar_month gives every calendar month per_month people, "
            "February as many as January; daily_rate places per_month × 12 / 365.25 people "
            "a day, so a 31-day month gets 2 % more than average and February 8 % less. "
            "Both give 12 × per_month a year."
        ),
    ] = "calendar_month"
    monthly: Annotated[
        list[People] | None,
        about(
            "People placed in each calendar month, from the month of simulation.start_date "
            "on; months after the end of the list get none.",
            unit="people a month",
        ),
    ] = None
    yearly: Annotated[
        list[YearQuota] | None,
        about(
            "Yearly quotas (kommunekvoter), each { year, refugees }, spread over the months "
            "by monthly_profile (evenly without one). Every year the run touches must be "
            "listed (a year with none as { year = ..., refugees = 0 }): a run year left "
            "out is an error, not a silent year without arrivals.",
            source="Ministry placement figures (visiteringskvoter) for real years",
            entry="i",
        ),
    ] = None
    monthly_profile: Annotated[
        list[NonNegative] | None,
        about(
            "Twelve weights, January to December, that spread each yearly quota over its "
            "months; only with yearly.",
            unit="relative weights",
        ),
    ] = None
    until: Annotated[
        dt.date | None,
        about("No one is placed in months that begin on or after this date."),
    ] = None

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
        if self.per_month is None and self.per_month_basis != "calendar_month":
            raise ValueError("per_month_basis applies only with 'per_month'")
        return self

    def missing_years(self, sim: Simulation) -> list[int]:
        """Years of the run (from the start date to the last day simulated, before `until`)
        that a `yearly` schedule does not list; none for the other schedules."""
        if self.yearly is None:
            return []
        last = sim.last_day
        if self.until is not None:
            last = min(last, self.until - dt.timedelta(days=1))
        listed = {q.year for q in self.yearly}
        return [y for y in range(sim.start_date.year, last.year + 1) if y not in listed]


class Arrivals(Schedule):
    """Refugees placed in the municipality per month, and optionally spouses of Danish
    citizens (`danish_spouses`, a schedule of its own).

    `counts` says what the numbers count: persons (children included, as quotas count
    them), which the household mix turns into households and adults (each adult a case),
    or adults only (each a case), children coming on top.
    """

    WHO: ClassVar[str] = "refugees"
    counts: Annotated[
        Literal["persons", "adults"],
        about(
            "What the schedule's numbers count. persons: everyone placed, children "
            "included, as municipal quotas (kommunekvoter) and the Ministry's placement "
            "figures count them; households are drawn until their persons make up the "
            "count, and each adult opens a case. adults: refugees who become cases; their "
            "children come on top.",
            source="docs/domain.md 3: quotas count persons, children included; the "
            "baseline reads the quote's 10-13 new refugees a month as placements (persons)",
        ),
    ] = "adults"
    danish_spouses: Annotated[
        Schedule | None,
        about(
            "Spouses of Danish citizens (person kind danish_spouse), by a schedule of their "
            "own with the same keys as [arrivals]. Each is a case of their own and gets only "
            "the tasks whose applies_to names danish_spouse. Leave out for none.",
            source=f"{DS_SURVEY}: reunifications were once mostly to Danish spouses, who need less",
        ),
    ] = None


class HouseholdType(Strict):
    """A kind of household placed together; each adult is a case."""

    share: Annotated[
        Probability,
        about(
            "Share of the households placed that are of this type; the shares of all types "
            "sum to 1.",
            unit="share of households",
            source=f"assumption ({DS_POLL}: many new refugees are single men who apply for "
            "their families)",
        ),
    ]
    adults: Annotated[
        int,
        Field(ge=1, le=2),
        about("Adults in the household; each is a case.", unit="adults"),
    ]
    children_min: Annotated[
        Count,
        about(
            "Fewest children placed with the household. The number is drawn evenly from "
            "children_min to children_max; children are not cases but bring family tasks.",
            unit="children",
            source=ASSUMPTION,
        ),
    ] = 0
    children_max: Annotated[
        Count,
        about(
            "Most children placed with the household (at least children_min).",
            unit="children",
            source=ASSUMPTION,
        ),
    ] = 0

    @model_validator(mode="after")
    def _children(self) -> HouseholdType:
        if self.children_max < self.children_min:
            raise ValueError("children_max must be >= children_min")
        return self


# Keys of the first version's [reunification], and what replaced them.
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
    dropped or lapsed, or not started within `help_abandoned_after_days`) the applicant
    sends it `unaided_delay_days` later. The
    Immigration Service decides after `processing_days`; the family arrives
    `travel_days` after the permit.
    """

    apply_share: Annotated[
        dict[str, Probability],
        about(
            "Per household type (a name under [households]), the share of households whose "
            "principal applies for family reunification; types not named never apply.",
            unit="share of households",
            source=f'assumption ({DS_POLL}: "many ... apply for their families to follow")',
            entry="type",
        ),
    ] = Field(default_factory=dict)
    waiting_years: Annotated[
        dict[str, NonNegative],
        about(
            "Per residence status (convention, temporary), the years from placement until "
            "a refugee may apply; a status not named waits none.",
            unit="years",
            source="Aliens Act: no waiting rule before Feb 2015; temporary protection 1 year "
            "(Act no. 153 of 18 Feb 2015), 3 years (Act no. 102 of 3 Feb 2016)",
            entry="status",
        ),
    ] = Field(default_factory=dict)
    waiting_from: Annotated[
        dt.date | None,
        about(
            "Only refugees placed on or after this date wait (the day the law took "
            "effect); those placed before may apply at once. Leave out: everyone waits."
        ),
    ] = None
    unaided_delay_days: Annotated[
        NonNegative,
        about(
            "When no help comes (the help task is left out, dropped by triage, lapses with "
            "the case, or is abandoned), the applicant sends the application alone this "
            "much later.",
            unit="days",
            source="assumption: without the caseworker's help a family takes a month longer",
        ),
    ] = 0.0
    help_abandoned_after_days: Annotated[
        Positive | None,
        about(
            "An application-help task that no caseworker has started this many days after "
            "it fell due is given up (counted as abandoned): the family stops waiting and "
            "sends the application alone, unaided_delay_days later. Leave out: the family "
            "waits for the help however long it takes.",
            unit="days",
            source="assumption (the baseline's 60: twice the help task's 30-day deadline); "
            f'{DS_POLL}: "we no longer help fill in family reunification forms"',
        ),
    ] = None
    processing_days: Annotated[
        Distribution,
        about(
            "Time the Immigration Service (Udlændingestyrelsen) takes to decide an application.",
            unit="days",
            source="public processing-time figures: about 147 days in 2014, 342 in 2016; the "
            "spread is an assumption",
        ),
    ]
    travel_days: Annotated[
        Distribution,
        about(
            "Time from the family's permit to its arrival in the municipality (visa and travel).",
            unit="days",
            source=ASSUMPTION,
        ),
    ] = Fixed(dist="fixed", value=0.0)
    spouse_share: Annotated[
        Probability,
        about(
            "Share of families that bring a spouse, who opens a case of their own (person "
            "kind reunified).",
            unit="share of families",
            source="Immigration Service: 1.4 family members per applicant; 1,425 spouses "
            "and 2,887 children reunified with refugees in 2016",
        ),
    ] = 0.45
    children_mean: Annotated[
        NonNegative,
        about(
            "Mean number of children in a family that comes (drawn from a Poisson "
            "distribution); they bring family tasks to the applicant's case.",
            unit="children",
            source="Immigration Service: 1.4 family members per applicant; 1,425 spouses "
            "and 2,887 children reunified with refugees in 2016",
        ),
    ] = 0.95

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

    status_share: Annotated[
        dict[str, Probability],
        about(
            "Residence status of refugees, shares summing to 1: convention status "
            "(konventionsstatus) or temporary protection (midlertidig "
            "beskyttelsesstatus). It matters only with a reunification waiting rule.",
            unit="share of refugees",
            source="assumption (the baseline: half each)",
            entry="status",
        ),
    ] = Field(default_factory=lambda: {"convention": 1.0})
    interpreter_share: Annotated[
        Probability,
        about(
            "Share of people who need an interpreter (tolk) at their meetings: each of "
            "their meetings is interpreted and takes longer ([interpreting]; without that "
            "table, in person at 1.16 times the duration, as many interpreters as needed).",
            unit="share of people",
            source="assumption (the baseline's 0.7): no Danish figure (docs/domain.md 6.8)",
        ),
    ] = 0.0
    trauma_share: Annotated[
        dict[str, Probability],
        about(
            "Per person kind (refugee, reunified, danish_spouse), the share who are "
            "traumatised; a kind not named has none.",
            unit="share of people",
            source=f"assumption (the baseline's 0.3); {DS_POLL}: many Syrians were severely "
            f"traumatised; {DS_SURVEY}: they need much more help",
            entry="kind",
        ),
    ] = Field(default_factory=dict)
    meeting_multiplier_traumatised: Annotated[
        Positive,
        about(
            "A meeting with a traumatised person takes this many times its usual duration.",
            unit="times the duration",
            source=f'assumption (the baseline\'s 1.25; {DS_SURVEY}: "much more help")',
        ),
    ] = 1.0
    treatment_wait_days: Annotated[
        Distribution | None,
        about(
            "Time from a traumatised person's case opening until trauma treatment starts; "
            "until then employment work waits and self-support is impossible. Leave out "
            "for no wait.",
            unit="days",
            source=f"{DS_RECOMMENDATIONS}: waits for trauma treatment up to one year; the "
            "shape is an assumption",
        ),
    ] = None
    self_support_multiplier_traumatised: Annotated[
        NonNegative,
        about(
            "Once treatment has started, a traumatised person's chance of becoming "
            "self-supporting is this many times the usual.",
            unit="times the hazard",
            source="assumption (the baseline's 0.5)",
        ),
    ] = 1.0

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
    by the end of year 1, 2, 3 (a piecewise-constant hazard per year), once the person's
    employment effort has begun; before it, the hazard is `before_effort_multiplier`
    times that. `other_per_year` is a constant hazard of leaving for other reasons.
    """

    period_years: Annotated[
        Positive,
        about(
            "The integration period (integrationsperioden), from the case's opening: a "
            "case still open at its end closes.",
            unit="years",
            source=INTEGRATION_ACT,
        ),
    ] = 3.0
    self_support: Annotated[
        dict[str, list[Probability]],
        about(
            "Per person kind (refugee, reunified, danish_spouse), the cumulative share "
            "self-supporting (selvforsørgende) by the end of year 1, 2, 3: a hazard constant "
            "within each year. Shares must not decrease and stay below 1.",
            unit="cumulative share",
            source="Ministry, Integration i tal 2016, cohort 2011 (employed after 1, 2, 3 "
            "years): refugees 17/22/29 %, reunified 17/19/25 %; danish_spouse as "
            "reunified, an assumption",
            entry="kind",
        ),
    ]
    other_per_year: Annotated[
        NonNegative,
        about(
            "Yearly hazard of leaving for other reasons (moving away), constant over the "
            "integration period.",
            unit="a year",
            source="the baseline's 0.05: Ministry, Integration i tal no. 1, 1 Mar 2016: 81 % "
            "of refugees still lived in their first municipality after 3 years (a hazard of "
            "0.070 a year), less the 40 % of movers who changed labour-market status at the "
            "same time (0.040); docs/domain.md 6.7",
        ),
    ] = 0.0
    before_effort_multiplier: Annotated[
        float,
        Field(ge=0, le=1),
        about(
            "Until a person's employment effort begins (a caseworker starts the first task "
            "marked employment for them), their self-support hazard is this many times the "
            "usual; from then on, the usual. 1 makes the effort's start irrelevant; 0 makes "
            "self-support impossible before it. People whose catalogue has no employment "
            "task have the usual hazard throughout.",
            unit="times the hazard",
            source="the baseline's 0.77 = 1 / 1.3: Graversen & van Ours, J. Public Economics "
            "92 (2008), a randomised Danish trial of early intensive activation: job-finding "
            "hazard 30 % higher; for insured unemployed Danes, not refugees, so an "
            "assumption for refugees (range 0.67-1; docs/domain.md 6.1)",
        ),
    ] = 1.0

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
    """When the case opens: the person's arrival, or the municipality's takeover."""

    on: Annotated[Literal["arrival"], about("The kind of trigger.")]


class After(Strict):
    """Once, `days` after the case opens."""

    on: Annotated[Literal["after"], about("The kind of trigger.")]
    days: Annotated[NonNegative, about("Days from the case's opening.", unit="days")]


class Every(Strict):
    """Again and again while the case is open: every `days` days from `start_days` after
    the case opens, until `until_days`."""

    on: Annotated[Literal["every"], about("The kind of trigger.")]
    days: Annotated[Positive, about("Days between two times.", unit="days")]
    start_days: Annotated[
        NonNegative | None,
        about("Days from the case's opening to the first time (default: days).", unit="days"),
    ] = None
    until_days: Annotated[
        NonNegative | None,
        about(
            "Days from the case's opening after which it falls due no more (default: "
            "while the case is open).",
            unit="days",
        ),
    ] = None


class AtRate(Strict):
    """At random while the case is open (a Poisson process), `per_year` times a year on
    average: one-off applications, coordination."""

    on: Annotated[Literal["rate"], about("The kind of trigger.")]
    per_year: Annotated[Positive, about("Mean number of times a year.", unit="times a year")]


class OnReunificationApplication(Strict):
    """When the principal may apply for family reunification (after the waiting rule), on
    their case: the help with the application, which is sent when the task is done."""

    on: Annotated[Literal["reunification_application"], about("The kind of trigger.")]


class OnReunification(Strict):
    """When the reunified family arrives, on the applicant's case."""

    on: Annotated[Literal["reunification"], about("The kind of trigger.")]


class OnChildren(Strict):
    """Children join the household: at placement, or when reunified children arrive
    (once per household, on the principal's case)."""

    on: Annotated[Literal["children"], about("The kind of trigger.")]


class OnClosure(Strict):
    """When the case exits (self-support, leaving, or the end of the integration period):
    the work of closing it."""

    on: Annotated[Literal["closure"], about("The kind of trigger.")]


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

    probability: Annotated[
        float,
        Field(ge=0, lt=1),
        about(
            "Chance that the task is needed again once done; each further time has the "
            "same chance again.",
            unit="chance",
        ),
    ]
    delay_days: Annotated[
        Distribution,
        about("Time from the task being done until it falls due again.", unit="days"),
    ]


class Task(Strict):
    """One kind of task in the catalogue: when it falls due, its deadline, how long it takes.

    Durations are caseworker hours, preparation, the meeting and the record included.
    No source gives task times: the baseline's are assumptions, scaled so that four
    caseworkers with about 75 cases each are busy but not overrun.
    """

    danish: Annotated[
        str,
        about("The task's Danish name, as caseworkers know it (a label only)."),
    ] = ""
    statutory: Annotated[
        bool,
        about(
            "true: a statutory task (skal-opgave), required by law and with a deadline. "
            "false: an optional one (kan-opgave), which queue_order puts after the "
            "statutory and triage may drop.",
            source=INTEGRATION_ACT,
        ),
    ]
    trigger: Annotated[
        Trigger,
        about('When the task falls due, for example { on = "after", days = 30 }.'),
    ]
    deadline_days: Annotated[
        NonNegative | None,
        about(
            "Days from falling due to the deadline; a statutory task needs one. Leave out "
            "for none.",
            unit="days",
            source=f"{INTEGRATION_ACT}: integration contract and Danish-course referral "
            "within 1 month, integration plan and health examination within 3 months; "
            "the others are assumptions",
        ),
    ] = None
    duration_hours: Annotated[
        Distribution,
        about(
            "Caseworker hours the task takes, drawn for each task when the case opens.",
            unit="hours",
            source=f"assumption, scaled so the baseline's caseload fits ({DS_POLL}: 12.33 "
            "hours a week for about 100 refugees)",
        ),
    ]
    meeting: Annotated[
        bool,
        about(
            "A meeting with the citizen: it takes longer with an interpreter or a "
            "traumatised person."
        ),
    ] = False
    applies_to: Annotated[
        list[PersonKind],
        about(
            "Person kinds whose cases get the task: refugee, reunified (a family member "
            "reunified to a refugee), danish_spouse (a spouse of a Danish citizen)."
        ),
    ] = Field(default_factory=lambda: list(DEFAULT_APPLIES_TO))
    requires: Annotated[
        list[Literal["traumatised", "children"]],
        about(
            "Only for people who are traumatised, or whose household has children (placed "
            "with it or reunified)."
        ),
    ] = Field(default_factory=list)
    employment: Annotated[
        bool,
        about(
            "Employment work (beskæftigelsesindsats): for a traumatised person it falls due "
            "only once trauma treatment has started. Needs an arrival, after, every or rate "
            "trigger.",
            source=f"{DS_RECOMMENDATIONS}: waits for trauma treatment of up to a year",
        ),
    ] = False
    repeat: Annotated[
        Repeat | None,
        about("The task may be needed again after an outside delay. Leave out for never."),
    ] = None
    enabled: Annotated[
        bool,
        about("false leaves the task out of the catalogue (a scenario without it)."),
    ] = True

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
    """A service outside the municipality that people are referred to: after `after_task`
    is done, a referred person is seen by it, and it should happen within `limit_days` of
    the case's opening.

    A share `never_share` of those referred is never seen (not offered, declined, moved).
    The rest wait `wait_days` (drawn for each person: the service's capacity follows
    demand, so the wait does not grow with the number referred), or, with
    `capacity_per_week` instead, queue first come, first served for a limited number of
    slots a week (a capacity set on purpose: the queue grows when demand exceeds it).
    Give exactly one of `wait_days` and `capacity_per_week`.
    """

    after_task: Annotated[
        str,
        about(
            "The task (a name under [tasks]) whose completion refers the person; for the "
            "health examination, the caseworker's referral."
        ),
    ]
    never_share: Annotated[
        Probability,
        about(
            "Share of the people referred who are never seen: not offered, declined (the "
            "examination is voluntary), no GP available, moved. Drawn for each person.",
            unit="share of people referred",
            source="the baseline's 0.5: National Audit Office, report 8/2014 (25 Feb 2015), "
            f'quoted in {DS_RECOMMENDATIONS}: "only 50 %" of refugees had had the health '
            "examination, read as a stable share never examined (docs/domain.md 5)",
        ),
    ] = 0.0
    wait_days: Annotated[
        Distribution | None,
        about(
            "Time from the referral to the examination for those who are seen, drawn for "
            "each person: the GPs' capacity follows the number of people to examine. "
            "Someone whose case closes first is not seen.",
            unit="days",
            source="assumption (the baseline's lognormal, mean 30 days, sd 20): a GP "
            "appointment with an interpreter within weeks; no Danish figure found",
        ),
    ] = None
    capacity_per_week: Annotated[
        Positive | None,
        about(
            "Instead of wait_days, a fixed capacity: people the service takes a week, one "
            "every 7 / capacity_per_week days, first come first served. Below demand, the "
            "queue grows through the run; use it to study a capacity limited on purpose.",
            unit="people a week",
        ),
    ] = None
    limit_days: Annotated[
        Positive,
        about(
            "Days from the case's opening within which it should happen; the share that "
            "does is an output.",
            unit="days",
            source="Executive Order on health assessments of newly arrived refugees (2013): "
            "offered within 3 months",
        ),
    ]

    @model_validator(mode="after")
    def _one_mode(self) -> ExternalService:
        if (self.wait_days is None) == (self.capacity_per_week is None):
            raise ValueError(
                "give exactly one of wait_days (capacity follows demand) and "
                "capacity_per_week (a fixed capacity)"
            )
        return self


class External(Strict):
    """External services the caseworkers refer people to."""

    health_examination: Annotated[
        ExternalService | None,
        about(
            "The health examination (helbredsundersøgelse) by general practitioners (GPs) "
            "after the caseworker's referral. Leave out for no such queue."
        ),
    ] = None


# --------------------------------------------------------------------------- costs


class Costs(Strict):
    """Prices that turn people on benefit and caseworkers on the staff into money.

    They change no result but the cost outputs: the benefit paid while cases are open
    beside the salaries of the caseworkers who run them.
    """

    benefit_dkk_per_person_month: Annotated[
        NonNegative,
        about(
            "Benefit paid per adult per month while their case is open (until self-support, "
            "moving away or the end of the integration period): gross public transfers.",
            unit="DKK per person-month",
            source="Ministry of Employment rate tables (Vejledning om satser) 2015: cash "
            "benefit (kontanthjælp) at 30 or over, 14,416 DKK supporting children, 10,849 "
            "others, weighted by the baseline's fitted household mix: about 11,800 DKK; the "
            "integration benefit (integrationsydelse) from 1 Sep 2015: about 6,700 DKK "
            "(docs/domain.md 6.2)",
        ),
    ] = 11800.0
    salary_dkk_per_caseworker_year: Annotated[
        NonNegative,
        about(
            "Salary cost of one caseworker on the staff for a year, pension included "
            "(office, management and IT overhead not included).",
            unit="DKK per caseworker-year",
            source="interpolated, 2015: Pay Commission (Lønkommissionen) 2010, municipal "
            "social workers about 366,000 DKK a year in 2007; DS: 474,528 DKK in the state "
            "in 2022; range 400,000-470,000 (docs/domain.md 6.3)",
        ),
    ] = 430000.0


# --------------------------------------------------------------------------- the state at the start


class OpenCases(Strict):
    """Cases open at the start that the municipality took over in one month."""

    takeover: Annotated[
        dt.date,
        about(
            "The month the municipality took over these cases (any day of it: the month "
            "counts). The cases are spread evenly over the month, up to "
            "simulation.start_date and from the integration period (exit.period_years) "
            "before it; a month wholly older than that is an error (its cases have closed)."
        ),
    ]
    cases: Annotated[
        int,
        Field(ge=0),
        about("Cases taken over in that month and still open at the start.", unit="cases"),
    ]
    kind: Annotated[
        PersonKind,
        about(
            "Who they are: refugee (placed by the municipality), reunified (a family member "
            "reunified to a refugee) or danish_spouse."
        ),
    ] = "refugee"
    caseworker: Annotated[
        int | None,
        Field(ge=0),
        about(
            "The caseworker who holds these cases: 0 to N - 1, the caseworkers at work at "
            "the start (initial_state.caseworkers; left out, the staffing plan's posts at "
            "the start less initial_state.vacancies), numbered as tasks.parquet numbers "
            "them. Left out, the cases go to the caseworkers as new ones do (the fewest "
            "cases first), after those given one. "
            "Needs caseworkers.assignment = fixed."
        ),
    ] = None


class PendingReunification(Strict):
    """Applications for family reunification sent before the start whose family has not
    arrived, or being prepared by families alone and sent after it."""

    applied: Annotated[
        dt.date,
        about(
            "The day the applications were sent. The Immigration Service's processing and "
            "the family's travel are drawn as for any application (reunification."
            "processing_days, travel_days), given that the family has not arrived by the "
            "start. A day after simulation.start_date (within reunification."
            "unaided_delay_days of it): applications the families are preparing alone (the "
            "caseworker's help was given up or never came), sent that day, unaided; each "
            "belongs to the latest refugee case that could apply before the start and has "
            "no help with it waiting (failing one, the latest case)."
        ),
    ]
    applications: Annotated[
        int,
        Field(ge=1),
        about(
            "Applications sent that day. Each belongs to an open refugee case taken over by "
            "then (the latest such cases first; for one after the start, see applied); the "
            "family is a spouse (reunification."
            "spouse_share) and children (children_mean), at least one of them.",
            unit="applications",
        ),
    ]


class WaitingTasks(Strict):
    """Tasks waiting on the start day, not yet started: the work behind the open cases."""

    task: Annotated[
        str,
        about(
            "The task type (a name under [tasks]), such as follow_up or "
            "integration_contract; not a closure task (a closed case is not loaded)."
        ),
    ]
    created: Annotated[
        dt.date,
        about(
            "The month the tasks fell due (any day of it: the month counts), on or before "
            "simulation.start_date. The tasks are spread evenly over the month up to the "
            "start; their deadline runs from then (tasks.<name>.deadline_days), and the "
            "wait counted in task_wait_days includes the days before the start."
        ),
    ]
    tasks: Annotated[
        int,
        Field(ge=1),
        about(
            "Tasks of that type created in that month and waiting at the start. Each goes "
            "to an open case the task applies to (tasks.<name>.applies_to and requires), "
            "taken over by then where one is, drawn at random.",
            unit="tasks",
        ),
    ]
    caseworker: Annotated[
        int | None,
        Field(ge=0),
        about(
            "The caseworker whose queue the tasks wait in (numbered as in open_cases): they "
            "go to cases that caseworker holds. Left out, to any open case they apply to."
        ),
    ] = None


class StaffAtStart(Strict):
    """One caseworker at the start who is away, new or leaving: what the staffing plan
    alone does not say."""

    caseworker: Annotated[
        int,
        Field(ge=0),
        about("The caseworker (numbered as in open_cases: 0 to N - 1)."),
    ]
    away_until: Annotated[
        dt.date | None,
        about(
            "Away at the start (sick leave, parental leave, ...) and back on this day (after "
            "simulation.start_date). Their cases stay theirs meanwhile, their work waits "
            "(unless caseworkers.absence_cover), and the days count as sick leave."
        ),
    ] = None
    hired: Annotated[
        dt.date | None,
        about(
            "Started on this day (on or before the start) and still learning the job: they "
            "work at turnover.start_productivity on their first day, rising linearly to "
            "full speed over turnover.learning_days. Needs a [turnover] table."
        ),
    ] = None
    leaves: Annotated[
        dt.date | None,
        about(
            "Has resigned and leaves on this day (on or after the start): their cases go to "
            "colleagues then, and their successor starts on successor_starts."
        ),
    ] = None
    successor_starts: Annotated[
        dt.date | None,
        about(
            "The day the successor of a caseworker who leaves starts (on or after leaves). "
            "Left out, the post is recruited for from the start (turnover.recruitment_days "
            "and any hiring freeze): pessimistic where recruiting began before it. Needs "
            "leaves."
        ),
    ] = None
    successor: Annotated[
        bool,
        about(
            "false: no one succeeds them; their post has gone already (the staffing plan cut "
            "it while they were under notice) and they work beyond the posts until they "
            "leave, so they count among the caseworkers at work (initial_state.caseworkers) "
            "and not among the staffing plan's posts. Needs leaves; not with "
            "successor_starts."
        ),
    ] = True


class Vacancy(Strict):
    """A post of the staffing plan empty at the start: its caseworker has left and the
    successor has not started."""

    filled: Annotated[
        dt.date | None,
        about(
            "The day the successor starts (on or after the start), learning the job as a new "
            "caseworker does. Left out, the post is recruited for from the start "
            "(turnover.recruitment_days and any hiring freeze)."
        ),
    ] = None


def takeover_span(takeover: dt.date, start: dt.date, period_days: float) -> tuple[float, float]:
    """The days (relative to `start`, negative) over which the cases taken over in the month
    of `takeover` are spread: the month, cut at the start and at the integration period's
    length before it (older cases would have closed)."""
    month = takeover.replace(day=1)
    after = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    t0 = max(float((month - start).days), -period_days * (1 - 1e-12))
    return t0, min(float((after - start).days), 0.0)


def days_of_month(month: dt.date, start: dt.date, period_days: float, n: int) -> list[float]:
    """The days (relative to `start`) on which the `n` entries of a month of
    `[initial_state]` fall (cases taken over, tasks created): spread evenly over its
    `takeover_span`, each in the middle of its share."""
    t0, t1 = takeover_span(month, start, period_days)
    return [t0 + (t1 - t0) * (k + 0.5) / n for k in range(n)]


# `[initial_state]`'s CSV files, each read into the entries it names when a scenario file
# is loaded (`simulator.scenario.files.read_state_file`)
STATE_FILE_ENTRIES = {"cases_file": "open_cases", "tasks_file": "waiting_tasks"}


class InitialState(Strict):
    """The caseload the municipality holds at the start, instead of an empty office.

    With it, the first months simulated are the municipality's and no warm-up is needed:
    the cases open today, by month of takeover, the tasks waiting on them, by the month
    they fell due, and the family reunification applications pending. Each open case is a
    household of its own; who the person is (residence status, trauma, interpreter) and
    when the case will close are drawn as for a new case, given that it is still open at
    the start. The waiting tasks are queued at the start; every other task that fell due
    before it is taken as done, and tasks falling due from the start on are created as
    usual. The families still to come of the open refugee cases follow as a placed
    household's would: those whose waiting rule lets them apply from the start on, and
    those whose help with the application is among the waiting tasks (the others have
    applied, and are pending or here, or never will). Who holds which case (open_cases and
    waiting_tasks by caseworker), who is away,
    new or leaving (staff) and which posts are vacant (vacancies) may be given too. Left
    out, the cases go to the caseworkers as new ones would, and everyone is at work. The
    stress index is not loaded: it builds from the first day's work waiting.
    """

    open_cases: Annotated[
        list[OpenCases],
        about(
            "Cases open at the start, each entry { takeover, cases, kind } (or read from "
            "cases_file).",
            entry="i",
        ),
    ] = Field(default_factory=list)
    cases_file: Annotated[
        str | None,
        about(
            "A CSV file, relative to the scenario file, with a header and the columns "
            "takeover (YYYY-MM or YYYY-MM-DD), cases and, optionally, kind and caseworker: "
            "read into open_cases when the scenario file is loaded (give one or the other)."
        ),
    ] = None
    pending_reunifications: Annotated[
        list[PendingReunification],
        about(
            "Family reunification applications pending at the start, or still to be sent "
            "by families applying alone, each entry { applied, applications }. Needs a "
            "[reunification] table.",
            entry="i",
        ),
    ] = Field(default_factory=list)
    waiting_tasks: Annotated[
        list[WaitingTasks],
        about(
            "The work waiting at the start, each entry { task, created, tasks } (or read "
            "from tasks_file): the open tasks a case system lists, not yet started. Leave "
            "out: every task that fell due before the start is taken as done, and the first "
            "months show a smaller backlog than the office has.",
            entry="i",
        ),
    ] = Field(default_factory=list)
    tasks_file: Annotated[
        str | None,
        about(
            "A CSV file, relative to the scenario file, with a header and the columns task, "
            "created (YYYY-MM or YYYY-MM-DD), tasks and, optionally, caseworker: read into "
            "waiting_tasks when the scenario file is loaded (give one or the other)."
        ),
    ] = None
    caseworkers: Annotated[
        int | None,
        Field(ge=0),
        about(
            "Caseworkers at work at the start, numbered 0 to N - 1 (the people, not the "
            "posts). Left out: the staffing plan's posts at the start less the vacancies, "
            "and those leaving whose post has gone (staff successor = false). "
            "Where the posts at the start (caseworkers.staffing, or a plan's) differ from "
            "these people and vacancies, posts are added or cut at the start as on any "
            "staffing change: an added post is filled by a newcomer learning the job (with "
            "[turnover]); a cut falls first on a vacancy, then on someone leaving, then on "
            "the last caseworker, whose cases go to colleagues.",
            unit="caseworkers",
        ),
    ] = None
    staff: Annotated[
        list[StaffAtStart],
        about(
            "The caseworkers away, new or leaving at the start, each entry { caseworker, "
            "away_until, hired, leaves, successor_starts, successor } (at least one of "
            "away_until, hired and leaves).",
            entry="i",
        ),
    ] = Field(default_factory=list)
    vacancies: Annotated[
        list[Vacancy],
        about(
            "Posts of the staffing plan empty at the start, each entry { filled } ({} when "
            "the day is not known).",
            entry="i",
        ),
    ] = Field(default_factory=list)

    @model_validator(mode="after")
    def _read(self) -> InitialState:
        for name, entries in STATE_FILE_ENTRIES.items():
            if getattr(self, name) is not None:
                raise ValueError(
                    f"{name} is read when a scenario file is loaded; in scenario data give "
                    f"{entries} instead"
                )
        return self


# --------------------------------------------------------------------------- the timeline

# The keys a timeline entry may change, as key paths (`*`: any name, here any task), each
# with what it changes from the entry's date. A key below one of these may change too.
DATED_KEYS: dict[str, str] = {
    "reunification.waiting_years": "the waiting rule, for applications from the date",
    "reunification.processing_days": "the Immigration Service's time, for applications sent "
    "from the date",
    "reunification.travel_days": "the family's travel time, for applications sent from the date",
    "tasks.*.deadline_days": "the deadline of tasks falling due from the date",
    "tasks.*.enabled": "whether tasks falling due from the date apply",
    "caseworkers.weekly_hours": "casework hours from the date",
    "caseworkers.casework_share": "casework hours from the date",
    "caseworkers.caseload_cap": "the caseload cap",
    "caseworkers.absence_cover": "cover of absent colleagues",
    "interpreting": "interpreting and the interpreter pool",
    "triage": "triage",
    "overtime": "overtime",
    "external.health_examination.capacity_per_week": "the GPs' capacity, where it is fixed",
    "external.health_examination.limit_days": "the limit for people whose case opens from the date",
}


class TimelineEntry(Strict):
    """A change of rules from a date: keys set (by key path, as `caseload run --set`
    takes them) and keys removed, from that day on.

    Entries apply in date order, each to the scenario as the ones before left it. Only the
    rules a municipality lives under may change by date (the keys listed under `set`);
    each entry is checked by applying it and validating the scenario that results, and a
    problem names the entry by its index and date.
    """

    date: Annotated[
        dt.date,
        about(
            "The day from which the change applies (from midnight, before anything else "
            "that day). An entry on or before simulation.start_date applies from the start."
        ),
    ]
    description: Annotated[str, about("What changes, in a sentence (a label only).")] = ""
    source: Annotated[
        str, about("The law, agreement or figure behind the change (a label only).")
    ] = ""
    set: Annotated[
        dict[str, Any],
        about(
            "Key paths and their values from the date, as caseload run --set takes them, "
            'e.g. { "reunification.waiting_years.temporary" = 1.0, '
            '"tasks.integration_plan.enabled" = false }. A table value merges into the '
            "table there. Keys that may change by date: " + ", ".join(DATED_KEYS) + ".",
            entry="key path",
        ),
    ] = Field(default_factory=dict)
    unset: Annotated[
        list[str],
        about(
            "Key paths removed from the date, so that their default applies again: a "
            'table left out is off ("triage", "caseworkers.caseload_cap"), an interpreter '
            'pool left out is unlimited ("interpreting.interpreters").'
        ),
    ] = Field(default_factory=list)


def _dated(path: list[str]) -> bool:
    """Whether a key at `path` may change by date (it is, or is below, a key of DATED_KEYS)."""
    for key in DATED_KEYS:
        parts = key.split(".")
        head = path[: len(parts)]
        if len(head) == len(parts) and all(p in ("*", q) for p, q in zip(parts, head, strict=True)):
            return True
    return False


def _changed(before: Any, after: Any, path: tuple[str, ...] = ()) -> list[list[str]]:
    """The key paths at which two scenarios' data differ (a list or a new table whole)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in [*before, *(k for k in after if k not in before)]:
            out += _changed(before.get(key), after.get(key), (*path, key))
        return out
    return [] if before == after else [list(path)]


# --------------------------------------------------------------------------- scenario


_TIMELINE_STATES = "_timeline_states"  # where a scenario keeps them (`timeline_states`)


class Scenario(Strict):
    """A whole scenario. Build one with `load_scenario`."""

    name: Annotated[
        str,
        about(
            "A short name (letters, digits, _ . -): results go to results/<name>/ unless "
            "told otherwise."
        ),
    ] = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: Annotated[str, about("What the scenario asks, in a sentence (a label only).")] = ""
    simulation: Annotated[Simulation, about("The simulated period and the seed.")]
    calendar: Annotated[Calendar, about("Working days and hours.")] = Calendar()
    caseworkers: Annotated[Caseworkers, about("Staffing, working time and how cases are shared.")]
    arrivals: Annotated[Arrivals, about("Refugees placed in the municipality over time.")]
    households: Annotated[
        dict[str, HouseholdType],
        about("The kinds of household placed, each by a name you choose.", entry="type"),
    ] = Field(min_length=1)
    reunification: Annotated[
        Reunification | None,
        about("Family reunification (familiesammenføring). Leave out for none."),
    ] = None
    case_mix: Annotated[
        CaseMix | None,
        about(
            "Who the people are. Leave out: all refugees have convention status, none is "
            "traumatised or needs an interpreter."
        ),
    ] = None
    exit: Annotated[Exit, about("When cases close before the integration period ends.")]
    tasks: Annotated[
        dict[str, Task],
        about(
            "The task catalogue: one table per kind of task, by a name you choose.", entry="name"
        ),
    ] = Field(min_length=1)
    external: Annotated[
        External, about("Services outside the municipality that caseworkers refer people to.")
    ] = External()
    interpreting: Annotated[
        Interpreting | None,
        about(
            "How meetings with people who need an interpreter are interpreted, and a "
            "limited pool of interpreters. Leave out: in person, as many interpreters as "
            "needed, at the default multipliers (case_mix.interpreter_share says who needs "
            "one)."
        ),
    ] = None
    absence: Annotated[
        Absence | None,
        about("Vacation and sick leave. Leave out: caseworkers are never away."),
    ] = None
    stress: Annotated[
        Stress,
        about("How the stress index is computed (it drives sick leave, turnover and triage)."),
    ] = Stress()
    turnover: Annotated[
        Turnover | None,
        about("Resignations, recruitment and learning. Leave out: nobody leaves."),
    ] = None
    triage: Annotated[
        Triage | None,
        about("Dropping or setting aside optional tasks under pressure. Leave out for none."),
    ] = None
    overtime: Annotated[
        Overtime | None, about("Extra hours under pressure. Leave out for none.")
    ] = None
    costs: Annotated[
        Costs,
        about("Benefit and salary rates for the cost outputs (they change no other result)."),
    ] = Costs()
    initial_state: Annotated[
        InitialState | None,
        about(
            "The caseload at the start (open cases by month of takeover, pending family "
            "reunification applications). Leave out: the office starts empty, and a warm-up "
            "fills it."
        ),
    ] = None
    timeline: Annotated[
        list[TimelineEntry],
        about(
            "Rules that change by date ([[timeline]] entries, in date order): each sets "
            "(or removes) keys from its date on, such as the reunification waiting rule, "
            "deadlines, casework hours, the interpreter pool, the GPs' capacity, triage and "
            "caps. Leave out for rules that never change.",
            source="docs/domain.md, section 2: what changed, and when",
            entry="i",
        ),
    ] = Field(default_factory=list)

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
        schedules = {
            "arrivals": self.arrivals,
            "arrivals.danish_spouses": self.arrivals.danish_spouses,
        }
        for path, schedule in schedules.items():
            missing = [] if schedule is None else schedule.missing_years(self.simulation)
            if missing:
                sim = self.simulation
                span = f"{sim.start_date.year}-{sim.last_day.year}"
                raise ValueError(
                    f"{path}.yearly: no quota for {_listed(missing)}, in the run ({span}); "
                    "list every year of the run, with { year = ..., refugees = 0 } for a "
                    "year that has none"
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

    @model_validator(mode="after")
    def _initial_state(self) -> Scenario:
        state = self.initial_state
        if state is None:
            return self
        start = self.simulation.start_date
        for i, entry in enumerate(state.open_cases):
            self._within_period(
                f"initial_state.open_cases.{i}.takeover", entry.takeover, "cases taken over"
            )
        if state.pending_reunifications and self.reunification is None:
            raise ValueError("initial_state.pending_reunifications needs a [reunification] table")
        refugees = sorted(
            (e.takeover.replace(day=1), e.cases) for e in state.open_cases if e.kind == "refugee"
        )
        needed = 0
        if self.reunification is not None:  # one still to be sent: within the unaided delay
            delay = max(math.ceil(self.reunification.unaided_delay_days), 1)
            last = start + dt.timedelta(days=delay)
            for i, pending in enumerate(state.pending_reunifications):
                if pending.applied > last:
                    raise ValueError(
                        f"initial_state.pending_reunifications.{i}.applied: {pending.applied} "
                        f"is more than reunification.unaided_delay_days ({delay} days) after "
                        f"simulation.start_date ({start}): one dated after the start is being "
                        "prepared by the family alone, and goes within that delay"
                    )
        for pending in sorted(state.pending_reunifications, key=lambda p: p.applied):
            by = min(pending.applied, start)  # one still to be sent: a case open now
            needed += pending.applications
            have = sum(n for month, n in refugees if month <= by)
            if needed > have:
                raise ValueError(
                    f"initial_state.pending_reunifications: {needed} applications by "
                    f"{pending.applied}, but only {have} open refugee cases were taken over "
                    f"by {by} to send them"
                )
        self._check_waiting_tasks(state)
        self._check_staff(state)
        return self

    def posts_at_start(self) -> int:
        """The staffing plan's posts on the start day."""
        start = self.simulation.start_date
        return [c.caseworkers for c in self.caseworkers.staffing if c.date <= start][-1]

    def at_work_at_start(self) -> int:
        """The caseworkers at work on the start day, as `[initial_state]` has them: its
        `caseworkers`, or the staffing plan's posts then less its vacancies, and those
        leaving whose post has gone already (`successor` false)."""
        state = self.initial_state
        if state is None:
            return self.posts_at_start()
        if state.caseworkers is not None:
            return state.caseworkers
        beyond = sum(not entry.successor for entry in state.staff)
        return self.posts_at_start() - len(state.vacancies) + beyond

    def _check_staff(self, state: InitialState) -> None:
        """Caseworkers named in `[initial_state]` are among those at work at the start;
        their dates fit; what a date needs is there."""
        start = self.simulation.start_date
        at_work = self.at_work_at_start()
        if at_work < 0:
            raise ValueError(
                f"initial_state.vacancies: {len(state.vacancies)} posts vacant, but the "
                f"staffing plan has {self.posts_at_start()} on {start} (or give "
                "initial_state.caseworkers, the caseworkers at work)"
            )
        named = [(f"open_cases.{i}", e.caseworker) for i, e in enumerate(state.open_cases)]
        named += [(f"waiting_tasks.{i}", e.caseworker) for i, e in enumerate(state.waiting_tasks)]
        for where, worker in named:
            if worker is None:
                continue
            if self.caseworkers.assignment != "fixed":
                raise ValueError(
                    f"initial_state.{where}.caseworker: cases have a caseworker of their own "
                    f"only with caseworkers.assignment = fixed (it is "
                    f"{self.caseworkers.assignment})"
                )
        named += [(f"staff.{i}", e.caseworker) for i, e in enumerate(state.staff)]
        for where, worker in named:
            if worker is not None and worker >= at_work:
                numbered = f"numbered 0 to {at_work - 1}" if at_work else "none"
                raise ValueError(
                    f"initial_state.{where}.caseworker: {worker}, but {at_work} caseworkers "
                    f"are at work on {start} ({numbered}: initial_state.caseworkers, or the "
                    "staffing plan's posts less the vacancies, and those leaving whose post has "
                    "gone)"
                )
        held = {(e.caseworker, e.kind) for e in state.open_cases if e.cases > 0}
        for i, waiting in enumerate(state.waiting_tasks):
            if waiting.caseworker is None:
                continue
            kinds = self.tasks[waiting.task].applies_to
            if not any((waiting.caseworker, kind) in held for kind in kinds):
                raise ValueError(
                    f"initial_state.waiting_tasks.{i}.caseworker: caseworker "
                    f"{waiting.caseworker} holds no open {' or '.join(kinds)} case "
                    f"(initial_state.open_cases) for {waiting.task} to wait on"
                )
        seen: set[int] = set()
        recruits = "a [turnover] table (turnover.recruitment_days)"
        for i, entry in enumerate(state.staff):
            where = f"initial_state.staff.{i}"
            if entry.caseworker in seen:
                raise ValueError(f"{where}.caseworker: {entry.caseworker} is listed twice")
            seen.add(entry.caseworker)
            dates = (entry.away_until, entry.hired, entry.leaves)
            if all(d is None for d in dates):
                raise ValueError(f"{where}: give away_until, hired or leaves (or leave it out)")
            if entry.away_until is not None and entry.away_until <= start:
                raise ValueError(
                    f"{where}.away_until: {entry.away_until} must be after "
                    f"simulation.start_date ({start}): the day they are back"
                )
            if entry.leaves is not None and entry.leaves < start:
                raise ValueError(
                    f"{where}.leaves: {entry.leaves} is before simulation.start_date ({start})"
                )
            if entry.hired is not None:
                if entry.hired > start:
                    raise ValueError(
                        f"{where}.hired: {entry.hired} is after simulation.start_date "
                        f"({start}); a caseworker starting later is a staffing change"
                    )
                if self.turnover is None:
                    raise ValueError(
                        f"{where}.hired needs a [turnover] table (turnover.start_productivity "
                        "and learning_days say how a new caseworker learns)"
                    )
            if not entry.successor and (entry.leaves is None or entry.successor_starts):
                raise ValueError(
                    f"{where}.successor: false (no one succeeds them) needs leaves and no "
                    "successor_starts"
                )
            if entry.successor_starts is not None:
                if entry.leaves is None:
                    raise ValueError(f"{where}.successor_starts needs leaves")
                if entry.successor_starts < entry.leaves:
                    raise ValueError(
                        f"{where}.successor_starts: {entry.successor_starts} is before "
                        f"leaves ({entry.leaves})"
                    )
            elif entry.leaves is not None and entry.successor and self.turnover is None:
                raise ValueError(
                    f"{where}.leaves: give successor_starts, or {recruits} to draw when the "
                    "successor starts"
                )
        for i, vacancy in enumerate(state.vacancies):
            where = f"initial_state.vacancies.{i}.filled"
            if vacancy.filled is None and self.turnover is None:
                raise ValueError(f"{where}: give the day, or {recruits} to draw it")
            if vacancy.filled is not None and vacancy.filled < start:
                raise ValueError(
                    f"{where}: {vacancy.filled} is before simulation.start_date ({start})"
                )

    def _within_period(self, where: str, day: dt.date, what: str) -> None:
        """`day`'s month is on or before the start, and not wholly older than the
        integration period before it (`what`, in that month, would have closed)."""
        start = self.simulation.start_date
        if day.replace(day=1) > start:
            raise ValueError(f"{where}: {day} is after simulation.start_date ({start})")
        t0, t1 = takeover_span(day, start, self.exit.period_years * DAYS_PER_YEAR)
        if t1 <= t0:
            raise ValueError(
                f"{where}: {what} in {day:%Y-%m} would have closed by the start (the "
                f"integration period is {self.exit.period_years:g} years)"
            )

    def _check_waiting_tasks(self, state: InitialState) -> None:
        """Each waiting task names an enabled task type that some open case can have, and
        fell due by the start."""
        kinds = sorted({e.kind for e in state.open_cases if e.cases > 0})
        for i, entry in enumerate(state.waiting_tasks):
            where = f"initial_state.waiting_tasks.{i}"
            spec = self.tasks.get(entry.task)
            if spec is None or not spec.enabled:
                raise ValueError(
                    f"{where}.task: {entry.task!r} is not an enabled task; enabled: "
                    f"{sorted(self.enabled_tasks)}"
                )
            if spec.trigger.on == "closure":
                raise ValueError(
                    f"{where}.task: {entry.task} is done as a case closes, and a case closed "
                    "before the start is not loaded: leave it out"
                )
            self._within_period(f"{where}.created", entry.created, "the cases of tasks created")
            if not set(kinds) & set(spec.applies_to):
                raise ValueError(
                    f"{where}.task: {entry.task} is for {', '.join(spec.applies_to)} cases "
                    f"(tasks.{entry.task}.applies_to), and none is open at the start "
                    f"(initial_state.open_cases: {', '.join(kinds) or 'no cases'})"
                )

    @model_validator(mode="after")
    def _timeline_valid(self) -> Scenario:
        if self.timeline:
            self.timeline_states()
        return self

    @property
    def enabled_tasks(self) -> dict[str, Task]:
        return {name: t for name, t in self.tasks.items() if t.enabled}

    @property
    def interpreting_rules(self) -> Interpreting | None:
        """How meetings are interpreted: the [interpreting] table; without one, in person
        with as many interpreters as needed at the default multipliers whenever anyone
        needs an interpreter; None when nobody does (interpreting changes nothing)."""
        if self.interpreting is not None:
            return self.interpreting
        needs = self.case_mix is not None and self.case_mix.interpreter_share > 0
        return Interpreting() if needs else None

    def timeline_states(self) -> list[tuple[dt.date, Scenario]]:
        """The scenario in force from each timeline entry's date, without a timeline.

        Each entry applies to the scenario as the entries before it left it (its `set`
        with the one key-path setter, then its `unset`), and the result is validated like
        any scenario. Raises ValueError listing every problem, each named by the entry's
        index and date, when an entry does not fit, changes a key that cannot change by
        date (`DATED_KEYS`), or leaves a scenario that is not valid.

        Worked out once, when the scenario is validated, and kept with it (pickled
        copies sent to worker processes too; not its fields, so neither its equality nor
        its dump): every replication of a run asks for them, and validating a state costs
        more than a replication's other preparations together.
        """
        kept = self.__dict__.get(_TIMELINE_STATES)
        if kept is None:
            kept = tuple(self._timeline_states())
            self.__dict__[_TIMELINE_STATES] = kept  # a frozen model: not through setattr
        return list(kept)

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Scenario:
        """pydantic's copy; a copy with fields changed (not validated: prefer
        `simulator.scenario.keys`) works its timeline states out afresh."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied.__dict__.pop(_TIMELINE_STATES, None)
        return copied

    def _timeline_states(self) -> list[tuple[dt.date, Scenario]]:
        data = self.to_dict()
        data.pop("timeline", None)
        states: list[tuple[dt.date, Scenario]] = []
        found: list[str] = []
        last = None
        for i, entry in enumerate(self.timeline):
            where = f"timeline.{i} ({entry.date})"
            if last is not None and entry.date < last:
                found.append(f"{where}: entries must be in date order (the one before is {last})")
            last = entry.date
            try:
                after = data
                for key, value in entry.set.items():
                    after = with_value(after, key, value)
                for key in entry.unset:
                    after = without(after, key)
            except KeyError as exc:
                found.append(f"{where}: {exc.args[0]}")
                continue
            changed = _changed(data, after)
            new_tasks = sorted(
                {p[1] for p in changed if p[0] == "tasks" and p[1] not in data["tasks"]}
            )
            if new_tasks:
                close = difflib.get_close_matches(new_tasks[0], data["tasks"], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                found.append(f"{where}: tasks.{new_tasks[0]}: no such task{hint}")
                continue
            fixed = [".".join(p) for p in changed if not _dated(p)]
            if fixed:
                found.append(
                    f"{where}: {', '.join(fixed)} cannot change by date. Keys that can: "
                    + ", ".join(DATED_KEYS)
                )
                continue
            try:
                state = Scenario.model_validate(after, strict=True)
            except ValidationError as exc:
                found += [f"{where}: {line}" for line in problems(exc, Scenario)]
                continue
            states.append((entry.date, state))
            data = after
        if found:
            raise ValueError("\n".join(found))
        return states

    def to_dict(self) -> dict[str, Any]:
        """The full scenario as plain data (dates stay dates), for TOML and hashing.

        An empty timeline is left out: a scenario whose rules never change reads as it
        did before timelines existed."""
        data = self.model_dump(mode="python", by_alias=True, exclude_none=True)
        if not data.get("timeline"):
            data.pop("timeline", None)
        return data

    def to_toml(self, header: str = "", **simulation: Any) -> str:
        """The full scenario as TOML (every key resolved), with `simulation` keys replaced."""
        data = self.to_dict()
        data["simulation"].update(simulation)
        return header + tomli_w.dumps(toml_ready(data))

    def digest(self) -> str:
        """A stable hash of what is modelled: the municipality, its people and policies.

        Labels (name, description) and run settings (seed, replications) are left out,
        so runs of one scenario with other seeds share its hash; results record the seed.
        """
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        data.pop("name"), data.pop("description")
        if not data.get("timeline"):
            data.pop("timeline", None)
        data["simulation"].pop("seed"), data["simulation"].pop("replications")
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _listed(years: list[int]) -> str:
    """2012 / 2012 and 2017 / 2012, 2013 and 2017."""
    names = [str(y) for y in years]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def toml_ready(value: Any) -> Any:
    """TOML has no None or tuples; drop the one and list the other."""
    if isinstance(value, dict):
        return {k: toml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [toml_ready(v) for v in value]
    return value
