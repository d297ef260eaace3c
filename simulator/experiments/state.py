"""The office as it stands during a run, as `[initial_state]` data: what a start that day loads.

A run stopped on a day (`state_now`) gives the cases open then (by month of takeover, kind
and caseworker), the tasks waiting on them (by type, month created and caseworker), who is
away, new or leaving, the posts vacant, and the family reunification applications pending
(and those families are preparing alone, to be sent on their day):
the table a scenario starting that day takes as `[initial_state]` (`at_start`). It is the
export a case system would give, so what the scenario cannot load is lost in the same way:
each case's own history and exact dates within a month, the hours of each task, the tasks
begun, the stress history, each family's own course (the families still to come are drawn
again: `Municipality._families_to_come`). `state_on` runs a replication to a day and
returns its state; `write_state` writes the two CSV files a case system would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
from collections import Counter
from pathlib import Path
from typing import Any

import tomli_w

from simulator.engine.model import Municipality
from simulator.engine.records import IN_PROGRESS, PENDING
from simulator.scenario import changed_scenario
from simulator.scenario.schema import Scenario, days_to_years, toml_ready
from simulator.scenario.writing import remember


def state_on(
    scenario: Scenario, on: dt.date, replication: int = 0, seed: int | None = None
) -> dict[str, Any]:
    """The `[initial_state]` of replication `replication` of `scenario` on the day `on`
    (at its midnight), from the scenario's seed unless `seed` is given."""
    model = Municipality(scenario, replication=replication, seed=_seed(scenario, seed))
    model.start()
    day = model.calendar.day_of(on)
    if not 0 <= day < model.end:
        raise ValueError(f"{on} is not a day of the run ({scenario.simulation.start_date} on)")
    if day > 0:
        model.env.run(until=day)
    return state_now(model)


def state_now(model: Municipality) -> dict[str, Any]:
    """The `[initial_state]` of the office in `model` as it stands now (a midnight).

    The caseworkers at work now are numbered 0 to N - 1 in the office's order (the order
    a start from here puts them in place; one let go by a staffing change is the last).
    A task being worked on counts as waiting (its work is not done); lapsed ones, and
    closures (of cases closed by now, which are not loaded), do not. A leave or a post
    filled on a closed day happens on the next working day: one due before now, not yet
    happened, is dated now.
    """
    now = model.env.now
    calendar, office, workforce = model.calendar, model.office, model.workforce
    number = {worker.id: i for i, worker in enumerate(office.workers)}

    def date(day: float) -> dt.date:  # not before now: see above
        return calendar.date_of(max(day, now))

    def month(t: float) -> dt.date:
        return calendar.date_of(math.floor(t)).replace(day=1)

    def holder(worker: int) -> int | None:
        return number.get(worker) if office.fixed else None

    cases: Counter[tuple[dt.date, str, int | None]] = Counter(
        (month(c.opened), c.kind, holder(c.worker)) for c in model.cases.values() if c.is_open
    )
    tasks: Counter[tuple[str, dt.date, int | None]] = Counter(
        (task.type.name, month(task.created), holder(task.case.worker))
        for task, state in office.unfinished()
        if state in (PENDING, IN_PROGRESS) and not task.type.closes and task.case.is_open
    )
    staff: list[dict[str, Any]] = []
    recruiting = list(workforce.recruiting)  # (the day the post falls vacant, filled, leaver)
    for worker in office.workers:
        person = workforce.people.get(worker.id)
        if person is None:
            continue
        entry: dict[str, Any] = {}
        if person.away_until > now:
            entry["away_until"] = calendar.date_of(person.away_until)
        if workforce.learning(person, now):
            entry["hired"] = calendar.date_of(person.hired_on)
        if person.leaves_on is not None:
            entry["leaves"] = date(person.leaves_on)
            post = next((r for r in recruiting if r[2] == worker.id), None)
            if post is not None:
                recruiting.remove(post)
                entry["successor_starts"] = date(post[1])
            else:  # a staffing cut took their successor's post
                entry["successor"] = False
        if entry:
            staff.append({"caseworker": number[worker.id], **entry})
    vacancies = [{"filled": date(filled)} for _, filled, _ in recruiting]
    pending: Counter[dt.date] = Counter(
        month(r.applied)
        for r in model.family_log.rows
        if r.applied == r.applied and r.applied <= now and not r.arrived <= now
    )
    # those the families are preparing alone, on the day they send them, after today (a
    # start loads an application dated today as sent; loaded, they are in the family log)
    later = [r.applied for r in model.family_log.rows if r.applied > now]
    pending.update(
        calendar.date_of(max(math.ceil(day), math.floor(now) + 1))
        for day in [*later, *model.family_log.preparing.values()]
    )

    def who(worker: int | None) -> dict[str, int]:
        return {} if worker is None else {"caseworker": worker}

    return {
        "caseworkers": len(office.workers),
        "open_cases": [
            {"takeover": m, "cases": n, "kind": kind, **who(w)}
            for (m, kind, w), n in sorted(cases.items(), key=_key)
        ],
        "waiting_tasks": [
            {"task": name, "created": m, "tasks": n, **who(w)}
            for (name, m, w), n in sorted(tasks.items(), key=_key)
        ],
        "pending_reunifications": [
            {"applied": m, "applications": n} for m, n in sorted(pending.items())
        ],
        "staff": staff,
        "vacancies": vacancies,
    }


def at_start(scenario: Scenario, state: dict[str, Any], on: dt.date) -> Scenario:
    """`scenario` starting on `on` from `state` (`state_now`), with no warm-up: the same
    municipality, its run cut to what follows that day."""
    sim = scenario.simulation
    left = sim.duration_days - (on - sim.start_date).days  # days from `on` to the run's end
    changes = {
        "simulation.start_date": on,
        "simulation.warmup_years": 0.0,
        "simulation.duration_years": days_to_years(on, left),
        "initial_state": state,
    }
    return changed_scenario(scenario.to_dict(), changes, f"{scenario.name} from {on}")


# the entries of `[initial_state]` a case system exports, each to a file: (entries, file
# suffix, columns)
FILES = (
    ("open_cases", "cases", ["takeover", "cases", "kind", "caseworker"]),
    ("waiting_tasks", "tasks", ["task", "created", "tasks", "caseworker"]),
)


def state_files(folder: Path, stem: str, scenario: bool = False) -> list[Path]:
    """The files `write_state` writes: `<stem>_cases.csv` and `<stem>_tasks.csv`, and with
    `scenario` `<stem>.toml`."""
    paths = [folder / f"{stem}_{name}.csv" for _, name, _ in FILES]
    return [*paths, folder / f"{stem}.toml"] if scenario else paths


def write_state(
    state: dict[str, Any], folder: Path, stem: str, start: Scenario | None = None, header: str = ""
) -> list[Path]:
    """Write `state`'s open cases and waiting tasks as `<stem>_cases.csv` and
    `<stem>_tasks.csv` in `folder`, in the columns `cases_file` and `tasks_file` read; with
    `start` (a scenario starting from `state`: `at_start`) also `<stem>.toml`, that
    scenario in full reading the two files (`header` above it). All are written in full
    beside their places, then moved in."""
    paths = state_files(folder, stem, start is not None)
    texts = []
    for key, _, columns in FILES:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(columns)
        for row in state.get(key, []):
            values = [row.get(c, "") for c in columns]
            writer.writerow(f"{v:%Y-%m}" if isinstance(v, dt.date) else v for v in values)
        texts.append(text.getvalue())
    if start is not None:
        texts.append(_reading_files(start, stem, [path.name for path in paths[:2]], header))
    written = []
    try:
        for text, path in zip(texts, paths, strict=True):
            part = path.with_name(f".{path.name}.part")
            written.append(part)
            part.write_text(text, encoding="utf-8")
        for part, path in zip(written, paths, strict=True):
            os.replace(part, path)
    finally:
        for part in written:
            part.unlink(missing_ok=True)
    remember(paths)  # a later --force may replace them, and nothing else
    return paths


def _reading_files(start: Scenario, name: str, files: list[str], header: str) -> str:
    """`start` as TOML named `name` (its results go to a folder of their own), every key
    resolved, its open cases and waiting tasks read from `files` (beside it) rather than
    listed."""
    data = start.to_dict()
    data["name"] = name
    for entry in data["initial_state"].get("staff", []):
        if entry.get("successor") is True:  # the default, which says nothing here
            del entry["successor"]
    state = data["initial_state"]
    for (key, name, _), file in zip(FILES, files, strict=True):
        state.pop(key, None)
        state[f"{name}_file"] = file  # cases_file, tasks_file
    return header + tomli_w.dumps(toml_ready(data))


def _key(item: tuple[tuple[Any, ...], int]) -> tuple[Any, ...]:
    return tuple(-1 if v is None else v for v in item[0])


def _seed(scenario: Scenario, seed: int | None) -> int:
    return scenario.simulation.seed if seed is None else seed
