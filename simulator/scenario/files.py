"""Reading scenarios: a TOML file (with `extends`), command-line changes, and validation.

`load_scenario` reads a file, resolves `extends` (a file name relative to the file that
extends it), applies ``--set`` changes and validates the whole; `scenario_from_dict`
validates plain data. Every problem is a `ScenarioError` naming the file and the key.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from simulator.scenario import shipped
from simulator.scenario.bounds import MAX_DEPTH, too_deep
from simulator.scenario.errors import ScenarioError, report
from simulator.scenario.keys import apply_overrides, with_values
from simulator.scenario.merge import deep_merge
from simulator.scenario.schema import STATE_FILE_ENTRIES, Scenario

MAX_EXTENDS = 16  # files in one extends chain: deeper is surely a mistake
MAX_FILE_BYTES = 4 * 2**20  # the baseline is 20 kB


def read_toml(
    path: Path, chain: tuple[Path, ...] = (), origins: dict[str, StateOrigin] | None = None
) -> dict[str, Any]:
    """Read a scenario file, resolving `extends` (relative to the file) recursively.
    `origins` is told where the entries read from `[initial_state]` CSV files came from."""
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError(f"{chain[0]}: extends: the chain loops ({cycle})")
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(
            f"{chain[0]}: extends: the chain is longer than {MAX_EXTENDS} files "
            f"({chain[-1]} extends {path})"
        )
    where = f"{chain[-1]}: extends: " if chain else ""
    data = read_table_file(path, "scenario", where)
    _read_state_files(data, path, origins)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip() or "\0" in parent:
        raise ScenarioError(f"{path}: extends: must be a file name (a string)")
    beside = (path.parent / parent).resolve()
    fallback = None if _kind(beside) == "file" else shipped.find(parent)
    base = read_toml(fallback or beside, (*chain, path), origins)
    return deep_merge(base, data)


def read_table_file(path: Path, what: str, where: str = "") -> dict[str, Any]:
    """The TOML file at `path` as plain data; every way it can fail is a `ScenarioError`.

    A UTF-8 byte-order mark (as some Windows editors write) is accepted. Tables and lists
    nested deeper than `MAX_DEPTH` are refused here, before anything recurses into them.
    `what` names the kind of file ("scenario", "sweep spec"); `where` prefixes the message
    that there is no such file (who asked for it: "child.toml: extends: ").
    """
    kind = _kind(path)
    if kind == "folder":
        raise ScenarioError(f"{where}{path}: is a folder, not a {what} file")
    if kind == "other":
        raise ScenarioError(
            f"{where}{path}: is a device or a pipe, not a {what} file; give a TOML file"
        )
    if kind != "file":
        shipped_names = f" (shipped: {_shipped_list()})" if what == "scenario" else ""
        raise ScenarioError(f"{where}{path}: no such {what} file{shipped_names}")
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB; not a {what}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML for this tool: nested too deeply") from None
    _not_too_deep(data, str(path))
    return data


def _not_too_deep(data: Any, source: str) -> None:
    """Data nested deeper than any scenario is refused before anything recurses into it."""
    deep = too_deep(data)
    if deep is not None:
        raise ScenarioError(f"{source}: {deep}: nested more than {MAX_DEPTH} tables or lists deep")


def _kind(path: Path) -> str | None:
    """ "file", "folder", "other" (a device, a pipe) or None (nothing there, or a path the
    system cannot even look up: too long, a NUL character)."""
    try:
        if path.is_file():
            return "file"
        return "folder" if path.is_dir() else "other" if path.exists() else None
    except (OSError, ValueError):
        return None


class _StateFile(NamedTuple):
    """A CSV file `[initial_state]` may name instead of listing its entries
    (`STATE_FILE_ENTRIES`): its month and number columns, and the column saying what is
    counted."""

    month: str
    number: str
    what: str
    what_required: bool
    who: str = "caseworker"  # optional: the caseworker, a whole number


class StateOrigin(NamedTuple):
    """Where the entries of `initial_state.<entries>` came from: the key naming the CSV
    file (`where`), the file, each entry's line, and the entries as read."""

    where: str
    csv_path: Path
    lines: list[int]
    entries: list[dict[str, Any]]


STATE_FILES = {
    "cases_file": _StateFile("takeover", "cases", "kind", False),
    "tasks_file": _StateFile("created", "tasks", "task", True),
}


def _read_state_files(
    data: dict[str, Any], path: Path, origins: dict[str, StateOrigin] | None = None
) -> None:
    """Replace `initial_state.cases_file` and `tasks_file` (relative to the scenario file
    `path`) by the entries they list, so that the scenario holds the data, not file names;
    `origins` is told each entry's line (the last file read for a key wins, as `extends`
    merges)."""
    state = data.get("initial_state")
    if not isinstance(state, dict):
        return
    for key in STATE_FILES:
        if key not in state:
            continue
        name = state.pop(key)
        where = f"{path}: initial_state.{key}"
        if not isinstance(name, str):
            raise ScenarioError(f"{where}: must be a file name (a string)")
        entries = STATE_FILE_ENTRIES[key]
        if entries in state:
            raise ScenarioError(f"{where}: give {key} or {entries}, not both")
        csv_path = path.parent / name
        lines: list[int] = []
        state[entries] = read_state_file(key, csv_path, where, lines)
        if origins is not None:
            read = copy.deepcopy(state[entries])
            origins[entries] = StateOrigin(f"initial_state.{key}", csv_path, lines, read)


def located(message: str, data: dict[str, Any], origins: Mapping[str, StateOrigin]) -> str:
    """`message` (a scenario's problems) with each key path into entries read from a CSV
    file (``initial_state.open_cases.3.kind``) told as that file's line and column
    (``initial_state.cases_file: FILE, line 5, kind``), where the validated data still
    holds the entries as read (no --set or later file replaced them)."""
    state = data.get("initial_state")
    for entries, origin in origins.items():
        if not isinstance(state, dict) or state.get(entries) != origin.entries:
            continue

        def line(match: re.Match[str], origin: StateOrigin = origin) -> str:
            column = f", {match[2]}" if match[2] else ""
            return f"{origin.where}: {origin.csv_path}, line {origin.lines[int(match[1])]}{column}"

        message = re.sub(rf"initial_state\.{entries}\.(\d+)(?:\.(\w+))?", line, message)
    return message


def read_state_file(
    key: str, csv_path: Path, where: str, lines: list[int] | None = None
) -> list[dict[str, Any]]:
    """The entries a CSV file named by `initial_state.<key>` lists, as a case system would
    export them: open cases (takeover, cases and, optionally, kind) or waiting tasks (task,
    created, tasks), each optionally with the caseworker who holds them.

    The file has a header and those columns; other columns are an error (a misspelt header
    would otherwise be lost), and so is a line with more or fewer fields than the header (a
    field left out would shift the rest: an empty one is written ``,,``). Months are
    YYYY-MM or YYYY-MM-DD, counts whole numbers. Every problem names the file and the
    line; `lines` is told each entry's line.
    """
    form = STATE_FILES[key]
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(f"{where}: {csv_path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{where}: {csv_path}: cannot be read ({exc})") from None
    reader = csv.reader(text.splitlines())
    names = [c.strip() for c in next(reader, [])]
    header = set(names)
    needed = [form.month, form.number] + ([form.what] if form.what_required else [])
    allowed = {form.month, form.number, form.what, form.who}
    if not set(needed) <= header or not header <= allowed:
        optional = ([] if form.what_required else [form.what]) + [form.who]
        also = f" and optionally {' and '.join(optional)}"
        raise ScenarioError(
            f"{where}: {csv_path}: the header must name {', '.join(needed)}{also} "
            f"(got {', '.join(sorted(header)) or 'nothing'})"
        )
    entries = []
    for line, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(names):
            raise ScenarioError(
                f"{where}: {csv_path}, line {line}: {len(fields)} fields, but the header "
                f"names {len(names)} ({', '.join(names)}); an empty field is written ,,"
            )
        row = {k: v.strip() for k, v in zip(names, fields, strict=True)}
        try:
            month = row[form.month]
            entry: dict[str, Any] = {
                form.month: dt.date.fromisoformat(month + "-01" if len(month) == 7 else month),
                form.number: int(row[form.number]),
            }
            if row.get(form.who):
                entry[form.who] = int(row[form.who])
        except ValueError:
            raise ScenarioError(
                f"{where}: {csv_path}, line {line}: {form.month} must be YYYY-MM or "
                f"YYYY-MM-DD, and {form.number} and {form.who} whole numbers (got "
                f"{row.get(form.month)!r}, {row.get(form.number)!r}, {row.get(form.who)!r})"
            ) from None
        if row.get(form.what):
            entry[form.what] = row[form.what]
        entries.append(entry)
        if lines is not None:
            lines.append(line)
    return entries


def _shipped_list() -> str:
    return ", ".join(name for name in shipped.names() if not name.startswith("sweeps"))


def scenario_path(path: str | Path) -> Path:
    """The file `path`, or where none is, the shipped scenario it names ("baseline"), even
    beside a folder so named; else `path` as it is (reading it says what is wrong)."""
    path = Path(path)
    if _kind(path) != "file":
        path = shipped.find(path) or path
    return path


def scenario_from_dict(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate plain data into a Scenario; errors name `source`."""
    _not_too_deep(data, source)
    try:
        return Scenario.model_validate(data, strict=True)
    except ValidationError as exc:
        raise ScenarioError(report(exc, Scenario, source, "scenario")) from None


def changed_scenario(data: dict[str, Any], changes: Mapping[str, Any], source: str) -> Scenario:
    """`data` with each ``key path -> value`` of `changes` set, validated; errors name `source`."""
    _not_too_deep(data, source)
    try:
        data = with_values(data, changes)
    except KeyError as exc:
        raise ScenarioError(f"{source}: {exc.args[0]}") from None
    return scenario_from_dict(data, source)


def load_scenario(
    path: str | Path,
    overrides: list[str] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> Scenario:
    """Load, merge (`extends`), override and validate a scenario file.

    `path` is a file, or the name of a shipped scenario ("baseline"). `overrides` are
    command-line ``key.path=value`` texts, `changes` ``key path -> value`` pairs; both are
    set with the one key-path setter (`simulator.scenario.keys`).
    """
    path = scenario_path(path)
    origins: dict[str, StateOrigin] = {}
    data = read_toml(path.resolve() if _kind(path) is not None else path, origins=origins)
    data = apply_overrides(data, overrides or [])
    source = str(path) + (f" with --set {' '.join(overrides)}" if overrides else "")
    try:
        return changed_scenario(data, changes or {}, source)
    except ScenarioError as exc:
        raise ScenarioError(located(str(exc), data, origins)) from None
