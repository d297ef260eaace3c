"""Writing a results folder, all at once or not at all.

The folder is built next to its destination under a temporary name and renamed
into place only when every file is written, so a crash or Ctrl-C never leaves a
half-written results folder (an older folder at the same place is replaced only
at that moment).
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import pandas as pd

from simulator import native
from simulator.experiments.atomic import atomic_folder
from simulator.experiments.executors import replication_executor
from simulator.experiments.run import Comparison, Results
from simulator.reporting.drawing import Planner, draw_figures
from simulator.timings import phase
from simulator.version import __version__

SUMMARY_FLOAT_FORMAT = "%.6g"


def write_results(
    results: Results,
    destination: Path,
    *,
    command: list[str] | None = None,
    figures: bool = True,
    workers: int | None = None,
) -> Path:
    """Write every output of `results` into the folder `destination`, atomically
    (the PNG figures too, unless `figures` is False: on `workers` processes, by default
    one per core where the run had more than a few replications, else in this one)."""
    with atomic_folder(destination) as folder, phase("tables"):
        results.summary.to_csv(
            folder / "summary.csv", index=False, float_format=SUMMARY_FLOAT_FORMAT, na_rep=""
        )
        results.by_task.to_csv(
            folder / "tasks_by_type.csv", index=False, float_format=SUMMARY_FLOAT_FORMAT, na_rep=""
        )
        results.weekly.to_parquet(folder / "timeseries.parquet", index=False)
        results.tasks.to_parquet(folder / "tasks.parquet", index=False)
        (folder / "scenario.resolved.toml").write_text(resolved_toml(results), encoding="utf-8")
        if figures:
            with phase("figures"):
                _write_figures(results, folder / "figures", workers)
        manifest = build_manifest(results, command)
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return destination


def _write_figures(results: Results, folder: Path, workers: int | None) -> None:
    """The planner figures, on as many processes as the replications ran on by default."""
    scenario = results.scenario
    planner = Planner(
        results.weekly,
        results.by_task,
        title=scenario.name,
        warmup_end=scenario.simulation.warmup_end,
        stress_threshold=scenario.stress.threshold,
    )
    executor = replication_executor(results.replications, workers)
    try:
        draw_figures(folder, planner, None if executor.workers == 1 else executor)
    finally:
        executor.close()


def resolved_toml(results: Results) -> str:
    """The full scenario after `extends` and `--set`, as TOML, with the run's seed."""
    header = (
        f"# Scenario '{results.scenario.name}' as run: every key resolved\n"
        f"# (extends and --set applied). Scenario hash {results.scenario.digest()}.\n\n"
    )
    return results.scenario.to_toml(header, seed=results.seed, replications=results.replications)


def build_manifest(results: Results, command: list[str] | None) -> dict[str, Any]:
    import numpy
    import simpy

    return {
        "package": "caseload-simulator",
        "version": __version__,
        "scenario": results.scenario.name,
        "scenario_hash": results.scenario.digest(),
        "seed": results.seed,
        "replications": results.replications,
        "replications_rule": (
            None
            if results.auto is None
            else {
                "method": "Hoad, Robinson & Davies (2010)",
                "precision": results.auto.precision,
                "look_ahead": results.auto.look_ahead,
                "maximum": results.auto.maximum,
                "metrics": list(results.auto.metrics),
                "converged_at": results.converged_at,
            }
        ),
        "wall_seconds": round(results.wall_seconds, 3),
        "events": results.events,
        "command": command,
        "build": native.describe(),  # compiled (mypyc) or plain Python: same results
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
    }


def write_comparison(result: Comparison, destination: Path, *, command: list[str] | None) -> Path:
    """Write a comparison folder atomically: the paired table, both summaries, a figure."""
    from simulator.reporting.figures import write_comparison_figure

    a, b = result.a, result.b
    with atomic_folder(destination) as folder:
        result.table.to_csv(
            folder / "comparison.csv", index=False, float_format=SUMMARY_FLOAT_FORMAT, na_rep=""
        )
        for side, res in (("a", a), ("b", b)):
            res.summary.to_csv(
                folder / f"summary_{side}.csv",
                index=False,
                float_format=SUMMARY_FLOAT_FORMAT,
                na_rep="",
            )
            (folder / f"scenario_{side}.resolved.toml").write_text(resolved_toml(res))
        write_comparison_figure(
            folder / "comparison.png",
            a.weekly,
            b.weekly,
            (a.scenario.name, b.scenario.name),
            a.scenario.simulation.warmup_end,
        )
        manifest = {"a": build_manifest(a, command), "b": build_manifest(b, command)}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return destination
