"""The fit: simulated method of moments with common random numbers, by Nelder-Mead.

`fit()` starts from the free parameters' pre-fit values (never from a previous fit's), and
for each parameter set runs every point T1-T8 need (`targets.points_for_targets`) on the
executor, with the same seed and replication numbers each time, and computes the distance
D = sum over targets of the mean over its parts of ((value - centre) / half-width)^2
(`targets.Verdict.distance`). D is minimised in three stages on the parameters mapped to
[0, 1] within their bounds: (1) the pre-fit values and a scrambled Sobol screening of the
box (`scipy.stats.qmc`, seeded); (2) `scipy.optimize.minimize(method="Nelder-Mead")` from
the best of them, with a simplex of steps of a quarter of each range, within a fixed budget
of evaluations (Nelder-Mead from the pre-fit values alone stalled on a bound); (3)
Nelder-Mead again from stage 2's best, at the report's replications, minimising D plus a
penalty that keeps every target but T8 (in conflict with the rest) inside its band
(`refine` runs stage 3 alone from a scenario's values). The method and the bounds are in
docs/calibration.md, written before the fits they govern. The out-of-sample checks are not
run here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize
from scipy.stats import qmc

from simulator.calibration.batch import run_points
from simulator.calibration.parameters import FREE, FREE_BY_NAME, changes_for, fitted_values, prefit
from simulator.calibration.report import REPORT_REPLICATIONS
from simulator.calibration.targets import TARGETS, Verdict, points_for_targets, verdicts
from simulator.experiments.executors import Executor, given_or_new
from simulator.scenario.files import read_toml
from simulator.scenario.keys import with_values

FIT_REPLICATIONS = 6  # per point, in every evaluation of stages 1 and 2
MAX_EVALUATIONS = 80  # the budget of stages 1 and 2: screening and Nelder-Mead
SCREENING = 16  # Sobol points tried before Nelder-Mead starts (a power of two)
SCREEN_SEED = 2015
STEP = 0.25  # stage 2's initial simplex step, as a share of each parameter's range
# Stage 3 (docs/calibration.md, "Changes of method"): at the report's replications,
# keeping every target but those the probes there show in conflict with the rest inside
# their bands narrowed by KEEP_MARGIN.
CONFLICTING = frozenset({"T8"})
KEEP = frozenset(TARGETS) - CONFLICTING
REFINE_EVALUATIONS = 30
REFINE_STEP = 1 / 16
KEEP_WEIGHT = 100.0
KEEP_MARGIN = 0.1


@dataclass
class Evaluation:
    """One parameter set tried: its values, distance D, each target's share of D, the
    targets it met, the stage and the value that stage minimised (D, or D plus stage 3's
    penalty)."""

    values: dict[str, float]
    distance: float
    by_target: dict[str, float]
    seconds: float
    passed: frozenset[str] = frozenset()
    stage: int = 1
    objective: float = math.nan


@dataclass
class FitResult:
    """What the fit found, and how it got there."""

    values: dict[str, float]
    distance: float
    evaluations: list[Evaluation] = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""

    @property
    def best(self) -> Evaluation:
        """The best evaluation of the last stage run, by what that stage minimised."""
        last = max(e.stage for e in self.evaluations)
        return min((e for e in self.evaluations if e.stage == last), key=lambda e: e.objective)


def scenario_data(path: Path, values: dict[str, float]) -> dict[str, Any]:
    """The scenario at `path` with the free parameters set to `values`."""
    return with_values(read_toml(path), changes_for(values))


def judge(
    data: dict[str, Any],
    executor: Executor | None,
    replications: int,
    stationarity: bool = False,
) -> list[Verdict]:
    """Every in-sample target for the scenario `data`."""
    rows = run_points(points_for_targets(data, replications, stationarity), executor)
    return verdicts(rows, TARGETS)


class _Objective:
    """The function a stage minimises, on the unit cube: it runs the targets' points for the
    parameters at `x` and records each evaluation (a point tried twice is answered from the
    cache)."""

    def __init__(self, base: Path, executor: Executor, replications: int, stage: int,
                 result: FitResult, progress: Callable[[Evaluation, int], None] | None,
                 keep: frozenset[str] = frozenset()) -> None:  # fmt: skip
        self.base, self.executor, self.replications = base, executor, replications
        self.stage, self.result, self.progress, self.keep = stage, result, progress, keep
        self.cache: dict[tuple[float, ...], float] = {}

    def __call__(self, x: np.ndarray) -> float:
        unit = tuple(round(float(v), 6) for v in np.clip(x, 0.0, 1.0))
        if unit in self.cache:
            return self.cache[unit]
        values = {p.name: round(p.value(u), 4) for p, u in zip(FREE, unit, strict=True)}
        t0 = time.perf_counter()
        judged = judge(scenario_data(self.base, values), self.executor, self.replications)
        by_target = {v.id: v.distance() for v in judged}
        d = sum(by_target.values())
        penalty = sum(v.penalty(KEEP_MARGIN) for v in judged if v.id in self.keep)
        evaluation = Evaluation(values, d, by_target, time.perf_counter() - t0,
                                frozenset(v.id for v in judged if v.passed), self.stage,
                                d + KEEP_WEIGHT * penalty)  # fmt: skip
        self.result.evaluations.append(evaluation)
        if self.progress:
            self.progress(evaluation, len(self.result.evaluations))
        self.cache[unit] = evaluation.objective
        return evaluation.objective


def _simplex_search(objective: _Objective, x0: np.ndarray, step: float, budget: int) -> str:
    """Nelder-Mead from `x0` with a first simplex of `step` along each axis (inward at a
    bound), within `budget` evaluations; SciPy's closing message."""
    simplex = [x0]
    for i in range(len(FREE)):
        vertex = x0.copy()
        vertex[i] = x0[i] + step if x0[i] + step <= 1.0 else x0[i] - step
        simplex.append(vertex)
    found = optimize.minimize(
        objective, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(FREE),
        options={"initial_simplex": np.array(simplex), "maxfev": budget,
                 "xatol": 0.01, "fatol": 0.01},
    )  # fmt: skip
    return str(found.message)


def fit(
    base: Path,
    *,
    replications: int = FIT_REPLICATIONS,
    max_evaluations: int = MAX_EVALUATIONS,
    screening: int = SCREENING,
    refine_evaluations: int = REFINE_EVALUATIONS,
    refine_replications: int = REPORT_REPLICATIONS,
    workers: int | None = 2,
    executor: Executor | None = None,
    progress: Callable[[Evaluation, int], None] | None = None,
) -> FitResult:
    """Fit the free parameters of the scenario at `base` to T1-T8 from their pre-fit values:
    stages 1 and 2 at `replications`, then stage 3 (`refine`) at `refine_replications`
    (no stage 3 if `refine_evaluations` is 0)."""
    started = time.perf_counter()
    result = FitResult(prefit(), math.inf)
    with _executor(workers, executor) as executor:
        objective = _Objective(base, executor, replications, 1, result, progress)
        # Stage 1: the pre-fit values and a scrambled Sobol screening of the box (seeded).
        start = np.array([p.unit(p.start) for p in FREE])
        screen = qmc.Sobol(d=len(FREE), scramble=True, seed=SCREEN_SEED).random(screening)
        tried = [start, *screen] if screening else [start]
        x0 = min(tried, key=objective)
        # Stage 2: Nelder-Mead from the best of them.
        objective.stage = 2
        result.message = _simplex_search(objective, x0, STEP, max_evaluations - len(tried))
        if refine_evaluations:
            _refine(base, result.best.values, result, executor, refine_replications,
                    refine_evaluations, progress)  # fmt: skip
    return _finished(result, started)


def refine(
    base: Path,
    *,
    replications: int = REPORT_REPLICATIONS,
    evaluations: int = REFINE_EVALUATIONS,
    workers: int | None = 2,
    executor: Executor | None = None,
    progress: Callable[[Evaluation, int], None] | None = None,
) -> FitResult:
    """Stage 3 alone, from the free parameters' values in the scenario at `base` (a previous
    stage 2's result)."""
    started = time.perf_counter()
    values = {k: round(v, 4) for k, v in fitted_values(read_toml(base)).items()}
    result = FitResult(values, math.inf)
    with _executor(workers, executor) as executor:
        _refine(base, values, result, executor, replications, evaluations, progress)
    return _finished(result, started)


@contextmanager
def _executor(workers: int | None, given: Executor | None) -> Iterator[Executor]:
    """`given`, or a new executor of `workers` processes that is closed afterwards; warmed
    up either way, so that the first evaluation's time is its own."""
    with given_or_new(given, workers) as executor:
        executor.warm_up()
        yield executor


def _finished(result: FitResult, started: float) -> FitResult:
    """`result` with the best evaluation of its last stage as its values, and its time."""
    best = result.best
    result.values, result.distance = best.values, best.distance
    result.seconds = time.perf_counter() - started
    return result


def _refine(base: Path, values: dict[str, float], result: FitResult, executor: Executor,
            replications: int, evaluations: int,
            progress: Callable[[Evaluation, int], None] | None) -> None:  # fmt: skip
    """Stage 3: Nelder-Mead from `values` at `replications`, minimising D plus the penalty
    that keeps the targets in `KEEP` inside their narrowed bands."""
    objective = _Objective(base, executor, replications, 3, result, progress, KEEP)
    x0 = np.array([FREE_BY_NAME[k].unit(v) for k, v in values.items()])
    result.message = _simplex_search(objective, x0, REFINE_STEP, evaluations)
