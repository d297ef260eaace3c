"""Small sweeps for tests: a tiny base scenario and spec files written next to it."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w
from builders import MINIMAL, one_task

from simulator.scenario import deep_merge

# Half a year, Poisson arrivals, random task durations: a run takes about 20 ms and
# its backlog depends strongly on the number of caseworkers.
BASE: dict[str, Any] = deep_merge(
    MINIMAL,
    {
        "name": "tiny",
        "simulation": {"duration_years": 0.5, "warmup_years": 0.1},
        "arrivals": {"process": "poisson", "per_month": 30.0},
        "tasks": {"reception": one_task(duration_hours={"dist": "exponential", "mean": 6.0})},
    },
)
START = MINIMAL["simulation"]["start_date"]

CASEWORKERS = {
    "key": "caseworkers.staffing.0.caseworkers",
    "kind": "lever",
    "levels": [1, 2, 3],
    "label": "Caseworkers",
}
ARRIVALS = {
    "key": "arrivals.per_month",
    "kind": "uncertainty",
    "levels": [20.0, 30.0],
    "label": "Refugees per month",
}
# The scenario's description changes nothing in the model: a factor with no effect.
DUMMY = {"key": "description", "kind": "uncertainty", "levels": ["a", "b"]}


def spec(**changes: Any) -> dict[str, Any]:
    """A sweep spec over the tiny base: caseworkers x arrivals, full factorial, 2 replications."""
    data: dict[str, Any] = {
        "name": "tiny_sweep",
        "base": "base.toml",
        "replications": 2,
        "seed": 11,
        "design": {"kind": "full_factorial"},
        "factors": {"caseworkers": CASEWORKERS, "arrivals": ARRIVALS},
    }
    data.update(changes)
    return copy.deepcopy(data)  # callers may change it; the shared factors stay as they are


def write_sweep(folder: Path, data: dict[str, Any] | None = None, name: str = "spec.toml") -> Path:
    """Write the base scenario and a spec (default `spec()`) into `folder`; the spec's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.toml").write_text(tomli_w.dumps(BASE), encoding="utf-8")
    path = folder / name
    path.write_text(tomli_w.dumps(_no_none(spec() if data is None else data)), encoding="utf-8")
    return path


def _no_none(data: Any) -> Any:
    """TOML has no None: a key set to None is left out (how tests drop a key)."""
    if isinstance(data, dict):
        return {k: _no_none(v) for k, v in data.items() if v is not None}
    return data


def same_results(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Two result tables agree exactly, but for the wall time of each run."""
    pd.testing.assert_frame_equal(
        a.drop(columns="wall_seconds").reset_index(drop=True),
        b.drop(columns="wall_seconds").reset_index(drop=True),
        check_exact=True,
    )


def staffing(caseworkers: int) -> list[dict[str, Any]]:
    return [{"date": dt.date(2024, 1, 8), "caseworkers": caseworkers}]
