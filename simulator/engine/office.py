"""The office: caseworkers, their queues, and how cases and tasks reach them.

Each caseworker is a SimPy process that takes the first task of its queue,
works on it in casework hours (see `simulator.engine.calendar`), and takes the next.
With *fixed* assignment every case has one caseworker (the least loaded when the
case opens) and each caseworker has a queue of its own cases' tasks; with a
*pool* all caseworkers take from one shared queue.

Queue order is *priority* (statutory "skal" before optional "kan", then the
earliest deadline) or *fifo* (the order tasks were created). A task being
worked on is not interrupted.

Queues are heaps with lazy deletion: a task that lapses (its case closed) or
moves (its case went to another caseworker) is marked, and skipped when it
reaches the top. That keeps every operation O(log n).

The office's policies, each off unless the scenario sets it:

- *interpreting*: a meeting with a citizen who needs an interpreter is held when a
  caseworker and an interpreter of a limited pool are both free; until then it waits
  (or goes by phone) and the caseworker goes on with other work;
- *absence cover*: while a caseworker is away, colleagues with nothing of their
  own to do take the tasks in the absent colleague's queue;
- *triage*: under pressure, optional tasks are dropped or set aside;
- *caseload cap*: a new case waits for assignment while every caseworker holds
  the maximum.

Who is away, stress, resignations and hiring are decided in `simulator.engine.workforce`,
which tells the office through `set_present`, `hire` and `remove`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from heapq import heappop, heappush
from typing import Any, Final

import simpy

from simulator.engine.calendar import WorkCalendar
from simulator.engine.entities import Case, Task
from simulator.engine.records import (
    ABANDONED,
    DROPPED,
    IN_PROGRESS,
    PENDING,
    TRIAGED,
    AssignmentLog,
    InterpretingLog,
    TaskLog,
)
from simulator.scenario.schema import Interpreting, Triage

Entry = tuple[Any, ...]
TAKEN: Final = -2  # Task.holder once a caseworker has taken the task from its queue
IN_PERSON: Final = 0
PHONE: Final = 1


@dataclass(frozen=True)
class Policies:
    """The office's rules beyond assignment and queue order; all off by default."""

    interpreting: Interpreting | None = None
    triage: Triage | None = None
    caseload_cap: int | None = None
    cover: bool = False
    week_hours: float = 1.0  # one caseworker's casework hours in a week: the unit of pressure

    @property
    def special(self) -> bool:
        """Whether any rule needs a look at each task, or at work beyond the own queue."""
        return self.interpreting is not None or self.triage is not None or self.cover


class Account:
    """Hours of work waiting (queued, set aside, or waiting for an interpreter)."""

    __slots__ = ("backlog",)

    def __init__(self) -> None:
        self.backlog = 0.0


class Caseworker(Account):
    """One caseworker: their queue (fixed assignment), their cases, and their state."""

    __slots__ = (
        "active",
        "cases",
        "current",
        "deferred",
        "id",
        "overtime",
        "present",
        "productivity",
        "queue",
        "stress",
        "wake",
    )

    def __init__(self, worker_id: int) -> None:
        super().__init__()
        self.id = worker_id
        self.queue: list[Entry] = []
        self.cases: dict[int, Case] = {}
        self.active = True
        self.present = True
        self.productivity = 1.0  # below 1 while a new hire learns the job
        self.overtime = 0.0  # extra casework hours today
        self.stress = 0.0  # the rolling stress index (simulator.engine.workforce)
        self.deferred: list[tuple[float, Task]] = []  # optional tasks set aside by triage
        self.wake: simpy.Event | None = None
        self.current: Task | None = None


class Interpreters:
    """The interpreter pool: one meeting at a time each; meetings wait first come, first
    served for a moment when their caseworker and an interpreter are both free."""

    def __init__(self, spec: Interpreting) -> None:
        self.spec = spec
        self.free: float = math.inf if spec.interpreters is None else spec.interpreters
        self.holding: set[int] = set()  # ids of the meetings being interpreted
        self.waiting: list[tuple[Task, float]] = []  # (meeting, when it asked), oldest first


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
        policies: Policies | None = None,
    ) -> None:
        self.env = env
        self.calendar = calendar
        self.fixed = fixed
        self.priority = priority
        self.rebalance = rebalance
        self.log = tasks
        self.assignments = assignments
        self.policies = policies or Policies()
        self.workers: list[Caseworker] = []  # active caseworkers
        self.everyone: list[Caseworker] = []
        self.pool: list[Entry] = []
        self.shared = Account()  # the pool's waiting work
        self.idle: list[Caseworker] = []
        self.staff_changes: list[tuple[float, int]] = []
        self.n_present = 0
        self.departures: list[tuple[int, float]] = []  # (worker, when they left)
        it = self.policies.interpreting
        self.interpreters = Interpreters(it) if it is not None else None
        self.interpreting = InterpretingLog()
        self.cap = self.policies.caseload_cap
        self.unassigned: deque[Case] = deque()  # cases waiting for a caseworker under the cap
        self.held: dict[int, list[Task]] = {}  # their tasks, by case id
        self.assignment_waits: list[tuple[float, float]] = []  # (opened, first assigned)

    # ------------------------------------------------------------------ staffing

    def set_staff(self, n: int) -> None:
        """Hire or let go caseworkers so that `n` are active; cases move with them."""
        while len(self.workers) < n:
            self.hire()
        for worker in self.workers[n:]:
            self.remove(worker, rebalance=False)
        self.balance()

    def balance(self) -> None:
        """After staff changes, share the cases out again (if the scenario says so)."""
        if self.fixed and self.rebalance and self.workers:
            self._balance()

    def hire(self, productivity: float = 1.0) -> Caseworker:
        """A new caseworker starts (at `productivity` while learning the job)."""
        worker = Caseworker(len(self.everyone))
        worker.productivity = productivity
        self.everyone.append(worker)
        self.workers.append(worker)
        self.n_present += 1
        self.env.process(self._work(worker))
        self.staff_changes.append((self.env.now, len(self.workers)))
        self._assign_waiting()
        return worker

    def remove(self, worker: Caseworker, rebalance: bool = True) -> None:
        """A caseworker leaves: their cases and set-aside tasks go to colleagues."""
        self.workers.remove(worker)
        worker.active = False
        self.n_present -= worker.present
        self.departures.append((worker.id, self.env.now))  # the task in hand is finished
        if worker in self.idle:
            self.idle.remove(worker)
        if worker.wake is not None:
            self._wake(worker)
        for case in list(worker.cases.values()):
            target = self._least_loaded() if self.workers else None
            if target is None or (self.cap is not None and len(target.cases) >= self.cap):
                self._unassign(case, worker)
            else:
                self._move(case, target)
        deferred, worker.deferred = worker.deferred, []
        for _, task in deferred:
            self._requeue(task)
        self.staff_changes.append((self.env.now, len(self.workers)))
        if rebalance:
            self.balance()

    def set_present(self, worker: Caseworker, present: bool) -> None:
        """A caseworker goes away (vacation, sick leave) or comes back."""
        if worker.present == present:
            return
        worker.present = present
        self.n_present += 1 if present else -1
        if present:
            if worker.wake is not None:
                self._wake(worker)
            return
        if worker in self.idle:
            self.idle.remove(worker)
        if self.policies.cover and worker.queue:
            self._wake_cover()

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
        """Give a newly opened case its caseworker (fixed) or leave it to the pool.

        Under a caseload cap the case waits, first come first served, while every
        caseworker holds the maximum; its tasks are held until it is assigned.
        """
        if not self.fixed:
            return
        worker = self._least_loaded() if self.workers else None
        full = self.cap is not None and worker is not None and len(worker.cases) >= self.cap
        if worker is None or self.unassigned or full:  # nobody to take it, or nobody with room
            self.unassigned.append(case)
            self.held[case.id] = []
            return
        self._give(case, worker)
        if self.cap is not None:
            self.assignment_waits.append((case.opened, self.env.now))

    def _give(self, case: Case, worker: Caseworker) -> None:
        worker.cases[case.id] = case
        case.worker, case.assigned_at = worker.id, self.env.now

    def _assign_waiting(self) -> None:
        """Cases waiting under the cap go to caseworkers with room, oldest first."""
        while self.unassigned and self.workers:
            worker = self._least_loaded()
            if self.cap is not None and len(worker.cases) >= self.cap:
                return
            case = self.unassigned.popleft()
            self._give(case, worker)
            self.assignment_waits.append((case.opened, self.env.now))
            for task in self.held.pop(case.id):
                self.submit(task)

    def _unassign(self, case: Case, old: Caseworker) -> None:
        """A leaving caseworker's case that no colleague has room for waits for assignment."""
        del old.cases[case.id]
        self.assignments.add(case.id, old.id, case.assigned_at, self.env.now)
        queued = [e[-1] for e in old.queue if e[-1].case is case and e[-1].holder == old.id]
        for task in queued:
            task.holder = TAKEN  # its entry in the old queue no longer counts
        old.backlog -= case.queued
        case.queued = 0.0
        case.worker = -1
        self.unassigned.appendleft(case)  # it was assigned before any case now waiting
        self.held[case.id] = queued

    def lapse(self, case: Case) -> None:
        """The case has exited: the work still waiting for it no longer counts as backlog.

        Its queued tasks lapse where they are (they are recorded when a caseworker
        comes to them); the tasks of a case still waiting for assignment lapse now.
        """
        if case.id in self.held:
            self.unassigned.remove(case)
            for task in self.held.pop(case.id):
                self._end(task, DROPPED)
            self.assignment_waits.append((case.opened, math.nan))
            return
        account = self.everyone[case.worker] if self.fixed else self.shared
        account.backlog -= case.queued
        case.queued = 0.0

    def release(self, case: Case) -> None:
        """The case has closed: it leaves its caseworker's caseload."""
        if self.fixed and case.worker >= 0:
            worker = self.everyone[case.worker]
            del worker.cases[case.id]
            self.assignments.add(case.id, worker.id, case.assigned_at, self.env.now)
            if self.unassigned:
                self._assign_waiting()

    def _move(self, case: Case, to: Caseworker) -> None:
        old = self.everyone[case.worker]
        del old.cases[case.id]
        self.assignments.add(case.id, old.id, case.assigned_at, self.env.now)
        to.cases[case.id] = case
        case.worker, case.assigned_at = to.id, self.env.now
        old.backlog -= case.queued
        to.backlog += case.queued
        # moves are rare (staff changes), so the case's queued tasks are found by a scan
        moving = [e[-1] for e in old.queue if e[-1].case is case and e[-1].holder == old.id]
        for task in moving:
            task.holder = to.id
            heappush(to.queue, self._entry(task))
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
        case, hours = task.case, task.hours
        if self.fixed:
            if case.worker < 0:  # waiting for assignment under the caseload cap
                self._hold(task)
                return
            worker = self.everyone[case.worker]
            worker.backlog += hours
            case.queued += hours
            task.holder = worker.id
            heappush(worker.queue, entry)
            if worker.wake is not None:
                self._wake_for(worker)
        else:
            self.shared.backlog += hours
            case.queued += hours
            heappush(self.pool, entry)
            if self.idle:
                self._wake(self.idle.pop())

    def _hold(self, task: Task) -> None:
        if task.case.is_open:
            self.held[task.case.id].append(task)
        else:  # the closure of a case no caseworker ever held: there is nothing to close
            self._end(task, DROPPED)

    def _requeue(self, task: Task) -> None:
        """Put a task that was set aside back in the queue of whoever holds its case now.

        It is still counted in the backlog it was counted in when it was set aside.
        """
        if self.fixed:
            if task.case.worker < 0:
                self.held[task.case.id].append(task)
                return
            worker = self.everyone[task.case.worker]
            task.holder = worker.id
            heappush(worker.queue, self._entry(task))
            if worker.wake is not None:
                self._wake_for(worker)
        else:
            heappush(self.pool, self._entry(task))
            if self.idle:
                self._wake(self.idle.pop())

    def _end(self, task: Task, state: int) -> None:
        """Record a task that ends without being worked, and tell whoever waits for it."""
        self.log.add(task, state, at=None if state == DROPPED else self.env.now)
        task.release()

    def abandon(self, task: Task) -> None:
        """Give up a task of an open case that no caseworker has started (the family
        stopped waiting for help): it ends as ABANDONED wherever it waits, and its hours
        leave the backlog they were counted in.

        A queued entry stays in its heap and is skipped when it comes up (its holder is
        TAKEN); a task set aside by triage, waiting for an interpreter, or held while its
        case waits for a caseworker is taken off that list.
        """
        case = task.case
        held = self.held.get(case.id) if self.fixed else None
        if held is not None and task in held:
            held.remove(task)  # held tasks are not in any backlog
        else:
            self._account_of(task).backlog -= task.hours
            case.queued -= task.hours
            for worker in self.everyone:
                if worker.deferred:
                    worker.deferred = [(at, t) for at, t in worker.deferred if t is not task]
            pool = self.interpreters
            if pool is not None and pool.waiting:
                pool.waiting = [(t, asked) for t, asked in pool.waiting if t is not task]
        task.holder = TAKEN
        self._end(task, ABANDONED)

    def _wake(self, worker: Caseworker) -> None:
        wake, worker.wake = worker.wake, None
        wake.succeed()  # type: ignore[union-attr]

    def _wake_for(self, worker: Caseworker) -> None:
        """New work in a waiting caseworker's queue: wake them, or if they are away,
        a colleague who covers."""
        if worker.present:
            self._wake(worker)
        elif self.policies.cover:
            self._wake_cover()

    def _wake_cover(self) -> None:
        """Wake a present colleague with nothing to do, to cover an absent one's queue."""
        for worker in self.workers:
            if worker.present and worker.wake is not None and not worker.queue:
                if worker in self.idle:
                    self.idle.remove(worker)
                self._wake(worker)
                return

    def _other_work(self, worker: Caseworker) -> bool:
        """Work beside the own queue: an absent colleague's queue to cover, or a meeting
        of theirs whose interpreter is free now."""
        if self.policies.cover and any(not w.present and w.queue for w in self.workers):
            return True
        pool = self.interpreters
        return bool(pool and pool.free > 0 and any(self._mine(worker, t) for t, _ in pool.waiting))

    def _mine(self, worker: Caseworker, task: Task) -> bool:
        return not self.fixed or task.case.worker == worker.id

    def _interpreted_meeting(self, worker: Caseworker) -> Task | None:
        """The longest-waiting meeting of this caseworker's, if an interpreter is free."""
        pool = self.interpreters
        if pool is None or not pool.waiting or pool.free <= 0:
            return None
        for i, (task, asked) in enumerate(pool.waiting):
            if self._mine(worker, task):
                del pool.waiting[i]
                if not task.case.is_open and not task.type.closes:
                    self._end(task, DROPPED)
                    return None
                pool.free -= 1
                pool.holding.add(task.id)
                self.interpreting.add(task.id, asked, self.env.now, IN_PERSON)
                return task
        return None

    def _take_cover(self) -> tuple[Task, Account] | None:
        """The most urgent live task in the queues of absent colleagues, taken."""
        while True:
            absent = [w for w in self.workers if not w.present and w.queue]
            if not absent:
                return None
            owner = min(absent, key=lambda w: w.queue[0])
            task = heappop(owner.queue)[-1]
            if task.holder == owner.id:
                task.holder = TAKEN
                return task, owner

    def _work(self, worker: Caseworker) -> Generator[simpy.Event, Any, None]:
        """A caseworker's day: take the first task in the queue, work it, repeat.

        The first task is taken when casework is possible. On the way, a task whose
        case has exited is recorded as lapsed, and entries that no longer count are
        skipped: the old entry of a task that moved to another caseworker, and the
        second entry of one whose case moved away and back (its holder is TAKEN).
        """
        # Written for the compiled build (setup.py): typed locals are native doubles there,
        # and methods of the compiled classes are called directly, not through locals.
        env, fixed, calendar = self.env, self.fixed, self.calendar
        timeout, done = env.timeout, self.log.add_done
        queue = worker.queue if fixed else self.pool
        account = worker if fixed else self.shared
        me: int = worker.id
        pop = heappop  # a local: a module-level name is a dictionary look-up, compiled too
        special = self.policies.special
        opens: float = -1.0  # today's casework window, as far as this caseworker knows
        closes: float = -1.0
        now: float = env.now
        while worker.active:
            if not worker.present or not (queue or (special and self._other_work(worker))):
                worker.wake = env.event()
                if not fixed and worker.present:
                    self.idle.append(worker)
                yield worker.wake
                now = env.now
                continue
            if not opens <= now < closes:
                opens, closes = calendar.window(now)
                closes += worker.overtime / 24
                if opens > now:
                    yield timeout(opens - now)
                    now = env.now
                    continue
            owner = account
            meeting = self._interpreted_meeting(worker) if special else None
            if meeting is not None:
                task = meeting
            elif queue:
                task = pop(queue)[-1]
                if fixed:
                    if task.holder != me:
                        continue  # moved, a second entry already taken, or abandoned
                    task.holder = TAKEN
                elif task.holder == TAKEN:
                    continue  # abandoned while it waited in the pool
            else:
                taken = self._take_cover() if self.policies.cover else None
                if taken is None:
                    continue
                task, owner = taken
            case = task.case
            if not case.is_open and not task.type.closes:  # Task.lapsed, inlined
                self._end(task, DROPPED)
                continue
            hours: float = task.hours
            if special:
                prepared = self._prepare(worker, owner, task, now)
                if prepared is None:
                    continue  # dropped or set aside
                hours = prepared
            owner.backlog -= task.hours
            case.queued -= task.hours
            if worker.productivity != 1.0:
                hours /= worker.productivity
            task.started, task.worker, worker.current = now, me, task
            if task.type.on_start is not None:
                task.type.on_start(task)  # employment work begins the person's effort
            finish: float = now + hours / 24
            if finish > closes:  # the task runs on into the next working day(s)
                finish = calendar.finish_time(now, hours, worker.overtime)
            yield timeout(finish - now)
            now += finish - now  # the time SimPy resumes us at, without asking it
            task.finished, worker.current = now, None
            done(task)
            if task.done is not None:
                task.done.succeed()
            if special and self.interpreters is not None and task.id in self.interpreters.holding:
                self._release_interpreter(task, now)

    # ------------------------------------------------------------------ policies

    def pressure(self, worker: Caseworker) -> float:
        """Weeks of work waiting for this caseworker (in a pool: their share of it)."""
        if self.fixed:
            return worker.backlog / self.policies.week_hours
        return self.shared.backlog / max(self.n_present, 1) / self.policies.week_hours

    def _prepare(self, worker: Caseworker, owner: Account, task: Task, now: float) -> float | None:
        """The hours `task` takes now, or None if it is dropped or set aside."""
        triage = self.policies.triage
        if triage is not None and not task.type.statutory:
            level = worker.stress if triage.measure == "stress" else self.pressure(worker)
            if level > triage.above:
                if triage.action == "drop":
                    owner.backlog -= task.hours
                    task.case.queued -= task.hours
                    self._end(task, TRIAGED)
                else:
                    worker.deferred.append((now, task))
                return None
        hours = task.hours
        if self.interpreters is not None and task.type.meeting and task.case.needs_interpreter:
            factor = self._interpreter(task, now)
            if factor is None:
                return None
            hours *= factor
        return hours

    def _interpreter(self, task: Task, now: float) -> float | None:
        """Book an interpreter for a meeting: the duration factor, or None if it must wait."""
        pool = self.interpreters
        assert pool is not None
        spec = pool.spec
        if task.id in pool.holding:  # an interpreter was free when it was taken from the list
            return spec.in_person_multiplier
        if spec.phone == "always":
            self.interpreting.add(task.id, now, now, PHONE)
            return spec.phone_multiplier
        if pool.free > 0:
            pool.free -= 1
            pool.holding.add(task.id)
            self.interpreting.add(task.id, now, now, IN_PERSON)
            return spec.in_person_multiplier
        if spec.phone == "when_busy":
            self.interpreting.add(task.id, now, now, PHONE)
            return spec.phone_multiplier
        pool.waiting.append((task, now))
        return None

    def _release_interpreter(self, task: Task, now: float) -> None:
        """The meeting is over: the interpreter is free, and a caseworker waiting with
        nothing to do whose meeting waits for one is woken."""
        pool = self.interpreters
        assert pool is not None
        pool.holding.discard(task.id)
        pool.free += 1
        for waiting, _ in pool.waiting:
            for worker in self.workers:
                if worker.wake is not None and worker.present and self._mine(worker, waiting):
                    if worker in self.idle:
                        self.idle.remove(worker)
                    self._wake(worker)
                    return

    def review_deferred(self, worker: Caseworker, now: float) -> None:
        """Triage, daily: set-aside tasks return when the pressure has eased; tasks set
        aside too long are dropped; those whose case has closed lapse."""
        triage = self.policies.triage
        if triage is None or not worker.deferred:
            return
        level = worker.stress if triage.measure == "stress" else self.pressure(worker)
        keep = []
        for since, task in worker.deferred:
            if not task.case.is_open:
                self._end(task, DROPPED)
            elif triage.drop_after_days is not None and now - since > triage.drop_after_days:
                self._account_of(task).backlog -= task.hours
                task.case.queued -= task.hours
                self._end(task, TRIAGED)
            elif level <= triage.above:
                self._requeue(task)
            else:
                keep.append((since, task))
        worker.deferred = keep

    def _account_of(self, task: Task) -> Account:
        if not self.fixed:
            return self.shared
        return self.everyone[task.case.worker]

    def record_unfinished(self) -> None:
        """At the end of a run, record the tasks still waiting or being worked on."""
        for queue, worker in [(self.pool, None), *((w.queue, w) for w in self.everyone)]:
            for entry in queue:
                task = entry[-1]
                mine = task.holder != TAKEN if worker is None else task.holder == worker.id
                if mine:  # each task once; abandoned tasks are recorded already
                    self.log.add(task, DROPPED if task.lapsed else PENDING)
        waiting = [t for w in self.everyone for _, t in w.deferred]
        waiting += [t for t, _ in self.interpreters.waiting] if self.interpreters else []
        waiting += [t for held in self.held.values() for t in held]
        self.assignment_waits.extend((case.opened, math.nan) for case in self.unassigned)
        for task in waiting:
            self.log.add(task, DROPPED if task.lapsed else PENDING)
        for worker in self.everyone:
            if worker.current is not None:
                self.log.add(worker.current, IN_PROGRESS)
