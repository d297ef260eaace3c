"""The public API: what the command line, the app and notebooks use, and nothing else.

    import simulator as cl

    baseline = cl.load_scenario("baseline")                     # shipped, or a file path
    results = cl.run(baseline, replications=10)                 # -> cl.Results
    results.summary                                             # a pandas table per metric
    five = cl.load_scenario("baseline", changes={"caseworkers.staffing.0.caseworkers": 5})
    comparison = cl.compare(baseline, five, replications=10)    # -> cl.Comparison
    cl.write_results(results, "results/my_run")                 # the results folder
    outcome = cl.run_sweep("sweeps/staffing_vs_arrivals", out="results/sweeps/s")
    runs = cl.load_sweep_results("results/sweeps/s")            # one row per run

Every function validates its input as the command line does: bad input raises a
`ScenarioError` whose message names the file, the key and what is allowed. Heavy modules
(pandas, the engine, matplotlib) load only when a function needs them, so importing the
package is quick. Documented in docs/api.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from simulator.experiments.executors import Executor
    from simulator.experiments.run import Comparison, Results
    from simulator.scenario.schema import Scenario
    from simulator.sweep.runner import Outcome
    from simulator.sweep.spec import Sweep

Progress = bool | Callable[[int, float], None]  # a console bar, or a callback (rep, fraction)


def load_scenario(
    source: str | Path | Mapping[str, Any],
    *,
    changes: Mapping[str, Any] | None = None,
    overrides: list[str] | None = None,
) -> Scenario:
    """A validated scenario from a file, a shipped scenario's name, or plain data (a dict).

    `changes` sets keys by their dotted path (``{"caseworkers.weekly_hours": 30}``; a
    number indexes a list); `overrides` are command-line ``key.path=value`` texts.
    """
    from simulator.scenario import changed_scenario, keys
    from simulator.scenario import load_scenario as load_file

    if isinstance(source, Mapping):
        data = keys.apply_overrides(dict(source), overrides or [])
        return changed_scenario(data, changes or {}, "<scenario data>")
    return load_file(source, overrides, changes)


def run(
    scenario: Scenario,
    *,
    replications: int | str | None = None,
    seed: int | None = None,
    precision: float = 0.05,
    max_replications: int = 100,
    progress: Progress = False,
) -> Results:
    """Run replications of `scenario` (default: its own count) and gather them in tables.

    `replications="auto"` adds replications until every key metric's 95 % interval is
    within `precision` of its mean (Hoad, Robinson & Davies 2010), at most
    `max_replications`. `progress=True` shows a console bar (only on a terminal).
    """
    from simulator.analysis.replications import AutoReplications
    from simulator.experiments.run import run_scenario
    from simulator.scenario import ScenarioError

    count: int | AutoReplications | None
    if replications == "auto":
        try:
            count = AutoReplications(precision=precision, maximum=max_replications)
        except ValueError as exc:
            raise ScenarioError(f"replications auto: {exc}") from None
    else:
        count = _count("replications", replications, minimum=1)
    _check_seed(seed)
    total = count.maximum if isinstance(count, AutoReplications) else count
    total = total or scenario.simulation.replications
    with _progress(progress, total) as report:
        return run_scenario(scenario, replications=count, seed=seed, progress=report)


def compare(
    a: Scenario,
    b: Scenario,
    *,
    replications: int = 10,
    seed: int | None = None,
    progress: Progress = False,
) -> Comparison:
    """Run `a` and `b` with common random numbers; B - A per metric with paired intervals."""
    from simulator.experiments.run import compare as paired

    _count("replications", replications, minimum=2)
    _check_seed(seed)
    with _progress(progress, replications) as report:
        return paired(a, b, replications=replications, seed=seed, progress=report)


def write_results(
    results: Results, folder: str | Path, *, figures: bool = True, command: list[str] | None = None
) -> Path:
    """Write the results folder (tables, figures, the scenario as run, a manifest) at once."""
    from simulator.reporting.files import write_results as write

    return write(results, Path(folder), command=command, figures=figures)


def write_comparison(
    comparison: Comparison, folder: str | Path, *, command: list[str] | None = None
) -> Path:
    """Write a comparison folder (the paired table, both summaries, a figure) at once."""
    from simulator.reporting.files import write_comparison as write

    return write(comparison, Path(folder), command=command)


def describe(what: Results | Comparison | Sweep | Outcome, folder: str | Path | None = None) -> str:
    """What the console shows: the key figures of a run or a comparison, what a sweep spec
    will run (its design checked), or what a call of `run_sweep` did."""
    from simulator.experiments.run import Comparison, Results
    from simulator.reporting import console
    from simulator.sweep import runner

    where = None if folder is None else Path(folder)
    if isinstance(what, Comparison):
        return console.comparison_summary(what, where)
    if isinstance(what, Results):
        return console.console_summary(what, where)
    if isinstance(what, runner.Outcome):
        return runner.outcome_text(what)
    return runner.describe(what)


def load_sweep(spec: str | Path) -> Sweep:
    """A validated sweep spec (a file, or a shipped one's name), checked against its base."""
    from simulator.scenario import shipped
    from simulator.sweep.spec import load_sweep as load

    path = Path(spec)
    return load(path if path.exists() else shipped.find(path) or path)


def run_sweep(
    sweep: Sweep | str | Path,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = False,
    command: list[str] | None = None,
    executor: Executor | None = None,
    **options: Any,
) -> Outcome:
    """Run every run of a sweep not yet stored in `out` (default results/sweeps/<name>).

    Local processes on every core by default, `workers=1` in this process, or a Dask
    cluster at `scheduler` (one you trust: Dask exchanges pickled data). Resumable:
    runs already stored are skipped. `options` go to `simulator.sweep.runner.run_sweep`.
    """
    from simulator.experiments.executors import make_executor
    from simulator.sweep.runner import run_sweep as run_all

    sweep = sweep if not isinstance(sweep, str | Path) else load_sweep(sweep)
    folder = Path(out) if out is not None else Path("results") / "sweeps" / sweep.name
    own = executor is None
    executor = executor or make_executor(workers, scheduler)
    try:
        return run_all(
            sweep,
            folder,
            executor,
            retry_failed=retry_failed,
            show_progress=progress,
            command=command,
            **options,
        )
    finally:
        if own:
            executor.close()


def analyze_sweep(folder: str | Path, **options: Any) -> Path:
    """Write a sweep's analysis (tables, figures, report.md); see `simulator.sweep.analyze`."""
    from simulator.sweep.analyze import analyze_sweep as analyze

    return analyze(folder, **options)


def load_sweep_results(folder: str | Path) -> pd.DataFrame:
    """Every stored run of a sweep, one row per run: factors, status, every metric."""
    from simulator.sweep.store import load_results

    return load_results(folder)


def calibrate(
    replications: int = 20,
    municipalities: int = 30,
    workers: int | None = None,
    checks: bool = True,
    scenario: str | Path | None = None,
) -> str:
    """Every calibration target (T1-T8) and out-of-sample check (O1-O3) of the baseline
    (or `scenario`) beside the model's value, its 95 % interval and a verdict, and which
    parameters are fitted, sourced or assumed, as text (docs/calibration.md)."""
    from simulator.calibration import BASELINE, calibration_report

    base = Path(scenario) if scenario is not None else BASELINE
    return calibration_report(base, replications=replications, workers=workers,
                              checks=checks, municipalities=municipalities)  # fmt: skip


def calibrate_fit(
    scenario: str | Path | None = None,
    into: str | Path | None = None,
    replications: int | None = None,
    max_evaluations: int | None = None,
    workers: int | None = 2,
    progress: Any = None,
) -> Any:
    """Fit the free parameters to T1-T8 from their pre-fit values (docs/calibration.md) and
    write them into `into` (default: the scenario fitted). Returns the `FitResult`."""
    from simulator.calibration import BASELINE, fit, write_fitted
    from simulator.calibration.fit import FIT_REPLICATIONS, MAX_EVALUATIONS

    base = Path(scenario) if scenario is not None else BASELINE
    result = fit(base, replications=replications or FIT_REPLICATIONS,
                 max_evaluations=max_evaluations or MAX_EVALUATIONS, workers=workers,
                 progress=progress)  # fmt: skip
    write_fitted(base, result.values, into=Path(into) if into is not None else None)
    return result


def calibrate_sensitivity(
    scenario: str | Path | None = None, replications: int = 5, workers: int | None = None
) -> str:
    """How the headline outputs move when each fitted or assumed parameter moves across its
    plausible range, one at a time, as a Markdown table."""
    from simulator.calibration import BASELINE, markdown, sensitivity

    base = Path(scenario) if scenario is not None else BASELINE
    return markdown(sensitivity(base, replications=replications, workers=workers))


def new_scenario(name: str, folder: str | Path = ".") -> Path:
    """Write `<folder>/<name>.toml`, a commented starter scenario that extends the baseline."""
    from simulator.scenario.starter import write_starter

    return write_starter(name, Path(folder))


def _count(what: str, value: Any, minimum: int) -> int | None:
    from simulator.scenario import ScenarioError

    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScenarioError(f"{what}: must be a whole number >= {minimum} (got {value!r})")
    return value


def _check_seed(seed: int | None) -> None:
    from simulator.scenario import ScenarioError

    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ScenarioError(f"seed: must be a whole number >= 0 (got {seed!r})")


class _progress:
    """A context giving the progress callback a run wants: None, a console bar, or `fn`."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress, self.total = progress, total
        self.bar: Any = None

    def __enter__(self) -> Callable[[int, float], None] | None:
        if callable(self.progress):
            return self.progress
        if not self.progress:
            return None
        from simulator.reporting.progress import ProgressBar

        self.bar = ProgressBar(self.total).__enter__()
        return self.bar.update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
