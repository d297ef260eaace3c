"""The EMA-workbench adapter: a sweep spec runs under `perform_experiments` and gives the
same numbers as the sweep itself."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from sweep_builders import ARRIVALS, CASEWORKERS, spec, write_sweep

import simulator as cl
from simulator.experiments.executors import SerialExecutor
from simulator.sweep.runner import run_sweep
from simulator.sweep.store import load_results

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    workbench = pytest.importorskip("ema_workbench", reason="the adapter needs the research extra")


def test_perform_experiments_runs_the_model_as_a_sweep_would(tmp_path: Path):
    hours = {"key": "caseworkers.weekly_hours", "kind": "uncertainty", "range": [30.0, 40.0]}
    factors = {"caseworkers": CASEWORKERS, "hours": hours}
    design = {"kind": "latin_hypercube", "n": 4}  # the workbench samples its own
    path = write_sweep(tmp_path, spec(replications=2, factors=factors, design=design))
    model = cl.ema_model(path, outcomes=("statutory_on_time_share", "backlog_hours_mean"))
    assert [p.name for p in model.uncertainties] == ["hours"]
    assert [p.name for p in model.levers] == ["caseworkers"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = workbench.perform_experiments(
            model, scenarios=3, policies=2, evaluator=workbench.SequentialEvaluator(model)
        )
    assert len(experiments) == 6 and len(outcomes["backlog_hours_mean"]) == 6
    # the same point as a one-point sweep: the same mean over the same replications
    first = experiments.iloc[0]
    point = {
        "caseworkers": {**CASEWORKERS, "levels": [int(first["caseworkers"])]},
        "hours": {**hours, "range": None, "levels": [float(first["hours"])]},
    }
    out = tmp_path / "out"
    data = spec(replications=2, factors=point)
    sweep = cl.load_sweep(write_sweep(tmp_path / "one", data))
    run_sweep(sweep, out, SerialExecutor(), show_progress=False)
    expected = load_results(out)["backlog_hours_mean"].mean()
    assert outcomes["backlog_hours_mean"][0] == pytest.approx(expected, rel=1e-12)


def test_an_unknown_outcome_is_refused(tmp_path: Path):
    path = write_sweep(tmp_path, spec(factors={"arrivals": ARRIVALS}))
    with pytest.raises(cl.ScenarioError, match="outcome 'backlog' is no metric"):
        cl.ema_model(path, outcomes=("backlog",))
