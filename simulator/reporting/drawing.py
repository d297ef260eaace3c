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


@dataclass(frozen=True)
class Planner:
    """What the planner figures are drawn from (see `figures.write_figures`)."""

    weekly: pd.DataFrame
    by_task: pd.DataFrame
    title: str
    warmup_end: dt.date | None
    band: tuple[float, float] = (35.0, 45.0)
    stress_threshold: float | None = None

    def names(self) -> list[str]:
        """The files of the figures to draw, in order."""
        triaged = "triaged" in self.by_task.columns and self.by_task["triaged"].sum() > 0
        return [*PLANNER_FIGURES, *([DROPPED_FIGURE] if triaged else [])]


def draw(job: tuple[Planner, str, Path]) -> Path:
    """Draw one planner figure (planner, file name, path) and write it; return the path."""
    with phase("import"):  # matplotlib, where the first figure is drawn
        from simulator.reporting.figures import draw_planner_figure

    return draw_planner_figure(*job)


def draw_figures(folder: Path, planner: Planner, executor: Executor | None = None) -> list[Path]:
    """Write `planner`'s figures into `folder` (created if missing), each drawn on one of
    `executor`'s processes (default: in this process); their paths, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(planner, name, folder / name) for name in planner.names()]
    if executor is None:
        return [draw(job) for job in jobs]
    written = set(executor.imap_unordered(draw, jobs))
    return [path for _, _, path in jobs if path in written]
