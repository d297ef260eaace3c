"""The office: caseworkers, their queues, and how cases and tasks reach them.

Each caseworker is a SimPy process that takes the first task of its queue,
works on it in casework hours (see `simulator.calendar`), and takes the next.
With *fixed* assignment every case has one caseworker (the least loaded when the
case opens) and each caseworker has a queue of its own cases' tasks; with a
*pool* all caseworkers take from one shared queue.

Queue order is *priority* (statutory "skal" before optional "kan", then the
earliest deadline) or *fifo* (the order tasks were created). A task being
worked on is not interrupted.

Queues are heaps with lazy deletion: a task that lapses (its case closed) or
moves (its case went to another caseworker) is marked, and skipped when it
reaches the top. That keeps every operation O(log n).
"""

from __future__ import annotations

import heapq
from collections.abc import Generator
from typing import Any

import simpy

from simulator.calendar import WorkCalendar
from simulator.entities import Case, Task
from simulator.records import DROPPED, IN_PROGRESS, PENDING, AssignmentLog, TaskLog

Entry = tuple[Any, ...]
TAKEN = -2  # Task.holder once a caseworker has taken the task from its queue


class Caseworker:
    """One caseworker: their queue (fixed assignment), their cases, and whether they're idle."""

    __slots__ = ("active", "cases", "current", "id", "queue", "wake")

    def __init__(self, worker_id: int) -> None:
        self.id = worker_id
        self.queue: list[Entry] = []
        self.cases: dict[int, Case] = {}
        self.active = True
        self.wake: simpy.Event | None = None
        self.current: Task | None = None


class Office:
    """The caseworkers of the municipality and the rules for handing out work."""

    def __init__(
        self,
        env: simpy.Environment,
        calendar: WorkCalendar,
        *,
        fixed: bool,
        priority: bool,
        rebalance: bool,
        tasks: TaskLog,
        assignments: AssignmentLog,
    ) -> None:
        self.env = env
        self.calendar = calendar
        self.fixed = fixed
        self.priority = priority
        self.rebalance = rebalance
        self.log = tasks
        self.assignments = assignments
        self.workers: list[Caseworker] = []  # active caseworkers
        self.everyone: list[Caseworker] = []
        self.pool: list[Entry] = []
        self.idle: list[Caseworker] = []
        self.staff_changes: list[tuple[float, int]] = []

    # ------------------------------------------------------------------ staffing

    def set_staff(self, n: int) -> None:
        """Hire or let go caseworkers so that `n` are active; cases move with them."""
        while len(self.workers) < n:
            worker = Caseworker(len(self.everyone))
            self.everyone.append(worker)
            self.workers.append(worker)
            self.env.process(self._work(worker))
        leaving = self.workers[n:]
        del self.workers[n:]
        for worker in leaving:
            worker.active = False
            if worker.wake is not None:
                if worker in self.idle:
                    self.idle.remove(worker)
                self._wake(worker)
            for case in list(worker.cases.values()):
                self._move(case, self._least_loaded())
        if self.fixed and self.rebalance and self.workers:
            self._balance()
        self.staff_changes.append((self.env.now, n))

    def _least_loaded(self) -> Caseworker:
        """The active caseworker with the fewest cases (the first of them on a tie)."""
        if not self.workers:
            raise RuntimeError("there are no caseworkers to take the case")
        loads = [len(w.cases) for w in self.workers]
        return self.workers[loads.index(min(loads))]

    def _balance(self) -> None:
        """Move the newest cases from the most to the least loaded until within one."""
        while True:
            most = max(self.workers, key=lambda w: len(w.cases))
            least = min(self.workers, key=lambda w: len(w.cases))
            if len(most.cases) - len(least.cases) <= 1:
                return
            newest = next(reversed(most.cases.values()))
            self._move(newest, least)

    # ------------------------------------------------------------------ cases

    def assign(self, case: Case) -> None:
        """Give a newly opened case its caseworker (fixed) or leave it to the pool."""
        if self.fixed:
            worker = self._least_loaded()
            worker.cases[case.id] = case
            case.worker, case.assigned_at = worker.id, self.env.now

    def release(self, case: Case) -> None:
        """The case has closed: it leaves its caseworker's caseload."""
        if self.fixed:
            worker = self.everyone[case.worker]
            del worker.cases[case.id]
            self.assignments.add(case.id, worker.id, case.assigned_at, self.env.now)

    def _move(self, case: Case, to: Caseworker) -> None:
        old = self.everyone[case.worker]
        del old.cases[case.id]
        self.assignments.add(case.id, old.id, case.assigned_at, self.env.now)
        to.cases[case.id] = case
        case.worker, case.assigned_at = to.id, self.env.now
        # moves are rare (staff changes), so the case's queued tasks are found by a scan
        moving = [e[-1] for e in old.queue if e[-1].case is case and e[-1].holder == old.id]
        for task in moving:
            task.holder = to.id
            heapq.heappush(to.queue, self._entry(task))
        if moving and to.wake is not None:
            self._wake(to)

    # ------------------------------------------------------------------ tasks

    def _entry(self, task: Task) -> Entry:
        """The heap entry: statutory first, then earliest deadline; or creation order."""
        if self.priority:
            return (not task.type.statutory, task.due, task.id, task)
        return (task.id, task)

    def submit(self, task: Task) -> None:
        """Put a new task in the queue of whoever should do it."""
        # the entry is built here rather than by _entry(): this runs once per task
        if self.priority:
            entry: Entry = (not task.type.statutory, task.due, task.id, task)
        else:
            entry = (task.id, task)
        if self.fixed:
            worker = self.everyone[task.case.worker]
            task.holder = worker.id
            heapq.heappush(worker.queue, entry)
            if worker.wake is not None:
                self._wake(worker)
        else:
            heapq.heappush(self.pool, entry)
            if self.idle:
                self._wake(self.idle.pop())

    def _wake(self, worker: Caseworker) -> None:
        wake, worker.wake = worker.wake, None
        wake.succeed()  # type: ignore[union-attr]

    def _work(self, worker: Caseworker) -> Generator[simpy.Event, Any, None]:
        """A caseworker's day: take the first task in the queue, work it, repeat.

        The first task is taken when casework is possible. On the way, a task whose
        case has exited is recorded as lapsed, and entries that no longer count are
        skipped: the old entry of a task that moved to another caseworker, and the
        second entry of one whose case moved away and back (its holder is TAKEN).
        """
        env, record, fixed = self.env, self.log.add, self.fixed
        timeout, done = env.timeout, self.log.add_done
        window, finish_time = self.calendar.window, self.calendar.finish_time
        queue = worker.queue if fixed else self.pool
        me, pop = worker.id, heapq.heappop
        opens = closes = -1.0  # today's casework window, as far as this caseworker knows
        now = env.now
        while worker.active:
            if not queue:
                worker.wake = env.event()
                if not fixed:
                    self.idle.append(worker)
                yield worker.wake
                now = env.now
                continue
            if not opens <= now < closes:
                opens, closes = window(now)
                if opens > now:
                    yield timeout(opens - now)
                    now = env.now
                    continue
            task = pop(queue)[-1]
            if fixed:
                if task.holder != me:
                    continue  # moved to someone else, or a second entry already taken
                task.holder = TAKEN
            if not task.case.is_open and not task.type.closes:  # Task.lapsed, inlined
                record(task, DROPPED)
                continue
            task.started, task.worker, worker.current = now, me, task
            finish = now + task.hours / 24
            if finish > closes:  # the task runs on into the next working day(s)
                finish = finish_time(now, task.hours)
            yield timeout(finish - now)
            now += finish - now  # the time SimPy resumes us at, without asking it
            task.finished, worker.current = now, None
            done(task)
            if task.done is not None:
                task.done.succeed()

    def record_unfinished(self) -> None:
        """At the end of a run, record the tasks still queued or being worked on."""
        for queue, worker in [(self.pool, None), *((w.queue, w) for w in self.everyone)]:
            for entry in queue:
                task = entry[-1]
                if worker is None or task.holder == worker.id:  # each task once
                    self.log.add(task, DROPPED if task.lapsed else PENDING)
        for worker in self.everyone:
            if worker.current is not None:
                self.log.add(worker.current, IN_PROGRESS)
