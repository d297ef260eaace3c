"""Scenario discovery: the boxes of factor values in which the office fails (PRIM, and CART).

"Under which arrivals and reunification shares does the office miss its deadlines?"
Each successful run of a sweep is a case: its factor values, and whether it failed (a
metric below or above a threshold). PRIM (Friedman and Fisher's patient rule induction
method, as the EMA workbench implements it: `ema_workbench.analysis.prim`) peels the
factor space, a little at a time, towards a box where failures are dense, and records the
trajectory: each step's coverage (the share of all failures inside the box), density (the
share of the box's runs that fail) and how many factors it restricts. The box reported is
the one with the highest coverage among those whose density reaches `threshold` (default
0.8), with each restriction's quasi-p-value (the workbench's test of whether the
restriction matters). CART (`ema_workbench.analysis.cart`, on scikit-learn's decision
tree) is a second view: a partition of the whole space into boxes, each with its coverage
and density, over the numeric factors (the workbench 2.5 misreads the boxes of a
categorical split, and of a tree on one factor).

Why the workbench and not our own PRIM: it is the reference implementation the
exploratory-modelling literature uses (Kwakkel 2017), maintained, tested, it reads plain
DataFrames, handles categorical factors, and gives the quasi-p-values; writing PRIM again
would be a second, untested copy of it. It is an optional extra (`research`).

By default every factor is a candidate for the box (a box then reads "at most 4
caseworkers and more than 15 arrivals a month"); `policy` fixes levers to one setting
and looks for the boxes of the uncertainties in which that policy fails.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.experiments.atomic import atomic_folder
from simulator.reporting.files import write_csv
from simulator.sweep.analyze import (
    SweepData,
    _check_choice,
    caveat_lines,
    fmt,
    read_sweep,
    sweep_output,
)
from simulator.sweep.spec import SweepError

THRESHOLD = 0.8  # the density the reported box must reach
MASS_MIN = 0.05  # PRIM stops peeling below this share of the runs
# what an incomplete sweep means for a discovery (`SweepData.unfinished_text`)
FEWER_RUNS = (
    "The box is found among the runs stored, not over the whole design, so its coverage "
    "and density are provisional."
)


@dataclass
class Discovery:
    """What scenario discovery found."""

    folder: Path  # written
    failing: str  # the rule, in words
    cases: int  # runs used
    failures: int
    box: pd.DataFrame  # factor, kind, restriction, low, high, levels, qp_value
    coverage: float
    density: float
    peeling: pd.DataFrame  # the trajectory
    cart: pd.DataFrame  # the CART boxes
    threshold: float = THRESHOLD
    factors: tuple[str, ...] = ()  # the factors PRIM saw (all but those a policy fixes)


def leaf_mass(runs: int) -> float:
    """CART's smallest leaf as a share of `runs`: `MASS_MIN`, but a run at least. The
    workbench rounds `mass_min` × runs down to whole runs, so below 20 runs it asked
    scikit-learn for leaves of no run, which it refuses (a traceback); 1.5 runs rounds down
    to one whatever the floating point."""
    return max(MASS_MIN, 1.5 / runs)


def threshold_of(found: Discovery) -> float:
    return found.threshold


def _workbench() -> tuple[Any, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the workbench warns of optional evaluators
            from ema_workbench.analysis import cart, prim
    except ImportError:
        raise SweepError(
            "scenario discovery needs the EMA workbench: pip install 'caseload-simulator[research]'"
        ) from None
    return prim, cart


def cases(
    data: SweepData, metric: str, below: float | None, above: float | None, policy: dict[str, Any]
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """The runs as PRIM's cases: factor values (x), failed or not (y), the rule in words.

    A metric whose mechanism is switched off in every run (`SweepData.off`: overtime hours
    where no run has overtime) is refused: it is zero or blank by construction, so that no
    run, or every run, fails by it says nothing of where the office fails."""
    if (below is None) == (above is None):
        raise SweepError("give one of --below or --above: the threshold of a failure")
    _check_choice("metric", metric, data.metrics, data.folder)
    if metric in data.off:
        raise SweepError(
            f"{data.folder}: {metric} is not modelled in this sweep ({data.off_text(metric)}): "
            "its values are zero or blank by construction in every run, so there is no box "
            f"to find; sweep a scenario that switches {data.off[metric].name} on to ask "
            "where it fails"
        )
    runs = data.ok.dropna(subset=[metric])
    for name, value in policy.items():
        _check_choice("factor", name, list(data.factors), data.folder)
        wanted = _typed(value, data.factors[name]["type"])
        runs = runs[runs[name] == wanted]
        if runs.empty:
            raise SweepError(f"{data.folder}: no successful run with {name} = {value}")
    names = [n for n in data.factors if n not in policy]
    if not names:
        raise SweepError("--policy fixes every factor: nothing is left to find boxes of")
    x = runs[names].reset_index(drop=True).copy()
    for name in names:
        if data.factors[name]["type"] in ("text", "boolean"):
            x[name] = pd.Categorical(x[name].astype(str))
        else:  # the workbench's pasting writes fractional limits (whole numbers too)
            x[name] = x[name].astype(float)
    values = runs[metric].to_numpy(dtype=float)
    y = values < below if below is not None else values > above
    rule = f"{metric} {'<' if below is not None else '>'} {below if below is not None else above}"
    return x, y, rule


def _typed(value: Any, kind: str) -> Any:
    try:
        if kind == "integer":
            return int(value)
        if kind == "real":
            return float(value)
        if kind == "boolean":
            return str(value).lower() in ("true", "1", "yes")
    except ValueError:
        raise SweepError(f"--policy: {value!r} is not a {kind} value") from None
    return str(value)


def discover(
    folder: str | Path,
    metric: str,
    *,
    below: float | None = None,
    above: float | None = None,
    policy: dict[str, Any] | None = None,
    threshold: float = THRESHOLD,
    out: str | Path | None = None,
    force: bool = False,
    on_damaged: Callable[[str], None] | None = None,
    on_unfinished: Callable[[str], None] | None = None,
) -> Discovery:
    """Find the box of factor values where runs fail (PRIM) and CART's boxes; write them.

    `out` (default `folder`/discovery_<metric>) is checked before any work as an analysis's
    is (`analyze.sweep_output`): never the sweep's folder or its run data; a folder
    caseload wrote is replaced with `force`, or when it is the default of this sweep. A
    `metric` whose mechanism is switched off in every run of the sweep is refused
    (`cases`), naming the mechanism: its zeros are no finding. Damaged parts of the
    results are skipped, said in report.md and passed to `on_damaged`, and an incomplete
    sweep is searched over the runs stored, its report warning first and the warning
    passed to `on_unfinished`, as `analyze_sweep` does.
    """
    from simulator.sweep import figures

    for name, value in (("--below", below), ("--above", above)):
        if value is not None and not math.isfinite(value):
            raise SweepError(f"{name}: expected a finite number, got {value}")
    if not 0 < threshold <= 1:  # nan too
        raise SweepError(f"--threshold must be in (0, 1], got {threshold}")
    where = sweep_output(folder, out, f"discovery_{metric}", kind="discovery", force=force)
    prim, cart = _workbench()
    data = read_sweep(folder)
    policy = dict(policy or {})
    data.require_runs()
    x, y, rule = cases(data, metric, below, above, policy)
    if y.sum() == 0:
        raise SweepError(f"{data.folder}: no run fails ({rule}): there is no box to find")
    if y.all():
        raise SweepError(f"{data.folder}: every run fails ({rule}): the box is everything")
    data.tell(on_damaged, on_unfinished, FEWER_RUNS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x, y, threshold=threshold, mass_min=MASS_MIN)
        box = finder.find_box()
        peeling = box.peeling_trajectory.copy()
        dense = peeling[peeling["density"] >= threshold]
        chosen = (
            int(dense.sort_values("coverage").index[-1])
            if len(dense)
            else int(peeling["density"].idxmax())
        )
        box.select(chosen)
        stats, limits = _inspect(box, chosen)
        # the workbench's CART misreads the leaves of categorical splits (their boxes do
        # not partition the runs) and of a single factor: CART sees the numeric factors
        numeric = x[[c for c in x.columns if not isinstance(x[c].dtype, pd.CategoricalDtype)]]
        tree = cart.CART(numeric, y, mass_min=leaf_mass(len(y))) if numeric.shape[1] > 1 else None
        if tree is not None:
            tree.build_tree()
    restrictions = _restrictions(data, x, limits)
    cart_table = _cart_table(data, x, tree)
    labels = {f: data.label(f) for f in data.factors}
    with atomic_folder(where) as work:
        write_csv(peeling, work / "peeling.csv", "%.6g")
        write_csv(restrictions, work / "box.csv", "%.6g")  # labels and levels: user text
        write_csv(cart_table, work / "cart.csv", "%.6g")
        figures.peeling(peeling, chosen, threshold, rule, work / "peeling.png")
        kinds = {f: data.factors[f]["kind"] for f in data.factors}
        figures.box_limits(restrictions, x, labels, kinds, rule, work / "box.png")
        found = Discovery(
            where.path, rule, len(y), int(y.sum()), restrictions,
            float(stats["coverage"]), float(stats["density"]), peeling, cart_table, threshold,
            tuple(x.columns),
        )  # fmt: skip
        (work / "report.md").write_text(discovery_text(data, found, policy), encoding="utf-8")
    return found


def _inspect(box: Any, i: int) -> tuple[pd.Series, pd.DataFrame]:
    """The workbench's `inspect(i, style="data")`, but for its table of limits: the
    workbench's is all floats, which cannot hold the set of levels a restriction of a
    categorical factor keeps (pandas 2 refuses), so a box restricting a text or boolean
    factor (a staffing variant) failed. Rows: restricted factors, as the workbench orders
    them; columns: min, max (numbers, or the set of levels kept), both quasi-p-values."""
    qp = box.qp[i]
    names = sorted(qp, key=lambda name: qp[name])
    rows = [
        [*box.box_lims[i][name].tolist(), *(np.nan if v == -1 else v for v in qp[name])]
        for name in names
    ]
    limits = pd.DataFrame(rows, index=names, columns=["min", "max", "qp_low", "qp_high"])
    return box.peeling_trajectory.iloc[i], limits


def _restrictions(data: SweepData, x: pd.DataFrame, limits: pd.DataFrame) -> pd.DataFrame:
    """The box's restrictions, one row per restricted factor, in words and numbers."""
    limits = limits.copy()
    limits.columns = ["min", "max", "qp_low", "qp_high"]
    rows = []
    for name, lim in limits.iterrows():
        kind = data.factors[name]["kind"]
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            levels = sorted(lim["min"])
            words = f"{data.label(name)} in {{{', '.join(levels)}}}"
            low = high = np.nan
        else:
            low, high = float(lim["min"]), float(lim["max"])
            lowest, highest = float(x[name].min()), float(x[name].max())
            if low > lowest and high < highest:
                words = f"{fmt(low)} ≤ {data.label(name)} ≤ {fmt(high)}"
            elif low > lowest:
                words = f"{data.label(name)} ≥ {fmt(low)}"
            else:
                words = f"{data.label(name)} ≤ {fmt(high)}"
            levels = []
        qp = np.nanmax([lim["qp_low"], lim["qp_high"]])
        rows.append(
            {
                "factor": name,
                "kind": kind,
                "restriction": words,
                "low": low,
                "high": high,
                "levels": ";".join(levels),
                "qp_value": qp,
            }
        )
    return pd.DataFrame(
        rows, columns=["factor", "kind", "restriction", "low", "high", "levels", "qp_value"]
    )


def _cart_table(data: SweepData, x: pd.DataFrame, tree: Any) -> pd.DataFrame:
    """CART's boxes: each leaf's restrictions in words, coverage, density and mass."""
    rows: list[dict[str, Any]] = []
    if tree is None:
        return pd.DataFrame(rows, columns=["box", "rule", "coverage", "density", "mass"])
    for number, (limits, stats) in enumerate(zip(tree.boxes, tree.stats, strict=True)):
        words = []
        for name in limits.columns:
            low, high = limits[name].iloc[0], limits[name].iloc[1]
            if isinstance(x[name].dtype, pd.CategoricalDtype):
                if set(low) != set(x[name].cat.categories):
                    words.append(f"{name} in {{{', '.join(sorted(low))}}}")
                continue
            if low > x[name].min():
                words.append(f"{name} > {fmt(float(low))}")
            if high < x[name].max():
                words.append(f"{name} ≤ {fmt(float(high))}")
        rows.append(
            {
                "box": number,
                "rule": " and ".join(words) or "everything",
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": float(stats["mass"]),
            }
        )
    return pd.DataFrame(rows).sort_values("density", ascending=False).reset_index(drop=True)


def discovery_text(data: SweepData, found: Discovery, policy: dict[str, Any]) -> str:
    """The discovery's report: the box in words, its coverage and density, CART beside it."""
    fixed = ", ".join(f"{k} = {v}" for k, v in policy.items())
    lines = [
        f"# Where `{found.failing}`: sweep `{data.manifest['name']}`",
        "",
        *caveat_lines(data, FEWER_RUNS),
        f"{found.failures} of {found.cases} successful runs fail ({found.failing})"
        + (f", with {fixed}" if fixed else "")
        + ". PRIM (EMA workbench) found the box:",
        "",
    ]
    if found.density < threshold_of(found):
        lines.append("(No box reaches the density threshold; this is the densest PRIM found.)")
    if found.box.empty:
        lines.append("- no restriction: no box of the factors holds the failures more densely.")
    for r in found.box.itertuples():
        lines.append(f"- {r.restriction} ({r.kind}; quasi-p-value {r.qp_value:.2g})")
    free = [n for n in found.factors if n not in set(found.box["factor"])]
    if free and not found.box.empty:
        named = ", ".join(f"{data.label(n)} ({data.factors[n]['kind']})" for n in free)
        used = [n for n in free if any(n in rule.split() for rule in found.cart.head(3)["rule"])]
        lines += [
            "",
            f"Not restricted by the box (it holds every value swept): {named}."
            + (f" CART's boxes below do split on {', '.join(used)}." if used else ""),
        ]
    lines += [
        "",
        f"Coverage {100 * found.coverage:.0f} % (the share of all failures inside the box), "
        f"density {100 * found.density:.0f} % (the share of the box's runs that fail). The "
        "peeling trajectory (`peeling.csv`, `peeling.png`) shows what a wider or narrower box "
        "would trade.",
        "",
    ]
    if found.cart.empty:
        lines.append("CART needs two numeric factors or more; here PRIM's box is the answer.")
    else:
        lines += [
            "CART's densest boxes (`cart.csv`):",
            "",
            "| rule | coverage | density |",
            "| --- | --- | --- |",
        ]
    for r in found.cart.head(3).itertuples():
        lines.append(f"| {r.rule} | {100 * r.coverage:.0f} % | {100 * r.density:.0f} % |")
    return "\n".join([*lines, ""])
