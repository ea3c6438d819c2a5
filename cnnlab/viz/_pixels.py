"""Pixels every picture shares: colour tables, uint8 conversion, enlarging, boxes, PNG URLs.

Only NumPy is imported here; Plotly's colour scales and Pillow load on first use, so a
light page (Kernels) pays for nothing it does not draw.

>>> to_uint8(np.array([[0.0, 0.5, 1.0]]))
array([[  0, 128, 255]], dtype=uint8)
>>> colormap("gray", linear_gray=True)[[0, 128, 255], 0].tolist()
[0, 128, 255]
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "ORANGE",
    "colormap",
    "as_uint8",
    "to_uint8",
    "enlarge",
    "upscale",
    "outline",
    "png_data_url",
]

ORANGE = (247, 103, 7)  # "#f76707": windows, boxes and selections on every page
_LINEAR_GRAYS = ("gray", "grey", "greys_r")


def colormap(scale: str, *, linear_gray: bool = False) -> np.ndarray:
    """The 256-entry colour table of a Plotly colour scale.

    scale : a Plotly scale name ("RdBu_r", "Jet", "gray", …).
    linear_gray : "gray", "grey" and "greys_r" (any case) become a plain linear
    black→white ramp (Plotly's own "gray" is not linear: up to 17 levels off; the
    Pooling page compares grey levels and wants the plain ramp).

    Returns ``(256, 3) uint8``, read-only (cached): index it with a uint8 picture.

    >>> colormap("Jet").shape
    (256, 3)
    """
    ramp = linear_gray and is_linear_gray(scale)
    return _colormap("gray" if ramp else scale, ramp)


def is_linear_gray(scale: str) -> bool:
    """Whether ``colormap(scale, linear_gray=True)`` is the plain ramp: level v → (v, v, v)."""
    return scale.lower() in _LINEAR_GRAYS


@lru_cache(maxsize=32)
def _colormap(scale: str, ramp: bool) -> np.ndarray:
    if ramp:
        levels = np.arange(256, dtype=np.uint8)
        lut = np.stack([levels, levels, levels], axis=1)
    else:
        import plotly.colors as pc

        colors = pc.sample_colorscale(scale, list(np.linspace(0, 1, 256)), colortype="tuple")
        rgb = np.array(colors, dtype=np.float64)
        lut = as_uint8(rgb * 255 if rgb.max() <= 1.0 else rgb)
    lut.flags.writeable = False
    return lut


def as_uint8(values: npt.ArrayLike) -> np.ndarray:
    """Values already on the 0–255 scale, rounded to the nearest integer and clipped.

    values : any shape, float  →  the same shape, uint8.

    >>> as_uint8([-3.0, 127.5, 128.5, 300.0]).tolist()
    [0, 128, 128, 255]
    """
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def to_uint8(x: npt.ArrayLike, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """Scale a map to 0–255 between ``lo`` and ``hi`` (default: its own min and max).

    x : (H, W) numbers  →  (H, W) uint8; values outside [lo, hi] are clipped; a flat
    map (hi ≤ lo) is all 0.

    >>> to_uint8(np.array([[0.0, 5.0, 10.0]]), 0, 5)
    array([[  0, 255, 255]], dtype=uint8)
    """
    a = np.asarray(x, dtype=np.float64)
    lo = float(np.min(a)) if lo is None else float(lo)
    hi = float(np.max(a)) if hi is None else float(hi)
    scaled = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return as_uint8(scaled * 255)


def enlarge(image: np.ndarray, k: int) -> np.ndarray:
    """Nearest-neighbour enlargement by a whole factor: every pixel becomes a k×k square.

    image : (H, W) or (H, W, C), any dtype  →  (k·H, k·W[, C]), same dtype (a new array).

    >>> enlarge(np.array([[1, 2]], np.uint8), 2).tolist()
    [[1, 1, 2, 2], [1, 1, 2, 2]]
    """
    return np.repeat(np.repeat(image, k, axis=0), k, axis=1)


def upscale(image: np.ndarray, side: int) -> np.ndarray:
    """Nearest-neighbour enlargement so that the longer side is at least ``side`` pixels.

    image : (H, W) or (H, W, C), uint8 (any dtype works)  →  (k·H, k·W[, C]) with
    ``k = max(1, side // max(H, W))``, same dtype; a 1-channel last axis is dropped.

    >>> upscale(np.zeros((4, 2), np.uint8), 8).shape
    (8, 4)
    >>> upscale(np.zeros((4, 4, 1), np.uint8), 8).shape
    (8, 8)
    """
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    return enlarge(img, max(1, int(side) // max(img.shape[:2])))


def outline(
    image: np.ndarray,
    top: int,
    left: int,
    height: int,
    width: int,
    *,
    color: tuple[int, int, int] = ORANGE,
    thickness: int | None = None,
    squeeze: bool = False,
) -> np.ndarray:
    """An RGB copy of a picture with a box drawn just *around* a region.

    image : (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) uint8  →  (H, W, 3), same dtype.
    The region is rows ``top … top+height−1``, columns ``left … left+width−1``; the box
    is ``thickness`` rings of pixels outside it (default: 1 per 150 pixels of the
    shorter side, at least 1).

    Where the box would leave the picture it is drawn inside it, along the border, at
    its full thickness; ``squeeze=True`` instead lays every ring that does not fit onto
    the border line itself (the box stays off the region as much as it can).

    >>> outline(np.zeros((8, 8), np.uint8), 2, 2, 3, 3)[1, 1].tolist()
    [247, 103, 7]
    >>> outline(np.zeros((10, 10), np.uint8), 2, 2, 4, 4).shape
    (10, 10, 3)
    """
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    rgb = np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img[..., :3].copy()
    h, w = rgb.shape[:2]
    t = max(1, min(h, w) // 150) if thickness is None else max(1, int(thickness))
    col = np.asarray(color, np.uint8)
    if squeeze:  # ring d at distance d + 1 from the region, clipped onto the border
        for d in range(t):
            y0, y1 = max(top - 1 - d, 0), min(top + height + d, h - 1)
            x0, x1 = max(left - 1 - d, 0), min(left + width + d, w - 1)
            rgb[y0, x0 : x1 + 1] = col
            rgb[y1, x0 : x1 + 1] = col
            rgb[y0 : y1 + 1, x0] = col
            rgb[y0 : y1 + 1, x1] = col
        return rgb
    y0, y1 = max(top - t, 0), min(top + height + t, h)  # the box's outer edge, clipped
    x0, x1 = max(left - t, 0), min(left + width + t, w)
    rgb[y0 : y0 + t, x0:x1] = col
    rgb[max(y1 - t, 0) : y1, x0:x1] = col
    rgb[y0:y1, x0 : x0 + t] = col
    rgb[y0:y1, max(x1 - t, 0) : x1] = col
    return rgb


def png_data_url(image: np.ndarray) -> str:
    """A picture as a ``data:image/png;base64,…`` URL (table image columns, ``go.Image``).

    image : (H, W) grey or (H, W, 3) RGB, converted to uint8 as it is (no scaling).
    A grey picture stays one channel (a third of the RGB bytes to encode and send).
    zlib's quickest level: 4× quicker than the default on a 512×512 photo, for the same
    size (noisy pixels do not compress); flat pictures grow by ~15%.

    >>> png_data_url(np.zeros((2, 2), np.uint8))[:22]
    'data:image/png;base64,'
    """
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8)).save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
