"""External services: capacity outside the municipality that people are referred to.

The health examination (helbredsundersøgelse) is done by GPs, not caseworkers. When a
person's referral task is done they join the GPs' queue, first come, first served,
and are examined at the GPs' capacity: one examination every `7 / capacity_per_week`
days (a single server with a fixed service time: the capacity is a weekly number of
slots, spread evenly; the first in the queue is examined as a slot opens, and the next
slot opens `7 / capacity_per_week` days later). Someone whose case closes while they
wait leaves the queue. Each examination should happen within `limit_days` of the case's
opening; whether it did is an output (`simulator.analysis.metrics`), not a rule.

The service works in continuous time: the capacity is a weekly average, so weekends
and holidays are already in it.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any

import simpy

from simulator.engine.entities import Case
from simulator.engine.records import ExaminationLog
from simulator.scenario.schema import ExternalService


class ExternalQueue:
    """One external service: its queue, its server, and the record of who it saw."""

    def __init__(self, env: simpy.Environment, spec: ExternalService) -> None:
        self.env = env
        self.after_task = spec.after_task
        self.limit = spec.limit_days
        self.service_days = 7.0 / spec.capacity_per_week
        self.log = ExaminationLog()
        self.queue: deque[Case] = deque()
        self.wake: simpy.Event | None = None
        env.process(self._serve())

    def configure(self, spec: ExternalService) -> None:
        """The capacity and limit from now on (a policy timeline): the next slot opens at
        the new pace, and people whose case opens from now get the new limit."""
        self.service_days = 7.0 / spec.capacity_per_week
        self.limit = spec.limit_days

    def expect(self, case: Case) -> None:
        """A new case that should be seen (its catalogue includes the referral)."""
        self.log.expect(case.id, case.opened + self.limit)

    def refer(self, case: Case) -> None:
        """The referral is done: the person joins the queue (once; a repeated referral
        of someone already referred changes nothing)."""
        row = self.log.rows.get(case.id)
        if row is None or row.referred == row.referred or not case.is_open:
            return
        row.referred = self.env.now
        self.queue.append(case)
        if self.wake is not None:
            wake, self.wake = self.wake, None
            wake.succeed()

    def _serve(self) -> Generator[simpy.Event, Any, None]:
        queue = self.queue
        while True:
            if not queue:
                self.wake = self.env.event()
                yield self.wake
                continue
            case = queue.popleft()
            if not case.is_open:
                continue  # left the integration programme while waiting
            self.log.rows[case.id].examined = self.env.now
            yield self.env.timeout(self.service_days)  # until the next free slot
