"""Writing a folder (or a file) all at once or not at all, and only where that destroys nothing.

The folder is built next to its destination under a temporary name and renamed into
place only when every file is written, so a crash, Ctrl-C or SIGTERM never leaves a
half-written folder. Where it goes was checked before the work started
(`outputs.destination`) and is checked again just before the rename: an older folder at
the same place is replaced only then, and only if it is one this tool wrote and may
replace. The folder's `.caseload` marker is written last. It gets the permissions any
folder the user creates gets (the umask's), not the owner-only ones of a temporary
folder, so colleagues in the user's group can read the results.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from simulator.experiments.outputs import Destination, OutputError, write_marker

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
    plain file, replaced only with `force`. Raises OutputError."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputError(f"{label} {path}: exists and is no plain file; it is left as it is")
    if path.exists() and not force:
        raise OutputError(
            f"{label} {path}: exists; it is left as it is (choose another name, or add "
            "--force to replace it)"
        )
    if not path.parent.is_dir():
        raise OutputError(f"{label} {path}: no such folder {path.parent}")


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


@contextmanager
def atomic_folder(destination: Destination) -> Iterator[Path]:
    """Yield an empty temporary folder that becomes `destination` if the block succeeds."""
    path = destination.path
    path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    work.chmod(0o777 & ~umask())  # mkdtemp makes it 0700: as any folder the user creates
    try:
        yield work
        write_marker(work, destination.kind, destination.owner)
        now = destination.recheck()  # the path may have changed while the work ran
        old = None
        if os.path.lexists(path):
            if not now.replace:
                raise OutputError(f"{path}: appeared while caseload worked; it is left as it is")
            old = path.with_name(f".{path.name}.old-{work.name[-8:]}")
            path.rename(old)
        work.rename(path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
