"""cnnlab.sliding: the Kernels page's map, bank filters and step view, against SciPy."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import ndimage

from cnnlab import sliding
from cnnlab.images import COURSE_MATRIX
from cnnlab.kernels import PRESETS

COURSE_TABLE = np.array(
    [[-4, 4, 0, 3, 4], [-9, 3, 1, 7, 8], [-10, 5, 3, 3, 7], [-10, -2, 3, 5, 7], [-5, -1, 2, 1, 3]]
)
RNG = np.random.default_rng(0)
PHOTO = RNG.integers(0, 256, size=(17, 23, 3)).astype(np.float32)
KERNEL = RNG.normal(size=(3, 3)).astype(np.float32)


def _scipy(x2d: np.ndarray, k: np.ndarray) -> np.ndarray:
    return ndimage.correlate(x2d.astype(np.float64), k.astype(np.float64), mode="constant")


def test_apply_kernel_gives_the_notebooks_table():
    assert_array_equal(sliding.apply_kernel(COURSE_MATRIX, PRESETS["seed_example"]), COURSE_TABLE)


@pytest.mark.parametrize("relu", [False, True])
def test_apply_kernel_per_channel_summed_convolved_and_relu(relu):
    per = sliding.apply_kernel(PHOTO, KERNEL, relu=relu)
    expected = np.stack([_scipy(PHOTO[..., c], KERNEL) for c in range(3)], axis=2)
    assert per.shape == (17, 23, 3) and per.dtype == np.float32
    assert_allclose(per, np.maximum(expected, 0) if relu else expected, rtol=1e-4, atol=1e-2)
    summed = sliding.apply_kernel(PHOTO, KERNEL, summed=True, relu=relu)
    total = expected.sum(axis=2)
    assert_allclose(summed, np.maximum(total, 0) if relu else total, rtol=1e-4, atol=1e-2)
    flipped = sliding.apply_kernel(PHOTO[..., 0], KERNEL, convolve=True)
    assert_allclose(flipped, _scipy(PHOTO[..., 0], KERNEL[::-1, ::-1]), rtol=1e-4, atol=1e-2)
    with pytest.raises(ValueError, match="2-D"):
        sliding.apply_kernel(PHOTO, np.ones(3))


def test_bank_map_is_the_channels_mean():
    out = sliding.bank_map(PHOTO, KERNEL, stride=2)
    mean = np.mean([_scipy(PHOTO[..., c], KERNEL) for c in range(3)], axis=0)[::2, ::2]
    assert out.shape == mean.shape
    assert_allclose(out, mean, rtol=1e-4, atol=1e-2)
    grey = sliding.bank_map(PHOTO[..., 1], KERNEL, relu=True)
    assert_allclose(grey, np.maximum(_scipy(PHOTO[..., 1], KERNEL), 0), rtol=1e-4, atol=1e-2)


def test_every_nth_and_clamp_crop():
    assert sliding.every_nth(np.zeros((100, 40))).shape == (100, 40)
    assert sliding.every_nth(np.zeros((641, 10)), 320).shape == (214, 4)
    assert sliding.clamp_crop((512, 512), 6, 600, -3) == (6, 506, 0)
    assert sliding.clamp_crop((4, 9), 12, 1, 1) == (4, 0, 1)


@pytest.mark.parametrize("padding", ["valid", "same", "full"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("convolve", [False, True])
def test_every_window_sums_to_its_map_cell(padding, stride, convolve):
    x = RNG.integers(0, 9, size=(6, 7)).astype(np.float32)
    k = RNG.integers(-3, 4, size=(3, 3)).astype(np.float32)
    walk = sliding.slide(x, k, padding=padding, stride=stride, convolve=convolve)
    reference = sliding.apply_kernel(x, k, padding=padding, stride=stride, convolve=convolve)
    assert_array_equal(walk.map, reference)
    assert walk.n == reference.size
    for i in range(1, walk.n + 1):
        w = walk.at(i)
        assert (w.row, w.col) == divmod(i - 1, reference.shape[1])
        assert w.total == pytest.approx(float(reference[w.row, w.col]))
        assert w.value == reference[w.row, w.col]
        assert np.isnan(w.partial.reshape(-1)[i:]).all()
        assert_array_equal(w.partial.reshape(-1)[:i], reference.reshape(-1)[:i])
    assert not walk.pad_mask[walk.pads[0][0] : walk.pads[0][0] + 6, walk.pads[1][0]].any()
    assert walk.pad_mask.sum() == walk.padded.size - x.size


def test_slide_relu_keeps_the_sum_before_relu():
    walk = sliding.slide(COURSE_MATRIX, PRESETS["seed_example"], relu=True)
    first = walk.at(1)
    assert (first.total, first.value) == (-4.0, 0.0)
    with pytest.raises(ValueError):
        walk.at(0)
    with pytest.raises(ValueError):
        walk.at(26)
    with pytest.raises(ValueError, match="2-D input"):
        sliding.slide(PHOTO, KERNEL)
