"""The ``Dataset`` container: images, labels, class names and where they came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from cnnlab.data._spec import DatasetSpec

__all__ = ["Dataset"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images and integer labels, ready for ``keras.Model.fit``.

    Pixels stay raw ``0–255`` ``uint8``: rescaling is a layer inside the model, so a saved
    model works on plain images.

    x : (N, H, W, C) uint8
    y : (N,) int64, each in ``range(len(class_names))``

    >>> import numpy as np
    >>> ds = Dataset(np.zeros((4, 8, 8, 1), np.uint8), np.array([0, 1, 0, 1]), ("a", "b"))
    >>> len(ds), ds.image_shape, ds.counts().tolist()
    (4, (8, 8, 1), [2, 2])
    """

    x: np.ndarray  # (N, H, W, C) uint8 raw pixels; the model rescales them itself
    y: np.ndarray  # (N,) int64 class index into class_names
    class_names: tuple[str, ...]  # label names, index = class id
    source: str = ""  # where it came from, for people ("shapes: 2000 images, seed 0")
    spec: DatasetSpec | None = field(default=None)  # recipe for from_spec (typed, JSON-able)

    def __post_init__(self) -> None:
        x = np.asarray(self.x)
        y = np.asarray(self.y)
        if x.ndim != 4:
            raise ValueError(f"x must be (N, H, W, C), got shape {x.shape}")
        if x.dtype != np.uint8:
            raise ValueError(f"x must be uint8 (raw 0-255 pixels), got {x.dtype}")
        if x.shape[-1] not in (1, 3):
            raise ValueError(f"x must have 1 or 3 channels, got shape {x.shape}")
        if y.ndim != 1 or len(y) != len(x):
            raise ValueError(f"y must be (N,) with N={len(x)}, got shape {y.shape}")
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must hold integers, got {y.dtype}")
        names = tuple(str(c) for c in self.class_names)
        if not names:
            raise ValueError("class_names must not be empty")
        if len(y) and (y.min() < 0 or y.max() >= len(names)):
            raise ValueError(
                f"labels must lie in [0, {len(names) - 1}], got [{y.min()}, {y.max()}]"
            )
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y.astype(np.int64, copy=False))
        object.__setattr__(self, "class_names", names)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __repr__(self) -> str:
        return (
            f"Dataset(n={len(self)}, image_shape={self.image_shape}, "
            f"classes={list(self.class_names)}, source={self.source!r})"
        )

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(H, W, C) of one image: the model's input shape."""
        return tuple(int(v) for v in self.x.shape[1:])  # type: ignore[return-value]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def nbytes(self) -> int:
        """Memory held by the pixels and labels, in bytes."""
        return int(self.x.nbytes + self.y.nbytes)

    def counts(self) -> np.ndarray:
        """Images per class, ``(num_classes,) int64``."""
        return np.bincount(self.y, minlength=self.num_classes).astype(np.int64)

    def take(self, indices: Sequence[int] | np.ndarray, *, source: str | None = None) -> Dataset:
        """A new dataset holding ``indices`` (same classes, same spec)."""
        idx = np.asarray(indices, dtype=np.int64)
        return Dataset(self.x[idx], self.y[idx], self.class_names, source or self.source, self.spec)
