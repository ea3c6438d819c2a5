"""Synthetic shapes: circles, squares and triangles, the seed's 32×32 toy problem.

Every shape of one image covers the same area whatever its class, so the classes differ
by form, not by size: a network must look at edges and corners to tell them apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cnnlab._checks import whole
from cnnlab.data._dataset import Dataset
from cnnlab.data._spec import ShapesSpec

__all__ = ["SHAPE_CLASSES", "make_shapes"]

SHAPE_CLASSES: tuple[str, ...] = ("circle", "square", "triangle")

_MIN_SIZE, _MAX_SIZE = 16, 128
_MAX_N = 100_000
_R_FRAC = (0.11, 0.21)  # equal-area radius as a fraction of the side
_SQUARE = np.sqrt(np.pi) / 2  # half side of the square with the area of a unit circle
_TRI = np.sqrt(4 * np.pi / (3 * np.sqrt(3)))  # circumradius of that equilateral triangle
_EXTENT = _TRI  # farthest point from the centre over all classes, in radii
_SUB = np.array([-0.25, 0.25])  # 2×2 supersampling offsets: smooth (anti-aliased) edges
_TRI_NORMALS = np.array([[np.cos(a), np.sin(a)] for a in np.deg2rad([-90.0, 30.0, 150.0])])


def _inside(kind: str, u: np.ndarray, v: np.ndarray, r: float) -> np.ndarray:
    if kind == "circle":
        return u * u + v * v <= r * r
    if kind == "square":
        return np.maximum(np.abs(u), np.abs(v)) <= _SQUARE * r
    inradius = _TRI * r / 2
    out = np.ones(u.shape, dtype=bool)
    for nx, ny in _TRI_NORMALS:
        out &= u * nx + v * ny <= inradius
    return out


def _coverage(kind: str, size: int, cx: float, cy: float, r: float, theta: float) -> np.ndarray:
    """Fraction of each pixel covered by the shape, (size, size) float32 in [0, 1]."""
    cov = np.zeros((size, size), dtype=np.float32)
    ext = _EXTENT * r + 1
    r0, r1 = max(int(cy - ext), 0), min(int(cy + ext) + 2, size)
    c0, c1 = max(int(cx - ext), 0), min(int(cx + ext) + 2, size)
    rows = np.arange(r0, r1, dtype=np.float64) + 0.5
    cols = np.arange(c0, c1, dtype=np.float64) + 0.5
    cos, sin = np.cos(theta), np.sin(theta)
    acc = np.zeros((r1 - r0, c1 - c0), dtype=np.float32)
    for dy in _SUB:
        for dx in _SUB:
            py = (rows + dy - cy)[:, None]
            px = (cols + dx - cx)[None, :]
            u = cos * px + sin * py
            v = -sin * px + cos * py
            acc += _inside(kind, u, v, r)
    cov[r0:r1, c0:c1] = acc / 4
    return cov


def _clutter(rng: np.random.Generator, size: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Thin random strokes: (coverage (size, size), grey level per pixel 0..1), float32."""
    cov = np.zeros((size, size), dtype=np.float32)
    val = np.zeros((size, size), dtype=np.float32)
    for _ in range(count):
        x0, y0 = rng.uniform(0, size, 2)
        length = rng.uniform(0.1, 0.35) * size
        ang = rng.uniform(0, 2 * np.pi)
        x1, y1 = x0 + length * np.cos(ang), y0 + length * np.sin(ang)
        width = rng.uniform(0.5, 1.0) * max(size / 32, 1)
        level = rng.uniform(0.3, 1.0)
        pad = width + 1
        r0, r1 = max(int(min(y0, y1) - pad), 0), min(int(max(y0, y1) + pad) + 1, size)
        c0, c1 = max(int(min(x0, x1) - pad), 0), min(int(max(x0, x1) + pad) + 1, size)
        if r0 >= r1 or c0 >= c1:
            continue
        yy = (np.arange(r0, r1, dtype=np.float32) + 0.5)[:, None]
        xx = (np.arange(c0, c1, dtype=np.float32) + 0.5)[None, :]
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / (dx * dx + dy * dy), 0, 1)
        dist = np.hypot(xx - (x0 + t * dx), yy - (y0 + t * dy))
        c = np.clip(width + 0.5 - dist, 0, 1)
        box_cov, box_val = cov[r0:r1, c0:c1], val[r0:r1, c0:c1]
        box_val[...] = np.where(c > box_cov, level, box_val)
        np.maximum(box_cov, c, out=box_cov)
    return cov, val


def _check(
    n: int, size: int, channels: int, classes: Sequence[str], noise: float, clutter: int
) -> None:
    whole(n, "n", low=1, high=_MAX_N)
    whole(size, "size", low=_MIN_SIZE, high=_MAX_SIZE)
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels!r}")
    if isinstance(classes, str):
        raise ValueError(f"classes must be a list of names, got the string {classes!r}")
    bad = [c for c in classes if c not in SHAPE_CLASSES]
    if bad or len(set(classes)) != len(classes) or not 2 <= len(classes) <= 3:
        raise ValueError(
            f"classes must be 2 or 3 different names from {SHAPE_CLASSES}, got {tuple(classes)!r}"
        )
    if not 0.0 <= float(noise) <= 1.0:
        raise ValueError(f"noise must be in [0, 1] (std as a fraction of 255), got {noise!r}")
    whole(clutter, "clutter", low=0, high=20)


def make_shapes(
    n: int,
    *,
    size: int = 32,
    channels: int = 1,
    classes: Sequence[str] = ("circle", "square"),
    seed: int = 0,
    noise: float = 0.0,
    clutter: int = 0,
) -> Dataset:
    """Images of one filled shape each, at a random place, size, rotation and colour.

    n : number of images, classes balanced (``n // k`` each, the rest to the first ones).
    size : side in pixels, 16 to 128. channels : 1 (grayscale) or 3 (RGB).
    classes : 2 or 3 of ``SHAPE_CLASSES``; label ``i`` is ``classes[i]``.
    noise : Gaussian pixel noise, standard deviation as a fraction of 255 (0 to 1).
    clutter : thin random strokes drawn behind the shape in every image (0 to 20).
    The same arguments always give the same bytes.

    Returns a ``Dataset`` with x ``(n, size, size, channels) uint8``.

    >>> ds = make_shapes(6, size=16, seed=1)
    >>> ds.x.shape, ds.x.dtype.name, ds.class_names, ds.counts().tolist()
    ((6, 16, 16, 1), 'uint8', ('circle', 'square'), [3, 3])
    """
    if isinstance(classes, str):
        raise ValueError(f"classes must be a list of names, got the string {classes!r}")
    classes = tuple(classes)
    _check(n, size, channels, classes, noise, clutter)
    n, size, clutter = int(n), int(size), int(clutter)
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % len(classes)).astype(np.int64)
    x = np.empty((n, size, size, channels), dtype=np.uint8)
    for i in range(n):
        r = rng.uniform(*_R_FRAC) * size
        margin = _EXTENT * r + 1
        cx, cy = rng.uniform(margin, size - margin, 2)
        theta = rng.uniform(0, 2 * np.pi)
        bg = rng.uniform(0, 80, channels)
        fg = rng.uniform(150, 255, channels)
        img = np.broadcast_to(bg, (size, size, channels)).astype(np.float32)
        if clutter:
            ccov, cval = _clutter(rng, size, clutter)
            img = img * (1 - ccov[..., None]) + (cval * 255)[..., None] * ccov[..., None]
        cov = _coverage(classes[y[i]], size, cx, cy, r, theta)[..., None]
        img = img * (1 - cov) + fg * cov
        if noise:
            img = img + rng.normal(0.0, noise * 255, img.shape)
        x[i] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    spec = ShapesSpec(
        n=int(n),
        size=int(size),
        channels=int(channels),
        classes=tuple(classes),
        noise=float(noise),
        clutter=int(clutter),
        seed=int(seed),
    )
    color = "grayscale" if channels == 1 else "RGB"
    source = (
        f"synthetic shapes ({', '.join(classes)}): {n} images {size}×{size} {color}, "
        f"noise {noise:g}, clutter {clutter}, seed {seed}"
    )
    return Dataset(x, y, classes, source, spec)
