"""Which planner figures a run gets, and drawing them here or on worker processes.

The figures themselves are in `simulator.reporting.figures`. This module hands them out
without loading matplotlib: where the figures are drawn on worker processes
(`draw_figures` with a `ProcessExecutor`), only the workers load it, while the process
that hands them out goes on without.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from simulator.timings import phase

if TYPE_CHECKING:
    from simulator.experiments.executors import Executor

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


@dataclass(frozen=True)
class Planner:
    """What the planner figures are drawn from (see `figures.write_figures`)."""

    weekly: pd.DataFrame
    by_task: pd.DataFrame
    title: str
    warmup_end: dt.date | None
    band: tuple[float, float] = (35.0, 45.0)
    stress_threshold: float | None = None
    counts: pd.DataFrame | None = None  # by month (`Results.counts`), for ARRIVALS_FIGURE

    def names(self) -> list[str]:
        """The files of the figures to draw, in order."""
        triaged = "triaged" in self.by_task.columns and self.by_task["triaged"].sum() > 0
        counted = self.counts is not None and len(self.counts) > 0
        return [
            *PLANNER_FIGURES,
            *([ARRIVALS_FIGURE] if counted else []),
            *([DROPPED_FIGURE] if triaged else []),
        ]


def draw(job: tuple[Planner, list[str], Path]) -> list[Path]:
    """Draw planner figures (planner, file names, folder) and write them; their paths."""
    with phase("import"):  # matplotlib, where the first figure is drawn
        from simulator.reporting.figures import draw_planner_figure

    planner, names, folder = job
    return [draw_planner_figure(planner, name, folder / name) for name in names]


def draw_figures(folder: Path, planner: Planner, executor: Executor | None = None) -> list[Path]:
    """Write `planner`'s figures into `folder` (created if missing): in this process, or
    shared out between `executor`'s processes (the tables travel once to each); their
    paths, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    names = planner.names()
    if executor is None:
        return draw((planner, names, folder))
    shares = [names[i :: executor.workers] for i in range(min(executor.workers, len(names)))]
    jobs = [(planner, share, folder) for share in shares]
    written = {path for paths in executor.imap_unordered(draw, jobs) for path in paths}
    return [folder / name for name in names if folder / name in written]
