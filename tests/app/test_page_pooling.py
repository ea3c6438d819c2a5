"""The Pooling page, driven through its widgets (AppTest), in English and Spanish."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from dashboard.i18n import catalog
from tests.app.conftest import open_app, page_css

PAGE = "page_pooling.py"


def _figs(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _titles(fig: dict) -> list[str]:
    return [a["text"] for a in fig["layout"].get("annotations", [])]


def _shapes_table(at) -> list[str]:
    return list(at.table[0].value.iloc[:, 1])


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def _pct(cell: str) -> float:
    return float(cell.replace("%", "").strip())


@pytest.mark.parametrize("lang", ["en", "es"])
def test_default_is_the_seed_example_with_its_shapes(lang):
    at = open_app(PAGE, lang=lang)
    assert not at.exception, at.exception
    assert at.title[0].value == catalog(lang)["pooling.title"]
    # No key shows through untranslated.
    assert not re.search(r"\bpooling\.[a-z_]+", _text(at))
    # The seed's apply_pooling, k=3: 306×461 → 153×230 → 76×115 → 38×57.
    assert _shapes_table(at) == [
        "(1, 306, 461, 1)",
        "(1, 153, 230, 1)",
        "(1, 76, 115, 1)",
        "(1, 38, 57, 1)",
    ]
    assert at.metric[0].value.startswith("75 %")
    latex = " ".join(x.value for x in at.latex)
    assert "306 - 2" in latex and "= 153" in latex and "461 - 2" in latex and "= 230" in latex
    assert not at.error


def test_size_stride_padding_and_steps_drive_shapes_formula_and_figures():
    at = open_app(PAGE)
    at.slider(key="pooling_size").set_value(3).run()
    at.selectbox(key="pooling_stride").set_value(2).run()
    at.radio(key="pooling_padding").set_value("same").run()
    at.slider(key="pooling_steps").set_value(5).run()
    assert not at.exception, at.exception
    # same: ceil(n / s) each step, five steps.
    h, w, expected = 306, 461, ["(1, 306, 461, 1)"]
    for _ in range(5):
        h, w = -(-h // 2), -(-w // 2)
        expected.append(f"(1, {h}, {w}, 1)")
    assert _shapes_table(at) == expected
    latex = " ".join(x.value for x in at.latex)
    assert r"\lceil" in latex and "= 153" in latex and "= 231" in latex
    side = _figs(at)[1]
    assert len(side["data"]) == 15  # 5 steps × (max, avg, difference)
    assert "10×15" in " ".join(_titles(side))  # step 5 of max pooling
    # Valid padding with a window larger than the stride: floor((n - k) / s) + 1.
    at.radio(key="pooling_padding").set_value("valid").run()
    assert _shapes_table(at)[1] == "(1, 152, 230, 1)"


def test_matrix_source_shows_every_window_and_its_numbers():
    at = open_app(PAGE)
    at.radio(key="pooling_source").set_value("matrix").run()
    at.radio(key="pooling_padding").set_value("same").run()
    assert not at.exception, at.exception
    assert _shapes_table(at)[:2] == ["(1, 5, 5, 1)", "(1, 3, 3, 1)"]
    matrix = _figs(at)[2]
    heatmaps = [d for d in matrix["data"] if d["type"] == "heatmap"]
    inp, mx, av = heatmaps[1], heatmaps[2], heatmaps[3]
    assert inp["text"][0][:5] == ["4", "1", "7", "2", "3"]
    assert inp["text"][5][0] == "pad"  # Keras puts the same padding at the bottom/right
    assert mx["text"] == [["8", "7", "3"], ["6", "7", "3"], ["4", "4", "3"]]
    assert av["text"][0] == ["4", "3", "2.5"]  # the corner mean ignores the padding
    # One outline per window on the input, and one per output cell on each output.
    assert len(matrix["layout"]["shapes"]) == 9 * 3
    colours = {s["line"]["color"] for s in matrix["layout"]["shapes"]}
    assert len(colours) == 9


def test_typed_matrix_is_used_and_a_bad_one_gets_a_clear_message():
    at = open_app(PAGE)
    at.radio(key="pooling_source").set_value("matrix").run()
    at.text_area(key="pooling_matrix").set_value("1 2 3 4\n5 6 7 8\n9 10 11 12\n13 14 15 16").run()
    assert not at.exception
    mx = [d for d in _figs(at)[2]["data"] if d["type"] == "heatmap"][2]
    assert mx["text"] == [["6", "8"], ["14", "16"]]
    at.text_area(key="pooling_matrix").set_value("1 2\n3 x").run()
    assert not at.exception
    assert at.error and "3 x" in at.error[0].value
    at.slider(key="pooling_size").set_value(5).run()
    at.text_area(key="pooling_matrix").set_value("1 2\n3 4").run()
    assert not at.exception
    assert at.error  # a 5×5 window does not fit in a 2×2 matrix with valid padding


def test_carried_map_from_the_kernels_page_is_pooled():
    at = open_app(PAGE)
    ramp = np.tile(np.arange(40, dtype=np.float32), (36, 1))
    at.session_state["carry_map"] = {"map": ramp, "label": "my ramp"}
    at.radio(key="pooling_source").set_value("kernels").run()
    assert not at.exception, at.exception
    assert "my ramp" in _text(at)
    assert _shapes_table(at)[:2] == ["(1, 36, 40, 1)", "(1, 18, 20, 1)"]


def test_without_a_carried_map_the_seed_example_is_offered():
    at = open_app(PAGE)
    assert "carry_map" not in at.session_state
    assert at.info and catalog("en")["pooling.no_carry"] in at.info[0].value


def test_shift_robustness_is_measured_and_max_pooling_changes_less():
    at = open_app(PAGE)
    for direction in ("x", "y", "xy"):
        at.radio(key="pooling_shift_dir").set_value(direction).run()
        assert not at.exception, at.exception
        table = at.table[1].value
        first = dict(zip(table.iloc[:, 0], table["d = 1"].map(_pct), strict=True))
        names = list(first)
        unpooled, strided, max_pool = first[names[0]], first[names[1]], first[names[2]]
        assert unpooled > 30
        assert max_pool < unpooled / 2  # 3 steps of 2×2 max pooling
        assert strided > max_pool  # skipping pixels is not what buys robustness
    shift = _figs(at)[3]
    assert [d["y"][0] for d in shift["data"]] == [0, 0, 0, 0]  # no shift, no change


def _why(at, tab: str, lang: str = "en"):
    """Open one of the "why pool?" tabs (as a click on it does), then rerun."""
    at.session_state[f"pooling_why__{lang}"] = catalog(lang)[f"pooling.why_{tab}"]
    return at.run()


def test_only_the_open_why_tab_is_drawn_and_it_goes_into_the_url():
    at = open_app(PAGE)
    assert at.session_state["pooling_why"] == "shift" and len(_figs(at)) == 4
    assert "pooling_kernel" not in [s.key for s in at.selectbox]
    at = _why(at, "global")
    assert at.session_state["pooling_why"] == "global" and at.query_params["why"] == "global"
    assert "pooling_shift_dir" not in [r.key for r in at.radio]
    at.slider(key="pooling_size").set_value(3).run()  # a setting keeps the open tab
    assert at.session_state["pooling_why"] == "global"
    at = open_app(PAGE, why="stride")
    assert at.session_state["pooling_why"] == "stride"
    assert "pooling_kernel" in [s.key for s in at.selectbox]


def test_stride_conv_comparison_and_global_pooling_bars():
    at = open_app(PAGE, why="stride")
    stride_fig = _figs(at)[3]
    titles = " ".join(_titles(stride_fig))
    assert "153×230" in titles and "153×231" in titles
    at.selectbox(key="pooling_kernel").set_value("blur").run()
    assert not at.exception
    at = _why(at, "global")
    bars = _figs(at)[3]
    gap = bars["data"][0]["y"]
    gmp = bars["data"][1]["y"]
    assert len(gap) == len(gmp) == 6
    assert all(m >= a >= 0 for a, m in zip(gap, gmp, strict=True))  # ReLU on: max ≥ mean ≥ 0
    at.checkbox(key="pooling_relu").set_value(False).run()
    gap_raw = _figs(at)[3]["data"][0]["y"]
    assert not at.exception
    assert abs(gap_raw[0]) < gap[0]  # signed edges cancel out without ReLU


def test_photo_source_and_seed_size_toggle():
    at = open_app(PAGE)
    at.radio(key="pooling_source").set_value("photo").run()
    at.selectbox(key="pooling_photo").set_value("coins").run()
    at.checkbox(key="pooling_seed_size").set_value(False).run()
    assert not at.exception, at.exception
    assert _shapes_table(at)[:2] == ["(1, 303, 384, 1)", "(1, 151, 192, 1)"]
    at.checkbox(key="pooling_seed_size").set_value(True).run()
    assert _shapes_table(at)[0] == "(1, 306, 461, 1)"


def test_controls_work_in_spanish():
    # (AppTest formats radio options outside the script, in English: set values by key.)
    at = open_app(PAGE, lang="es")
    for key, value in [
        ("pooling_source", "matrix"),
        ("pooling_padding", "same"),
        ("pooling_size", 3),
        ("pooling_steps", 2),
        ("pooling_shift_dir", "xy"),
    ]:
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == catalog("es")["pooling.title"]
    assert _shapes_table(at) == ["(1, 5, 5, 1)", "(1, 2, 2, 1)", "(1, 1, 1, 1)"]
    assert at.table[0].value.columns[0] == catalog("es")["pooling.col_step"]
    assert not re.search(r"\bpooling\.[a-z_]+", _text(at))


def test_settings_survive_a_page_switch_and_go_into_the_url():
    at = open_app(PAGE)
    at.slider(key="pooling_size").set_value(4).run()
    at.switch_page("page_home.py").run()
    at.switch_page(PAGE).run()
    assert at.slider(key="pooling_size").value == 4
    assert at.query_params["pool"] in ("4", ["4"])


def test_the_kernels_pages_latest_map_is_carried_over():
    at = open_app("page_kernels.py")
    assert not at.exception, at.exception
    carry = at.session_state["carry_map"]
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    h, w = carry["map"].shape
    assert _shapes_table(at)[0] == f"(1, {h}, {w}, 1)"
    assert carry["label"] in _text(at)


def _open(lang: str = "en", **params: str):
    """The app opened on Pooling from a link with ``params`` (as a browser would)."""
    from tests.app.conftest import open_app

    return open_app("page_pooling.py", lang=lang, **params)


def test_the_page_module_imports_without_drawing():
    import importlib

    page = importlib.import_module("dashboard.page_pooling")
    assert callable(page.render)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_in_projector_mode(lang):
    at = _open(lang, projector="1")
    assert not at.exception, at.exception
    assert at.title[0].value == catalog(lang)["pooling.title"]
    assert _shapes_table(at)[1] == "(1, 153, 230, 1)"
    assert "font-size: 21px" in page_css(at)


def test_language_and_projector_switches_keep_the_chosen_ids():
    at = open_app(PAGE)
    chosen = {
        "pooling_source": "photo", "pooling_photo": "coins", "pooling_size": 3,
        "pooling_stride": 2, "pooling_padding": "same", "pooling_steps": 2,
        "pooling_kernel": "sobel_y", "pooling_why": "stride",
    }  # fmt: skip
    at.radio(key="pooling_source").set_value("photo").run()
    at.selectbox(key="pooling_photo").set_value("coins").run()
    at.slider(key="pooling_size").set_value(3).run()
    at.selectbox(key="pooling_stride").set_value(2).run()
    at.radio(key="pooling_padding").set_value("same").run()
    at.slider(key="pooling_steps").set_value(2).run()
    at.radio(key="pooling_shift_dir").set_value("xy").run()
    at = _why(at, "stride")
    at.selectbox(key="pooling_kernel").set_value("sobel_y").run()
    assert not at.exception, at.exception
    shapes = _shapes_table(at)
    for lang, projector in [("es", False), ("es", True), ("en", True), ("en", False)]:
        at.segmented_control(key="lang").set_value(lang).run()
        at.toggle(key="projector").set_value(projector).run()
        assert not at.exception, (lang, projector, at.exception)
        assert not at.error
        for key, value in chosen.items():
            assert at.session_state[key] == value, (lang, projector, key)
        assert _shapes_table(at) == shapes
        assert at.title[0].value == catalog(lang)["pooling.title"]
    at = _why(at, "shift")  # a tab's settings wait for it while another is open
    assert at.session_state["pooling_shift_dir"] == "xy"


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(
    ("params", "size", "steps"),
    [({"pool": "99"}, 5, 3), ({"pool": "-3"}, 1, 3), ({"k": "99"}, 2, 5), ({"k": "0"}, 2, 1),
     ({"pool": "1e308"}, 5, 3), ({"pool": "99999999999999999999999"}, 5, 3),
     ({"pool": "2.6"}, 3, 3), ({"source": "matrix", "pool": "0", "k": "-7", "ppad": "same"}, 1, 1)],
)  # fmt: skip
def test_numbers_out_of_range_in_links_are_clamped_to_the_sliders(lang, params, size, steps):
    at = _open(lang, **params)
    assert not at.exception, at.exception
    assert not at.error
    assert at.slider(key="pooling_size").value == size
    assert at.slider(key="pooling_steps").value == steps


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(
    "params",
    [{"pool": "abc"}, {"k": "abc"}, {"pool": "nan"}, {"k": "inf"}, {"pstride": "9"},
     {"pstride": "-1"}, {"ppad": "full"}, {"source": "../x"}, {"photo": "nope"}, {"shift": "z"},
     {"pkernel": "nope"}, {"seedsize": "maybe"}, {"prelu": "1e308"}],
)  # fmt: skip
def test_nonsense_links_open_the_defaults(lang, params):
    at = _open(lang, **params)
    assert not at.exception, at.exception
    assert not at.error
    assert at.slider(key="pooling_size").value == 2
    assert at.slider(key="pooling_steps").value == 3
    assert at.checkbox(key="pooling_seed_size").value is True
    if "source" not in params:
        assert _shapes_table(at)[:2] == ["(1, 306, 461, 1)", "(1, 153, 230, 1)"]


def test_no_seed_in_the_english_page():
    """The course's notebook is "the notebook" or "the course" on the page, never "the
    seed" (the word only lives in ids and links)."""
    at = open_app(PAGE)
    at.radio(key="pooling_source").set_value("seed").run()
    texts = [_text(at)]
    texts += [w.label for w in at.checkbox] + [w.label for w in at.radio]
    texts += [str(o) for w in at.radio for o in w.options]
    texts += [h.value for h in at.subheader] + [h.value for h in at.header]
    assert "seed" not in " ".join(texts).lower()
    english = catalog("en")
    assert "seed" not in " ".join(v for k, v in english.items() if k.startswith("pooling.")).lower()


def test_spanish_hover_and_labels():
    at = open_app(PAGE, lang="es")
    es = catalog("es")
    side = _figs(at)[1]
    assert side["data"][0]["hovertemplate"].startswith(es["pooling.hover_pixel"])
    assert at.selectbox(key="pooling_photo").options[0] == es["common.photo_camera"]
    assert es["pooling.padding_valid"] in at.radio(key="pooling_padding").options
    assert at.checkbox(key="pooling_seed_size").label == es["pooling.course_size"]
