"""Setting a scenario key by its dotted path: the one setter behind `--set`, sweep factors,
the planner and calibration.

A key path names a value inside the scenario's tables, ``caseworkers.weekly_hours``, and
may index a list with a number, ``caseworkers.staffing.0.caseworkers`` (the first staffing
entry's caseworkers). A value is set the way `extends` merges (`merge.deep_merge`): a
table given as the value merges into the table there, and giving one arrival schedule
drops the others. A path that does not fit the data (a number into a table, a name into
a list, an index past the end, a key below a plain value) is an error that says so.
`without` removes the key at a path, so that its default applies again (a policy
timeline's ``unset``).
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from typing import Any

from simulator.scenario.bounds import MAX_DEPTH
from simulator.scenario.errors import ScenarioError
from simulator.scenario.merge import deep_merge

KeyPath = str | list[str]


def split(key: KeyPath) -> list[str]:
    """A key path as its parts: "a.b.0" -> ["a", "b", "0"]."""
    parts = key.split(".") if isinstance(key, str) else list(key)
    if not parts or not all(parts):
        raise KeyError(f"the key path {'.'.join(parts)!r} has an empty part")
    if len(parts) > MAX_DEPTH:  # no scenario key is that deep; setting it would recurse
        shown = ".".join(parts[:4])
        raise KeyError(f"the key path {shown}... has {len(parts)} parts (at most {MAX_DEPTH})")
    return parts


def with_value(data: dict[str, Any], key: KeyPath, value: Any) -> dict[str, Any]:
    """`data` (unchanged) with the key at `key` set to `value`.

    Raises `KeyError` with a readable message when the path does not fit the data.
    """
    path = split(key)
    return deep_merge(data, _change(data, path, plain(value), 0))


def with_values(data: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with every ``key path -> value`` of `changes` set, in order."""
    for key, value in changes.items():
        data = with_value(data, key, value)
    return data


def without(data: dict[str, Any], key: KeyPath) -> dict[str, Any]:
    """`data` (unchanged) without the key at `key`: its default applies again.

    Raises `KeyError` with a readable message when there is no such key to remove.
    """
    path = split(key)
    out = copy.deepcopy(data)
    node: Any = out
    for depth in range(len(path) - 1):
        node = _step(node, path, depth)
    last = path[-1]
    if isinstance(node, list) or not isinstance(node, dict) or last not in node:
        raise KeyError(f"{'.'.join(path)}: there is no such key to remove")
    del node[last]
    return out


def _step(node: Any, path: list[str], depth: int) -> Any:
    """The value at path[depth] inside `node`, for `without`."""
    part, where = path[depth], ".".join(path[: depth + 1])
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    if isinstance(node, dict) and part in node:
        return node[part]
    raise KeyError(f"{where}: there is no such key to remove")


def _change(node: Any, path: list[str], value: Any, depth: int) -> Any:
    """The nested table that sets path[depth:] inside `node` to `value`."""
    if depth == len(path):
        return value
    part, where = path[depth], ".".join(path[: depth + 1])
    if isinstance(node, list):
        if not part.isdigit():
            raise KeyError(f"{'.'.join(path[:depth])} is a list; index it with a number")
        index = int(part)
        if index >= len(node):
            n = len(node)
            raise KeyError(f"{where}: the list has {n} entries (indexes 0 to {n - 1})")
        entries = copy.deepcopy(node)
        inner = _change(node[index], path, value, depth + 1)
        both_tables = isinstance(entries[index], dict) and isinstance(inner, dict)
        entries[index] = deep_merge(entries[index], inner) if both_tables else inner
        return entries
    if node is None or isinstance(node, dict):
        if part.isdigit():
            raise KeyError(f"{where}: {'.'.join(path[:depth]) or 'the scenario'} is not a list")
        child = None if node is None else node.get(part)
        return {part: _change(child, path, value, depth + 1)}
    raise KeyError(f"{'.'.join(path[:depth])} is a value, not a table or list")


def plain(value: Any) -> Any:
    """numpy and pandas scalars as the Python values a scenario expects (strict mode)."""
    return value.item() if hasattr(value, "item") else value


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split a command line's ``key.path=value``; the value is read as TOML, else as text."""
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: expected key.path=value")
    key, raw = text.split("=", 1)
    key = key.strip()
    try:
        split(key)
    except KeyError as exc:
        raise ScenarioError(f"--set {text!r}: {exc.args[0]}") from None
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    except RecursionError:
        raise ScenarioError(f"--set {key}=...: the value is nested too deeply") from None
    return key, value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """`data` with each command-line ``key.path=value`` set (missing tables are created)."""
    for text in overrides:
        key, value = parse_assignment(text)
        if key == "extends":  # read with the file, before any --set
            raise ScenarioError(
                f"--set {text!r}: the scenario a file extends is read with the file; write "
                'extends = "..." in it, or run a file that extends the one you want'
            )
        try:
            data = with_value(data, key, value)
        except KeyError as exc:
            raise ScenarioError(f"--set {text!r}: {exc.args[0]}") from None
    return data
