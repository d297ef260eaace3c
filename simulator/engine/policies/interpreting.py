"""Interpreting: meetings with citizens who need an interpreter, and a limited pool of them.

A meeting with a citizen who needs an interpreter is held when its caseworker and an
interpreter of the pool are both free; until then it waits on the interpreters' list
(or goes by phone, as the settings say) and the caseworker goes on with other work. An
interpreted meeting takes longer, by phone longer still. With an unlimited pool (the
default) no meeting waits, but each still takes longer.

An interpreter is booked when the meeting starts, never before: a meeting the
caseworker takes from the list goes through the other policies first (triage may still
drop it or set it aside), and only a meeting that is held holds an interpreter.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

from simulator.engine.entities import Case, Task
from simulator.engine.policies.base import Policy
from simulator.engine.records import DROPPED, InterpretingLog
from simulator.scenario.schema import Interpreting

if TYPE_CHECKING:
    from simulator.engine.office import Account, Caseworker, Office

IN_PERSON: Final = 0  # how a meeting was interpreted (InterpretingLog.mode)
PHONE: Final = 1


def pool_size(spec: Interpreting) -> float:
    """How many interpreters can be booked at once (inf: unlimited)."""
    return math.inf if spec.interpreters is None else spec.interpreters


class Interpreters(Policy):
    """The interpreter pool: one meeting at a time each; meetings wait first come, first
    served for a moment when their caseworker and an interpreter are both free."""

    __slots__ = ("called", "free", "holding", "log", "spec", "waiting_list")

    def __init__(self, office: Office) -> None:
        super().__init__(office)
        self.spec: Interpreting | None = None
        self.free: float = 0.0  # interpreters not booked now (inf: an unlimited pool)
        self.holding: set[int] = set()  # ids of the meetings being interpreted
        self.waiting_list: list[tuple[Task, float]] = []  # (meeting, when it asked), oldest first
        # by caseworker id: the meeting just taken from the list and when it asked, until
        # the same turn of their loop books it (or another policy keeps it)
        self.called: dict[int, tuple[Task, float]] = {}
        self.log = InterpretingLog()

    @property
    def on(self) -> bool:
        return self.spec is not None

    def configure(self, spec: Interpreting | None) -> None:
        """Interpreting by `spec` from now (None: off). A larger pool frees interpreters at
        once and a smaller one books nobody new until enough meetings have ended; switched
        off, the meetings on the list go back to their queues."""
        if spec is None:
            waiting, self.waiting_list = self.waiting_list, []
            for task, _ in waiting:
                self.office.requeue(task)
            self.holding.clear()  # no pool: meetings in hand are no longer booked
            self.called.clear()
            self.spec = None
            return
        self.spec = spec
        self.free = pool_size(spec) - len(self.holding)
        office = self.office
        for worker in office.workers:  # caseworkers waiting idle whose meeting may go ahead now
            if worker.wake is not None and worker.present and self.has_work(worker):
                office.rouse(worker)

    def _mine(self, worker: Caseworker, task: Task) -> bool:
        return not self.office.fixed or task.case.worker == worker.id

    def has_work(self, worker: Caseworker) -> bool:
        """A meeting of theirs is on the list and an interpreter is free."""
        return self.free > 0 and any(self._mine(worker, t) for t, _ in self.waiting_list)

    def before_queue(self, worker: Caseworker) -> Task | None:
        """The longest-waiting meeting of this caseworker's, if an interpreter is free. It
        is booked in `admit`, in the same turn, if no policy before keeps it."""
        if self.called:  # one taken in an earlier turn that a policy kept: not booked
            self.called.pop(worker.id, None)
        if not self.waiting_list or self.free <= 0:
            return None
        for i, (task, asked) in enumerate(self.waiting_list):
            if self._mine(worker, task):
                del self.waiting_list[i]
                if not task.case.is_open and not task.type.closes:
                    self.office.end(task, DROPPED)
                    return None
                self.called[worker.id] = (task, asked)
                return task
        return None

    def admit(
        self, worker: Caseworker, owner: Account, task: Task, hours: float, now: float
    ) -> float | None:
        """An interpreted meeting takes longer; it waits if no interpreter is free."""
        if not (task.type.meeting and task.case.needs_interpreter):
            return hours
        asked = now
        if self.called:
            called = self.called.pop(worker.id, None)
            if called is not None and called[0] is task:  # taken from the list this turn
                asked = called[1]
        factor = self._book(task, asked, now)
        return None if factor is None else hours * factor

    def _book(self, task: Task, asked: float, now: float) -> float | None:
        """Book an interpreter for a meeting that asked for one at `asked`: the duration
        factor, or None if it must wait (on the list, from `asked`)."""
        spec = self.spec
        assert spec is not None
        if spec.phone == "always":
            self.log.add(task.id, asked, now, PHONE)
            return spec.phone_multiplier
        if self.free > 0:
            self.free -= 1
            self.holding.add(task.id)
            self.log.add(task.id, asked, now, IN_PERSON)
            return spec.in_person_multiplier
        if spec.phone == "when_busy":
            self.log.add(task.id, asked, now, PHONE)
            return spec.phone_multiplier
        self.waiting_list.append((task, asked))
        return None

    def finished(self, task: Task, now: float) -> None:
        """The meeting is over: its interpreter is free for the next one on the list."""
        if task.id in self.holding:
            self.holding.discard(task.id)
            self.free += 1
            self._call_waiting()

    def _call_waiting(self) -> None:
        """Wake a caseworker waiting with nothing to do whose meeting waits for an
        interpreter (the first meeting on the list that has one)."""
        office = self.office
        for waiting, _ in self.waiting_list:
            for worker in office.workers:
                if worker.wake is not None and worker.present and self._mine(worker, waiting):
                    office.rouse(worker)
                    return

    def take_back(self, case: Case) -> list[Task]:
        """The meetings of `case` on the list."""
        if not any(task.case is case for task, _ in self.waiting_list):
            return []
        out = [task for task, _ in self.waiting_list if task.case is case]
        self.waiting_list = [(t, asked) for t, asked in self.waiting_list if t.case is not case]
        return out

    def waiting(self) -> list[Task]:
        return [t for t, _ in self.waiting_list]

    def withdraw(self, task: Task) -> bool:
        for i, (waiting, _) in enumerate(self.waiting_list):
            if waiting is task:
                del self.waiting_list[i]
                return True
        return False
