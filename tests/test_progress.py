"""Long work is seen to go on: a bar on a terminal, and where none can be drawn (a log
file, nohup, a batch system) a line every half minute, none for work shorter than that."""

from __future__ import annotations

import io

import pytest

import simulator.reporting.progress as progress
from simulator.reporting.progress import ProgressBar, StatusLine, elapsed


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [0.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: now[0])
    return now


def test_a_run_off_a_terminal_prints_where_its_replications_are(clock, capsys) -> None:
    with ProgressBar(10) as bar:  # stderr is captured here: no terminal
        bar.update(2, 0.5)
        clock[0] = 40.0
        bar.update(3, 0.25)
    assert capsys.readouterr().err.splitlines() == ["caseload: 3.2 of 10 replications; 40 s so far"]


def test_the_planner_off_a_terminal_prints_what_it_does(clock, capsys) -> None:
    status = StatusLine("caseload plan")
    status.update("search", 10)
    clock[0] = 30.0
    status.update("check", 250)
    clock[0] = 45.0
    status.update("check", 300)  # within half a minute of the last line
    status.close()
    assert capsys.readouterr().err.splitlines() == [
        "caseload plan: check, 250 runs simulated; 30 s so far"
    ]


def test_on_a_terminal_the_planner_s_line_is_redrawn(monkeypatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(progress.sys, "stderr", screen)
    status = StatusLine("caseload plan")
    status.update("one fewer", 412)
    status.close()
    assert "caseload plan: one fewer: 412 runs" in screen.getvalue()


@pytest.mark.parametrize(
    ("seconds", "said"), [(45.9, "45 s"), (185, "3 min 5 s"), (3720, "1 h 2 min")]
)
def test_elapsed_time_is_said_as_a_reader_says_it(seconds: float, said: str) -> None:
    assert elapsed(seconds) == said


def test_the_calibration_report_counts_its_runs_as_they_end(monkeypatch) -> None:
    import simulator.calibration.report as report

    seen: list[tuple[int, int]] = []

    class Bar(ProgressBar):
        def update(self, replication: int, fraction: float) -> None:
            seen.append((replication, self.replications))

    monkeypatch.setattr(report, "ProgressBar", Bar)
    monkeypatch.setattr(report, "verdicts", lambda rows, which: [])
    report.calibration_report(replications=2, municipalities=2, workers=1, progress=True)
    counts = [n for n, _ in seen]
    total = seen[0][1]
    assert counts == list(range(1, total + 1))  # every run of the targets and checks, once
