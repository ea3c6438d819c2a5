"""Per-history numbers: what one run's per-epoch metrics say (best, final, …).

A history is what ``RunStore.history`` returns: Keras metric name → one value per epoch
(``None`` where an epoch did not log it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeAlias

import numpy as np

__all__ = ["History", "Histories", "best_and_final", "overfit_epoch", "chance_since"]

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


def chance_since(
    history: Mapping[str, Sequence[float | None]],
    num_classes: int,
    *,
    margin: float = 0.03,
    epochs: int = 3,
) -> int | None:
    """The 1-based epoch since which validation accuracy sits at chance, or None.

    Chance is ``1 / num_classes``: what guessing (or always answering one class of a
    balanced set) scores. Returns the first epoch of the trailing run of epochs whose
    ``val_accuracy`` lies within ``margin`` of chance, when that run is at least
    ``epochs`` long (a network that learned nothing: too high a learning rate, dead
    units, a bug in the data); None otherwise, or with fewer logged epochs.

    >>> chance_since({"val_accuracy": [0.5, 0.5, 0.51, 0.5]}, 2)
    1
    >>> chance_since({"val_accuracy": [0.5, 0.5, 0.7, 0.5, 0.5]}, 2) is None  # only 2 now
    True
    >>> chance_since({"val_accuracy": [0.9, 0.34, 0.33, 0.32]}, 3)
    2
    """
    if int(num_classes) != num_classes or num_classes < 2:
        raise ValueError(f"num_classes must be an integer ≥ 2, got {num_classes!r}")
    if epochs < 1:
        raise ValueError(f"epochs must be ≥ 1, got {epochs!r}")
    chance = 1.0 / num_classes
    vals = list(history.get("val_accuracy") or [])
    start = len(vals)
    for i in range(len(vals) - 1, -1, -1):
        v = vals[i]
        if v is None or not math.isfinite(float(v)) or abs(float(v) - chance) > margin:
            break
        start = i
    if len(vals) - start < epochs:
        return None
    return start + 1
