"""Class probabilities from a trained model, whatever its output (sigmoid or softmax)."""

from __future__ import annotations

import numpy as np

__all__ = ["predict_proba"]


def predict_proba(model, x: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
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
