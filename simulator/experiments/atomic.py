"""Writing a folder all at once or not at all.

The folder is built next to its destination under a temporary name and renamed into
place only when every file is written, so a crash or Ctrl-C never leaves a half-written
folder (an older folder at the same place is replaced only at that moment). It gets the
permissions any folder the user creates gets (the umask's), not the owner-only ones of a
temporary folder, so colleagues in the user's group can read the results.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_UMASK_LOCK = threading.Lock()


def umask() -> int:
    """The process's file-creation mask (os.umask can only be read by setting it)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


@contextmanager
def atomic_folder(destination: Path) -> Iterator[Path]:
    """Yield an empty temporary folder that becomes `destination` if the block succeeds."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}.partial-", dir=destination.parent))
    work.chmod(0o777 & ~umask())  # mkdtemp makes it 0700: as any folder the user creates
    try:
        yield work
        old = None
        if destination.exists():
            old = destination.with_name(f".{destination.name}.old-{work.name[-8:]}")
            destination.rename(old)
        work.rename(destination)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
