"""Runs for the app: kept by what they ran, a first answer at once, the full one in the
background.

A run is a `Job`: a scenario, a replication count and a seed. Its key is the scenario's
digest (what is modelled), the seed and the count, so two trainees who set the same
sliders share one run, and a slider moved back shows its answer at once. `Runner.now`
runs a job in this process (the first answer, a replication or two, well under a
second); `Runner.submit` hands it to a worker process kept warm from the start (the
full answer, with the uncertainty of ten replications), so the page stays responsive
and a slider moved again does not wait for a run nobody looks at any more.

Set ``CASELOAD_APP_WORKERS=0`` to run everything in this process (Streamlit's
`AppTest`, where no second process is wanted); the default is one worker, so that the
first answer (this process) and the full one (the worker) each have a core of this
2-core machine. Results are the same either way: a run depends only on its job.
"""

from __future__ import annotations

import inspect
import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import simulator as cl

if TYPE_CHECKING:
    from simulator import Results, Scenario

Key = tuple[str, int, int]
WORKERS_ENV = "CASELOAD_APP_WORKERS"


@dataclass(frozen=True)
class Job:
    """What to run: `replications` replications of `scenario` with `seed`."""

    scenario: Scenario
    replications: int
    seed: int

    @property
    def key(self) -> Key:
        """What the results depend on: the modelled scenario, the seed, the count."""
        return (self.scenario.digest(), self.seed, self.replications)


def execute(job: Job) -> Results:
    """Run `job` through the public API, without the one-row-per-task table (the app
    never reads it; dropping it keeps the cache and the copy between processes small).

    Each run stays in the process that asks for it: the app has its own worker process,
    and a `simulator.run` that spreads replications over processes of its own (the
    `workers` argument, where the API has it) would start a pool for every slider."""
    options = {"workers": 1} if "workers" in inspect.signature(cl.run).parameters else {}
    results = cl.run(job.scenario, replications=job.replications, seed=job.seed, **options)
    return replace(results, tasks=results.tasks.iloc[:0])


def warm_up() -> None:
    """Load everything a run needs (pandas, SciPy, the engine) by running a few weeks of
    the baseline, so that a worker's first real run costs only its simulation."""
    short = cl.load_scenario(
        "baseline",
        changes={"simulation.duration_years": 0.1, "simulation.warmup_years": 0.0},
    )
    execute(Job(short, 1, 1))


def variant(base: Scenario, changes: Mapping[str, Any], *, without: Iterable[str] = ()) -> Scenario:
    """`base` with keys set by their dotted path (validated as any scenario is), after
    removing the keys named in `without` (dotted paths: "triage" switches a policy off,
    "arrivals.monthly_profile" drops what only a `yearly` schedule may have)."""
    data = base.to_dict()
    for path in without:
        *parents, last = path.split(".")
        table = data
        for part in parents:
            table = table.get(part) or {}
        table.pop(last, None)
    return cl.load_scenario(data, changes=dict(changes))


class Runner:
    """Runs shared by every session of the app: a cache of finished runs, the runs under
    way, and one warm worker process (or none: every run in this process)."""

    def __init__(self, workers: int | None = None, keep: int = 200) -> None:
        if workers is None:
            workers = int(os.environ.get(WORKERS_ENV, "1"))
        self.workers = max(0, workers)
        self.keep = keep
        self._done: OrderedDict[Key, Results] = OrderedDict()
        self._pending: dict[Key, Future[Results]] = {}
        self._lock = threading.Lock()
        self._ahead: list[Key] = []  # runs fetched ahead (`prefetch`)
        self._pool: ProcessPoolExecutor | None = None
        if self.workers:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=warm_up,
            )
            self._pool.submit(int)  # starts the worker now, not at the first slider

    def cached(self, job: Job) -> Results | None:
        """The finished run of `job`, if any session ran it before."""
        with self._lock:
            found = self._done.get(job.key)
            if found is not None:
                self._done.move_to_end(job.key)
            return found

    def now(self, job: Job) -> Results:
        """The run of `job`: from the cache, from the worker if it is running it already
        (a run fetched ahead), or run here and now."""
        found = self.cached(job)
        if found is not None:
            return found
        with self._lock:
            pending = self._pending.get(job.key)
        if pending is not None and pending.running():
            try:
                return pending.result()
            except (Exception, CancelledError):  # cancelled or failed there: run it here
                pass
        found = execute(job)
        self._store(job.key, found)
        return found

    def prefetch(self, jobs: Sequence[Job]) -> None:
        """Run `jobs` ahead in the worker, if it has nothing else to do: the first looks
        of the settings one slider step away, so that the next step shows its first
        answer at once. Withdrawn like any run when the room asks for something else."""
        if self._pool is None:
            return
        with self._lock:
            busy = any(not f.done() for f in self._pending.values())
        if busy:
            return
        for job in jobs:
            if self.cached(job) is None:
                self.submit(job)
        with self._lock:
            self._ahead = [job.key for job in jobs]

    def withdraw_ahead(self, keep: Iterable[Key] = ()) -> None:
        """Cancel the runs fetched ahead that have not started, but those in `keep`."""
        with self._lock:
            ahead, self._ahead = self._ahead, []
        self.withdraw(ahead, keep)

    def submit(self, job: Job) -> Future[Results]:
        """A future of the run of `job`: done at once if cached, the same future as
        another session's if under way, else a new run in the worker."""
        key = job.key
        with self._lock:
            if key in self._done:
                done: Future[Results] = Future()
                done.set_result(self._done[key])
                return done
            pending = self._pending.get(key)
            if pending is not None and not pending.cancelled():
                return pending
        if self._pool is None:
            future: Future[Results] = Future()
            try:
                future.set_result(self.now(job))
            except Exception as exc:  # a bad scenario: the page shows the error
                future.set_exception(exc)
            return future
        future = self._pool.submit(execute, job)
        with self._lock:
            self._pending[key] = future
        future.add_done_callback(lambda f, key=key: self._finished(key, f))
        return future

    def withdraw(self, keys: Sequence[Key], keep: Iterable[Key] = ()) -> None:
        """Cancel the runs of `keys` not yet started, except those in `keep`: a page
        withdraws what its previous answer asked for when a slider moves on."""
        wanted = set(keep)
        with self._lock:
            futures = [self._pending.get(k) for k in keys if k not in wanted]
        for future in futures:
            if future is not None:
                future.cancel()

    def close(self) -> None:
        """Stop the worker (at the end of a test; the app's lasts as long as the server)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _finished(self, key: Key, future: Future[Results]) -> None:
        with self._lock:
            if self._pending.get(key) is future:
                del self._pending[key]
        if not future.cancelled() and future.exception() is None:
            self._store(key, future.result())

    def _store(self, key: Key, results: Results) -> None:
        with self._lock:
            self._done[key] = results
            self._done.move_to_end(key)
            while len(self._done) > self.keep:
                self._done.popitem(last=False)
