"""AppTest helpers: the whole app (navigation + sidebar), opened on one page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")

# (page file, url path) in teaching order, as dashboard/app.py lists them.
PAGES = [
    ("page_home.py", "home"),
    ("page_kernels.py", "kernels"),
    ("page_pooling.py", "pooling"),
    ("page_architecture.py", "architecture"),
    ("page_data.py", "data"),
    ("page_train.py", "train"),
    ("page_inspect.py", "inspect"),
    ("page_experiments.py", "experiments"),
]


def open_app(page_file: str = "page_home.py", *, lang: str = "en", timeout: float = 60) -> AppTest:
    """Run the app, set the language, switch to ``page_file`` and run it."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params["lang"] = lang
    at.run()
    if page_file != "page_home.py":
        at.switch_page(page_file).run()
    return at


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Runs and caches go to a fresh CNNLAB_HOME for every app test."""
    monkeypatch.setenv("CNNLAB_HOME", str(tmp_path / "cnnlab_home"))
