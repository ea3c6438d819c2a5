"""How to train: the optimizer, its learning rate, batches, epochs and seed.

>>> TrainConfig(epochs=2).to_dict()["epochs"]
2
>>> TrainConfig.from_dict({"epochs": 0})
Traceback (most recent call last):
...
ValueError: epochs must be a whole number from 1 to 1000, got 0
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["OPTIMIZERS", "TrainConfig"]

OPTIMIZERS = ("adam", "sgd", "rmsprop")
MAX_EPOCHS = 1000  # a run longer than this is a typo, not a lesson
MAX_BATCH = 4096


@dataclass(frozen=True)
class TrainConfig:
    """How to train. JSON-safe through ``to_dict`` / ``from_dict``."""

    optimizer: str = "adam"  # "adam" | "sgd" (with momentum) | "rmsprop"
    learning_rate: float = 1e-3  # the notebook's Adam(learning_rate=.001)
    batch_size: int = 64  # the tutorial's; the notebook used 128
    epochs: int = 10  # the notebook's exercise keeps this fixed at 10
    seed: int = 0  # weights, shuffling and dropout: same seed, same run on the CPU
    momentum: float = 0.9  # SGD only
    early_stopping: bool = False  # stop when val_loss has not improved for `patience`
    patience: int = 3  # epochs without improvement before early stopping
    mixed_precision: bool | None = None  # None: on when a GPU trains, off on the CPU
    xla: bool | None = None  # None: Keras decides ("auto")
    filter_snapshots: bool = True  # keep first-layer filters after every epoch (Inspect)
    multi_device: bool | None = None  # None: data parallel when several GPUs are visible

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        lr = self.learning_rate
        if not (isinstance(lr, int | float) and not isinstance(lr, bool)) or not (
            lr > 0 and math.isfinite(lr)
        ):
            raise ValueError(f"learning_rate must be a number above 0, got {lr!r}")
        tops = {"batch_size": MAX_BATCH, "epochs": MAX_EPOCHS, "patience": MAX_EPOCHS}
        for name, top in tops.items():
            value = getattr(self, name)
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok or int(value) != value or not 1 <= value <= top:
                raise ValueError(f"{name} must be a whole number from 1 to {top}, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        if not isinstance(data, dict):
            raise ValueError(f"the training settings must be an object, got {data!r:.60}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown training field(s) {unknown}; known: {sorted(known)}")
        return cls(**data)
