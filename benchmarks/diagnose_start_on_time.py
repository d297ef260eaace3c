"""Diagnosis, not a speed benchmark: why a start from a run's state reads a lower share of
statutory tasks on time in its first quarter than the run (docs/planning.md).

Run as ``python benchmarks/diagnose_start_on_time.py [--posts P] [--runs N] [--starts K]``
(defaults 4, 20, 10: the design of `tests/test_initial_state.py`'s `runs_and_starts`; about
a minute at 4 posts on one core). `quota_doubled.toml` cut to the first quarter of 2015 (8
posts from 1 January with `--posts 8`); run r is replication r of the scenario's seed,
and its K starts from its state on 1 January 2015 are replications 0..K-1 of seed
1000 + r. The share counts the statutory tasks that fall due in the quarter. It prints:

1. B - M as the test computes it;
2. B - M over the run's tasks less those finished before 1 January: a start cannot hold
   them (an export holds no finished work; a task due after the start but done before it
   is not loaded), so the run counts about a sixth more tasks, all on time;
3. the statutory tasks waiting on 1 January, in the run and as each start loads them: how
   many, how old, and how many already overdue, by task type. The export keeps only the
   month a task was created (`[initial_state]`'s `waiting_tasks`), and the start spreads
   each month's tasks evenly over it; the work still waiting on a day is mostly recent,
   so loaded tasks read older than they were, and short deadlines fall overdue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections import defaultdict

import numpy as np

from simulator.analysis.metrics import measure
from simulator.analysis.metrics.tasks import deadlines_of
from simulator.analysis.stats import t_interval
from simulator.api import state_on
from simulator.engine.model import Municipality
from simulator.engine.records import DROPPED
from simulator.experiments.state import at_start
from simulator.scenario import load_scenario

ON = dt.date(2015, 1, 1)


def base(posts: int):
    """quota_doubled to the end of the first quarter of 2015, with `posts` from 1 January."""
    changes: dict[str, object] = {"simulation.duration_years": 3.25}
    if posts != 4:
        changes["caseworkers.staffing"] = [
            {"date": dt.date(2012, 1, 1), "caseworkers": 4},
            {"date": ON, "caseworkers": posts},
        ]
    return load_scenario("quota_doubled", changes=changes)


def counted(record, start: float):
    """The statutory tasks the share counts in the window from `start` (as the metric
    counts them), whether each was on time, and which were done before `start`."""
    t = record.tasks
    deadlines = deadlines_of(record, start, record.end)
    done_before = (t["created"] < start) & (t["finished"] < start)
    return deadlines.in_window & deadlines.statutory, deadlines.on_time, done_before


def waiting(record, start: float) -> list[tuple[str, float, bool]]:
    """The statutory tasks waiting at `start`: type, age in days, overdue."""
    t = record.tasks
    statutory = np.asarray(record.task_statutory, bool)[t["type"]]
    gone = (t["finished"] < start) | ((t["state"] == DROPPED) & (t["dropped"] <= start))
    rows = np.flatnonzero((t["created"] < start) & ~gone & statutory)
    names = record.task_names
    return [(names[t["type"][i]], start - t["created"][i], bool(t["due"][i] < start)) for i in rows]


def interval(d: list[float]) -> str:
    mean, low, high = t_interval(d)
    return f"{mean:+.2%} ({low:+.2%} to {high:+.2%})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=4)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--starts", type=int, default=10)
    args = parser.parse_args()
    scenario = base(args.posts)
    b_all, b_kept, m_all = [], [], []
    n_done_before = []
    by_type: dict[str, dict[str, list[tuple[float, bool]]]] = defaultdict(
        lambda: {"run": [], "start": []}
    )
    for r in range(args.runs):
        model = Municipality(scenario, r)
        record = model.run()
        day = float(model.calendar.day_of(ON))
        due, on_time, done_before = counted(record, day)
        share = on_time[due].mean()
        summary = measure(record, model.calendar).summary
        assert abs(share - summary["statutory_on_time_share"]) < 1e-9  # the test's figure
        b_all.append(share)
        b_kept.append(on_time[due & ~done_before].mean())
        n_done_before.append(int((due & done_before).sum()))
        for name, age, overdue in waiting(record, day):
            by_type[name]["run"].append((age, overdue))
        start = at_start(scenario, state_on(scenario, ON, r), ON)
        shares = []
        for k in range(args.starts):
            rec = Municipality(start, k, seed=1000 + r).run()
            due_s, on_time_s, _ = counted(rec, 0.0)
            shares.append(on_time_s[due_s].mean())
            if k == 0:
                for name, age, overdue in waiting(rec, 0.0):
                    by_type[name]["start"].append((age, overdue))
        m_all.append(float(np.mean(shares)))
    print(f"quota_doubled, {args.posts} posts, first quarter of 2015: {args.runs} runs (B), "
          f"{args.starts} starts from each one's state on {ON} (M)")  # fmt: skip
    print(f"  statutory on time: B {np.mean(b_all):.1%}, M {np.mean(m_all):.1%}, "
          f"B - M {interval(np.subtract(b_all, m_all))}")  # fmt: skip
    print(f"  the run less the {np.mean(n_done_before):.0f} tasks a run finished before {ON} "
          f"(a start cannot hold them): B' {np.mean(b_kept):.1%}, "
          f"B' - M {interval(np.subtract(b_kept, m_all))}")  # fmt: skip
    print(f"  statutory tasks waiting on {ON}, per run (the run; one start of each, as loaded):")
    print(f"    {'type':28} {'run':>5} {'start':>6} {'age':>6} {'loaded':>7} "
          f"{'overdue':>8} {'loaded':>7}")  # fmt: skip
    total = {"run": [], "start": []}
    for name in sorted(by_type):
        run, start = by_type[name]["run"], by_type[name]["start"]
        total["run"] += run
        total["start"] += start

        def mean(rows: list[tuple[float, bool]], i: int) -> float:
            return float(np.mean([row[i] for row in rows])) if rows else math.nan

        print(f"    {name:28} {len(run) / args.runs:5.1f} {len(start) / args.runs:6.1f} "
              f"{mean(run, 0):6.1f} {mean(start, 0):7.1f} {mean(run, 1):8.0%} "
              f"{mean(start, 1):7.0%}")  # fmt: skip
    for key in ("run", "start"):
        rows = total[key]
        print(f"    {key}: {len(rows) / args.runs:.1f} waiting, "
              f"{sum(o for _, o in rows) / args.runs:.1f} overdue, "
              f"{np.mean([a for a, _ in rows]):.1f} days old on average")  # fmt: skip


if __name__ == "__main__":
    main()
