"""Safe extraction of a zip upload laid out like the notebook's PetImages.

Refused before anything is written: absolute or ``..`` paths, symbolic links, encrypted
members, more than ``max_files`` files or more than ``max_bytes`` once expanded. The
bytes written are counted too, so a header that lies about sizes is caught.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from cnnlab.data._roots import uploads_dir

__all__ = ["MAX_FILES", "MAX_BYTES", "extract_zip", "save_upload"]

MAX_FILES = 20_000  # PetImages_small holds ~12,000 files
MAX_BYTES = 1 << 30  # 1 GiB expanded
_CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


def _member_path(name: str) -> PurePosixPath:
    clean = name.replace("\\", "/")
    parts = PurePosixPath(clean).parts
    if clean.startswith("/") or _DRIVE.match(clean) or ".." in parts:
        raise ValueError(f"zip refused: member {name!r} has an absolute or '..' path")
    return PurePosixPath(*[p for p in parts if p not in ("", ".")])


def _check(zf: zipfile.ZipFile, max_files: int, max_bytes: int) -> list[zipfile.ZipInfo]:
    files = []
    total = 0
    for info in zf.infolist():
        _member_path(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ValueError(f"zip refused: member {info.filename!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise ValueError(f"zip refused: member {info.filename!r} is encrypted")
        if info.is_dir():
            continue
        files.append(info)
        total += info.file_size
        if len(files) > max_files:
            raise ValueError(f"zip refused: more than {max_files} files")
        if total > max_bytes:
            raise ValueError(
                f"zip refused: it expands to more than {max_bytes / 2**20:.0f} MB "
                "(a zip bomb, or a dataset too big to upload: use the data root instead)"
            )
    return files


def extract_zip(
    source: str | Path | bytes | BinaryIO,
    dest: str | Path,
    *,
    max_files: int = MAX_FILES,
    max_bytes: int = MAX_BYTES,
) -> Path:
    """Extract ``source`` into the new folder ``dest``, or refuse with ``ValueError``.

    Nothing is left behind on refusal: members go to a temporary folder beside ``dest``
    that is renamed only when every member was written.

    >>> import io, zipfile, tempfile, pathlib
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("../evil.txt", "x")
    >>> extract_zip(buf.getvalue(), pathlib.Path(tempfile.mkdtemp()) / "out")
    Traceback (most recent call last):
    ...
    ValueError: zip refused: member '../evil.txt' has an absolute or '..' path
    """
    dest = Path(dest)
    if dest.exists():
        raise ValueError(f"{str(dest)!r} already exists: extract into a new folder")
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"not a readable zip file: {exc}") from None
    with zf:
        files = _check(zf, max_files, max_bytes)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
        try:
            written = 0
            for info in files:
                target = tmp / _member_path(info.filename)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > max_bytes:
                            raise ValueError(
                                f"zip refused: it expands to more than {max_bytes / 2**20:.0f} MB"
                            )
                        out.write(chunk)
                mtime = time.mktime((*info.date_time, 0, 0, -1))
                os.utime(target, (mtime, mtime))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ValueError(f"zip refused: a member could not be read ({exc})") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    try:
        os.replace(tmp, dest)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ValueError(f"could not create {str(dest)!r}: {exc}") from None
    return dest


def save_upload(data: bytes, **limits: int) -> str:
    """Extract an uploaded zip under ``uploads_dir()`` once; return its 16-hex-digit id.

    The id is the start of the zip's SHA-256, so uploading the same file again reuses the
    folder (and its decoded cache).
    """
    upload_id = hashlib.sha256(data).hexdigest()[:16]
    dest = uploads_dir() / upload_id
    if not dest.is_dir():
        try:
            extract_zip(data, dest, **limits)
        except ValueError:
            if not dest.is_dir():  # else another session extracted the same zip meanwhile
                raise
    return upload_id
