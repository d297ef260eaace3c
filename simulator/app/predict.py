"""Page "Predict, then run": the room guesses a number, locks it, then runs.

The guess is locked before the run (a locked guess cannot be changed, only a new round
started), so the comparison is honest; the answer is drawn beside it with its 95 %
interval of the mean and the range 8 of 10 municipalities like this one would see. Every
round goes into a log (question, setting, guess, answer), as the HSMA teaching apps keep
a log of the scenarios a workshop tried.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

import simulator as cl
from simulator.app import figures, show, texts, wall
from simulator.app.hockey import point
from simulator.app.peak import normal_level
from simulator.app.runs import Job
from simulator.app.side_by_side import Side, side_scenario

if TYPE_CHECKING:
    from simulator import Results


@dataclass(frozen=True)
class Question:
    """A question to the room: the words, the summary metric, its unit and scale, and the
    few words of the log (a log row fits a 1280-pixel-wide screen)."""

    words: str
    metric: str
    unit: str
    short: str
    scale: float = 1.0


# the log's columns beside the answer: where the mean lies, and what one municipality sees
MEAN_INTERVAL = "95 % interval of the mean"
RANGE = "8 in 10 municipalities"


def span(low: float, high: float, scale: float) -> str:
    """`low` to `high` in display units; a dash without (one replication has no range)."""
    return f"{low * scale:.1f} to {high * scale:.1f}" if low == low else "–"


QUESTIONS = {
    "caseload": Question(
        "How many open cases will each caseworker have, on average?",
        "caseload_per_worker_mean",
        "open cases per caseworker",
        "Cases per caseworker",
    ),
    "wait": Question(
        "How many days will a task wait, on average, before someone starts it?",
        "task_wait_days_mean",
        "days",
        "Wait (days)",
    ),
    "on_time": Question(
        "What share of the statutory tasks will be done by their deadline?",
        "statutory_on_time_share",
        "% of those due",
        "On time (%)",
        100.0,
    ),
    "backlog": Question(
        "How many hours of work will be waiting to be started, on average?",
        "backlog_hours_mean",
        "hours",
        "Backlog (hours)",
    ),
}
LOCKED, RUN, LOG = "predict-locked", "predict-run", "predict-log"


@dataclass(frozen=True)
class Round:
    """A locked guess: the question, the setting it is about, and the number."""

    question: str
    caseworkers: int
    per_month: float
    guess: float


def answer(results: Results, question: Question) -> figures.Point:
    """The simulated answer to `question`, with its uncertainty, in the question's units."""
    summary = results.summary.set_index("metric").loc[question.metric]
    found = point(results)
    return figures.Point(
        x=found.x,
        y=float(summary["mean"]),
        y_low=float(summary["ci_low"]),
        y_high=float(summary["ci_high"]),
        y_p10=float(summary["p10"]),  # the range 8 runs in 10 lie in (summary.csv's)
        y_p90=float(summary["p90"]),
        replications=results.replications,
    )


def draw(results: Results | None, locked: Round, final: bool) -> None:
    """The guess beside the answer; a final answer goes into the log once."""
    if results is None:
        return
    question = QUESTIONS[locked.question]
    result = answer(results, question)
    value = result.y * question.scale
    a, b = st.columns(2)
    # the unit in the label: a value with its unit ("72.7 open cases per caseworker") is
    # cut short in half the page at 1280 pixels
    a.metric(f"The room's guess ({question.unit})", f"{locked.guess:g}")
    b.metric(
        f"The simulation ({question.unit})",
        f"{value:.1f}",
        delta=f"{value - locked.guess:+.1f} against the guess",
        delta_color="off",
        help="Mean over replications, after the warm-up.",
    )
    st.caption(f"{texts.replications_note(result.replications)} {texts.period(results.scenario)}")
    show.steady_state(wall.read(results), "the answer")
    show.figure(
        figures.guess_figure(
            locked.guess, result, title=question.words, unit=question.unit, scale=question.scale
        )
    )
    if final:
        log: list[dict[str, object]] = st.session_state.setdefault(LOG, [])
        entry = {
            **asdict(locked),
            "question": question.short,
            "answer": round(value, 2),
            MEAN_INTERVAL: span(result.y_low, result.y_high, question.scale),
            RANGE: span(result.y_p10, result.y_p90, question.scale)
            + (" (rough)" if texts.range_caveat(result.replications) else ""),
            "replications": result.replications,
        }
        if not log or log[-1] != entry:
            log.append(entry)


def lock() -> None:
    """Lock the guess for the current question and setting."""
    st.session_state[LOCKED] = Round(
        st.session_state["predict-question"],
        int(st.session_state["predict-caseworkers"]),
        float(st.session_state["predict-arrivals"]),
        float(st.session_state["predict-guess"]),
    )
    st.session_state[RUN] = False


def new_round() -> None:
    """Unlock: a new guess for a new question or setting."""
    st.session_state.pop(LOCKED, None)
    st.session_state[RUN] = False


def page() -> None:
    """The page."""
    show.header("predict", "Predict, then run")
    base = show.base_scenario()
    locked: Round | None = st.session_state.get(LOCKED)
    frozen = locked is not None
    question = st.selectbox(
        "The question",
        list(QUESTIONS),
        format_func=lambda q: QUESTIONS[q].words,
        key="predict-question",
        help=texts.tip("question"),
        disabled=frozen,
    )
    left, right = st.columns(2)
    left.slider(
        "Caseworkers",
        1,
        12,
        base.caseworkers.staffing[0].caseworkers,
        key="predict-caseworkers",
        help=texts.tip("caseworkers"),
        disabled=frozen,
    )
    right.slider(
        "Refugees a month",
        1,
        40,
        max(1, round(normal_level(base))),
        key="predict-arrivals",
        help=texts.tip("per_month"),
        disabled=frozen,
    )
    st.number_input(
        f"The room's guess ({QUESTIONS[question].unit})",
        min_value=0.0,
        value=0.0,
        step=1.0,
        format="%.1f",
        key="predict-guess",
        help=texts.tip("guess"),
        disabled=frozen,
    )
    one, two, three = st.columns(3)
    one.button("Lock the guess", on_click=lock, disabled=frozen)
    if two.button("Run the simulation", type="primary", disabled=not frozen):
        st.session_state[RUN] = True
    three.button("New round", on_click=new_round, disabled=not frozen)
    if locked is not None and st.session_state.get(RUN):
        room = show.settings()
        side = Side(
            locked.caseworkers,
            locked.per_month,
            base.triage is not None,
            base.caseworkers.assignment,
        )
        try:
            scenario = side_scenario(base, side)
        except cl.ScenarioError as exc:
            st.error(str(exc))
            return
        if show.past_capacity([scenario], "nothing to predict"):
            return
        show.progressive(
            "predict",
            [Job(scenario, room.full, room.seed)],
            [Job(scenario, room.quick, room.seed)],
            lambda answers, final: draw(answers[0], locked, final),
        )
        show.debrief("predict")
    elif locked is not None:
        st.success(f"Guess locked: {locked.guess:g} {QUESTIONS[locked.question].unit}. Now run.")
    log = st.session_state.get(LOG, [])
    if log:
        st.subheader("The log of this session")
        # wide enough for their headers, narrow enough for the whole log at 1280 px
        column_config = {
            MEAN_INTERVAL: st.column_config.TextColumn(width=160),
            RANGE: st.column_config.TextColumn(
                width=170,
                help="10th to 90th percentile over replications; '(rough)': from fewer "
                f"than {texts.RANGE_REPLICATIONS} replications",
            ),
        }
        st.dataframe(
            pd.DataFrame(log),
            hide_index=True,
            column_config=column_config,
        )
