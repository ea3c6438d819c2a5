"""cnnlab.inspect (features, receptive fields) against Keras itself (TensorFlow backend).

Feature maps are compared with ``keras.Model(inputs, layer.output)``, filters with
``layer.get_weights()``, Grad-CAM with a GradientTape written out here, receptive fields
with the support of the input gradient. The trained model is the session's shared run
of the tutorial's shapes model (``trained_run`` in tests/conftest.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.ndimage import binary_dilation

from cnnlab import inspect as F
from cnnlab.backend import value_and_grad
from cnnlab.inspect import Step, geometry, receptive_field, rf_table, trace
from cnnlab.kernels import PRESETS as KERNELS
from cnnlab.model import PRESETS as MODELS
from cnnlab.model import ConvBlock, Head, ModelConfig, PoolBlock, build_model

pytestmark = pytest.mark.keras

keras = pytest.importorskip("keras")

# The tutorial's model without BatchNorm (activations inside the Conv2D layers).
PLAIN = ModelConfig(
    input_shape=(32, 32, 1),
    blocks=(ConvBlock(16), PoolBlock(), ConvBlock(32), PoolBlock(), ConvBlock(32)),
    head=Head("gap"),
    name="plain_shapes",
)


@pytest.fixture
def trained(trained_run):
    """The shared shapes model (seed_shapes), its validation set and its RunStore (read only)."""
    return trained_run.result, trained_run.val, trained_run.store


def _sequential():
    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((28, 28, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(8, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(8, 5, strides=2, padding="same"),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def _image(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape).astype(np.uint8)


# ----------------------------------------------------------------- feature maps
@pytest.mark.parametrize("which", ["seed_shapes", "pets_gap", "sequential"])
def test_feature_maps_equal_a_keras_probe(which):
    keras.utils.set_random_seed(0)
    model = _sequential() if which == "sequential" else build_model(MODELS[which])
    shape = model.input_shape[1:]
    img = _image(shape)
    maps = F.feature_maps(model, img)
    kinds = (*F.KINDS["conv"], *F.KINDS["pool"], *F.KINDS["activation"])
    expected = [
        layer.name
        for layer in model.layers
        if type(layer).__name__ in kinds and len(layer.output.shape) == 4
    ]
    assert [n for n, _ in maps] == expected
    for name, arr in maps:
        probe = keras.Model(model.inputs[0], model.get_layer(name).output)
        ref = keras.ops.convert_to_numpy(probe(img[None].astype("float32"), training=False))[0]
        assert arr.shape == ref.shape and arr.dtype == np.float32
        assert_allclose(arr, ref, rtol=1e-5, atol=1e-5)


def test_feature_map_shapes_follow_the_tutorial_table():
    model = build_model(MODELS["tutorial_flow"])
    shapes = [a.shape for _, a in F.feature_maps(model, np.zeros((32, 32, 3), np.uint8))]
    assert shapes == [(32, 32, 16), (16, 16, 16), (16, 16, 32), (8, 8, 32), (8, 8, 64)]


def test_feature_maps_reject_a_wrong_image():
    model = build_model(MODELS["seed_shapes"])
    with pytest.raises(ValueError, match=r"\(32, 32, 1\).*\(20, 20\)"):
        F.feature_maps(model, np.zeros((20, 20)))
    with pytest.raises(ValueError, match="kinds"):
        F.map_layers(model, ("convolution",))


# ---------------------------------------------------------------------- filters
def test_first_layer_filters_equal_get_weights_and_the_last_snapshot(trained):
    res, _, store = trained
    w = F.first_layer_filters(res.model)
    assert_allclose(w, res.model.get_layer("conv2d_1").get_weights()[0])
    assert w.shape == (3, 3, 1, 16)
    snaps = store.filters(res.run_id)
    assert len(snaps) == 1 + len(res.history["loss"])  # initial + one per epoch
    assert_allclose(snaps[-1], w, atol=1e-6)
    assert not np.allclose(snaps[0], w)  # training changed them
    loaded = store.load_model(res.run_id)
    assert_allclose(F.first_layer_filters(loaded), w, atol=1e-6)


def test_filter_images_gray_and_rgb():
    model = _sequential()
    w = F.first_layer_filters(model)
    assert_allclose(w, model.layers[1].get_weights()[0])
    imgs = F.filter_images(w)
    assert imgs.shape == (8, 3, 3, 3)  # RGB composites
    assert imgs.min() >= 0 and imgs.max() <= 1
    for f in range(8):  # each filter's largest |weight| reaches 0 or 1, zero sits at 0.5
        assert_allclose(np.abs(imgs[f] - 0.5).max(), 0.5, atol=1e-6)
    assert_allclose(imgs[2], 0.5 + w[..., 2] / (2 * np.abs(w[..., 2]).max()), atol=1e-6)
    gray = F.filter_images(np.ones((3, 3, 2, 4)))
    assert gray.shape == (4, 3, 3) and np.allclose(gray, 1.0)
    with pytest.raises(ValueError, match="shape"):
        F.normalize_filters(np.ones((3, 3)))


def test_closest_kernels_recognise_sobel_and_the_seed_edges():
    bank = np.stack(
        [
            KERNELS["sobel_x"] * 0.1,
            -KERNELS["seed_horizontal_edges"],
            np.rot90(KERNELS["sobel_x"]),  # Sobel x turned: horizontal edges
            KERNELS["seed_outline"] + 0.01,
        ],
        axis=-1,
    )[:, :, None, :]
    got = F.closest_kernels(bank)
    assert [m.name for m in got] == ["sobel_x", "seed_horizontal_edges", "sobel_y", "seed_outline"]
    assert got[0].similarity == pytest.approx(1.0)
    assert got[1].similarity == pytest.approx(-1.0)  # the same edge, inverted polarity
    assert abs(got[2].similarity) == pytest.approx(1.0)


# --------------------------------------------------------------------- Grad-CAM
def _tf_reference() -> None:
    """The references below use tf.GradientTape: they check the TensorFlow backend."""
    if keras.backend.backend() != "tensorflow":
        pytest.skip("this reference uses tf.GradientTape (TensorFlow backend)")


def _reference_cam(model, img, layer, cls):
    """The Keras example's Grad-CAM on the logits, with a GradientTape (functional only)."""
    _tf_reference()
    import tensorflow as tf

    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    clone.layers[-1].activation = keras.activations.linear
    grad_model = keras.Model(clone.inputs[0], [clone.get_layer(layer).output, clone.output])
    with tf.GradientTape() as tape:
        conv, logits = grad_model(img[None].astype("float32"), training=False)
        score = logits[:, cls]
    grads = tape.gradient(score, conv)[0].numpy()
    cam = np.maximum((conv[0].numpy() * grads.mean(axis=(0, 1))).sum(-1), 0)
    return cam


def test_grad_cam_matches_a_gradient_tape_reference(trained):
    from scipy.ndimage import zoom

    res, va, _ = trained
    img = va.x[0]
    layer = F.gradcam_layer(res.model)
    assert layer == "relu_3"  # conv → BN → ReLU: the ReLU's output
    assert F.gradcam_layer(build_model(PLAIN)) == "conv2d_3"  # the activation is inside
    for cls in (0, 1):
        ref = _reference_cam(res.model, img, layer, cls)
        ref = zoom(ref, 4, order=1, mode="nearest", grid_mode=True)
        ref = ref / ref.max() if ref.max() > 0 else ref
        assert_allclose(F.grad_cam(res.model, img, cls), ref, atol=1e-4)


def test_grad_cam_puts_its_mass_on_the_shape(trained):
    res, va, _ = trained
    assert res.history["val_accuracy"][-1] >= 0.9
    x = va.x[:60]
    shape = x[..., 0] > 115  # shapes are drawn at 150-255 on a 0-80 background
    inside, outside, share, area = [], [], [], []
    for i in range(len(x)):
        cam = F.grad_cam(res.model, x[i], int(va.y[i]))
        assert cam.shape == (32, 32) and cam.dtype == np.float32
        assert cam.min() >= 0 and cam.max() == pytest.approx(1.0)
        inside.append(cam[shape[i]].mean())
        outside.append(cam[~shape[i]].mean())
        near = binary_dilation(shape[i], iterations=3)
        share.append(cam[near].sum() / cam.sum())
        area.append(near.mean())
    # Measured (seed_shapes, 6 epochs, 1200 images): ~4.9× the heat per pixel on the shape
    # than on the background; ~3× the share of the mass within 3 px of the shape than the
    # share of the image those pixels cover (~19 %). (Without BatchNorm, 8 epochs: ~4×.)
    assert np.mean(inside) > 2.5 * np.mean(outside)
    assert np.mean(share) > 2 * np.mean(area)


def test_grad_cam_on_a_sequential_sigmoid_model():
    model = _sequential()
    img = _image((28, 28, 3), 1)
    functional = F.as_functional(model)
    assert isinstance(functional, keras.Model) and not isinstance(functional, keras.Sequential)
    layer = F.gradcam_layer(model)
    assert layer == model.layers[-3].name  # conv → BN → ReLU: the ReLU's output
    for cls in (0, 1):
        cam = F.grad_cam(model, img, cls)
        assert cam.shape == (28, 28) and cam.min() >= 0 and cam.max() <= 1
    # A sigmoid unit's two classes pull in opposite directions: z for 1, −z for 0.
    z_maps = F.layer_outputs(model, img[None], [layer])[0]
    assert z_maps.shape[1:3] == (7, 7)
    with pytest.raises(ValueError, match=r"class_index must be in \[0, 1\], got 2"):
        F.grad_cam(model, img, 2)


def test_gradient_helper_against_finite_differences():
    x = np.array([[1.0, -2.0, 0.5]], np.float32)

    def fn(t):
        return keras.ops.sum(t**3)

    y, g = value_and_grad(fn, x)
    assert y == pytest.approx(float((x**3).sum()))
    assert_allclose(g, 3 * x**2, rtol=1e-6)


# --------------------------------------------------------- statistics, patches
def test_filter_stats_find_a_dead_filter():
    keras.utils.set_random_seed(1)
    model = build_model(PLAIN)
    conv = model.get_layer("conv2d_1")
    k, b = conv.get_weights()
    b[5] = -1e3  # filter 5 can never pass its ReLU
    conv.set_weights([k, b])
    x = np.stack([_image((32, 32, 1), s) for s in range(6)])
    stats = F.filter_stats(model, x, "conv2d_1")
    ref = keras.ops.convert_to_numpy(keras.Model(model.inputs[0], conv.output)(x.astype("float32")))
    assert stats.dead[5]
    assert_allclose(stats.dead, ref.max(axis=(0, 1, 2)) <= 1e-6)
    assert_allclose(stats.mean, ref.mean(axis=(0, 1, 2)), rtol=1e-5, atol=1e-6)
    assert_allclose(stats.active, (ref > 1e-6).mean(axis=(0, 1, 2)))
    assert stats.n_images == 6


def test_top_patches_are_the_strongest_receptive_fields(trained):
    res, va, _ = trained
    x = va.x[:80]
    layer, ch = "conv2d_2", 3
    patches = F.top_patches(res.model, x, layer, ch, k=5)
    ref = keras.ops.convert_to_numpy(
        keras.Model(res.model.inputs[0], res.model.get_layer(layer).output)(x.astype("float32"))
    )[..., ch]
    per_image = ref.reshape(len(x), -1).max(axis=1)
    assert [p.index for p in patches] == list(np.argsort(-per_image, kind="stable")[:5])
    for p in patches:
        assert p.value == pytest.approx(per_image[p.index], rel=1e-5)
        assert ref[p.index, p.row, p.col] == pytest.approx(p.value, rel=1e-5)
        assert p.crop.shape == (p.height, p.width, 1)
        assert_allclose(p.crop, x[p.index, p.top : p.top + p.height, p.left : p.left + p.width])
        assert p.height <= 10 and p.width <= 10  # conv2d_2's receptive field is 10×10
    with pytest.raises(ValueError, match="channel"):
        F.top_patches(res.model, x, layer, 99)


# -------------------------------------------------------------- receptive field
def test_rf_table_of_the_tutorial_model():
    model = build_model(MODELS["seed_shapes"])
    rows = {r.name: r for r in rf_table(model)}
    assert [rows[n].rf[0] for n in ("conv2d_1", "max_pool_1", "conv2d_2", "max_pool_2")] == [
        3,
        4,
        8,
        10,
    ]
    assert rows["relu_3"].rf == (18, 18) and rows["relu_3"].jump == (4, 4)
    assert rows["relu_3"].out_size == (8, 8)


def _support(model, layer, row, col):
    """Bounding box (top, left, h, w) of the input pixels with a nonzero gradient."""
    _tf_reference()
    import tensorflow as tf

    h, w, c = model.input_shape[1:]
    probe = keras.Model(model.inputs[0], model.get_layer(layer).output)
    x = tf.constant(np.random.default_rng(0).uniform(0, 255, (1, h, w, c)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(probe(x)[0, row, col, :])
    g = np.abs(tape.gradient(y, x).numpy()[0]).sum(-1) > 0
    rows, cols = np.flatnonzero(g.any(1)), np.flatnonzero(g.any(0))
    return rows[0], cols[0], rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


@pytest.mark.parametrize(
    "k,stride,padding,pos",
    [
        (3, 1, "same", (0, 0)),
        (3, 2, "same", (3, 5)),
        (5, 1, "valid", (2, 1)),
        (4, 2, "same", (4, 4)),
    ],
)
def test_receptive_field_equals_the_gradient_support(k, stride, padding, pos):
    keras.utils.set_random_seed(2)
    cfg = ModelConfig(
        input_shape=(23, 23, 2),
        blocks=(
            ConvBlock(4, k, strides=stride, padding=padding, activation="linear"),
            PoolBlock("avg", 2),
            ConvBlock(4, 3, padding=padding, activation="linear"),
        ),
        head=Head("gap"),
    )
    model = build_model(cfg)
    layer = "conv2d_2"
    out_h = model.get_layer(layer).output.shape[1]
    row, col = min(pos[0], out_h - 1), min(pos[1], out_h - 1)
    reg = receptive_field(model, layer, row, col)
    assert (reg.top, reg.left, reg.height, reg.width) == _support(model, layer, row, col)


def test_receptive_field_through_padding_and_dilation():
    model = keras.Sequential(
        [
            keras.Input((20, 20, 1)),
            keras.layers.ZeroPadding2D(((2, 0), (1, 1))),
            keras.layers.Conv2D(3, 3, dilation_rate=2),
            keras.layers.AveragePooling2D(3, strides=2, padding="same"),
            keras.layers.Conv2D(2, 3),
        ]
    )
    name = model.layers[-1].name
    for pos in [(0, 0), (3, 4), (5, 5)]:
        reg = receptive_field(model, name, *pos)
        assert (reg.top, reg.left, reg.height, reg.width) == _support(model, name, *pos)


def test_trace_rules_and_errors():
    steps = [Step("c", (3, 3), (1, 1), (1, 1), (1, 1), (8, 8), (8, 8))]
    corner = trace(steps, 0, 0, (8, 8))
    assert (corner.height, corner.full_height) == (2, 3)  # clipped by the border
    with pytest.raises(ValueError, match=r"\(8, 0\) is outside the 8×8 map"):
        trace(steps, 8, 0, (8, 8))
    model = build_model(MODELS["seed_shapes"])
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        receptive_field(model, "nope", 0, 0)
    with pytest.raises(ValueError, match="cannot trace"):
        receptive_field(model, "output", 0, 0)
    assert geometry(model)[-1].name == "relu_3"


# ------------------------------------------------------------------- fit_image
@pytest.mark.parametrize(
    "src,dst",
    [((64, 48, 3), (32, 32, 1)), ((10, 10), (32, 32, 3)), ((40, 40, 4), (20, 30, 3))],
)
def test_fit_image(src, dst):
    out = F.fit_image(_image(src), dst)
    assert out.shape == dst and out.dtype == np.uint8


def test_fit_image_errors():
    with pytest.raises(ValueError, match=r"got shape \(3, 3, 2\)"):
        F.fit_image(np.zeros((3, 3, 2)), (8, 8, 1))
    with pytest.raises(ValueError, match="1 or 3 channels"):
        F.fit_image(np.zeros((3, 3)), (8, 8, 2))
    flat = F.fit_image(np.full((64, 64), 200, np.uint8), (32, 32, 1))
    assert (flat == 200).all()
