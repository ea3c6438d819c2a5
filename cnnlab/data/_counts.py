"""How many images of each class each part of a split holds (the Data page's balance)."""

from __future__ import annotations

import numpy as np

from cnnlab.data._split import split_indices

__all__ = ["split_counts"]


def split_counts(
    y: np.ndarray,
    num_classes: int,
    *,
    val_fraction: float = 0.2,
    test_fraction: float = 0.0,
    seed: int = 0,
) -> dict[str, list[int]]:
    """Images per class in each part of :func:`split_indices`' stratified split.

    ``y`` ``(N,)`` int labels in ``[0, num_classes)``. Returns ``{"train": [n_0, …],
    "val": […]}``, plus ``"test"`` when ``test_fraction > 0``; each list has
    ``num_classes`` ints.

    >>> split_counts(np.array([0] * 10 + [1] * 5), 2, val_fraction=0.2)
    {'train': [8, 4], 'val': [2, 1]}
    """
    y = np.asarray(y)
    tr, va, te = split_indices(y, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed)
    parts = {"train": tr, "val": va, **({"test": te} if test_fraction > 0 else {})}
    return {
        p: [int(v) for v in np.bincount(y[idx], minlength=num_classes)[:num_classes]]
        for p, idx in parts.items()
    }
