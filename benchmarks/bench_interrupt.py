"""Ctrl-C during a run with local workers: does the program end, and how fast?

Run as ``python benchmarks/bench_interrupt.py [TRIES]`` (default 40). Each try starts
``caseload run scenarios/baseline.toml --replications 200 --workers 2 --no-figures`` in a
fresh process, sends it SIGINT after a random 0.5-6 s (while its workers simulate and send
results), and waits up to 10 s for it to end. It prints each try's exit status and time,
and the number that hung. Before the results pipe was closed on abort
(`ProcessExecutor.close`), 2 of 40 hung: a worker stopped halfway through sending its
result left the pool's thread waiting for the rest for ever.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CASELOAD = Path(sys.executable).parent / "caseload"


def main(tries: int) -> int:
    hangs = 0
    rng = random.Random(20261201)
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(tries):
            argv = [str(CASELOAD), "run", str(REPO / "scenarios" / "baseline.toml"),
                    "--replications", "200", "--workers", "2", "--no-figures", "--no-limits",
                    "-q", "--out", str(Path(scratch) / f"o{i}")]  # fmt: skip
            process = subprocess.Popen(
                argv,
                stderr=subprocess.DEVNULL,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
            delay = rng.uniform(0.5, 6.0)
            time.sleep(delay)
            sent = time.monotonic()
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
                print(f"{i:3d}  SIGINT after {delay:.2f} s: exit {process.returncode} "
                      f"in {time.monotonic() - sent:.2f} s", flush=True)  # fmt: skip
            except subprocess.TimeoutExpired:
                hangs += 1
                print(f"{i:3d}  SIGINT after {delay:.2f} s: HUNG (killed after 10 s)", flush=True)
                process.kill()
                process.wait()
    print(f"hung: {hangs} of {tries}")
    return 1 if hangs else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 40))
