"""Writing a folder all at once or not at all, and only where that destroys nothing.

The folder is built next to its destination under a temporary name and renamed into
place only when every file is written, so a crash, Ctrl-C or SIGTERM never leaves a
half-written folder. Where it goes was checked before the work started
(`outputs.destination`) and is checked again just before the rename: an older folder at
the same place is replaced only then, and only if it is one this tool wrote and may
replace. The folder's `.caseload` marker is written last. It gets the permissions any
folder the user creates gets (the umask's), not the owner-only ones of a temporary
folder, so colleagues in the user's group can read the results. An empty folder the
user made for the results is kept as it is (its permissions, owner and place): the
finished files are moved into it, the marker last, and taken out again if that fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from simulator.experiments.outputs import (
    MARKER,
    Destination,
    OutputError,
    is_empty_folder,
    write_marker,
)
from simulator.scenario.writing import umask


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
        if is_empty_folder(path):
            _move_into(work, path)
            work.rmdir()
            return
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


def _move_into(work: Path, folder: Path) -> None:
    """Move every entry of `work` into the empty `folder`, the marker last (a folder with
    its marker is complete); if a move fails, move back those already moved."""
    names = sorted(os.listdir(work), key=lambda name: name == MARKER)
    moved: list[str] = []
    try:
        for name in names:
            os.rename(work / name, folder / name)
            moved.append(name)
    except BaseException:
        for name in reversed(moved):
            os.rename(folder / name, work / name)
        raise
