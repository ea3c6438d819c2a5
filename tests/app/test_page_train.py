"""Train page in AppTest: a real (small) training job, re-attached across a page switch."""

from __future__ import annotations

import time

import pytest

from cnnlab.model import PRESETS
from tests.app.conftest import open_app

pytestmark = pytest.mark.keras

SMALL = {"source": "shapes", "n": 240, "size": 16}


def _wait_for_results(at, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        at.run()
        if any(h.value in ("Results", "Resultados") for h in at.subheader):
            return
        time.sleep(0.5)
    from dashboard import state

    jobs = [(j.status, j.error, len(j.batches)) for j in state.registry().jobs()]
    raise AssertionError(f"no results after training: {jobs} {at.subheader} {at.info}")


def test_train_survives_a_page_switch_and_shows_results():
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
    cells.set_value((0, 0)).run()
    assert not at.exception
    assert any(b.label.startswith("Download") for b in at.get("download_button"))


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


def test_challenge_mode_locks_epochs_seed_and_split_and_tags_the_run():
    from dashboard import state

    at = open_app("page_train.py")
    at.session_state["dataset_spec"] = SMALL
    at.run()
    at.toggle(key="train_challenge").set_value(True).run()
    assert not at.exception, at.exception
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
    assert "cannot load this model safely" in at.error[0].value
