"""Sensitivity of the baseline's answer: one parameter at a time across its plausible range.

For every fitted parameter (across its bounds) and every sourced or assumed one with a
range (across the range `parameters.SOURCED` gives it; the costs, which are outputs only,
left out), the baseline is run at the low and the high end with the
same replications (common random numbers: the difference is due to the parameter), and the
headline outputs are reported at both ends: open cases per caseworker, the share of
statutory tasks on time, the backlog and the sick days. `caseload calibrate --sensitivity`
prints the table as Markdown (docs/calibration.md, "Sensitivity").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.calibration.batch import run_points
from simulator.calibration.parameters import FREE, SOURCED
from simulator.calibration.targets import Point
from simulator.experiments.executors import Executor, given_or_new
from simulator.scenario.files import read_toml
from simulator.scenario.keys import with_values

HEADLINE = {
    "caseload_per_worker_mean": ("caseload", "{:.1f}"),
    "statutory_on_time_share": ("statutory on time", "{:.0%}"),
    "backlog_hours_mean": ("backlog, h", "{:.0f}"),
    "sick_days_per_worker_year": ("sick days", "{:.1f}"),
}
SENSITIVITY_REPLICATIONS = 5


@dataclass(frozen=True)
class Swing:
    """One parameter moved across its range: the headline outputs at each end."""

    name: str
    kind: str  # fitted, sourced or assumed
    low: float
    high: float
    at_low: dict[str, float]
    at_high: dict[str, float]

    def spread(self, metric: str) -> float:
        return abs(self.at_high[metric] - self.at_low[metric])


def _ranges(data: dict[str, Any]) -> list[tuple[str, str, float, float, Any]]:
    """(name, kind, low, high, setter) of every parameter moved: fitted ones across their
    bounds, sourced and assumed ones across their range (costs change no headline output)."""
    out: list[tuple[str, str, float, float, Any]] = []
    for p in FREE:
        out.append((p.name, "fitted", p.low, p.high, p.sets))
    for s in SOURCED:
        if s.low < s.high and not s.key.startswith("costs."):
            out.append((s.key, s.kind, s.low, s.high, lambda v, key=s.key: {key: v}))
    return out


def sensitivity(
    base: Path,
    replications: int = SENSITIVITY_REPLICATIONS,
    workers: int | None = None,
    executor: Executor | None = None,
) -> list[Swing]:
    """Every parameter's swing, largest effect on the caseload first."""
    data = read_toml(Path(base))
    ranges = _ranges(data)
    points = []
    for name, _, low, high, sets in ranges:
        for end, value in (("low", low), ("high", high)):
            changed = with_values(data, sets(value))
            points.append(Point(f"{name}@{end}", changed, tuple(range(replications))))
    with given_or_new(executor, workers) as executor:
        rows = run_points(points, executor)

    def means(name: str) -> dict[str, float]:
        return {m: float(np.nanmean([r[m] for r in rows[name]])) for m in HEADLINE}

    swings = [Swing(name, kind, low, high, means(f"{name}@low"), means(f"{name}@high"))
              for name, kind, low, high, _ in ranges]  # fmt: skip
    return sorted(swings, key=lambda s: -s.spread("caseload_per_worker_mean"))


def markdown(swings: list[Swing]) -> str:
    """The table: one row per parameter, each headline output at the low -> high end."""
    head = "| parameter | kind | range | " + " | ".join(h for h, _ in HEADLINE.values()) + " |"
    lines = [head, "| --- | --- | --- | " + " | ".join("---" for _ in HEADLINE) + " |"]
    for s in swings:
        cells = [f"{fmt.format(s.at_low[m])} → {fmt.format(s.at_high[m])}"
                 for m, (_, fmt) in HEADLINE.items()]  # fmt: skip
        lines.append(f"| `{s.name}` | {s.kind} | {s.low:g}–{s.high:g} | " + " | ".join(cells)
                     + " |")  # fmt: skip
    return "\n".join(lines)
