"""What the trainer reads out, and what each slider means, in plain words.

Each page opens with a short text a trainer can read to the room (`INTRO`), a question
to ask before anything runs (`ASK`), and what to point at once it has (`DEBRIEF`). Every
slider has a tooltip (`TIPS`): what it changes in the municipality, in the words of the
people in the room. Where the scenario schema describes the key a slider sets,
`tip` adds the schema's own description (`simulator.explain`), so the app and the
scenario reference never say different things.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import simulator as cl

if TYPE_CHECKING:
    from simulator.app.wall import Reading

INTRO = {
    "peak": (
        "A year with many more refugees than usual. The staff stay the same, or more are "
        "hired some months in. Watch the backlog: the hours of work waiting to be started. "
        "Everyone placed in the peak stays a case for up to three years, and families "
        "follow months later, so the work keeps coming after the arrivals are back to "
        "normal."
    ),
    "hockey": (
        "How long does a task wait before someone starts it, and how does that change as "
        "the caseworkers get busier? Each point is the simulated office; the black lines "
        "are what queueing theory predicts for a much simpler office (tasks arriving one "
        "at a time, at random, done in turn, around the clock). The cards give both at "
        "your setting, and they can differ a lot: why is part of the lesson. Theory's wait "
        "climbs without bound as utilisation nears 100 %. Move the sliders and watch "
        "where the simulated point goes."
    ),
    "side_by_side": (
        "Two versions of the same municipality, A and B, meet exactly the same refugees, "
        "the same families and the same illnesses: only the settings you change differ. "
        "So any difference between them is caused by those settings, and the paired "
        "intervals below say how sure we can be of it."
    ),
    "flight": (
        "You run the integration office, one quarter at a time. Each quarter you see what "
        "happened, then decide how many caseworkers to hire. New staff start after the "
        "recruitment time. Everyone in the room meets the same arrivals (the same seed), "
        "so at the end we can compare decisions. After the last quarter, the debrief "
        "puts your decisions beside a plan, and the same hires made early or late."
    ),
    "predict": (
        "Before we run, the room guesses. Write the guess in the box and lock it. Then "
        "run the simulation and see the guess beside the answer and its uncertainty. "
        "Every round is kept in the log at the bottom."
    ),
}

ASK = {
    "peak": (
        "Ask the room: when the peak is over, how many months until the backlog is back "
        "where it was?"
    ),
    "hockey": "Ask the room: if we add one more refugee a month, how much longer do tasks wait?",
    "side_by_side": "Ask the room: is B better than A, and by how much?",
    "flight": "Ask the room: when would you hire, and how many?",
    "predict": "Agree on one number as a room, then lock it.",
}

DEBRIEF = {
    # the peak's debrief is said from the run's numbers: `peak_debrief`
    "hockey": (
        "Read the cards and the line under them: what theory predicts at this utilisation "
        "and what the simulated office shows. Where they differ, ask the room why. Then "
        "move toward 100 % and compare how fast each climbs: at 100 % and beyond the "
        "queue grows through the whole run, so there is no steady wait to read."
    ),
    "side_by_side": (
        "A difference whose interval crosses zero could be chance. With the same arrivals "
        "on both sides, even small differences show up clearly."
    ),
    "flight": (
        "Compare when each person hired, what it cost in caseworker-years, and what it "
        "bought in caseload, backlog and deadlines met. Then read the same hires made "
        "early and late: what the earlier start paid, and what the later one left behind."
    ),
    "predict": "Where was the room right, and where was intuition furthest off?",
}


def peak_debrief(
    peak_start: dt.date,
    peak_end: dt.date,
    backlog_top: dt.date,
    backlog_back: int | None,
    caseload_back: int | None,
    tail_months: int,
) -> str:
    """What to point at after the peak, from the run's numbers: when the backlog is highest
    (during the peak or after it), the months after the peak until the backlog and the
    open cases per caseworker are back near their level before it (None: not within the
    `tail_months` the run goes on after the peak). Fixed claims ("more than a year to
    drain", "the caseload stays high for two years") were contradicted by a small peak
    or early hiring."""
    after = (backlog_top.year - peak_end.year) * 12 + backlog_top.month - peak_end.month
    if backlog_top >= peak_end:
        when = (
            f"it is highest in {backlog_top:%B %Y}, "
            + (f"{plural(after, 'month')} after" if after > 0 else "as")
            + " arrivals are back to normal"
        )
    elif backlog_top >= peak_start:
        when = f"it is highest in {backlog_top:%B %Y}, while the peak is still on"
    else:
        when = f"it is highest in {backlog_top:%B %Y}, before the peak"
    if backlog_back is None:
        drain = (
            "and is not back near its level before the peak within the "
            f"{tail_months} months the run goes on after it"
        )
    elif backlog_back <= 0:
        drain = "and is back near its level before the peak by the time the peak ends"
    else:
        drain = (
            "and is back near its level before the peak "
            f"{plural(backlog_back, 'month')} after the peak ends"
        )
    if caseload_back is None:
        cases = (
            "Open cases per caseworker stay above their level before the peak for the "
            f"rest of the run ({tail_months} months after the peak)."
        )
    elif caseload_back <= 0:
        cases = "Open cases per caseworker are back near their level before the peak as it ends."
    else:
        cases = (
            "Open cases per caseworker are back near their level before the peak "
            f"{plural(caseload_back, 'month')} after it ends."
        )
    return (
        f"Point at the shaded peak, then at the backlog after it: {when}, {drain}. {cases} "
        "Slide the hiring earlier or later and watch how these numbers change."
    )


def hiring_debrief(
    hires: int,
    early: dt.date,
    late: dt.date,
    *,
    years: tuple[float, float],
    backlog_end: tuple[float, float],
    wait: tuple[float, float],
    dkk: tuple[float, float] | None,
) -> str:
    """The flight debrief's early-or-late hiring in words, from its table's numbers (each
    pair: hiring early, hiring late): what hiring early paid in caseworker-years more,
    what it left in backlog and waits, and, where the scenario has prices, what the two
    cost in all with the benefits paid while cases are open."""

    def than(a: float, b: float, more: str, less: str, fmt: str, unit: str) -> str:
        a, b = round(a, 1), round(b, 1)  # as said beside it: their difference adds up
        if a == b:
            return f"the same {unit}".rstrip()
        return f"{format(abs(a - b), fmt)} {unit} {more if a > b else less}".replace("  ", " ")

    said = (
        f"Hiring the {plural(hires, 'new caseworker')} early (from {early:%B %Y}) rather "
        f"than late (from {late:%B %Y}) paid "
        f"{than(years[0], years[1], 'more', 'fewer', '.1f', 'caseworker-years')} in the "
        f"game ({years[0]:.1f} against {years[1]:.1f}); it left "
        f"{backlog_end[0]:,.0f} hours of backlog at the end against {backlog_end[1]:,.0f}, "
        f"and tasks waited {wait[0]:.1f} days on average against {wait[1]:.1f}."
    )
    if dkk is not None:
        said += (
            " With the benefits paid while cases are open, hiring early cost "
            f"{than(dkk[0], dkk[1], 'more', 'less', '.1f', 'million DKK')} in all "
            f"({dkk[0]:.1f} against {dkk[1]:.1f} million DKK)."
        )
    return said


TIPS = {
    "extra": (
        "How many more refugees than usual are placed in the municipality each month "
        "while the peak lasts. Each adult becomes a case of their own."
    ),
    "normal": "Refugees placed each month in normal times, before and after the peak.",
    "peak_start": "The month the extra arrivals begin.",
    "peak_months": "How many months the extra arrivals go on.",
    "hires": (
        "Extra caseworkers the municipality hires because of the peak. Zero means the "
        "staff are held as they are."
    ),
    "hire_after": (
        "When the new caseworkers actually start work, in months after the peak begins. "
        "Recruiting takes time: a decision in the first month means new staff some three "
        "months later."
    ),
    "caseworkers": "How many caseworkers the integration office has.",
    "per_month": (
        "How many refugees are placed in the municipality each month. Each adult is a "
        "case; families who follow later add more."
    ),
    "vary": "Draw the simulated curve by changing the arrivals, or by changing the staff.",
    "triage": (
        "Under pressure, the office drops the optional tasks (help with family "
        "reunification forms, practical set-up, coordination) while a caseworker has more "
        "than two weeks of work waiting: those falling due and those they come to."
    ),
    "assignment": (
        "A caseworker per case (each citizen keeps one caseworker) or a shared queue "
        "(any free caseworker takes the next task)."
    ),
    "weekly_hours": "Working hours a week of each caseworker.",
    "seed": (
        "The random draw of arrivals, families and task times. Everyone in the room who "
        "uses the same seed sees exactly the same municipality."
    ),
    "replications": (
        "How many times the simulation is repeated with different random draws for the "
        "full answer. More gives narrower intervals but takes longer."
    ),
    "hire_now": (
        "Caseworkers to recruit now. They start work after the recruitment time shown, "
        "and are paid from then on."
    ),
    "triage_quarter": (
        "On: from the start of this quarter, while a caseworker has more than two weeks of "
        "work waiting, the optional tasks falling due to them and those they come to are "
        "dropped (statutory tasks never are); a family whose help is dropped applies "
        "alone at once. Off: optional tasks stay on the caseworkers' lists until done, or "
        "until their case closes or the family stops waiting for help. It stays as you "
        "set it until you change it."
    ),
    "quarters": "How many quarters the trainee runs the office before the debrief.",
    "guess": "The room's guess, agreed before the run.",
    "question": "What the room is asked to guess.",
}

# the scenario key a slider sets, where it sets one directly
KEYS = {
    "caseworkers": "caseworkers.staffing",
    "per_month": "arrivals.per_month",
    "assignment": "caseworkers.assignment",
    "weekly_hours": "caseworkers.weekly_hours",
    "triage": "triage",
    "seed": "simulation.seed",
    "replications": "simulation.replications",
}


def tip(name: str) -> str:
    """The tooltip of slider `name`: the app's plain words, and the scenario schema's
    description of the key it sets where the schema has one."""
    text = TIPS[name]
    key = KEYS.get(name)
    described = cl.explain(key) if key else None
    return f"{text}\n\nIn the scenario, `{key}`: {described}" if described else text


# the hockey stick when no task was completed after the warm-up (`hockey.completed_tasks`)
NOTHING_COMPLETED = (
    "**No task was completed in this run: the office is past its capacity.** Every task "
    "that fell due after the warm-up was still waiting (or was dropped) when the run "
    "ended, so queueing theory has no task time to work with and draws no curve, and the "
    "simulated wait is only how long tasks had waited by the end of the run. Add "
    "caseworkers or lower the arrivals to see the office below its wall."
)


# why the simulated office's wait differs from queueing theory's simpler office
WHY_NOT_THEORY = (
    "a new refugee brings several tasks due at once, each case keeps its own caseworker, "
    "deadlines and priorities reorder the work, and tasks wait over nights, weekends and "
    "absences; theory's office has none of these"
)


def theory_and_simulation(utilisation: float, simulated_days: float, theory_days: float) -> str:
    """What the hockey stick's cards say together, from their own numbers: queueing
    theory's wait at this utilisation, the simulated one, and why they may differ (a
    fixed claim such as "half busy: hardly any wait" can contradict the simulated curve)."""
    said = (
        f"At {utilisation:.0%} utilisation, queueing theory predicts a mean wait of "
        f"{theory_days:.1f} days for its simpler office; the simulated office shows "
        f"{simulated_days:.1f} days"
    )
    if simulated_days > 1.5 * theory_days:
        return f"{said}, longer: {WHY_NOT_THEORY}."
    if simulated_days < theory_days / 1.5:
        return (
            f"{said}, shorter: the simulated office drops or reorders work theory's office "
            "would queue (triage, priorities, deadlines), and its task times vary less "
            "than theory assumes."
        )
    return f"{said}: about the same here."


NO_STEADY_STATE = "no steady state: the queue grows through the run"


def measured_years(scenario: cl.Scenario) -> float:
    """The years a run measures: its length after the warm-up."""
    sim = scenario.simulation
    return sim.duration_years - sim.warmup_years


def wall_note(reading: Reading, what: str = "every number here") -> str | None:
    """What to say beside the numbers of a run at the wall (None below it), judged by
    `simulator.app.wall` from what the run shows: there is no steady state, and a
    simulated number is the one within this run's length, which a longer run would
    change (a wait of "1020.2 days" said alone reads as the office's). Where utilisation
    reads below the wall, it says how the backlog shows it (94 % utilisation said alone
    reads as an office that copes); where triage dropped optional tasks, that the office
    falls behind even so."""
    if not reading.at_wall:
        return None
    growing = "waits and backlog keep growing"
    if reading.full:
        said = (
            f"**At the wall ({reading.utilisation:.0%} utilisation): {NO_STEADY_STATE}.** "
            f"The work falling due is more than the caseworkers can do, so {growing}"
        )
    else:
        said = (
            f"**At the wall: {NO_STEADY_STATE}.** The caseworkers' utilisation reads only "
            f"{reading.utilisation:.0%}, but the backlog grows by about "
            f"{reading.growth:,.1f} hours a week through the measured period (the work "
            f"falling due is about {reading.load:.0%} of what the caseworkers at work can "
            f"do), so {growing}"
        )
    said += (
        f": {what} is what this run shows within its "
        f"{plural(reading.years, 'measured year')}, and a longer run would show more."
    )
    if reading.dropped > 0:
        said += f" {dropped(reading)}: the office leaves that work undone and still falls behind."
    return said


def triage_note(reading: Reading) -> str | None:
    """What to say beside the numbers of a run below the wall where triage dropped
    optional tasks (None where it dropped none): the office keeps up by leaving that work
    undone, which its waits and backlog do not show."""
    if reading.at_wall or not reading.dropped > 0:
        return None
    return (
        f"{dropped(reading)}: the office keeps its queue down by leaving that work undone, "
        "and the waits and backlog here do not count it."
    )


def dropped(reading: Reading) -> str:
    """The optional tasks triage dropped in the measured period, of those created."""
    share = (
        f" ({reading.dropped_share:.0%})" if reading.dropped_share == reading.dropped_share else ""
    )
    return (
        f"Triage dropped {reading.dropped:,.0f} of the {reading.optional:,.0f} optional "
        f"tasks created in the measured period{share}"
    )


# estimated offered load (`runs.offered_load`) from which a page does not run a setting:
# the queue grows without bound, a run's time grows with it (one replication of the
# baseline took 0.7 s at a load of 1, 1.9 s at 2, 15 s at 8.7: 1 caseworker and 40
# refugees a month), and its numbers would say only how long the run was
FAR_PAST = 2.5


def past_capacity(load: float, what: str = "nothing to predict") -> str | None:
    """What a page says in place of a run far past capacity (None below `FAR_PAST`): the
    estimated load, and that the numbers would measure only the run's length."""
    if not load >= FAR_PAST:  # NaN: no estimate, run it
        return None
    return (
        f"**Past capacity: the queue grows without bound; {what}.** The work falling due "
        f"is about {load:.1f} times what the caseworkers can do (estimated from the "
        "scenario before running), so waits and backlog would only grow with the length "
        "of the run, and running it would keep the room waiting. Add caseworkers or lower "
        "the arrivals."
    )


def period(scenario: cl.Scenario) -> str:
    """The simulated period a page's numbers are measured over, said near them: pages run
    different lengths (the hockey stick 1.5 measured years, side by side the scenario's
    own), so the same setting can give different numbers on two pages."""
    sim = scenario.simulation
    measured = plural(round(measured_years(scenario), 2), "year")
    if sim.warmup_end is None or sim.warmup_years <= 0:
        return (
            f"Simulated period: {sim.start_date:%d %b %Y} to {sim.last_day:%d %b %Y} "
            f"({measured}), all of it measured."
        )
    return (
        f"Simulated period: numbers measured from {sim.warmup_end:%d %b %Y} to "
        f"{sim.last_day:%d %b %Y} ({measured}), after a warm-up of "
        f"{plural(round(sim.warmup_years, 2), 'year')} from {sim.start_date:%d %b %Y}. "
        "Another page's run length can give other numbers for the same setting."
    )


def plural(n: float, word: str) -> str:
    """`n` and `word`, plural unless `n` is 1 ("1 refugee", "2.5 refugees")."""
    return f"{n:g} {word}" if n == 1 else f"{n:g} {word}s"


def per_month(n: float, word: str = "refugee") -> str:
    """ "1 refugee a month", "11 refugees a month"."""
    return f"{plural(n, word)} a month"


def starting(n: int) -> str:
    """ "1 new caseworker starts", "2 new caseworkers start"."""
    return plural(n, "new caseworker") + (" starts" if n == 1 else " start")


# replications from which a range 8 in 10 lie in (10th to 90th percentile) is stated
# without a caveat: from fewer, its ends rest on one or two runs each and are rough
RANGE_REPLICATIONS = 10
FIRST_LOOK_CARD = "one replication: a first look"


def range_caveat(replications: int) -> str:
    """What to say beside a range 8 in 10 lie in that rests on `replications` runs: nothing
    from `RANGE_REPLICATIONS` on, else that it is rough and why ("" for none at all)."""
    if replications >= RANGE_REPLICATIONS or replications < 2:
        return ""
    return (
        f"rough: from only {replications} replications, where a 10th–90th percentile "
        f"range needs {RANGE_REPLICATIONS} or more"
    )


def replications_note(replications: int) -> str:
    """What the numbers on the cards rest on: one replication (a first look), or the mean
    of several, with a caveat where their range is rough."""
    if replications <= 1:
        return f"{FIRST_LOOK_CARD.capitalize()}; the full answer follows."
    said = f"Mean of {replications} replications."
    caveat = range_caveat(replications)
    return f"{said} Their range 8 in 10 lie in is {caveat}." if caveat else said


# the verdicts of `simulator.pair`'s table (`simulator.Verdict`), as a difference card
# says them under its value
VERDICTS = {
    cl.Verdict.CHANCE: "could be chance: interval includes 0",
    cl.Verdict.HIGHER: "95 % interval clear of 0",
    cl.Verdict.LOWER: "95 % interval clear of 0",
    cl.Verdict.IDENTICAL: "identical in every replication",
    cl.Verdict.ONE_REPLICATION: "one replication: no interval yet",
    # the API's "off in both: not modelled": the mechanism exists in the model, the
    # settings A and B both switch it off, so its zeros are no finding
    cl.Verdict.OFF_IN_BOTH: "switched off in both A and B",
}
# what the table says for a metric whose mechanism both settings switch off
OFF_IN_BOTH_TABLE = "switched off in both A and B: its zeros are no finding"
WITH_INTERVAL = {cl.Verdict.CHANCE, cl.Verdict.HIGHER, cl.Verdict.LOWER}


def is_off(verdict: str) -> bool:
    """Whether the verdict says the metric's mechanism is off in both runs."""
    return verdict == cl.Verdict.OFF_IN_BOTH


def verdict_words(verdict: str) -> str:
    """What a difference card says under its value: whether the difference could be chance."""
    return VERDICTS.get(verdict, verdict)


def has_interval(verdict: str) -> bool:
    """Whether a difference with this verdict has an interval to draw (not identical in every
    replication, not switched off in both, not a single replication)."""
    return verdict in WITH_INTERVAL


HOME = """
This is the trainers' room of **caseload**, a simulation of the casework a Danish
municipality does for the refugees it receives: reception, housing, benefits, the
integration contract, interviews, help with family reunification, and much more, for up
to three years each. Every page shows the simulated municipality with its uncertainty.
Nothing here needs the internet.

**How to read the figures.** Dates run along the bottom; every axis says its unit. The
green band is what the Danish Association of Social Workers recommends: 35–45 open cases
per caseworker. The darker band around a line is the *95 % interval of the mean* (where the
average of many municipalities like this one lies); the lighter band is *the range 8 of 10
municipalities like this one would see* (10th–90th percentile over replications).

**Every page has the same rhythm:** ask the room to predict, run, then debrief. The first
look appears at once, from one replication; the full answer follows within seconds.
"""

SESSION_PLAN = [  # the README's "A 20-minute session" says the same (a test checks)
    ("0–3 min", "Start here", "What the model is, how to read the bands. Give the room a seed."),
    (
        "3–8 min",
        "The peak",
        "Ask: when will the backlog be back to normal? Run the default peak. Then hire two "
        "caseworkers six months in, and again at once: compare the two backlogs.",
    ),
    (
        "8–11 min",
        "The hockey stick",
        "Ask: one more refugee a month, how much longer do tasks wait? Move arrivals from 9 "
        "to 12 a month and watch the point climb.",
    ),
    (
        "11–13 min",
        "Side by side",
        "A: today. B: one more caseworker, or triage on. Which differences could be chance?",
    ),
    (
        "13–18 min",
        "The flight simulator",
        "Everyone with the same seed plays eight quarters (about 30 s each), then reads the "
        "debrief: hires, cost and outcomes beside the plan.",
    ),
    (
        "18–20 min",
        "Predict, then run",
        "One last guess as a room (the statutory on-time share with one caseworker fewer), "
        "lock it, run, and read the log of the session.",
    ),
]
