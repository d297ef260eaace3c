"""`caseload state` end to end: the three files it writes, what it refuses, the API behind it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import simulator as cl
from simulator.cli import main

REPO = Path(__file__).resolve().parent.parent
ON = dt.date(2015, 1, 1)
TODAY = ["state", "baseline", "--on", str(ON), "--replication", "7", "--name", "today"]


def test_the_files_are_todays_and_the_scenario_is_the_start_from_that_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """scenarios/today_cases.py wrote today's CSV files from the baseline's replication 7
    on 1 January 2015: the command writes the same, and a scenario that is the start from
    that day (the same model, by its hash), reading them."""
    assert main([*TODAY, "--out", str(tmp_path)]) == 0
    for name in ("today_cases.csv", "today_tasks.csv"):
        assert (tmp_path / name).read_text() == (REPO / "scenarios" / name).read_text()
    out = capsys.readouterr().out
    assert "229 cases open, 97 tasks waiting, 4 caseworkers at work (1 of them away" in out
    assert "0 posts vacant" in out and f"caseload run {tmp_path / 'today.toml'}" in out
    written = cl.load_scenario(tmp_path / "today.toml")
    baseline = cl.load_scenario("baseline")
    start = cl.start_from(baseline, cl.state_on(baseline, ON, 7), ON)
    assert written.name == "today" and written.digest() == start.digest()
    assert written.simulation.start_date == ON and written.simulation.warmup_years == 0
    text = (tmp_path / "today.toml").read_text()
    assert 'cases_file = "today_cases.csv"' in text and "successor = true" not in text
    assert text.startswith("# Scenario 'baseline' from 2015-01-01")
    summary = cl.run(written, replications=1, workers=1).summary.set_index("metric")
    assert summary.loc["cases_opened", "mean"] > 0


def test_files_there_are_refused_and_left_as_they_were(tmp_path: Path, capsys) -> None:
    """A file of those names is replaced only if caseload wrote it and nobody changed it
    since, and only with --force: a user's own file, or one of caseload's edited since,
    stays as it is, with --force too."""
    (tmp_path / "today.toml").write_text("mine\n")
    assert main([*TODAY, "--out", str(tmp_path)]) == 2
    assert "today.toml: already there; left as it is (to replace: --force)" in (
        capsys.readouterr().err
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["today.toml"]
    assert main([*TODAY, "--out", str(tmp_path), "--force", "-q"]) == 2
    assert "today.toml: exists, and caseload did not write it" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["today.toml"]
    assert (tmp_path / "today.toml").read_text() == "mine\n"
    (tmp_path / "today.toml").unlink()
    assert main([*TODAY, "--out", str(tmp_path), "-q"]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [".caseload-files", "today.toml", "today_cases.csv", "today_tasks.csv"]
    assert main([*TODAY, "--out", str(tmp_path), "--force", "-q"]) == 0  # its own: replaced
    cases = tmp_path / "today_cases.csv"
    cases.write_text(cases.read_text() + "2014-12,1,refugee,\n")  # the user's edit
    assert main([*TODAY, "--out", str(tmp_path), "--force", "-q"]) == 2
    assert "today_cases.csv: exists, and caseload did not write it" in capsys.readouterr().err
    assert cases.read_text().endswith("2014-12,1,refugee,\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == written


def test_a_folder_that_cannot_be_written_is_refused_before_the_run(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked up front (exit 2, nothing simulated), not found when writing (exit 1). The
    check tries writing (root writes in a folder of mode 555): here that try fails as on
    a read-only file system."""
    import simulator.scenario.writing as writing

    def read_only(folder: Path) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(writing, "try_writing_in", read_only)
    assert main([*TODAY, "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert f"{tmp_path}: cannot be written in (Read-only file system)" in captured.err
    assert "cases open" not in captured.out and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--on": "2011-12-31"}, "on: 2011-12-31 is not a day of the run"),
        ({"--out": "file/sub"}, "cannot be a folder"),
        ({"--name": "sub/today"}, "--name: a plain file name"),
        ({"--name": ".today"}, "--name: a plain file name"),
        ({"--name": ""}, "--name: a plain file name, not empty"),
    ],
)
def test_bad_input_is_an_error_and_nothing_is_written(
    tmp_path: Path, capsys, change: dict[str, str], message: str
) -> None:
    args = dict(zip(TODAY[2::2], TODAY[3::2], strict=True))
    args["--out"] = str(tmp_path)
    args.update({k: str(tmp_path / v) if k == "--out" else v for k, v in change.items()})
    (tmp_path / "file").write_text("mine\n")
    argv = ["state", "baseline", *[x for pair in args.items() for x in pair]]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_the_default_name_is_the_scenarios_and_the_days_and_a_new_folder_is_made(
    tmp_path: Path,
) -> None:
    argv = ["state", "baseline", "--on", "2014-06-02", "--out", str(tmp_path / "a" / "b"), "-q"]
    assert main(argv) == 0
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == [
        ".caseload-files",  # what caseload wrote there: a later --force replaces only that
        "baseline_2014-06-02.toml",
        "baseline_2014-06-02_cases.csv",
        "baseline_2014-06-02_tasks.csv",
    ]
