"""Absence cover: colleagues take an absent caseworker's queue.

With fixed assignment, while a caseworker is away (vacation, sick leave), colleagues
at work with nothing of their own to do take the most urgent task in the queues of
absent colleagues. Without cover, an absent caseworker's tasks wait for their return.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

from heapq import heappop
from typing import TYPE_CHECKING

from simulator.engine.entities import Task
from simulator.engine.policies.base import Policy

if TYPE_CHECKING:
    from simulator.engine.office import Caseworker, Office


class Cover(Policy):
    """Colleagues with nothing of their own to do cover absent caseworkers' queues."""

    __slots__ = ("enabled",)

    def __init__(self, office: Office) -> None:
        super().__init__(office)
        self.enabled = False

    @property
    def on(self) -> bool:
        return self.enabled

    def configure(self, enabled: bool) -> None:
        """Cover from now (or not); switched on, colleagues are called to the queues of
        those away now."""
        was, self.enabled = self.enabled, enabled
        if enabled and not was:
            for worker in self.office.workers:
                if not worker.present and worker.queue:
                    self.unattended(worker)

    def has_work(self, worker: Caseworker) -> bool:
        """An absent colleague has work queued."""
        return any(not w.present and w.queue for w in self.office.workers)

    def beyond_queue(self, worker: Caseworker) -> Task | None:
        """The most urgent live task in the queues of absent colleagues, taken."""
        office = self.office
        while True:
            absent = [w for w in office.workers if not w.present and w.queue]
            if not absent:
                return None
            owner = min(absent, key=lambda w: w.queue[0])
            task = heappop(owner.queue)[-1]
            if office.take_from(owner, task):
                return task

    def unattended(self, worker: Caseworker) -> None:
        """Wake a colleague at work with nothing to do, to cover the absent one's queue."""
        office = self.office
        for colleague in office.workers:
            if colleague.present and colleague.wake is not None and not colleague.queue:
                office.rouse(colleague)
                return
