"""A damaged run database or run, as a class server meets it: words on the pages that
need runs, in the page's language; every other page and every other run keep working."""

from __future__ import annotations

import os
import sqlite3

import pytest

from cnnlab.runs import RunStore
from tests.app.conftest import open_app

RUN_PAGES = ("page_train.py", "page_experiments.py", "page_inspect.py")
CORRUPT = {
    "en": "is damaged (it is not a database)",
    "es": "está dañada (no es una base de datos)",
}


def _texts(at) -> str:
    parts = [e.value for e in at.error] + [e.value for e in at.warning]
    parts += [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_random_bytes_in_the_run_database_are_reported_in_words(lang):
    home = os.environ["CNNLAB_HOME"]
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, "runs.sqlite"), "wb") as fh:
        fh.write(os.urandom(8192))
    for page in RUN_PAGES:
        at = open_app(page, lang=lang)
        assert not at.exception, (page, at.exception)
        text = _texts(at)
        assert CORRUPT[lang] in text and "runs.sqlite" in text, (page, text[:500])
        assert home not in text  # the file by its name, never the server's path
    at = open_app("page_kernels.py", lang=lang)  # pages without runs are untouched
    assert not at.exception and CORRUPT[lang] not in _texts(at)


def test_one_broken_run_hides_no_other_run():
    store = RunStore(os.environ["CNNLAB_HOME"])
    good = store.create(model_cfg={}, train_cfg={"epochs": 1}, name="good", status="finished")
    store.log_epoch(good, 0, {"loss": 0.5, "accuracy": 0.8, "val_loss": 0.6, "val_accuracy": 0.7})
    bad = store.create(model_cfg={}, train_cfg={}, name="broken", status="finished")
    with sqlite3.connect(store.db) as con:
        con.execute("UPDATE runs SET model_cfg='{broken' WHERE id=?", (bad,))
    at = open_app("page_experiments.py")
    assert not at.exception, at.exception
    assert any(bad in w.value and "cannot be read" in w.value for w in at.warning)
    shown = at.session_state["experiments_runs"]  # the runs picked for the curves
    assert good in shown and bad not in shown
    at.button(key="experiments_damaged_del").click().run()
    assert [r.id for r in RunStore(os.environ["CNNLAB_HOME"]).list_runs()] == [good]
