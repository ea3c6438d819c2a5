"""Safe extraction of a zip upload laid out like the notebook's PetImages.

Refused before anything is written, from the zip's directory: absolute, drive or ``..``
paths, symbolic links and other special files, encrypted members, two members with the
same name (or a file where a folder must be), more than ``max_files`` entries, more than
``max_bytes`` once expanded, a compression ratio over ``max_ratio`` (per member and for
the whole zip, beyond 1 MB). The budgets come from :func:`cnnlab.limits.limits`.

The directory can lie, so the same budgets are counted again on the real bytes while
each member is copied out in 1 MB chunks: a member that expands further than its
header says is stopped at the budget, and the partial extraction is removed. Archives
inside the zip (``.zip``, ``.tar``, ``.gz``, ``.7z``, ``.rar``…) are copied as plain
files and never opened; the folder loader names each one in its report ("archive").
No message names a server path.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import stat
import struct
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from cnnlab import _errors as say
from cnnlab._progress import Progress, throttled
from cnnlab.data._display import plain_detail
from cnnlab.data._roots import clean_uploads, touch_upload, uploads_dir
from cnnlab.limits import InputError, limits

__all__ = ["MAX_FILES", "MAX_BYTES", "extract_zip", "save_upload"]

# The budgets when this module was imported (CNNLAB_MAX_ARCHIVE_MEMBERS,
# CNNLAB_MAX_ARCHIVE_BYTES); extract_zip reads limits() at each call.
MAX_FILES = limits().max_archive_members
MAX_BYTES = limits().max_archive_bytes
_RATIO_FLOOR = 1 << 20  # a member (or zip) expanding to under 1 MB is never a bomb
_CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")
_EOCD = b"PK\x05\x06"


def _member_path(name: str) -> PurePosixPath:
    clean = name.replace("\\", "/")
    parts = PurePosixPath(clean).parts
    if clean.startswith("/") or _DRIVE.match(clean) or ".." in parts:
        raise InputError(
            "zip_path", f"zip refused: member {name!r} has an absolute or '..' path", member=name
        )
    return PurePosixPath(*[p for p in parts if p not in ("", ".")])


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n:,.0f} bytes"


def _too_many(max_files: int, found: int, unit: str = "") -> InputError:
    return InputError(
        "zip_members",
        f"zip refused: more than {max_files} files (it holds "
        + (f"{found:,}{unit})" if unit else f"{found})"),
        limit=say.number(max_files),
        found=say.number(found),
    )


def _member(code: str, what: str, member: str) -> InputError:
    """A refusal that names one member of the zip."""
    return InputError(code, f"zip refused: {what}", member=member)


def _declared_entries(fp: BinaryIO) -> int | None:
    """The entry count the end-of-directory record gives, read before ``ZipFile``
    parses (and allocates) every entry; None when the record cannot be found."""
    try:
        size = fp.seek(0, os.SEEK_END)
        start = max(0, size - (0xFFFF + 22))
        fp.seek(start)
        tail = fp.read()
        pos = tail.rfind(_EOCD)
        if pos < 0 or pos + 22 > len(tail):
            return None
        (count,) = struct.unpack_from("<H", tail, pos + 10)
        if count == 0xFFFF and pos >= 20 and tail[pos - 20 : pos - 16] == b"PK\x06\x07":
            (offset,) = struct.unpack_from("<Q", tail, pos - 20 + 8)
            fp.seek(offset)
            record = fp.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                (count,) = struct.unpack_from("<Q", record, 32)
        return int(count)
    except (OSError, struct.error, ValueError, OverflowError):
        return None
    finally:
        fp.seek(0)


def _check(
    zf: zipfile.ZipFile, archive_bytes: int, max_files: int, max_bytes: int, max_ratio: float
) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Every refusal the zip's directory allows, before a byte is written."""
    infos = zf.infolist()
    if len(infos) > max_files:
        raise _too_many(max_files, len(infos))
    files: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    seen_files: dict[PurePosixPath, str] = {}
    seen_dirs: set[PurePosixPath] = set()
    total = 0
    for info in infos:
        path = _member_path(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _member("zip_link", f"member {info.filename!r} is a symbolic link", info.filename)
        if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise _member(
                "zip_special", f"member {info.filename!r} is not a regular file", info.filename
            )
        if info.flag_bits & 0x1:
            raise _member("zip_encrypted", f"member {info.filename!r} is encrypted", info.filename)
        parents = set(path.parents) - {PurePosixPath(".")}
        if info.is_dir():
            if path in seen_files:
                raise _member(
                    "zip_file_folder", f"{str(path)!r} is both a file and a folder", str(path)
                )
            seen_dirs.add(path)
            seen_dirs.update(parents)
            continue
        if not path.parts:
            raise _member("zip_no_name", f"member {info.filename!r} has no name", info.filename)
        if path in seen_files:
            raise _member("zip_duplicate", f"the zip holds two files named {str(path)}", str(path))
        if path in seen_dirs or parents & seen_files.keys():
            raise _member(
                "zip_file_folder", f"{str(path)!r} is both a file and a folder", str(path)
            )
        seen_files[path] = info.filename
        seen_dirs.update(parents)
        files.append((info, path))
        total += info.file_size
        if total > max_bytes:
            raise InputError(
                "zip_too_big",
                f"zip refused: it expands to more than {_mb(max_bytes)} "
                "(a zip bomb, or a dataset too big to upload: use the data root instead)",
                limit=say.size(max_bytes),
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > max_ratio:
            raise _ratio_error(info.filename, ratio, max_ratio)
    if total > _RATIO_FLOOR and total > max_ratio * max(archive_bytes, 1):
        raise _ratio_error("", total / max(archive_bytes, 1), max_ratio)
    return files


def _ratio_error(member: str, ratio: float, max_ratio: float) -> InputError:
    what = f"member {member!r}" if member else "it"
    return InputError(
        "zip_ratio_member" if member else "zip_ratio",
        f"zip refused: {what} expands {ratio:,.0f} times its compressed size, over the "
        f"limit of {max_ratio:,.0f} (a zip bomb?)",
        member=member,
        ratio=say.number(ratio),
        limit=say.number(max_ratio),
    )


def _copy(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    written: int,
    archive_bytes: int,
    max_bytes: int,
    max_ratio: float,
) -> int:
    """Copy one member in chunks, counting real bytes against every budget; returns the
    zip's running total."""
    member = 0
    with zf.open(info) as src, open(target, "wb") as out:
        while chunk := src.read(_CHUNK):
            member += len(chunk)
            written += len(chunk)
            if member > info.file_size:
                raise InputError(
                    "zip_lying_member",
                    f"zip refused: member {info.filename!r} holds more than the "
                    f"{info.file_size:,} bytes its header says",
                    member=info.filename,
                    size=say.size(info.file_size),
                )
            if written > max_bytes:
                raise InputError(
                    "zip_too_big",
                    f"zip refused: it expands to more than {_mb(max_bytes)}",
                    limit=say.size(max_bytes),
                )
            if member > _RATIO_FLOOR and member > max_ratio * max(info.compress_size, 1):
                raise _ratio_error(info.filename, member / max(info.compress_size, 1), max_ratio)
            if written > _RATIO_FLOOR and written > max_ratio * max(archive_bytes, 1):
                raise _ratio_error("", written / max(archive_bytes, 1), max_ratio)
            out.write(chunk)
    return written


def _not_a_zip(detail: str) -> InputError:
    return InputError("zip_unreadable", f"not a readable zip file: {detail}", detail=detail)


def _set_time(target: Path, info: zipfile.ZipInfo) -> None:
    try:
        mtime = time.mktime((*info.date_time, 0, 0, -1))
        os.utime(target, (mtime, mtime))
    except (OverflowError, ValueError, OSError):
        pass  # a nonsense date in the zip: the file keeps the present time


def extract_zip(
    source: str | Path | bytes | BinaryIO,
    dest: str | Path,
    *,
    max_files: int | None = None,
    max_bytes: int | None = None,
    max_ratio: float | None = None,
    progress: Progress | None = None,
) -> Path:
    """Extract ``source`` into the new folder ``dest``, or refuse with ``ValueError``.

    Budgets default to ``limits()``: ``max_archive_members``, ``max_archive_bytes``,
    ``max_compression_ratio``. Nothing is left behind on refusal: members go to a
    temporary folder beside ``dest`` that is renamed only when every member was written.
    ``progress(done, total)``, when given, counts the file members written (at most
    ~20 calls a second, from this thread), ending at ``(total, total)``.

    >>> import io, zipfile, tempfile, pathlib
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("../evil.txt", "x")
    >>> extract_zip(buf.getvalue(), pathlib.Path(tempfile.mkdtemp()) / "out")
    Traceback (most recent call last):
    ...
    cnnlab._errors.InputError: zip refused: member '../evil.txt' has an absolute or '..' path
    """
    budget = limits()
    max_files = budget.max_archive_members if max_files is None else max_files
    max_bytes = budget.max_archive_bytes if max_bytes is None else max_bytes
    max_ratio = budget.max_compression_ratio if max_ratio is None else max_ratio
    dest = Path(dest)
    if dest.exists():
        raise ValueError(f"{dest.name!r} already exists: extract into a new folder")
    with contextlib.ExitStack() as stack:
        if isinstance(source, bytes | bytearray | memoryview):
            fp: BinaryIO = io.BytesIO(source)
        elif isinstance(source, str | os.PathLike):
            try:
                fp = stack.enter_context(open(source, "rb"))
            except OSError as exc:
                raise _not_a_zip(str(exc.strerror)) from None
        else:
            fp = source
        tmp = _extract(fp, dest, max_files, max_bytes, max_ratio, throttled(progress))
    try:
        os.replace(tmp, dest)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ValueError(f"could not create {dest.name!r}: {exc.strerror}") from None
    return dest


def _extract(
    fp: BinaryIO, dest: Path, max_files: int, max_bytes: int, max_ratio: float, report: Progress
) -> Path:
    """Check, then write every member into a new temporary folder beside ``dest``."""
    archive_bytes = fp.seek(0, os.SEEK_END)
    fp.seek(0)
    declared = _declared_entries(fp)
    if declared is not None and declared > max_files:
        raise _too_many(max_files, declared, " entries")
    try:
        zf = zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _not_a_zip(plain_detail(exc)) from None
    with zf:
        files = _check(zf, archive_bytes, max_files, max_bytes, max_ratio)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
        try:
            written = 0
            report(0, len(files))
            for done, (info, rel) in enumerate(files, 1):
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                written = _copy(zf, info, target, written, archive_bytes, max_bytes, max_ratio)
                _set_time(target, info)
                report(done, len(files))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            words = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            detail = plain_detail(words)
            raise InputError(
                "zip_member_unreadable",
                f"zip refused: a member could not be read ({detail})",
                detail=detail,
            ) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return tmp


def save_upload(data: bytes, *, progress: Progress | None = None, **options: Any) -> str:
    """Extract an uploaded zip under ``uploads_dir()`` once; return its 16-hex-digit id.

    The id is the start of the zip's SHA-256, so uploading the same file again reuses the
    folder (and its decoded cache), and marks it used. Before a new extraction, old
    uploads are cleaned (:func:`cnnlab.data.clean_uploads`). Refused, and nothing kept:
    more than ``limits().max_upload_bytes``, any refusal of :func:`extract_zip`
    (``options`` are its budgets), or a zip that can never load as a dataset: without two
    class folders holding images whose headers pass, or over the dataset pixel budget
    (:func:`cnnlab.data.check_folder`, headers only). ``progress`` follows the
    extraction (:func:`extract_zip`); a zip extracted before reports ``(1, 1)`` at once.
    """
    max_upload = limits().max_upload_bytes
    if len(data) > max_upload:
        raise InputError(
            "upload_too_big",
            f"the zip is {_mb(len(data))}, over the upload limit of {_mb(max_upload)}",
            name="",
            size=say.size(len(data)),
            limit=say.size(max_upload),
        )
    upload_id = hashlib.sha256(data).hexdigest()[:16]
    dest = uploads_dir() / upload_id
    if dest.is_dir():
        touch_upload(dest)
        if progress is not None:
            progress(1, 1)
        return upload_id
    clean_uploads()
    try:
        extract_zip(data, dest, progress=progress, **options)
    except ValueError:
        if not dest.is_dir():  # else another session extracted the same zip meanwhile
            raise
    from cnnlab.data._folder import check_folder

    try:
        check_folder(dest)
    except ValueError:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    touch_upload(dest)
    return upload_id
