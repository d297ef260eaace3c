"""The statistics a run computes once its replications are in, in one process.

Run as ``python benchmarks/bench_statistics.py [--rounds N]``: runs the baseline's 10
replications once (in this process), then times, over `--rounds` rounds after an untimed
one, what a replication's worker does once its event loop has ended (the records' task
and day columns, and its statistics, `simulator.analysis.metrics.measure`) and what the
command does with each replication as it comes in (`Replicated.tables`; these three per
replication, over the 10), what `caseload run` does between its last replication's end
and its figures' start
(`simulator.experiments.run`'s gathering of the replications' tables, with the summary,
`simulator.analysis.tables.summarise`, on its own too), and the tables behind the bar
figures (`simulator.reporting.figures`' tasks done on time, and dropped by triage).
Prints the median and the fastest round of each, in milliseconds. To compare two trees,
run it under each in turn (``PYTHONPATH=OTHER_TREE python benchmarks/...``, from outside
both trees): the machine is shared, so alternate them and compare medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _timed(work: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median and fastest of `rounds` timings of `work` (after one untimed), in ms."""
    work()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="timed rounds (21)")
    args = parser.parse_args()

    import simulator as cl
    from simulator.analysis.metrics import measure
    from simulator.analysis.tables import summarise, weekly_band_columns
    from simulator.engine.model import Municipality
    from simulator.experiments import run, work
    from simulator.reporting import figures, files

    scenario = cl.load_scenario("baseline")
    jobs = [work.Replication(scenario, i, 1000 + i) for i in range(10)]
    replicated = [work.replicate(job) for job in jobs]
    done = [r.tables() for r in replicated]
    models = [Municipality(scenario, job.replication, job.seed) for job in jobs]
    records = [(model.run(), model.calendar) for model in models]
    results = run._gather(scenario, 1, done, 0.0)
    metrics = sorted(results.weekly["metric"].unique())

    folder = Path(tempfile.mkdtemp(prefix="bench_statistics_"))

    def write_tables() -> None:
        files._write_tables(results, folder)

    def every_series() -> None:
        for metric in metrics:
            weekly_band_columns(results.weekly, metric)

    cases = {
        "a replication's statistics (measure; of the 10)": lambda: [
            measure(record, calendar) for record, calendar in records
        ],
        "a replication's tables in the command (of the 10)": lambda: [
            r.tables() for r in replicated
        ],
        "a replication's task and day columns (of the 10)": lambda: [
            (m.task_log.arrays(), m.workforce_log.arrays()) for m in models
        ],
        "the run's tables (gathering, the summary too)": lambda: run._gather(
            scenario, 1, done, 0.0
        ),
        "the summary alone (summarise)": lambda: summarise(results.per_replication, scenario),
        "tasks done on time (the bar figure's table)": lambda: figures._on_time_table(
            results.by_task
        ),
        "tasks dropped by triage (its table)": lambda: figures.dropped_table(results.by_task),
        "caseworkers by state (the staff figure's table)": lambda: figures.staff_table(
            results.weekly
        ),
        f"a weekly series (the mean of the {len(metrics)})": every_series,
        "writing the tables (CSV, Parquet, the scenario)": write_tables,
    }
    print(f"the baseline's 10 replications, {args.rounds} rounds: median (fastest), ms")
    for label, case in cases.items():
        median, fastest = _timed(case, args.rounds)
        each = len(metrics) if case is every_series else len(jobs) if "of the 10" in label else 1
        median, fastest = median / each, fastest / each
        print(f"  {label:48s} {median:7.2f} ({fastest:.2f})")
    shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
