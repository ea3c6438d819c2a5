"""Synthetic shapes: deterministic, balanced, well-formed and learnable."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab.data import SHAPE_CLASSES, Dataset, make_shapes, split


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"size": 16, "channels": 3},
        {"size": 128, "classes": SHAPE_CLASSES, "noise": 0.1, "clutter": 4},
        {"size": 48, "classes": ("triangle", "circle"), "clutter": 2},
    ],
)
def test_same_seed_same_bytes_other_seed_other_bytes(kw):
    a = make_shapes(30, seed=3, **kw)
    b = make_shapes(30, seed=3, **kw)
    c = make_shapes(30, seed=4, **kw)
    assert a.x.tobytes() == b.x.tobytes() and np.array_equal(a.y, b.y)
    assert a.x.tobytes() != c.x.tobytes()


@pytest.mark.parametrize("size", [16, 32, 77, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_dtypes_and_balance(size, channels):
    ds = make_shapes(31, size=size, channels=channels, classes=SHAPE_CLASSES)
    assert isinstance(ds, Dataset)
    assert ds.x.shape == (31, size, size, channels) and ds.x.dtype == np.uint8
    assert ds.y.dtype == np.int64 and ds.class_names == SHAPE_CLASSES
    assert ds.counts().tolist() == [11, 10, 10]
    assert ds.spec.source == "shapes" and ds.spec.size == size
    assert "shapes" in ds.source


def test_rgb_images_are_coloured_and_gray_are_not_constant():
    rgb = make_shapes(20, channels=3).x.astype(int)
    assert np.abs(rgb[..., 0] - rgb[..., 1]).mean() > 5
    gray = make_shapes(20).x
    assert all(int(im.max()) - int(im.min()) > 60 for im in gray)  # a visible shape in every image


def _fill_ratio(img: np.ndarray) -> float:
    """Shape area / area of the smallest centred disc holding it (1 circle, 0.64 square)."""
    mask = img[..., 0] > 115  # background < 80, shape > 150
    ys, xs = np.nonzero(mask)
    cy, cx = ys.mean(), xs.mean()
    r2 = ((ys - cy) ** 2 + (xs - cx) ** 2).max()
    return mask.sum() / (np.pi * r2)


def test_shapes_are_what_their_labels_say():
    """A one-number, rotation- and translation-free feature separates the three classes."""
    ds = make_shapes(300, size=64, classes=SHAPE_CLASSES, seed=5)
    ratio = np.array([_fill_ratio(im) for im in ds.x])
    means = [ratio[ds.y == c].mean() for c in range(3)]
    assert means[0] > means[1] > means[2]  # circle > square > triangle
    # nearest class mean on the feature: almost always right
    pred = np.abs(ratio[:, None] - np.array(means)[None]).argmin(1)
    assert (pred == ds.y).mean() > 0.95


def test_same_area_whatever_the_class():
    """Classes differ by form, not size: mean foreground area is about the same."""
    ds = make_shapes(600, size=64, classes=SHAPE_CLASSES, seed=1)
    area = (ds.x[..., 0] > 115).sum(axis=(1, 2))
    means = np.array([area[ds.y == c].mean() for c in range(3)])
    assert means.max() / means.min() < 1.15


def test_noise_and_clutter_change_the_images():
    clean = make_shapes(10, seed=2).x.astype(int)
    noisy = make_shapes(10, seed=2, noise=0.2).x.astype(int)
    assert np.abs(noisy - clean).mean() > 10
    assert not np.array_equal(make_shapes(10, seed=2, clutter=5).x, make_shapes(10, seed=2).x)


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"size": 8}, "size must be"),
        ({"size": 200}, "size must be"),
        ({"channels": 2}, "channels must be"),
        ({"classes": ("circle",)}, "classes must be"),
        ({"classes": ("circle", "hexagon")}, "hexagon"),
        ({"classes": "circle"}, "string"),
        ({"noise": 2.0}, "noise must be"),
        ({"clutter": -1}, "clutter must be"),
    ],
)
def test_bad_arguments_raise_value_error_quoting_them(kw, match):
    with pytest.raises(ValueError, match=match):
        make_shapes(10, **kw)


def test_bad_n():
    with pytest.raises(ValueError, match="n must be"):
        make_shapes(0)


@pytest.mark.slow
@pytest.mark.keras
def test_a_small_cnn_learns_the_shapes():
    """The seed's lesson in a few seconds: a tiny CNN tells circles from squares."""
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    train, val = split(make_shapes(1200, size=32, seed=0), seed=0)
    model = keras.Sequential(
        [
            keras.Input(train.image_shape),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(16, 3, activation="relu", padding="same"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train.x, train.y, epochs=8, batch_size=32, verbose=0)
    _, acc = model.evaluate(val.x, val.y, verbose=0)
    assert acc > 0.9, acc
