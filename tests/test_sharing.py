"""Safe to share: user text in CSV cannot start a spreadsheet formula, and the docs say
which clusters `--scheduler` may trust and how to reach one over TLS."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from sweep_builders import ARRIVALS, CASEWORKERS, spec, write_sweep

from simulator.cli import main

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
EVIL = '=HYPERLINK("http://x","click")'
QUICK = [
    "--set", "simulation.duration_years=0.5", "--set", "simulation.warmup_years=0",
    "--replications", "1", "-q", "--no-figures",
]  # fmt: skip


def cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as file:
        return [cell for row in csv.reader(file) for cell in row]


def formulas(path: Path) -> list[str]:
    """Cells a spreadsheet would run: text starting with = + - @ that is not a number."""

    def number(cell: str) -> bool:
        try:
            float(cell)
            return True
        except ValueError:
            return False

    return [c for c in cells(path) if c[:1] in ("=", "+", "-", "@") and not number(c)]


@pytest.mark.parametrize("name", [EVIL, "+1+cmd|/C calc!A0", "-2+3", "@SUM(A1:A9)"])
def test_a_task_name_cannot_become_a_formula(name: str, tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text(
        f'extends = "{BASELINE}"\nname = "s"\n[tasks.\'{name}\']\nstatutory = false\n'
        "trigger = { on = 'arrival' }\nduration_hours = { dist = 'fixed', value = 1.0 }\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    assert main(["run", str(path), *QUICK, "--out", str(out)]) == 0
    assert formulas(out / "tasks_by_type.csv") == []
    assert f"'{name}" in cells(out / "tasks_by_type.csv")  # kept, made inert
    assert name in set(pd.read_parquet(out / "tasks.parquet")["task_type"])  # data as given


def test_negative_numbers_stay_numbers(tmp_path: Path):
    from simulator.reporting.files import spreadsheet_safe

    table = pd.DataFrame({"x": [-1.5, 2.0], "t": ["-3", "-a"], "c": pd.Categorical(["=1", "b"])})
    safe = spreadsheet_safe(table)
    assert safe["x"].tolist() == [-1.5, 2.0]
    assert safe["t"].tolist() == ["-3", "'-a"]
    assert safe["c"].tolist() == ["'=1", "b"]
    summary = tmp_path / "s"
    assert main(["run", str(BASELINE), *QUICK, "--out", str(summary)]) == 0
    values = pd.read_csv(summary / "summary.csv")["ci_low"]
    assert pd.api.types.is_float_dtype(values)  # negative bounds read back as numbers


def test_sweep_levels_and_errors_in_the_analysis_are_inert(tmp_path: Path):
    factors = {
        "caseworkers": CASEWORKERS,
        "label": {"key": "description", "kind": "uncertainty", "levels": [EVIL, "@x"]},
    }
    path, out = write_sweep(tmp_path, spec(factors=factors)), tmp_path / "o"
    assert main(["sweep", str(path), "--out", str(out), "-q", "--workers", "1"]) == 0
    assert main(["analyze", str(out), "-q"]) == 0
    for table in (out / "analysis").glob("*.csv"):
        assert formulas(table) == [], table.name


def test_the_docs_say_to_trust_the_scheduler_and_how_to_use_tls():
    text = (REPO / "docs" / "sweeps.md").read_text(encoding="utf-8")
    assert "pickle" in text and "trust" in text
    assert "tls://" in text and "distributed.security.Security" in text
    for option in ("--tls-ca-file", "--tls-cert", "--tls-key"):
        assert option in text


def test_tls_files_are_checked_and_need_a_scheduler(tmp_path: Path, capsys):
    pytest.importorskip("distributed")
    path = write_sweep(tmp_path)
    argv = ["sweep", str(path), "-q", "--out", str(tmp_path / "o")]
    assert main([*argv, "--tls-ca-file", "ca.pem", "--tls-cert", "me.pem"]) == 2
    assert "go together with --scheduler tls://" in capsys.readouterr().err
    tls = ["--tls-ca-file", str(tmp_path / "ca.pem"), "--tls-cert", str(tmp_path / "me.pem")]
    assert main([*argv, "--scheduler", "tls://127.0.0.1:1", *tls]) == 2
    assert "ca.pem does not exist" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _certificates(folder: Path) -> dict[str, str]:
    """A CA and one certificate it signed (for localhost), made with the openssl command."""
    import subprocess

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "1", "-subj", "/CN=caseload test CA")  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "node.key", "-out", "node.csr",
            "-subj", "/CN=localhost")  # fmt: skip
    (folder / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "node.pem", "-days", "1", "-extfile", "ext.cnf")  # fmt: skip
    return {name: str(folder / name) for name in ("ca.pem", "node.pem", "node.key")}


def test_a_sweep_runs_on_a_tls_cluster_and_half_tls_is_refused(tmp_path: Path, capsys):
    import shutil

    distributed = pytest.importorskip("distributed")
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    from distributed.security import Security

    files = _certificates(tmp_path)
    ca, cert, key = files["ca.pem"], files["node.pem"], files["node.key"]
    security = Security(
        tls_ca_file=ca,
        tls_scheduler_cert=cert, tls_scheduler_key=key,
        tls_worker_cert=cert, tls_worker_key=key,
        tls_client_cert=cert, tls_client_key=key,
        require_encryption=True,
    )  # fmt: skip
    path = write_sweep(tmp_path)
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tls://",
        host="127.0.0.1",
        security=security,
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        argv = ["sweep", str(path), "-q", "--scheduler", address]
        tls = ["--tls-ca-file", ca, "--tls-cert", cert, "--tls-key", key]
        assert main([*argv, "--out", str(tmp_path / "o"), *tls]) == 0
        assert main([*argv, "--out", str(tmp_path / "no_files")]) == 2
        assert "needs --tls-ca-file and --tls-cert" in capsys.readouterr().err
        plain = ["sweep", str(path), "-q", "--scheduler", address.replace("tls", "tcp")]
        assert main([*plain, "--out", str(tmp_path / "plain"), *tls]) == 2
        assert "the address must be tls://" in capsys.readouterr().err
    assert not (tmp_path / "no_files").exists() and not (tmp_path / "plain").exists()


def test_variant_names_and_labels_in_discovery_and_robustness_are_inert(tmp_path: Path):
    pytest.importorskip("ema_workbench", reason="scenario discovery needs the research extra")
    from simulator.sweep.store import load_results

    staffing = "caseworkers.staffing.0.caseworkers"
    factors = {
        "staffing": {
            "kind": "lever",
            "variants": {EVIL: {staffing: 1}, "@three": {staffing: 3}},
            "label": "Staffing $ plan",  # a lone '$' would start matplotlib's mathtext
        },
        "arrivals": {**ARRIVALS, "label": "=Refugees $ a month"},
    }
    path, out = write_sweep(tmp_path, spec(factors=factors)), tmp_path / "o"
    assert main(["sweep", str(path), "--out", str(out), "-q", "--workers", "1"]) == 0
    assert main(["robustness", str(out), "-q"]) == 0
    assert formulas(out / "robustness" / "robustness.csv") == []
    assert f"'{EVIL}" in cells(out / "robustness" / "robustness.csv")  # kept, made inert
    on_time = load_results(out)["statutory_on_time_share"]
    below = str(on_time.median() + 1e-9)  # about half the runs fail: a box to find
    metric = ["--metric", "statutory_on_time_share", "--below", below]
    assert main(["discover", str(out), *metric, "-q"]) == 0
    found = out / "discovery_statutory_on_time_share"
    for table in ("box.csv", "cart.csv", "peeling.csv"):
        assert formulas(found / table) == [], table
    assert (found / "box.png").is_file() and (found / "peeling.png").is_file()
