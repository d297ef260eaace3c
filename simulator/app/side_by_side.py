"""Page "Side by side": two settings, A and B, on the same arrivals (common random numbers).

Each side is a scenario of its own, run with the room's seed and replications and kept
by what it ran, so moving a slider of B runs B again and not A. The two runs are paired
by `simulator.pair` (what `simulator.compare` does, without running again): replication
k of A and of B met the same refugees, families and task times, so B − A per replication
is the effect of the settings alone, and its paired interval is narrow.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

import simulator as cl
from simulator.app import figures, show, texts, wall
from simulator.app.peak import normal_level
from simulator.app.runs import Job, variant

if TYPE_CHECKING:
    from simulator import Results, Scenario

TRIAGE = {"measure": "backlog", "above": 2.0, "action": "drop"}  # as the shipped scenario
ASSIGNMENT = {"fixed": "a caseworker per case", "pool": "a shared queue"}
# metrics shown as paired differences: (summary metric, words, short words, scale, unit of
# A and B, unit of B − A). Triage's dropped tasks are among them: without them, triage
# would look free (a lower backlog and wait, its cost not shown).
DIFFERENCES = [
    ("caseload_per_worker_mean", "Open cases per caseworker", "Cases each", 1.0, "cases", "cases"),
    ("backlog_hours_mean", "Backlog", "Backlog", 1.0, "hours", "hours"),
    ("task_wait_days_mean", "Mean wait before a task is started", "Wait", 1.0, "days", "days"),
    ("statutory_on_time_share", "Statutory tasks on time", "On time", 100.0, "%", "points"),
    ("utilisation_mean", "Caseworkers' utilisation", "Utilisation", 100.0, "%", "points"),
    (
        "optional_tasks_dropped",
        "Optional tasks dropped by triage",
        "Tasks dropped",
        1.0,
        "tasks",
        "tasks",
    ),
]
OFF = "off"  # A's or B's value of a metric whose mechanism both switch off
CARDS_PER_ROW = 3  # six cards in two rows: their labels fit a 1280-pixel-wide screen


@dataclass(frozen=True)
class Side:
    """One side's settings."""

    caseworkers: int
    per_month: float
    triage: bool
    assignment: str


def side_scenario(base: Scenario, side: Side) -> Scenario:
    """`base` with one side's settings (staffing flat from the start)."""
    changes: dict[str, Any] = {
        "caseworkers.staffing": [
            {"date": base.caseworkers.staffing[0].date, "caseworkers": side.caseworkers}
        ],
        "arrivals.per_month": side.per_month,
        "caseworkers.assignment": side.assignment,
    }
    if side.assignment == "pool":
        changes["caseworkers.caseload_cap"] = None
    if side.triage:
        changes["triage"] = TRIAGE
    without = ["arrivals.monthly_profile", "arrivals.until"] + ([] if side.triage else ["triage"])
    return variant(base, changes, without=without)


def controls(base: Scenario, name: str, default: Side) -> Side:
    """One side's sliders, in the current column."""
    st.subheader(f"Setting {name}")
    key = name.lower()
    caseworkers = st.slider(
        f"Caseworkers ({name})",
        1,
        12,
        default.caseworkers,
        key=f"side-{key}-caseworkers",
        help=texts.tip("caseworkers"),
        persist_state="session",
    )
    per_month = st.slider(
        f"Refugees a month ({name})",
        1,
        40,
        int(default.per_month),
        key=f"side-{key}-arrivals",
        help=texts.tip("per_month"),
        persist_state="session",
    )
    assignment = st.radio(
        f"Who takes a task ({name})",
        list(ASSIGNMENT),
        index=list(ASSIGNMENT).index(default.assignment),
        format_func=lambda v: ASSIGNMENT[v],
        key=f"side-{key}-assignment",
        help=texts.tip("assignment"),
        horizontal=True,
        persist_state="session",
    )
    triage = st.toggle(
        f"Drop optional tasks under pressure ({name})",
        default.triage,
        key=f"side-{key}-triage",
        help=texts.tip("triage"),
        persist_state="session",
    )
    return Side(int(caseworkers), float(per_month), bool(triage), str(assignment))


def differences(a: Results, b: Results) -> pd.DataFrame:
    """B − A for the page's metrics, with paired 95 % intervals, the range 8 replications
    in 10 of B − A lie in and the API's verdict, in display units."""
    table = cl.pair(a, b).table.set_index("metric")
    rows = []
    for metric, words, short, scale, unit, difference_unit in DIFFERENCES:
        row = table.loc[metric]
        rows.append(
            {
                "words": words,
                "label": f"{words} ({difference_unit})",
                "short": f"{short}, B − A",
                "unit": unit,
                "difference_unit": difference_unit,
                "A": row["mean_a"] * scale,
                "B": row["mean_b"] * scale,
                "difference": row["difference"] * scale,
                "ci_low": row["ci_low"] * scale,
                "ci_high": row["ci_high"] * scale,
                "p10": row["p10"] * scale,
                "p90": row["p90"] * scale,
                "verdict": row["verdict"],
            }
        )
    return pd.DataFrame(rows)


def card(row: pd.Series) -> tuple[str, str]:
    """A difference card's value and the line under it: whether it could be chance."""
    verdict, unit = row["verdict"], row["difference_unit"]
    if texts.is_off(verdict):
        value = "—"  # a switched-off mechanism's zero is no finding
    elif verdict == cl.Verdict.IDENTICAL:
        value = f"0 {unit}"
    else:
        value = f"{row['difference']:+.1f} {unit}"
    return value, texts.verdict_words(verdict)


def cards(rows: pd.DataFrame, replications: int) -> None:
    """The differences as cards, in rows of `CARDS_PER_ROW`, each saying under its value
    whether it could be chance (the verdict of `simulator.pair`); the range in a card's
    tooltip is marked rough when it rests on few `replications`."""
    for start in range(0, len(rows), CARDS_PER_ROW):
        chunk = rows.iloc[start : start + CARDS_PER_ROW]
        cols = st.columns(CARDS_PER_ROW)[: len(chunk)]
        for col, (_, row) in zip(cols, chunk.iterrows(), strict=True):
            value, verdict = card(row)
            caveat = texts.range_caveat(replications)
            said = (
                f"{row['words']}: {texts.OFF_IN_BOTH_TABLE}."
                if texts.is_off(row["verdict"])
                else f"{row['words']}: A {row['A']:.1f} {row['unit']}, B {row['B']:.1f} "
                f"{row['unit']}; paired 95 % interval of the mean of B − A from "
                f"{row['ci_low']:+.1f} to {row['ci_high']:+.1f} ({verdict}); "
                f"in 8 replications in 10, B − A was between {row['p10']:+.1f} and "
                f"{row['p90']:+.1f}" + (f" ({caveat})." if caveat else ".")
            )
            col.metric(
                row["short"],
                value,
                delta=verdict,
                delta_color="off",
                delta_arrow="off",
                help=said,
            )


def draw(answers: list[Results | None], final: bool) -> None:
    """Both runs over time, and the paired differences once both are full."""
    a, b = answers
    if a is None or b is None:
        return
    panels = []
    for metric, words, unit, ds in (
        ("caseload_per_worker", "Open cases per caseworker", "cases", True),
        ("backlog_hours", "Backlog: hours of work waiting to be started", "hours", False),
    ):
        panels.append(
            figures.Panel(
                words,
                unit,
                [
                    figures.Line("A", cl.weekly_bands(a, metric), figures.A_COLOUR, "-"),
                    figures.Line("B", cl.weekly_bands(b, metric), figures.B_COLOUR, "--"),
                ],
                ds_band=ds,
            )
        )
    start = a.scenario.simulation.warmup_end
    title = "A (blue, solid) and B (orange, dashed) on the same arrivals"
    for name, run in (("A", a), ("B", b)):
        show.steady_state(wall.read(run), f"each of {name}'s numbers", name)
    if min(a.replications, b.replications) < 2 or a.replications != b.replications:
        st.caption(
            "Paired differences need both sides run with the same replications: they are "
            f"coming. {texts.period(a.scenario)}"
        )
        show.figure(figures.time_figure(panels, title=title, start=start))
        return
    rows = differences(a, b)
    st.caption(texts.period(a.scenario))
    cards(rows, a.replications)
    show.figure(figures.time_figure(panels, title=title, start=start))
    drawn = rows["verdict"].map(texts.has_interval)
    if not drawn.any():
        st.info("Every difference is zero in every replication: no interval to draw.")
    else:
        show.figure(
            figures.differences_figure(
                rows,
                title=f"B − A, paired over {a.replications} replications on the same arrivals",
            )
        )
    if drawn.any() and not drawn.all():
        words = [
            f"{r['label']}: {texts.verdict_words(r['verdict'])}" for _, r in rows[~drawn].iterrows()
        ]
        st.caption("Not drawn, no interval to draw: " + "; ".join(words) + ".")
    st.dataframe(
        table(rows),
        hide_index=True,
        column_config={"verdict": st.column_config.TextColumn(width="medium")},
    )


def table(rows: pd.DataFrame) -> pd.DataFrame:
    """The differences as the page's table: A and B in their own units (per cent for a
    share), B − A in its own (percentage points for a share) and its paired interval. A
    metric whose mechanism both settings switch off reads "off" for A and B, has no
    difference or interval (a dash) and says so: its zeros and "+0.00" read as a finding,
    and the API's "not modelled" as a gap in the model rather than a setting."""
    off = rows["verdict"].map(texts.is_off)
    return pd.DataFrame(
        {
            "metric": [f"{w} ({u})" for w, u in zip(rows["words"], rows["unit"], strict=True)],
            "A": [OFF if o else f"{v:.2f}" for v, o in zip(rows["A"], off, strict=True)],
            "B": [OFF if o else f"{v:.2f}" for v, o in zip(rows["B"], off, strict=True)],
            "B − A": [
                "—" if o else f"{d:+.2f} {u}"
                for d, u, o in zip(rows["difference"], rows["difference_unit"], off, strict=True)
            ],
            "paired 95 % interval": [
                "—" if o else f"{lo:+.2f} to {hi:+.2f}"
                for lo, hi, o in zip(rows["ci_low"], rows["ci_high"], off, strict=True)
            ],
            "verdict": [
                texts.OFF_IN_BOTH_TABLE if o else v
                for v, o in zip(rows["verdict"], off, strict=True)
            ],
        }
    )


def one_step(side: Side) -> list[Side]:
    """The settings of one side one slider step away."""
    steps = [
        replace(side, caseworkers=side.caseworkers + 1),
        replace(side, caseworkers=side.caseworkers - 1),
        replace(side, per_month=side.per_month + 1),
        replace(side, per_month=side.per_month - 1),
    ]
    return [s for s in steps if 1 <= s.caseworkers <= 12 and 1 <= s.per_month <= 40]


def page() -> None:
    """The page."""
    show.header("side_by_side", "Side by side")
    base = show.base_scenario()
    start = Side(
        base.caseworkers.staffing[0].caseworkers,
        float(max(1, round(normal_level(base)))),
        base.triage is not None,
        base.caseworkers.assignment,
    )
    left, right = st.columns(2)
    with left:
        a = controls(base, "A", start)
    with right:
        b = controls(base, "B", replace(start, caseworkers=start.caseworkers + 1))
    show.reset("side-")
    room = show.settings()
    try:
        scenarios = [side_scenario(base, a), side_scenario(base, b)]
    except cl.ScenarioError as exc:
        st.error(str(exc))
        return
    if show.past_capacity(scenarios, "nothing to compare"):
        return
    show.progressive(
        "side",
        [Job(s, room.full, room.seed) for s in scenarios],
        [Job(s, room.quick, room.seed) for s in scenarios],
        draw,
        ahead=lambda: [
            Job(side_scenario(base, s), room.quick, room.seed) for s in one_step(a) + one_step(b)
        ],
    )
    show.debrief("side_by_side")
