"""Running a scenario: its replications, gathered into tidy tables; and comparing two.

`run_scenario` is what the command line, the app and notebooks call (through the public
API, `simulator`). It returns plain pandas tables in long format, each carrying its
replication number, so that writing, plotting and comparing need nothing else.
`compare` runs two scenarios with common random numbers and pairs their replications.

The replications run on an executor (`simulator.experiments.executors`): worker
processes on every core, or this process. Each replication seeds itself from the seed
and its number (`simulator.experiments.work.replicate`), and the results are gathered
in replication order, so the tables are the same, byte for byte, however many
processes ran them. The workers send back plain columns, and the tables are made here
as each replication comes in, while the others run (`Replicated.tables`): this module
loads pandas only then, so that `caseload run`'s workers are forked before it loads
pandas and simulate while it does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from simulator import timings
from simulator.analysis.replications import AutoReplications
from simulator.experiments.executors import Executor, SerialExecutor
from simulator.experiments.work import Replication, Tables, replicate_numbered
from simulator.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[int, float], None]  # (replication, fraction of it done)
BROKEN = (
    "a worker process ended abruptly: it ran out of memory or was killed, or a script "
    "started worker processes while being imported by them (start a script that runs "
    'replications on processes with `if __name__ == "__main__":`, or ask for one worker)'
)


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
    counts: pd.DataFrame  # replication, period (month "YYYY-MM", or "window"), metric, value
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
    executor: Executor | None = None,
    first: int = 0,
    meanwhile: Callable[[], None] | None = None,
) -> Results:
    """Run independent replications on `executor` (default: this process) and gather them.

    `replications` is a number (default: the scenario's) or an `AutoReplications`
    rule, which adds replications until the key metrics are precise enough (on worker
    processes a few run ahead; those past the stopping point are left out). They are
    numbered from `first`: a run may be made in parts and joined (`join`). `meanwhile`
    is work for this process while the first replications run on worker processes
    (before them, where they run here).
    """
    rule = replications if isinstance(replications, AutoReplications) else None
    n = rule.maximum if rule else (replications or scenario.simulation.replications)
    seed = scenario.simulation.seed if seed is None else seed
    started = time.perf_counter()
    jobs = (Replication(scenario, first + rep, seed) for rep in range(n))
    done: list[Tables] = []
    history: dict[str, list[float]] = {}
    runs = _in_order(jobs, executor or SerialExecutor(), progress, per_job=1.0, meanwhile=meanwhile)
    try:
        for result in runs:
            done.append(result)
            for metric, value in result.summary.items():
                history.setdefault(metric, []).append(value)
            if rule and rule.stop(history):
                break
    finally:
        runs.close()
    results = _gather(scenario, seed, done, time.perf_counter() - started)
    if rule:
        results.auto, results.converged_at = rule, rule.converged_at(history)
    return results


def _in_order(
    jobs: Iterable[Replication],
    executor: Executor,
    progress: Progress | None,
    per_job: float,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[Tables]:
    """Run `jobs` on `executor` and yield their tables in the order of `jobs`, with
    `meanwhile` done here once the first jobs are on their way. Each job's tables are
    made here as it comes in.

    `progress` hears how many replications are done: as they run, in this process; as
    each ends, on worker processes (`per_job`: how much of a replication one job is).
    The jobs' phases (simulation, statistics, tables) go to `simulator.timings` as
    shares of the wall time the jobs took here, less what this process timed meanwhile
    as phases of its own (e.g. the imports of `meanwhile`): no second counted twice. On
    worker processes, the whole wall time is also noted as the span "replications"; and
    wherever they run, the wall time during which some job's event loop ran as the span
    "simulating" (`timings.covered`).
    """
    local = isinstance(executor, SerialExecutor)
    advance = None if progress is None else partial(_advance, progress, per_job)
    numbered: Iterable[tuple[int, Replication]] = enumerate(jobs)
    if local and advance is not None:
        numbered = ((i, replace(job, progress=partial(_within, advance, i))) for i, job in numbered)
    started, timed_here = time.perf_counter(), sum(timings.totals().values())
    spent: dict[str, float] = {}
    simulating: list[tuple[float, float]] = []
    waiting: dict[int, Tables] = {}  # done, but not all before them yet
    count = following = 0
    results = executor.imap_unordered(replicate_numbered, numbered, meanwhile=meanwhile)
    try:
        for index, result in results:
            count += 1
            for name, seconds in result.seconds.items():
                spent[name] = spent.get(name, 0.0) + seconds
            simulating.append(result.simulating)
            if advance is not None and not local:
                advance(count)
            waiting[index] = result.tables()
            while following in waiting:
                yield waiting.pop(following)
                following += 1
    except BrokenProcessPool as exc:
        raise RuntimeError(BROKEN) from exc
    finally:
        getattr(results, "close", lambda: None)()  # the executors' generators cancel the rest
        wall = time.perf_counter() - started
        if not local:
            timings.span("replications", wall)  # what the user waited for them, overlaps and all
        timings.span("simulating", timings.covered(simulating))
        wall -= sum(timings.totals().values()) - timed_here  # this process's own phases
        total = sum(spent.values())
        if total > 0 and wall > 0:
            timings.add({name: wall * seconds / total for name, seconds in spent.items()})


def _per_replication(result: Tables) -> pd.DataFrame:
    """One replication's summary metrics as rows (replication, metric, value)."""
    import pandas as pd

    values = result.summary
    return pd.DataFrame(
        {"replication": result.replication, "metric": list(values), "value": list(values.values())}
    )


def _advance(progress: Progress, per_job: float, jobs_done: float) -> None:
    """Tell `progress` how many replications' worth of `jobs_done` is done."""
    done = jobs_done * per_job
    progress(int(done), done - int(done))


def _within(advance: Callable[[float], None], index: int, fraction: float) -> None:
    """Job `index` (from 0) is `fraction` done, those before it all done."""
    advance(index + fraction)


def _gather(scenario: Scenario, seed: int, done: Sequence[Tables], wall_seconds: float) -> Results:
    """The replications `done` (in order) as one run's tables."""
    per_replication = [_per_replication(r) for r in done]
    events = sum(r.events for r in done)
    return _tables(scenario, seed, done, per_replication, len(done), wall_seconds, events)


def join(parts: Sequence[Results]) -> Results:
    """One run from runs of the same scenario and seed whose replications differ: their
    tables in the order of the replications' numbers, the summary over all of them.

    Each replication seeds itself from the seed and its number (`run_scenario`'s
    `first`), so the parts of a run made apart (at once, on other processes, in
    another order) join into the tables the whole run makes at once, byte for byte.
    Raises ValueError for parts of other scenarios or seeds, a replication in two parts
    (it would be counted twice), or a part whose count was chosen automatically.
    """
    if not parts:
        raise ValueError("join: no runs to join")
    scenario, seed = parts[0].scenario, parts[0].seed
    if any(p.seed != seed or p.scenario.digest() != scenario.digest() for p in parts):
        raise ValueError("join: the runs are of other scenarios or seeds")
    if any(p.auto is not None for p in parts):
        raise ValueError("join: a run with replications='auto' chose its own count")
    numbers = [_numbers(p) for p in parts]
    ordered = [p for _, p in sorted(zip(numbers, parts, strict=True), key=lambda n: n[0])]
    every = [n for found in numbers for n in found]
    if len(set(every)) < len(every):
        twice = sorted({n for n in every if every.count(n) > 1})
        raise ValueError(f"join: replication(s) {twice} are in more than one run")
    per_replication = [p.per_replication for p in ordered]
    wall, events = sum(p.wall_seconds for p in parts), sum(p.events for p in parts)
    return _tables(scenario, seed, ordered, per_replication, len(every), wall, events)


def _numbers(results: Results) -> list[int]:
    """The replication numbers of a run, in order."""
    return sorted(int(n) for n in results.per_replication["replication"].unique())


def _tables(
    scenario: Scenario,
    seed: int,
    done: Sequence[Tables | Results],
    per_replication: Sequence[pd.DataFrame],
    replications: int,
    wall_seconds: float,
    events: int,
) -> Results:
    """One run's tables from `done`'s, in order (replications, or runs of some of them)."""
    import pandas as pd

    from simulator.analysis.tables import first_column, summarise

    with timings.phase("tables"):
        per_rep = pd.concat(per_replication, ignore_index=True)
        weekly = first_column(pd.concat([r.weekly for r in done], ignore_index=True), "replication")
        by_task = pd.concat([r.by_task for r in done], ignore_index=True)
        tasks = pd.concat([r.tasks for r in done], ignore_index=True)
        counts = first_column(pd.concat([r.counts for r in done], ignore_index=True), "replication")
    with timings.phase("statistics"):
        summary = summarise(per_rep, scenario)
    return Results(
        scenario=scenario,
        seed=seed,
        replications=replications,
        summary=summary,
        per_replication=per_rep,
        weekly=weekly,
        by_task=first_column(by_task, "replication"),
        tasks=tasks,
        counts=counts,
        wall_seconds=wall_seconds,
        events=events,
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
    executor: Executor | None = None,
) -> Comparison:
    """Run `a` and `b` with common random numbers and compare them metric by metric.

    Both run on `executor` (default: this process) together; each side's `wall_seconds`
    is the wall time of the whole comparison.
    """
    seed = a.simulation.seed if seed is None else seed
    started = time.perf_counter()
    jobs = [Replication(s, rep, seed) for s in (a, b) for rep in range(replications)]
    done = list(_in_order(jobs, executor or SerialExecutor(), progress, per_job=0.5))
    wall = time.perf_counter() - started
    result_a = _gather(a, seed, done[:replications], wall)
    result_b = _gather(b, seed, done[replications:], wall)
    return paired(result_a, result_b)


def paired(a: Results, b: Results) -> Comparison:
    """B - A per metric from two runs with the same seed and replications; a metric whose
    mechanism is off in both gets that verdict, not "identical"."""
    from simulator.analysis.comparison import paired_table
    from simulator.analysis.mechanisms import mechanisms, off_in_all

    off = off_in_all(mechanisms(s) for s in (a.scenario, b.scenario))
    return Comparison(a, b, paired_table(a.per_replication, b.per_replication, off))
