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

The office's policies, each off unless the scenario sets it, live in
`simulator.engine.policies` (which describes the hooks the caseworker loop calls):
*interpreting* (a limited interpreter pool), *triage* (optional tasks dropped or set
aside under pressure), *absence cover* (colleagues take an absent caseworker's queue)
and the *caseload cap* (new cases wait for a caseworker with room). `Office.configure`
changes them during a run.

Who is away, stress, resignations and hiring are decided in `simulator.engine.workforce`,
which tells the office through `set_present`, `hire` and `remove`.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from heapq import heappop, heappush
from typing import Any, Final

import simpy

from simulator.engine.calendar import WorkCalendar
from simulator.engine.entities import Case, Task
from simulator.engine.policies.base import Policy
from simulator.engine.policies.caseload_cap import CaseloadCap
from simulator.engine.policies.cover import Cover
from simulator.engine.policies.interpreting import Interpreters
from simulator.engine.policies.triage import Triage
from simulator.engine.records import (
    ABANDONED,
    DROPPED,
    IN_PROGRESS,
    PENDING,
    AssignmentLog,
    TaskLog,
)
from simulator.scenario.schema import Interpreting
from simulator.scenario.schema import Triage as TriageSettings

Entry = tuple[Any, ...]
NOBODY: Final = -1  # Case.worker without a caseworker (a pool, or waiting); Task.holder at first
TAKEN: Final = -2  # Task.holder once a caseworker has taken the task from its queue
NO_WINDOW: Final = -1.0  # a caseworker's casework window before they have looked one up


@dataclass(frozen=True)
class Policies:
    """The settings of the office's rules beyond assignment and queue order; all off by
    default. `Office.configure` takes a new set during a run."""

    interpreting: Interpreting | None = None
    triage: TriageSettings | None = None
    caseload_cap: int | None = None
    cover: bool = False
    week_hours: float = 1.0  # one caseworker's casework hours in a week: the unit of pressure


class Account:
    """Hours of work waiting for a caseworker (fixed assignment) or the pool: queued, set
    aside, or waiting for an interpreter. Each case keeps its share (`Case.queued`), which
    moves or leaves with the case. Both change only through these methods."""

    __slots__ = ("backlog",)

    def __init__(self) -> None:
        self.backlog = 0.0

    def add(self, task: Task) -> None:
        """`task` joins the work waiting."""
        self.backlog += task.hours
        task.case.queued += task.hours

    def take(self, task: Task) -> None:
        """`task` leaves the work waiting: it is started, or dropped by triage."""
        self.backlog -= task.hours
        task.case.queued -= task.hours

    def drop_case(self, case: Case) -> None:
        """The work waiting for `case` leaves: it exited, or it waits for assignment."""
        self.backlog -= case.queued
        case.queued = 0.0

    def hand_over(self, case: Case, to: Account) -> None:
        """The work waiting for `case` goes with it to another caseworker."""
        self.backlog -= case.queued
        to.backlog += case.queued


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
        self.workers: list[Caseworker] = []  # active caseworkers
        self.everyone: list[Caseworker] = []
        self.pool: list[Entry] = []
        self.shared = Account()  # the pool's waiting work
        self.idle: list[Caseworker] = []
        self.staff_changes: list[tuple[float, int]] = []
        self.n_present = 0
        self.departures: list[tuple[int, float]] = []  # (worker, when they left)
        self.triage = Triage(self)  # each off until configured
        self.interpreters = Interpreters(self)
        self.cover = Cover(self)
        self.cap = CaseloadCap(self)
        self.interpreting = self.interpreters.log  # records, collected by the model
        self.assignment_waits = self.cap.waits  # (opened, first assigned)
        self.rules: list[Policy] = []  # the policies on, in the order the loop asks them
        self.special = False  # whether any is on: the loop asks them at all
        self.policies = Policies()
        self.week_hours = 1.0
        self.configure(policies or Policies())

    def configure(self, policies: Policies) -> None:
        """The office's rules from now on; each policy settles what the change means for
        the work in hand (see `simulator.engine.policies`)."""
        self.policies = policies
        self.week_hours = policies.week_hours
        self.triage.configure(policies.triage)
        self.interpreters.configure(policies.interpreting)
        self.cover.configure(policies.cover)
        self.cap.configure(policies.caseload_cap)
        loop: list[Policy] = [self.triage, self.interpreters, self.cover]  # admit: triage first
        self.rules = [policy for policy in loop if policy.on]
        self.special = bool(self.rules)

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
        self.cap.assign_waiting()
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
        queued = _QueuedByCase()
        for case in list(worker.cases.values()):
            target = self.least_loaded() if self.workers else None
            if target is None or not self.cap.has_room(target):
                self._unassign(case, worker, queued)
            else:
                self._move(case, target, queued)
        for rule in self.rules:
            rule.leaving(worker)
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
        if worker.queue:
            self._unattended(worker)

    def least_loaded(self) -> Caseworker:
        """The active caseworker with the fewest cases (the first of them on a tie)."""
        if not self.workers:
            raise RuntimeError("there are no caseworkers to take the case")
        loads = [len(w.cases) for w in self.workers]
        return self.workers[loads.index(min(loads))]

    def _balance(self) -> None:
        """Move the newest cases from the most to the least loaded until within one."""
        queued = _QueuedByCase()
        while True:
            most = max(self.workers, key=lambda w: len(w.cases))
            least = min(self.workers, key=lambda w: len(w.cases))
            if len(most.cases) - len(least.cases) <= 1:
                return
            newest = next(reversed(most.cases.values()))
            self._move(newest, least, queued)

    # ------------------------------------------------------------------ cases

    def assign(self, case: Case, worker: Caseworker | None = None) -> None:
        """Give a newly opened case its caseworker (fixed) or leave it to the pool.

        Under a caseload cap the case waits, first come first served, while every
        caseworker holds the maximum; its tasks are held until it is assigned. A case
        open at the start may come with its caseworker (`worker`), whatever the cap.
        """
        if not self.fixed:
            return
        cap = self.cap
        if worker is None:
            worker = self.least_loaded() if self.workers else None
            if worker is None or cap.must_wait(worker):  # nobody to take it, or no room
                cap.join(case)
                return
        self.give(case, worker)
        if cap.on:
            cap.assigned(case)

    def give(self, case: Case, worker: Caseworker) -> None:
        """`case`, new or waiting, goes to `worker`."""
        worker.cases[case.id] = case
        case.worker, case.assigned_at = worker.id, self.env.now

    def _unassign(self, case: Case, old: Caseworker, entries: _QueuedByCase) -> None:
        """A leaving caseworker's case that no colleague has room for waits for assignment."""
        del old.cases[case.id]
        self.assignments.add(case.id, old.id, case.assigned_at, self.env.now)
        queued = _counted(entries.of(case, old), old.id)
        for task in queued:
            task.holder = TAKEN  # its entry in the old queue no longer counts
        for rule in self.rules:  # set aside, or waiting for an interpreter: they wait too
            queued += rule.take_back(case)
        old.drop_case(case)  # none of its work counts in a backlog until it is assigned
        case.worker = NOBODY
        self.cap.rejoin(case, queued)

    def lapse(self, case: Case) -> None:
        """The case has exited: the work still waiting for it no longer counts as backlog.

        Its queued tasks lapse where they are (they are recorded when a caseworker
        comes to them); the tasks of a case still waiting for assignment lapse now.
        """
        if not self.cap.lapse(case):
            self.account_of(case).drop_case(case)

    def release(self, case: Case) -> None:
        """The case has closed: it leaves its caseworker's caseload."""
        if self.fixed and case.worker != NOBODY:
            worker = self.everyone[case.worker]
            del worker.cases[case.id]
            self.assignments.add(case.id, worker.id, case.assigned_at, self.env.now)
            self.cap.assign_waiting()

    def _move(self, case: Case, to: Caseworker, entries: _QueuedByCase) -> None:
        """`case` and the tasks of it that count in its caseworker's queue go to `to`
        (`entries`: those of the staff change this move is part of)."""
        old = self.everyone[case.worker]
        del old.cases[case.id]
        self.assignments.add(case.id, old.id, case.assigned_at, self.env.now)
        to.cases[case.id] = case
        case.worker, case.assigned_at = to.id, self.env.now
        old.hand_over(case, to)
        moving = _counted(entries.of(case, old), old.id)
        for task in moving:
            task.holder = to.id
            heappush(to.queue, self._entry(task))
        if moving:
            entries.pushed(to)
        if moving and to.wake is not None:
            self._wake(to)

    def account_of(self, case: Case) -> Account:
        """Where the work waiting for `case` is counted."""
        return self.everyone[case.worker] if self.fixed else self.shared

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
        case = task.case
        if self.fixed and case.worker == NOBODY:  # waiting for assignment (cap, nobody employed)
            if case.is_open:
                self.cap.hold(task)
            else:  # the closure of a case no caseworker holds: there is nothing to close
                self.end(task, DROPPED)
            return
        if self.special and self._arriving(task):
            return  # taken by a policy (triage's standing order: not taken on)
        if self.fixed:
            worker = self.everyone[case.worker]
            worker.add(task)
            task.holder = worker.id
            heappush(worker.queue, entry)
            if worker.wake is not None:
                self._wake_for(worker)
        else:
            self.shared.add(task)
            heappush(self.pool, entry)
            if self.idle:
                self._wake(self.idle.pop())

    def requeue(self, task: Task) -> None:
        """Put a task that was set aside back in the queue of whoever holds its case now.

        It is still counted in the backlog it was counted in when it was set aside. A task
        of a case that waits for assignment waits with it; one whose case has exited
        lapses now.
        """
        if self.fixed:
            if task.case.worker == NOBODY:
                if task.case.is_open:
                    self.cap.hold(task)
                else:
                    self.end(task, DROPPED)
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

    def take_from(self, worker: Caseworker, task: Task) -> bool:
        """Whether `task`, popped from `worker`'s queue, still counted there (else it moved
        to someone else, or this is the second entry of one taken); it is taken now."""
        if task.holder != worker.id:
            return False
        task.holder = TAKEN
        return True

    def end(self, task: Task, state: int) -> None:
        """Record a task that ends without being worked, and tell whoever waits for it."""
        self.log.add(task, state, at=None if state == DROPPED else self.env.now)
        task.release()

    def abandon(self, task: Task) -> None:
        """Give up a task of an open case that no caseworker has started (the family
        stopped waiting for help): it ends as ABANDONED wherever it waits.

        A queued entry stays in its heap and is skipped when it comes up (its holder is
        TAKEN); a policy holding the task (set aside by triage, waiting for an
        interpreter, held while its case waits for a caseworker) lets it go
        (`Policy.withdraw`). Its hours leave the backlog they were counted in: none, for
        a case waiting for a caseworker.
        """
        case = task.case
        waiting_case = self.fixed and case.worker == NOBODY
        for policy in (self.triage, self.interpreters, self.cap):
            if policy.withdraw(task):
                break
        if not waiting_case:
            self.account_of(case).take(task)
        task.holder = TAKEN
        self.end(task, ABANDONED)

    def _wake(self, worker: Caseworker) -> None:
        wake, worker.wake = worker.wake, None
        wake.succeed()  # type: ignore[union-attr]

    def rouse(self, worker: Caseworker) -> None:
        """Wake a caseworker who waits for work (and is no longer idle in the pool)."""
        if worker in self.idle:
            self.idle.remove(worker)
        self._wake(worker)

    def _wake_for(self, worker: Caseworker) -> None:
        """New work in a waiting caseworker's queue: wake them, or if they are away, tell
        the policies (a colleague may cover)."""
        if worker.present:
            self._wake(worker)
        elif self.special:
            self._unattended(worker)

    # ------------------------------------------------------------------ the policies' hooks

    def _has_other_work(self, worker: Caseworker) -> bool:
        return any(rule.has_work(worker) for rule in self.rules)

    def _before_queue(self, worker: Caseworker) -> Task | None:
        for rule in self.rules:
            task = rule.before_queue(worker)
            if task is not None:
                return task
        return None

    def _beyond_queue(self, worker: Caseworker) -> Task | None:
        for rule in self.rules:
            task = rule.beyond_queue(worker)
            if task is not None:
                return task
        return None

    def _arriving(self, task: Task) -> bool:
        return any(rule.arriving(task) for rule in self.rules)

    def _admit(self, worker: Caseworker, owner: Account, task: Task, now: float) -> float | None:
        hours: float = task.hours
        for rule in self.rules:
            admitted = rule.admit(worker, owner, task, hours, now)
            if admitted is None:
                return None
            hours = admitted
        return hours

    def _finished(self, task: Task, now: float) -> None:
        for rule in self.rules:
            rule.finished(task, now)

    def _unattended(self, worker: Caseworker) -> None:
        for rule in self.rules:
            rule.unattended(worker)

    # ------------------------------------------------------------------ the caseworker

    def _work(self, worker: Caseworker) -> Generator[simpy.Event, Any, None]:
        """A caseworker's day: take the first task in the queue, work it, repeat.

        The first task is taken when casework is possible. On the way, a task whose
        case has exited is recorded as lapsed, and entries that no longer count are
        skipped: the old entry of a task that moved to another caseworker, and the
        second entry of one whose case moved away and back (its holder is TAKEN).
        The policies that are on are asked on the way (`simulator.engine.policies`).
        """
        # Written for the compiled build (setup.py): typed locals are native doubles there,
        # and methods of the compiled classes are called directly, not through locals.
        # `self.special` is read where it is asked, not kept in a local: policies switched
        # on during a run (Office.configure) reach the caseworkers already at work.
        env, fixed, calendar = self.env, self.fixed, self.calendar
        timeout, done = env.timeout, self.log.add_done
        queue = worker.queue if fixed else self.pool
        account = worker if fixed else self.shared
        me: int = worker.id
        pop = heappop  # a local: a module-level name is a dictionary look-up, compiled too
        opens: float = NO_WINDOW  # today's casework window, as far as this caseworker knows
        closes: float = NO_WINDOW
        now: float = env.now
        while worker.active:
            if not worker.present or not (queue or (self.special and self._has_other_work(worker))):
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
            first = self._before_queue(worker) if self.special else None
            if first is not None:
                task = first
            elif queue:
                task = pop(queue)[-1]
                if fixed:
                    if not self.take_from(worker, task):
                        continue  # moved, a second entry already taken, or abandoned
                elif task.holder == TAKEN:
                    continue  # abandoned while it waited in the pool
            else:
                beyond = self._beyond_queue(worker) if self.special else None
                if beyond is None:
                    continue
                task = beyond
                owner = self.account_of(task.case)  # the absent colleague's
            case = task.case
            if not case.is_open and not task.type.closes:  # Task.lapsed, inlined
                self.end(task, DROPPED)
                continue
            hours: float = task.hours
            if self.special:
                admitted = self._admit(worker, owner, task, now)
                if admitted is None:
                    continue  # dropped, set aside, or waiting for an interpreter
                hours = admitted
            owner.take(task)
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
            if self.special:
                self._finished(task, now)

    # ------------------------------------------------------------------ pressure, the end

    def pressure(self, worker: Caseworker) -> float:
        """Weeks of work waiting for this caseworker (in a pool: their share of it)."""
        if self.fixed:
            return worker.backlog / self.week_hours
        return self.shared.backlog / max(self.n_present, 1) / self.week_hours

    def unfinished(self) -> list[tuple[Task, int]]:
        """The tasks waiting or being worked on now, each once, with the state they are
        recorded in if the run ends now (PENDING, DROPPED: lapsed, IN_PROGRESS)."""
        # abandoned tasks (holder TAKEN) are recorded already
        queued = [e[-1] for e in self.pool if e[-1].holder != TAKEN]
        for worker in self.everyone:
            queued += _counted(worker.queue, worker.id)
        out: list[tuple[Task, int]] = [(t, DROPPED if t.lapsed else PENDING) for t in queued]
        held: list[Policy] = [self.triage, self.interpreters, self.cap]
        for task in [task for policy in held for task in policy.waiting()]:
            out.append((task, DROPPED if task.lapsed else PENDING))
        out += [(w.current, IN_PROGRESS) for w in self.everyone if w.current is not None]
        return out

    def record_unfinished(self) -> None:
        """At the end of a run, record the tasks still waiting or being worked on."""
        unfinished = self.unfinished()
        self.cap.finish()
        for task, state in unfinished:
            self.log.add(task, state)


class _QueuedByCase:
    """The entries of caseworkers' queues by case, for the moves of one staff change: a
    queue holds hundreds of tasks and a case a few, and a rebalance moves dozens of cases
    out of the same queues, so each queue is looked through once, when a case first moves
    out of it, not once per case. A queue pushed to meanwhile is looked through again."""

    def __init__(self) -> None:
        self.queues: dict[int, dict[int, list[Entry]]] = {}  # caseworker -> case -> entries

    def of(self, case: Case, worker: Caseworker) -> list[Entry]:
        """The entries of `worker`'s queue that hold a task of `case`, in the queue's order
        (whether they count is `_counted`'s to say)."""
        by_case = self.queues.get(worker.id)
        if by_case is None:
            by_case = {}
            for entry in worker.queue:
                by_case.setdefault(entry[-1].case.id, []).append(entry)
            self.queues[worker.id] = by_case
        return [entry for entry in by_case.get(case.id, []) if entry[-1].case is case]

    def pushed(self, worker: Caseworker) -> None:
        """Tasks joined `worker`'s queue: look through it again when a case leaves it."""
        self.queues.pop(worker.id, None)


def _counted(queue: list[Entry], holder: int) -> list[Task]:
    """The tasks that count in the queue of caseworker `holder`, each once, in the queue's
    order: an entry counts while its task's holder is that caseworker, and a task whose
    case moved away and back has two such entries (the old one counts again)."""
    seen: set[int] = set()
    out: list[Task] = []
    for entry in queue:
        task = entry[-1]
        if task.holder == holder and task.id not in seen:
            seen.add(task.id)
            out.append(task)
    return out
