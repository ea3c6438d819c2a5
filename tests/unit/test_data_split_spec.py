"""Splits, specs (what Train rebuilds), LFW, Keras datasets and the Dataset container."""

from __future__ import annotations

import dataclasses
import json
import sys

import numpy as np
import pytest

from cnnlab.data import (
    Dataset,
    FolderSpec,
    KerasSpec,
    LfwSpec,
    ShapesSpec,
    SplitSpec,
    UploadSpec,
    from_spec,
    input_shape,
    load_keras,
    load_lfw,
    make_shapes,
    normalize_spec,
    parse_spec,
    split,
    split_indices,
    split_spec,
    subsample,
)


def _labels(counts):
    return np.repeat(np.arange(len(counts)), counts)


@pytest.mark.parametrize("counts", [[50, 50], [90, 10], [7, 13, 40], [1, 20]])
@pytest.mark.parametrize("val,test", [(0.2, 0.0), (0.25, 0.1), (0.5, 0.0)])
def test_split_is_stratified_disjoint_and_complete(counts, val, test):
    y = _labels(counts)
    tr, va, te = split_indices(y, val_fraction=val, test_fraction=test, seed=1)
    allidx = np.concatenate([tr, va, te])
    assert sorted(allidx.tolist()) == list(range(len(y)))  # a partition
    for c, n in enumerate(counts):
        n_val = (y[va] == c).sum()
        n_test = (y[te] == c).sum()
        assert (y[tr] == c).sum() >= 1  # every class is trained on
        if n >= 10:
            assert abs(n_val - n * val) <= 1 and abs(n_test - n * test) <= 1


def test_split_default_is_80_20_seeded_and_mixed():
    ds = make_shapes(200, seed=0)
    train, val = split(ds)
    assert (len(train), len(val)) == (160, 40)
    assert val.counts().tolist() == [20, 20]
    again, _ = split(ds)
    other, _ = split(ds, seed=1)
    assert np.array_equal(train.x, again.x) and not np.array_equal(train.x, other.x)
    sorted_y = Dataset(ds.x, np.sort(ds.y), ds.class_names)
    tr, _ = split(sorted_y)
    assert 0 < tr.y[:20].mean() < 1  # class-sorted input comes out shuffled


def test_split_with_test_part_returns_three():
    parts = split(make_shapes(100), val_fraction=0.2, test_fraction=0.1)
    assert [len(p) for p in parts] == [70, 20, 10]
    assert "[test]" in parts[2].source


@pytest.mark.parametrize("kw", [{"val_fraction": 0}, {"val_fraction": 1.0},
                                {"val_fraction": 0.6, "test_fraction": 0.4},
                                {"test_fraction": -0.1}])  # fmt: skip
def test_split_bad_fractions(kw):
    with pytest.raises(ValueError, match="fraction"):
        split(make_shapes(20), **kw)


def test_subsample_keeps_class_shares():
    ds = Dataset(np.zeros((100, 4, 4, 1), np.uint8), _labels([80, 20]), ("a", "b"))
    sub = subsample(ds, 10, seed=0)
    assert sub.counts().tolist() == [8, 2]
    assert subsample(ds, 1000) is ds


def test_dataset_validates():
    x = np.zeros((3, 4, 4, 1), np.uint8)
    with pytest.raises(ValueError, match="uint8"):
        Dataset(x.astype(np.float32), np.zeros(3, int), ("a",))
    with pytest.raises(ValueError, match="labels must lie"):
        Dataset(x, np.array([0, 1, 2]), ("a", "b"))
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        Dataset(x[0], np.zeros(4, int), ("a",))
    ds = Dataset(x, [0, 1, 1], ["a", "b"])
    assert ds.nbytes == 48 + 24 and ds.class_names == ("a", "b") and ds.num_classes == 2


def test_lfw_is_faces_against_non_faces():
    ds = load_lfw()
    assert ds.x.shape == (200, 25, 25, 1) and ds.x.dtype == np.uint8
    assert ds.class_names == ("face", "non-face") and ds.counts().tolist() == [100, 100]
    assert ds.x.max() > 200 and ds.x.min() < 50


def test_specs_are_json_safe_round_trip_and_cached():
    spec = {"source": "shapes", "n": 120, "size": 24, "channels": 3, "seed": 2}
    ds = from_spec(spec)
    assert ds.image_shape == (24, 24, 3) and len(ds) == 120
    assert json.loads(json.dumps(ds.spec.to_dict())) == ds.spec.to_dict() == normalize_spec(spec)
    assert ds.spec == parse_spec(spec) and isinstance(ds.spec, ShapesSpec)
    assert from_spec(ds.spec).x is ds.x  # cached, same arrays
    assert not ds.x.flags.writeable
    direct = make_shapes(120, size=24, channels=3, seed=2)
    assert direct.x.tobytes() == ds.x.tobytes()
    assert input_shape(spec) == ds.image_shape


def test_split_spec_follows_the_spec():
    spec = {"source": "lfw", "split": {"val_fraction": 0.25, "test_fraction": 0.1, "seed": 3}}
    train, val, test = split_spec(spec)
    assert (len(train), len(val), len(test)) == (130, 50, 20)
    assert input_shape(spec) == (25, 25, 1) == train.image_shape
    train2, val2 = split_spec({"source": "lfw"})
    assert (len(train2), len(val2)) == (160, 40)


@pytest.mark.parametrize(
    "spec,match",
    [
        ({"source": "nope"}, "source must be"),
        ({"source": "shapes", "colour": 1}, "unknown keys"),
        ({"source": "keras", "name": "imagenet"}, "Keras dataset"),
        ({"source": "folder"}, "needs 'path'"),
        ({"source": "upload", "image_size": [150, 150]}, "needs 'id'"),
        ({"source": "folder", "path": "x", "image_size": 5000}, "image_size"),
        ({"source": "shapes", "split": {"val": 0.2}}, "split"),
        ("shapes", "must be a dict"),
    ],
)
def test_bad_specs(spec, match):
    with pytest.raises(ValueError, match=match):
        normalize_spec(spec)


def test_keras_offline_says_so_plainly(monkeypatch, tmp_path):
    """No network and nothing cached: a ValueError naming the cache and other sources."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))

    class _Set:
        @staticmethod
        def load_data():
            raise Exception("URL fetch failure: [Errno -2] Name or service not known")

    fake = type(sys)("keras")
    fake.datasets = type(sys)("keras.datasets")
    fake.datasets.mnist = _Set
    monkeypatch.setitem(sys.modules, "keras", fake)
    with pytest.raises(ValueError) as err:
        load_keras("mnist")
    msg = str(err.value)
    assert str(tmp_path / "keras" / "datasets" / "mnist.npz") in msg
    assert err.value.path == tmp_path / "keras" / "datasets" / "mnist.npz"
    assert "Name or service not known" in err.value.cause
    assert "shapes" in msg and "LFW" in msg and "folder" in msg


def test_keras_from_cache_shapes_and_subsample(monkeypatch):
    rng = np.random.default_rng(0)

    class _Cifar:
        @staticmethod
        def load_data():
            x = rng.integers(0, 255, (500, 32, 32, 3), dtype=np.uint8)
            y = np.repeat(np.arange(10), 50)[:, None]  # Keras gives cifar labels (N, 1)
            return (x, y), (x[:10], y[:10])

    class _Mnist:
        @staticmethod
        def load_data():
            x = rng.integers(0, 255, (300, 28, 28), dtype=np.uint8)
            return (x, np.arange(300) % 10), (x[:5], np.arange(5))

    fake = type(sys)("keras")
    fake.datasets = type(sys)("keras.datasets")
    fake.datasets.cifar10 = _Cifar
    fake.datasets.mnist = _Mnist
    monkeypatch.setitem(sys.modules, "keras", fake)
    ds = load_keras("cifar10", n=100, seed=0)
    assert ds.x.shape == (100, 32, 32, 3) and ds.counts().tolist() == [10] * 10
    assert ds.class_names[3] == "cat"
    ds = from_spec({"source": "keras", "name": "mnist", "n": 50})
    assert ds.x.shape == (50, 28, 28, 1) and ds.class_names[0] == "0"
    assert input_shape({"source": "keras", "name": "mnist"}) == (28, 28, 1)
    with pytest.raises(ValueError, match="Keras dataset must be"):
        load_keras("svhn")


@pytest.mark.parametrize(
    "raw,cls,classes,shape,words",
    [
        ({"source": "shapes", "classes": ["circle", "square", "triangle"]}, ShapesSpec, 3,
         (32, 32, 1), "shapes: 2,000 images 32×32×1, classes circle, square, triangle"),
        ({"source": "lfw"}, LfwSpec, 2, (25, 25, 1), "lfw: 200 images 25×25×1"),
        ({"source": "keras", "name": "cifar10", "n": 500}, KerasSpec, 10, (32, 32, 3),
         "keras cifar10: 500 images 32×32×3"),
        ({"source": "folder", "path": "PetImages", "image_size": 64}, FolderSpec, None,
         (64, 64, 3), "folder PetImages: images 64×64×3 (crop)"),
        ({"source": "upload", "id": "0123456789abcdef", "channels": 1, "fit": "pad"},
         UploadSpec, None, (150, 150, 1), "upload 0123456789abcdef: images 150×150×1 (pad)"),
    ],
)  # fmt: skip
def test_typed_specs_per_source(raw, cls, classes, shape, words):
    spec = parse_spec(raw)
    assert type(spec) is cls and spec.source == raw["source"]
    assert spec.num_classes == classes and spec.input_shape == shape == input_shape(raw)
    assert spec.describe().startswith(words)
    assert spec.split == SplitSpec(val_fraction=0.2, test_fraction=0.0, seed=0)
    again = parse_spec(json.loads(json.dumps(spec.to_dict())))
    assert again == spec and hash(again) == hash(spec)  # frozen, comparable, hashable
    assert parse_spec(spec) is spec
    with pytest.raises(AttributeError):
        spec.source = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.split = SplitSpec()  # type: ignore[misc]


def test_spec_dict_keeps_the_canonical_order_and_lists():
    d = normalize_spec({"source": "shapes", "seed": 4, "n": 100})
    assert list(d) == ["source", "n", "size", "channels", "classes", "noise", "clutter",
                       "seed", "split"]  # fmt: skip
    assert d["classes"] == ["circle", "square"] and d["split"]["val_fraction"] == 0.2
    folder = normalize_spec({"source": "folder", "path": "p", "image_size": (96, 128)})
    assert folder["image_size"] == [96, 128]
