"""The configuration of a small CNN: frozen dataclasses that round-trip through JSON.

A model is: input → optional augmentation → Rescaling(1/255) → blocks (conv, pool,
dropout, in any order) → head (Flatten or global average pooling, dense layers) → output
(one sigmoid unit for two classes, or softmax). Values are not checked here: checking
needs the shapes, so :func:`cnnlab.model.validate` does it and names the layer at fault.

>>> cfg = ModelConfig(input_shape=(32, 32, 1), blocks=(ConvBlock(16), PoolBlock()))
>>> ModelConfig.from_dict(cfg.to_dict()) == cfg
True
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar, cast

__all__ = [
    "ACTIVATIONS",
    "Augment",
    "Block",
    "ConvBlock",
    "DenseLayer",
    "DropoutBlock",
    "Head",
    "ModelConfig",
    "PoolBlock",
    "decode_config",
    "encode_config",
]

# Activations offered for hidden layers (Keras names). "linear" means none.
ACTIVATIONS = ("relu", "leaky_relu", "elu", "selu", "gelu", "swish", "tanh", "sigmoid", "linear")


@dataclass(frozen=True)
class ConvBlock:
    """Conv2D, then (if ``batch_norm``) BatchNormalization and the activation as a layer.

    Without BatchNorm the activation sits inside the Conv2D, as in the notebook.
    """

    filters: int = 32  # output channels F: each filter is a (k, k, C_in) kernel + bias
    kernel_size: int = 3  # square kernel side k
    strides: int = 1  # step of the kernel; 2 halves H and W (an alternative to pooling)
    padding: str = "same"  # "same" keeps H×W at stride 1; "valid" loses k-1 pixels per side
    activation: str = "relu"  # one of ACTIVATIONS
    batch_norm: bool = False  # Conv → BN → activation, the tutorial's block
    use_bias: bool = True  # False with BatchNorm: BN's beta already shifts each channel
    l2: float = 0.0  # weight decay: adds l2·Σ kernel² to the loss (not the bias); 0: none
    kind: ClassVar[str] = "conv"


@dataclass(frozen=True)
class PoolBlock:
    """MaxPooling2D or AveragePooling2D."""

    mode: str = "max"  # "max" keeps the strongest response; "avg" the mean
    pool_size: int = 2  # square window side
    strides: int | None = None  # None: equal to pool_size (Keras default), windows tile
    padding: str = "valid"  # "valid" drops the odd last row/column; "same" keeps it
    kind: ClassVar[str] = "pool"


@dataclass(frozen=True)
class DropoutBlock:
    """Dropout between conv blocks: single activations, or whole channels (spatial)."""

    rate: float = 0.25  # fraction of units set to zero during training, in (0, 1)
    spatial: bool = False  # SpatialDropout2D: drops entire feature maps
    kind: ClassVar[str] = "dropout"


Block = ConvBlock | PoolBlock | DropoutBlock
_BLOCKS: dict[str, type[Block]] = {b.kind: b for b in (ConvBlock, PoolBlock, DropoutBlock)}


@dataclass(frozen=True)
class DenseLayer:
    """A hidden Dense layer of the head, optionally followed by Dropout."""

    units: int = 128  # neurons
    activation: str = "relu"  # one of ACTIVATIONS
    dropout: float = 0.0  # Dropout rate after this layer; 0 adds no layer
    l2: float = 0.0  # weight decay: adds l2·Σ kernel² to the loss (not the bias); 0: none


@dataclass(frozen=True)
class Head:
    """From feature maps to a vector, then dense layers."""

    pooling: str = "flatten"  # "flatten" (H·W·C values) or "gap" (one mean per channel: C)
    dropout: float = 0.0  # Dropout right after flatten/GAP (notebook: 0.5); 0: no layer
    dense: tuple[DenseLayer, ...] = ()  # hidden layers before the output layer


@dataclass(frozen=True)
class Augment:
    """Random augmentation layers (active only in training; 0 = layer absent)."""

    flip: str = "none"  # "none" | "horizontal" | "vertical" | "horizontal_and_vertical"
    rotation: float = 0.0  # RandomRotation factor: fraction of a full turn (0.05 = ±18°)
    zoom: float = 0.0  # RandomZoom height factor: ±fraction
    contrast: float = 0.0  # RandomContrast factor
    brightness: float = 0.0  # RandomBrightness factor: ±fraction of the 0-255 range

    @property
    def active(self) -> bool:
        return self.flip != "none" or any(
            (self.rotation, self.zoom, self.contrast, self.brightness)
        )


@dataclass(frozen=True)
class ModelConfig:
    """A whole CNN. JSON-safe through :meth:`to_dict` / :meth:`from_dict`.

    >>> ModelConfig().with_data(input_shape=(64, 64, 3), num_classes=5).output
    'softmax'
    """

    input_shape: tuple[int, int, int] = (32, 32, 1)  # (H, W, C) of the raw images
    blocks: tuple[Block, ...] = ()  # the feature extractor, in order
    head: Head = field(default_factory=Head)  # flatten/GAP + dense layers
    num_classes: int = 2  # follows the dataset (see with_data)
    output: str = "softmax"  # "sigmoid": one unit, 2 classes (notebook); "softmax": k units
    rescale: bool = True  # Rescaling(1/255) inside the model: it takes raw 0-255 pixels
    augment: Augment = field(default_factory=Augment)  # before rescaling (0-255 range)
    name: str = "cnn"  # the Keras model's name

    # ----------------------------------------------------------------- derived facts
    @property
    def output_units(self) -> int:
        """1 for a sigmoid output, ``num_classes`` for softmax."""
        return 1 if self.output == "sigmoid" else int(self.num_classes)

    @property
    def loss(self) -> str:
        """The Keras loss for integer labels that matches the output."""
        if self.output == "sigmoid":
            return "binary_crossentropy"
        return "sparse_categorical_crossentropy"

    def with_data(
        self, *, input_shape: tuple[int, int, int] | None = None, num_classes: int | None = None
    ) -> ModelConfig:
        """A copy whose input shape and class count follow a dataset.

        A sigmoid output becomes softmax when there are more than two classes.
        """
        shape = self.input_shape if input_shape is None else _ints(input_shape)
        k = self.num_classes if num_classes is None else int(num_classes)
        output = "softmax" if (self.output == "sigmoid" and k != 2) else self.output
        return replace(self, input_shape=shape, num_classes=k, output=output)

    # ------------------------------------------------------------------ to/from JSON
    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (lists, not tuples); blocks carry their ``kind``."""
        out = asdict(self)
        out["input_shape"] = list(self.input_shape)
        out["blocks"] = [{"kind": b.kind, **asdict(b)} for b in self.blocks]
        out["head"]["dense"] = [asdict(d) for d in self.head.dense]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """The inverse of :meth:`to_dict`; missing fields take their defaults.

        Raises ValueError for unknown keys or block kinds, quoting them.
        """
        if not isinstance(data, dict):
            raise ValueError(f"a model configuration must be a dict, got {type(data).__name__}")
        data = dict(data)
        _check_keys(cls, data, "model")
        kw: dict[str, Any] = {}
        if "input_shape" in data:
            shape = data.pop("input_shape")
            if not isinstance(shape, list | tuple) or len(shape) != 3:
                raise ValueError(f"input_shape must be (H, W, C), got {shape!r}")
            kw["input_shape"] = tuple(shape)
        if "blocks" in data:
            kw["blocks"] = tuple(_block_from_dict(b) for b in data.pop("blocks"))
        if "head" in data:
            head = dict(data.pop("head"))
            _check_keys(Head, head, "head")
            dense = tuple(_make(DenseLayer, d, "dense layer") for d in head.pop("dense", ()))
            kw["head"] = Head(dense=dense, **head)
        if "augment" in data:
            kw["augment"] = _make(Augment, data.pop("augment"), "augment")
        return cls(**kw, **data)


def _check_keys(kind: type, data: dict[str, Any], what: str) -> None:
    known = {f.name for f in fields(kind)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {what} field(s) {unknown}; known: {sorted(known)}")


def _make(kind: type, data: dict[str, Any], what: str) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"{what} must be a dict, got {data!r}")
    _check_keys(kind, data, what)
    return kind(**data)


def _ints(shape: Sequence[int]) -> tuple[int, int, int]:
    """``shape`` as ints (its length is checked where the model is laid out)."""
    return cast("tuple[int, int, int]", tuple(int(v) for v in shape))


def _block_from_dict(data: dict[str, Any]) -> Block:
    if not isinstance(data, dict) or data.get("kind") not in _BLOCKS:
        got = data.get("kind") if isinstance(data, dict) else data
        raise ValueError(f"block kind must be one of {sorted(_BLOCKS)}, got {got!r}")
    data = dict(data)
    kind = _BLOCKS[data.pop("kind")]
    return _make(kind, data, f"{kind.kind} block")


# ----------------------------------------------------------------- compact URL form
def _strip_defaults(value: Any, default: Any) -> Any:
    """Drop dict entries equal to the default, recursively (lists are kept whole)."""
    if isinstance(value, dict) and isinstance(default, dict):
        return {
            k: _strip_defaults(v, default.get(k))
            for k, v in value.items()
            if k == "kind" or k not in default or v != default[k]
        }
    return value


_DEFAULTS = {
    "model": ModelConfig().to_dict(),
    "conv": {"kind": "conv", **asdict(ConvBlock())},
    "pool": {"kind": "pool", **asdict(PoolBlock())},
    "dropout": {"kind": "dropout", **asdict(DropoutBlock())},
    "dense": asdict(DenseLayer()),
}


def encode_config(cfg: ModelConfig) -> str:
    """A short URL-safe string for ``cfg`` (defaults dropped, zlib, base64url).

    >>> decode_config(encode_config(ModelConfig())) == ModelConfig()
    True
    """
    d = _strip_defaults(cfg.to_dict(), _DEFAULTS["model"])
    if "blocks" in d:
        d["blocks"] = [_strip_defaults(b, _DEFAULTS[b["kind"]]) for b in d["blocks"]]
    if "head" in d and "dense" in d["head"]:
        d["head"]["dense"] = [_strip_defaults(x, _DEFAULTS["dense"]) for x in d["head"]["dense"]]
    raw = json.dumps(d, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


# Bytes a decoded design may take: a real one is a few hundred, a link may hold a bomb.
_MAX_DECODED = 1 << 20


def decode_config(text: str) -> ModelConfig:
    """The inverse of :func:`encode_config`; ValueError for anything else."""
    try:
        inflate = zlib.decompressobj()
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        raw = inflate.decompress(packed, _MAX_DECODED)
        if not inflate.eof or inflate.unconsumed_tail:  # cut short, or a zip bomb
            raise ValueError("truncated or too large")
        data = json.loads(raw)
    except (ValueError, zlib.error, TypeError, RecursionError) as exc:  # "[[[[…": recursion
        raise ValueError(f"not an encoded model configuration: {text[:40]!r}") from exc
    try:
        return ModelConfig.from_dict(data)
    except TypeError as exc:  # e.g. a list where a dict belongs
        raise ValueError(f"not an encoded model configuration: {exc}") from exc
