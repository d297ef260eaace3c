"""Writing one file all at once, and only where that destroys nothing.

A file the tool writes over one that may be the user's (a scenario `caseload new` or
`caseload calibrate --fit` writes) is checked before the work (`check_file`) and written
through a temporary file renamed into place (`replace_text`): never half of it. Folders
of results are written the same way by `simulator.experiments.atomic`, which takes the
umask from here.

A file already there is replaced, even with `force`, only if caseload wrote it and it has
not changed since: every file written this way is remembered, by name and SHA-256, in
`.caseload-files` in its folder (`remember`, `ours`). A user's own file of that name, or
a starter the user has since edited, is left as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from simulator.scenario.errors import ScenarioError

_UMASK_LOCK = threading.Lock()
RECORD = ".caseload-files"  # in a folder: the files caseload wrote there, by SHA-256
PACKAGE = "caseload-simulator"


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
    if path.exists() and not ours(path):
        raise ScenarioError(f"{label} {path}: {NOT_OURS}")
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


NOT_OURS = (
    "exists, and caseload did not write it or it has changed since; --force replaces only "
    "a file caseload wrote and nobody changed. It is left as it is: move it away, or "
    "choose another name"
)


def digest(path: Path) -> str:
    """The SHA-256 of the file `path`'s bytes."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _record(folder: Path) -> dict[str, str]:
    """The files caseload wrote in `folder` (name -> SHA-256), as its record says."""
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or data.get("package") != PACKAGE:
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def ours(path: Path) -> bool:
    """Whether caseload wrote the plain file `path` and nobody has changed it since."""
    if path.is_symlink() or not path.is_file():
        return False
    written = _record(path.parent).get(path.name)
    try:
        return written is not None and written == digest(path)
    except OSError:
        return False


def remember(paths: Iterable[Path]) -> None:
    """Note in their folders' records that caseload wrote `paths`, as they are now. A
    record that cannot be written is skipped: the files stay, and a later --force refuses
    to replace them (the safe side)."""
    by_folder: dict[Path, list[Path]] = {}
    for path in paths:
        by_folder.setdefault(path.parent, []).append(path)
    for folder, written in by_folder.items():
        files = {k: v for k, v in _record(folder).items() if (folder / k).is_file()}
        try:
            files.update({path.name: digest(path) for path in written})
            text = json.dumps({"package": PACKAGE, "files": dict(sorted(files.items()))}, indent=1)
            replace_text(folder / RECORD, text + "\n")
        except OSError:
            continue


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
