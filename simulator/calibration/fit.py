"""The fit: simulated method of moments with common random numbers, by Nelder-Mead.

`fit()` starts from the free parameters' pre-fit values (never from a previous fit's), and
for each parameter set runs every point T1-T8 need (`targets.points_for_targets`) on the
executor, with the same seed and replication numbers each time, and computes the distance
D = sum over targets of the mean over its parts of ((value - centre) / half-width)^2
(`targets.Verdict.distance`). D is minimised in two stages on the parameters
mapped to [0, 1] within their bounds: the pre-fit values and a scrambled Sobol screening of
the box (`scipy.stats.qmc`, seeded), then `scipy.optimize.minimize(method="Nelder-Mead")`
from the best of them, with a simplex of steps of a quarter of each range, within a fixed
budget of evaluations. (Nelder-Mead from the pre-fit values alone stalled on a bound; see
docs/calibration.md.) The method and the
bounds are in docs/calibration.md, written before the first fit. The out-of-sample checks
are not run here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize
from scipy.stats import qmc

from simulator.calibration.batch import run_points
from simulator.calibration.parameters import FREE, changes_for, prefit
from simulator.calibration.targets import TARGETS, Verdict, points_for_targets, verdicts
from simulator.experiments.executors import Executor, make_executor
from simulator.scenario.files import read_toml
from simulator.scenario.keys import with_values

FIT_REPLICATIONS = 6  # per point, in every evaluation (the report uses more)
MAX_EVALUATIONS = 80  # the whole budget: screening and Nelder-Mead
SCREENING = 16  # Sobol points tried before Nelder-Mead starts (a power of two)
SCREEN_SEED = 2015
STEP = 0.25  # the initial simplex's step, as a share of each parameter's range


@dataclass
class Evaluation:
    """One parameter set tried: its values, distance and each target's share of it."""

    values: dict[str, float]
    distance: float
    by_target: dict[str, float]
    seconds: float


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
        return min(self.evaluations, key=lambda e: e.distance)


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


def fit(
    base: Path,
    *,
    replications: int = FIT_REPLICATIONS,
    max_evaluations: int = MAX_EVALUATIONS,
    screening: int = SCREENING,
    workers: int | None = 2,
    executor: Executor | None = None,
    progress: Callable[[Evaluation, int], None] | None = None,
) -> FitResult:
    """Fit the free parameters of the scenario at `base` to T1-T8 from their pre-fit values."""
    started = time.perf_counter()
    own = executor is None
    executor = executor or make_executor(workers)
    executor.warm_up()
    result = FitResult(prefit(), math.inf)
    cache: dict[tuple[float, ...], float] = {}

    def distance(x: np.ndarray) -> float:
        unit = tuple(round(float(v), 6) for v in np.clip(x, 0.0, 1.0))
        if unit in cache:
            return cache[unit]
        values = {p.name: round(p.value(u), 4) for p, u in zip(FREE, unit, strict=True)}
        t0 = time.perf_counter()
        judged = judge(scenario_data(base, values), executor, replications)
        by_target = {v.id: v.distance() for v in judged}
        evaluation = Evaluation(values, sum(by_target.values()), by_target,
                                time.perf_counter() - t0)  # fmt: skip
        result.evaluations.append(evaluation)
        if progress:
            progress(evaluation, len(result.evaluations))
        cache[unit] = evaluation.distance
        return evaluation.distance

    # Stage 1: the pre-fit values and a scrambled Sobol screening of the box (seeded).
    start = np.array([p.unit(p.start) for p in FREE])
    screen = qmc.Sobol(d=len(FREE), scramble=True, seed=SCREEN_SEED).random(screening)
    tried = [start, *screen] if screening else [start]
    x0 = min(tried, key=distance)
    # Stage 2: Nelder-Mead from the best of them.
    simplex = [x0]
    for i in range(len(FREE)):
        vertex = x0.copy()
        vertex[i] = x0[i] + STEP if x0[i] + STEP <= 1.0 else x0[i] - STEP
        simplex.append(vertex)
    try:
        found = optimize.minimize(
            distance, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(FREE),
            options={"initial_simplex": np.array(simplex), "maxfev": max_evaluations - len(tried),
                     "xatol": 0.01, "fatol": 0.01},
        )  # fmt: skip
        result.message = str(found.message)
    finally:
        if own:
            executor.close()
    best = result.best
    result.values, result.distance = best.values, best.distance
    result.seconds = time.perf_counter() - started
    return result
