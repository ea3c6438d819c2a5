"""The model summary computed by hand: shapes, parameters, FLOPs and memory per image."""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab.model._config import ModelConfig
from cnnlab.model._layers import LayerRow, walk

__all__ = ["ModelStats", "layer_table", "model_stats", "validate"]

_BYTES = 4  # float32


def validate(cfg: ModelConfig) -> None:
    """Raise :class:`ConfigError` (a ValueError) naming the first invalid layer.

    >>> from cnnlab.model import PRESETS, ConvBlock
    >>> from dataclasses import replace
    >>> tiny = (ConvBlock(8, 5, padding="valid"),) * 9  # each loses 4 pixels: 32 → … → 4
    >>> try:
    ...     validate(replace(PRESETS["seed_shapes"], blocks=tiny))
    ... except ValueError as err:
    ...     print(err.where, err.layer)
    7 conv2d_8
    """
    _, _, err = walk(cfg)
    if err is not None:
        raise err


def layer_table(cfg: ModelConfig) -> list[LayerRow]:
    """Rows equal to ``build_model(cfg).summary()``, computed without Keras.

    Each row unpacks as ``(name, output_shape, params)``; ``output_shape`` has no batch
    axis. The first row is the input layer. Raises ConfigError for invalid configs.

    >>> from cnnlab.model import PRESETS
    >>> rows = layer_table(PRESETS["seed_pets"])
    >>> rows[2].name, rows[2].output_shape, rows[2].params
    ('conv2d_1', (150, 150, 32), 896)
    >>> sum(r.params for r in rows)
    830849
    """
    _, rows, err = walk(cfg)
    if err is not None:
        raise err
    return rows


@dataclass(frozen=True)
class ModelStats:
    """Totals for one model and one image."""

    params: int  # all weights
    trainable: int  # updated by the optimizer
    non_trainable: int  # BatchNorm moving statistics
    flops: int  # forward pass, inference; a multiply-add counts 2
    activation_bytes: int  # float32 outputs of every layer (kept for backprop in training)
    param_bytes: int  # float32 weights

    @property
    def mflops(self) -> float:
        return self.flops / 1e6


def model_stats(rows: list[LayerRow]) -> ModelStats:
    """Sum a layer table.

    >>> from cnnlab.model import PRESETS
    >>> s = model_stats(layer_table(PRESETS["seed_shapes"]))
    >>> s.params, s.trainable, s.non_trainable
    (23762, 23538, 224)
    """
    params = sum(r.params for r in rows)
    return ModelStats(
        params=params,
        trainable=sum(r.trainable for r in rows),
        non_trainable=sum(r.non_trainable for r in rows),
        flops=sum(r.flops for r in rows),
        activation_bytes=_BYTES * sum(r.elements for r in rows),
        param_bytes=_BYTES * params,
    )
