"""No tracebacks for bad input: each case a careless user produced gets exit status 2 and
one clear message naming the file (and the key, where there is one).

Deep nesting and long `extends` chains once ended in RecursionError; a folder given as a
scenario was "no such file"; a byte-order mark (Windows editors) made a valid file
invalid; a path too long or with a NUL byte, a damaged manifest and zero calibration
replications raised tracebacks. (Damaged sweep folders: test_sweep_damage.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sweep_builders import write_sweep

from simulator.cli import main

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"


def one_error(capsys) -> str:
    """The single error message of a command (argparse's "caseload run: error:" counts)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count(": error:") == 1, err
    return err


def scenario(folder: Path, text: str, name: str = "s.toml") -> Path:
    path = folder / name
    path.write_text(f'extends = "{BASELINE}"\nname = "s"\n' + text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 5000 + "]" * 5000,  # tomllib recursed until it failed
        "x = " + "{a=" * 3000 + "1" + "}" * 3000,
        ".".join(["a"] * 3000) + " = 1",  # parsed, then too deep for everything after
    ],
    ids=["arrays", "inline tables", "dotted key"],
)
def test_deep_nesting_is_an_error_naming_the_file(text: str, tmp_path: Path, capsys):
    path = scenario(tmp_path, text + "\n")
    assert main(["validate", str(path)]) == 2
    err = one_error(capsys)
    assert f"{path}: " in err and "nested" in err


def test_deep_values_from_the_command_line_or_python_are_errors(capsys):
    deep = "x=" + "{a=" * 3000 + "1" + "}" * 3000
    assert main(["validate", str(BASELINE), "--set", deep]) == 2
    assert "the value is nested too deeply" in one_error(capsys)
    lists = "caseworkers.staffing=" + "[" * 30 + "]" * 30
    assert main(["validate", str(BASELINE), "--set", lists]) == 2
    assert "caseworkers.staffing.0.0.0" in one_error(capsys)
    import simulator as cl

    data: dict = {"a": 1}
    for _ in range(5000):
        data = {"a": data}
    for changes in (None, {"b": 1}):
        with pytest.raises(cl.ScenarioError, match="nested more than 24 tables or lists"):
            cl.load_scenario(data, changes=changes)


def test_a_long_extends_chain_is_refused_at_a_bounded_depth(tmp_path: Path, capsys):
    (tmp_path / "c0.toml").write_text(f'extends = "{BASELINE}"\nname = "c"\n')
    for i in range(1, 400):
        (tmp_path / f"c{i}.toml").write_text(f'extends = "c{i - 1}.toml"\n')
    assert main(["validate", str(tmp_path / "c399.toml")]) == 2
    err = one_error(capsys)
    assert f"{tmp_path / 'c399.toml'}: extends: the chain is longer than 16 files" in err
    assert main(["validate", str(tmp_path / "c10.toml")]) == 0  # 12 files: fine


def test_a_cyclic_extends_chain_is_named(tmp_path: Path, capsys):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    assert main(["validate", str(tmp_path / "a.toml")]) == 2
    assert "extends: the chain loops" in one_error(capsys)


def test_a_folder_given_as_a_scenario_or_extended_is_named_as_a_folder(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2
    assert f"{tmp_path}: is a folder, not a scenario file" in one_error(capsys)
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{tmp_path}"\nname = "s"\n')
    assert main(["validate", str(path)]) == 2
    assert f"{path}: extends: {tmp_path}: is a folder" in one_error(capsys)
    assert main(["sweep", str(tmp_path), "--check"]) == 2
    assert "is a folder, not a sweep spec file" in one_error(capsys)


def test_a_sweeps_check_refuses_what_its_run_would_refuse(tmp_path: Path, capsys):
    """--check makes the checks the run makes before it starts: a check that passes is a
    run that starts (500 workers and a file as --out passed the check and failed the run)."""
    sweep = write_sweep(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    cases = [
        (["--workers", "500"], "--workers: 500 processes for"),
        (["--out", str(tmp_path / "notes.txt")], "notes.txt: is a file, not a folder"),
    ]
    for extra, message in cases:
        assert main(["sweep", str(sweep), "--check", *extra]) == 2, extra
        assert message in one_error(capsys), extra
    assert main(["sweep", str(sweep), "--check", "--workers", "2"]) == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_device_is_named_as_one_not_as_missing(capsys):
    assert main(["validate", "/dev/null"]) == 2
    assert "/dev/null: is a device or a pipe, not a scenario file" in one_error(capsys)


def test_an_end_of_arrivals_that_leaves_no_one_to_place_is_noted(tmp_path: Path, capsys):
    """validate says where arrivals.until leaves the run, or its measured years, with no
    one placed, or changes nothing (each silently valid before)."""
    path = tmp_path / "u.toml"
    cases = [
        ("2010-01-01", "is on or before the run's first day (2012-01-01): no one is placed"),
        ("2013-06-01", "is within the warm-up (to 2015-01-01): no one is placed in the years"),
        ("2030-06-01", "is after the run's last day (2017-12-31): it changes nothing"),
        ("2016-01-01", None),
    ]
    for until, note in cases:
        path.write_text(f'extends = "{BASELINE}"\nname = "u"\n[arrivals]\nuntil = {until}\n')
        assert main(["validate", str(path)]) == 0
        out = capsys.readouterr().out
        if note is None:
            assert "arrivals.until" not in out
        else:
            assert f"note: arrivals.until ({until}) {note}" in out


def test_a_byte_order_mark_is_accepted(tmp_path: Path, capsys):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + f'extends = "{BASELINE}"\nname = "bom"\n'.encode())
    assert main(["validate", str(path)]) == 0
    sweep = write_sweep(tmp_path)
    sweep.write_bytes(b"\xef\xbb\xbf" + sweep.read_bytes())
    assert main(["sweep", str(sweep), "--check"]) == 0
    capsys.readouterr()


def test_set_into_a_list_works_as_sweep_keys_do(capsys):
    assert main(["validate", str(BASELINE), "--set", "caseworkers.staffing.0.caseworkers=5"]) == 0
    capsys.readouterr()
    assert main(["validate", str(BASELINE), "--set", "caseworkers.staffing.3.caseworkers=5"]) == 2
    assert "caseworkers.staffing.3: the list has 1 entries" in one_error(capsys)


@pytest.mark.parametrize(
    ("extends", "expected"),
    [
        ('"a\\u0000b"', "extends: must be a file name"),
        ('""', "extends: must be a file name"),
        ('["a.toml"]', "extends: must be a file name"),
        ('"' + "a" * 5000 + '.toml"', "no such scenario file"),
    ],
    ids=["NUL", "empty", "list", "too long"],
)
def test_an_extends_that_names_no_file_is_an_error(extends, expected, tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(f'extends = {extends}\nname = "s"\n')
    assert main(["validate", str(path)]) == 2
    err = one_error(capsys)
    assert f"{path}" in err and expected in err


def test_a_path_too_long_or_unreadable_is_an_error(tmp_path: Path, capsys):
    assert main(["validate", "a" * 5000]) == 2
    assert "no such scenario file" in one_error(capsys)
    if Path("/proc/self/mem").exists():  # a file that exists and cannot be read
        assert main(["validate", "/proc/self/mem"]) == 2
        assert "/mem: cannot be read" in one_error(capsys)  # the path resolved


def test_calibrate_with_zero_replications_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["calibrate", "--replications", "0"])
    assert exit_.value.code == 2
    assert "--replications: must be at least 1" in one_error(capsys)


@pytest.mark.parametrize(
    "setting",
    ["arrivals.per_month=1e308", "arrivals.per_month=2e9", "arrivals.per_month=inf"],
)
def test_arrivals_no_sampler_can_draw_are_refused_even_without_limits(setting, capsys):
    """--no-limits lifts the size limits, not what can be simulated at all: numpy cannot
    draw Poisson counts near float's limit (the run ended in a traceback inside numpy)."""
    argv = ["run", "baseline", "--set", setting, "--no-limits", "--replications", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "arrivals.per_month:" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--precision", "0.1"], "--precision goes with --replications auto"),
        (["--replications", "3", "--max-replications", "5"], "--max-replications goes with"),
        (["--replications", "auto", "--precision", "nan"], "precision nan --max-replications"),
        (["--replications", "auto", "--max-replications", "1"], "at least the 3 the rule"),
    ],
)
def test_options_of_automatic_replications_are_checked_not_ignored(extra, message, capsys):
    assert main(["run", "baseline", *extra, "-q"]) == 2
    assert message in one_error(capsys)


def test_set_cannot_change_what_a_file_extends(capsys):
    assert main(["validate", "baseline", "--set", "extends=today.toml"]) == 2
    assert "the scenario a file extends is read with the file" in one_error(capsys)


@pytest.mark.parametrize("command", ["analyze", "robustness"])
def test_a_sweep_folder_that_is_none_is_named_before_any_output(command, tmp_path, capsys):
    (tmp_path / "afile").write_text("mine")
    assert main([command, str(tmp_path / "afile")]) == 2
    assert "afile: is a file, not a sweep's results folder" in one_error(capsys)
    assert main([command, str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no such folder; give a sweep's results folder" in one_error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
