"""The trainers' app without a browser: its scenario changes, its runner, and every page
run by Streamlit's `AppTest` as a person would use it (sliders moved, buttons pressed).

The browser tests (tests/test_app_browser.py) check what only a browser shows.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from processes import descendants, survivors

import simulator as cl


def need(module: str) -> object:
    """Import a module of the app extra; skip without it, except in CI (make test installs it)."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module)


need("streamlit")

from streamlit.testing.v1 import AppTest  # noqa: E402

from simulator.app import flight, hockey, peak, planner, side_by_side, texts, wall  # noqa: E402
from simulator.app.runs import Job, Runner, execute  # noqa: E402

MAIN = Path(__file__).resolve().parent.parent / "simulator" / "app" / "main.py"
PAGES = ["home", "peak", "hockey", "side_by_side", "flight", "predict"]


@pytest.fixture(scope="module")
def baseline() -> cl.Scenario:
    return cl.load_scenario("baseline")


# --------------------------------------------------------------------------- scenario changes


def test_the_peak_page_s_defaults_are_the_shipped_peak_scenario(baseline: cl.Scenario) -> None:
    built = peak.peak_scenario(baseline, peak.Peak())
    shipped = cl.load_scenario("peak_without_hiring")
    assert built.digest() == shipped.digest()


def test_the_shipped_peak_s_backlog_outlasts_the_peak(baseline: cl.Scenario) -> None:
    """What the scenario is for: the backlog is not back to normal by the time arrivals
    are, and hiring at once shortens that. (A recalibrated baseline can change the
    numbers; this says when the scenario stops showing what its comments say.)"""
    held, hired = peak.Peak(), peak.Peak(hires=2, hire_after=0)
    found = {}
    for name, p in (("held", held), ("hired", hired)):
        run = execute(Job(peak.peak_scenario(baseline, p), 3, 20151104))
        found[name] = peak.key_numbers(run, p, peak.bands_of(run))
    held, hired = found["held"].outlast_months, found["hired"].outlast_months
    assert held is None or held >= 9  # None: not back within the run
    assert found["held"].backlog_peak_date >= dt.date(2016, 4, 1)  # late in the peak or after
    assert found["hired"].backlog_peak_hours < found["held"].backlog_peak_hours / 2
    assert hired is not None and (held is None or hired < held)


def test_hires_join_the_staffing_from_the_month_they_start() -> None:
    surge = cl.load_scenario("surge_2015")  # 5 caseworkers, 11 from April 2015
    staffing = peak.staffing_with_hires(surge, 2, dt.date(2015, 1, 1))
    assert staffing == [
        {"date": dt.date(2011, 1, 1), "caseworkers": 5},
        {"date": dt.date(2015, 1, 1), "caseworkers": 7},
        {"date": dt.date(2015, 4, 1), "caseworkers": 13},
    ]
    assert peak.staffing_with_hires(surge, 0, dt.date(2015, 1, 1))[1]["caseworkers"] == 11


def test_the_backlog_is_back_in_the_first_quarter_at_its_level_before_the_peak() -> None:
    weeks = pd.date_range("2014-01-05", "2019-12-29", freq="7D")
    level = [100.0 if d < pd.Timestamp("2015-07-01") else 900.0 for d in weeks]
    level = [
        v if d < pd.Timestamp("2017-10-01") else 90.0 for d, v in zip(weeks, level, strict=True)
    ]
    bands = pd.DataFrame({"date": weeks, "mean": level})
    spike = peak.Peak(start=dt.date(2015, 7, 1), months=12)  # ends July 2016
    assert peak.outlast(bands, spike) == 15  # back (<= 100 + 10 % of 800) from October 2017
    level = [v if v != 90.0 else 170.0 for v in level]  # 90 % of the way down is back
    assert peak.outlast(pd.DataFrame({"date": weeks, "mean": level}), spike) == 15
    bands["mean"] = [100.0 if d < pd.Timestamp("2015-07-01") else 900.0 for d in weeks]
    assert peak.outlast(bands, spike) is None  # never back within the run


def test_flight_hires_start_after_the_recruitment_time_and_add_up() -> None:
    game = cl.load_scenario("peak_without_hiring")
    assert flight.game_start(game) == dt.date(2015, 1, 1)
    assert flight.recruitment_days(game) == 90.0  # the baseline's [turnover]: lognormal, mean 90
    without = cl.load_scenario("baseline", changes={"turnover": None})
    assert without.turnover is None
    assert flight.recruitment_days(without) == 90.0  # the schema's default (docs: 90 days)
    slow = {"turnover.recruitment_days": {"dist": "fixed", "value": 120.0}}
    assert flight.recruitment_days(cl.load_scenario("baseline", changes=slow)) == 120.0
    hires = flight.hire_dates(game, [2, 0, 1])
    assert hires == [(dt.date(2015, 4, 1), 2), (dt.date(2015, 9, 29), 1)]
    assert flight.staffing_with(game, hires) == [
        {"date": dt.date(2012, 1, 1), "caseworkers": 4},
        {"date": dt.date(2015, 4, 1), "caseworkers": 6},
        {"date": dt.date(2015, 9, 29), "caseworkers": 7},
    ]
    schedule = flight.staffing_with(game, hires)
    years = flight.caseworker_years(schedule, dt.date(2015, 1, 1), dt.date(2016, 1, 1))
    expected = (4 * 90 + 6 * 181 + 7 * 94) / 365.25
    assert years == pytest.approx(expected)


def test_each_quarter_replays_the_same_past(baseline: cl.Scenario) -> None:
    """Common random numbers: the history after quarter 2 starts with the history the
    trainee saw after quarter 1, week for week."""
    game = cl.load_scenario("peak_without_hiring")
    one = flight.Game(seed=3, quarters=4, hires=[2])
    two = flight.Game(seed=3, quarters=4, hires=[2, 1])
    first = flight.complete_weeks(execute(Job(flight.played_scenario(game, one), 1, 3)))
    second = flight.complete_weeks(execute(Job(flight.played_scenario(game, two), 1, 3)))
    assert first["date"].max() < second["date"].max()
    merged = first.merge(second, on=["date", "metric"], suffixes=("_1", "_2"))
    assert len(merged) == len(first)
    both = merged.dropna(subset=["value_1", "value_2"])
    assert (both["value_1"] == both["value_2"]).all()


def test_triage_switched_by_quarter_is_a_dated_rule_from_that_quarter() -> None:
    game = cl.load_scenario("peak_without_hiring")
    assert game.triage is None
    own = [e.model_dump(exclude_defaults=True) for e in game.timeline]  # the rules by date
    entries = flight.triage_timeline(game, [False, True, True, False])
    assert all(e in entries for e in own)
    switches = [e for e in entries if e not in own]
    assert [(e["date"], "set" in e, "unset" in e) for e in switches] == [
        (dt.date(2015, 4, 1), True, False),  # on from quarter 2
        (dt.date(2015, 10, 1), False, True),  # off from quarter 4
    ]
    assert flight.triage_timeline(game, [False, False]) == own
    played = flight.played_scenario(game, flight.Game(3, 4, hires=[0, 0], triage=[False, True]))
    states = dict(played.timeline_states())
    assert states[dt.date(2015, 4, 1)].triage is not None
    assert played.triage is None  # not before its quarter


def test_triage_from_a_quarter_drops_optional_tasks_from_then_on_only() -> None:
    """The same arrivals with triage on from the third quarter (the peak's start, July
    2015) for two years: nothing differs before it; after it optional tasks are dropped,
    and less work waits. The premise, checked in the run without triage: the peak presses
    the office past triage's threshold (weeks of work waiting per caseworker)."""
    game = cl.load_scenario("peak_without_hiring")
    off = flight.Game(seed=3, quarters=9, hires=[0] * 8, triage=[False] * 8)
    on = flight.Game(seed=3, quarters=9, hires=[0] * 8, triage=[False, False] + [True] * 6)
    results = [execute(Job(flight.played_scenario(game, g), 1, 3)) for g in (off, on)]
    weeks = [flight.complete_weeks(r) for r in results]
    merged = weeks[0].merge(weeks[1], on=["date", "metric"], suffixes=("_off", "_on"))
    switch = pd.Timestamp(flight.quarter_start(game, 2))
    before = merged[merged["date"] < switch - pd.Timedelta(days=7)].dropna()
    assert len(before) and (before["value_off"] == before["value_on"]).all()
    after = merged[merged["date"] >= switch].set_index("metric")
    assert after.loc["stress_index", "value_off"].max() > flight.TRIAGE_ON["above"]
    dropped = [r.summary.set_index("metric").loc["optional_tasks_dropped", "mean"] for r in results]
    assert dropped[0] == 0 < dropped[1]
    # what it dropped no longer counts as work waiting
    backlog = after.loc["backlog_hours"]
    assert backlog["value_on"].mean() < backlog["value_off"].mean()


def test_each_week_counts_in_the_quarter_that_holds_most_of_its_days() -> None:
    """Weeks from Thursday 1 January 2015: the week from 26 March has 6 of its days in the
    first quarter and counts there; the one from Thursday 31 December has 1 day in 2015
    and counts in 2016's first quarter; every week counts in one quarter only."""
    dates = [dt.date(2015, 1, 1) + dt.timedelta(weeks=k) for k in range(53)]
    weekly = pd.DataFrame({"date": pd.to_datetime(dates), "metric": "cases_opened",
                           "value": range(1, 54)})  # fmt: skip
    quarters = [dt.date(2015, m, 1) for m in (1, 4, 7, 10)] + [dt.date(2016, 1, 1)]
    counted = [flight.in_quarter(weekly, "cases_opened", q) for q in quarters]
    assert sum(len(c) for c in counted) == 53 and sum(c.sum() for c in counted) == 53 * 54 / 2
    weeks = [weekly.loc[c.index, "date"] for c in counted]
    assert weeks[0].max() == pd.Timestamp(2015, 3, 26)  # 26 March - 1 April
    assert weeks[3].max() == pd.Timestamp(2015, 12, 24)
    assert list(weeks[4]) == [pd.Timestamp(2015, 12, 31)]  # 31 December - 6 January


def test_the_quarter_s_caseload_card_is_the_mean_over_all_its_weeks() -> None:
    """Not the mean of its last four weeks: a quarter of 9 weeks at 100 cases each and 4
    at 200 reads 131, not 200."""
    dates = pd.to_datetime([dt.date(2015, 1, 1) + dt.timedelta(weeks=k) for k in range(13)])
    values = [100.0] * 9 + [200.0] * 4
    weekly = pd.DataFrame({"date": dates, "metric": "caseload_per_worker", "value": values})
    cards = {label: (value, words) for label, value, words in flight.quarter_cards(
        weekly, dt.date(2015, 1, 1))}  # fmt: skip
    value, words = cards["Cases per caseworker"]
    assert value == "131" and "the mean over the quarter's weeks" in words


def test_the_sidebar_names_the_scenario_the_page_runs(app: AppTest) -> None:
    """The flight simulator plays peak_without_hiring: the sidebar says so there, and the
    baseline on the other pages."""
    names = {}
    for name in ("flight", "peak"):
        at = page(app, name)
        names[name] = " ".join(m.value for m in at.sidebar.markdown)
        names[name] += " ".join(c.value for c in at.sidebar.caption)
    game = cl.load_scenario("peak_without_hiring")
    assert "`peak_without_hiring`" in names["flight"] and game.description in names["flight"]
    assert "`baseline`" in names["peak"] and "`peak_without_hiring`" not in names["peak"]


def test_the_quarter_says_what_became_of_the_optional_tasks() -> None:
    """Done, dropped by triage, or left to lapse: a room that sees triage change little
    can read why (optional work that goes undone anyway costs no caseworker time)."""
    game = cl.load_scenario("peak_without_hiring")
    play = flight.Game(seed=3, quarters=9, hires=[0] * 8, triage=[False] * 6 + [True] * 2)
    weekly = flight.complete_weeks(execute(Job(flight.played_scenario(game, play), 1, 3)))
    pressed = flight.quarter_start(game, 4)  # in the peak, no triage before Q3 2016
    text = flight.optional_work(weekly, pressed)
    done = flight.in_quarter(weekly, "optional_tasks_done", pressed).sum()
    undone = flight.in_quarter(weekly, "optional_tasks_unworked", pressed).sum()
    assert f"{done:.0f} done, {undone:.0f} ended undone (0 dropped by triage;" in text
    assert undone > done and "Most optional work goes undone here anyway" in text
    triaged = flight.optional_work(weekly, flight.quarter_start(game, 6))
    assert "0 dropped by triage" not in triaged and "anyway" not in triaged


def test_the_debrief_compares_with_the_planner_and_else_with_the_instant_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    game = cl.load_scenario("peak_without_hiring")
    start, end = dt.date(2015, 1, 1), dt.date(2016, 1, 1)
    asked: dict[str, object] = {}

    def planner_stub(scenario, **targets):
        asked.update(targets)
        dates = (dt.date(2015, 1, 1), dt.date(2015, 4, 1))
        return SimpleNamespace(periods=SimpleNamespace(dates=dates), posts=[6, 9])

    monkeypatch.setattr(cl, "staffing_plan", planner_stub)
    planned = planner.comparison_plan(game, start, end)
    assert planned.name == "the planner"
    assert planned.staffing == [(dt.date(2015, 1, 1), 6), (dt.date(2015, 4, 1), 9)]
    assert (asked["start"], asked["until"], asked["caseload_limit"]) == (start, end, 45.0)

    def cannot(scenario, **targets):
        raise cl.ScenarioError("plan: no period to plan")

    monkeypatch.setattr(cl, "staffing_plan", cannot)
    plan = planner.comparison_plan(game, start, end)
    assert plan.name == "the instant answer"
    assert [d for d, _ in plan.staffing] == [dt.date(2015, m, 1) for m in (1, 4, 7, 10)]
    needed = cl.offered_staffing(game).set_index("date")["caseworkers_needed"]
    assert [c for _, c in plan.staffing] == [int(needed[pd.Timestamp(d)]) for d, _ in plan.staffing]


def test_a_full_answer_beside_a_first_look_is_drawn_without_pairing() -> None:
    """While one side's full answer is in and the other's is not, the page draws both
    without pairing replications that do not match (Streamlit's bare mode: no page)."""
    short = cl.load_scenario("baseline", changes={"simulation.duration_years": 3.5})
    full, first = execute(Job(short, 3, 5)), execute(Job(short, 1, 5))
    side_by_side.draw([full, first], False)
    game = cl.load_scenario("peak_without_hiring")
    plan = planner.instant(game, dt.date(2015, 1, 1), dt.date(2015, 7, 1))
    staffing = [flight.staffing_with(game, []), flight.staffing_of(game, plan)]
    flight.draw_debrief([full, first], plan, staffing, dt.date(2015, 1, 1), dt.date(2015, 7, 1))


def test_the_differences_figure_draws_no_axis_for_a_difference_without_interval() -> None:
    """An identical metric or one off in both has no interval: no axis of rounding noise."""
    from simulator.app import figures

    rows = pd.DataFrame(
        {
            "label": ["Backlog (hours)", "Wait (days)", "Dropped (tasks)"],
            "difference": [-60.0, 0.0, 0.0],
            "ci_low": [-90.0, 0.0, 0.0],
            "ci_high": [-30.0, 0.0, 0.0],
            "verdict": ["B lower", "identical", "off in both: not modelled"],
        }
    )
    fig = figures.differences_figure(rows, title="B − A")
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["Backlog (hours)"]
    with pytest.raises(ValueError, match="no metric with an interval"):
        figures.differences_figure(rows.iloc[1:], title="B − A")


def test_the_hockey_stick_s_curve_reaches_the_wall_with_means_of_replications(
    baseline: cl.Scenario,
) -> None:
    """At the page's defaults the simulated points climb to utilisation near 100 % and
    waits several times the current setting's, by arrivals and by staff; each point is a
    mean of several replications, not one draw (one replication's mean wait at 11 a
    month can be a third of the mean of ten)."""
    seed = baseline.simulation.seed
    current = hockey.setting(baseline, 4, 11.0)
    busy = hockey.point(execute(Job(current, 1, seed))).x
    here = hockey.point(execute(Job(current, hockey.GRID_REPLICATIONS, seed)))
    assert hockey.GRID_REPLICATIONS >= 3
    by_arrivals = hockey.grid(4, 11.0, "arrivals", busy)
    by_staff = hockey.grid(4, 11.0, "staff", busy)
    assert len(by_arrivals) == len(hockey.GRID_UTILISATION) and len(by_staff) >= 5
    for caseworkers, per_month in (by_arrivals[-1], by_staff[0]):
        wall = hockey.setting(baseline, caseworkers, per_month)
        last = hockey.point(execute(Job(wall, hockey.GRID_REPLICATIONS, seed)))
        assert last.x >= 0.95 and last.y > 3 * here.y, (caseworkers, per_month)
    quiet = hockey.setting(baseline, *by_arrivals[0])
    assert hockey.point(execute(Job(quiet, hockey.GRID_REPLICATIONS, seed))).x < 0.45


def test_the_hockey_stick_with_no_task_completed_says_so_instead_of_a_traceback(
    baseline: cl.Scenario,
) -> None:
    """1 caseworker at 11 refugees a month: no task is completed after the warm-up in the
    one-replication first look, so queueing theory has no task time; the page says the
    office is past its capacity (it raised ZeroDivisionError from `waiting_theory`)."""
    run = execute(Job(hockey.setting(baseline, 1, 11.0), 1, baseline.simulation.seed))
    assert hockey.completed_tasks(run) == 0
    hockey.draw([run], 1, 11.0)  # Streamlit's bare mode: no page, but no exception either
    assert "past its capacity" in texts.NOTHING_COMPLETED


def test_the_hockey_page_at_one_caseworker_shows_a_message_not_a_traceback(app: AppTest) -> None:
    """One caseworker at the baseline's 11 a month is far past capacity (about 3 times, on
    the fitted task times of 2 December 2026): the page says so before running, with no
    cards to misread. (On the earlier fit it ran, and said no task was completed.)"""
    at = page(app, "hockey")
    at.slider(key="hockey-caseworkers").set_value(1).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Past capacity: the queue grows without bound" in e.value for e in at.error)
    assert not at.metric


def test_the_hockey_stick_s_texts_cannot_contradict_its_numbers() -> None:
    """The audit's case: 60 % utilisation, a simulated 13.1-day wait, theory 0.3 days,
    under a fixed text "half busy: hardly any wait". The line under the cards says both
    numbers and why they differ; the read-out texts make no claim about the simulated
    wait at a given utilisation."""
    text = texts.theory_and_simulation(0.60, 13.1, 0.3)
    assert "60%" in text and "13.1 days" in text and "0.3 days" in text
    assert "longer" in text and "queueing theory predicts" in text
    assert "shorter" in texts.theory_and_simulation(0.9, 2.0, 9.0)
    assert "about the same" in texts.theory_and_simulation(0.9, 9.5, 9.0)
    for words in (texts.INTRO["hockey"], texts.DEBRIEF["hockey"]):
        assert "hardly" not in words and "it is days" not in words


def test_the_hockey_page_says_theory_s_and_the_simulation_s_wait_in_one_line(
    app: AppTest,
) -> None:
    at = page(app, "hockey")
    simulated = metric(at, "Mean wait before a task is started")
    theory = metric(at, "Queueing theory at this utilisation")
    line = next(m.value for m in at.markdown if "theory predicts a mean wait" in m.value)
    assert simulated in line and theory in line


def test_a_run_at_the_wall_says_there_is_no_steady_state() -> None:
    """Past capacity the queue grows through the run: a simulated number is the one
    within this run's length, said with it; below the wall nothing is added. (The
    backlog's growth as a sign of the wall: tests/test_app_wall.py.)"""

    def reading(utilisation: float) -> wall.Reading:
        return wall.Reading(
            utilisation=utilisation, weeks=78, growth=0.0, spread=10.0, capacity=40.0,
            dropped=0.0, optional=500.0, years=1.5,
        )  # fmt: skip

    note = texts.wall_note(reading(1.0), "the simulated wait")
    assert note is not None
    assert "no steady state: the queue grows through the run" in note
    assert "the simulated wait is what this run shows within its 1.5 measured years" in note
    assert texts.wall_note(reading(0.9)) is None
    assert reading(wall.AT_WALL).at_wall and not reading(0.95).at_wall


def test_the_hockey_stick_at_the_wall_gives_theory_no_finite_wait(app: AppTest) -> None:
    """2 caseworkers at 14 refugees a month: utilisation reads 100 %; theory's card showed
    a finite wait (its M/M/1 at 99.9 %), the simulated one no word of the run's length."""
    at = page(app, "hockey")
    at.slider(key="hockey-caseworkers").set_value(2).run()
    at.slider(key="hockey-arrivals").set_value(14).run()
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, "Queueing theory at this utilisation") == "no steady state"
    assert card(at, "Mean wait before a task is started")[1] == (
        "within this run: grows with its length"
    )
    assert any("no steady state: the queue grows through the run" in w.value for w in at.warning)


def test_the_prediction_at_the_wall_says_the_answer_grows_with_the_run(app: AppTest) -> None:
    at = page(app, "predict")
    at.selectbox(key="predict-question").set_value("wait").run()
    at.slider(key="predict-caseworkers").set_value(1).run()
    at.slider(key="predict-arrivals").set_value(6).run()  # at the wall, not far past it
    at.number_input(key="predict-guess").set_value(30.0).run()
    next(b for b in at.button if b.label == "Lock the guess").click().run()
    next(b for b in at.button if b.label == "Run the simulation").click().run()
    assert not at.exception, [e.value for e in at.exception]
    years = texts.measured_years(cl.load_scenario("baseline"))
    words = f"the answer is what this run shows within its {years:g} measured years"
    assert any(words in w.value for w in at.warning), [w.value for w in at.warning]


def test_a_setting_far_past_capacity_is_known_before_it_runs(baseline: cl.Scenario) -> None:
    """1 caseworker at 40 refugees a month took 208 s on the predict page: the queue grows
    without bound and the run with it. Its offered load, estimated from the scenario and
    one measured run of the baseline, is far past capacity; the baseline's own setting
    reads about what it measures, and 1 caseworker at 9 a month (at the wall, 2 s a replication)
    still runs."""
    from simulator.app.runs import offered_load

    measured = hockey.point(execute(Job(baseline, 1, baseline.simulation.seed))).x

    def load(caseworkers: int, per_month: float) -> float:
        side = side_by_side.Side(caseworkers, per_month, False, baseline.caseworkers.assignment)
        return offered_load(side_by_side.side_scenario(baseline, side), baseline, measured)

    assert load(4, 9) == pytest.approx(measured, rel=0.25)  # a rough estimate, not a run
    assert load(1, 40) > 3 * texts.FAR_PAST
    assert load(1, 9) == pytest.approx(4 * load(4, 9), rel=1e-9)  # a quarter of the hours
    assert load(1, 9) > 1.0  # past the wall, yet (below) still run
    assert texts.past_capacity(texts.FAR_PAST) is not None
    assert texts.past_capacity(math.nextafter(texts.FAR_PAST, 0.0)) is None
    note = texts.past_capacity(load(1, 40), "nothing to predict")
    assert note is not None
    assert "Past capacity: the queue grows without bound; nothing to predict" in note
    assert texts.past_capacity(load(1, 9)) is None
    assert texts.past_capacity(float("nan")) is None


def test_the_prediction_far_past_capacity_says_so_at_once(app: AppTest) -> None:
    at = page(app, "predict")
    at.slider(key="predict-caseworkers").set_value(1).run()
    at.slider(key="predict-arrivals").set_value(40).run()
    next(b for b in at.button if b.label == "Lock the guess").click().run()
    started = time.monotonic()
    next(b for b in at.button if b.label == "Run the simulation").click().run()
    assert time.monotonic() - started < 10
    assert not at.exception, [e.value for e in at.exception]
    assert any("nothing to predict" in e.value for e in at.error), [e.value for e in at.error]
    assert not at.metric


def test_a_range_from_few_replications_is_rough_and_one_replication_a_first_look() -> None:
    """A 10th-90th percentile range from 2 replications was stated as the range 8 in 10
    municipalities see; a card from one replication was not marked as a first look."""
    from simulator.app import figures

    assert "rough: from only 3 replications" in texts.range_caveat(3)
    assert texts.range_caveat(texts.RANGE_REPLICATIONS) == "" == texts.range_caveat(1)
    assert texts.replications_note(1).lower().startswith("one replication: a first look")
    assert "rough" in texts.replications_note(2) and "rough" not in texts.replications_note(10)
    assert "rough" in figures.range_label(2) and figures.range_label(10) == figures.RANGE_LABEL
    assert "(rough: from only 3 replications" in peak.range_text([1.0, 2.0, 3.0], ".0f")
    assert "rough" not in peak.range_text([float(v) for v in range(10)], ".0f")
    assert peak.range_text([], ".0f").lower() == texts.FIRST_LOOK_CARD


def test_the_pages_mark_ranges_from_three_replications_rough(app: AppTest) -> None:
    at = page(app, "peak")
    ranges = [c.value for c in at.caption if c.value.startswith("Each municipality's own")]
    assert ranges and all("rough: from only 3 replications" in r for r in ranges)
    at = page(at, "hockey")
    assert any("Mean of 3 replications" in c.value and "rough" in c.value for c in at.caption)


def test_each_page_says_the_period_its_numbers_are_measured_over(
    app: AppTest, baseline: cl.Scenario
) -> None:
    """The same setting gave other numbers on the hockey stick (1.5 measured years) and
    side by side (the scenario's 3), unsaid: each page says its run length near them."""
    said = texts.period(hockey.setting(baseline, 4, 11.0))
    assert "01 Jan 2015 to 01 Jul 2016 (1.5 years), after a warm-up of 3 years" in said
    found = {}
    for name in ("hockey", "side_by_side", "peak"):
        at = page(app, name)
        found[name] = [c.value for c in at.caption if "Simulated period" in c.value]
        assert found[name], name
    assert "(1.5 years)" in found["hockey"][0] and "(3 years)" in found["side_by_side"][0]


def test_texts_say_one_refugee_and_one_caseworker_in_the_singular() -> None:
    """ "1 refugees a month" read on the hockey stick; "caseworker(s)" in the figures."""
    assert texts.per_month(1) == "1 refugee a month"
    assert texts.per_month(11) == "11 refugees a month"
    assert texts.per_month(1, "extra refugee") == "1 extra refugee a month"
    assert texts.plural(1, "caseworker") == "1 caseworker"
    assert texts.starting(1) == "1 new caseworker starts"
    assert texts.starting(2) == "2 new caseworkers start"


@pytest.mark.parametrize(
    ("name", "key", "moved"), [("hockey", "hockey-arrivals", 7), ("peak", "peak-extra", 25)]
)
def test_a_page_s_reset_restores_its_defaults(
    app: AppTest, name: str, key: str, moved: int
) -> None:
    at = page(app, name)
    default = at.slider(key=key).value
    at.slider(key=key).set_value(moved).run()
    assert at.slider(key=key).value == moved
    next(b for b in at.button if b.label == "Reset this page's settings").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key=key).value == default


def test_the_peak_s_cards_fit_and_its_axes_keep_the_largest_range_drawn() -> None:
    """A card read "not in the …" (cut short in a quarter of the page); the axes fitted
    each answer, so a small peak looked as big as a large one."""
    from simulator.app import figures

    assert peak.outlast_value(None) == f"> {peak.TAIL_MONTHS} months"
    assert len(peak.outlast_value(None)) <= len("15 months") + 2
    assert peak.outlast_value(15) == "15 months"
    weeks = pd.date_range("2015-01-04", periods=4, freq="7D")

    def bands(level: float) -> dict[str, pd.DataFrame]:
        one = pd.DataFrame({"date": weeks, "mean": [level] * 4, "p90": [level * 1.5] * 4})
        return {"backlog_hours": one, "caseload_per_worker": one}

    big = peak.axis_tops(bands(1000.0), {})
    assert big["backlog_hours"] == pytest.approx(1500 * 1.08)
    assert peak.axis_tops(bands(100.0), big) == big  # a smaller peak: the same axes
    wide = {k: v.assign(ci_high=3000.0) for k, v in bands(1000.0).items()}
    assert peak.axis_tops(wide, {})["backlog_hours"] == pytest.approx(3000 * 1.08)
    line = figures.Line("backlog", bands(100.0)["backlog_hours"].assign(replications=1))
    fig = figures.time_figure([figures.Panel("Backlog", "hours", [line], top=1620.0)], title="t")
    assert fig.axes[0].get_ylim() == (0.0, 1620.0)


def test_the_peak_without_a_peak_has_no_debrief_about_one(app: AppTest) -> None:
    at = page(app, "peak")
    assert any("Debrief" in i.value for i in at.info)
    at.slider(key="peak-extra").set_value(0).run()
    assert not any("Debrief" in i.value for i in at.info)
    assert any("No peak" in i.value for i in at.info)


def test_the_readme_s_session_plan_is_the_app_s() -> None:
    from simulator.app import texts

    readme = (MAIN.parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("**A 20-minute session**", 1)[1].split("\n\n")[1]
    rows = [line.strip("| ").split(" | ") for line in table.splitlines()[2:]]
    assert [tuple(row) for row in rows] == texts.SESSION_PLAN


# --------------------------------------------------------------------------- the runner


def test_the_runner_keeps_runs_by_what_they_ran(baseline: cl.Scenario) -> None:
    short = cl.load_scenario("baseline", changes={"simulation.duration_years": 3.5})
    renamed = cl.load_scenario(
        "baseline", changes={"simulation.duration_years": 3.5, "name": "another_name"}
    )
    run = Runner(workers=0)
    first = run.now(Job(short, 1, 5))
    assert run.now(Job(renamed, 1, 5)) is first  # the same municipality: the same run
    assert run.submit(Job(short, 1, 5)).result() is first
    other_seed = run.now(Job(short, 1, 6))
    assert other_seed is not first
    assert not first.summary.equals(other_seed.summary)
    assert first.tasks.empty  # the one-row-per-task table is left out of the cache
    assert run.cached(Job(short, 3, 5)) is None
    three = run.now(Job(short, 3, 5))  # the first look is its replication 0
    whole = cl.run(short, replications=3, seed=5)
    for table in ("summary", "per_replication", "weekly", "by_task", "counts"):
        pd.testing.assert_frame_equal(getattr(three, table), getattr(whole, table))
    kept = run.cached(Job(short, 2, 5))  # fewer replications: those kept, none run
    assert kept is not None and kept.replications == 2


def test_worker_processes_give_the_answer_this_process_would() -> None:
    short = cl.load_scenario("baseline", changes={"simulation.duration_years": 3.5})
    run = Runner(workers=2)
    try:
        late = [run.submit(Job(short, 2, seed)) for seed in (12, 13, 14)]
        job = Job(short, 3, 11)
        found = run.submit(job, here=1)  # replication 0 is run here: the first look
        first = run.now(Job(short, 1, 11))
        whole = execute(job)
        for table in ("summary", "per_replication", "weekly"):
            pd.testing.assert_frame_equal(
                getattr(found.result(timeout=300), table), getattr(whole, table)
            )
        pd.testing.assert_frame_equal(first.weekly, whole.weekly[whole.weekly["replication"] == 0])
        run.withdraw([late[-1]])  # no longer wanted: not started, or finished
        assert late[-1].cancelled() or late[-1].done()
        for future in late[:-1]:
            assert future.result(timeout=300).replications == 2
        ahead = Job(short, 1, 21)
        busy = run.submit(Job(short, 2, 22))
        run.prefetch([Job(short, 1, 23)])  # the workers are busy: nothing is fetched ahead
        busy.result(timeout=300)
        run.prefetch([ahead])  # idle now: the first look one step away runs there
        deadline = time.monotonic() + 300
        while run.cached(ahead) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert run.now(ahead) is run.cached(ahead) is not None
        assert run.cached(Job(short, 1, 23)) is None
    finally:
        run.close()


def test_a_replication_the_page_stops_waiting_for_is_not_run() -> None:
    short = cl.load_scenario("baseline", changes={"simulation.duration_years": 3.5})
    run = Runner(workers=1)
    try:
        first = run.submit(Job(short, 2, 41))  # the worker takes replication 0 at once
        stale = run.submit(Job(short, 2, 42))
        run.withdraw([stale])
        now = run.submit(Job(short, 2, 43))  # what the slider asks for next runs next
        assert now.result(timeout=300).replications == 2
        assert first.result(timeout=300).replications == 2
        assert stale.cancelled()
        assert run.cached(Job(short, 1, 42)) is None  # replication 0 never ran
    finally:
        run.close()


ORPHAN = """
import sys, time
import simulator as cl
from simulator.app.runs import Job, Runner

if __name__ == "__main__":
    run = Runner(workers=2)
    short = cl.load_scenario("baseline", changes={"simulation.duration_years": 3.5})
    run.submit(Job(short, 2, 1)).result()
    print("ready", flush=True)
    run.submit(Job(short, 40, 2))  # busy when killed
    time.sleep(120)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_no_worker_outlives_the_app_s_process_killed(tmp_path: Path) -> None:
    script = tmp_path / "app_process.py"
    script.write_text(ORPHAN, encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        workers = descendants(process.pid)
        assert len(workers) >= 2
        process.kill()  # SIGKILL: no chance to stop its workers itself
        process.wait(timeout=30)
        assert not survivors(workers, within=10)
    finally:
        if process.poll() is None:
            process.kill()


# --------------------------------------------------------------------------- pages (AppTest)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The whole app, run in this process with few replications (first look 1, full 3)."""
    monkeypatch.setenv("CASELOAD_APP_WORKERS", "0")
    monkeypatch.setenv("CASELOAD_APP_REPLICATIONS", "1,3")
    monkeypatch.delenv("CASELOAD_APP_SCENARIO", raising=False)
    at = AppTest.from_file(str(MAIN), default_timeout=300)
    at.run()
    yield at


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"views/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def number(text: str) -> float:
    return float(text.split()[0].replace(",", "").replace("%", "").replace("+", ""))


@pytest.mark.parametrize("name", PAGES)
def test_every_page_runs_and_every_slider_has_a_tooltip(app: AppTest, name: str) -> None:
    at = page(app, name)
    assert at.title, "the page has a title"
    assert not at.error, [e.value for e in at.error]
    for slider in [*at.slider, *at.sidebar.slider]:
        assert slider.help, f"the slider {slider.label!r} has no tooltip"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_runs_on_a_scenario_given_to_the_app(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """surge_2015: yearly quotas instead of a monthly level, and staff that change."""
    monkeypatch.setenv("CASELOAD_APP_WORKERS", "0")
    monkeypatch.setenv("CASELOAD_APP_REPLICATIONS", "1,2")
    monkeypatch.setenv("CASELOAD_APP_SCENARIO", "surge_2015")
    at = AppTest.from_file(str(MAIN), default_timeout=300).run()
    at = page(at, name)
    assert not at.error, [e.value for e in at.error]
    assert "surge_2015" in " ".join(m.value for m in at.sidebar.markdown)
    if name == "flight":
        at.slider(key="flight-quarters").set_value(2).run()
        next(b for b in at.button if b.label == "Start the game").click().run()
        assert "You take over the office on 01 January 2013" in at.subheader[0].value
        assert metric(at, "Caseworkers now") == "5"


def test_caseload_app_checks_the_scenario_before_serving(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from simulator.cli import main

    assert main(["app", "no_such_scenario"]) == 2
    assert "no such scenario file" in capsys.readouterr().err


@pytest.mark.parametrize("given", ["0", "65536", "-80", "eighty"])
def test_caseload_app_refuses_a_port_outside_1_to_65535(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["app", "--port", given])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --port" in err
    assert ("a port from 1 to 65535" in err) or ("expected a port number" in err)


def test_caseload_app_refuses_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from simulator.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    captured = capsys.readouterr()
    assert f"port {port} is in use" in captured.err
    assert "serving" not in captured.out  # nothing started


def test_a_bigger_peak_builds_a_bigger_backlog_and_hiring_early_cuts_it(app: AppTest) -> None:
    at = page(app, "peak")
    assert "Full answer: 3 replications" in " ".join(c.value for c in at.caption)
    default = number(metric(at, "Highest backlog"))
    at.slider(key="peak-extra").set_value(25).run()
    bigger = number(metric(at, "Highest backlog"))
    assert bigger > default
    at.slider(key="peak-extra").set_value(19).run()
    at.slider(key="peak-hires").set_value(2).run()
    at.slider(key="peak-after").set_value(0).run()
    assert number(metric(at, "Highest backlog")) < default


def test_the_peak_gives_ranges_and_without_extra_arrivals_says_there_is_no_peak(
    app: AppTest,
) -> None:
    at = page(app, "peak")
    ranges = [c.value for c in at.caption if c.value.startswith("Each municipality's own, 8 in 10")]
    assert len(ranges) == 4  # one under each key number
    # each key number is the middle municipality's, so the range under it holds it
    for shown, below in zip(at.metric, ranges, strict=True):
        if "not in the run" in below or shown.value == peak.NOT_BACK:
            continue
        low, high = (number(side) for side in below.split(": ", 1)[1].split(" to "))
        assert low <= number(shown.value) <= high, (shown.label, shown.value, below)
    at.slider(key="peak-extra").set_value(0).run()
    labels = [m.label for m in at.metric]
    assert "Backlog normal again after" not in labels and "Highest backlog" not in labels
    assert any("No peak" in i.value for i in at.info)


def test_more_arrivals_climb_the_hockey_stick(app: AppTest) -> None:
    at = page(app, "hockey")
    busy, wait = (
        number(metric(at, "Caseworkers' utilisation")),
        number(metric(at, "Mean wait before a task is started")),
    )
    at.slider(key="hockey-arrivals").set_value(7).run()
    assert number(metric(at, "Caseworkers' utilisation")) < busy
    assert number(metric(at, "Mean wait before a task is started")) < wait


def card(at: AppTest, label: str) -> tuple[str, str]:
    """A card's value and the line under it."""
    return next((m.value, m.delta) for m in at.metric if m.label == label)


def test_one_more_caseworker_on_side_b_lowers_its_caseload(app: AppTest) -> None:
    at = page(app, "side_by_side")
    label = "Cases each, B − A"
    assert number(metric(at, label)) < 0  # B starts with one caseworker more
    at.slider(key="side-b-caseworkers").set_value(4).run()
    assert number(metric(at, label)) == 0  # the same setting on the same arrivals


def test_the_flight_debrief_hires_the_same_staff_early_and_late() -> None:
    """The debrief's plan doubled the office on day one and taught nothing of timing: the
    same hires (the trainee's, else two) start early or late, and the words say what each
    cost in caseworker-years and DKK and left in backlog and waits, from the numbers."""
    scenario = cl.load_scenario("peak_without_hiring")
    game = flight.Game(1, 8, hires=[0, 3, 0, 0, 0, 0, 0, 0], triage=[False] * 8)
    hires, (early, late) = flight.timings(scenario, game)
    assert hires == 3 and (early.decided, late.decided) == (0, 4)
    assert early.starts < late.starts
    assert early.staffing[-1]["caseworkers"] == late.staffing[-1]["caseworkers"] == 7
    start, end = flight.game_start(scenario), flight.quarter_start(scenario, 8)
    paid = [flight.caseworker_years(t.staffing, start, end) for t in (early, late)]
    assert paid[0] - paid[1] == pytest.approx(3 * (late.starts - early.starts).days / 365.25)
    assert flight.timings(scenario, flight.Game(1, 8, hires=[0] * 8))[0] == flight.DEFAULT_HIRES
    said = texts.hiring_debrief(
        2, dt.date(2015, 4, 1), dt.date(2016, 3, 31), years=(11.5, 9.5),
        backlog_end=(227.5, 466.1), wait=(16.7, 35.5), dkk=(104.76, 103.64),
    )  # fmt: skip
    assert "paid 2.0 caseworker-years more in the game (11.5 against 9.5)" in said
    assert "228 hours of backlog at the end against 466" in said
    assert "cost 1.2 million DKK more in all (104.8 against 103.6" in said
    cheaper = texts.hiring_debrief(
        2, dt.date(2015, 4, 1), dt.date(2016, 3, 31), years=(11.5, 9.5),
        backlog_end=(0.0, 900.0), wait=(5.0, 60.0), dkk=(100.0, 103.0),
    )  # fmt: skip
    assert "cost 3.0 million DKK less in all" in cheaper
    assert "DKK" not in texts.hiring_debrief(
        2, dt.date(2015, 4, 1), dt.date(2016, 3, 31), years=(1.0, 1.0),
        backlog_end=(0.0, 0.0), wait=(1.0, 1.0), dkk=None,
    )  # fmt: skip


def test_the_peak_s_debrief_is_said_from_the_run_s_numbers(baseline: cl.Scenario) -> None:
    """It said "takes more than a year to drain" and "the caseload stays high for two
    years" whatever the run showed: now the months come from the run, and a small peak
    with staff hired at once says what it shows."""
    start, end = dt.date(2015, 1, 1), dt.date(2016, 1, 1)
    text = texts.peak_debrief(start, end, dt.date(2016, 4, 1), 5, None, 42)
    assert "highest in April 2016, 3 months after arrivals are back to normal" in text
    assert "back near its level before the peak 5 months after the peak ends" in text
    assert "stay above their level before the peak for the rest of the run (42 months" in text
    text = texts.peak_debrief(start, end, dt.date(2015, 9, 1), None, 1, 42)
    assert "while the peak is still on" in text and "not back near its level" in text
    assert "1 month after it ends" in text
    for words in ("more than a year", "two years", "helps less"):
        assert words not in text
    small = peak.Peak(extra=4, hires=2, hire_after=0)
    run = execute(Job(peak.peak_scenario(baseline, small), 1, baseline.simulation.seed))
    numbers, _ = peak.shown_numbers(run, small, peak.bands_of(run))
    said = peak.debrief(run, small)
    assert f"{numbers.backlog_peak_date:%B %Y}" in said
    if numbers.outlast_months is not None and numbers.outlast_months > 0:
        assert f"{texts.plural(numbers.outlast_months, 'month')} after the peak ends" in said


def test_the_hockey_stick_s_axis_holds_the_interval_of_the_setting() -> None:
    """With 3 replications the 95 % interval of the mean (t = 4.3) reached above the
    range 8 in 10 lie in, which set the axis top: the error bar ran off the figure."""
    from simulator.app import figures

    current = figures.Point(
        x=0.8, y=20.0, x_low=0.78, x_high=0.82, y_low=2.0, y_high=60.0, y_p10=12.0,
        y_p90=28.0, replications=3,
    )  # fmt: skip
    grid = [figures.Point(x=0.5, y=5.0, replications=3)]
    ax = figures.hockey_figure(None, grid, current, title="t").axes[0]
    assert ax.get_ylim()[1] >= 60.0
    assert figures.upper_end(current) == 60.0
    assert figures.upper_end(grid[0]) == 5.0


def test_the_side_by_side_table_says_off_where_both_switch_a_mechanism_off() -> None:
    """A mechanism off in both settings read 0 in the A and B columns (a finding, to a
    reader), beside its dash for B − A; the others keep their numbers."""
    rows = pd.DataFrame(
        {
            "words": ["Backlog", "Optional tasks dropped by triage"],
            "unit": ["hours", "tasks"],
            "A": [120.456, 0.0],
            "B": [99.0, 0.0],
            "difference": [-21.456, 0.0],
            "difference_unit": ["hours", "tasks"],
            "ci_low": [-30.0, 0.0],
            "ci_high": [-12.0, 0.0],
            "verdict": [cl.Verdict.LOWER, cl.Verdict.OFF_IN_BOTH],
        }
    )
    shown = side_by_side.table(rows).set_index("metric")
    off = shown.loc["Optional tasks dropped by triage (tasks)"]
    assert off["A"] == "off" == off["B"] and off["B − A"] == "—"
    assert shown.loc["Backlog (hours)", "A"] == "120.46"
    assert shown.loc["Backlog (hours)", "B"] == "99.00"


def test_side_by_side_says_identical_and_what_could_be_chance(app: AppTest) -> None:
    """Each card says under its value whether B − A could be chance (the API's verdict);
    with A and B the same, every card says identical and no differences figure is drawn
    (an axis around zero-width intervals draws only rounding noise); a mechanism off on
    both sides is no zero finding."""
    at = page(app, "side_by_side")
    table = at.dataframe[0].value.set_index("metric")
    for short, words in [("Cases each", "Open cases per caseworker"), ("Wait", "Mean wait")]:
        verdict = table.loc[next(m for m in table.index if m.startswith(words)), "verdict"]
        assert card(at, f"{short}, B − A")[1] == texts.verdict_words(verdict)
    assert card(at, "Tasks dropped, B − A") == ("—", "switched off in both A and B")
    dropped = table.loc["Optional tasks dropped by triage (tasks)"]
    assert dropped["verdict"] == "switched off in both A and B: its zeros are no finding"
    assert dropped["B − A"] == "—" == dropped["paired 95 % interval"]
    assert dropped["A"] == "off" == dropped["B"]
    assert "not modelled" not in " ".join(table["verdict"])
    figures_before = len(at.image)
    at.slider(key="side-b-caseworkers").set_value(4).run()
    for label in ["Cases each", "Backlog", "Wait", "On time", "Utilisation"]:
        assert card(at, f"{label}, B − A")[1] == "identical in every replication", label
    assert len(at.image) == figures_before - 1  # the differences figure is gone
    assert any("no interval to draw" in i.value for i in at.info)


def test_side_by_side_s_table_gives_shares_in_per_cent_and_their_difference_in_points(
    app: AppTest,
) -> None:
    at = page(app, "side_by_side")
    table = at.dataframe[0].value.set_index("metric")
    assert list(table.columns) == ["A", "B", "B − A", "paired 95 % interval", "verdict"]
    for share in ("Statutory tasks on time", "Caseworkers' utilisation"):
        row = table.loc[f"{share} (%)"]
        a, b = float(row["A"]), float(row["B"])  # text: a mechanism off in both reads "off"
        assert 0 <= a <= 100 and 0 <= b <= 100
        assert row["B − A"].endswith(" points")
        assert float(row["B − A"].split()[0]) == pytest.approx(b - a, abs=0.02)
    assert not any("points" in m for m in table.index)


def test_triage_in_b_shows_the_optional_tasks_it_drops(app: AppTest) -> None:
    """Triage lowers the backlog by dropping optional tasks: the dropped tasks are among
    the differences, or triage would look free."""
    at = page(app, "side_by_side")
    at.slider(key="side-b-caseworkers").set_value(4).run()
    at.toggle(key="side-b-triage").set_value(True).run()
    value, verdict = card(at, "Tasks dropped, B − A")
    row = at.dataframe[0].value.set_index("metric").loc["Optional tasks dropped by triage (tasks)"]
    a, b = float(row["A"]), float(row["B"])  # on in B: numbers, not "off"
    assert a == 0 and b > 0 and number(value) == pytest.approx(b, abs=0.05)
    assert verdict == texts.verdict_words(row["verdict"])  # with 3 replications, maybe chance
    assert not texts.is_off(row["verdict"])  # on in B: a finding, not a switched-off zero


def test_the_debrief_keeps_a_plan_per_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two games alike but for the seed need plans of their own (the planner draws its
    futures from the seed, which the scenario's digest leaves out); the same game again
    finds its plan kept."""
    made: list[int] = []

    def plan(scenario, start, end, progress=None, workers=1):
        made.append(scenario.simulation.seed)
        return planner.Plan("stub", "stub", [(start, 4)])

    monkeypatch.setattr(planner, "comparison_plan", plan)
    monkeypatch.setattr(flight.show, "runner", lambda: SimpleNamespace(workers=1))
    flight._plans().clear()
    base = cl.load_scenario("peak_without_hiring")
    game = flight.Game(seed=1, quarters=2, hires=[0, 0], triage=[False, False])
    for seed in (1, 2, 1):
        other = base.model_copy(update={"simulation": base.simulation.model_copy(
            update={"seed": seed})})  # fmt: skip
        flight.debrief_plan(other, game)
    assert made == [1, 2]
    flight._plans().clear()


def test_the_flight_simulator_runs_quarters_to_the_debrief(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned = []
    real = cl.staffing_plan

    def counted(scenario, **options):
        planned.append(options)
        return real(scenario, **options)

    monkeypatch.setattr(cl, "staffing_plan", counted)
    flight._plans.clear()  # a game played by an earlier test is kept
    at = page(app, "flight")
    at.slider(key="flight-quarters").set_value(2).run()
    next(b for b in at.button if b.label == "Start the game").click().run()
    assert "You take over" in at.subheader[0].value
    assert metric(at, "Caseworkers now") == "4"
    at.number_input(key="flight-hires").set_value(2).run()
    next(b for b in at.button if b.label == "Run quarter 1 of 2").click().run()
    assert at.subheader[0].value == "Quarter 1 of 2 done: Q1 2015"
    assert metric(at, "Caseworkers now") == "6"  # recruited in January, at work from April
    assert at.number_input(key="flight-hires").value == 0
    assert at.toggle(key="flight-triage").value is False  # the scenario has no triage
    at.toggle(key="flight-triage").set_value(True).run()
    next(b for b in at.button if b.label == "Run quarter 2 of 2").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.subheader[0].value == "Debrief"
    table = at.dataframe[0].value.set_index("")
    assert list(table.columns)[:2] == ["you", "the planner"]  # caseload plan, same arrivals
    cost = table.loc["caseworker-years paid in the game (cost)", "you"]
    assert cost == pytest.approx((4 * 90 + 6 * 91) / 365.25, abs=0.05)  # shown to 0.1
    assert "open cases per caseworker" in table.index
    assert any("triage on from Q2 2015" in m.value for m in at.markdown)
    # the same 2 hires early (decided in Q1 2015) and late (in Q2 2015), with their cost
    assert any(h.value.startswith("The same 2 new caseworkers, hired early or late")
               for h in at.subheader)  # fmt: skip
    timing = at.dataframe[1].value.set_index("")
    early, late = timing.columns
    assert early.startswith("hire early (from Apr 2015") and late.startswith("hire late")
    paid = timing.loc["caseworker-years paid in the game"]
    assert paid[early] > paid[late]
    assert "staff and benefits (million DKK)" in timing.index
    assert any(m.value.startswith("Hiring the 2 new caseworkers early") for m in at.markdown)
    # a quick plan, said on the page, made once: leaving the debrief and coming back shows
    # the same plan at once
    assert len(planned) == 1 and planned[0]["replications"] < 10
    futures = planner.REPLICATIONS + planner.MAX_REPLICATIONS
    assert any(f"a quick plan on {futures} simulated futures" in m.value for m in at.markdown)
    assert any("too few to show that probability" in m.value for m in at.markdown)
    page(at, "peak")
    at = page(at, "flight")
    assert at.subheader[0].value == "Debrief" and len(planned) == 1
    assert at.dataframe[0].value.set_index("").equals(table)
    next(b for b in at.button if b.label == "Start again").click().run()
    assert any(b.label == "Start the game" for b in at.button)


def test_the_guess_is_locked_then_shown_beside_the_answer(app: AppTest) -> None:
    at = page(app, "predict")
    run_button = next(b for b in at.button if b.label == "Run the simulation")
    assert run_button.disabled  # no run before a guess is locked
    at.selectbox(key="predict-question").set_value("caseload").run()
    at.number_input(key="predict-guess").set_value(50.0).run()
    next(b for b in at.button if b.label == "Lock the guess").click().run()
    assert at.number_input(key="predict-guess").disabled
    next(b for b in at.button if b.label == "Run the simulation").click().run()
    assert metric(at, "The room's guess (open cases per caseworker)") == "50"
    simulated = number(metric(at, "The simulation (open cases per caseworker)"))
    base = cl.load_scenario("baseline")
    side = side_by_side.Side(4, 11.0, base.triage is not None, base.caseworkers.assignment)
    run = execute(Job(side_by_side.side_scenario(base, side), 3, base.simulation.seed))
    expected = run.summary.set_index("metric").loc["caseload_per_worker_mean", "mean"]
    assert simulated == pytest.approx(expected, abs=0.05)  # the run's mean, shown to 0.1
    log = at.dataframe[0].value
    assert len(log) == 1 and log["guess"].iloc[0] == 50.0
    next(b for b in at.button if b.label == "New round").click().run()
    assert not at.number_input(key="predict-guess").disabled


def test_the_app_shows_the_pixels_savefig_draws() -> None:
    """`figures.image`, which the pages show, draws what matplotlib's `savefig` draws at
    the app's resolution, in less time: the same pixels, for a time figure with its bands
    and the DS band, the hockey stick and the differences."""
    import io

    import numpy as np
    from PIL import Image

    from simulator.app import figures
    from simulator.app.show import FIGURE_DPI

    weeks = pd.date_range("2015-01-04", periods=30, freq="7D")
    level = np.linspace(30.0, 60.0, len(weeks))
    bands = pd.DataFrame({"date": weeks, "mean": level, "ci_low": level - 2, "ci_high": level + 2,
                          "p10": level - 5, "p90": level + 5, "replications": 10})  # fmt: skip
    made = [
        lambda: figures.time_figure(
            [
                figures.Panel("Caseload", "cases", [figures.Line("A", bands)], ds_band=True),
                figures.Panel(
                    "Backlog", "hours", [figures.Line("B", bands, figures.B_COLOUR, "--")]
                ),
            ],
            title="t",
        ),
        lambda: figures.hockey_figure(
            None,
            [figures.Point(x=0.5, y=5.0, replications=3), figures.Point(x=0.9, y=40.0)],
            figures.Point(x=0.8, y=20.0, y_low=10.0, y_high=30.0, replications=3),
            title="t",
        ),
        lambda: figures.differences_figure(
            pd.DataFrame(
                {
                    "label": ["Backlog (hours)"],
                    "difference": [-60.0],
                    "ci_low": [-90.0],
                    "ci_high": [-30.0],
                    "verdict": ["B lower"],
                }
            ),
            title="B − A",
        ),
    ]
    for make in made:
        buffer = io.BytesIO()
        make().savefig(buffer, format="png", dpi=FIGURE_DPI)
        drawn = np.asarray(Image.open(io.BytesIO(figures.image(make(), FIGURE_DPI))))
        assert np.array_equal(drawn, np.asarray(Image.open(buffer)))
