"""Max and average pooling in NumPy, numerically equal to the Keras pooling layers.

``pool2d`` matches ``keras.layers.MaxPooling2D`` / ``AveragePooling2D`` (TensorFlow
backend, channels_last) in numbers and shape: any window size and stride, ``"valid"`` or
``"same"`` padding. With ``"same"`` the extra padding goes at the bottom/right; max pooling
pads with -inf and average pooling divides by the number of *real* pixels in each window
(padding never counts). ``global_pool2d`` is ``GlobalMaxPooling2D`` /
``GlobalAveragePooling2D``. ``pool_windows`` lists the input rows/columns every output
cell reads, for drawing windows on a small matrix.

>>> import numpy as np
>>> from cnnlab.ops import pool2d
>>> x = np.arange(16).reshape(4, 4)
>>> pool2d(x, size=2, mode="max")
array([[ 5.,  7.],
       [13., 15.]], dtype=float32)
>>> pool2d(x, size=2, mode="avg")
array([[ 2.5,  4.5],
       [10.5, 12.5]], dtype=float32)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from cnnlab.ops._shape import output_size, same_pads

__all__ = ["POOL_MODES", "POOL_PADDINGS", "pool2d", "global_pool2d", "pool_windows"]

POOL_MODES = ("max", "avg")
POOL_PADDINGS = ("valid", "same")


def _pair(value: int | tuple[int, int] | list[int], name: str) -> tuple[int, int]:
    """An int or a pair of ints as (rows, cols); positive integers only."""
    pair = tuple(value) if isinstance(value, tuple | list) else (value, value)
    if len(pair) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    out = []
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ValueError(f"{name} must be a positive integer or a pair of them, got {value!r}")
        out.append(int(v))
    return out[0], out[1]


def _check(
    x: ArrayLike,
    size: int | tuple[int, int],
    stride: int | tuple[int, int] | None,
    mode: str,
    padding: str,
) -> tuple[np.ndarray, tuple[int, int], tuple[int, int]]:
    arr = np.asarray(x)
    if arr.ndim not in (2, 3):
        raise ValueError(f"x must be 2-D (H, W) or 3-D (H, W, C), got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"x must hold real numbers, got dtype {arr.dtype}")
    if 0 in arr.shape:
        raise ValueError(f"x must not be empty, got shape {arr.shape}")
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be one of {POOL_MODES}, got {mode!r}")
    if padding not in POOL_PADDINGS:
        raise ValueError(f"padding must be one of {POOL_PADDINGS}, got {padding!r}")
    ph, pw = _pair(size, "size")
    sh, sw = _pair(size if stride is None else stride, "stride")
    return arr, (ph, pw), (sh, sw)


def _geometry(n: int, k: int, s: int, padding: str) -> tuple[int, int, int]:
    """(output length, pad before, pad after) along one axis, the Keras rule."""
    if padding == "valid" and k > n:
        raise ValueError(f"pool size {k} is larger than the input side {n} with valid padding")
    out = output_size(n, k, s, padding)
    before, after = same_pads(n, k, s) if padding == "same" else (0, 0)
    return out, before, after


def _real_counts(n: int, n_out: int, k: int, s: int, before: int) -> np.ndarray:
    """How many real (unpadded) pixels each output position's window covers, one axis."""
    start = np.arange(n_out) * s - before
    return (np.minimum(start + k, n) - np.maximum(start, 0)).astype(np.float64)


def pool2d(
    x: ArrayLike,
    *,
    size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    mode: str = "max",
    padding: str = "valid",
) -> np.ndarray:
    """Max or average pooling of one map or a stack of channels.

    Parameters
    ----------
    x : (H, W) or (H, W, C) array of real numbers (any int/float dtype)
    size : window side, int or (rows, cols)
    stride : step between windows, int or (rows, cols); ``None`` means ``size`` (as Keras)
    mode : ``"max"`` or ``"avg"``
    padding : ``"valid"`` (windows fully inside) or ``"same"`` (output = ceil(H / stride);
        the padding goes mostly at the bottom/right and is never counted in an average)

    Returns
    -------
    out : (H_out, W_out) or (H_out, W_out, C) float32

    >>> import numpy as np
    >>> pool2d(np.zeros((306, 461)), size=2).shape
    (153, 230)
    >>> pool2d(np.array([[1, 2, 3], [4, 5, 6]]), size=2, mode="avg", padding="same")
    array([[3. , 4.5]], dtype=float32)
    """
    arr, (ph, pw), (sh, sw) = _check(x, size, stride, mode, padding)
    squeeze = arr.ndim == 2
    if squeeze:
        arr = arr[:, :, None]
    h, w = arr.shape[:2]
    ho, top, bottom = _geometry(h, ph, sh, padding)
    wo, left, right = _geometry(w, pw, sw, padding)
    pads = ((top, bottom), (left, right), (0, 0))
    padded = padding == "same" and (top or bottom or left or right)

    # float32 holds every value of a small int or float32 exactly; bigger types use
    # float64 (so int32/int64/float64 maxima stay exact) and come back as float32.
    small = arr.dtype.kind == "b" or arr.dtype.itemsize <= (2 if arr.dtype.kind in "iu" else 4)
    work = np.float32 if small else np.float64
    data = arr.astype(work, copy=False)
    if padded:  # max pads with -inf (never wins), avg with 0 (and is not counted)
        fill = -np.inf if mode == "max" else 0.0
        data = np.pad(data, pads, constant_values=fill)
    reduce = np.maximum if mode == "max" else np.add

    # One strided slice per offset inside the window: ph*pw vectorised steps, no copies
    # of the windows, equally fast for overlapping (stride < size) and disjoint windows.
    out: np.ndarray | None = None
    for i in range(ph):
        rows = slice(i, i + sh * (ho - 1) + 1, sh)
        for j in range(pw):
            cols = slice(j, j + sw * (wo - 1) + 1, sw)
            part = data[rows, cols]
            out = part.astype(work, copy=True) if out is None else reduce(out, part, out=out)
    if out is None:  # ph, pw >= 1: never
        raise ValueError(f"empty pooling window {size!r}")
    if mode == "avg":
        if padded:  # only real pixels count (count_include_pad=False)
            counts = (
                _real_counts(h, ho, ph, sh, top)[:, None]
                * _real_counts(w, wo, pw, sw, left)[None, :]
            )
            out /= counts[:, :, None].astype(work)
        else:
            out /= work(ph * pw)
    out = out.astype(np.float32)
    return out[:, :, 0] if squeeze else out


def global_pool2d(x: ArrayLike, *, mode: str = "avg") -> np.ndarray:
    """Global average or max pooling: one number per channel (what GAP hands to Dense).

    Parameters
    ----------
    x : (H, W) or (H, W, C) array; a 2-D map counts as one channel
    mode : ``"avg"`` (``GlobalAveragePooling2D``) or ``"max"`` (``GlobalMaxPooling2D``)

    Returns
    -------
    out : (C,) float32

    >>> import numpy as np
    >>> global_pool2d(np.arange(8).reshape(2, 2, 2), mode="avg")
    array([3., 4.], dtype=float32)
    >>> global_pool2d(np.arange(8).reshape(2, 2, 2), mode="max")
    array([6., 7.], dtype=float32)
    """
    arr = np.asarray(x)
    if arr.ndim not in (2, 3):
        raise ValueError(f"x must be 2-D (H, W) or 3-D (H, W, C), got shape {arr.shape}")
    if 0 in arr.shape:
        raise ValueError(f"x must not be empty, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"x must hold real numbers, got dtype {arr.dtype}")
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be one of {POOL_MODES}, got {mode!r}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    flat = arr.reshape(-1, arr.shape[2]).astype(np.float64)
    out = flat.max(axis=0) if mode == "max" else flat.mean(axis=0)
    return out.astype(np.float32)


def pool_windows(
    shape: tuple[int, int],
    *,
    size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    padding: str = "valid",
) -> list[list[tuple[int, int, int, int]]]:
    """The input rectangle every output cell pools, clipped to the real pixels.

    Returns ``windows[r][c] = (row0, row1, col0, col1)``: output cell ``(r, c)`` pools
    ``x[row0:row1, col0:col1]`` (padding removed), so ``pool2d(x)[r, c]`` equals
    ``x[row0:row1, col0:col1].max()`` (or ``.mean()``).

    >>> pool_windows((3, 3), size=2, padding="same")
    [[(0, 2, 0, 2), (0, 2, 2, 3)], [(2, 3, 0, 2), (2, 3, 2, 3)]]
    """
    if len(shape) < 2:
        raise ValueError(f"shape must be (H, W, ...), got {shape!r}")
    h, w = int(shape[0]), int(shape[1])
    ph, pw = _pair(size, "size")
    sh, sw = _pair(size if stride is None else stride, "stride")
    if padding not in POOL_PADDINGS:
        raise ValueError(f"padding must be one of {POOL_PADDINGS}, got {padding!r}")
    ho, top, _ = _geometry(h, ph, sh, padding)
    wo, left, _ = _geometry(w, pw, sw, padding)
    windows = []
    for r in range(ho):
        r0 = r * sh - top
        row = []
        for c in range(wo):
            c0 = c * sw - left
            row.append((max(r0, 0), min(r0 + ph, h), max(c0, 0), min(c0 + pw, w)))
        windows.append(row)
    return windows
