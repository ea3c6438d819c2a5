"""Grad-CAM: where in the image the evidence for a class lies.

Works on Sequential and functional Keras 3 models under any backend: the gradient comes
from :func:`cnnlab.backend.value_and_grad`, where the backends are named.

>>> cam = grad_cam(model, image)  # doctest: +SKIP
>>> cam.shape == image.shape[:2], float(cam.max()) <= 1.0  # doctest: +SKIP
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnlab._checks import whole
from cnnlab.backend import value_and_grad
from cnnlab.inspect._graph import KINDS, graph_inputs, is_map, kind_of, model_graph, one_batch

if TYPE_CHECKING:
    import keras
    import numpy.typing as npt

__all__ = ["gradcam_layer", "grad_cam"]

_FOLLOWERS = KINDS["activation"] + KINDS["norm"]


def gradcam_layer(model: keras.Model) -> str:
    """The layer Grad-CAM reads: the last convolution, after its BatchNorm/activation."""
    g = model_graph(model)
    layers = g.layers
    idx = [
        i
        for i, layer in enumerate(layers)
        if kind_of(layer) == "conv" and is_map(g.tensors.get(layer.name))
    ]
    if not idx:
        raise ValueError(f"model {model.name!r} has no convolution layer for Grad-CAM")
    i = idx[-1]
    while i + 1 < len(layers) and type(layers[i + 1]).__name__ in _FOLLOWERS:
        i += 1
    return str(layers[i].name)


def _head(model: keras.Model, layer_name: str) -> tuple[Any, Callable[[Any], Any]]:
    """(features model, function maps → class logits) split at ``layer_name``.

    The logits are the pre-activation scores of a final Dense softmax/sigmoid layer when
    there is one (Grad-CAM's choice: probabilities saturate); else the model's outputs.
    """
    import keras

    g = model_graph(model)
    if layer_name not in g.tensors:
        raise ValueError(f"no layer named {layer_name!r}; layers: {list(g.tensors)}")
    feat_t = g.tensors[layer_name]
    last = g.last
    act = getattr(last, "activation", None)
    act_name = getattr(act, "__name__", "")
    if type(last).__name__ == "Dense" and act_name in ("softmax", "sigmoid"):
        penult = None if g.penultimate is feat_t else keras.Model(feat_t, g.penultimate)

        def logits(maps: Any) -> Any:
            h = maps if penult is None else penult(maps, training=False)
            k = keras.ops.cast(last.kernel, "float32")
            b = keras.ops.cast(last.bias, "float32") if last.use_bias else 0.0
            return keras.ops.matmul(keras.ops.cast(h, "float32"), k) + b

    else:
        rest = keras.Model(feat_t, g.model.outputs[0])

        def logits(maps: Any) -> Any:
            return keras.ops.cast(rest(maps, training=False), "float32")

    return keras.Model(graph_inputs(g), feat_t), logits


def grad_cam(
    model: keras.Model,
    image: npt.ArrayLike,
    class_index: int | None = None,
    *,
    layer_name: str | None = None,
) -> np.ndarray:
    """Grad-CAM: where in the image the evidence for a class lies, ``(H, W)`` in [0, 1].

    image : raw pixels with the model's input shape, (H, W) or (H, W, C).
    out : (H, W) float32 in [0, 1], at the input's resolution.

    Gradients of the class score (its logit) with respect to the maps of ``layer_name``
    (default :func:`gradcam_layer`: the last convolution block) are averaged over space
    into one weight per channel; the weighted sum of the maps, rectified, is resized to
    the input (bilinear) and divided by its maximum. A one-unit sigmoid output counts as
    two classes (score ``z`` for class 1, ``−z`` for class 0). ``class_index`` None: the
    predicted class. Works for Sequential and functional models on any Keras backend.

    >>> cam = grad_cam(model, image)  # doctest: +SKIP
    >>> cam.shape == image.shape[:2], float(cam.max()) <= 1.0  # doctest: +SKIP
    (True, True)
    """
    import keras
    from scipy.ndimage import zoom

    x = one_batch(model, image)
    name = layer_name or gradcam_layer(model)
    feats, logits = _head(model, name)
    maps = keras.ops.convert_to_numpy(feats(x, training=False)).astype(np.float32)
    if maps.ndim != 4:
        raise ValueError(f"layer {name!r} does not output a (h, w, c) map")
    z0 = np.asarray(keras.ops.convert_to_numpy(logits(maps)), dtype=np.float32).reshape(-1)
    k = 2 if z0.size == 1 else z0.size
    if class_index is None:
        class_index = int(z0[0] > 0) if z0.size == 1 else int(np.argmax(z0))
    whole(class_index, "class_index")
    c = whole(class_index, "class_index", low=0, high=k - 1,
              message=f"class_index must be in [0, {k - 1}]")  # fmt: skip
    sign = 1.0 if (z0.size > 1 or c == 1) else -1.0
    col = 0 if z0.size == 1 else c

    def score(m: Any) -> Any:
        return sign * keras.ops.sum(logits(m)[:, col])

    _, grads = value_and_grad(score, maps)
    weights = grads[0].mean(axis=(0, 1))  # (c,)
    cam = np.maximum((maps[0] * weights).sum(axis=-1), 0.0)
    h, w = x.shape[1:3]
    cam = zoom(cam, (h / cam.shape[0], w / cam.shape[1]), order=1, mode="nearest", grid_mode=True)
    cam = np.maximum(cam[:h, :w], 0.0)
    top = float(cam.max())
    return (cam / top if top > 0 else np.zeros((h, w))).astype(np.float32)
