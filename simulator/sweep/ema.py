"""This model for EMA-workbench users: a sweep spec as a workbench `Model`.

`ema_model(spec)` turns a sweep spec into an `ema_workbench.Model`: each factor becomes
a workbench parameter (a range of decimals a `RealParameter`, of whole numbers an
`IntegerParameter`, levels or variants a `CategoricalParameter`), an uncertainty or a
lever as its `kind` says; each summary metric asked for (and the stability columns)
becomes a `ScalarOutcome`. An experiment runs the spec's base scenario with the
workbench's values, the spec's replications with common random numbers (replication r
seeded as in a sweep, whatever the experiment), and returns each outcome's mean over the
replications. So `perform_experiments(ema_model("my_spec.toml"), scenarios=100)`
samples the same space `caseload sweep` would, with the workbench's own samplers and
analyses. The function is a module-level class instance, so it pickles to the
workbench's multiprocessing evaluator.

`caseload sweep` remains the better tool for large experiments (results stored as they
finish, resumable, Dask, replications kept apart); the adapter is for workflows already
built on the workbench.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from simulator.sweep.measure import measure
from simulator.sweep.spec import Sweep, SweepError, load_sweep

OUTCOMES = ("statutory_on_time_share", "caseload_per_worker_mean", "backlog_growth_hours_per_year")


class ModelFunction:
    """One workbench experiment: the base scenario at the given values, replicated."""

    def __init__(self, sweep: Sweep, outcomes: tuple[str, ...]) -> None:
        self.sweep = sweep
        self.outcomes = outcomes

    def __call__(self, **values: Any) -> dict[str, float]:
        values = {name: _plain(value) for name, value in values.items()}
        scenario = self.sweep.scenario(values, f"{self.sweep.path}: EMA experiment {values}")
        rows = [
            measure(scenario, replication, self.sweep.seed)
            for replication in range(self.sweep.spec.replications)
        ]
        return {o: float(np.mean([float(row[o]) for row in rows])) for o in self.outcomes}


def _plain(value: Any) -> Any:
    """A workbench value as the scenario takes it (numpy scalars to Python's)."""
    return value.item() if isinstance(value, np.generic) else value


def ema_model(spec: str | Path | Sweep, outcomes: tuple[str, ...] = OUTCOMES) -> Any:
    """An `ema_workbench.Model` of the sweep spec `spec` (see the module's notes)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the workbench warns of optional evaluators
            from ema_workbench import (
                CategoricalParameter,
                IntegerParameter,
                Model,
                RealParameter,
                ScalarOutcome,
            )
    except ImportError:
        raise SweepError(
            "the EMA workbench adapter needs it: pip install 'caseload-simulator[research]'"
        ) from None
    from simulator.analysis.metrics import METRICS
    from simulator.sweep.stability import STABILITY_COLUMNS

    sweep = spec if isinstance(spec, Sweep) else load_sweep(spec)
    known = set(METRICS) | set(STABILITY_COLUMNS)
    for outcome in outcomes:
        if outcome not in known:
            raise SweepError(
                f"outcome {outcome!r} is no metric. Allowed: {', '.join(sorted(known))}"
            )
    name = re.sub(r"[^A-Za-z0-9]", "", sweep.name) or "caseload"
    model = Model(name, function=ModelFunction(sweep, tuple(outcomes)))
    parameters: dict[str, list[Any]] = {"uncertainty": [], "lever": []}
    for factor_name, factor in sweep.factors.items():
        if factor.levels is not None:
            parameter = CategoricalParameter(factor_name, list(factor.levels))
        elif factor.value_type == "integer":
            parameter = IntegerParameter(factor_name, *factor.range)
        else:
            parameter = RealParameter(factor_name, *factor.range)
        parameters[factor.kind].append(parameter)
    model.uncertainties = parameters["uncertainty"]
    model.levers = parameters["lever"]
    model.outcomes = [ScalarOutcome(outcome) for outcome in outcomes]
    return model
