"""correlate2d / convolve2d against keras.layers.Conv2D (TensorFlow backend) and SciPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.signal as sig
from numpy.testing import assert_allclose, assert_array_equal

from cnnlab.images import COURSE_MATRIX
from cnnlab.kernels import PRESETS
from cnnlab.ops import BOUNDARIES, convolve2d, correlate2d, output_size, pad_input
from cnnlab.ops._conv import _SCIPY_FROM

RNG = np.random.default_rng(0)
# The largest square that the NumPy loop takes (one more row goes to SciPy).
_LOOP_SIDE = math.isqrt(_SCIPY_FROM)
SIZES = list(range(1, 12))  # every kernel side from 1 to 11, odd and even
STRIDES = [1, 2, 3]


@pytest.fixture(scope="module")
def keras():
    import os

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("these references need the TensorFlow backend")
    return keras


def _keras_conv(keras, x, bank, *, stride, padding):
    """Conv2D without bias: x (H, W, C), bank (kh, kw, C, F) → (H', W', F)."""
    layer = keras.layers.Conv2D(
        bank.shape[3], bank.shape[:2], strides=stride, padding=padding, use_bias=False
    )
    layer.build((1, *x.shape))
    layer.set_weights([bank])
    return np.asarray(layer(x[None].astype(np.float32)))[0]


# --------------------------------------------------------------------------- the seed


def test_seed_table_exactly():
    """The notebook: correlate(A, f, mode='constant') with f = [[1, 0, -1]] * 3."""
    table = np.array(
        [
            [-4, 4, 0, 3, 4],
            [-9, 3, 1, 7, 8],
            [-10, 5, 3, 3, 7],
            [-10, -2, 3, 5, 7],
            [-5, -1, 2, 1, 3],
        ]
    )
    out = correlate2d(COURSE_MATRIX, [[1, 0, -1]] * 3, padding="same")
    assert out.dtype == np.float32
    assert_array_equal(out, table)
    assert_array_equal(correlate2d(COURSE_MATRIX, PRESETS["seed_example"]), table)
    f = np.array([[1, 0, -1]] * 3)
    assert_array_equal(out, ndi.correlate(COURSE_MATRIX.astype(int), f, mode="constant"))


# --------------------------------------------------------------------------- Keras


@pytest.mark.keras
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize("size", SIZES)
def test_single_filter_over_rgb_matches_conv2d(keras, size, stride, padding):
    x = RNG.normal(size=(13, 16, 3)).astype(np.float32)
    k = RNG.normal(size=(size, size, 3)).astype(np.float32)
    ours = correlate2d(x, k, padding=padding, stride=stride)
    ref = _keras_conv(keras, x, k[..., None], stride=stride, padding=padding)[..., 0]
    assert (
        ours.shape
        == ref.shape
        == (
            output_size(13, size, stride, padding),
            output_size(16, size, stride, padding),
        )
    )
    assert ours.dtype == np.float32
    assert_allclose(ours, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.keras
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize("size", SIZES)
def test_grayscale_2d_kernel_matches_conv2d(keras, size, stride, padding):
    x = RNG.integers(0, 256, size=(12, 11)).astype(np.uint8)
    k = RNG.normal(size=(size, size)).astype(np.float32)
    ours = correlate2d(x, k, padding=padding, stride=stride)
    ref = _keras_conv(keras, x[..., None].astype(np.float32), k[:, :, None, None],
                      stride=stride, padding=padding)[..., 0]  # fmt: skip
    assert ours.shape == ref.shape
    assert_allclose(ours, ref, rtol=1e-4, atol=1e-2)


BANKS = [(1, 1, 4), (2, 3, 5), (3, 3, 8), (4, 2, 3), (5, 3, 2), (11, 3, 6)]  # (k, C, F)


@pytest.mark.keras
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize(("size", "channels", "filters"), BANKS)
def test_filter_bank_is_a_conv_layer_without_bias(keras, size, channels, filters, stride, padding):
    x = RNG.normal(size=(14, 12, channels)).astype(np.float32)
    bank = RNG.normal(size=(size, size, channels, filters)).astype(np.float32)
    ours = correlate2d(x, bank, padding=padding, stride=stride)
    ref = _keras_conv(keras, x, bank, stride=stride, padding=padding)
    assert ours.shape == ref.shape
    assert_allclose(ours, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.keras
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8])
def test_per_channel_kernel_is_conv2d_on_each_channel(keras, size, stride, padding):
    x = RNG.normal(size=(10, 13, 3)).astype(np.float32)
    k = RNG.normal(size=(size, size)).astype(np.float32)
    ours = correlate2d(x, k, padding=padding, stride=stride)
    refs = [
        _keras_conv(keras, x[..., c : c + 1], k[:, :, None, None], stride=stride, padding=padding)
        for c in range(3)
    ]
    assert_allclose(ours, np.concatenate(refs, axis=-1), rtol=1e-4, atol=1e-4)


@pytest.mark.keras
@pytest.mark.parametrize("size", [(2, 5), (3, 1), (4, 3)])
def test_rectangular_kernels_match_conv2d(keras, size):
    x = RNG.normal(size=(9, 10, 2)).astype(np.float32)
    bank = RNG.normal(size=(*size, 2, 3)).astype(np.float32)
    for padding in ("valid", "same"):
        for stride in (1, 2):
            ours = correlate2d(x, bank, padding=padding, stride=stride)
            ref = _keras_conv(keras, x, bank, stride=stride, padding=padding)
            assert_allclose(ours, ref, rtol=1e-4, atol=1e-4)


# --------------------------------------------------------------------------- SciPy

_SCIPY_MODE = {"zeros": "constant", "reflect": "reflect", "nearest": "nearest", "wrap": "wrap"}


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("size", SIZES)
def test_same_stride_one_matches_ndimage_correlate(size, boundary):
    x = RNG.normal(size=(17, 15)).astype(np.float64)
    k = RNG.normal(size=(size, size))
    # scipy centres an even kernel one pixel later than TensorFlow's "same": origin -1.
    origin = -1 if size % 2 == 0 else 0
    ref = ndi.correlate(x, k, mode=_SCIPY_MODE[boundary], origin=origin)
    ours = correlate2d(x, k, padding="same", boundary=boundary)
    assert_allclose(ours, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("size", [2, 3, 4])
@pytest.mark.parametrize("shape", [(_LOOP_SIDE, _LOOP_SIDE), (_LOOP_SIDE + 1, _LOOP_SIDE),
                                   (150, 150, 3)])  # fmt: skip
def test_small_and_large_images_match_ndimage_on_both_paths(shape, size, boundary, padding):
    """Up to _SCIPY_FROM values the NumPy loop runs, above it SciPy: both give SciPy's map."""
    x = RNG.normal(size=shape)
    k = RNG.normal(size=(size, size))
    origin = -1 if size % 2 == 0 else 0
    ref = np.stack(
        [
            ndi.correlate(x[..., c] if x.ndim == 3 else x, k, mode=_SCIPY_MODE[boundary],
                          origin=origin)
            for c in range(x.shape[2] if x.ndim == 3 else 1)
        ],
        axis=-1,
    )  # fmt: skip
    ref = ref if x.ndim == 3 else ref[..., 0]
    if padding == "valid":
        top = (size - 1) // 2
        ref = ref[top : top + shape[0] - size + 1, top : top + shape[1] - size + 1]
    assert_allclose(correlate2d(x, k, padding=padding, boundary=boundary), ref, atol=1e-4)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("size", [1, 3, 5, 7, 11])
def test_convolve_matches_ndimage_convolve(size, boundary):
    x = RNG.normal(size=(14, 16, 3))
    k = RNG.normal(size=(size, size))
    ours = convolve2d(x, k, padding="same", boundary=boundary)
    for c in range(3):
        ref = ndi.convolve(x[..., c], k, mode=_SCIPY_MODE[boundary])
        assert_allclose(ours[..., c], ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize("size", SIZES)
def test_valid_with_stride_is_a_subsampled_ndimage_map(size, stride):
    x = RNG.normal(size=(19, 18))
    k = RNG.normal(size=(size, size))
    full_map = ndi.correlate(x, k, mode="constant")
    c = size // 2  # where scipy puts the kernel's anchor
    out_h, out_w = output_size(19, size, stride, "valid"), output_size(18, size, stride, "valid")
    ref = full_map[
        c : c + stride * (out_h - 1) + 1 : stride, c : c + stride * (out_w - 1) + 1 : stride
    ]
    assert_allclose(correlate2d(x, k, padding="valid", stride=stride), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(("boundary", "scipy_boundary"), [("zeros", "fill"), ("reflect", "symm"),
                                                         ("wrap", "wrap")])  # fmt: skip
@pytest.mark.parametrize("size", [1, 2, 3, 4, 6, 7])
def test_full_matches_scipy_signal(size, boundary, scipy_boundary):
    x = RNG.normal(size=(9, 8))
    k = RNG.normal(size=(size, size))
    ref = sig.correlate2d(x, k, mode="full", boundary=scipy_boundary)
    ours = correlate2d(x, k, padding="full", boundary=boundary)
    assert ours.shape == (8 + size, 7 + size)
    assert_allclose(ours, ref, rtol=1e-4, atol=1e-4)
    assert_allclose(convolve2d(x, k, padding="full", boundary=boundary),
                    sig.convolve2d(x, k, mode="full", boundary=scipy_boundary),
                    rtol=1e-4, atol=1e-4)  # fmt: skip


def test_full_nearest_pads_with_edge_pixels():
    x = np.arange(6.0).reshape(2, 3)
    out = correlate2d(x, np.ones((1, 2)), padding="full", boundary="nearest")
    # row 0 padded: 0 | 0 1 2 | 2 → pair sums 0, 1, 3, 4
    assert_array_equal(out[0], [0, 1, 3, 4])


# --------------------------------------------------------------------------- properties


def test_identity_and_symmetric_kernels():
    x = RNG.normal(size=(8, 9, 3)).astype(np.float32)
    assert_array_equal(correlate2d(x, PRESETS["identity"]), x)
    lap = PRESETS["laplacian"]
    assert_allclose(correlate2d(x, lap), convolve2d(x, lap), atol=1e-6)
    edge = PRESETS["sobel_x"]
    assert_allclose(correlate2d(x, edge), -convolve2d(x, edge), atol=1e-5)


def test_sum_over_channels_equals_sum_of_per_channel_maps():
    x = RNG.normal(size=(7, 8, 3)).astype(np.float32)
    k = RNG.normal(size=(3, 3, 3)).astype(np.float32)
    per = sum(correlate2d(x[..., c], k[..., c]) for c in range(3))
    assert_allclose(correlate2d(x, k), per, atol=1e-5)


def test_grey_image_with_one_channel_bank():
    x = RNG.normal(size=(6, 6)).astype(np.float32)
    bank = RNG.normal(size=(3, 3, 1, 4)).astype(np.float32)
    out = correlate2d(x, bank)
    assert out.shape == (6, 6, 4)
    assert_allclose(out[..., 2], correlate2d(x, bank[:, :, 0, 2]), atol=1e-5)


def test_pad_input_places_windows_like_correlate2d():
    x = RNG.normal(size=(6, 7))
    k = RNG.normal(size=(4, 3))
    for padding in ("valid", "same", "full"):
        for stride in (1, 2):
            p = pad_input(x, k.shape, padding=padding, stride=stride, boundary="reflect")
            out = correlate2d(x, k, padding=padding, stride=stride, boundary="reflect")
            assert out.shape == p.out_shape
            r, c = p.out_shape[0] - 1, p.out_shape[1] - 1
            window = p.array[r * stride : r * stride + 4, c * stride : c * stride + 3]
            assert out[r, c] == pytest.approx(float((window * k).sum()), abs=1e-4)


def test_output_is_float32_for_every_input_dtype():
    for dtype in (np.uint8, np.int32, np.float64, bool):
        x = (RNG.random((5, 5)) > 0.5).astype(dtype)
        assert correlate2d(x, np.ones((2, 2), np.float64)).dtype == np.float32


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"padding": "circular"}, "padding must be one of"),
        ({"boundary": "mirror"}, "boundary must be one of"),
        ({"stride": 0}, "stride must be a positive integer, got 0"),
        ({"stride": 1.5}, "stride must be a positive integer"),
    ],
)
def test_bad_options_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        correlate2d(np.ones((5, 5)), np.ones((3, 3)), **kwargs)


def test_bad_shapes_raise_value_error():
    with pytest.raises(ValueError, match=r"kernel must be .* got shape \(3,\)"):
        correlate2d(np.ones((5, 5)), np.ones(3))
    with pytest.raises(ValueError, match=r"image must be \(H, W\) or \(H, W, C\)"):
        correlate2d(np.ones(5), np.ones((3, 3)))
    with pytest.raises(ValueError, match="expects 3 input channels"):
        correlate2d(np.ones((5, 5, 1)), np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="larger than the input side"):
        correlate2d(np.ones((3, 3)), np.ones((5, 5)), padding="valid")
    with pytest.raises(ValueError, match="finite"):
        correlate2d(np.ones((3, 3)), [[np.nan]])
    with pytest.raises(ValueError, match="numeric"):
        correlate2d(np.ones((3, 3)), [["a"]])
