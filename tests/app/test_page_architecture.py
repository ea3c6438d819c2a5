"""Architecture page: edit blocks and watch the table, totals, session state and URL follow."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cnnlab.model import PRESETS, ConvBlock, ModelConfig, encode_config
from dashboard.i18n import catalog
from tests.app.conftest import APP, open_app

PAGE = "page_architecture.py"


def _table(at):
    return at.dataframe[0].value


def _column(at, name, lang="en"):
    return list(_table(at)[catalog(lang)[f"architecture.col_{name}"]])


def _metric(at, key, lang="en"):
    label = catalog(lang)[f"architecture.{key}"]
    return next(m.value for m in at.metric if m.label == label)


def _pick(at, preset):
    # AppTest formats set_value() through format_func outside the run, so in English.
    at.selectbox(key="architecture_preset").set_value(preset).run()


def _open(lang="en", **link):
    """A fresh session opened from a link: ?preset=<name> or ?arch=<encoded design>."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(PAGE)
    for name, value in link.items():
        at.query_params[name] = value
    return at.run()


def _uid(at, i):
    return at.session_state["architecture_uids"][i]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_on_the_tutorial_model_and_publishes_it(lang):
    at = open_app(PAGE, lang=lang)
    assert not at.exception, at.exception
    assert (
        _metric(at, "total", lang) == {"en": "23,762", "es": "23\u00a0762"}[lang]
    )  # grouped as each language writes
    assert _metric(at, "non_trainable", lang) == "224"
    layers = _column(at, "layer", lang)
    assert layers[:3] == ["input", "rescaling", "conv2d_1"] and layers[-1] == "output"
    assert _column(at, "shape", lang)[-3] == "(64)"
    assert at.session_state["model_cfg"] == PRESETS["seed_shapes"].to_dict()
    assert at.query_params["preset"] == "seed_shapes"
    assert not at.error


def test_moving_a_slider_changes_the_table_totals_state_and_url():
    at = open_app(PAGE)
    at.select_slider(key=f"architecture_e_b{_uid(at, 0)}_filters").set_value(32).run()
    assert not at.exception, at.exception
    params = dict(zip(_column(at, "layer"), _column(at, "params"), strict=True))
    assert params["conv2d_1"] == "288"  # 3·3·1·32, no bias
    assert params["batch_norm_1"] == "128"
    assert params["conv2d_2"] == "9,216"  # 3·3·32·32
    assert _metric(at, "total") == f"{23_762 + 144 + 64 + 4_608:,}"
    cfg = ModelConfig.from_dict(at.session_state["model_cfg"])
    assert cfg.blocks[0].filters == 32
    assert "arch" in at.query_params  # the link reopens the edited design


def test_kernel_and_padding_change_the_shapes():
    at = open_app(PAGE)
    key = f"architecture_e_b{_uid(at, 0)}_"
    at.selectbox(key=key + "padding").set_value("valid").run()
    at.select_slider(key=key + "kernel_size").set_value(5).run()
    shapes = dict(zip(_column(at, "layer"), _column(at, "shape"), strict=True))
    assert shapes["conv2d_1"] == "(28, 28, 16)"
    assert shapes["max_pool_1"] == "(14, 14, 16)"
    # The pooling block's mode, padding and dropout rate (segments and stepped sliders).
    pool = f"architecture_e_b{_uid(at, 1)}_"
    at.segmented_control(key=pool + "mode").set_value("avg").run()
    at.segmented_control(key=pool + "padding").set_value("same").run()
    at.select_slider(key=pool + "pool_size").set_value(3).run()
    kinds = dict(zip(_column(at, "layer"), _column(at, "type"), strict=True))
    shapes = dict(zip(_column(at, "layer"), _column(at, "shape"), strict=True))
    assert kinds["avg_pool_1"] == "AveragePooling2D"
    assert shapes["avg_pool_1"] == "(14, 14, 16)"  # 3×3 windows, stride still 2, same
    block = ModelConfig.from_dict(at.session_state["model_cfg"]).blocks[1]
    assert (block.mode, block.padding, block.pool_size, block.strides) == ("avg", "same", 3, 2)
    at.select_slider(key="architecture_e_hdrop").set_value(0.35).run()
    assert ModelConfig.from_dict(at.session_state["model_cfg"]).head.dropout == 0.35


def test_add_move_and_remove_blocks():
    at = open_app(PAGE)
    at.button(key="architecture_add_conv").click().run()
    assert "conv2d_4" in _column(at, "layer")
    assert len(at.session_state["architecture_uids"]) == 6
    # Move the first block (a conv) down: the pool now comes first.
    at.button(key=f"architecture_down_{_uid(at, 0)}").click().run()
    assert _column(at, "layer")[2] == "max_pool_1"
    assert ModelConfig.from_dict(at.session_state["model_cfg"]).blocks[1].filters == 16
    # Remove it again: the pool goes, conv2d_1 is back right after rescaling.
    at.button(key=f"architecture_remove_{_uid(at, 0)}").click().run()
    assert _column(at, "layer")[2] == "conv2d_1"
    assert not at.exception, at.exception


def test_head_flatten_and_dense_layers():
    at = open_app(PAGE)
    at.radio(key="architecture_e_pooling").set_value("flatten").run()
    at.button(key="architecture_add_dense").click().run()
    layers = _column(at, "layer")
    assert "flatten" in layers and "dense_1" in layers
    params = dict(zip(layers, _column(at, "params"), strict=True))
    assert params["dense_1"] == f"{4096 * 64 + 64:,}"


def test_presets_and_compare():
    at = open_app(PAGE)
    _pick(at, "seed_pets")
    assert _metric(at, "total") == "830,849"
    assert at.session_state["model_cfg"] == PRESETS["seed_pets"].to_dict()
    assert at.query_params["preset"] == "seed_pets"
    # The compare panel shows both totals side by side.
    at.selectbox(key="architecture_compare").set_value("seed_shapes").run()
    text = " ".join(m.value for m in at.markdown)
    assert "**830,849**" in text and "**23,762**" in text
    # Pin, edit, compare with the pinned copy.
    at.button(key="architecture_pin").click().run()
    assert at.selectbox(key="architecture_compare").value == "pinned"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_invalid_design_shows_its_message_and_keeps_the_last_valid_one(lang):
    at = _open(lang, preset="seed_pets")
    assert at.session_state["model_cfg"] == PRESETS["seed_pets"].to_dict()
    at.number_input(key="architecture_e_h").set_value(8).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    # The message once, in the failing block's box; at the top, which box to look at.
    assert [e for e in errors if "max_pool_4" in e and "1" in e] == errors[1:], errors
    blocks = PRESETS["seed_pets"].blocks
    pools = [i for i, b in enumerate(blocks) if type(b).__name__ == "PoolBlock"]
    kind = catalog(lang)["architecture.kind_pool"]
    where = catalog(lang)["architecture.where_block"].format(n=pools[3] + 1, kind=kind)
    assert errors[0] == catalog(lang)["architecture.invalid"].format(where=where)
    captions = [m.value for m in at.markdown if m.value.startswith(f"**{pools[3] + 1} · ")]
    assert captions and kind in captions[0]
    assert at.session_state["model_cfg"] == PRESETS["seed_pets"].to_dict()  # unchanged
    # Partial table: the layers before the failure are still shown.
    assert _column(at, "layer", lang)[-1] == "conv2d_4"


def test_sigmoid_with_three_classes_is_refused_in_the_head():
    at = open_app(PAGE)
    _pick(at, "seed_pets")
    at.number_input(key="architecture_e_classes").set_value(3).run()
    assert any("sigmoid" in e.value and "3" in e.value for e in at.error)


def test_a_link_reopens_the_same_design():
    cfg = replace(PRESETS["seed_shapes"], blocks=(ConvBlock(8, 5), *PRESETS["seed_shapes"].blocks))
    at = _open(arch=encode_config(cfg))
    assert not at.exception, at.exception
    # The same design, named after its preset and what changed (a block was added).
    assert at.session_state["model_cfg"] == replace(cfg, name="seed_shapes+blocks").to_dict()
    assert _column(at, "shape")[2] == "(32, 32, 8)"


def test_a_link_with_float_rates_off_the_slider_stops():
    """Older links hold rates as st.slider wrote them (0.15000000000000002) or finer ones."""
    seed = PRESETS["seed_shapes"]
    cfg = replace(
        seed,
        head=replace(seed.head, dropout=0.1 + 0.05),  # 0.15000000000000002
        augment=replace(seed.augment, rotation=0.123),
    )
    at = _open(arch=encode_config(cfg))
    assert not at.exception, at.exception
    drop = at.select_slider(key="architecture_e_hdrop")
    assert drop.value == 0.15 and "0.15" in drop.options and len(drop.options) == 19
    rotation = at.select_slider(key="architecture_e_rotation")
    assert rotation.value == 0.123 and "0.123" in rotation.options and "0.12" in rotation.options
    rotation.set_value(0.12).run()
    assert at.session_state["model_cfg"]["augment"]["rotation"] == 0.12
    assert at.session_state["model_cfg"]["head"]["dropout"] == 0.15


def _open_code(at, lang: str = "en") -> str:
    """Open the "Copy as Keras code" expander (as a click does: its widget's state, then
    a rerun) and return the code it shows."""
    at.session_state[f"architecture_code__{lang}"] = True
    at.run()
    assert not at.exception, at.exception
    return at.code[0].value


def test_keras_code_is_shown_once_its_expander_is_opened():
    at = open_app(PAGE)
    title = catalog("en")["architecture.code_title"]
    box = [e for e in at.expander if e.label == title]
    assert box and not at.code  # closed: no code written, no highlighter in the browser
    code = _open_code(at)
    assert 'layers.Conv2D(16, 3, padding="same", use_bias=False' in code
    assert "model.compile(" in code
    # Open, it stays open and follows the design; the download carries the same code.
    at.select_slider(key=f"architecture_e_b{_uid(at, 0)}_filters").set_value(8).run()
    assert 'layers.Conv2D(8, 3, padding="same"' in at.code[0].value
    assert at.session_state["architecture_code"] is True
    # A language switch keeps it open (the expander's label is part of its identity).
    at.segmented_control(key="lang").set_value("es").run()
    assert not at.exception, at.exception
    assert 'layers.Conv2D(8, 3, padding="same"' in at.code[0].value
    assert catalog("es")["architecture.code_title"] in [e.label for e in at.expander]
    # Open, it is still open after a page switch.
    at.switch_page("page_home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception and 'layers.Conv2D(8, 3, padding="same"' in at.code[0].value
    # Closed again (a click), the code is gone, and stays so after a page switch.
    at.session_state["architecture_code__es"] = False
    at.run()
    assert not at.code and at.session_state["architecture_code"] is False
    at.switch_page("page_home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception and not at.code


def test_the_design_survives_a_page_switch():
    at = open_app(PAGE)
    at.select_slider(key=f"architecture_e_b{_uid(at, 0)}_filters").set_value(8).run()
    at.switch_page("page_home.py").run()
    at.switch_page(PAGE).run()
    assert ModelConfig.from_dict(at.session_state["model_cfg"]).blocks[0].filters == 8
    assert at.select_slider(key=f"architecture_e_b{_uid(at, 0)}_filters").value == 8


def test_the_page_never_imports_keras_or_tensorflow(light_pages_imports):
    added = light_pages_imports["architecture"]  # by the page, in a fresh process (conftest.py)
    assert added == {"tf": False, "keras": False}


def test_l2_on_a_conv_block_changes_the_design_and_the_page_shows_it():
    at = open_app(PAGE)
    key = f"architecture_e_b{_uid(at, 0)}_l2"
    l2 = at.select_slider(key=key)
    assert l2.value == 0.0 and l2.help == catalog("en")["architecture.l2_help"]
    assert l2.options[:4] == [catalog("en")["architecture.l2_off"], "1e-5", "1e-4", "1e-3"]
    l2.set_value(1e-3).run()
    assert not at.exception, at.exception
    cfg = ModelConfig.from_dict(at.session_state["model_cfg"])
    assert [getattr(b, "l2", None) for b in cfg.blocks] == [1e-3, None, 0.0, None, 0.0]
    assert _metric(at, "total") == "23,762"  # weight decay adds no parameter
    captions = [m.value for m in at.markdown if m.value.startswith("**1 · ")]
    assert captions and captions[0].endswith("· L2 1e-3"), captions
    assert not any(m.value.startswith("**3 · ") and "L2" in m.value for m in at.markdown)
    code = _open_code(at)
    assert code.count("kernel_regularizer=keras.regularizers.L2(0.001)") == 1
    assert "arch" in at.query_params  # the link carries it
    # Switching the language keeps the value; labels follow, values stay ids.
    at.segmented_control(key="lang").set_value("es").run()
    assert not at.exception, at.exception
    l2 = at.select_slider(key=key)
    assert l2.value == 1e-3 and l2.help == catalog("es")["architecture.l2_help"]
    assert catalog("es")["architecture.l2_off"] in l2.options
    assert ModelConfig.from_dict(at.session_state["model_cfg"]) == cfg
    l2.set_value(0.0).run()
    assert not at.exception, at.exception
    assert at.session_state["model_cfg"] == PRESETS["seed_shapes"].to_dict()  # the preset again


def test_l2_on_a_dense_layer_and_the_step6_preset():
    at = open_app(PAGE)
    _pick(at, "seed_pets")
    uid = at.session_state["architecture_duids"][0]
    at.select_slider(key=f"architecture_e_d{uid}_l2").set_value(1e-4).run()
    assert not at.exception, at.exception
    cfg = ModelConfig.from_dict(at.session_state["model_cfg"])
    assert cfg.head.dense[0].l2 == 1e-4 and all(b.l2 == 0.0 for b in cfg.blocks[::2])
    assert _metric(at, "total") == "830,849"
    assert any(m.value.startswith("*Dense layer 1*") and "L2 1e-4" in m.value for m in at.markdown)
    assert 'L2(0.0001), name="dense_1"' in _open_code(at)
    # The step-6 preset: weight decay on every convolution, the tutorial's parameters.
    _pick(at, "shapes_l2")
    assert not at.exception, at.exception
    assert at.session_state["model_cfg"] == PRESETS["shapes_l2"].to_dict()
    assert _metric(at, "total") == "23,762"
    convs = [m.value for m in at.markdown if m.value.startswith(("**1 · ", "**3 · ", "**5 · "))]
    assert len(convs) == 3 and all(c.endswith("· L2 1e-3") for c in convs), convs
    assert at.caption and any("1e-3" in c.value for c in at.caption)  # the preset's note
    at.segmented_control(key="lang").set_value("es").run()
    assert not at.exception, at.exception
    assert at.session_state["model_cfg"] == PRESETS["shapes_l2"].to_dict()


def test_a_link_with_an_invalid_l2_names_it():
    seed = PRESETS["seed_shapes"]
    cfg = replace(seed, blocks=(replace(seed.blocks[0], l2=-0.5), *seed.blocks[1:]))
    at = _open(arch=encode_config(cfg))
    assert not at.exception, at.exception
    assert any("conv2d_1" in e.value and "l2" in e.value and "-0.5" in e.value for e in at.error)
    assert "model_cfg" not in at.session_state  # nothing invalid reaches the Train page
    # Choosing a factor from the slider fixes it.
    at.select_slider(key=f"architecture_e_b{_uid(at, 0)}_l2").set_value(0.0).run()
    assert not at.error and at.session_state["model_cfg"] == seed.to_dict()


# ------------------------------------------------------------- classroom-proof page
def _texts(at) -> str:
    return " ".join(
        str(e.value) for kind in ("markdown", "caption", "error", "info") for e in at.get(kind)
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_in_each_language_and_on_the_projector(lang):
    at = open_app(PAGE, lang=lang)
    at.toggle(key="projector").set_value(True).run()
    assert not at.exception, at.exception
    assert not at.error
    assert _metric(at, "total", lang) == {"en": "23,762", "es": "23\u00a0762"}[lang]
    # The projector's table drops the type and FLOPs columns (room for big type).
    assert catalog(lang)["architecture.col_type"] not in _table(at).columns
    assert at.title[0].value == catalog(lang)["architecture.title"]


def test_switching_language_and_projector_keeps_every_choice():
    at = open_app(PAGE)
    _pick(at, "seed_pets")
    b0, b1 = f"architecture_e_b{_uid(at, 0)}_", f"architecture_e_b{_uid(at, 1)}_"
    at.select_slider(key=b0 + "filters").set_value(48)
    at.selectbox(key=b0 + "activation").set_value("elu")
    at.select_slider(key=b0 + "l2").set_value(1e-4)
    at.segmented_control(key=b1 + "mode").set_value("avg")
    at.selectbox(key="architecture_e_flip").set_value("vertical")
    at.radio(key="architecture_e_pooling").set_value("gap").run()
    at.selectbox(key="architecture_compare").set_value("pets_gap").run()
    assert not at.exception, at.exception
    chosen = ModelConfig.from_dict(at.session_state["model_cfg"])
    for key, value in (("lang", "es"), ("projector", True), ("lang", "en"), ("projector", False)):
        if key == "lang":
            at.segmented_control(key="lang").set_value(value).run()
        else:
            at.toggle(key="projector").set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        assert not at.error, (key, value, [e.value for e in at.error])
        assert ModelConfig.from_dict(at.session_state["model_cfg"]) == chosen
        assert at.selectbox(key="architecture_preset").value == "seed_pets"
        assert at.selectbox(key=b0 + "activation").value == "elu"
        assert at.segmented_control(key=b1 + "mode").value == "avg"
        assert at.selectbox(key="architecture_e_flip").value == "vertical"
        assert at.radio(key="architecture_e_pooling").value == "gap"
        assert at.selectbox(key="architecture_compare").value == "pets_gap"
    # Clicking after the switch sends a value, never a stale label.
    at.segmented_control(key="lang").set_value("es").run()
    at.selectbox(key=b0 + "padding").set_value("valid").run()
    assert not at.exception, at.exception
    assert ModelConfig.from_dict(at.session_state["model_cfg"]).blocks[0].padding == "valid"


def _encoded(d) -> str:
    import base64
    import json
    import zlib

    raw = json.dumps(d).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


@pytest.mark.parametrize(
    "link",
    [
        {"preset": "99"},
        {"preset": "-3", "projector": "abc"},
        {"arch": "abc"},
        {"arch": _encoded([1, 2])},
        {"arch": _encoded({"blocks": [{"kind": "conv", "filters": 1e308}]})},
        {"arch": _encoded({"blocks": [{"kind": "conv", "filters": "abc", "padding": 7}]})},
        {"arch": _encoded({"blocks": [{"kind": "conv", "batch_norm": "x"}]})},
        {"arch": _encoded({"blocks": [{"kind": "pool", "mode": "zzz", "padding": 7}]})},
        {"arch": _encoded({"blocks": [{"kind": "dropout", "rate": -3, "spatial": 2}]})},
        {"arch": _encoded({"input_shape": ["a", 1e308, -3]})},
        {"arch": _encoded({"input_shape": [99999, 32, 1], "num_classes": 5000})},
        {"arch": _encoded({"head": {"pooling": 5, "dropout": "x", "dense": [{"units": -1}]}})},
        {"arch": _encoded({"augment": {"flip": 3, "rotation": "a"}, "rescale": "maybe"})},
    ],
)
def test_nonsense_links_raise_nothing(link):
    at = _open(**link)
    assert not at.exception, at.exception
    boundary = catalog("en")["common.error_title"]
    assert not any(boundary in e.value for e in at.error), [e.value for e in at.error]
    assert at.title[0].value == "Architecture"


def test_an_edited_design_is_named_after_what_changed():
    at = open_app(PAGE)
    assert at.session_state["model_cfg"]["name"] == "seed_shapes"
    at.select_slider(key=f"architecture_e_b{_uid(at, 0)}_filters").set_value(24).run()
    assert at.session_state["model_cfg"]["name"] == "seed_shapes+filters"
    note = catalog("en")["architecture.modified_as"].format(name="seed_shapes+filters")
    assert any(c.value.endswith(note) for c in at.caption), [c.value for c in at.caption]
    assert 'name="seed_shapes+filters"' in _open_code(at)
    at.select_slider(key=f"architecture_e_b{_uid(at, 4)}_l2").set_value(1e-3).run()
    assert at.session_state["model_cfg"]["name"] == "seed_shapes+filters+l2"
    # Back to the preset's values: back to its name, and the note goes.
    at.select_slider(key=f"architecture_e_b{_uid(at, 0)}_filters").set_value(16)
    at.select_slider(key=f"architecture_e_b{_uid(at, 4)}_l2").set_value(0.0).run()
    assert at.session_state["model_cfg"] == PRESETS["seed_shapes"].to_dict()
    assert not any("seed_shapes+" in c.value for c in at.caption)
    # In Spanish the note is Spanish; the name is the same id.
    at.radio(key="architecture_e_pooling").set_value("flatten").run()
    at.segmented_control(key="lang").set_value("es").run()
    note = catalog("es")["architecture.modified_as"].format(name="seed_shapes+flatten")
    assert any(c.value.endswith(note) for c in at.caption)


def test_the_page_file_is_thin_and_makes_no_choice_widget_itself():
    import ast
    from pathlib import Path

    import dashboard.page_architecture as page

    source = Path(page.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    choice = {"selectbox", "radio", "multiselect", "segmented_control", "pills", "select_slider"}
    calls = [
        n.func.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in choice
    ]
    assert calls == []
    assert not any(isinstance(n, ast.Global) for n in ast.walk(tree))
    top = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    assert top == []  # no module-level UI call
    assert source.rstrip().endswith('if __name__ == "__main__":\n    render()')
    assert callable(page.render)


@pytest.mark.parametrize(("lang", "grouped"), [("en", "18,432"), ("es", "18\u00a0432")])
def test_counts_written_in_the_figures_are_grouped_as_the_language_writes(lang, grouped):
    import json

    at = open_app(PAGE, lang=lang)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    texts = [
        str(x)
        for spec in specs
        for item in [*spec["data"], *spec["layout"].get("annotations", [])]
        for x in (item.get("text") if isinstance(item.get("text"), list) else [item.get("text")])
        if x
    ]
    assert grouped in texts  # conv2d_3's parameters, on the bars
    assert any(x.strip() == {"en": "548,306", "es": "548\u00a0306"}[lang] for x in texts)
    if lang == "es":  # a comma is the decimal mark in Spanish
        assert not any("," in x for x in texts)
