"""Predictions: class probabilities from a trained model, and the confusion matrix they make.

>>> confusion_matrix(np.array([0, 0, 1]), np.array([0, 1, 1]), 2).tolist()
[[1, 1], [0, 1]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras
    import numpy.typing as npt

__all__ = ["predict_proba", "confusion_matrix", "first_cell"]


def predict_proba(model: keras.Model, x: npt.ArrayLike, *, batch_size: int = 256) -> np.ndarray:
    """Probabilities ``(N, k)`` float32 for raw images ``x`` ``(N, H, W, C)``.

    A one-unit sigmoid output (the notebook's) becomes two columns ``[1 - p, p]``, so
    every model reads the same way: column ``j`` is class ``j``.
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must be (N, H, W, C), got shape {x.shape}")
    probs = np.asarray(model.predict(x.astype(np.float32), batch_size=batch_size, verbose=0))
    probs = probs.astype(np.float32).reshape(len(x), -1)
    if probs.shape[1] == 1:
        probs = np.concatenate([1.0 - probs, probs], axis=1)
    return probs


def confusion_matrix(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, k: int) -> np.ndarray:
    """Counts ``(k, k)`` int64: row = true class, column = predicted class.

    y_true, y_pred : (N,) class indices in [0, k).

    >>> confusion_matrix(np.array([0, 0, 1]), np.array([0, 1, 1]), 2).tolist()
    [[1, 1], [0, 1]]
    """
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return cm


def first_cell(cm: npt.ArrayLike) -> tuple[int, int]:
    """The cell of a confusion matrix worth opening first: ``(true, predicted)``.

    The largest off-diagonal count (the commonest mistake; ties: the first in reading
    order); with no mistake at all, the largest diagonal count. Never an empty cell
    unless the whole matrix is empty (then ``(0, 0)``).

    >>> first_cell(np.array([[50, 3], [7, 40]]))
    (1, 0)
    >>> first_cell(np.array([[0, 0], [0, 9]]))
    (1, 1)
    """
    m = np.asarray(cm)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise ValueError(f"cm must be a non-empty square (k, k) matrix, got shape {m.shape}")
    off = m.astype(np.int64).copy()
    np.fill_diagonal(off, -1)
    if off.max() > 0:
        i, j = np.unravel_index(int(np.argmax(off)), off.shape)
        return int(i), int(j)
    d = int(np.argmax(np.diag(m)))
    return d, d
