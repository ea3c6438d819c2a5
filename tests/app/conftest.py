"""AppTest helpers: the whole app (navigation + sidebar), opened on one page.

``open_app(page)`` runs the app once, already on ``page``: what a browser opening
``/<url path>?lang=…`` gets (sidebar, navigation, that page), without running Home first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from dashboard.app import PAGES as _APP_PAGES

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")

# (page file, url path) in teaching order, from dashboard/app.py.
PAGES = [(file, slug) for file, slug, _icon in _APP_PAGES]
_SLUG = dict(PAGES)


def link(
    page_file: str = "page_home.py", params: dict[str, str] | None = None, *, timeout: float = 60
) -> AppTest:
    """The app as a link to ``page_file`` with query ``params`` opens it, not run yet (so
    a test can set ``secrets`` or ``user`` first). The one place that names the page the
    way a browser's first request does."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    # st.Page identifies a page by the hash of its url path; a browser's first request
    # names it the same way. (AppTest.switch_page can only name it after a first run.)
    at._page_hash = calc_hash(_SLUG[page_file])
    return at


def open_app(
    page_file: str = "page_home.py", *, lang: str = "en", timeout: float = 60, **params: str
) -> AppTest:
    """Run the app once in ``lang``, on ``page_file``, as a link to that page (with any
    other query ``params``) opens it."""
    return link(page_file, {"lang": lang, **params}, timeout=timeout).run()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Runs and caches go to a fresh CNNLAB_HOME for every app test."""
    monkeypatch.setenv("CNNLAB_HOME", str(tmp_path / "cnnlab_home"))


@pytest.fixture(autouse=True)
def _no_warm_worker(monkeypatch):
    """Opening the Train page warms a training worker (a process importing Keras, ~4 s of
    CPU) so that a job starts sooner. App tests get a fresh registry each, so that would be
    one process per test; a submitted job still starts its own worker."""
    from cnnlab.training import JobRegistry

    monkeypatch.setattr(JobRegistry, "warm", lambda self, delay=0.0: None)


_LIGHT_PAGES = """
import json, sys
from streamlit.testing.v1 import AppTest
imported = lambda: {{"tf": "tensorflow" in sys.modules, "keras": "keras" in sys.modules}}
at = AppTest.from_file({app!r}, default_timeout=120)
at.run()
for page in ("page_kernels.py", "page_pooling.py"):
    at.switch_page(page).run()
assert not at.exception, at.exception
light = imported()
at.switch_page("page_architecture.py").run()
uid = at.session_state["architecture_uids"][0]
at.select_slider(key=f"architecture_e_b{{uid}}_filters").set_value(24).run()
assert not at.exception, at.exception
after = imported()
print(json.dumps({{"home_kernels_pooling": light,
                  "architecture": {{k: v and not light[k] for k, v in after.items()}}}}))
"""


@pytest.fixture(scope="session")
def light_pages_imports() -> dict:
    """What a fresh process has imported after Home, Kernels and Pooling, and what the
    Architecture page (a design edited) added: ``{"tf": bool, "keras": bool}`` each. One
    subprocess for both checks (test_shell.py, test_page_architecture.py)."""
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _LIGHT_PAGES.format(app=APP)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def page_css(at) -> str:
    """The CSS the app put on the page (app.py sends it as style-only ``st.html``)."""
    return " ".join(h.proto.body for h in at.get("html") if "<style" in h.proto.body)
