"""Design a CNN as data: its configuration, summary table, Keras model and Keras code.

Nothing here imports Keras until :func:`build_model` is called, so a page can show every
shape and parameter count of a design instantly.

>>> from cnnlab.model import PRESETS, layer_table
>>> [r.output_shape for r in layer_table(PRESETS["tutorial_flow"])][-3:]
[(64,), (64,), (2,)]
"""

from cnnlab.model._build import build_model
from cnnlab.model._code import keras_code
from cnnlab.model._config import (
    ACTIVATIONS,
    Augment,
    Block,
    ConvBlock,
    DenseLayer,
    DropoutBlock,
    Head,
    ModelConfig,
    PoolBlock,
    decode_config,
    encode_config,
)
from cnnlab.model._fit import DataFit, fit_to_data
from cnnlab.model._layers import ConfigError, LayerRow, LayerSpec, Regularizer, walk
from cnnlab.model._names import changes, edited_name
from cnnlab.model._presets import PRESETS
from cnnlab.model._table import ModelStats, layer_table, model_stats, validate
from cnnlab.model._text import l2_text, short_number

__all__ = [
    "ACTIVATIONS",
    "PRESETS",
    "Augment",
    "Block",
    "ConfigError",
    "ConvBlock",
    "DataFit",
    "DenseLayer",
    "DropoutBlock",
    "Head",
    "LayerRow",
    "LayerSpec",
    "ModelConfig",
    "ModelStats",
    "PoolBlock",
    "Regularizer",
    "build_model",
    "changes",
    "decode_config",
    "edited_name",
    "encode_config",
    "fit_to_data",
    "keras_code",
    "l2_text",
    "layer_table",
    "model_stats",
    "short_number",
    "validate",
    "walk",
]
