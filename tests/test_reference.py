"""A fixed run and a fixed sweep give the results stored in tests/reference/.

Changes meant to leave results alone (moving code, making it faster, running replications
in parallel) must leave every table as it was: `summary.csv` and `tasks_by_type.csv` byte
for byte, the Parquet tables value for value, the sweep's rows (but their wall times) value
for value. A change meant to alter results regenerates the reference
(`tests/reference/regenerate.sh`) and says why in CHANGES.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulator.cli import main

REFERENCE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "run"
    assert (
        main(["run", str(REFERENCE / "reference.toml"), "--out", str(out), "--no-figures", "-q"])
        == 0
    )
    return out


@pytest.mark.parametrize("name", ["summary.csv", "tasks_by_type.csv"])
def test_the_reference_run_writes_the_stored_csv_byte_for_byte(
    reference_run: Path, name: str
) -> None:
    assert (reference_run / name).read_bytes() == (REFERENCE / "run" / name).read_bytes()


@pytest.mark.parametrize("name", ["timeseries.parquet", "tasks.parquet"])
def test_the_reference_run_writes_the_stored_parquet_tables(reference_run: Path, name: str) -> None:
    got = pd.read_parquet(reference_run / name)
    want = pd.read_parquet(REFERENCE / "run" / name)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_the_reference_sweep_stores_the_stored_rows(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    spec = REFERENCE / "reference_sweep.toml"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "-q"]) == 0
    parts = sorted((out / "runs").glob("part-*.parquet"))
    rows = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    rows = rows.drop(columns=["wall_seconds"]).sort_values("run_id").reset_index(drop=True)
    want = pd.read_parquet(REFERENCE / "sweep_rows.parquet")
    pd.testing.assert_frame_equal(rows, want, check_exact=True)
