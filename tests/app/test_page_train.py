"""Train page in AppTest: a real (small) training job, re-attached across a page switch."""

from __future__ import annotations

import time

import pytest

from cnnlab.model import PRESETS
from tests.app.conftest import open_app, page_css

pytestmark = pytest.mark.keras

SMALL = {"source": "shapes", "n": 240, "size": 16}


def _wait_for_results(at, seconds: float = 240) -> None:
    from dashboard import state

    deadline = time.monotonic() + seconds
    # Let the worker train undisturbed (page reruns every 0.5 s competed with it for the
    # CPU), then rerun the page as its poll would.
    job = state.registry().get(at.session_state["train_job"])
    if job is not None:
        state.registry().wait(job, seconds)
    while time.monotonic() < deadline:
        at.run()
        if any(h.value in ("Results", "Resultados") for h in at.subheader):
            return
        time.sleep(0.2)
    jobs = [(j.status, j.error, len(j.batches)) for j in state.registry().jobs()]
    raise AssertionError(f"no results after training: {jobs} {at.subheader} {at.info}")


@pytest.mark.slow
def test_train_survives_a_page_switch_and_shows_results(monkeypatch):
    at = open_app("page_train.py")
    at.session_state["dataset_spec"] = SMALL
    at.run()
    assert "23,762" in " ".join(m.value for m in at.markdown)  # the shapes model, 16×16×1
    at.number_input(key="train_epochs").set_value(2).run()
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    job_id = at.session_state["train_job"]
    assert at.query_params["job"] in (job_id, [job_id])
    at.switch_page("page_kernels.py").run()  # leave while it trains
    at.switch_page("page_train.py").run()
    assert at.session_state["train_job"] == job_id  # re-attached, not restarted
    _wait_for_results(at)
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert "Validation accuracy" in labels
    cells = at.selectbox(key="train_cell")
    assert "(0)" not in cells.format_func(cells.value)  # opens on a cell with images
    assert not any(c.value == "No validation image falls in this cell." for c in at.caption)
    cells.set_value((0, 0)).run()
    assert not at.exception
    assert any(b.label.startswith("Download") for b in at.get("download_button"))
    # "New run" goes back to the setup, where this run is the last one.
    at.button(key="train_new").click().run()
    assert not at.exception, at.exception
    assert not at.button(key="train_start").disabled
    assert any(m.value.startswith("Last run") for m in at.markdown)
    # Another dataset: the results belong to an earlier run, folded away and labelled so.
    from cnnlab import compare

    monkeypatch.setattr(compare, "chance_since", lambda history, k, **kw: 1)
    at.session_state["dataset_spec"] = {**SMALL, "n": 300}
    at.run()
    assert not at.exception, at.exception
    assert not any(m.value.startswith("Last run") for m in at.markdown)
    (earlier,) = [e for e in at.expander if e.label.startswith("Earlier run")]
    assert "seed_shapes" in earlier.label
    # Validation accuracy stuck at chance is said, with what to try.
    assert any("stayed at chance (50 %" in w.value and "lower learning rate" in w.value
               for w in at.warning)  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "es"])
def test_data_card_and_demo_button_speak_the_page_language(lang):
    from dashboard.i18n import catalog

    cat = catalog(lang)
    at = open_app("page_train.py", lang=lang)
    at.session_state["model_cfg"] = PRESETS["seed_pets"].to_dict()
    at.run()
    at.button(key="train_preset_shapes").click().run()
    assert not at.exception, at.exception
    assert at.session_state["model_cfg"] == PRESETS["seed_shapes"].to_dict()
    assert [s.value for s in at.success] == [cat["train.preset_loaded_shapes"]]
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert cat["data.src_shapes"] in text
    assert f"{cat['data.shape_circle']}, {cat['data.shape_square']}" in text
    assert "classes=" not in text and "n=2000" not in text
    at.run()  # the notice was for that click only
    assert not at.success


def test_impossible_design_shows_a_message_and_disables_train():
    at = open_app("page_train.py")
    pets = PRESETS["seed_pets"]
    deep = pets.__class__.from_dict({**pets.to_dict(), "blocks": pets.to_dict()["blocks"] * 2})
    at.session_state["model_cfg"] = deep.to_dict()
    at.session_state["dataset_spec"] = SMALL
    at.run()
    assert not at.exception
    assert at.error, "an error box names the problem"
    assert at.button(key="train_start").disabled


def test_spanish_train_page():
    at = open_app("page_train.py", lang="es")
    assert not at.exception
    assert at.button(key="train_start").label == "Entrenar"


@pytest.mark.slow
def test_challenge_mode_locks_epochs_seed_and_split_and_tags_the_run():
    from dashboard import state

    at = open_app("page_train.py")
    at.session_state["dataset_spec"] = {"source": "challenge", "n": 200, "size": 24, "seed": 0}
    at.run()
    at.toggle(key="train_challenge").set_value(True).run()
    assert not at.exception, at.exception
    assert at.session_state["dataset_spec"]["n"] == 200  # cats and dogs already: kept
    locked = at.number_input(key="train_ep_lock")
    assert locked.value == 10 and locked.disabled
    assert at.number_input(key="train_seed_lock").disabled
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    job = state.registry().get(at.session_state["train_job"])
    assert job.train_cfg.epochs == 10 and job.train_cfg.seed == 0
    assert job.tags == ("challenge",)
    _wait_for_results(at)
    assert job.status == "finished" and len(job.epochs) == 10


def test_challenge_mode_loads_the_challenge_data_over_the_shapes_demo():
    from cnnlab import compare

    for lang, words in (("en", "synthetic cats and dogs"), ("es", "perros y gatos sintéticos")):
        at = open_app("page_train.py", lang=lang)
        at.toggle(key="train_challenge").set_value(True).run()
        assert not at.exception, at.exception
        assert at.session_state["dataset_spec"] == compare.CHALLENGE_DATA
        assert words in at.info[0].value and "0.81" in at.info[0].value
        at.run()  # said once
        assert not any(words in i.value for i in at.info)


def test_upload_a_keras_model_safely_and_refuse_a_broken_one(tmp_path):
    import keras

    model = keras.Sequential(
        [keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3), keras.layers.Flatten(),
         keras.layers.Dense(1, activation="sigmoid")], name="tiny",
    )  # fmt: skip
    path = tmp_path / "tiny.keras"
    model.save(path)
    at = open_app("page_train.py")
    up = at.file_uploader(key="train_upload")
    up.set_value(("tiny.keras", path.read_bytes(), "application/octet-stream")).run()
    assert not at.exception, at.exception
    ok = " ".join(s.value for s in at.success)
    assert "tiny" in ok and f"{model.count_params():,}" in ok and "(12, 12, 1)" in ok
    assert at.session_state["inspect_model_path"].endswith(".keras")
    at.file_uploader(key="train_upload").set_value(
        ("broken.keras", b"PK\x03\x04 not really a zip", "application/octet-stream")
    ).run()
    assert not at.exception, at.exception
    assert at.error and "not a Keras model that can be loaded safely" in at.error[0].value
    assert "cannot be loaded safely" in at.error[0].value


def test_a_bad_keras_upload_is_refused_in_spanish():
    from dashboard.i18n import catalog

    at = open_app("page_train.py", lang="es")
    at.file_uploader(key="train_upload").set_value(
        ("modelo.keras", b"esto no es un modelo", "application/octet-stream")
    ).run()
    assert not at.exception, at.exception
    es = catalog("es")
    reason = es["errors.input_model_not_zip"]
    assert at.error and at.error[0].value == es["train.upload_bad"].format(reason=reason)


# ---------------------------------------------------------------- classroom-proof page
def _open(lang: str = "en", **params: str):
    """The app opened on Train from a link with ``params`` (as a browser would)."""
    from tests.app.conftest import open_app

    return open_app("page_train.py", lang=lang, **params)


def _settings(at) -> dict:
    keys = ("train_optimizer", "train_lr", "train_batch", "train_epochs", "train_seed",
            "train_early", "train_challenge")  # fmt: skip
    return {k: at.session_state[k] for k in keys}


DEFAULTS = {
    "train_optimizer": "adam", "train_lr": 1e-3, "train_batch": 64, "train_epochs": 10,
    "train_seed": 0, "train_early": False, "train_challenge": False,
}  # fmt: skip


def test_the_page_module_imports_without_drawing():
    import importlib

    page = importlib.import_module("dashboard.page_train")
    assert callable(page.render)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_in_projector_mode(lang):
    from dashboard.i18n import catalog

    at = _open(lang, projector="1")
    assert not at.exception, at.exception
    assert at.title[0].value == catalog(lang)["train.title"]
    assert at.button(key="train_start").label == catalog(lang)["train.start"]
    assert "font-size: 21px" in page_css(at)


def test_language_and_projector_switches_keep_the_chosen_settings():
    at = open_app("page_train.py")
    at.selectbox(key="train_optimizer").set_value("sgd").run()
    at.select_slider(key="train_lr").set_value(3e-3).run()
    at.select_slider(key="train_batch").set_value(16).run()
    at.number_input(key="train_epochs").set_value(3).run()
    at.number_input(key="train_seed").set_value(7).run()
    at.toggle(key="train_early").set_value(True).run()
    chosen = {**DEFAULTS, "train_optimizer": "sgd", "train_lr": 3e-3, "train_batch": 16,
              "train_epochs": 3, "train_seed": 7, "train_early": True}  # fmt: skip
    assert _settings(at) == chosen
    for lang, projector in [("es", False), ("es", True), ("en", True), ("en", False)]:
        at.segmented_control(key="lang").set_value(lang).run()
        at.toggle(key="projector").set_value(projector).run()
        assert not at.exception, (lang, projector, at.exception)
        assert not at.error, (lang, projector, [e.value for e in at.error])
        assert _settings(at) == chosen, (lang, projector)


NONSENSE = {
    "opt": "nope", "lr": "1e308", "batch": "-3", "epochs": "nan", "seed": "abc",
    "challenge": "maybe", "job": "../../etc/passwd",
}  # fmt: skip


@pytest.mark.parametrize(
    ("params", "key", "want"),
    [({"epochs": "99999"}, "train_epochs", 200), ({"epochs": "-3"}, "train_epochs", 1),
     ({"epochs": "1e308"}, "train_epochs", 200), ({"seed": "1e308"}, "train_seed", 10_000),
     ({"seed": "-1"}, "train_seed", 0), ({"epochs": "2.6"}, "train_epochs", 3)],
)  # fmt: skip
def test_numbers_out_of_range_in_links_are_clamped_to_the_boxes(params, key, want):
    at = _open("en", **params)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.session_state[key] == want


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(
    "params",
    [NONSENSE, {"lr": "abc"}, {"lr": "0.123"}, {"batch": "99"}, {"epochs": "inf"},
     {"seed": "<script>alert(1)</script>"}, {"opt": "-3", "job": "x"}],
)  # fmt: skip
def test_nonsense_links_open_the_defaults(lang, params):
    at = _open(lang, **params)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert _settings(at) == {**DEFAULTS, "train_challenge": at.session_state["train_challenge"]}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_loading_a_demo_sets_all_its_settings(lang):
    from dashboard.i18n import catalog

    at = open_app("page_train.py", lang=lang)
    at.select_slider(key="train_lr").set_value(3e-3).run()
    at.select_slider(key="train_batch").set_value(16).run()
    at.selectbox(key="train_optimizer").set_value("rmsprop").run()
    at.number_input(key="train_epochs").set_value(3).run()
    at.number_input(key="train_seed").set_value(5).run()
    at.button(key="train_preset_shapes").click().run()
    assert not at.exception, at.exception
    assert _settings(at) == DEFAULTS  # Adam 0.001, batch 64, 10 epochs: the tutorial's
    assert at.session_state["dataset_spec"] == {"source": "shapes", "n": 2000, "size": 32}
    at.toggle(key="train_challenge").set_value(True).run()
    at.button(key="train_preset_pets").click().run()
    assert not at.exception, at.exception
    assert _settings(at) == {**DEFAULTS, "train_batch": 128}  # the notebook's batches
    assert at.session_state["model_cfg"]["name"] == "seed_pets"
    spec = at.session_state["dataset_spec"]
    assert spec["source"] in ("folder", "challenge")
    (note,) = at.success
    if spec["source"] == "challenge":  # no photos here: sized to the synthetic pets
        assert ("200,065" if lang == "en" else "200\u00a0065") in note.value
        cat = catalog(lang)
        name = cat.get("data.src_challenge") or cat["train.src_challenge"]
        assert name in " ".join(m.value for m in at.markdown)
    assert not at.warning  # what is loaded fits: nothing to warn about
    assert not at.button(key="train_start").disabled


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_design_for_other_images_says_so_before_train(lang):
    from cnnlab.model import ModelConfig

    at = open_app("page_train.py", lang=lang)
    at.session_state["model_cfg"] = PRESETS["seed_pets"].to_dict()
    at.session_state["dataset_spec"] = {"source": "shapes", "n": 2000, "size": 32}
    at.run()
    assert not at.exception, at.exception
    (warn,) = at.warning
    group = "," if lang == "en" else "\u00a0"
    for text in ("150×150×3", "32×32×1", f"830{group}849", f"199{group}489"):
        assert text in warn.value, text
    card = " ".join(m.value for m in at.markdown)
    assert f"199{group}489" in card and f"830{group}849" not in card  # the true count
    assert not at.button(key="train_start").disabled  # it can train, resized
    at.button(key="train_fit_size").click().run()  # "use the data's size in the design"
    assert not at.exception, at.exception
    cfg = ModelConfig.from_dict(at.session_state["model_cfg"])
    assert cfg.input_shape == (32, 32, 1) and cfg.name == "seed_pets"
    assert not at.warning
    at.session_state["model_cfg"] = PRESETS["seed_pets"].to_dict()
    at.run()
    at.button(key="train_fit_pets").click().run()  # or load cats and dogs instead
    assert not at.exception, at.exception
    assert at.session_state["dataset_spec"]["source"] in ("folder", "challenge")
    assert not at.warning
