"""Everything that can fail at write time is checked before the simulation starts, and what
was simulated is never lost to a figure.

A failure costs the user seconds, not the run: an output folder that cannot be made or
written, dates outside what the result tables hold, a name the figures cannot carry.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

import simulator.experiments.work as running
from simulator.cli import main

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
QUICK = [
    "--set", "simulation.duration_years=0.5", "--set", "simulation.warmup_years=0",
    "--replications", "1", "-q",
]  # fmt: skip


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a replication starts: the check must come before the work."""

    def refuse(*args, **kwargs):
        raise AssertionError("the simulation started before the output was checked")

    monkeypatch.setattr(running, "Municipality", refuse)  # (compiled classes cannot be patched)


def one_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("caseload: error:") == 1 and "Traceback" not in err
    return err


def test_an_output_under_a_file_is_refused_before_the_run(tmp_path, no_simulation, capsys):
    (tmp_path / "a_file").write_text("x")
    out = tmp_path / "a_file" / "results"
    assert main(["run", str(BASELINE), *QUICK, "--out", str(out)]) == 2
    assert "a_file is not a folder" in one_error(capsys)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="writes nowhere in /proc")
def test_an_output_where_nothing_can_be_written_is_refused_before_the_run(
    tmp_path, no_simulation, capsys
):
    out = Path("/proc/caseload_results")  # a file system nobody may write, even root
    assert main(["run", str(BASELINE), *QUICK, "--out", str(out)]) == 2
    assert "cannot write in /proc" in one_error(capsys)
    assert main(["compare", str(BASELINE), str(BASELINE), "-q", "--out", str(out)]) == 2
    assert "cannot write in /proc" in one_error(capsys)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        (
            ["simulation.start_date=1600-01-01", "caseworkers.staffing.0.date=1600-01-01"],
            "simulation.start_date",
        ),
        (
            ["simulation.start_date=2261-01-01", "caseworkers.staffing.0.date=2261-01-01"],
            "simulation.duration_years",
        ),
        (["simulation.duration_years=1000"], "simulation.duration_years"),
        (["tasks.reception.deadline_days=1e9"], "tasks.reception.deadline_days"),
    ],
)
def test_dates_the_tables_cannot_hold_are_refused_when_validating(changes, key, capsys):
    sets = [a for change in changes for a in ("--set", change)]
    started = time.perf_counter()
    assert main(["validate", str(BASELINE), *sets]) == 2
    err = one_error(capsys)
    assert "the result tables can hold" in err
    assert key in err
    assert time.perf_counter() - started < 5


def test_a_dollar_in_a_task_name_does_not_break_the_figures(tmp_path: Path):
    path = tmp_path / "dollars.toml"
    path.write_text(
        f'extends = "{BASELINE}"\nname = "dollars"\n'
        '[tasks."a$\\\\frac$b"]\nstatutory = true\ndeadline_days = 5.0\n'
        'trigger = { on = "arrival" }\nduration_hours = { dist = "fixed", value = 1.0 }\n'
        '[tasks."$x"]\nstatutory = true\ndeadline_days = 5.0\n'
        'trigger = { on = "arrival" }\nduration_hours = { dist = "fixed", value = 1.0 }\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["run", str(path), *QUICK, "--out", str(out)]) == 0
    assert (out / "figures" / "statutory_on_time_by_task.png").stat().st_size > 1000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["figures"] == "complete"


def test_a_figure_that_fails_keeps_the_tables_and_says_so(tmp_path, monkeypatch, capsys):
    import simulator.reporting.files as files

    def broken(folder, *args, **kwargs):
        folder.mkdir()
        raise ValueError("matplotlib gave up")

    monkeypatch.setattr(files, "draw_figures", broken)
    out = tmp_path / "out"
    assert main(["run", str(BASELINE), *QUICK, "--out", str(out)]) == 1
    err = one_error(capsys)
    assert "the figures could not all be drawn (ValueError: matplotlib gave up" in err
    assert f"written in {out}" in err
    summary = pd.read_csv(out / "summary.csv")
    assert summary["mean"].notna().any()
    for name in ("tasks_by_type.csv", "timeseries.parquet", "tasks.parquet", ".caseload"):
        assert (out / name).is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # complete, no debris


def test_a_comparison_figure_that_fails_keeps_the_comparison(tmp_path, monkeypatch, capsys):
    import simulator.reporting.figures as figures

    def broken(*args, **kwargs):
        raise ValueError("no figure today")

    monkeypatch.setattr(figures, "write_comparison_figure", broken)
    out = tmp_path / "cmp"
    argv = ["compare", str(BASELINE), str(BASELINE), "--replications", "2", "-q"]
    assert main([*argv, "--out", str(out)]) == 1
    assert "no figure today" in one_error(capsys)
    assert (out / "comparison.csv").is_file() and (out / "summary_b.csv").is_file()


def test_a_plan_page_that_fails_keeps_the_plan_and_says_so(tmp_path, monkeypatch, capsys):
    import tomli_w
    from sweep_builders import BASE

    import simulator.plan.files as plan_files

    def broken(plan, folder):
        (folder / "page.pdf").write_bytes(b"%PDF-")  # half drawn
        raise ValueError("the page would not fit")

    monkeypatch.setattr(plan_files, "write_page", broken)
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(tomli_w.dumps(BASE), encoding="utf-8")
    out = tmp_path / "plan"
    argv = ["plan", str(scenario), "--workers", "1", "--replications", "2", "-q"]
    assert main([*argv, "--max-replications", "4", "--out", str(out)]) == 1
    err = one_error(capsys)
    assert "could not all be drawn (ValueError: the page would not fit" in err
    assert sorted(p.name for p in out.iterdir()) == [
        ".caseload", "evidence.csv", "manifest.json", "plan.csv", "scenario.planned.toml",
    ]  # fmt: skip
    assert pd.read_csv(out / "plan.csv")["caseworkers"].notna().all()
    assert json.loads((out / "manifest.json").read_text())["page"].startswith("failed: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan", "tiny.toml"]


def test_a_plan_output_that_cannot_be_made_is_refused_before_the_planning(
    tmp_path, no_simulation, capsys
):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = ["plan", str(BASELINE), "--workers", "1", "-q", "--out", str(blocker / "plan")]
    assert main(argv) == 2
    assert "is not a folder" in one_error(capsys)
