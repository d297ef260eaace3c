"""Page "The peak": a surge of arrivals, staffing held or hired late, and how long the
backlog outlasts the peak.

The sliders become scenario changes (`peak_scenario`): a `monthly` arrival list with the
extra refugees in the peak months, caseworkers added to `caseworkers.staffing` from the
month they start, and a run that ends three and a half years after the peak (the period
the figure shows). With the default sliders on the baseline this is exactly
`scenarios/peak_without_hiring.toml`. The key numbers read the simulated weekly series:
nothing here models the office.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import streamlit as st

import simulator as cl
from simulator.analysis.standards import BAND_TEXT
from simulator.analysis.stats import percentile_range
from simulator.app import figures, show, texts
from simulator.app.runs import Job, variant

if TYPE_CHECKING:
    from simulator import Results, Scenario

TAIL_MONTHS = 42  # the run goes on three and a half years after the peak
NOT_BACK = f"> {TAIL_MONTHS} months"  # the card when the backlog is not back within the run
AXES = "peak-axes"  # the session's value-axis tops (a "peak-" key: the reset forgets them)
SCALED = ("backlog_hours", "caseload_per_worker")  # the panels whose axis top is kept
BEFORE_MONTHS = 18  # the figure starts a year and a half before the peak
START_CHOICES = 36  # the peak may start in any of the three years after the warm-up


@dataclass(frozen=True)
class Peak:
    """A peak of arrivals and the hiring it meets."""

    extra: float = 19.0  # refugees a month on top of the normal level (11 + 19 = 30)
    start: dt.date = dt.date(2015, 7, 1)
    months: int = 12
    hires: int = 0
    hire_after: int = 6  # months after the peak starts that the new caseworkers start

    @property
    def end(self) -> dt.date:
        """The first month after the peak."""
        return add_months(self.start, self.months)

    @property
    def hired_from(self) -> dt.date:
        return add_months(self.start, self.hire_after)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole calendar months from `a`'s month to `b`'s month."""
    return (b.year - a.year) * 12 + b.month - a.month


def normal_level(base: Scenario) -> float:
    """Refugees a month in normal times: the scenario's `per_month`, or the mean of its
    `monthly` list or `yearly` quotas."""
    arrivals = base.arrivals
    if arrivals.per_month is not None:
        return float(arrivals.per_month)
    if arrivals.monthly:
        return float(np.mean(arrivals.monthly))
    quotas = arrivals.yearly or []
    return float(np.mean([q.refugees for q in quotas]) / 12) if quotas else 0.0


def start_choices(base: Scenario) -> list[dt.date]:
    """The months a peak may start: the three years after the warm-up."""
    sim = base.simulation
    first = add_months(sim.warmup_end or sim.start_date, 0)
    return [add_months(first, k) for k in range(START_CHOICES)]


def staffing_with_hires(base: Scenario, hires: int, start: dt.date) -> list[dict[str, Any]]:
    """The base's staffing with `hires` more caseworkers from `start` on."""
    entries = [{"date": s.date, "caseworkers": s.caseworkers} for s in base.caseworkers.staffing]
    if hires <= 0:
        return entries
    before = [e for e in entries if e["date"] < start]
    after = [e for e in entries if e["date"] > start]
    at = next((e for e in entries if e["date"] == start), None) or before[-1]
    return [
        *before,
        {"date": start, "caseworkers": at["caseworkers"] + hires},
        *({"date": e["date"], "caseworkers": e["caseworkers"] + hires} for e in after),
    ]


def peak_scenario(base: Scenario, peak: Peak) -> Scenario:
    """`base` with the peak's arrivals and hires, run until `TAIL_MONTHS` after the peak."""
    sim_start = base.simulation.start_date
    first = dt.date(sim_start.year, sim_start.month, 1)
    months = months_between(first, add_months(peak.end, TAIL_MONTHS))
    normal = normal_level(base)
    monthly = [
        normal + (peak.extra if peak.start <= add_months(first, k) < peak.end else 0.0)
        for k in range(months)
    ]
    changes = {
        "arrivals.monthly": monthly,
        "simulation.duration_years": months / 12,
        "caseworkers.staffing": staffing_with_hires(base, peak.hires, peak.hired_from),
    }
    return variant(base, changes, without=["arrivals.monthly_profile"])


@dataclass(frozen=True)
class KeyNumbers:
    """What the page says in numbers, read off the simulated weekly means."""

    outlast_months: int | None  # months from the peak's end until the backlog is back
    backlog_peak_hours: float
    backlog_peak_date: dt.date
    team_weeks: float  # the highest backlog in weeks of the whole team's casework
    lowest_on_time: float  # the lowest quarterly share of statutory tasks on time
    highest_caseload: float  # the highest quarterly mean of open cases per caseworker
    caseload_back_months: int | None = None  # as outlast_months, for the open cases per caseworker


def quarterly(bands: pd.DataFrame) -> pd.Series:
    """The mean column averaged over calendar quarters."""
    series = bands.set_index(pd.to_datetime(bands["date"]))["mean"]
    return series.resample("QS").mean()


def outlast(backlog: pd.DataFrame, peak: Peak) -> int | None:
    """Months from the end of the peak until the backlog (or another weekly series) is
    back to normal: the first quarter starting after the peak whose mean has come down
    90 % of the way from its highest quarter to its level before the peak (the highest
    quarter of the year before). None if that never happens in the run."""
    by_quarter = quarterly(backlog)
    start, end = pd.Timestamp(peak.start), pd.Timestamp(peak.end)
    before = by_quarter[(by_quarter.index >= start - pd.DateOffset(months=12))]
    before = before[before.index + pd.DateOffset(months=3) <= start]
    if before.empty:
        return None
    normal = float(before.max())
    highest = float(by_quarter[by_quarter.index >= start].max())
    after = by_quarter[by_quarter.index >= end]
    back = after[after <= normal + 0.1 * max(highest - normal, 0.0)]
    if back.empty:
        return None
    return months_between(peak.end, back.index[0].date())


METRICS = ("backlog_hours", "caseload_per_worker", "statutory_on_time_share", "caseworkers")


def bands_of(results: Results) -> dict[str, pd.DataFrame]:
    """The weekly series the page reads, over replications (`simulator.weekly_bands`)."""
    return {m: cl.weekly_bands(results, m) for m in METRICS}


def key_numbers(results: Results, peak: Peak, bands: dict[str, pd.DataFrame]) -> KeyNumbers:
    """The page's key numbers from a run's weekly series (`bands_of`)."""
    backlog = bands["backlog_hours"]
    shown = backlog[pd.to_datetime(backlog["date"]) >= pd.Timestamp(peak.start)]
    top = shown.loc[shown["mean"].idxmax()]
    staff = bands["caseworkers"]
    staff_then = float(staff.loc[staff["date"] == top["date"], "mean"].iloc[0])
    week_hours = results.scenario.caseworkers.casework_hours_per_day * 5
    return KeyNumbers(
        outlast_months=outlast(backlog, peak),
        backlog_peak_hours=float(top["mean"]),
        backlog_peak_date=pd.Timestamp(top["date"]).date(),
        team_weeks=float(top["mean"]) / max(staff_then * week_hours, 1e-9),
        lowest_on_time=float(quarterly(bands["statutory_on_time_share"]).min()),
        highest_caseload=float(quarterly(bands["caseload_per_worker"]).max()),
        caseload_back_months=outlast(bands["caseload_per_worker"], peak),
    )


def each_replication(results: Results, peak: Peak) -> list[KeyNumbers]:
    """The key numbers of each replication on its own: what one municipality sees."""
    weekly = results.weekly
    return [
        key_numbers(one, peak, bands_of(one))
        for one in (
            replace(results, weekly=weekly[weekly["replication"] == k], replications=1)
            for k in sorted(weekly["replication"].unique())
        )
    ]


def spread(values: list[float | None]) -> tuple[float, float] | None:
    """The range 8 replications in 10 lie in (`simulator.analysis.stats.percentile_range`);
    a value never reached (None) counts as beyond every other (inf). None with fewer than
    two replications."""
    if len(values) < 2:
        return None
    low, high = percentile_range([np.inf if v is None else v for v in values])
    return float(low), float(high)


def range_text(values: list[float | None], fmt: str, unit: str = "") -> str:
    """ "each municipality's own, 8 in 10: 5 to 9 months" beside a key number: the same
    number read off each replication on its own, marked rough from fewer than
    `texts.RANGE_REPLICATIONS`; with one replication, that the card is a first look."""
    found = spread(values)
    if found is None:
        return texts.FIRST_LOOK_CARD.capitalize()
    low, high = (("not in the run" if not np.isfinite(v) else format(v, fmt) + unit) for v in found)
    caveat = texts.range_caveat(len(values))
    return f"Each municipality's own, 8 in 10: {low} to {high}" + (f" ({caveat})" if caveat else "")


def draw(results: Results, peak: Peak, final: bool) -> None:
    """The key numbers (with the range 8 municipalities in 10 would see) and the figure
    of one answer; with no extra arrivals, no peak findings: there is no peak."""
    bands = bands_of(results)
    if peak.extra <= 0:
        st.info(
            "**No peak:** with 0 extra refugees a month, arrivals stay at the normal level "
            "throughout, so there is no peak to recover from. The figure shows the office "
            "in normal times; move the first slider up to make a peak."
        )
    else:
        cards(results, peak, bands)
    st.caption(texts.period(results.scenario))
    draw_figure(results, peak, bands)


def middle(values: list[float | None]) -> float | None:
    """The median of the replications' own values (None, never reached in the run, counts
    as beyond every other): the middle municipality's number, which the range 8 in 10 lie
    in always holds. None where the middle is never reached."""
    x = np.array([np.inf if v is None else v for v in values], dtype=float)
    m = float(np.median(x))
    return m if np.isfinite(m) else None


def shown_numbers(
    results: Results, peak: Peak, bands: dict[str, pd.DataFrame]
) -> tuple[KeyNumbers, list[KeyNumbers]]:
    """The key numbers the cards and the debrief say (the middle municipality's: the
    median over replications of each read on its own; with one replication, its own),
    and each replication's."""
    numbers = key_numbers(results, peak, bands)
    each = each_replication(results, peak) if results.replications >= 2 else []
    if each:
        outlast = middle([n.outlast_months for n in each])
        caseload = middle([n.caseload_back_months for n in each])
        numbers = replace(
            numbers,
            outlast_months=None if outlast is None else round(outlast),
            backlog_peak_hours=middle([n.backlog_peak_hours for n in each]) or 0.0,
            lowest_on_time=middle([n.lowest_on_time for n in each]) or 0.0,
            highest_caseload=middle([n.highest_caseload for n in each]) or 0.0,
            caseload_back_months=None if caseload is None else round(caseload),
        )
    return numbers, each


def debrief(results: Results, peak: Peak) -> str:
    """The debrief, from the numbers on the cards (the backlog's highest week is the
    average office's, as the figure draws it)."""
    numbers, _ = shown_numbers(results, peak, bands_of(results))
    return texts.peak_debrief(
        peak.start,
        peak.end,
        numbers.backlog_peak_date,
        numbers.outlast_months,
        numbers.caseload_back_months,
        TAIL_MONTHS,
    )


def cards(results: Results, peak: Peak, bands: dict[str, pd.DataFrame]) -> None:
    """The four key numbers, each the middle municipality's (the median over replications
    of the number read off each on its own; with one replication, its own), and under
    each the range 8 of 10 municipalities like this one would see: the same quantity, so
    the range holds the number above it. (The highest point of the mean series, drawn in
    the figure, is lower than most runs' own highest: their peaks fall in different weeks.)"""
    numbers, each = shown_numbers(results, peak, bands)
    a, b, c, d = st.columns(4)
    a.metric(
        "Backlog normal again after",
        outlast_value(numbers.outlast_months),
        help="Months from the end of the peak until the backlog (quarterly mean) has come "
        f"down 90 % of the way to its level before the peak ('{NOT_BACK}': not within "
        f"the {TAIL_MONTHS} months the run goes on after it). Each number here is the "
        "middle municipality's: the median of the runs, each read on its own.",
    )
    a.caption(range_text([n.outlast_months for n in each], ".0f", " months"))
    b.metric(
        "Highest backlog",
        f"{numbers.backlog_peak_hours:,.0f} hours",
        help="Hours of work waiting to be started in the worst week: the middle "
        f"municipality's. The average office peaks in {numbers.backlog_peak_date:%B %Y}, "
        f"at about {numbers.team_weeks:.1f} weeks of the whole team's casework.",
    )
    b.caption(range_text([n.backlog_peak_hours for n in each], ",.0f", " hours"))
    c.metric(
        "On time, worst quarter",
        f"{numbers.lowest_on_time:.0%}",
        help="Share of the statutory ('skal') tasks due in the quarter that were done by "
        "their deadline, in the worst quarter of the run.",
    )
    c.caption(range_text([n.lowest_on_time * 100 for n in each], ".0f", " %"))
    d.metric(
        "Most cases per caseworker",
        f"{numbers.highest_caseload:.0f} cases",
        help="Open cases per caseworker, the highest quarterly mean (a quarter's, not one "
        f"week's). DS recommends {BAND_TEXT}.",
    )
    d.caption(range_text([n.highest_caseload for n in each], ".0f", " cases"))


def outlast_value(months: int | None) -> str:
    """The card's value for the months until the backlog is back: "> 42 months" where it
    is not back within the run ("not in the run" was cut short in a quarter of the page)."""
    return NOT_BACK if months is None else f"{months} months"


def axis_tops(bands: dict[str, pd.DataFrame], seen: dict[str, float]) -> dict[str, float]:
    """The value-axis tops of the scaled panels: the highest the page has drawn this
    session (`seen`) or this answer's own, whichever is higher. The axes only grow, so a
    smaller peak after a bigger one is drawn on the same scale and the two can be
    compared by eye (an axis fitted to each answer made every peak look the same size)."""
    tops = dict(seen)
    for metric in SCALED:
        b = bands[metric]
        # both bands fit: with few replications the interval of the mean can reach
        # above the range 8 in 10 lie in (a t quantile on 2 degrees of freedom)
        high = pd.concat([b[c] for c in ("mean", "ci_high", "p90") if c in b]).max()
        if pd.notna(high) and high > 0:
            tops[metric] = max(tops.get(metric, 0.0), float(high) * 1.08)
    return tops


def draw_figure(results: Results, peak: Peak, bands: dict[str, pd.DataFrame]) -> None:
    """The backlog, the caseload and the deadlines met over time."""
    spans = []
    if peak.extra > 0:
        spans.append(
            figures.Span(
                peak.start, peak.end, f"the peak: {texts.per_month(peak.extra, 'extra refugee')}"
            )
        )
    if peak.hires:
        spans.append(figures.Span(peak.hired_from, None, texts.starting(peak.hires), figures.GREEN))
    start = add_months(peak.start, -BEFORE_MONTHS)
    tops = axis_tops(bands, st.session_state.get(AXES, {}))
    st.session_state[AXES] = tops
    panels = [
        figures.Panel(
            "Backlog: hours of work waiting to be started",
            "hours",
            [figures.Line("backlog", bands["backlog_hours"], figures.BLUE)],
            top=tops.get("backlog_hours"),
        ),
        figures.Panel(
            "Open cases per caseworker",
            "cases",
            [figures.Line("caseload", bands["caseload_per_worker"], figures.VERMILLION)],
            ds_band=True,
            top=tops.get("caseload_per_worker"),
        ),
        figures.Panel(
            "Statutory tasks done by their deadline",
            "% of those due",
            [figures.Line("on time", bands["statutory_on_time_share"], figures.BLUE, "-")],
            percent=True,
        ),
    ]
    arrivals = "a peak of arrivals" if peak.extra > 0 else "no peak (normal arrivals)"
    title = f"{results.scenario.name}: {arrivals}, " + (
        "staffing held" if not peak.hires else f"{peak.hires} hired {peak.hired_from:%b %Y}"
    )
    show.figure(figures.time_figure(panels, title=title, spans=spans, start=start))
    st.caption(
        "The backlog and caseload axes keep the largest range drawn on this page, so "
        "settings can be compared by eye; the reset button rescales them."
    )


def controls(base: Scenario) -> Peak:
    """The page's sliders, as a `Peak`."""
    choices = start_choices(base)
    default_start = Peak.start if Peak.start in choices else choices[len(choices) // 2]
    left, right = st.columns(2)
    with left:
        extra = st.slider(
            "Extra refugees a month during the peak",
            0,
            40,
            int(Peak.extra),
            key="peak-extra",
            help=texts.tip("extra"),
            persist_state="session",
        )
        start = st.select_slider(
            "The peak starts",
            options=choices,
            value=default_start,
            format_func=lambda d: f"{d:%b %Y}",
            key="peak-start",
            help=texts.tip("peak_start"),
            persist_state="session",
        )
        months = st.slider(
            "The peak lasts (months)",
            1,
            24,
            Peak.months,
            key="peak-months",
            help=texts.tip("peak_months"),
            persist_state="session",
        )
    with right:
        hires = st.slider(
            "Caseworkers hired",
            0,
            6,
            Peak.hires,
            key="peak-hires",
            help=texts.tip("hires"),
            persist_state="session",
        )
        after = st.slider(
            "They start work … months after the peak begins",
            0,
            24,
            Peak.hire_after,
            key="peak-after",
            help=texts.tip("hire_after"),
            persist_state="session",
            disabled=hires == 0,
        )
        st.caption(
            f"Normal times: {texts.per_month(normal_level(base))}, "
            f"{texts.plural(base.caseworkers.staffing[0].caseworkers, 'caseworker')} (the scenario "
            f"`{base.name}`)."
        )
    return Peak(float(extra), start, int(months), int(hires), int(after))


def one_step(peak: Peak) -> list[Peak]:
    """The peaks one step away on the two sliders a room moves most: the size of the
    peak and the caseworkers hired (eight-year runs: a few, not every slider)."""
    steps = [
        replace(peak, extra=peak.extra + 1),
        replace(peak, extra=peak.extra - 1),
        replace(peak, hires=peak.hires + 1),
        replace(peak, hires=peak.hires - 1),
    ]
    return [p for p in steps if 0 <= p.extra <= 40 and 0 <= p.hires <= 6 and 1 <= p.months <= 24]


def page() -> None:
    """The page."""
    show.header("peak", "The peak")
    base = show.base_scenario()
    peak = controls(base)
    show.reset("peak-")
    try:
        scenario = peak_scenario(base, peak)
    except cl.ScenarioError as exc:
        st.error(str(exc))
        return
    if show.past_capacity([scenario]):
        return
    room = show.settings()
    answers = show.progressive(
        "peak",
        [Job(scenario, room.full, room.seed)],
        [Job(scenario, room.quick, room.seed)],
        lambda answers, final: draw(answers[0], peak, final) if answers[0] else None,
        ahead=lambda: [Job(peak_scenario(base, p), room.quick, room.seed) for p in one_step(peak)],
    )
    if peak.extra > 0 and answers[0] is not None:  # the debrief is about a peak
        st.info(f"**Debrief:** {debrief(answers[0], peak)}")
