"""The offered load (`simulator.plan.offered_load`) against closed forms and the simulator.

The oracle tests run the simulator with ample caseworkers (a pool of five doing only the
reunification-help and closure tasks, about 7 % busy), where the office is the M_t/G/∞
queue the module describes, and compare the weekly mean of open cases over independent
replications with the module's m(t) and spread. Every tolerance below is derived from
theory in the test's docstring, before any output was seen; seeds are fixed.

Shared reasoning (`weekly_targets`):

- The simulator's weekly `open_cases` is the time-average A_w of N(t) over week w. Its
  mean is the average of m(t) over the week, `OfferedLoad.mean_open` with step "week".
- Households form a Poisson process with independent marks, so by Campbell's theorem
  Var(A_w) = ∫ λ_h(u) E[Z_u²] du, Z_u a household's open cases averaged over the week,
  while the average over the week of Var N(t) is v̄_w = ∫ λ_h(u) E[avg Y_u(t)²] du. By
  Jensen Var(A_w) <= v̄_w, and the difference is E Σ_h (variance over the week of Y_h),
  non-zero only for households whose count changes in the week; a count that changes
  e_h <= 3 times ranges over at most e_h, so its variance is at most e_h²/4 <= 3 e_h / 4.
  Hence v̄_w − δ_w <= Var(A_w) <= v̄_w with δ_w = ¾ (expected openings + closures in the
  week), closures = m(start) + openings − m(end). δ_w is about 1 % of v̄_w here.
- With ample staff the simulator keeps a case open until its one-hour closure task is
  done (next casework window), and sends a reunification application when the help
  task (lognormal, mean 3 h, sd 1 h) is done; the module takes both as 0 (its defaults).
  The first raises m(t) by at most λ_max · E[C], the second lowers the spouses' part
  by at most λ_spouse,max · E[H], E[·] the mean delay from a uniformly random moment
  until an idle caseworker has worked the hours (1 h; for the help, 6 h = mean + 3 sd,
  since the delay grows with the hours), computed from the scenario's work calendar.
  So |bias| <= b = λ_max E[C] + λ_spouse,max E[H]: 0.3 to 1 open case here.
- Mean test: the mean over R replications has standard error sqrt(Var(A_w) / R) <=
  sqrt(v̄_w / R), so |x̄_w − m_w| <= z · sqrt(v̄_w / R) + b, z the two-sided normal
  quantile at the test's per-comparison level.
- Variance test: A_w sums many small independent contributions (mean 100–400, excess
  kurtosis Σk⁴μ_k / (Σk²μ_k)² < 0.05), so (R − 1) s² / Var(A_w) is χ² with R − 1 degrees
  of freedom to a good approximation: s² must lie in
  [(v̄_w − δ_w) χ²_{α/2} / (R − 1), v̄_w χ²_{1−α/2} / (R − 1)].
- Each oracle test makes 2J comparisons (J weeks) at family-wise level 0.01, Bonferroni:
  each at 0.01 / 2J. A correct model fails a test with probability below 1 %.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import tomllib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from builders import build
from conftest import BASELINE
from levers import MECHANISMS
from scipy.stats import chi2, norm, poisson

from simulator.calibration.parameters import changes_for, prefit
from simulator.engine.calendar import WorkCalendar
from simulator.engine.sampling import PersonSampler
from simulator.engine.streams import Streams
from simulator.experiments.run import run_scenario
from simulator.plan.offered_load import (
    MAX_BATCH,
    OfferedLoad,
    compound_poisson_quantiles,
    offered_load,
    share_at_work,
    survival,
)
from simulator.scenario import DAYS_PER_YEAR, Scenario, scenario_from_dict
from simulator.scenario.keys import with_values

FAMILY_ALPHA = 0.01
_BASELINE: dict[str, Any] = tomllib.loads(BASELINE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- scenarios


def ample_staff(years: float, **changes: Any) -> dict[str, Any]:
    """The shipped baseline, `years` long, no warm-up, with a pool of five caseworkers
    doing only the tasks that set how long cases stay open (help with the reunification
    application, closure), without the workforce's mechanisms and the rules by date (the
    theory is of one set of rules), and with the calibration's free parameters at their
    values before any fit (the household mix the figures below are worked out for);
    `changes` replace whole top-level tables."""
    drop = (*MECHANISMS, "timeline")
    data = with_values(copy.deepcopy(_BASELINE), changes_for(prefit()))  # as before any fit
    data = {k: v for k, v in data.items() if k not in drop}
    start = data["simulation"]["start_date"]
    data["simulation"].update(duration_years=years, warmup_years=0.0, replications=1)
    data["caseworkers"].update(assignment="pool", staffing=[{"date": start, "caseworkers": 5}])
    data["tasks"] = {k: data["tasks"][k] for k in ("reunification_help", "case_closure")}
    data.pop("external")
    data.update(changes)
    return data


def single_adults(data: dict[str, Any]) -> dict[str, Any]:
    """One adult per household and no families following: plain Poisson openings."""
    data = copy.deepcopy(data)
    data["households"] = {"single_adult": {"share": 1.0, "adults": 1}}
    data.pop("reunification")
    return data


def time_varying(years: float) -> dict[str, Any]:
    """Quotas that triple for one year; the one-year waiting rule for temporary status
    from 2013; couples apply too (households of up to three cases); spouses of Danish
    citizens, two a month."""
    data = ample_staff(years)
    arrivals = {k: v for k, v in data["arrivals"].items() if k != "per_month"}
    arrivals["yearly"] = [
        {"year": 2012, "refugees": 96.0},
        {"year": 2013, "refugees": 288.0},
        {"year": 2014, "refugees": 96.0},
        {"year": 2015, "refugees": 96.0},
    ]
    arrivals["danish_spouses"] = {"process": "poisson", "per_month": 2.0}
    data["arrivals"] = arrivals
    data["reunification"].update(
        apply_share={"single_adult": 0.6, "couple": 0.3},
        waiting_years={"convention": 0.0, "temporary": 1.0},
        waiting_from=dt.date(2013, 1, 1),
    )
    return data


def scenario(data: dict[str, Any]) -> Scenario:
    return scenario_from_dict(data, "<test_offered_load>")


# --------------------------------------------------------------------------- oracle helpers


@dataclass
class Targets:
    """What theory says about the weekly mean of open cases in some weeks."""

    mean: np.ndarray  # m(t) averaged over the week
    variance: np.ndarray  # v̄_w: Var N(t) averaged over the week (upper bound)
    slack: np.ndarray  # δ_w: Var(A_w) >= v̄_w − δ_w
    bias: float  # b: |E[A_w] − mean| <= b from the closure and help tasks' time


def weekly_targets(sc: Scenario, load: OfferedLoad) -> Targets:
    """The targets for every whole week of the run (step "week")."""
    grid = load.grid
    h = grid.days[1]
    weeks = [w for w in range(len(load.dates)) if load.end_day[w] - load.start_day[w] == 7]
    variance, slack = [], []
    for w in weeks:
        a, b = round(load.start_day[w] / h), round(load.end_day[w] / h)
        v = grid.variance[a : b + 1]
        variance.append((v.sum() - (v[0] + v[-1]) / 2) / (b - a))
        opened = sum(c[w] for c in load.openings.values())
        closed = grid.mean[a] + opened - grid.mean[b]
        slack.append(0.75 * (opened + closed))
    rate = load.opening_rate.max()
    spouse_rate = (load.openings["reunified"] / (load.end_day - load.start_day)).max()
    bias = rate * idle_delay(sc, 1.0) + spouse_rate * idle_delay(sc, 6.0)
    return Targets(load.mean_open[weeks], np.array(variance), np.array(slack), bias)


def idle_delay(sc: Scenario, hours: float) -> float:
    """Mean days from a uniformly random moment until an idle caseworker has done `hours`."""
    sim, staff, cal = sc.simulation, sc.caseworkers, sc.calendar
    calendar = WorkCalendar(
        sim.start_date,
        int(sim.duration_days) + 2,
        staff.casework_hours_per_day,
        continuous=cal.mode == "continuous",
        start_hour=cal.workday_start_hour,
        public_holidays=cal.public_holidays,
        closed_month_days=cal.closed_month_days,
    )
    times = np.arange(0.0, sim.duration_days - 30, 0.02)
    ends = [calendar.finish_time(calendar.next_open(t), hours) for t in times]
    return float(np.mean(np.asarray(ends) - times))


def simulated_weeks(sc: Scenario, replications: int, seed: int) -> pd.DataFrame:
    """The weekly mean of open cases: a row per replication, a column per week."""
    results = run_scenario(sc, replications=replications, seed=seed)
    weekly = results.weekly[results.weekly["metric"] == "open_cases"]
    table = weekly.pivot(index="replication", columns="date", values="value")
    assert table.shape[0] == replications
    return table


def check_oracle(name: str, sc: Scenario, replications: int, seed: int, weeks: list[int]) -> None:
    """Mean and variance tests at each week (see the module docstring)."""
    load = offered_load(sc, step="week")
    every = weekly_targets(sc, load)
    table = simulated_weeks(sc, replications, seed)
    assert [d.date() for d in table.columns[weeks]] == [load.dates[w] for w in weeks]
    whole = table.to_numpy()[:, : every.mean.size]
    values = whole[:, weeks]
    targets = Targets(every.mean[weeks], every.variance[weeks], every.slack[weeks], every.bias)
    alpha = FAMILY_ALPHA / (2 * len(weeks))
    z = norm.ppf(1 - alpha / 2)
    df = replications - 1
    low_q, high_q = chi2.ppf(alpha / 2, df) / df, chi2.ppf(1 - alpha / 2, df) / df
    mean, var = values.mean(0), values.var(0, ddof=1)
    allowed = z * np.sqrt(targets.variance / replications) + targets.bias
    var_low, var_high = (targets.variance - targets.slack) * low_q, targets.variance * high_q
    print(f"\n{name}: R = {replications}, bias bound b = {targets.bias:.2f}")
    print("  week  date        m(t)    sim mean  |diff| allowed   model var  sim var  [band]"
          "          var/mean sim (model)")  # fmt: skip
    for j, w in enumerate(weeks):
        print(
            f"  {w:4d}  {load.dates[w]}  {targets.mean[j]:7.2f}  {mean[j]:7.2f}  "
            f"{abs(mean[j] - targets.mean[j]):5.2f} {allowed[j]:5.2f}   "
            f"{targets.variance[j]:7.1f}  {var[j]:7.1f}  [{var_low[j]:6.1f}, {var_high[j]:6.1f}]"
            f"  {var[j] / mean[j]:5.2f} ({targets.variance[j] / targets.mean[j]:4.2f})"
        )
    # every whole week, for information only (weeks are correlated: no test on them)
    standardised = (whole.mean(0) - every.mean) / np.sqrt(every.variance / replications)
    ratio = whole.var(0, ddof=1) / every.variance
    print(
        f"  all {every.mean.size} weeks: (sim mean - m) / SE from {standardised.min():.2f} to "
        f"{standardised.max():.2f}, mean {standardised.mean():.2f}; sim var / model var "
        f"median {np.median(ratio):.2f}"
    )
    assert np.all(np.abs(mean - targets.mean) <= allowed), "simulated mean off m(t)"
    assert np.all((var >= var_low) & (var <= var_high)), "simulated spread off the model's"


# --------------------------------------------------------------------------- oracle tests


def test_simulator_reproduces_the_offered_load_for_a_constant_schedule() -> None:
    """The baseline (11 refugees a month, its household mix, families following, the
    case mix with trauma), four years from an empty office, 60 replications: weeks at
    about 0.5, 1.5, 2.5 and 3.7 years (the last past the three-year period, when the
    first cohorts reach the cap). Tolerances: the module docstring, J = 4."""
    sc = scenario(ample_staff(4.0))
    check_oracle("constant", sc, replications=60, seed=1301, weeks=[26, 78, 130, 190])


def test_simulator_reproduces_the_offered_load_for_a_time_varying_schedule() -> None:
    """Quotas 96, 288, 96, 96 a year (2012–15), a one-year waiting rule for refugees
    with temporary status placed from 2013, couples applying for a family too, and two
    spouses of Danish citizens a month: weeks before the step, while the 2013 cohort
    builds up, at its peak and while it drains. Tolerances: the module docstring, J = 4."""
    sc = scenario(time_varying(4.0))
    check_oracle("time-varying", sc, replications=60, seed=1302, weeks=[40, 80, 104, 170])


@pytest.mark.parametrize(
    ("name", "build_data", "batches"),
    [
        ("single adults, no families (Poisson)", lambda: single_adults(ample_staff(1.0)), 1),
        ("baseline household mix and families", lambda: ample_staff(1.0), MAX_BATCH),
    ],
)
def test_spread_of_open_cases_across_replications(name: str, build_data: Any, batches: int) -> None:
    """Dispersion, with the power the four-year tests lack: 400 one-year replications,
    week 50 (m ≈ 120).

    With one adult per household and no families, openings are Poisson one at a time
    and N(t) is Poisson: variance = mean (Eick, Massey & Whitt), here v̄_w = mean_w.
    With the baseline's couples and families following, N(t) is compound Poisson with
    variance Σ k² μ_k, 1.52 times the mean at week 50 by the module. The same two tests
    as the oracle tests with J = 1 (each at 0.005): with R = 400 the variance band is
    [0.81, 1.21] × v̄_w, so a model claiming variance = mean for the baseline mix
    (0.66 × v̄_w) would fail it.
    """
    sc = scenario(build_data())
    load = offered_load(sc, step="week")
    assert np.count_nonzero(load.grid.batches[batches:]) == 0  # the case meant
    if batches > 1:
        assert np.count_nonzero(load.grid.batches[1:]) > 0
    check_oracle(name, sc, replications=400, seed=1303, weeks=[50])


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize(
    ("rates", "closure"), [((0.5, 0.5), 0.0), ((0.5, 1.5), 0.0), ((0.5, 1.5), 2.0)]
)
def test_exponential_durations_match_the_closed_form(
    rates: tuple[float, float], closure: float
) -> None:
    """Single adults, no self-support, leaving at 1.5 a year (mean μ = 243.5 days), a
    period of 50 years (never reached): durations are exponential. Arrivals per day are
    λ₁ = `rates[0]` for 18 months (to T), then λ₂ = `rates[1]` (a monthly list
    proportional to the days in each month); the closure task adds c = `closure` days.
    From an empty start

        m(t) = λ₁ [G(t) − G(t − T)] + λ₂ G(t − T),
        G(x) = ∫₀ˣ P(open > s) ds = min(x, c)⁺ + μ (1 − e^{−(x − c)⁺/μ}),

    which is λμ(1 − e^{−t/μ}) for a constant rate and c = 0. The module's midpoint rule
    on a quarter-day grid errs by h²/(24μ²) ≈ 4e-8 relative for this kernel (c falls on
    the grid), the FFT by rounding: a relative tolerance of 1e-6.
    """
    start = dt.date(2024, 1, 1)
    months = [dt.date(2024 + m // 12, m % 12 + 1, 1) for m in range(37)]
    days = [(b - a).days for a, b in itertools.pairwise(months)]
    per_month = [(rates[0] if m < 18 else rates[1]) * d for m, d in enumerate(days)]
    sc = build(
        {
            "simulation": {"start_date": start, "duration_years": 3.0},
            "caseworkers": {"staffing": [{"date": start, "caseworkers": 1}]},
            "arrivals": {"process": "poisson", "monthly": per_month},
            "exit": {"self_support": {}, "other_per_year": 1.5, "period_years": 50.0},
        }
    )
    load = offered_load(sc, step="month", closure_days=closure)
    t = load.grid.days
    mu, step_at = DAYS_PER_YEAR / 1.5, float((months[18] - start).days)

    def g(x: np.ndarray) -> np.ndarray:
        x = np.maximum(x, 0.0)
        return np.minimum(x, closure) + mu * (1 - np.exp(-np.maximum(x - closure, 0.0) / mu))

    low, high = rates
    expected = low * (g(t) - g(t - step_at)) + high * g(t - step_at)
    np.testing.assert_allclose(load.grid.mean[1:], expected[1:], rtol=1e-6)
    np.testing.assert_allclose(load.grid.variance, load.grid.mean)  # one case per arrival


def test_fast_survival_kernel_agrees_with_the_direct_integral() -> None:
    """m(t) of the placed refugees (the FFT convolutions over the treatment wait and the
    arrivals) equals the sum over arrival cells of arrivals × `survival` (the treatment
    wait summed directly) at the cell's midpoint age: the same discretisation done two
    ways, so they agree to rounding (1e-9 relative)."""
    sc = scenario(ample_staff(4.0))
    load = offered_load(sc, resolution_days=1.0)
    grid = load.grid
    arrivals = grid.openings["refugee"]
    for k in (100, 400, 1100, 1400):
        ages = k - np.arange(k) - 0.5
        direct = float(arrivals[:k] @ survival(sc, "refugee", ages, resolution_days=1.0))
        assert grid.open_by_stream["refugee"][k] == pytest.approx(direct, rel=1e-9)


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        ("refugee", {}),  # the baseline: 30 % traumatised, triangular wait, half the hazard
        (
            "reunified",
            {
                "case_mix": {
                    "trauma_share": {"reunified": 0.5},
                    "treatment_wait_days": {"dist": "exponential", "mean": 120.0},
                    "self_support_multiplier_traumatised": 2.0,
                },
                "exit": {
                    "period_years": 4.0,
                    "self_support": {"reunified": [0.2, 0.3]},  # year 2's hazard continues
                    "other_per_year": 0.1,
                },
            },
        ),
    ],
)
def test_survival_follows_the_person_sampler(kind: str, changes: dict[str, Any]) -> None:
    """P(open > s) against 60,000 cases drawn by `PersonSampler`, the simulator's own
    sampler. By the Dvoretzky–Kiefer–Wolfowitz inequality (Massart's constant),
    P(sup_s |Ŝ_n(s) − S(s)| > ε) <= 2 e^{−2nε²}: ε = sqrt(ln(2/α) / 2n) = 0.0080 at
    α = 0.001. Rounding the treatment wait to a quarter day moves S by at most
    (largest hazard × multiplier) × h/2 < 1e-3 × 0.125 day: the tolerance is ε + 1e-4."""
    data = ample_staff(4.0)
    for table, values in changes.items():
        data[table] = {**data[table], **values}
    sc = scenario(data)
    sampler = PersonSampler(kind, sc.exit, sc.case_mix, Streams(1304, 0))
    n = 60_000
    drawn = np.sort([sampler.draw().days_open for _ in range(n)])
    s = np.linspace(0.0, sc.exit.period_years * DAYS_PER_YEAR - 0.01, 400)
    empirical = 1 - np.searchsorted(drawn, s, side="right") / n
    gap = np.abs(empirical - survival(sc, kind, s))
    epsilon = np.sqrt(np.log(2 / 0.001) / (2 * n))
    print(f"\n{kind}: largest gap {gap.max():.4f} (allowed {epsilon + 1e-4:.4f})")
    assert gap.max() <= epsilon + 1e-4


def test_survival_follows_the_simulator_when_the_employment_effort_begins_late() -> None:
    """The exit rule with the employment effort (`exit.before_effort_multiplier`): the
    simulator against `survival`. Single adults, ample caseworkers round the clock (an
    employment task is started the moment it falls due: the module's effort_days = 0),
    the employment task 200 days in and a multiplier of 0.2, so that the effort moves
    survival by about 0.05 at 200 days. Cases opened at least 600 days before the end
    (their effort, after at most a year's treatment wait and 200 days, has begun) give
    about 6,400 exits: by the Dvoretzky–Kiefer–Wolfowitz inequality the empirical
    survival is within ε = sqrt(ln(2/α) / 2n) of the truth at α = 0.001. The law
    without the effort (the usual hazard throughout) must be further off than ε."""
    data = single_adults(ample_staff(3.0))
    data["calendar"] = {"mode": "continuous"}
    data["arrivals"] = {"process": "poisson", "counts": "adults", "per_month": 400.0}
    data["tasks"]["skills"] = {
        "statutory": True,
        "trigger": {"on": "after", "days": 200.0},
        "deadline_days": 60.0,
        "duration_hours": {"dist": "fixed", "value": 1.0},
        "employment": True,
    }
    data["exit"] = {**data["exit"], "before_effort_multiplier": 0.2}
    sc = scenario(data)
    record = run_scenario_record(sc)
    c = record.cases
    followed = c["opened"] < sc.simulation.duration_days - 600.0
    drawn = np.sort((c["exit"] - c["opened"])[followed])
    n = drawn.size
    s = np.linspace(0.0, sc.exit.period_years * DAYS_PER_YEAR - 0.01, 400)
    empirical = 1 - np.searchsorted(drawn, s, side="right") / n
    gap = np.abs(empirical - survival(sc, "refugee", s)).max()
    usual = scenario({**data, "exit": {**data["exit"], "before_effort_multiplier": 1.0}})
    gap_usual = np.abs(empirical - survival(usual, "refugee", s)).max()
    epsilon = np.sqrt(np.log(2 / 0.001) / (2 * n))
    print(f"\n{n} exits: gap {gap:.4f}, without the effort {gap_usual:.4f} (ε {epsilon:.4f})")
    assert gap <= epsilon + 1e-4
    assert gap_usual > epsilon


def run_scenario_record(sc: Scenario) -> Any:
    """One replication's records."""
    from simulator.engine.model import Municipality

    return Municipality(sc, 0).run()


# --------------------------------------------------------------------------- quantiles, staff


def test_quantiles_of_a_single_batch_are_poisson() -> None:
    """With every batch of size 1 the law is Poisson: scipy's quantiles exactly."""
    levels = [0.1, 0.5, 0.9, 0.95, 0.999]
    for mean in (0.3, 4.0, 57.5, 289.0, 3000.0):
        got = compound_poisson_quantiles([mean, 0.0, 0.0], levels)
        np.testing.assert_array_equal(got, poisson.ppf(levels, mean))


def test_quantiles_of_batches_match_a_direct_convolution() -> None:
    """N = M₁ + 2M₂ + 3M₃ (independent Poisson): the FFT inversion against the law
    built by convolving the three Poisson laws directly."""
    rates = np.array([[120.0, 40.0, 3.0], [5.0, 0.5, 0.1]])
    levels = [0.05, 0.1, 0.5, 0.9, 0.95]
    got = compound_poisson_quantiles(rates, levels)
    for row, mu in zip(got, rates, strict=True):
        support = np.arange(800)
        law = poisson.pmf(support, mu[0])
        for k in (2, 3):
            spread = np.zeros(800)
            spread[::k] = poisson.pmf(np.arange(len(spread[::k])), mu[k - 1])
            law = np.convolve(law, spread)[:800]
        cdf = np.cumsum(law)
        np.testing.assert_array_equal(row, [np.searchsorted(cdf, p) for p in levels])


def test_caseworkers_needed_is_quantile_over_limit_over_share_at_work() -> None:
    """A continuous calendar works 365.25 days a year, so with 6 weeks of vacation and 12
    sick days the share at work is exactly 1 − 42 / 365.25; caseworkers needed are the
    quantile ÷ limit ÷ that share, rounded up; without absence the share is 1."""
    data = ample_staff(4.0, absence={"vacation": {"weeks_per_year": 6.0}})
    data["calendar"] = {"mode": "continuous"}
    sc = scenario(data)
    share = 1 - 42 / DAYS_PER_YEAR
    assert share_at_work(sc) == pytest.approx(share, rel=1e-12)
    load = offered_load(sc)
    q90 = load.quantile(0.9)
    np.testing.assert_array_equal(load.quantiles[:, load.levels.index(0.9)], q90)
    assert list(load.caseworkers_needed(45.0, 0.9)) == [int(np.ceil(q / 45 / share)) for q in q90]
    assert share_at_work(scenario(ample_staff(4.0))) == 1.0


def test_periods_and_openings_follow_the_schedule() -> None:
    """Quarters start on calendar quarters, and a quarter's expected openings are the
    schedule's: the baseline places 11 persons a month, households of 2.075 persons and
    1.35 adults on average (0.6 × 1 + 0.1 × 2 + 0.25 × (2 + 2.5) + 0.05 × (1 + 2)), so
    3 × 11 ÷ 2.075 × 1.35 adults a quarter; spouses at 11 ÷ 2.075 households a month
    × 0.6 applying × 0.6 single adults × 0.46 spouses once the first delays have passed."""
    sc = scenario(ample_staff(4.0))
    load = offered_load(sc, step="quarter")
    assert load.dates[:3] == [dt.date(2012, 1, 1), dt.date(2012, 4, 1), dt.date(2012, 7, 1)]
    assert len(load.dates) == 16
    np.testing.assert_allclose(load.openings["refugee"], 3 * 11 / 2.075 * 1.35, rtol=1e-9)
    spouses_per_quarter = 3 * 11 / 2.075 * 0.6 * 0.6 * 0.46
    np.testing.assert_allclose(load.openings["reunified"][4:], spouses_per_quarter, rtol=0.03)
