"""The one-picture story of a CNN's first stage: image → kernel → activation map → pooling.

Used by the Home page and handy in a notebook.

>>> stages = first_stage(size=64)
>>> [s.shape for s in stages.maps]
[(64, 64), (64, 64), (32, 32), (16, 16)]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from cnnlab.images import sample, to_gray
from cnnlab.kernels import PRESETS
from cnnlab.ops import correlate2d, pool2d

__all__ = ["Stages", "first_stage"]


@dataclass(frozen=True)
class Stages:
    """Image, ReLU(activation map) and two max-poolings, each (H, W) float32 in [0, 1];
    read-only (:func:`first_stage` keeps the last few)."""

    kernel: np.ndarray  # (3, 3) the kernel applied
    maps: tuple[np.ndarray, ...]  # image, activation, pool 1, pool 2


def _unit(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    return ((x - lo) / (hi - lo if hi > lo else 1.0)).astype(np.float32)


@lru_cache(maxsize=8)
def first_stage(
    photo: str = "camera", kernel: str = "seed_vertical_edges", *, size: int = 256
) -> Stages:
    """Run one photo through one kernel, ReLU and two 2×2 max-poolings.

    The photo is cropped to a centred square and subsampled to ``size`` pixels a side.
    Computed once per arguments (Home shows it to every visitor); the arrays are
    read-only, so copy one to change it.
    """
    img = sample(photo)
    img = to_gray(img) if img.ndim == 3 else img
    side = min(img.shape[:2])
    top, left = (img.shape[0] - side) // 2, (img.shape[1] - side) // 2
    img = img[top : top + side, left : left + side].astype(np.float32)
    step = max(1, side // size)
    img = img[::step, ::step][:size, :size]
    k = PRESETS[kernel]
    act = np.maximum(correlate2d(img, k, padding="same"), 0)
    p1 = pool2d(act, size=2, mode="max")
    p2 = pool2d(p1, size=2, mode="max")
    return Stages(
        kernel=_frozen(k.copy()), maps=tuple(_frozen(_unit(m)) for m in (img, act, p1, p2))
    )


def _frozen(x: np.ndarray) -> np.ndarray:
    x.flags.writeable = False
    return x
