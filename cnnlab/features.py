"""What a trained CNN learned: feature maps, first-layer filters, Grad-CAM, top patches.

Everything works on Sequential and functional Keras 3 models under any backend: the only
backend-specific code is :func:`_value_and_grad` (one small branch per backend), which
Grad-CAM needs. Keras is imported inside the functions.

Images are raw pixels, as the models take them: ``(H, W, C)`` (or ``(H, W)``) uint8 or
float in 0–255; the model's own Rescaling layer scales them.

>>> from cnnlab.model import PRESETS, build_model  # doctest: +SKIP
>>> model = build_model(PRESETS["seed_shapes"])  # doctest: +SKIP
>>> [(n, a.shape) for n, a in feature_maps(model, np.zeros((32, 32, 1)))][:2]  # doctest: +SKIP
[('conv2d_1', (32, 32, 16)), ('relu_1', (32, 32, 16))]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "KINDS",
    "FilterStats",
    "Match",
    "Patch",
    "as_functional",
    "map_layers",
    "fit_image",
    "layer_outputs",
    "feature_maps",
    "first_layer_filters",
    "normalize_filters",
    "filter_images",
    "closest_kernels",
    "gradcam_layer",
    "grad_cam",
    "filter_stats",
    "top_patches",
]

# Layer classes shown as feature maps, by kind.
KINDS: dict[str, tuple[str, ...]] = {
    "conv": ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose"),
    "pool": ("MaxPooling2D", "AveragePooling2D"),
    "activation": ("Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax"),
    "norm": ("BatchNormalization", "LayerNormalization", "GroupNormalization"),
}
# Hand-made kernels a learned first-layer filter is compared with (cnnlab.kernels names).
HANDMADE = (
    "sobel_x",
    "sobel_y",
    "seed_vertical_edges",
    "seed_horizontal_edges",
    "seed_outline",
    "laplacian",
    "gaussian",
    "sharpen",
)


def _kind_of(layer) -> str | None:
    name = type(layer).__name__
    for kind, classes in KINDS.items():
        if name in classes:
            return kind
    return None


def _flat_layers(model) -> list:
    """Top-level layers; the layers of a nested Sequential are spliced in."""
    import keras

    out = []
    for layer in model.layers:
        if isinstance(layer, keras.Sequential):
            out.extend(_flat_layers(layer))
        else:
            out.append(layer)
    return out


@dataclass(frozen=True)
class _Graph:
    """A model as a functional graph: its inputs, output and every layer's output tensor."""

    model: object  # keras.Model (functional) computing what the original computes
    layers: list  # layers in order (InputLayer excluded)
    tensors: dict  # layer name → symbolic output tensor in ``model``'s graph
    last: object  # the layer producing the model's output
    penultimate: object  # the symbolic tensor that layer reads


def _graph(model) -> _Graph:
    """The functional graph of ``model``, sharing its layers (and so its weights).

    A Sequential model is re-applied layer by layer to a fresh ``keras.Input`` and each
    layer's output is recorded from *that* call, so intermediate outputs exist however
    the model was built or loaded (the official Keras Grad-CAM example relies on
    ``layer.output`` and fails on Sequential models). Functional models are used as
    they are.
    """
    import keras

    if isinstance(model, keras.Sequential):
        h, w, c = _input_hwc(model)
        inputs = keras.Input(shape=(h, w, c))
        x, prev, layers, tensors = inputs, inputs, [], {}
        for layer in _flat_layers(model):
            if type(layer).__name__ == "InputLayer":
                continue
            prev, x = x, layer(x)
            layers.append(layer)
            tensors[layer.name] = x
        if not layers:
            raise ValueError(f"model {model.name!r} has no layers")
        graph = keras.Model(inputs, x, name=f"{model.name}_graph")
        return _Graph(graph, layers, tensors, layers[-1], prev)
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    tensors = {}
    for layer in layers:
        try:
            tensors[layer.name] = layer.output
        except (AttributeError, ValueError):
            continue
    last = model.outputs[0]._keras_history[0]
    return _Graph(model, layers, tensors, last, last.input)


def _inputs(g: _Graph):
    """The graph's input tensor (a list only for multi-input models)."""
    ins = g.model.inputs
    return ins[0] if len(ins) == 1 else ins


def as_functional(model):
    """A functional model computing the same thing as ``model``, sharing its weights."""
    return _graph(model).model


def _is_map(tensor) -> bool:
    shape = getattr(tensor, "shape", None)
    return shape is not None and len(shape) == 4


def map_layers(model, kinds: tuple[str, ...] = ("conv", "pool", "activation")) -> list[str]:
    """Names of the layers of the given kinds whose output is an (h, w, c) map, in order."""
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"kinds must be among {sorted(KINDS)}, got {bad}")
    g = _graph(model)
    return [
        layer.name
        for layer in g.layers
        if _kind_of(layer) in kinds and _is_map(g.tensors.get(layer.name))
    ]


def _input_hwc(model) -> tuple[int, int, int]:
    shape = model.input_shape
    if isinstance(shape, list):
        shape = shape[0]
    if shape is None or len(shape) != 4 or None in shape[1:]:
        raise ValueError(f"the model must take (H, W, C) images, got input shape {shape!r}")
    return int(shape[1]), int(shape[2]), int(shape[3])


def _batch(model, image: np.ndarray) -> np.ndarray:
    """One image (H, W) or (H, W, C) → float32 (1, H, W, C), checked against the model."""
    x = np.asarray(image)
    if x.ndim == 2:
        x = x[..., None]
    h, w, c = _input_hwc(model)
    if x.shape != (h, w, c):
        raise ValueError(
            f"image must have the model's input shape {(h, w, c)}, got {tuple(np.shape(image))}"
            " (use fit_image to resize it)"
        )
    return x.astype(np.float32)[None]


def fit_image(image: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Resize and convert an image to a model's input ``(H, W, C)``, uint8.

    image : (h, w), (h, w, 1), (h, w, 3) or (h, w, 4) uint8. Grey becomes RGB by
    repetition, RGB becomes grey by luminance; the size changes with area averaging
    when shrinking (bilinear when enlarging).

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


def layer_outputs(
    model, images: np.ndarray, names: list[str], *, batch_size: int = 128
) -> list[np.ndarray]:
    """Outputs of the named layers for a batch of raw images, float32 ``(N, …)`` each.

    The probe of the tutorial's step 4: ``keras.Model(model.input, [layer.output, …])``
    (inference mode: dropout and augmentation off, BatchNorm uses its moving statistics).
    """
    import keras

    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[..., None]
    h, w, c = _input_hwc(model)
    if x.ndim != 4 or x.shape[1:] != (h, w, c):
        raise ValueError(f"images must be (N, {h}, {w}, {c}), got shape {np.shape(images)}")
    g = _graph(model)
    missing = [n for n in names if n not in g.tensors]
    if missing:
        raise ValueError(f"no layer named {missing}; layers: {list(g.tensors)}")
    probe = keras.Model(_inputs(g), [g.tensors[n] for n in names])
    outs: list[list[np.ndarray]] = [[] for _ in names]
    for start in range(0, len(x), batch_size):
        got = probe(x[start : start + batch_size], training=False)
        got = got if isinstance(got, list | tuple) else [got]
        for i, g in enumerate(got):
            outs[i].append(np.asarray(keras.ops.convert_to_numpy(g), dtype=np.float32))
    return [np.concatenate(o) if o else np.zeros((0,), np.float32) for o in outs]


def feature_maps(
    model, image: np.ndarray, *, kinds: tuple[str, ...] = ("conv", "pool", "activation")
) -> list[tuple[str, np.ndarray]]:
    """The output of every convolution, pooling and activation layer for one image.

    image : raw pixels with the model's input shape, (H, W) or (H, W, C).
    Returns ``[(layer_name, (h, w, c) float32), …]`` in the model's order; add
    ``"norm"`` to ``kinds`` to include BatchNormalization outputs.
    """
    x = _batch(model, image)
    names = map_layers(model, kinds)
    if not names:
        return []
    return [(n, o[0]) for n, o in zip(names, layer_outputs(model, x, names), strict=True)]


def _first_conv(model):
    for layer in _flat_layers(model):
        if type(layer).__name__ == "Conv2D":
            return layer
    raise ValueError(f"model {model.name!r} has no Conv2D layer")


def first_layer_filters(model) -> np.ndarray:
    """The first Conv2D layer's kernel, ``(kh, kw, C_in, F)`` float32, as trained.

    Equal to ``layer.get_weights()[0]``; see :func:`normalize_filters` and
    :func:`filter_images` for display.
    """
    return np.asarray(_first_conv(model).get_weights()[0], dtype=np.float32)


def normalize_filters(weights: np.ndarray, *, per_filter: bool = True) -> np.ndarray:
    """Weights mapped to [0, 1] with 0 at 0.5: ``0.5 + w / (2·max|w|)``.

    ``per_filter`` scales each filter by its own largest weight (shapes stand out);
    otherwise one scale for the whole bank (strengths compare).

    >>> normalize_filters(np.array([-2.0, 0.0, 1.0]).reshape(1, 1, 1, 3)).ravel().tolist()
    [0.0, 0.5, 1.0]
    """
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 4:
        raise ValueError(f"weights must be (kh, kw, C_in, F), got shape {w.shape}")
    axes = (0, 1, 2) if per_filter else None
    top = np.max(np.abs(w), axis=axes, keepdims=per_filter)
    top = np.where(top > 0, top, 1.0)
    return (0.5 + w / (2 * top)).astype(np.float32)


def filter_images(weights: np.ndarray, *, per_filter: bool = True) -> np.ndarray:
    """One picture per filter, values in [0, 1] (0.5 = weight 0).

    C_in = 3 → RGB composites ``(F, kh, kw, 3)``; any other C_in → grey ``(F, kh, kw)``
    (the mean over input channels).
    """
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 4:
        raise ValueError(f"weights must be (kh, kw, C_in, F), got shape {w.shape}")
    if w.shape[2] != 3:
        w = w.mean(axis=2, keepdims=True)
    n = normalize_filters(w, per_filter=per_filter)
    out = np.moveaxis(n, 3, 0)  # (F, kh, kw, C)
    return out[..., 0] if out.shape[-1] == 1 else out


@dataclass(frozen=True)
class Match:
    """The hand-made kernel closest to one learned filter."""

    filter: int  # filter index f
    name: str  # cnnlab.kernels.PRESETS name
    similarity: float  # cosine similarity in [-1, 1]; negative: the same pattern inverted


def closest_kernels(weights: np.ndarray, names: tuple[str, ...] = HANDMADE) -> list[Match]:
    """For each filter, the hand-made kernel (Sobel, the seed's edges, …) most like it.

    A filter's 2-D pattern is its mean over input channels; the likeness is the cosine
    similarity of the flattened weights (largest absolute value wins, sign kept, so an
    inverted Sobel is still Sobel). Kernels of another size are skipped.

    >>> from cnnlab.kernels import PRESETS
    >>> closest_kernels(-PRESETS["sobel_x"][:, :, None, None])[0]
    Match(filter=0, name='sobel_x', similarity=-1.0)
    """
    from cnnlab.kernels import PRESETS

    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"weights must be (kh, kw, C_in, F), got shape {w.shape}")
    cands = [(n, np.asarray(PRESETS[n], np.float64)) for n in names]
    cands = [(n, k) for n, k in cands if k.shape == w.shape[:2]]
    out = []
    for f in range(w.shape[3]):
        pat = w[:, :, :, f].mean(axis=2).ravel()
        norm = np.linalg.norm(pat)
        best = ("", 0.0)
        for n, k in cands:
            sim = float(pat @ k.ravel() / (norm * np.linalg.norm(k))) if norm > 0 else 0.0
            if abs(sim) > abs(best[1]) or not best[0]:
                best = (n, sim)
        out.append(Match(f, best[0], round(best[1], 6)))
    return out


_FOLLOWERS = KINDS["activation"] + KINDS["norm"]


def gradcam_layer(model) -> str:
    """The layer Grad-CAM reads: the last convolution, after its BatchNorm/activation."""
    g = _graph(model)
    layers = g.layers
    idx = [
        i
        for i, layer in enumerate(layers)
        if _kind_of(layer) == "conv" and _is_map(g.tensors.get(layer.name))
    ]
    if not idx:
        raise ValueError(f"model {model.name!r} has no convolution layer for Grad-CAM")
    i = idx[-1]
    while i + 1 < len(layers) and type(layers[i + 1]).__name__ in _FOLLOWERS:
        i += 1
    return layers[i].name


def _value_and_grad(fn, x):
    """``fn(x)`` (a scalar) and its gradient with respect to ``x``, on the Keras backend.

    The one place that knows about TensorFlow, JAX and PyTorch. Returns NumPy arrays.
    """
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        t = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
        g = tape.gradient(y, t)
    elif backend == "jax":
        import jax

        y, g = jax.value_and_grad(fn)(keras.ops.convert_to_tensor(x))
    elif backend == "torch":
        t = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)
        y = fn(t)
        y.backward()
        g = t.grad
        y = y.detach()
    else:
        raise ValueError(f"Grad-CAM needs gradients: backend {backend!r} has none here")
    if g is None:
        raise ValueError("the class score does not depend on the chosen layer")
    return float(keras.ops.convert_to_numpy(y)), np.asarray(keras.ops.convert_to_numpy(g))


def _head(model, layer_name: str):
    """(features model, function maps → class logits) split at ``layer_name``.

    The logits are the pre-activation scores of a final Dense softmax/sigmoid layer when
    there is one (Grad-CAM's choice: probabilities saturate); else the model's outputs.
    """
    import keras

    g = _graph(model)
    if layer_name not in g.tensors:
        raise ValueError(f"no layer named {layer_name!r}; layers: {list(g.tensors)}")
    feat_t = g.tensors[layer_name]
    last = g.last
    act = getattr(last, "activation", None)
    act_name = getattr(act, "__name__", "")
    if type(last).__name__ == "Dense" and act_name in ("softmax", "sigmoid"):
        penult = None if g.penultimate is feat_t else keras.Model(feat_t, g.penultimate)

        def logits(maps):
            h = maps if penult is None else penult(maps, training=False)
            k = keras.ops.cast(last.kernel, "float32")
            b = keras.ops.cast(last.bias, "float32") if last.use_bias else 0.0
            return keras.ops.matmul(keras.ops.cast(h, "float32"), k) + b

    else:
        rest = keras.Model(feat_t, g.model.outputs[0])

        def logits(maps):
            return keras.ops.cast(rest(maps, training=False), "float32")

    return keras.Model(_inputs(g), feat_t), logits


def grad_cam(
    model, image: np.ndarray, class_index: int | None = None, *, layer_name: str | None = None
) -> np.ndarray:
    """Grad-CAM: where in the image the evidence for a class lies, ``(H, W)`` in [0, 1].

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

    x = _batch(model, image)
    name = layer_name or gradcam_layer(model)
    feats, logits = _head(model, name)
    maps = keras.ops.convert_to_numpy(feats(x, training=False)).astype(np.float32)
    if maps.ndim != 4:
        raise ValueError(f"layer {name!r} does not output a (h, w, c) map")
    z0 = np.asarray(keras.ops.convert_to_numpy(logits(maps)), dtype=np.float32).reshape(-1)
    k = 2 if z0.size == 1 else z0.size
    if class_index is None:
        class_index = int(z0[0] > 0) if z0.size == 1 else int(np.argmax(z0))
    if isinstance(class_index, bool) or int(class_index) != class_index:
        raise ValueError(f"class_index must be an integer, got {class_index!r}")
    c = int(class_index)
    if not 0 <= c < k:
        raise ValueError(f"class_index must be in [0, {k - 1}], got {class_index!r}")
    sign = 1.0 if (z0.size > 1 or c == 1) else -1.0
    col = 0 if z0.size == 1 else c

    def score(m):
        return sign * keras.ops.sum(logits(m)[:, col])

    _, grads = _value_and_grad(score, maps)
    weights = grads[0].mean(axis=(0, 1))  # (c,)
    cam = np.maximum((maps[0] * weights).sum(axis=-1), 0.0)
    h, w = x.shape[1:3]
    cam = zoom(cam, (h / cam.shape[0], w / cam.shape[1]), order=1, mode="nearest", grid_mode=True)
    cam = np.maximum(cam[:h, :w], 0.0)
    top = float(cam.max())
    return (cam / top if top > 0 else np.zeros((h, w))).astype(np.float32)


@dataclass(frozen=True)
class FilterStats:
    """Per-channel statistics of one layer over a set of images."""

    layer: str
    mean: np.ndarray  # (c,) mean activation over images and positions
    max: np.ndarray  # (c,) largest activation seen
    active: np.ndarray  # (c,) fraction of positions with activation > 0
    dead: np.ndarray  # (c,) bool: never above 0 on any image (a "dead" ReLU filter)
    n_images: int


def filter_stats(model, images: np.ndarray, layer_name: str) -> FilterStats:
    """Mean, max and firing rate of every channel of ``layer_name`` over ``images``.

    images : (N, H, W, C) raw pixels. A dead filter never outputs more than 0 (1e-6) on
    any of them: after a ReLU it passes nothing and learns nothing.
    """
    (a,) = layer_outputs(model, images, [layer_name])
    if a.ndim != 4:
        raise ValueError(f"layer {layer_name!r} does not output a (h, w, c) map")
    mx = a.max(axis=(0, 1, 2))
    return FilterStats(
        layer=layer_name,
        mean=a.mean(axis=(0, 1, 2)),
        max=mx,
        active=(a > 1e-6).mean(axis=(0, 1, 2)),
        dead=mx <= 1e-6,
        n_images=int(a.shape[0]),
    )


@dataclass(frozen=True)
class Patch:
    """One image crop that excites a filter strongly."""

    index: int  # image index in the set searched
    row: int  # position of the strongest response in the layer's map
    col: int
    value: float  # the activation there
    top: int  # the crop: the position's receptive field, clipped to the image
    left: int
    height: int
    width: int
    crop: np.ndarray  # (height, width, C) uint8 pixels


def top_patches(
    model, images: np.ndarray, layer_name: str, channel: int, *, k: int = 9
) -> list[Patch]:
    """The ``k`` image crops that excite channel ``channel`` of ``layer_name`` the most.

    Each image contributes at most one crop: the receptive field of its strongest
    position. Sorted by activation, largest first.
    """
    from cnnlab.receptive import receptive_field

    x = np.asarray(images)
    (a,) = layer_outputs(model, x, [layer_name])
    if a.ndim != 4:
        raise ValueError(f"layer {layer_name!r} does not output a (h, w, c) map")
    if isinstance(channel, bool) or not 0 <= int(channel) < a.shape[3]:
        raise ValueError(f"channel must be in [0, {a.shape[3] - 1}], got {channel!r}")
    m = a[..., int(channel)].reshape(len(a), -1)
    best = m.argmax(axis=1)
    vals = m[np.arange(len(a)), best]
    order = np.argsort(-vals, kind="stable")[: max(int(k), 0)]
    out = []
    for i in order:
        r, c = divmod(int(best[i]), a.shape[2])
        reg = receptive_field(model, layer_name, r, c)
        crop = x[i, reg.top : reg.top + reg.height, reg.left : reg.left + reg.width]
        out.append(
            Patch(int(i), r, c, float(vals[i]), reg.top, reg.left, reg.height, reg.width, crop)
        )
    return out
