"""The data behind the planner figures, as one long table (tests/test_parallel.py).

`figure_data` computes, from a run's weekly and per-task-type tables, every series and
table the figures draw (`simulator.reporting.figures`): the mean and 95 % interval per
week of each metric drawn, the stacked staff states, and the per-task-type bars. Stored
for the reference run in tests/reference/run/figure_data.parquet, it shows that making
the figures faster left what they show alone. Regenerate with the reference
(tests/reference/regenerate.sh): ``python tests/figure_data.py tests/reference/run``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from simulator.reporting import figures

SERIES = (  # (metric, scale) of every weekly series a figure draws
    ("caseload_per_worker", 1.0),
    ("caseworkers", 1.0),
    ("backlog_hours", 1.0),
    ("overdue_tasks", 1.0),
    ("utilisation", 100.0),
    ("stress_index", 1.0),
    ("stress_share_above", 100.0),
)
FILE = "figure_data.parquet"


def figure_data(weekly: pd.DataFrame, by_task: pd.DataFrame) -> pd.DataFrame:
    """Every number the figures draw: part, key (a date or a task), column, value."""
    parts = {f"series {metric} x{scale:g}": figures._series(weekly, metric, scale)
             for metric, scale in SERIES}  # fmt: skip
    parts["staff"] = figures.staff_table(weekly)
    on_time = figures._on_time_table(by_task)
    parts["on time"] = on_time.astype({"statutory": float}).set_index("task")  # 1: statutory
    dropped = figures.dropped_table(by_task)
    parts["dropped"] = dropped.astype({"statutory": float}).set_index("task")
    long = []
    for name, table in parts.items():
        table = table.rename_axis("key").reset_index()
        table["key"] = table["key"].astype(str)
        long.append(table.melt(id_vars="key", var_name="column").assign(part=name))
    return pd.concat(long, ignore_index=True)[["part", "key", "column", "value"]]


def from_folder(folder: Path) -> pd.DataFrame:
    """`figure_data` of the results folder `folder` (its Parquet and CSV tables)."""
    weekly = pd.read_parquet(folder / "timeseries.parquet")
    by_task = pd.read_csv(folder / "tasks_by_type.csv")
    return figure_data(weekly, by_task)


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    from_folder(folder).to_parquet(folder / FILE, index=False)
