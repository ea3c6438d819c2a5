"""Feature maps: what every convolution, pooling and activation layer outputs for an image.

The probe of the tutorial's step 4, ``keras.Model(model.input, [layer.output, …])``, in
inference mode (dropout and augmentation off, BatchNorm on its moving statistics).

>>> from cnnlab.model import PRESETS, build_model  # doctest: +SKIP
>>> model = build_model(PRESETS["seed_shapes"])  # doctest: +SKIP
>>> [(n, a.shape) for n, a in feature_maps(model, np.zeros((32, 32, 1)))][:2]  # doctest: +SKIP
[('conv2d_1', (32, 32, 16)), ('relu_1', (32, 32, 16))]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cnnlab.inspect._graph import graph_inputs, input_hwc, map_layers, model_graph, one_batch

if TYPE_CHECKING:
    import keras
    import numpy.typing as npt

__all__ = ["layer_outputs", "feature_maps"]


def layer_outputs(
    model: keras.Model, images: npt.ArrayLike, names: list[str], *, batch_size: int = 128
) -> list[np.ndarray]:
    """Outputs of the named layers for a batch of raw images, float32 ``(N, …)`` each.

    images : (N, H, W, C) (or (N, H, W)) raw pixels with the model's input shape.
    out : one float32 array per name, ``(N, h, w, c)`` for a map layer.
    """
    import keras

    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[..., None]
    h, w, c = input_hwc(model)
    if x.ndim != 4 or x.shape[1:] != (h, w, c):
        raise ValueError(f"images must be (N, {h}, {w}, {c}), got shape {np.shape(images)}")
    g = model_graph(model)
    missing = [n for n in names if n not in g.tensors]
    if missing:
        raise ValueError(f"no layer named {missing}; layers: {list(g.tensors)}")
    probe = keras.Model(graph_inputs(g), [g.tensors[n] for n in names])
    outs: list[list[np.ndarray]] = [[] for _ in names]
    for start in range(0, len(x), batch_size):
        got = probe(x[start : start + batch_size], training=False)
        got = got if isinstance(got, list | tuple) else [got]
        for i, out in enumerate(got):
            outs[i].append(np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float32))
    return [np.concatenate(o) if o else np.zeros((0,), np.float32) for o in outs]


def feature_maps(
    model: keras.Model,
    image: npt.ArrayLike,
    *,
    kinds: tuple[str, ...] = ("conv", "pool", "activation"),
) -> list[tuple[str, np.ndarray]]:
    """The output of every convolution, pooling and activation layer for one image.

    image : raw pixels with the model's input shape, (H, W) or (H, W, C).
    out : ``[(layer_name, (h, w, c) float32), …]`` in the model's order; add ``"norm"``
    to ``kinds`` to include BatchNormalization outputs.
    """
    x = one_batch(model, image)
    names = map_layers(model, kinds)
    if not names:
        return []
    return [(n, o[0]) for n, o in zip(names, layer_outputs(model, x, names), strict=True)]
