"""Designs: which points of the factors' space a sweep runs.

Samplers come from libraries, not from here: Latin hypercubes from
`scipy.stats.qmc`, Sobol designs from SALib's Saltelli scheme (so that SALib's
analyser can estimate first-order and total indices from the same points, in the
same order). Both draw points in the unit cube; `from_unit` maps a unit coordinate
to a factor's value (a real range linearly, an integer range or a list of levels by
equal strata), so every design treats every kind of factor alike. A design is
seeded from the sweep's seed, so the same spec always gives the same points.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from simulator.sweep.spec import Factor, Sweep, SweepError

DTYPES = {"integer": "int64", "real": "float64", "boolean": "bool", "text": "object"}


def design_size(sweep: Sweep) -> int:
    """How many points the design has, worked out without building it (a design of 10^12
    points is refused before it fills the memory)."""
    design, k = sweep.spec.design, len(sweep.factors)
    if design.kind == "full_factorial":
        return math.prod(
            len(f.levels) if f.levels is not None else f.steps or 0 for f in sweep.factors.values()
        )
    assert design.n is not None
    if design.kind == "sobol":
        return design.n * (2 * k + 2 if design.second_order else k + 2)
    if design.kind == "morris":
        return design.n * (k + 1)  # trajectories of k + 1 points
    return design.n


def build_design(sweep: Sweep) -> pd.DataFrame:
    """One row per design point: `point` (0, 1, ...) and one column per factor."""
    factors = sweep.factors
    design = sweep.spec.design
    if design.kind == "full_factorial":
        rows = list(itertools.product(*(grid(f) for f in factors.values())))
        columns = {name: [row[i] for row in rows] for i, name in enumerate(factors)}
    else:
        unit = unit_sample(sweep)
        columns = {name: from_unit(f, unit[:, i]) for i, (name, f) in enumerate(factors.items())}
    table = pd.DataFrame(columns)
    for name, factor in factors.items():
        table[name] = table[name].astype(DTYPES[factor.value_type])
    table.insert(0, "point", np.arange(len(table), dtype="int64"))
    return table


def unit_sample(sweep: Sweep) -> np.ndarray:
    """The design's points in the unit cube, one row per point, one column per factor."""
    design, k = sweep.spec.design, len(sweep.factors)
    if design.kind == "latin_hypercube":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=k, rng=np.random.default_rng(sweep.seed)).random(design.n)
    if design.kind == "morris":
        return _salib("sample.morris").sample(
            sobol_problem(sweep), design.n, num_levels=design.grid_levels, seed=sweep.seed
        )
    if design.kind == "sobol":
        sobol = _salib("sample.sobol")
        return sobol.sample(
            sobol_problem(sweep),
            design.n,
            calc_second_order=design.second_order,
            seed=sweep.seed,
        )
    raise ValueError(f"no unit sample for a {design.kind} design")


def sobol_problem(sweep: Sweep) -> dict[str, Any]:
    """The SALib problem: every factor on [0, 1], mapped to its values by `from_unit`."""
    names = list(sweep.factors)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def grid(factor: Factor) -> list[Any]:
    """A factor's levels in a full factorial design: its `levels`, or `steps` over its range."""
    if factor.levels is not None:
        return list(factor.levels)
    low, high = factor.range
    space = np.geomspace if factor.log else np.linspace
    values = space(low, high, factor.steps)
    if factor.value_type == "integer":
        return [int(v) for v in np.round(values)]
    return [float(v) for v in values]


def from_unit(factor: Factor, u: np.ndarray) -> list[Any]:
    """Values of `factor` for unit coordinates `u` in [0, 1).

    A real range maps linearly (log-linearly with `log = true`); an integer range and a
    list of levels are cut into equal strata, one a value, so each value is equally likely.
    """
    u = np.clip(np.asarray(u, dtype=float), 0.0, np.nextafter(1.0, 0.0))
    if factor.levels is not None:
        index = np.floor(u * len(factor.levels)).astype(int)
        return [factor.levels[i] for i in index]
    low, high = factor.range
    if factor.value_type == "integer":
        return [int(v) for v in low + np.floor(u * (high - low + 1))]
    if factor.log:  # equal ratios, not equal steps: each decade equally likely
        return [float(v) for v in low * (high / low) ** u]
    return [float(v) for v in low + u * (high - low)]


def _salib(module: str) -> Any:
    """A SALib module, or a clear error where the optional extra is not installed."""
    import importlib

    try:
        return importlib.import_module(f"SALib.{module}")
    except ImportError:
        raise SweepError(
            "sobol and morris designs need SALib: pip install 'caseload-simulator[sweep]'"
        ) from None
