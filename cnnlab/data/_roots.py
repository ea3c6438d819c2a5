"""Where data lives on disk: CNNLAB_HOME (caches, uploads) and the data root for folders.

On a shared course server nobody types a path: folders are picked from a list of those
found under the data root (``$CNNLAB_DATA_ROOT``, else ``$CNNLAB_HOME/datasets``), and a
picked name is checked to stay inside it (no ``..``, no symbolic link out of it).

Uploads are temporary: :func:`clean_uploads` deletes those unused for longer than
``limits().upload_max_age_hours`` and, beyond ``limits().uploads_max_bytes``, the least
recently used first. Using an upload (:func:`upload_path`) marks it as used.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import time
from pathlib import Path, PurePosixPath

from cnnlab._home import cnnlab_home
from cnnlab.limits import InputError, limits

__all__ = [
    "cnnlab_home",
    "data_root",
    "cache_dir",
    "uploads_dir",
    "list_folders",
    "resolve_folder",
    "upload_path",
    "touch_upload",
    "clean_uploads",
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
    cnnlab._errors.InputError: folder must be a relative path inside the data root, got '../etc'
    """
    base = Path(root) if root is not None else data_root()
    parts = PurePosixPath(str(rel).replace("\\", "/")).parts
    if not parts or str(rel).startswith(("/", "\\")) or ".." in parts or ":" in str(rel):
        raise InputError(
            "folder_outside",
            f"folder must be a relative path inside the data root, got {rel!r}",
            folder=str(rel),
        )
    path = (base / Path(*parts)).resolve()
    if not path.is_relative_to(base.resolve()):
        raise InputError(
            "folder_outside",
            f"folder {rel!r} leads outside the data root {str(base)!r}",
            folder=str(rel),
        )
    if not path.is_dir():
        raise InputError(
            "folder_missing",
            f"no folder {rel!r} under the data root {str(base)!r}",
            folder=str(rel),
        )
    return path


def upload_path(upload_id: str) -> Path:
    """The extracted folder of one zip upload (its id is 16 hex digits)."""
    if not isinstance(upload_id, str) or not _UPLOAD_ID.match(upload_id):
        raise InputError(
            "upload_id",
            f"upload id must be 16 hex digits, got {upload_id!r}",
            upload=str(upload_id)[:40],
        )
    path = uploads_dir() / upload_id
    if not path.is_dir():
        raise InputError(
            "upload_gone",
            f"upload {upload_id!r} is not on this server any more: upload it again",
            upload=upload_id,
        )
    touch_upload(path)
    return path


def touch_upload(path: str | Path) -> None:
    """Mark an upload (folder or file under ``uploads_dir()``) as used now, so that
    :func:`clean_uploads` keeps it another ``upload_max_age_hours``."""
    with contextlib.suppress(OSError):  # gone meanwhile, or a read-only disk
        os.utime(path)


def _entries(base: Path) -> list[Path]:
    """What ``clean_uploads`` weighs: each upload folder (and any stray file or half
    extraction) in ``base``, and each file in ``base/models``."""
    found: list[Path] = []
    for folder in (base, base / "models"):
        try:
            with os.scandir(folder) as it:
                names = sorted(e.name for e in it)
        except OSError:
            continue
        for name in names:
            path = folder / name
            if folder == base and name == "models" and path.is_dir() and not path.is_symlink():
                continue
            found.append(path)
    return found


def _size(path: Path) -> int:
    """Bytes under ``path`` (links counted as themselves, never followed)."""
    try:
        st = path.lstat()
    except OSError:
        return 0
    if not stat.S_ISDIR(st.st_mode):
        return st.st_size
    total = 0
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if not stat.S_ISDIR(st.st_mode):
                total += st.st_size
    return total


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def clean_uploads(now: float | None = None) -> int:
    """Delete old uploads; return the bytes freed.

    First every upload (extracted zip, half extraction, model file under
    ``uploads/models``) last used more than ``limits().upload_max_age_hours`` before
    ``now`` (a Unix time, default the present; "used" is the entry's own mtime, which
    :func:`upload_path` and :func:`touch_upload` renew); then, while all of
    ``uploads/`` still holds more than ``limits().uploads_max_bytes``, the least
    recently used. Called before every new extraction.

    >>> clean_uploads()  # doctest: +SKIP
    0
    """
    budget = limits()
    now = time.time() if now is None else now
    oldest = now - budget.upload_max_age_hours * 3600
    base = uploads_dir()
    dated: list[tuple[float, Path, int]] = []
    for path in _entries(base):
        try:
            mtime = path.lstat().st_mtime
        except OSError:
            continue
        dated.append((mtime, path, _size(path)))
    dated.sort(key=lambda t: (t[0], str(t[1])))
    freed = 0
    kept: list[tuple[float, Path, int]] = []
    for mtime, path, size in dated:
        if mtime < oldest and _remove(path):
            freed += size
        else:
            kept.append((mtime, path, size))
    total = sum(size for _, _, size in kept)
    for _, path, size in kept:
        if total <= budget.uploads_max_bytes:
            break
        if _remove(path):
            freed += size
            total -= size
    return freed
