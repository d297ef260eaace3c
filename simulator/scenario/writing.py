"""Writing one file all at once, and only where that destroys nothing.

A file the tool writes over one that may be the user's (a scenario `caseload new` or
`caseload calibrate --fit` writes) is checked before the work (`check_file`) and written
through a temporary file renamed into place (`replace_text`): never half of it. Folders
of results are written the same way by `simulator.experiments.atomic`, which takes the
umask from here.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from simulator.scenario.errors import ScenarioError

_UMASK_LOCK = threading.Lock()


def umask() -> int:
    """The process's file-creation mask (os.umask can only be read by setting it)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def check_file(path: Path, force: bool, label: str) -> None:
    """Before the work: that `replace_text` may write the file `path` (`label` names it in
    the error, e.g. "new:" or "--into"): its folder exists, and a file already there is a
    plain file, replaced only with `force`. Raises ScenarioError."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ScenarioError(f"{label} {path}: exists and is no plain file; it is left as it is")
    if path.exists() and not force:
        raise ScenarioError(
            f"{label} {path}: exists; it is left as it is (choose another name, or add "
            "--force to replace it)"
        )
    if not path.parent.is_dir():
        what = "is not a folder" if path.parent.exists() else "no such folder"
        raise ScenarioError(f"{label} {path}: {path.parent}: {what}")
    check_beside(path, label)


def try_writing_in(folder: Path) -> None:
    """Make and remove a temporary file in `folder`; OSError where nothing can be written
    there. Tried, not guessed from permissions, which say nothing of a read-only or full
    file system, nor to root."""
    descriptor, probe = tempfile.mkstemp(prefix=".caseload-probe-", dir=folder)
    os.close(descriptor)
    os.unlink(probe)


def check_beside(path: Path, label: str) -> None:
    """That `replace_text` can write beside `path` (in its folder). Raises ScenarioError."""
    try:
        try_writing_in(path.parent)
    except OSError as exc:
        raise ScenarioError(
            f"{label} {path}: cannot be written in {path.parent} ({exc.strerror or exc})"
        ) from None


def replace_text(path: Path, text: str) -> None:
    """Write `text` into the file `path` all at once: through a temporary file beside it,
    flushed and renamed into place, so that a crash, Ctrl-C or SIGTERM leaves the old file
    or the new one, never half of either. The file keeps its permissions (a new one gets
    the umask's). Raises OSError; whether `path` may be written was checked by the caller."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~umask()
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".partial",
        delete=False,
    ) as file:  # fmt: skip
        try:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
            os.chmod(file.name, mode)
        except BaseException:
            os.unlink(file.name)
            raise
    try:
        os.replace(file.name, path)
    except BaseException:
        os.unlink(file.name)
        raise
