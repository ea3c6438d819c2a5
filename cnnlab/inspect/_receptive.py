"""Receptive fields: which input pixels a position of a deep feature map depends on.

A convolution or pooling layer with kernel ``k``, stride ``s``, dilation ``d`` and
``p`` pixels of padding before the first row maps output rows ``[a, b]`` to input rows
``[a·s − p, b·s − p + (k − 1)·d]``. Walking that rule back from a layer to the input gives
the exact region (theoretical size, then clipped to the image). Nothing here imports Keras:
:func:`geometry` reads a built model's layer configurations by duck typing.

>>> steps = [Step("conv", (3, 3), (1, 1), (1, 1), (1, 1), (32, 32), (32, 32)),
...          Step("pool", (2, 2), (2, 2), (1, 1), (0, 0), (32, 32), (16, 16))]
>>> trace(steps, 5, 5, (32, 32))
Region(top=9, left=9, height=4, width=4, full_height=4, full_width=4)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cnnlab.inspect._graph import flat_layers
from cnnlab.ops import output_size, same_pads

if TYPE_CHECKING:
    import keras

__all__ = ["Step", "Region", "RFRow", "geometry", "trace", "receptive_field", "rf_table"]

# Layers that act on each position on its own (or are identity at inference): they keep
# H×W and do not widen the receptive field.
_POINTWISE = {
    "InputLayer",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "PReLU",
    "Softmax",
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "Dropout",
    "SpatialDropout2D",
    "GaussianNoise",
    "GaussianDropout",
    "Rescaling",
    "Normalization",
    "RandomFlip",
    "RandomRotation",
    "RandomZoom",
    "RandomContrast",
    "RandomBrightness",
    "RandomTranslation",
}
_CONV = {"Conv2D", "DepthwiseConv2D", "SeparableConv2D"}
_POOL = {"MaxPooling2D", "AveragePooling2D"}


@dataclass(frozen=True)
class Step:
    """How one layer maps positions: out row ``i`` reads in rows ``i·s − p … + (k−1)·d``."""

    name: str  # Keras layer name
    kernel: tuple[int, int]  # (kh, kw); (1, 1) for pointwise layers
    stride: tuple[int, int]  # (sh, sw)
    dilation: tuple[int, int]  # (dh, dw)
    pad: tuple[int, int]  # (top, left) padding before the first row / column
    in_size: tuple[int, int]  # (H_in, W_in)
    out_size: tuple[int, int]  # (H_out, W_out)


@dataclass(frozen=True)
class Region:
    """An input region, clipped to the image; ``full_*`` is the unclipped (theoretical) size."""

    top: int
    left: int
    height: int
    width: int
    full_height: int  # receptive field size before clipping to the image border
    full_width: int


@dataclass(frozen=True)
class RFRow:
    """One line of the receptive-field table."""

    name: str  # layer name
    out_size: tuple[int, int]  # (H, W) of its output
    rf: tuple[int, int]  # theoretical receptive field (h, w) in input pixels
    jump: tuple[int, int]  # input pixels between neighbouring output positions


def _pair(value: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    a, b = value
    return (int(a), int(b))


def _side_pad(n: int, k: int, s: int, padding: str) -> tuple[int, int]:
    """(pad before, output size) along one side, the Keras/TensorFlow rule."""
    if padding == "same":
        return same_pads(n, k, s)[0], output_size(n, k, s, "same")
    return 0, output_size(n, k, s, "valid")


def _step(layer: Any, size: tuple[int, int]) -> Step | None:
    """The Step of one Keras layer for an input of ``size``; None for a pointwise layer."""
    kind = type(layer).__name__
    cfg = layer.get_config()
    if kind in _POINTWISE:
        return None
    if kind == "ZeroPadding2D":
        (t, b), (lf, r) = cfg["padding"]
        out = (size[0] + t + b, size[1] + lf + r)
        return Step(layer.name, (1, 1), (1, 1), (1, 1), (t, lf), size, out)
    if kind in _CONV or kind in _POOL:
        if cfg.get("data_format", "channels_last") != "channels_last":
            raise ValueError(f"layer {layer.name!r}: only channels_last is supported")
        k = _pair(cfg["kernel_size"] if kind in _CONV else cfg["pool_size"])
        s = _pair(cfg.get("strides") or k)
        d = _pair(cfg.get("dilation_rate", 1)) if kind in _CONV else (1, 1)
        padding = cfg.get("padding", "valid")
        eff = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
        (p0, h), (p1, w) = (_side_pad(size[i], eff[i], s[i], padding) for i in range(2))
        return Step(layer.name, k, s, d, (p0, p1), size, (h, w))
    raise ValueError(
        f"cannot trace a receptive field through layer {layer.name!r} ({kind}): "
        "only convolution, pooling, padding and per-pixel layers keep a spatial map"
    )


def geometry(model: keras.Model, upto: str | None = None) -> list[Step]:
    """Steps of the spatial layers of a chain-shaped Keras model, in order.

    Stops after ``upto`` (a layer name) or at the first layer whose output is not a 2-D
    map (Flatten, GlobalAveragePooling2D, Dense, …); the layers of nested models count
    (:func:`cnnlab.inspect.flat_layers`). Pointwise layers appear as 1×1 steps so that
    every map layer has a row. Raises ValueError for a layer it cannot trace or an
    unknown ``upto``.
    """
    shape = tuple(model.input_shape[1:3])
    if len(shape) != 2 or None in shape:
        raise ValueError(f"the model input must be (H, W, C), got {model.input_shape!r}")
    size = (int(shape[0]), int(shape[1]))
    steps: list[Step] = []
    layers = flat_layers(model)
    names = [layer.name for layer in layers]
    if upto is not None and upto not in names:
        raise ValueError(f"no layer named {upto!r}; layers: {names}")
    for layer in layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if kind not in _POINTWISE | _CONV | _POOL | {"ZeroPadding2D"}:
            if upto is None:
                break
            _step(layer, size)  # raises: the named layer lies beyond a non-spatial one
        step = _step(layer, size)
        if step is None:
            step = Step(layer.name, (1, 1), (1, 1), (1, 1), (0, 0), size, size)
        steps.append(step)
        size = step.out_size
        if layer.name == upto:
            break
    return steps


def trace(steps: list[Step], row: int, col: int, image_size: tuple[int, int]) -> Region:
    """The input region that position ``(row, col)`` of the last step's output reads.

    >>> trace([Step("c", (3, 3), (1, 1), (1, 1), (1, 1), (8, 8), (8, 8))], 0, 0, (8, 8))
    Region(top=0, left=0, height=2, width=2, full_height=3, full_width=3)
    """
    out = steps[-1].out_size if steps else tuple(image_size)
    if not (0 <= row < out[0] and 0 <= col < out[1]):
        raise ValueError(f"position ({row}, {col}) is outside the {out[0]}×{out[1]} map")
    lo, hi = [row, col], [row, col]
    for st in reversed(steps):
        for i in range(2):
            lo[i] = lo[i] * st.stride[i] - st.pad[i]
            hi[i] = hi[i] * st.stride[i] - st.pad[i] + (st.kernel[i] - 1) * st.dilation[i]
    full = (hi[0] - lo[0] + 1, hi[1] - lo[1] + 1)
    top, left = max(lo[0], 0), max(lo[1], 0)
    bottom, right = min(hi[0], image_size[0] - 1), min(hi[1], image_size[1] - 1)
    return Region(top, left, bottom - top + 1, right - left + 1, full[0], full[1])


def receptive_field(model: keras.Model, layer_name: str, row: int, col: int) -> Region:
    """The input pixels that output ``(row, col)`` of layer ``layer_name`` depends on.

    model : a built Keras model with a fixed (H, W, C) input, chain-shaped (Sequential or
    a functional chain, as ``cnnlab.model.build_model`` makes). Raises ValueError for an
    unknown layer, a position outside its map, or a layer that is not a spatial map.

    >>> from cnnlab.model import PRESETS, build_model  # doctest: +SKIP
    >>> receptive_field(build_model(PRESETS["seed_shapes"]), "relu_3", 4, 4)  # doctest: +SKIP
    Region(top=9, left=9, height=18, width=18, full_height=18, full_width=18)
    """
    steps = geometry(model, upto=layer_name)
    if not steps or steps[-1].name != layer_name:
        raise ValueError(f"layer {layer_name!r} has no spatial map to trace")
    h, w = model.input_shape[1:3]
    return trace(steps, int(row), int(col), (int(h), int(w)))


def rf_table(model: keras.Model) -> list[RFRow]:
    """For every map layer: output size, receptive field and jump (input pixels per step).

    The tutorial's shapes model ends at an 18×18 receptive field on its 32×32 input.
    """
    rows, rf, jump = [], [1, 1], [1, 1]
    for st in geometry(model):
        for i in range(2):
            rf[i] += (st.kernel[i] - 1) * st.dilation[i] * jump[i]
            jump[i] *= st.stride[i]
        rows.append(RFRow(st.name, st.out_size, (rf[0], rf[1]), (jump[0], jump[1])))
    return rows
