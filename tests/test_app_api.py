"""The functions the trainers' app asks of the public API: pair, weekly_bands,
waiting_theory, offered_staffing, explain, and a run made in parts (run's `first`,
join_runs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simulator as cl
from simulator.analysis.theory import erlang_c
from simulator.plan.offered_load import share_at_work

SHORT = {"simulation.duration_years": 4.0}  # three warm-up years and one measured


@pytest.fixture(scope="module")
def runs() -> tuple[cl.Results, cl.Results]:
    four = cl.load_scenario("baseline", changes=SHORT)
    five = cl.load_scenario("baseline", changes={**SHORT, "caseworkers.staffing.0.caseworkers": 5})
    return cl.run(four, replications=3, seed=7), cl.run(five, replications=3, seed=7)


def test_pair_is_what_compare_finds(runs: tuple[cl.Results, cl.Results]) -> None:
    four, five = runs
    paired = cl.pair(four, five).table.set_index("metric")
    compared = cl.compare(four.scenario, five.scenario, replications=3, seed=7)
    expected = compared.table.set_index("metric")
    columns = ["mean_a", "mean_b", "difference", "ci_low", "ci_high"]
    assert np.allclose(paired[columns], expected[columns], equal_nan=True)
    assert paired.loc["caseload_per_worker_mean", "ci_high"] < 0  # five hold fewer each


def test_pair_refuses_runs_on_other_random_numbers(runs: tuple[cl.Results, cl.Results]) -> None:
    four, _ = runs
    other = cl.run(four.scenario, replications=3, seed=8)
    with pytest.raises(cl.ScenarioError, match="same seed and replications"):
        cl.pair(four, other)


def test_weekly_bands_nest_the_mean_in_its_interval_and_range(
    runs: tuple[cl.Results, cl.Results],
) -> None:
    four, _ = runs
    bands = cl.weekly_bands(four, "caseload_per_worker")
    weekly = four.weekly[four.weekly["metric"] == "caseload_per_worker"]
    assert len(bands) == weekly["date"].nunique()
    assert bands["date"].is_monotonic_increasing
    assert (bands["replications"] == 3).all()
    inside = bands.dropna()
    assert (inside["ci_low"] <= inside["mean"] + 1e-9).all()
    assert (inside["mean"] <= inside["ci_high"] + 1e-9).all()
    assert (inside["p10"] <= inside["p90"]).all()
    last = weekly[weekly["date"] == weekly["date"].max()]["value"]
    assert bands["mean"].iloc[-1] == pytest.approx(last.mean())
    assert bands["p90"].iloc[-1] == pytest.approx(np.percentile(last, 90))
    percent = cl.weekly_bands(four, "utilisation", scale=100)
    assert percent["mean"].iloc[-1] == pytest.approx(
        100 * cl.weekly_bands(four, "utilisation")["mean"].iloc[-1]
    )
    with pytest.raises(cl.ScenarioError, match="no weekly metric 'caseloads'"):
        cl.weekly_bands(four, "caseloads")


def test_waiting_theory_is_erlang_c_in_calendar_days(runs: tuple[cl.Results, cl.Results]) -> None:
    four, _ = runs
    theory = cl.waiting_theory(four, [0.5, 0.8, 0.9, 0.95, 1.0])
    c, hours = int(theory["caseworkers"].iloc[0]), float(theory["task_hours"].iloc[0])
    present = four.summary.set_index("metric").loc["caseworkers_present_mean", "mean"]
    assert c == round(present) == 3  # of 4 posts, 3.2 at work on average (absence, vacancies)
    per_day = four.scenario.caseworkers.casework_hours_per_day
    expected = erlang_c(0.9 * c / hours, 1 / hours, c)[1] / per_day * 7 / 5
    assert theory["pooled_days"].iloc[2] == pytest.approx(expected)
    finite = theory.iloc[:4]
    assert finite["pooled_days"].is_monotonic_increasing
    assert finite["own_queue_days"].is_monotonic_increasing
    assert (finite["pooled_days"] < finite["own_queue_days"]).all()  # pooling shortens waits
    assert np.isnan(theory["pooled_days"].iloc[4])  # at 100 % the queue never settles


def test_waiting_theory_without_a_completed_task_says_so() -> None:
    """An office far past its capacity (1 caseworker, 11 refugees a month) completes no
    task after the warm-up: no task time for theory, said as such, not a ZeroDivisionError."""
    jammed = cl.load_scenario(
        "baseline",
        changes={
            **SHORT,
            "caseworkers.staffing.0.caseworkers": 1,
            "arrivals.per_month": 11.0,
        },
    )
    run = cl.run(jammed, replications=1, seed=20151104)
    assert run.by_task["completed"].sum() == 0
    with pytest.raises(ValueError, match="no task was completed after the warm-up"):
        cl.waiting_theory(run, [0.5])


def test_offered_staffing_needs_more_caseworkers_for_more_arrivals() -> None:
    base = cl.load_scenario("baseline")
    more = cl.load_scenario("baseline", changes={"arrivals.per_month": 22.0})
    a, b = cl.offered_staffing(base), cl.offered_staffing(more)
    assert list(a.columns) == ["date", "mean_open", "open_at_level", "caseworkers_needed"]
    assert str(a["date"].iloc[0].date()) == "2012-01-01"
    steady = a["caseworkers_needed"].iloc[-1]
    # the baseline has absence: the caseworkers needed are those at work ÷ the share at work
    assert steady == np.ceil(a["open_at_level"].iloc[-1] / 45 / share_at_work(base))
    assert share_at_work(base) < 1.0
    assert (b["caseworkers_needed"].iloc[-4:] > a["caseworkers_needed"].iloc[-4:]).all()
    strict = cl.offered_staffing(base, caseload_limit=35.0)
    assert strict["caseworkers_needed"].iloc[-1] > steady


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"level": 2}, r"level: a probability strictly between 0 and 1 \(got 2\)"),
        ({"level": 0.0}, r"level: .*\(got 0.0\)"),
        ({"caseload_limit": 0}, r"caseload_limit: open cases per caseworker, above 0 \(got 0\)"),
        ({"caseload_limit": float("nan")}, r"caseload_limit: .*\(got nan\)"),
        ({"caseload_limit": "45"}, r"caseload_limit: .*\(got '45'\)"),
    ],
)
def test_offered_staffing_names_a_bad_argument(arguments: dict, message: str) -> None:
    with pytest.raises(cl.ScenarioError, match=message):
        cl.offered_staffing(cl.load_scenario("baseline"), **arguments)


def test_explain_gives_the_schema_s_words() -> None:
    text = cl.explain("caseworkers.weekly_hours")
    assert text is not None
    assert "hours a week" in text and "Danish full-time week" in text
    assert cl.explain("caseworkers.weekly_hour") is None


TABLES = ("summary", "per_replication", "weekly", "by_task", "tasks", "counts")


def test_a_run_made_in_parts_and_joined_is_the_run_made_at_once(
    runs: tuple[cl.Results, cl.Results],
) -> None:
    four, _ = runs  # replications 0, 1, 2 at once
    first = cl.run(four.scenario, replications=1, seed=7)
    rest = cl.run(four.scenario, replications=2, seed=7, first=1)
    assert sorted(rest.per_replication["replication"].unique()) == [1, 2]
    joined = cl.join_runs([rest, first])  # in any order
    assert joined.replications == 3 and joined.seed == 7
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(joined, table), getattr(four, table))
    # one replication at a time, as the app's workers make them
    ones = [cl.run(four.scenario, replications=1, seed=7, first=k) for k in (2, 0, 1)]
    pd.testing.assert_frame_equal(cl.join_runs(ones).weekly, four.weekly)


def test_join_runs_refuses_a_replication_twice_and_other_runs(
    runs: tuple[cl.Results, cl.Results],
) -> None:
    four, five = runs
    again = cl.run(four.scenario, replications=1, seed=7, first=2)
    with pytest.raises(cl.ScenarioError, match=r"replication\(s\) \[2\] are in more than one"):
        cl.join_runs([four, again])
    with pytest.raises(cl.ScenarioError, match="other scenarios or seeds"):
        cl.join_runs([four, cl.run(five.scenario, replications=1, seed=7, first=3)])
    with pytest.raises(cl.ScenarioError, match="other scenarios or seeds"):
        cl.join_runs([four, cl.run(four.scenario, replications=1, seed=8, first=3)])
    with pytest.raises(cl.ScenarioError, match="no runs"):
        cl.join_runs([])
    with pytest.raises(cl.ScenarioError, match="first"):
        cl.run(four.scenario, replications=1, first=-1)
