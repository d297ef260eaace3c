"""Which planner figures a run gets, and drawing them here or on worker processes.

The figures themselves are in `simulator.reporting.figures` (`FIGURES_MODULE`). This
module hands them out without loading matplotlib: where the figures are drawn on worker
processes (`draw_figures` with a `ProcessExecutor`), the workers load it, or the process
that forks them loads it once for all of them. Each figure is a job of its own, the
slowest first, so that the workers finish together.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from simulator.analysis.mechanisms import Mechanism
from simulator.analysis.standards import CASELOAD_BAND
from simulator.timings import phase

if TYPE_CHECKING:
    from simulator.experiments.executors import Executor

FIGURES_MODULE = "simulator.reporting.figures"  # what draws them (it loads matplotlib)
PLANNER_FIGURES = (  # always drawn, in this order
    "caseload_per_worker.png",
    "backlog_hours.png",
    "statutory_on_time_by_task.png",
    "utilisation.png",
    "staff_by_absence.png",
    "stress.png",
)
DROPPED_FIGURE = "optional_tasks_dropped_by_task.png"  # where triage dropped optional tasks
ARRIVALS_FIGURE = "arrivals_by_month.png"  # where the results have counts by month
SLOWEST_FIRST = (  # the bar figures, then those of two panels, then the rest
    "statutory_on_time_by_task.png",
    DROPPED_FIGURE,
    "caseload_per_worker.png",
    ARRIVALS_FIGURE,
    "stress.png",
    "backlog_hours.png",
    "staff_by_absence.png",
    "utilisation.png",
)


@dataclass(frozen=True)
class Planner:
    """What the planner figures are drawn from (see `figures.write_figures`)."""

    weekly: pd.DataFrame
    by_task: pd.DataFrame
    title: str
    warmup_end: dt.date | None
    band: tuple[float, float] = CASELOAD_BAND
    stress_threshold: float | None = None
    counts: pd.DataFrame | None = None  # by month (`Results.counts`), for ARRIVALS_FIGURE
    # the scenario's mechanisms (`simulator.analysis.mechanisms.mechanisms`, as the console
    # reads them): a figure showing one that is off says so; none given, none is said off
    mechanisms: tuple[Mechanism, ...] = ()
    # the run's first and last day simulated (`Simulation.start_date`, `last_day`): a month
    # only partly run is not drawn as a whole month's count
    run_days: tuple[dt.date, dt.date] | None = None

    def names(self) -> list[str]:
        """The files of the figures to draw, in order."""
        triaged = "triaged" in self.by_task.columns and self.by_task["triaged"].sum() > 0
        counted = self.counts is not None and len(self.counts) > 0
        return [
            *PLANNER_FIGURES,
            *([ARRIVALS_FIGURE] if counted else []),
            *([DROPPED_FIGURE] if triaged else []),
        ]


def prepare() -> None:
    """Load `FIGURES_MODULE` (matplotlib) here now: processes forked from this one
    afterwards draw at once."""
    with phase("import"):
        importlib.import_module(FIGURES_MODULE)


_INHERITED: list[Planner] = []  # the planner whose figures workers forked from here draw


def draw(job: tuple[Planner | None, list[str], Path]) -> list[Path]:
    """Draw planner figures (planner, file names, folder) and write them; their paths.
    No planner: the one this process inherited from the one that forked it."""
    with phase("import"):  # matplotlib, where the first figure is drawn
        from simulator.reporting.figures import draw_planner_figure  # FIGURES_MODULE

    planner, names, folder = job
    if planner is None:
        if not _INHERITED:
            raise RuntimeError("a figure job without its tables, in a process that has none")
        planner = _INHERITED[0]
    return [draw_planner_figure(planner, name, folder / name) for name in names]


def draw_figures(folder: Path, planner: Planner, executor: Executor | None = None) -> list[Path]:
    """Write `planner`'s figures into `folder` (created if missing): in this process, or
    one by one on `executor`'s processes, the slowest first; their paths, in order.

    Each figure job takes the tables with it (about 5 MB for the baseline's 10
    replications, pickled and sent once per figure), except to workers still to be forked
    from this process (`ProcessExecutor.inherits`): they find them in the memory they
    inherit."""
    folder.mkdir(parents=True, exist_ok=True)
    names = planner.names()
    if executor is None:
        return draw((planner, names, folder))
    inherits = bool(getattr(executor, "inherits", False))
    shipped = None if inherits else planner
    jobs = [(shipped, [name], folder) for name in sorted(names, key=_slowest_first)]
    _INHERITED[:] = [planner] if inherits else []
    try:
        written = {path for paths in executor.imap_unordered(draw, jobs) for path in paths}
    finally:
        _INHERITED.clear()
    return [folder / name for name in names if folder / name in written]


def _slowest_first(name: str) -> int:
    """Where figure `name` goes in the queue of the workers: those that take longest to
    draw first (measured on the baseline), so that none is left to draw alone at the end."""
    return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)
