"""What a run records: one row per task, per case and per assignment, in columns.

The model appends a row when something ends (a task completes or lapses, a case
closes); everything still open when the run stops is flushed at the end. Rows
are kept in compact arrays, not objects, so a national-scale run stays small.
All statistics are computed afterwards from these records (`simulator.analysis.metrics`),
which keeps monitoring out of the model.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

import numpy as np

from simulator.engine.entities import Case, Task
from simulator.scenario.schema import PERSON_KINDS, STATUSES

NAN: Final = float("nan")

# task states (Final: constants in the compiled build)
DONE: Final = 0
DROPPED: Final = 1
PENDING: Final = 2
IN_PROGRESS: Final = 3
TRIAGED: Final = 4
ABANDONED: Final = 5
STATE_NAMES = {
    DONE: "done",
    DROPPED: "dropped",  # lapsed: its case exited before the work started
    PENDING: "pending",
    IN_PROGRESS: "in_progress",
    TRIAGED: "triaged",  # an optional task dropped under pressure
    ABANDONED: "abandoned",  # help not started in time: the family applied alone
}

# why a case exited (the case table's exit_reason)
SELF_SUPPORT: Final = 0
LEFT: Final = 1  # moved away, or left for another reason
PERIOD_END: Final = 2  # the integration period ended


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
        its case exited, a triaged or abandoned one when it was dropped."""
        if t.state == DROPPED:
            return t.case.exit_time
        return self._dropped_at.get(t.id, NAN)

    def arrays(self) -> dict[str, np.ndarray]:
        """The columns as numpy arrays, rows sorted by task id.

        Each column is a list first (a compiled loop), which numpy reads in C: twice as
        fast as numpy pulling the values from a generator."""
        rows = self.tasks()
        cols = {
            "task": np.array([t.id for t in rows], dtype="i8"),
            "case": np.array([t.case.id for t in rows], dtype="i8"),
            "household": np.array([t.case.household for t in rows], dtype="i8"),
            "type": np.array([t.type.index for t in rows], dtype="i4"),
            "created": np.array([t.created for t in rows], dtype="f8"),
            "due": np.array([t.due for t in rows], dtype="f8"),
            "started": np.array([t.started for t in rows], dtype="f8"),
            "finished": np.array([t.finished for t in rows], dtype="f8"),
            "dropped": np.array([self._dropped(t) for t in rows], dtype="f8"),
            "worker": np.array([t.worker for t in rows], dtype="i4"),
            "hours": np.array([t.hours for t in rows], dtype="f8"),
            "state": np.array([t.state for t in rows], dtype="i1"),
        }
        order = np.argsort(cols["task"], kind="stable")
        return {name: c[order] for name, c in cols.items()}


class Columns:
    """A table kept as one typed array per column (compact however many rows), appended a
    row at a time and handed out as numpy columns."""

    def __init__(self, **typecodes: str) -> None:
        self._columns: dict[str, array[Any]] = {n: array(c) for n, c in typecodes.items()}
        # each column's bound append, looked up once: a row is a bare C call per value
        self._appends: tuple[Callable[[Any], None], ...] = tuple(
            column.append for column in self._columns.values()
        )

    def add(self, *row: Any) -> None:
        appends = self._appends
        if len(row) != len(appends):
            raise ValueError(f"a row of {len(appends)} values, not {len(row)}")
        for i in range(len(row)):  # a native loop, as the lengths are checked
            appends[i](row[i])

    def arrays(self) -> dict[str, np.ndarray]:
        return {n: np.frombuffer(a, dtype=_dtype(a)) for n, a in self._columns.items()}


class CaseLog:
    """Columns of the case table: who each case was, when it opened and closed.

    `kind` is the index of the person kind in `simulator.scenario.PERSON_KINDS`, `status`
    that of the residence status in `STATUSES` (-1: none, not a refugee);
    `treatment_from` is when trauma treatment starts (the opening, if not traumatised);
    `exit_reason` why the case exits at `exit` (SELF_SUPPORT, LEFT, PERIOD_END);
    `effort_from` when the employment effort began (NaN: it had not).
    """

    def __init__(self) -> None:
        self._table = Columns(case="q", household="q", reunified="b", opened="d", exit="d",
                              closed="d", kind="b", status="b", traumatised="b",
                              interpreter="b", treatment_from="d", exit_reason="b",
                              effort_from="d")  # fmt: skip

    def add(self, c: Case, closed: float) -> None:
        self._table.add(c.id, c.household, c.reunified, c.opened, c.exit_time, closed,
                        PERSON_KINDS.index(c.kind),
                        STATUSES.index(c.status) if c.status else -1,
                        c.traumatised, c.needs_interpreter, c.treatment_from,
                        c.exit_reason, c.effort_from)  # fmt: skip

    def arrays(self) -> dict[str, np.ndarray]:
        cols = self._table.arrays()
        order = np.argsort(cols["case"], kind="stable")
        return {name: col[order] for name, col in cols.items()}


class AssignmentLog(Columns):
    """Which caseworker held which case, from when to when (fixed assignment only):
    rows of (case, worker, start, end)."""

    def __init__(self) -> None:
        super().__init__(case="q", worker="i", start="d", end="d")


class InterpretingLog(Columns):
    """Each interpreted meeting: rows of (task, when it asked for an interpreter, when the
    meeting could start with one, how: 0 in person, 1 by phone)."""

    def __init__(self) -> None:
        super().__init__(task="q", asked="d", booked="d", mode="b")


class WorkforceLog:
    """A row per caseworker and day (status, stress index, overtime hours), and the
    resignations, hires and vacancies of the run (simulator.engine.workforce)."""

    DAY_COLUMNS: ClassVar[dict[str, str]] = {
        "day": "i4", "worker": "i4", "status": "i1", "stress": "f8", "overtime": "f8",
    }  # fmt: skip

    def __init__(self) -> None:
        self._days: list[tuple[int, int, int, float, float]] = []
        self.add_day = self._days.append
        """Record (day, worker, status, stress index, overtime hours): a bare C call, as
        this runs for every caseworker on every working day."""
        self.events = Columns(day="i", worker="i", kind="b")
        self.vacancies = Columns(opened="d", filled="d")

    def resignation(self, day: int, worker: int) -> None:
        self._event(day, worker, RESIGNED)

    def hire(self, day: int, worker: int) -> None:
        self._event(day, worker, HIRED)

    def _event(self, day: int, worker: int, kind: int) -> None:
        self.events.add(day, worker, kind)

    def vacancy(self, opened: float, filled: float) -> None:
        self.vacancies.add(opened, filled)

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        # the rows as one structured array (numpy reads the tuples in C), then its columns
        table = np.array(self._days, dtype=list(self.DAY_COLUMNS.items()))
        days = {name: np.ascontiguousarray(table[name]) for name in self.DAY_COLUMNS}
        return {"days": days, "events": self.events.arrays(), "vacancies": self.vacancies.arrays()}


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
    decided: float = NAN  # the Immigration Service decides (the family then travels)
    arrived: float = NAN  # the family arrives


class FamilyLog:
    """The reunifications under way or done: one row per household whose family will follow."""

    COLUMNS = ("household", "placed", "spouse", "children", "may_apply", "applied", "aided",
               "decided", "arrived")  # fmt: skip

    def __init__(self) -> None:
        self.rows: list[Reunion] = []
        # the applications families are preparing alone now: household -> the day they
        # send it (what a run's state on a day lists; not a column)
        self.preparing: dict[int, float] = {}

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
    wait: float = 0.0  # from the referral, if seen (drawn; infinite: never seen)
    referred: float = NAN  # the referral task was done: the person is referred
    examined: float = NAN


class ExaminationLog:
    """Everyone an external service should see (their case gets the referral task)."""

    COLUMNS = ("case", "limit", "wait", "referred", "examined")

    def __init__(self) -> None:
        self.rows: dict[int, Examination] = {}

    def expect(self, case: int, limit: float, wait: float) -> None:
        self.rows[case] = Examination(case, limit, wait)

    def arrays(self) -> dict[str, np.ndarray]:
        return _columns(list(self.rows.values()), self.COLUMNS)


def _columns(rows: list, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Rows of slotted objects as one numpy column per attribute."""
    return {n: np.array([getattr(r, n) for r in rows], dtype=float) for n in names}


def _dtype(a: array) -> str:
    return {"q": "i8", "i": "i4", "b": "i1", "d": "f8"}[a.typecode]


@dataclass
class RunRecord:
    """Everything one replication produced, ready for `simulator.analysis.metrics`."""

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
    departures: np.ndarray  # (worker, time) of each caseworker who left
    casework_hours_per_day: float
    events: int
    wall_seconds: float
    families: dict[str, np.ndarray] = field(default_factory=dict)  # FamilyLog columns
    examinations: dict[str, np.ndarray] = field(default_factory=dict)  # health examinations
    # the scenario's [costs]: benefit_dkk_per_person_month, salary_dkk_per_caseworker_year
    costs: dict[str, float] = field(default_factory=dict)
    # the households placed in the run: time (days), adults, children (one row each)
    placements: dict[str, np.ndarray] = field(default_factory=dict)
