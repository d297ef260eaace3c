"""The interface between the caseworker loop and the office's policies (see the package).

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.engine.entities import Case, Task

if TYPE_CHECKING:  # the office imports the policies: these are for the types only
    from simulator.engine.office import Account, Caseworker, Office


class Policy:
    """One of the office's rules as the caseworker loop sees it; every hook does nothing.

    A policy overrides the hooks it needs; `on` says whether its settings switch it on.
    The hooks run only while the policy is on (the office keeps the list).
    """

    __slots__ = ("office",)

    def __init__(self, office: Office) -> None:
        self.office = office

    @property
    def on(self) -> bool:
        """Whether the policy acts (its settings say so)."""
        return False

    def has_work(self, worker: Caseworker) -> bool:
        """Whether there is work for `worker`, idle and at work, beyond their own queue."""
        return False

    def before_queue(self, worker: Caseworker) -> Task | None:
        """A task for `worker` to work before their own queue, taken; or None."""
        return None

    def beyond_queue(self, worker: Caseworker) -> Task | None:
        """A task for `worker`, whose own queue is empty, taken; or None."""
        return None

    def arriving(self, task: Task) -> bool:
        """A new `task` is about to join the work waiting (its case has a caseworker, or
        the office a pool): whether the policy took it instead (and ended it)."""
        return False

    def admit(
        self, worker: Caseworker, owner: Account, task: Task, hours: float, now: float
    ) -> float | None:
        """The hours `task` takes `worker` now (`hours` so far), or None if the policy
        dropped it or keeps it for later. `owner` holds the task's hours in its backlog."""
        return hours

    def finished(self, task: Task, now: float) -> None:
        """`task` has been worked."""

    def unattended(self, worker: Caseworker) -> None:
        """`worker` is away and has work in their queue."""

    def leaving(self, worker: Caseworker) -> None:
        """`worker` leaves the office (their cases have gone to colleagues already)."""

    def take_back(self, case: Case) -> list[Task]:
        """The tasks of `case` the policy holds, taken back: the case waits for assignment
        (a leaver's case no colleague has room for), and its tasks wait with it."""
        return []

    def waiting(self) -> list[Task]:
        """The tasks the policy holds, not yet worked (at the end of a run)."""
        return []

    def withdraw(self, task: Task) -> bool:
        """`task` is given up (`Office.abandon`): if the policy holds it, let it go and
        say so."""
        return False
