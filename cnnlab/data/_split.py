"""Stratified, seeded splits: training / validation (/ test), and class-balanced subsets."""

from __future__ import annotations

import numpy as np

from cnnlab._checks import whole
from cnnlab.data._dataset import Dataset

__all__ = ["split", "split_indices", "subsample"]


def split_indices(
    y: np.ndarray, *, val_fraction: float = 0.2, test_fraction: float = 0.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices ``(train, val, test)``: each class split in the same proportions.

    Per class of ``c`` images, ``round(c * val_fraction)`` go to validation and
    ``round(c * test_fraction)`` to test, keeping at least one for training. Each part is
    shuffled (seeded), so class-sorted data (a folder) comes out mixed.

    >>> tr, va, te = split_indices(np.array([0] * 10 + [1] * 5), val_fraction=0.2)
    >>> len(tr), len(va), len(te)
    (12, 3, 0)
    """
    if not 0.0 < float(val_fraction) < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    if not 0.0 <= float(test_fraction) < 1.0 or val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"test_fraction must be in [0, 1) with val_fraction + test_fraction < 1, "
            f"got {test_fraction!r} (val_fraction {val_fraction!r})"
        )
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_val = int(round(len(idx) * val_fraction))
        n_test = int(round(len(idx) * test_fraction))
        if n_val + n_test >= len(idx):  # keep one for training
            extra = n_val + n_test - len(idx) + 1
            cut_test = min(extra, n_test)
            n_test -= cut_test
            n_val = max(n_val - (extra - cut_test), 0)
        parts[1].append(idx[:n_val])
        parts[2].append(idx[n_val : n_val + n_test])
        parts[0].append(idx[n_val + n_test :])
    out = []
    for chunks in parts:
        joined = np.concatenate(chunks) if chunks else np.empty(0, np.int64)
        out.append(rng.permutation(joined).astype(np.int64))
    return out[0], out[1], out[2]


def split(
    dataset: Dataset, *, val_fraction: float = 0.2, seed: int = 0, test_fraction: float = 0.0
) -> tuple[Dataset, ...]:
    """Stratified ``(train, val)``, or ``(train, val, test)`` when ``test_fraction > 0``.

    80/20 by default, as in the notebook (``validation_split=0.2``). The same seed gives
    the same split.

    >>> from cnnlab.data import make_shapes
    >>> train, val = split(make_shapes(100), val_fraction=0.2)
    >>> len(train), len(val), val.counts().tolist()
    (80, 20, [10, 10])
    """
    tr, va, te = split_indices(
        dataset.y, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed
    )
    out = [
        dataset.take(tr, source=f"{dataset.source} [train]"),
        dataset.take(va, source=f"{dataset.source} [validation]"),
    ]
    if test_fraction > 0:
        out.append(dataset.take(te, source=f"{dataset.source} [test]"))
    return tuple(out)


def subsample(dataset: Dataset, n: int, *, seed: int = 0) -> Dataset:
    """At most ``n`` images, each class keeping its share (stratified, seeded).

    >>> from cnnlab.data import make_shapes
    >>> subsample(make_shapes(100), 10).counts().tolist()
    [5, 5]
    """
    whole(n, "n", low=1, message="n must be a positive integer")
    if n >= len(dataset):
        return dataset
    _, keep, _ = split_indices(dataset.y, val_fraction=n / len(dataset), seed=seed)
    return dataset.take(np.sort(keep))
