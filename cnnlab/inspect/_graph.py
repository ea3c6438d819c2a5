"""Graph surgery: a model's layers in order, its functional graph, and images it accepts.

Sequential and functional Keras 3 models alike: a Sequential model is re-applied layer by
layer to a fresh input so every intermediate output exists. Keras is imported inside the
functions; :func:`flat_layers` and :func:`first_conv` need no Keras at all (duck typing).

>>> kind_of(type("MaxPooling2D", (), {})())
'pool'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras
    import numpy.typing as npt

__all__ = [
    "KINDS",
    "Graph",
    "flat_layers",
    "first_conv",
    "kind_of",
    "is_map",
    "model_graph",
    "graph_inputs",
    "as_functional",
    "map_layers",
    "input_hwc",
    "one_batch",
    "fit_image",
]

# Layer classes shown as feature maps, by kind.
KINDS: dict[str, tuple[str, ...]] = {
    "conv": ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose"),
    "pool": ("MaxPooling2D", "AveragePooling2D"),
    "activation": ("Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax"),
    "norm": ("BatchNormalization", "LayerNormalization", "GroupNormalization"),
}


def _is_a(obj: object, class_name: str) -> bool:
    """``isinstance(obj, <the class named class_name>)`` without importing Keras."""
    return any(c.__name__ == class_name for c in type(obj).__mro__)


def flat_layers(model: keras.Model, *, functional: bool = True) -> list[Any]:
    """The model's layers in order, the layers of nested models spliced in.

    A nested Sequential is always spliced in (it is a chain); a nested functional model
    too unless ``functional=False`` (then it stays one layer: it may branch, and
    re-applying its layers one after the other would not compute it).

    >>> class Layer: ...
    >>> class Sequential:
    ...     def __init__(self, *layers): self.layers = list(layers)
    >>> a, b, c = Layer(), Layer(), Layer()
    >>> flat_layers(Sequential(a, Sequential(b, c))) == [a, b, c]
    True
    """
    out: list[Any] = []
    for layer in model.layers:
        nested = hasattr(layer, "layers") and (
            _is_a(layer, "Sequential") or (functional and type(layer).__name__ == "Functional")
        )
        out.extend(flat_layers(layer, functional=functional) if nested else [layer])
    return out


def first_conv(model: keras.Model) -> Any | None:
    """The first ``Conv2D`` layer (a nested model's included), or None without one.

    The one lookup behind :func:`cnnlab.inspect.first_layer_filters` and the filters
    :func:`cnnlab.train.train` records.
    """
    for layer in flat_layers(model):
        if _is_a(layer, "Conv2D"):
            return layer
    return None


def kind_of(layer: Any) -> str | None:
    """The :data:`KINDS` key of a layer ("conv", "pool", …), None for any other layer."""
    name = type(layer).__name__
    for kind, classes in KINDS.items():
        if name in classes:
            return kind
    return None


@dataclass(frozen=True)
class Graph:
    """A model as a functional graph: its inputs, output and every layer's output tensor."""

    model: Any  # keras.Model (functional) computing what the original computes
    layers: list[Any]  # layers in order (InputLayer excluded)
    tensors: dict[str, Any]  # layer name → symbolic output tensor in ``model``'s graph
    last: Any  # the layer producing the model's output
    penultimate: Any  # the symbolic tensor that layer reads


def model_graph(model: keras.Model) -> Graph:
    """The functional graph of ``model``, sharing its layers (and so its weights).

    A Sequential model is re-applied layer by layer to a fresh ``keras.Input`` and each
    layer's output is recorded from *that* call, so intermediate outputs exist however
    the model was built or loaded (the official Keras Grad-CAM example relies on
    ``layer.output`` and fails on Sequential models). Functional models are used as
    they are.
    """
    import keras

    if isinstance(model, keras.Sequential):
        h, w, c = input_hwc(model)
        inputs = keras.Input(shape=(h, w, c))
        x, prev = inputs, inputs
        layers: list[Any] = []
        tensors: dict[str, Any] = {}
        for layer in flat_layers(model, functional=False):
            if type(layer).__name__ == "InputLayer":
                continue
            prev, x = x, layer(x)
            layers.append(layer)
            tensors[layer.name] = x
        if not layers:
            raise ValueError(f"model {model.name!r} has no layers")
        graph = keras.Model(inputs, x, name=f"{model.name}_graph")
        return Graph(graph, layers, tensors, layers[-1], prev)
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    tensors = {}
    for layer in layers:
        try:
            tensors[layer.name] = layer.output
        except (AttributeError, ValueError):
            continue
    last = model.outputs[0]._keras_history[0]
    return Graph(model, layers, tensors, last, last.input)


def graph_inputs(g: Graph) -> Any:
    """The graph's input tensor (a list only for multi-input models)."""
    ins = g.model.inputs
    return ins[0] if len(ins) == 1 else ins


def as_functional(model: keras.Model) -> keras.Model:
    """A functional model computing the same thing as ``model``, sharing its weights."""
    return model_graph(model).model


def is_map(tensor: Any) -> bool:
    """Whether a (symbolic) tensor is a batch of maps, ``(N, h, w, c)``."""
    shape = getattr(tensor, "shape", None)
    return shape is not None and len(shape) == 4


def map_layers(
    model: keras.Model, kinds: tuple[str, ...] = ("conv", "pool", "activation")
) -> list[str]:
    """Names of the layers of the given kinds whose output is an (h, w, c) map, in order.

    kinds : :data:`KINDS` keys; ValueError for another.
    """
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"kinds must be among {sorted(KINDS)}, got {bad}")
    g = model_graph(model)
    return [
        layer.name
        for layer in g.layers
        if kind_of(layer) in kinds and is_map(g.tensors.get(layer.name))
    ]


def input_hwc(model: keras.Model) -> tuple[int, int, int]:
    """The model's input image shape ``(H, W, C)``; ValueError if it takes no fixed image."""
    shape = model.input_shape
    if isinstance(shape, list):
        shape = shape[0]
    if shape is None or len(shape) != 4 or None in shape[1:]:
        raise ValueError(f"the model must take (H, W, C) images, got input shape {shape!r}")
    return int(shape[1]), int(shape[2]), int(shape[3])


def one_batch(model: keras.Model, image: npt.ArrayLike) -> np.ndarray:
    """One image (H, W) or (H, W, C) → float32 (1, H, W, C), checked against the model."""
    x = np.asarray(image)
    if x.ndim == 2:
        x = x[..., None]
    h, w, c = input_hwc(model)
    if x.shape != (h, w, c):
        raise ValueError(
            f"image must have the model's input shape {(h, w, c)}, got {tuple(np.shape(image))}"
            " (use fit_image to resize it)"
        )
    return x.astype(np.float32)[None]


def fit_image(image: npt.ArrayLike, shape: tuple[int, int, int]) -> np.ndarray:
    """Resize and convert an image to a model's input ``(H, W, C)``, uint8.

    image : (h, w), (h, w, 1), (h, w, 3) or (h, w, 4) uint8 (floats are rounded and
    clipped to 0–255). Grey becomes RGB by repetition, RGB becomes grey by luminance;
    the size changes with area averaging when shrinking (bilinear when enlarging).
    out : (H, W, C) uint8, C = 1 or 3.

    >>> fit_image(np.zeros((64, 48, 3), np.uint8), (32, 32, 1)).shape
    (32, 32, 1)
    """
    from PIL import Image

    x = np.asarray(image)
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[..., 0]
    if x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[2] not in (3, 4)) or 0 in x.shape:
        raise ValueError(f"image must be (H, W) or (H, W, 3), got shape {np.shape(image)}")
    if x.dtype != np.uint8:
        x = np.clip(np.rint(x.astype(np.float64)), 0, 255).astype(np.uint8)
    h, w, c = (int(v) for v in shape)
    if c not in (1, 3):
        raise ValueError(f"models take 1 or 3 channels, got shape {shape!r}")
    pil = Image.fromarray(x[..., :3] if x.ndim == 3 else x)
    pil = pil.convert("L" if c == 1 else "RGB")
    if pil.size != (w, h):
        shrink = pil.size[0] > w or pil.size[1] > h
        pil = pil.resize((w, h), Image.Resampling.BOX if shrink else Image.Resampling.BILINEAR)
    out = np.asarray(pil, dtype=np.uint8)
    return out[..., None] if c == 1 else out
