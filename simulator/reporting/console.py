"""What a run or a comparison prints on the console: the key figures, in words a planner reads."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from simulator.analysis.comparison import FEW, Verdict
from simulator.analysis.mechanisms import Mechanism, empty_start, mechanisms, off_metrics
from simulator.analysis.metrics.counts import WINDOW
from simulator.analysis.replications import relative_half_width
from simulator.analysis.standards import BAND_TEXT
from simulator.analysis.tables import counts_by_year
from simulator.experiments.run import Comparison, Results
from simulator.scenario.schema import Scenario, Simulation

# The console's people and workforce blocks: (metric, label, format, scale, when shown), shown
# "always", when "measured" (a value, so the mechanism is on), or, for counts and the wait
# for an interpreter (nil by construction with an unlimited pool, the default), when
# "nonzero". {t} in a label is the stress threshold. A line whose mechanism the scenario
# leaves off says so instead of showing its zero.
WORKFORCE_LINES = (
    ("caseworkers_present_mean", "Caseworkers at work, mean", "{:.1f}", 1, "measured"),
    ("sick_days_per_worker_year", "Sick days per caseworker-year", "{:.1f}", 1, "always"),
    ("resignations", "Resignations", "{:.1f}", 1, "nonzero"),
    ("vacancy_days", "Days positions stood vacant", "{:.0f}", 1, "nonzero"),
    ("stress_days_share", "Working days, stress index above {t:g}", "{:.0f} %", 100, "always"),
    ("overtime_hours", "Overtime hours", "{:.0f}", 1, "nonzero"),
    ("optional_tasks_dropped", "Optional tasks dropped by triage", "{:.0f}", 1, "nonzero"),
    ("interpreter_wait_days_mean", "Wait for an interpreter, days", "{:.1f}", 1, "nonzero"),
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
LABEL = 40  # width of the label column
# the per-year block: (heading, counts summed); the CSV has every count with its intervals
YEAR_COLUMNS = (
    ("placed", ("persons_placed",)),
    ("families", ("families_arrived",)),
    ("opened", ("cases_opened",)),
    ("exits", ("exits_self_support", "exits_moved", "exits_period_end")),
    ("tasks done", ("tasks_done",)),
    ("done late", ("tasks_done_late",)),
    ("statutory late", ("statutory_late",)),
)


def console_summary(results: Results, destination: Path | None = None) -> str:
    """A short, readable summary of the key figures for the terminal: each with the 95 %
    interval of its mean and the range 8 runs in 10 lie in, said apart; which mechanisms
    the scenario has on and off; and the counts per year."""
    s = results.summary.set_index("metric")
    found = mechanisms(results.scenario)
    off = off_metrics(results.scenario, found)
    several = results.replications > 1

    def show(metric: str, label: str, fmt: str = "{:.1f}", scale: float = 1.0) -> str:
        row = s.loc[metric]
        if metric in off:
            return f"  {label:<{LABEL}}off ({off[metric].name} is not modelled)"
        if pd.isna(row["mean"]):
            return f"  {label:<{LABEL}}-"
        text = f"{fmt.format(row['mean'] * scale):>8}"
        if several and pd.notna(row["ci_low"]):
            text += f"   {_span(fmt, row['ci_low'] * scale, row['ci_high'] * scale):<21}"
            if pd.notna(row["p10"]):
                text += f"{_span(fmt, row['p10'] * scale, row['p90'] * scale)}"
        return f"  {label:<{LABEL}}{text}".rstrip()

    capped = any(m.name == "caseload cap" and m.ever_on for m in found)
    lines = [
        f"Scenario {results.scenario.name}: {results.replications} replication(s), "
        f"seed {results.seed}, statistics {_window(results.scenario.simulation)}",
        *_empty_start(results.scenario),
        *_how_to_read(results.replications),
        show("caseload_per_worker_mean", "Open cases per caseworker, mean"),
        *(
            [
                show("caseload_assigned_per_worker_mean", "  of them held by a caseworker"),
                show("cases_waiting_assignment_mean", "Cases waiting for a caseworker, mean"),
            ]
            if capped
            else []
        ),
        show("caseload_per_worker_peak", "Open cases per caseworker, peak week"),
        show("backlog_hours_mean", "Backlog (hours of work waiting), mean"),
        show("statutory_on_time_share", 'Statutory ("skal") tasks done on time', "{:.0f} %", 100)
        + _few_due(results, statutory=True),
        show("optional_on_time_share", 'Optional ("kan") tasks done on time', "{:.0f} %", 100)
        + _few_due(results, statutory=False),
        show("task_wait_days_mean", "Wait for a task to start, days"),
        show("utilisation_mean", "Caseworker utilisation", "{:.0f} %", 100),
        show("cases_opened", "Cases opened", "{:.0f}"),
        show("tasks_dropped", "Tasks dropped (lapsed or triaged)", "{:.0f}"),
        f"  (recommended caseload: {BAND_TEXT} cases per caseworker, DS 2015; "
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
    lines += _mechanism_lines(found)
    lines += _year_lines(results)
    if results.auto is not None:
        lines.append(_auto_line(results))
    if destination is not None:
        lines.append(f"Results written to {destination}/")
    return "\n".join(lines)


FEW_DUE = 20  # tasks falling due a run, below which a share's interval says little


def _few_due(results: Results, statutory: bool) -> str:
    """ "  (only 12 due a run)" after a share of tasks on time that rests on fewer than `FEW_DUE`
    tasks falling due in a run: with one task due, "100 %, 100 to 100 %" looks certain."""
    tasks = results.by_task
    if tasks.empty or "due_in_window" not in tasks:
        return ""
    mine = tasks[tasks["statutory"].astype(bool) == statutory]
    due = mine.groupby("replication")["due_in_window"].sum()
    if due.empty or due.mean() >= FEW_DUE:
        return ""
    return f"  (only {due.mean():.0f} due a run)"


def _empty_start(scenario: Scenario) -> list[str]:
    note = empty_start(scenario)
    return [] if note is None else textwrap.wrap(f"note: {note}", 88, initial_indent="  ",
                                                 subsequent_indent="  ")  # fmt: skip


def _span(fmt: str, low: float, high: float) -> str:
    """ "72.9 to 75.3", "97 to 100 %": a range in the line's format, its unit once."""
    first, last = fmt.format(low), fmt.format(high)
    unit = " %" if fmt.endswith(" %") else ""
    return f"{first.removesuffix(unit)} to {last}"


def _how_to_read(replications: int) -> list[str]:
    """What the columns are, in words a planner reads."""
    if replications <= 1:
        return [
            "  One run: no interval and no range (run 10 or more replications for them).",
        ]
    return [
        f'  Each figure is the mean of {replications} runs. "95% CI of the mean": where the '
        "average of many",
        '  municipalities like this one lies. "8 in 10 runs": the range a single '
        "municipality may see",
        "  (8 runs in 10 lie in it: the 10th to 90th percentile of the runs).",
        f"  {'':<{LABEL}}{'mean':>8}   {'95% CI of the mean':<21}8 in 10 runs",
    ]


def _mechanism_lines(found: tuple[Mechanism, ...]) -> list[str]:
    """Which mechanisms are on and off: an off mechanism's figures are zero or blank by
    construction, not findings."""
    on = [m.describe().replace(": on", "", 1) for m in found if m.ever_on]
    off = [m.name for m in found if not m.ever_on]
    return [
        "Mechanisms (an off one is not modelled: its zeros and blanks are not findings)",
        *_wrapped("on:  ", on),
        *_wrapped("off: ", off),
    ]


def _wrapped(head: str, items: list[str], width: int = 96) -> list[str]:
    """`items`, separated by semicolons, after `head`, wrapped to `width`."""
    if not items:
        return [f"  {head}none"]
    lines, line = [], f"  {head}"
    for i, item in enumerate(items):
        text = item + (";" if i < len(items) - 1 else "")
        if len(line) + len(text) > width and line.strip() != head.strip():
            lines.append(line.rstrip())
            line = "  " + " " * len(head)
        line += text + " "
    return [*lines, line.rstrip()]


def _year_lines(results: Results) -> list[str]:
    """The counts per calendar year of the measurement window (means of the runs)."""
    sim = results.scenario.simulation
    years = counts_by_year(results.counts, sim.start_date, sim.duration_days, sim.warmup_days)
    years = years[years["days_in_window"] > 0]
    means = years.pivot_table(index="year", columns="metric", values="mean", sort=False)
    days = years.drop_duplicates("year").set_index("year")
    runs = "one run" if results.replications == 1 else f"means of {results.replications} runs"
    head = f"  {'':<16}" + "".join(f"{name:>11}" if len(name) < 11 else f" {name}"
                                     for name, _ in YEAR_COLUMNS)  # fmt: skip
    lines = [
        f"Per year, in the measurement window ({runs}; counts_by_year.csv has the ranges)",
        head,
    ]
    for year, row in means.iterrows():
        label = "whole window" if year == WINDOW else str(year)
        whole = days.loc[year, "days"] >= 365 and (
            days.loc[year, "days_in_window"] >= days.loc[year, "days"] - 1
        )
        if year != WINDOW and not whole:
            label += " (part)"
        cells = [sum(row[m] for m in metrics) for _, metrics in YEAR_COLUMNS]
        lines.append(
            f"  {label:<16}"
            + "".join(
                f"{v:>{max(11, len(n) + 1)}.0f}"
                for v, (n, _) in zip(cells, YEAR_COLUMNS, strict=True)
            )
        )
    return lines


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
        '  "95% CI of B - A": where the mean difference lies; "8 in 10 runs": the range',
        "  the difference itself takes in 8 runs in 10 (what one municipality may see).",
        f"  {'metric':32}{'A':>10}{'B':>10}{'B - A':>10}   {'95% CI of B - A':<22}"
        f"{'8 in 10 runs':<22}verdict",
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
    cut = False
    for row in result.table.itertuples():
        if row.metric in shown:
            ci = "" if pd.isna(row.ci_low) else f"{row.ci_low:.3g} to {row.ci_high:.3g}"
            if "cut at" in row.ci_note:
                ci, cut = ci + " *", True
            spread = "" if pd.isna(row.p10) else f"{row.p10:.3g} to {row.p90:.3g}"
            lines.append(
                f"  {row.metric:32}{row.mean_a:>10.3g}{row.mean_b:>10.3g}"
                f"{row.difference:>10.3g}   {ci:<22}{spread:<22}{row.verdict}"
            )
    notes = []
    if result.a.replications < FEW:
        notes.append(
            f"note: {result.a.replications} replications: each interval rests on "
            f"{result.a.replications - 1} degree(s) of freedom and is wide, a rough guide; "
            f"run {FEW} or more to read it."
        )
    if cut:
        notes.append(
            "* cut at what the difference can be (a share's lies in -1 to 1; a count's is "
            "at least 0 where A is always 0): the t-interval reached past it."
        )
    for note in notes:
        lines += textwrap.wrap(note, 92, initial_indent="  ", subsequent_indent="    ")
    off = result.table.loc[result.table["verdict"] == Verdict.OFF_IN_BOTH.value, "mechanism"]
    names = sorted({text.split(":")[0] for text in off if text})
    if names:
        lines += _wrapped("off in both, not findings: ", names)
    windows = [_window(r.scenario.simulation) for r in (result.a, result.b)]
    if windows[0] != windows[1]:
        lines.append(
            f"note: the measurement windows differ (A: {windows[0]}; B: {windows[1]}): "
            "totals (cases opened, tasks, dropped) count different lengths of time, and the "
            "means cover different years; compare like with like (same start, warm-up and "
            "duration) before reading a difference as an effect."
        )
    if destination is not None:
        lines.append(f"Comparison written to {destination}/")
    return "\n".join(lines)


def _window(sim: Simulation) -> str:
    """The measurement window of a run, as dates: from the warm-up's end to the run's end
    (the day after its last; the console's header and the comparison's note both say so)."""
    start = pd.Timestamp(sim.start_date)
    begins = start + pd.Timedelta(days=sim.warmup_days)
    ends = start + pd.Timedelta(days=sim.duration_days)
    return f"{begins:%Y-%m-%d} to {ends:%Y-%m-%d}"
