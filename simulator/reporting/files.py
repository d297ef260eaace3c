"""Writing a results folder, all at once or not at all.

The folder is built next to its destination under a temporary name and renamed
into place only when every file is written, so a crash or Ctrl-C never leaves a
half-written results folder (an older folder at the same place is replaced only
at that moment).
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from simulator import native
from simulator.analysis.replications import relative_half_width
from simulator.experiments.atomic import atomic_folder
from simulator.experiments.run import Comparison, Results
from simulator.version import __version__

SUMMARY_FLOAT_FORMAT = "%.6g"
# The console's people and workforce blocks: (metric, label, format, scale, when shown), shown
# "always", when "measured" (a value, so the mechanism is on), or, for counts, when
# "nonzero". {t} in a label is the stress threshold.
WORKFORCE_LINES = (
    ("caseworkers_present_mean", "Caseworkers at work, mean", "{:.1f}", 1, "measured"),
    ("sick_days_per_worker_year", "Sick days per caseworker-year", "{:.1f}", 1, "always"),
    ("resignations", "Resignations", "{:.1f}", 1, "nonzero"),
    ("vacancy_days", "Days positions stood vacant", "{:.0f}", 1, "nonzero"),
    ("stress_days_share", "Working days, stress index above {t:g}", "{:.0f} %", 100, "always"),
    ("overtime_hours", "Overtime hours", "{:.0f}", 1, "nonzero"),
    ("optional_tasks_dropped", "Optional tasks dropped by triage", "{:.0f}", 1, "nonzero"),
    ("interpreter_wait_days_mean", "Wait for an interpreter, days", "{:.1f}", 1, "measured"),
    ("cases_waiting_assignment_mean", "Cases waiting for assignment, mean", "{:.1f}", 1, "nonzero"),
)
PEOPLE_LINES = (
    (
        "health_exam_within_limit_share",
        "Health exams within the limit",
        "{:.0f} %",
        100,
        "measured",
    ),
    ("family_members_arrived", "Family members reunified", "{:.0f}", 1, "nonzero"),
)


def write_results(
    results: Results,
    destination: Path,
    *,
    command: list[str] | None = None,
    figures: Callable[..., list[Path]] | None = None,
) -> Path:
    """Write every output of `results` into the folder `destination`, atomically."""
    with atomic_folder(destination) as folder:
        results.summary.to_csv(
            folder / "summary.csv", index=False, float_format=SUMMARY_FLOAT_FORMAT, na_rep=""
        )
        results.by_task.to_csv(
            folder / "tasks_by_type.csv", index=False, float_format=SUMMARY_FLOAT_FORMAT, na_rep=""
        )
        results.weekly.to_parquet(folder / "timeseries.parquet", index=False)
        results.tasks.to_parquet(folder / "tasks.parquet", index=False)
        (folder / "scenario.resolved.toml").write_text(resolved_toml(results), encoding="utf-8")
        if figures is not None:
            figures(
                folder / "figures",
                results.weekly,
                results.by_task,
                title=results.scenario.name,
                warmup_end=results.scenario.simulation.warmup_end,
                stress_threshold=results.scenario.stress.threshold,
            )
        manifest = build_manifest(results, command)
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return destination


def resolved_toml(results: Results) -> str:
    """The full scenario after `extends` and `--set`, as TOML, with the run's seed."""
    data = results.scenario.to_dict()
    data["simulation"]["seed"] = results.seed
    data["simulation"]["replications"] = results.replications
    header = (
        f"# Scenario '{results.scenario.name}' as run: every key resolved\n"
        f"# (extends and --set applied). Scenario hash {results.scenario.digest()}.\n\n"
    )
    return header + tomli_w.dumps(_plain(data))


def _plain(value: Any) -> Any:
    """TOML has no None or tuples; drop the one and list the other."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def build_manifest(results: Results, command: list[str] | None) -> dict[str, Any]:
    import numpy
    import simpy

    return {
        "package": "caseload-simulator",
        "version": __version__,
        "scenario": results.scenario.name,
        "scenario_hash": results.scenario.digest(),
        "seed": results.seed,
        "replications": results.replications,
        "replications_rule": (
            None
            if results.auto is None
            else {
                "method": "Hoad, Robinson & Davies (2010)",
                "precision": results.auto.precision,
                "look_ahead": results.auto.look_ahead,
                "maximum": results.auto.maximum,
                "metrics": list(results.auto.metrics),
                "converged_at": results.converged_at,
            }
        ),
        "wall_seconds": round(results.wall_seconds, 3),
        "events": results.events,
        "command": command,
        "build": native.describe(),  # compiled (mypyc) or plain Python: same results
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
    }


def console_summary(results: Results, destination: Path | None = None) -> str:
    """A short, readable summary of the key figures for the terminal."""
    s = results.summary.set_index("metric")
    sim = results.scenario.simulation
    window_start = pd.Timestamp(sim.start_date) + pd.Timedelta(days=sim.warmup_days)
    window_end = pd.Timestamp(sim.start_date) + pd.Timedelta(days=sim.duration_days)

    def show(metric: str, label: str, fmt: str = "{:.1f}", scale: float = 1.0) -> str:
        row = s.loc[metric]
        text = fmt.format(row["mean"] * scale)
        if pd.notna(row["ci_low"]):
            low, high = fmt.format(row["ci_low"] * scale), fmt.format(row["ci_high"] * scale)
            text += f"  (95% CI {low} to {high})"
        return f"  {label:<38}{text}"

    lines = [
        f"Scenario {results.scenario.name}: {results.replications} replication(s), "
        f"seed {results.seed}, statistics {window_start:%Y-%m-%d} to {window_end:%Y-%m-%d}",
        show("caseload_per_worker_mean", "Open cases per caseworker, mean"),
        show("caseload_per_worker_peak", "Open cases per caseworker, peak week"),
        show("backlog_hours_mean", "Backlog (hours of work waiting), mean"),
        show("statutory_on_time_share", "Statutory tasks done on time", "{:.0f} %", 100),
        show("task_wait_days_mean", "Wait for a task to start, days"),
        show("utilisation_mean", "Caseworker utilisation", "{:.0f} %", 100),
        show("cases_opened", "Cases opened", "{:.0f}"),
        show("tasks_dropped", "Tasks dropped (lapsed or triaged)", "{:.0f}"),
        f"  (recommended caseload: 35-45 cases per caseworker, DS 2015; "
        f"{results.wall_seconds:.1f} s)",
    ]
    threshold = results.scenario.stress.threshold
    for header, block in (("People", PEOPLE_LINES), ("Workforce", WORKFORCE_LINES)):
        shown = []
        for metric, label, fmt, scale, when in block:
            mean = s.loc[metric, "mean"]
            if when == "always" or (pd.notna(mean) and (when == "measured" or mean > 0)):
                shown.append(show(metric, label.format(t=threshold), fmt, scale))
        lines += [header, *shown] if shown else []
    if results.auto is not None:
        lines.append(_auto_line(results))
    if destination is not None:
        lines.append(f"Results written to {destination}/")
    return "\n".join(lines)


def _auto_line(results: Results) -> str:
    """How `--replications auto` ended: converged, or stopped at the cap short of it."""
    rule = results.auto
    assert rule is not None
    if results.converged_at is not None:
        return (
            f"  Replications: {results.replications}, chosen automatically: every key metric's "
            f"95% CI is within {rule.precision:.0%} of its mean from {results.converged_at} on."
        )
    per = results.per_replication
    reached = [
        f"{m} {relative_half_width(per.loc[per['metric'] == m, 'value'].tolist()):.1%}"
        for m in rule.metrics
    ]
    return (
        f"  Replications: stopped at the cap of {rule.maximum} before every key metric's 95% CI "
        f"was within {rule.precision:.0%} of its mean; reached: {', '.join(reached)}"
    )


def write_comparison(result: Comparison, destination: Path, *, command: list[str] | None) -> Path:
    """Write a comparison folder atomically: the paired table, both summaries, a figure."""
    from simulator.reporting.figures import write_comparison_figure

    a, b = result.a, result.b
    with atomic_folder(destination) as folder:
        result.table.to_csv(
            folder / "comparison.csv", index=False, float_format=SUMMARY_FLOAT_FORMAT, na_rep=""
        )
        for side, res in (("a", a), ("b", b)):
            res.summary.to_csv(
                folder / f"summary_{side}.csv",
                index=False,
                float_format=SUMMARY_FLOAT_FORMAT,
                na_rep="",
            )
            (folder / f"scenario_{side}.resolved.toml").write_text(resolved_toml(res))
        write_comparison_figure(
            folder / "comparison.png",
            a.weekly,
            b.weekly,
            (a.scenario.name, b.scenario.name),
            a.scenario.simulation.warmup_end,
        )
        manifest = {"a": build_manifest(a, command), "b": build_manifest(b, command)}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return destination


def comparison_summary(result: Comparison, destination: Path | None = None) -> str:
    """The paired differences for the terminal, with the verdict on each."""
    a, b = result.a.scenario.name, result.b.scenario.name
    lines = [
        f"A = {a}, B = {b}: {result.a.replications} paired replications, seed "
        f"{result.a.seed} (common random numbers)",
        f"  {'metric':32}{'A':>10}{'B':>10}{'B - A':>10}   95% CI of B - A",
    ]
    shown = (
        "caseload_per_worker_mean",
        "caseload_per_worker_peak",
        "backlog_hours_mean",
        "statutory_on_time_share",
        "task_wait_days_mean",
        "utilisation_mean",
        "overdue_tasks_mean",
        "tasks_dropped",
    )
    for row in result.table.itertuples():
        if row.metric in shown:
            ci = "" if pd.isna(row.ci_low) else f"{row.ci_low:.3g} to {row.ci_high:.3g}"
            lines.append(
                f"  {row.metric:32}{row.mean_a:>10.3g}{row.mean_b:>10.3g}"
                f"{row.difference:>10.3g}   {ci}  {row.verdict}"
            )
    if destination is not None:
        lines.append(f"Comparison written to {destination}/")
    return "\n".join(lines)
