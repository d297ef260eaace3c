"""The scenario reference, read from the schema: every key, what it means, its unit and source.

Each key of a scenario is documented where it is declared (`schema.about`): a description
for a planner, its unit and where its value comes from. This module reads them with the
type, default and allowed values that pydantic knows, for two readers:

- `describe("caseworkers.weekly_hours")` documents one key by its dotted path (the app's
  tooltips); list indexes and the names of user-named tables are allowed
  (``caseworkers.staffing.0.caseworkers``, ``tasks.reception.duration_hours.mean``).
- `render()` writes the reference page, one section per table in the schema's order::

      python -m simulator.scenario.reference > docs/reference/scenario.md
      python -m simulator.scenario.reference --write

`undocumented()` lists the keys and tables that lack a description. Nothing here is
particular to today's tables: a table or key added to the schema appears on the page
(and in `undocumented` until it is described) without a change here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import inspect
import json
import re
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simulator.scenario.distributions import FIELD_UNIT
from simulator.scenario.keys import split
from simulator.scenario.schema import Scenario

PAGE = Path("docs/reference/scenario.md")  # where --write puts the page, from the repository
KINDS_AFTER = "tasks"  # the section of triggers and distributions follows this table's
# Tagged unions of tables, by the key that names the kind: (one of them, the section title).
KIND_NAMES = {"on": ("trigger", "Triggers"), "dist": ("distribution", "Distributions")}
TYPE_NAMES: dict[Any, tuple[str, str]] = {  # Python type: (name, plural)
    float: ("number", "numbers"),
    int: ("whole number", "whole numbers"),
    bool: ("true or false", "true-or-false values"),
    str: ("text", "texts"),
    dt.date: ("date", "dates"),
    Any: ("value", "values"),
}


# --------------------------------------------------------------------------- what a key holds


@dataclass(frozen=True)
class Bounds:
    """The range a number must lie in (pydantic's ge, gt, le, lt); None where open."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    def __str__(self) -> str:
        """In words: "0 to 1", "> 0 and ≤ 80", "≥ 0"; empty when there are no bounds."""
        if self.ge is not None and self.le is not None:
            return f"{self.ge:g} to {self.le:g}"
        signs = (("≥", self.ge), (">", self.gt), ("≤", self.le), ("<", self.lt))
        return " and ".join(f"{sign} {value:g}" for sign, value in signs if value is not None)


@dataclass(frozen=True)
class _Node:
    """What an annotation holds: a value, a table (model), tables of several kinds (a tagged
    union), a list or a table of user-named entries (a dict); with the constraints of
    this level."""

    kind: Literal["value", "table", "kinds", "list", "map"]
    type: Any = None  # the Python type of a value, the model class of a table
    items: _Node | None = None  # of a list or map
    members: dict[str, type[BaseModel]] = field(default_factory=dict)  # of kinds, by tag
    tag: str = ""  # the key that names the kind
    constraints: tuple[Any, ...] = ()
    choices: tuple[Any, ...] = ()  # a Literal's values

    @property
    def leaf(self) -> _Node:
        """What the entries hold, through lists and maps (lists of numbers per kind)."""
        return self.items.leaf if self.items is not None else self

    @property
    def tables(self) -> bool:
        """A table, or a list or map of them: documented in a section of its own."""
        return self.leaf.kind == "table"


def _node(annotation: Any, metadata: Sequence[Any] = ()) -> _Node:
    """Read an annotation: strip Annotated (collecting constraints) and Optional."""
    constraints = list(metadata)
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:
                constraints.extend(item.metadata if isinstance(item, FieldInfo) else [item])
            continue
        if origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
            return _kinds([_node(m).type for m in members], tuple(constraints))
        break
    if origin is Literal:
        args = get_args(annotation)
        return _Node("value", type(args[0]), constraints=tuple(constraints), choices=args)
    if origin is list:
        return _Node("list", items=_node(get_args(annotation)[0]), constraints=tuple(constraints))
    if origin is dict:
        return _Node("map", items=_node(get_args(annotation)[1]), constraints=tuple(constraints))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _Node("table", annotation, constraints=tuple(constraints))
    return _Node("value", annotation, constraints=tuple(constraints))


def _kinds(members: list[Any], constraints: tuple[Any, ...]) -> _Node:
    """A tagged union of tables: the key whose Literal value names each member."""
    if not all(isinstance(m, type) and issubclass(m, BaseModel) for m in members):
        raise TypeError(f"a union the reference cannot document: {members}")
    for tag in members[0].model_fields:
        if all(
            get_origin(m.model_fields.get(tag, FieldInfo()).annotation) is Literal for m in members
        ):
            by_tag = {get_args(m.model_fields[tag].annotation)[0]: m for m in members}
            return _Node("kinds", members=by_tag, tag=tag, constraints=constraints)
    raise TypeError(f"a union of tables with no key naming the kind: {members}")


# --------------------------------------------------------------------------- one key


@dataclass(frozen=True)
class KeyDoc:
    """Everything documented about one scenario key: what the app shows as a tooltip.

    `default` is the value used when the key is left out, as plain data (None where the
    key is required, or left out means none); `bounds` and `choices` constrain the value
    or, when `each` is true, each entry of its list or table.
    """

    key: str
    type: str
    description: str
    unit: str | None = None
    source: str | None = None
    default: Any = None
    required: bool = False
    bounds: Bounds = Bounds()
    choices: tuple[Any, ...] = ()
    each: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    @property
    def allowed(self) -> str:
        """The allowed values in words: a range, a choice, a minimum number of entries."""
        parts = []
        if self.choices:
            parts.append("one of " + ", ".join(_toml(c) for c in self.choices))
        if str(self.bounds):
            parts.append(str(self.bounds))
        if parts and self.each:
            parts = ["each " + "; ".join(parts)]
        for words, length in (("at least", self.min_length), ("at most", self.max_length)):
            if length is not None:
                noun = ("character", "characters") if self.type == "text" else ("entry", "entries")
                parts.append(f"{words} {length} {noun[length != 1]}")
        if self.pattern is not None:
            parts.append(f"matching {self.pattern}")
        return "; ".join(parts)


def _constraint(node: _Node, name: str) -> Any:
    return next(
        (getattr(c, name) for c in node.constraints if getattr(c, name, None) is not None), None
    )


def _bounds(node: _Node) -> Bounds:
    return Bounds(*(_constraint(node, name) for name in ("ge", "gt", "le", "lt")))


def _type_name(node: _Node, entry: str | None = None, plural: bool = False) -> str:
    """The type of a key in words: "number", "list of tables", "table per name"."""
    if node.kind == "value":
        names = TYPE_NAMES.get(node.type, (node.type.__name__, node.type.__name__ + "s"))
        return names[plural]
    if node.kind == "table":
        return "tables" if plural else "table"
    if node.kind == "kinds":
        name = KIND_NAMES.get(node.tag, ("table", ""))[0]
        return name + "s" if plural else name
    assert node.items is not None
    if node.kind == "list":
        return ("lists" if plural else "list") + " of " + _type_name(node.items, plural=True)
    return f"{_type_name(node.items, plural=plural)} per {entry or 'name'}"


def _extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def _plain(value: Any) -> Any:
    """A default as plain data: tables as dicts by the keys a scenario uses."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", by_alias=True, exclude_none=True)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _key_doc(key: str, info: FieldInfo, node: _Node, unit: str | None = None) -> KeyDoc:
    """The documentation of a field of a table; `unit` replaces FIELD_UNIT (a distribution's
    parameters are in the unit of the key the distribution is given for)."""
    extra = _extra(info)
    own_unit = extra.get("unit")
    if own_unit == FIELD_UNIT and unit is not None:
        own_unit = unit
    inner = node.leaf
    required = info.is_required()
    return KeyDoc(
        key=key,
        type=_type_name(node, extra.get("entry")),
        description=info.description or "",
        unit=own_unit,
        source=extra.get("source"),
        default=None if required else _plain(info.get_default(call_default_factory=True)),
        required=required,
        bounds=_bounds(inner),
        choices=inner.choices,
        each=inner is not node,
        min_length=_constraint(node, "min_length"),
        max_length=_constraint(node, "max_length"),
        pattern=_constraint(node, "pattern"),
    )


def _entry_doc(key: str, parent: KeyDoc, node: _Node, default: Any) -> KeyDoc:
    """The documentation of one entry of a list or of a table of user-named entries."""
    if node.kind == "table":
        doc = inspect.cleandoc(node.type.__doc__ or "").split("\n\n")[0].replace("\n", " ")
        return KeyDoc(key=key, type="table", description=doc, default=default)
    return KeyDoc(
        key=key,
        type=_type_name(node),
        description=parent.description,
        unit=parent.unit,
        source=parent.source,
        default=default,
        bounds=_bounds(node.leaf),
        choices=node.leaf.choices,
        each=node.leaf is not node,
    )


def _field(model: type[BaseModel], part: str, where: str) -> tuple[str, FieldInfo]:
    """The field of `model` that a scenario writes as `part` (its name or alias)."""
    for name, info in model.model_fields.items():
        if part in (name, info.alias):
            return name, info
    allowed = [info.alias or name for name, info in model.model_fields.items()]
    close = difflib.get_close_matches(part, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    raise KeyError(f"{where}: unknown key{hint} Allowed here: {', '.join(allowed)}")


def describe(
    key_path: str,
    data: Mapping[str, Any] | BaseModel | None = None,
    root: type[BaseModel] = Scenario,
) -> KeyDoc:
    """The documentation of the key at a dotted path, e.g. ``caseworkers.weekly_hours``.

    A list is indexed by a number (``caseworkers.staffing.0.caseworkers``) and a table of
    user-named tables by any name (``tasks.reception.duration_hours``: every task has the
    same keys). A trigger's or distribution's keys depend on its kind: a key that means
    different things in different kinds (a trigger's ``days``) needs the scenario as
    `data` (a Scenario or its plain data) to tell which kind is meant.
    Raises `KeyError` with a readable message for a path the schema does not have.
    """
    parts = split(key_path)
    value: Any = _plain(data) if data is not None else None
    node, doc = _Node("table", root), None
    for depth, part in enumerate(parts):
        where = ".".join(parts[: depth + 1])
        above = ".".join(parts[:depth]) or "the scenario"
        if node.kind == "kinds":
            unit = doc.unit if doc is not None else None
            _, info = _field(_member(node, part, value, where), part, where)
            node = _node(info.annotation, info.metadata)
            doc = _key_doc(where, info, node, unit)
        elif node.kind == "table":
            _, info = _field(node.type, part, where)
            node = _node(info.annotation, info.metadata)
            doc = _key_doc(where, info, node)
        elif node.kind in ("list", "map"):
            items = node.items
            assert items is not None and doc is not None
            if node.kind == "list" and not part.isdigit():
                raise KeyError(f"{above} is a list; index it with a number")
            node, doc = items, _entry_doc(where, doc, items, _entry(doc.default, part))
        else:
            raise KeyError(f"{above} is a value, not a table or list")
        value = _entry(value, part)
    assert doc is not None
    return doc


def _has(model: type[BaseModel], part: str) -> bool:
    return any(part in (name, info.alias) for name, info in model.model_fields.items())


def _member(node: _Node, part: str, value: Any, where: str) -> type[BaseModel]:
    """The kind (member class) whose key `part` is meant: the kind `value` names, or else
    any kind that has the key, if all that have it document it alike."""
    if isinstance(value, Mapping) and value.get(node.tag) in node.members:
        return node.members[value[node.tag]]
    having = {tag: m for tag, m in node.members.items() if _has(m, part)}
    if not having:
        allowed = sorted({key for m in node.members.values() for key in _aliases(m)})
        raise KeyError(f"{where}: no kind has this key. Allowed here: {', '.join(allowed)}")
    infos = [_field(m, part, where)[1] for m in having.values()]
    if len({(i.description, repr(_extra(i))) for i in infos}) > 1:
        raise KeyError(
            f"{where}: the key means different things for the kinds "
            f"{', '.join(map(repr, having))}; pass the scenario to tell which"
        )
    return next(iter(having.values()))


def _aliases(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _entry(value: Any, part: str) -> Any:
    """The entry `part` of a list or dict, or None where there is none."""
    if isinstance(value, Mapping):
        return value.get(part)
    if isinstance(value, list) and part.isdigit() and int(part) < len(value):
        return value[int(part)]
    return None


# --------------------------------------------------------------------------- the tables


@dataclass(frozen=True)
class _Section:
    """A table of the schema as the page documents it."""

    heading: str  # as a scenario writes it: [caseworkers], [[caseworkers.staffing]], [tasks.<name>]
    path: str  # the key path of its keys: caseworkers.staffing.<i>
    model: type[BaseModel]
    level: int  # 2 for a table of the scenario, 3 for one inside it


@dataclass
class _Schema:
    """The tables of a root schema in its order, and the tagged unions its keys use."""

    sections: list[_Section] = field(default_factory=list)  # depth first, in key order
    kinds: dict[str, _Node] = field(default_factory=dict)  # by the key naming the kind
    uses: list[tuple[str, str, str | None]] = field(default_factory=list)  # path, tag, unit

    def kinds_in_order(self) -> list[str]:
        """The tagged unions, those used in the KINDS_AFTER table first, in order of use."""
        first = [tag for path, tag, _ in self.uses if path.split(".")[0] == KINDS_AFTER]
        return list(dict.fromkeys(first + [tag for _, tag, _ in self.uses]))


def _child(path: str, key: str, info: FieldInfo, node: _Node) -> tuple[str, str]:
    """(heading, key path) of the table or tables a key holds."""
    where = f"{path}.{key}" if path else key
    entry = f"<{_extra(info).get('entry') or ('i' if node.kind == 'list' else 'name')}>"
    if node.kind == "list":
        return f"[[{where}]]", f"{where}.{entry}"
    if node.kind == "map":
        return f"[{where}.{entry}]", f"{where}.{entry}"
    return f"[{where}]", where


def _walk(root: type[BaseModel]) -> _Schema:
    """Every table reachable from `root` (but the members of tagged unions), depth first."""
    schema = _Schema()

    def visit(section: _Section) -> None:
        schema.sections.append(section)
        for name, info in section.model.model_fields.items():
            key, node = info.alias or name, _node(info.annotation, info.metadata)
            if node.leaf.kind == "kinds":
                schema.kinds.setdefault(node.leaf.tag, node.leaf)
                where = f"{section.path}.{key}" if section.path else key
                schema.uses.append((where, node.leaf.tag, _extra(info).get("unit")))
            elif node.tables:
                heading, path = _child(section.path, key, info, node)
                visit(_Section(heading, path, node.leaf.type, 3 if section.path else 2))

    visit(_Section("Top level", "", root, 2))
    return schema


def _own_fields(section: _Section) -> Iterator[tuple[str, FieldInfo, _Node]]:
    """The keys documented in a section; the root's tables have sections of their own."""
    for key, info in section.model.model_fields.items():
        node = _node(info.annotation, info.metadata)
        if section.path or not node.tables:
            yield info.alias or key, info, node


def documented_keys(root: type[BaseModel] = Scenario) -> list[str]:
    """The key path of every key on the page, in its order (``tasks.<name>.meeting``);
    the keys of triggers and distributions are left out (they depend on the kind)."""
    schema = _walk(root)
    return [
        f"{section.path}.{key}" if section.path else key
        for section in schema.sections
        for key, _, _ in _own_fields(section)
    ]


def undocumented(root: type[BaseModel] = Scenario) -> list[str]:
    """Key paths without a description, and tables without a docstring of their own."""
    schema = _walk(root)
    missing = []
    tables = [(s.path, s.model) for s in schema.sections]
    for tag, node in schema.kinds.items():
        tables += [(f"{{ {tag} = {_toml(kind)} }}", m) for kind, m in node.members.items()]
    for path, model in tables:
        if not (model.__doc__ or "").strip():
            missing.append(
                f"{path or 'the scenario'} (the table: {model.__name__} has no docstring)"
            )
        for name, info in model.model_fields.items():
            if not (info.description or "").strip():
                missing.append(f"{path}.{info.alias or name}" if path else name)
    return missing


# --------------------------------------------------------------------------- the page

INTRO = """\
# Scenario reference

<!-- Generated from simulator/scenario/schema.py by
     `python -m simulator.scenario.reference --write`: edit the schema, not this file. -->

Every key a scenario file may have, table by table in the order of the schema (and of
`scenarios/baseline.toml`): its type, its default (the value used when the key is left
out), the values allowed, its unit, what it means and where its value comes from.

- *required*: the key has no default. A table whose default is *none* is switched off
  unless the scenario gives it.
- A *source* is for the default or, where they differ, for the value in
  `scenarios/baseline.toml`, whose comments name the same sources. *assumption*: no
  source; replace it with local knowledge. Sources are cited by title: see
  [the domain](../domain.md).
- `<name>`, `<type>` and the like stand for names you choose (`[tasks.reception]`),
  `<i>` for the position in a list, counted from 0 (`caseworkers.staffing.0.caseworkers`):
  the key paths that `caseload run --set` and sweep factors take.
- `extends = "other.toml"`, at the top of a file, is read before validation: the file
  changes only what differs from the other (tables merge key by key; lists and values
  replace).
"""


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")


def _toml(value: Any) -> str:
    """A value as a scenario file writes it (inline)."""
    if isinstance(value, BaseModel):
        value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_toml(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    return repr(value)


def _default(doc: KeyDoc, info: FieldInfo, node: _Node) -> str:
    if doc.required:
        return "required"
    if doc.default is None:
        return "none"
    if node.kind == "table":
        try:
            if info.get_default(call_default_factory=True) == node.type():
                return "its defaults"
        except ValueError:  # a table with required keys has no defaults to compare
            pass
    return f"`{_toml(doc.default)}`"


def _md(text: str) -> str:
    """Text for Markdown: a '<' outside code would start an HTML tag."""
    parts = re.split(r"(`+[^`]*`+)", text)
    return "".join(p if p.startswith("`") else p.replace("<", "&lt;") for p in parts)


def _type_cell(doc: KeyDoc, section: _Section, key: str, info: FieldInfo, node: _Node) -> str:
    """The type, linked to the section of the tables or the kinds the key holds."""
    if node.tables:
        return f"[{doc.type}](#{_anchor(_child(section.path, key, info, node)[0])})"
    if node.leaf.kind == "kinds":
        return f"[{doc.type}](#{_anchor(_kind_title(node.leaf.tag))})"
    return doc.type


def _kind_title(tag: str) -> str:
    return KIND_NAMES.get(tag, ("", f"Tables by {tag}"))[1]


def _section(section: _Section, skip: str | None = None) -> list[str]:
    """A table's heading, its docstring, a row per key and a paragraph per key."""
    quoted = section.heading if section.level == 2 and not section.path else f"`{section.heading}`"
    lines = ["#" * section.level + " " + quoted, ""]
    if section.path:
        lines += [_md(inspect.cleandoc(section.model.__doc__ or "")), ""]
    rows, notes = [], []
    for key, info, node in _own_fields(section):
        if key == skip:
            continue
        doc = _key_doc(f"{section.path}.{key}" if section.path else key, info, node)
        cells = [f"`{key}`", _type_cell(doc, section, key, info, node), _default(doc, info, node)]
        cells += [_md(doc.allowed), _md(doc.unit or "")]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        source = f" *Source:* {doc.source.rstrip('.')}." if doc.source else ""
        notes.append(f"- **`{key}`**: {_md(doc.description)}{_md(source)}")
    if rows:
        lines += ["| key | type | default | allowed | unit |", "| --- | --- | --- | --- | --- |"]
        lines += [*rows, "", *notes, ""]
    elif skip is not None:
        lines += ["No other keys.", ""]
    elif not section.path:
        return []  # a root whose keys are all tables
    return lines


def _kinds_section(schema: _Schema) -> list[str]:
    """The tagged unions (triggers, distributions): each kind with its keys."""
    tags = schema.kinds_in_order()
    if not tags:
        return []
    titles = [_kind_title(tag) for tag in tags]
    title = " and ".join([", ".join(titles[:-1]), titles[-1]] if len(titles) > 1 else titles)
    lines = [f"## {title[0]}{title[1:].lower()}", ""]
    for tag, plural in zip(tags, titles, strict=True):
        used = [
            f"`{path}`" + (f" ({unit})" if unit else "")
            for path, t, unit in schema.uses
            if t == tag
        ]
        lines += [f"### {plural}", ""]
        members = schema.kinds[tag].members.values()
        in_key_unit = any(
            _extra(i).get("unit") == FIELD_UNIT for m in members for i in m.model_fields.values()
        )
        note = (
            f" A number in *{FIELD_UNIT}* is in the unit of the key it is given for, named "
            "here in brackets."
        )
        lines += [
            f"An inline table whose `{tag}` key names its kind, with the keys of that kind. "
            f"Used by {', '.join(used)}.{note if in_key_unit else ''}",
            "",
        ]
        for kind, member in schema.kinds[tag].members.items():
            heading = f"{tag} = {_toml(kind)}"
            lines += _section(_Section(heading, f"<{tag} = {kind}>", member, 4), skip=tag)
    return lines


def _squeeze(lines: list[str]) -> list[str]:
    """No two blank lines in a row."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return out


def render(root: type[BaseModel] = Scenario) -> str:
    """The reference page of every key of `root`, as Markdown: a section per table in the
    schema's order, the triggers and distributions after the KINDS_AFTER table."""
    schema = _walk(root)
    lines, previous, placed = [INTRO], None, False
    for section in schema.sections:
        if section.level == 2:
            if previous == KINDS_AFTER:
                lines += _kinds_section(schema)
                placed = True
            previous = section.path.split(".")[0]
        lines += _section(section)
    if not placed:
        lines += _kinds_section(schema)
    return "\n".join(_squeeze(lines)).rstrip() + "\n"


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator.scenario.reference",
        description="Print the scenario reference (Markdown), generated from the schema.",
    )
    parser.add_argument(
        "--write",
        nargs="?",
        const=PAGE,
        type=Path,
        metavar="PATH",
        help=f"write it to PATH instead (default: {PAGE}, from the repository's root)",
    )
    args = parser.parse_args(argv)
    page = render()
    if args.write is None:
        sys.stdout.write(page)
        return 0
    args.write.parent.mkdir(parents=True, exist_ok=True)
    args.write.write_text(page, encoding="utf-8")
    print(f"wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
