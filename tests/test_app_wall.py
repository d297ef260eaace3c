"""The app's judgement of "at the wall: no steady state" (simulator/app/wall.py), from
what a run shows: its utilisation, and its backlog's growth through the measured period.

The case it was made for: with triage on, an office past its capacity measured 92-96 %
utilisation, below the 98 % the utilisation test needs, while its backlog grew week by
week; the pages said nothing, and its numbers read as the office's steady state. (That
was before the replacement's rebalance was fixed, on 2 December 2026: part of those
offices' idle time was newcomers without cases. Past capacity now reads full; the growth
term still matters near the wall, where a finite run's utilisation reads below it.)
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

import simulator as cl

if not os.environ.get("CI"):
    pytest.importorskip("streamlit")

from streamlit.testing.v1 import AppTest

from simulator.app import hockey, side_by_side, texts, wall
from simulator.app.runs import Job, execute

SEED = 20151104  # the baseline's, which the room's seed is by default


def hockey_run(caseworkers: int, per_month: float, triage: bool, replications: int) -> cl.Results:
    """A run of the baseline as the hockey stick makes it (flat staffing and arrivals,
    the warm-up, then 1.5 measured years), with triage as side by side switches it on."""
    base = cl.load_scenario("baseline")
    side = side_by_side.Side(caseworkers, per_month, triage, base.caseworkers.assignment)
    scenario = hockey.setting(side_by_side.side_scenario(base, side), caseworkers, per_month)
    return execute(Job(scenario, replications, SEED))


@pytest.fixture(scope="module")
def behind() -> cl.Results:
    """Past capacity with triage on: 2 caseworkers at 10 refugees a month, with the room's
    full answer of 10 replications."""
    return hockey_run(2, 10.0, True, 10)


@pytest.fixture(scope="module")
def coping() -> cl.Results:
    """Below capacity with triage on: the app's own setting, 4 caseworkers at 11 a month."""
    return hockey_run(4, 11.0, True, 3)


# 78 measured weeks at 40 casework hours a week, below the wall, no growth, no triage
QUIET = wall.Reading(
    utilisation=0.9,
    weeks=78,
    growth=0.0,
    spread=10.0,
    capacity=40.0,
    dropped=0.0,
    optional=500.0,
    years=1.5,
)


def reading(**given: float) -> wall.Reading:
    """`QUIET` with the values `given`."""
    return replace(QUIET, **given)


# --------------------------------------------------------------------------- the rule


def test_the_load_is_utilisation_plus_the_backlog_s_clear_growth_over_capacity() -> None:
    """4 hours a week more backlog at 40 hours of capacity is 10 % more work falling due
    than done: at 94 % utilisation the load is 1.04, past the wall; the same rise within
    the backlog's fluctuations, or over too few weeks to judge, counts for nothing."""
    growing = reading(utilisation=0.94, growth=4.0, spread=30.0)
    assert growing.clear and growing.load == pytest.approx(1.04)
    assert growing.at_wall and growing.falling_behind and not growing.full
    within = reading(utilisation=0.94, growth=4.0, spread=308.0 / wall.CLEAR * 1.01)
    assert not within.clear and within.load == 0.94 and not within.at_wall
    short = reading(utilisation=0.94, weeks=wall.MIN_WEEKS - 1, growth=40.0)
    assert not short.clear and not short.at_wall
    shrinking = reading(utilisation=0.97, growth=-4.0, spread=1.0)
    assert shrinking.load == 0.97 and not shrinking.at_wall  # a falling backlog is no wall
    full = reading(utilisation=wall.AT_WALL)
    assert full.at_wall and full.full and not full.falling_behind
    assert not reading(utilisation=math.nextafter(wall.AT_WALL, 0.0)).at_wall


def test_a_backlog_rising_with_hours_to_spare_is_no_wall() -> None:
    """A clear rise of 1.2 hours a week at 59 % utilisation and 96 hours of capacity (as
    the baseline's backlog read on the hockey stick's years, with the reunification rules
    by date, before the fix of 2 December 2026) is a level following the work: load 0.60,
    far below the wall."""
    rising = reading(utilisation=0.59, growth=1.2, spread=18.0, capacity=96.0)
    assert rising.clear and not rising.at_wall
    assert rising.load == pytest.approx(0.6025)


def ar1(rng: np.random.Generator, series: int, weeks: int, tau: float) -> np.ndarray:
    """`series` stationary series of `weeks` weeks, standard deviation 1, forgetting
    themselves in `tau` weeks (AR(1) with coefficient exp(-1/tau))."""
    phi = math.exp(-1.0 / tau)
    out = np.empty((series, weeks))
    out[:, 0] = rng.standard_normal(series)
    for t in range(1, weeks):
        out[:, t] = phi * out[:, t - 1] + math.sqrt(1 - phi**2) * rng.standard_normal(series)
    return out


def clear_share(values: np.ndarray) -> float:
    """The share of the series whose fitted rise is clear of their spread (`wall.CLEAR`)."""
    clear = 0
    for row in values:
        growth, spread = wall.trend(row)
        clear += reading(growth=growth, weeks=len(row), spread=spread).clear
    return clear / len(values)


def test_a_stable_queue_seldom_rises_clear_of_its_fluctuations() -> None:
    """The clarity test's theory (wall.CLEAR): over T = 78 weeks, fluctuations forgetting
    themselves in tau weeks give a fitted rise with a standard error of about
    sqrt(24 tau / T) standard deviations: 1.57 at tau = 8 (tau / T = 0.1, the most the
    rule allows for), where 3 spreads are about 1.9 standard errors (one-sided, some
    3 %; the spread about the line reads a little below the standard deviation, so at
    most 1 in 10 is allowed), and 0.78 at tau = 2 (3.8 standard errors: at most 1 in 100)."""
    rng = np.random.default_rng(20151104)
    assert clear_share(ar1(rng, 2000, 78, tau=8.0)) <= 0.10
    assert clear_share(ar1(rng, 2000, 78, tau=2.0)) <= 0.01


def test_a_queue_past_capacity_rises_clear_of_its_fluctuations() -> None:
    """10 % more work falling due than done, with fluctuations of a whole week's capacity
    forgetting themselves in 8 weeks: a rise of 7.7 weeks' capacity over 78 weeks, some
    3.3 standard errors above the 3 spreads it must reach; clear in 99 in 100 at least."""
    rng = np.random.default_rng(7)
    weeks = np.arange(78)
    growing = 0.10 * weeks + ar1(rng, 1000, 78, tau=8.0)
    assert clear_share(growing) >= 0.99


# --------------------------------------------------------------------------- runs


def test_an_office_past_capacity_under_triage_is_at_the_wall(behind: cl.Results) -> None:
    """The case: 2 caseworkers at 10 a month with triage on, on the hockey stick's 1.5
    measured years and the room's seed and full answer. Triage drops most optional tasks,
    and the backlog still grows: its last quarter is above its first. The page must say
    there is no steady state, and that triage drops work. (Before the replacement's
    rebalance was fixed, on 2 December 2026, this office read 94-97 % utilisation, its
    newcomers' idle hours beside colleagues' queues hiding the wall from the utilisation:
    the backlog's growth caught it. It now reads full; the growth term's own tests are
    above.)"""
    found = wall.read(behind)
    assert found.full and found.at_wall
    backlog = wall.measured(behind, "backlog_hours")
    assert backlog[-13:].mean() > backlog[:13].mean()
    assert found.clear and found.load > found.utilisation  # and the backlog grows clearly
    assert found.dropped_share > 0.5  # coping by dropping work
    note = texts.wall_note(found, "the simulated wait")
    assert note is not None and texts.NO_STEADY_STATE in note
    assert f"At the wall ({found.utilisation:.0%} utilisation)" in note
    assert f"Triage dropped {found.dropped:,.0f} of the {found.optional:,.0f}" in note
    assert "the simulated wait is what this run shows within its 1.5 measured years" in note
    assert texts.triage_note(found) is None  # said within the wall's note


def test_an_office_below_capacity_under_triage_is_not_at_the_wall(coping: cl.Results) -> None:
    """No false alarm: the app's own office (4 caseworkers, 11 a month) with triage on
    has hours to spare; its triage still drops optional tasks, and the page says that."""
    found = wall.read(coping)
    assert found.utilisation < 0.8 and not found.at_wall
    assert texts.wall_note(found) is None
    assert found.dropped > 0
    note = texts.triage_note(found)
    assert note is not None and "Triage dropped" in note and "leaving that work undone" in note


@pytest.mark.parametrize(
    ("caseworkers", "per_month", "triage", "replications"),
    [
        (2, 6.0, True, 3),  # below capacity, nearer the wall: 85-90 % utilisation
        (4, 11.0, False, 5),  # the baseline, its backlog moving with the work: about 80 %
    ],
)
def test_no_false_alarm_below_capacity(
    caseworkers: int, per_month: float, triage: bool, replications: int
) -> None:
    """Below capacity the backlog may rise with the work (the baseline with 5 replications
    rose by about 1.2 hours a week on these years before the fix of 2 December 2026, which
    a rule on the backlog's growth alone called the wall): the load the run shows stays
    below it."""
    found = wall.read(hockey_run(caseworkers, per_month, triage, replications))
    assert found.utilisation < 0.92
    assert found.load < wall.AT_WALL and not found.at_wall


# --------------------------------------------------------------------------- the pages


def drawn(script: Callable[..., None], *args: object) -> AppTest:
    """A page's drawing of ready results, run by Streamlit's `AppTest`. Streamlit runs
    the script as the module `__main__` and leaves it there; it is put back, or worker
    processes that later tests spawn would run the script again as their main module."""
    main = sys.modules["__main__"]
    try:
        at = AppTest.from_function(script, args=args, default_timeout=60).run()
    finally:
        sys.modules["__main__"] = main
    assert not at.exception, [e.value for e in at.exception]
    return at


def predict_page(results: object) -> None:
    from simulator.app import predict

    predict.draw(results, predict.Round("wait", 2, 10.0, 30.0), False)


def hockey_page(results: object) -> None:
    from simulator.app import hockey

    hockey.draw([results], 2, 10.0)


def side_page(a: object, b: object) -> None:
    from simulator.app import side_by_side

    side_by_side.draw([a, b], False)


def test_every_page_says_no_steady_state_beside_a_run_past_capacity_under_triage(
    behind: cl.Results, coping: cl.Results
) -> None:
    """The predict page, the hockey stick and side by side judge the same run the same
    way (wall.read): the run past capacity gets the wall's note; below the
    wall, the triage note (side by side: for A only, which triages below capacity)."""
    for at in (drawn(predict_page, behind), drawn(hockey_page, behind)):
        warnings = [w.value for w in at.warning]
        assert any(texts.NO_STEADY_STATE in w for w in warnings), warnings
        assert not any("Triage dropped" in i.value for i in at.info)
    at = drawn(hockey_page, behind)
    assert next(m.value for m in at.metric if m.label.startswith("Queueing theory")) == (
        "no steady state"
    )
    at = drawn(side_page, coping, behind)
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("**Setting B:**") and texts.NO_STEADY_STATE in w for w in warnings)
    assert not any(w.startswith("**Setting A:**") for w in warnings), warnings
    infos = [i.value for i in at.info]
    assert any(i.startswith("**Setting A:** Triage dropped") for i in infos), infos
    at = drawn(predict_page, coping)
    assert not at.warning and any("Triage dropped" in i.value for i in at.info)
