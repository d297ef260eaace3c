"""What a sweep shows: tables, figures and a short report of which factors drive a metric.

`analyze_sweep(folder)` reads a sweep's results (complete or not) and writes
`folder/analysis/`:

- `points.csv`: per design point and metric, the mean over replications and its 95 % CI;
- `main_effects.csv`: per metric, factor and level, the mean and its 95 % CI;
- `ranking.csv`: the factors ranked by their effect on the target metric (backlog);
- `sobol_indices.csv` (Sobol designs): first-order and total indices with 95 % CIs;
- `morris_indices.csv` (Morris designs): μ* with its 95 % CI, μ and σ (`screening.py`);
- `failures.csv`: the runs that raised, with their errors;
- `figures/`: heatmaps of two factors against a metric, main-effect plots, Sobol bars;
- `report.md`: which factors drive the target, levers and uncertainties apart.

Main effects. A factor's main effect at a level is the mean of the metric over every
run at that level, whatever the other factors. For a full factorial design the other
factors sit at fixed levels, so the only noise is the simulation's: the 95 % CI is a
t-interval over replications of that mean. For sampled designs (Latin hypercube,
Sobol) the other factors are random too: points are grouped in up to five quantile
bins of the factor and the CI is a t-interval over the points' means in each bin.

Intervals respect the metric's range, as the run outputs' do (docs/validation.md): with
two replications the t-interval rests on one degree of freedom (t = 12.7), and a plain
one reached -22 % and 159 % for a share and below 0 hours for a backlog. A share's
interval (statutory on time, the share of unstable runs) is Wilson's at the units'
effective sample size (`stats.share_ci`), inside [0, 1] by construction, not clipped;
any other metric whose values are all non-negative has its t-interval cut at 0
(`stats.nonnegative_ci`): its mean cannot lie below 0, so the cut removes only
impossible values. Both are as wide as their few units make them: `n` says how many.

Ranking. With a Sobol design the factors are ranked by their total Sobol index (SALib,
bootstrap 95 % CIs): the share of the metric's variance a factor accounts for, alone
and in interactions. Otherwise by the share of the variance between design points that a
factor's main effect explains (η², a first-order index), beside the range of the main
effect (how far the metric moves, on average, from the level where it is lowest to
the level where it is highest); what main effects leave unexplained is interaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.mechanisms import Mechanism, metric_mechanisms, not_a_finding, off_in_all
from simulator.analysis.metrics import METRICS, is_share
from simulator.analysis.stats import nonnegative_ci, share_ci
from simulator.experiments.atomic import atomic_folder
from simulator.experiments.outputs import Destination, checked
from simulator.experiments.store import Skipped
from simulator.reporting.files import write_csv
from simulator.scenario import load_scenario
from simulator.sweep.damage import Damaged, of_series, runs_damage_text, series_damage_text
from simulator.sweep.mechanisms import point_mechanisms
from simulator.sweep.screening import morris_indices
from simulator.sweep.spec import RUN_COLUMNS, SweepError
from simulator.sweep.stability import DIVERGENT, stable_point_ids, unstable_points
from simulator.sweep.store import DESIGN, load_results, read_manifest

TARGET = "backlog_hours_mean"
DEFAULT_METRICS = ("caseload_per_worker_mean", "statutory_on_time_share", TARGET)
BINS = 5
FLOAT_FORMAT = "%.10g"
WHERE = "every run of the sweep"  # where a mechanism off at every design point is off
# what an incomplete sweep means for an analysis (`SweepData.unfinished_text`)
SHARES_NEED_IT_ALL = (
    "Shares of variance need the full design: over part of it the factors' main effects "
    "overlap and their shares can add to more than the whole, so they are provisional and "
    "not added up here."
)


@dataclass(frozen=True)
class Bins:
    """A factor's levels for grouping: each design point's bin, and each bin's label."""

    codes: pd.Series  # bin number per design point (index: point)
    labels: list[str]
    positions: list[float] | None  # numeric x positions, or None for text and booleans


@dataclass
class SweepData:
    """A sweep's results as the analysis needs them."""

    folder: Path
    manifest: dict[str, Any]
    design: pd.DataFrame  # point, factor values
    runs: pd.DataFrame  # every stored run
    metrics: list[str]  # metric columns in the runs
    # parts skipped: "part: why"; a part of the weekly series a `Damaged` naming its series
    damaged: list[Damaged] = field(default_factory=list)
    # each design point's mechanisms (`sweep.mechanisms`), or none and why they are unknown
    mechanisms: dict[int, tuple[Mechanism, ...]] = field(default_factory=dict)
    mechanisms_unknown: str = ""

    @property
    def off(self) -> dict[str, Mechanism]:
        """The metrics whose mechanism is switched off at every design point (so in every
        run of the sweep), with that mechanism: zero or blank by construction, never a
        finding. Empty where the points' mechanisms are unknown."""
        return off_in_all(self.mechanisms.values())

    def off_text(self, metric: str) -> str:
        """Why `metric` is no finding of this sweep: "overtime: switched off in every run of
        the sweep, not a finding"."""
        return not_a_finding(self.off[metric], WHERE)

    def left_out_text(self, metric: str) -> str:
        """The note that `metric` is left out of an analysis and why, as the command line
        says it on stderr: "overtime_hours left out: overtime: switched off in every run of
        the sweep, not a finding"."""
        return f"{metric} left out: {self.off_text(metric)}"

    @property
    def factors(self) -> dict[str, dict[str, Any]]:
        return self.manifest["factors"]

    @property
    def ok(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]

    @property
    def factorial(self) -> bool:
        return self.manifest["design"]["kind"] == "full_factorial"

    def label(self, factor: str) -> str:
        return self.factors[factor]["label"]

    @property
    def has_unstable(self) -> bool:
        """Whether any successful run's backlog was still rising at its end."""
        return "unstable" in self.ok.columns and bool((self.ok["unstable"] > 0).any())

    @property
    def missing(self) -> tuple[int, int]:
        """How incomplete the sweep is: (runs of the design not stored or failed, design
        points with no successful run). (0, 0) for a finished sweep whose runs all
        succeeded, the only one whose main effects are balanced."""
        runs = int(self.manifest["runs"]) - len(self.ok)
        return max(runs, 0), len(self.design) - int(self.ok["point"].nunique())

    def incomplete_text(self) -> str:
        """How much of the design an incomplete sweep lacks ("" if complete): "the sweep is
        incomplete: 8 of its 36 runs are missing or failed (2 of 18 design points have
        none)"."""
        runs, points = self.missing
        if not runs:
            return ""
        total = int(self.manifest["runs"])
        where = f" ({points} of {len(self.design)} design points have none)" if points else ""
        return f"the sweep is incomplete: {runs} of its {total} runs are missing or failed{where}"

    def unfinished_text(self, meaning: str = SHARES_NEED_IT_ALL) -> str:
        """What the report and the console say of an incomplete sweep ("" if complete):
        how many runs of the design are missing, what that `meaning` for what the command
        reads from the runs (by default an analysis's: the shares need them all), and to
        run the sweep again. Every command that reads a sweep says it in these words."""
        incomplete = self.incomplete_text()
        if not incomplete:
            return ""
        again = "Run the sweep again (it resumes) and analyse it once complete."
        return f"{incomplete}. {meaning} {again}"

    @property
    def damaged_runs(self) -> list[Damaged]:
        """The damaged parts of the runs' rows skipped: their runs are missing here."""
        return [problem for problem in self.damaged if of_series(problem) is None]

    @property
    def damaged_series(self) -> list[Damaged]:
        """The damaged parts of the weekly series skipped: their runs' rows are intact."""
        return [problem for problem in self.damaged if of_series(problem) is not None]

    def damaged_text(self) -> str:
        """What the report says of damaged parts of the runs skipped ("" if none): how
        many, that their runs are missing, and where running the sweep again moves them
        (`sweep.damage`, as every report and the console say it)."""
        return runs_damage_text(self.folder, self.damaged_runs)

    def series_damaged_text(self) -> str:
        """What the report says of damaged parts of the weekly series skipped ("" if none):
        which runs' series are missing from those drawn, that the tables are whole, and
        what running the sweep again does (`sweep.damage`)."""
        return series_damage_text(self.folder, self.damaged_series)

    def why_missing(self) -> str:
        """Why runs of the design are missing here ("" if none are): the sweep incomplete,
        and the damaged parts of its runs skipped."""
        return "; ".join(text for text in (self.incomplete_text(), self.damaged_text()) if text)

    def require_runs(self) -> None:
        """An error unless some run succeeded, saying why none did (`why_missing`; where
        every part is damaged, the metrics asked for were said to be none of the sweep's,
        "Allowed: " nothing)."""
        if self.ok.empty:
            why = self.why_missing()
            raise SweepError(
                f"{self.folder}: no successful runs to analyse yet" + (f": {why}" if why else "")
            )

    def tell(
        self,
        on_damaged: Callable[[str], None] | None,
        on_unfinished: Callable[[str], None] | None,
        meaning: str = SHARES_NEED_IT_ALL,
        on_off: Callable[[str], None] | None = None,
        chosen: Sequence[str] = (),
    ) -> None:
        """Pass each damaged part skipped ("part: why") to `on_damaged`, the warning of an
        incomplete sweep (`unfinished_text(meaning)`) to `on_unfinished`, and why each of the
        `chosen` metrics whose mechanism is off in every run is left out (`left_out_text`)
        to `on_off`, any None to pass nothing: analyze, robustness and discover tell their
        callers alike what their results lack, so that none rests on fewer runs or metrics
        than asked for without a word."""
        if on_off is not None:
            for metric in chosen:
                if metric in self.off:
                    on_off(self.left_out_text(metric))
        if on_damaged is not None:
            for problem in self.damaged:
                on_damaged(problem)
        if on_unfinished is not None and self.unfinished_text(meaning):
            on_unfinished(self.unfinished_text(meaning))

    def for_metric(self, metric: str) -> SweepData:
        """The data to analyse `metric` on: for a time mean of the work waiting (which
        measures run length where the backlog diverges), the stable design points only."""
        if metric not in DIVERGENT or not self.has_unstable:
            return self
        stable = stable_point_ids(self.runs)
        return dataclasses.replace(self, runs=self.runs[self.runs["point"].isin(stable)])

    def point_means(self, metric: str) -> pd.Series:
        """The metric's mean over successful replications, per design point (NaN if none)."""
        means = self.ok.groupby("point")[metric].mean()
        return means.reindex(self.design["point"])

    def bins(self, factor: str) -> Bins:
        """The levels of `factor` (full factorial, levels, few integers) or quantile bins."""
        values = self.design.set_index("point")[factor]
        info = self.factors[factor]
        numeric = info["type"] in ("integer", "real")
        discrete = (
            self.factorial
            or info["levels"] is not None
            or (info["type"] == "integer" and values.nunique() <= BINS)
        )
        if discrete:
            order = info["levels"] if info["levels"] is not None else sorted(values.unique())
            seen = [v for v in order if v in set(values)]
            if numeric:
                seen = sorted(seen)
            codes = values.map({v: i for i, v in enumerate(seen)})
            return Bins(
                codes, [fmt(v) for v in seen], [float(v) for v in seen] if numeric else None
            )
        cut = pd.qcut(values, q=min(BINS, values.nunique()), duplicates="drop")
        codes = pd.Series(cut.cat.codes, index=values.index)
        labels = [f"{fmt(i.left)}–{fmt(i.right)}" for i in cut.cat.categories]
        positions = [float(values[codes == b].mean()) for b in range(len(labels))]
        return Bins(codes, labels, positions)


def fmt(value: Any) -> str:
    """A level as a short label: whole numbers whole, others to three significant digits."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{value:.3g}"
    return str(value)


def read_sweep(folder: str | Path) -> SweepData:
    """Load a sweep's manifest, design and stored runs (damaged parts skipped, listed)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    try:
        design = pd.read_parquet(folder / DESIGN)
    except (OSError, ValueError) as exc:  # pyarrow's errors are ValueError or OSError
        raise SweepError(f"{folder / DESIGN}: damaged or missing ({exc})") from None
    damaged: list[Damaged] = []
    runs = load_results(folder, on_damaged=lambda problem: damaged.append(Damaged(problem)))
    if "unstable" in runs.columns:  # true/false, as a share when averaged
        runs["unstable"] = runs["unstable"].map({True: 1.0, False: 0.0}).astype(float)
    taken = set(RUN_COLUMNS) | set(manifest["factors"])
    metrics = [c for c in runs.columns if c not in taken]
    found, unknown = point_mechanisms(folder, design, list(manifest["factors"]))
    return SweepData(folder, manifest, design, runs, metrics, damaged, found, unknown)


# --------------------------------------------------------------------------- tables


def interval(
    metric: str,
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The 95 % CI of a mean of `metric` over units (replications or design points):
    Wilson's at the effective sample size for a share (inside [0, 1]), else the t-interval
    cut at 0 where every value is non-negative (see the module's notes)."""
    share = metric == "unstable" or is_share(metric)
    return share_ci if share else nonnegative_ci


def point_table(data: SweepData) -> pd.DataFrame:
    """Per design point and metric: mean over replications with its 95 % CI (`interval`),
    and `mechanism`, for a metric a mechanism drives, whether the point has it on, as
    summary.csv says it ("overtime: off": its zeros are no finding)."""
    rows = []
    factors = list(data.factors)
    for (point, *levels), group in data.ok.groupby(["point", *factors], sort=True):
        switched = metric_mechanisms(data.mechanisms.get(int(point), ()))
        for metric in data.metrics:
            mean, low, high = interval(metric)(group[metric].to_numpy(dtype=float))
            rows.append(
                {
                    "point": point,
                    **dict(zip(factors, levels, strict=True)),
                    "metric": metric,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "replications": int(group[metric].notna().sum()),
                    "mechanism": switched.get(metric, ""),
                }
            )
    return pd.DataFrame(rows)


def main_effects(data: SweepData, metric: str) -> pd.DataFrame:
    """Per factor and level: mean of `metric` with its 95 % CI (`interval`; see the
    module's notes) and `n`, the units (replications or design points) it rests on."""
    rows = []
    point_means = data.point_means(metric)
    for factor in data.factors:
        bins = data.bins(factor)
        for b, label in enumerate(bins.labels):
            points = bins.codes.index[bins.codes == b]
            if data.factorial:  # CI over replications of the level's mean
                runs = data.ok[data.ok["point"].isin(points)]
                units = runs.groupby("replication")[metric].mean().to_numpy(dtype=float)
            else:  # CI over the design points in the bin
                units = point_means.loc[points].to_numpy(dtype=float)
            mean, low, high = interval(metric)(units)
            rows.append(
                {
                    "metric": metric,
                    "factor": factor,
                    "level": label,
                    "position": bins.positions[b] if bins.positions else float(b),
                    "mean": float(mean),
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "n": int(np.count_nonzero(~np.isnan(units))),
                }
            )
    return pd.DataFrame(rows)


def heatmap_table(data: SweepData, x: str, y: str, metric: str) -> pd.DataFrame:
    """Mean of `metric` over runs per (level of `y`, level of `x`): rows y, columns x."""
    bx, by = data.bins(x), data.bins(y)
    runs = data.ok
    cells = runs.assign(
        _x=runs["point"].map(bx.codes).to_numpy(), _y=runs["point"].map(by.codes).to_numpy()
    )
    table = cells.groupby(["_y", "_x"])[metric].mean().unstack("_x")
    table = table.reindex(index=range(len(by.labels)), columns=range(len(bx.labels)))
    table.index = pd.Index(by.labels, name=y)
    table.columns = pd.Index(bx.labels, name=x)
    return table


def sobol_indices(data: SweepData, metric: str) -> pd.DataFrame | None:
    """First-order and total Sobol indices of `metric` (SALib), or None if not computable.

    Needs a Sobol design and a successful run at every point (the estimator uses the
    points in the order SALib drew them); the metric per point is its mean over
    replications.
    """
    design = data.manifest["design"]
    y = data.point_means(metric).to_numpy(dtype=float)
    if design["kind"] != "sobol" or np.isnan(y).any() or np.nanstd(y) == 0:
        return None
    from SALib.analyze import sobol

    names = list(data.factors)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = sobol.analyze(
            problem,
            y,
            calc_second_order=design["second_order"],
            conf_level=0.95,
            seed=data.manifest["seed"],
        )
    return pd.DataFrame(
        {
            "metric": metric,
            "factor": names,
            "kind": [data.factors[n]["kind"] for n in names],
            "S1": result["S1"],
            "S1_conf": result["S1_conf"],
            "ST": result["ST"],
            "ST_conf": result["ST_conf"],
        }
    )


def ranking(data: SweepData, metric: str) -> pd.DataFrame:
    """The factors ranked by their effect on `metric` (total Sobol index, or η²)."""
    effects = main_effects(data, metric)
    point_means = data.point_means(metric).dropna()
    total = float(((point_means - point_means.mean()) ** 2).mean())
    rows = []
    for factor, rows_f in effects.groupby("factor", sort=False):
        rows_f = rows_f.dropna(subset=["mean"])
        if rows_f.empty:
            continue
        low, high = rows_f.loc[rows_f["mean"].idxmin()], rows_f.loc[rows_f["mean"].idxmax()]
        codes = data.bins(factor).codes.loc[point_means.index]
        bin_means = point_means.groupby(codes).transform("mean")
        between = float(((bin_means - point_means.mean()) ** 2).mean())
        rows.append(
            {
                "factor": factor,
                "kind": data.factors[factor]["kind"],
                "label": data.label(factor),
                "effect_range": float(high["mean"] - low["mean"]),
                "lowest_at": low["level"],
                "lowest_mean": float(low["mean"]),
                "highest_at": high["level"],
                "highest_mean": float(high["mean"]),
                "variance_share": between / total if total > 0 else float("nan"),
            }
        )
    table = pd.DataFrame(rows)
    sobol = sobol_indices(data, metric)
    morris = morris_indices(data, metric)
    if sobol is not None:
        table = table.merge(sobol.drop(columns=["metric", "kind"]), on="factor", how="left")
        table = table.sort_values("ST", ascending=False)
    elif morris is not None:
        table = table.merge(morris.drop(columns=["metric", "kind"]), on="factor", how="left")
        table = table.sort_values("mu_star", ascending=False)
    else:
        table = table.sort_values("variance_share", ascending=False)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table.insert(1, "metric", metric)
    return table.reset_index(drop=True)


# --------------------------------------------------------------------------- writing


def analyze_sweep(
    folder: str | Path,
    *,
    metrics: list[str] | None = None,
    pair: tuple[str, str] | None = None,
    target: str = TARGET,
    out: Path | None = None,
    series_points: list[int] | None = None,
    force: bool = False,
    on_damaged: Callable[[str], None] | None = None,
    on_off: Callable[[str], None] | None = None,
    on_unfinished: Callable[[str], None] | None = None,
) -> Path:
    """Write tables, figures and report.md for the sweep in `folder`; returns the folder written.

    `metrics` get heatmaps and main-effect plots (default: caseload per worker,
    statutory on-time share and the target); `pair` are the heatmap's two factors
    (default: the first two); `target` is the metric the report ranks factors by;
    `series_points` are design points whose stored weekly series are drawn (mean and 10th–90th
    percentile over replications), one figure per stored series.
    `out` (default `folder`/analysis) is checked first like any results folder
    (`outputs.destination`; `force` replaces one caseload wrote); it is never the sweep's
    own folder nor inside its run data. Damaged parts of the results are skipped, listed
    in report.md and passed to `on_damaged` ("part: why"; a part of the weekly series as a
    `sweep.damage.Damaged` naming its series and the runs drawn that lack it, whose rows
    are whole). A chosen metric (or the target) whose
    mechanism is switched off in every run is left out of the tables, figures and ranking,
    its reason said in report.md and passed to `on_off` ("overtime_hours left out:
    overtime: switched off in every run of the sweep, not a finding"); points.csv marks
    each point's switched-off metrics in its `mechanism` column. An incomplete sweep
    (runs missing or failed) is analysed, its report warning first; the warning is also
    passed to `on_unfinished`.
    """
    from simulator.sweep import figures

    where = analysis_destination(Path(folder), out, force)
    data = read_sweep(folder)
    bands = _series(data, series_points) if series_points else {}  # damaged parts noted
    data.require_runs()
    metrics = list(metrics or [m for m in DEFAULT_METRICS if m in data.metrics])
    if target not in metrics:
        metrics.append(target)
    for metric in metrics:
        _check_choice("metric", metric, data.metrics, data.folder)
    names = list(data.factors)
    pair = pair or (tuple(names[:2]) if len(names) >= 2 else None)
    for factor in pair or ():
        _check_choice("factor", factor, names, data.folder)
    if pair and pair[0] == pair[1]:
        raise SweepError(f"--heatmap: give two different factors (got {pair[0]} twice)")
    left_out = [m for m in metrics if m in data.off]
    data.tell(on_damaged, on_unfinished, on_off=on_off, chosen=metrics)
    metrics = [m for m in metrics if m not in data.off]
    labels = {f: data.label(f) for f in names}
    with atomic_folder(where) as work:
        (work / "figures").mkdir()
        _csv(point_table(data), work / "points.csv")
        if data.has_unstable:
            metrics += [
                m for m in ("unstable", "backlog_growth_hours_per_year") if m not in metrics
            ]
        effects = pd.concat(
            [main_effects(data.for_metric(m), m) for m in metrics], ignore_index=True
        )
        _csv(effects, work / "main_effects.csv")
        ranked = pd.concat([ranking(data.for_metric(m), m) for m in metrics], ignore_index=True)
        _csv(ranked, work / "ranking.csv")
        _csv(unstable_points(data.runs, names), work / "unstable.csv")
        sobol = [
            s for s in (sobol_indices(data.for_metric(m), m) for m in metrics) if s is not None
        ]
        if sobol:
            _csv(pd.concat(sobol, ignore_index=True), work / "sobol_indices.csv")
        failed = data.runs[data.runs["status"] != "ok"]
        columns = ["run_id", "point", "replication", "seed", *names, "error"]
        _csv(failed[columns], work / "failures.csv")
        for metric in metrics:
            if pair:
                table = heatmap_table(data.for_metric(metric), pair[0], pair[1], metric)
                path = work / "figures" / f"heatmap_{pair[0]}_{pair[1]}_{metric}.png"
                figures.heatmap(table, metric, (labels[pair[0]], labels[pair[1]]), path)
            part = effects[effects["metric"] == metric]
            units = "replications" if data.factorial else "design points"
            path = work / "figures" / f"main_effects_{metric}.png"
            figures.main_effects(part, metric, labels, path, units)
        for indices in sobol:
            metric = indices["metric"].iloc[0]
            figures.sobol_bars(indices, metric, labels, work / "figures" / f"sobol_{metric}.png")
        morris = [
            s for s in (morris_indices(data.for_metric(m), m) for m in metrics) if s is not None
        ]
        if morris:
            _csv(pd.concat(morris, ignore_index=True), work / "morris_indices.csv")
        for indices in morris:
            metric = indices["metric"].iloc[0]
            path = work / "figures" / f"morris_{metric}.png"
            figures.morris_plane(indices, metric, labels, path)
        for metric, table in bands.items():
            _csv(table, work / f"series_{metric}.csv")
            path = work / "figures" / f"series_{metric}.png"
            figures.series(table, metric, data.design, labels, path, warmup_end(data))
        report = report_text(data, ranked, target, left_out)
        (work / "report.md").write_text(report, encoding="utf-8")
    return where.path


def analysis_destination(folder: Path, out: Path | None, force: bool) -> Destination:
    """Where the analysis of the sweep in `folder` goes, checked before any work: `out`, or
    `folder`/analysis, its default (replaced without asking when it holds an analysis)."""
    return sweep_output(folder, out, "analysis", kind="analysis", force=force)


def sweep_output(
    folder: str | Path, out: str | Path | None, name: str, *, kind: str, force: bool
) -> Destination:
    """Where a command writes what it read from the sweep in `folder` (an analysis, a
    discovery, a robustness table), checked before any work: `out`, or `folder`/`name`, its
    default (replaced without asking when it holds the same kind of folder of this sweep).
    Never the sweep's own folder nor inside its run data (`outputs.destination`)."""
    folder = Path(folder)
    read_manifest(folder)  # the sweep is read first: no folder is made for what is none
    default = folder / name
    path = Path(out) if out is not None else default
    if os.path.abspath(path) == os.path.abspath(folder):
        raise SweepError(
            f"--out {path}: is the sweep's own folder; the {kind} goes beside its runs, "
            f"never over them (default: {default})"
        )
    owner = Path(os.path.abspath(folder)).name  # the sweep's folder, also when given as "."
    return checked(out, default, kind=kind, owner=owner, force=force)


def _series(data: SweepData, points: list[int]) -> dict[str, pd.DataFrame]:
    """Each stored weekly series of the chosen points: mean and band per point and week.
    A damaged part is noted in `data.damaged` with its series and the runs drawn that
    lack it (the successful runs of those points no sound part holds a series of)."""
    from simulator.sweep.series import load_series, series_bands, series_metrics

    stored = series_metrics(data.folder)
    if not stored:
        raise SweepError(
            f"{data.folder}: no weekly series stored (give the spec 'series = [...]' to keep them)"
        )
    unknown = sorted(set(points) - set(data.design["point"]))
    if unknown:
        raise SweepError(
            f"{data.folder}: no design point {unknown[0]}; points are 0 to {len(data.design) - 1}"
        )
    bands = {}
    drawn = set(data.ok.loc[data.ok["point"].isin(points), "run_id"])
    for metric in stored:
        problems: list[Skipped] = []
        series = load_series(data.folder, metric, list(points), problems.append)
        missing = drawn - set(series["run_id"])
        data.damaged += [Damaged(problem, metric, missing) for problem in problems]
        bands[metric] = series_bands(series)
    return bands


def warmup_end(data: SweepData) -> dt.date | None:
    """The date the runs' statistics start from (the base scenario's warm-up end), or None
    where there is none or a factor sets the start or the warm-up (it differs by point)."""
    moved = {"simulation", "simulation.start_date", "simulation.warmup_years"}
    if any(set(info["keys"]) & moved for info in data.factors.values()):
        return None  # every key a factor sets, its variants' too (the manifest's "keys")
    base = data.folder / "base.resolved.toml"
    if not base.is_file():
        return None
    return load_scenario(base).simulation.warmup_end


def _check_choice(what: str, name: str, allowed: list[str], folder: Path) -> None:
    if name not in allowed:
        raise SweepError(
            f"{folder}: no {what} {name!r} in this sweep. Allowed: {', '.join(allowed)}"
        )


def _csv(table: pd.DataFrame, path: Path) -> None:
    write_csv(table, path, FLOAT_FORMAT)  # text levels and errors made spreadsheet-safe


# --------------------------------------------------------------------------- report


def unstable_text(data: SweepData, ranked: pd.DataFrame, target: str) -> str:
    """The report's section on the design points whose backlog was still rising at the end."""
    table = unstable_points(data.runs, list(data.factors))
    stable = stable_point_ids(data.runs)
    points = data.ok["point"].nunique()
    excluded = points - len(stable)
    if excluded:
        left_out = (
            f"in {excluded} of them, half the replications or more. There the office does "
            "not keep up, and a time mean of the backlog measures how long the run was, not "
            "the factors: "
        ) + (
            f"`{target}` is ranked below over the {len(stable)} stable points only, so each "
            "level's mean leaves out its unstable points (levels are compared over different "
            "sets of points: read them beside the heatmap). "
            if target in DIVERGENT
            else ""
        )
    else:
        ranked_over = f": `{target}` is ranked below over all {points} points" if (
            target in DIVERGENT) else ""  # fmt: skip
        left_out = (
            f"in none of them half the replications or more, so no point is left out{ranked_over}. "
        )
    lines = [
        "## Unstable points",
        "",
        f"In {len(table)} of {points} design points at least one run's backlog (or tasks "
        "waiting) was still rising at the end of the run (a trend test on the final half of "
        f"the measurement window); {left_out}"
        "`unstable.csv` lists every unstable point, and the ranking of `unstable` (the "
        "share of unstable runs) and of `backlog_growth_hours_per_year` (how fast the backlog "
        "grows: about 0 where the office keeps up, and also where an overloaded office's "
        "backlog has levelled off) says which factors make the office fall ever further "
        "behind.",
        "",
        "| point | " + " | ".join(data.label(f) for f in data.factors) + " | unstable runs | "
        "backlog growth (hours a year) |",
        "| --- | " + " | ".join("---" for _ in data.factors) + " | --- | --- |",
    ]
    for r in table.head(10).to_dict("records"):
        lines.append(
            f"| {int(r['point'])} | "
            + " | ".join(fmt(r[f]) for f in data.factors)
            + f" | {_pct(r['unstable_share'])} of {int(r['replications'])} | "
            f"{num(r['backlog_growth_hours_per_year'])} |"
        )
    if len(table) > 10:
        lines.append(f"\n... and {len(table) - 10} more in `unstable.csv`.")
    share = ranked[ranked["metric"] == "unstable"]
    if not share.empty and np.isfinite(share.iloc[0]["variance_share"]):
        top = share.iloc[0]
        lines += [
            "",
            f"Instability is driven above all by **{top['label']}** ({top['kind']}): the share "
            f"of unstable runs goes from {_pct(top['lowest_mean'])} at {top['lowest_at']} to "
            f"{_pct(top['highest_mean'])} at {top['highest_at']}.",
        ]
    return "\n".join([*lines, ""])


def report_text(
    data: SweepData, every: pd.DataFrame, target: str, left_out: list[str] | None = None
) -> str:
    """A short markdown answer to "which factors drive the target metric (the backlog)".

    `every` is the ranking of every metric analysed; unstable points come first when
    there are any (the target's ranking leaves them out if it is a time mean of the
    work waiting). `left_out` are the chosen metrics whose mechanism is off in every run
    (`SweepData.off`): said as such, never ranked; the target among them, no factor is."""
    ranked = every[every["metric"] == target]
    m = data.manifest
    runs, ok = len(data.runs), len(data.ok)
    design = m["design"]["kind"].replace("_", " ")
    unit = METRICS[target].unit if target in METRICS else ""
    described = METRICS[target].description if target in METRICS else target
    lines = [
        f"# What drives `{target}`: sweep `{m['name']}`",
        "",
        f"{design.capitalize()} design: {m['points']} points × {m['replications']} replications "
        f"= {m['runs']} runs; {runs} stored ({ok} succeeded, {runs - ok} failed)"
        + ("" if runs == m["runs"] else " — the sweep is not finished; figures are provisional")
        + ".",
        f"Base scenario `{m['base_scenario']}`; seed {m['seed']}"
        + (", common random numbers across points." if m["common_random_numbers"] else "."),
        "",
        *caveat_lines(data),
        *_mechanism_lines(data, left_out or []),
        f"**{target}** ({unit}): {described}.",
        "",
    ]
    if target in data.off:
        lines += [
            f"**Not ranked:** {data.off_text(target)}. Its values are zero or blank by "
            "construction at every design point, so no factor drives it here; sweep a "
            "scenario that switches the mechanism on to ask what drives it.",
            "",
        ]
    if data.has_unstable:
        lines.append(unstable_text(data, every, target))
    if target not in data.off:
        lines += _ranking_lines(data, ranked, target, unit)
    sobol = "ST" in ranked.columns
    lines += [
        "",
        "## Files",
        "",
        "- `ranking.csv`, `main_effects.csv` (95 % CIs), `points.csv` (each point's mean and "
        "CI per metric)" + (", `sobol_indices.csv`" if sobol else "") + ", `failures.csv`.",
        "- `figures/`: heatmaps of two factors, main effects"
        + (", Sobol indices" if sobol else "")
        + ".",
        "",
    ]
    return "\n".join(lines)


def _ranking_lines(data: SweepData, ranked: pd.DataFrame, target: str, unit: str) -> list[str]:
    """The report's table of the factors ranked by their effect on `target`, and its answer."""
    m = data.manifest
    lines: list[str] = []
    sobol = "ST" in ranked.columns
    morris = "mu_star" in ranked.columns
    header = "| rank | factor | kind | lowest mean at | highest mean at | range |"
    rule = "| --- | --- | --- | --- | --- | --- |"
    if sobol:
        header += " first-order S1 [95 % CI] | total ST [95 % CI] |"
        rule += " --- | --- |"
    elif morris:
        header += " Morris μ* [95 % CI] | σ |"
        rule += " --- | --- |"
    else:
        header += " share of variance (main effect) |"
        rule += " --- |"
    lines += [header, rule]
    for _, r in ranked.iterrows():
        row = (
            f"| {r['rank']} | {r['label']} (`{r['factor']}`) | {r['kind']} | "
            f"{num(r['lowest_mean'], unit)} at {r['lowest_at']} | "
            f"{num(r['highest_mean'], unit)} at {r['highest_at']} | "
            f"{num(r['effect_range'], unit)} |"
        )
        if sobol:
            row += f" {_ci(r['S1'], r['S1_conf'])} | {_ci(r['ST'], r['ST_conf'])} |"
        elif morris:
            row += (
                f" {num(r['mu_star'], unit)} [{num(r['mu_star'] - r['mu_star_conf'], unit)}, "
                f"{num(r['mu_star'] + r['mu_star_conf'], unit)}] | {num(r['sigma'], unit)} |"
            )
        else:
            row += f" {_pct(r['variance_share'])} |"
        lines.append(row)
    if m["design"]["kind"] == "sobol" and not sobol:
        missing = int(data.point_means(target).isna().sum())
        lines += [
            "",
            f"Sobol indices need a successful run at every design point; {missing} of "
            f"{m['points']} have none yet, so the factors are ranked by their main effects.",
        ]
    if morris:
        lines += [
            "",
            "Morris screening: μ* is how far the metric moves, on average, when the factor "
            "moves one step of the grid (whatever the others do); σ large beside μ* means the "
            "effect depends on the other factors. Factors with a μ* small beside the others' "
            "can be left out of a Sobol design (`morris_indices.csv`, `figures/morris_*.png`).",
        ]
    complete = not data.unfinished_text()
    return [*lines, "", "## Answer", "", *_answer(ranked, target, unit, sobol, complete)]


def caveat_lines(data: SweepData, meaning: str = SHARES_NEED_IT_ALL) -> list[str]:
    """What a report of the sweep says first of what its figures rest on: the damaged
    parts skipped, that the sweep is incomplete (`SweepData.unfinished_text(meaning)`), and
    that the points' mechanisms are unknown. analyze, robustness and discover all say it."""
    lines = _damage_lines(data)
    if data.unfinished_text(meaning):
        lines += [f"**Warning:** {data.unfinished_text(meaning)}", ""]
    if data.mechanisms_unknown:
        lines += [
            f"**Note:** which mechanisms the runs had on is unknown: {data.mechanisms_unknown}; "
            "a metric of a mechanism switched off in every run would be zero by construction, "
            "not a finding.",
            "",
        ]
    return lines


def _mechanism_lines(data: SweepData, left_out: list[str]) -> list[str]:
    """Which mechanisms no run of the sweep had on, and the chosen metrics left out for
    it (none where the points' mechanisms are unknown: `caveat_lines` says so)."""
    never = {m.name: m for m in data.off.values()}
    if not never:
        return []
    lines = [
        "Mechanisms switched off in every run (their metrics are zero or blank by "
        "construction, not findings): " + "; ".join(sorted(never)) + ".",
        "",
    ]
    for metric in left_out:
        lines.append(f"- `{metric}` left out: {data.off_text(metric)}.")
    return [*lines, ""] if left_out else lines


def _damage_lines(data: SweepData) -> list[str]:
    """A warning for parts of the results that were damaged and left out: of the runs'
    rows, and apart, of the weekly series (whose runs are not missing from the tables)."""
    lines: list[str] = []
    for text, problems in (
        (data.damaged_text(), data.damaged_runs),
        (data.series_damaged_text(), data.damaged_series),
    ):
        if problems:
            lines += [f"**Warning:** {text}:", "", *[f"- {p}" for p in problems], ""]
    return lines


def _answer(
    ranked: pd.DataFrame, target: str, unit: str, sobol: bool, complete: bool = True
) -> list[str]:
    """The report's answer: the factor that drives `target` most, the strongest lever and
    uncertainty, and how much the main effects leave to interactions: said only of a
    `complete` design, and never as a share above 100 % (where estimates overlap or are
    noisy, their sum can pass it, and 1 minus it is then no share of anything)."""
    if ranked.empty:
        return ["No factor could be assessed (no successful runs at its levels)."]
    top = ranked.iloc[0]
    measure = (
        f"total Sobol index {_ci(top['ST'], top['ST_conf'])}"
        if sobol
        else f"its main effect explains {_pct(top['variance_share'])} of the variance between "
        "design points"
    )
    text = [
        f"`{target}` is driven above all by **{top['label']}** "
        f"({'an uncertainty' if top['kind'] == 'uncertainty' else 'a lever'}): on average it "
        f"moves from {num(top['lowest_mean'], unit)} (at {top['lowest_at']}) to "
        f"{num(top['highest_mean'], unit)} (at {top['highest_at']}); {measure}."
    ]
    for kind, words in (("lever", "lever"), ("uncertainty", "uncertainty")):
        of_kind = ranked[ranked["kind"] == kind]
        if of_kind.empty:
            text.append(f"- No {words} was varied.")
            continue
        best = of_kind.iloc[0]
        text.append(
            f"- Strongest {words}: **{best['label']}** (rank {best['rank']}): from "
            f"{num(best['lowest_mean'], unit)} at {best['lowest_at']} to "
            f"{num(best['highest_mean'], unit)} at {best['highest_at']}."
        )
    if not complete:
        text.append(
            "- Interactions: not worked out: runs of the design are missing (see the warning "
            "above), and the shares of variance need the full design."
        )
    elif sobol:
        first = float(ranked["S1"].clip(lower=0).sum())
        text.append(
            f"- Interactions: first-order indices add up to {_pct(first)}; about "
            f"{_pct(1 - first)} of the variance comes from factors acting together."
            if first <= 1
            else "- Interactions: the first-order indices add up to more than 100 %, as "
            "estimates this noisy can: raise the design's `n` to read how much comes from "
            "factors acting together."
        )
    else:
        explained = float(ranked["variance_share"].sum())
        text.append(
            f"- Main effects together explain {_pct(explained)} of the variance between design "
            f"points; the rest ({_pct(1 - explained)}) is interaction: the effect of one "
            "factor depends on the others (see the heatmap)."
            if explained <= 1
            else "- Main effects overlap: their shares add up to more than 100 %, as they can "
            "where the factors' levels are not balanced against each other (a sampled "
            "design); how much is interaction cannot be read off them (see the heatmap)."
        )
    return text


def num(value: float, unit: str = "") -> str:
    """A figure for the report: shares in per cent, large numbers whole, others to 3 digits."""
    if not np.isfinite(value):
        return "n/a"
    if unit == "share":
        return f"{100 * value:.1f} %"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _ci(value: float, half: float) -> str:
    return f"{value:.2f} [{value - half:.2f}, {value + half:.2f}]"


def _pct(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{100 * value:.0f} %"
