"""Morris screening: which factors matter at all, for a few runs per factor, before a Sobol design.

A Morris design (``[design] kind = "morris"``) is `n` trajectories through a grid of
`levels` values per factor, each moving one factor at a time: k + 1 points a trajectory
for k factors, so n·(k+1) points in all (a Sobol design needs n·(k+2) with a far larger
n). SALib's `analyze.morris` turns the differences along each step (the elementary
effects) into, per factor and metric:

- μ* (`mu_star`): the mean absolute elementary effect, with a bootstrap 95 % CI: how
  much the metric moves when the factor moves one grid step (about two thirds of its range
  with 4 levels), whatever the others do. A factor with a small μ* can be dropped;
- σ (`sigma`): the spread of its elementary effects: large beside μ* means the effect
  depends on where the other factors are (interaction) or is non-linear;
- μ (`mu`): the mean signed effect (opposite signs cancel in it).

The metric at a point is its mean over replications. The points are SALib's, drawn in
the unit cube and mapped to factor values as in every design (`design.from_unit`), so
the effects are per unit of each factor's normalised range; the sample is drawn again
here from the sweep's seed (SALib is deterministic given it) and checked against the
stored design.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from simulator.sweep.analyze import SweepData


def morris_unit_sample(data: SweepData) -> np.ndarray:
    """The design's points in the unit cube, as SALib drew them for this sweep."""
    from SALib.sample import morris

    names = list(data.factors)
    design = data.manifest["design"]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = morris.sample(
        problem, design["n"], num_levels=design.get("levels") or 4, seed=data.manifest["seed"]
    )
    if len(unit) != len(data.design):
        raise ValueError(
            f"{data.folder}: the Morris sample drawn again has {len(unit)} points, the stored "
            f"design {len(data.design)} (another SALib version?)"
        )
    return unit


def morris_indices(data: SweepData, metric: str) -> pd.DataFrame | None:
    """μ*, its 95 % CI, μ and σ of `metric` per factor (SALib), or None if not computable.

    Needs a Morris design and a successful run at every point.
    """
    design = data.manifest["design"]
    y = data.point_means(metric).to_numpy(dtype=float)
    if design["kind"] != "morris" or np.isnan(y).any():
        return None
    from SALib.analyze import morris

    names = list(data.factors)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    result = morris.analyze(
        problem,
        morris_unit_sample(data),
        y,
        conf_level=0.95,
        num_levels=design.get("levels") or 4,
        seed=data.manifest["seed"],
    )
    return pd.DataFrame(
        {
            "metric": metric,
            "factor": names,
            "kind": [data.factors[n]["kind"] for n in names],
            "mu_star": np.asarray(result["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(result["mu_star_conf"], dtype=float),
            "mu": np.asarray(result["mu"], dtype=float),
            "sigma": np.asarray(result["sigma"], dtype=float),
        }
    )
