"""Robustness: how each lever setting (a policy) performs across the uncertainties.

In a sweep with both levers and uncertainties, a policy is one combination of the levers'
values and a scenario one combination of the uncertainties'. For every policy and
scenario the metric is its mean over replications (with common random numbers, every
policy meets the same arrivals in replication r of a scenario). Per policy and metric:

- `mean` over the scenarios, and the bad tail: the 10th percentile where more is better
  (statutory deadlines met), the 90th where less is better (caseload, backlog);
- `max_regret`: in each scenario the best policy sets the bar; a policy's regret there is
  how far it falls short of it; the maximum over scenarios is Savage's minimax-regret
  criterion (robust against the worst surprise, relative to what was possible);
- `satisficing`: the share of scenarios in which the policy meets the planner's targets:
  caseload per caseworker at most `caseload_limit` (45) and statutory tasks on time at
  least `on_time` (95 %), both as the mean over replications.

Scenarios are equally weighted (the design's points are the sample of the uncertainties).
Regret needs every policy at every scenario: a full factorial over the levers crossed with
the uncertainties' points (any design in which each lever setting meets the same
uncertainty points). The arithmetic is a few lines of pandas; the EMA workbench's
`robustness` helpers would add a dependency for no gain here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.analysis.metrics import is_share
from simulator.analysis.standards import CASELOAD_LIMIT
from simulator.analysis.standards import ON_TIME as ON_TIME_TARGET
from simulator.experiments.atomic import atomic_folder
from simulator.reporting.figures import DPI, OVER_COLOUR, plain_text
from simulator.reporting.files import write_csv
from simulator.sweep.analyze import (
    SweepData,
    _check_choice,
    caveat_lines,
    fmt,
    num,
    read_sweep,
    sweep_output,
)
from simulator.sweep.spec import SweepError

CASELOAD = "caseload_per_worker_mean"
ON_TIME = "statutory_on_time_share"
MORE_IS_BETTER = {ON_TIME}
# the backlog at the end, not its growth: an overloaded office whose backlog has levelled
# off (tasks lapse as cases close) grows about as little as one that keeps up
DEFAULT_METRICS = (ON_TIME, CASELOAD, "backlog_hours_end")
# what an incomplete sweep means for robustness (`SweepData.unfinished_text`)
FEWER_REPLICATIONS = (
    "Each policy's figure in a scenario is a mean over the replications stored there, "
    "fewer than the design's where runs are missing, so the table and the most robust "
    "policy are provisional."
)


def split_factors(data: SweepData) -> tuple[list[str], list[str]]:
    """The sweep's levers and uncertainties; an error unless there are some of each."""
    levers = [n for n, f in data.factors.items() if f["kind"] == "lever"]
    uncertain = [n for n, f in data.factors.items() if f["kind"] == "uncertainty"]
    if not levers or not uncertain:
        raise SweepError(
            f"{data.folder}: robustness needs both levers and uncertainties among the factors "
            f"(levers: {', '.join(levers) or 'none'}; uncertainties: "
            f"{', '.join(uncertain) or 'none'})"
        )
    return levers, uncertain


def performance(
    data: SweepData, metric: str, levers: list[str], uncertain: list[str]
) -> pd.DataFrame:
    """The metric's mean over replications: one row per policy, one column per scenario."""
    means = data.ok.groupby([*levers, *uncertain], sort=True)[metric].mean()
    table = means.unstack(uncertain) if uncertain else means.to_frame()
    if table.isna().any().any():
        missing = int(table.isna().sum().sum())
        why = (
            _lost_points(data)
            if data.missing[1]
            else "so the levers must be crossed with the same uncertainty points (a full factorial)"
        )
        raise SweepError(
            f"{data.folder}: {missing} (policy, scenario) pairs have no successful run of "
            f"{metric}: regret compares every lever setting in every scenario, {why}"
        )
    return table


def _lost_points(data: SweepData) -> str:
    """Why policies lack a scenario where design points have no successful run: the sweep
    is incomplete, not its design; and the damaged parts skipped, where resuming moves
    them."""
    if data.damaged_runs:
        parts = ", ".join(str(problem.part) for problem in data.damaged_runs)
        return f"and {data.why_missing()}: {parts}"
    return (
        f"and {data.incomplete_text()}: run the sweep again (it resumes; --retry-failed "
        "runs again those that failed) and assess it once complete"
    )


def chosen(data: SweepData, metrics: list[str] | None) -> list[str]:
    """The metrics to assess: those asked for, else the defaults the sweep has. Resolved
    once, so that a default metric of a mechanism off in every run is said to be left out
    (`left_out`) as one asked for by name is, not dropped without a word."""
    return list(metrics or [m for m in DEFAULT_METRICS if m in data.metrics])


def robustness_table(
    data: SweepData,
    metrics: list[str] | None = None,
    *,
    caseload_limit: float = CASELOAD_LIMIT,
    on_time: float = ON_TIME_TARGET,
) -> pd.DataFrame:
    """Per policy and metric: mean, bad-tail decile, maximum regret, and the share of
    scenarios meeting the targets (the same for every metric of a policy). A metric whose
    mechanism is switched off in every run (`SweepData.off`: overtime hours with overtime
    off) is left out, its regrets being zeros by construction; `left_out` says why."""
    levers, uncertain = split_factors(data)
    data.require_runs()
    metrics = chosen(data, metrics)
    for metric in metrics:
        _check_choice("metric", metric, data.metrics, data.folder)
    kept = [m for m in metrics if m not in data.off]
    if not kept:
        raise SweepError(
            f"{data.folder}: nothing to assess: "
            + "; ".join(f"{m}: {data.off_text(m)}" for m in metrics)
        )
    metrics = kept
    for needed in (CASELOAD, ON_TIME):
        _check_choice("metric", needed, data.metrics, data.folder)
    meets = (performance(data, CASELOAD, levers, uncertain) <= caseload_limit) & (
        performance(data, ON_TIME, levers, uncertain) >= on_time
    )
    rows = []
    for metric in metrics:
        table = performance(data, metric, levers, uncertain)
        values = table.to_numpy(dtype=float)
        more = metric in MORE_IS_BETTER
        best = values.max(axis=0) if more else values.min(axis=0)
        regret = (best - values) if more else (values - best)
        tail = np.percentile(values, 10 if more else 90, axis=1)
        for i, policy in enumerate(table.index):
            policy = policy if isinstance(policy, tuple) else (policy,)
            rows.append(
                {
                    **dict(zip(levers, policy, strict=True)),
                    "metric": metric,
                    "better": "higher" if more else "lower",
                    "mean": float(values[i].mean()),
                    "bad_decile": float(tail[i]),
                    "worst": float(values[i].min() if more else values[i].max()),
                    "max_regret": float(regret[i].max()),
                    "satisficing": float(meets.to_numpy()[i].mean()),
                    "scenarios": values.shape[1],
                }
            )
    return pd.DataFrame(rows)


def robustness(
    folder: str | Path,
    metrics: list[str] | None = None,
    *,
    caseload_limit: float = CASELOAD_LIMIT,
    on_time: float = ON_TIME_TARGET,
    out: str | Path | None = None,
    force: bool = False,
    on_damaged: Callable[[str], None] | None = None,
    on_off: Callable[[str], None] | None = None,
    on_unfinished: Callable[[str], None] | None = None,
) -> Path:
    """Write `robustness.csv`, a figure per metric and `report.md`; returns the folder.

    `out` (default `folder`/robustness) is checked before any work as an analysis's is
    (`analyze.sweep_output`): never the sweep's folder or its run data; a folder caseload
    wrote is replaced with `force`, or when it is the default of this sweep. A metric
    (asked for or a default) whose mechanism is switched off in every run is left out, its
    reason said in report.md and passed to `on_off` as `analyze_sweep` passes it
    ("overtime_hours left out: overtime: switched off in every run of the sweep, not a
    finding"): the command line says it on stderr, also when quiet. Damaged parts of the
    results are skipped, said in report.md and passed to `on_damaged`, and an incomplete
    sweep is assessed over the runs stored, its report warning first and the warning
    passed to `on_unfinished`, as `analyze_sweep` does. Where design points have no
    successful run, regret cannot be worked out: an error says the sweep is incomplete.
    """
    if not (math.isfinite(caseload_limit) and caseload_limit > 0):
        raise SweepError(f"--caseload-limit: a positive number, got {caseload_limit}")
    if not 0 < on_time <= 1:  # nan too
        raise SweepError(f"--on-time: a share in (0, 1], got {on_time}")
    where = sweep_output(folder, out, "robustness", kind="robustness", force=force)
    data = read_sweep(folder)
    metrics = chosen(data, metrics)
    table = robustness_table(data, metrics, caseload_limit=caseload_limit, on_time=on_time)
    data.tell(on_damaged, on_unfinished, FEWER_REPLICATIONS, on_off=on_off, chosen=metrics)
    levers, uncertain = split_factors(data)
    marks = targets(caseload_limit, on_time)
    with atomic_folder(where) as work:
        write_csv(table, work / "robustness.csv", "%.6g")  # text levers: user text
        for metric in table["metric"].unique():
            values = performance(data, metric, levers, uncertain)
            path = work / f"robustness_{metric}.png"
            policy_figure(values, metric, levers, path, marks.get(metric))
        (work / "report.md").write_text(
            _report(
                data, table, levers, uncertain, caseload_limit, on_time, left_out(data, metrics)
            ),
            encoding="utf-8",
        )
    return where.path


def _policy(row: pd.Series | dict, levers: list[str]) -> str:
    return ", ".join(f"{lever} {fmt(row[lever])}" for lever in levers)


def targets(caseload_limit: float, on_time: float) -> dict[str, tuple[float, str]]:
    """The targets satisficing judges by, per metric: (value, words)."""
    return {
        CASELOAD: (caseload_limit, f"target: at most {fmt(caseload_limit)} cases"),
        ON_TIME: (on_time, f"target: at least {100 * on_time:.0f} % on time"),
    }


def policy_figure(
    values: pd.DataFrame,
    metric: str,
    levers: list[str],
    path: Path,
    target: tuple[float, str] | None = None,
) -> Figure:
    """Each policy's values across the scenarios: a box from the 25th to the 75th
    percentile with the median, whiskers from the 10th to the 90th (the bad decile is one
    end), both interpolated as `robustness_table`'s bad decile is (`numpy.percentile`), not
    ended at the nearest scenario as `Axes.boxplot` would; a dot for every scenario; and
    the `target` (value, words) satisficing judges by, if the metric has one. A share is
    drawn in per cent."""
    scale = 100.0 if is_share(metric) else 1.0
    rows = values.to_numpy(dtype=float) * scale
    figure = Figure(figsize=(7.0, 0.45 * len(values) + 2.0), dpi=DPI)
    ax = figure.add_subplot()
    stats = []
    for row in rows:
        p10, q1, med, q3, p90 = np.percentile(row, [10, 25, 50, 75, 90])
        stats.append({"whislo": p10, "q1": q1, "med": med, "q3": q3, "whishi": p90, "fliers": []})
    ax.bxp(stats, orientation="horizontal", showfliers=False)
    for i, row in enumerate(rows):
        ax.scatter(row, np.full(len(row), i + 1), s=9, color="#555555", zorder=3)
    if target is not None:
        ax.axvline(target[0] * scale, color=OVER_COLOUR, linestyle="--", linewidth=1.2,
                   label=plain_text(target[1]))  # fmt: skip
        ax.legend(loc="best", fontsize=8)
    names = [", ".join(fmt(v) for v in (p if isinstance(p, tuple) else (p,))) for p in values.index]
    ax.set_yticks(range(1, len(rows) + 1), [plain_text(n) for n in names])
    ax.set_ylabel(" / ".join(levers))
    ax.set_xlabel(metric.replace("_", " ") + (" (%)" if scale == 100.0 else ""))
    ax.set_title(
        f"{metric.replace('_', ' ')} of each policy across {rows.shape[1]} scenarios\n"
        "(box: quartiles and median, whiskers 10th–90th percentile; dots: each scenario's "
        "mean)",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(path)
    return figure


def _most_robust(first: pd.DataFrame, levers: list[str]) -> list[str]:
    """The policy that meets the targets in the most scenarios, with the rule that breaks
    a tie said, and every policy tied with it named: `first` is one metric's rows, whose
    maximum regret breaks a tie in the share of scenarios (then the policies are equal)."""
    metric = first["metric"].iloc[0]
    top = first[first["satisficing"] == first["satisficing"].max()]
    share = float(top["satisficing"].iloc[0])
    if share == 0:
        return [
            "No policy meets the targets in any scenario: the table's regrets and bad deciles "
            "say which falls least short."
        ]
    names = [f"**{_policy(r, levers)}**" for _, r in top.iterrows()]
    if len(top) == 1:
        return [
            f"Most robust by the targets: {names[0]}, which meets them in "
            f"{100 * share:.0f} % of the scenarios."
        ]
    least = top[top["max_regret"] == top["max_regret"].min()]
    regrets = ", ".join(
        f"{num(r['max_regret'])} for {_policy(r, levers)}" for _, r in top.iterrows()
    )
    tie = (
        f"Most robust by the targets: a tie. {' and '.join(names)} each meet them in "
        f"{100 * share:.0f} % of the scenarios; the tie is broken by the smallest maximum "
        f"regret of `{metric}` ({regrets})"
    )
    if len(least) == 1:
        return [f"{tie}: **{_policy(least.iloc[0], levers)}**."]
    equal = " and ".join(f"**{_policy(r, levers)}**" for _, r in least.iterrows())
    return [f"{tie}, which leaves {equal} equal."]


def left_out(data: SweepData, metrics: list[str]) -> list[str]:
    """Why each metric chosen (`chosen`) is left out of the robustness table, for
    report.md: "overtime_hours: overtime: switched off in every run of the sweep, not a
    finding"."""
    return [f"{m}: {data.off_text(m)}" for m in metrics if m in data.off]


def _report(
    data: SweepData,
    table: pd.DataFrame,
    levers: list[str],
    uncertain: list[str],
    caseload_limit: float,
    on_time: float,
    reasons: list[str] | None = None,
) -> str:
    first = table[table["metric"] == table["metric"].iloc[0]]
    scenarios = int(first["scenarios"].iloc[0])
    lines = [
        f"# Robustness of each policy: sweep `{data.manifest['name']}`",
        "",
        *caveat_lines(data, FEWER_REPLICATIONS),
        f"{len(first)} policies ({', '.join(levers)}) across {scenarios} scenarios "
        f"({', '.join(uncertain)}), equally weighted; each figure a mean over replications. "
        f"Targets: caseload per caseworker ≤ {fmt(caseload_limit)} and statutory on time ≥ "
        f"{100 * on_time:.0f} %.",
        "",
        "| policy | meets the targets in | "
        + " | ".join(f"{m}: mean / bad decile / max regret" for m in table["metric"].unique())
        + " |",
        "| --- | --- | " + " | ".join("---" for _ in table["metric"].unique()) + " |",
    ]
    by_policy = table.groupby(levers, sort=False)
    for _, rows in by_policy:
        first_row = rows.iloc[0]
        cells = [
            f"{num(r['mean'])} / {num(r['bad_decile'])} / {num(r['max_regret'])}"
            for _, r in rows.iterrows()
        ]
        lines.append(
            f"| {_policy(first_row, levers)} | {100 * first_row['satisficing']:.0f} % of "
            f"scenarios | " + " | ".join(cells) + " |"
        )
    lines += ["", *_most_robust(first, levers), ""]
    if reasons:
        lines += [
            "Left out (their values are zero or blank by construction in every run):",
            *[f"- {reason}" for reason in reasons],
            "",
        ]
    lines += [
        "Bad decile: the 10th percentile where more is better, the 90th where less is; max "
        "regret: the largest shortfall against the best policy of the same scenario.",
        "",
    ]
    return "\n".join(lines)
