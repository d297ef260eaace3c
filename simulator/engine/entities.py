"""The runtime entities of a run: task types, cases and tasks.

These are plain slotted objects, created by `simulator.engine.model` for one run and
never stored on the scenario. They carry state only; behaviour lives in the
model (what happens to a case) and the office (who works on what, when).

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import simpy

from simulator.engine.streams import Sampler

INF: Final = float("inf")

Visits = tuple[tuple[float, float], ...]
NAN: Final = float("nan")


@dataclass(slots=True, eq=False)
class TaskType:
    """A task of the catalogue, compiled for one run with its own duration sampler."""

    index: int
    name: str
    statutory: bool
    deadline: float  # days from the trigger; INF where the task has none
    sample_hours: Sampler
    meeting: bool
    closes: bool = False  # the closure task: created when the case exits, never lapses
    applies: bool = True  # falls due at all now (a policy timeline may repeal it or bring it in)
    later_visits: Callable[[], Visits] | None = None  # draws the visits after the first
    followed_by: Any = None  # an external service the person joins once this task is done
    employment: bool = False  # employment work: starting it begins the person's effort
    on_start: Any = None  # called with the task when a caseworker starts it (or None)

    def draw_later_visits(self) -> Visits:
        """(delay in days, hours) of each later visit a new task of this type will need."""
        return () if self.later_visits is None else self.later_visits()


class Case:
    """One adult's case in the integration period.

    Who the person is (kind, status, trauma, interpreter) is drawn when the case opens
    (`simulator.engine.sampling.PersonSampler`) and does not change; `children` becomes True
    when reunified children join the household.

    Case and Task are plain slotted classes with a written-out ``__init__`` rather than
    dataclasses: one is built per case and per task, and a dataclass's generated
    ``__init__`` stays interpreted Python even when this module is compiled (mypyc).
    """

    __slots__ = (
        "assigned_at",
        "before_effort",
        "children",
        "closing",
        "effort_from",
        "exit_reason",
        "exit_time",
        "household",
        "id",
        "is_open",
        "kind",
        "leaves_at",
        "needs_interpreter",
        "opened",
        "queued",
        "status",
        "support_target",
        "traumatised",
        "treatment_from",
        "worker",
    )

    def __init__(
        self,
        id: int,
        household: int,
        kind: str,
        opened: float,
        exit_time: float,
        worker: int = -1,
        assigned_at: float = 0.0,
        is_open: bool = True,
        status: str = "",
        traumatised: bool = False,
        needs_interpreter: bool = False,
        children: bool = False,
        treatment_from: float = 0.0,
    ) -> None:
        self.id = id
        self.household = household
        self.kind = kind  # a person kind: "refugee", "reunified" or "danish_spouse"
        self.opened = opened
        self.exit_time = exit_time
        self.worker = worker  # the fixed caseworker's id; -1 in a pool
        self.assigned_at = assigned_at
        self.is_open = is_open  # False from the moment the case exits
        self.status = status  # a refugee's residence status: "convention", "temporary"; or ""
        self.traumatised = traumatised
        self.needs_interpreter = needs_interpreter
        self.children = children  # the household has children
        self.treatment_from = treatment_from  # trauma treatment starts (employment work waits)
        self.queued = 0.0  # hours of its tasks waiting for a caseworker (simulator.engine.office)
        # when the case exits, and why (simulator.engine.model.Municipality.schedule_exit)
        self.support_target = INF  # cumulative usual self-support hazard, from treatment
        self.leaves_at = INF  # leaving for other reasons, or the end of the period
        self.before_effort = 1.0  # self-support hazard multiplier until the effort begins
        self.effort_from = NAN  # the employment effort began (a caseworker started it)
        self.exit_reason = -1  # SELF_SUPPORT, LEFT or PERIOD_END (simulator.engine.records)
        self.closing: simpy.Event | None = None  # fires when the case exits, if awaited

    def __repr__(self) -> str:
        return f"Case(id={self.id}, household={self.household}, kind={self.kind!r})"

    @property
    def reunified(self) -> bool:
        """A family member reunified to a refugee."""
        return self.kind == "reunified"


class Task:
    """One piece of casework for one case; `hours` is drawn when the task is created."""

    __slots__ = (
        "case",
        "created",
        "done",
        "due",
        "finished",
        "holder",
        "hours",
        "id",
        "later_visits",
        "started",
        "state",
        "type",
        "worker",
    )

    def __init__(
        self, id: int, type: TaskType, case: Case, created: float, due: float, hours: float
    ) -> None:
        self.id = id
        self.type = type
        self.case = case
        self.created = created
        self.due = due
        self.hours = hours
        self.holder = -1  # the worker whose queue holds it (fixed assignment)
        self.started = NAN
        self.finished = NAN
        self.worker = -1
        self.state = -1  # final state once recorded (simulator.engine.records)
        self.later_visits: Visits = ()  # (delay in days, hours) of the visits still to come
        self.done: simpy.Event | None = None  # set only where someone waits for the task

    def __repr__(self) -> str:
        return f"Task(id={self.id}, type={self.type.name!r}, case={self.case.id})"

    def release(self) -> None:
        """Wake whoever waits for this task although it was not done (dropped, lapsed).

        Waiters tell the two apart by `finished`, which stays NaN unless the task was done.
        """
        if self.done is not None and not self.done.triggered:
            self.done.succeed()

    @property
    def lapsed(self) -> bool:
        """Not started when its case exited: the work is no longer to be done."""
        return not self.case.is_open and not self.type.closes and self.worker == -1
