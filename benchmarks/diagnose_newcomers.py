"""Diagnosis, not a speed benchmark: how much of the office's waiting work a newcomer holds.

Run as ``python benchmarks/diagnose_newcomers.py [--scenario S] [--replications N]``
(defaults the shipped baseline and 10; about 10 s). A caseworker recruited to replace a
leaver is given a share of the cases when they start (`rebalance_on_staff_change`: the
newest cases move first) and works at `turnover.start_productivity` while learning the job
(`learning_days`). Newest cases carry the most work still to do, and a newcomer is slower:
this measures what that does, over the measurement window of every replication, from each
caseworker's daily stress index (weeks of work waiting in their own queue, averaged over
`stress.window_days`, as the workforce's daily round records it):

- the share of caseworker-days worked by newcomers (hired in the run, within their
  learning days), and the share of the office's waiting work (summed stress index) they
  held on those days;
- the mean stress index of newcomers and of the others, and how often a newcomer's is
  above the stress threshold while every colleague's is below a tenth of it (work waiting
  in one queue while the others have next to none).
"""

from __future__ import annotations

import argparse

import numpy as np

from simulator.engine.model import Municipality
from simulator.engine.records import HIRED
from simulator.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--replications", type=int, default=10)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    assert scenario.turnover is not None, "the scenario has no turnover: no newcomers"
    learning = scenario.turnover.learning_days
    threshold = scenario.stress.threshold
    new_days = all_days = 0
    new_work = all_work = 0.0
    new_stress: list[float] = []
    old_stress: list[float] = []
    alone = newcomer_days_over = 0
    for replication in range(args.replications):
        model = Municipality(scenario, replication)
        record = model.run()
        days, events = record.workforce["days"], record.workforce["events"]
        hired = {
            int(w): int(d)
            for w, d, k in zip(events["worker"], events["day"], events["kind"], strict=True)
            if k == HIRED and d > 0
        }
        window = days["day"] >= record.warmup
        for day in np.unique(days["day"][window]):
            today = days["day"] == day
            workers, stress = days["worker"][today], days["stress"][today]
            new = np.array([0 <= day - hired.get(int(w), -(10**9)) < learning for w in workers])
            new_days += int(new.sum())
            all_days += len(workers)
            new_work += float(stress[new].sum())
            all_work += float(stress.sum())
            new_stress += stress[new].tolist()
            old_stress += stress[~new].tolist()
            if new.any() and (~new).any():
                over = stress[new].max() > threshold
                newcomer_days_over += int(over)
                alone += int(over and stress[~new].max() < threshold / 10)
    print(f"{args.scenario}, {args.replications} replications, the measurement window:")
    print(
        f"  newcomers worked {new_days / all_days:.1%} of the caseworker-days and held "
        f"{new_work / max(all_work, 1e-12):.1%} of the work waiting (summed stress index)"
    )
    print(
        f"  mean stress index: newcomers {np.mean(new_stress):.2f} weeks, the others "
        f"{np.mean(old_stress):.2f} (threshold {threshold:g})"
    )
    print(
        f"  days with a newcomer above the threshold: {newcomer_days_over}; of them, with "
        f"every colleague below a tenth of it: {alone}"
    )


if __name__ == "__main__":
    main()
