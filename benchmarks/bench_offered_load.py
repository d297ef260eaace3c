"""How long the offered load of the shipped baseline takes: the planner's instant answer.

Run as ``python benchmarks/bench_offered_load.py [--repeats N] [--step quarter|month|week]``.
One untimed call first (imports, caches), then `repeats` timed calls of
`simulator.plan.offered_load.offered_load` on ``scenarios/baseline.toml`` (six years,
quarter-day grid). Prints the median and the range; target: well under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from simulator.plan.offered_load import STEPS, offered_load
from simulator.scenario import load_scenario

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
TARGET_MS = 100.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=51)
    parser.add_argument("--step", choices=STEPS, default="quarter")
    args = parser.parse_args()
    scenario = load_scenario(BASELINE)
    offered_load(scenario, step=args.step)
    times = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        offered_load(scenario, step=args.step)
        times.append(1000 * (time.perf_counter() - started))
    median = statistics.median(times)
    print(
        f"offered_load(baseline, step={args.step!r}): median {median:.1f} ms over "
        f"{args.repeats} calls (min {min(times):.1f}, max {max(times):.1f}); "
        f"target < {TARGET_MS:.0f} ms: {'met' if median < TARGET_MS else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
