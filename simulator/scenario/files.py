"""Reading scenarios: a TOML file (with `extends`), command-line changes, and validation.

`load_scenario` reads a file, resolves `extends` (a file name relative to the file that
extends it), applies ``--set`` changes and validates the whole; `scenario_from_dict`
validates plain data. Every problem is a `ScenarioError` naming the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulator.scenario import shipped
from simulator.scenario.bounds import MAX_DEPTH, too_deep
from simulator.scenario.errors import ScenarioError, report
from simulator.scenario.keys import apply_overrides, with_values
from simulator.scenario.merge import deep_merge
from simulator.scenario.schema import Scenario

MAX_EXTENDS = 16  # files in one extends chain: deeper is surely a mistake
MAX_FILE_BYTES = 4 * 2**20  # the baseline is 20 kB


def read_toml(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file, resolving `extends` (relative to the file) recursively."""
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
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip() or "\0" in parent:
        raise ScenarioError(f"{path}: extends: must be a file name (a string)")
    beside = (path.parent / parent).resolve()
    fallback = None if _kind(beside) == "file" else shipped.find(parent)
    base = read_toml(fallback or beside, (*chain, path))
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


def _shipped_list() -> str:
    return ", ".join(name for name in shipped.names() if not name.startswith("sweeps"))


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
    path = Path(path)
    if _kind(path) is None:
        path = shipped.find(path) or path
    data = read_toml(path.resolve() if _kind(path) is not None else path)
    data = apply_overrides(data, overrides or [])
    source = str(path) + (f" with --set {' '.join(overrides)}" if overrides else "")
    if changes:
        return changed_scenario(data, changes, source)
    return scenario_from_dict(data, source)
