"""The caseload cap: new cases wait for a caseworker with room.

With fixed assignment, no caseworker takes a case beyond the cap. A new case that finds
every caseworker at the cap (or nobody employed) waits for assignment, first come first
served, and its tasks wait with it; a leaver's case that no colleague has room for waits
too, at the front. Waiting cases are assigned as soon as a caseworker has room: a case
closes, a caseworker starts, or the cap is raised.

This policy acts on the assignment of cases, not on the caseworker loop: the office asks
`has_room` and hands waiting cases here. The line also holds cases while nobody is
employed, cap or not.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Final

from simulator.engine.entities import Case, Task
from simulator.engine.policies.base import Policy
from simulator.engine.records import DROPPED

if TYPE_CHECKING:
    from simulator.engine.office import Caseworker, Office

NEVER: Final = math.nan  # the assignment time of a case that exited, or the run ended, first


class CaseloadCap(Policy):
    """At most `limit` cases per caseworker (None: no cap); the line of cases waiting."""

    __slots__ = ("held", "limit", "line", "waits")

    def __init__(self, office: Office) -> None:
        super().__init__(office)
        self.limit: int | None = None
        self.line: deque[Case] = deque()  # cases waiting for a caseworker, first in line first
        self.held: dict[int, list[Task]] = {}  # their tasks, by case id
        self.waits: list[tuple[float, float]] = []  # (opened, first assigned) of each case

    @property
    def on(self) -> bool:
        return self.limit is not None

    def configure(self, limit: int | None) -> None:
        """A cap of `limit` from now (None: none). Nobody gives up cases under a lower cap;
        under a higher one (or none) the cases waiting go to caseworkers with room."""
        changed, self.limit = limit != self.limit, limit
        if changed:
            self.assign_waiting()

    def has_room(self, worker: Caseworker) -> bool:
        """Whether `worker` may take one more case."""
        return self.limit is None or len(worker.cases) < self.limit

    def must_wait(self, least_loaded: Caseworker) -> bool:
        """Whether a new case waits: cases wait before it, or nobody has room."""
        return bool(self.line) or not self.has_room(least_loaded)

    def join(self, case: Case) -> None:
        """A new case waits at the back of the line."""
        self.line.append(case)
        self.held[case.id] = []

    def rejoin(self, case: Case, tasks: list[Task]) -> None:
        """A leaver's case, with its queued `tasks`, waits at the front of the line: it
        was assigned before any case waiting now."""
        self.line.appendleft(case)
        self.held[case.id] = tasks

    def hold(self, task: Task) -> None:
        """A task of a waiting case waits with it."""
        self.held[task.case.id].append(task)

    def assigned(self, case: Case) -> None:
        """`case` got its first caseworker now (recorded under a cap, or after a wait)."""
        self.waits.append((case.opened, self.office.env.now))

    def assign_waiting(self) -> None:
        """Waiting cases go to caseworkers with room, oldest first; their tasks follow."""
        office = self.office
        while self.line and office.workers:
            worker = office.least_loaded()
            if not self.has_room(worker):
                return
            case = self.line.popleft()
            office.give(case, worker)
            self.assigned(case)
            for task in self.held.pop(case.id):
                office.submit(task)

    def lapse(self, case: Case) -> bool:
        """If `case` waits in the line, it leaves it (it exited) and its tasks lapse."""
        if case.id not in self.held:
            return False
        self.line.remove(case)
        for task in self.held.pop(case.id):
            self.office.end(task, DROPPED)
        self.waits.append((case.opened, NEVER))
        return True

    def finish(self) -> None:
        """At the end of the run: the cases still waiting were never assigned."""
        self.waits.extend((case.opened, NEVER) for case in self.line)

    def waiting(self) -> list[Task]:
        return [t for held in self.held.values() for t in held]

    def withdraw(self, task: Task) -> bool:
        held = self.held.get(task.case.id)
        if held is None or task not in held:
            return False
        held.remove(task)
        return True
