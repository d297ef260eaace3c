"""Runs that share their warm-up: one warmed-up office per replication, forked for each plan.

Every plan the planner runs has the same staffing before its first period (the
scenario's), so replication r of every plan is the same run up to that day: the warm-up
(three years on the shipped baseline), a third or more of each run. A **holder** process
per replication simulates it once, up to the first period's first day, and then waits;
for each plan asked of that replication it forks a child, which carries on from there
with the plan's staffing and sends its figures back. The fork is the snapshot: SimPy's
processes are generators, which cannot be copied otherwise.

**The same run, exactly.** A plan's run gives its staffing entries to the model's
staffing process, which waits for each entry's day in turn. The holder's scenario has one
entry more than those before the first period: a stand-in, dated after the horizon, for
which the staffing process is waiting when the holder stops. The child hands the plan's
entries to the model (`Municipality.restaff`), which moves that wait to the day of the
first, keeping its place in SimPy's order of events at the same instant (its event id),
and puts them in the stand-in's place in the list the staffing process reads. The
staffing process then goes on exactly as in a run of the plan from the start, and so
does everything else:
tests/test_plan.py checks every figure against such runs. A child stops at the end of
the last period asked for, as a run that long does.

Holders and children are POSIX processes (fork). `available` says whether this platform
and scenario allow it; otherwise the planner runs each plan from the start.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Client, Connection, Listener
from multiprocessing.util import Finalize
from typing import Any

import numpy as np

from simulator.engine.model import Municipality, no_cyclic_gc
from simulator.experiments.executors import exit_with_parent, fork_server
from simulator.plan.targets import period_stats
from simulator.scenario import changed_scenario
from simulator.scenario.schema import StaffChange

STAND_IN_DAYS = 400  # the stand-in entry's date: this long after the horizon's end
Job = tuple[int, list[tuple[dt.date, int]], float, tuple[float, ...]]  # id, entries, end, bounds


def available(first_day: float) -> bool:
    """Whether runs can share a warm-up here: a POSIX fork, and a first period that starts
    after the scenario does (otherwise there is no warm-up to share)."""
    return (
        first_day > 0
        and hasattr(os, "fork")
        and "forkserver" in (multiprocessing.get_all_start_methods())
    )


class Snapshots:
    """Holder processes for the replications of one scenario (module docstring).

    `data`: the scenario as the planner runs it (arrivals scaled, horizon extended);
    `before`: its staffing entries before the first period; `first_day`: the first
    period's first day, in days since the start; `horizon_end`: the last period's end
    date; `workers`: children running at once; `keep`: holders kept alive (the least
    recently used one stops first)."""

    def __init__(
        self,
        data: dict[str, Any],
        before: list[dict[str, Any]],
        first_day: float,
        horizon_end: dt.date,
        seed: int,
        workers: int,
        keep: int = 40,
    ) -> None:
        stand_in = {"date": horizon_end + dt.timedelta(days=STAND_IN_DAYS), "caseworkers": 1}
        self.data = changed_scenario(data, {"caseworkers.staffing": [*before, stand_in]},
                                     "<plan warm-up>").to_dict()  # fmt: skip
        self.first_day = first_day
        self.seed = seed
        self.workers = max(1, workers)
        self.keep = max(self.workers, keep)
        self.cpu_seconds = 0.0  # the holders' warm-ups
        self.warmups = 0
        self._folder = tempfile.mkdtemp(prefix="caseload-plan-")
        self._listener = Listener(os.path.join(self._folder, "results"), "AF_UNIX")
        # The listener unlinks its socket in a finalizer of exit priority 0, also at exit
        # when `close` was cut short (SIGTERM, Ctrl-C); the folder goes after it (-1).
        self._remove_folder = Finalize(self, shutil.rmtree, args=(self._folder,),
                                       kwargs={"ignore_errors": True}, exitpriority=-1)  # fmt: skip
        self._context = fork_server()
        self._holders: OrderedDict[int, tuple[Any, Connection]] = OrderedDict()

    def run(self, jobs: Sequence[tuple[int, Job]]) -> Iterator[tuple[int, dict[str, Any]]]:
        """(replication, job) pairs -> (job id, figures) as the children finish, at most
        `workers` at once."""
        pending = list(jobs)
        running = 0
        while pending or running:
            while pending and running < self.workers:
                rep, job = pending.pop(0)
                self._holder(rep).send(job)
                running += 1
            with self._listener.accept() as conn:
                job_id, row = conn.recv()
            running -= 1
            yield job_id, row

    def _holder(self, rep: int) -> Connection:
        """The holder of replication `rep`, started (and warmed up) if it is not there."""
        if rep in self._holders:
            self._holders.move_to_end(rep)
            return self._holders[rep][1]
        while len(self._holders) >= self.keep:
            self._stop(next(iter(self._holders)))
        mine, theirs = self._context.Pipe()
        process = self._context.Process(
            target=hold,
            args=(self.data, rep, self.seed, self.first_day, self._listener.address, theirs),
            daemon=True,
        )
        process.start()
        theirs.close()
        status, value = mine.recv()  # the warm-up done
        if status != "ok":
            process.join()
            raise RuntimeError(f"the warm-up of replication {rep} failed: {value}")
        self.cpu_seconds += value
        self.warmups += 1
        self._holders[rep] = (process, mine)
        return mine

    def _stop(self, rep: int) -> None:
        process, conn = self._holders.pop(rep)
        with contextlib.suppress(OSError):
            conn.send(None)
        conn.close()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()

    def close(self) -> None:
        """Stop every holder and remove the results socket and its folder."""
        try:
            for rep in list(self._holders):
                self._stop(rep)
        finally:
            self._listener.close()
            self._remove_folder()


def hold(
    data: dict[str, Any],
    rep: int,
    seed: int,
    first_day: float,
    address: str,
    conn: Connection,
) -> None:
    """A holder process: simulate replication `rep` to `first_day`, then fork a child for
    each job that arrives on `conn` (None: stop). Module-level, so that it pickles."""
    exit_with_parent()
    try:
        cpu = time.process_time()
        scenario = changed_scenario(data, {}, "<plan warm-up>")
        model = Municipality(scenario, replication=rep, seed=seed)
        model.start()
        with no_cyclic_gc():
            model.env.run(until=first_day)
        if model.staff_wait is None or model.staff_next != len(model.staff_changes) - 1:
            raise RuntimeError("the staffing process is not waiting for the stand-in entry")
        conn.send(("ok", time.process_time() - cpu))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        if os.fork() == 0:
            code = 0
            try:
                result = branch(model, job)
            except Exception as exc:
                result = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
                code = 1
            try:
                with Client(address, "AF_UNIX") as out:
                    out.send((job[0], result))
            finally:
                os._exit(code)


def branch(model: Municipality, job: Job) -> dict[str, Any]:
    """In a child: carry the warmed-up `model` on with the job's staffing entries, stop at
    its end, and measure its periods (module docstring)."""
    job_id, entries, end, bounds = job
    model.restaff([StaffChange(date=d, caseworkers=n) for d, n in entries])
    model.end = end
    started = time.perf_counter()
    model.simulate()
    record = model._record(time.perf_counter() - started)
    stats = period_stats(record, np.asarray(bounds, dtype=float))
    out: dict[str, Any] = {name: values.tolist() for name, values in stats.items()}
    out.update(status="ok", run_id=job_id, events=record.events, cpu_seconds=time.process_time())
    return out
