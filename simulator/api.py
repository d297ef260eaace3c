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

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.analysis.standards import CASELOAD_LIMIT, CONFIDENCE, ON_TIME
from simulator.timings import phase

if TYPE_CHECKING:
    import pandas as pd

    from simulator.experiments.executors import Executor
    from simulator.experiments.limits import Estimate
    from simulator.experiments.outputs import Destination
    from simulator.experiments.run import Comparison, Results
    from simulator.plan.planner import Plan
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
    with phase("import"):
        from simulator.scenario import changed_scenario, keys
        from simulator.scenario import load_scenario as load_file

    with phase("scenario"):
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
    workers: int | None = None,
    limits: bool = True,
    first: int = 0,
    meanwhile: Callable[[], None] | None = None,
) -> Results:
    """Run replications of `scenario` (default: its own count) and gather them in tables.

    `replications="auto"` adds replications until every key metric's 95 % interval is
    within `precision` of its mean (Hoad, Robinson & Davies 2010), at most
    `max_replications`. `progress=True` shows a console bar (only on a terminal).
    The replications run on `workers` processes (default: one per core, but in this
    process for a run of two replications or fewer unless workers are forked,
    `fork_workers`); the results are the same however many. A run larger than the
    limits (`estimate`) is refused unless `limits=False`. The replications are
    numbered from `first` (default 0): replication k is the same in any run, so a
    run can be made in parts and joined (`join_runs`). `meanwhile` is work for this
    process while the replications run on worker processes (before them, where they
    run here): the command line loads what draws the figures (`prepare_figures`).
    """
    with phase("import"):
        from simulator.experiments.executors import closing, replication_executor
        from simulator.scenario import ScenarioError

    auto = replications == "auto"
    count = None if auto else _count("replications", replications, minimum=1)
    _check_seed(seed)
    _count("workers", workers, minimum=1)
    _count("first", first, minimum=0)
    total = max_replications if auto else count or scenario.simulation.replications
    if limits:
        check_size(scenario, total)
    # processes start loading at once; stopped at once if the run fails or is interrupted
    with closing(replication_executor(total, workers)) as executor:
        with phase("import"):
            from simulator.analysis.replications import AutoReplications
            from simulator.experiments.run import run_scenario

        rule: int | AutoReplications | None = count
        if auto:
            try:
                rule = AutoReplications(precision=precision, maximum=max_replications)
            except ValueError as exc:
                raise ScenarioError(f"replications auto: {exc}") from None
        with _progress(progress, total) as report:
            return run_scenario(
                scenario,
                replications=rule,
                seed=seed,
                progress=report,
                executor=executor,
                first=first,
                meanwhile=meanwhile,
            )


def prepare_tables() -> None:
    """Load what makes and writes a run's tables (pandas, pyarrow) now, rather than when
    the first replication comes in: `caseload run` does it while its replications run on
    worker processes forked before it loaded them (`run(meanwhile=prepare_tables)`).
    Changes nothing written."""
    with phase("import"):
        import pyarrow.parquet  # noqa: F401  (pandas loads it at the first Parquet file)

        from simulator.reporting import files  # noqa: F401  (pandas, the tables)


def prepare_figures() -> None:
    """`prepare_tables`, and load what draws a results folder's figures (matplotlib) now,
    rather than when the first figure is drawn: `caseload run` does it while its
    replications run on worker processes (`run(meanwhile=prepare_figures)`), so that the
    figures' workers, forked from it afterwards (`fork_workers`), start with it loaded.
    Changes nothing drawn."""
    from simulator.reporting.drawing import prepare

    prepare_tables()
    prepare()


def join_runs(parts: Sequence[Results]) -> Results:
    """One run from runs of the same scenario and seed with other replications (`run`'s
    `first`): the same tables, byte for byte, as the run of all their replications made
    at once. A replication in two parts, or parts of other scenarios or seeds, are a
    `ScenarioError`."""
    from simulator.experiments.run import join
    from simulator.scenario import ScenarioError

    try:
        return join(parts)
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None


def fork_workers() -> None:
    """Start the worker processes of `run`, `compare` and `write_results` from now on by
    forking this program (on Linux, where it runs one thread when they start): they start
    at once and share what it has loaded, instead of a fork server loading the simulator
    again (batches, whose workers start once for many runs, keep the fork server). For a
    program that runs one command and ends, like `caseload`; the default suits programs
    with threads of their own (the app, a notebook) and scripts. The results are the same
    either way."""
    from simulator.experiments.executors import fork_workers as allow

    allow()


def compare(
    a: Scenario,
    b: Scenario,
    *,
    replications: int = 10,
    seed: int | None = None,
    progress: Progress = False,
    workers: int | None = None,
    limits: bool = True,
) -> Comparison:
    """Run `a` and `b` with common random numbers; B - A per metric with paired intervals.

    Both scenarios' replications run on `workers` processes (as in `run`). Each run
    larger than the limits is refused unless `limits=False`.
    """
    with phase("import"):
        from simulator.experiments.executors import closing, replication_executor

    _count("replications", replications, minimum=2)
    _check_seed(seed)
    _count("workers", workers, minimum=1)
    if limits:
        check_size(a, replications, "A")
        check_size(b, replications, "B")
    with closing(replication_executor(2 * replications, workers)) as executor:
        with phase("import"):
            from simulator.experiments.run import compare as paired

        with _progress(progress, replications) as report:
            return paired(
                a, b, replications=replications, seed=seed, progress=report, executor=executor
            )


def estimate(scenario: Scenario, replications: int | None = None) -> Estimate:
    """How large a run will be (cases, tasks, events, memory), from the scenario alone."""
    from simulator.experiments.limits import estimate as size

    return size(scenario, replications)


def check_size(scenario: Scenario, replications: int | None = None, what: str = "") -> Estimate:
    """The estimate of a run, or a `ScenarioError` naming each limit it passes and why."""
    from simulator.experiments.limits import check

    return check(scenario, replications, what or f"scenario '{scenario.name}'")


def work_ratio(scenario: Scenario) -> float:
    """The hours of work a run of `scenario` holds over its caseworkers' casework hours,
    estimated from the scenario alone in microseconds (an upper bound, about twice the
    baseline's measured utilisation: compare scenarios by it, scaled by a measured run,
    as the app does to refuse a setting far past capacity before running it)."""
    from simulator.experiments.limits import work_ratio as ratio

    return ratio(scenario)


def results_folder(
    scenario: Scenario, out: str | Path | None = None, *, force: bool = False
) -> Destination:
    """Where a run's results go (`out`, default results/<name>/), checked before any work:
    an existing folder is replaced only if caseload wrote it and holds nothing else, and
    only with `force` or when it is the default folder of the same scenario. Refusals
    (a file, a link, another program's folder, no permission) raise `ScenarioError`."""
    from simulator.experiments.outputs import results_destination  # no tables: none loaded

    return results_destination(scenario.name, None if out is None else Path(out), force=force)


def comparison_folder(
    a: Scenario, b: Scenario, out: str | Path | None = None, *, force: bool = False
) -> Destination:
    """Where a comparison goes (default results/compare_<A>_vs_<B>/), checked as above."""
    from simulator.experiments.outputs import comparison_destination

    where = None if out is None else Path(out)
    return comparison_destination(a.name, b.name, where, force=force)


def write_results(
    results: Results,
    folder: str | Path | Destination,
    *,
    figures: bool = True,
    force: bool = False,
    command: list[str] | None = None,
    workers: int | None = None,
) -> Path:
    """Write the results folder (tables, figures, the scenario as run, a manifest) at once,
    where `results_folder` allows. Raises `FiguresFailed` (the tables written) if a
    figure could not be drawn.

    The figures are drawn on `workers` processes (default: one per core where the run
    had more than two replications or workers are forked (`fork_workers`), else in this
    process).
    """
    _count("workers", workers, minimum=1)
    with phase("import"):
        from simulator.experiments.outputs import Destination
        from simulator.reporting.files import write_results as write

    if not isinstance(folder, Destination):
        folder = results_folder(results.scenario, folder, force=force)
    return write(results, folder, command=command, figures=figures, workers=workers)


def write_comparison(
    comparison: Comparison,
    folder: str | Path | Destination,
    *,
    force: bool = False,
    command: list[str] | None = None,
) -> Path:
    """Write a comparison folder (the paired table, both summaries, a figure) at once."""
    with phase("import"):
        from simulator.experiments.outputs import Destination
        from simulator.reporting.files import write_comparison as write

    if not isinstance(folder, Destination):
        folder = comparison_folder(
            comparison.a.scenario, comparison.b.scenario, folder, force=force
        )
    return write(comparison, folder, command=command)


def describe(
    what: Results | Comparison | Sweep | Outcome | Plan,
    folder: str | Path | None = None,
    *,
    limits: bool = True,
) -> str:
    """What the console shows: the key figures of a run or a comparison, what a sweep spec
    will run (its design checked, within the limits unless `limits=False`), what a call of
    `run_sweep` did, or a staffing plan."""
    with phase("import"):
        from simulator.experiments.run import Comparison, Results
        from simulator.reporting import console

    where = None if folder is None else Path(folder)
    with phase("summary"):
        if isinstance(what, Comparison):
            return console.comparison_summary(what, where)
        if isinstance(what, Results):
            return console.console_summary(what, where)
    # the planner and the sweep load SciPy: imported only for what they made
    with phase("import"):
        from simulator.plan.planner import Plan
        from simulator.sweep import runner
    if isinstance(what, Plan):
        from simulator.plan.report import describe_plan

        return describe_plan(what, where)
    if isinstance(what, runner.Outcome):
        return runner.outcome_text(what)
    return runner.describe(what, check_limits=limits)


def load_sweep(spec: str | Path) -> Sweep:
    """A validated sweep spec (a file, or a shipped one's name), checked against its base."""
    from simulator.scenario import shipped
    from simulator.sweep.spec import load_sweep as load

    path = Path(spec)
    return load(path if path.is_file() else shipped.find(path) or path)


def sweep_folder(sweep: Sweep, out: str | Path | None = None) -> Path:
    """Where a sweep's results go: `out`, or results/sweeps/<name>."""
    return Path(out) if out is not None else Path("results") / "sweeps" / sweep.name


def check_sweep(
    sweep: Sweep,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    limits: bool = True,
    design: bool = True,
) -> Any:
    """What `run_sweep` checks before anything runs, each a `ScenarioError` (exit 2 on the
    command line): the folder `out` (new, empty, or this very sweep's to resume), the
    local `workers` the machine can hold (none asked of a `scheduler`), and with
    `design` the design and the size of every run (`limits=False` lifts the size
    limits). `caseload sweep --check` runs it too, so a check that passes is a run that
    starts. Returns the design (None without `design`)."""
    from simulator.experiments.executors import check_workers
    from simulator.sweep.runner import prepare
    from simulator.sweep.store import check_destination

    check_destination(sweep_folder(sweep, out), sweep)
    if scheduler is None:
        check_workers(workers)
    return prepare(sweep, check_limits=limits) if design else None


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
    limits: bool = True,
    security: Any = None,
    **options: Any,
) -> Outcome:
    """Run every run of a sweep not yet stored in `out` (default results/sweeps/<name>).

    Local processes on every core by default, `workers=1` in this process, or a Dask
    cluster at `scheduler` (one you trust: Dask exchanges pickled data; `security` is a
    `distributed.security.Security` for a `tls://` scheduler). Resumable: runs already
    stored are skipped. The folder, the design and the size of every run are checked
    before the executor starts (`limits=False` lifts the size limits). `options` go to
    `simulator.sweep.runner.run_sweep`.
    """
    from simulator.experiments.executors import closing, make_executor
    from simulator.sweep.runner import run_sweep as run_all

    sweep = sweep if not isinstance(sweep, str | Path) else load_sweep(sweep)
    folder = sweep_folder(sweep, out)
    design = options.pop("design", None)
    checked = check_sweep(sweep, out=folder, workers=workers, scheduler=scheduler,
                          limits=limits, design=design is None)  # fmt: skip
    design = checked if design is None else design
    if executor is not None:  # the caller's: left open
        return run_all(sweep, folder, executor, design=design, retry_failed=retry_failed,
                       show_progress=progress, command=command, **options)  # fmt: skip
    with closing(make_executor(workers, scheduler, security)) as own:
        return run_all(sweep, folder, own, design=design, retry_failed=retry_failed,
                       show_progress=progress, command=command, **options)  # fmt: skip


def analyze_sweep(folder: str | Path, **options: Any) -> Path:
    """Write a sweep's analysis (tables, figures, report.md); see `simulator.sweep.analyze`.

    `out` (default FOLDER/analysis) is checked as a results folder (`force` replaces one
    caseload wrote), never the sweep's own folder or its run data; damaged parts of the
    results are skipped and reported to `on_damaged` and in report.md, a metric whose
    mechanism is off in every run left out and its reason passed to `on_off`, and an
    incomplete sweep's warning passed to `on_unfinished` and said in report.md."""
    from simulator.sweep.analyze import analyze_sweep as analyze

    return analyze(folder, **options)


def load_sweep_results(folder: str | Path) -> pd.DataFrame:
    """Every stored run of a sweep, one row per run: factors, status, every metric
    (a damaged part of the results is skipped, with a warning)."""
    from simulator.sweep.store import load_results

    return load_results(folder)


def load_sweep_series(
    folder: str | Path, metric: str, points: list[int] | None = None
) -> pd.DataFrame:
    """One weekly series stored by a sweep (its spec's `series`): run_id, point,
    replication, week, date, value; `points` keeps those design points only (a damaged
    part of the series is skipped, with a warning)."""
    from simulator.sweep.series import load_series

    return load_series(folder, metric, points)


def discover(
    folder: str | Path,
    metric: str,
    *,
    below: float | None = None,
    above: float | None = None,
    policy: dict[str, Any] | None = None,
    threshold: float = 0.8,
    out: str | Path | None = None,
    force: bool = False,
    on_damaged: Callable[[str], None] | None = None,
    on_unfinished: Callable[[str], None] | None = None,
) -> Any:
    """Scenario discovery (PRIM and CART, EMA workbench): the box of factor values in which
    runs fail (`metric` below or above a threshold); see `simulator.sweep.discovery`.
    `out` (default FOLDER/discovery_<metric>) is checked as `analyze_sweep`'s; a `metric`
    whose mechanism is switched off in every run of the sweep is refused (ScenarioError).
    Damaged parts of the results are skipped and passed to `on_damaged`, an incomplete
    sweep's warning to `on_unfinished`, both said in report.md, as `analyze_sweep` does."""
    from simulator.sweep.discovery import discover as find

    return find(
        folder, metric, below=below, above=above, policy=policy, threshold=threshold, out=out,
        force=force, on_damaged=on_damaged, on_unfinished=on_unfinished,
    )  # fmt: skip


def ema_model(spec: str | Path | Any, outcomes: tuple[str, ...] | None = None) -> Any:
    """A sweep spec as an EMA-workbench `Model` (for `perform_experiments`): factors as its
    uncertainties and levers, metrics as its outcomes; see `simulator.sweep.ema`."""
    from simulator.sweep.ema import OUTCOMES
    from simulator.sweep.ema import ema_model as adapt

    return adapt(spec, tuple(outcomes) if outcomes else OUTCOMES)


def robustness(
    folder: str | Path,
    metrics: list[str] | None = None,
    *,
    caseload_limit: float = CASELOAD_LIMIT,
    on_time: float = ON_TIME,
    out: str | Path | None = None,
    force: bool = False,
    on_damaged: Callable[[str], None] | None = None,
    on_off: Callable[[str], None] | None = None,
    on_unfinished: Callable[[str], None] | None = None,
) -> Path:
    """Each policy (lever setting) across the uncertainties: mean, bad decile, maximum
    regret, share of scenarios meeting the targets; see `simulator.sweep.robustness`.
    `out` (default FOLDER/robustness) is checked as `analyze_sweep`'s; a metric whose
    mechanism is switched off in every run is left out, its reason in report.md and
    passed to `on_off`. Damaged parts of the results are skipped and passed to
    `on_damaged`, an incomplete sweep's warning to `on_unfinished`, both said in
    report.md, as `analyze_sweep` does."""
    from simulator.sweep.robustness import robustness as assess

    return assess(
        folder, metrics, caseload_limit=caseload_limit, on_time=on_time, out=out, force=force,
        on_damaged=on_damaged, on_off=on_off, on_unfinished=on_unfinished,
    )  # fmt: skip


def staffing_plan(
    scenario: Scenario,
    *,
    caseload_limit: float = CASELOAD_LIMIT,
    on_time: float = ON_TIME,
    confidence: float = 0.9,
    caseload_measure: str = "average",
    meet: str = "probability",
    start: dt.date | str | None = None,
    until: dt.date | str | None = None,
    step: str = "quarter",
    max_change: int | None = None,
    no_firing: bool = False,
    hold_years: float = 1.0,
    deadline_premium: float = 0.25,
    arrivals_range: tuple[float, float] | None = None,
    replications: int = 20,
    max_replications: int = 100,
    seed: int | None = None,
    workers: int | None = None,
    evidence: bool = True,
    limits: bool = True,
    progress: bool | Callable[[str, int], None] = False,
) -> Plan:
    """The least caseworker posts per quarter (or month) from `start` to `until` that keep
    the caseload per caseworker at most `caseload_limit` and get at least `on_time` of the
    statutory tasks done on time, each quarter, in at least `confidence` of simulated
    futures (`meet="probability"`) or on average (`meet="mean"`): offered-load start,
    simulation search with common random numbers, a sequential check on fresh
    replications, and one fewer caseworker shown to miss. docs/planning.md.

    `caseload_measure`: "average" (open cases ÷ caseworkers on the staff), "peak_week" or
    "each" (every caseworker's own). `max_change`: most posts added or cut a period;
    `no_firing`: posts never fall; `hold_years`: posts that rise do not fall again, nor
    posts that fall rise again, within this many years (default 1; 0: off).
    `deadline_premium`: the most posts bought
    for the on-time target, as a share above what the caseload and the work need
    (default 0.25); a period whose deadlines cost more keeps its caseload's need and is
    reported as reachable only at very high cost, or not shown to be reachable by more
    posts. `arrivals_range`:
    factors (low, high) on the scenario's quotas; the plan holds up to the high end.
    `replications`: the search's sample;
    `max_replications`: the most fresh ones the check runs. `workers`: processes (default:
    every core; 1 runs in this process). A scenario whose runs (at the high end of
    `arrivals_range`) are larger than the limits is refused unless `limits=False`.
    `progress=True` shows what the planner is doing and the runs so far on the console; a
    callable is told them (`doing`, `runs`) after each run.
    """
    from simulator.plan.planner import PlanOptions, make_plan
    from simulator.plan.targets import Targets
    from simulator.scenario import ScenarioError

    _check_seed(seed)
    try:
        options = PlanOptions(
            targets=Targets(caseload_limit, on_time, confidence, caseload_measure, meet),  # type: ignore[arg-type]
            start=_date("start", start),
            until=_date("until", until),
            step=step,  # type: ignore[arg-type]
            max_change=max_change,
            no_firing=no_firing,
            hold_years=hold_years,
            deadline_premium=deadline_premium,
            arrivals_range=arrivals_range,
            replications=replications,
            max_replications=max_replications,
            seed=seed,
            workers=workers,
            evidence=evidence,
        )
    except ValueError as exc:
        raise ScenarioError(f"plan: {exc}") from None
    if limits:
        check_plan_size(scenario, arrivals_range, replications, start=start, until=until,
                        step=step, max_replications=max_replications)  # fmt: skip
    if callable(progress) or not progress:
        return make_plan(scenario, options, progress or None)
    from simulator.reporting.progress import StatusLine

    status = StatusLine("caseload plan")
    try:
        return make_plan(scenario, options, status.update)
    finally:
        status.close()


def check_plan_size(
    scenario: Scenario,
    arrivals_range: tuple[float, float] | None = None,
    replications: int = 20,
    what: str = "",
    *,
    start: dt.date | str | None = None,
    until: dt.date | str | None = None,
    step: str = "quarter",
    limits: bool = True,
    max_replications: int | None = None,
) -> Estimate | None:
    """`check_size` for the planner's runs: the periods `start` to `until` checked (a
    `ScenarioError` naming --from or --until), and the runs at the high end of
    `arrivals_range` and as long as `until` asks (a scenario that cannot run that long,
    such as yearly quotas that stop before `until`, refused naming `what`, the file), and
    no more than a million fresh replications (`max_replications`).
    `limits=False` checks all that but not the runs' size or number (and returns None)."""
    from simulator.experiments.limits import check_runs
    from simulator.plan.planner import planned_runs
    from simulator.plan.targets import planning_periods
    from simulator.scenario import ScenarioError

    try:
        periods = planning_periods(scenario, _date("start", start), _date("until", until), step)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ScenarioError(f"plan: {exc}") from None
    runs = planned_runs(scenario, arrivals_range[1] if arrivals_range else 1.0, periods, what)
    if not limits:
        return None
    if max_replications is not None:
        escape = "Check it for a misplaced digit; to run it anyway, add --no-limits"
        check_runs(max_replications, "plan", asks="--max-replications asks for up to",
                   escape=escape)  # fmt: skip
    return check_size(runs, replications, what)


def plan_folder(
    scenario: Scenario, out: str | Path | None = None, *, force: bool = False
) -> Destination:
    """Where a plan goes (default results/plan_<name>/), checked before the work as
    `results_folder` checks a run's: a plan folder caseload wrote is replaced only with
    `force` or when it is the default folder of the same scenario."""
    from simulator.plan.files import plan_destination

    return plan_destination(scenario.name, out, force=force)


def write_plan(
    plan: Plan,
    folder: str | Path | Destination | None = None,
    *,
    force: bool = False,
    command: list[str] | None = None,
) -> Path:
    """Write a plan's folder (plan.csv, the page as PDF and PNG, evidence, the planned
    scenario, a manifest) at once, where `plan_folder` allows. Raises `FiguresFailed`
    (the tables written) if the page could not be drawn."""
    from simulator.experiments.outputs import Destination
    from simulator.plan.files import write_plan as write

    if not isinstance(folder, Destination):
        folder = plan_folder(plan.scenario, folder, force=force)
    return write(plan, folder, command=command)


def calibrate(
    replications: int = 20,
    municipalities: int = 30,
    workers: int | None = None,
    checks: bool = True,
    scenario: str | Path | None = None,
    overrides: list[str] | None = None,
    progress: bool = False,
) -> str:
    """Every calibration target (T1-T8) and out-of-sample check (O1-O3) of the baseline
    (or `scenario`) beside the model's value, its 95 % interval and a verdict, and which
    parameters are fitted, sourced or assumed, as text (docs/calibration.md). `overrides`
    (``key.path=value``) are set on the scenario first, as `run`'s. `progress=True` shows the
    runs done on the console."""
    from simulator.calibration import BASELINE, calibration_report
    from simulator.scenario import scenario_path

    base = scenario_path(scenario) if scenario is not None else BASELINE
    return calibration_report(base, replications=replications, workers=workers,
                              checks=checks, municipalities=municipalities,
                              overrides=overrides, progress=progress)  # fmt: skip


def calibrate_fit(
    scenario: str | Path | None = None,
    into: str | Path | None = None,
    replications: int | None = None,
    max_evaluations: int | None = None,
    workers: int | None = 2,
    progress: Any = None,
    *,
    refine_only: bool = False,
    force: bool = False,
) -> Any:
    """Fit the free parameters to T1-T8 from their pre-fit values, in three stages
    (docs/calibration.md), and write them into `into` (default: the scenario fitted; an
    existing `into` is replaced only with `force`). With `refine_only`, run the third
    stage alone from the scenario's current values (a previous fit's). Everything that can
    fail is checked first (ScenarioError). Returns the `FitResult`."""
    from simulator.calibration import BASELINE, fit, write_fitted
    from simulator.calibration.fit import FIT_REPLICATIONS, MAX_EVALUATIONS, SCREENING, refine
    from simulator.calibration.writer import check_writable
    from simulator.experiments.limits import check_runs
    from simulator.scenario import ScenarioError, scenario_path

    base = scenario_path(scenario) if scenario is not None else BASELINE
    if replications is not None and replications < 2:
        raise ScenarioError(
            f"--fit-replications {replications}: at least 2 (a point's spread needs two)"
        )
    if max_evaluations is not None and max_evaluations < SCREENING + 2:
        raise ScenarioError(
            f"--max-evaluations {max_evaluations}: at least {SCREENING + 2} (the pre-fit "
            f"values and {SCREENING} screening points come first)"
        )
    runs = (replications or FIT_REPLICATIONS) * (max_evaluations or MAX_EVALUATIONS)
    check_runs(runs, "calibrate --fit", asks="--fit-replications times --max-evaluations ask for",
               escape="Check them for a misplaced digit")  # fmt: skip
    load_scenario(base)  # a scenario that does not load fails now, not after the fit
    check_writable(base, Path(into) if into is not None else None, force)
    if refine_only:
        result = refine(base, workers=workers, progress=progress)
    else:
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
    from simulator.scenario import scenario_path

    base = scenario_path(scenario) if scenario is not None else BASELINE
    return markdown(sensitivity(base, replications=replications, workers=workers))


def new_scenario(name: str, folder: str | Path = ".", *, force: bool = False) -> Path:
    """Write `<folder>/<name>.toml`, a commented starter scenario that extends the baseline;
    an existing file is replaced only with `force`."""
    from simulator.scenario.starter import write_starter

    return write_starter(name, Path(folder), force=force)


def state_on(
    scenario: Scenario, on: dt.date | str, replication: int = 0, *, seed: int | None = None
) -> dict[str, Any]:
    """The office of replication `replication` of `scenario` on the day `on` (its
    midnight), as `[initial_state]` data: the cases open by month, kind and caseworker,
    the tasks waiting by type, month and caseworker, who is away, new or leaving, the
    posts vacant and the reunification applications pending (what a case system would
    export; docs/planning.md, "Starting from today")."""
    day = _day_of_run(scenario, on)
    _count("replication", replication, minimum=0)
    _check_seed(seed)
    with phase("import"):
        from simulator.experiments import state

    return state.state_on(scenario, day, replication, seed)


def start_from(scenario: Scenario, state: Mapping[str, Any], on: dt.date | str) -> Scenario:
    """`scenario` from the day `on` with `state` (`state_on`, or your own `[initial_state]`
    data) and no warm-up: the same municipality, its run cut to what follows that day."""
    day = _day_of_run(scenario, on)
    _check_state(state, ())
    from simulator.experiments import state as states

    return states.at_start(scenario, dict(state), day)


def write_state(
    state: Mapping[str, Any],
    folder: str | Path,
    stem: str = "today",
    *,
    force: bool = False,
    start: Scenario | None = None,
    header: str = "",
) -> list[Path]:
    """`state`'s open cases and waiting tasks as `<stem>_cases.csv` and `<stem>_tasks.csv`
    in `folder` (an existing folder), in the columns `cases_file` and `tasks_file` read.
    With `start` (the scenario from that day: `start_from(scenario, state, on)`) also
    `<stem>.toml`, that scenario in full, reading the two files (`header`, TOML comments,
    above it): `caseload run` takes it as it is. Files of those names are refused
    (checked before any is written) unless `force`; the paths written."""
    from simulator.experiments import state as states
    from simulator.scenario import ScenarioError

    _check_state(state, ("open_cases", "waiting_tasks"))
    if not Path(folder).is_dir():
        raise ScenarioError(f"{folder}: not a folder")
    if start is not None and start.initial_state is None:
        raise ScenarioError(f"start: scenario '{start.name}' has no [initial_state] (start_from)")
    where = state_files(folder, stem, force=force, scenario=start is not None)[0].parent
    return states.write_state(dict(state), where, stem, start, header)


def state_files(
    folder: str | Path,
    stem: str = "today",
    *,
    force: bool = False,
    scenario: bool = False,
    labels: tuple[str, str] = ("stem", "force=True"),
) -> list[Path]:
    """The files `write_state` would write in `folder` (with a scenario: `scenario`); a
    ScenarioError, before any work, if `folder` is not a folder (or, not there yet, cannot
    be made) or cannot be written in, `stem` is not a plain file name, or a file of those
    names is there and is not to be replaced: without `force`, or with it where caseload
    did not write the file or it has changed since. `labels` name `stem` and `force` in
    the messages (the command line's --name and --force)."""
    from simulator.experiments import state as states
    from simulator.scenario import ScenarioError
    from simulator.scenario.writing import NOT_OURS, ours, try_writing_in

    name, flag = labels
    where = probe = Path(folder)
    if where.exists() or where.is_symlink():
        if not where.is_dir():
            raise ScenarioError(f"{folder}: not a folder")
    else:  # made when the work is done: in its nearest existing folder
        probe = next(above for above in where.absolute().parents if above.exists())
        if not probe.is_dir():
            raise ScenarioError(f"{folder}: cannot be a folder ({probe} is a file)")
    if not isinstance(stem, str) or not stem or Path(stem).name != stem or stem.startswith("."):
        raise ScenarioError(
            f"{name}: a plain file name, not empty, a path or hidden (got {stem!r})"
        )
    paths = states.state_files(where, stem, scenario)
    there = [p for p in paths if p.exists() or p.is_symlink()]
    if there and not force:
        names = ", ".join(str(p) for p in there)
        raise ScenarioError(f"{names}: already there; left as it is (to replace: {flag})")
    foreign = [p for p in there if not ours(p)]
    if foreign:
        raise ScenarioError(f"{', '.join(str(p) for p in foreign)}: {NOT_OURS}")
    try:
        try_writing_in(probe)
    except OSError as exc:
        raise ScenarioError(f"{probe}: cannot be written in ({exc.strerror or exc})") from None
    return paths


def pair(a: Results, b: Results) -> Comparison:
    """B - A per metric with paired 95 % intervals, from two runs already made with the same
    seed and replication count (common random numbers): what `compare` returns, without
    running either again (the app keeps runs and pairs whichever two the room chose)."""
    from simulator.experiments.run import paired
    from simulator.scenario import ScenarioError

    if (a.seed, a.replications) != (b.seed, b.replications):
        raise ScenarioError(
            "pair: both runs need the same seed and replications "
            f"(got seed {a.seed} with {a.replications} and seed {b.seed} with {b.replications})"
        )
    return paired(a, b)


def weekly_bands(results: Results, metric: str, *, scale: float = 1.0) -> pd.DataFrame:
    """One weekly metric over the replications, per date: `mean`; `ci_low`, `ci_high`, the
    95 % interval of the mean (where the average over many such municipalities lies; for a
    share, inside [0, 1]); `p10`, `p90`, the 10th and 90th percentiles over replications
    (the range 8 of 10 municipalities like this one would see; none with fewer than two
    replications); and `replications` with a value that week. Values are multiplied by
    `scale` (100 for a share in per cent). The figures of `write_results` draw the same
    bands (`simulator.analysis.tables.weekly_bands`)."""
    from simulator.analysis.tables import weekly_bands as bands
    from simulator.scenario import ScenarioError

    try:
        return bands(results.weekly, metric, scale=scale)
    except KeyError as exc:
        raise ScenarioError(f"weekly_bands: {exc.args[0]}") from None


def waiting_theory(results: Results, utilisation: Sequence[float]) -> pd.DataFrame:
    """Queueing theory's mean wait before a task starts, in calendar days, at each
    `utilisation` (0 to 1), for the office of `results`: a guide to draw beside the
    simulation, not the model.

    Two textbook offices with Poisson arrivals of tasks and exponential task times
    (`simulator.analysis.theory.erlang_c`): `pooled_days`, the caseworkers share one
    queue (M/M/c, Erlang C); `own_queue_days`, each caseworker has a queue of her own
    (M/M/1 each, as with a fixed caseworker per case). c is the mean number of caseworkers
    at work in the run, the task time the mean hours worked per task finished, and a
    caseworker's day holds the scenario's casework hours; waits in working days become
    calendar days at 7 / 5. Both are NaN at utilisation 1 and above, where the queue
    grows without end. The simulation waits longer at low load (a task created in the
    evening waits for the morning) and under deadlines and bursts theory leaves out.

    A run in which no task was completed after the warm-up (an office far past its
    capacity) has no task time to give: a ValueError says so, rather than a division
    by zero.
    """
    import numpy as np
    import pandas as pd

    from simulator.analysis.theory import erlang_c

    summary = results.summary.set_index("metric")["mean"]
    servers = max(1, round(float(summary.get("caseworkers_present_mean", 1.0))))
    done = results.by_task[results.by_task["completed"] > 0]
    if done.empty:
        raise ValueError(
            "no task was completed after the warm-up in this run (the office is past its "
            "capacity): queueing theory has no mean task time to work with"
        )
    hours = float(np.average(done["hours_mean"], weights=done["completed"]))
    per_day = results.scenario.caseworkers.casework_hours_per_day
    rho = np.asarray(utilisation, dtype=float)

    def days(c: int) -> np.ndarray:
        waits = [erlang_c(r * c / hours, 1 / hours, c)[1] if 0 <= r < 1 else np.nan for r in rho]
        return np.asarray(waits, dtype=float) / per_day * 7 / 5

    return pd.DataFrame(
        {
            "utilisation": rho,
            "pooled_days": days(servers),
            "own_queue_days": days(1),
            "caseworkers": servers,
            "task_hours": hours,
        }
    )


def offered_staffing(
    scenario: Scenario, *, caseload_limit: float = CASELOAD_LIMIT, level: float = CONFIDENCE
) -> pd.DataFrame:
    """The instant answer for staffing, without simulating: per quarter of the scenario's
    period, `date`, `mean_open` (expected open cases), `open_at_level` (open cases at the
    period's peak that are exceeded with probability 1 - `level`) and `caseworkers_needed`
    so that those at work hold at most `caseload_limit` cases each with probability
    `level` (offered load, M_t/G/infinity: `simulator.plan.offered_load`). It counts open
    cases only, not deadlines or backlog: the planner (`caseload plan`) goes further."""
    import pandas as pd

    from simulator.plan.offered_load import offered_load

    _number("level", level, "a probability strictly between 0 and 1", 0.0, 1.0)
    _number("caseload_limit", caseload_limit, "open cases per caseworker, above 0", 0.0)
    load = offered_load(scenario, step="quarter", levels=(level,))
    return pd.DataFrame(
        {
            "date": pd.to_datetime(load.dates),
            "mean_open": load.mean_open,
            "open_at_level": load.quantiles[:, 0],
            "caseworkers_needed": load.caseworkers_needed(caseload_limit, level),
        }
    )


def explain(key_path: str) -> str | None:
    """A scenario key in plain words, from the schema (`simulator.scenario.reference`):
    its description, unit and source, e.g. for ``caseworkers.weekly_hours`` "A
    caseworker's working week. Unit: hours a week. Source: Danish full-time week.".
    None for a path the schema does not have."""
    from simulator.scenario.reference import describe as reference

    try:
        doc = reference(key_path)
    except KeyError:
        return None
    parts = [doc.description.strip()]
    if doc.unit:
        parts.append(f"Unit: {doc.unit}.")
    if doc.source:
        parts.append(f"Source: {doc.source}.")
    return " ".join(p for p in parts if p) or None


def _date(what: str, value: dt.date | str | None) -> dt.date | None:
    from simulator.scenario import ScenarioError

    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ScenarioError(f"{what}: a date YYYY-MM-DD (got {value!r})") from None


def _check_state(state: Any, entries: Sequence[str]) -> None:
    """A ScenarioError unless `state` is `[initial_state]` data: a mapping, whose `entries`
    are each a list of mappings (the scenario's own checks see to the rest)."""
    from simulator.scenario import ScenarioError

    if not isinstance(state, Mapping):
        raise ScenarioError(f"state: [initial_state] data, a dict (got {type(state).__name__})")
    for key in entries:
        rows = state.get(key, [])
        if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
            raise ScenarioError(f"state.{key}: a list of entries, each a dict (got {rows!r:.60})")


def _day_of_run(scenario: Scenario, on: dt.date | str) -> dt.date:
    """`on` as a date, a ScenarioError unless it is a day of `scenario`'s run."""
    from simulator.scenario import ScenarioError

    day = _date("on", on)
    sim = scenario.simulation
    if day is None or not sim.start_date <= day <= sim.last_day:
        raise ScenarioError(
            f"on: {on} is not a day of the run ({sim.start_date} to {sim.last_day})"
        )
    return day


def _count(what: str, value: Any, minimum: int) -> int | None:
    from simulator.scenario import ScenarioError

    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScenarioError(f"{what}: must be a whole number >= {minimum} (got {value!r})")
    return value


def _number(what: str, value: Any, allowed: str, above: float, below: float = math.inf) -> None:
    """A ScenarioError unless `value` is a real number strictly between `above` and `below`."""
    from simulator.scenario import ScenarioError

    real = isinstance(value, int | float) and not isinstance(value, bool)
    if not (real and math.isfinite(value) and above < value < below):
        raise ScenarioError(f"{what}: {allowed} (got {value!r})")


def _check_seed(seed: int | None) -> None:
    from simulator.scenario import ScenarioError, bounds

    if seed is not None:
        try:
            bounds.check_seed(seed)
        except ValueError as exc:
            raise ScenarioError(f"seed: {exc} (got {seed!r})") from None


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
