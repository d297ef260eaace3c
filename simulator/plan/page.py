"""The page for the council: an A4 page, as PDF (to print) and PNG (for slides); its
assumptions and notes continue on a second page of the PDF where they do not fit.

Drawn with matplotlib's object-oriented API (`Figure`, no pyplot): the package already
depends on it for every other figure, it lays out text, tables and charts on one page
with full control, writes vector PDF and PNG from the same figure, and runs headless in
any process. Nothing else is needed (no LaTeX, no browser, no HTML-to-PDF engine).

Reading order, as the council reads: the recommendation and the confidence statement
first; the posts per period beside the naive plans and the current staffing; the table
a head of department acts on (posts, new posts, when to start recruiting, the caseload
and on-time share with their 10–90 % ranges); then the trade-off (what fewer or more
staff buy), the cost, the risk, what would change the recommendation, and the
assumptions with the model version and seed.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulator.plan.planner import Plan
from simulator.plan.report import (
    arrivals_headroom,
    assumptions,
    changes,
    evidence_sample,
    evidence_table,
    minimality_text,
    money,
    period_table,
    recommendation,
    statement,
)
from simulator.plan.search import caseloads, met
from simulator.reporting.figures import LINE_COLOUR, OVER_COLOUR, SECONDARY_COLOUR
from simulator.reporting.text import fit_title
from simulator.version import __version__

A4 = (8.27, 11.69)
DPI = 150
INK = "#1a1a1a"
MUTED = "#555555"
NAIVE_COLOURS = {"current staffing": SECONDARY_COLOUR, "average": "#d9822b", "Erlang": "#7b3fa0"}


def page_figures(plan: Plan) -> list[Figure]:
    """The page as a figure, and as many more as it needs.

    The first page holds the recommendation, the charts, the table, cost and risk; what
    would change the recommendation, the definitions and the assumptions follow it, and
    continue on a page of their own where they do not fit above the footer (a plan with
    many notes), never under the footer or off the page. A table of more periods than fit
    beside the chart (a plan by month) gets a page of its own, second.
    """
    fig = Figure(figsize=A4)
    t = plan.options.targets
    name = plan.scenario.name
    first, last = plan.periods.dates[0], plan.periods.end - dt.timedelta(days=1)
    title = f"Caseworkers needed: {name}, {first:%b %Y} to {last:%b %Y}"
    continued = f"Caseworkers needed: {name} (continued)"
    # a long scenario name: a smaller title, wrapped if need be, pushing the rest down
    size, lines = fit_title(title, TEXT_WIDTH, 14.0, 10.0)
    fig.text(0.05, 0.975, "\n".join(lines), fontsize=size, weight="bold", color=INK, va="top")
    y = 0.952 - _height(len(lines) - 1, size, spacing=1.2)
    fig.text(0.05, y, f"Targets: at most {t.caseload_limit:g} cases per caseworker, at "
             f"least {t.on_time:.0%} of statutory tasks on time, each {plan.periods.step}.",
             fontsize=8.5, color=MUTED, va="top")  # fmt: skip
    y = _block(fig, y - 0.022, "Recommendation", _lines(recommendation(plan), 9.5, True), 9.5,
               True)  # fmt: skip
    y = _block(fig, y, None, _lines(statement(plan) + " " + minimality_text(plan), 7.8), 7.8)
    top = y - 0.012
    _posts_axes(fig.add_axes((0.08, top - 0.205, 0.38, 0.19)), plan)
    pages = [fig]
    if plan.periods.n <= TABLE_ROWS:
        _table(fig.add_axes((0.50, top - 0.215, 0.47, 0.21)), plan, 6.4, 0.95)
    else:
        fig.text(0.50, top, f"Per {plan.periods.step} (plan, fresh futures)", fontsize=8.5,
                 va="top", color=INK)  # fmt: skip
        fig.text(0.50, top - 0.02, f"The table of the {plan.periods.n} {plan.periods.step}s "
                 "is on page 2.", fontsize=7.4, va="top", color=INK)  # fmt: skip
        pages.append(_table_page(plan, continued))
    y = top - 0.25
    _tradeoff_axes(fig.add_axes((0.08, y - 0.16, 0.34, 0.145)), plan)
    _text_column(fig, 0.50, y + 0.005, _cost_and_risk(plan), width=64)
    _flow(pages, fig, y - 0.205, continued, [
        ("What would change the recommendation", changes(plan), 7.4),
        ("Definitions", t.definitions(plan.periods.step), 6.7),
        ("Assumptions", assumptions(plan), 6.7),
    ])  # fmt: skip
    footer = _footer(plan)
    for k, page in enumerate(pages, start=1):
        text = footer if len(pages) == 1 else f"page {k} of {len(pages)} · {footer}"
        page.text(0.05, 0.015, "\n".join(textwrap.wrap(text, 150)), fontsize=6.3,
                  color=MUTED, va="bottom", linespacing=1.3)  # fmt: skip
    return pages


def _table_page(plan: Plan, title: str) -> Figure:
    """A page of its own for a table of many periods, its rows as tall as fit."""
    page, top = _new_page(title)
    rows = plan.periods.n + 2  # the header is two lines
    height = min(0.021 * rows, top - 0.03 - BOTTOM)
    scale = min(1.2, height / rows / 0.021 * 1.2)
    axes = page.add_axes((0.10, top - 0.03 - height, 0.80, height))
    _table(axes, plan, min(7.0, 7.0 * scale), scale)
    return page


def _new_page(title: str) -> tuple[Figure, float]:
    """A page after the first under the page's title (marked continued), fitted to the
    page's width; and the y below the title, where its content starts."""
    page = Figure(figsize=A4)
    size, lines = fit_title(title, TEXT_WIDTH, 11.0, 8.0)
    page.text(0.05, 0.975, "\n".join(lines), fontsize=size, weight="bold", color=MUTED,
              va="top")  # fmt: skip
    return page, 0.975 - _height(len(lines), size, spacing=1.2) - 0.015


def write_page(plan: Plan, folder: Path) -> tuple[Path, Path]:
    """page.pdf (every page) and page.png (the first, for slides) in `folder`."""
    from matplotlib.backends.backend_pdf import PdfPages

    pages = page_figures(plan)
    pdf, png = folder / "page.pdf", folder / "page.png"
    metadata = {"CreationDate": None, "Creator": "caseload plan"}
    with PdfPages(pdf, metadata=metadata) as document:
        for page in pages:
            document.savefig(page)
    pages[0].savefig(png, format="png", dpi=DPI)
    return pdf, png


# --------------------------------------------------------------------------- pieces

BOTTOM = 0.05  # the footer's top: text above it only
TEXT_WIDTH = A4[0] * 0.9  # inches between the page's margins (5 % each side)
TABLE_ROWS = 12  # the periods whose table fits beside the posts chart


def _chars(size: float, bold: bool = False) -> int:
    """Characters of body text of `size` points a line holds across the page: a count, not
    a measure, which text in words keeps to (titles, with a scenario name of any letters,
    are measured: `fit_title`)."""
    return int(118 * 8.0 / size * (0.9 if bold else 1.0))


def _lines(text: str | list[str], size: float, bold: bool = False) -> list[str]:
    """A paragraph wrapped, or bullets (one per item) wrapped, for text of this size."""
    if isinstance(text, str):
        return textwrap.wrap(text, _chars(size, bold))
    return [line for item in text for line in _bullet(item, _chars(size, bold))]


def _bullet(item: str, chars: int) -> list[str]:
    return textwrap.wrap(item, chars, initial_indent="• ", subsequent_indent="  ")


def _height(lines: int, size: float, spacing: float = 1.35) -> float:
    """The height, as a fraction of the page, of `lines` lines of text of this size, at
    this line spacing (1.35 for body text, as `_block` draws it)."""
    return lines * size * spacing / 72 / A4[1]


def _block(
    fig: Figure,
    y: float,
    heading: str | None,
    lines: list[str],
    size: float,
    bold: bool = False,
) -> float:
    """A heading and wrapped lines from `y` down; returns the y below them."""
    if heading:
        fig.text(0.05, y, heading, fontsize=9, weight="bold", color=INK, va="top")
        y -= 0.016
    fig.text(0.05, y, "\n".join(lines), fontsize=size, color=INK, va="top",
             weight="bold" if bold else "normal", linespacing=1.35)  # fmt: skip
    return y - _height(len(lines), size) - 0.01


def _flow(
    pages: list[Figure],
    page: Figure,
    y: float,
    title: str,
    blocks: list[tuple[str, list[str], float]],
) -> None:
    """Headed blocks of bullets (heading, items, font size) from `y` down on `page`, whole
    bullets at a time; what does not fit above the footer continues on a new page, added
    to `pages` under `title` (a heading cut by the page is marked "continued")."""
    fresh = False  # `page` is a new page, nothing on it yet
    for heading, items, size in blocks:
        bullets = [_bullet(item, _chars(size)) for item in items]
        heading_now = heading
        while bullets:
            room = y - 0.016 - 0.01 - BOTTOM
            n, used = 0, 0
            while n < len(bullets) and _height(used + len(bullets[n]), size) <= room:
                used += len(bullets[n])
                n += 1
            if n == 0 and not fresh:  # not even one bullet fits: a new page
                page, y = _new_page(title)
                pages.append(page)
                fresh = True
                continue
            n = max(n, 1)  # a bullet longer than a whole page is cut by the page, not lost
            y = _block(page, y, heading_now, [line for b in bullets[:n] for line in b], size)
            fresh = False
            bullets = bullets[n:]
            heading_now = f"{heading} (continued)"


def _text_column(fig: Figure, x: float, y: float, paragraphs: list[tuple[str, str]],
                 width: int) -> None:  # fmt: skip
    for heading, text in paragraphs:
        fig.text(x, y, heading, fontsize=9, weight="bold", color=INK, va="top")
        y -= 0.016
        lines = textwrap.wrap(text, width)
        fig.text(x, y, "\n".join(lines), fontsize=7.4, color=INK, va="top", linespacing=1.35)
        y -= _height(len(lines), 7.4) + 0.012


def _posts_axes(ax: Axes, plan: Plan) -> None:
    """Posts per period: the plan, the current staffing and the naive plans."""
    x = np.arange(plan.periods.n + 1)
    drawn: dict[tuple[int, ...], str] = {}  # a plan drawn already, by its posts: its name
    for e in plan.evidence:
        colour = next((c for key, c in NAIVE_COLOURS.items() if e.name.startswith(key)), None)
        if colour is None:
            continue
        same = drawn.setdefault(tuple(e.plan), e.name)
        label = e.name if same == e.name else f"{e.name} (the same as {same})"
        ax.step(x, [*e.plan, e.plan[-1]], where="post", color=colour, linewidth=1.2,
                linestyle="--" if same == e.name else ":", label=label)  # fmt: skip
    ax.step(x, [*plan.posts, plan.posts[-1]], where="post", color=LINE_COLOUR, linewidth=2.4,
            label="the plan")  # fmt: skip
    ax.set_xticks(x[:-1] + 0.5)
    ax.set_xticklabels([_short(label) for label in plan.periods.labels], fontsize=6.5,
                       rotation=90 if plan.periods.n > 6 else 0)  # fmt: skip
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, plan.periods.n)
    ax.set_ylim(0, max([*plan.posts, *(n for e in plan.evidence for n in e.plan)]) * 1.15 + 1)
    ax.set_ylabel("caseworker posts", fontsize=7.5)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6.3, loc="upper left", frameon=False)
    ax.set_title(f"Posts per {plan.periods.step}", fontsize=8.5, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _table(ax: Axes, plan: Plan, size: float, scale: float) -> None:
    """Posts, new posts, recruiting, caseload and on-time share per period, in text of
    `size` points and rows `scale` times the text's natural height."""
    ax.axis("off")
    table = period_table(plan)
    rows = []
    for r in table.itertuples():
        rows.append([
            _short(r.period), str(r.caseworkers), f"+{r.hires}" if r.hires else "",
            dt.date.fromisoformat(r.start_recruiting_by).strftime("%d %b %y")
            if r.start_recruiting_by else "",
            _range(r.caseload_mean, r.caseload_p10, r.caseload_p90, "{:.0f}"),
            _range(100 * r.on_time_mean, 100 * r.on_time_p10, 100 * r.on_time_p90, "{:.0f}"),
            f"{r.met_share:.0%}",
        ])  # fmt: skip
    header = ["", "posts", "new", "recruit by", "caseload\n(10–90 %)", "on time %\n(10–90 %)",
              "met"]  # fmt: skip
    cell = ax.table(cellText=rows, colLabels=header, loc="upper center", cellLoc="center",
                    colWidths=[0.12, 0.09, 0.08, 0.17, 0.21, 0.21, 0.10])  # fmt: skip
    cell.auto_set_font_size(False)
    cell.set_fontsize(size)
    cell.scale(1.0, scale)
    for (row, _), c in cell.get_celld().items():
        c.set_linewidth(0.3)
        c.set_edgecolor("#bbbbbb")
        if row == 0:
            c.set_text_props(weight="bold")
            c.set_height(c.get_height() * 1.6)
    ax.set_title("Per " + plan.periods.step + " (plan, fresh futures)", fontsize=8.5, loc="left")


def _tradeoff_axes(ax: Axes, plan: Plan) -> None:
    """What fewer or more staff buy: the worst period's caseload and chance of meeting the
    targets, for the plan shifted by −2 .. +1 caseworkers in every period."""
    t = plan.options.targets
    points = []
    for e in plan.evidence:
        if e.name == "plan":
            shift = 0
        elif e.name.startswith("plan "):
            shift = int(e.name.split()[1])
        else:
            continue
        load = np.nanmean(caseloads(e.sample, t), axis=0)
        rate = met(e.sample, t, plan.caseload_only).mean(axis=0)
        points.append((shift, float(np.nanmax(load)), float(rate.min())))
    if not points:
        ax.axis("off")
        return
    points.sort()
    shifts = [p[0] for p in points]
    ax.plot(shifts, [p[1] for p in points], marker="o", color=LINE_COLOUR, linewidth=1.5)
    ax.axhline(t.caseload_limit, color=OVER_COLOUR, linestyle="--", linewidth=0.8)
    ax.set_xlabel("caseworkers per period, compared with the plan", fontsize=7)
    ax.set_ylabel("highest caseload\n(mean, worst period)", fontsize=7, color=LINE_COLOUR)
    ax.set_xticks(shifts)
    ax.set_xticklabels([f"{s:+d}" if s else "plan" for s in shifts])
    ax.tick_params(labelsize=7)
    right = ax.twinx()
    right.plot(shifts, [100 * p[2] for p in points], marker="s", color="#2e9e4f", linewidth=1.2)
    right.axhline(100 * t.confidence, color="#2e9e4f", linestyle=":", linewidth=0.8)
    right.set_ylim(-5, 105)
    futures = min(len(e.sample.replications) for e in plan.evidence if e.name.startswith("plan"))
    right.set_ylabel(f"% of the same {futures} futures\nmeeting the targets (worst period)",
                     fontsize=7, color="#2e9e4f")  # fmt: skip
    right.tick_params(labelsize=7)
    # on a few futures the plan may sit a step (100/futures %) under the line that its
    # certificate, on up to max_replications fresh futures, shows it above: say on how few
    ax.set_title(f"Trade-off: fewer or more staff (on {futures} futures)", fontsize=8.5,
                 loc="left")  # fmt: skip


def _cost_and_risk(plan: Plan) -> list[tuple[str, str]]:
    """The cost of the plan beside the other plans, and which arrivals break it."""
    evidence = evidence_table(plan) if plan.evidence else None
    table = period_table(plan)
    years = float(table["caseworker_years"].sum())
    cost = f"The plan: {years:.1f} caseworker-years"
    staff_cost = float(table["staff_cost_dkk"].sum())
    benefit = float(table["benefit_cost_dkk"].sum(min_count=1))
    cost += f", staff {staff_cost / 1e6:.1f} m DKK"
    if math.isfinite(benefit):
        cost += f" beside {benefit / 1e6:.1f} m DKK of benefit to the people in the cases"
    cost += "."
    base, more = evidence_sample(plan, "plan"), evidence_sample(plan, "plan +1")
    if base is not None and more is not None:
        staff0, benefit0 = money(plan, base)
        staff1, benefit1 = money(plan, more)
        cost += (
            f" One more caseworker in every {plan.periods.step}: staff "
            f"{_signed((staff1 - staff0) / 1e6)} m DKK, benefit "
            f"{_signed((benefit1 - benefit0) / 1e6)}"
            f" m DKK (the same {len(base.replications)} futures)."
        )
    t = plan.options.targets
    naive, risk = [], []
    futures = 0
    for r in evidence.itertuples() if evidence is not None else ():
        if r.plan == "plan" or r.plan.startswith("plan "):
            continue
        text = (
            f"{r.plan}: {r.caseworker_years:.1f} caseworker-years, targets met in "
            f"{r.periods_meeting_targets} of {r.periods} {plan.periods.step}s, caseload up to "
            f"{r.highest_caseload_mean:.0f}, on time down to {r.lowest_on_time_mean:.0%}."
        )
        futures = r.replications
        if r.plan == "current staffing":
            risk.append("With the " + text)
        else:
            naive.append(text)
    headroom = arrivals_headroom(plan)
    if headroom:
        risk.append(headroom)
    if plan.range_needs:
        lo, hi = plan.range_needs["low"], plan.range_needs["high"]
        risk.append(
            f"Across the arrivals range the caseload alone needs {min(lo)}–{max(lo)} posts at "
            f"the low end and {min(hi)}–{max(hi)} at the high end."
        )
    others = (
        f" Other plans on {futures} of the same futures (a {plan.periods.step} meets the "
        f"targets if it does in {t.confidence:.0%} of them): " + " ".join(naive)
        if naive
        else ""
    )
    return [("Cost", cost + others), ("Risk", " ".join(risk) or "Not assessed.")]


def _footer(plan: Plan) -> str:
    s = plan.scenario
    return (
        f"caseload {__version__} · scenario '{s.name}' (hash {s.digest()}) · seed {plan.seed} · "
        f"{plan.runs} simulated runs ({plan.simulated_years:.0f} simulated years) · method: "
        "offered load, iterative staffing, sequential feasibility check (docs/planning.md)"
    )


def _signed(x: float) -> str:
    """+1.3, -0.4, and ±0.0 where the sign would be the rounding's ("-0.0")."""
    return "±0.0" if round(x, 1) == 0 else f"{x:+.1f}"


def _short(label: str) -> str:
    """'2015 Q1' -> "Q1 '15"."""
    if " Q" in label:
        year, quarter = label.split()
        return f"{quarter} '{year[2:]}"
    return label[2:]


def _range(mean: float, low: float, high: float, fmt: str) -> str:
    if not math.isfinite(mean):
        return "–"
    return f"{fmt.format(mean)} ({fmt.format(low)}–{fmt.format(high)})"
