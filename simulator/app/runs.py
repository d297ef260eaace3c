"""Runs for the app: kept replication by replication, a first look at once, the full answer
spread over worker processes.

A page asks for a `Job`: a scenario, a replication count and a seed. The runner makes
it one replication at a time, each kept by what it ran (the scenario's digest, the seed,
the replication's number), and joins them (`simulator.join_runs`: the same tables as
running them all at once). Because replication k is the same in every run of a scenario:

- the first look (replication 0, run in this process at once: `Runner.now`) is also the
  first replication of the full answer, which needs only the others;
- the full answer's replications (`Runner.submit`) run on every core at once, one per
  worker process, in the order the pages asked for them;
- a slider moved back, or two trainees with the same sliders, find their replications
  kept, and asking for more replications runs only the new ones.

The worker processes start with the app and load everything first (`warm_up`), run at a
lower priority than this process (so that the first look, run here, is not slowed down
by the full answer running there) and exit when this process ends, however it ends.
A page withdraws the replications it no longer wants (`Runner.withdraw`) when a slider
moves on: those not started are dropped, so a room never waits for an answer nobody
looks at any more.

Set ``CASELOAD_APP_WORKERS=0`` to run everything in this process (Streamlit's
`AppTest`, where no second process is wanted); the default is one worker per core.
Results are the same either way: a replication depends only on what it ran.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

import simulator as cl
from simulator.experiments.executors import available_cores, exit_with_parent
from simulator.scenario import keys

if TYPE_CHECKING:
    from simulator import Results, Scenario

Key = tuple[str, int, int]  # a job: scenario digest, seed, replications
Unit = tuple[str, int, int]  # a replication: scenario digest, seed, its number
WORKERS_ENV = "CASELOAD_APP_WORKERS"
WORKER_NICENESS = 10  # below this process, which runs the first looks
KEEP_REPLICATIONS = 800  # replications kept (about 0.3-0.7 MB each without the task table)
PAGE, AHEAD = 0, 1  # what a page waits for runs before what is fetched ahead


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

    @property
    def units(self) -> list[Unit]:
        """Its replications, 0 to `replications` - 1."""
        digest = self.scenario.digest()
        return [(digest, self.seed, k) for k in range(self.replications)]


def replicate(scenario: Scenario, seed: int, replication: int) -> Results:
    """Replication `replication` of `scenario` through the public API, without the
    one-row-per-task table (the app never reads it; dropping it keeps the cache and the
    copy between processes small). It runs in the process that asks for it: the app
    spreads replications over its own workers."""
    results = cl.run(scenario, replications=1, seed=seed, first=replication, workers=1)
    return replace(results, tasks=results.tasks.iloc[:0])


def execute(job: Job) -> Results:
    """All of `job` in this process, one replication after another (what the runner's
    workers together give)."""
    return joined([replicate(job.scenario, job.seed, k) for k in range(job.replications)])


def joined(parts: Sequence[Results]) -> Results:
    """One run of `parts` (a single part is that run already)."""
    return parts[0] if len(parts) == 1 else cl.join_runs(parts)


def offered_load(scenario: Scenario, reference: Scenario, utilisation: float) -> float:
    """The utilisation `scenario` would have with caseworkers enough to do all its work
    (above 1: more work falls due than they can do, and the queue grows through the run),
    estimated without running it: its `simulator.work_ratio` scaled by that of `reference`, a run
    of which measured `utilisation` (from a reference at or past its wall, whose measured
    utilisation cannot read above 1, the estimate is low: no setting is refused
    wrongly)."""
    return cl.work_ratio(scenario) * utilisation / cl.work_ratio(reference)


def warm_up() -> None:
    """Load everything a run needs (pandas, SciPy, the engine) by running a few weeks of
    the baseline, so that a worker's first real run costs only its simulation."""
    short = cl.load_scenario(
        "baseline",
        changes={"simulation.duration_years": 0.1, "simulation.warmup_years": 0.0},
    )
    replicate(short, 1, 0)


def start_worker() -> None:
    """A worker process's start: exit with the app, yield to the first looks, warm up."""
    exit_with_parent()
    if hasattr(os, "nice"):  # POSIX
        os.nice(WORKER_NICENESS)
    warm_up()


def variant(base: Scenario, changes: Mapping[str, Any], *, without: Iterable[str] = ()) -> Scenario:
    """`base` with keys set by their dotted path (validated as any scenario is), after
    removing the keys named in `without` where `base` has them (dotted paths: "triage"
    switches a policy off, "arrivals.monthly_profile" drops what only a `yearly` schedule
    may have)."""
    data = base.to_dict()
    for path in without:
        with contextlib.suppress(KeyError):  # not there: nothing to remove
            data = keys.without(data, path)
    return cl.load_scenario(data, changes=dict(changes))


@dataclass(eq=False)
class _Wanted:
    """A job a page waits for: its future, and its replications as they come in."""

    future: Future[Results]
    missing: set[Unit]
    parts: dict[Unit, Results] = field(default_factory=dict)


class Runner:
    """Runs shared by every session of the app: the replications made, those waiting for
    a worker, and the warm worker processes (or none: every run in this process)."""

    def __init__(self, workers: int | None = None, keep: int = KEEP_REPLICATIONS) -> None:
        if workers is None:
            workers = int(os.environ.get(WORKERS_ENV, available_cores()))
        self.workers = max(0, workers)
        self.keep = keep
        self._done: OrderedDict[Unit, Results] = OrderedDict()
        self._queue: list[tuple[int, int, Unit, Scenario]] = []  # (rank, order, unit, scenario)
        self._order = 0
        self._running: dict[Unit, Future[Results]] = {}  # in a worker
        self._ahead_running: set[Unit] = set()  # of those, fetched ahead
        self._waiting = 0  # pages waiting for a first look a worker is making
        self._here: dict[Unit, threading.Event] = {}  # in this process
        self._wanted: dict[Unit, list[_Wanted]] = {}
        self._ahead: list[Future[Results]] = []  # runs fetched ahead (`prefetch`)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self._pool: ProcessPoolExecutor | None = None
        if self.workers:
            self._pool = self._start_pool()
            threading.Thread(target=self._dispatch, name="caseload-runner", daemon=True).start()

    def _start_pool(self) -> ProcessPoolExecutor:
        """The worker processes, started now (not at the first slider)."""
        pool = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=start_worker
        )
        for _ in range(self.workers):
            pool.submit(int)
        return pool

    def cached(self, job: Job) -> Results | None:
        """The run of `job`, if every replication of it has been made."""
        with self._lock:
            parts = [self._done.get(unit) for unit in job.units]
        if any(part is None for part in parts):
            return None
        return joined([p for p in parts if p is not None])

    def now(self, job: Job) -> Results:
        """The run of `job` at once: each replication kept, or from the worker already
        running it, or run here and now (the first look)."""
        return joined([self._unit_now(job.scenario, unit) for unit in job.units])

    def submit(self, job: Job, *, here: int = 0, rank: int = PAGE) -> Future[Results]:
        """A future of the run of `job`: its replications kept, under way, or queued for
        the workers. The first `here` replications are queued last: the page runs them
        itself meanwhile (`now`, the first look). Without workers, run here at once."""
        future: Future[Results] = Future()
        if self._pool is None:
            try:
                future.set_result(self.now(job))
            except Exception as exc:  # a bad scenario: the page shows the error
                future.set_exception(exc)
            return future
        units = job.units
        order = units[here:] + units[:here]
        with self._lock:
            wanted = _Wanted(future, {u for u in units if u not in self._done})
            wanted.parts = {u: self._done[u] for u in units if u in self._done}
            queued = {entry[2]: entry for entry in self._queue}
            for unit in order:
                if unit not in wanted.missing:
                    continue
                self._wanted.setdefault(unit, []).append(wanted)
                earlier = queued.get(unit)
                if (earlier is not None and earlier[0] <= rank) or unit in self._running:
                    continue
                if earlier is not None:  # fetched ahead, wanted by a page now
                    self._queue.remove(earlier)
                # one run here is queued too: a worker makes it should it fail here
                self._queue.append((rank, self._order, unit, job.scenario))
                self._order += 1
            self._wake.notify()
        if not wanted.missing:
            self._complete(wanted)
        return future

    def prefetch(self, jobs: Sequence[Job]) -> None:
        """Run `jobs` ahead in the workers, if they have nothing else to do: the first
        looks of the settings one slider step away, so that the next step shows its first
        answer at once. Withdrawn like any run when the room asks for something else."""
        if self._pool is None:
            return
        self.withdraw_ahead()
        with self._lock:
            busy = bool(self._running) or bool(self._queue)
        if not busy:
            ahead = [self.submit(job, rank=AHEAD) for job in jobs]
            with self._lock:
                self._ahead = ahead

    def withdraw_ahead(self) -> None:
        """Withdraw the runs fetched ahead that have not started."""
        with self._lock:
            ahead, self._ahead = self._ahead, []
        self.withdraw(ahead)

    def withdraw(self, futures: Iterable[Future[Results]]) -> None:
        """The page no longer waits for these runs: their replications not started and
        wanted by no other run are dropped (those running finish, and are kept)."""
        for future in futures:
            future.cancel()
        with self._lock:
            self._queue = [entry for entry in self._queue if self._alive(entry[2])]

    def close(self) -> None:
        """Stop the workers (at the end of a test; the app's last as long as the server)."""
        with self._lock:
            self._closed = True
            self._wake.notify_all()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _alive(self, unit: Unit) -> bool:
        """Whether a run not withdrawn still waits for `unit` (under the lock)."""
        wanted = [w for w in self._wanted.get(unit, []) if not w.future.cancelled()]
        if wanted:
            self._wanted[unit] = wanted
        else:
            self._wanted.pop(unit, None)
        return bool(wanted)

    def _dispatch(self) -> None:
        """The runner's thread: hand the queued replications to the workers, one per
        free worker, pages' before those fetched ahead, each in the order asked for."""
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._closed or self._next() is not None)
                if self._closed:
                    return
                entry = self._next()
                assert entry is not None
                self._queue.remove(entry)
                _, _, unit, scenario = entry
                if self._pool is None:
                    return
                try:
                    future = self._pool.submit(replicate, scenario, unit[1], unit[2])
                except BrokenProcessPool:
                    # a worker was killed, and the runs it had failed (`_finished`): new
                    # workers for a page's runs, not for those fetched ahead (nor, so, for
                    # the prefetches still queued when the app is stopped)
                    if entry[0] == AHEAD:
                        continue
                    self._pool = self._start_pool()
                    future = self._pool.submit(replicate, scenario, unit[1], unit[2])
                self._running[unit] = future
                if entry[0] == AHEAD:
                    self._ahead_running.add(unit)
            future.add_done_callback(partial(self._finished, unit))

    def _next(self) -> tuple[int, int, Unit, Scenario] | None:
        """The replication to hand to a worker now, if a worker is free (under the lock).
        What is fetched ahead runs on one worker at a time: when the room moves a slider,
        at most one replication nobody may want holds a worker. While a page waits for a
        first look a worker is making, nothing else starts: on a busy machine the share
        of the processors this app gets would be split, the first look at half speed
        (the full answer then loses nothing by the wait; on a quiet one, at most that
        one replication's time on the other core)."""
        if len(self._running) >= self.workers or self._waiting:
            return None
        self._queue = [e for e in self._queue if e[2] not in self._done and self._alive(e[2])]
        self._ahead_running &= self._running.keys()
        ready = [
            e
            for e in self._queue
            if e[2] not in self._here
            and e[2] not in self._running
            and (e[0] != AHEAD or not self._ahead_running)
        ]
        return min(ready, default=None, key=lambda e: (e[0], e[1]))

    def _unit_now(self, scenario: Scenario, unit: Unit) -> Results:
        """One replication at once: kept, from the worker running it, or run here."""
        while True:
            with self._lock:
                found = self._done.get(unit)
                if found is not None:
                    self._done.move_to_end(unit)
                    return found
                running, elsewhere = self._running.get(unit), self._here.get(unit)
                if running is None and elsewhere is None:
                    self._here[unit] = threading.Event()
                    break
                if running is not None:
                    self._waiting += 1
            if running is not None:
                try:
                    return running.result()
                except Exception:  # failed or stopped there: run it here
                    with self._lock:
                        if self._running.get(unit) is running:
                            del self._running[unit]
                    continue
                finally:
                    with self._wake:
                        self._waiting -= 1
                        self._wake.notify()
            if elsewhere is not None:  # another session runs it here: wait for it
                elsewhere.wait()
                with self._lock:
                    found = self._done.get(unit)
                if found is not None:
                    return found
                # it failed there: try it again here
        try:
            found = replicate(scenario, unit[1], unit[2])
        except BaseException:
            with self._wake:
                self._here.pop(unit).set()
                self._wake.notify()  # a worker may try it again for a page waiting for it
            raise
        self._store(unit, found)
        return found

    def _finished(self, unit: Unit, future: Future[Results]) -> None:
        """A worker's replication is in (or failed, or was stopped by `close`)."""
        if future.cancelled() or future.exception() is not None:
            with self._wake:
                if self._running.get(unit) is future:
                    del self._running[unit]
                failed = self._wanted.pop(unit, [])
                self._wake.notify()
            error = None if future.cancelled() else future.exception()
            for wanted in failed:
                if error is not None and wanted.future.set_running_or_notify_cancel():
                    wanted.future.set_exception(error)
            return
        self._store(unit, future.result())

    def _store(self, unit: Unit, results: Results) -> None:
        """Keep a replication; hand it to the runs waiting for it."""
        complete = []
        with self._wake:
            self._done[unit] = results
            self._done.move_to_end(unit)
            while len(self._done) > self.keep:
                self._done.popitem(last=False)
            self._running.pop(unit, None)
            event = self._here.pop(unit, None)
            for wanted in self._wanted.pop(unit, []):
                wanted.parts[unit] = results
                wanted.missing.discard(unit)
                if not wanted.missing:
                    complete.append(wanted)
            self._wake.notify()
        if event is not None:
            event.set()
        for wanted in complete:
            self._complete(wanted)

    @staticmethod
    def _complete(wanted: _Wanted) -> None:
        """Every replication of a run is in: join them, unless the run was withdrawn."""
        if not wanted.future.set_running_or_notify_cancel():
            return
        try:
            wanted.future.set_result(joined([wanted.parts[u] for u in sorted(wanted.parts)]))
        except Exception as exc:
            wanted.future.set_exception(exc)
