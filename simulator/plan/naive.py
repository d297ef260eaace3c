"""The instant answers per planning period: the offered-load start, and two naive plans.

- **Offered load** (`PeriodLoad`, from `offered_load`): the open cases' mean and, at the
  period's peak, their compound-Poisson quantile (Eick, Massey & Whitt 1993). The search
  starts from ⌈quantile at the confidence ÷ limit⌉ posts (the mean's ÷ limit when the
  targets are about means).
- **Average demand ÷ limit** (`average_plan`): ⌈mean open cases ÷ limit⌉: planning to the
  mean, which meets the limit in about half of the futures (Saville et al., *BMJ Quality &
  Safety* 2020, on hospital wards).
- **Erlang C per period** (`erlang_c_plan`), as workforce tools staff each interval: each
  period taken as a steady M/M/c queue of its new cases, each needing its whole casework
  (the mean hours per case) when it opens, and the least c with P(wait <= T) >= the
  on-time target, T the median statutory deadline (Green, Kolesar & Soares 2001: this
  fails when service is long compared with the period, and a case is open for years).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.analysis.theory import erlang_c
from simulator.plan.offered_load import OfferedLoad, _exit_law, compound_poisson_quantiles
from simulator.plan.targets import Targets
from simulator.scenario.schema import Scenario, days_of_month


@dataclass(frozen=True)
class PeriodLoad:
    """The offered load over the planning periods: mean open cases, batch rates at the
    peak (for quantiles), and openings per day."""

    mean_open: np.ndarray
    peak_batches: np.ndarray  # (periods, MAX_BATCH)
    openings_per_day: np.ndarray

    def quantile(self, level: float, factor: float = 1.0) -> np.ndarray:
        """Open cases at each period's peak not exceeded with probability `level`, with
        arrivals multiplied by `factor` (every rate scales with the arrivals)."""
        return compound_poisson_quantiles(self.peak_batches * factor, [level])[:, 0]


def period_load(
    load: OfferedLoad, bounds: np.ndarray, scenario: Scenario | None = None
) -> PeriodLoad:
    """`load` (any step) summarised over the planning periods `bounds` (days); with
    `scenario`, its cases open at the start (`initial_open`) are added."""
    grid = load.grid
    days, mean = grid.days, grid.mean
    batches = grid.batches
    if scenario is not None and scenario.initial_state is not None:
        extra = initial_open(scenario, days)
        mean = mean + extra
        batches = batches.copy()
        batches[0] += extra  # each open case a household of its own
    h = days[1] - days[0]
    index = np.clip(np.rint(bounds / h).astype(int), 0, len(days) - 1)
    total = sum(grid.openings.values(), np.zeros(len(days) - 1))
    cumulative = np.concatenate([[0.0], np.cumsum(total)])
    means, peaks, rates = [], [], []
    for a, b in itertools.pairwise(index):
        segment = mean[a : b + 1]
        span = max(b - a, 1)
        means.append((segment.sum() - (segment[0] + segment[-1]) / 2) / span)
        peaks.append(a + int(np.argmax(segment)))
        rates.append((cumulative[b] - cumulative[a]) / (span * h))
    return PeriodLoad(np.asarray(means), batches[:, peaks].T, np.asarray(rates))


def initial_open(scenario: Scenario, days: np.ndarray) -> np.ndarray:
    """Expected cases still open at each of `days` (since the start) of those open at the
    start ([initial_state]): a case of age a is open t days later with probability
    S(a + t) / S(a), S the survival of its kind (as `offered_load.survival`, on its grid of
    a quarter of a day, computed by convolution as the offered load does), the ages spread
    over each month as the engine spreads them. Their number is fixed, not Poisson: taking
    them as Poisson in the quantiles overstates the spread a little (on the safe side).
    Families of pending applications are left out."""
    state = scenario.initial_state
    out = np.zeros(len(days))
    if state is None or not state.open_cases:
        return out
    start = scenario.simulation.start_date
    period = scenario.exit.period_years * 365.25
    h = 0.25
    n = int((period + float(days[-1])) / h) + 4
    ages = (np.arange(n + 1) - 0.5) * h  # the survival kernel's grid: cell midpoints
    curves: dict[str, np.ndarray] = {}
    for entry in state.open_cases:
        if entry.cases == 0:
            continue
        if entry.kind not in curves:
            kernel = _exit_law(scenario, entry.kind).kernel(n, h, 0.0)
            kernel[0] = 1.0  # before opening
            curves[entry.kind] = kernel
        s = curves[entry.kind]
        opened = np.asarray(days_of_month(entry.takeover, start, period, entry.cases))
        at_start = np.interp(-opened, ages, s)
        later = np.interp(-opened[:, None] + days[None, :], ages, s)
        out += np.sum(later / np.maximum(at_start, 1e-300)[:, None], axis=0)
    return out


def offered_start(load: PeriodLoad, targets: Targets) -> list[int]:
    """The search's start: ⌈open cases ÷ limit⌉, the quantile at the confidence (or the
    mean, for targets about means), at least one caseworker."""
    open_cases = load.mean_open if targets.meet == "mean" else load.quantile(targets.confidence)
    return [max(1, math.ceil(x / targets.caseload_limit - 1e-9)) for x in open_cases]


def average_plan(load: PeriodLoad, limit: float) -> list[int]:
    """Average demand ÷ limit: ⌈mean open cases ÷ limit⌉ per period."""
    return [max(1, math.ceil(x / limit - 1e-9)) for x in load.mean_open]


def median_deadline(scenario: Scenario) -> float:
    """The median deadline (days) of the enabled statutory tasks: the naive wait target."""
    deadlines = [
        t.deadline_days
        for t in scenario.enabled_tasks.values()
        if t.statutory and t.deadline_days is not None
    ]
    return float(np.median(deadlines)) if deadlines else 30.0


def erlang_c_plan(
    openings_per_day: Sequence[float],
    hours_per_case: float,
    hours_per_caseworker_day: float,
    on_time: float,
    deadline_days: float,
) -> list[int]:
    """Erlang C per period (module docstring): the least c with
    1 − C(c, a) · exp(−(c μ − λ) T) >= `on_time`, λ the period's openings per day,
    μ = `hours_per_caseworker_day` ÷ `hours_per_case`, a = λ ÷ μ, T = `deadline_days`."""
    plan = []
    mu = hours_per_caseworker_day / hours_per_case if hours_per_case > 0 else math.inf
    for lam in openings_per_day:
        if lam <= 0 or not math.isfinite(mu):
            plan.append(1)
            continue
        c = max(1, math.floor(lam / mu) + 1)
        while True:
            p_wait, _ = erlang_c(lam, mu, c)
            if 1 - p_wait * math.exp(-(c * mu - lam) * deadline_days) >= on_time:
                break
            c += 1
        plan.append(c)
    return plan
