"""From a ModelConfig to the list of Keras layers, with shapes and counts, without Keras.

One walk over the configuration yields, for every layer, both *what to build*
(:class:`LayerSpec`: the Keras class, its arguments, its name) and *what it gives*
(:class:`LayerRow`: output shape, parameters, FLOPs). ``build_model`` and ``keras_code``
read the specs and ``layer_table`` the rows, so the three cannot drift apart.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cnnlab.model._config import (
    ACTIVATIONS,
    ConvBlock,
    DropoutBlock,
    ModelConfig,
    PoolBlock,
)
from cnnlab.ops import output_size

__all__ = ["ConfigError", "LayerRow", "LayerSpec", "Regularizer", "walk"]

_PADDINGS = ("valid", "same")
_FLIPS = ("none", "horizontal", "vertical", "horizontal_and_vertical")


class ConfigError(ValueError):
    """An invalid configuration, naming the layer and the numbers.

    ``where`` is the block index (0-based) or one of "input", "augment", "head", "output";
    ``code`` and ``params`` let a user interface translate the message.
    """

    def __init__(self, message: str, *, where: int | str, layer: str, code: str, **params: Any):
        super().__init__(message)
        self.where = where
        self.layer = layer
        self.code = code
        self.params = {"layer": layer, **params}


@dataclass(frozen=True)
class Regularizer:
    """A weight penalty named without importing Keras: ``keras.regularizers.<cls>(factor)``.

    It appears as a value in :attr:`LayerSpec.kwargs` (``kernel_regularizer``);
    ``build_model`` makes the Keras object and ``keras_code`` writes the call.
    """

    cls: str  # Keras class in keras.regularizers, e.g. "L2": factor · Σ w²
    factor: float  # > 0 (a factor of 0 adds no regularizer at all)


@dataclass(frozen=True)
class LayerSpec:
    """How to make one Keras layer: ``getattr(keras.layers, cls)(*args, name=name, **kwargs)``."""

    name: str
    cls: str  # Keras class name ("Input" means keras.Input)
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class LayerRow:
    """One line of the model summary, plus what it costs per image.

    Unpacks as ``name, output_shape, params`` (the Keras summary's three columns).
    """

    name: str  # the Keras layer name
    kind: str  # the Keras class name, e.g. "Conv2D"
    output_shape: tuple[int, ...]  # without the batch axis: (H, W, C) or (units,)
    params: int  # trainable + non-trainable
    trainable: int
    non_trainable: int  # BatchNorm's moving mean and variance
    flops: int  # forward pass, inference, one image; a multiply-add counts 2
    where: int | str  # block index (0-based) or "input"/"augment"/"head"/"output"

    def __iter__(self) -> Iterator[Any]:
        return iter((self.name, self.output_shape, self.params))

    @property
    def elements(self) -> int:
        """Number of values in this layer's output for one image."""
        n = 1
        for v in self.output_shape:
            n *= v
        return n


class _Walker:
    """Accumulates specs and rows while tracking the current shape."""

    def __init__(self) -> None:
        self.shape: tuple[int, ...] = ()
        self.rows: list[LayerRow] = []
        self.specs: list[LayerSpec] = []
        self._count: Counter[str] = Counter()

    def name(self, base: str) -> str:
        self._count[base] += 1
        return f"{base}_{self._count[base]}"

    def add(
        self,
        spec: LayerSpec,
        shape: tuple[int, ...],
        where: int | str,
        *,
        trainable: int = 0,
        non_trainable: int = 0,
        flops: int = 0,
    ) -> None:
        self.shape = shape
        self.specs.append(spec)
        self.rows.append(
            LayerRow(
                name=spec.name,
                kind=spec.cls if spec.cls != "Input" else "InputLayer",
                output_shape=shape,
                params=trainable + non_trainable,
                trainable=trainable,
                non_trainable=non_trainable,
                flops=flops,
                where=where,
            )
        )


def _n(shape: tuple[int, ...]) -> int:
    out = 1
    for v in shape:
        out *= v
    return out


def _positive(value: Any, field: str, where: int | str, layer: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"{layer}: {field} must be a positive integer, got {value!r}",
            where=where,
            layer=layer,
            code="positive",
            field=field,
            value=value,
        )
    return value


def _choice(value: Any, choices: tuple[str, ...], field: str, where: int | str, layer: str) -> str:
    if value not in choices:
        raise ConfigError(
            f"{layer}: {field} must be one of {', '.join(choices)}, got {value!r}",
            where=where,
            layer=layer,
            code="choice",
            field=field,
            value=value,
            choices=", ".join(choices),
        )
    return value


def _fraction(value: Any, field: str, where: int | str, layer: str, *, zero_ok: bool) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    ok = ok and (0 <= value < 1 if zero_ok else 0 < value < 1)
    if not ok:
        interval = "[0, 1)" if zero_ok else "(0, 1)"
        raise ConfigError(
            f"{layer}: {field} must be in {interval}, got {value!r}",
            where=where,
            layer=layer,
            code="fraction",
            field=field,
            value=value,
            interval=interval,
        )
    return float(value)


def _l2(value: Any, where: int | str, layer: str) -> float:
    """An L2 factor: a finite real number ≥ 0 (not a bool, not a string)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and value >= 0
    if not ok:
        raise ConfigError(
            f"{layer}: l2 must be a finite number ≥ 0, got {value!r}",
            where=where,
            layer=layer,
            code="non_negative",
            field="l2",
            value=value,
        )
    return float(value)


def _regularizer(kwargs: list[tuple[str, Any]], l2: float) -> None:
    """Add ``kernel_regularizer=L2(l2)`` to ``kwargs`` unless ``l2`` is 0 (the bias is
    never penalised: it only shifts, it does not make the model more complex)."""
    if l2 > 0:
        kwargs.append(("kernel_regularizer", Regularizer("L2", l2)))


def _side(n: int, k: int, s: int, padding: str, where: int, layer: str, what: str) -> int:
    """One output side; a window that does not fit its input is an error naming both."""
    if padding == "valid" and k > n:
        raise ConfigError(
            f"{layer}: the {k}×{k} {what} is larger than its {n}-pixel input side with "
            f"valid padding (the output side would be {(n - k) // s + 1}); use same padding, "
            f"a smaller {what} or fewer downsampling layers before it",
            where=where,
            layer=layer,
            code="too_big",
            what=what,
            k=k,
            n=n,
            out=(n - k) // s + 1,
        )
    return output_size(n, k, s, padding)


def _conv(w: _Walker, b: ConvBlock, i: int) -> None:
    name = w.name("conv2d")
    f = _positive(b.filters, "filters", i, name)
    k = _positive(b.kernel_size, "kernel_size", i, name)
    s = _positive(b.strides, "strides", i, name)
    pad = _choice(b.padding, _PADDINGS, "padding", i, name)
    act = _choice(b.activation, ACTIVATIONS, "activation", i, name)
    l2 = _l2(b.l2, i, name)
    h, wd, c = w.shape
    ho = _side(h, k, s, pad, i, name, "kernel")
    wo = _side(wd, k, s, pad, i, name, "kernel")
    out = (ho, wo, f)
    bias = bool(b.use_bias)
    inner_act = act if not b.batch_norm else "linear"
    kwargs: list[tuple[str, Any]] = []
    if s != 1:
        kwargs.append(("strides", s))
    kwargs.append(("padding", pad))
    if inner_act != "linear":
        kwargs.append(("activation", inner_act))
    if not bias:
        kwargs.append(("use_bias", False))
    _regularizer(kwargs, l2)
    flops = 2 * k * k * c * _n(out) + (_n(out) if bias else 0)
    flops += _n(out) if inner_act != "linear" else 0
    params = k * k * c * f + (f if bias else 0)
    w.add(LayerSpec(name, "Conv2D", (f, k), tuple(kwargs)), out, i, trainable=params, flops=flops)
    if b.batch_norm:
        bn = w.name("batch_norm")
        # momentum 0.9 (Keras: 0.99): the moving statistics used for validation settle in
        # ~20 steps instead of ~200, so small classroom datasets validate sensibly from
        # the first epochs (with 0.99 the tutorial's model sits at 0.5 for 10 epochs).
        w.add(
            LayerSpec(bn, "BatchNormalization", (), (("momentum", 0.9),)),
            out,
            i,
            trainable=2 * f,
            non_trainable=2 * f,
            flops=2 * _n(out),
        )
        if act == "relu":
            w.add(LayerSpec(w.name("relu"), "ReLU"), out, i, flops=_n(out))
        elif act != "linear":
            w.add(LayerSpec(w.name(act), "Activation", (act,)), out, i, flops=_n(out))


def _pool(w: _Walker, b: PoolBlock, i: int) -> None:
    mode = b.mode if b.mode in ("max", "avg") else None
    name = w.name(f"{mode}_pool" if mode else "pool")
    _choice(b.mode, ("max", "avg"), "mode", i, name)
    k = _positive(b.pool_size, "pool_size", i, name)
    s = k if b.strides is None else _positive(b.strides, "strides", i, name)
    pad = _choice(b.padding, _PADDINGS, "padding", i, name)
    h, wd, c = w.shape
    out = (_side(h, k, s, pad, i, name, "window"), _side(wd, k, s, pad, i, name, "window"), c)
    kwargs: list[tuple[str, Any]] = []
    if b.strides is not None:
        kwargs.append(("strides", s))
    if pad != "valid":
        kwargs.append(("padding", pad))
    cls = "MaxPooling2D" if mode == "max" else "AveragePooling2D"
    w.add(LayerSpec(name, cls, (k,), tuple(kwargs)), out, i, flops=k * k * _n(out))


def _dropout(w: _Walker, b: DropoutBlock, i: int) -> None:
    name = w.name("spatial_dropout" if b.spatial else "dropout")
    rate = _fraction(b.rate, "rate", i, name, zero_ok=False)
    cls = "SpatialDropout2D" if b.spatial else "Dropout"
    w.add(LayerSpec(name, cls, (rate,)), w.shape, i)


def _input(w: _Walker, cfg: ModelConfig) -> None:
    shape = cfg.input_shape
    if not isinstance(shape, tuple) or len(shape) != 3:
        raise ConfigError(
            f"input: shape must be (H, W, C), got {shape!r}",
            where="input",
            layer="input",
            code="input_shape",
            value=shape,
        )
    for field, v in zip(("height", "width", "channels"), shape, strict=True):
        _positive(v, field, "input", "input")
    w.add(LayerSpec("input", "Input", (), (("shape", shape),)), shape, "input")


def _augment(w: _Walker, cfg: ModelConfig) -> None:
    a = cfg.augment
    flip = _choice(a.flip, _FLIPS, "flip", "augment", "random_flip")
    if flip != "none":
        w.add(LayerSpec("random_flip", "RandomFlip", (flip,)), w.shape, "augment")
    for field, cls, name in (
        ("rotation", "RandomRotation", "random_rotation"),
        ("zoom", "RandomZoom", "random_zoom"),
        ("contrast", "RandomContrast", "random_contrast"),
        ("brightness", "RandomBrightness", "random_brightness"),
    ):
        v = _fraction(getattr(a, field), field, "augment", name, zero_ok=True)
        if v > 0:
            w.add(LayerSpec(name, cls, (v,)), w.shape, "augment")


def _head(w: _Walker, cfg: ModelConfig) -> None:
    head = cfg.head
    pooling = _choice(head.pooling, ("flatten", "gap"), "pooling", "head", "head")
    h, wd, c = w.shape
    if pooling == "flatten":
        w.add(LayerSpec("flatten", "Flatten"), (h * wd * c,), "head")
    else:
        w.add(LayerSpec("gap", "GlobalAveragePooling2D"), (c,), "head", flops=h * wd * c)
    rate = _fraction(head.dropout, "dropout", "head", "head", zero_ok=True)
    if rate > 0:
        w.add(LayerSpec(w.name("dropout"), "Dropout", (rate,)), w.shape, "head")
    for d in head.dense:
        name = w.name("dense")
        units = _positive(d.units, "units", "head", name)
        act = _choice(d.activation, ACTIVATIONS, "activation", "head", name)
        l2 = _l2(d.l2, "head", name)
        (n_in,) = w.shape
        flops = 2 * n_in * units + units + (units if act != "linear" else 0)
        kwargs: list[tuple[str, Any]] = [("activation", act)] if act != "linear" else []
        _regularizer(kwargs, l2)
        w.add(
            LayerSpec(name, "Dense", (units,), tuple(kwargs)),
            (units,),
            "head",
            trainable=n_in * units + units,
            flops=flops,
        )
        rate = _fraction(d.dropout, "dropout", "head", name, zero_ok=True)
        if rate > 0:
            w.add(LayerSpec(w.name("dropout"), "Dropout", (rate,)), w.shape, "head")


def _output(w: _Walker, cfg: ModelConfig) -> None:
    k = cfg.num_classes
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ConfigError(
            f"output: a classifier needs at least 2 classes, got {k!r}",
            where="output",
            layer="output",
            code="classes",
            value=k,
        )
    out = _choice(cfg.output, ("sigmoid", "softmax"), "output", "output", "output")
    if out == "sigmoid" and k != 2:
        raise ConfigError(
            f"output: one sigmoid unit separates exactly 2 classes, got {k}; use softmax",
            where="output",
            layer="output",
            code="sigmoid",
            value=k,
        )
    units = cfg.output_units
    (n_in,) = w.shape
    w.add(
        LayerSpec("output", "Dense", (units,), (("activation", out),)),
        (units,),
        "output",
        trainable=n_in * units + units,
        flops=2 * n_in * units + units + units,
    )


def walk(cfg: ModelConfig) -> tuple[list[LayerSpec], list[LayerRow], ConfigError | None]:
    """Every layer of ``cfg`` in order; stops at the first invalid layer.

    Returns ``(specs, rows, error)``: ``error`` is None for a valid configuration, else
    the :class:`ConfigError` of the first layer that cannot be built (the lists then hold
    the layers before it, so a page can still show how far the shapes got).
    """
    w = _Walker()
    try:
        if not isinstance(cfg, ModelConfig):
            raise ValueError(f"expected a ModelConfig, got {type(cfg).__name__}")
        _input(w, cfg)
        _augment(w, cfg)
        if cfg.rescale:
            spec = LayerSpec("rescaling", "Rescaling", (1 / 255,))
            w.add(spec, w.shape, "input", flops=_n(w.shape))
        makers: dict[type, Callable[[_Walker, Any, int], None]] = {
            ConvBlock: _conv,
            PoolBlock: _pool,
            DropoutBlock: _dropout,
        }
        for i, block in enumerate(cfg.blocks):
            make = makers.get(type(block))
            if make is None:
                raise ConfigError(
                    f"block {i + 1}: unknown block {block!r}",
                    where=i,
                    layer=f"block {i + 1}",
                    code="block",
                    value=repr(block),
                )
            make(w, block, i)
        _head(w, cfg)
        _output(w, cfg)
    except ConfigError as err:
        return w.specs, w.rows, err
    return w.specs, w.rows, None
