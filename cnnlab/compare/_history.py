"""Per-history numbers: what one run's per-epoch metrics say (best, final, …).

A history is what ``RunStore.history`` returns: Keras metric name → one value per epoch
(``None`` where an epoch did not log it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeAlias

import numpy as np

__all__ = ["History", "Histories", "best_and_final", "overfit_epoch"]

History: TypeAlias = Mapping[str, Sequence[float | None]]  # metric → per-epoch values
Histories: TypeAlias = Mapping[str, History]  # run id → its history


def best_and_final(
    history: History,
) -> tuple[float | None, int | None, float | None]:
    """``(best, best_epoch, final)`` validation accuracy of a history (epochs 1-based).

    Missing or non-finite values are skipped; ``(None, None, None)`` without any.

    >>> best_and_final({"val_accuracy": [0.5, 0.9, 0.8]})
    (0.9, 2, 0.8)
    """
    vals = [
        (i + 1, float(v))
        for i, v in enumerate(history.get("val_accuracy") or [])
        if v is not None and math.isfinite(float(v))
    ]
    if not vals:
        return None, None, None
    best_epoch, best = max(vals, key=lambda p: (p[1], -p[0]))
    return best, best_epoch, vals[-1][1]


def overfit_epoch(history: Mapping[str, Sequence[float]], *, patience: int = 2) -> int | None:
    """The 1-based epoch after which validation loss rose while training loss fell.

    Returns the last epoch of lowest ``val_loss`` when, over the ``patience`` epochs after
    it, ``val_loss`` kept rising and ``loss`` kept falling; None otherwise.

    >>> overfit_epoch({"loss": [1, .8, .6, .4, .3], "val_loss": [1, .7, .6, .7, .8]})
    3
    >>> overfit_epoch({"loss": [1, .8, .6], "val_loss": [1, .7, .6]}) is None
    True
    """
    loss, val = list(history.get("loss", [])), list(history.get("val_loss", []))
    n = min(len(loss), len(val))
    if n < patience + 1:
        return None
    best = int(np.nanargmin(np.asarray(val[:n], dtype=float)))
    after = range(best + 1, n)
    if len(after) < patience:
        return None
    rising = all(val[i] > val[i - 1] for i in after)
    falling = all(loss[i] < loss[i - 1] for i in after)
    return best + 1 if rising and falling else None
