"""Outputs that tell the truth: a switched-off mechanism is said to be off, a share's interval
stays inside [0, 1], the range of the runs is shown beside the interval of their mean (and
said apart), optional tasks are shown, cases waiting under a cap are counted apart from those
held, counts come per year and per month, and results are as readable as any file the user
creates.

One short run of the reference scenario (every mechanism on) with a caseload cap that binds
serves most tests; the statistics are checked on numbers small enough to work out by hand.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from levers import plain_office
from matplotlib.figure import Figure
from scipy import stats as scipy_stats

from simulator.analysis.mechanisms import Mechanism, mechanisms
from simulator.analysis.metrics import SUMMARY_METRICS, TIMESERIES_METRICS, WEEKLY_SHARES
from simulator.analysis.metrics.counts import COUNT_METRICS, WINDOW
from simulator.analysis.stats import mean_ci, nonnegative_ci, percentile_range, share_ci
from simulator.analysis.tables import counts_by_year, monthly_counts, summarise, weekly_bands
from simulator.experiments.atomic import atomic_folder
from simulator.experiments.outputs import destination
from simulator.experiments.run import Results, run_scenario
from simulator.reporting import figures
from simulator.reporting.console import console_summary
from simulator.reporting.files import write_results
from simulator.scenario import DAYS_PER_YEAR, load_scenario

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "tests" / "reference" / "reference.toml"
BASELINE = REPO / "scenarios" / "baseline.toml"
SHORT = ["simulation.duration_years=1.5", "simulation.warmup_years=0.5"]
CAPPED = [*SHORT, "caseworkers.caseload_cap=25"]  # binds: new cases wait for room


@pytest.fixture(scope="module")
def capped() -> Results:
    """Three short replications of the reference scenario with a cap that binds."""
    return run_scenario(load_scenario(REFERENCE, CAPPED), replications=3)


@pytest.fixture(scope="module")
def baseline_short() -> Results:
    """The baseline's office without its workforce mechanisms (`levers.plain_office`)."""
    return run_scenario(plain_office(*SHORT), replications=2)


def per_replication(values: dict[str, list[float]]) -> pd.DataFrame:
    """A per-replication table (replication, metric, value) from values per metric."""
    rows = [(rep, metric, v) for metric, vs in values.items() for rep, v in enumerate(vs)]
    return pd.DataFrame(rows, columns=["replication", "metric", "value"])


# --- which mechanisms are on --------------------------------------------------------------------


def test_an_office_without_its_workforce_mechanisms_says_they_are_off() -> None:
    state = {m.name: m.on for m in mechanisms(plain_office())}
    assert state["interpreting"] and state["family reunification"]
    for off in ("vacation", "sick leave", "turnover", "overtime", "triage", "caseload cap",
                "interpreter pool (limited)", "timeline"):  # fmt: skip
        assert state[off] is False, off


def test_the_baseline_says_its_mechanisms_are_on_and_the_policies_off() -> None:
    state = {m.name: m.on for m in mechanisms(load_scenario(BASELINE))}
    for on in ("vacation", "sick leave", "turnover", "interpreting", "timeline"):
        assert state[on] is True, on
    for off in ("overtime", "triage", "caseload cap"):  # policies a planner tries
        assert state[off] is False, off


def test_with_every_mechanism_on_none_is_said_to_be_off() -> None:
    """The reference scenario has every mechanism on, but its two years end before the
    timeline's first date: the timeline is off in it."""
    scenario = load_scenario(REFERENCE, ["caseworkers.caseload_cap=25"])
    assert [m.name for m in mechanisms(scenario) if not m.ever_on] == ["timeline"]
    assert all(entry.date > scenario.simulation.last_day for entry in scenario.timeline)
    without = [m.name for m in mechanisms(scenario.model_copy(update={"timeline": []}))]
    assert "timeline" in without


def test_a_mechanism_the_timeline_switches_on_says_from_when(write_scenario, baseline_data):
    baseline_data["timeline"] = [
        {"date": dt.date(2016, 2, 1), "set": {"triage": {"above": 1.0}}},
        {"date": dt.date(2017, 1, 1), "unset": ["triage"]},
    ]
    found = {m.name: m for m in mechanisms(load_scenario(write_scenario(baseline_data)))}
    triage = found["triage"]
    assert not triage.on and triage.ever_on
    assert triage.state == "off, on from 2016-02-01, off from 2017-01-01"
    assert found["timeline"].on and "2 dated changes" in found["timeline"].detail
    assert found["overtime"].state == "off"


def test_turnover_without_resignations_is_off_whatever_the_stress() -> None:
    """Stress multiplies the base rate of resignations: with a base of 0 nobody resigns,
    and the turnover metrics are zero by construction, not findings."""
    scenario = load_scenario(BASELINE, ["turnover.resignations_per_year=0"])
    assert scenario.turnover is not None and scenario.turnover.stress_sensitivity > 0
    found = {m.name: m for m in mechanisms(scenario)}
    assert not found["turnover"].ever_on


def test_dated_changes_after_the_run_are_not_said_to_happen(write_scenario, baseline_data):
    """A run that ends before the timeline's dates (the baseline cut to its first quarter
    of 2012) has no dated change, and a mechanism switched on after its end is off."""
    baseline_data["simulation"].update(duration_years=0.25, warmup_years=0.0)
    baseline_data["timeline"] = [
        *baseline_data.get("timeline", []),
        {"date": dt.date(2016, 3, 1), "set": {"triage": {"above": 1.0}}},
    ]
    found = {m.name: m for m in mechanisms(load_scenario(write_scenario(baseline_data)))}
    assert not found["timeline"].on and found["timeline"].detail == ""
    assert not found["triage"].ever_on


def test_summary_says_for_each_metric_whether_its_mechanism_is_on() -> None:
    values = {m.name: [0.0, 0.0] for m in SUMMARY_METRICS}
    off = summarise(per_replication(values), plain_office()).set_index("metric")
    on = summarise(per_replication(values), load_scenario(REFERENCE)).set_index("metric")
    assert off.loc["sick_days_per_worker_year", "mechanism"] == "sick leave: off"
    assert on.loc["sick_days_per_worker_year", "mechanism"].startswith("sick leave: on (")
    assert off.loc["optional_tasks_dropped", "mechanism"] == "triage: off"
    assert off.loc["cases_waiting_assignment_mean", "mechanism"] == "caseload cap: off"
    assert off.loc["caseload_per_worker_mean", "mechanism"] == ""  # no mechanism behind it
    switched = {metric for m in mechanisms(load_scenario(BASELINE)) for metric in m.metrics}
    assert switched <= {m.name for m in SUMMARY_METRICS}  # no mechanism names a lost metric


def test_a_share_of_phone_interpreting_that_cannot_happen_is_blank_not_zero() -> None:
    """The baseline interprets in person ("never" by telephone) and an unlimited pool of
    interpreters is never busy: its share by telephone is 0 by construction, no finding.
    Interpreting is on, the telephone off; summary.csv leaves the share blank and says so."""
    baseline = load_scenario(BASELINE)
    found = {m.name: m for m in mechanisms(baseline)}
    assert found["interpreting"].on and not found["phone interpreting"].ever_on
    busy = load_scenario(BASELINE, ['interpreting.phone="when_busy"'])
    assert not {m.name: m for m in mechanisms(busy)}["phone interpreting"].ever_on
    busy_pool = ['interpreting.phone="when_busy"', "interpreting.interpreters=2"]
    pool = load_scenario(BASELINE, busy_pool)
    phone = {m.name: m for m in mechanisms(pool)}["phone interpreting"]
    assert phone.on and phone.describe().startswith("phone interpreting: on (when no")
    values = {m.name: [0.0, 0.0] for m in SUMMARY_METRICS}
    off = summarise(per_replication(values), baseline).set_index("metric")
    row = off.loc["interpreted_by_phone_share"]
    assert row["mechanism"] == "phone interpreting: off"
    assert row[["mean", "ci_low", "ci_high", "p10", "p90"]].isna().all()
    assert row["replications"] == 0
    on = summarise(per_replication(values), pool).set_index("metric")
    assert on.loc["interpreted_by_phone_share", "mean"] == 0.0  # possible, and not seen
    # a count of a mechanism that is off stays a count: no overtime worked is 0 hours
    assert off.loc["overtime_hours", "mean"] == 0.0


def test_an_office_that_starts_empty_is_said_to_in_the_console_and_the_plan() -> None:
    """No warm-up and no [initial_state]: the statistics include the office filling up,
    and its low first months must not read as a finding; with either, nothing is said."""
    from simulator.analysis.mechanisms import empty_start

    empty = load_scenario(BASELINE, ["simulation.warmup_years=0", "simulation.duration_years=0.5"])
    results = run_scenario(empty, replications=2)
    text = " ".join(console_summary(results).split())
    assert "note: The office starts empty on 2012-01-01, with no warm-up" in text
    assert empty_start(load_scenario(BASELINE)) is None
    assert empty_start(load_scenario(REPO / "scenarios" / "today.toml")) is None
    assert "starts empty" not in console_summary(run_scenario(plain_office(*SHORT), replications=1))


def test_a_share_on_time_resting_on_few_tasks_says_how_few() -> None:
    """A run of five weeks: a handful of optional tasks fall due in each, and "100 %, 100
    to 100 %" would look certain; the line says how many were due a run. A run of the
    usual length says nothing of the kind."""
    brief = load_scenario(BASELINE, ["simulation.duration_years=0.1", "simulation.warmup_years=0"])
    text = console_summary(run_scenario(brief, replications=2))
    line = next(x for x in text.splitlines() if x.strip().startswith('Optional ("kan")'))
    due = int(re.search(r"\(only (\d+) due a run\)", line).group(1))
    assert 0 < due < 20
    assert "due a run" not in console_summary(run_scenario(plain_office(*SHORT), replications=1))


def test_the_console_says_a_switched_off_mechanism_is_off(baseline_short: Results) -> None:
    text = console_summary(baseline_short)
    assert re.search(r"Sick days per caseworker-year +off \(sick leave is not modelled\)", text)
    mechanisms_line = text[text.index("Mechanisms") :]
    off = mechanisms_line[mechanisms_line.index("off:") :]
    for name in ("vacation", "sick leave", "turnover", "overtime", "triage", "caseload cap"):
        assert name in off, name
    assert "interpreting" in mechanisms_line[: mechanisms_line.index("off:")]


# --- a switched-off mechanism on the figures ----------------------------------------------------

OFF_SCENARIO = ["absence.sick_leave.days_per_year=0", "reunification.apply_share.single_adult=0"]


def figure_texts(fig: Figure) -> list[str]:
    """Every text of a figure: legends, panel notes, title and note."""
    return [text.get_text() for text in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_the_figures_get_the_mechanisms_the_console_reads(
    capped: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = []

    def spy(folder: Path, planner: figures.Planner, executor: object = None) -> list[Path]:
        given.append(planner.mechanisms)
        return []

    monkeypatch.setattr("simulator.reporting.files.draw_figures", spy)
    write_results(capped, tmp_path / "out", workers=1)
    assert given == [mechanisms(capped.scenario)]


def test_a_figure_of_a_switched_off_mechanism_says_it_is_off(capped: Results) -> None:
    """Sick leave and family reunification off: the staff figure's legend and the arrivals
    figure's family panel say so, and the panel draws no zeros; on, neither does."""
    off = mechanisms(load_scenario(BASELINE, OFF_SCENARIO))
    on = mechanisms(load_scenario(BASELINE))
    sim = capped.scenario.simulation
    staff = figures.staff_by_absence_figure(capped.weekly, "x", sim.warmup_end, off)
    labels = [t.get_text() for t in staff.axes[0].get_legend().get_texts()]
    assert "on sick leave: sick leave off in this scenario" in labels
    assert "on vacation" in labels  # on in both: no word about it
    staff_on = figures.staff_by_absence_figure(capped.weekly, "x", sim.warmup_end, on)
    assert not any("off" in text for text in figure_texts(staff_on))
    arrivals = figures.arrivals_figure(capped.counts, "x", sim.warmup_end, off)
    family = arrivals.axes[1]
    assert "family reunification: off in this scenario" in " ".join(figure_texts(arrivals))
    assert family.get_lines() == [] and list(family.get_yticks()) == []
    arrivals_on = figures.arrivals_figure(capped.counts, "x", sim.warmup_end, on)
    assert len(arrivals_on.axes[1].get_lines()) == 1
    assert not any("off in this scenario" in text for text in figure_texts(arrivals_on))


def test_a_mechanism_the_timeline_switches_on_is_said_so_on_the_figures(capped: Results) -> None:
    switched = tuple(
        Mechanism(m.name, m.metrics, False, "", ((dt.date(2016, 2, 3), True),))
        if m.name in ("sick leave", "family reunification")
        else m
        for m in mechanisms(capped.scenario)
    )
    assert figures.staff_labels(switched)[2] == "on sick leave: sick leave off, on from 2016-02-03"
    arrivals = figures.arrivals_figure(capped.counts, "x", None, switched)
    assert len(arrivals.axes[1].get_lines()) == 1  # drawn, with the dates it is on
    assert "family reunification: off, on from 2016-02-03" in figure_texts(arrivals)


# --- intervals of shares --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [[0.0, 0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.99], [0.0, 0.02], [0.0, 0.0, 0.01],
     [1.0, 1.0, 1.0, 0.5], [0.3, 0.3],
     [1.0, 0.9999999999999999]],  # the mean rounds to 1 though the runs differ
)  # fmt: skip
def test_the_interval_of_a_share_stays_inside_0_and_1(values: list[float]) -> None:
    mean, low, high = (float(v) for v in share_ci(values))
    assert 0.0 <= low <= mean <= high <= 1.0
    t_low, t_high = (float(v) for v in mean_ci(values)[1:])
    if t_low < 0.0 or t_high > 1.0:  # where the plain t-interval left [0, 1]
        assert low >= 0.0 and high <= 1.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=30))
def test_the_interval_of_any_share_stays_inside_0_and_1(values: list[float]) -> None:
    mean, low, high = (float(v) for v in share_ci(values))
    assert 0.0 <= low <= mean + 1e-12 and mean - 1e-12 <= high <= 1.0


def test_the_share_interval_is_wilson_at_the_effective_sample_size() -> None:
    """Worked by hand: three runs 0.7, 0.8, 0.9: m = 0.8, s = 0.1 / sqrt(3), n_eff = 48."""
    m, s = 0.8, 0.1 / math.sqrt(3)
    t = scipy_stats.t.ppf(0.975, 2)
    n = m * (1 - m) / s**2
    assert n == pytest.approx(48.0)
    centre = (m + t * t / (2 * n)) / (1 + t * t / n)
    half = t / (1 + t * t / n) * math.sqrt(m * (1 - m) / n + t * t / (4 * n * n))
    _, low, high = share_ci([0.7, 0.8, 0.9])
    assert (float(low), float(high)) == pytest.approx((centre - half, centre + half))


def test_the_share_interval_is_close_to_the_t_interval_in_the_middle_with_many_runs() -> None:
    values = np.random.default_rng(4).uniform(0.45, 0.55, 40)
    _, low, high = share_ci(values)
    _, t_low, t_high = mean_ci(values)
    assert float(high - low) == pytest.approx(float(t_high - t_low), rel=0.02)


def test_one_replication_has_no_interval_and_no_range() -> None:
    for interval in (share_ci, mean_ci, nonnegative_ci):
        assert math.isnan(float(interval([0.4])[1]))
    assert all(math.isnan(float(v)) for v in percentile_range([0.4]))


def test_summary_intervals_of_shares_stay_in_0_1_and_counts_do_not_go_below_0() -> None:
    values = {m.name: [0.0, 0.0, 0.01] for m in SUMMARY_METRICS}  # rare events, near 0
    values["statutory_on_time_share"] = [1.0, 1.0, 0.98]  # near 1
    summary = summarise(per_replication(values)).set_index("metric")
    shares = summary[summary["unit"] == "share"]
    assert (shares["ci_low"] >= 0).all() and (shares["ci_high"] <= 1).all()
    assert shares.loc["statutory_on_time_share", "ci_high"] <= 1.0
    assert (summary["ci_low"] >= 0).all()  # a count, hours, days: never below 0
    assert mean_ci([0.0, 0.0, 0.01])[1] < 0  # which the plain t-interval was


# --- the range of the runs beside the interval of their mean ------------------------------------


def test_the_range_of_the_runs_is_their_10th_to_90th_percentile() -> None:
    values = np.random.default_rng(5).normal(size=(12, 7))
    low, high = percentile_range(values, axis=1)
    assert low == pytest.approx(np.percentile(values, 10, axis=1))
    assert high == pytest.approx(np.percentile(values, 90, axis=1))
    summary = summarise(per_replication({"backlog_hours_mean": list(values[0])}))
    row = summary.set_index("metric").loc["backlog_hours_mean"]
    assert (row["p10"], row["p90"]) == pytest.approx((low[0], high[0]))


def test_the_range_does_not_narrow_with_more_runs_as_the_interval_does() -> None:
    rng = np.random.default_rng(6)
    few, many = rng.normal(10, 2, 10), rng.normal(10, 2, 1000)
    ci = [float(np.subtract(*mean_ci(x)[2:0:-1])) for x in (few, many)]
    spread = [float(np.subtract(*percentile_range(x)[::-1])) for x in (few, many)]
    assert ci[1] < ci[0] / 5  # the interval of the mean shrinks like 1 / sqrt(n)
    assert spread[1] == pytest.approx(2 * 1.2816 * 2, rel=0.1)  # the range stays the runs'


def test_weekly_bands_of_a_share_stay_inside_0_and_1(capped: Results) -> None:
    assert set(TIMESERIES_METRICS) >= WEEKLY_SHARES
    for metric in WEEKLY_SHARES:
        bands = weekly_bands(capped.weekly, metric).dropna()
        assert (bands["ci_low"] >= 0).all() and (bands["ci_high"] <= 1).all(), metric
        assert (bands["p10"] <= bands["p90"]).all(), metric


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(
        st.tuples(
            st.integers(0, 5),  # week
            st.integers(0, 3),  # replication
            st.one_of(st.floats(-5, 50, allow_nan=False), st.just(float("nan"))),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_weekly_bands_places_each_value_as_the_pivot_table_does(
    cells: list[tuple[int, int, float]],
) -> None:
    """Weeks and replications in any order, some missing, some given twice, some NaN: the
    bands are those of pandas' pivot table (the mean of a cell given twice), to the bit."""
    weeks = pd.Timestamp("2015-01-05") + pd.to_timedelta([7 * w for w, _, _ in cells], "D")
    rows = pd.DataFrame(
        {
            "replication": [r for _, r, _ in cells],
            "date": weeks.astype("datetime64[s]"),
            "metric": "backlog_hours",
            "value": [v for _, _, v in cells],
        }
    )
    rows = rows.iloc[::-1]  # reversed; a cell given twice is summed in this order by both
    other = rows.assign(metric="overdue_tasks", value=1e6)  # another series, not to be mixed in
    table = rows.pivot_table(
        index="date", columns="replication", values="value", aggfunc="mean", dropna=False
    ).sort_index()
    mean, low, high = nonnegative_ci(table.to_numpy(dtype=float), axis=1)
    p10, p90 = percentile_range(table.to_numpy(dtype=float), axis=1)
    got = weekly_bands(pd.concat([other, rows]), "backlog_hours")
    assert got["date"].tolist() == table.index.tolist()
    for column, want in {
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "p10": p10,
        "p90": p90,
    }.items():
        np.testing.assert_array_equal(got[column].to_numpy(), want, err_msg=column)


def test_the_console_says_which_is_the_interval_and_which_the_range(capped: Results) -> None:
    text = console_summary(capped)
    assert "95% CI of the mean" in text and "8 in 10 runs" in text
    assert "the range a single municipality may see" in text
    row = capped.summary.set_index("metric").loc["caseload_per_worker_mean"]
    line = next(
        x for x in text.splitlines() if x.strip().startswith("Open cases per caseworker, mean")
    )
    numbers = [float(x) for x in re.findall(r"\d+\.\d", line)]
    assert numbers == pytest.approx(
        [row["mean"], row["ci_low"], row["ci_high"], row["p10"], row["p90"]], abs=0.051
    )


TIME_FIGURES = ["caseload_per_worker.png", "backlog_hours.png", "utilisation.png", "stress.png",
                "staff_by_absence.png", "arrivals_by_month.png"]  # fmt: skip


@pytest.mark.parametrize("name", TIME_FIGURES)
def test_every_time_series_figure_shows_the_range_of_the_runs_labelled(
    capped: Results, name: str
) -> None:
    scenario = capped.scenario
    planner = figures.Planner(capped.weekly, capped.by_task, "x", scenario.simulation.warmup_end,
                              stress_threshold=2.0, counts=capped.counts)  # fmt: skip
    fig = figures.planner_figure(planner, name)
    labels = [text.get_text() for ax in fig.axes if ax.get_legend()
              for text in ax.get_legend().get_texts()]  # fmt: skip
    assert any(figures.RANGE_LABEL in label for label in labels), labels
    note = fig._supxlabel.get_text()  # the note under the figure says what the marks are
    assert "8 runs in 10" in note and "10th–90th" in note


def test_the_comparison_figure_shows_both_ranges(capped: Results) -> None:
    fig: Figure = figures.comparison_figure(capped.weekly, capped.weekly, ("a", "b"), None)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "a: 8 in 10 runs" in labels and "b: 8 in 10 runs" in labels


# --- optional tasks -------------------------------------------------------------------------------


def test_optional_on_time_share_is_counted_from_the_tasks(capped: Results) -> None:
    """By hand from the task table: optional tasks due in the window, not lapsed with their
    case before the deadline, finished by it."""
    t = capped.tasks[capped.tasks["replication"] == 0]
    w0 = pd.Timestamp(capped.scenario.simulation.start_date) + pd.Timedelta(
        days=capped.scenario.simulation.warmup_days
    )
    end = pd.Timestamp(capped.scenario.simulation.start_date) + pd.Timedelta(
        days=capped.scenario.simulation.duration_days
    )
    lapsed = (t["state"] == "dropped") & (t["lapsed"] <= t["due"])
    due = ~t["statutory"] & ~lapsed & (t["due"] >= w0) & (t["due"] <= end)
    on_time = t["finished"] <= t["due"]
    value = capped.per_replication.query("replication == 0 and metric == 'optional_on_time_share'")
    assert due.sum() > 20 and (due & ~on_time).sum() > 0  # something to get wrong
    assert float(value["value"].iloc[0]) == pytest.approx((due & on_time).sum() / due.sum())
    optional = capped.by_task[~capped.by_task["statutory"].astype(bool)]
    assert optional["on_time_share"].notna().any()  # the by-task table has them too
    assert 'Optional ("kan") tasks done on time' in console_summary(capped)


# --- the caseload cap ------------------------------------------------------------------------


def test_under_a_cap_open_cases_are_those_held_plus_those_waiting(capped: Results) -> None:
    s = capped.per_replication.pivot(index="replication", columns="metric", values="value")
    sim, costs = capped.scenario.simulation, capped.scenario.costs
    years = (sim.duration_days - sim.warmup_days) / DAYS_PER_YEAR
    staff = s["staff_cost_dkk"] / costs.salary_dkk_per_caseworker_year / years  # mean on staff
    assert (s["cases_waiting_assignment_mean"] > 0.5).all()  # the cap binds
    held_plus_waiting = s["caseload_assigned_per_worker_mean"] + (
        s["cases_waiting_assignment_mean"] / staff
    )
    assert held_plus_waiting.to_numpy() == pytest.approx(
        s["caseload_per_worker_mean"].to_numpy(), rel=1e-9
    )
    text = console_summary(capped)
    assert "of them held by a caseworker" in text and "Cases waiting for a caseworker" in text


def test_without_a_cap_every_open_case_is_held_and_none_waits(baseline_short: Results) -> None:
    s = baseline_short.summary.set_index("metric")["mean"]
    assert s["caseload_assigned_per_worker_mean"] == pytest.approx(s["caseload_per_worker_mean"])
    assert s["cases_waiting_assignment_mean"] == 0.0
    assert "held by a caseworker" not in console_summary(baseline_short)


# --- counts per year and per month ----------------------------------------------------------------


def test_counts_of_the_window_agree_with_the_summary(capped: Results) -> None:
    window = capped.counts[capped.counts["period"] == WINDOW]
    counted = window.pivot(index="replication", columns="metric", values="value")
    s = capped.per_replication.pivot(index="replication", columns="metric", values="value")
    for count, metric in [("cases_opened", "cases_opened"), ("tasks_created", "tasks_created"),
                          ("family_members_arrived", "family_members_arrived"),
                          ("exits_self_support", "self_supported")]:  # fmt: skip
        assert counted[count].to_numpy() == pytest.approx(s[metric].to_numpy()), count


def test_months_add_up_to_years_and_the_counts_cover_every_event(capped: Results) -> None:
    sim = capped.scenario.simulation
    years = counts_by_year(capped.counts, sim.start_date, sim.duration_days, sim.warmup_days)
    assert set(years["metric"]) == set(COUNT_METRICS)
    months = monthly_counts(capped.counts, "persons_placed")
    by_year = months.groupby(months["month"].dt.year)["mean"].sum()
    placed = years[(years["metric"] == "persons_placed") & (years["year"] != WINDOW)]
    assert placed.set_index("year")["mean"].to_numpy() == pytest.approx(by_year.to_numpy())
    assert placed["days"].sum() == round(sim.duration_days)
    # persons placed are adults and children: at least the adults, each of whom opens a case
    mean = years[years["year"] == WINDOW].set_index("metric")["mean"]
    assert mean["persons_placed"] > mean["adults_placed"] >= mean["households_placed"] > 0
    assert mean["cases_opened"] >= mean["adults_placed"]
    assert mean["statutory_late"] <= mean["statutory_due"]


def test_the_results_folder_has_the_counts_by_year_and_the_arrivals_figure(
    capped: Results, tmp_path: Path
) -> None:
    write_results(capped, tmp_path / "out")
    table = pd.read_csv(tmp_path / "out" / "counts_by_year.csv")
    assert list(table.columns[:4]) == ["year", "days", "days_in_window", "metric"]
    assert "window" in set(table["year"].astype(str))
    assert (tmp_path / "out" / "figures" / "arrivals_by_month.png").is_file()
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert '"overtime": "on"' in manifest and '"caseload cap": "on"' in manifest


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("mask", "folder", "file"), [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600)])
def test_results_folders_and_files_follow_the_umask(
    tmp_path: Path, mask: int, folder: int, file: int
) -> None:
    old = os.umask(mask)
    try:
        where = destination(tmp_path / "results" / "run", kind="results", owner="run")
        with atomic_folder(where) as work:
            (work / "summary.csv").write_text("metric\n")
            (work / "figures").mkdir()
    finally:
        os.umask(old)
    made = tmp_path / "results" / "run"
    assert stat.S_IMODE(made.stat().st_mode) == folder
    assert stat.S_IMODE((made / "figures").stat().st_mode) == folder
    assert stat.S_IMODE((made / "summary.csv").stat().st_mode) == file
    assert stat.S_IMODE((made / ".caseload").stat().st_mode) == file  # the marker too
