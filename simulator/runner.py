"""Running a scenario: replications in turn, gathered into tidy tables.

`run_scenario` is what the command line, the tests and later the batch tools
call. It returns plain pandas tables in long format, each carrying its
replication number, so that writing, plotting and comparing need nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.metrics import METRICS, SUMMARY_METRICS, analyse
from simulator.model import Municipality
from simulator.records import STATE_NAMES, RunRecord
from simulator.replications import AutoReplications
from simulator.scenario import Scenario
from simulator.stats import t_interval

Progress = Callable[[int, float], None]  # (replication, fraction of it done)


@dataclass
class Results:
    """Everything a run of a scenario produced, in tidy tables."""

    scenario: Scenario
    seed: int
    replications: int
    summary: pd.DataFrame  # metric, unit, mean, ci_low, ci_high, replications, description
    per_replication: pd.DataFrame  # replication, metric, value
    weekly: pd.DataFrame  # replication, date, metric, value
    by_task: pd.DataFrame  # replication, task, statutory, created, ... on_time_share
    tasks: pd.DataFrame  # one row per task and replication
    wall_seconds: float
    events: int
    auto: AutoReplications | None = None  # the rule, where the count was chosen automatically
    converged_at: int | None = None  # where that rule found the precision it asks for


def run_scenario(
    scenario: Scenario,
    *,
    replications: int | AutoReplications | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
) -> Results:
    """Run independent replications and gather them.

    `replications` is a number (default: the scenario's) or an `AutoReplications`
    rule, which adds replications until the key metrics are precise enough.
    """
    rule = replications if isinstance(replications, AutoReplications) else None
    n = rule.maximum if rule else (replications or scenario.simulation.replications)
    seed = scenario.simulation.seed if seed is None else seed
    started = time.perf_counter()
    per_rep, weekly, by_task, tasks, events = [], [], [], [], 0
    history: dict[str, list[float]] = {}
    for rep in range(n):
        model = Municipality(scenario, replication=rep, seed=seed)
        report = None if progress is None else (lambda f, rep=rep: progress(rep, f))
        record = model.run(progress=report)
        stats = analyse(record, model.calendar)
        events += record.events
        per_rep.append(pd.DataFrame({"replication": rep, "metric": list(stats.summary),
                                     "value": list(stats.summary.values())}))  # fmt: skip
        weekly.append(stats.weekly.assign(replication=rep))
        by_task.append(stats.by_task.assign(replication=rep))
        tasks.append(task_table(record, scenario))
        for metric, value in stats.summary.items():
            history.setdefault(metric, []).append(value)
        if rule and rule.stop(history):
            break
    per_replication = pd.concat(per_rep, ignore_index=True)
    return Results(
        scenario=scenario,
        seed=seed,
        replications=len(per_rep),
        summary=summarise(per_replication),
        per_replication=per_replication,
        weekly=_first(pd.concat(weekly, ignore_index=True), "replication"),
        by_task=_first(pd.concat(by_task, ignore_index=True), "replication"),
        tasks=pd.concat(tasks, ignore_index=True),
        wall_seconds=time.perf_counter() - started,
        events=events,
        auto=rule,
        converged_at=rule.converged_at(history) if rule else None,
    )


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


def _first(df: pd.DataFrame, column: str) -> pd.DataFrame:
    return df[[column, *[c for c in df.columns if c != column]]]
