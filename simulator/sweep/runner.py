"""Running a whole sweep: plan the runs, skip those stored, execute, store as they finish.

Seeding. Every run of replication r is seeded with the sweep's seed and the number r,
whatever its design point (common random numbers, the default): since every random
stream of the model is named and seeded from (seed, replication, name), replication r
of two points sees the same arrivals, households, exits and task durations wherever
the points agree, and the difference between points is due to the factors, not to
luck. That is the variance reduction `caseload compare` relies on, applied to a whole
design: main effects and heatmaps are far less noisy for the same number of runs.
With `common_random_numbers = false` each point gets a seed of its own, derived from
the sweep's seed and the point's number. Either way a run's seed depends on the spec
only, never on which worker runs it or when, so results are identical whatever the
executor and the number of workers.

Runs are numbered replication by replication (run_id = replication × points + point):
the first replication of every point comes before any second one, so a sweep stopped
early covers the whole space.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from simulator.experiments import limits
from simulator.experiments.executors import Executor
from simulator.experiments.seeding import run_seed
from simulator.experiments.work import Chunk, Row, Run, run_chunk
from simulator.reporting.progress import Heartbeat, interactive
from simulator.sweep.damage import repaired_lines
from simulator.sweep.design import build_design, design_size
from simulator.sweep.measure import measure
from simulator.sweep.series import check_series, take_series, write_series
from simulator.sweep.spec import Sweep, SweepError, build_scenario
from simulator.sweep.store import SweepStore

BATCH_RUNS = 100  # a part file every this many finished runs ...
BATCH_SECONDS = 30.0  # ... or every this many seconds, whichever comes first


@dataclass
class Outcome:
    """What a call of `run_sweep` did."""

    folder: Path
    total: int  # runs in the sweep
    already: int  # runs stored before this call
    ran: int  # runs done by this call
    failed: int  # runs stored with an error, in all (after this call)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (run_id, error) this call
    wall_seconds: float = 0.0
    executor: str = ""
    name: str = ""  # the sweep's
    quarantined: list[str] = field(default_factory=list)  # damaged parts moved aside
    # damaged parts of the weekly series moved aside, per series ("part: why")
    series_quarantined: dict[str, list[str]] = field(default_factory=dict)
    # stored runs that lacked a series, run again for it only, per series
    series_rerun: dict[str, list[int]] = field(default_factory=dict)

    @property
    def series_failed(self) -> list[int]:
        """Of the runs run again for a series, those that failed this time: their series
        are still missing."""
        again = {run for ids in self.series_rerun.values() for run in ids}
        return sorted({run for run, _ in self.failures if run in again})

    @property
    def repaired(self) -> bool:
        """Whether resuming found damaged or missing parts (said even when quiet)."""
        return bool(self.quarantined or self.series_quarantined or self.series_rerun)

    def details(self) -> list[str]:
        """The console's lines between its first and last (`outcome_text`): what resuming
        found damaged or missing and what became of it, then the first runs that failed."""
        lines = repaired_lines(
            self.folder,
            self.quarantined,
            self.series_quarantined,
            self.series_rerun,
            self.series_failed,
        )
        for run_id, error in self.failures[:5]:
            lines.append(f"  run {run_id} failed: {error.splitlines()[0]}")
        if len(self.failures) > 5:
            lines.append(
                f"  ... and {len(self.failures) - 5} more (status and error in the dataset)"
            )
        return lines


def prepare(sweep: Sweep, *, check_limits: bool = True) -> pd.DataFrame:
    """The sweep's design, every point checked as a scenario before anything runs; with
    `check_limits`, the number of runs and each point's size too (`experiments.limits`)."""
    if check_limits:
        runs = design_size(sweep) * sweep.spec.replications
        limits.check_runs(runs, f"{sweep.path}: {sweep.spec.design.kind} design")
    design = build_design(sweep)
    base = sweep.base_data()
    for point, values in zip(design["point"], _values(sweep, design), strict=True):
        source = f"{sweep.path}: design point {point} {values}"
        scenario = build_scenario(base, sweep.changes(values, base), source)
        if check_limits:
            try:
                limits.check(scenario, 1, source)
            except limits.LimitError as exc:
                raise SweepError(str(exc)) from None
    return design


def plan(sweep: Sweep, design: pd.DataFrame, done: set[int]) -> list[Run]:
    """Every run not in `done`, replication by replication."""
    values = _values(sweep, design)
    base = sweep.base_data()
    changes = [sweep.changes(v, base) for v in values]
    points = len(design)
    runs = []
    for replication in range(sweep.spec.replications):
        for point in range(points):
            run_id = replication * points + point
            if run_id not in done:
                seed = run_seed(sweep.seed, point, common=sweep.spec.common_random_numbers)
                runs.append(Run(run_id, point, replication, seed, values[point], changes[point]))
    return runs


def _values(sweep: Sweep, design: pd.DataFrame) -> list[dict[str, Any]]:
    return design[list(sweep.factors)].to_dict("records")


def chunks(sweep: Sweep, runs: list[Run], size: int) -> Iterator[Chunk]:
    """`runs` in chunks of `size`, each carrying the base scenario as plain data.

    Each run measures its summary metrics, its stability and the spec's weekly series
    (`measure.py`)."""
    base, keys, source = sweep.base_data(), sweep.keys(), str(sweep.path)
    what = partial(measure, series=tuple(sweep.spec.series))
    for start in range(0, len(runs), size):
        yield Chunk(base, keys, tuple(runs[start : start + size]), source, what)


def chunk_size(runs: int, workers: int) -> int:
    """Runs per chunk: about eight chunks per worker (balance), at most eight runs each."""
    return max(1, min(8, runs // (8 * workers)))


def run_sweep(
    sweep: Sweep,
    folder: Path,
    executor: Executor,
    *,
    design: pd.DataFrame | None = None,
    chunk: int | None = None,
    batch: int = BATCH_RUNS,
    batch_seconds: float = BATCH_SECONDS,
    retry_failed: bool = False,
    show_progress: bool = True,
    command: list[str] | None = None,
    check_limits: bool = True,
) -> Outcome:
    """Run every run of `sweep` not yet stored in `folder`, storing rows as they finish.

    On any interruption (Ctrl-C, SIGTERM, an executor that fails) the runs finished so
    far are written before the exception goes on; running again resumes from there.
    Damaged parts found on opening are quarantined and their runs run again. So are
    damaged parts of the weekly series, and a stored run whose series no sound part holds
    is run again for that series only: its row is stored once, never written again.
    """
    started = time.perf_counter()
    design = prepare(sweep, check_limits=check_limits) if design is None else design
    store = SweepStore.open(folder, sweep, design, command)
    try:
        done = store.finished(retry_failed=retry_failed)
        # a failed run has no series: those that succeeded should have every one
        series = check_series(store.folder, sweep.spec.series, store.finished(retry_failed=True))
        lacking = series.lacking_by_run()  # stored, so in `done`: run again for series only
        runs = plan(sweep, design, done - set(lacking))
        total = len(design) * sweep.spec.replications
        outcome = Outcome(
            folder, total, len(done), 0, 0, executor=executor.description, name=sweep.name
        )
        outcome.quarantined = list(store.quarantined)
        outcome.series_quarantined = series.quarantined
        outcome.series_rerun = {m: sorted(ids) for m, ids in series.lacking.items()}
        size = chunk or chunk_size(len(runs), executor.workers)
        buffer: list[Row] = []
        last_write = time.monotonic()
        with closing(Progress(total, total - len(runs), enabled=show_progress)) as bar:
            try:
                for rows in executor.imap_unordered(run_chunk, chunks(sweep, runs, size)):
                    buffer.extend(rows)
                    outcome.ran += len(rows)
                    outcome.failures += [(r["run_id"], r["error"]) for r in rows if r["error"]]
                    bar.advance(len(rows), sum(r["status"] != "ok" for r in rows))
                    if len(buffer) >= batch or time.monotonic() - last_write >= batch_seconds:
                        _write(store, buffer, lacking)
                        buffer, last_write = [], time.monotonic()
            finally:
                if buffer:
                    _write(store, buffer, lacking)
        outcome.failed = store.failed_count()
    finally:
        store.close()
    outcome.wall_seconds = time.perf_counter() - started
    return outcome


def _write(store: Any, rows: list[Row], lacking: dict[int, set[str]]) -> None:
    """Store finished rows: their weekly series first (if any), then the runs. A run stored
    before and run again for series it lacked (`lacking`: run id -> those series) gives
    those series only, and its row is not written again (the stored one stands)."""
    series = [
        (run, point, replication, _only(payload, lacking[run]) if run in lacking else payload)
        for run, point, replication, payload in take_series(rows)
    ]
    write_series(store.folder, series)
    fresh = [row for row in rows if row["run_id"] not in lacking]
    if fresh:
        store.write(fresh)


def _only(payload: dict[str, Any], series: set[str]) -> dict[str, Any]:
    """A run's weekly series, only those in `series` (with their dates)."""
    return {name: values for name, values in payload.items() if name in series | {"__dates__"}}


class Progress:
    """A console bar of runs done, failures and time left; where stderr is no terminal, a
    line every half minute (`Heartbeat`)."""

    def __init__(self, total: int, done: int, *, enabled: bool = True, file: Any = None) -> None:
        self.failed = 0
        self.total, self.done = total, done
        self._beat = Heartbeat("caseload sweep", file=file) if enabled and not interactive(
            file) else None  # fmt: skip
        self._bar = tqdm(
            file=file,  # None: stderr
            total=total,
            initial=done,
            unit="run",
            disable=None if enabled else True,  # None: only on a terminal
            bar_format="{l_bar}{bar}| {n}/{total} runs{postfix} [{elapsed}<{remaining}]",
            postfix="0 failed",
            leave=False,
            dynamic_ncols=True,
        )

    def advance(self, runs: int, failed: int) -> None:
        """`runs` more runs are done, `failed` of them with an error."""
        self.failed += failed
        self.done += runs
        self._bar.update(runs)
        self._bar.set_postfix_str(f"{self.failed} failed")  # and redraw
        if self._beat is not None:
            self._beat(f"{self.done} of {self.total} runs done, {self.failed} failed")

    def close(self) -> None:
        self._bar.close()


def describe(sweep: Sweep, *, check_limits: bool = True) -> str:
    """What a valid spec will run, in a few lines (its design is built and checked)."""
    points = len(prepare(sweep, check_limits=check_limits))
    runs = points * sweep.spec.replications
    spec = sweep.spec
    n = f" (n = {spec.design.n})" if spec.design.n else ""
    lines = [
        f"{sweep.path}: valid sweep '{sweep.name}' on base scenario '{sweep.base.name}'",
        f"  design: {spec.design.kind}{n}, {points} points x {spec.replications} replications "
        f"= {runs} runs, seed {sweep.seed}"
        + (", common random numbers" if spec.common_random_numbers else ""),
    ]
    for name, f in sweep.factors.items():
        values = f.levels if f.levels is not None else f"range {f.range}"
        lines.append(f"  {name} ({f.kind}, {f.value_type}): {f.target} = {values}")
    return "\n".join(lines)


def outcome_text(outcome: Outcome) -> str:
    """What a finished call of `run_sweep` did, in a few lines for the console."""
    out = outcome.folder
    lines = [
        f"sweep '{outcome.name}': {outcome.total} runs in {out} ({outcome.ran} run now on "
        f"{outcome.executor}, {outcome.already} already stored); {outcome.failed} failed; "
        f"{outcome.wall_seconds:.1f} s"
    ]
    lines += outcome.details()
    lines.append(f"next: caseload analyze {out}")
    return "\n".join(lines)
