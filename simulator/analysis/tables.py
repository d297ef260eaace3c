"""Records and statistics of replications as tidy tables: the summary, the task table.

`summarise` turns per-replication metric values into one row per metric with its mean
and 95 % t-interval; `task_table` turns one replication's task records into a table
with calendar dates and task names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.analysis.metrics import METRICS, SUMMARY_METRICS
from simulator.analysis.stats import t_interval
from simulator.engine.records import STATE_NAMES, RunRecord
from simulator.scenario import Scenario


def summarise(per_replication: pd.DataFrame) -> pd.DataFrame:
    """One row per metric: mean and 95 % t-interval over replications."""
    rows = []
    for metric in SUMMARY_METRICS:
        values = per_replication.loc[per_replication["metric"] == metric.name, "value"].to_numpy()
        mean, low, high = t_interval(values)
        rows.append(
            {
                "metric": metric.name,
                "unit": metric.unit,
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "replications": int(np.count_nonzero(~np.isnan(values))),
                "description": METRICS[metric.name].description,
            }
        )
    return pd.DataFrame(rows)


def task_table(record: RunRecord, scenario: Scenario) -> pd.DataFrame:
    """The task records of one replication with calendar dates and names."""
    t = record.tasks
    start = pd.Timestamp(scenario.simulation.start_date)

    def when(days: np.ndarray) -> pd.Series:
        days = np.where(np.isfinite(days), days, np.nan)
        return start + pd.to_timedelta(days, unit="D")

    names = np.asarray(record.task_names, dtype=object)
    statutory = np.asarray(record.task_statutory, dtype=bool)
    states = np.asarray([STATE_NAMES[k] for k in sorted(STATE_NAMES)], dtype=object)
    return pd.DataFrame(
        {
            "replication": np.full(t["task"].size, record.replication, dtype="int32"),
            "task": t["task"],
            "case": t["case"],
            "household": t["household"],
            "task_type": pd.Categorical(names[t["type"]], categories=record.task_names),
            "statutory": statutory[t["type"]],
            "created": when(t["created"]),
            "due": when(t["due"]),
            "started": when(t["started"]),
            "finished": when(t["finished"]),
            "lapsed": when(t["dropped"]),
            "caseworker": t["worker"],
            "hours": t["hours"],
            "wait_days": t["started"] - t["created"],
            "state": pd.Categorical(states[t["state"]], categories=list(states)),
        }
    )


def first_column(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """`df` with `column` moved to the front."""
    return df[[column, *[c for c in df.columns if c != column]]]
