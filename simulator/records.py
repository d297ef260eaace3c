"""What a run records: one row per task, per case and per assignment, in columns.

The model appends a row when something ends (a task completes or lapses, a case
closes); everything still open when the run stops is flushed at the end. Rows
are kept in compact arrays, not objects, so a national-scale run stays small.
All statistics are computed afterwards from these records (`simulator.metrics`),
which keeps monitoring out of the model.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from simulator.entities import Case, Task
from simulator.scenario import PERSON_KINDS, STATUSES

NAN = float("nan")

# task states
DONE, DROPPED, PENDING, IN_PROGRESS, TRIAGED = 0, 1, 2, 3, 4
STATE_NAMES = {
    DONE: "done",
    DROPPED: "dropped",  # lapsed: its case exited before the work started
    PENDING: "pending",
    IN_PROGRESS: "in_progress",
    TRIAGED: "triaged",  # an optional task dropped under pressure
}


class TaskLog:
    """The task table. Tasks are kept as they end and turned into columns once, at the end."""

    COLUMNS = ("task", "case", "household", "type", "created", "due", "started", "finished",
               "dropped", "worker", "hours", "state")  # fmt: skip

    def __init__(self) -> None:
        self._ended: list[Task] = []  # tasks recorded with their state
        self._completed: list[Task] = []  # completed tasks, state DONE once recorded
        self._dropped_at: dict[int, float] = {}  # triaged tasks: when they were dropped
        self.add_done = self._completed.append
        """Record a completed task: a bare C call, as this runs once per task."""

    def add(self, t: Task, state: int, at: float | None = None) -> None:
        """Record task `t` in its final `state`: a lapsed task lapsed when its case exited,
        a triaged one was dropped `at` that time."""
        t.state = state
        self._ended.append(t)
        if at is not None:
            self._dropped_at[t.id] = at

    def tasks(self) -> list[Task]:
        """Every task recorded so far, each with its final state."""
        for t in self._completed:
            t.state = DONE
        return self._ended + self._completed

    def _dropped(self, t: Task) -> float:
        """When a task stopped being waited for without being worked: a lapsed task when
        its case exited, a triaged one when it was dropped."""
        if t.state == DROPPED:
            return t.case.exit_time
        return self._dropped_at.get(t.id, NAN)

    def arrays(self) -> dict[str, np.ndarray]:
        """The columns as numpy arrays, rows sorted by task id."""
        rows = self.tasks()
        n = len(rows)

        def col(values, dtype: str) -> np.ndarray:
            return np.fromiter(values, dtype=dtype, count=n)

        cols = {
            "task": col((t.id for t in rows), "i8"),
            "case": col((t.case.id for t in rows), "i8"),
            "household": col((t.case.household for t in rows), "i8"),
            "type": col((t.type.index for t in rows), "i4"),
            "created": col((t.created for t in rows), "f8"),
            "due": col((t.due for t in rows), "f8"),
            "started": col((t.started for t in rows), "f8"),
            "finished": col((t.finished for t in rows), "f8"),
            "dropped": col((self._dropped(t) for t in rows), "f8"),
            "worker": col((t.worker for t in rows), "i4"),
            "hours": col((t.hours for t in rows), "f8"),
            "state": col((t.state for t in rows), "i1"),
        }
        order = np.argsort(cols["task"], kind="stable")
        return {name: c[order] for name, c in cols.items()}


class CaseLog:
    """Columns of the case table: who each case was, when it opened and closed.

    `kind` is the index of the person kind in `simulator.scenario.PERSON_KINDS`, `status`
    that of the residence status in `STATUSES` (-1: none, not a refugee);
    `treatment_from` is when trauma treatment starts (the opening, if not traumatised).
    """

    def __init__(self) -> None:
        self.case, self.household, self.reunified = array("q"), array("q"), array("b")
        self.opened, self.exit, self.closed = array("d"), array("d"), array("d")
        self.kind, self.status = array("b"), array("b")
        self.traumatised, self.interpreter = array("b"), array("b")
        self.treatment_from = array("d")

    def add(self, c: Case, closed: float) -> None:
        self.case.append(c.id)
        self.household.append(c.household)
        self.reunified.append(c.reunified)
        self.opened.append(c.opened)
        self.exit.append(c.exit_time)
        self.closed.append(closed)
        self.kind.append(PERSON_KINDS.index(c.kind))
        self.status.append(STATUSES.index(c.status) if c.status else -1)
        self.traumatised.append(c.traumatised)
        self.interpreter.append(c.needs_interpreter)
        self.treatment_from.append(c.treatment_from)

    def arrays(self) -> dict[str, np.ndarray]:
        names = ("case", "household", "reunified", "opened", "exit", "closed", "kind", "status",
                 "traumatised", "interpreter", "treatment_from")  # fmt: skip
        cols = {n: np.frombuffer(getattr(self, n), dtype=_dtype(getattr(self, n))) for n in names}
        order = np.argsort(cols["case"], kind="stable")
        return {name: col[order] for name, col in cols.items()}


class AssignmentLog:
    """Which caseworker held which case, from when to when (fixed assignment only)."""

    def __init__(self) -> None:
        self.case, self.worker = array("q"), array("i")
        self.start, self.end = array("d"), array("d")

    def add(self, case_id: int, worker: int, start: float, end: float) -> None:
        self.case.append(case_id)
        self.worker.append(worker)
        self.start.append(start)
        self.end.append(end)

    def arrays(self) -> dict[str, np.ndarray]:
        names = ("case", "worker", "start", "end")
        return {n: np.frombuffer(getattr(self, n), dtype=_dtype(getattr(self, n))) for n in names}


class InterpretingLog:
    """Each interpreted meeting: when it asked for an interpreter, when one was booked,
    and how (0 in person, 1 by phone)."""

    def __init__(self) -> None:
        self.task, self.asked, self.booked, self.mode = (
            array("q"),
            array("d"),
            array("d"),
            array("b"),
        )

    def add(self, task_id: int, asked: float, booked: float, mode: int) -> None:
        self.task.append(task_id)
        self.asked.append(asked)
        self.booked.append(booked)
        self.mode.append(mode)

    def arrays(self) -> dict[str, np.ndarray]:
        names = ("task", "asked", "booked", "mode")
        return {n: np.frombuffer(getattr(self, n), dtype=_dtype(getattr(self, n))) for n in names}


class WorkforceLog:
    """A row per caseworker and day (status, stress index, overtime hours), and the
    resignations, hires and vacancies of the run (simulator.workforce)."""

    DAY_COLUMNS: ClassVar[dict[str, str]] = {
        "day": "i4", "worker": "i4", "status": "i1", "stress": "f8", "overtime": "f8",
    }  # fmt: skip

    def __init__(self) -> None:
        self._days: list[tuple[int, int, int, float, float]] = []
        self.add_day = self._days.append
        """Record (day, worker, status, stress index, overtime hours): a bare C call, as
        this runs for every caseworker on every working day."""
        self.events = {"day": array("i"), "worker": array("i"), "kind": array("b")}
        self.vacancies = {"opened": array("d"), "filled": array("d")}

    def resignation(self, day: int, worker: int) -> None:
        self._event(day, worker, RESIGNED)

    def hire(self, day: int, worker: int) -> None:
        self._event(day, worker, HIRED)

    def _event(self, day: int, worker: int, kind: int) -> None:
        self.events["day"].append(day)
        self.events["worker"].append(worker)
        self.events["kind"].append(kind)

    def vacancy(self, opened: float, filled: float) -> None:
        self.vacancies["opened"].append(opened)
        self.vacancies["filled"].append(filled)

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        rows = self._days
        days = {
            name: np.fromiter((r[i] for r in rows), dtype=dtype, count=len(rows))
            for i, (name, dtype) in enumerate(self.DAY_COLUMNS.items())
        }
        tables = {"events": self.events, "vacancies": self.vacancies}
        return {"days": days} | {
            name: {c: np.frombuffer(a, dtype=_dtype(a)) for c, a in table.items()}
            for name, table in tables.items()
        }


RESIGNED, HIRED = 0, 1


@dataclass(slots=True)
class Reunion:
    """One household's family reunification, as far as it got (times in days; NaN: not yet)."""

    household: int
    placed: float
    spouse: bool
    children: int
    may_apply: float = NAN  # the waiting rule allows the application
    applied: float = NAN  # the application is sent
    aided: bool = False  # sent with the caseworker's help
    arrived: float = NAN  # the family arrives


class FamilyLog:
    """The reunifications under way or done: one row per household whose family will follow."""

    COLUMNS = ("household", "placed", "spouse", "children", "may_apply", "applied", "aided",
               "arrived")  # fmt: skip

    def __init__(self) -> None:
        self.rows: list[Reunion] = []

    def start(self, household: int, placed: float, spouse: bool, children: int) -> Reunion:
        row = Reunion(household, placed, spouse, children)
        self.rows.append(row)
        return row

    def arrays(self) -> dict[str, np.ndarray]:
        return _columns(self.rows, self.COLUMNS)


@dataclass(slots=True)
class Examination:
    """One person's examination by an external service (times in days; NaN: not yet)."""

    case: int
    limit: float  # the case opened + the limit
    referred: float = NAN  # the referral task was done: the person joins the queue
    examined: float = NAN


class ExaminationLog:
    """Everyone an external service should see (their case gets the referral task)."""

    COLUMNS = ("case", "limit", "referred", "examined")

    def __init__(self) -> None:
        self.rows: dict[int, Examination] = {}

    def expect(self, case: int, limit: float) -> None:
        self.rows[case] = Examination(case, limit)

    def arrays(self) -> dict[str, np.ndarray]:
        return _columns(list(self.rows.values()), self.COLUMNS)


def _columns(rows: list, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Rows of slotted objects as one numpy column per attribute."""
    return {n: np.array([getattr(r, n) for r in rows], dtype=float) for n in names}


def _dtype(a: array) -> str:
    return {"q": "i8", "i": "i4", "b": "i1", "d": "f8"}[a.typecode]


@dataclass
class RunRecord:
    """Everything one replication produced, ready for `simulator.metrics`."""

    replication: int
    seed: int
    end: float
    warmup: float
    task_names: list[str]
    task_statutory: list[bool]
    tasks: dict[str, np.ndarray]
    cases: dict[str, np.ndarray]
    assignments: dict[str, np.ndarray]
    staff_changes: list[tuple[float, int]]
    workforce: dict[str, dict[str, np.ndarray]]
    interpreting: dict[str, np.ndarray]
    assignment_waits: np.ndarray  # (opened, first assigned) of cases under a caseload cap
    stress_threshold: float
    casework_hours_per_day: float
    events: int
    wall_seconds: float
    families: dict[str, np.ndarray] = field(default_factory=dict)  # FamilyLog columns
    examinations: dict[str, np.ndarray] = field(default_factory=dict)  # health examinations
