"""First-layer filters: the learned kernels, as pictures, and the hand-made kernel nearest each.

>>> normalize_filters(np.array([-2.0, 0.0, 1.0]).reshape(1, 1, 1, 3)).ravel().tolist()
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cnnlab.inspect._graph import first_conv

if TYPE_CHECKING:
    import keras
    import numpy.typing as npt

__all__ = [
    "HANDMADE",
    "Match",
    "first_layer_filters",
    "normalize_filters",
    "filter_images",
    "closest_kernels",
]

# Hand-made kernels a learned first-layer filter is compared with (cnnlab.kernels names).
HANDMADE = (
    "sobel_x",
    "sobel_y",
    "seed_vertical_edges",
    "seed_horizontal_edges",
    "seed_outline",
    "laplacian",
    "gaussian",
    "sharpen",
)


def first_layer_filters(model: keras.Model) -> np.ndarray:
    """The first Conv2D layer's kernel, ``(kh, kw, C_in, F)`` float32, as trained.

    Equal to ``layer.get_weights()[0]`` (a Conv2D inside a nested model counts too; see
    :func:`cnnlab.inspect.first_conv`); see :func:`normalize_filters` and
    :func:`filter_images` for display. ValueError for a model without Conv2D.
    """
    layer = first_conv(model)
    if layer is None:
        raise ValueError(f"model {model.name!r} has no Conv2D layer")
    return np.asarray(layer.get_weights()[0], dtype=np.float32)


def normalize_filters(weights: npt.ArrayLike, *, per_filter: bool = True) -> np.ndarray:
    """Weights mapped to [0, 1] with 0 at 0.5: ``0.5 + w / (2·max|w|)``.

    weights : (kh, kw, C_in, F)  →  the same shape, float32. ``per_filter`` scales each
    filter by its own largest weight (shapes stand out); otherwise one scale for the
    whole bank (strengths compare).

    >>> normalize_filters(np.array([-2.0, 0.0, 1.0]).reshape(1, 1, 1, 3)).ravel().tolist()
    [0.0, 0.5, 1.0]
    """
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 4:
        raise ValueError(f"weights must be (kh, kw, C_in, F), got shape {w.shape}")
    axes = (0, 1, 2) if per_filter else None
    top = np.max(np.abs(w), axis=axes, keepdims=per_filter)
    top = np.where(top > 0, top, 1.0)
    return (0.5 + w / (2 * top)).astype(np.float32)


def filter_images(weights: npt.ArrayLike, *, per_filter: bool = True) -> np.ndarray:
    """One picture per filter, values in [0, 1] (0.5 = weight 0).

    weights : (kh, kw, C_in, F). C_in = 3 → RGB composites ``(F, kh, kw, 3)`` float32;
    any other C_in → grey ``(F, kh, kw)`` float32 (the mean over input channels).

    >>> filter_images(np.zeros((3, 3, 1, 4))).shape
    (4, 3, 3)
    """
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 4:
        raise ValueError(f"weights must be (kh, kw, C_in, F), got shape {w.shape}")
    if w.shape[2] != 3:
        w = w.mean(axis=2, keepdims=True)
    n = normalize_filters(w, per_filter=per_filter)
    out = np.moveaxis(n, 3, 0)  # (F, kh, kw, C)
    return out[..., 0] if out.shape[-1] == 1 else out


@dataclass(frozen=True)
class Match:
    """The hand-made kernel closest to one learned filter."""

    filter: int  # filter index f
    name: str  # cnnlab.kernels.PRESETS name
    similarity: float  # cosine similarity in [-1, 1]; negative: the same pattern inverted


def closest_kernels(weights: npt.ArrayLike, names: tuple[str, ...] = HANDMADE) -> list[Match]:
    """For each filter, the hand-made kernel (Sobel, the seed's edges, …) most like it.

    weights : (kh, kw, C_in, F). A filter's 2-D pattern is its mean over input channels;
    the likeness is the cosine similarity of the flattened weights (largest absolute
    value wins, sign kept, so an inverted Sobel is still Sobel). Kernels of another size
    are skipped. out : one :class:`Match` per filter.

    >>> from cnnlab.kernels import PRESETS
    >>> closest_kernels(-PRESETS["sobel_x"][:, :, None, None])[0]
    Match(filter=0, name='sobel_x', similarity=-1.0)
    """
    from cnnlab.kernels import PRESETS

    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"weights must be (kh, kw, C_in, F), got shape {w.shape}")
    cands = [(n, np.asarray(PRESETS[n], np.float64)) for n in names]
    cands = [(n, k) for n, k in cands if k.shape == w.shape[:2]]
    out = []
    for f in range(w.shape[3]):
        pat = w[:, :, :, f].mean(axis=2).ravel()
        norm = np.linalg.norm(pat)
        best = ("", 0.0)
        for n, k in cands:
            sim = float(pat @ k.ravel() / (norm * np.linalg.norm(k))) if norm > 0 else 0.0
            if abs(sim) > abs(best[1]) or not best[0]:
                best = (n, sim)
        out.append(Match(f, best[0], round(best[1], 6)))
    return out
