"""The Data page in AppTest: sources switch, settings reach Train and the URL, reports show."""

from __future__ import annotations

import io
import json
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image

from cnnlab.data import _folder as folder_mod
from cnnlab.data import from_spec, input_shape, save_upload
from dashboard.i18n import catalog
from tests.app.conftest import open_app


def _png(seed: int, color=(200, 30, 30)) -> bytes:
    a = np.zeros((40, 60, 3), np.uint8) + np.array(color, np.uint8)
    a[:10] = np.random.default_rng(seed).integers(0, 255, (10, 60, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "PNG")
    return buf.getvalue()


def _pets(root):
    for i in range(6):
        (root / "Cat").mkdir(parents=True, exist_ok=True)
        (root / "Dog").mkdir(parents=True, exist_ok=True)
        (root / "Cat" / f"{i}.png").write_bytes(_png(i))
        (root / "Dog" / f"{i}.png").write_bytes(_png(10 + i, (30, 30, 200)))
    (root / "Cat" / "666.jpg").write_bytes(b"")
    (root / "Dog" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (root / "Dog" / "11702.jpg").write_bytes(b"<html>not a jpeg</html>")


@pytest.fixture(autouse=True)
def _fresh_memo():
    folder_mod._MEMO.clear()
    yield
    folder_mod._MEMO.clear()


def _md(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(s.value for s in at.success)


def _pick(at, key: str, value) -> None:
    """Set a widget by its key (format_func labels depend on the page's language)."""
    at.session_state[key] = value
    at.run()


def _chart_specs(at) -> list[str]:
    return [c.proto.spec.replace("\\u002f", "/") for c in at.get("plotly_chart")]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_default_is_the_tutorials_shapes_and_train_gets_them(lang):
    at = open_app("page_data.py", lang=lang)
    assert not at.exception, at.exception
    cat = catalog(lang)
    assert at.title[0].value == cat["data.title"]
    assert at.radio(key="data_source").value == "shapes"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[cat["data.m_images"]] == {"en": "2,000", "es": "2\u00a0000"}[lang]
    assert metrics[cat["data.m_shape"]] == "32×32×1"
    assert metrics[cat["data.m_split"]] == {"en": "1,600 / 400", "es": "1\u00a0600 / 400"}[lang]
    spec = at.session_state["dataset_spec"]
    assert spec["source"] == "shapes" and spec["n"] == 2000 and spec["split"]["val_fraction"] == 0.2
    assert json.loads(json.dumps(spec)) == spec
    assert at.session_state["dataset_info"]["input_shape"] == [32, 32, 1]
    assert "(32, 32, 1)" in " ".join(s.value for s in at.success)
    specs = _chart_specs(at)
    assert len(specs) == 3  # sample grid, class balance, augmentation preview
    assert "data:image/png;base64" in specs[0]  # one PNG, not numbers
    grid = json.loads(specs[0])
    assert grid["layout"]["yaxis"]["ticktext"] == [
        cat["data.shape_circle"],
        cat["data.shape_square"],
    ]
    assert len(specs[0]) < 200_000


def test_shape_options_change_the_data_the_url_and_the_model_input():
    at = open_app("page_data.py")
    at.select_slider(key="data_size").set_value(64)
    at.radio(key="data_channels").set_value(3)
    at.multiselect(key="data_classes").set_value(["circle", "square", "triangle"])
    at.select_slider(key="data_n").set_value(500)
    at.slider(key="data_noise").set_value(0.1)
    at.slider(key="data_clutter").set_value(3).run()
    assert not at.exception, at.exception
    spec = at.session_state["dataset_spec"]
    assert spec["size"] == 64 and spec["channels"] == 3 and spec["clutter"] == 3
    assert spec["classes"] == ["circle", "square", "triangle"] and spec["n"] == 500
    assert at.session_state["dataset_info"] == {
        "input_shape": [64, 64, 3],
        "num_classes": 3,
        "class_names": ["circle", "square", "triangle"],
    }
    assert input_shape(spec) == (64, 64, 3) and from_spec(spec).image_shape == (64, 64, 3)
    assert {m.label: m.value for m in at.metric}[catalog("en")["data.m_shape"]] == "64×64×3"
    qp = at.query_params
    assert qp["size"] in ("64", ["64"]) and qp["ch"] in ("3", ["3"])
    # the settings survive a visit to another page
    at.switch_page("page_home.py").run()
    at.switch_page("page_data.py").run()
    assert at.select_slider(key="data_size").value == 64
    assert at.session_state["dataset_spec"]["size"] == 64


def test_one_class_is_a_clear_error_not_a_traceback():
    at = open_app("page_data.py")
    at.multiselect(key="data_classes").set_value(["circle"]).run()
    assert not at.exception
    assert at.error and "classes" in at.error[0].value


def test_settings_come_from_a_shared_link():
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.query_params.update({"src": "shapes", "size": "48", "ch": "3", "n": "500", "val": "0.3"})
    at.switch_page("page_data.py").run()
    assert not at.exception, at.exception
    spec = at.session_state["dataset_spec"]
    assert (spec["size"], spec["channels"], spec["n"]) == (48, 3, 500)
    assert spec["split"]["val_fraction"] == 0.3


@pytest.mark.parametrize("lang", ["en", "es"])
def test_switching_sources_lfw_folder_upload(tmp_path, monkeypatch, lang):
    root = tmp_path / "root"
    _pets(root / "PetImages")
    monkeypatch.setenv("CNNLAB_DATA_ROOT", str(root))
    cat = catalog(lang)
    at = open_app("page_data.py", lang=lang)

    _pick(at, "data_source", "lfw")
    assert not at.exception, at.exception
    assert at.radio(key="data_source").value == "lfw"
    assert at.session_state["dataset_spec"]["source"] == "lfw"
    assert {m.label: m.value for m in at.metric}[cat["data.m_shape"]] == "25×25×1"

    _pick(at, "data_source", "folder")
    assert not at.exception, at.exception
    assert at.selectbox(key="data_folder").value == "PetImages"
    at.select_slider(key="data_image_size").set_value(64).run()
    assert not at.exception, at.exception
    spec = at.session_state["dataset_spec"]
    assert spec["source"] == "folder" and spec["path"] == "PetImages"
    assert spec["image_size"] == [64, 64] and spec["fit"] == "crop"
    assert at.session_state["dataset_info"]["class_names"] == ["Cat", "Dog"]
    reasons, skipped = at.dataframe[0].value, at.dataframe[1].value
    counted = dict(zip(reasons.iloc[:, 0], reasons.iloc[:, 1], strict=True))
    assert counted == {
        cat["data.reason_empty"]: 1,
        cat["data.reason_system"]: 1,
        cat["data.reason_not_image"]: 1,
    }
    assert sorted(skipped.iloc[:, 0]) == ["Cat/666.jpg", "Dog/11702.jpg", "Dog/Thumbs.db"]
    assert from_spec(spec).counts().tolist() == [6, 6]  # what Train will rebuild

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(3):
            z.writestr(f"Pets/a/{i}.png", _png(i))
            z.writestr(f"Pets/b/{i}.png", _png(5 + i, (0, 200, 0)))
    upload_id = save_upload(buf.getvalue())  # as the uploader widget would
    at.session_state["data_upload_id"] = upload_id
    _pick(at, "data_source", "upload")
    assert not at.exception, at.exception
    spec = at.session_state["dataset_spec"]
    assert spec["source"] == "upload" and spec["id"] == upload_id
    assert at.session_state["dataset_info"]["class_names"] == ["a", "b"]
    assert at.query_params["up"] in (upload_id, [upload_id])


def test_no_folder_under_the_data_root_explains_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_DATA_ROOT", str(tmp_path / "empty"))
    at = open_app("page_data.py")
    at.radio(key="data_source").set_value("folder").run()
    assert not at.exception
    assert any("CNNLAB_DATA_ROOT" in i.value for i in at.info)
    assert at.session_state["dataset_spec"]["source"] == "shapes"  # Train keeps the last good one
    assert not any("text_input" in str(type(w)) for w in at.main)  # no typed path anywhere
    assert not at.text_input


def _fake_keras(monkeypatch, load_data):
    fake = type(sys)("keras")
    fake.datasets = type(sys)("keras.datasets")
    for name in ("mnist", "fashion_mnist", "cifar10"):
        setattr(fake.datasets, name, type(name, (), {"load_data": staticmethod(load_data)}))
    monkeypatch.setitem(sys.modules, "keras", fake)


def test_keras_offline_shows_a_plain_message(monkeypatch):
    def offline():
        raise Exception("URL fetch failure on https://storage.googleapis.com/…: Name unknown")

    _fake_keras(monkeypatch, offline)
    at = open_app("page_data.py")
    at.radio(key="data_source").set_value("keras").run()
    assert not at.exception, at.exception
    text = at.error[0].value
    assert "mnist.npz" in text and "shapes" in text and "URL fetch failure" in text


def test_keras_from_the_cache(monkeypatch):
    rng = np.random.default_rng(0)

    def cifar():
        x = rng.integers(0, 255, (2000, 32, 32, 3), dtype=np.uint8)
        y = (np.arange(2000) % 10)[:, None]
        return (x, y), (x[:10], y[:10])

    _fake_keras(monkeypatch, cifar)
    at = open_app("page_data.py", lang="es")
    _pick(at, "data_source", "keras")
    at.selectbox(key="data_keras_name").set_value("cifar10")
    at.select_slider(key="data_keras_n").set_value(1000).run()
    assert not at.exception, at.exception
    assert at.session_state["dataset_info"]["input_shape"] == [32, 32, 3]
    assert at.session_state["dataset_info"]["num_classes"] == 10
    assert at.session_state["dataset_spec"] == {
        "source": "keras",
        "name": "cifar10",
        "n": 1000,
        "seed": 0,
        "split": {"val_fraction": 0.2, "test_fraction": 0.0, "seed": 0},
    }


def test_split_and_augmentation_controls():
    at = open_app("page_data.py")
    at.slider(key="data_val").set_value(0.25)
    at.slider(key="data_test").set_value(0.1).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Train / val / test"] == "1,300 / 500 / 200"
    assert at.session_state["dataset_spec"]["split"]["test_fraction"] == 0.1
    before = _chart_specs(at)[2]
    at.selectbox(key="data_aug_flip").set_value("none")
    for key in ("data_aug_rotation", "data_aug_zoom", "data_aug_contrast", "data_aug_brightness"):
        at.slider(key=key).set_value(0.0)
    at.run()
    after = _chart_specs(at)[2]
    assert after != before
    at.button(key="data_aug_again").click().run()
    assert _chart_specs(at)[2] == after  # no augmentation: every draw is the original
    at.slider(key="data_aug_rotation").set_value(0.2).run()
    again = _chart_specs(at)[2]
    at.button(key="data_aug_again").click().run()
    assert _chart_specs(at)[2] != again and not at.exception


def test_augmentation_preview_starts_from_the_models_augmentation():
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.session_state["model_cfg"] = {
        "augment": {"flip": "vertical", "rotation": 0.1, "zoom": 0.0, "contrast": 0.3}
    }
    at.switch_page("page_data.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="data_aug_flip").value == "vertical"
    assert at.slider(key="data_aug_rotation").value == 0.1
    assert at.slider(key="data_aug_zoom").value == 0.0
    assert at.slider(key="data_aug_contrast").value == 0.3
    assert any("Architecture" in c.value for c in at.caption)
