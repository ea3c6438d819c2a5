"""Decode one image file to a fixed-size ``uint8`` array, or say plainly why not.

Every file is checked from its header first (:func:`probe`, and again in :func:`decode`):
more pixels than ``limits().max_image_pixels`` is refused before a byte is decoded. Big
pictures are decoded small where the format allows it (JPEG draft mode), reduced by an
integer factor before anything else (turning, transparency, colour), and transparency
costs one premultiplied copy. 16-bit and float pictures are scaled to 8 bits, not
clipped.

Never sets ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES``: a truncated file is reported, not
half-loaded with grey padding.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from cnnlab.images import (
    ImageTooLarge,
    flatten_alpha,
    has_alpha,
    open_checked,
    orient,
    orientation,
    reduce_by,
    to_8bit,
)

__all__ = [
    "EXTENSIONS",
    "ARCHIVES",
    "FITS",
    "SYSTEM_FILES",
    "Decoded",
    "Probe",
    "decode",
    "probe",
    "classify_name",
]

# Extensions searched for, and the PIL formats allowed behind them.
EXTENSIONS: dict[str, str] = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".jfif": "JPEG",
    ".png": "PNG",
    ".bmp": "BMP",
    ".gif": "GIF",
    ".webp": "WEBP",
}
# Archives inside a dataset are never opened (a zip in a zip is how bombs nest): each is
# named in the report as "archive".
ARCHIVES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".zst")
_FORMATS = {"JPEG", "MPO", "PNG", "BMP", "DIB", "GIF", "WEBP"}
SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db", ".directory"}
FITS = ("crop", "pad", "stretch")
_RESAMPLE = Image.Resampling.BILINEAR
_REDUCE_MARGIN = 2  # reduce big pictures to at least twice the target side, then resize


@dataclass(frozen=True)
class Decoded:
    """The outcome for one file: pixels, or a reason (see ``cnnlab.data.REASONS``)."""

    pixels: np.ndarray | None  # (H, W, C) uint8, None when skipped
    reason: str = ""  # why it was skipped ("" when loaded)
    detail: str = ""  # the decoder's words, or a note about a loaded file


@dataclass(frozen=True)
class Probe:
    """What one file's header says, before decoding: its cost, or why it is skipped."""

    pixels: int  # pixels decode() will decode (a JPEG at its draft scale); 0 when skipped
    reason: str = ""  # why it will be skipped ("" when it will be decoded)
    detail: str = ""  # the header reader's words


class _Skip(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason, detail)
        self.reason, self.detail = reason, detail


def classify_name(name: str) -> str:
    """ "system", "archive", "extension" or "" (worth decoding) from a file name alone."""
    low = name.lower()
    if low in SYSTEM_FILES or low.startswith("._"):
        return "system"
    ext = os.path.splitext(low)[1]
    if ext in ARCHIVES:
        return "archive"
    if ext not in EXTENSIONS:
        return "extension"
    return ""


def _fit(im: Image.Image, size_hw: tuple[int, int], fit: str) -> Image.Image:
    wh = (size_hw[1], size_hw[0])
    if fit == "crop":
        return ImageOps.fit(im, wh, method=_RESAMPLE)
    if fit == "pad":
        return ImageOps.pad(im, wh, method=_RESAMPLE, color=0)
    return im.resize(wh, _RESAMPLE)


def _failure(exc: BaseException) -> _Skip:
    """A decoder's exception as a reason code and words without paths or object reprs."""
    if isinstance(exc, UnidentifiedImageError):
        return _Skip("not_image", "not an image PIL can identify")
    if isinstance(exc, Image.DecompressionBombError):
        return _Skip("too_large", "too many pixels for PIL (a decompression bomb?)")
    if isinstance(exc, OSError) and exc.strerror:  # an errno error names the file: drop it
        reason = "unreadable" if isinstance(exc, PermissionError | FileNotFoundError) else ""
        return _Skip(reason or "corrupt", exc.strerror)
    from cnnlab.data._display import plain_detail

    text = plain_detail(str(exc)) or type(exc).__name__
    return _Skip("truncated" if "truncat" in text.lower() else "corrupt", text)


def _open(
    path: str | os.PathLike, size_hw: tuple[int, int], channels: int, max_pixels: int | None
) -> Image.Image:
    """Header only: a regular, non-empty file, within the pixel budget, an allowed
    format; a JPEG set to decode at the smallest scale still ≥ ``size_hw``."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _failure(exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise _Skip("unreadable", "not a regular file (a pipe, socket or device)")
    if st.st_size == 0:
        raise _Skip("empty", "0 bytes")
    try:
        im = open_checked(path, name="", max_pixels=max_pixels)
    except ImageTooLarge as exc:
        raise _Skip("too_large", str(exc)) from None
    except ValueError as exc:
        raise _failure(exc.__cause__ or exc) from None
    fmt = im.format or "?"
    if fmt not in _FORMATS:
        im.close()
        raise _Skip("format", f"{fmt} data, not JPEG/PNG/BMP/GIF/WebP")
    if fmt in ("JPEG", "MPO"):  # decode at a reduced scale (still ≥ the target size)
        try:
            im.draft("RGB" if channels == 3 else "L", (size_hw[1], size_hw[0]))
        except (OSError, ValueError) as exc:
            im.close()
            raise _failure(exc) from None
    return im


def probe(
    path: str | os.PathLike,
    size_hw: tuple[int, int],
    channels: int,
    *,
    max_pixels: int | None = None,
) -> Probe:
    """From the header alone: how many pixels :func:`decode` will decode, or why not.

    Costs one header read; nothing is decoded. Reasons as :func:`decode`'s.
    """
    try:
        im = _open(path, size_hw, channels, max_pixels)
    except _Skip as skip:
        return Probe(0, skip.reason, skip.detail)
    with im:
        return Probe(im.width * im.height)


def _reduce(im: Image.Image, size_hw: tuple[int, int]) -> Image.Image:
    """``im`` shrunk by the largest integer factor keeping both sides ≥ 2× the target's
    longest side (whichever way EXIF turns it), as a box mean."""
    return reduce_by(im, min(im.size) // (_REDUCE_MARGIN * max(size_hw)))


def _to_channels(im: Image.Image, channels: int) -> Image.Image:
    """Any mode → ``RGB`` or ``L``; transparent parts become black (one premultiplied copy)."""
    target = "RGB" if channels == 3 else "L"
    im = to_8bit(im)
    if has_alpha(im):
        flat = flatten_alpha(im, 0)
        im = Image.fromarray(flat)
    return im if im.mode == target else im.convert(target)


def decode(
    path: str | os.PathLike,
    size_hw: tuple[int, int],
    fit: str,
    channels: int,
    *,
    max_pixels: int | None = None,
) -> Decoded:
    """Check the header, decode, reduce, orient (EXIF), convert and resize one file.

    Returns ``Decoded(pixels (H, W, channels) uint8)`` or ``Decoded(None, reason, detail)``
    with reason ``empty``, ``not_image``, ``format``, ``truncated``, ``corrupt``,
    ``too_large`` or ``unreadable``. A loaded file whose content differs from its
    extension (a BMP named ``.jpg``) carries a note in ``detail``. The full-size
    picture is released as soon as its reduced copy exists. ``max_pixels`` defaults to
    ``limits().max_image_pixels``.
    """
    try:
        im = _open(path, size_hw, channels, max_pixels)
    except _Skip as skip:
        return Decoded(None, skip.reason, skip.detail)
    fmt = im.format or "?"
    ext = os.path.splitext(str(path))[1]
    kind = {"MPO": "JPEG", "DIB": "BMP"}.get(fmt, fmt)
    note = (
        f"{kind} data in a {ext} file: loaded" if kind != EXTENSIONS.get(ext.lower(), kind) else ""
    )
    try:
        im.load()
        turn = orientation(im)
        pic = _reduce(im, size_hw)
        if pic is not im:
            im.close()  # PIL drops the full-size picture now
        pic = orient(_to_channels(pic, channels), turn)
        out = np.asarray(_fit(pic, size_hw, fit), dtype=np.uint8)
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        failed = _failure(exc)
        return Decoded(None, failed.reason, failed.detail)
    finally:
        im.close()
    if out.ndim == 2:
        out = out[..., None]
    return Decoded(out, "", note)
