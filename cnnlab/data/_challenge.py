"""Synthetic cats and dogs: the 10-epoch challenge's data, drawn offline from a seed.

The notebook's exercise trains on real cats and dogs (~0.81 validation accuracy after 10
epochs). Those photos can't be downloaded everywhere and the built-in shapes are too easy
(1.000 in a few epochs), so this source draws cartoon pet heads that are hard in similar
ways. Every image holds one head at a random place (partly out of the frame at times),
size, tilt, fur colour and fur pattern, on a blotchy background littered with look-alike
triangles, ovals and bars, one of which sometimes covers the animal; then contrast,
brightness and pixel noise vary.

What tells a cat from a dog, each shown in half of the images, independently (else a
neutral version, the same for both classes):

- ears: a cat's stand pointed on top of the head, a dog's hang floppy at its sides
  (neutral: no ears);
- eyes: green or amber for a cat, dark brown for a dog (neutral: closed);
- nose: a small pink triangle for a cat, a big black oval for a dog (neutral: brown).

And, as in real photos, a hint over the whole picture: in half of the images the fur takes
its class's colours (cats cool grey, dogs warm brown), else any colour at all. No label
is wrong and few images show no cue at all (1 in 16), so a network can get above 0.9;
but the notebook's recipe (Conv/MaxPool blocks, Flatten, Dense, Adam 1e-3, batch 128,
10 epochs) picks up the colour hint first and the small parts slowly, and lands near the
notebook's ~0.81, leaving room for better choices to win.
"""

from __future__ import annotations

import numpy as np

from cnnlab._checks import whole
from cnnlab.data._dataset import Dataset
from cnnlab.data._spec import ChallengeSpec

__all__ = ["CHALLENGE_CLASSES", "make_challenge"]

CHALLENGE_CLASSES: tuple[str, ...] = ("cat", "dog")

_MIN_SIZE, _MAX_SIZE = 24, 128
_MAX_N = 100_000
_SS = 2  # supersampling: drawn at 2×2 points per pixel and averaged: smooth edges
_HEAD = (0.2, 0.38)  # head radius R as a fraction of the side
_TILT = 0.8  # head tilt: uniform in ±_TILT radians (±46°)
_CLUTTER = (2, 6)  # look-alike distractors behind the animal (low, high inclusive)
_OCCLUDE = 0.35  # chance of a distractor in front of the animal
_NOISE = 8.0  # Gaussian pixel noise std (0-255 scale)
_INSIDE = 0.45  # the head's centre stays this many radii inside the frame
_PALETTE = 0.5  # chance the fur takes its class's colours (cats grey, dogs brown)
_SHOW = {"ears": 0.5, "eyes": 0.5, "nose": 0.5}  # chance each cue shows (else neutral)
_CAT_EYES = (np.array([90.0, 200.0, 60.0]), np.array([230.0, 170.0, 40.0]))  # green, amber
_DOG_EYE = np.array([70.0, 40.0, 20.0])
_PINK, _BROWN = np.array([240.0, 140.0, 160.0]), np.array([120.0, 75.0, 50.0])
_CAT_NOSE = np.array([[-0.13, 0.22], [0.13, 0.22], [0.0, 0.36]])  # a small downward triangle


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Supersampled point coordinates in pixels: (px, py), each (size·SS, size·SS) float32."""
    t = (np.arange(size * _SS, dtype=np.float32) + 0.5) / _SS
    return np.meshgrid(t, t)


def _upsample(size: int, cells: int) -> np.ndarray:
    """(size·SS, cells) bilinear weights: a coarse grid of ``cells`` values to a smooth line."""
    t = (np.arange(size * _SS) + 0.5) / (size * _SS) * (cells - 1)
    w = np.maximum(0.0, 1.0 - np.abs(t[:, None] - np.arange(cells)[None, :]))
    return w.astype(np.float32)


def _ellipse(u: np.ndarray, v: np.ndarray, a: float, b: float) -> np.ndarray:
    return (u / a) ** 2 + (v / b) ** 2 <= 1.0


def _polygon(u: np.ndarray, v: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Inside a convex polygon ``pts`` (k, 2) of either winding."""
    pos = np.ones(u.shape, dtype=bool)
    neg = np.ones(u.shape, dtype=bool)
    for (x0, y0), (x1, y1) in zip(pts, np.roll(pts, -1, axis=0), strict=True):
        cross = (x1 - x0) * (v - y0) - (y1 - y0) * (u - x0)
        pos &= cross >= 0
        neg &= cross <= 0
    return pos | neg


def _frame(
    px: np.ndarray, py: np.ndarray, cx: float, cy: float, scale: float, theta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates → an object's own frame (unit = ``scale`` pixels, tilted)."""
    dx, dy = (px - float(cx)) / float(scale), (py - float(cy)) / float(scale)
    cos, sin = float(np.cos(theta)), float(np.sin(theta))
    return cos * dx + sin * dy, -sin * dx + cos * dy


Window = tuple[slice, slice]  # rows, columns of the supersampled grid an object can touch


def _window(cx: float, cy: float, reach: float, size: int) -> Window:
    """The part of the supersampled grid within ``reach`` pixels of (cx, cy)."""
    top = size * _SS

    def span(c: float) -> slice:
        lo = min(max(int(np.floor((c - reach) * _SS)), 0), top)
        return slice(lo, min(max(int(np.ceil((c + reach) * _SS)) + 1, lo), top))

    return span(cy), span(cx)


def _paint(img: np.ndarray, where: Window, mask: np.ndarray, colour: np.ndarray) -> None:
    img[where][mask] = colour


def _distractor(
    rng: np.random.Generator, px: np.ndarray, py: np.ndarray, size: int
) -> tuple[Window, np.ndarray]:
    """A random triangle, blob or bar anywhere: shapes that look like ears and heads."""
    cx, cy = rng.uniform(-0.1, 1.1, 2) * size
    scale = rng.uniform(0.05, 0.16) * size
    where = _window(cx, cy, 3.0 * scale + 1, size)  # a bar reaches 3 units, the rest less
    u, v = _frame(px[where], py[where], cx, cy, scale, rng.uniform(0, 2 * np.pi))
    kind = rng.integers(3)
    if kind == 0:  # a triangle, as pointed as a cat's ear
        pts = np.array([[-0.8, 0.6], [0.8, 0.6], [rng.uniform(-0.4, 0.4), -1.3]])
        return where, _polygon(u, v, pts)
    if kind == 1:  # an oval, as round as a dog's ear
        return where, _ellipse(u, v, rng.uniform(0.4, 0.8), rng.uniform(0.9, 1.4))
    return where, _ellipse(u, v, 0.25, rng.uniform(1.5, 3.0))  # a bar (a stick, a tail)


def _fur(rng: np.random.Generator, dog: bool) -> np.ndarray:
    """A fur colour: often any colour at all, else a cat's cool grey or a dog's warm brown."""
    if rng.random() >= _PALETTE:
        return rng.uniform(40, 255, 3)
    if dog:
        red = rng.uniform(110, 235)
        return red * np.array([1.0, rng.uniform(0.6, 0.8), rng.uniform(0.3, 0.5)])
    grey = rng.uniform(50, 225)
    return np.minimum(grey + np.array([0.0, 0.0, rng.uniform(0, 30)]), 255)


def _animal(
    rng: np.random.Generator, px: np.ndarray, py: np.ndarray, size: int, dog: bool
) -> tuple[Window, list[tuple[np.ndarray, np.ndarray]]]:
    """One pet head: where it is drawn and its layers there, back to front [(mask, colour)]."""
    r = rng.uniform(*_HEAD) * size
    margin = _INSIDE * r
    cx, cy = rng.uniform(margin, size - margin, 2)
    where = _window(cx, cy, 2.2 * r + 1, size)  # ears reach < 2 radii from the centre
    u, v = _frame(px[where], py[where], cx, cy, r, rng.uniform(-_TILT, _TILT))
    ax, by = 1.0, rng.uniform(0.85, 1.1)
    fur = _fur(rng, dog)
    ear_col = fur * rng.uniform(0.55, 1.0)
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    if rng.random() < _SHOW["ears"]:
        for s in (-1.0, 1.0):
            if dog:  # a floppy ear hanging along the side of the head
                tilt = s * rng.uniform(0.1, 0.45)
                eu, ev = _frame(u, v, s * rng.uniform(0.95, 1.1), rng.uniform(0.0, 0.25), 1.0, tilt)
                ear = _ellipse(eu, ev, rng.uniform(0.28, 0.36), rng.uniform(0.6, 0.75))
            else:  # a pointed ear standing on top
                a1, a2 = s * np.deg2rad(rng.uniform(10, 22)), s * np.deg2rad(rng.uniform(50, 65))
                p1 = np.array([np.sin(a1) * ax, -np.cos(a1) * by])
                p2 = np.array([np.sin(a2) * ax, -np.cos(a2) * by])
                am = (a1 + a2) / 2 + s * np.deg2rad(rng.uniform(-10, 10))
                apex = (p1 + p2) / 2 + rng.uniform(0.55, 0.8) * np.array([np.sin(am), -np.cos(am)])
                ear = _polygon(u, v, np.stack([p1 * 0.9, p2 * 0.9, apex]))
            layers.append((ear, ear_col))
    head = _ellipse(u, v, ax, by)
    layers.append((head, fur))
    if rng.random() < 0.5:  # stripes (a tabby, a brindle) on the head
        ang = rng.uniform(0, np.pi)
        freq = rng.uniform(5.0, 9.0)
        stripe = np.sin(freq * (np.cos(ang) * u + np.sin(ang) * v) + rng.uniform(0, 6.3)) > 0.3
        layers.append((head & stripe, fur * rng.uniform(0.4, 0.75)))
    if rng.random() < 0.5:  # a lighter muzzle
        layers.append((_ellipse(u, v - 0.35, 0.45, 0.32), np.minimum(fur * 1.4 + 40, 255)))
    eye = rng.uniform(0.13, 0.18)
    if rng.random() < _SHOW["eyes"]:  # cats: green or amber eyes; dogs: dark brown ones
        iris = _CAT_EYES[rng.integers(len(_CAT_EYES))] if not dog else _DOG_EYE
        iris = np.clip(iris + rng.normal(0, 20, 3), 0, 255)
        for s in (-1.0, 1.0):
            layers.append((_ellipse(u - s * 0.38, v + 0.12, eye, eye), iris))
    else:  # closed eyes: a dark slit
        for s in (-1.0, 1.0):
            layers.append((_ellipse(u - s * 0.38, v + 0.12, eye, 0.04), rng.uniform(0, 50, 3)))
    if rng.random() < _SHOW["nose"]:  # cats: a small pink nose; dogs: a big black one
        if dog:
            nose, col = _ellipse(u, v - 0.3, 0.17, 0.12), rng.uniform(0, 40, 3)
        else:
            nose, col = _polygon(u, v, _CAT_NOSE), np.clip(_PINK + rng.normal(0, 20, 3), 0, 255)
    else:  # a plain brown nose
        nose, col = _ellipse(u, v - 0.3, 0.12, 0.09), np.clip(_BROWN + rng.normal(0, 20, 3), 0, 255)
    layers.append((nose, col))
    return where, layers


def _image(
    rng: np.random.Generator,
    px: np.ndarray,
    py: np.ndarray,
    size: int,
    dog: bool,
    up: np.ndarray,
) -> np.ndarray:
    """One (size, size, 3) float image in 0-255."""
    cells = up.shape[1]
    coarse = rng.uniform(0, 255, 3) + rng.normal(0, 45, (cells, cells, 3))
    img = np.ascontiguousarray(  # a blotchy background: the coarse grid, smoothly enlarged
        (up @ coarse.astype(np.float32).transpose(2, 0, 1) @ up.T).transpose(1, 2, 0)
    )
    for _ in range(rng.integers(_CLUTTER[0], _CLUTTER[1] + 1)):
        _paint(img, *_distractor(rng, px, py, size), rng.uniform(0, 255, 3))
    where, layers = _animal(rng, px, py, size, dog)
    for mask, colour in layers:
        _paint(img, where, mask, colour)
    if rng.random() < _OCCLUDE:
        _paint(img, *_distractor(rng, px, py, size), rng.uniform(0, 255, 3))
    pix = np.zeros((size, size, 3), dtype=np.float32)  # each pixel: the mean of its points
    for i in range(_SS):
        for j in range(_SS):
            pix += img[i::_SS, j::_SS]
    out = (pix / _SS**2 - 128) * rng.uniform(0.7, 1.2) + 128 + rng.uniform(-25, 25)
    return out + rng.normal(0.0, _NOISE, out.shape)  # contrast, brightness, then noise


def make_challenge(n: int = 3000, *, size: int = 32, seed: int = 0) -> Dataset:
    """Synthetic cat and dog heads in clutter, RGB: the 10-epoch challenge's dataset.

    n : number of images, half cats (label 0), half dogs (label 1; an odd one more cat).
    size : side in pixels, 24 to 128 (the challenge: 32, quick on a CPU).
    seed : which animals are drawn; the same arguments always give the same bytes.

    Returns a ``Dataset`` with x ``(n, size, size, 3) uint8``, y ``(n,) int64`` and
    class names ``("cat", "dog")``.

    >>> ds = make_challenge(6, size=24, seed=1)
    >>> ds.x.shape, ds.x.dtype.name, ds.class_names, ds.counts().tolist()
    ((6, 24, 24, 3), 'uint8', ('cat', 'dog'), [3, 3])
    """
    n = whole(n, "n", low=1, high=_MAX_N)
    size = whole(size, "size", low=_MIN_SIZE, high=_MAX_SIZE)
    seed = whole(seed, "seed", low=0)
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 2).astype(np.int64)
    px, py = _grid(size)
    up = _upsample(size, 5)
    x = np.empty((n, size, size, 3), dtype=np.uint8)
    for i in range(n):
        x[i] = np.clip(np.rint(_image(rng, px, py, size, bool(y[i]), up)), 0, 255)
    spec = ChallengeSpec(n=n, size=size, seed=seed)
    source = f"synthetic cats and dogs: {n} images {size}×{size} RGB, seed {seed}"
    return Dataset(x, y, CHALLENGE_CLASSES, source, spec)
