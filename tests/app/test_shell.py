"""The app shell: every page opens in both languages; global settings and the URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.i18n import catalog
from tests.app.conftest import APP, PAGES, open_app, page_css


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("page_file,slug", PAGES)
def test_every_page_opens_with_its_title(page_file, slug, lang):
    at = open_app(page_file, lang=lang, timeout=120)
    assert not at.exception, at.exception
    titles = [t.value for t in at.title]
    assert catalog(lang)[f"{slug}.title"] in titles


def test_language_and_projector_come_from_the_url_and_stay_across_pages():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "es"
    at.query_params["projector"] = "1"
    at.run()
    assert at.session_state["lang"] == "es"
    assert at.session_state["projector"] is True
    assert at.title[0].value == catalog("es")["home.title"]
    assert "font-size: 21px" in page_css(at)  # projector CSS
    at.switch_page("page_pooling.py").run()
    assert at.session_state["projector"] is True
    assert at.title[0].value == catalog("es")["pooling.title"]
    assert at.query_params["lang"] == ["es"] or at.query_params["lang"] == "es"


def test_projector_toggle_switches_styles():
    at = open_app()
    assert "font-size: 21px" not in page_css(at)
    at.toggle(key="projector").set_value(True).run()
    assert "font-size: 21px" in page_css(at)
    at.switch_page("page_kernels.py").run()
    assert at.toggle(key="projector").value is True


def test_compute_panel_names_backend_without_importing_tensorflow():
    at = open_app()
    from cnnlab.backend import keras_backend

    text = " ".join(m.value for m in at.markdown)
    assert f"`{keras_backend()}`" in text
    assert "**CPU:**" in text and "**GPU:**" in text


def test_home_kernels_pooling_do_not_import_tensorflow(light_pages_imports):
    result = light_pages_imports["home_kernels_pooling"]  # a fresh process (conftest.py)
    assert result == {"tf": False, "keras": False}


def test_importing_cnnlab_is_light():
    code = (
        "import cnnlab, cnnlab.ops, cnnlab.backend, sys; "
        "assert 'streamlit' not in sys.modules and 'tensorflow' not in sys.modules; print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(APP).parents[1],
        check=True,
    )
    assert out.stdout.strip() == "ok"


def test_server_keeps_keras_out_of_the_per_run_gc_and_its_session():
    """Streamlit's per-run cleanup cost a full GC over Keras' heap (bench_load.py)."""
    import gc

    from streamlit.runtime.scriptrunner import script_runner

    from dashboard import state

    at = open_app("page_home.py")
    assert not at.exception
    clean = script_runner._clean_problem_modules
    assert clean.__doc__.startswith("Streamlit's post-run cleanup, without")
    keras = pytest.importorskip("keras")
    layer = keras.layers.Dense(2, name="kept")
    before = keras.backend.get_uid("dense")
    clean()  # Streamlit's own would reset Keras' name counters (clear_session)
    assert keras.backend.get_uid("dense") == before + 1
    assert layer.name == "kept"
    # Start from nothing frozen, as a fresh server would: whatever earlier tests froze or
    # counted must not decide the outcome.
    gc.unfreeze()
    state._frozen_at = 0
    state._import_keras()  # what the Train and Inspect pages start in the background
    assert gc.get_freeze_count() > 10_000  # Keras' objects no longer scanned by each GC
    gc.unfreeze()


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.0, "0 %"), (0.75, "75 %"), (0.004, "0.4 %"), (0.996, "99.6 %"), (0.0001, "< 0.1 %"),
     (0.9999, "> 99.9 %"), (1.0, "100 %")],
)  # fmt: skip
def test_percent_never_rounds_a_remainder_away(share, text):
    from dashboard.ui import percent

    assert percent(share) == text


def test_pooling_table_says_how_many_pixels_remain_not_100_percent():
    """Five 2×2 steps leave a few pixels: the table says 99.x %, never 100 %."""
    at = open_app("page_pooling.py")
    at.slider(key="pooling_steps").set_value(5).run()
    assert not at.exception
    table = at.table[0].value  # the steps table, first on the page
    fewer = [str(v) for v in table[catalog("en")["pooling.col_fewer"]]]
    assert len(fewer) == 6 and fewer[-1].startswith(("99.", "> 99.9")), fewer


def test_counts_are_grouped_as_each_language_writes_them(monkeypatch):
    from dashboard import ui

    monkeypatch.setattr(ui, "lang", lambda: "en")
    assert (ui.count(830_849), ui.count(1234.56, 1), ui.count(12)) == ("830,849", "1,234.6", "12")
    monkeypatch.setattr(ui, "lang", lambda: "es")
    assert (ui.count(830_849), ui.count(1234.56, 1)) == ("830\u00a0849", "1\u00a0234.6")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_shapes_class_names_are_shown_in_the_page_language(monkeypatch, lang):
    from dashboard import ui

    monkeypatch.setattr(ui, "t", lambda key, **kw: catalog(lang)[key])
    assert ui.class_names(["circle", "square"]) == [
        catalog(lang)["data.shape_circle"],
        catalog(lang)["data.shape_square"],
    ]
    assert ui.class_names(["Cat", "Dog"]) == ["Cat", "Dog"]  # a folder's own names


@pytest.mark.parametrize("lang", ["en", "es"])
def test_home_in_projector_mode_and_back(lang):
    import importlib

    assert callable(importlib.import_module("dashboard.page_home").render)  # no drawing
    at = open_app("page_home.py", lang=lang)
    for projector in (True, False):
        at.toggle(key="projector").set_value(projector).run()
        assert not at.exception, at.exception
        assert at.title[0].value == catalog(lang)["home.title"]
        strip = [h.proto.body for h in at.get("html") if "<figure" in h.proto.body]
        assert len(strip) == 1  # image, map, two poolings: inline pictures, one element
        assert strip[0].count("<img src='data:image/jpeg;base64,") == 4
        assert catalog(lang)["home.pic_kernel"] in strip[0]
    other = "es" if lang == "en" else "en"
    at.segmented_control(key="lang").set_value(other).run()
    assert not at.exception
    assert catalog(other)["home.path_title"] in [h.value for h in at.subheader]


def test_preload_readies_home_without_keras():
    """``cnnlab app`` calls app.preload before the server starts: Home's modules and
    picture are ready, the run store is open (its tables made: Inspect's and Train's
    first run opened it, ~0.1 s), every step succeeded (a failed one logs "preloading …
    failed"), and neither TensorFlow nor Keras is imported (a fresh process)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; from dashboard.app import preload; preload(); "
        "from cnnlab.pipeline import first_stage; from dashboard import state; "
        "import cnnlab.runs; cnnlab.runs.RunStore = None; "  # a second open would fail
        "opened = state.store().db is not None; "
        "print(first_stage.cache_info().currsize, 'dashboard.page_home' in sys.modules, "
        "any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules), opened)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=os.environ
    )
    assert done.stdout.split() == ["1", "True", "False", "True"], done.stderr
    assert (Path(os.environ["CNNLAB_HOME"]) / "runs.sqlite").is_file()
    assert "preloading" not in done.stderr


def test_home_picture_is_computed_once_and_read_only():
    from cnnlab.pipeline import first_stage

    a, b = first_stage(), first_stage()
    assert a is b
    assert not any(m.flags.writeable for m in a.maps) and not a.kernel.flags.writeable
