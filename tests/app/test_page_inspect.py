"""Inspect page in AppTest: a real (small) trained run, an uploaded model, no run at all.

The trained run is the session's shared one (``trained_run`` in tests/conftest.py).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.app.conftest import open_app, page_css

pytestmark = pytest.mark.keras


@pytest.fixture
def with_run(trained_run, tmp_path, monkeypatch):
    """CNNLAB_HOME = a copy of the home holding the shared run of the tutorial's model."""
    home = trained_run.copy_home(tmp_path / "trained_home")
    monkeypatch.setenv("CNNLAB_HOME", str(home))
    return trained_run.run_id


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [s.value for s in at.subheader]
    parts += [i.caption for e in at.get("image") for i in e.proto.imgs]
    return "\n".join(str(p) for p in parts)


@pytest.mark.slow  # the demo's job starts a training worker
def test_no_run_offers_the_shapes_demo():
    at = open_app("page_inspect.py")
    assert not at.exception, at.exception
    assert at.info and "No trained model yet" in at.info[0].value
    button = at.button(key="inspect_train_demo")
    assert button.label == "Train the shapes demo"
    button.click().run()
    assert not at.exception, at.exception
    from dashboard import state

    job_id = at.session_state["train_job"]
    job = state.registry().get(job_id)
    assert job is not None and job.model_cfg.name == "seed_shapes"
    state.registry().stop(job_id)  # don't train 10 epochs inside the test run


def test_a_run_shows_prediction_filters_maps_and_receptive_field(with_run, trained_run):
    at = open_app("page_inspect.py")
    assert not at.exception, at.exception
    assert at.selectbox(key="inspect_run").value == with_run
    text = _text(at)
    assert "Prediction:" in text
    assert "23,762 parameters" in text
    for title in ("Grad-CAM", "First-layer filters", "Feature maps", "Receptive field"):
        assert title in text, title
    assert "16 filters of 3×3×1" in text  # the first conv layer
    assert "depends on a **18×18** pixel region" in text  # relu_3's receptive field
    # epochs replay: initial weights + one point per epoch
    epoch = at.select_slider(key="inspect_epoch")
    assert epoch.options == ["start", *(str(e) for e in range(1, trained_run.epochs + 1))]
    epoch.set_value(0).run()
    assert not at.exception
    # another layer, another position
    at.selectbox(key="inspect_layer").set_value("max_pool_2").run()
    assert "max_pool_2: 8×8 maps, 32 channels" in _text(at)
    at.selectbox(key="inspect_rf_layer").set_value("relu_1").run()
    at.slider(key="inspect_rf_row").set_value(0).run()
    at.slider(key="inspect_rf_col").set_value(0).run()
    text = _text(at)
    assert "Position (0, 0) of **relu_1** depends on a **3×3**" in text
    assert "only 2×2 of it lies inside the image" in text
    # statistics and top patches
    assert [m.label for m in at.metric][:1] == ["Dead filters"]
    at.number_input(key="inspect_patch_channel").set_value(5).run()
    assert not at.exception
    assert "each crop is the receptive field" in _text(at)
    # Grad-CAM for the other class
    at.selectbox(key="inspect_class").set_value(1).run()
    assert not at.exception
    at.slider(key="inspect_index").set_value(7).run()
    assert not at.exception and "Prediction:" in _text(at)


def test_spanish(with_run):
    at = open_app("page_inspect.py", lang="es")
    assert not at.exception, at.exception
    text = _text(at)
    assert "Predicción:" in text and "Campo receptivo" in text
    assert at.selectbox(key="inspect_layer").label == "Capa"


def test_uploaded_model_and_bad_file(trained_run, tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    shutil.copy(trained_run.home / "runs" / trained_run.run_id / "model.keras", path)
    at = open_app("page_inspect.py")  # an empty home: only the upload
    at.session_state["inspect_model_path"] = str(path)
    at.run()
    assert not at.exception, at.exception
    text = _text(at)
    assert "synthetic shapes of its input size" in text  # no validation set: sample shapes
    assert "Prediction: class" in text  # class names unknown for an upload
    assert "Top patches need the run's validation images" in at.info[0].value
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    at.session_state["inspect_model_path"] = str(bad)
    at.run()
    assert not at.exception, at.exception
    assert at.error and "could not be loaded" in at.error[0].value


def test_upload_input_bad_picture(with_run):
    at = open_app("page_inspect.py")
    at.segmented_control(key="inspect_input").set_value("upload").run()
    assert not at.exception
    assert "Waiting for a picture" in _text(at)
    at.segmented_control(key="inspect_input").set_value("draw").run()
    assert not at.exception
    assert "Draw a shape with the mouse" in _text(at)
    assert at.button(key="inspect_clear")


def test_drawing_becomes_an_image():
    from cnnlab.viz import drawing_image

    t = np.linspace(0, 2 * np.pi, 60)
    circle = {"lasso": [{"x": list(16 + 8 * np.cos(t)), "y": list(16 + 8 * np.sin(t))}]}
    img = drawing_image(circle, (32, 32))
    assert img.shape == (32, 32) and img.dtype == np.uint8
    area = ((img.astype(float) - 40) / 180).sum()
    assert area == pytest.approx(np.pi * 64, rel=0.03)  # anti-aliased: area, not pixels
    assert drawing_image({"lasso": [], "box": []}, (32, 32)) is None


# ---------------------------------------------------------------- classroom-proof page
def _open(lang: str = "en", **params: str):
    """The app opened on Inspect from a link with ``params`` (as a browser would)."""
    from tests.app.conftest import open_app

    return open_app("page_inspect.py", lang=lang, **params)


def test_the_page_module_imports_without_drawing():
    import importlib

    page = importlib.import_module("dashboard.page_inspect")
    assert callable(page.render)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_in_projector_mode(with_run, lang):
    from dashboard.i18n import catalog

    cat = catalog(lang)
    at = _open(lang, projector="1")
    assert not at.exception, at.exception
    assert at.title[0].value == cat["inspect.title"]
    assert "font-size: 21px" in page_css(at)
    # Each hand-made kernel is named in a caption of its own (whole words, two a row).
    captions = {c.value for c in at.caption}
    assert cat["kernels.preset_seed_horizontal_edges"] in captions
    assert cat["kernels.preset_sobel_x"] in captions
    if lang == "es":  # a course model by its name, not its id
        assert "modelo del tutorial (figuras)" in _text(at)


def test_language_and_projector_switches_keep_the_chosen_ids(with_run):
    at = _open("en")
    at.slider(key="inspect_index").set_value(7).run()
    at.selectbox(key="inspect_class").set_value(1).run()
    at.selectbox(key="inspect_layer").set_value("max_pool_2").run()
    at.selectbox(key="inspect_rf_layer").set_value("relu_1").run()
    at.number_input(key="inspect_patch_channel").set_value(5).run()
    chosen = {
        "inspect_run": with_run, "inspect_index": 7, "inspect_class": 1,
        "inspect_layer": "max_pool_2", "inspect_rf_layer": "relu_1",
        "inspect_patch_channel": 5, "inspect_input": "val",
    }  # fmt: skip
    for lang, projector in [("es", False), ("es", True), ("en", True), ("en", False)]:
        at.segmented_control(key="lang").set_value(lang).run()
        at.toggle(key="projector").set_value(projector).run()
        assert not at.exception, (lang, projector, at.exception)
        assert not at.error, (lang, projector, [e.value for e in at.error])
        for key, value in chosen.items():
            assert at.session_state[key] == value, (lang, projector, key)


NONSENSE = {
    "run": "../../etc", "input": "99", "img": "nan", "layer": "x", "epoch": "-3", "rf": "x",
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(
    "params",
    [NONSENSE, {"img": "-1"}, {"img": "abc"}, {"epoch": "1e308"}, {"input": "draw", "img": "3"},
     {"run": "", "layer": "relu_1", "rf": "relu_99"}],
)  # fmt: skip
def test_nonsense_links_open_the_defaults(with_run, lang, params):
    at = _open(lang, **params)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="inspect_run").value == with_run
    if params.get("input") != "draw":
        assert at.slider(key="inspect_index").value == 0


def test_an_image_index_beyond_the_set_in_a_link_is_the_last_image(with_run):
    at = _open("en", img="1e308")
    assert not at.exception, at.exception
    index = at.slider(key="inspect_index")
    assert index.value == index.max
