"""Write today_cases.csv: the open cases of `today.toml`, from the shipped baseline.

Run as ``python scenarios/today_cases.py [--replications 20] [--out scenarios/today_cases.csv]``.
The baseline municipality (scenarios/baseline.toml: 11 people placed a month from 1 January
2012, its staffing, absence and turnover) is simulated to 1 January 2015, the day
`today.toml` starts, in replications 0 .. R − 1 of its own seed; the cases open that day
are counted by month of takeover (the month the case opened) and kind, the counts are
averaged over the replications and rounded, and the months with at least one case are
written in the columns a case system would export (takeover, cases, kind). Regenerate it
whenever the baseline changes, and update the total quoted in today.toml, README.md and
docs/planning.md; a municipality replaces the file with its own export.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from collections import Counter
from pathlib import Path

from simulator.engine.model import Municipality
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--out", type=Path, default=HERE / "today_cases.csv")
    args = parser.parse_args()
    means = open_cases(args.replications)
    rows = sorted(
        ((month, round(mean), kind) for (month, kind), mean in means.items() if round(mean) > 0),
        key=lambda row: (row[0], PERSON_KINDS.index(row[2])),
    )
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["takeover", "cases", "kind"])
        writer.writerows(rows)
    total = sum(n for _, n, _ in rows)
    print(f"{args.out}: {total} open cases on {TODAY} in {len(rows)} rows "
          f"(the mean of {args.replications} replications of the baseline, rounded)")  # fmt: skip


if __name__ == "__main__":
    main()
