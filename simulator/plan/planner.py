"""`make_plan`: the least staffing plan that meets the targets, certified, with its evidence.

The steps (docs/planning.md has the method, its references and a worked example):

1. **Instant start.** The offered load per period (`naive.period_load`) gives the first
   guess, ⌈open cases at the confidence quantile ÷ limit⌉ posts.
2. **Search** (`search.least_staffing`) on replications 0 .. R − 1: iterative staffing,
   then period by period in time order, with common random numbers.
3. **Rules** (`constrain`): --max-change (hire earlier, cut later, at most so many a
   period) and --no-firing (posts never fall: staff leave only by turnover). Raising a
   period lowers its caseload, but not always its on-time share (a staffing entry shares
   the cases out again; a rule that keeps the posts removes that entry): the certificate
   judges the plan as ruled.
4. **Certificate** (`certify.certify`) on fresh replications R, R + 1, ...: a period
   declared missed gets one more caseworker and the whole plan is checked again (its
   later periods rerun with the backlog the raised one leaves), until it is certified.
5. **Minimality** (`certify.one_fewer`): one fewer caseworker in any period set by its
   need misses; where one fewer also meets, the period is lowered and the plan checked
   again.
6. **Evidence** on the certificate's first replications (common random numbers): the
   current staffing, the naive plans (average demand ÷ limit; Erlang C per period), and
   the plan shifted by −2 .. +1 caseworkers in every period (the trade-off).

The plan's posts in period k are filled on the period's first day (the model fills a
new post on the day of the staffing entry, `simulate`); recruiting for them must start a
recruitment time earlier (`lead_time`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.analysis.mechanisms import empty_start
from simulator.engine.calendar import WorkCalendar
from simulator.experiments.executors import closing, make_executor
from simulator.plan.certify import (
    MET,
    MISSED,
    UNDECIDED,
    Certificate,
    OneFewer,
    certify,
    one_fewer,
)
from simulator.plan.naive import (
    PeriodLoad,
    average_plan,
    erlang_c_plan,
    median_deadline,
    offered_start,
    period_load,
)
from simulator.plan.offered_load import _cdf, offered_load, share_at_work
from simulator.plan.search import (
    COSTLY,
    NOT_BY_POSTS,
    PREMIUM,
    Price,
    Search,
    caseload_posts,
    least_staffing,
    met,
    premium_top,
    required,
    work_posts,
)
from simulator.plan.simulate import (
    KEYS,
    PlanError,
    Sample,
    Simulator,
    duration_years,
    scaled_arrivals,
)
from simulator.plan.targets import Periods, PeriodStep, Targets, planning_periods
from simulator.scenario import changed_scenario
from simulator.scenario.schema import Scenario, Turnover

# Certificate and minimality rounds: a safety net, not a budget. Every round but the last
# raises a period a certificate found short, prices a period's deadlines (once each), or
# lowers one that one fewer was shown to meet (never to posts a certificate declared
# missed), so the rounds end by themselves, with the plan certified; a plan still short
# when the net is reached is reported as it is. (A budget of 4 rounds used to end
# quota_doubled's checks with two quarters still declared missed.)
MAX_ROUNDS = 40
SHIFTS = (-2, -1, 1)  # the trade-off: the plan with this many more caseworkers a period
NEEDED = "needed"
LEVELLED = "levelled (posts kept a year)"
# a period whose posts are its caseload's need, its deadlines not worth more (`search.worth`)
DEADLINES = {COSTLY: "needed; on time only at very high cost",
             NOT_BY_POSTS: "needed; on time not shown to rise with posts"}  # fmt: skip
JUDGED_ON_CASELOAD = tuple(DEADLINES.values())
# the reasons whose periods the certificate may raise (not those a rule or the model caps)
FIXABLE = (NEEDED, *JUDGED_ON_CASELOAD, LEVELLED, "hired early (--max-change)",
           "kept (--no-firing)", "cut slowly (--max-change)")  # fmt: skip
EVIDENCE = 8  # replications of each other plan (the first of the certificate's)


@dataclass(frozen=True)
class PlanOptions:
    """Everything `caseload plan` asks (docs/planning.md)."""

    targets: Targets = field(default_factory=Targets)
    start: dt.date | None = None
    until: dt.date | None = None
    step: PeriodStep = "quarter"
    max_change: int | None = None
    no_firing: bool = False
    hold_years: float = 1.0  # posts do not fall after a rise, or rise after a fall, within
    deadline_premium: float = PREMIUM  # posts the deadlines are worth above the caseload's
    arrivals_range: tuple[float, float] | None = None
    replications: int = 20
    max_replications: int = 100
    seed: int | None = None
    workers: int | None = None
    evidence: bool = True  # the naive plans, the current staffing and the trade-off

    def __post_init__(self) -> None:
        if self.replications < 2:
            raise ValueError("replications: the search needs at least 2")
        if self.max_replications < self.replications:
            raise ValueError("max_replications must be at least replications")
        if not 0 <= self.hold_years <= 10:
            raise ValueError(f"hold_years is from 0 to 10 (got {self.hold_years:g})")
        if not 0 <= self.deadline_premium <= 10:
            raise ValueError(
                f"deadline_premium is a share from 0 to 10 (got {self.deadline_premium:g})"
            )
        if self.max_change is not None and self.max_change < 1:
            raise ValueError("max_change must be at least 1")
        if self.arrivals_range is not None:
            low, high = self.arrivals_range
            if not 0 < low <= 1 <= high:
                raise ValueError(
                    "arrivals range: factors low,high with 0 < low <= 1 <= high "
                    f"(got {low:g},{high:g})"
                )


@dataclass(frozen=True)
class LeadTime:
    """How long before a post must be filled recruiting must start."""

    days: float  # the recruitment time's quantile at the confidence
    level: float
    mean: float
    learning_days: float
    start_productivity: float
    assumed: bool  # the scenario has no [turnover]: the schema's defaults


@dataclass(frozen=True)
class Evidence:
    """Other plans run on the certificate's first replications."""

    name: str
    plan: tuple[int, ...]
    sample: Sample


@dataclass
class Plan:
    """The plan, its certificate, its minimality and the evidence (`make_plan`)."""

    scenario: Scenario
    options: PlanOptions
    periods: Periods
    seed: int
    posts: list[int]
    needs: list[int]
    reasons: list[str]
    current: int
    start: list[int]
    search: Search
    certificate: Certificate
    minimality: list[OneFewer]
    lead: LeadTime
    load: PeriodLoad
    arrivals_factor: float
    evidence: list[Evidence] = field(default_factory=list)
    robust_factor: float = math.nan  # the plan's caseload holds up to this arrivals factor
    robust_factor_one_more: float = math.nan  # and with one more caseworker in every period
    breaks_in: int | None = None  # the period that breaks first beyond it
    range_needs: dict[str, list[int]] = field(default_factory=dict)
    runs: int = 0
    warmups: int = 0  # warm-ups simulated once and shared by the runs (`snapshots`)
    runs_by_phase: dict[str, int] = field(default_factory=dict)  # search, certificate, ...
    simulated_years: float = 0.0
    events: int = 0
    cpu_seconds: float = 0.0  # CPU time of the replications (all processes)
    wall_seconds: float = 0.0
    rounds: int = 0
    notes: list[str] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)  # "", COSTLY, NOT_BY_POSTS per period
    prices: dict[int, Price] = field(default_factory=dict)  # what the deadlines would cost

    @property
    def caseload_only(self) -> list[bool]:
        """The periods the certificate judged on their caseload alone: those whose
        deadlines were found not worth more posts at their need (`search.worth`, or the
        certificate). A rule that raised a period above its need does not make its
        deadlines worth buying; a period that is only levelled is judged on both targets."""
        return [bool(d) for d in self.deadlines]

    @property
    def hires(self) -> list[int]:
        """New posts to fill at the start of each period."""
        before = [self.current, *self.posts[:-1]]
        return [max(0, b - a) for a, b in zip(before, self.posts, strict=True)]

    @property
    def recruit_by(self) -> list[dt.date | None]:
        """The day recruiting must start for each period's new posts (None: no new post)."""
        lag = dt.timedelta(days=math.ceil(self.lead.days))
        return [d - lag if h else None for d, h in zip(self.periods.dates, self.hires, strict=True)]

    @property
    def certified(self) -> bool:
        return self.certificate.certified

    @property
    def hold(self) -> int:
        """Periods within which posts that rise do not fall again (`hold_periods`)."""
        return hold_periods(self.options)

    @property
    def replications_simulated(self) -> int:
        return self.runs


def make_plan(
    scenario: Scenario,
    options: PlanOptions | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Plan:
    """The least staffing plan for `scenario` that meets `options.targets` (module docstring).
    `progress` is told what the planner is doing ("search", "check", "one fewer",
    "evidence") and how many runs it has simulated, after each run."""
    options = options or PlanOptions()
    doing = ["search"]
    targets = options.targets
    started = time.perf_counter()
    try:
        periods = planning_periods(scenario, options.start, options.until, options.step)
    except ValueError as exc:
        raise PlanError(str(exc)) from None
    seed = scenario.simulation.seed if options.seed is None else options.seed
    factor = options.arrivals_range[1] if options.arrivals_range else 1.0
    planned = planned_runs(scenario, factor, periods)  # the runs' horizon, past the end too
    load = period_load(offered_load(planned, step="month"), periods.bounds, planned)
    notes: list[str] = []
    if targets.caseload == "each" and scenario.caseworkers.assignment != "fixed":
        raise PlanError("--caseload-measure each needs caseworkers.assignment = 'fixed'")
    with (
        closing(make_executor(options.workers)) as executor,
        contextlib.closing(Simulator(scenario, periods, executor, seed, factor)) as simulator,
    ):
        if progress is not None:
            simulator.progress = lambda runs: progress(doing[0], runs)
        search_reps = range(options.replications)
        fresh = list(range(options.replications, options.replications + options.max_replications))
        batch = max(4, 2 * executor.workers)
        start = offered_start(load, targets)
        capacity = post_hours(scenario, periods)
        premium = options.deadline_premium
        search = least_staffing(simulator, targets, start, search_reps, capacity, premium)
        phases = {"search": simulator.runs, "certificate": 0, "minimality": 0, "evidence": 0}
        needs = list(search.plan)
        deadlines = list(search.deadlines)
        prices = dict(search.prices)
        hold = hold_periods(options)

        def ruled() -> tuple[list[int], list[str]]:
            plan_, why = constrain(needs, simulator.current, options.max_change,
                                   options.no_firing, hold)  # fmt: skip
            return plan_, mark_deadlines(why, deadlines)

        posts, reasons = ruled()
        rounds = 0
        chased = [False] * periods.n  # raised once for its deadlines alone
        missed_at = [0] * periods.n  # the most posts a certificate declared missed
        while True:
            rounds += 1
            runs = simulator.runs
            only = [bool(d) for d in deadlines]
            doing[0] = "check"
            certificate = certify(simulator, posts, targets, fresh, batch, only)
            last = rounds >= MAX_ROUNDS
            fixable, priced = _to_fix(certificate, targets, reasons, premium, capacity, chased,
                                      len(fresh))  # fmt: skip
            if (last or not (fixable or priced)) and not _complete(certificate, len(fresh)):
                # a period missed that nothing (more) will fix: check every period to the end
                certificate = certify(simulator, posts, targets, fresh, batch, only, False)
                fixable, priced = _to_fix(certificate, targets, reasons, premium, capacity,
                                          chased, len(fresh))  # fmt: skip
            phases["certificate"] += simulator.runs - runs
            for k, check in enumerate(certificate.checks):
                if check.decision == MISSED:  # never lowered to this again
                    missed_at[k] = max(missed_at[k], posts[k])
            if (fixable or priced) and not last:
                for k in fixable:
                    needs[k] = max(needs[k], posts[k] + 1)
                    chased[k] = chased[k] or _on_time_alone(certificate, targets, k)
                for k in priced:
                    deadlines[k] = COSTLY
                    prices.pop(k, None)  # the search's price met the target; these futures did not
                    if reasons[k] == NEEDED:
                        needs[k] = base_posts(certificate.sample, targets, k, capacity[k])
                posts, reasons = ruled()
                continue
            # one fewer in each period set by its need; in one judged on its caseload alone,
            # only where one fewer can still do its work (`work_posts`)
            tested = [k for k, r in enumerate(reasons) if r == NEEDED or (
                r in JUDGED_ON_CASELOAD and posts[k] - 1 >= work_posts(certificate.sample, k,
                                                                       capacity[k]))]  # fmt: skip
            runs = simulator.runs
            doing[0] = "one fewer"
            minimality = one_fewer(simulator, posts, tested, targets, fresh, batch, certificate,
                                   only)  # fmt: skip
            phases["minimality"] += simulator.runs - runs
            lower = [
                f.period for f in minimality if f.decision == MET and f.posts > missed_at[f.period]
            ]
            if lower and not last and not (fixable or priced):
                for k in lower:
                    needs[k] -= 1
                posts, reasons = ruled()
                continue
            break
        plan = Plan(
            scenario=scenario,
            options=options,
            periods=periods,
            seed=seed,
            posts=posts,
            needs=needs,
            reasons=reasons,
            current=simulator.current,
            start=start,
            search=search,
            certificate=certificate,
            minimality=minimality,
            lead=lead_time(scenario, targets.confidence),
            load=load,
            arrivals_factor=factor,
            rounds=rounds,
            notes=notes,
            deadlines=deadlines,
            prices=prices,
        )
        runs = simulator.runs
        if options.evidence:
            doing[0] = "evidence"
            plan.evidence = _evidence(plan, simulator, fresh[: min(EVIDENCE, len(fresh))])
        phases["evidence"] = simulator.runs - runs
        plan.runs_by_phase = phases
        _risk(plan)
        plan.runs = simulator.runs
        plan.warmups = simulator.warmups
        plan.simulated_years = simulator.simulated_days / 365.25
        plan.events = simulator.events
        plan.cpu_seconds = simulator.cpu_seconds
    plan.notes.extend(_notes(plan))
    plan.wall_seconds = time.perf_counter() - started
    return plan


def base_posts(sample: Sample, targets: Targets, k: int, capacity: float) -> int:
    """The posts period k's caseload and its work need, read off `sample`: what a period
    whose deadlines are not worth more posts keeps."""
    return max(caseload_posts(sample, targets, k), work_posts(sample, k, capacity))


def _to_fix(
    certificate: Certificate,
    targets: Targets,
    reasons: Sequence[str],
    premium: float,
    capacity: Sequence[float],
    chased: Sequence[bool],
    replications: int,
) -> tuple[list[int], list[int]]:
    """The periods the certificate found short that get one more post (`fixable`), and
    those whose deadlines are not worth another (`priced`): short on their on-time share
    alone with posts past the deadline premium above their base, or raised for it once
    already and still short. The search met their deadlines on its futures; the fresh
    futures did not, and one more post (within the premium) did not either: they are
    judged on the caseload from then on, at their base if they were set by their need."""
    fixable, priced = [], []
    for k in short_of(certificate, targets, replications):
        if reasons[k] not in FIXABLE:
            continue
        base = base_posts(certificate.sample, targets, k, capacity[k])
        if _on_time_alone(certificate, targets, k) and (
            certificate.plan[k] + 1 > premium_top(base, premium) or chased[k]
        ):
            priced.append(k)
            continue
        fixable.append(k)
    return fixable, priced


def _complete(certificate: Certificate, replications: int) -> bool:
    """Whether every period of `certificate` is decided or used every replication."""
    return all(c.decision != UNDECIDED or c.replications >= replications
               for c in certificate.checks)  # fmt: skip


def hold_periods(options: PlanOptions) -> int:
    """`options.hold_years` in periods (a year is 4 quarters or 12 months)."""
    return round(options.hold_years * (4 if options.step == "quarter" else 12))


def _on_time_alone(certificate: Certificate, targets: Targets, k: int) -> bool:
    """Whether period k meets its caseload target on the certificate's futures (so that
    it is short on its on-time share alone)."""
    flags = [j == k for j in range(len(certificate.plan))]  # the caseload alone in k
    return bool(met(certificate.sample, targets, flags)[:, k].mean() >= targets.confidence)


def mark_deadlines(reasons: list[str], deadlines: Sequence[str]) -> list[str]:
    """`reasons`, with the periods set by their need whose deadlines are not worth more
    posts (COSTLY, NOT_BY_POSTS) marked so. A period a rule raised above its need keeps
    the rule as its reason: its posts are not its caseload's need."""
    pairs = zip(reasons, deadlines, strict=True)
    return [DEADLINES[d] if d and r == NEEDED else r for r, d in pairs]


def short_of(certificate: Certificate, targets: Targets, replications: int = 0) -> list[int]:
    """The periods the certificate did not find enough: declared missed, or undecided
    after every replication (at least `replications`: a check stopped early at another
    period's miss leaves the rest undecided, which says nothing of them) with an estimate
    below the confidence. (An undecided period
    estimated at or above it lies in the indifference zone, where either answer is
    acceptable: it is kept, and the page gives its estimate and interval; with targets on
    the means, an undecided period's means lie within the bounds' reach of the targets.)"""
    out = []
    for k, check in enumerate(certificate.checks):
        rate = check.successes / check.replications if check.replications else 0.0
        low = targets.meet == "probability" and check.decision == UNDECIDED
        low = low and check.replications >= replications
        if check.decision == MISSED or (low and rate < targets.confidence):
            out.append(k)
    return out


def constrain(
    needs: Sequence[int],
    current: int,
    max_change: int | None,
    no_firing: bool,
    hold: int = 0,
) -> tuple[list[int], list[str]]:
    """The least plan at or above `needs` that keeps the rules, and why each period has
    the posts it has: "needed", "hired early (--max-change)", "kept (--no-firing)",
    "cut slowly (--max-change)", LEVELLED (posts do not fall within `hold` periods of a
    rise, nor rise within them of a fall, `level`), or "short:
    --max-change" where even the fastest hiring from the current staff cannot reach the
    need."""
    plan = list(needs)
    why = [NEEDED] * len(plan)
    for _ in range(len(plan) + 1):  # a rule may undo another's work: repeat until settled
        before = list(plan)
        _rules(plan, why, current, max_change, no_firing, hold)
        if plan == before:
            break
    return plan, why


def level(plan: Sequence[int], hold: int, current: int | None = None) -> list[int]:
    """The hold: the least plan at or above `plan` (fewest posts summed over the periods) in
    which posts that rise do not fall again, and posts that fall do not rise again, within
    `hold` periods. A change from `current` (the staff before the first period) into the
    first period counts as a rise or a fall there. Nobody is hired to be let go within the
    hold, and no post is cut to be filled again within it (a plan by month would otherwise
    cut a post for a month and recruit for the next); staff leave by turnover, which the
    runs include.

    Found exactly by dynamic programming over the periods, the state being the posts, the
    direction of the latest change and the periods since it (only the latest change can
    forbid the next: a fall allowed after a rise leaves every later fall allowed, and so
    for rises). Of equally small plans, the one with the fewest posts earliest (hiring as
    late as the rule allows).
    """
    if hold <= 1 or not plan:
        return list(plan)
    values = range(min(plan), max(*plan, current if current is not None else 0) + 1)
    State = tuple[int, int, int]  # posts, latest change (+1 rise, -1 fall, 0 none), its age

    def moves(state: State, need: int) -> list[tuple[int, State]]:
        posts, change, age = state
        elapsed = min(age + 1, hold)
        out = []
        for w in values:
            if w < need:
                continue
            if w > posts and not (change == -1 and elapsed < hold):
                out.append((w, (w, 1, 0)))
            elif w < posts and not (change == 1 and elapsed < hold):
                out.append((w, (w, -1, 0)))
            elif w == posts:
                out.append((w, (w, change, elapsed)))
        return out

    n = len(plan)
    to_go: list[dict[State, float]] = [{} for _ in range(n + 1)]

    def cost(k: int, state: State) -> float:
        """The least posts summed over periods k.. from `state` (infinite: no plan)."""
        if k == n:
            return 0.0
        known = to_go[k].get(state)
        if known is None:
            known = min((w + cost(k + 1, s) for w, s in moves(state, plan[k])), default=math.inf)
            to_go[k][state] = known
        return known

    state: State = (current, 0, hold) if current is not None else (-1, 0, hold)
    out = []
    for k in range(n):
        options = moves(state, plan[k]) if current is not None or k else [
            (w, (w, 0, hold)) for w in values if w >= plan[k]]  # fmt: skip
        w, state = min(options, key=lambda o: (o[0] + cost(k + 1, o[1]), o[0]))
        out.append(w)
    return out


def _rules(
    plan: list[int],
    why: list[str],
    current: int,
    max_change: int | None,
    no_firing: bool,
    hold: int,
) -> None:
    """One pass of `constrain`'s rules over `plan` and its reasons `why` (in place)."""

    def raise_to(k: int, value: int, reason: str) -> None:
        if value > plan[k]:
            plan[k], why[k] = value, reason

    if hold > 1:
        for k, value in enumerate(level(plan, hold, current)):
            raise_to(k, value, LEVELLED)
    if max_change:
        for k in range(len(plan) - 2, -1, -1):
            raise_to(k, plan[k + 1] - max_change, "hired early (--max-change)")
    if no_firing:
        previous = current
        for k in range(len(plan)):
            raise_to(k, previous, "kept (--no-firing)")
            previous = plan[k]
    if max_change:
        previous = current
        for k in range(len(plan)):
            raise_to(k, previous - max_change, "cut slowly (--max-change)")
            if plan[k] > previous + max_change:
                plan[k], why[k] = previous + max_change, "short: --max-change"
            previous = plan[k]


def lead_time(scenario: Scenario, level: float) -> LeadTime:
    """The recruitment time not exceeded with probability `level` (the confidence): the
    scenario's [turnover] recruitment_days, or the schema's default if it has none."""
    turnover = scenario.turnover
    spec = turnover or Turnover()
    dist = spec.recruitment_days
    low, high = 0.0, max(1.0, 10 * dist.mean())
    while _cdf(dist, np.array([high]))[0] < level:
        high *= 2
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if _cdf(dist, np.array([mid]))[0] < level else (low, mid)
    return LeadTime(high, level, dist.mean(), spec.learning_days, spec.start_productivity,
                    turnover is None)  # fmt: skip


def post_hours(scenario: Scenario, periods: Periods) -> list[float]:
    """Casework hours one post gives in each period: the calendar's working days times the
    daily casework hours (around the clock in continuous mode), times the share at work."""
    staff, cal = scenario.caseworkers, scenario.calendar
    days = int(periods.bounds[-1]) + 2
    calendar = WorkCalendar(
        scenario.simulation.start_date,
        days,
        staff.casework_hours_per_day,
        continuous=cal.mode == "continuous",
        start_hour=cal.workday_start_hour,
        public_holidays=cal.public_holidays,
        closed_month_days=cal.closed_month_days,
    )
    per_day = 24.0 if calendar.continuous else staff.casework_hours_per_day
    working = np.concatenate([[0], np.cumsum(calendar.workday)])
    b = np.clip(periods.bounds.astype(int), 0, days)
    at_work = share_at_work(scenario)
    return [float(working[b1] - working[b0]) * per_day * at_work
            for b0, b1 in itertools.pairwise(b)]  # fmt: skip


def planned_runs(
    scenario: Scenario, factor: float = 1.0, periods: Periods | None = None, what: str = ""
) -> Scenario:
    """The scenario the planner's runs simulate: quotas times `factor`, and the horizon
    to the end of `periods` where that is later than the scenario's end (as `Simulator`
    extends it). A scenario that cannot run that long (yearly quotas that stop) raises a
    `ScenarioError` naming `what` (the file) and --until."""
    planned = planned_arrivals(scenario, factor)
    sim = planned.simulation
    if periods is None or float(periods.bounds[-1]) <= sim.duration_days + 1e-9:
        return planned
    years = duration_years(periods.start, float(periods.bounds[-1]))
    source = f"{what} with --until {periods.end}" if what else f"--until {periods.end}"
    return changed_scenario(planned.to_dict(), {KEYS["duration"]: years}, source)


def planned_arrivals(scenario: Scenario, factor: float) -> Scenario:
    """`scenario` with its quotas multiplied by `factor` (the planned range's high end)."""
    if factor == 1.0:
        return scenario
    return changed_scenario(scaled_arrivals(scenario.to_dict(), factor), {}, "<plan arrivals>")


def status_quo(scenario: Scenario, periods: Periods) -> list[int]:
    """The scenario's own staffing at each period's first day."""
    staffing = scenario.caseworkers.staffing
    return [[c.caseworkers for c in staffing if c.date <= d][-1] for d in periods.dates]


def _evidence(plan: Plan, simulator: Simulator, reps: Sequence[int]) -> list[Evidence]:
    """The current staffing, the naive plans and the trade-off, on `reps`."""
    targets = plan.options.targets
    base = simulator.sample(plan.posts, reps)
    hours = float(base["task_hours"].sum() / max(base["opened"].sum(), 1.0))
    staff = plan.scenario.caseworkers
    workdays = 5 / 7 if plan.scenario.calendar.mode != "continuous" else 1.0
    hours_per_day = (24.0 if workdays == 1.0 else staff.casework_hours_per_day) * workdays
    plans = {
        "current staffing": status_quo(plan.scenario, plan.periods),
        f"average demand ÷ {targets.caseload_limit:g}": average_plan(
            plan.load, targets.caseload_limit
        ),
        "Erlang C per " + plan.periods.step: erlang_c_plan(
            plan.load.openings_per_day,
            hours,
            hours_per_day,
            targets.on_time,
            median_deadline(plan.scenario),
        ),
    }
    for shift in SHIFTS:
        plans[f"plan {shift:+d}"] = [max(1, p + shift) for p in plan.posts]
    names = list(plans)
    samples = simulator.samples([(plans[n], reps, None) for n in names])
    out = [Evidence("plan", tuple(plan.posts), base)]
    out.extend(Evidence(n, tuple(plans[n]), s) for n, s in zip(names, samples, strict=True))
    return out


def arrivals_factor_needs(plan: Plan, factor: float, limit: float | None = None) -> list[int]:
    """Posts each period needs for the caseload limit (`limit`, default the target's) with
    the arrivals from the first period on multiplied by `factor`, read off the
    certificate's runs: the cases opened from then on scale with the arrivals, the cases
    open before do not, and the posts filled scale with the posts (vacancies)."""
    targets = plan.options.targets
    limit = targets.caseload_limit if limit is None else limit
    sample = plan.certificate.sample
    posts = np.asarray(plan.posts, dtype=float)
    old = sample["open"] - sample["open_new"]
    load = (old + factor * sample["open_new"]) / (sample["staff"] / posts)  # open cases per post
    need = np.ceil(load / limit - 1e-9)
    out = []
    for k in range(need.shape[1]):
        values = np.sort(need[np.isfinite(need[:, k]), k])
        if values.size == 0:
            out.append(plan.posts[k])
        elif targets.meet == "mean":
            out.append(math.ceil(float(np.nanmean(load[:, k])) / limit - 1e-9))
        else:
            out.append(int(values[required(values.size, targets) - 1]))  # as the search reads
    return out


def _risk(plan: Plan) -> None:
    """Which arrivals break the plan: the largest factor on the arrivals from the first
    period on for which every period's caseload need (`arrivals_factor_needs`) stays
    within the plan, and the period that breaks first beyond it."""
    posts = np.asarray(plan.posts)
    factor, step = 1.0, 0.01
    if np.all(np.asarray(arrivals_factor_needs(plan, 1.0)) <= posts):
        while factor < 5 and np.all(
            np.asarray(arrivals_factor_needs(plan, factor + step)) <= posts
        ):
            factor += step
        beyond = np.asarray(arrivals_factor_needs(plan, factor + step)) > posts
        plan.breaks_in = int(np.argmax(beyond)) if beyond.any() else None
    plan.robust_factor = factor * plan.arrivals_factor
    more = posts + 1
    spare = 1.0
    while spare < 5 and np.all(np.asarray(arrivals_factor_needs(plan, spare + step)) <= more):
        spare += step
    plan.robust_factor_one_more = spare * plan.arrivals_factor
    if plan.options.arrivals_range:
        low, high = plan.options.arrivals_range
        for name, f in (("low", low), ("central", 1.0), ("high", high)):
            plan.range_needs[name] = arrivals_factor_needs(plan, f / plan.arrivals_factor)


def _notes(plan: Plan) -> list[str]:
    """What the reader of the page must know about this plan's inputs."""
    notes = []
    s = plan.scenario
    if s.turnover is None:
        notes.append(
            "The scenario has no [turnover]: nobody resigns, new posts are filled at full "
            "speed, and the lead time uses the default recruitment time "
            f"(mean {plan.lead.mean:.0f} days)."
        )
    if s.absence is None:
        notes.append("The scenario has no [absence]: caseworkers are never on vacation or sick.")
    empty = empty_start(s)
    if empty is not None:
        notes.append(empty)
    if s.initial_state is None and s.simulation.warmup_years > 0:
        notes.append(
            f"The office starts empty on {s.simulation.start_date} and fills during a "
            f"{s.simulation.warmup_years:g}-year warm-up with the current staffing; a "
            "scenario with [initial_state] starts from today's caseload instead."
        )
    first = plan.recruit_by[0]
    if first is not None and first < plan.periods.dates[0]:
        notes.append(
            f"The first {plan.periods.step}'s {plan.hires[0]} new posts should have been "
            f"recruited from {first}: the plan assumes they are filled on "
            f"{plan.periods.dates[0]}."
        )
    if any(r.startswith("short") for r in plan.reasons):
        notes.append("--max-change keeps some periods below their need: see 'why'.")
    notes.extend(deadline_notes(plan))
    missed = [plan.periods.labels[k] for k in plan.certificate.missed]
    if missed:
        notes.append("Still missing its targets after the checks: " + ", ".join(missed) + ".")
    return notes


def deadline_notes(plan: Plan) -> list[str]:
    """What the page says of the periods whose deadlines are not worth more posts: which,
    why, what they would cost, and what would reach them instead."""
    labels, t = plan.periods.labels, plan.options.targets
    premium = f"{plan.options.deadline_premium:.0%}"
    stat = (f"on time in {t.confidence:.0%} of futures" if t.meet == "probability"
            else "on time on average")  # fmt: skip
    out = []
    for kind, words in ((COSTLY, "reachable only at very high cost"),
                        (NOT_BY_POSTS, "not shown to be reachable by more posts")):  # fmt: skip
        periods = [k for k, r in enumerate(plan.reasons) if r == DEADLINES[kind]]
        if not periods:
            continue
        where = ", ".join(labels[k] for k in periods)
        text = f"The on-time target ({t.on_time:.0%}) is {words} in {where}: "
        text += (
            f"{premium} more posts than the caseload and the work need do not meet it"
            if kind == COSTLY
            else f"{premium} more posts than the caseload and the work need are not shown "
            "to bring more of it on time"
        )
        prices = [
            f"{labels[k]}: {stat} {p.share_base:.0%} with {p.base} posts, {p.share_top:.0%} with "
            f"{p.top} ({100 * p.gain_per_post:+.1f} points a post; "
            f"{100 * p.needed_per_post:.1f} needed)"
            for k in periods
            if (p := plan.prices.get(k)) is not None and p.top > p.base
        ]
        if prices:
            text += " (" + "; ".join(prices) + ")"
        text += (
            ". These periods keep the posts their caseload needs and are judged on the "
            "caseload limit alone."
        )
        out.append(text)
    if out:
        out.append(what_reaches_deadlines(plan.scenario))
    return out


def what_reaches_deadlines(scenario: Scenario) -> str:
    """What would bring the deadlines instead of posts, as far as the scenario shows."""
    staff = scenario.caseworkers
    if scenario.absence is not None and staff.absence_cover == "wait":
        cover = (
            ' (caseworkers.absence_cover = "pool")'
            if staff.assignment == "fixed"
            else ' (caseworkers.absence_cover = "pool", with assignment = "fixed")'
        )
        return (
            "An absent caseworker's tasks wait for their return in this scenario "
            '(caseworkers.absence_cover = "wait"): deadlines falling in a holiday or a sick '
            f"spell are missed whatever the posts. Cover by colleagues{cover} is what to "
            "test, not more posts (caseload compare)."
        )
    return (
        "What would bring them is a policy, not posts: deadlines shorter than the next "
        "casework window, or triage of the statutory tasks first ([triage]); test it with "
        "caseload compare."
    )


def costs(scenario: Scenario) -> dict[str, float]:
    """The scenario's prices by name (`costs.salary_dkk_per_caseworker_year`,
    `costs.benefit_dkk_per_person_month`: its [costs] table, or their defaults)."""
    table = scenario.costs
    return {
        "salary_year": table.salary_dkk_per_caseworker_year,
        "benefit_month": table.benefit_dkk_per_person_month,
    }


__all__ = ["MISSED", "Plan", "PlanError", "PlanOptions", "constrain", "make_plan"]
