"""Calibration of the baseline against the surveys and statistics, reproducible by
``caseload calibrate``.

The targets (T1-T8) and out-of-sample checks (O1-O3) were written down in
docs/calibration.md before any fit; `targets` implements each as written. `parameters`
holds the five free parameters with their bounds (written down before the fit, too) and
the sourced and assumed defaults with the ranges their sources allow. `fit` fits the free
parameters by simulated method of moments with common random numbers (Nelder-Mead, SciPy)
on the experiments layer's executors; `writer` writes the fitted values into the baseline,
beside their comments; `report` prints every target and check beside the model with its
interval and verdict; `sensitivity` moves each fitted or assumed parameter across its range.
"""

from __future__ import annotations

from simulator.calibration.fit import FitResult, fit
from simulator.calibration.report import BASELINE, calibration_report
from simulator.calibration.sensitivity import markdown, sensitivity
from simulator.calibration.writer import write_fitted

__all__ = [
    "BASELINE",
    "FitResult",
    "calibration_report",
    "fit",
    "markdown",
    "sensitivity",
    "write_fitted",
]
