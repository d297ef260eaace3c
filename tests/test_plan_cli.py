"""`caseload plan` end to end: the folder it writes, what it refuses, the API behind it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tomli_w

import simulator as cl
from simulator.cli import main
from simulator.plan.report import period_table

START = dt.date(2024, 1, 1)
SMALL: dict[str, Any] = {
    "name": "tiny",
    "simulation": {"start_date": START, "duration_years": 0.5, "seed": 4},
    "caseworkers": {"staffing": [{"date": START, "caseworkers": 1}]},
    "arrivals": {"process": "poisson", "per_month": 12.0},
    "households": {"single_adult": {"share": 1.0, "adults": 1}},
    "exit": {"self_support": {}, "other_per_year": 2.0},
    "tasks": {
        "reception": {
            "statutory": True,
            "trigger": {"on": "arrival"},
            "deadline_days": 14.0,
            "duration_hours": {"dist": "fixed", "value": 2.0},
        }
    },
    "turnover": {"resignations_per_year": 0.0},
}
ARGS = ["--workers", "1", "--replications", "4", "--max-replications", "12", "-q"]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(tomli_w.dumps(SMALL), encoding="utf-8")
    return path


def test_plan_writes_the_csv_the_page_and_the_planned_scenario(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    assert main(["plan", str(tiny), "--out", str(out), "--caseload-limit", "20", *ARGS]) == 0
    assert {p.name for p in out.iterdir()} == {
        "plan.csv", "evidence.csv", "page.pdf", "page.png", "scenario.planned.toml",
        "manifest.json", ".caseload",
    }  # fmt: skip
    table = pd.read_csv(out / "plan.csv")
    assert list(table["period"]) == ["2024 Q1", "2024 Q2"]
    for column in ("caseworkers", "hires", "start_recruiting_by", "caseload_mean",
                   "caseload_p10", "caseload_p90", "on_time_mean", "on_time_p10",
                   "on_time_p90", "staff_cost_dkk", "verdict", "one_fewer_verdict"):  # fmt: skip
        assert column in table.columns
    assert (out / "page.pdf").read_bytes()[:5] == b"%PDF-"
    assert (out / "page.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "plan" and manifest["caseworkers"] == list(table["caseworkers"])
    assert manifest["replications_simulated"] > 0
    # the certificate's verdicts by period agree with the table's, and "certified" is
    # true exactly when every period was shown to meet
    verdicts = manifest["certificate"]
    for kind, verdict in (("shown_to_meet", "met"), ("too_close_to_call", "undecided"),
                          ("missed", "missed")):  # fmt: skip
        assert verdicts[kind] == list(table.loc[table["verdict"] == verdict, "period"]), kind
    assert manifest["certified"] == (verdicts["shown_to_meet"] == list(table["period"]))
    planned = cl.load_scenario(out / "scenario.planned.toml")
    posts = [c.caseworkers for c in planned.caseworkers.staffing]
    assert posts[-1] == table["caseworkers"].iloc[-1]
    evidence = pd.read_csv(out / "evidence.csv")
    assert {"current staffing", "average demand ÷ 20", "Erlang C per quarter"} <= set(
        evidence["plan"]
    )
    # the plan's own folder is replaced with --force; the same seed gives the same plan
    again = ["plan", str(tiny), "--out", str(out), "--caseload-limit", "20", *ARGS]
    assert main(again) == 2
    assert main([*again, "--force"]) == 0
    assert pd.read_csv(out / "plan.csv")["caseworkers"].tolist() == table["caseworkers"].tolist()


def test_plan_leaves_a_folder_it_did_not_write_alone(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["plan", str(tiny), "--out", str(out), *ARGS]) == 2
    assert "is not a folder caseload wrote" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--arrivals-range", "1.2,1.5"], "need 0 < LOW <= 1 <= HIGH"),
        (["--on-time", "1.5"], "a share from 0 to 1"),
        (["--replications", "1"], "at least 2"),
    ],
)
def test_bad_plan_options_are_refused(
    tiny: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["plan", str(tiny), *ARGS, *extra])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_a_plan_before_the_scenario_starts_is_refused(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x"
    assert main(["plan", str(tiny), "--out", str(out), "--from", "2023-01-01", *ARGS]) == 2
    assert "before the scenario starts" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("limits", [[], ["--no-limits"]])
def test_a_plan_past_the_last_yearly_quota_is_refused_naming_the_file(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], limits: list[str]
) -> None:
    """Yearly quotas for 2024 only, a plan until 2025-07-01: the runs would need a quota
    for 2025. Refused before any run (with or without the size limits), naming the file,
    --until and the key, and nothing written."""
    data = {**SMALL, "arrivals": {"yearly": [{"year": 2024, "refugees": 100}]}}
    path = tmp_path / "yearly.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    out = tmp_path / "plan"
    command = ["plan", str(path), "--out", str(out), "--until", "2025-07-01", *limits, *ARGS]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "--until 2025-07-01" in err and "arrivals.yearly" in err
    assert "runs simulated" not in err and not out.exists()


def test_the_api_plans_and_describes() -> None:
    scenario = cl.load_scenario(SMALL)
    plan = cl.staffing_plan(scenario, caseload_limit=20, replications=4, max_replications=12,
                            workers=1, evidence=False)  # fmt: skip
    assert isinstance(plan, cl.Plan)
    text = cl.describe(plan)
    assert "Have " in text and "2024 Q1" in text and "replications simulated" in text
    futures = int(period_table(plan)["replications"].max())
    assert f"mean over the {futures} fresh futures (10th to 90th percentile" in text
    with pytest.raises(cl.ScenarioError, match="plan: the caseload limit must be positive"):
        cl.staffing_plan(scenario, caseload_limit=0)
