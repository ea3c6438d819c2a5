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

__all__ = ["predict_proba", "confusion_matrix"]


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
