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
from simulator.scenario.errors import ScenarioError, report
from simulator.scenario.keys import apply_overrides, with_values
from simulator.scenario.merge import deep_merge
from simulator.scenario.schema import Scenario


def read_toml(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file, resolving `extends` (relative to the file) recursively."""
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError(f"{chain[0]}: extends: the chain loops ({cycle})")
    if not path.is_file():
        where = f"{chain[-1]}: extends: " if chain else ""
        raise ScenarioError(f"{where}{path}: no such scenario file (shipped: {_shipped_list()})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends: must be a file name (a string)")
    beside = (path.parent / parent).resolve()
    fallback = None if beside.is_file() else shipped.find(parent)
    base = read_toml(fallback or beside, (*chain, path))
    return deep_merge(base, data)


def _shipped_list() -> str:
    return ", ".join(name for name in shipped.names() if not name.startswith("sweeps"))


def scenario_from_dict(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate plain data into a Scenario; errors name `source`."""
    try:
        return Scenario.model_validate(data, strict=True)
    except ValidationError as exc:
        raise ScenarioError(report(exc, Scenario, source, "scenario")) from None


def changed_scenario(data: dict[str, Any], changes: Mapping[str, Any], source: str) -> Scenario:
    """`data` with each ``key path -> value`` of `changes` set, validated; errors name `source`."""
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
    if not path.exists():
        path = shipped.find(path) or path
    data = read_toml(path.resolve() if path.exists() else path)
    data = apply_overrides(data, overrides or [])
    source = str(path) + (f" with --set {' '.join(overrides)}" if overrides else "")
    if changes:
        return changed_scenario(data, changes, source)
    return scenario_from_dict(data, source)
