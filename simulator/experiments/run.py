"""Running a scenario: replications in turn, gathered into tidy tables; and comparing two.

`run_scenario` is what the command line, the app and notebooks call (through the public
API, `simulator`). It returns plain pandas tables in long format, each carrying its
replication number, so that writing, plotting and comparing need nothing else.
`compare` runs two scenarios with common random numbers and pairs their replications.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from simulator.analysis.comparison import paired_table
from simulator.analysis.metrics import analyse
from simulator.analysis.replications import AutoReplications
from simulator.analysis.tables import first_column, summarise, task_table
from simulator.engine.model import Municipality
from simulator.scenario import Scenario
from simulator.timings import phase

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
        with phase("simulation"):
            model = Municipality(scenario, replication=rep, seed=seed)
            report = None if progress is None else (lambda f, rep=rep: progress(rep, f))
            record = model.run(progress=report)
        with phase("statistics"):
            stats = analyse(record, model.calendar)
        with phase("tables"):
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
    with phase("tables"):
        per_replication = pd.concat(per_rep, ignore_index=True)
        weekly_table = first_column(pd.concat(weekly, ignore_index=True), "replication")
        by_task_table = first_column(pd.concat(by_task, ignore_index=True), "replication")
        task_rows = pd.concat(tasks, ignore_index=True)
    with phase("statistics"):
        summary = summarise(per_replication)
    return Results(
        scenario=scenario,
        seed=seed,
        replications=len(per_rep),
        summary=summary,
        per_replication=per_replication,
        weekly=weekly_table,
        by_task=by_task_table,
        tasks=task_rows,
        wall_seconds=time.perf_counter() - started,
        events=events,
        auto=rule,
        converged_at=rule.converged_at(history) if rule else None,
    )


@dataclass
class Comparison:
    """Two runs with the same seed and replications, and their paired differences."""

    a: Results
    b: Results
    table: pd.DataFrame  # metric, unit, mean_a, mean_b, difference, ci_low, ci_high, verdict


def compare(
    a: Scenario,
    b: Scenario,
    *,
    replications: int,
    seed: int | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """Run `a` and `b` with common random numbers and compare them metric by metric."""
    seed = a.simulation.seed if seed is None else seed
    done_a = None if progress is None else (lambda rep, f: progress(rep, f / 2))
    done_b = None if progress is None else (lambda rep, f: progress(rep, 0.5 + f / 2))
    result_a = run_scenario(a, replications=replications, seed=seed, progress=done_a)
    result_b = run_scenario(b, replications=replications, seed=seed, progress=done_b)
    table = paired_table(result_a.per_replication, result_b.per_replication)
    return Comparison(result_a, result_b, table)
