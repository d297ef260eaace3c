"""Write today_cases.csv and today_tasks.csv: what `today.toml` starts from, from the baseline.

Run as ``python scenarios/today_cases.py [--replications 20] [--folder scenarios]``.
The baseline municipality (scenarios/baseline.toml: 11 people placed a month from 1 January
2012, its staffing, absence and turnover) is simulated in replications 0 .. R − 1 of its
own seed, and looked at on 1 January 2015, the day `today.toml` starts:

- today_cases.csv: the cases open that day, by month of takeover (the month the case
  opened) and kind (columns takeover, cases, kind);
- today_tasks.csv: the tasks waiting that day (created before it, neither started nor
  dropped by then), by task type and month created (columns task, created, tasks); not
  the closures of cases closed before it (about one), as those cases are not loaded.

The counts are averaged over the replications and rounded (the waiting tasks so that each
type's total is its rounded mean: thin months would otherwise round away), and the rows
with at least one are written, in the columns a case system would export. Regenerate them
whenever the baseline changes, and update the totals quoted in today.toml, README.md and
docs/planning.md; a municipality replaces the files with its own export.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from collections import Counter
from pathlib import Path

from simulator.engine.model import Municipality, simulate
from simulator.scenario import load_scenario
from simulator.scenario.schema import PERSON_KINDS

HERE = Path(__file__).resolve().parent
TODAY = dt.date(2015, 1, 1)


def open_cases(replications: int) -> dict[tuple[str, str], float]:
    """Mean open cases on `TODAY` by (takeover month YYYY-MM, kind) over the replications."""
    scenario = load_scenario(HERE / "baseline.toml")
    start = scenario.simulation.start_date
    counts: Counter[tuple[str, str]] = Counter()
    for rep in range(replications):
        model = Municipality(scenario, replication=rep, seed=scenario.simulation.seed)
        model.start()
        model.env.run(until=model.calendar.day_of(TODAY))
        for case in model.cases.values():
            opened = start + dt.timedelta(days=float(case.opened))
            counts[opened.strftime("%Y-%m"), case.kind] += 1
    return {key: n / replications for key, n in counts.items()}


def waiting_tasks(replications: int) -> dict[tuple[str, str], float]:
    """Mean tasks waiting on `TODAY` by (task type, month created YYYY-MM) over the
    replications: created before that day, and neither started nor dropped by then."""
    scenario = load_scenario(HERE / "baseline.toml")
    start = scenario.simulation.start_date
    today = float((TODAY - start).days)
    # a closure waiting belongs to a case closed before the day, which today.toml does not load
    closures = {name for name, task in scenario.tasks.items() if task.trigger.on == "closure"}
    counts: Counter[tuple[str, str]] = Counter()
    for rep in range(replications):
        record = simulate(scenario, replication=rep, seed=scenario.simulation.seed)
        t = record.tasks
        waiting = (t["created"] < today) & ~(t["started"] <= today) & ~(t["dropped"] <= today)
        for kind, created in zip(t["type"][waiting], t["created"][waiting], strict=True):
            name = record.task_names[kind]
            if name not in closures:
                month = start + dt.timedelta(days=float(created))
                counts[name, month.strftime("%Y-%m")] += 1
    return {key: n / replications for key, n in counts.items()}


def rounded_per_task(means: dict[tuple[str, str], float]) -> list[tuple[str, str, int]]:
    """(task, month, tasks) rows whose counts add up, per task type, to its rounded mean
    total: each month gets its mean rounded down, and the months with the largest
    remainders one more (largest remainder)."""
    rows: list[tuple[str, str, int]] = []
    for task in sorted({task for task, _ in means}):
        mine = sorted((month, mean) for (t, month), mean in means.items() if t == task)
        floors = [int(mean) for _, mean in mine]
        short = round(sum(mean for _, mean in mine)) - sum(floors)
        by_remainder = sorted(range(len(mine)), key=lambda i: (floors[i] - mine[i][1], i))
        for i in by_remainder[:short]:
            floors[i] += 1
        rows += [(task, month, n) for (month, _), n in zip(mine, floors, strict=True) if n]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--folder", type=Path, default=HERE)
    args = parser.parse_args()
    means = open_cases(args.replications)
    rows = sorted(
        ((month, round(mean), kind) for (month, kind), mean in means.items() if round(mean) > 0),
        key=lambda row: (row[0], PERSON_KINDS.index(row[2])),
    )
    _write(args.folder / "today_cases.csv", ["takeover", "cases", "kind"], rows)
    total = sum(n for _, n, _ in rows)
    print(f"today_cases.csv: {total} open cases on {TODAY} in {len(rows)} rows")
    tasks = rounded_per_task(waiting_tasks(args.replications))
    _write(args.folder / "today_tasks.csv", ["task", "created", "tasks"], tasks)
    print(f"today_tasks.csv: {sum(n for *_, n in tasks)} tasks waiting on {TODAY} in "
          f"{len(tasks)} rows")  # fmt: skip
    print(f"(the means of {args.replications} replications of the baseline, rounded)")


def _write(path: Path, header: list[str], rows: list[tuple[object, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
