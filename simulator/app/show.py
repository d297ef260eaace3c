"""What every page shares: the scenario the app was started on, the room's settings in
the sidebar, the trainer's text, and the progressive display of an answer.

`progressive` is how a page stays fast enough for a room: it asks the shared `Runner`
for the full answers (ten replications, on the worker processes) at once, draws a first
answer from one replication run here meanwhile (well under the 1.5 s a slider may take;
it is also the full answer's first replication), then draws again as full answers
arrive. While it waits it writes a line of progress every fraction of a second; each
write lets Streamlit stop this run when a slider moves again, so a room never waits for
an answer nobody looks at any more (the stale replications not yet started are
withdrawn).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

import simulator as cl
from simulator.app import texts, wall
from simulator.app.figures import image
from simulator.app.runs import Job, Runner, offered_load

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator import Results, Scenario

SCENARIO_ENV = "CASELOAD_APP_SCENARIO"  # the scenario when not given after `--scenario`
REPLICATIONS_ENV = "CASELOAD_APP_REPLICATIONS"  # "quick,full" (tests use fewer)
DEFAULT_SCENARIO = "baseline"
FLIGHT_SCENARIO = "peak_without_hiring"  # the flight simulator's default: a peak to manage
FIGURE_DPI = 100
FIRST_LOOK = "First look"
FULL_ANSWER = "Full answer"


@dataclass(frozen=True)
class Settings:
    """The room's settings from the sidebar."""

    seed: int
    quick: int  # replications of the first look
    full: int  # replications of the full answer


def scenario_source() -> tuple[str, bool]:
    """The scenario the app was started on (`--scenario` after ``--``, or the
    environment), and whether one was given at all (else the baseline)."""
    args = sys.argv[1:]
    if "--scenario" in args:
        at = args.index("--scenario")
        if at + 1 < len(args):
            return args[at + 1], True
    given = os.environ.get(SCENARIO_ENV)
    return (given, True) if given else (DEFAULT_SCENARIO, False)


@st.cache_resource(show_spinner=False)
def _load(source: str) -> Scenario:
    return cl.load_scenario(source)


def base_scenario() -> Scenario:
    """The scenario every page starts from (validated once, shared by all sessions)."""
    return _load(scenario_source()[0])


def flight_scenario() -> Scenario:
    """The flight simulator's scenario: the one given, else the shipped peak."""
    source, given = scenario_source()
    return _load(source if given else FLIGHT_SCENARIO)


@st.cache_resource(show_spinner=False)
def runner() -> Runner:
    """The runner every session shares: its replications, and its warm worker processes."""
    return Runner()


@st.cache_resource(show_spinner=False)
def _reference_utilisation(digest: str) -> float:
    """The measured utilisation of the scenario every page starts from (its first
    replication, kept by the runner), which `estimated_load` scales the other settings by."""
    base = base_scenario()
    found = runner().now(Job(base, 1, base.simulation.seed))
    return float(found.summary.set_index("metric").loc["utilisation_mean", "mean"])


def estimated_load(scenario: Scenario) -> float:
    """The estimated offered load of `scenario` (`runs.offered_load`), without running it."""
    base = base_scenario()
    try:
        return offered_load(scenario, base, _reference_utilisation(base.digest()))
    except (KeyError, ValueError, ZeroDivisionError):  # no estimate: the page runs it
        return float("nan")


def past_capacity(scenarios: Sequence[Scenario], what: str = "nothing to show") -> bool:
    """Whether a setting of the page is far past capacity (`texts.FAR_PAST`); if so the
    page says so in place of its run, which would take minutes and show only how long the
    run was (1 caseworker at 40 refugees a month took 208 s on the predict page)."""
    loads = [found for found in map(estimated_load, scenarios) if found == found]
    note = texts.past_capacity(max(loads, default=float("nan")), what)
    if note:
        st.error(note)
    return note is not None


def steady_state(reading: wall.Reading, what: str, setting: str = "") -> bool:
    """Say beside a run's numbers what the run shows about its steady state (judged by
    `wall.read`, the same on every page): at the wall, that there is none and `what` is
    only this run's (a warning); below it, the optional work triage dropped, where it
    dropped some (the office copes by leaving work undone). `setting` names the run where
    a page has two ("A", "B"). Whether the run is at the wall."""
    named = f"**Setting {setting}:** " if setting else ""
    note = texts.wall_note(reading, what)
    if note:
        st.warning(named + note)
        return True
    dropped = texts.triage_note(reading)
    if dropped:
        st.info(named + dropped)
    return False


def default_replications() -> tuple[int, int]:
    """(first look, full answer) replications: 1 and 10 unless the environment says."""
    given = os.environ.get(REPLICATIONS_ENV, "")
    try:
        quick, full = (int(v) for v in given.split(","))
    except ValueError:
        return 1, 10
    return max(1, quick), max(2, full)


def sidebar(shown: Scenario | None = None) -> Settings:
    """The settings every page shares, in the sidebar (drawn by `main.py` on each run),
    under the name and description of the scenario the page runs, `shown` (the flight
    simulator's own; else the scenario every page starts from)."""
    base = base_scenario()
    shown = shown if shown is not None else base
    quick, full = default_replications()
    with st.sidebar:
        st.markdown(f"**Scenario:** `{shown.name}`")
        if shown.description:
            st.caption(shown.description)
        seed = st.number_input(
            "Seed (the same for everyone in the room)",
            min_value=0,
            value=base.simulation.seed,
            step=1,
            key="seed",
            help=texts.tip("seed"),
            persist_state="session",
        )
        full = st.slider(
            "Replications for the full answer",
            2,
            30,
            full,
            key="replications",
            help=texts.tip("replications"),
            persist_state="session",
        )
        with st.expander("How to read the bands"):
            st.markdown(
                "- **Darker band: 95 % interval of the mean.** Where the average of many "
                "municipalities like this one lies.\n"
                "- **Lighter band: the range 8 of 10 municipalities like this one would "
                "see** (10th to 90th percentile over replications). What your own town "
                "may well see. From fewer than 10 replications it is rough, and "
                "said so.\n"
                "- Each replication is the same municipality with other random arrivals, "
                "families, illnesses and task times."
            )
    settings = Settings(seed=int(seed), quick=quick, full=int(full))
    st.session_state["settings"] = settings
    return settings


def settings() -> Settings:
    """The room's settings as the sidebar last set them."""
    found = st.session_state.get("settings")
    if isinstance(found, Settings):
        return found
    quick, full = default_replications()
    return Settings(seed=base_scenario().simulation.seed, quick=quick, full=full)


def header(page: str, title: str) -> None:
    """The page's title and what the trainer reads out and asks the room."""
    st.title(title)
    with st.container(border=True):
        st.markdown(f"**For the trainer, to read out:** {texts.INTRO[page]}")
        st.markdown(f"**Before you run:** {texts.ASK[page]}")


def reset(prefix: str) -> None:
    """A button that restores a page's settings to their defaults. The sliders keep their
    values across pages for the session, so a room coming back to a page finds the last
    group's setting; the button forgets the page's own keys (those starting `prefix`),
    and Streamlit draws the widgets with their defaults again."""

    def forget() -> None:
        for key in [k for k in st.session_state if str(k).startswith(prefix)]:
            del st.session_state[key]

    st.button(
        "Reset this page's settings",
        key=f"reset-{prefix}",
        on_click=forget,
        help="Back to the page's defaults (the scenario's own setting).",
    )


def debrief(page: str) -> None:
    """What to point at once the answer is on the screen."""
    st.info(f"**Debrief:** {texts.DEBRIEF[page]}")


def figure(fig: Figure) -> None:
    """Show a matplotlib figure as a PNG image. Drawn here at 100 dpi, without a tight
    bounding box (the figures lay themselves out), and encoded without `savefig`'s search
    for a filter (`figures.image`): a fraction of the time of `st.pyplot`'s 200 dpi and
    second layout pass, which a slider's first answer cannot spare."""
    st.image(image(fig, FIGURE_DPI))


Draw = Callable[[list["Results | None"], bool], None]


def progressive(
    key: str,
    full: Sequence[Job],
    quick: Sequence[Job | None],
    draw: Draw,
    ahead: Callable[[], Sequence[Job]] | None = None,
) -> list[Results | None]:
    """Draw a first look, then the full answer, as fast as the machine allows.

    `full[i]` is a job of the full answer and `quick[i]` its first look (or None: no first
    look, e.g. a background point of a curve). `draw(answers, final)` draws the best answer
    at hand for each job (None where there is none yet); `final` is True once every full
    answer is in. `key` names the page's slot, whose earlier runs not yet started are
    withdrawn. Returns the full answers.
    """
    run = runner()
    area = st.empty()
    status = st.empty()
    here = [0 if q is None else q.replications for q in quick]
    futures = [run.submit(job, here=n) for job, n in zip(full, here, strict=True)]
    run.withdraw(st.session_state.get(f"runs-{key}", []))  # what the slider asked before
    run.withdraw_ahead()  # the first looks fetched ahead, but the one asked for now
    st.session_state[f"runs-{key}"] = futures

    def answers() -> list[Results | None]:
        return [_result(f) for f in futures]

    if not all(_ready(f) for f in futures):
        firsts = []
        for job, future in zip(quick, futures, strict=True):
            firsts.append(_result(future) or (run.now(job) if job is not None else None))
        with area.container():
            draw(firsts, False)
        # drawn again as each answer with a first look is in (the page's answers, with
        # their uncertainty); the other runs (a curve's points) come with the last draw,
        # since a draw takes a core for 0.2-0.4 s that the replications could use
        answered = [i for i, job in enumerate(quick) if job is not None]
        started, shown = time.monotonic(), sum(_ready(futures[i]) for i in answered)
        while not all(_ready(f) for f in futures):
            waited = time.monotonic() - started
            ready = sum(_ready(f) for f in futures)
            runs = f", {ready} of {len(futures)} runs in" if len(futures) > len(answered) else ""
            status.caption(
                f"{FIRST_LOOK}: {_count(quick)}. The {FULL_ANSWER.lower()} "
                f"({full[0].replications} replications{runs}) is running… {waited:.0f} s"
            )
            done = sum(_ready(futures[i]) for i in answered)
            if done > shown:
                partial = answers()
                with area.container():
                    draw([p or q for p, q in zip(partial, firsts, strict=True)], False)
                shown = done
            for i, future in enumerate(futures):
                if future.cancelled():  # withdrawn (the runner closed): ask again
                    futures[i] = run.submit(full[i])
            time.sleep(0.15)
    errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        status.error(f"The simulation could not run: {errors[0]}")
        return answers()
    results = answers()
    with area.container():
        draw(results, True)
    n = full[0].replications if full else 0
    status.caption(f"{FULL_ANSWER}: {n} replications, seed {full[0].seed if full else '-'}.")
    if ahead is not None:  # the steps far past capacity are not worth a worker's time
        run.prefetch([job for job in ahead() if not estimated_load(job.scenario) >= texts.FAR_PAST])
    return results


def _ready(future: Future[Results]) -> bool:
    """Done, and not withdrawn (a withdrawn run is asked for again)."""
    return future.done() and not future.cancelled()


def _result(future: Future[Results]) -> Results | None:
    if future.done() and not future.cancelled() and future.exception() is None:
        return future.result()
    return None


def _count(quick: Sequence[Job | None]) -> str:
    n = max((job.replications for job in quick if job is not None), default=0)
    return f"{n} replication" + ("" if n == 1 else "s")
