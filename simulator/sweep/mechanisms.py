"""Which mechanisms each design point of a sweep switches on, read back from its folder.

An analysis of a sweep must not rank factors by a metric whose mechanism no run had
on (overtime hours where overtime is off everywhere: zero by construction). Each design
point's scenario is rebuilt as the runner built it (the resolved base scenario the folder
keeps, `base.resolved.toml`, with the factors of its `spec.toml` set to the point's
values) and its mechanisms read by `simulator.analysis.mechanisms`, the same code that
marks a run's and a comparison's switched-off metrics; `off_in_all` then gives the
metrics off at every point.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from simulator.analysis.mechanisms import Mechanism, mechanisms
from simulator.scenario import ScenarioError, load_scenario
from simulator.scenario.files import read_table_file
from simulator.sweep.spec import Sweep, SweepSpec, build_scenario

BASE = "base.resolved.toml"
SPEC = "spec.toml"


def point_mechanisms(
    folder: Path, design: pd.DataFrame, factors: list[str]
) -> tuple[dict[int, tuple[Mechanism, ...]], str]:
    """Per design point, its scenario's `mechanisms`, and "" ; or no points and the reason
    they cannot be known (the folder's spec or base scenario missing or unreadable: a
    folder from an older version, or one edited by hand)."""
    try:
        spec = SweepSpec.model_validate(read_table_file(folder / SPEC, "sweep spec"), strict=True)
        sweep = Sweep(spec=spec, path=folder / SPEC, base=load_scenario(folder / BASE))
        base = sweep.base_data()
        found: dict[int, tuple[Mechanism, ...]] = {}
        seen: dict[str, tuple[Mechanism, ...]] = {}
        for point, values in zip(design["point"], design[factors].to_dict("records"), strict=True):
            changes = sweep.changes(values, base)
            key = repr(sorted(changes.items()))  # points that set the same keys alike
            if key not in seen:
                source = f"{folder / SPEC}: design point {point}"
                seen[key] = mechanisms(build_scenario(base, changes, source))
            found[int(point)] = seen[key]
    except (ScenarioError, ValidationError, OSError, KeyError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return {}, f"the design points' scenarios could not be rebuilt ({first[:200]})"
    return found, ""
