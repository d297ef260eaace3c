"""Errors a user can act on: each names the file, the key path and what is allowed.

One formatter turns pydantic's validation errors into such lines for any table schema
(a scenario, a sweep spec): the key path as the user wrote it, what is wrong, the value
given, and for an unknown key the keys allowed there and the nearest spelling.
"""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError


class ScenarioError(Exception):
    """A scenario that cannot be used; the message names the file, the key and what is allowed."""


def problems(exc: ValidationError, root: type[BaseModel]) -> list[str]:
    """Every error of `exc` (validating `root`) as one line 'key.path: what is wrong'.

    A check of the whole (a policy timeline's entries) may report several problems in one
    error, a line each: each is a problem of its own here."""
    return [line for error in exc.errors() for line in _describe(error, root).splitlines()]


def report(exc: ValidationError, root: type[BaseModel], source: str, what: str) -> str:
    """The whole message: '<source>: N problems in the <what>' and one line per problem."""
    lines = problems(exc, root)
    head = f"{source}: {len(lines)} problem{'s' if len(lines) > 1 else ''} in the {what}"
    return "\n  ".join([head, *lines])


def _describe(error: Any, root: type[BaseModel]) -> str:
    """One pydantic error as 'key.path: what is wrong (got X)'."""
    path = _walk(error["loc"], root)[0]
    key = ".".join(path)
    kind, msg = error["type"], error["msg"]
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{key}: must be a table (got {type(error.get('input')).__name__})"
    if kind == "extra_forbidden":
        parent = _walk(error["loc"][:-1], root)[1]
        allowed = [f.alias or n for n, f in parent.model_fields.items()] if parent else []
        close = difflib.get_close_matches(path[-1], allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{key}: unknown key{hint} Allowed here: {', '.join(allowed)}".replace(
            "key Allowed", "key. Allowed"
        )
    if kind == "missing":
        return f"{key}: required key is missing"
    if kind.startswith("value_error"):
        msg = msg.removeprefix("Value error, ")
    got = error.get("input")
    shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
    return f"{key}: {msg}{shown}" if key else f"{msg}{shown}"


def _walk(loc: tuple[Any, ...], root: type[BaseModel]) -> tuple[list[str], type[BaseModel] | None]:
    """Follow a pydantic error location through the schema.

    Returns the path as the user wrote it (pydantic inserts the chosen member of a
    discriminated union, e.g. 'lognormal', which is no key of the file) and the
    model class of the table the path ends in, if it ends in one.
    """
    node: Any = root
    path: list[str] = []
    for part in loc:
        node = _unwrap(node)
        members = _union_members(node)
        if members and part in members:
            node = members[part]
            continue
        path.append(str(part))
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = next((f for n, f in node.model_fields.items() if part in (n, f.alias)), None)
            node = field.annotation if field else None
        elif get_origin(node) in (dict, list):
            node = get_args(node)[-1]
        else:
            node = None
    node = _unwrap(node)
    model = node if isinstance(node, type) and issubclass(node, BaseModel) else None
    return path, model


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] down to the type underneath."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _union_members(node: Any) -> dict[str, type[BaseModel]]:
    """For a tagged union of models (distributions, triggers): tag -> member class."""
    if get_origin(node) not in (Union, types.UnionType):
        return {}
    members = {}
    for member in get_args(node):
        if isinstance(member, type) and issubclass(member, BaseModel):
            for name in ("dist", "on"):
                if name in member.model_fields:
                    for tag in get_args(member.model_fields[name].annotation):
                        members[tag] = member
    return members
