"""pool2d / global_pool2d against the Keras pooling layers (TensorFlow backend)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from cnnlab.ops import global_pool2d, output_size, pool2d, pool_windows


@pytest.fixture(scope="module")
def keras():
    import os

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("these references need the TensorFlow backend")
    return keras


def _keras_pool(keras, x, *, size, stride, mode, padding):
    layer_cls = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    layer = layer_cls(pool_size=size, strides=stride, padding=padding)
    batch = x[None] if x.ndim == 3 else x[None, :, :, None]
    out = np.asarray(layer(batch.astype(np.float32)))[0]
    return out if x.ndim == 3 else out[:, :, 0]


RNG = np.random.default_rng(0)

# (shape, size, stride): odd and even sides, overlapping, disjoint and gapped windows.
CASES = [
    ((8, 8), 2, None),
    ((7, 9), 2, None),
    ((7, 9), 3, None),
    ((7, 9), 3, 2),
    ((7, 9), 3, 1),
    ((10, 11), 2, 3),
    ((10, 11), (2, 3), (1, 2)),
    ((5, 13, 3), 2, None),
    ((6, 5, 4), 3, 2),
    ((1, 7), 1, 2),
    ((9, 9, 2), 4, 4),
]


@pytest.mark.keras
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("shape,size,stride", CASES)
def test_pool2d_matches_keras(keras, shape, size, stride, mode, padding):
    x = RNG.normal(size=shape).astype(np.float32)
    ours = pool2d(x, size=size, stride=stride, mode=mode, padding=padding)
    ref = _keras_pool(keras, x, size=size, stride=stride, mode=mode, padding=padding)
    assert ours.shape == ref.shape
    assert ours.dtype == np.float32
    assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)


@pytest.mark.keras
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_seed_shapes_306x461_three_times(keras, mode):
    """The seed's apply_pooling: 306×461 → 153×230 → 76×115 → 38×57, numbers included."""
    ours = RNG.normal(size=(306, 461)).astype(np.float32)
    ref = ours.copy()
    shapes = []
    for _ in range(3):
        ours = pool2d(ours, size=2, mode=mode)
        ref = _keras_pool(keras, ref, size=2, stride=None, mode=mode, padding="valid")
        assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)
        shapes.append(ours.shape)
    assert shapes == [(153, 230), (76, 115), (38, 57)]


@pytest.mark.keras
def test_avg_same_counts_only_real_pixels(keras):
    x = np.ones((5, 5), np.float32)
    ours = pool2d(x, size=2, mode="avg", padding="same")
    assert_array_equal(ours, np.ones((3, 3)))  # padding would pull the edge below 1
    ref = _keras_pool(keras, x, size=2, stride=None, mode="avg", padding="same")
    assert_allclose(ours, ref)


@pytest.mark.keras
def test_max_same_pads_with_minus_infinity(keras):
    x = -np.arange(1, 26, dtype=np.float32).reshape(5, 5)  # all negative: zero padding would win
    ours = pool2d(x, size=2, mode="max", padding="same")
    assert ours.max() < 0
    assert_allclose(ours, _keras_pool(keras, x, size=2, stride=None, mode="max", padding="same"))


@pytest.mark.keras
@pytest.mark.parametrize("shape", [(7, 9, 3), (4, 4, 1), (11, 6, 5)])
def test_global_pooling_matches_keras(keras, shape):
    x = RNG.normal(size=shape).astype(np.float32)
    batch = x[None]
    gap = np.asarray(keras.layers.GlobalAveragePooling2D()(batch))[0]
    gmp = np.asarray(keras.layers.GlobalMaxPooling2D()(batch))[0]
    assert_allclose(global_pool2d(x, mode="avg"), gap, rtol=1e-6, atol=1e-6)
    assert_allclose(global_pool2d(x, mode="max"), gmp, rtol=1e-6)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("shape,size,stride", [((7, 9), 3, 2), ((10, 11), 2, 3), ((5, 5), 2, 1)])
def test_windows_describe_every_output_cell(shape, size, stride, padding):
    x = RNG.integers(0, 9, size=shape)
    mx = pool2d(x, size=size, stride=stride, mode="max", padding=padding)
    av = pool2d(x, size=size, stride=stride, mode="avg", padding=padding)
    win = pool_windows(shape, size=size, stride=stride, padding=padding)
    assert (len(win), len(win[0])) == mx.shape
    assert mx.shape == (
        output_size(shape[0], size, stride, padding),
        output_size(shape[1], size, stride, padding),
    )
    for r, row in enumerate(win):
        for c, (r0, r1, c0, c1) in enumerate(row):
            assert mx[r, c] == x[r0:r1, c0:c1].max()
            assert_allclose(av[r, c], x[r0:r1, c0:c1].mean(), rtol=1e-6)


def test_integer_input_is_exact_and_2d_stays_2d():
    x = np.array([[0, 255, 3], [7, 9, 200]], np.uint8)
    assert_array_equal(pool2d(x, size=2, padding="same"), [[255, 200]])
    assert pool2d(x, size=1).shape == (2, 3)


def test_seed_numbers_by_hand():
    a = np.array([[4, 1, 7, 2], [8, 3, 1, 2], [6, 5, 7, 4], [2, 2, 3, 1]])
    assert_array_equal(pool2d(a, mode="max"), [[8, 7], [6, 7]])
    assert_array_equal(pool2d(a, mode="avg"), [[4, 3], [3.75, 3.75]])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"mode": "min"}, "mode"),
        ({"padding": "full"}, "padding"),
        ({"size": 0}, "size"),
        ({"size": (2, 2, 2)}, "size"),
        ({"stride": -1}, "stride"),
        ({"size": 2.5}, "size"),
        ({"size": 9}, "larger than the input"),
    ],
)
def test_bad_arguments_raise_value_error_quoting_the_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pool2d(np.zeros((4, 4)), **kwargs)


@pytest.mark.parametrize("x", [np.zeros(4), np.zeros((2, 2, 2, 2)), np.zeros((0, 3)), [["a"]]])
def test_bad_shapes_raise(x):
    with pytest.raises(ValueError):
        pool2d(x)
    with pytest.raises(ValueError):
        global_pool2d(x)


# ---------------------------------------------------------------- cnnlab.pooling ----
from cnnlab import pooling as P  # noqa: E402
from cnnlab import viz as V  # noqa: E402


def test_pool_steps_is_the_seeds_apply_pooling_and_stops_when_nothing_is_left():
    steps = P.pool_steps(np.ones((306, 461)), 5, mode="avg")
    assert [s.shape for s in steps] == [(153, 230), (76, 115), (38, 57), (19, 28), (9, 14)]
    assert [s.shape for s in P.pool_steps(np.ones((5, 5)), 5, padding="same")] == [
        (3, 3),
        (2, 2),
        (1, 1),
    ]
    with pytest.raises(ValueError, match="k must be"):
        P.pool_steps(np.ones((4, 4)), 0)


def test_fewer_pixels_and_head_params():
    assert P.fewer_pixels((100, 100), (50, 50)) == pytest.approx(0.75)
    assert P.fewer_pixels((5, 5), (3, 3)) == pytest.approx(0.64)
    # The notebook's Dense(128) after Flatten of (9, 9, 64): 663,680 parameters (its summary).
    assert P.head_params((9, 9, 64), 128) == {"flatten": 663_680, "global": 8_320}


def test_fit_to_gives_the_seed_shape_from_any_photo():
    for shape in [(512, 512), (300, 451, 3), (100, 900)]:
        out = P.fit_to(np.zeros(shape, np.uint8), P.COURSE_PHOTO_SHAPE)
        assert out.shape[:2] == P.COURSE_PHOTO_SHAPE and out.dtype == np.uint8


@pytest.mark.parametrize(
    "text,match",
    [
        ("", "empty"),
        ("1 2\n3", "same number"),
        ("1 2\n3 x", "row 2"),
        ("1 nan", "finite"),
        ("\n".join(["1 " * 11] * 2), "at most"),
    ],
)
def test_parse_matrix_rejects_bad_text_clearly(text, match):
    with pytest.raises(ValueError, match=match):
        P.parse_matrix(text)


def test_parse_matrix_reads_commas_semicolons_and_brackets():
    assert_array_equal(P.parse_matrix("[[1, 2], [3, 4]]"), [[1, 2], [3, 4]])
    assert_array_equal(P.parse_matrix("1 2; 3 4"), [[1, 2], [3, 4]])


def test_shift_change_follows_its_definition():
    x = RNG.normal(size=(40, 50))
    r = P.shift_change(x, max_shift=3, direction="xy", size=2, steps=2, margin=1)
    inner = x[1:-1, 1:-1]
    h, w = inner.shape[0] - 3, inner.shape[1] - 3
    base, moved = inner[:h, :w], inner[2 : 2 + h, 2 : 2 + w]

    def pooled(a):
        return pool2d(pool2d(a, mode="max"), mode="max")

    expected = np.mean(np.abs(pooled(moved) - pooled(base))) / np.mean(np.abs(pooled(base)))
    assert r.change["max"][2] == pytest.approx(expected, rel=1e-6)
    assert r.change["map"][0] == 0 and r.shapes["subsample"] == base[::4, ::4].shape
    with pytest.raises(ValueError, match="too small"):
        P.shift_change(np.ones((6, 6)), max_shift=4)


def test_max_pooling_is_more_shift_robust_than_the_map_on_an_edge_map():
    from cnnlab.images import sample

    img = P.fit_to(sample("camera", gray=True), P.COURSE_PHOTO_SHAPE)
    edges = np.asarray(P.feature_stack(img, {"e": P.COURSE_EDGE_KERNEL}, relu=False))[:, :, 0]
    r = P.shift_change(edges, steps=3, margin=2)
    assert r.change["max"][1] < 0.25 * r.change["map"][1]
    assert r.change["subsample"][1] > 0.8 * r.change["map"][1]


def test_feature_stack_matches_scipy_per_kernel():
    from scipy.ndimage import correlate

    img = RNG.integers(0, 255, size=(12, 15)).astype(np.float32)
    stack = P.feature_stack(img, relu=False)
    assert stack.shape == (12, 15, len(P.FEATURE_BANK))
    for i, k in enumerate(P.FEATURE_BANK.values()):
        ref = correlate(img.astype(np.float64), k.astype(np.float64), mode="constant")
        assert_allclose(stack[:, :, i], ref, rtol=1e-5, atol=1e-3)
    assert (P.feature_stack(img) >= 0).all()


# ------------------------------------------------------ cnnlab.viz (pooling) ----
def test_matrix_figure_outlines_every_window_in_its_own_colour():
    fig = V.matrix_figure(np.arange(36).reshape(6, 6), size=2, stride=2)
    rects = fig.layout.shapes
    assert len(rects) == 9 * 3  # input + max + avg for each of the 3×3 windows
    assert len({r.line.color for r in rects}) == 9
    heat = [d for d in fig.data if d.type == "heatmap"]
    assert heat[2].text[0] == ("7", "9", "11") or list(heat[2].text[0]) == ["7", "9", "11"]


def test_image_trace_keeps_pixel_coordinates():
    """One PNG pixel per map pixel (the browser draws them unsmoothed: zsmooth off), the
    axes counting the map's pixels; a map over 1024 px is subsampled for display."""
    x = np.arange(38 * 57, dtype=float).reshape(38, 57)
    tr = V.image_trace(x, 0, x.max())
    assert tr.zsmooth is False and (tr.x0, tr.y0, tr.dx, tr.dy) == (0, 0, 1, 1)
    assert _decoded(tr.source).shape == (38, 57)
    big = V.image_trace(np.zeros((3000, 10)), 0, 1)  # subsampled for display
    assert big.dx == pytest.approx(3) and big.x0 == pytest.approx(1)
    assert _decoded(big.source).shape == (1000, 4)


def _decoded(uri: str) -> np.ndarray:
    import base64
    import io

    from PIL import Image

    head, data = uri.split(",", 1)
    assert head == "data:image/png;base64"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))


def test_png_uri_sends_grey_as_one_channel_and_colours_as_rgb():
    """Grey maps go to the browser as one-channel PNGs (level v is shown as (v, v, v));
    colour scales as RGB from the scale's table; both enlarged pixel by pixel."""
    from cnnlab.viz import colormap

    x = np.array([[0.0, 0.25], [0.5, 1.0]])
    grey = _decoded(V.png_uri(x, 0.0, 1.0, "gray", upscale=3))
    levels = np.array([[0, 64], [128, 255]])
    assert grey.shape == (6, 6)
    assert np.abs(grey[::3, ::3].astype(int) - levels).max() <= 1
    assert (grey == np.kron(grey[::3, ::3], np.ones((3, 3), np.uint8))).all()
    blues = _decoded(V.png_uri(x, 0.0, 1.0, "Blues"))
    assert blues.shape == (2, 2, 3)
    assert (blues == colormap("Blues")[grey[::3, ::3]]).all()


def test_pooling_figures_are_valid_plotly_figures():
    """The builders skip Plotly's validation of their last edit (sizes and fonts); a
    validating Figure built from what they return must take it unchanged."""
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    x = np.random.default_rng(0).random((12, 12))
    figures = [
        V.steps_figure([[x, x[::2, ::2]], [x]], [["a", "b"], ["c"]], [(0, 1, "gray")] * 2),
        V.matrix_figure(np.arange(25).reshape(5, 5), size=2, padding="same"),
        V.shift_figure(
            [0, 1, 2],
            {"input": [0, 0.5, 1], "max": [0, 0.1, 0.2]},
            x_title="shift",
            y_title="change",
        ),  # fmt: skip
        V.global_bars_figure(["c0", "c1"], {"GAP": [1.0, 2.0], "GMP": [0.5, 1.5]}, y_title="v"),
    ]
    for fig in figures:  # JSON: the same under Plotly 5 (numpy arrays) and 6 (lists)
        validated = json.loads(pio.to_json(go.Figure(fig.to_dict())))
        assert validated == json.loads(pio.to_json(fig))


def _json(fig) -> dict:
    import json

    import plotly.io as pio

    return json.loads(pio.to_json(fig))


@pytest.mark.parametrize(
    "shape",
    [((1, 1), None, None), ((3, 3), None, None), ((3, 2), [2, 3], None),
     ((1, 3), [1, 1, 0], None), ((2, 3), [1, 2, 2], None), ((1, 3), None, [7, 3.6, 3.6]),
     ((5, 3), None, None)],
)  # fmt: skip
def test_the_plain_grid_is_the_one_make_subplots_builds(shape):
    """Pooling's figures are laid out from plain dicts (a fifth of the time of Plotly's
    objects); the layout and the trace placement must be make_subplots' and add_trace's,
    empty titles (a ragged grid) included."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from cnnlab.viz import _pooling

    (rows, cols), lengths, widths = shape  # lengths: titled cells per column
    titles = [f"t{i}" if lengths is None or i // cols < lengths[i % cols] else ""
              for i in range(rows * cols)]  # fmt: skip
    spacing = {"horizontal_spacing": 0.04 if widths else 0.02, "column_widths": widths,
               "vertical_spacing": min(0.12, 0.35 / rows)}  # fmt: skip
    ref = make_subplots(rows=rows, cols=cols, subplot_titles=titles, **spacing)
    plain = _pooling._subplots(rows, cols, titles, **spacing)
    data = []
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            ref.add_trace(go.Image(source="data:,", dx=r, dy=c), row=r, col=c)
            data.append(_pooling._cell("image", {"source": "data:,", "dx": r, "dy": c}, r, c, cols))
    assert _json(go.Figure({"data": data, "layout": plain}, _validate=False)) == _json(ref)


def test_steps_figure_matches_a_plotly_built_one():
    """steps_figure against the same figure built with Plotly's validating API
    (make_subplots, add_trace), then sized alike."""
    from plotly.subplots import make_subplots

    from cnnlab.viz import _pooling

    x = np.random.default_rng(1).random((40, 60))
    cols: list[list[np.ndarray]] = [[x, x[::2, ::2], x[::4, ::4]], [x, x[::2, ::2]]]
    names = [["a", "b", "c"], ["d", "e"]]
    scales = [(0.0, 1.0, "gray"), (0.2, 0.8, "Inferno")]
    got = V.steps_figure(cols, names, scales, font_size=18, width=700, hover="px %{x}")
    ref = make_subplots(
        rows=3, cols=2, subplot_titles=["a", "d", "b", "e", "c", ""],
        horizontal_spacing=0.02, vertical_spacing=min(0.12, 0.35 / 3),
    )  # fmt: skip
    for c, col in enumerate(cols):
        for r, arr in enumerate(col):
            ref.add_trace(V.image_trace(arr, *scales[c], hover="px %{x}"), row=r + 1, col=c + 1)
    row_height = int(700 / 2 * min(40 / 60, 1.5)) + 3 * 18
    bare = _pooling._BARE
    assert _json(got) == _json(_pooling._frame(ref, 18, row_height * 3 + 40, bare, bare))


def test_grey_range_clips_big_maps_only():
    from cnnlab import pooling as P

    small = np.arange(9.0).reshape(3, 3)
    assert P.grey_range(small) == (0.0, 8.0)
    big = np.arange(1600.0).reshape(40, 40)
    big[0, 0] = -1e6  # one extreme pixel does not set the scale of a big map
    lo, hi = P.grey_range(big)
    assert 0 < lo < 10 and 1590 < hi < 1599
    assert P.grey_range(np.full((2, 2), 5.0)) == (5.0, 5.000001)
    with pytest.raises(ValueError):
        P.grey_range(np.zeros((0, 3)))


def test_step_differences_and_their_scale():
    from cnnlab import pooling as P

    x = np.random.default_rng(1).normal(size=(40, 40))
    mx = P.pool_steps(x, 2, mode="max")
    av = P.pool_steps(x, 2, mode="avg")
    diffs, top = P.step_differences(mx, av, big=False)
    assert all((d >= 0).all() for d in diffs)
    assert top == max(float(d.max()) for d in diffs)
    _, clipped = P.step_differences(mx, av, big=True)
    assert clipped <= top
    assert P.step_differences([np.ones((2, 2))], [np.ones((2, 2))], big=False)[1] == 1.0
    with pytest.raises(ValueError):
        P.step_differences(mx, av[:1], big=False)


def test_peak_patch_centres_the_strongest_response_inside_the_frame():
    from cnnlab import pooling as P

    x = np.zeros((30, 40))
    x[0, 0] = 100  # on the frame: ignored (zero padding lights up borders)
    x[12, 25] = -9  # the strongest inside
    patch, r0, c0 = P.peak_patch(x, 2)
    assert patch.shape == (6, 6) and (r0, c0) == (9, 22)
    assert patch[3, 3] == -9
    patch, r0, c0 = P.peak_patch(x, 5)  # a bigger window, a bigger patch (at most 10)
    assert patch.shape == (10, 10)
    tiny = np.arange(16.0).reshape(4, 4) / 3
    patch, r0, c0 = P.peak_patch(tiny, 2)
    assert patch.shape == (4, 4) and (r0, c0) == (0, 0)
    assert_allclose(patch, np.round(tiny, 2))


def test_centre_crop():
    from cnnlab import pooling as P

    x = np.arange(3000 * 4).reshape(4, 3000)
    out = P.centre_crop(x, 1024)
    assert out.shape == (4, 1024) and out[0, 0] == x[0, 988]
    assert P.centre_crop(x[:, :10], 1024).shape == (4, 10)


def test_big_type_gets_room_above_the_titles_for_the_mode_bar():
    """Projector type (22 px) ran under the mode bar's camera: the top margin grows with
    the type size, and normal type keeps its 50 px."""
    x = np.zeros((10, 10))
    tops = [V.steps_figure([[x]], [["a long title"]], [(0, 1, "gray")], font_size=size)
            .layout.margin.t for size in (14, 22)]  # fmt: skip
    assert tops[0] == 50 and tops[1] >= 3 * 22 + 4


def test_the_plain_grid_carries_the_default_template_of_the_moment(monkeypatch):
    """Importing Streamlit changes Plotly's default template: a grid built afterwards
    carries the new one, as make_subplots' would."""
    import plotly.io as pio
    from plotly.subplots import make_subplots

    from cnnlab.viz import _pooling

    for name in ("plotly", "simple_white"):
        monkeypatch.setattr(pio.templates, "default", name)
        ref = make_subplots(rows=1, cols=2, subplot_titles=["a", "b"]).to_dict()["layout"]
        assert _pooling._subplots(1, 2, ["a", "b"])["template"] == _json_of(ref["template"])


def _json_of(value):
    import json

    from plotly.utils import PlotlyJSONEncoder

    return json.loads(json.dumps(value, cls=PlotlyJSONEncoder))
