"""Statistics over many images: how each channel fires, and the crops that excite it most.

>>> stats = filter_stats(model, val_x, "relu_1")  # doctest: +SKIP
>>> int(stats.dead.sum())  # channels that never fire on these images  # doctest: +SKIP
0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cnnlab._checks import whole
from cnnlab.inspect._maps import layer_outputs
from cnnlab.inspect._receptive import receptive_field

if TYPE_CHECKING:
    import keras
    import numpy.typing as npt

__all__ = ["FilterStats", "Patch", "filter_stats", "top_patches"]


@dataclass(frozen=True)
class FilterStats:
    """Per-channel statistics of one layer over a set of images."""

    layer: str
    mean: np.ndarray  # (c,) float32 mean activation over images and positions
    max: np.ndarray  # (c,) float32 largest activation seen
    active: np.ndarray  # (c,) float fraction of positions with activation > 0
    dead: np.ndarray  # (c,) bool: never above 0 on any image (a "dead" ReLU filter)
    n_images: int


def filter_stats(model: keras.Model, images: npt.ArrayLike, layer_name: str) -> FilterStats:
    """Mean, max and firing rate of every channel of ``layer_name`` over ``images``.

    images : (N, H, W, C) raw pixels. A dead filter never outputs more than 0 (1e-6) on
    any of them: after a ReLU it passes nothing and learns nothing.
    """
    (a,) = layer_outputs(model, images, [layer_name])
    if a.ndim != 4:
        raise ValueError(f"layer {layer_name!r} does not output a (h, w, c) map")
    mx = a.max(axis=(0, 1, 2))
    return FilterStats(
        layer=layer_name,
        mean=a.mean(axis=(0, 1, 2)),
        max=mx,
        active=(a > 1e-6).mean(axis=(0, 1, 2)),
        dead=mx <= 1e-6,
        n_images=int(a.shape[0]),
    )


@dataclass(frozen=True)
class Patch:
    """One image crop that excites a filter strongly."""

    index: int  # image index in the set searched
    row: int  # position of the strongest response in the layer's map
    col: int
    value: float  # the activation there
    top: int  # the crop: the position's receptive field, clipped to the image
    left: int
    height: int
    width: int
    crop: np.ndarray  # (height, width, C) uint8 pixels


def top_patches(
    model: keras.Model, images: npt.ArrayLike, layer_name: str, channel: int, *, k: int = 9
) -> list[Patch]:
    """The ``k`` image crops that excite channel ``channel`` of ``layer_name`` the most.

    images : (N, H, W, C) raw pixels. Each image contributes at most one crop: the
    receptive field of its strongest position. Sorted by activation, largest first.
    """
    x = np.asarray(images)
    (a,) = layer_outputs(model, x, [layer_name])
    if a.ndim != 4:
        raise ValueError(f"layer {layer_name!r} does not output a (h, w, c) map")
    ch = whole(channel, "channel", low=0, high=a.shape[3] - 1)
    m = a[..., ch].reshape(len(a), -1)
    best = m.argmax(axis=1)
    vals = m[np.arange(len(a)), best]
    order = np.argsort(-vals, kind="stable")[: max(int(k), 0)]
    out = []
    for i in order:
        r, c = divmod(int(best[i]), a.shape[2])
        reg = receptive_field(model, layer_name, r, c)
        crop = x[i, reg.top : reg.top + reg.height, reg.left : reg.left + reg.width]
        out.append(
            Patch(int(i), r, c, float(vals[i]), reg.top, reg.left, reg.height, reg.width, crop)
        )
    return out
