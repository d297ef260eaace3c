"""The scenario reference is generated from the schema: complete, current, and asked by key path."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import Field

from simulator.scenario import load_scenario
from simulator.scenario.reference import (
    Bounds,
    describe,
    documented_keys,
    main,
    render,
    undocumented,
)
from simulator.scenario.schema import Strict, Task, about

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "reference" / "scenario.md"
BASELINE = REPO / "scenarios" / "baseline.toml"


def concrete(key: str) -> str:
    """A documented key path with its placeholders filled: tasks.<name>.x -> tasks.any.x."""
    return re.sub(r"<\w+>", "any", key.replace("<i>", "0"))


# --------------------------------------------------------------------------- the page


def test_every_key_and_table_of_the_scenario_has_a_description() -> None:
    missing = undocumented()
    assert not missing, "describe these in simulator/scenario/schema.py:\n" + "\n".join(missing)


def test_the_committed_reference_page_is_the_one_the_schema_generates() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/reference/scenario.md is stale: run `python -m simulator.scenario.reference --write`"
    )


def test_the_page_has_a_section_per_table_in_the_order_of_the_schema() -> None:
    assert re.findall(r"^## (.*)$", render(), re.M) == [
        "Top level",
        "`[simulation]`",
        "`[calendar]`",
        "`[caseworkers]`",
        "`[arrivals]`",
        "`[households.<type>]`",
        "`[reunification]`",
        "`[case_mix]`",
        "`[exit]`",
        "`[tasks.<name>]`",
        "Triggers and distributions",
        "`[external]`",
        "`[interpreting]`",
        "`[absence]`",
        "`[stress]`",
        "`[turnover]`",
        "`[triage]`",
        "`[overtime]`",
        "`[costs]`",
        "`[initial_state]`",
        "`[[timeline]]`",
    ]


def test_a_key_is_shown_with_type_default_range_unit_description_and_source() -> None:
    page = render()
    assert "| `weekly_hours` | number | `37.0` | > 0 and ≤ 80 | hours a week |" in page
    assert '| `assignment` | text | `"fixed"` | one of "fixed", "pool" |  |' in page
    assert (
        "- **`weekly_hours`**: A caseworker's working week. *Source:* Danish full-time week."
        in page
    )


def test_every_documented_key_is_described_on_the_page() -> None:
    page = render()
    for key in documented_keys():
        description = describe(concrete(key)).description.replace("<", "&lt;")
        assert f"- **`{key.split('.')[-1]}`**: {description}" in page, key


def test_triggers_and_distributions_list_each_kind_with_its_keys() -> None:
    page = render()
    for kind in ("arrival", "after", "every", "rate", "reunification", "closure"):
        assert f'#### `on = "{kind}"`' in page
    for kind in ("fixed", "exponential", "lognormal", "triangular", "empirical"):
        assert f'#### `dist = "{kind}"`' in page
    assert "`tasks.<name>.duration_hours` (hours)" in page  # where each distribution is used


# --------------------------------------------------------------------------- new tables


class Policy(Strict):
    """A policy from a date on."""

    start: Annotated[dt.date, about("When it starts.")]
    level: Annotated[float, Field(ge=0, le=1), about("How strong.", unit="share", source="x")] = 0.5
    note: str = ""  # not described


class Toy(Strict):
    """A scenario with a table added after the tasks."""

    name: Annotated[str, about("A name.")]
    tasks: Annotated[dict[str, Task], about("The tasks.", entry="name")]
    policies: Annotated[list[Policy], about("Policies by date.")] = Field(default_factory=list)


def test_a_table_added_to_the_schema_gets_a_section_and_its_keys_rows() -> None:
    page = render(Toy)
    headings = re.findall(r"^## (.*)$", page, re.M)
    assert headings == [
        "Top level",
        "`[tasks.<name>]`",
        "Triggers and distributions",
        "`[[policies]]`",
    ]
    assert "| `level` | number | `0.5` | 0 to 1 | share |" in page
    assert "- **`level`**: How strong. *Source:* x." in page


def test_a_key_without_description_and_a_table_without_docstring_are_reported() -> None:
    class Bare(Strict):
        count: Annotated[int, about("How many.")] = 0

    class WithBare(Strict):
        """A scenario with an undocumented table."""

        bare: Annotated[Bare, about("A table.")] = Bare()
        policies: Annotated[list[Policy], about("Policies.")] = Field(default_factory=list)

    assert undocumented(WithBare) == [
        "bare (the table: Bare has no docstring)",
        "policies.<i>.note",
    ]


def test_about_adds_documentation_only() -> None:
    info = about("What it is.", unit="days", source="assumption")
    assert info.description == "What it is."
    assert info.json_schema_extra == {"unit": "days", "source": "assumption"}
    assert info.metadata == [] and info.is_required()  # no constraint, no default


# --------------------------------------------------------------------------- describe


def test_describe_a_key_of_a_table() -> None:
    doc = describe("caseworkers.weekly_hours")
    assert doc.description == "A caseworker's working week."
    assert (doc.unit, doc.source, doc.default) == ("hours a week", "Danish full-time week", 37.0)
    assert doc.bounds == Bounds(gt=0, le=80)
    assert doc.allowed == "> 0 and ≤ 80"
    assert not doc.required


def test_describe_an_entry_of_a_list_by_its_index() -> None:
    doc = describe("caseworkers.staffing.0.caseworkers")
    assert doc.required and doc.bounds == Bounds(ge=1) and doc.unit == "caseworkers"
    assert "sagsbehandlere" in doc.description


def test_describe_a_user_named_table_by_any_name() -> None:
    doc = describe("tasks.reception.duration_hours")
    assert doc == replace(describe("tasks.my_task.duration_hours"), key=doc.key)
    assert (doc.type, doc.unit, doc.required) == ("distribution", "hours", True)
    assert describe("households.family.share").bounds == Bounds(ge=0, le=1)
    assert describe("tasks.reception").type == "table"


def test_a_distribution_parameter_takes_the_unit_of_its_key() -> None:
    assert describe("tasks.reception.duration_hours.mean").unit == "hours"
    assert describe("reunification.processing_days.sd").unit == "days"
    assert describe("absence.sick_leave.spell_days.mean").unit == "working days"
    assert describe("tasks.reception.duration_hours.mean").bounds == Bounds(gt=0)


def test_describe_an_entry_of_a_table_of_values() -> None:
    share = describe("case_mix.status_share.convention")
    assert (share.default, share.bounds, share.unit) == (
        1.0,
        Bounds(ge=0, le=1),
        "share of refugees",
    )
    assert describe("case_mix.status_share").each
    assert describe("exit.self_support.refugee").allowed == "each 0 to 1"


def test_describe_gives_the_choices_of_a_choice() -> None:
    doc = describe("interpreting.phone")
    assert doc.choices == ("never", "always", "when_busy") and doc.default == "never"


def test_a_trigger_key_that_differs_by_kind_needs_the_scenario() -> None:
    with pytest.raises(KeyError, match="'after', 'every'; pass the scenario"):
        describe("tasks.follow_up.trigger.days")
    baseline = load_scenario(BASELINE)
    assert (
        describe("tasks.follow_up.trigger.days", baseline).description == "Days between two times."
    )
    plan = describe("tasks.integration_plan.trigger.days", baseline.to_dict())
    assert plan.description == "Days from the case's opening."


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("caseworkers.weekly_hour", "unknown key; did you mean 'weekly_hours'? Allowed here:"),
        ("caseworkers.staffing.first", "caseworkers.staffing is a list; index it with a number"),
        ("caseworkers.weekly_hours.x", "caseworkers.weekly_hours is a value, not a table"),
        ("tasks.x.duration_hours.median", "no kind has this key. Allowed here: dist, high"),
        ("caseworkers..weekly_hours", "has an empty part"),
    ],
)
def test_describe_a_key_the_schema_does_not_have(key: str, message: str) -> None:
    with pytest.raises(KeyError) as error:
        describe(key)
    assert message in error.value.args[0]


def test_describe_knows_every_key_on_the_page() -> None:
    for key in documented_keys():
        assert describe(concrete(key)).description, key


# --------------------------------------------------------------------------- command line


def test_the_command_prints_or_writes_the_page(tmp_path: Path, capsys) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == render()
    target = tmp_path / "reference" / "scenario.md"
    assert main(["--write", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render()
