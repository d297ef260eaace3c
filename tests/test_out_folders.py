"""Output folders never destroy what the user did not ask to replace.

`--out` of run, compare, analyze and plan refuses a link, a file, a folder caseload did not
write, and a results folder holding files of the user's; a results folder is replaced
only with --force or when it is the command's own default folder for the same scenario;
a sweep's folder and its run data are never written by anything but the sweep; scenario
and sweep names cannot climb out of results/. `caseload new` never replaces a file
without --force, and never a link.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import tomli_w
from sweep_builders import BASE, write_sweep

from simulator.cli import main

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
QUICK = [
    "--set", "simulation.duration_years=0.25", "--set", "simulation.warmup_years=0",
    "--replications", "1", "--no-figures", "-q",
]  # fmt: skip


def run(out: Path | None, *extra: str, scenario: Path = BASELINE) -> int:
    return main(["run", str(scenario), *QUICK, *(["--out", str(out)] if out else []), *extra])


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry below `folder`: a file's bytes, a link's target, "dir" for a folder."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        else:
            found[key] = path.read_bytes() if path.is_file() else "dir"
    return found


def error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("caseload: error:") == 1 and "Traceback" not in err
    return err


@pytest.fixture
def users_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.docx").write_text("three months of work")
    (folder / "data").mkdir()
    (folder / "data" / "survey.csv").write_text("a,b\n1,2\n")
    return folder


def test_run_refuses_a_folder_it_did_not_write(users_folder: Path, capsys):
    before = snapshot(users_folder)
    assert run(users_folder) == 2
    assert "is not a folder caseload wrote" in error(capsys)
    assert snapshot(users_folder) == before
    assert run(users_folder, "--force") == 2  # --force replaces results, never this
    assert snapshot(users_folder) == before


def test_compare_refuses_a_folder_it_did_not_write(users_folder: Path, capsys):
    before = snapshot(users_folder)
    argv = ["compare", str(BASELINE), str(BASELINE), "--replications", "2", "-q"]
    assert main([*argv, "--out", str(users_folder)]) == 2
    assert "is not a folder caseload wrote" in error(capsys)
    assert snapshot(users_folder) == before


def test_a_file_or_a_link_at_out_is_refused_and_left_alone(users_folder, tmp_path, capsys):
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    assert run(file) == 2
    assert "is a file, not a folder" in error(capsys)
    assert file.read_text() == "mine"
    link = tmp_path / "link"
    link.symlink_to(users_folder)
    before = snapshot(users_folder)
    assert run(link) == 2
    assert "is a symbolic link" in error(capsys)
    assert link.is_symlink() and snapshot(users_folder) == before
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    assert run(dangling) == 2
    assert "is a symbolic link" in error(capsys)
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()


def test_the_current_folder_and_the_scenarios_are_never_replaced(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("k")
    assert run(Path(".")) == 2
    assert (tmp_path / "keep.txt").read_text() == "k"
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "mine.toml").write_text("name = 'x'\n")
    assert run(scenarios) == 2
    assert (scenarios / "mine.toml").exists()
    capsys.readouterr()


def test_a_results_folder_is_replaced_only_with_force(tmp_path: Path, capsys):
    out = tmp_path / "part_time"
    assert run(out) == 0
    first = (out / ".caseload").read_text()
    assert '"kind": "results"' in first and '"owner": "baseline"' in first
    assert run(out) == 2
    assert "Add --force to replace them" in error(capsys)
    assert run(out, "--force") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part_time"]  # no debris


def test_the_default_folder_of_the_same_scenario_is_replaced(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run(None) == 0
    assert run(None) == 0  # results/baseline/ again: the command's own folder
    assert (tmp_path / "results" / "baseline" / "summary.csv").is_file()
    other = tmp_path / "other.toml"
    other.write_text(f'extends = "{BASELINE}"\nname = "other"\n')
    assert run(tmp_path / "results" / "baseline", scenario=other) == 2  # not other's folder
    assert "Add --force" in error(capsys)


def test_files_of_the_users_in_a_results_folder_block_even_force(tmp_path: Path, capsys):
    out = tmp_path / "r"
    assert run(out) == 0
    (out / "my_notes.txt").write_text("notes")
    (out / "figures").mkdir(exist_ok=True)
    (out / "figures" / "my_drawing.svg").write_text("<svg/>")
    assert run(out, "--force") == 2
    err = error(capsys)
    assert "holds files caseload did not write" in err and "my_notes.txt" in err
    assert (out / "my_notes.txt").read_text() == "notes"


def test_a_results_folder_of_an_earlier_version_is_recognised(tmp_path: Path, capsys):
    out = tmp_path / "r"
    assert run(out) == 0
    (out / ".caseload").unlink()  # as written before the marker existed: manifest only
    assert run(out) == 2 and "Add --force" in error(capsys)
    assert run(out, "--force") == 0


def test_an_empty_folder_is_used_and_kept_as_the_user_made_it(tmp_path: Path):
    """The results go into the user's empty folder: the same folder (not one deleted and
    made again), with the permissions the user gave it; nothing left beside it."""
    out = tmp_path / "empty"
    out.mkdir()
    out.chmod(0o700)
    before = out.stat()
    assert run(out) == 0
    assert (out / "summary.csv").is_file() and (out / ".caseload").is_file()
    after = out.stat()
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]
    assert run(out, "--force") == 0  # now caseload's: replaced as any results folder


def test_a_failed_move_into_an_empty_folder_leaves_it_empty(tmp_path: Path, monkeypatch):
    """If moving the finished files into the empty folder fails half-way, those moved are
    taken out again: the folder is as it was, and nothing is left beside it."""
    import simulator.experiments.atomic as atomic

    out = tmp_path / "empty"
    out.mkdir()
    real, calls = os.rename, []

    def failing(source, target) -> None:
        if Path(target).parent == out:  # a move into the folder: the third fails
            calls.append(target)
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
        real(source, target)

    monkeypatch.setattr(atomic.os, "rename", failing)
    assert run(out) == 1
    assert len(calls) == 3  # two moved, then taken out again
    assert list(out.iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["empty"]


@pytest.mark.parametrize("out", [".", "", "..", "{here}"])
def test_the_working_folder_even_empty_is_refused_before_the_work(
    out: str, tmp_path: Path, monkeypatch, capsys
):
    here = tmp_path / "empty"  # an empty folder would be used, but this one cannot be renamed
    here.mkdir()
    monkeypatch.chdir(here)
    assert run(Path(out.format(here=here))) == 2
    err = error(capsys)
    assert "working folder; caseload puts a finished folder in place by renaming it" in err
    assert list(here.iterdir()) == []  # refused before any work: nothing made, not even a temp


def test_a_mount_point_is_refused_before_the_work(tmp_path: Path, monkeypatch, capsys):
    mounted = tmp_path / "volume"  # e.g. an empty volume mounted into a container
    mounted.mkdir()
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mounted)
    assert run(mounted) == 2
    assert "volume: is a mount point" in error(capsys)
    assert list(mounted.iterdir()) == []


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path: Path, monkeypatch, capsys):
    import errno

    import simulator.reporting.files as files

    def full(table, path, *args) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(files, "write_csv", full)
    assert run(tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert err.startswith("caseload: error: No space left on device (") and "Traceback" not in err
    assert "summary.csv); the files of this command are written all at once" in err
    assert list(tmp_path.iterdir()) == []  # no folder, no temporary one


def test_a_full_disk_while_the_parquet_tables_are_written_leaves_nothing(
    tmp_path: Path, monkeypatch, capsys
):
    """The Parquet tables are written on threads of their own: their error is the
    command's, told in one line, and nothing is left."""
    import errno

    import simulator.reporting.files as files

    def full(results, folder: Path, name: str) -> None:
        if name == "tasks.parquet":
            raise OSError(errno.ENOSPC, "No space left on device", str(folder / name))

    monkeypatch.setattr(files, "_write_parquet", full)
    assert run(tmp_path / "out", "--no-figures") == 1
    err = capsys.readouterr().err
    assert err.startswith("caseload: error: No space left on device (") and "Traceback" not in err
    assert "tasks.parquet); the files of this command are written all at once" in err
    assert list(tmp_path.iterdir()) == []


def test_a_failure_beside_the_parquet_thread_waits_for_it_before_cleaning_up(
    tmp_path: Path, monkeypatch, capsys
):
    """Where the other tables fail while the threads still write, the command waits for
    them before it removes its folder: nothing is written after, nothing left."""
    import errno
    import time

    import simulator.reporting.files as files

    written: list[Path] = []

    def slow(results, folder: Path, name: str) -> None:
        time.sleep(0.5)
        (folder / name).write_bytes(b"late")
        written.append(folder)

    def full(table, path, *args) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(files, "_write_parquet", slow)
    monkeypatch.setattr(files, "write_csv", full)
    assert run(tmp_path / "out", "--no-figures") == 1
    assert len(written) == 2, "a thread ended before the command did"
    assert not written[0].exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", [".", "..", ".hidden", "-dash", "a.", "con", "x" * 101])
def test_scenario_names_that_are_no_safe_folder_are_refused_at_load(name, tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "{name}"\n')
    assert main(["validate", str(path)]) == 2
    err = error(capsys)
    assert f"{path}: 1 problem in the scenario" in err and "\n  name: " in err


def test_a_scenario_named_dot_cannot_replace_every_result(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    other = tmp_path / "results" / "sweeps" / "big"
    other.mkdir(parents=True)
    (other / "sweep.json").write_text("{}")
    path = tmp_path / "dot.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "."\n')
    assert run(None, scenario=path) == 2
    assert (other / "sweep.json").is_file()
    capsys.readouterr()


@pytest.fixture
def sweep_folder(tmp_path: Path) -> Path:
    out = tmp_path / "sweep"
    assert (
        main(["sweep", str(write_sweep(tmp_path)), "--out", str(out), "-q", "--workers", "1"]) == 0
    )
    return out


def test_analyze_never_writes_over_the_sweep_or_into_its_runs(sweep_folder, capsys):
    before = snapshot(sweep_folder)
    for out in (sweep_folder, sweep_folder / "runs", sweep_folder / "runs" / "analysis"):
        assert main(["analyze", str(sweep_folder), "--out", str(out), "-q"]) == 2
        error(capsys)
        assert snapshot(sweep_folder) == before
    assert main(["analyze", str(sweep_folder), "--out", str(sweep_folder), "--force", "-q"]) == 2
    assert snapshot(sweep_folder) == before
    capsys.readouterr()


def test_analyze_replaces_its_own_default_folder_and_asks_for_others(sweep_folder, capsys):
    assert main(["analyze", str(sweep_folder), "-q"]) == 0
    assert main(["analyze", str(sweep_folder), "-q"]) == 0  # FOLDER/analysis, its own
    elsewhere = sweep_folder.parent / "analysis_copy"
    assert main(["analyze", str(sweep_folder), "--out", str(elsewhere), "-q"]) == 0
    assert main(["analyze", str(sweep_folder), "--out", str(elsewhere), "-q"]) == 2
    assert "Add --force" in error(capsys)
    assert main(["analyze", str(sweep_folder), "--out", str(elsewhere), "-q", "--force"]) == 0


def test_robustness_and_discover_never_write_over_the_sweep_or_its_run_data(
    sweep_folder, users_folder, capsys
):
    (sweep_folder / "series").mkdir()  # where a spec's weekly series go: run data too
    before = snapshot(sweep_folder)
    discover = ["discover", str(sweep_folder), "--metric", "backlog_hours_mean", "--above", "0"]
    for command in (["robustness", str(sweep_folder)], discover):
        for out in (
            sweep_folder,
            sweep_folder / "runs",
            sweep_folder / "runs" / "x",
            sweep_folder / "series" / "x",
        ):
            assert main([*command, "--out", str(out), "-q", "--force"]) == 2
            assert "sweep" in error(capsys)
            assert snapshot(sweep_folder) == before
        assert main([*command, "--out", str(users_folder), "-q", "--force"]) == 2
        assert "is not a folder caseload wrote" in error(capsys)


def test_robustness_replaces_its_own_default_folder_and_asks_for_others(sweep_folder, capsys):
    assert main(["robustness", str(sweep_folder), "-q"]) == 0
    assert (sweep_folder / "robustness" / ".caseload").is_file()
    assert main(["robustness", str(sweep_folder), "-q"]) == 0  # FOLDER/robustness, its own
    elsewhere = sweep_folder.parent / "robustness_copy"
    assert main(["robustness", str(sweep_folder), "--out", str(elsewhere), "-q"]) == 0
    assert main(["robustness", str(sweep_folder), "--out", str(elsewhere), "-q"]) == 2
    assert "Add --force" in error(capsys)
    assert main(["robustness", str(sweep_folder), "--out", str(elsewhere), "-q", "--force"]) == 0
    analysis = sweep_folder / "analysis"  # another kind of folder: replaced only with --force
    assert main(["analyze", str(sweep_folder), "-q"]) == 0
    assert main(["robustness", str(sweep_folder), "--out", str(analysis), "-q"]) == 2
    assert "Add --force" in error(capsys)


def test_run_never_replaces_a_sweep_even_with_force(sweep_folder, capsys):
    before = snapshot(sweep_folder)
    assert run(sweep_folder, "--force") == 2
    assert "which caseload never replaces" in error(capsys)
    assert snapshot(sweep_folder) == before


def test_a_sweep_refuses_a_link_and_a_dotted_name(tmp_path: Path, users_folder, capsys):
    link = tmp_path / "link"
    link.symlink_to(users_folder)
    spec = write_sweep(tmp_path)
    assert main(["sweep", str(spec), "--out", str(link), "-q", "--workers", "1"]) == 2
    assert "is a symbolic link" in error(capsys)
    spec.write_text(spec.read_text().replace('name = "tiny_sweep"', 'name = ".."'))
    assert main(["sweep", str(spec), "--check"]) == 2
    assert "name: '..' cannot name a results folder" in error(capsys)


# --------------------------------------------------------------------------- plan

PLAN_QUICK = ["--workers", "1", "--replications", "2", "--max-replications", "4", "-q"]
PLAN_QUICK += ["--caseload-limit", "60"]


@pytest.fixture
def tiny_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "inputs" / "tiny.toml"
    path.parent.mkdir()
    path.write_text(tomli_w.dumps(BASE), encoding="utf-8")
    return path


def plan(scenario: Path, out: Path | None, *extra: str) -> int:
    return main(["plan", str(scenario), *PLAN_QUICK, *(["--out", str(out)] if out else []), *extra])


def test_plan_refuses_a_users_folder_a_file_a_link_and_a_sweep(
    tiny_scenario, users_folder, sweep_folder, tmp_path, capsys
):
    before = snapshot(users_folder)
    assert plan(tiny_scenario, users_folder, "--force") == 2
    assert "is not a folder caseload wrote" in error(capsys)
    assert snapshot(users_folder) == before
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    assert plan(tiny_scenario, file) == 2
    assert "is a file, not a folder" in error(capsys) and file.read_text() == "mine"
    link = tmp_path / "link"
    link.symlink_to(users_folder)
    assert plan(tiny_scenario, link) == 2
    assert "is a symbolic link" in error(capsys) and snapshot(users_folder) == before
    sweep = snapshot(sweep_folder)
    for out in (sweep_folder, sweep_folder / "runs" / "plan"):
        assert plan(tiny_scenario, out, "--force") == 2
        error(capsys)
    assert snapshot(sweep_folder) == sweep


def test_plan_replaces_its_default_folder_and_others_only_with_force(
    tiny_scenario, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert plan(tiny_scenario, None) == 0
    default = tmp_path / "results" / "plan_tiny"
    assert '"kind": "plan"' in (default / ".caseload").read_text()
    assert plan(tiny_scenario, None) == 0  # results/plan_tiny/ again: the command's own
    results = tmp_path / "results" / "tiny"
    assert run(results, "--set", "name=tiny") == 0
    assert plan(tiny_scenario, results) == 2  # a run's folder: only with --force
    assert "Add --force" in error(capsys)
    assert (results / "summary.csv").is_file()
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["plan_tiny", "tiny"]


def test_a_plan_folder_of_an_earlier_version_is_recognised(tiny_scenario, tmp_path, capsys):
    out = tmp_path / "p"
    assert plan(tiny_scenario, out) == 0
    (out / ".caseload").unlink()  # as written before the marker existed: manifest only
    assert plan(tiny_scenario, out) == 2 and "Add --force" in error(capsys)
    (out / "mine.txt").write_text("mine")
    assert plan(tiny_scenario, out, "--force") == 2
    assert "is not a folder caseload wrote" in error(capsys)
    (out / "mine.txt").unlink()
    assert plan(tiny_scenario, out, "--force") == 0


# --------------------------------------------------------------------------- new


def test_new_never_replaces_a_file_without_force_and_never_a_link(tmp_path: Path, capsys):
    """--force replaces a starter caseload wrote and nobody changed, never a user's file
    or a starter edited since (the user's work), nor a link."""
    path = tmp_path / "town.toml"
    path.write_text("# my own\n")
    assert main(["new", "town", "--folder", str(tmp_path)]) == 2
    assert "exists; it is left as it is" in error(capsys)
    assert main(["new", "town", "--folder", str(tmp_path), "--force"]) == 2
    assert "caseload did not write it or it has changed since" in error(capsys)
    assert path.read_text() == "# my own\n"
    path.unlink()
    assert main(["new", "town", "--folder", str(tmp_path)]) == 0
    assert main(["new", "town", "--folder", str(tmp_path), "--force"]) == 0  # its own
    assert 'name = "town"' in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".caseload-files", "town.toml"]
    capsys.readouterr()
    path.write_text(path.read_text() + "# my edits\n")
    assert main(["new", "town", "--folder", str(tmp_path), "--force"]) == 2
    assert "caseload did not write it or it has changed since" in error(capsys)
    assert path.read_text().endswith("# my edits\n")
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep")
    (tmp_path / "linked.toml").symlink_to(target)
    assert main(["new", "linked", "--folder", str(tmp_path), "--force"]) == 2
    assert "is no plain file" in error(capsys) and target.read_text() == "keep"


@pytest.mark.parametrize("name", [".", "..", ".hidden", "a b", "a/b", "con"])
def test_new_refuses_names_that_cannot_name_a_scenario(name: str, tmp_path: Path, capsys):
    assert main(["new", name, "--folder", str(tmp_path)]) == 2
    assert "new: " in error(capsys)
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_the_name_of_the_baseline_it_would_extend(tmp_path: Path, capsys):
    """A starter named baseline.toml would extend itself: the loop is refused up front,
    and nothing is written."""
    assert main(["new", "baseline", "--folder", str(tmp_path)]) == 2
    assert "extend itself" in error(capsys)
    assert list(tmp_path.iterdir()) == []
    assert main(["new", "baseline_2016", "--folder", str(tmp_path)]) == 0
    assert main(["validate", str(tmp_path / "baseline_2016.toml")]) == 0


def test_new_names_a_folder_that_is_a_file(tmp_path: Path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["new", "town", "--folder", str(tmp_path / "notes.txt")]) == 2
    assert "notes.txt: is not a folder" in error(capsys)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_new_takes_a_name_given_as_a_file_name(tmp_path: Path, capsys):
    assert main(["new", "my_town.toml", "--folder", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".caseload-files", "my_town.toml"]
    assert 'name = "my_town"' in (tmp_path / "my_town.toml").read_text()
    capsys.readouterr()
