"""Where data lives on disk: CNNLAB_HOME (caches, uploads) and the data root for folders.

On a shared course server nobody types a path: folders are picked from a list of those
found under the data root (``$CNNLAB_DATA_ROOT``, else ``$CNNLAB_HOME/datasets``), and a
picked name is checked to stay inside it (no ``..``, no symbolic link out of it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from cnnlab._home import cnnlab_home

__all__ = [
    "cnnlab_home",
    "data_root",
    "cache_dir",
    "uploads_dir",
    "list_folders",
    "resolve_folder",
    "upload_path",
    "is_hidden",
]

_UPLOAD_ID = re.compile(r"^[0-9a-f]{16}$")
_MAX_DEPTH = 3


def data_root() -> Path:
    """The only place image folders are opened from: ``$CNNLAB_DATA_ROOT`` or HOME/datasets."""
    env = os.environ.get("CNNLAB_DATA_ROOT")
    return Path(env).expanduser() if env else cnnlab_home() / "datasets"


def cache_dir() -> Path:
    """Decoded folders, as ``<hash>.npz``."""
    return cnnlab_home() / "cache" / "data"


def uploads_dir() -> Path:
    """Extracted zip uploads, one folder per upload id."""
    return cnnlab_home() / "uploads"


def is_hidden(name: str) -> bool:
    """Hidden or system folders that are never a class: ``.git``, ``__MACOSX``…"""
    return name.startswith((".", "__"))


def _subdirs(path: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(path) as it:
            return sorted(
                (e for e in it if e.is_dir(follow_symlinks=False) and not is_hidden(e.name)),
                key=lambda e: e.name,
            )
    except OSError:
        return []


def list_folders(root: str | Path | None = None, *, max_depth: int = _MAX_DEPTH) -> list[str]:
    """Folders under ``root`` that look like datasets (two or more class subfolders).

    Returns paths relative to ``root`` with ``/`` separators, sorted; ``[]`` when the root
    does not exist. Symbolic links are not followed.

    >>> list_folders("/nonexistent")
    []
    """
    base = Path(root) if root is not None else data_root()
    found: list[str] = []

    def walk(path: Path, rel: PurePosixPath, depth: int) -> None:
        subs = _subdirs(path)
        if len(subs) >= 2 and depth > 0:
            found.append(str(rel))
        if depth < max_depth:
            for e in subs:
                walk(Path(e.path), rel / e.name, depth + 1)

    if base.is_dir():
        walk(base, PurePosixPath("."), 0)
    return found


def resolve_folder(rel: str, root: str | Path | None = None) -> Path:
    """The folder ``rel`` under ``root``, refusing anything that would leave it.

    >>> resolve_folder("../etc", "/srv/data")
    Traceback (most recent call last):
    ...
    ValueError: folder must be a relative path inside the data root, got '../etc'
    """
    base = Path(root) if root is not None else data_root()
    parts = PurePosixPath(str(rel).replace("\\", "/")).parts
    if not parts or str(rel).startswith(("/", "\\")) or ".." in parts or ":" in str(rel):
        raise ValueError(f"folder must be a relative path inside the data root, got {rel!r}")
    path = (base / Path(*parts)).resolve()
    if not path.is_relative_to(base.resolve()):
        raise ValueError(f"folder {rel!r} leads outside the data root {str(base)!r}")
    if not path.is_dir():
        raise ValueError(f"no folder {rel!r} under the data root {str(base)!r}")
    return path


def upload_path(upload_id: str) -> Path:
    """The extracted folder of one zip upload (its id is 16 hex digits)."""
    if not isinstance(upload_id, str) or not _UPLOAD_ID.match(upload_id):
        raise ValueError(f"upload id must be 16 hex digits, got {upload_id!r}")
    path = uploads_dir() / upload_id
    if not path.is_dir():
        raise ValueError(f"upload {upload_id!r} is not on this server any more: upload it again")
    return path
