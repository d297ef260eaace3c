"""Writing a folder all at once or not at all.

The folder is built next to its destination under a temporary name and renamed into
place only when every file is written, so a crash or Ctrl-C never leaves a half-written
folder (an older folder at the same place is replaced only at that moment).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_folder(destination: Path) -> Iterator[Path]:
    """Yield an empty temporary folder that becomes `destination` if the block succeeds."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}.partial-", dir=destination.parent))
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
