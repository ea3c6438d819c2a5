"""A kernel sliding over an image: the activation map of one setting, one filter of a
bank, and the window-by-window walk of the Kernels page's step view.

NumPy on top of :mod:`cnnlab.ops` (no Keras): the page and a notebook call the same code.

>>> import numpy as np
>>> from cnnlab.images import COURSE_MATRIX
>>> from cnnlab.kernels import PRESETS
>>> s = slide(COURSE_MATRIX, PRESETS["seed_example"])
>>> s.n, s.at(1).value, s.at(1).row, s.at(1).col
(25, -4.0, 0, 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cnnlab._checks import whole
from cnnlab.ops import convolve2d, correlate2d, pad_input

__all__ = ["apply_kernel", "bank_map", "every_nth", "clamp_crop", "Slide", "Window", "slide"]


def apply_kernel(
    image: npt.ArrayLike,
    kernel: npt.ArrayLike,
    *,
    padding: str = "same",
    stride: int = 1,
    boundary: str = "zeros",
    convolve: bool = False,
    summed: bool = False,
    relu: bool = False,
) -> np.ndarray:
    """The activation map of a 2-D ``kernel`` on ``image`` with the page's settings.

    image : (H, W) or (H, W, C). A grey image gives one map; a colour image gives one map
    per channel ``(H_out, W_out, C)``, or with ``summed`` one ``(kh, kw, C)`` filter (the
    kernel repeated on every channel, products added) and one map ``(H_out, W_out)``.
    ``convolve`` flips the kernel first (true convolution); ``relu`` keeps max(0, x).
    Returns float32.

    >>> apply_kernel(np.ones((3, 3, 2)), np.ones((1, 1)), summed=True).tolist()[0]
    [2.0, 2.0, 2.0]
    """
    img = np.asarray(image)
    k = np.asarray(kernel, np.float32)
    if k.ndim != 2:
        raise ValueError(f"kernel must be 2-D, got shape {k.shape}")
    if summed and img.ndim == 3:
        k = np.repeat(k[:, :, None], img.shape[2], axis=2)
    op = convolve2d if convolve else correlate2d
    out = op(img, k, padding=padding, stride=stride, boundary=boundary)
    return np.maximum(out, 0, out=out) if relu else out


def bank_map(
    image: npt.ArrayLike,
    kernel: npt.ArrayLike,
    *,
    padding: str = "same",
    stride: int = 1,
    boundary: str = "zeros",
    convolve: bool = False,
    relu: bool = False,
) -> np.ndarray:
    """The map of one filter of a conv layer built from a 2-D ``kernel``: on C channels,
    a ``(kh, kw, C)`` filter whose slices are the kernel ÷ C (the channels' mean).

    image : (H, W) or (H, W, C)  →  (H_out, W_out) float32

    >>> bank_map(np.full((4, 4, 3), 3.0), np.ones((1, 1))).max()
    np.float32(3.0)
    """
    img = np.asarray(image)
    k = np.asarray(kernel, np.float32)
    channels = 1 if img.ndim == 2 else img.shape[2]
    weights = np.repeat(k[:, :, None], channels, axis=2) / channels
    op = convolve2d if convolve else correlate2d
    out = op(img, weights, padding=padding, stride=stride, boundary=boundary)
    return np.maximum(out, 0) if relu else out


def every_nth(values: np.ndarray, side: int = 320) -> np.ndarray:
    """Every n-th pixel of a big map, so that its longer side is at most about ``side``:
    enough for a grid of small pictures. A view, not a copy.

    >>> every_nth(np.zeros((1000, 500))).shape
    (250, 125)
    """
    side = whole(side, "side", low=1)
    step = max(1, int(np.ceil(max(values.shape[:2]) / side)))
    return values[::step, ::step]


def clamp_crop(shape: tuple[int, ...], size: int, row: int, col: int) -> tuple[int, int, int]:
    """A square crop that fits in an image of ``shape``: ``(size, row, col)`` with the
    size at most the image's shorter side and the corner moved inside.

    >>> clamp_crop((5, 8), 6, 3, 7)
    (5, 0, 3)
    """
    size = max(1, min(int(size), int(shape[0]), int(shape[1])))
    row = int(np.clip(row, 0, shape[0] - size))
    col = int(np.clip(col, 0, shape[1] - size))
    return size, row, col


@dataclass(frozen=True)
class Window:
    """One position of the sliding window (what the step view shows)."""

    index: int  # 1-based position, row by row over the map
    row: int  # 0-based cell of the map it fills
    col: int
    top: int  # its top-left corner in the padded input
    left: int
    pixels: np.ndarray  # (kh, kw) float32, the padded input under the window
    total: float  # sum of pixels × kernel (float64), before ReLU
    value: float  # the map's cell (after ReLU when asked)
    partial: np.ndarray  # (H_out, W_out) float64: the map up to this window, NaN after


@dataclass(frozen=True)
class Slide:
    """A kernel sliding over a small input, ready to be walked one window at a time."""

    input: np.ndarray  # (h, w) float32, before padding
    kernel: np.ndarray  # (kh, kw) float32, as it slides (flipped for a true convolution)
    padded: np.ndarray  # (h + top + bottom, w + left + right) float32
    pads: tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))
    map: np.ndarray  # (H_out, W_out) float32, after ReLU when asked
    stride: int

    @property
    def n(self) -> int:
        """How many positions the window visits (the map's cells)."""
        return int(self.map.size)

    @property
    def pad_mask(self) -> np.ndarray:
        """(padded shape) bool: True on the cells that padding added."""
        (top, _), (left, _) = self.pads
        mask = np.ones(self.padded.shape, bool)
        mask[top : top + self.input.shape[0], left : left + self.input.shape[1]] = False
        return mask

    def at(self, index: int) -> Window:
        """Position ``index`` (1-based, row by row); ValueError outside 1…n."""
        index = whole(index, "index", low=1, high=self.n)
        out_w = self.map.shape[1]
        r, c = divmod(index - 1, out_w)
        kh, kw = self.kernel.shape
        top, left = r * self.stride, c * self.stride
        pixels = self.padded[top : top + kh, left : left + kw]
        partial = np.full(self.map.shape, np.nan)
        partial.reshape(-1)[:index] = self.map.reshape(-1)[:index]
        total = float((pixels.astype(np.float64) * self.kernel).sum())
        return Window(index, r, c, top, left, pixels, total, float(self.map[r, c]), partial)


def slide(
    image: npt.ArrayLike,
    kernel: npt.ArrayLike,
    *,
    padding: str = "same",
    stride: int = 1,
    boundary: str = "zeros",
    convolve: bool = False,
    relu: bool = False,
) -> Slide:
    """Prepare the walk of a 2-D ``kernel`` over a small grey ``image`` (h, w).

    ``convolve`` flips the kernel first, so the window shows the weights actually
    multiplied. Raises ValueError where :func:`cnnlab.ops.correlate2d` would (a kernel
    larger than the input with ``"valid"`` padding).
    """
    x = np.asarray(image, np.float32)
    if x.ndim != 2:
        raise ValueError(f"the step view needs a 2-D input, got shape {x.shape}")
    k = np.asarray(kernel, np.float32)
    if k.ndim != 2:
        raise ValueError(f"kernel must be 2-D, got shape {k.shape}")
    if convolve:
        k = k[::-1, ::-1]
    stride = whole(stride, "stride", low=1)
    padded = pad_input(x, k.shape, padding=padding, stride=stride, boundary=boundary)
    out = correlate2d(x, k, padding=padding, stride=stride, boundary=boundary)
    if relu:
        out = np.maximum(out, 0)
    return Slide(x, k, padded.array, padded.pads, out, stride)
