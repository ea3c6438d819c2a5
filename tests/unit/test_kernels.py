"""Preset kernels, kernel editing helpers (parse, format, normalise, resize)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from numpy.testing import assert_allclose, assert_array_equal

from cnnlab import kernels as K
from cnnlab.ops import correlate2d
from dashboard.i18n import LANGS, catalog

REQUIRED = [
    "identity", "box_blur", "gaussian", "sharpen", "seed_vertical_edges",
    "seed_horizontal_edges", "seed_outline", "sobel_x", "sobel_y", "prewitt_x", "prewitt_y",
    "laplacian", "emboss",
]  # fmt: skip


def test_required_presets_exist_with_a_description_in_both_languages():
    for name in REQUIRED:
        assert name in K.PRESETS
    for name, kernel in K.PRESETS.items():
        assert kernel.dtype == np.float32 and kernel.ndim == 2
        assert K.DETECTS[name].strip()
        for code in LANGS:
            assert catalog(code)[f"kernels.preset_{name}"].strip()
            assert catalog(code)[f"kernels.detects_{name}"].strip()


def test_seed_kernels_are_the_notebooks():
    assert_array_equal(K.PRESETS["seed_example"], [[1, 0, -1]] * 3)
    assert_array_equal(K.PRESETS["seed_vertical_edges"], [[-1, 0, 1]] * 3)
    assert_array_equal(K.PRESETS["seed_horizontal_edges"], [[-1, -1, -1], [0, 0, 0], [1, 1, 1]])
    assert_array_equal(K.PRESETS["seed_outline"], [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])


def test_presets_are_read_only_but_preset_returns_a_copy():
    with pytest.raises(ValueError):
        K.PRESETS["sobel_x"][0, 0] = 5
    k = K.preset("sobel_x")
    k[0, 0] = 5
    assert K.PRESETS["sobel_x"][0, 0] == -1


def test_edge_kernels_find_the_right_edges():
    img = np.zeros((9, 9), np.float32)
    img[:, 5:] = 1  # a vertical edge between columns 4 and 5
    vx = correlate2d(img, K.PRESETS["seed_vertical_edges"], padding="valid")
    hy = correlate2d(img, K.PRESETS["seed_horizontal_edges"], padding="valid")
    assert np.abs(vx).max() == 3 and np.abs(hy).max() == 0
    assert np.abs(correlate2d(img.T, K.PRESETS["sobel_y"], padding="valid")).max() == 4


@pytest.mark.parametrize("name", ["box_blur", "gaussian", "sharpen", "identity"])
def test_smoothing_kernels_keep_brightness(name):
    assert K.PRESETS[name].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["seed_outline", "laplacian", "sobel_x", "prewitt_y"])
def test_edge_kernels_sum_to_zero(name):
    assert K.PRESETS[name].sum() == 0
    with pytest.raises(ValueError, match="sum to 0"):
        K.normalise(K.PRESETS[name])


@pytest.mark.parametrize("size", range(1, 12))
def test_resizable_presets_at_every_size(size):
    assert K.preset("box_blur", size).sum() == pytest.approx(1.0, abs=1e-5)
    assert K.preset("gaussian", size).sum() == pytest.approx(1.0, abs=1e-5)
    ident = K.preset("identity", size)
    x = np.random.default_rng(size).normal(size=(12, 12))
    assert_allclose(correlate2d(x, ident), x, atol=1e-6)  # identity at every size


def test_gaussian_is_binomial_and_sigma_option():
    assert_allclose(K.gaussian(5)[2] * 256, [6, 24, 36, 24, 6], atol=1e-4)
    g = K.gaussian(7, sigma=1.0)
    assert g[3, 3] == g.max() and g.sum() == pytest.approx(1)


def test_fixed_presets_refuse_other_sizes_and_unknown_names():
    with pytest.raises(ValueError, match="only as 3×3"):
        K.preset("sobel_x", 5)
    with pytest.raises(ValueError, match="unknown kernel 'nope'"):
        K.preset("nope")
    with pytest.raises(ValueError, match="from 1 to 11, got 12"):
        K.identity(12)


def test_random_kernel_is_reproducible_and_integer():
    a, b = K.random_kernel(5, seed=3), K.random_kernel(5, seed=3)
    assert_array_equal(a, b)
    assert a.shape == (5, 5) and np.all(a == np.round(a)) and np.abs(a).max() <= 3


def test_normalise_divides_by_the_sum():
    assert_allclose(K.normalise([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]]) / 10)


@pytest.mark.parametrize(
    ("cell", "value"),
    [("1", 1.0), (" -2 ", -2.0), ("0.5", 0.5), ("1/9", 1 / 9), ("2,5", 2.5), ("−1", -1.0),
     (3, 3.0), (0.25, 0.25), ("1e-2", 0.01)],
)  # fmt: skip
def test_parse_cell_accepts_numbers(cell, value):
    assert K.parse_cell(cell) == pytest.approx(value)


@pytest.mark.parametrize("cell", [None, "", "  ", "abc", "1/0", "nan", "inf", float("nan"), True])
def test_parse_cell_refuses_empty_and_non_numbers(cell):
    with pytest.raises(ValueError):
        K.parse_cell(cell)


def test_parse_grid_names_the_bad_cell():
    with pytest.raises(ValueError, match=r"row 2, column 3: 'x' is not a number"):
        K.parse_grid([["1", "2", "3"], ["4", "5", "x"], ["7", "8", "9"]])
    with pytest.raises(ValueError, match="row 1, column 1: empty cell"):
        K.parse_grid([[None]])
    with pytest.raises(ValueError, match="square grid"):
        K.parse_grid([["1", "2"]])
    assert_array_equal(K.parse_grid([["1", "1/2"], [0, "-3"]]), [[1, 0.5], [0, -3]])


def test_format_cell_round_trips_every_preset():
    for name in K.PRESETS:
        for size in (3, 5) if name in K.RESIZABLE else (3,):
            k = K.preset(name, size)
            back = K.parse_grid([[K.format_cell(v) for v in row] for row in k])
            assert_allclose(back, k, rtol=1e-6)


def test_fit_centres_a_small_kernel():
    big = K.fit(K.PRESETS["sobel_x"], 5)
    assert big.shape == (5, 5)
    x = np.random.default_rng(0).normal(size=(9, 9))
    assert_allclose(correlate2d(x, big), correlate2d(x, K.PRESETS["sobel_x"]), atol=1e-5)
    with pytest.raises(ValueError, match="does not fit"):
        K.fit(np.ones((5, 5)), 3)


_CELLS = hs.one_of(
    hs.text(max_size=12),
    hs.floats(allow_nan=True, allow_infinity=True),
    hs.floats(allow_nan=True, allow_infinity=True).map(str),
    hs.integers(min_value=-(10**400), max_value=10**400),
    hs.sampled_from(["1e39", "-1e308", "inf", "-inf", "nan", "1/0", "1e308/1e-308", "2,5"]),
)


@given(cells=hs.lists(_CELLS, min_size=4, max_size=4))
@settings(max_examples=300, deadline=None, database=None)
def test_parse_grid_gives_finite_float32_or_a_value_error_naming_the_cell(cells):
    """Any typed cells: a finite float32 kernel, or a ValueError that names the first
    bad cell's place and quotes it; never inf, nan or an OverflowError."""
    grid = [cells[:2], cells[2:]]
    try:
        out = K.parse_grid(grid)
    except ValueError as err:
        bad = K.first_bad_cell(grid)
        assert bad is not None
        row, col, value, _problem = bad
        assert str(err).startswith(f"row {row}, column {col}: ")
        if K.cell_problem(value) != "empty":
            assert repr(value)[:20] in str(err)
        return
    assert out.dtype == np.float32 and out.shape == (2, 2)
    assert np.isfinite(out).all() and (np.abs(out) <= K.MAX_WEIGHT).all()
    assert K.first_bad_cell(grid) is None


@pytest.mark.parametrize(
    "cell", ["1e39", "1e308", "-1e39", 1e39, "1e308/1e-308", 10**400, np.float64(-1e300)]
)
def test_parse_cell_refuses_numbers_that_overflow_float32(cell):
    with pytest.raises(ValueError, match="too large for a float32 kernel") as err:
        K.parse_cell(cell)
    assert repr(cell)[:20] in str(err.value)  # the value received is quoted
    assert K.cell_problem(cell) == "too_large"


def test_parse_grid_never_gives_infinity():
    with pytest.raises(ValueError, match=r"row 1, column 1: '1e39' is too large"):
        K.parse_grid([["1e39"]])
    big = K.parse_grid([["3e38", "-3.4e38"], ["1", "0"]])  # still float32, still finite
    assert np.isfinite(big).all() and big.dtype == np.float32


@pytest.mark.parametrize(
    ("cell", "problem"),
    [(None, "empty"), ("", "empty"), ("  ", "empty"), ("nan", "empty"), ("abc", "not_number"),
     ("1/0", "not_number"), ("inf", "too_large"), ("2,5", None), (3, None)],
)  # fmt: skip
def test_cell_problem_names_what_is_wrong(cell, problem):
    assert K.cell_problem(cell) == problem


def test_first_bad_cell_is_one_based_and_row_by_row():
    assert K.first_bad_cell([["1", "2"], ["3", "4"]]) is None
    assert K.first_bad_cell([["1", "x"], ["", "4"]]) == (1, 2, "x", "not_number")
    assert K.first_bad_cell([["1", "2"], ["1e99", "4"]]) == (2, 1, "1e99", "too_large")


def test_parse_flat_reads_a_link_and_refuses_nonsense():
    assert_array_equal(K.parse_flat("-1,0,1,-1,0,1,-1,0,1"), K.PRESETS["seed_vertical_edges"])
    assert K.parse_flat("1/9," * 8 + "1/9").dtype == np.float32
    for bad in ("", "1,2", "abc", "1e308", ",".join(["1"] * 144), "1,,2,3"):
        with pytest.raises(ValueError):
            K.parse_flat(bad)


def test_format_cell_never_overflows():
    assert (K.format_cell(np.inf), K.format_cell(-np.inf), K.format_cell(np.nan)) == (
        "inf", "-inf", "nan",
    )  # fmt: skip
    assert K.format_cell(3e38) == str(int(np.float64(3e38)))


def test_resize_keeps_the_centre():
    outline = K.PRESETS["seed_outline"]
    assert_array_equal(K.resize(outline, 5), K.fit(outline, 5))
    assert_array_equal(K.resize(outline, 1), [[8]])
    assert K.resize(np.ones((5, 5)), 2).shape == (2, 2)
    with pytest.raises(ValueError):
        K.resize(outline, 12)


def test_is_preset_and_match_preset():
    assert K.match_preset(K.PRESETS["sobel_x"]) == "sobel_x"
    assert K.match_preset(K.box(7)) == "box_blur"
    assert K.match_preset(K.fit(K.PRESETS["sobel_x"], 5)) is None  # 3×3-only presets
    assert K.match_preset(np.ones((2, 3))) is None
    assert K.is_preset(K.preset("gaussian", 5), "gaussian")
    assert not K.is_preset(K.PRESETS["sobel_x"], "nope")
