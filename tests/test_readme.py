"""The README's examples work as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.scenario import ScenarioError, load_scenario

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    assert first_block.splitlines()[0].startswith("make run")
    assert first_block.splitlines()[1].startswith("make test")


def test_readme_scenario_example_is_valid(tmp_path: Path):
    example = re.search(r"```toml\n(.*?)```", README, re.S).group(1)
    baseline = (REPO / "scenarios" / "baseline.toml").as_posix()
    path = tmp_path / "my_town.toml"
    path.write_text(example.replace('"baseline.toml"', f'"{baseline}"'), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.name == "my_town"
    assert scenario.arrivals.per_month is None  # the yearly quotas replaced it
    assert [c.caseworkers for c in scenario.caseworkers.staffing] == [4, 6]


def test_readme_error_example_is_what_the_tool_says():
    quoted = re.search(r"^  (caseworkers\.weekly_hour: .*)$", README, re.M).group(1)
    with pytest.raises(ScenarioError) as error:
        load_scenario(REPO / "scenarios" / "baseline.toml", ["caseworkers.weekly_hour=37"])
    assert quoted in str(error.value)
