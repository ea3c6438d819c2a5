"""What pooling does and buys, in numbers: repeated pooling, size reduction, robustness
to small shifts, and global pooling of a bank of feature maps.

Everything here is NumPy on top of :mod:`cnnlab.ops` (no Keras): the Pooling page and a
notebook call the same functions.

>>> import numpy as np
>>> [s.shape for s in pool_steps(np.zeros((306, 461)), 3)]
[(153, 230), (76, 115), (38, 57)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cnnlab._checks import whole
from cnnlab.ops import correlate2d, pool2d

__all__ = [
    "COURSE_PHOTO_SHAPE",
    "COURSE_EDGE_KERNEL",
    "FEATURE_BANK",
    "MAX_MATRIX_SIDE",
    "ShiftResult",
    "pool_steps",
    "fewer_pixels",
    "fit_to",
    "parse_matrix",
    "shift_change",
    "feature_stack",
    "head_params",
    "grey_range",
    "step_differences",
    "peak_patch",
    "centre_crop",
]

# The seed notebook pools the edge map of house.jpg: 306 rows × 461 columns.
COURSE_PHOTO_SHAPE: tuple[int, int] = (306, 461)

# The seed's kernel "para detectar bordes horizontales": [[-1, 0, 1]] * 3 (it answers to
# changes from left to right, i.e. to vertical lines).
COURSE_EDGE_KERNEL: np.ndarray = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=np.float32)

# A small fixed "first conv layer": the seed's three kernels, Sobel and a blur. Applied
# together they give a multi-channel activation map (H, W, F) to pool globally.
FEATURE_BANK: dict[str, np.ndarray] = {
    "seed_horizontal": COURSE_EDGE_KERNEL,
    "seed_vertical": np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]], np.float32),
    "seed_edges": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float32),
    "sobel_x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32),
    "sobel_y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float32),
    "blur": np.full((3, 3), 1 / 9, np.float32),
}

MAX_MATRIX_SIDE = 10  # a typed matrix larger than this is no longer readable cell by cell


def pool_steps(
    x: ArrayLike,
    k: int,
    *,
    size: int = 2,
    stride: int | None = None,
    mode: str = "max",
    padding: str = "valid",
) -> list[np.ndarray]:
    """Pool ``k`` times in a row (the seed's ``apply_pooling``); one array per step.

    Stops early, returning fewer than ``k`` arrays, when the next step is impossible
    (the map is smaller than the window with ``"valid"``) or would change nothing (a
    1×1 map).

    x : (H, W) or (H, W, C)  →  list of (H_i, W_i[, C]) float32

    >>> [s.shape for s in pool_steps(np.zeros((5, 5)), 5)]
    [(2, 2), (1, 1)]
    """
    whole(k, "k", low=1, message="k must be a positive integer")
    steps: list[np.ndarray] = []
    current = np.asarray(x)
    for _ in range(int(k)):
        h, w = current.shape[:2]
        if (h, w) == (1, 1) or (padding == "valid" and min(h, w) < size):
            break
        current = pool2d(current, size=size, stride=stride, mode=mode, padding=padding)
        steps.append(current)
    return steps


def fewer_pixels(before: tuple[int, ...], after: tuple[int, ...]) -> float:
    """The fraction of pixels (per channel) that pooling removed: 0.75 for 2×2 halving.

    >>> round(fewer_pixels((306, 461), (153, 230)), 4)
    0.7505
    """
    n0 = int(before[0]) * int(before[1])
    n1 = int(after[0]) * int(after[1])
    if n0 < 1:
        raise ValueError(f"before must have pixels, got {before!r}")
    return 1.0 - n1 / n0


def fit_to(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Scale an image to cover ``shape`` and crop the centre: exactly (rows, cols).

    image : (H, W) or (H, W, 3) uint8  →  (rows, cols[, 3]) uint8

    >>> fit_to(np.zeros((512, 512), np.uint8), (306, 461)).shape
    (306, 461)
    """
    from PIL import Image

    arr = np.asarray(image)
    if arr.ndim not in (2, 3) or 0 in arr.shape:
        raise ValueError(f"image must be (H, W) or (H, W, 3), got shape {arr.shape}")
    rows, cols = int(shape[0]), int(shape[1])
    if rows < 1 or cols < 1:
        raise ValueError(f"shape must be positive, got {shape!r}")
    h, w = arr.shape[:2]
    scale = max(rows / h, cols / w)
    new_w, new_h = max(cols, round(w * scale)), max(rows, round(h * scale))
    im = Image.fromarray(arr.astype(np.uint8, copy=False))
    if (new_h, new_w) != (h, w):
        im = im.resize((new_w, new_h), Image.Resampling.LANCZOS)
    out = np.asarray(im)
    top, left = (new_h - rows) // 2, (new_w - cols) // 2
    return np.ascontiguousarray(out[top : top + rows, left : left + cols])


def parse_matrix(text: str, *, max_side: int = MAX_MATRIX_SIDE) -> np.ndarray:
    """Read a small matrix typed as rows of numbers (spaces, commas, semicolons, or
    NumPy's printout pasted from a notebook).

    Returns (rows, cols) float32. Raises ValueError naming the bad row or value.

    >>> parse_matrix("4 1 7\\n8, 3, 1")
    array([[4., 1., 7.],
           [8., 3., 1.]], dtype=float32)
    """
    if not isinstance(text, str):
        raise ValueError(f"matrix must be text, got {type(text).__name__}")
    rows = []
    # NumPy's own printout works too: "array([[4, 1], [8, 3]])" or "[[4, 1], [8, 3]]".
    flat = text.replace("array(", " ").replace(")", " ").replace("]", "\n").replace("[", " ")
    lines = [ln for ln in flat.replace(";", "\n").splitlines() if ln.strip(" ,\t")]
    for i, line in enumerate(lines, start=1):
        cells = line.replace(",", " ").split()
        if not cells:
            continue
        try:
            rows.append([float(c) for c in cells])
        except ValueError:
            raise ValueError(f"row {i} is not a list of numbers: {line.strip()!r}") from None
    if not rows:
        raise ValueError("the matrix is empty: type one row of numbers per line")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise ValueError(f"every row needs the same number of values, got {sorted(widths)}")
    arr = np.array(rows, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("the matrix must hold finite numbers (no nan or inf)")
    if max(arr.shape) > max_side:
        raise ValueError(f"the matrix may be at most {max_side}×{max_side}, got {arr.shape}")
    return arr.astype(np.float32)


@dataclass(frozen=True)
class ShiftResult:
    """How much each representation changes when the input moves by ``shifts`` pixels."""

    shifts: tuple[int, ...]  # pixel shifts tried, 0 first
    change: dict[str, np.ndarray]  # name → relative change per shift (0 at shift 0)
    shapes: dict[str, tuple[int, ...]]  # name → shape of the compared arrays


def shift_change(
    x: ArrayLike,
    *,
    max_shift: int = 4,
    direction: str = "x",
    size: int = 2,
    stride: int | None = None,
    padding: str = "valid",
    steps: int = 1,
    margin: int = 0,
) -> ShiftResult:
    """Relative change of a map and of its pooled versions when the content moves.

    The content moves by ``d`` pixels by cropping the same window ``d`` pixels further
    along (``direction`` "x", "y" or "xy"): ``base = x[:H-D, :W-D]``, ``moved`` is the
    same-size crop starting ``d`` pixels later. For each representation ``f``:

        change(d) = mean |f(moved) - f(base)| / mean |f(base)|

    ``f`` is ``"map"`` (the map itself), ``"subsample"`` (every ``stride ** steps``-th
    pixel: what strided convolutions keep, on the same coarse grid as pooling), ``"max"``
    and ``"avg"`` (``steps`` pooling steps in a row). Each is compared with itself on its
    own grid. ``margin`` pixels are first cut from every side (the frame where a
    convolution's zero padding makes an edge map light up).

    x : (H, W) float map

    >>> r = shift_change(np.tile([0.0, 1.0], (12, 6)), max_shift=2)
    >>> float(r.change["map"][1]), float(r.change["max"][1])
    (2.0, 0.0)
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"x must be one 2-D map (H, W), got shape {arr.shape}")
    whole(margin, "margin", low=0, message="margin must be a non-negative integer")
    if margin:
        arr = arr[margin:-margin, margin:-margin]
    if direction not in ("x", "y", "xy"):
        raise ValueError(f"direction must be 'x', 'y' or 'xy', got {direction!r}")
    whole(max_shift, "max_shift", low=0, message="max_shift must be a non-negative integer")
    whole(steps, "steps", low=1, message="steps must be a positive integer")
    every = (size if stride is None else stride) ** int(steps)
    dy = max_shift if direction in ("y", "xy") else 0
    dx = max_shift if direction in ("x", "xy") else 0
    h, w = arr.shape[0] - dy, arr.shape[1] - dx
    too_small = ValueError(
        f"the map {arr.shape} is too small to shift by {max_shift} pixels and pool "
        f"{steps} times with size {size}"
    )
    if min(h, w) < 4:
        raise too_small

    def pooled(m: np.ndarray, mode: str) -> np.ndarray:
        out = pool_steps(m, steps, size=size, stride=stride, mode=mode, padding=padding)
        if len(out) < steps or out[-1].size < 2:
            raise too_small
        return out[-1]

    def reps(m: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "map": m,
            "subsample": m[::every, ::every],
            "max": pooled(m, "max"),
            "avg": pooled(m, "avg"),
        }

    base = reps(arr[:h, :w])
    change: dict[str, list[float]] = {name: [] for name in base}
    for d in range(int(max_shift) + 1):
        oy = d if dy else 0
        ox = d if dx else 0
        moved = reps(arr[oy : oy + h, ox : ox + w])
        for name, b in base.items():
            scale = float(np.mean(np.abs(b))) or 1.0
            change[name].append(float(np.mean(np.abs(moved[name] - b))) / scale)
    return ShiftResult(
        shifts=tuple(range(int(max_shift) + 1)),
        change={k: np.array(v) for k, v in change.items()},
        shapes={k: v.shape for k, v in base.items()},
    )


def feature_stack(
    gray: ArrayLike, kernels: dict[str, np.ndarray] | None = None, *, relu: bool = True
) -> np.ndarray:
    """Apply a bank of 3×3 kernels at once, like a Conv2D layer without bias.

    gray : (H, W) image  →  (H, W, F) float32, one channel per kernel (ReLU by default).

    >>> feature_stack(np.zeros((8, 8))).shape
    (8, 8, 6)
    """
    bank = FEATURE_BANK if kernels is None else kernels
    if not bank:
        raise ValueError("the kernel bank is empty")
    img = np.asarray(gray, dtype=np.float32)
    if img.ndim != 2:
        raise ValueError(f"gray must be one 2-D image (H, W), got shape {img.shape}")
    weights = np.stack([np.asarray(k, np.float32) for k in bank.values()], axis=-1)
    maps = correlate2d(img[:, :, None], weights[:, :, None, :], padding="same")
    return np.maximum(maps, 0.0) if relu else maps


def head_params(shape: tuple[int, int, int], units: int) -> dict[str, int]:
    """Weights of a Dense(units) head after Flatten versus after global pooling.

    >>> head_params((9, 9, 64), 128)
    {'flatten': 663680, 'global': 8320}
    """
    h, w, c = (int(v) for v in shape)
    if min(h, w, c, units) < 1:
        raise ValueError(f"shape and units must be positive, got {shape!r}, {units!r}")
    return {"flatten": h * w * c * units + units, "global": c * units + units}


_BIG = 1000  # a map with more values than this is "big": a few extreme pixels are clipped


def grey_range(x: ArrayLike) -> tuple[float, float]:
    """``(lo, hi)`` for drawing a map on one grey scale: a big map's 0.5th and 99.5th
    percentiles (its rare extremes clipped, for contrast), a small map's exact min and
    max. Always ``hi > lo``.

    >>> grey_range(np.array([[1.0, 3.0]])), grey_range(np.ones((2, 2)))
    ((1.0, 3.0), (1.0, 1.000001))
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.size == 0:
        raise ValueError(f"x must have values, got shape {arr.shape}")
    cut = [0.5, 99.5] if arr.size > _BIG else [0, 100]
    lo, hi = (float(v) for v in np.percentile(arr, cut))
    if hi <= lo:
        lo, hi = float(arr.min()), float(arr.max()) + 1e-6
    return lo, hi


def step_differences(
    max_steps: list[np.ndarray], avg_steps: list[np.ndarray], *, big: bool
) -> tuple[list[np.ndarray], float]:
    """Max pooling − average pooling at each step (never negative), and the top of their
    colour scale: the largest 99.5th percentile over the steps for a big input (its
    ``grey_range`` clips too), the largest difference for a small one; 1.0 if all are 0.

    >>> d, top = step_differences([np.array([[4.0]])], [np.array([[2.5]])], big=False)
    >>> d[0].tolist(), top
    ([[1.5]], 1.5)
    """
    if len(max_steps) != len(avg_steps) or not max_steps:
        raise ValueError(
            f"need as many max as average steps (at least one), got {len(max_steps)} "
            f"and {len(avg_steps)}"
        )
    diffs = [m - a for m, a in zip(max_steps, avg_steps, strict=True)]
    q = 99.5 if big else 100
    top = max(float(np.percentile(d, q)) for d in diffs) or 1.0
    return diffs, top


def peak_patch(
    x: ArrayLike, size: int, *, max_side: int = MAX_MATRIX_SIDE, margin: int = 2
) -> tuple[np.ndarray, int, int]:
    """A small square patch of a map, centred on its strongest response, for showing
    every pooling window of a ``size``×``size`` window with its numbers.

    The side is ``max(6, 2·size + 2)`` (at most ``max_side`` and the map's sides); the
    peak of |x| is looked for inside a ``margin``-pixel frame (zero padding makes the
    borders of an edge map shout) when the map is larger than 8 pixels. Values are
    rounded to 2 decimals.

    x : (H, W)  →  (patch (side, side) float, top row, left column)

    >>> patch, r, c = peak_patch(np.pad(np.ones((1, 1)), 10), 2)
    >>> patch.shape, r, c
    ((6, 6), 7, 7)
    """
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(f"x must be one 2-D map (H, W), got shape {arr.shape}")
    size = whole(size, "size", low=1)
    h, w = arr.shape
    side = min(max_side, max(6, 2 * size + 2), h, w)
    framed = min(h, w) > 4 * margin
    inner = np.abs(arr[margin:-margin, margin:-margin] if framed and margin else arr)
    peak_r, peak_c = np.unravel_index(int(np.argmax(inner)), inner.shape)
    if framed:
        peak_r, peak_c = peak_r + margin, peak_c + margin
    r0 = int(np.clip(peak_r - side // 2, 0, h - side))
    c0 = int(np.clip(peak_c - side // 2, 0, w - side))
    return np.round(arr[r0 : r0 + side, c0 : c0 + side], 2), r0, c0


def centre_crop(x: np.ndarray, side: int) -> np.ndarray:
    """The centre of a map, at most ``side`` pixels each way (a view).

    >>> centre_crop(np.zeros((5, 3000)), 1024).shape
    (5, 1024)
    """
    side = whole(side, "side", low=1)
    top, left = (max(0, (n - side) // 2) for n in x.shape[:2])
    return x[top : top + side, left : left + side]
