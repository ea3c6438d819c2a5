"""Who may do what, in AppTest: a student cannot delete someone else's run (and is told
so, in English and Spanish), the teacher can, and a browser keeps its identity across a
reload (the same cookie gives the same owner)."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.model import PRESETS, layer_table
from cnnlab.runs import RunStore
from cnnlab.train import TrainConfig
from dashboard import state
from tests.app.conftest import link

REFUSED = {
    "en": "This run belongs to someone else; only its owner or the teacher may delete it.",
    "es": "Esta ejecución es de otra persona; solo quien la creó o el profesor/a puede borrarla.",
}


def _run(store: RunStore, owner: str) -> str:
    """A finished 2-epoch run made by hand (no Keras), owned by ``owner``."""
    cfg = PRESETS["seed_shapes"].with_data(input_shape=(16, 16, 1), num_classes=2)
    data = {"source": "shapes", "image_shape": [16, 16, 1], "class_names": ["circle", "square"],
            "n_train": 160, "n_val": 40}  # fmt: skip
    rid = store.create(
        model_cfg=cfg.to_dict(), train_cfg=TrainConfig(epochs=2).to_dict(), data=data,
        name="seed_shapes", params=sum(r.params for r in layer_table(cfg)), status="running",
        owner=owner,
    )  # fmt: skip
    for e in range(2):
        store.log_epoch(rid, e, {"loss": 0.5, "accuracy": 0.7, "val_loss": 0.5,
                                 "val_accuracy": 0.7})  # fmt: skip
    store.update(rid, status="finished", started=1.0, finished=3.0, device="CPU")
    return rid


def _open(lang: str = "en", secrets: dict | None = None) -> AppTest:
    """The app on Experiments, as a link opens it, with ``secrets`` in st.secrets."""
    at = link("page_experiments.py", {"lang": lang})
    for k, v in (secrets or {}).items():
        at.secrets[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _delete_selected(at: AppTest) -> AppTest:
    at.button(key="experiments_delete").click().run()
    at.button(key="experiments_delete_yes").click().run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning) + " " + " ".join(s.value for s in at.success)


def _sidebar_text(at: AppTest) -> str:
    return (
        " ".join(m.value for m in at.sidebar.markdown)
        + " "
        + " ".join(c.value for c in at.sidebar.caption)
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_student_cannot_delete_someone_elses_run(lang):
    store = RunStore(os.environ["CNNLAB_HOME"])
    theirs = _run(store, "browser:someone-else")
    at = _open(lang, {"teacher_password": "s3cret"})
    assert at.multiselect(key="experiments_runs").value == [theirs]  # everyone sees it
    _delete_selected(at)
    assert store.get(theirs)  # still there
    assert REFUSED[lang] in _texts(at)
    assert ("student" if lang == "en" else "estudiante") in _sidebar_text(at)


def test_without_a_teacher_role_a_student_still_cannot_delete_others_runs():
    store = RunStore(os.environ["CNNLAB_HOME"])
    theirs = _run(store, "user:ana@example.com")
    at = _delete_selected(_open())
    assert store.get(theirs) and REFUSED["en"] in _texts(at)
    assert not [b for b in at.sidebar.button if b.key == "access_login"]  # no role, no box


def test_the_teacher_signs_in_and_may_delete_anyones_run():
    store = RunStore(os.environ["CNNLAB_HOME"])
    theirs = _run(store, "browser:someone-else")
    at = _open(secrets={"teacher_password": "s3cret"})
    at.text_input(key="access_password").input("wrong").run()
    at.button(key="access_login").click().run()
    assert "not the teacher password" in _texts(at)
    at.text_input(key="access_password").input("s3cret").run()
    at.button(key="access_login").click().run()
    assert "**teacher**" in _sidebar_text(at)
    _delete_selected(at)
    with pytest.raises(ValueError):
        store.get(theirs)
    assert REFUSED["en"] not in _texts(at)
    at.button(key="access_logout").click().run()
    assert "**student**" in _sidebar_text(at)


def test_the_same_browser_cookie_keeps_the_identity_across_reloads(monkeypatch):
    token = bytes(range(16))
    mask_a, mask_b = b"\x01\x02\x03\x04", b"\xaa\xbb\xcc\xdd"

    def cookie(mask: bytes) -> str:  # Tornado's "2|mask|masked token|time"
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(token))
        return f"2|{mask.hex()}|{masked.hex()}|1700000000"

    monkeypatch.setattr(state, "_browser_cookie", lambda: cookie(mask_a))
    first = _open()
    me = first.sidebar.caption[0].value
    first.run()  # a rerun
    assert first.sidebar.caption[0].value == me
    monkeypatch.setattr(state, "_browser_cookie", lambda: cookie(mask_b))
    reload = _open()  # a new session (a reload), the same browser: the same id
    assert reload.sidebar.caption[0].value == me
    assert token.hex() not in me and mask_a.hex() not in me  # hashed, never raw
    monkeypatch.setattr(state, "_browser_cookie", lambda: "2|00000000|" + "ff" * 16 + "|1")
    assert _open().sidebar.caption[0].value != me  # another browser


def test_a_reloaded_browser_may_delete_its_own_run(monkeypatch):
    monkeypatch.setattr(state, "_browser_cookie", lambda: "2|01020304|0a0b0c0d|1")
    me = state.owner()  # the id its runs were stored under, before the reload
    assert me.startswith("browser:")
    store = RunStore(os.environ["CNNLAB_HOME"])
    mine = _run(store, me)
    at = _delete_selected(_open(secrets={"teacher_password": "s3cret"}))
    with pytest.raises(ValueError):
        store.get(mine)
    assert REFUSED["en"] not in _texts(at)


def test_a_teacher_group_from_the_identity_provider(monkeypatch):
    store = RunStore(os.environ["CNNLAB_HOME"])
    theirs = _run(store, "user:ana@example.com")
    at = link("page_experiments.py")
    at.secrets["teacher_group"] = "teachers"
    at.user = {"is_logged_in": True, "email": "zoe@example.com", "groups": ["teachers"]}
    at.run()
    assert "**teacher**" in _sidebar_text(at) and "zoe@example.com" in _sidebar_text(at)
    _delete_selected(at)
    with pytest.raises(ValueError):
        store.get(theirs)


def test_train_stop_is_disabled_for_someone_elses_run():
    store = RunStore(os.environ["CNNLAB_HOME"])
    theirs = _run(store, "browser:someone-else")
    store.update(theirs, status="queued", finished=None)
    assert store.claim(theirs, host="elsewhere:1")  # training on another server
    at = link("page_train.py", {"job": theirs}).run()
    assert not at.exception, at.exception
    stop = at.button(key="train_stop")
    assert stop.disabled and stop.help == REFUSED["en"].replace("; only", ": only").replace(
        "delete", "stop"
    )
    assert store.get(theirs).stop_requested is False
