"""The instant answer: open cases over time from a scenario alone, without simulating.

With ample caseworkers, how long a case stays open does not depend on any other case,
so the office is an infinite-server queue with a time-varying arrival rate (M_t/G/∞).
Eick, Massey & Whitt ("The physics of the M_t/G/∞ queue", *Operations Research* 41(4),
1993) show that the number of cases open at time t is then Poisson with mean

    m(t) = ∫ λ(u) · P(open duration > t − u) du,

λ being the rate at which cases open. Here λ has three parts, as in `simulator.engine.model`:

- refugees placed by the arrival schedule (`simulator.engine.arrivals`): households are
  placed at the rate persons ÷ mean persons per household (or adults ÷ mean adults, as
  `arrivals.counts` says), and each adult opens a case;
- spouses reunified to them, a delayed second stream: λ_fam(t) = ∫ λ_households(u) ·
  (spouse cases per household) · f_delay(t − u) du, the delay being the waiting rule,
  the application, the Immigration Service's processing and the family's travel;
- spouses of Danish citizens, by their own schedule, if the scenario has them.

P(open > s) follows the exit rules of `simulator.engine.sampling` (`ExitSampler`,
`PersonSampler`): a self-support hazard constant within each year per person kind, a
constant hazard of leaving for other reasons, the end of the integration period, for
the traumatised share no self-support until treatment starts (the treatment wait is
integrated over numerically) and a multiplied hazard after it, and, for people whose
catalogue has employment work, `exit.before_effort_multiplier` times the hazard until
their employment effort begins (see the assumptions).

**The spread is compound Poisson, not Poisson.** A couple's two adults open their cases
together, and a spouse who follows belongs to the same household, so cases do not arrive
one at a time. Households still arrive as a Poisson process and each one's cases run
independently of every other household's, so the households with k cases open at time t
form independent Poisson counts M_k(t) with means μ_k(t), and the open cases are
N(t) = Σ_k k · M_k(t): mean m(t) = Σ_k k μ_k(t), variance Σ_k k² μ_k(t) (1.52 m(t) in the
baseline at steady state). When every household brings one adult and no family
follows, this is the Poisson law of Eick, Massey & Whitt. The quantiles below are those
of N(t), computed exactly from its probability generating function.

**Assumptions**, each the simulator's behaviour when caseworkers are ample:

- The reunification application is sent `application_days` after the principal may
  apply (default 0): with ample staff the help task (3 hours) is done in about a day
  (1.04 days on average in the baseline calendar), against some 160 days of processing
  and travel. If the principal's case
  has closed by then, or the catalogue has no help task for them, it is sent
  `unaided_delay_days` later, as in `Municipality.application`.
- The employment effort begins when the first employment task falls due (by its
  trigger, counted from treatment for the traumatised, as the catalogue lays it out) plus
  `effort_days` (default 0): with ample staff the task is started when the next casework
  window opens (under a day on average in the baseline calendar; before the effort the
  hazard is 0.77 times the usual, so leaving the delay out moves P(open) by about 1e-4
  at most). Employment
  tasks that require children are left out of that first time; a rate-triggered one is
  taken to fall due at its mean time to the first occurrence (an approximation).
- A case is open from its opening until the closure task is done; the closure task is
  taken to add `closure_days` (default 0). With ample staff it is done in the next
  casework window: 0.89 days on average in the baseline calendar (nights, weekends and
  holidays), which adds 0.23 open cases to the baseline's 231 (0.1 %); pass it as
  `closure_days` to include it.
- With `process = "exact"` arrivals are not Poisson: the mean holds, the quantiles then
  overstate the spread.

Everything is computed with numpy on a grid of `resolution_days` (a quarter of a day by
default, so the end of the integration period, 3 × 365.25 days, falls on it), by fast
convolutions: a scenario takes milliseconds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

from simulator.analysis.standards import CASELOAD_LIMIT, CONFIDENCE
from simulator.engine.arrivals import month_starts, monthly_expected
from simulator.engine.calendar import WorkCalendar
from simulator.engine.sampling import yearly_hazards
from simulator.scenario.distributions import Distribution, Empirical, Exponential, Fixed, Lognormal
from simulator.scenario.schema import (
    DAYS_PER_YEAR,
    STATUSES,
    After,
    AtRate,
    Every,
    Scenario,
    Schedule,
    Simulation,
)

if TYPE_CHECKING:
    import pandas as pd

Step = Literal["quarter", "month", "week"]
STEPS: tuple[Step, ...] = ("quarter", "month", "week")
STREAMS = ("refugee", "reunified", "danish_spouse")  # who opens a case (person kinds)
DEFAULT_LEVELS = (0.1, 0.5, 0.9, 0.95)
MAX_BATCH = 3  # most cases one household can have open: two adults and a reunified spouse


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class LoadGrid:
    """The load on the fine time grid it is computed on.

    `days[k]` is k grid steps after the scenario's start (days). `openings[stream][j]`
    is the expected number of cases of that stream opening in [days[j], days[j + 1]).
    `batches[k - 1, i]` is μ_k at `days[i]`: the expected number of households (or
    single people) with exactly k cases open. `open_by_stream[stream][i]` is the
    expected number of that stream's cases open at `days[i]`.
    """

    days: np.ndarray
    openings: dict[str, np.ndarray]
    open_by_stream: dict[str, np.ndarray]
    batches: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """m(t): expected open cases at each grid time."""
        return np.arange(1, MAX_BATCH + 1) @ self.batches

    @property
    def variance(self) -> np.ndarray:
        """Variance of the open cases at each grid time: Σ_k k² μ_k (compound Poisson)."""
        return np.arange(1, MAX_BATCH + 1) ** 2 @ self.batches


@dataclass(frozen=True, eq=False)
class OfferedLoad:
    """Offered load per planning period (quarter, month or week) of a scenario.

    Periods are calendar quarters or months (the first one starts on the scenario's start
    date), or 7-day weeks from the start date, like the simulator's weekly series.

    - `dates`, `start_day`, `end_day`: each period's first day, and its bounds in days
      since the start.
    - `openings[stream]`: expected cases opening in the period (`refugee`: placed adults;
      `reunified`: spouses reunified to them; `danish_spouse`); `opening_rate` is their
      total per day, λ(t).
    - `mean_open`: m(t) averaged over the period (what the simulator's weekly
      `open_cases` series estimates for weeks); `peak_open`, `peak_day`: its highest
      value in the period, and when.
    - `quantiles[p, j]`: the `levels[j]` quantile of the number of open cases at the
      period's peak (`quantile` gives any other level).
    - `at_work_share`: the share of caseworkers at work (`share_at_work`).
    - `poisson_arrivals`: whether the scenario's arrivals are Poisson; if not, the
      quantiles overstate the spread.
    """

    scenario: str
    start_date: dt.date
    step: Step
    dates: list[dt.date]
    start_day: np.ndarray
    end_day: np.ndarray
    openings: dict[str, np.ndarray]
    mean_open: np.ndarray
    peak_open: np.ndarray
    peak_day: np.ndarray
    levels: tuple[float, ...]
    quantiles: np.ndarray
    at_work_share: float
    poisson_arrivals: bool
    grid: LoadGrid
    peak_batches: np.ndarray  # (periods, MAX_BATCH): μ_k at each period's peak

    @property
    def opening_rate(self) -> np.ndarray:
        """λ(t): expected case openings per day in each period, all streams together."""
        total = sum(self.openings.values(), np.zeros(len(self.dates)))
        return total / (self.end_day - self.start_day)

    def quantile(self, level: float) -> np.ndarray:
        """The `level` quantile of open cases at each period's peak."""
        return compound_poisson_quantiles(self.peak_batches, [level])[:, 0]

    def caseworkers_needed(
        self,
        limit: float = CASELOAD_LIMIT,
        level: float = CONFIDENCE,
        at_work_share: float | None = None,
    ) -> np.ndarray:
        """Caseworkers to employ per period so that those at work hold at most `limit`
        cases each, with probability `level`, at the period's peak.

        quantile ÷ limit ÷ share of staff at work, rounded up. The share defaults to
        the scenario's (`share_at_work`). The simulator's `caseload_per_worker` counts
        every employed caseworker; this counts only those at work, as a planner must.
        """
        share = self.at_work_share if at_work_share is None else at_work_share
        if not 0 < share <= 1 or limit <= 0:
            raise ValueError("need 0 < at_work_share <= 1 and limit > 0")
        needed = self.quantile(level) / limit / share
        return np.ceil(needed - 1e-9).astype(int)

    def to_frame(self) -> pd.DataFrame:
        """One row per period: date, openings per stream, mean and peak load, quantiles."""
        import pandas as pd

        columns: dict[str, object] = {"date": pd.to_datetime(self.dates)}
        for stream, counts in self.openings.items():
            columns[f"openings_{stream}"] = counts
        columns["opening_rate_per_day"] = self.opening_rate
        columns["mean_open"] = self.mean_open
        columns["peak_open"] = self.peak_open
        for j, level in enumerate(self.levels):
            columns[f"open_q{round(100 * level):02d}"] = self.quantiles[:, j]
        return pd.DataFrame(columns)


# --------------------------------------------------------------------------- entry points


def offered_load(
    scenario: Scenario,
    *,
    step: Step = "quarter",
    levels: Sequence[float] = DEFAULT_LEVELS,
    resolution_days: float = 0.25,
    application_days: float = 0.0,
    closure_days: float = 0.0,
    effort_days: float = 0.0,
) -> OfferedLoad:
    """The offered load of `scenario` per `step`, over the scenario's simulated period.

    `resolution_days` is the grid the integrals are computed on (1 / a whole number of
    days). `application_days` is the time from when a principal may apply for family
    reunification until the application is sent, when the caseworker helps;
    `closure_days` the time the closure task keeps a case open after its exit;
    `effort_days` the time from the first employment task falling due to its start (all
    0 with ample staff: see the module's docstring).
    """
    if step not in STEPS:
        raise ValueError(f"step must be one of {STEPS}, not {step!r}")
    if any(not 0 < level < 1 for level in levels):
        raise ValueError("levels must lie strictly between 0 and 1")
    if application_days < 0 or closure_days < 0 or effort_days < 0:
        raise ValueError("application_days, closure_days and effort_days must not be negative")
    h = _resolution(resolution_days)
    sim = scenario.simulation
    end = sim.duration_days
    n = math.ceil(end / h - 1e-9)
    grid = _load_grid(scenario, n, h, application_days, closure_days, effort_days)

    bounds = _period_bounds(sim.start_date, end, step)
    index = np.minimum(np.rint(np.asarray(bounds) / h).astype(int), n)
    first, last = index[:-1], index[1:]
    mean = grid.mean
    cumulative = {s: np.concatenate([[0.0], np.cumsum(c)]) for s, c in grid.openings.items()}
    openings = {s: c[last] - c[first] for s, c in cumulative.items()}
    mean_open, peak_open, peak_at = [], [], []
    for a, b in zip(first, last, strict=True):
        segment = mean[a : b + 1]
        span = max(b - a, 1)
        mean_open.append((segment.sum() - (segment[0] + segment[-1]) / 2) / span)
        top = a + int(np.argmax(segment))
        peak_open.append(mean[top])
        peak_at.append(top)
    peak_batches = grid.batches[:, peak_at].T
    level_list = tuple(float(v) for v in levels)
    return OfferedLoad(
        scenario=scenario.name,
        start_date=sim.start_date,
        step=step,
        dates=[sim.start_date + dt.timedelta(days=round(b)) for b in bounds[:-1]],
        start_day=np.asarray(bounds[:-1], dtype=float),
        end_day=np.asarray(bounds[1:], dtype=float),
        openings=openings,
        mean_open=np.asarray(mean_open),
        peak_open=np.asarray(peak_open),
        peak_day=grid.days[peak_at],
        levels=level_list,
        quantiles=compound_poisson_quantiles(peak_batches, level_list),
        at_work_share=share_at_work(scenario),
        poisson_arrivals=_poisson(scenario),
        grid=grid,
        peak_batches=peak_batches,
    )


def survival(
    scenario: Scenario,
    kind: str,
    days: ArrayLike,
    *,
    closure_days: float = 0.0,
    effort_days: float = 0.0,
    resolution_days: float = 0.25,
) -> np.ndarray:
    """P(a new case of person `kind` is still open `days` after opening).

    As `PersonSampler` draws it and the model moves it when the employment effort begins
    (`effort_days` after the first employment task falls due): the traumatised share's
    treatment wait is integrated over on a grid of `resolution_days`. `closure_days` is
    added to every case's time open (the closure task). Negative `days` give 1.
    """
    if kind not in STREAMS:
        raise ValueError(f"kind must be one of {STREAMS}, not {kind!r}")
    law = _exit_law(scenario, kind, effort_days)
    ages = np.asarray(days, dtype=float) - closure_days
    out = law.alive(ages) * law.self_support_survival(ages, _resolution(resolution_days))
    return np.where(ages < 0, 1.0, out)


def share_at_work(scenario: Scenario) -> float:
    """Share of employed caseworkers at work on an average working day.

    1.0 without an `[absence]` table. Otherwise 1 − (vacation days + sick days a year) ÷
    working days a year, vacation weeks counting five working days and the working days
    being those of the scenario's calendar, as `simulator.engine.workforce` counts them.
    Sick leave raised by stress, vacancies and new caseworkers learning the job are not
    in it: the simulation-based plan accounts for those.
    """
    absence = scenario.absence
    if absence is None:
        return 1.0
    away = 5 * absence.vacation.weeks_per_year if absence.vacation else 0.0
    away += absence.sick_leave.days_per_year if absence.sick_leave else 0.0
    if away == 0:
        return 1.0
    sim, staff, cal = scenario.simulation, scenario.caseworkers, scenario.calendar
    calendar = WorkCalendar(
        sim.start_date,
        int(sim.duration_days) + 2,
        staff.casework_hours_per_day,
        continuous=cal.mode == "continuous",
        start_hour=cal.workday_start_hour,
        public_holidays=cal.public_holidays,
        closed_month_days=cal.closed_month_days,
    )
    per_year = len(calendar.workdays()) / (calendar.n_days / DAYS_PER_YEAR)
    return max(0.0, 1.0 - away / per_year)


def compound_poisson_quantiles(rates: ArrayLike, levels: Sequence[float]) -> np.ndarray:
    """Quantiles of N = Σ_k k · M_k, the M_k independent Poisson with means `rates[..., k-1]`.

    `rates` has shape (K,) for one distribution or (P, K) for P of them; the result has
    shape (len(levels),) or (P, len(levels)). The quantile at level p is the least n with
    P(N <= n) >= p. The distribution is computed exactly (up to rounding) by inverting
    its probability generating function exp(Σ_k μ_k (z^k − 1)) with an FFT on a support
    wide enough (the mean plus 12 standard deviations) for aliasing to be negligible.
    """
    mu = np.asarray(rates, dtype=float)
    single = mu.ndim == 1
    mu = np.atleast_2d(np.clip(mu, 0.0, None))
    k = np.arange(1, mu.shape[1] + 1)
    mean, sd = mu @ k, np.sqrt(mu @ k**2)
    size = 1 << int(np.max(mean + 12 * sd) + 16 * k[-1]).bit_length()
    angle = -2 * np.pi * np.arange(size // 2 + 1) / size
    exponent = np.zeros((mu.shape[0], angle.size), dtype=complex)
    for j, batch in enumerate(k):
        exponent += mu[:, j : j + 1] * np.expm1(1j * batch * angle)[None, :]
    pmf = np.fft.irfft(np.exp(exponent), size, axis=1)
    cdf = np.cumsum(np.clip(pmf, 0.0, None), axis=1)
    out = np.array([[np.searchsorted(row, p - 1e-12) for p in levels] for row in cdf], float)
    return out[0] if single else out


# --------------------------------------------------------------------------- exits


@dataclass(frozen=True)
class _ExitLaw:
    """How long a case of one person kind stays open, as `ExitSampler` and
    `PersonSampler` draw it (times in days)."""

    hazards: np.ndarray  # per-day self-support hazard in each year; the last one continues
    other: float  # per-day hazard of leaving for other reasons
    period: float  # the integration period: no case stays open longer
    trauma_share: float
    factor: float  # self-support hazard multiplier for the traumatised, once treated
    wait: Distribution | None  # treatment wait of the traumatised (days)
    before: float = 1.0  # hazard multiplier until the employment effort begins
    effort: float = 0.0  # days from the clock's start (treatment) to the effort; inf: never
    effort_traumatised: float = 0.0  # the same for the traumatised (their catalogue)

    def alive(self, ages: np.ndarray) -> np.ndarray:
        """P(no exit for other reasons and the period not over) at each age."""
        return np.exp(-self.other * np.maximum(ages, 0.0)) * (ages < self.period)

    def untreated(self, ages: np.ndarray) -> np.ndarray:
        """P(not yet self-supporting) for someone not traumatised."""
        return np.exp(-self._with_effort(ages, self.effort))

    def treated(self, ages: np.ndarray) -> np.ndarray:
        """P(not yet self-supporting) `ages` days after treatment starts."""
        return np.exp(-self.factor * self._with_effort(ages, self.effort_traumatised))

    def _with_effort(self, ages: np.ndarray, effort: float) -> np.ndarray:
        """The cumulative hazard at `ages` with the employment effort beginning at age
        `effort`: `before` times the usual until then, the usual after
        (`ExitSampler.self_support_age` inverts it)."""
        usual = _cumulative_hazard(self.hazards, ages)
        if self.before == 1.0 or effort <= 0:
            return usual
        until = _cumulative_hazard(self.hazards, np.minimum(np.asarray(ages, float), effort))
        return self.before * until + (usual - until)

    def self_support_survival(self, ages: np.ndarray, h: float) -> np.ndarray:
        """P(not yet self-supporting) at any ages: the mix over the trauma share, with the
        treatment wait W discretised to the nearest multiple of `h`:
        E[treated(age − W)], with treated(·) = 1 before treatment starts."""
        plain = self.untreated(ages)
        if self.trauma_share == 0:
            return plain
        if self.wait is None:
            trauma = self.treated(ages)
        else:
            top = max(float(np.max(ages, initial=0.0)), 0.0)
            masses = _grid_masses(self.wait, h, int(top / h) + 2)
            waits = np.arange(masses.size) * h
            started = waits[None, :] < ages[:, None]
            after = self.treated(np.maximum(ages[:, None] - waits[None, :], 0.0))
            trauma = (started * masses * after).sum(1) + 1.0 - (started * masses).sum(1)
        return (1 - self.trauma_share) * plain + self.trauma_share * trauma

    def kernel(self, n: int, h: float, closure: float) -> np.ndarray:
        """P(open at age (i − ½)h) for i = 1..n, and 0 at i = 0: the midpoint of grid
        cell i, so that m(kh) = Σ_j Λ_j · kernel[k − j] for Λ_j openings in cell j.

        The same mix as `self_support_survival`, with the treatment wait on the grid
        itself, so that the mix is a convolution (FFT) rather than a matrix product.
        `closure` days are added to the time open."""
        ages = (np.arange(n + 1) - 0.5) * h  # ages[0] < 0: not yet open, survival 1
        plain = self.untreated(ages)
        if self.trauma_share > 0:
            after = self.treated(ages)
            if self.wait is None:
                trauma = after
            else:
                # W on multiples of h, so x_i − kh = x_{i−k}: E[treated(x_i − W); W < x_i]
                # is a convolution; while W >= x_i self-support is impossible (survival 1)
                masses = _grid_masses(self.wait, h, n + 1)
                treated = after.copy()
                treated[0] = 0.0
                waiting = 1.0 - np.concatenate([[0.0], np.cumsum(masses)[:-1]])
                trauma = _convolve(masses, treated, n + 1) + waiting
            plain = (1 - self.trauma_share) * plain + self.trauma_share * trauma
        out = _shift(self.alive(ages) * plain, closure / h, fill=1.0)
        out[0] = 0.0
        return out


def _exit_law(scenario: Scenario, kind: str, effort_days: float = 0.0) -> _ExitLaw:
    spec, mix = scenario.exit, scenario.case_mix
    return _ExitLaw(
        hazards=np.asarray(yearly_hazards(spec.self_support.get(kind, [])), dtype=float),
        other=spec.other_per_year / DAYS_PER_YEAR,
        period=spec.period_years * DAYS_PER_YEAR,
        trauma_share=mix.trauma_share.get(kind, 0.0) if mix else 0.0,
        factor=mix.self_support_multiplier_traumatised if mix else 1.0,
        wait=mix.treatment_wait_days if mix else None,
        before=spec.before_effort_multiplier,
        effort=_first_effort(scenario, kind, traumatised=False) + effort_days,
        effort_traumatised=_first_effort(scenario, kind, traumatised=True) + effort_days,
    )


def _first_effort(scenario: Scenario, kind: str, traumatised: bool) -> float:
    """Days from the self-support clock's start (the opening; treatment for the
    traumatised) until the first employment task of a case of this kind falls due; 0 if
    the catalogue has none for them (the effort plays no part: the usual hazard
    throughout), as `Catalogue.has_employment` decides. Tasks that require children are
    left out; a rate trigger counts at its mean time to the first occurrence."""
    traits = {"traumatised": traumatised, "children": False}
    firsts = []
    for task in scenario.enabled_tasks.values():
        if not task.employment or kind not in task.applies_to:
            continue
        if not all(traits[r] for r in task.requires):
            continue
        trigger = task.trigger
        if isinstance(trigger, After):
            firsts.append(trigger.days)
        elif isinstance(trigger, Every):
            firsts.append(trigger.days if trigger.start_days is None else trigger.start_days)
        elif isinstance(trigger, AtRate):
            firsts.append(DAYS_PER_YEAR / trigger.per_year)
        else:  # on arrival
            firsts.append(0.0)
    return min(firsts) if firsts else 0.0


def _cumulative_hazard(hazards: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """Piecewise-linear cumulative hazard: `hazards[y]` per day in year y, the last
    year's hazard continuing (the inverse of `sampling._invert`)."""
    ages = np.maximum(np.asarray(ages, dtype=float), 0.0)
    if hazards.size == 0:
        return np.zeros_like(ages)
    year = np.minimum((ages // DAYS_PER_YEAR).astype(int), hazards.size - 1)
    before = np.concatenate([[0.0], np.cumsum(hazards[:-1] * DAYS_PER_YEAR)])
    return before[year] + hazards[year] * (ages - year * DAYS_PER_YEAR)


# --------------------------------------------------------------------------- the load


def _load_grid(
    scenario: Scenario,
    n: int,
    h: float,
    application_days: float,
    closure_days: float,
    effort_days: float = 0.0,
) -> LoadGrid:
    """Openings per grid cell, and the batch rates μ_k at every grid time.

    Households placed in cell j are spread evenly over it (the simulator spreads them
    uniformly over their month), so a case opening in cell j is (k − j − ½) cells old at
    time k: every term is a discrete convolution of openings with a midpoint kernel.
    """
    sim = scenario.simulation
    kernels = {
        kind: _exit_law(scenario, kind, effort_days).kernel(n, h, closure_days)
        for kind in STREAMS
        if kind != "danish_spouse" or scenario.arrivals.danish_spouses is not None
    }
    types = scenario.households.values()
    counted = _cell_arrivals(scenario.arrivals, sim, n, h)
    mean_adults = sum(t.share * t.adults for t in types)
    if scenario.arrivals.counts == "persons":  # as `arrivals.HouseholdSampler` counts
        households = counted / sum(
            t.share * (t.adults + (t.children_min + t.children_max) / 2) for t in types
        )
    else:
        households = counted / mean_adults
    adults = households * mean_adults
    spec = scenario.reunification
    waiting_from = spec.waiting_from if spec is not None else None
    # who waits: everyone without a rule date, else those placed from that date on
    split = 0 if waiting_from is None else int(np.clip(
        math.ceil((waiting_from - sim.start_date).days / h - 1e-9), 0, n
    ))  # fmt: skip
    before, after = households.copy(), households.copy()
    before[split:], after[:split] = 0.0, 0.0
    groups = [(placed, waits) for placed, waits in ((before, False), (after, True)) if placed.any()]

    batches = np.zeros((MAX_BATCH, n + 1))
    spouse_openings, spouse_open = np.zeros(n), np.zeros(n + 1)
    for placed, waits in groups:
        family = _household_kernels(scenario, kernels, n, h, waits, application_days, effort_days)
        for k in range(MAX_BATCH):
            batches[k] += _convolve(placed, family.batches[k], n + 1)
        spouse_openings += _convolve(placed, family.spouse_delay, n)
        spouse_open += _convolve(placed, family.spouse_open, n + 1)
    openings = {"refugee": adults, "reunified": spouse_openings}
    open_by_stream = {
        "refugee": _convolve(adults, kernels["refugee"], n + 1),
        "reunified": spouse_open,
    }
    if "danish_spouse" in kernels:
        assert scenario.arrivals.danish_spouses is not None
        single = _cell_arrivals(scenario.arrivals.danish_spouses, sim, n, h)
        openings["danish_spouse"] = single
        open_by_stream["danish_spouse"] = _convolve(single, kernels["danish_spouse"], n + 1)
        batches[0] += open_by_stream["danish_spouse"]
    return LoadGrid(
        days=np.arange(n + 1) * h,
        openings=openings,
        open_by_stream=open_by_stream,
        batches=np.clip(batches, 0.0, None),
    )


@dataclass(frozen=True)
class _Household:
    """Kernels per household placed (grid cells after placement), averaged over the
    household types and residence statuses."""

    batches: np.ndarray  # (MAX_BATCH, n + 1): P(k of its cases open)
    spouse_delay: np.ndarray  # (n,): expected spouse cases opening per cell of delay
    spouse_open: np.ndarray  # (n + 1,): expected spouse cases open


def _household_kernels(
    scenario: Scenario,
    kernels: dict[str, np.ndarray],
    n: int,
    h: float,
    waits: bool,
    application_days: float,
    effort_days: float = 0.0,
) -> _Household:
    """What one household placed at time 0 contributes at each later grid time.

    A household of type τ brings `adults` refugees (the first is the principal); with
    probability apply_share[τ] × spouse_share a spouse follows. The principal's status
    sets the wait w before they may apply (if `waits`). If their case is still open at w
    and the catalogue has a help task for them (probability α), the application goes
    `application_days` later, else `unaided_delay_days` later; then processing and
    travel. So the spouse's case opens w + a + processing + travel after placement.
    The principal's case and the spouse's are dependent only through that choice: if
    the principal's case is open at age x >= w it was open at w, so
    P(principal and spouse open at x) = S_r(x) · [α Q(x − w − a) + (1 − α) Q(x − w − u)],
    with Q(y) = P(spouse open y after the earliest application) = (processing + travel
    delay density) ∗ S_reunified. A second adult's case is independent of both.
    """
    spec = scenario.reunification
    survival_r = kernels["refugee"]
    law_r = _exit_law(scenario, "refugee", effort_days)
    batches = np.zeros((MAX_BATCH, n + 1))
    spouse_delay, spouse_open = np.zeros(n), np.zeros(n + 1)
    if spec is not None:
        travel = _convolve(
            _grid_masses(spec.processing_days, h, n), _grid_masses(spec.travel_days, h, n), n
        )
        after_sending = _convolve(travel, kernels["reunified"], n + 1)  # Q on the grid
    for status, status_share in _status_shares(scenario).items():
        wait = spec.waiting_days(status) if spec is not None and waits else 0.0
        open_at_wait = float(law_r.alive(np.array([wait]))[0]) * float(
            law_r.self_support_survival(np.array([wait]), h)[0]
        )
        for name, household in scenario.households.items():
            weight = household.share * status_share
            spouse = spec.apply_share.get(name, 0.0) * spec.spouse_share if spec else 0.0
            principal = survival_r
            if spouse > 0:
                assert spec is not None
                aided = _aided_share(scenario, name)
                helped, unaided = wait + application_days, wait + spec.unaided_delay_days
                q_aided, q_unaided = (_shift(after_sending, d / h) for d in (helped, unaided))
                q_open = aided * q_aided + (1 - aided) * q_unaided
                both = principal * q_open
                spouse_alone = open_at_wait * q_open + (1 - open_at_wait) * q_unaided
                sent_aided = open_at_wait * aided
                spouse_delay += (
                    weight
                    * spouse
                    * (
                        sent_aided * _shift(travel, helped / h)
                        + (1 - sent_aided) * _shift(travel, unaided / h)
                    )
                )
                spouse_open += weight * spouse * spouse_alone
            else:
                both = spouse_alone = np.zeros(n + 1)
            # (principal, spouse) open: P(1,1) = both, P(1,0), P(0,1); over spouse or not
            one = (1 - spouse) * principal + spouse * (principal + spouse_alone - 2 * both)
            two = spouse * both
            none = 1.0 - one - two
            counts = [none, one, two, np.zeros(n + 1)]
            if household.adults == 2:  # the second adult, independent
                counts = [counts[0] * (1 - principal)] + [
                    counts[k] * (1 - principal) + counts[k - 1] * principal
                    for k in range(1, MAX_BATCH + 1)
                ]
            for k in range(1, MAX_BATCH + 1):
                batches[k - 1] += weight * counts[k]
    return _Household(batches, spouse_delay, spouse_open)


def _status_shares(scenario: Scenario) -> dict[str, float]:
    """Residence statuses of refugees and their shares (none drawn without a case mix)."""
    mix = scenario.case_mix
    if mix is None:
        return {"": 1.0}
    return {s: mix.status_share[s] for s in STATUSES if mix.status_share.get(s, 0.0) > 0}


def _aided_share(scenario: Scenario, household_type: str) -> float:
    """P(the catalogue has an application-help task for a principal of this household type).

    A help task applies to refugees whose traits meet its `requires`: traumatised (the
    refugee trauma share; taken as independent of how long the case stays open, which is
    exact when no help task requires trauma) and children (the household type's chance
    of children at placement).
    """
    helping = [
        t
        for t in scenario.enabled_tasks.values()
        if t.trigger.on == "reunification_application" and "refugee" in t.applies_to
    ]
    if not helping:
        return 0.0
    mix = scenario.case_mix
    trauma = mix.trauma_share.get("refugee", 0.0) if mix else 0.0
    household = scenario.households[household_type]
    span = household.children_max - household.children_min
    children = 1.0 if household.children_min > 0 else span / (span + 1)
    share = 0.0
    for traumatised, p_trauma in ((False, 1 - trauma), (True, trauma)):
        for has_children, p_children in ((False, 1 - children), (True, children)):
            traits = {"traumatised": traumatised, "children": has_children}
            if any(all(traits[r] for r in t.requires) for t in helping):
                share += p_trauma * p_children
    return share


def _cell_arrivals(schedule: Schedule, sim: Simulation, n: int, h: float) -> np.ndarray:
    """Expected arrivals in each grid cell: each month's expected count
    (`arrivals.monthly_expected`) spread evenly over the month, as the simulator does."""
    months = month_starts(sim.start_date, sim.duration_days)
    expected = monthly_expected(schedule, sim.start_date, sim.duration_days)
    knots = [months[0][1]] + [t1 for _, _, t1 in months]
    cumulative = np.concatenate([[0.0], np.cumsum(expected)])
    return np.diff(np.interp(np.arange(n + 1) * h, knots, cumulative))


def _poisson(scenario: Scenario) -> bool:
    spouses = scenario.arrivals.danish_spouses
    return scenario.arrivals.process == "poisson" and (
        spouses is None or spouses.process == "poisson"
    )


def _period_bounds(start: dt.date, end: float, step: Step) -> list[float]:
    """Period boundaries in days since `start`, from 0 to `end`."""
    if step == "week":
        bounds = [float(d) for d in np.arange(0.0, end, 7.0)]
    else:
        bounds = [
            t0
            for first, t0, _ in month_starts(start, end)
            if step == "month" or first.month in (1, 4, 7, 10)
        ]
        if not bounds or bounds[0] > 0:
            bounds.insert(0, 0.0)
    return [*bounds, end]


# --------------------------------------------------------------------------- numerics


def _resolution(days: float) -> float:
    """The grid step: 1 / a whole number of days, so that dates fall on the grid."""
    per_day = round(1 / days) if days > 0 else 0
    if per_day < 1 or abs(1 / per_day - days) > 1e-12:
        raise ValueError(f"resolution_days must be 1 / a whole number (1, 0.5, 0.25 ...): {days}")
    return 1 / per_day


def _cdf(dist: Distribution, x: np.ndarray) -> np.ndarray:
    """P(X <= x) for a scenario distribution, as its sampler draws it."""
    x = np.asarray(x, dtype=float)
    if isinstance(dist, Fixed):
        return (x >= dist.value).astype(float)
    if isinstance(dist, Exponential):
        return -np.expm1(-np.maximum(x, 0.0) / dist.mean_)
    if isinstance(dist, Lognormal):
        sigma2 = math.log1p((dist.sd / dist.mean_) ** 2)
        if sigma2 == 0:
            return (x >= dist.mean_).astype(float)
        mu, sigma = math.log(dist.mean_) - sigma2 / 2, math.sqrt(sigma2)
        with np.errstate(divide="ignore"):
            return ndtr((np.log(np.maximum(x, 0.0)) - mu) / sigma)
    if isinstance(dist, Empirical):
        weights = np.asarray(dist.weights or [1.0] * len(dist.values), dtype=float)
        order = np.argsort(dist.values)
        values = np.asarray(dist.values, dtype=float)[order]
        cumulative = np.concatenate([[0.0], np.cumsum(weights[order]) / weights.sum()])
        return cumulative[np.searchsorted(values, x, side="right")]
    a, c, b = dist.low, dist.mode, dist.high  # triangular
    rising = (x - a) ** 2 / ((b - a) * (c - a)) if c > a else np.ones_like(x)
    falling = 1 - (b - x) ** 2 / ((b - a) * (b - c)) if b > c else np.ones_like(x)
    return np.where(x <= a, 0.0, np.where(x >= b, 1.0, np.where(x <= c, rising, falling)))


def _grid_masses(dist: Distribution, h: float, size: int) -> np.ndarray:
    """P(X rounds to k·h) for k = 0..size−1 (mass beyond is left out)."""
    upper = _cdf(dist, (np.arange(size) + 0.5) * h)
    return np.diff(np.concatenate([[0.0], upper]))


def _convolve(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    """The first `size` terms of the linear convolution of `a` and `b` (by FFT)."""
    length = 1 << (len(a) + len(b) - 1).bit_length()
    out = np.fft.irfft(np.fft.rfft(a, length) * np.fft.rfft(b, length), length)[:size]
    return np.pad(out, (0, max(0, size - out.size)))


def _shift(a: np.ndarray, cells: float, fill: float = 0.0) -> np.ndarray:
    """`a` delayed by `cells` (a fraction is interpolated linearly), `fill` before it."""
    whole = math.floor(cells + 1e-9)
    frac = max(cells - whole, 0.0) if cells - whole > 1e-9 else 0.0
    padded = np.concatenate([np.full(whole + 1, fill), a])
    return (1 - frac) * padded[1 : a.size + 1] + frac * padded[: a.size]
