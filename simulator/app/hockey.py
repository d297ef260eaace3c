"""Page "The hockey stick": how long tasks wait against how busy the caseworkers are.

The current setting (caseworkers, refugees a month) is run with the room's replications
(its uncertainty is the page's answer); around it a grid of settings, arrivals or staff
changed, draws the simulated curve. The grid is laid out in utilisation, from a quiet
office to the wall (`GRID_UTILISATION`, up to just past 100 %, where waits explode):
utilisation grows with the work, so the first look at the current setting tells which
arrivals (or how few caseworkers) reach each level. Each point is the mean of
`GRID_REPLICATIONS` replications on the same random numbers as the current setting's
first ones (one replication alone can sit far from the mean: the waits of one year
differ several-fold between replications), said in the legend;
beside them queueing theory's curves for the same office
(`simulator.waiting_theory`: Erlang C for a shared queue, M/M/1 for a queue per
caseworker). Runs have flat staffing and arrivals, the scenario's warm-up, then
`MEASURED_YEARS` measured; they are not quite steady: the scenario's timeline still
switches its rules by date within them (the baseline's rules of family reunification, in
February 2015 and January and February 2016, fall in its measured years), which is one
reason the simulated curve need not follow theory's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

import simulator as cl
from simulator.app import figures, show, texts, wall
from simulator.app.peak import normal_level
from simulator.app.runs import Job, variant

if TYPE_CHECKING:
    from simulator import Results, Scenario

MEASURED_YEARS = 1.5
GRID_REPLICATIONS = 3  # the curve's points show means, no interval: see the module's text
# utilisation along the curve: from a quiet office to just past the wall
GRID_UTILISATION = (0.3, 0.5, 0.65, 0.75, 0.85, 0.92, 0.97, 1.02)
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


def grid(
    caseworkers: int, per_month: float, vary: str, utilisation: float
) -> list[tuple[int, float]]:
    """The (caseworkers, refugees a month) settings along the simulated curve, given the
    current setting's `utilisation`: arrivals (or caseworkers) scaled so that the points
    lie near `GRID_UTILISATION`, the last ones at the wall (work grows with arrivals and
    is shared by the caseworkers, so utilisation is close to proportional to refugees a
    month per caseworker below the wall)."""
    busy = min(max(utilisation, 0.05), 1.0)  # past the wall it reads 1: the wall is nearer
    if vary == "arrivals":
        # refugees a month at utilisation 1, to half a refugee per caseworker: the next
        # arrivals step finds the same grid (its replications kept), not a new one
        ceiling = caseworkers * max(0.5, round(2 * per_month / busy / caseworkers) / 2)
        found = sorted({max(0.1, round(u * ceiling, 1)) for u in GRID_UTILISATION})
        return [(caseworkers, m) for m in found]
    needed = caseworkers * busy  # caseworkers at utilisation 1
    fewest = max(1, math.floor(needed / max(GRID_UTILISATION)))
    most = max(fewest + 1, math.ceil(needed / min(GRID_UTILISATION)))
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


def completed_tasks(results: Results) -> float:
    """Tasks completed after the warm-up, over all replications: what queueing theory's
    mean task time is averaged over (`simulator.waiting_theory`). None completed (an
    office far past its capacity) leaves theory nothing to draw from."""
    return float(results.by_task["completed"].sum())


def draw(answers: list[Results | None], caseworkers: int, per_month: float) -> None:
    """The key numbers and the figure; where no task was completed in the run, a
    message that says so in place of queueing theory's numbers."""
    current = answers[0]
    if current is None:
        return
    here = point(current)
    done = completed_tasks(current) > 0
    theory = cl.waiting_theory(current, np.linspace(0.02, 0.99, 90)) if done else None
    if not done:
        st.warning(texts.NOTHING_COMPLETED)
    reading = wall.read(current)
    at_wall = reading.at_wall
    a, b, c = st.columns(3)
    a.metric(
        "Caseworkers' utilisation",
        f"{here.x:.0%}",
        help="Hours worked on tasks over the casework hours available, after the warm-up.",
    )
    b.metric(
        "Mean wait before a task is started",
        f"{here.y:.1f} days",
        delta="within this run: grows with its length" if at_wall else None,
        delta_color="off",
        delta_arrow="off",
        help="Calendar days from when a task falls due until a caseworker starts it, "
        "mean over all tasks after the warm-up.",
    )
    theory_days = float("nan")
    if done and not at_wall:
        at = cl.waiting_theory(current, [here.x])
        theory_days = float(at["own_queue_days"].iloc[0])
    c.metric(
        "Queueing theory at this utilisation",
        f"{theory_days:.1f} days" if done and not at_wall else ("no steady state" if done else "—"),
        help="M/M/1 for each caseworker's own queue, with the same mean task time "
        "(a simpler office: no deadlines, no priorities, no nights or weekends). Where "
        f"the run shows the office at its wall (utilisation {wall.AT_WALL:.0%} or more, or "
        "a backlog growing through the run), theory's queue never settles and has no "
        "finite wait.",
    )
    st.caption(f"{texts.replications_note(current.replications)} {texts.period(current.scenario)}")
    if done and not show.steady_state(reading, "the simulated wait"):
        st.markdown(texts.theory_and_simulation(here.x, here.y, theory_days))
    others = [point(r) for r in answers[1:] if r is not None]
    title = (
        f"Waiting against utilisation: {texts.plural(caseworkers, 'caseworker')}, "
        f"{texts.per_month(per_month)} (diamond)"
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
    show.reset("hockey-")
    room = show.settings()
    try:
        current = setting(base, int(caseworkers), float(per_month))
        if show.past_capacity([current], "no steady wait to draw"):
            return
        # the first look (kept: it is the full answer's first replication) tells where
        # the wall is; the curve's points are laid out up to it
        busy = point(show.runner().now(Job(current, room.quick, room.seed))).x
        settings = grid(int(caseworkers), float(per_month), vary, busy)
        others = [setting(base, c, m) for c, m in settings]
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
