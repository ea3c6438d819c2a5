"""The augmentation preview: Keras' meanings, checked against scipy.ndimage and NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import ndimage

from cnnlab.data import AugmentConfig, augment, augment_many, make_shapes


@pytest.fixture
def image():
    return make_shapes(1, size=32, channels=3, seed=4).x[0]


def test_no_augmentation_is_the_identity(image):
    assert np.array_equal(augment(image, AugmentConfig(), seed=9), image)
    assert not AugmentConfig().active and AugmentConfig(zoom=0.1).active


@pytest.mark.parametrize(
    "mode,allowed",
    [
        ("horizontal", {"id", "h"}),
        ("vertical", {"id", "v"}),
        ("horizontal_and_vertical", {"id", "h", "v", "hv"}),
    ],
)
def test_flips_are_exact_mirror_images(image, mode, allowed):
    variants = {
        "id": image,
        "h": image[:, ::-1],
        "v": image[::-1],
        "hv": image[::-1, ::-1],
    }
    seen = set()
    for out in augment_many(image, AugmentConfig(flip=mode), 32, seed=0):
        match = [k for k, v in variants.items() if np.array_equal(out, v)]
        assert match, "not a flip of the image"
        seen.add(match[0])
    assert seen == allowed  # every allowed flip shows up, nothing else


def test_rotation_matches_scipy_rotate_on_a_disc_centre():
    """A rotation of at most ±0.25·360° about the centre: compare with ndimage.rotate."""
    img = np.zeros((31, 31, 1), np.uint8)
    img[5:15, 13:18] = 255  # a bar above the centre
    out = augment(img, AugmentConfig(rotation=0.25), seed=3)[..., 0].astype(float)
    best = min(
        np.abs(ndimage.rotate(img[..., 0].astype(float), a, reshape=False, order=1) - out).mean()
        for a in np.arange(-90, 91, 1.0)
    )
    assert best < 6  # some angle in range explains it (interpolation aside)
    assert np.abs(out - img[..., 0]).mean() > 1  # and it did rotate


@pytest.mark.parametrize("seed", range(6))
def test_contrast_and_brightness_are_affine_in_the_pixel_values(image, seed):
    """Contrast: (x - mean) × k + mean, k in 1 ± 0.5; brightness: x + d, |d| ≤ 0.2·255."""
    x = image.astype(float)
    mean = x.mean(axis=(0, 1))
    c = augment(image, AugmentConfig(contrast=0.5), seed=seed).astype(float)
    inside = (c > 0) & (c < 255)
    dx, dc = (x - mean)[inside], (c - mean)[inside]
    k = (dx @ dc) / (dx @ dx)  # least-squares factor
    assert 0.5 - 1e-6 <= k <= 1.5 + 1e-6
    assert_allclose(c[inside], np.clip((x - mean) * k + mean, 0, 255)[inside], atol=1.01)
    b = augment(image, AugmentConfig(brightness=0.2), seed=seed).astype(float)
    inside = (b > 0) & (b < 255)
    shift = np.median((b - x)[inside])
    assert abs(shift) <= 0.2 * 255 + 1
    assert_allclose(b[inside], x[inside] + shift, atol=1.01)


def test_contrast_factors_spread_over_the_range(image):
    x = image.astype(float)
    spread = [
        augment(image, AugmentConfig(contrast=0.5), seed=s).astype(float).std() / x.std()
        for s in range(20)
    ]
    assert min(spread) < 0.8 and max(spread) > 1.2


def test_zoom_out_shows_more_of_the_scene():
    img = np.zeros((40, 40, 1), np.uint8)
    img[15:25, 15:25] = 255
    sizes = {int((augment(img, AugmentConfig(zoom=0.5), seed=s) > 127).sum()) for s in range(12)}
    assert min(sizes) < 100 < max(sizes)  # zoomed out and in


def test_many_is_seeded(image):
    cfg = AugmentConfig(flip="horizontal", rotation=0.1, zoom=0.2, contrast=0.3, brightness=0.1)
    a = augment_many(image, cfg, 6, seed=1)
    assert a.shape == (6, 32, 32, 3) and a.dtype == np.uint8
    assert np.array_equal(a, augment_many(image, cfg, 6, seed=1))
    assert len({x.tobytes() for x in a}) == 6


@pytest.mark.parametrize(
    "kw", [{"flip": "diagonal"}, {"rotation": 0.9}, {"zoom": -0.1}, {"contrast": 2}]
)
def test_bad_configs(kw):
    with pytest.raises(ValueError):
        AugmentConfig(**kw)


def test_from_any_reads_a_model_config_like_object():
    class Cfg:
        flip = "horizontal"
        rotation = 0.1
        zoom = 0.0
        filters = (32, 64)

    assert AugmentConfig.from_any(Cfg()) == AugmentConfig(flip="horizontal", rotation=0.1)
    assert AugmentConfig.from_any({"contrast": 0.2, "x": 1}) == AugmentConfig(contrast=0.2)
