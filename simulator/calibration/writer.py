"""Writing fitted values into a scenario file, keeping every other line and comment.

The baseline names the source of every value beside it, so `caseload calibrate --fit`
does not rewrite the file: it replaces, in place, the line of each fitted key (found in
its table) with the new value and a comment that says it was fitted, within which bounds
and by what. A key that is not on a line of its own in its table is an error.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from simulator.calibration.parameters import FREE, FREE_BY_NAME, REGISTER, changes_for, prefit
from simulator.scenario.errors import ScenarioError
from simulator.scenario.writing import check_beside, check_file, remember, replace_text

COMMENT_COLUMN = 29  # where the baseline's comments start


class WriteError(ValueError):
    """A fitted key that the scenario file does not set on a line of its own."""


def toml_value(value: Any) -> str:
    """`value` as TOML text on one line (tables inline, arrays on the line)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return tomli_w.dumps({"x": value}).split("=", 1)[1].strip()


def set_line(text: str, table: str, key: str, value: Any, comment: str) -> str:
    """`text` (a TOML file) with `key` of `[table]` set to `value`, commented `comment`."""
    lines = text.splitlines(keepends=True)
    inside = False
    for i, line in enumerate(lines):
        header = re.match(r"\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            inside = header.group(1).strip() == table
            continue
        if inside and re.match(rf"\s*{re.escape(key)}\s*=", line):
            body = f"{key} = {toml_value(value)}"
            lines[i] = f"{body.ljust(COMMENT_COLUMN - 1)} # {comment}\n"
            return "".join(lines)
    raise WriteError(f"[{table}] {key}: not set on a line of its own in the scenario file")


def comments(values: Mapping[str, float], when: dt.date) -> dict[str, str]:
    """The comment beside each fitted key path."""
    out = {}
    for number, p in enumerate(FREE, start=1):
        v = values[p.name]
        head = (f"fitted {when:%Y-%m-%d} by caseload calibrate --fit (docs/calibration.md, "
                f"P{number}: {p.low:g}-{p.high:g}, {p.reason})")  # fmt: skip
        for key in p.sets(v):
            out[key] = head
    k = values["self_support_hazard"]
    register = "; ".join(f"{kind} {'/'.join(f'{s:.0%}' for s in shares)}"
                         for kind, shares in REGISTER.items())  # fmt: skip
    out["exit.self_support"] = (
        f"fitted: the register's shares (Integration i tal 2016, cohort 2011: {register}) with "
        f"their hazard x {k:.3f}: the hazard of someone untraumatised whose employment effort "
        "has begun; danish_spouse as reunified (assumption). " + out["exit.self_support"]
    )
    return out


def fitted_text(path: Path, values: Mapping[str, float], when: dt.date | None = None) -> str:
    """The scenario file at `path` with the fitted `values` (free parameter name -> value)
    on their lines. Raises WriteError for a key the file does not set on a line of its own."""
    notes = comments(values, when or dt.date.today())
    text = path.read_text(encoding="utf-8")
    for key, value in changes_for(values).items():
        table, _, name = key.rpartition(".")
        text = set_line(text, table, name, value, notes[key])
    return text


def check_writable(path: Path, into: Path | None = None, force: bool = False) -> None:
    """Before a fit starts (it takes most of an hour): that its values can be written into
    the scenario at `path`, or into `into`, which must not replace a file without `force`.
    Raises ScenarioError naming the file and the key."""
    try:
        fitted_text(path, prefit())
    except WriteError as exc:
        raise ScenarioError(
            f"{path}: {exc} (calibrate --fit writes each fitted key on its line; set it "
            "there, or give --into a copy of the shipped baseline)"
        ) from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    target = into or path
    if into is not None and into.resolve() != path.resolve():
        check_file(into, force, "--into")
    check_beside(target, "--into" if into is not None else "calibrate --fit:")
    if target.exists() and not os.access(target, os.W_OK):  # read-only: kept so on purpose
        raise ScenarioError(f"{target}: cannot be written (the file is read-only)")


def write_fitted(
    path: Path,
    values: Mapping[str, float],
    when: dt.date | None = None,
    into: Path | None = None,
) -> None:
    """Write the fitted `values` (free parameter name -> value) into the scenario at `path`,
    or into a copy of it at `into`, all at once (never half a file). A copy is remembered
    as caseload's (`remember`): a later --force may replace it."""
    replace_text(into or path, fitted_text(path, values, when))
    if into is not None:
        remember([into])


__all__ = [
    "FREE_BY_NAME",
    "WriteError",
    "check_writable",
    "fitted_text",
    "set_line",
    "toml_value",
    "write_fitted",
]
