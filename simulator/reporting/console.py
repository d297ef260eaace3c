"""What a run or a comparison prints on the console: the key figures, in words a planner reads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulator.analysis.replications import relative_half_width
from simulator.experiments.run import Comparison, Results
from simulator.scenario import Scenario

# The console's people and workforce blocks: (metric, label, format, scale, when shown), shown
# "always", when "measured" (a value, so the mechanism is on), or, for counts and the wait
# for an interpreter (nil by construction with an unlimited pool, the default), when
# "nonzero". {t} in a label is the stress threshold.
WORKFORCE_LINES = (
    ("caseworkers_present_mean", "Caseworkers at work, mean", "{:.1f}", 1, "measured"),
    ("sick_days_per_worker_year", "Sick days per caseworker-year", "{:.1f}", 1, "always"),
    ("resignations", "Resignations", "{:.1f}", 1, "nonzero"),
    ("vacancy_days", "Days positions stood vacant", "{:.0f}", 1, "nonzero"),
    ("stress_days_share", "Working days, stress index above {t:g}", "{:.0f} %", 100, "always"),
    ("overtime_hours", "Overtime hours", "{:.0f}", 1, "nonzero"),
    ("optional_tasks_dropped", "Optional tasks dropped by triage", "{:.0f}", 1, "nonzero"),
    ("interpreter_wait_days_mean", "Wait for an interpreter, days", "{:.1f}", 1, "nonzero"),
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


def mechanisms_line(scenario: Scenario) -> str:
    """Which of the model's mechanisms and the office's policies a scenario has on and which
    off, so that a zero on the console is never read as a finding."""
    vacation = scenario.absence.vacation if scenario.absence is not None else None
    staggered = vacation is not None and vacation.max_share_away < 1.0
    switches = [
        ("absence" + (" (vacations staggered)" if staggered else ""), scenario.absence is not None),
        ("turnover", scenario.turnover is not None),
        ("interpreting", scenario.case_mix.interpreter_share > 0),
        ("rules by date", bool(scenario.timeline)),
        ("triage", scenario.triage is not None),
        ("caseload cap", scenario.caseworkers.caseload_cap is not None),
        ("overtime", scenario.overtime is not None),
    ]
    on = ", ".join(name for name, is_on in switches if is_on) or "none"
    off = ", ".join(name.split(" (")[0] for name, is_on in switches if not is_on) or "none"
    return f"  Switched on: {on}; off: {off}"


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
        mechanisms_line(results.scenario),
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
