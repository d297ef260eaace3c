"""The units of work of every batch: one replication of a scenario as tables
(`replicate`, for `run` and `compare`), and one run of a changed scenario as one row of
numbers (`run_chunk`, for sweeps).

A replication (`Replication`) carries its scenario, replication number and seed; a
worker runs it and returns what it showed (`Replicated`): the summary metrics, the
weekly series, the per-task-type figures and the counts by month as plain columns, the
task records, and where its time went. This module does not load pandas: workers forked
before their program loads it simulate while it does, and the program makes the tables
(`Replicated.tables`).

A run is a base scenario (plain data) with some keys set (`simulator.scenario.keys`),
one replication, one seed. Runs travel in chunks (`Chunk`): plain data only (the base
scenario as a dict, the key path of each changed value, and per run its values,
replication and seed), small to pickle, so shipping a chunk to another process or
machine costs little beside the run itself. A worker builds and validates the run's
scenario, simulates one replication and returns one row: the run's identity, its status,
its wall time and what `measure` makes of the run (by default every summary metric). A run
that raises becomes a row with status "error" and the error's text: one bad run never
stops a batch.

Because every run is seeded from its own (seed, replication), and never from the order
or place it runs in, the rows are the same whatever executor runs them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.analysis.metrics import Measures, measure
from simulator.engine.model import Municipality
from simulator.engine.records import RunRecord
from simulator.scenario import Scenario, changed_scenario
from simulator.timings import phase

if TYPE_CHECKING:
    import pandas as pd

Row = dict[str, Any]


@dataclass(frozen=True)
class Replication:
    """Replication `replication` of `scenario`, seeded `seed`.

    `progress` (the fraction of the simulated time done) is for a replication run in
    this process only: a function does not travel to another one.
    """

    scenario: Scenario
    replication: int
    seed: int
    progress: Callable[[float], None] | None = None


@dataclass(frozen=True)
class Replicated:
    """What one replication produced, in plain columns (no pandas): its measures and its
    records (its number, its events, and the task records that make the task table)."""

    measures: Measures
    record: RunRecord
    start: dt.date  # the scenario's first day: the task table's dates count from it
    seconds: dict[str, float]  # simulation, statistics: where its time went
    # when its event loop ran: `time.perf_counter()` at its start and end (a clock every
    # process of the machine shares), so that the wall time spent simulating, on any
    # worker, can be told apart from the rest of a command's
    simulating: tuple[float, float]

    def tables(self) -> Tables:
        """The replication's tables, each carrying its replication number."""
        with phase("import"):
            from simulator.analysis.tables import task_table

        with phase("tables"):
            stats = self.measures.frames()
            rep = self.record.replication
            return Tables(
                replication=rep,
                summary=self.measures.summary,
                weekly=stats.weekly.assign(replication=rep),
                by_task=stats.by_task.assign(replication=rep),
                tasks=task_table(self.record, self.start),
                counts=stats.counts.assign(replication=rep),
                events=self.record.events,
            )


@dataclass(frozen=True)
class Tables:
    """One replication's tables, each carrying its replication number."""

    replication: int
    summary: dict[str, float]  # metric -> value
    weekly: pd.DataFrame  # date, metric, value, replication
    by_task: pd.DataFrame  # task, statutory, created, ..., replication
    tasks: pd.DataFrame  # one row per task
    counts: pd.DataFrame  # period (month, or the window), metric, value, replication
    events: int


def replicate(job: Replication) -> Replicated:
    """Run one replication and measure it (the same wherever it runs)."""
    started = time.perf_counter()
    model = Municipality(job.scenario, replication=job.replication, seed=job.seed)
    record = model.run(progress=job.progress)
    simulated = time.perf_counter()
    measures = measure(record, model.calendar)
    seconds = {"simulation": simulated - started, "statistics": time.perf_counter() - simulated}
    start = job.scenario.simulation.start_date
    return Replicated(measures, record, start, seconds, (started, simulated))


def replicate_numbered(item: tuple[int, Replication]) -> tuple[int, Replicated]:
    """`replicate` for an executor, which returns results out of order: keeps the number."""
    number, job = item
    return number, replicate(job)


@dataclass(frozen=True)
class Run:
    """One run: design point `point` in replication `replication`, seeded `seed`."""

    run_id: int
    point: int
    replication: int
    seed: int
    values: dict[str, Any]
    # the scenario changes (key path -> value); None: each value sets its key in `Chunk.keys`
    changes: dict[str, Any] | None = None


def summary_metrics(scenario: Scenario, replication: int, seed: int) -> dict[str, Any]:
    """One replication of `scenario`: its summary metrics (metric name -> value)."""
    model = Municipality(scenario, replication=replication, seed=seed)
    record = model.run()
    return measure(record, model.calendar).summary


Measure = Callable[[Scenario, int, int], dict[str, Any]]


@dataclass(frozen=True)
class Chunk:
    """Runs shipped together to one worker, with what they need to build their scenarios.

    `keys` maps each of a run's value names to the scenario key path it sets; `measure`
    (a module-level function, so that it pickles) runs one replication and returns the
    row's numbers.
    """

    base: dict[str, Any]
    keys: dict[str, str]
    runs: tuple[Run, ...]
    source: str
    measure: Measure | None = None  # None: summary_metrics


def build_scenario(
    base: dict[str, Any], keys: dict[str, str], values: dict[str, Any], source: str
) -> Scenario:
    """`base` with the key of each named value set to it, validated; errors name `source`."""
    return changed_scenario(base, {keys[name]: value for name, value in values.items()}, source)


def run_chunk(chunk: Chunk) -> list[Row]:
    """Every run of `chunk`, each as a row; a run that raises is a row with its error."""
    rows = []
    for run in chunk.runs:
        started = time.perf_counter()
        row: Row = {
            "run_id": run.run_id,
            "point": run.point,
            "replication": run.replication,
            "seed": run.seed,
            **run.values,
        }
        try:
            source = f"{chunk.source}: point {run.point}"
            if run.changes is not None:
                scenario = changed_scenario(chunk.base, run.changes, source)
            else:
                scenario = build_scenario(chunk.base, chunk.keys, run.values, source)
            measure = chunk.measure or summary_metrics
            metrics = measure(scenario, run.replication, run.seed)
            row.update(status="ok", error=None)
        except Exception as exc:
            metrics = {}
            row.update(status="error", error=f"{type(exc).__name__}: {exc}")
        row["wall_seconds"] = time.perf_counter() - started
        row.update(metrics)
        rows.append(row)
    return rows
