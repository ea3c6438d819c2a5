"""Colour ranges and colour maps of activation maps (cnnlab.viz: value_range, colorize)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from cnnlab.viz import colorize, value_range


@pytest.mark.parametrize(
    ("values", "signed", "expected"),
    [
        ([], True, (-1.0, 1.0)),  # nothing to scale: a unit range
        ([0.0, 0.0], False, (0.0, 1.0)),
        ([-3.0, -1.0], True, (-3.0, 3.0)),  # all negative: top is max |x|
        ([-2.0, 1.0], False, (0.0, 2.0)),
        ([np.nan, 1.0], True, (-1.0, 1.0)),  # NaN: the unit range, never NaN
        ([np.inf, 1.0], False, (0.0, np.inf)),
    ],
)
def test_value_range_of_small_maps(values, signed, expected):
    assert value_range(np.array(values, np.float32), signed=signed) == expected


def test_robust_range_ignores_a_few_extreme_pixels_and_never_copies_a_big_map():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(512, 512, 3)).astype(np.float32)
    x[0, :10] = 1e6  # a few hot pixels
    lo, hi = value_range(x, signed=True, robust=True)
    assert -hi == lo and 0.98 < hi <= 1.0  # the 99.5th percentile of |x|, not 1e6
    assert value_range(x, signed=True)[1] == pytest.approx(1e6)  # not robust: the max
    x.flags.writeable = False  # read-only input is fine: nothing is written to it
    value_range(x, signed=False, robust=True)


def test_colorize_three_channels_is_the_formula_and_leaves_its_input_alone():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 200, 3)).astype(np.float32)
    before = x.copy()
    _, top = value_range(x, signed=False, robust=True)
    signed = colorize(x, signed=True)
    assert signed.dtype == np.uint8 and signed.shape == x.shape
    want = np.clip(np.rint(128 + 127 * x.astype(np.float64) / top), 0, 255)
    assert np.abs(signed.astype(int) - want).max() <= 1
    absolute = colorize(x, signed=False)
    want_abs = np.clip(np.rint(255 * np.abs(x.astype(np.float64)) / top), 0, 255)
    assert np.abs(absolute.astype(int) - want_abs).max() <= 1
    assert_array_equal(x, before)


def test_colorize_flat_and_two_dimensional_maps():
    assert_array_equal(colorize(np.zeros((4, 4, 3)), signed=True), np.full((4, 4, 3), 128))
    picture = colorize(np.array([[-1.0, 0.0, 1.0]]), signed=True)
    assert picture.shape == (1, 3, 3)
    sums = picture[0].astype(int).sum(axis=1)
    assert sums.argmax() == 1  # white at 0 on the diverging scale
