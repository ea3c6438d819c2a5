"""The Data page in AppTest: sources switch, settings reach Train and the URL, reports show."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

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
    assert "mnist.npz" in text and "shapes" in text
    # The downloader's own (English) words are folded under "Details", not the message.
    assert "URL fetch failure" not in text
    assert any("URL fetch failure" in x.value for x in at.text)
    # In Spanish, the message is Spanish; the details still name the cause.
    at.segmented_control(key="lang").set_value("es").run()
    assert not at.exception, at.exception
    text = at.error[0].value
    assert text.startswith("No se pudo cargar **mnist**") and "mnist.npz" in text
    assert "URL" not in text and "failure" not in text
    assert any("URL fetch failure" in x.value for x in at.text)


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


# ------------------------------------------------------------- classroom-proof page
@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_in_each_language_and_on_the_projector(lang):
    at = open_app("page_data.py", lang=lang)
    at.toggle(key="projector").set_value(True).run()
    assert not at.exception, at.exception
    assert not at.error
    cat = catalog(lang)
    assert at.title[0].value == cat["data.title"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[cat["data.m_images"]] == {"en": "2,000", "es": "2\u00a0000"}[lang]
    assert len(_chart_specs(at)) == 3
    # Every figure carries the language's number separators (ui.plot).
    seps = {"en": ".,", "es": ".\u00a0"}[lang]
    assert all(json.loads(s)["layout"]["separators"] == seps for s in _chart_specs(at))


def test_switching_language_and_projector_keeps_every_choice():
    at = open_app("page_data.py")
    at.multiselect(key="data_classes").set_value(["square", "triangle"])
    at.select_slider(key="data_n").set_value(500)
    at.radio(key="data_channels").set_value(3)
    at.selectbox(key="data_aug_flip").set_value("vertical")
    at.slider(key="data_val").set_value(0.3).run()
    assert not at.exception, at.exception
    spec = at.session_state["dataset_spec"]
    for key, value in (("lang", "es"), ("projector", True), ("lang", "en"), ("projector", False)):
        if key == "lang":
            at.segmented_control(key="lang").set_value(value).run()
        else:
            at.toggle(key="projector").set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        assert not at.error, (key, value, [e.value for e in at.error])
        assert at.session_state["dataset_spec"] == spec
        assert at.multiselect(key="data_classes").value == ["square", "triangle"]
        assert at.radio(key="data_channels").value == 3
        assert at.radio(key="data_source").value == "shapes"
        assert at.selectbox(key="data_aug_flip").value == "vertical"
    # After the switch a click sends an id, never a stale label.
    at.segmented_control(key="lang").set_value("es").run()
    at.radio(key="data_channels").set_value(1).run()
    assert not at.exception, at.exception
    assert at.session_state["dataset_spec"]["channels"] == 1
    assert at.session_state["dataset_info"]["class_names"] == ["square", "triangle"]


@pytest.mark.parametrize(
    "link",
    [
        {"src": "99"},
        {"src": "keras", "kname": "../../etc", "kn": "-3"},
        {"n": "1e308", "size": "abc", "ch": "7", "noise": "nan", "clutter": "-3"},
        {"classes": "circle,zzz", "seed": "99999999999999999999"},
        {"val": "1e308", "test": "-1", "sseed": "x", "flip": "sideways", "rot": "inf"},
        {"src": "folder", "folder": "../../etc", "isize": "-3", "fit": "?", "ich": "2"},
        {"src": "upload", "up": "../../../etc/passwd"},
    ],
)
def test_nonsense_links_raise_nothing(link, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    monkeypatch.setenv("CNNLAB_DATA_ROOT", str(tmp_path / "empty"))
    _fake_keras(monkeypatch, lambda: (_ for _ in ()).throw(Exception("offline")))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.query_params.update(link)
    at.switch_page("page_data.py").run()
    assert not at.exception, at.exception
    boundary = catalog("en")["common.error_title"]
    assert not any(boundary in e.value for e in at.error), [e.value for e in at.error]
    assert at.title[0].value == "Data"
    kinds = ("error", "text", "caption")
    everything = " ".join(str(e.value) for kind in kinds for e in at.get(kind))
    assert "/etc/passwd" not in everything


def _odd_names(root):
    """A data root with a folder named b"Pets", a class folder b"B\\xe9" (Latin-1, not
    UTF-8), a junk file b"bad_\\xff\\xfe.jpg", and a second dataset named b"Z\\xe9"."""
    import os

    base = os.fsencode(root)
    for dataset, classes in ((b"Pets", (b"A", b"B\xe9")), (b"Z\xe9", (b"a", b"b"))):
        for k, cls in enumerate(classes):
            os.makedirs(os.path.join(base, dataset, cls))
            for i in range(3):
                with open(os.path.join(base, dataset, cls, b"%d.png" % i), "wb") as fh:
                    fh.write(_png(i + 3 * k, (40 + 150 * k, 90, 30)))
    with open(os.path.join(base, b"Pets", b"A", b"bad_\xff\xfe.jpg"), "wb") as fh:
        fh.write(b"not a jpeg")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_folder_and_file_names_that_are_not_utf8_show_safely(tmp_path, monkeypatch, lang):
    root = tmp_path / "root"
    _odd_names(root)
    monkeypatch.setenv("CNNLAB_DATA_ROOT", str(root))
    at = open_app("page_data.py", lang=lang)
    _pick(at, "data_source", "folder")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="data_folder").value == "Pets"
    assert at.session_state["dataset_info"]["class_names"] == ["A", "B\udce9"]  # the real names
    assert "A, B\ufffd" in " ".join(s.value for s in at.success)
    skipped = at.dataframe[1].value
    assert list(skipped.iloc[:, 0]) == ["A/bad_\ufffd\ufffd.jpg"]
    assert at.query_params["folder"] in ("Pets", ["Pets"])
    # The other dataset's own name is not UTF-8 either: shown with U+FFFD, loaded.
    _pick(at, "data_folder", "Z\udce9")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "Z\ufffd" in at.selectbox(key="data_folder").options
    assert at.session_state["dataset_spec"]["path"] == "Z\udce9"
    assert "folder" not in at.query_params  # a link cannot hold it: left out, not a crash


def test_a_refused_load_says_so_in_the_page_language_without_server_paths(tmp_path, monkeypatch):
    import os

    root = tmp_path / "root"
    for cls in ("good", "junk"):
        os.makedirs(root / "OneClass" / cls)
    (root / "OneClass" / "good" / "0.png").write_bytes(_png(0))
    (root / "OneClass" / "junk" / "0.jpg").write_bytes(b"<html>")  # no image: one class
    monkeypatch.setenv("CNNLAB_DATA_ROOT", str(root))
    at = open_app("page_data.py", lang="es")
    _pick(at, "data_source", "folder")
    assert not at.exception, at.exception
    assert at.error[0].value == catalog("es")["data.bad_data"]
    details = " ".join(x.value for x in at.text)
    assert "OneClass" in details and str(tmp_path) not in details
    kinds = ("error", "text", "markdown")
    everything = " ".join(str(e.value) for kind in kinds for e in at.get(kind))
    assert str(tmp_path) not in everything


def test_a_refused_zip_shows_no_object_repr_or_server_path(tmp_path, monkeypatch):
    import streamlit as st

    class Upload:
        def getvalue(self):
            return b"not a zip at all"

    def refuse(_data, **_options):
        raise ValueError(
            f"zip refused: cannot read {io.BytesIO()!r} into {tmp_path / 'uploads' / 'x'!s}"
        )

    monkeypatch.setattr(st, "file_uploader", lambda *a, **kw: Upload())
    monkeypatch.setattr("cnnlab.data.save_upload", refuse)
    at = open_app("page_data.py", lang="es")
    _pick(at, "data_source", "upload")
    assert not at.exception, at.exception
    assert at.error[0].value == catalog("es")["data.bad_zip"]
    shown = " ".join(str(e.value) for kind in ("error", "text", "markdown") for e in at.get(kind))
    assert "zip refused" in shown  # the reason, folded under Details
    assert "BytesIO" not in shown and "0x" not in shown and str(tmp_path) not in shown


@pytest.mark.parametrize("upload", ["bomb", "huge"])
def test_a_hostile_zip_is_refused_in_spanish(upload):
    """A zip bomb (a 2 MB member of zeros in ~2 KB), or a zip of 169 Mpx PNGs of a few KB:
    refused, and the reason under Details is the Spanish catalog's, numbers filled in."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_hostile import bomb_zip, huge_png, small_png, zip_of

    es = catalog("es")
    if upload == "bomb":
        data = bomb_zip(2 << 20, extra={"Dog/1.png": small_png()})
        words = es["errors.input_zip_ratio_member"].split("{ratio}")[0]
        expected = words.format(member="Cat/zeros.bmp")
    else:
        data = zip_of({"Cat/1.png": huge_png(), "Dog/1.png": huge_png()})
        expected = es["errors.input_dataset_too_few"].split("(")[0].format(folder="zip", found=0)
    at = open_app("page_data.py", lang="es")
    _pick(at, "data_source", "upload")
    at.file_uploader(key="data_upload").set_value(("subida.zip", data, "application/zip")).run()
    assert not at.exception, at.exception
    assert at.error[0].value == es["data.bad_zip"]
    details = " ".join(x.value for x in at.text)
    assert expected in details, details
    assert "zip refused" not in details and "images could be loaded" not in details


def test_the_challenges_cats_and_dogs(monkeypatch):
    at = open_app("page_data.py", lang="es", timeout=180)
    _pick(at, "data_source", "challenge")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["dataset_spec"]["source"] == "challenge"
    assert at.session_state["dataset_info"]["input_shape"] == [32, 32, 3]
    cat = catalog("es")
    shown = " ".join(s.value for s in at.success)
    assert f"{cat['data.class_cat']}, {cat['data.class_dog']}" in shown  # gato, perro
    grid = json.loads(_chart_specs(at)[0])
    assert grid["layout"]["yaxis"]["ticktext"] == [cat["data.class_cat"], cat["data.class_dog"]]


def test_the_page_file_is_thin_and_makes_no_choice_widget_itself():
    import ast
    from pathlib import Path

    import dashboard.page_data as page

    source = Path(page.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    choice = {"selectbox", "radio", "multiselect", "segmented_control", "pills", "select_slider"}
    direct = {"plotly_chart"} | choice
    calls = [
        n.func.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in direct
    ]
    assert calls == []
    assert not any(isinstance(n, ast.Global) for n in ast.walk(tree))
    top = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    assert top == []  # no module-level UI call
    assert source.rstrip().endswith('if __name__ == "__main__":\n    render()')


def test_a_progress_bar_shows_counts_and_goes_when_done():
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from dashboard import ui

        st.session_state["lang"] = st.session_state.get("want", "en")
        bar = ui.progress_bar("data.progress_decode")
        bar(300, 1200)
        if st.session_state.get("finish"):
            bar(1200, 1200)

    at = AppTest.from_function(script, default_timeout=30)
    at.session_state["want"] = "es"
    at.run()
    (bar,) = at.get("progress")
    assert bar.proto.value == 25
    text = catalog("es")["data.progress_decode"]
    assert bar.proto.text == text.format(done="300", total="1\u00a0200")
    at.session_state["finish"] = True
    at.run()
    assert not at.get("progress") and not at.exception


def test_loading_a_folder_draws_its_progress_and_clears_it(tmp_path, monkeypatch):
    from dashboard import ui

    root = tmp_path / "root"
    _pets(root / "PetImages")
    monkeypatch.setenv("CNNLAB_DATA_ROOT", str(root))
    seen: list[tuple[int, int, bool]] = []
    call = ui.ProgressBar.__call__

    def record(self, done, total):
        call(self, done, total)
        seen.append((done, total, self._slot is not None))

    monkeypatch.setattr(ui.ProgressBar, "__call__", record)
    at = open_app("page_data.py")
    _pick(at, "data_source", "folder")
    assert not at.exception, at.exception
    assert at.session_state["dataset_info"]["class_names"] == ["Cat", "Dog"]
    total = 14  # the 12 pictures, the empty file and the HTML page (Thumbs.db is no image)
    assert seen[0] == (0, total, True)  # a bar while decoding…
    assert seen[-1] == (total, total, False)  # …removed when done
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    assert not at.get("progress")
    seen.clear()
    at.select_slider(key="data_image_size").set_value(64).run()  # decoded again
    assert seen[-1] == (total, total, False)
    seen.clear()
    at.select_slider(key="data_image_size").set_value(150).run()  # from the cache: no bar
    assert seen == [(total, total, False)]
