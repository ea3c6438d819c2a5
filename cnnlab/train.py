"""``cnnlab.train``: the contract's import path for training (the code is in
:mod:`cnnlab.training`), and ``python -m cnnlab.train --config CONFIG.json``.

>>> from cnnlab.train import TrainConfig, train
>>> TrainConfig().epochs
10
"""

from __future__ import annotations

from cnnlab.training import (
    DIVERGED_ADVICE,
    OPTIMIZERS,
    TrainConfig,
    TrainingFailed,
    TrainResult,
    device_name,
    first_conv_kernel,
    readable,
    train,
)

__all__ = [
    "DIVERGED_ADVICE",
    "OPTIMIZERS",
    "TrainConfig",
    "TrainResult",
    "TrainingFailed",
    "device_name",
    "first_conv_kernel",
    "main",
    "readable",
    "train",
]


def main(argv: list[str] | None = None) -> int:
    """``python -m cnnlab.train --config CONFIG.json [--home DIR] [--db URL]
    [--executor local|ray]``: the same as ``cnnlab train CONFIG.json …``."""
    from cnnlab.cli import main as cli

    args = list(argv) if argv is not None else __import__("sys").argv[1:]
    if "--config" in args:
        i = args.index("--config")
        args = [*args[:i], *args[i + 1 : i + 2], *args[i + 2 :]]
    return cli(["train", *args])


if __name__ == "__main__":
    raise SystemExit(main())
