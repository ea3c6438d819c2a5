"""Writing files so that a reader never sees half of one (runs, models, dataset caches)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write"]


def atomic_write(path: Path, write: Callable[[str], object]) -> None:
    """Call ``write(tmp_path)``, then move the file into place in one step.

    The temporary file sits beside ``path`` with the same suffix (``model.save`` and
    ``np.save`` pick their format from it); it is removed if ``write`` fails.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(p, lambda tmp: pathlib.Path(tmp).write_text("hi"))
    >>> p.read_text()
    'hi'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
