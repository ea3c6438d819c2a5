"""The course's models, ready to open: the notebook's, the tutorial's and its step-6 variants."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cnnlab.model._config import (
    ConvBlock,
    DenseLayer,
    DropoutBlock,
    Head,
    ModelConfig,
    PoolBlock,
)

__all__ = ["PRESETS"]


def _bn_conv(filters: int, **kw: Any) -> ConvBlock:
    """The tutorial's block: Conv2D without bias → BatchNorm → ReLU."""
    return ConvBlock(filters, batch_norm=True, use_bias=False, **kw)


_POOL = PoolBlock("max", 2)

# Notebook: 150×150×3 cats vs dogs, 4 × (Conv 3×3 same + ReLU, MaxPool 2), Flatten,
# Dropout 0.5, Dense 128, one sigmoid unit. 830,849 parameters.
NOTEBOOK_PETS = ModelConfig(
    input_shape=(150, 150, 3),
    blocks=(
        ConvBlock(32),
        _POOL,
        ConvBlock(64),
        _POOL,
        ConvBlock(128),
        _POOL,
        ConvBlock(64),
        _POOL,
    ),
    head=Head("flatten", dropout=0.5, dense=(DenseLayer(128, "relu"),)),
    num_classes=2,
    output="sigmoid",
    name="seed_pets",
)

# Tutorial step 2: 32×32×1 circles vs squares, (Conv no bias → BN → ReLU) 16-32-64 with
# MaxPool after the first two, GAP, Dropout 0.2, Dense(2, softmax). 23,762 parameters.
TUTORIAL_SHAPES = ModelConfig(
    input_shape=(32, 32, 1),
    blocks=(_bn_conv(16), _POOL, _bn_conv(32), _POOL, _bn_conv(64)),
    head=Head("gap", dropout=0.2),
    num_classes=2,
    output="softmax",
    name="seed_shapes",
)

# Tutorial "tensor flow" table: 32×32×3, Conv 16-32-64 + ReLU, two pools, GAP,
# Dense(64), Dense(#classes): (32, 32, 3) → … → (64).
TUTORIAL_FLOW = ModelConfig(
    input_shape=(32, 32, 3),
    blocks=(ConvBlock(16), _POOL, ConvBlock(32), _POOL, ConvBlock(64)),
    head=Head("gap", dense=(DenseLayer(64, "relu"),)),
    num_classes=2,
    output="softmax",
    name="tutorial_flow",
)

# Step 6 variants of the tutorial's model.
SHAPES_STRIDE2 = replace(  # each MaxPooling2D replaced by a 3×3 Conv2D with strides=2
    TUTORIAL_SHAPES,
    blocks=(
        _bn_conv(16),
        _bn_conv(16, strides=2),
        _bn_conv(32),
        _bn_conv(32, strides=2),
        _bn_conv(64),
    ),
    name="shapes_stride2",
)
SHAPES_VALID = replace(  # padding="valid": every 3×3 conv trims a 1-pixel border
    TUTORIAL_SHAPES,
    blocks=tuple(
        replace(b, padding="valid") if isinstance(b, ConvBlock) else b
        for b in TUTORIAL_SHAPES.blocks
    ),
    name="shapes_valid",
)
SHAPES_CONSTANT = replace(  # 32 filters in every block instead of doubling 16-32-64
    TUTORIAL_SHAPES,
    blocks=(_bn_conv(32), _POOL, _bn_conv(32), _POOL, _bn_conv(32)),
    name="shapes_constant",
)
SHAPES_FLATTEN = replace(  # Flatten + Dense(128) instead of global average pooling
    TUTORIAL_SHAPES,
    head=Head("flatten", dense=(DenseLayer(128, "relu", dropout=0.2),)),
    name="shapes_flatten",
)
SHAPES_L2 = replace(  # weight decay (L2) 1e-3 on every conv kernel: same layers, same params
    TUTORIAL_SHAPES,
    blocks=tuple(
        replace(b, l2=1e-3) if isinstance(b, ConvBlock) else b for b in TUTORIAL_SHAPES.blocks
    ),
    name="shapes_l2",
)

# A starting point for the notebook's exercise (same 10 epochs, more accuracy):
# BatchNorm, GAP instead of Flatten, light augmentation.
PETS_GAP = replace(
    NOTEBOOK_PETS,
    blocks=(
        _bn_conv(32),
        _POOL,
        _bn_conv(64),
        _POOL,
        _bn_conv(128),
        _POOL,
        _bn_conv(128),
        _POOL,
        DropoutBlock(0.2, spatial=True),
    ),
    head=Head("gap", dropout=0.3, dense=(DenseLayer(128, "relu"),)),
    name="pets_gap",
)

PRESETS: dict[str, ModelConfig] = {
    "seed_pets": NOTEBOOK_PETS,
    "seed_shapes": TUTORIAL_SHAPES,
    "tutorial_flow": TUTORIAL_FLOW,
    "shapes_stride2": SHAPES_STRIDE2,
    "shapes_valid": SHAPES_VALID,
    "shapes_constant": SHAPES_CONSTANT,
    "shapes_flatten": SHAPES_FLATTEN,
    "shapes_l2": SHAPES_L2,
    "pets_gap": PETS_GAP,
}
