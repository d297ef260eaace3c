"""What a sweep says of its damaged parts, in one place: what resuming the sweep found
damaged or missing and did about it.

A sweep stores two kinds of part (docs/sweeps.md): the runs' rows (DIR/runs/) and, where
its spec asks, their weekly series (DIR/series/metric=<name>/). Resuming the sweep moves
either kind into DIR/quarantine/ and runs its runs again: whole for a part of the runs,
for the lost series only for a part of a series.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from simulator.experiments.store import QUARANTINE

MOST_RUNS_NAMED = 10  # a part holds up to --batch runs (100): name the first few


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
    named = ", ".join(str(run) for run in ids[:MOST_RUNS_NAMED])
    if len(ids) > MOST_RUNS_NAMED:
        return f"runs {named} and {len(ids) - MOST_RUNS_NAMED} more"
    head, last = named.rsplit(", ", 1)
    return f"runs {head} and {last}"


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
