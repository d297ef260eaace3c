"""Shared fixtures: the shipped baseline scenario and a writer for modified copies."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS_DIR = REPO_ROOT / "scenarios"
BASELINE = SCENARIOS_DIR / "baseline.toml"

_BASELINE_DATA = tomllib.loads(BASELINE.read_text(encoding="utf-8"))


@pytest.fixture
def baseline_path() -> Path:
    """The shipped baseline scenario file (absolute path)."""
    return BASELINE


@pytest.fixture
def baseline_data() -> dict[str, Any]:
    """The baseline scenario as raw TOML data; a fresh copy for each test."""
    return copy.deepcopy(_BASELINE_DATA)


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """A temporary folder for scenario files, with symlinks resolved (paths match messages)."""
    return tmp_path.resolve()


@pytest.fixture
def write_scenario(scenario_dir: Path) -> Callable[..., Path]:
    """Write raw scenario data (or TOML text) to a file in `scenario_dir` and return its path."""

    def write(data: dict[str, Any] | str, name: str = "scenario.toml") -> Path:
        path = scenario_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = data if isinstance(data, str) else tomli_w.dumps(data)
        path.write_text(text, encoding="utf-8")
        return path

    return write
