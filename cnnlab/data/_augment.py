"""Data augmentation in NumPy/SciPy, with the meaning of Keras' random layers.

A preview for the Data page (no TensorFlow needed). The fields follow
``keras.layers.RandomFlip / RandomRotation / RandomZoom / RandomContrast /
RandomBrightness`` so the picture matches what those layers do during training.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from cnnlab._checks import whole

__all__ = ["FLIPS", "AugmentConfig", "augment", "augment_many"]

FLIPS = ("none", "horizontal", "vertical", "horizontal_and_vertical")


@dataclass(frozen=True)
class AugmentConfig:
    """Random changes applied to each training image (0 / "none" turns one off)."""

    flip: str = "none"  # RandomFlip mode: each allowed flip happens with probability 1/2
    rotation: float = 0.0  # RandomRotation factor: angle in ±rotation × 360°
    zoom: float = 0.0  # RandomZoom factor: scale in 1 ± zoom (>1 zooms out)
    contrast: float = 0.0  # RandomContrast factor: contrast × (1 ± contrast) around the mean
    brightness: float = 0.0  # RandomBrightness factor: ± brightness × 255 added

    def __post_init__(self) -> None:
        if self.flip not in FLIPS:
            raise ValueError(f"flip must be one of {FLIPS}, got {self.flip!r}")
        for name, top in (("rotation", 0.5), ("zoom", 0.9), ("contrast", 1.0), ("brightness", 1.0)):
            value = getattr(self, name)
            if not 0.0 <= float(value) <= top:
                raise ValueError(f"{name} must be in [0, {top}], got {value!r}")

    @property
    def active(self) -> bool:
        return self.flip != "none" or any(
            getattr(self, f) for f in ("rotation", "zoom", "contrast", "brightness")
        )

    @classmethod
    def from_any(cls, obj: Any) -> AugmentConfig:
        """From a mapping or any object with these attributes (e.g. a model config)."""
        names = [f.name for f in fields(cls)]
        if isinstance(obj, Mapping):
            return cls(**{k: obj[k] for k in names if k in obj})
        return cls(**{k: getattr(obj, k) for k in names if hasattr(obj, k)})


def augment(image: np.ndarray, cfg: AugmentConfig, *, seed: int = 0) -> np.ndarray:
    """One random augmentation of ``image`` ``(H, W, C)`` uint8 → ``(H, W, C)`` uint8.

    Geometry uses bilinear interpolation and ``reflect`` fill, as Keras does by default.

    >>> img = np.arange(16, dtype=np.uint8).reshape(4, 4, 1)
    >>> bool((augment(img, AugmentConfig(flip="horizontal"), seed=2) == img[:, ::-1]).all())
    True
    """
    img = np.asarray(image)
    if img.ndim != 3 or img.dtype != np.uint8:
        raise ValueError(f"image must be (H, W, C) uint8, got {img.shape} {img.dtype}")
    rng = np.random.default_rng(seed)
    out = img.astype(np.float32)
    flip_h = cfg.flip in ("horizontal", "horizontal_and_vertical") and rng.random() < 0.5
    flip_v = cfg.flip in ("vertical", "horizontal_and_vertical") and rng.random() < 0.5
    if flip_h:
        out = out[:, ::-1]
    if flip_v:
        out = out[::-1]
    angle = rng.uniform(-1, 1) * cfg.rotation * 2 * np.pi if cfg.rotation else 0.0
    scale = 1 + rng.uniform(-1, 1) * cfg.zoom if cfg.zoom else 1.0
    if angle or scale != 1.0:
        from scipy import ndimage  # imported on first use: ~0.4 s

        h, w = out.shape[:2]
        centre = np.array([(h - 1) / 2, (w - 1) / 2])
        cos, sin = np.cos(angle), np.sin(angle)
        matrix = scale * np.array([[cos, -sin], [sin, cos]])  # output (r, c) -> input (r, c)
        offset = centre - matrix @ centre
        out = np.stack(
            [
                ndimage.affine_transform(
                    out[..., c], matrix, offset=offset, order=1, mode="reflect"
                )
                for c in range(out.shape[-1])
            ],
            axis=-1,
        )
    if cfg.contrast:
        factor = 1 + rng.uniform(-1, 1) * cfg.contrast
        mean = out.mean(axis=(0, 1), keepdims=True)
        out = (out - mean) * factor + mean
    if cfg.brightness:
        out = out + rng.uniform(-1, 1) * cfg.brightness * 255
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def augment_many(image: np.ndarray, cfg: AugmentConfig, n: int = 8, *, seed: int = 0) -> np.ndarray:
    """``n`` augmentations of one image, ``(n, H, W, C)`` uint8; the same seed, the same set."""
    whole(n, "n", low=1, high=64)
    seeds = np.random.SeedSequence(seed).generate_state(int(n))
    return np.stack([augment(image, cfg, seed=int(s)) for s in seeds])
