"""Triage: under pressure, optional tasks are dropped or set aside.

When a caseworker comes to an optional ("kan") task while their pressure (weeks of work
waiting, or their stress index) is above the threshold, the task is dropped (recorded
as triaged) or set aside. Set-aside tasks are reviewed every working day: they return
to the queue when the pressure has eased, are dropped when set aside too long, and
lapse when their case has closed.

Dropping is also a standing order: an optional task that falls due while the caseworker
who would do it (in a pool: the office, per caseworker) is above the threshold is not
taken on at all, as an office that "no longer helps fill in the forms" tells the family
at once. Without it, in an office so pressed that optional tasks never reach the front
of a priority queue, triage would never act, and the optional work the office has given
up would still count in its caseworkers' weeks of work waiting (their stress) until it
lapsed. Setting aside stays a caseworker's decision about a task they come to.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.engine.entities import Case, Task
from simulator.engine.policies.base import Policy
from simulator.engine.records import DROPPED, TRIAGED
from simulator.scenario import schema

if TYPE_CHECKING:
    from simulator.engine.office import Account, Caseworker, Office


class Triage(Policy):
    """Drops or sets aside optional tasks under pressure (`schema.Triage`)."""

    __slots__ = ("spec",)

    def __init__(self, office: Office) -> None:
        super().__init__(office)
        self.spec: schema.Triage | None = None

    @property
    def on(self) -> bool:
        return self.spec is not None

    def configure(self, spec: schema.Triage | None) -> None:
        """Triage by `spec` from now (None: off, and every task set aside goes back to
        the queue); tasks set aside earlier are reviewed by the new settings."""
        self.spec = spec
        if spec is None:
            for worker in self.office.everyone:
                self._give_back(worker)

    def level(self, worker: Caseworker) -> float:
        """The pressure triage compares with its threshold."""
        spec = self.spec
        assert spec is not None
        return worker.stress if spec.measure == "stress" else self.office.pressure(worker)

    def arriving(self, task: Task) -> bool:
        """The standing order: a new optional task is dropped, never queued, while the
        pressure on whoever would do it is above the threshold (action "drop")."""
        spec = self.spec
        assert spec is not None
        if task.type.statutory or spec.action != "drop":
            return False
        office = self.office
        if office.fixed:
            level = self.level(office.everyone[task.case.worker])
        elif office.workers:
            level = sum([self.level(worker) for worker in office.workers]) / len(office.workers)
        else:
            return False
        if not level > spec.above:
            return False
        office.end(task, TRIAGED)
        return True

    def admit(
        self, worker: Caseworker, owner: Account, task: Task, hours: float, now: float
    ) -> float | None:
        """An optional task under pressure is dropped or set aside."""
        spec = self.spec
        assert spec is not None
        if task.type.statutory or not self.level(worker) > spec.above:
            return hours
        if spec.action == "drop":
            owner.take(task)
            self.office.end(task, TRIAGED)
        else:
            worker.deferred.append((now, task))
        return None

    def review(self, worker: Caseworker, now: float) -> None:
        """Daily: set-aside tasks return when the pressure has eased; tasks set aside too
        long are dropped; those whose case has closed lapse."""
        spec = self.spec
        if spec is None or not worker.deferred:
            return
        office = self.office
        level = self.level(worker)
        keep = []
        for since, task in worker.deferred:
            if not task.case.is_open:
                office.end(task, DROPPED)
            elif spec.drop_after_days is not None and now - since > spec.drop_after_days:
                office.account_of(task.case).take(task)
                office.end(task, TRIAGED)
            elif level <= spec.above:
                office.requeue(task)
            else:
                keep.append((since, task))
        worker.deferred = keep

    def leaving(self, worker: Caseworker) -> None:
        """The tasks a leaver set aside go to whoever holds their cases now."""
        self._give_back(worker)

    def take_back(self, case: Case) -> list[Task]:
        """The tasks of `case` set aside, by whichever caseworker set them aside."""
        out: list[Task] = []
        for worker in self.office.everyone:
            if any(task.case is case for _, task in worker.deferred):
                out += [task for _, task in worker.deferred if task.case is case]
                worker.deferred = [(at, t) for at, t in worker.deferred if t.case is not case]
        return out

    def _give_back(self, worker: Caseworker) -> None:
        deferred, worker.deferred = worker.deferred, []
        for _, task in deferred:
            self.office.requeue(task)

    def waiting(self) -> list[Task]:
        return [t for w in self.office.everyone for _, t in w.deferred]

    def withdraw(self, task: Task) -> bool:
        for worker in self.office.everyone:
            for i, (_, deferred) in enumerate(worker.deferred):
                if deferred is task:
                    del worker.deferred[i]
                    return True
        return False
