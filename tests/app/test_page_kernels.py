"""Kernels page in AppTest: editor, presets, padding, stride, step view, bank, uploads."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from PIL import Image

from cnnlab import kernels as K
from cnnlab import sliding
from cnnlab.images import COURSE_MATRIX, sample
from cnnlab.ops import correlate2d
from dashboard.i18n import catalog
from tests.app.conftest import open_app, page_css

COURSE_TABLE = np.array(
    [[-4, 4, 0, 3, 4], [-9, 3, 1, 7, 8], [-10, 5, 3, 3, 7], [-10, -2, 3, 5, 7], [-5, -1, 2, 1, 3]]
)


def _kernels(lang: str = "en", **params: str):
    at = open_app("page_kernels.py", lang=lang, **params)
    assert not at.exception, at.exception
    return at


def _show(at, tab: str, lang: str = "en"):
    """Open one of the tabs of sections 4-6 (as a click on it does), then rerun."""
    at.session_state[f"kernels_tab__{lang}"] = catalog(lang)[f"kernels.tab_{tab}"]
    return at.run()


def _edit(at, edits: dict[int, dict[str, str]]):
    """Type into the kernel grid (the data editor's edit state), then rerun."""
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    return at.run()


def _map(at) -> np.ndarray:
    return at.session_state["carry_map"]["map"]


def _errors(at) -> str:
    return " ".join(e.value for e in at.error)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_on_the_seed_matrix_with_the_seed_table(lang):
    at = _kernels(lang)
    assert at.title[0].value == catalog(lang)["kernels.title"]
    carry = at.session_state["carry_map"]
    assert carry["map"].dtype == np.float32 and carry["map"].ndim == 2
    assert_array_equal(carry["map"], COURSE_TABLE)
    assert catalog(lang)["kernels.matrix_name"] in carry["label"]
    assert not at.error
    assert any("H_{out}" in x.value and "= 5" in x.value for x in at.markdown)
    before = catalog(lang)["kernels.sub_before"]  # the formula speaks the page's language
    assert any(rf"p_{{\text{{{before}}}}}" in x.value for x in at.markdown)
    # only the open tab is drawn: the step view is not, until its tab opens
    assert at.session_state["kernels_tab"] == "map"
    assert "kernels_next" not in [b.key for b in at.button]
    at = _show(at, "step", lang)
    assert at.session_state["kernels_tab"] == "step"
    assert not any("$$" in x.value for x in at.markdown)  # the map tab's formula is not drawn
    assert at.query_params["tab"] == "step"
    # the step view starts on the first window: the table's first number
    assert at.session_state["kernels_step_value"] == -4


def test_editing_a_cell_changes_the_map():
    at = _kernels()
    at = _edit(at, {1: {"2": "1"}})  # centre weight 0 → 1: the map gains A itself
    assert not at.exception and not at.error
    assert_array_equal(_map(at), COURSE_TABLE + COURSE_MATRIX)
    assert at.session_state["kernels_kernel"][1][1] == 1
    at = _edit(at, {1: {"2": "1/2"}})
    assert_allclose(_map(at), COURSE_TABLE + COURSE_MATRIX / 2)


BAD_CELLS = [("abc", "bad_cell"), ("", "empty_cell"), (None, "empty_cell")]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(("cell", "key"), BAD_CELLS)
def test_bad_cells_get_a_message_not_a_traceback(lang, cell, key):
    at = _kernels(lang)
    at = _edit(at, {0: {"3": cell}})
    assert not at.exception
    msg = _errors(at)
    assert msg == catalog(lang)[f"kernels.{key}"].format(row=1, col=3, value=cell), msg
    assert_array_equal(_map(at), COURSE_TABLE)  # the last valid kernel is kept


def test_presets_load_into_the_grid():
    at = _kernels()
    at.selectbox(key="kernels_preset").set_value("sobel_x").run()
    assert not at.exception
    assert_array_equal(at.session_state["kernels_kernel"], K.PRESETS["sobel_x"])
    assert at.data_editor[0].value.to_numpy().tolist() == [
        ["-1", "0", "1"], ["-2", "0", "2"], ["-1", "0", "1"]
    ]  # fmt: skip
    assert_allclose(_map(at), correlate2d(COURSE_MATRIX, K.PRESETS["sobel_x"]))
    at.selectbox(key="kernels_preset").set_value("box_blur").run()
    at.number_input(key="kernels_size").set_value(5).run()
    assert not at.exception
    assert_allclose(at.session_state["kernels_kernel"], K.box(5), rtol=1e-6)
    assert at.data_editor[0].value.shape == (5, 5)
    assert at.data_editor[0].value.iloc[0, 0] == "1/25"


def test_growing_a_fixed_preset_keeps_its_centre():
    at = _kernels()
    at.selectbox(key="kernels_preset").set_value("seed_outline").run()
    at.number_input(key="kernels_size").set_value(5).run()
    assert not at.exception
    assert at.session_state["kernels_preset"] == "custom"
    assert_array_equal(at.session_state["kernels_kernel"], K.fit(K.PRESETS["seed_outline"], 5))
    at.number_input(key="kernels_size").set_value(2).run()
    assert np.array(at.session_state["kernels_kernel"]).shape == (2, 2)


def test_padding_stride_boundary_and_operation():
    at = _kernels()
    at.selectbox(key="kernels_padding").set_value("valid").run()
    assert_array_equal(_map(at), COURSE_TABLE[1:-1, 1:-1])
    assert any("= 3" in x.value for x in at.markdown)
    at.selectbox(key="kernels_padding").set_value("full").run()
    assert _map(at).shape == (7, 7)
    at.selectbox(key="kernels_padding").set_value("same").run()
    at.number_input(key="kernels_stride").set_value(2).run()
    assert_array_equal(_map(at), COURSE_TABLE[::2, ::2])
    assert any(r"\frac{5 + 1 + 1 - 3}{2}" in x.value and "= 3" in x.value for x in at.markdown)
    at.number_input(key="kernels_stride").set_value(1).run()
    at.selectbox(key="kernels_boundary").set_value("nearest").run()
    f = K.PRESETS["seed_example"]
    assert_allclose(_map(at), correlate2d(COURSE_MATRIX, f, boundary="nearest"))
    at.radio(key="kernels_op").set_value("convolve").run()
    assert_array_equal(_map(at), -correlate2d(COURSE_MATRIX, f, boundary="nearest"))
    at.toggle(key="kernels_relu").set_value(True).run()
    assert _map(at).min() == 0
    assert not at.exception


def test_step_view_walks_the_windows():
    at = _kernels(tab="step")
    at.button(key="kernels_next").click().run()
    assert at.session_state["kernels_step"] == 2
    assert at.session_state["kernels_step_value"] == COURSE_TABLE[0, 1]
    at.button(key="kernels_prev").click().run()
    at.button(key="kernels_prev").click().run()  # wraps to the last window
    assert at.session_state["kernels_step"] == 25
    assert at.session_state["kernels_step_value"] == COURSE_TABLE[4, 4]
    at.slider(key="kernels_step").set_value(13).run()
    assert at.session_state["kernels_step_value"] == COURSE_TABLE[2, 2]
    sums = [h.proto.body for h in at.html if "kernels-sum" in h.proto.body]
    assert sums and ">3</div>" in sums[0]  # the sum shown for window 13
    # a smaller map clamps the position back into range
    at.selectbox(key="kernels_padding").set_value("valid").run()
    assert at.session_state["kernels_step"] == 1
    assert at.session_state["kernels_step_value"] == COURSE_TABLE[1, 1]
    assert not at.exception


def test_step_view_on_a_photo_crop():
    at = _kernels(tab="step")
    at.radio(key="kernels_source").set_value("photo").run()
    at.slider(key="kernels_crop_size").set_value(4).run()
    at.slider(key="kernels_crop_row").set_value(100).run()
    at.slider(key="kernels_crop_col").set_value(200).run()
    assert not at.exception
    crop = sample("camera")[100:104, 200:204].astype(np.float32)
    expected = correlate2d(crop, K.PRESETS["seed_example"])
    assert at.session_state["kernels_step_value"] == expected[0, 0]
    at.button(key="kernels_next").click().run()
    assert at.session_state["kernels_step_value"] == expected[0, 1]


def test_photos_grey_and_rgb():
    at = _kernels()
    at.radio(key="kernels_source").set_value("photo").run()
    at.selectbox(key="kernels_sample").set_value("astronaut").run()
    at.selectbox(key="kernels_preset").set_value("sobel_x").run()
    grey = sample("astronaut", gray=True)
    assert_allclose(_map(at), correlate2d(grey, K.PRESETS["sobel_x"]), atol=1e-3)
    assert "astronaut" in at.session_state["carry_map"]["label"]
    assert "Sobel x" in at.session_state["carry_map"]["label"]
    at.segmented_control(key="kernels_color").set_value("rgb").run()
    rgb = correlate2d(sample("astronaut"), K.PRESETS["sobel_x"])
    assert_allclose(_map(at), rgb.mean(axis=2), atol=1e-3)  # 2-D: the channels' mean
    at.radio(key="kernels_rgb_mode").set_value("sum").run()
    k3 = np.repeat(K.PRESETS["sobel_x"][:, :, None], 3, axis=2)
    assert_allclose(_map(at), correlate2d(sample("astronaut"), k3), atol=1e-2)
    assert not at.exception and not at.error


def test_normalise_random_and_zero_sum():
    at = _kernels()
    at.toggle(key="kernels_normalise").set_value(True).run()
    assert at.info, "a zero-sum kernel cannot be normalised: say so"
    assert_array_equal(_map(at), COURSE_TABLE)
    at.selectbox(key="kernels_preset").set_value("identity").run()
    at = _edit(at, {1: {"2": "4"}})  # centre weight 4
    assert_allclose(_map(at), COURSE_MATRIX, rtol=1e-6)  # 4 / 4 = identity again
    at.button(key="kernels_random").click().run()
    assert at.session_state["kernels_preset"] == "custom"
    k = np.array(at.session_state["kernels_kernel"])
    assert k.shape == (3, 3) and np.all(k == np.round(k))
    assert not at.exception


def test_kernel_bank_is_a_conv_layer():
    at = _kernels(tab="bank")
    at.multiselect(key="kernels_bank").set_value(["sobel_x", "sobel_y"]).run()
    at.toggle(key="kernels_bank_mine").set_value(False).run()
    text = " ".join(c.value for c in at.caption)
    assert "(3, 3, 1, 2)" in text and "(5, 5, 2)" in text
    at.multiselect(key="kernels_bank").set_value([]).run()
    assert any(catalog("en")["kernels.bank_empty"] in i.value for i in at.info)
    assert not at.exception


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def test_the_map_kept_for_pooling_is_capped_per_session():
    at = _kernels()
    at.radio(key="kernels_source").set_value("upload").run()
    big = (np.indices((1000, 800)).sum(axis=0) % 256).astype(np.uint8)
    at.file_uploader(key="kernels_upload").set_value(("big.png", _png(big), "image/png")).run()
    assert not at.exception and not at.error
    kept = _map(at)
    assert max(kept.shape) <= 512 and kept.dtype == np.float32
    assert kept.nbytes <= 1 << 20
    assert kept.shape == (512, 410)


def test_upload_a_picture_and_bad_files():
    at = _kernels()
    at.radio(key="kernels_source").set_value("upload").run()
    assert not at.exception and not at.error  # no file yet: a hint, and the camera photo
    img = np.zeros((40, 60), np.uint8)
    img[:, 30:] = 200
    at.file_uploader(key="kernels_upload").set_value(("edge.png", _png(img), "image/png")).run()
    assert not at.exception and not at.error
    assert _map(at).shape == (40, 60)
    assert "edge.png" in at.session_state["carry_map"]["label"]
    at.file_uploader(key="kernels_upload").set_value(("notes.png", b"not a picture", "image/png"))
    at.run()
    assert not at.exception
    assert "not an image" in _errors(at)
    bomb = io.BytesIO()
    Image.new("1", (6000, 6000)).save(bomb, "PNG")
    at.file_uploader(key="kernels_upload").set_value(("bomb.png", bomb.getvalue(), "image/png"))
    at.run()
    assert not at.exception
    assert "36 Mpx, over the limit of 25 Mpx" in _errors(at)


def test_a_huge_picture_is_refused_in_spanish():
    """A 13000×13000 PNG of a few KB: refused from its header, in the page's language."""
    from cnnlab import InputError
    from cnnlab.images import load_image

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_hostile import huge_png

    huge = huge_png()
    with pytest.raises(InputError) as refused:
        load_image(huge)
    at = _kernels("es")
    at.radio(key="kernels_source").set_value("upload").run()
    at.file_uploader(key="kernels_upload").set_value(("enorme.png", huge, "image/png")).run()
    assert not at.exception, at.exception
    reason = catalog("es")["errors.input_image_pixels"].format(**refused.value.params)
    shown = _errors(at)
    assert catalog("es")["kernels.bad_image"].format(name="enorme.png", detail=reason) in shown
    assert "megapixels" not in shown and "169 Mpx" in reason


def test_spanish_page_has_no_english_leftovers():
    at = _kernels("es")
    labels = [w.label for w in at.selectbox] + [w.label for w in at.radio]
    assert catalog("es")["kernels.padding"] in labels
    assert catalog("es")["kernels.source"] in labels


def test_kernel_edits_on_a_512_rgb_photo_update_the_map_like_scipy():
    """Each edit of the grid reruns on the 512×512 photo; the map is SciPy's for that kernel.

    How long that rerun takes is measured by ``benchmarks/bench_kernels.py``.
    """
    from scipy import ndimage

    at = _kernels()
    at.radio(key="kernels_source").set_value("photo").run()
    at.selectbox(key="kernels_sample").set_value("astronaut").run()
    at.segmented_control(key="kernels_color").set_value("rgb").run()
    photo = sample("astronaut").astype(np.float64)
    for value in (2, -3):
        _edit(at, {0: {"1": str(value)}})
        assert not at.exception
        kernel = np.asarray(at.session_state["kernels_kernel"], dtype=np.float64)
        assert kernel[0][0] == value
        channels = [ndimage.correlate(photo[..., c], kernel, mode="constant") for c in range(3)]
        assert _map(at).shape == (512, 512)
        assert_allclose(_map(at), np.mean(channels, axis=0), rtol=1e-4, atol=1e-2)


def test_kernel_bigger_than_the_input_with_valid_padding_is_explained():
    at = _kernels()
    at.selectbox(key="kernels_preset").set_value("box_blur").run()
    at.number_input(key="kernels_size").set_value(7).run()
    at.selectbox(key="kernels_padding").set_value("valid").run()
    assert not at.exception
    assert _errors(at) == catalog("en")["kernels.valid_too_big"].format(k=7, h=5, w=5)


def test_kernel_and_settings_survive_a_page_switch():
    at = _kernels()
    at.selectbox(key="kernels_preset").set_value("laplacian").run()
    at.selectbox(key="kernels_padding").set_value("valid").run()
    at = _edit(at, {0: {"1": "2"}})  # a typed cell survives too
    expected = K.preset("laplacian")
    expected[0, 0] = 2
    at.switch_page("page_home.py").run()
    at.switch_page("page_kernels.py").run()
    assert not at.exception
    assert_array_equal(at.session_state["kernels_kernel"], expected)
    assert at.data_editor[0].value.iloc[0, 0] == "2"
    assert at.selectbox(key="kernels_padding").value == "valid"
    assert _map(at).shape == (3, 3)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_typing_into_a_preset_makes_the_box_say_custom(lang):
    at = _kernels(lang)
    at.selectbox(key="kernels_preset").set_value("sobel_x").run()
    assert at.selectbox(key="kernels_preset").value == "sobel_x"
    _edit(at, {0: {"1": "5"}})
    assert not at.exception
    assert at.selectbox(key="kernels_preset").value == "custom"
    assert at.session_state["kernels_kernel"][0][0] == 5
    # Choosing the preset again gives it back, and the box says so.
    at.selectbox(key="kernels_preset").set_value("sobel_x").run()
    assert at.selectbox(key="kernels_preset").value == "sobel_x"
    assert_array_equal(np.array(at.session_state["kernels_kernel"]), K.PRESETS["sobel_x"])


def _open(lang: str = "en", **params: str):
    """The app opened on Kernels from a link with ``params`` (as a browser would)."""
    from tests.app.conftest import open_app

    return open_app("page_kernels.py", lang=lang, **params)


def test_the_page_module_imports_without_drawing():
    import importlib

    page = importlib.import_module("dashboard.page_kernels")
    assert callable(page.render)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_in_projector_mode(lang):
    at = _open(lang, projector="1")
    assert not at.exception, at.exception
    assert at.title[0].value == catalog(lang)["kernels.title"]
    assert_array_equal(_map(at), COURSE_TABLE)
    assert "font-size: 21px" in page_css(at)


def test_language_and_projector_switches_keep_the_chosen_ids():
    at = _kernels(tab="bank")
    at.radio(key="kernels_source").set_value("photo").run()
    at.selectbox(key="kernels_sample").set_value("coins").run()
    at.selectbox(key="kernels_preset").set_value("laplacian").run()
    at.selectbox(key="kernels_padding").set_value("full").run()
    at.selectbox(key="kernels_boundary").set_value("reflect").run()
    at.radio(key="kernels_op").set_value("convolve").run()
    at.multiselect(key="kernels_bank").set_value(["sobel_x", "emboss"]).run()
    chosen = {
        "kernels_source": "photo", "kernels_sample": "coins", "kernels_preset": "laplacian",
        "kernels_padding": "full", "kernels_boundary": "reflect", "kernels_op": "convolve",
        "kernels_bank": ["sobel_x", "emboss"], "kernels_tab": "bank",
    }  # fmt: skip
    before = _map(at).copy()
    for lang, projector in [("es", False), ("es", True), ("en", True), ("en", False)]:
        at.segmented_control(key="lang").set_value(lang).run()
        at.toggle(key="projector").set_value(projector).run()
        assert not at.exception, (lang, projector, at.exception)
        assert not at.error, (lang, projector, _errors(at))
        for key, value in chosen.items():
            assert at.session_state[key] == value, (lang, projector, key)
        assert_array_equal(_map(at), before)
        assert at.title[0].value == catalog(lang)["kernels.title"]
    # The photo's name follows the language too.
    at.segmented_control(key="lang").set_value("es").run()
    assert catalog("es")["common.photo_coins"] in at.session_state["carry_map"]["label"]


NONSENSE = {
    "k": "1e308,0,0,0,1,0,0,0,1", "stride": "x", "src": "../../etc/passwd", "pad": "x",
    "fill": "nope", "cmap": "1e308", "op": "-3", "relu": "maybe", "norm": "abc",
    "bank": "nope,sobel_x", "img": "nope", "color": "cmyk", "rgbmode": "0",
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(
    "params",
    [NONSENSE, {"k": "abc"}, {"k": "1,2"}, {"k": ",".join(["1"] * 200)}, {"k": "inf,0,0,0"},
     {"stride": "nan"}, {"stride": "-3"}, {"stride": "0"}, {"src": "photo", "img": "x"},
     {"src": "photo", "color": "rgb", "rgbmode": "x", "k": "1e39"}],
)  # fmt: skip
def test_nonsense_links_open_the_defaults(lang, params):
    at = _open(lang, **params)
    assert not at.exception, at.exception
    assert not at.error, _errors(at)
    if "src" not in params:
        assert_array_equal(_map(at), COURSE_TABLE)  # the default kernel on matrix A
    assert at.number_input(key="kernels_stride").value == 1


@pytest.mark.parametrize(
    ("raw", "stride"), [("99", 8), ("1e308", 8), ("-3", 1), ("2.6", 3), ("٣", 1), ("inf", 1)]
)
def test_a_stride_out_of_range_in_a_link_is_clamped(raw, stride):
    at = _open("en", stride=raw)
    assert not at.exception, at.exception
    assert not at.error, _errors(at)
    assert at.number_input(key="kernels_stride").value == stride
    assert at.query_params["stride"] in (str(stride), [str(stride)])


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("cell", ["1e308", "1e39", "-1e39", "1e308/1e-308"])
def test_a_cell_too_large_for_float32_gets_a_message(lang, cell):
    at = _kernels(lang)
    at = _edit(at, {1: {"2": cell}})
    assert not at.exception, at.exception
    expected = catalog(lang)["kernels.huge_cell"].format(row=2, col=2, value=cell)
    assert _errors(at) == expected
    assert_array_equal(_map(at), COURSE_TABLE)  # the last valid kernel is kept


@pytest.mark.parametrize("lang", ["en", "es"])
def test_weights_whose_map_overflows_get_a_message(lang):
    at = _kernels(lang)
    at = _edit(at, {0: {"1": "3e38", "2": "3e38"}})  # finite weights, sums beyond float32
    assert not at.exception, at.exception
    assert _errors(at) == catalog(lang)["kernels.overflow"]
    at.radio(key="kernels_source").set_value("photo").run()
    assert not at.exception, at.exception
    at = _edit(at, {0: {"1": "1", "2": "0"}})  # back to sensible weights: the map returns
    assert not at.exception and not at.error
    assert _map(at).shape == (512, 512)


def test_spanish_labels_of_choices_and_photos():
    at = _kernels("es")
    at.radio(key="kernels_source").set_value("photo").run()
    es = catalog("es")
    box = at.selectbox(key="kernels_sample")
    assert box.options[0] == es["common.photo_camera"]
    assert at.selectbox(key="kernels_padding").options[0] == es["kernels.padding_valid"]
    assert es["common.photo_camera"] in at.session_state["carry_map"]["label"]


@pytest.mark.parametrize("gray", [True, False])
@pytest.mark.parametrize("summed", [False, True])
@pytest.mark.parametrize("relu", [False, True])
def test_the_banks_own_map_read_off_the_output_is_the_banks_filter(gray, summed, relu):
    """The bank's map of one's own kernel, when taken from the output's map (no second
    convolution), is what ``sliding.bank_map`` computes; where it cannot be (colour per
    channel with ReLU: ReLU comes after the sum in the bank), it is computed instead."""
    import importlib

    page = importlib.import_module("dashboard.page_kernels")
    image = sample("astronaut", gray=gray)[:64, :80]
    kernel = np.array([[1, -2, 0], [3, 0, -1], [0, 2, -3]], np.float32)
    settings = page.Settings("same", "zeros", 1, True, False, relu)
    pic = page.Picture(image, "k", "astronaut", summed and not gray)
    result = sliding.apply_kernel(image, kernel, summed=pic.summed, relu=relu)
    flat = result if result.ndim == 2 else page._channel_mean(result)
    out = page.Output(result, float(result.min()), float(result.max()), flat)
    mine = page._mine_map(pic, settings, out)
    expected = sliding.bank_map(image, kernel, relu=relu)
    if not gray and relu:
        assert mine is None  # computed by the bank itself
    else:
        assert mine is not None
        assert_allclose(mine, expected, rtol=1e-5, atol=1e-3)


def test_the_open_tab_survives_a_page_switch():
    at = _kernels(tab="step")
    assert "kernels_next" in [b.key for b in at.button]
    at.switch_page("page_home.py").run()
    at.switch_page("page_kernels.py").run()
    assert at.session_state["kernels_tab"] == "step"
    assert "kernels_next" in [b.key for b in at.button]
