"""Write today_cases.csv and today_tasks.csv: what `today.toml` starts from, from the baseline.

Run as ``python scenarios/today_cases.py [--replication R] [--folder scenarios]``.
The baseline municipality (scenarios/baseline.toml: 11 people placed a month from 1 January
2012, its staffing, absence and turnover) is looked at on 1 January 2015, the day
`today.toml` starts (`simulator.api.state_on`), in one replication of its own seed: one
office on one day, as a case system exports it. Unless told which, the middle office of
the first 20 replications by the work waiting that day (the tasks waiting, the lower
median; an office is not an average, and the first replication alone may be a light one).

- today_cases.csv: the cases open that day, by month of takeover (the month the case
  opened), kind and the caseworker who holds them (columns takeover, cases, kind,
  caseworker);
- today_tasks.csv: the tasks waiting that day (created before it and not done: not
  started, or begun and not finished), by task type, month created and the caseworker
  whose cases they are (columns task, created, tasks, caseworker); not the closures of
  cases closed before it, as those cases are not loaded.

The caseworkers at work that day, who is away, new or leaving and the posts vacant are
printed as the `caseworkers`, `staff` and `vacancies` lines of `[initial_state]`, to go
into today.toml by hand. Regenerate the files
whenever the baseline changes, and update the figures quoted in today.toml, README.md and
docs/planning.md; a municipality replaces the files with its own export.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from pathlib import Path

from simulator.api import load_scenario, state_on, write_state

HERE = Path(__file__).resolve().parent
TODAY = dt.date(2015, 1, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replication", type=int, default=None)
    parser.add_argument("--folder", type=Path, default=HERE)
    args = parser.parse_args()
    baseline = load_scenario(HERE / "baseline.toml")
    if args.replication is None:
        states = [state_on(baseline, TODAY, r) for r in range(20)]
        waiting = [sum(e["tasks"] for e in state["waiting_tasks"]) for state in states]
        args.replication = sorted(range(20), key=lambda r: (waiting[r], r))[9]
        print(f"tasks waiting in replications 0-19: {waiting}")
    state = state_on(baseline, TODAY, args.replication)
    # The shipped files are this script's own, in no record of caseload's (`write_state`
    # with force replaces only files in one): written aside, then moved over them.
    cases, tasks = (args.folder / f"today_{name}.csv" for name in ("cases", "tasks"))
    with tempfile.TemporaryDirectory(dir=args.folder) as fresh:
        for path in write_state(state, fresh, "today"):
            os.replace(path, args.folder / path.name)
    print(f"{cases.name}: {sum(e['cases'] for e in state['open_cases'])} open cases on {TODAY}")
    print(f"{tasks.name}: {sum(e['tasks'] for e in state['waiting_tasks'])} tasks waiting")
    print(f"(replication {args.replication} of the baseline)")
    print(f"caseworkers = {state['caseworkers']}")
    for key in ("staff", "vacancies"):
        entries = ", ".join(
            "{ " + ", ".join(f"{k} = {v}" for k, v in entry.items()) + " }" for entry in state[key]
        )
        print(f"{key} = [{entries}]")


if __name__ == "__main__":
    main()
