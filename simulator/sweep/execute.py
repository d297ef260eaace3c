"""Running a sweep's runs: the unit of work, and three executors that run it alike.

A unit of work is one run: one design point, one replication. Runs travel in
chunks (`Chunk`): plain data only (the base scenario as a dict, the factors' key
paths, and per run its values, replication and seed), small to pickle, so shipping
a chunk to another process or machine costs little beside the run itself. A worker
builds and validates the run's scenario, simulates one replication and returns one
row: the run's identity, its status, its wall time and every summary metric (the
metric set is whatever `simulator.metrics.analyse` reports). A run that raises
becomes a row with status "error" and the error's text: one bad run never stops a
sweep.

Executors (`SerialExecutor`, `ProcessExecutor`, `DaskExecutor`) share one method,
`imap_unordered(chunks)`, which yields each chunk's rows as soon as they are done,
with a bounded number of chunks in flight (memory stays flat however large the
sweep). Because every run is seeded from its own (seed, replication), and never from
the order or place it runs in, the rows are the same whatever the executor.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from simulator.metrics import analyse
from simulator.model import Municipality
from simulator.scenario import Scenario
from simulator.sweep.spec import SweepError, build_scenario

Row = dict[str, Any]


@dataclass(frozen=True)
class Run:
    """One run: design point `point` in replication `replication`, seeded `seed`."""

    run_id: int
    point: int
    replication: int
    seed: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Chunk:
    """Runs shipped together to one worker, with what they need to build their scenarios."""

    base: dict[str, Any]
    keys: dict[str, list[str]]
    runs: tuple[Run, ...]
    source: str


def simulate(scenario: Scenario, replication: int, seed: int) -> dict[str, float]:
    """One replication of `scenario`: its summary metrics (metric name -> value)."""
    model = Municipality(scenario, replication=replication, seed=seed)
    record = model.run()
    return analyse(record, model.calendar).summary


def run_chunk(chunk: Chunk) -> list[Row]:
    """Every run of `chunk`, each as a row; a run that raises is a row with its error."""
    rows = []
    for run in chunk.runs:
        started = time.perf_counter()
        row: Row = {
            "run_id": run.run_id,
            "point": run.point,
            "replication": run.replication,
            "seed": run.seed,
            **run.values,
        }
        try:
            source = f"{chunk.source}: point {run.point}"
            scenario = build_scenario(chunk.base, chunk.keys, run.values, source)
            metrics = simulate(scenario, run.replication, run.seed)
            row.update(status="ok", error=None)
        except Exception as exc:
            metrics = {}
            row.update(status="error", error=f"{type(exc).__name__}: {exc}")
        row["wall_seconds"] = time.perf_counter() - started
        row.update(metrics)
        rows.append(row)
    return rows


class Executor(Protocol):
    """Runs chunks somewhere; yields each chunk's rows as it finishes."""

    workers: int
    description: str

    def imap_unordered(self, chunks: Iterable[Chunk]) -> Iterator[list[Row]]: ...

    def warm_up(self) -> None: ...

    def close(self) -> None: ...


class SerialExecutor:
    """In this process, one run after another (`--workers 1`; easiest to debug)."""

    workers = 1
    description = "1 process (serial)"

    def imap_unordered(self, chunks: Iterable[Chunk]) -> Iterator[list[Row]]:
        for chunk in chunks:
            yield run_chunk(chunk)

    def warm_up(self) -> None:
        pass

    def close(self) -> None:
        pass


class ProcessExecutor:
    """Local worker processes (concurrent.futures), started once and reused for every chunk.

    On POSIX the workers are forked from a fork server that has imported the simulator
    already, so a worker starts in milliseconds without re-importing numpy, pandas and
    SimPy, and without inheriting the threads of the calling process.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or available_cores()
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
        else:  # Windows and others: spawn, which imports afresh in each worker
            context = multiprocessing.get_context("spawn")
        self._pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        self.description = f"{self.workers} processes"

    def imap_unordered(self, chunks: Iterable[Chunk]) -> Iterator[list[Row]]:
        submit = lambda chunk: self._pool.submit(run_chunk, chunk)  # noqa: E731
        wait = lambda futures: cf.wait(futures, return_when=cf.FIRST_COMPLETED)  # noqa: E731
        yield from _bounded(chunks, submit, wait, window=4 * self.workers)

    def warm_up(self) -> None:
        """Start every worker now (otherwise the first chunks pay for it)."""
        for future in [self._pool.submit(_ready, 0.2) for _ in range(self.workers)]:
            future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """A Dask distributed cluster: its scheduler's address, or a `distributed.Client`.

    Every worker must be able to import this package (install it where they run).
    While the sweep runs, the workers' sampling profiler is paused: every 10 ms it
    walks the running task's stack holding the GIL, which made the model's pure-Python
    event loop about a quarter slower on a Dask worker than in a plain process
    (benchmarks/bench_sweep.py). It is resumed when the sweep ends.
    """

    def __init__(self, scheduler: str | Any) -> None:
        distributed = _distributed()
        self._own = isinstance(scheduler, str)
        try:
            self.client = distributed.Client(scheduler, timeout="20s") if self._own else scheduler
        except (OSError, TimeoutError) as exc:
            raise SweepError(
                f"--scheduler {scheduler}: cannot reach a Dask scheduler ({exc})"
            ) from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.client.run(_profiler, False)
        address = self.client.scheduler.address
        self.description = f"the Dask cluster at {address} ({self.workers} threads)"
        self._wait = distributed.wait

    def imap_unordered(self, chunks: Iterable[Chunk]) -> Iterator[list[Row]]:
        submit = lambda chunk: self.client.submit(run_chunk, chunk, pure=False)  # noqa: E731
        wait = lambda futures: self._wait(futures, return_when="FIRST_COMPLETED")  # noqa: E731
        # a round trip through the scheduler takes milliseconds: keep more queued per worker
        yield from _bounded(chunks, submit, wait, window=8 * self.workers)

    def warm_up(self) -> None:
        """Load the simulator on every worker now (otherwise the first chunks pay for it)."""
        self.client.run(_ready, 0.0)

    def close(self) -> None:
        if self.client.status == "running":
            self.client.run(_profiler, True)
        if self._own:
            self.client.close()


def _profiler(on: bool, dask_worker: Any = None) -> bool:
    """Resume (`on`) or pause a Dask worker's sampling profiler (`client.run` passes the worker)."""
    for name in ("profile", "profile-cycle"):
        callback = dask_worker.periodic_callbacks.get(name)
        if callback is not None:
            callback.start() if on else callback.stop()
    return on


def _ready(pause: float) -> int:
    """A task that keeps a worker busy for `pause` seconds, once this module is loaded there."""
    time.sleep(pause)
    return os.getpid()


def _bounded(
    chunks: Iterable[Chunk],
    submit: Callable[[Chunk], Any],
    wait: Callable[[set[Any]], tuple[set[Any], set[Any]]],
    window: int,
) -> Iterator[list[Row]]:
    """Keep at most `window` chunks in flight; yield each one's rows when it is done.

    Cancels what is still in flight if the caller stops early (Ctrl-C, an error).
    """
    pending: set[Any] = set()
    todo = iter(chunks)
    try:
        while True:
            for chunk in todo:
                pending.add(submit(chunk))
                if len(pending) >= window:
                    break
            if not pending:
                return
            done, pending = wait(pending)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor the command line asks for: Dask with a scheduler, else processes or serial."""
    if scheduler is not None:
        return DaskExecutor(scheduler)
    workers = workers or available_cores()
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)


def available_cores() -> int:
    """The cores this process may use (respects CPU affinity, e.g. under a batch scheduler)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise SweepError(
            "--scheduler needs dask.distributed: pip install 'caseload-simulator[sweep]'"
        ) from None
    return distributed
