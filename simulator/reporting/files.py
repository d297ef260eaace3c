"""Writing a results folder, all at once or not at all, and only where it destroys nothing.

Where a folder may go is checked before the simulation starts
(`simulator.experiments.outputs`: `results_destination`, `comparison_destination`). The folder is
built next to its destination under a temporary name and renamed into place only when
every file is written, so a crash, Ctrl-C or SIGTERM never leaves a half-written results
folder. Figures cannot cost the tables (they are drawn after them, or on worker processes
while this one writes them): if drawing fails, every table and the manifest are still
written, and `FiguresFailed` says so afterwards. Text a user wrote (task names) is
written to CSV so that no spreadsheet reads it as a formula.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from simulator import native
from simulator.analysis.mechanisms import mechanisms
from simulator.analysis.tables import counts_by_year
from simulator.experiments.atomic import atomic_folder
from simulator.experiments.executors import Executor, closing, replication_executor
from simulator.experiments.outputs import (
    Destination,
    comparison_destination,
    results_destination,
)
from simulator.experiments.run import Comparison, Results
from simulator.reporting.drawing import FIGURES_MODULE, Planner, draw_figures
from simulator.timings import phase
from simulator.version import __version__

SUMMARY_FLOAT_FORMAT = "%.6g"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet cell a formula
# columns of tasks.parquet with few distinct values, dictionary-encoded; the others (times,
# hours: nearly all distinct) plain, which writes the file in a third of the time, smaller
TASKS_DICTIONARY = ["replication", "case", "household", "task_type", "statutory", "lapsed",
                    "caseworker", "state"]  # fmt: skip
T = TypeVar("T")
R = TypeVar("R")


class FiguresFailed(Exception):
    """The figures could not all be drawn; every table of the folder is written."""

    def __init__(self, folder: Path, error: str) -> None:
        super().__init__(
            f"the figures could not all be drawn ({error}); the tables, the scenario and the "
            f"manifest are written in {folder}"
        )
        self.folder, self.error = folder, error


def write_results(
    results: Results,
    where: Path | Destination,
    *,
    command: list[str] | None = None,
    figures: bool = True,
    workers: int | None = None,
) -> Path:
    """Write every output of `results` into the folder `where`, atomically (the PNG figures
    too, unless `figures` is False: on `workers` processes, by default one per core where
    the run had more than a few replications or workers are forked, else in this one). A
    plain path is checked as `--out` without --force.

    Raises `FiguresFailed`, once the folder is in place, if a figure could not be drawn.
    """
    if not isinstance(where, Destination):
        where = results_destination(results.scenario.name, where)
    failure = None
    with atomic_folder(where) as folder:
        tables = partial(_write_tables, results, folder)
        if figures:  # the tables are written while the figures are drawn
            failure = _figures(results, folder / "figures", workers, tables)
        else:
            tables()
        manifest = build_manifest(results, command)
        if figures:
            manifest["figures"] = "failed: " + failure if failure else "complete"
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if failure:
        raise FiguresFailed(where.path, failure)
    return where.path


def _write_tables(results: Results, folder: Path) -> None:
    """Every table of the results folder, and the scenario as run.

    The two Parquet tables are written on threads of their own, one each, while this one
    writes the rest: Arrow encodes them mostly without holding Python's lock, so the three
    go on together where cores are free, as after a run without figures
    (`bench_statistics.py`). The threads have ended when this returns or raises (so
    nothing is written after), and their errors are raised here."""
    with phase("tables"), ThreadPoolExecutor(2, thread_name_prefix="parquet") as threads:
        parquet = [threads.submit(_write_parquet, results, folder, name) for name in PARQUET]
        write_csv(results.summary, folder / "summary.csv")
        write_csv(results.by_task, folder / "tasks_by_type.csv")
        sim = results.scenario.simulation
        days = (sim.start_date, sim.duration_days, sim.warmup_days)
        write_csv(counts_by_year(results.counts, *days), folder / "counts_by_year.csv")
        toml = resolved_toml(results)
        (folder / "scenario.resolved.toml").write_text(toml, encoding="utf-8")
        for table in parquet:
            table.result()


PARQUET = ("tasks.parquet", "timeseries.parquet")  # the larger first


def _write_parquet(results: Results, folder: Path, name: str) -> None:
    """One of the run's Parquet tables (`PARQUET`): the tasks, or the weekly series."""
    if name == "tasks.parquet":
        results.tasks.to_parquet(folder / name, index=False, use_dictionary=TASKS_DICTIONARY)
    else:
        results.weekly.to_parquet(folder / name, index=False)


def _figures(
    results: Results, folder: Path, workers: int | None, tables: Callable[[], None]
) -> str | None:
    """Write the `tables` and draw the figures into `folder` (on worker processes, while the
    tables are written); what went wrong with the figures, if anything. The tables are
    written whatever becomes of the figures, and an error writing them is raised as such."""
    tables_done: list[bool] = []  # none: not begun; False: failed; True: written

    def write_tables() -> None:
        tables_done.append(False)
        tables()
        tables_done[0] = True

    failure = None
    try:
        with phase("figures"):
            _write_figures(results, folder, workers, write_tables)
    except Exception as exc:  # matplotlib may fail on anything; the run must not be lost
        if tables_done == [False]:
            raise
        drawn = sorted(p.name for p in folder.glob("*.png")) if folder.is_dir() else []
        failure = f"{type(exc).__name__}: {exc}; drawn: {', '.join(drawn) or 'none'}"
    if not tables_done:
        tables()
    return failure


def write_csv(table: pd.DataFrame, path: Path, float_format: str = SUMMARY_FLOAT_FORMAT) -> None:
    """`table` as CSV, with text that a spreadsheet would read as a formula made inert."""
    spreadsheet_safe(table).to_csv(path, index=False, float_format=float_format, na_rep="")


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with every text cell that starts like a formula (=, +, -, @, tab, CR)
    prefixed with an apostrophe, as OWASP advises against CSV injection. Numbers are left
    alone, also negative ones and text that reads as a number ("-5")."""
    safe = table.copy()
    for column in safe.columns:
        values = safe[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            safe[column] = values.cat.rename_categories([_inert(c) for c in values.cat.categories])
        elif values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            safe[column] = values.map(_inert)
    return safe


def _inert(value: Any) -> Any:
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)  # a number written as text: a spreadsheet reads a number, no formula
        return value
    except ValueError:
        return "'" + value


def _write_figures(
    results: Results, folder: Path, workers: int | None, meanwhile: Callable[[], None]
) -> None:
    """The planner figures, on as many processes as the replications ran on by default (or
    one per core where workers are forked from here, however few the replications),
    while this process does `meanwhile`; or in this process, after `meanwhile`."""
    scenario = results.scenario
    planner = Planner(
        results.weekly,
        results.by_task,
        title=scenario.name,
        warmup_end=scenario.simulation.warmup_end,
        stress_threshold=scenario.stress.threshold,
        counts=results.counts,
        mechanisms=mechanisms(scenario),
        run_days=(scenario.simulation.start_date, scenario.simulation.last_day),
    )
    jobs = len(planner.names())  # one a figure
    executor = replication_executor(results.replications, workers, [FIGURES_MODULE], jobs)
    with closing(executor):  # its workers stopped at once if a figure fails or on Ctrl-C
        if executor.workers == 1:
            meanwhile()
            draw_figures(folder, planner)
        else:
            draw_figures(folder, planner, _Meanwhile(executor, meanwhile))


class _Meanwhile:
    """`executor`, with work for this process once the first items are on their way."""

    def __init__(self, executor: Executor, work: Callable[[], None]) -> None:
        self.executor, self.work = executor, work
        self.workers, self.description = executor.workers, executor.description
        self.inherits = bool(getattr(executor, "inherits", False))

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return self.executor.imap_unordered(fn, items, meanwhile=self.work)


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
        "mechanisms": {m.name: m.state for m in mechanisms(results.scenario)},
        "wall_seconds": round(results.wall_seconds, 3),
        "events": results.events,
        "command": command,
        "build": native.describe(),  # compiled (mypyc) or plain Python: same results
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
    }


def write_comparison(
    result: Comparison, where: Path | Destination, *, command: list[str] | None
) -> Path:
    """Write a comparison folder atomically: the paired table, both summaries, a figure.
    A plain path is checked as `--out` without --force; `FiguresFailed` as for a run."""
    from simulator.reporting.figures import write_comparison_figure

    a, b = result.a, result.b
    if not isinstance(where, Destination):
        where = comparison_destination(a.scenario.name, b.scenario.name, where)
    failure = None
    with atomic_folder(where) as folder:
        write_csv(result.table, folder / "comparison.csv")
        for side, res in (("a", a), ("b", b)):
            write_csv(res.summary, folder / f"summary_{side}.csv")
            (folder / f"scenario_{side}.resolved.toml").write_text(resolved_toml(res))
        manifest = {"a": build_manifest(a, command), "b": build_manifest(b, command)}
        try:
            write_comparison_figure(
                folder / "comparison.png",
                a.weekly,
                b.weekly,
                (a.scenario.name, b.scenario.name),
                a.scenario.simulation.warmup_end,
            )
        except Exception as exc:  # the paired table is the result: keep it
            failure = f"{type(exc).__name__}: {exc}"
            manifest["figures"] = "failed: " + failure
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if failure:
        raise FiguresFailed(where.path, failure)
    return where.path
