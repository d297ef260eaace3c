"""Page "The hockey stick": how long tasks wait against how busy the caseworkers are.

The current setting (caseworkers, refugees a month) is run with the room's replications
(its uncertainty is the page's answer); around it a grid of settings, arrivals or staff
changed, each with one replication on the same random numbers (replication 0 of every
setting, so the curve is smooth without many runs), draws the simulated curve;
beside them queueing theory's curves for the same office
(`simulator.waiting_theory`: Erlang C for a shared queue, M/M/1 for a queue per
caseworker). Runs are steady: flat staffing and arrivals, the scenario's warm-up, then
`MEASURED_YEARS` measured.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

import simulator as cl
from simulator.app import figures, show, texts
from simulator.app.peak import normal_level
from simulator.app.runs import Job, variant

if TYPE_CHECKING:
    from simulator import Results, Scenario

MEASURED_YEARS = 1.5
GRID_REPLICATIONS = 1  # the curve's points show means, no interval: see the module's text
# refugees a month per caseworker along the curve: from quiet to past the wall
GRID_PER_WORKER = (1.0, 1.5, 2.0, 2.3, 2.6, 2.8, 3.0, 3.2)
VARY = {"arrivals": "refugees a month", "staff": "caseworkers"}


def setting(base: Scenario, caseworkers: int, per_month: float) -> Scenario:
    """`base` with flat staffing and arrivals, the warm-up and `MEASURED_YEARS` after it."""
    first = base.caseworkers.staffing[0].date
    years = min(base.simulation.duration_years, base.simulation.warmup_years + MEASURED_YEARS)
    changes = {
        "caseworkers.staffing": [{"date": first, "caseworkers": caseworkers}],
        "arrivals.per_month": per_month,
        "simulation.duration_years": years,
    }
    return variant(base, changes, without=["arrivals.monthly_profile", "arrivals.until"])


def grid(caseworkers: int, per_month: float, vary: str) -> list[tuple[int, float]]:
    """The (caseworkers, refugees a month) settings along the simulated curve."""
    if vary == "arrivals":
        return [(caseworkers, round(g * caseworkers, 1)) for g in GRID_PER_WORKER]
    fewest = max(1, math.ceil(per_month / max(GRID_PER_WORKER)))
    most = max(fewest + 1, math.ceil(per_month / min(GRID_PER_WORKER)))
    staff = np.unique(np.linspace(fewest, most, min(8, most - fewest + 1)).round().astype(int))
    return [(int(c), per_month) for c in staff]


def point(results: Results, label: str = "") -> figures.Point:
    """Utilisation and mean task wait of a run, with their uncertainty."""
    summary = results.summary.set_index("metric")
    u, w = summary.loc["utilisation_mean"], summary.loc["task_wait_days_mean"]
    return figures.Point(
        x=float(u["mean"]),
        y=float(w["mean"]),
        x_low=float(u["ci_low"]),
        x_high=float(u["ci_high"]),
        y_low=float(w["ci_low"]),
        y_high=float(w["ci_high"]),
        y_p10=float(w["p10"]),  # the range 8 runs in 10 lie in (summary.csv's)
        y_p90=float(w["p90"]),
        replications=results.replications,
        label=label,
    )


def draw(answers: list[Results | None], caseworkers: int, per_month: float) -> None:
    """The key numbers and the figure."""
    current = answers[0]
    if current is None:
        return
    here = point(current)
    theory = cl.waiting_theory(current, np.linspace(0.02, 0.99, 90))
    at = cl.waiting_theory(current, [min(here.x, 0.999)])
    a, b, c = st.columns(3)
    a.metric(
        "Caseworkers' utilisation",
        f"{here.x:.0%}",
        help="Hours worked on tasks over the casework hours available, after the warm-up.",
    )
    b.metric(
        "Mean wait before a task is started",
        f"{here.y:.1f} days",
        help="Calendar days from when a task falls due until a caseworker starts it, "
        "mean over all tasks after the warm-up.",
    )
    c.metric(
        "Queueing theory at this utilisation",
        f"{float(at['own_queue_days'].iloc[0]):.1f} days",
        help="M/M/1 for each caseworker's own queue, with the same mean task time "
        "(a simpler office: no deadlines, no priorities, no nights or weekends).",
    )
    others = [point(r) for r in answers[1:] if r is not None]
    title = (
        f"Waiting against utilisation: {caseworkers} caseworkers, "
        f"{per_month:g} refugees a month (diamond)"
    )
    show.figure(figures.hockey_figure(theory, others, here, title=title))


def one_step(caseworkers: int, per_month: float) -> list[tuple[int, float]]:
    """The settings one slider step away."""
    steps = [
        (caseworkers, per_month + 1),
        (caseworkers, per_month - 1),
        (caseworkers + 1, per_month),
        (caseworkers - 1, per_month),
    ]
    return [(c, m) for c, m in steps if 1 <= c <= 12 and 1 <= m <= 40]


def page() -> None:
    """The page."""
    show.header("hockey", "The hockey stick")
    base = show.base_scenario()
    left, middle, right = st.columns(3)
    vary = left.radio(
        "Draw the curve by changing",
        list(VARY),
        format_func=lambda v: VARY[v],
        key="hockey-vary",
        help=texts.tip("vary"),
        persist_state="session",
    )
    caseworkers = middle.slider(
        "Caseworkers",
        1,
        12,
        base.caseworkers.staffing[0].caseworkers,
        key="hockey-caseworkers",
        help=texts.tip("caseworkers"),
        persist_state="session",
    )
    per_month = right.slider(
        "Refugees a month",
        1,
        40,
        max(1, round(normal_level(base))),
        key="hockey-arrivals",
        help=texts.tip("per_month"),
        persist_state="session",
    )
    room = show.settings()
    try:
        current = setting(base, int(caseworkers), float(per_month))
        others = [setting(base, c, m) for c, m in grid(int(caseworkers), float(per_month), vary)]
    except cl.ScenarioError as exc:
        st.error(str(exc))
        return
    full = [Job(current, room.full, room.seed)]
    full += [Job(s, GRID_REPLICATIONS, room.seed) for s in others]
    quick: list[Job | None] = [Job(current, room.quick, room.seed)] + [None] * len(others)
    show.progressive(
        "hockey",
        full,
        quick,
        lambda answers, final: draw(answers, int(caseworkers), float(per_month)),
        ahead=lambda: [
            Job(setting(base, c, m), room.quick, room.seed)
            for c, m in one_step(int(caseworkers), float(per_month))
        ],
    )
    show.debrief("hockey")
