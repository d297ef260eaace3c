"""External services: capacity outside the municipality that people are referred to.

The health examination (helbredsundersøgelse) is done by GPs, not caseworkers. When a
person's referral task is done they are referred. A share of those referred is never
seen (not offered, declined, moved: `never_share`); each person's fate and wait are drawn
when their case opens (`simulator.engine.sampling.PersonSampler`), from streams of their
own, so they do not depend on when the caseworker refers them. The rest are seen in one
of two ways:

- *capacity follows demand* (`wait_days`): each is examined the drawn wait after the
  referral, however many are referred. In a stationary scenario the share examined within
  the limit is then stationary too.
- *fixed capacity* (`capacity_per_week`, a limit set on purpose): they queue first come,
  first served, and are examined at the GPs' capacity, one every `7 / capacity_per_week`
  days (a single server with a fixed service time: the capacity is a weekly number of
  slots, spread evenly; the first in the queue is examined as a slot opens, and the next
  slot opens `7 / capacity_per_week` days later). Below demand, the queue grows.

Someone whose case closes while they wait is not examined. Each examination should
happen within `limit_days` of the case's opening; whether it did is an output
(`simulator.analysis.metrics`), not a rule. The service works in continuous time: the
capacity and the waits are in calendar days, so weekends and holidays are already in them.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from functools import partial
from typing import Any

import simpy

from simulator.engine.entities import Case
from simulator.engine.records import ExaminationLog
from simulator.scenario.schema import ExternalService


class ExternalQueue:
    """One external service: who is referred, when each is seen, and the record of it."""

    def __init__(self, env: simpy.Environment, spec: ExternalService) -> None:
        self.env = env
        self.after_task = spec.after_task
        self.limit = spec.limit_days
        capacity = spec.capacity_per_week
        self.fixed = capacity is not None
        self.service_days = 7.0 / capacity if capacity is not None else 0.0
        self.log = ExaminationLog()
        self.queue: deque[Case] = deque()
        self.wake: simpy.Event | None = None
        if self.fixed:
            env.process(self._serve())

    def configure(self, spec: ExternalService) -> None:
        """The capacity and limit from now on (a policy timeline): a fixed capacity sets the
        pace of the slot after the one in progress (a timeline changes the capacity, not
        whether there is one), and people whose case opens from now get the new limit."""
        self.limit = spec.limit_days
        if spec.capacity_per_week is not None:
            self.service_days = 7.0 / spec.capacity_per_week

    def expect(self, case: Case, wait: float) -> None:
        """A new case that should be seen (its catalogue includes the referral); `wait` is
        the person's wait once referred (infinite: never seen; unused under a fixed
        capacity, where the queue decides)."""
        self.log.expect(case.id, case.opened + self.limit, wait)

    def refer(self, case: Case) -> None:
        """The referral is done: the person is seen after their wait, joins the queue, or
        (never seen) neither. Once: a repeated referral of someone already referred
        changes nothing."""
        row = self.log.rows.get(case.id)
        if row is None or row.referred == row.referred or not case.is_open:
            return
        row.referred = self.env.now
        if row.wait == math.inf:
            return  # not offered, declined, moved: never seen
        if not self.fixed:
            self.env.timeout(row.wait).callbacks.append(partial(self._examine, case))
            return
        self.queue.append(case)
        if self.wake is not None:
            wake, self.wake = self.wake, None
            wake.succeed()

    def referred_before(self, case: Case, referred: float) -> None:
        """A person expected (`expect`) was referred before the start, at `referred`
        (< 0): seen their wait later, before the start (history) or after it. Not under
        a fixed capacity, whose queue at the start is not known."""
        assert not self.fixed
        row = self.log.rows[case.id]
        row.referred = referred
        seen = referred + row.wait  # infinite: never seen
        if seen <= 0.0:
            row.examined = seen
        elif seen < math.inf:
            self.env.timeout(seen - self.env.now).callbacks.append(partial(self._examine, case))

    def _examine(self, case: Case, _event: simpy.Event | None = None) -> None:
        """The wait is over: the person is examined, unless their case has closed."""
        if case.is_open:
            self.log.rows[case.id].examined = self.env.now

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
