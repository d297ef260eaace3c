"""What a sweep says of its damaged parts, in one place: the reports of analyze,
robustness and discover, their warnings on stderr, and what resuming the sweep did.

A sweep stores two kinds of part (docs/sweeps.md): the runs' rows (DIR/runs/) and, where
its spec asks, their weekly series (DIR/series/metric=<name>/). A damaged part of the
runs leaves its runs out of every table; a damaged part of a series leaves that series
of its runs out of the series figures, while their rows, and so the tables, are whole.
Resuming the sweep moves either kind into DIR/quarantine/ and runs its runs again: whole
for a part of the runs, for the lost series only for a part of a series. The texts say
which, so that neither is described in the other's words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from simulator.experiments.store import QUARANTINE, Skipped

MOST_RUNS_NAMED = 10  # a part holds up to --batch runs (100): name the first few


class Damaged(Skipped):
    """A damaged part skipped (`Skipped`: "part: why" and its path) that knows what the
    part held. `series` is None for a part of the runs' rows, else the weekly series it
    held; then `missing` are the runs drawn whose series of it no sound part holds (which
    runs a damaged part held cannot be read from it)."""

    series: str | None
    missing: tuple[int, ...]

    def __new__(
        cls, problem: Skipped, series: str | None = None, missing: Iterable[int] = ()
    ) -> Damaged:
        damaged = str.__new__(cls, problem)
        damaged.part = problem.part
        damaged.series = series
        damaged.missing = tuple(sorted(missing))
        return damaged


def of_series(problem: str) -> str | None:
    """The weekly series a damaged part held, or None for a part of the runs' rows (also
    for a plain "part: why", as earlier callers passed it)."""
    return problem.series if isinstance(problem, Damaged) else None


def skipped_text(problem: str, series: bool) -> str:
    """The warning of a damaged part skipped as it was read ("part: why"), a part of the
    weekly series (`series`) or of the runs' rows."""
    held = "the weekly series" if series else "the results"
    return f"skipped a damaged part of {held}: {problem}"


def series_quarantine(folder: str | Path) -> Path:
    """Where resuming a sweep moves the damaged parts of its weekly series: DIR/quarantine/
    series/ (then metric=<name>/), beside the runs' parts, outside series/ (Parquet readers
    take every file under a dataset's folder for one of its parts)."""
    return Path(folder) / QUARANTINE / "series"


def run_list(runs: Iterable[int]) -> str:
    """Runs by number: "run 3", "runs 3, 9 and 15", "runs 0, 1, ..., 9 and 40 more"."""
    ids = sorted(runs)
    if len(ids) == 1:
        return f"run {ids[0]}"
    if len(ids) > MOST_RUNS_NAMED:
        named = ", ".join(str(run) for run in ids[:MOST_RUNS_NAMED])
        return f"runs {named} and {len(ids) - MOST_RUNS_NAMED} more"
    return f"runs {', '.join(str(run) for run in ids[:-1])} and {ids[-1]}"


def rerun_text(folder: str | Path) -> str:
    """What to do about damaged parts of the runs of the sweep in `folder`, as the reports
    and the console say it: resuming moves them aside and runs their runs again."""
    return (
        f"run the sweep again to move the damaged parts of its runs into "
        f"{Path(folder) / QUARANTINE}/ and rerun their runs"
    )


def runs_damage_text(folder: str | Path, problems: Sequence[str]) -> str:
    """What the reports say of damaged parts of the runs skipped ("" if none): how many,
    that their runs are missing, and where running the sweep again moves them."""
    if not problems:
        return ""
    return (
        f"{len(problems)} damaged part(s) of the results were skipped, and their runs are "
        f"missing here; {rerun_text(folder)}"
    )


def series_rerun_text(folder: str | Path) -> str:
    """What to do about damaged parts of the weekly series of the sweep in `folder`:
    resuming moves them aside and makes the series they held again (`runner.run_sweep`)."""
    return (
        f"run the sweep again to move the damaged parts of the weekly series into "
        f"{series_quarantine(folder)}/ and run the runs whose series they held again, for "
        "their series only"
    )


def series_damage_text(folder: str | Path, problems: Sequence[str]) -> str:
    """What the reports and stderr say of damaged parts of the weekly series skipped ("" if
    none): per series, which runs' series are missing from the series figures and bands
    (or that the points drawn lack none: every part is verified, whichever are drawn);
    that the runs' rows, so the tables, are whole; and what running the sweep again does."""
    parts = [problem for problem in problems if isinstance(problem, Damaged) and problem.series]
    if not parts:
        return ""
    missing: dict[str, set[int]] = {}
    for part in parts:
        missing.setdefault(str(part.series), set()).update(part.missing)
    lost = [
        f"the weekly series {series} of {len(runs)} run{'s' * (len(runs) > 1)} "
        f"({run_list(runs)}) {'are' if len(runs) > 1 else 'is'} missing from the series "
        "figures and bands"
        if runs
        else f"no series drawn of {series} is missing (the points drawn have them all)"
        for series, runs in missing.items()
    ]
    return (
        f"{len(parts)} damaged part(s) of the weekly series were skipped: "
        f"{'; '.join(lost)}; the runs' rows are intact, so the tables rest on every stored "
        f"run; {series_rerun_text(folder)}"
    )


def repaired_lines(
    folder: Path,
    quarantined: Sequence[str],
    series_quarantined: dict[str, list[str]],
    series_rerun: dict[str, list[int]],
    series_failed: Sequence[int] = (),
) -> list[str]:
    """What resuming the sweep in `folder` found damaged or missing, and what became of it:
    parts of the runs moved aside and their runs run again; parts of a weekly series moved
    aside; the stored runs that lacked a series, run again for it only, and those of them
    that failed this time (their series still missing)."""
    lines = [
        f"  damaged part moved to {Path(folder) / QUARANTINE}/ (outside runs/), its runs "
        f"run again: {problem}"
        for problem in quarantined
    ]
    for series, problems in series_quarantined.items():
        where = series_quarantine(folder) / f"metric={series}"
        lines += [
            f"  damaged part of the weekly series moved to {where}/ (outside series/): {problem}"
            for problem in problems
        ]
    for series, runs in series_rerun.items():
        one = len(runs) == 1
        lines.append(
            f"  the weekly series {series} of {len(runs)} stored run{'' if one else 's'} "
            f"({run_list(runs)}) {'was' if one else 'were'} missing: run again for that "
            f"series only, {'its row' if one else 'their rows'} kept"
        )
    if series_failed:
        one = len(series_failed) == 1
        lines.append(
            f"  but {run_list(series_failed)} failed this time (below): "
            f"{'its' if one else 'their'} weekly series {'is' if one else 'are'} still "
            f"missing, {'its stored row stands' if one else 'their stored rows stand'}"
        )
    return lines
