"""`caseload calibrate`: every target and check beside the model, with CI and verdict.

Runs the baseline as it stands (its fitted values included) for T1-T8, T5's 15-year run,
and the out-of-sample checks O1-O3, and prints each number the targets compare: the
model's value, its 95 % interval, the band decided before the fit, pass or FAIL; then which
parameters were fitted, which are sourced and which assumed.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from simulator.calibration.batch import check_points, run_points
from simulator.calibration.parameters import FREE, SOURCED, fitted_values, lookup
from simulator.calibration.targets import (
    CHECKS,
    TARGETS,
    Part,
    Verdict,
    points_for_checks,
    points_for_targets,
    verdicts,
)
from simulator.experiments.executors import Executor, given_or_new
from simulator.experiments.limits import check_runs
from simulator.reporting.progress import ProgressBar
from simulator.scenario import shipped
from simulator.scenario.files import read_table_file, read_toml
from simulator.scenario.keys import apply_overrides
from simulator.scenario.merge import deep_merge

BASELINE = shipped.folder() / "baseline.toml"
SURGE = shipped.folder() / "surge_2015.toml"
REPORT_REPLICATIONS = 20  # per point: T1's 95 % CI then about ±2 cases (docs/calibration.md)


def _number(x: float, unit: str) -> str:
    if math.isnan(x):
        return "n/a"
    if unit == "%":
        return f"{x:.0%}"
    return f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"


def _band(p: Part) -> str:
    lo, hi = p.low, p.high
    if lo is not None and hi is not None:
        return f"{_number(lo, p.unit)}-{_number(hi, p.unit)}"
    return f">= {_number(lo, p.unit)}" if lo is not None else f"<= {_number(hi or 0, p.unit)}"


def format_verdict(v: Verdict) -> list[str]:
    lines = [f"{v.id}  {v.title}: {'pass' if v.passed else 'FAIL'}", f"    source: {v.source}"]
    for p in v.parts:
        ci = ("" if math.isnan(p.ci[0]) else
              f"(95% CI {_number(p.ci[0], p.unit)} to {_number(p.ci[1], p.unit)})")  # fmt: skip
        lines.append(f"    {p.label:<52} {_number(p.value, p.unit):>6} {ci:<26} "
                     f"target {_band(p):<12} {'pass' if p.passed else 'FAIL'}")  # fmt: skip
    lines += [f"    {line}" for line in v.extra]
    if v.note:
        lines.append(f"    note: {v.note}")
    return lines


def _gap(p: Part) -> str:
    """A failing part's gap to its band, in words."""
    if math.isnan(p.gap):
        return f"{p.label}: no value"
    side = "above the top" if p.gap > 0 else "below the bottom"
    size = f"{abs(p.gap) * 100:.1f} points" if p.unit == "%" else _number(abs(p.gap), "")
    return f"{p.label}: {size} {side} of its band"


def gap_lines(judged: list[Verdict]) -> list[str]:
    """The in-sample targets not met, with their gaps: where no parameters inside their
    plausible bounds meet a target, the report says so rather than leave the bounds."""
    failed = [v for v in judged if not v.passed]
    if not failed:
        return []
    lines = ["Not met by the baseline's parameters (the fit stays inside the bounds written "
             "before it; these are the gaps, not closed by leaving them):"]  # fmt: skip
    for v in failed:
        gaps = "; ".join(_gap(p) for p in v.parts if not p.passed)
        lines.append(f"    {v.id}: {gaps}")
    return lines


def parameter_lines(data: dict[str, Any]) -> list[str]:
    """Which parameters are fitted (with their values and bounds), sourced or assumed."""
    values = fitted_values(data)
    lines = ["Fitted (docs/calibration.md, bounds written before the fit):"]
    for p in FREE:
        lines.append(f"    {p.label}: {values[p.name]:.3f} (bounds {p.low:g}-{p.high:g})")
    for kind in ("sourced", "assumed"):
        lines.append(f"{kind.capitalize()} (not fitted; range its source allows):")
        for s in SOURCED:
            if s.kind == kind:
                lines.append(f"    {s.key} = {lookup(data, s.key)} "
                             f"({s.low:g}-{s.high:g}; {s.source})")  # fmt: skip
    return lines


def on_calibrated(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """The scenario at `path` (O1's surge_2015) on the scenario calibrated, `data` (with its
    --set values), in place of the baseline it extends: its own keys over `data`. Read with
    its `extends`, it would run on the shipped baseline whatever scenario is calibrated."""
    own = read_table_file(path, "scenario")
    own.pop("extends", None)
    return deep_merge(data, own)


def calibration_report(
    base: Path = BASELINE,
    surge: Path = SURGE,
    replications: int = REPORT_REPLICATIONS,
    workers: int | None = None,
    executor: Executor | None = None,
    checks: bool = True,
    municipalities: int = 30,
    overrides: list[str] | None = None,
    progress: bool = False,
) -> str:
    """The whole report as text, for the scenario at `base` with `overrides` (``key=value``,
    as `--set` gives them) set; `progress` shows the runs done on the console."""
    started = time.perf_counter()
    no_way_round = "Check it for a misplaced digit"
    for flag, count in (("--replications", replications), ("--municipalities", municipalities)):
        check_runs(count, f"calibrate: {flag} {count:,}", asks="asks for at least",
                   escape=no_way_round)  # fmt: skip  # before points are made of them
    data = apply_overrides(read_toml(Path(base)), list(overrides or []))
    targets = points_for_targets(data, replications, True, municipalities)
    check_points(targets, str(base))
    if checks:
        out_of_sample = points_for_checks(data, on_calibrated(data, Path(surge)), replications,
                                          municipalities)  # fmt: skip
        check_points(out_of_sample, f"{base} and {surge}")
    first = sum(len(p.replications) for p in targets)
    total = first + (sum(len(p.replications) for p in out_of_sample) if checks else 0)
    check_runs(total, "calibrate", asks="the report asks for", escape=no_way_round)
    with (
        given_or_new(executor, workers) as executor,
        ProgressBar(total, enabled=progress, unit="run") as bar,
    ):
        rows = run_points(targets, executor, done=lambda n: bar.update(n, 0.0))
        judged = verdicts(rows, TARGETS)
        checked: list[Verdict] = []
        if checks:
            more = run_points(out_of_sample, executor, done=lambda n: bar.update(first + n, 0.0))
            checked = verdicts(more, CHECKS)
    passed = sum(v.passed for v in judged)
    changed = f" with {', '.join(overrides)}" if overrides else ""
    lines = [f"Calibration of {base}{changed} (seed 20151104; {replications} replications "
             f"per point; T2 and O3: {municipalities} municipalities, one replication each)", "",
             f"In-sample targets (the fit sees these): {passed} of {len(judged)} pass"]  # fmt: skip
    for v in judged:
        lines += format_verdict(v)
    gaps = gap_lines(judged)
    if gaps:
        lines += ["", *gaps]
    if checked:
        passed = sum(v.passed for v in checked)
        lines += ["", f"Out-of-sample checks (the fit never saw these): {passed} of "
                  f"{len(checked)} pass"]  # fmt: skip
        for v in checked:
            lines += format_verdict(v)
    lines += ["", *parameter_lines(data), "",
              f"({time.perf_counter() - started:.0f} s on {executor.description})"]  # fmt: skip
    return "\n".join(lines)
