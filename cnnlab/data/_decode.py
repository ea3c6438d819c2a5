"""Decode one image file to a fixed-size ``uint8`` array, or say plainly why not.

Never sets ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES``: a truncated file is reported, not
half-loaded with grey padding.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["EXTENSIONS", "FITS", "SYSTEM_FILES", "Decoded", "decode", "classify_name"]

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
_FORMATS = {"JPEG", "MPO", "PNG", "BMP", "DIB", "GIF", "WEBP"}
SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db", ".directory"}
FITS = ("crop", "pad", "stretch")
_RESAMPLE = Image.Resampling.BILINEAR


@dataclass(frozen=True)
class Decoded:
    """The outcome for one file: pixels, or a reason (see ``cnnlab.data.REASONS``)."""

    pixels: np.ndarray | None  # (H, W, C) uint8, None when skipped
    reason: str = ""  # why it was skipped ("" when loaded)
    detail: str = ""  # the decoder's words, or a note about a loaded file


def classify_name(name: str) -> str:
    """ "system", "extension" or "" (worth decoding) from a file name alone."""
    low = name.lower()
    if low in SYSTEM_FILES or low.startswith("._"):
        return "system"
    if os.path.splitext(low)[1] not in EXTENSIONS:
        return "extension"
    return ""


def _fit(im: Image.Image, size_hw: tuple[int, int], fit: str) -> Image.Image:
    wh = (size_hw[1], size_hw[0])
    if fit == "crop":
        return ImageOps.fit(im, wh, method=_RESAMPLE)
    if fit == "pad":
        return ImageOps.pad(im, wh, method=_RESAMPLE, color=0)
    return im.resize(wh, _RESAMPLE)


def decode(path: str | os.PathLike, size_hw: tuple[int, int], fit: str, channels: int) -> Decoded:
    """Open, fully decode, orient (EXIF), convert and resize one file.

    Returns ``Decoded(pixels (H, W, channels) uint8)`` or ``Decoded(None, reason, detail)``
    with reason ``empty``, ``not_image``, ``format``, ``truncated``, ``corrupt``,
    ``too_large`` or ``unreadable``. A loaded file whose content differs from its
    extension (a BMP named ``.jpg``) carries a note in ``detail``.
    """
    try:
        if os.path.getsize(path) == 0:
            return Decoded(None, "empty", "0 bytes")
        with Image.open(path) as im:
            fmt = im.format or "?"
            if fmt not in _FORMATS:
                return Decoded(None, "format", f"{fmt} data, not JPEG/PNG/BMP/GIF/WebP")
            ext = os.path.splitext(str(path))[1]
            kind = {"MPO": "JPEG", "DIB": "BMP"}.get(fmt, fmt)
            note = ""
            if kind != EXTENSIONS.get(ext.lower(), kind):
                note = f"{kind} data in a {ext} file: loaded"
            if fmt == "JPEG":  # decode at a reduced scale (still ≥ the target size): faster
                im.draft("RGB" if channels == 3 else "L", (size_hw[1], size_hw[0]))
            im.load()
            pic: Image.Image = ImageOps.exif_transpose(im) or im
            if pic.mode in ("P", "PA", "LA", "RGBA") or "transparency" in pic.info:
                rgba = pic.convert("RGBA")
                pic = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
                pic.alpha_composite(rgba)  # transparent parts become black
            pic = pic.convert("RGB" if channels == 3 else "L")
            out = np.asarray(_fit(pic, size_hw, fit), dtype=np.uint8)
    except UnidentifiedImageError:
        return Decoded(None, "not_image", "not an image PIL can identify")
    except Image.DecompressionBombError as exc:
        return Decoded(None, "too_large", str(exc).split(".")[0])
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        text = str(exc) or type(exc).__name__
        if isinstance(exc, PermissionError | FileNotFoundError):
            return Decoded(None, "unreadable", text)
        reason = "truncated" if "truncat" in text.lower() else "corrupt"
        return Decoded(None, reason, text)
    if out.ndim == 2:
        out = out[..., None]
    return Decoded(out, "", note)
