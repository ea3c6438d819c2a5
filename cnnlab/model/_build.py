"""Build the Keras model of a configuration (any Keras backend; Keras imported lazily)."""

from __future__ import annotations

from typing import Any

from cnnlab.model._config import ModelConfig
from cnnlab.model._layers import Regularizer, walk

__all__ = ["build_model"]


def build_model(cfg: ModelConfig) -> Any:
    """A ``keras.Model`` (functional, not compiled) for ``cfg``.

    Its layers, names, shapes and parameter counts are those of ``layer_table(cfg)``.
    It takes raw 0-255 pixels ``(batch, H, W, C)`` float32 and returns probabilities:
    ``(batch, 1)`` for a sigmoid output, ``(batch, num_classes)`` for softmax. Compile it
    with ``loss=cfg.loss``. Raises ConfigError (a ValueError) for invalid configurations.
    Layers with an ``l2`` factor carry ``keras.regularizers.L2`` on their kernel, so
    ``sum(model.losses)`` is the penalty that ``fit`` adds to the loss.

    >>> from cnnlab.model import PRESETS
    >>> build_model(PRESETS["seed_pets"]).count_params()  # doctest: +SKIP
    830849
    """
    specs, _, err = walk(cfg)
    if err is not None:
        raise err
    import keras  # lazy: pages that never build a model never pay for it

    x = inputs = None
    for spec in specs:
        kwargs = {
            k: getattr(keras.regularizers, v.cls)(v.factor) if isinstance(v, Regularizer) else v
            for k, v in spec.kwargs
        }
        if spec.cls == "Input":
            x = inputs = keras.Input(name=spec.name, **kwargs)
            continue
        layer = getattr(keras.layers, spec.cls)(*spec.args, name=spec.name, **kwargs)
        x = layer(x)
    return keras.Model(inputs, x, name=cfg.name)
