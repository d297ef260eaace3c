"""How long `caseload plan` takes for the shipped baseline with its quota doubled.

Run as ``python benchmarks/bench_plan.py [--workers N] [--repeats N]``. Times the whole
command, in a fresh process as a user runs it (imports, the offered load, the search, the
certificate, minimality, the evidence, the page), for ``scenarios/quota_doubled.toml``:
the baseline municipality after its three-year warm-up, the quota doubled from 2015, a
three-year horizon (2015-2017) in quarters, the default targets (45 cases, 95 % on time,
90 % of futures). Prints the wall time, the CPU time of the replications summed over the
worker processes (on a quiet machine with W cores the wall time is about that ÷ W plus a few
seconds of start-up and the page), the replications simulated and the years they covered,
and the build (compiled or plain Python). Target: under 2 minutes on a 2-core machine. Run
it when the machine is quiet (`uptime`): other work slows it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "plan"
            command = [sys.executable, "-m", "simulator", "plan", "quota_doubled",
                       "--from", "2015-01-01", "--until", "2018-01-01", "--step", "quarter",
                       "--out", str(out), "-q"]  # fmt: skip
            if args.workers:
                command += ["--workers", str(args.workers)]
            started = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=True)
            seconds = time.perf_counter() - started
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        verdict = "met" if seconds < TARGET_SECONDS else "NOT met"
        print(
            f"caseload plan quota_doubled (2015-2017, quarters) run {repeat + 1}: "
            f"{seconds:.1f} s wall, {manifest['simulation_cpu_seconds']:.0f} s of CPU simulating "
            f"(the replications, summed over processes), "
            f"{manifest['replications_simulated']} replications simulated "
            f"(sharing {manifest.get('warmups_shared', 0)} warm-ups; "
            f"by phase {manifest.get('replications_by_phase', {})}; "
            f"{manifest['simulated_years']:.0f} simulated years), "
            f"{manifest['method']['search_evaluations']} search evaluations; "
            f"plan {manifest['caseworkers']}; build: {manifest['build']}; "
            f"load average at start {load:.1f}; target < {TARGET_SECONDS:.0f} s: {verdict}"
        )


if __name__ == "__main__":
    main()
