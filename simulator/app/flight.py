"""Page "The flight simulator": the trainee runs the office quarter by quarter.

The game starts when the scenario's warm-up ends (the office has its full caseload). At
the start of each quarter the trainee sees the office as it is and decides how many
caseworkers to recruit; each hire becomes a `caseworkers.staffing` entry dated the
decision plus the recruitment time (the scenario's `turnover.recruitment_days`, mean;
the schema's default without a [turnover] table). Then the whole history is simulated
again from the scenario's start to the end of the quarter, with the room's seed: common
random numbers make the past identical, so each quarter only adds to what the trainee
has seen. The trainee also decides, each quarter, whether the office drops optional
tasks under pressure (triage) from that quarter on: a `[[timeline]]` entry dated the
quarter's start, added to the scenario's own.

After the last quarter the debrief runs the trainee's staffing and the comparison plan
(`planner.comparison_plan`: the planner's quick plan, else the instant answer where it
cannot answer) over the game with the room's replications, on the same arrivals, and
pairs them. The plan is made once per game and kept (`debrief_plan`): coming back to the
debrief shows it at once; while the planner works, the page says what it is doing.
Beside it the debrief runs the same hires (the trainee's number, else two) started early
or late (`timings`), with what each paid in caseworker-years and DKK and left in backlog.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

import simulator as cl
from simulator.analysis.standards import BAND_TEXT
from simulator.app import figures, planner, show, texts
from simulator.app.peak import add_months, months_between
from simulator.app.runs import Job, variant
from simulator.scenario.schema import Turnover

if TYPE_CHECKING:
    from simulator import Results, Scenario

STATE = "flight"
DEFAULT_QUARTERS = 8
HIRES_KEY = "flight-hires"
TRIAGE_KEY = "flight-triage"
# triage as the trainee switches it on where the scenario has none: optional tasks are
# dropped above two weeks of work waiting, as they fall due or when a caseworker comes to
# them (the schema's defaults)
TRIAGE_ON: dict[str, Any] = {"measure": "backlog", "above": 2.0, "action": "drop"}
PLANNER_STEPS = {  # what the planner's progress says it is doing, in the room's words
    "search": "searching for the least staffing",
    "check": "checking the plan on fresh futures",
    "one fewer": "checking that one caseworker fewer would miss",
}


@dataclass
class Game:
    """One trainee's game: the seed, its length, and the hires and triage decided each
    quarter."""

    seed: int
    quarters: int
    hires: list[int] = field(default_factory=list)  # one per quarter played
    triage: list[bool] = field(default_factory=list)  # from each quarter played on

    @property
    def played(self) -> int:
        return len(self.hires)

    @property
    def over(self) -> bool:
        return self.played >= self.quarters


def game_start(scenario: Scenario) -> dt.date:
    """The first day of the game: the month the warm-up ends (else a year in)."""
    sim = scenario.simulation
    end = sim.warmup_end or add_months(sim.start_date, 12)
    return dt.date(end.year, end.month, 1)


def quarter_start(scenario: Scenario, quarter: int) -> dt.date:
    """The first day of quarter `quarter` of the game (0 is the first)."""
    return add_months(game_start(scenario), 3 * quarter)


def quarter_name(day: dt.date) -> str:
    """ "Q3 2015" for a day in the third quarter of 2015."""
    return f"Q{(day.month - 1) // 3 + 1} {day.year}"


def recruitment_days(scenario: Scenario) -> float:
    """Days from deciding to hire until the new caseworker starts: the mean recruitment
    time of the scenario's [turnover], or of the schema's default one."""
    turnover = scenario.turnover if scenario.turnover is not None else Turnover()
    return float(turnover.recruitment_days.mean())


def hire_dates(scenario: Scenario, hires: list[int]) -> list[tuple[dt.date, int]]:
    """When each quarter's hires start work: the quarter's start plus the recruitment time."""
    lag = dt.timedelta(days=round(recruitment_days(scenario)))
    return [(quarter_start(scenario, q) + lag, n) for q, n in enumerate(hires) if n > 0]


def staffing_with(scenario: Scenario, hires: list[tuple[dt.date, int]]) -> list[dict[str, Any]]:
    """The scenario's staffing plus the hires, each from its date on."""
    base = [(s.date, s.caseworkers) for s in scenario.caseworkers.staffing]
    dates = sorted({d for d, _ in base} | {d for d, _ in hires})

    def level(day: dt.date) -> int:
        planned = [c for d, c in base if d <= day][-1]
        return planned + sum(n for d, n in hires if d <= day)

    return [{"date": d, "caseworkers": level(d)} for d in dates]


def triage_in_force(scenario: Scenario, game: Game) -> bool:
    """Whether the office triages now: the last quarter's decision, else the scenario's."""
    return game.triage[-1] if game.triage else scenario.triage is not None


def triage_timeline(scenario: Scenario, triage: list[bool]) -> list[dict[str, Any]]:
    """The scenario's own timeline plus an entry at the start of each quarter whose
    decision switches triage on (the scenario's settings, else `TRIAGE_ON`) or off."""
    entries = [entry.model_dump(exclude_defaults=True) for entry in scenario.timeline]
    on = scenario.triage is not None
    settings = scenario.triage.model_dump() if scenario.triage is not None else TRIAGE_ON
    for quarter, wanted in enumerate(triage):
        if wanted == on:
            continue
        on = wanted
        entry: dict[str, Any] = {
            "date": quarter_start(scenario, quarter),
            "description": "The trainee switches triage " + ("on" if on else "off"),
        }
        entry.update({"set": {"triage": settings}} if on else {"unset": ["triage"]})
        entries.append(entry)
    return sorted(entries, key=lambda entry: entry["date"])


def staffing_of(scenario: Scenario, plan: planner.Plan) -> list[dict[str, Any]]:
    """The scenario's staffing until the plan's first date, then the plan's."""
    first = plan.staffing[0][0] if plan.staffing else dt.date.max
    rows = [(s.date, s.caseworkers) for s in scenario.caseworkers.staffing if s.date < first]
    for day, caseworkers in plan.staffing:
        if not rows or rows[-1][1] != caseworkers:
            rows.append((day, caseworkers))
    return [{"date": d, "caseworkers": c} for d, c in rows]


def until(
    scenario: Scenario,
    day: dt.date,
    staffing: list[dict[str, Any]],
    warmup: bool,
    triage: list[bool] | None = None,
) -> Scenario:
    """`scenario` with `staffing` and the trainee's `triage` by quarter (None: the
    scenario's own), run until `day`; statistics from the game's start (`warmup`) or over
    the whole run (the quarter-by-quarter view draws the series only)."""
    sim = scenario.simulation
    first = dt.date(sim.start_date.year, sim.start_date.month, 1)
    years = months_between(first, day) / 12
    start_years = months_between(first, game_start(scenario)) / 12
    changes = {
        "caseworkers.staffing": staffing,
        "simulation.duration_years": years,
        "simulation.warmup_years": start_years if warmup else 0.0,
    }
    if triage is not None:
        changes["timeline"] = triage_timeline(scenario, triage)
    return variant(scenario, changes)


def played_scenario(scenario: Scenario, game: Game) -> Scenario:
    """The history the trainee has seen: from the start to the end of the last quarter
    played (to the game's start before the first decision)."""
    staffing = staffing_with(scenario, hire_dates(scenario, game.hires))
    day = quarter_start(scenario, game.played)
    return until(scenario, day, staffing, warmup=False, triage=game.triage)


def caseworker_years(staffing: list[dict[str, Any]], start: dt.date, end: dt.date) -> float:
    """Caseworker-years paid from `start` to `end` under a staffing schedule."""
    total = 0.0
    for i, row in enumerate(staffing):
        begin = max(row["date"], start)
        stop = min(staffing[i + 1]["date"] if i + 1 < len(staffing) else end, end)
        if stop > begin:
            total += row["caseworkers"] * (stop - begin).days / 365.25
    return total


def complete_weeks(results: Results) -> pd.DataFrame:
    """The weekly table without the last week if the run ended inside it."""
    sim = results.scenario.simulation
    end = pd.Timestamp(sim.start_date) + pd.Timedelta(days=sim.duration_days)
    weekly = results.weekly
    return weekly[pd.to_datetime(weekly["date"]) + pd.Timedelta(days=7) <= end]


def in_quarter(weekly: pd.DataFrame, metric: str, start: dt.date) -> pd.Series:
    """One replication's weekly values of `metric` in the quarter from `start`: the weeks
    with most of their days in it (their middle in it), so that a week that straddles two
    quarters counts in one, the one it mostly belongs to."""
    middles = pd.to_datetime(weekly["date"]) + pd.Timedelta(days=3.5)
    inside = (middles >= pd.Timestamp(start)) & (middles < pd.Timestamp(add_months(start, 3)))
    rows = weekly[inside & (weekly["metric"] == metric)]
    return rows["value"]


def optional_work(weekly: pd.DataFrame, start: dt.date) -> str:
    """What became of the optional ("kan") tasks in the quarter from `start`: done, or
    ended undone (dropped by triage, or lapsed or given up while they waited). A room that
    sees triage change little can read why: optional work that goes undone anyway costs
    no caseworker time."""
    done = in_quarter(weekly, "optional_tasks_done", start).sum()
    undone = in_quarter(weekly, "optional_tasks_unworked", start).sum()
    triaged = in_quarter(weekly, "optional_tasks_dropped", start).sum()
    text = (
        f'Optional ("kan") tasks in {quarter_name(start)}: {done:.0f} done, {undone:.0f} '
        f"ended undone ({triaged:.0f} dropped by triage; {undone - triaged:.0f} waited "
        "until their case closed or the family stopped waiting for help)."
    )
    if not triaged and undone > done:
        text += (
            " Most optional work goes undone here anyway, and undone it costs no "
            "caseworker time: triage would take it off the caseworkers' lists at once "
            "(less work waiting, less stress) and tell the families to apply alone."
        )
    return text


def quarter_cards(weekly: pd.DataFrame, start: dt.date) -> list[tuple[str, str, str]]:
    """The quarter's cards from `start` (label, value, tooltip), read off one replication's
    weekly values: each a number over the whole quarter, not a few weeks of it (the mean of
    its last four weeks swung from 165 to 122 cases per caseworker with the same staff)."""
    caseload = in_quarter(weekly, "caseload_per_worker", start)
    backlog = in_quarter(weekly, "backlog_hours", start)
    due = in_quarter(weekly, "statutory_due", start)
    on_time = in_quarter(weekly, "statutory_on_time_share", start)
    share = (on_time.to_numpy() * due.to_numpy()).sum() / max(due.sum(), 1)
    return [
        (
            "New cases",
            f"{in_quarter(weekly, 'cases_opened', start).sum():.0f}",
            "Cases opened in the quarter: refugees placed and family members reunified.",
        ),
        (
            "Cases per caseworker",
            f"{caseload.mean():.0f}" if len(caseload) else "–",
            "Open cases per caseworker, the mean over the quarter's weeks. "
            f"DS recommends {BAND_TEXT}.",
        ),
        (
            "Backlog at its end",
            f"{backlog.iloc[-1]:,.0f} hours" if len(backlog) else "–",
            "Hours of work waiting to be started at the quarter's end.",
        ),
        (
            "Statutory on time",
            f"{share:.0%}" if due.sum() else "–",
            "Share of the statutory tasks due in the quarter done by their deadline.",
        ),
    ]


def situation(results: Results, scenario: Scenario, game: Game) -> None:
    """The office as it stands: the last quarter's numbers and the history so far."""
    weekly = complete_weeks(results)
    if game.played:
        last = quarter_start(scenario, game.played - 1)
        st.subheader(f"Quarter {game.played} of {game.quarters} done: {quarter_name(last)}")
    else:
        last = add_months(game_start(scenario), -3)
        st.subheader(f"You take over the office on {game_start(scenario):%d %B %Y}")
    staff_now = staffing_with(scenario, hire_dates(scenario, game.hires))
    today = quarter_start(scenario, game.played)
    employed = [r["caseworkers"] for r in staff_now if r["date"] <= today][-1]
    coming = [(d, n) for d, n in hire_dates(scenario, game.hires) if d > today]
    st.caption(
        f"{quarter_name(last)}, the quarter {'just played' if game.played else 'before you'}:"
    )
    a, b, c, d, e = st.columns(5)  # short labels: five cards fit a 1280-pixel-wide screen
    for col, (label, value, words) in zip((a, b, c, d), quarter_cards(weekly, last), strict=True):
        col.metric(label, value, help=words)
    e.metric(
        "Caseworkers now",
        f"{employed}",
        help="Caseworkers employed today; those recruited start after the recruitment time.",
    )
    st.caption(optional_work(weekly, last))
    if coming:
        st.caption(
            "Recruited and coming: "
            + ", ".join(f"{n} from {day:%d %b %Y}" for day, n in coming)
            + "."
        )
    opened = weekly[weekly["metric"] == "cases_opened"]
    monthly = opened.set_index(pd.to_datetime(opened["date"]))["value"].resample("MS").sum()
    first = pd.Timestamp(add_months(game_start(scenario), -12))
    one = f"one history, seed {game.seed}"
    seen = replace(results, weekly=weekly)

    def bands(metric: str) -> pd.DataFrame:
        return cl.weekly_bands(seen, metric)

    panels = [
        figures.Panel(
            "New cases per month",
            "cases",
            [],
            bars=monthly[monthly.index >= first],
            bar_label="new cases per month (refugees placed and families reunified)",
        ),
        figures.Panel(
            "Open cases per caseworker",
            "cases",
            [
                figures.Line(
                    "your office", bands("caseload_per_worker"), figures.VERMILLION, one=one
                )
            ],
            ds_band=True,
        ),
        figures.Panel(
            "Backlog: hours of work waiting to be started",
            "hours",
            [figures.Line("your office", bands("backlog_hours"), figures.BLUE, one=one)],
        ),
    ]
    spans = [figures.Span(game_start(scenario), None, "you take over", figures.BLACK)]
    spans += [
        figures.Span(day, None, texts.starting(n), figures.GREEN)
        for day, n in hire_dates(scenario, game.hires)
    ]
    show.figure(
        figures.time_figure(
            panels,
            title=f"Your office, {results.scenario.name}, seed {game.seed}",
            spans=spans,
            start=add_months(game_start(scenario), -12),
            end=quarter_start(scenario, game.quarters),
        )
    )


def advance() -> None:
    """The button's callback: the quarter's decision is taken."""
    game: Game = st.session_state[STATE]
    game.hires.append(int(st.session_state.get(HIRES_KEY, 0)))
    game.triage.append(bool(st.session_state.get(TRIAGE_KEY, False)))
    st.session_state[HIRES_KEY] = 0


def turn(scenario: Scenario, game: Game) -> None:
    """One quarter: the situation, then the decision."""
    run = show.runner()
    results = run.now(Job(played_scenario(scenario, game), 1, game.seed))
    situation(results, scenario, game)
    # the next quarter for the usual decisions (0, 1 or 2 hires, triage as it is), run
    # ahead in the worker
    triage = triage_in_force(scenario, game)
    run.prefetch(
        [
            Job(
                played_scenario(
                    scenario, replace(game, hires=[*game.hires, n], triage=[*game.triage, triage])
                ),
                1,
                game.seed,
            )
            for n in (0, 1, 2)
        ]
    )
    st.session_state.setdefault(TRIAGE_KEY, triage)
    lag = recruitment_days(scenario)
    with st.container(border=True):
        st.markdown(f"**Your decision for quarter {game.played + 1}** (of {game.quarters})")
        left, right = st.columns(2)
        left.number_input(
            f"Caseworkers to recruit now (they start in about {lag:.0f} days)",
            min_value=0,
            max_value=10,
            step=1,
            key=HIRES_KEY,
            help=texts.tip("hire_now"),
        )
        right.toggle(
            "Triage from this quarter (drop optional tasks)",
            key=TRIAGE_KEY,
            help=texts.tip("triage_quarter"),
        )
        st.button(
            f"Run quarter {game.played + 1} of {game.quarters}",
            type="primary",
            on_click=advance,
        )


PLANS_KEPT = 64  # debrief plans kept for revisits (a few hundred bytes each)


@st.cache_resource(show_spinner=False)
def _plans() -> dict[tuple[Any, ...], planner.Plan]:
    """The debrief plans made so far, by what they were made for, shared by every session:
    a trainee who leaves the debrief and comes back, or a second trainee who played the
    same game, finds the plan at once instead of waiting for the planner again."""
    return {}


def debrief_plan(
    scenario: Scenario, game: Game, progress: planner.Progress | None = None
) -> planner.Plan:
    """The plan the debrief compares the game with (`planner.comparison_plan`), made once
    per game: kept by the scenario it plans (its digest, which leaves the seed out, and
    its seed: the planner draws its futures from it), the game's dates and the planner's
    replications."""
    start, end = game_start(scenario), quarter_start(scenario, game.quarters)
    yours = staffing_with(scenario, hire_dates(scenario, game.hires))
    planned = until(scenario, end, yours, warmup=True)
    key = (planned.digest(), planned.simulation.seed, start, end, planner.REPLICATIONS,
           planner.MAX_REPLICATIONS)  # fmt: skip
    plans = _plans()
    if key not in plans:
        workers = show.runner().workers  # idle while the room waits for this plan
        plan = planner.comparison_plan(planned, start, end, progress, workers)
        while len(plans) >= PLANS_KEPT:
            plans.pop(next(iter(plans)))
        plans[key] = plan
    return plans[key]


DEFAULT_HIRES = 2  # hired early or late in the debrief when the trainee hired no one


@dataclass(frozen=True)
class Timing:
    """The same hires started early or late: the quarter they are decided in, when they
    start work (the decision plus the recruitment time), and the staffing."""

    name: str
    decided: int
    starts: dt.date
    staffing: list[dict[str, Any]]


def timings(scenario: Scenario, game: Game) -> tuple[int, list[Timing]]:
    """The hires the debrief starts early and late (the trainee's own number, else
    `DEFAULT_HIRES`): decided in the first quarter, before the backlog builds, or halfway
    through the game, after it has."""
    hires = sum(game.hires) or DEFAULT_HIRES
    found = []
    for name, quarter in (("hire early", 0), ("hire late", max(1, game.quarters // 2))):
        dates = hire_dates(scenario, [0] * quarter + [hires])
        found.append(Timing(name, quarter, dates[0][0], staffing_with(scenario, dates)))
    return hires, found


def timing_jobs(scenario: Scenario, game: Game, replications: int) -> list[Job]:
    """The runs of hiring early and late over the game, on the game's arrivals."""
    end = quarter_start(scenario, game.quarters)
    return [
        Job(until(scenario, end, t.staffing, warmup=True), replications, game.seed)
        for t in timings(scenario, game)[1]
    ]


TIMING_ROWS = (  # (summary metric, words, scale) beside the cost of hiring early or late
    ("backlog_hours_mean", "mean backlog (hours)", 1.0),
    ("task_wait_days_mean", "mean wait before a task is started (days)", 1.0),
    ("statutory_on_time_share", "statutory tasks on time (%)", 100.0),
    ("staff_cost_dkk", "staff cost (million DKK)", 1e-6),
    ("benefit_cost_dkk", "benefits paid while cases are open (million DKK)", 1e-6),
)


def timing_table(
    answers: list[Results], found: list[Timing], start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Hiring early beside hiring late: caseworker-years paid in the game, the backlog
    left at its end, the means of the game, and the cost in DKK where the scenario has
    prices (staff and benefits, and their sum)."""
    columns: dict[str, list[float]] = {}
    for timing, results in zip(found, answers, strict=True):
        summary = results.summary.set_index("metric")["mean"]
        backlog = cl.weekly_bands(results, "backlog_hours")
        values = [
            caseworker_years(timing.staffing, start, end),
            float(backlog["mean"].iloc[-1]),
        ]
        values += [float(summary[m]) * scale for m, _, scale in TIMING_ROWS]
        values.append(values[-1] + values[-2])
        columns[f"{timing.name} (from {timing.starts:%b %Y})"] = values
    words = ["caseworker-years paid in the game", "backlog at the end of the game (hours)"]
    words += [w for _, w, _ in TIMING_ROWS] + ["staff and benefits (million DKK)"]
    table = pd.DataFrame({"": words, **columns})
    if answers[0].scenario.costs is None:
        table = table[~table[""].str.contains("DKK")]
    return table


def draw_timing(
    answers: list[Results | None], scenario: Scenario, game: Game, start: dt.date, end: dt.date
) -> None:
    """Hiring early beside hiring late, in a table and in words from its numbers."""
    if any(a is None for a in answers):
        return
    done = [a for a in answers if a is not None]
    hires, found = timings(scenario, game)
    table = timing_table(done, found, start, end)
    st.dataframe(table.round(1), hide_index=True)
    early, late = (table.set_index("")[c] for c in table.columns[1:])
    dkk, wait = "staff and benefits (million DKK)", "mean wait before a task is started (days)"
    st.markdown(
        texts.hiring_debrief(
            hires,
            found[0].starts,
            found[1].starts,
            years=(early.iloc[0], late.iloc[0]),
            backlog_end=(early.iloc[1], late.iloc[1]),
            wait=(early[wait], late[wait]),
            dkk=(early[dkk], late[dkk]) if dkk in early.index else None,
        )
    )


def debrief_jobs(
    scenario: Scenario, game: Game, replications: int, plan: planner.Plan
) -> tuple[list[Job], list[list[dict[str, Any]]]]:
    """The debrief's two runs (yours and the plan's) over the game, and their staffing."""
    end = quarter_start(scenario, game.quarters)
    yours = staffing_with(scenario, hire_dates(scenario, game.hires))
    theirs = staffing_of(scenario, plan)
    jobs = [
        Job(until(scenario, end, yours, warmup=True, triage=game.triage), replications, game.seed),
        Job(until(scenario, end, theirs, warmup=True), replications, game.seed),
    ]
    return jobs, [yours, theirs]


def draw_debrief(
    answers: list[Results | None],
    plan: planner.Plan,
    staffing: list[list[dict[str, Any]]],
    start: dt.date,
    end: dt.date,
) -> None:
    """Your decisions and outcomes beside the plan's, on the same arrivals."""
    yours, theirs = answers
    if yours is None or theirs is None:
        return
    cost = [caseworker_years(s, start, end) for s in staffing]
    rows = []
    if yours.replications == theirs.replications >= 2:
        table = cl.pair(yours, theirs).table.set_index("metric")
        for metric, words, scale in (
            ("caseload_per_worker_mean", "open cases per caseworker", 1.0),
            ("backlog_hours_mean", "backlog (hours)", 1.0),
            ("statutory_on_time_share", "statutory tasks on time (%)", 100.0),
            ("task_wait_days_mean", "mean wait before a task is started (days)", 1.0),
            ("optional_on_time_share", "optional tasks done on time (%)", 100.0),
            ("optional_tasks_dropped", "optional tasks dropped by triage", 1.0),
        ):
            row = table.loc[metric]
            rows.append(
                {
                    "": words,
                    "you": row["mean_a"] * scale,
                    plan.name: row["mean_b"] * scale,
                    "plan − you": row["difference"] * scale,
                    "paired 95 % interval": (
                        f"{row['ci_low'] * scale:+.1f} to {row['ci_high'] * scale:+.1f}"
                    ),
                }
            )
    rows.insert(
        0,
        {
            "": "caseworker-years paid in the game (cost)",
            "you": cost[0],
            plan.name: cost[1],
            "plan − you": cost[1] - cost[0],
            "paired 95 % interval": "fixed by the plans",
        },
    )
    st.dataframe(pd.DataFrame(rows).round(1), hide_index=True)
    lines = []
    panels = []
    for metric, words, unit, ds in (
        ("caseworkers", "Caseworkers employed", "caseworkers", False),
        ("caseload_per_worker", "Open cases per caseworker", "cases", True),
        ("backlog_hours", "Backlog: hours of work waiting to be started", "hours", False),
    ):
        lines = [
            figures.Line("you", cl.weekly_bands(yours, metric), figures.A_COLOUR, "-"),
            figures.Line(plan.name, cl.weekly_bands(theirs, metric), figures.B_COLOUR, "--"),
        ]
        panels.append(figures.Panel(words, unit, lines, ds_band=ds))
    show.figure(
        figures.time_figure(
            panels,
            title=f"You (blue) and {plan.name} (orange) on the same arrivals",
            start=add_months(start, -6),
            end=end,
        )
    )


def debrief(scenario: Scenario, game: Game) -> None:
    """The debrief: your decisions beside the plan's."""
    st.subheader("Debrief")
    start, end = game_start(scenario), quarter_start(scenario, game.quarters)
    room = show.settings()
    status = st.empty()
    started = time.monotonic()

    def working(doing: str, runs: int) -> None:
        status.info(
            "The planner is finding the least staffing for the same arrivals "
            f"({planner.QUICK}): {PLANNER_STEPS.get(doing, doing)}, {runs} runs, "
            f"{time.monotonic() - started:.0f} s so far."
        )

    with st.spinner("The planner is starting ..."):
        plan = debrief_plan(scenario, game, working)
    status.empty()
    jobs, staffing = debrief_jobs(scenario, game, room.full, plan)
    if plan.name != "the planner":
        st.warning(
            "The planner (`caseload plan`) could not answer for this setting. The debrief "
            "compares your decisions with the instant answer instead: caseworkers per "
            "quarter for at most 45 open cases each, with 90 % probability, computed from "
            "the arrivals alone. It does not look at deadlines or the backlog."
        )
    hired = ", ".join(
        f"{n} in {quarter_name(quarter_start(scenario, q))}" for q, n in enumerate(game.hires) if n
    )
    switches = [
        f"{'on' if on else 'off'} from {quarter_name(quarter_start(scenario, q))}"
        for q, on in enumerate(game.triage)
        if on != (game.triage[q - 1] if q else scenario.triage is not None)
    ]
    own = "on" if scenario.triage is not None else "off"
    triage = f"triage {', then '.join(switches)}" if switches else f"triage {own} throughout"
    changes = [
        f"{row['caseworkers']} from {row['date']:%b %Y}"
        for row in staffing[1]
        if row["date"] >= start
    ]
    st.markdown(
        f"**Your decisions:** {hired or 'no one hired'}; {triage}. **Compared with** "
        f"{plan.source}: {', then '.join(changes) or 'no change'}, triage {own} throughout "
        "(a plan made in advance: its recruiting starts a recruitment time before each date)."
    )
    quick: list[Job | None] = [Job(j.scenario, max(2, room.quick), j.seed) for j in jobs]
    hires, found = timings(scenario, game)
    later = timing_jobs(scenario, game, room.full)

    def draw(answers: list[Results | None], final: bool) -> None:
        draw_debrief(answers[:2], plan, staffing, start, end)
        st.subheader(f"The same {texts.plural(hires, 'new caseworker')}, hired early or late")
        st.caption(
            f"Decided in {quarter_name(quarter_start(scenario, found[0].decided))} or in "
            f"{quarter_name(quarter_start(scenario, found[1].decided))}; each starts a "
            "recruitment time later and stays to the end of the game. "
            + ("Your own number of hires." if sum(game.hires) else "You hired no one: two.")
        )
        draw_timing(answers[2:], scenario, game, start, end)

    show.progressive("flight", jobs + later, quick + [None] * len(later), draw)
    show.debrief("flight")


def page() -> None:
    """The page."""
    show.header("flight", "The flight simulator")
    scenario = show.flight_scenario()
    room = show.settings()
    game: Game | None = st.session_state.get(STATE)
    if game is None:
        quarters = st.slider(
            "Quarters to play",
            2,
            16,
            DEFAULT_QUARTERS,
            key="flight-quarters",
            help=texts.tip("quarters"),
        )
        st.markdown(
            f"The scenario: **{scenario.name}**. You take over on "
            f"{game_start(scenario):%d %B %Y} with "
            f"{texts.plural(staffing_with(scenario, [])[0]['caseworkers'], 'caseworker')}. Seed "
            f"**{room.seed}**: everyone in the room with this seed meets the same arrivals."
        )
        if st.button("Start the game", type="primary"):
            st.session_state[STATE] = Game(room.seed, int(quarters))
            st.rerun()
        return
    st.markdown(
        f"Seed **{game.seed}**: everyone in the room with this seed meets the same arrivals."
    )
    if game.over:
        debrief(scenario, game)
    else:
        turn(scenario, game)
    if st.button("Start again"):
        del st.session_state[STATE]
        st.session_state.pop(TRIAGE_KEY, None)
        st.rerun()
