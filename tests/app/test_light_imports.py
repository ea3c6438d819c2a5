"""The light pages' first render pays for nothing they do not use: importing the app and
Home, Kernels and Pooling loads neither Keras nor the run store (SQLAlchemy); Home loads no
pandas, SciPy or dataset code either; the other pages' imports are warmed up in the
background after a server's first render (benchmarks/bench_home.py, bench_pages.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
import dashboard.app, dashboard.page_home, dashboard.page_kernels, dashboard.page_pooling
print(json.dumps({m: m in sys.modules for m in ("sqlalchemy", "cnnlab.runs", "keras", "ray")}))
"""


def test_importing_the_light_pages_loads_no_run_store_and_no_keras():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == {"sqlalchemy": False, "cnnlab.runs": False, "keras": False, "ray": False}


HOME_PROBE = """
import json, sys
import dashboard.app, dashboard.page_home
print(json.dumps({m: m in sys.modules for m in HEAVY}))
"""
HEAVY = ("pandas", "scipy", "sqlalchemy", "cnnlab.data", "keras")


def _probe(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{code}"],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_home_loads_no_pandas_scipy_or_dataset_code():
    """Home's first render (bench_home.py) imports only what Home draws with: the shared
    state keeps the dataset and model code for the pages that use them."""
    assert _probe(HOME_PROBE) == dict.fromkeys(HEAVY, False)


WARM_PROBE = """
import gc, json, sys
from streamlit.testing.v1 import AppTest
from dashboard import app, state
from cnnlab.data import _load
from streamlit import env_util

repl_checks = []  # Streamlit's REPL check walks the stack with inspect (~0.1 s)
env_util.is_repl = lambda: repl_checks.append(1) or False
at = AppTest.from_file(app.__file__, default_timeout=120)
at.query_params["lang"] = "en"
at.run()  # a fresh server's first render: Home
assert not at.exception, at.exception
first = {
    "emojis": "streamlit.emojis" in sys.modules,  # the language switch's labels
    "repl_check": bool(repl_checks),
    "pandas": "pandas" in sys.modules,  # the warm-up waits until Home is drawn
    "started": state._warm_thread is not None,
}
at.switch_page("page_pooling.py").run()  # never while the warm-up imports (page_run)
assert not at.exception, at.exception
state._warm_thread.join(120)
after = {
    "done": not state._warm_thread.is_alive(),
    "pages": all(f"dashboard.{f[:-3]}" in sys.modules for f, _, _ in app.PAGES),
    "modules": all(m in sys.modules for m in ("pandas", "scipy.ndimage", "sqlalchemy")),
    "keras": "keras" in sys.modules,
    "dataset": any('"source": "shapes"' in key for key in _load._MEMO),
    "frozen": gc.get_freeze_count() > 0,
}
print(json.dumps({"first": first, "after": after}))
"""


def test_first_render_pays_for_no_other_page_and_the_others_are_warmed_up_after():
    """A server's first run draws Home without the emoji catalog, Streamlit's REPL check
    and the other pages' imports; then, in the background, the other pages' modules (not
    Keras) and the default dataset are loaded and frozen out of the GC, and a page that
    runs meanwhile waits for that instead of racing it."""
    got = _probe(WARM_PROBE)
    assert got["first"] == {
        "emojis": False, "repl_check": False, "pandas": False, "started": True,
    }  # fmt: skip
    assert got["after"] == {
        "done": True, "pages": True, "modules": True, "keras": False, "dataset": True,
        "frozen": True,
    }  # fmt: skip


def test_page_runs_and_the_warm_up_imports_never_overlap():
    """The warm-up imports only when no page runs, and a page that starts meanwhile waits
    for the imports to end (a half-imported pandas broke a Plotly figure)."""
    import threading
    import time

    from dashboard import state

    log: list[str] = []
    page_in = threading.Event()

    def page() -> None:
        with state.page_run():
            log.append("page in")
            page_in.set()
            time.sleep(0.3)
            log.append("page out")

    def warm_up() -> None:
        page_in.wait(10)
        with state._alone():
            log.append("import in")
            time.sleep(0.3)
            log.append("import out")

    def late_page() -> None:
        while "import in" not in log:
            time.sleep(0.01)
        with state.page_run():
            log.append("late in")

    threads = [threading.Thread(target=f) for f in (page, warm_up, late_page)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert log == ["page in", "page out", "import in", "import out", "late in"]


KERAS_PROBE = """
import json, sys, threading, time
from dashboard import state
with state.page_run():  # the run of Train or Inspect that asked for Keras
    thread = threading.Thread(target=state._import_keras, daemon=True)
    thread.start()
    time.sleep(1.0)
    during = "keras" in sys.modules
time.sleep(state.WARM_DELAY_S / 2)  # the run is over; its browser still fetches the page
drawing = "keras" in sys.modules  # an import under way is in sys.modules already
thread.join(120)
print(json.dumps({"during": during, "drawing": drawing, "after": "keras" in sys.modules}))
"""


def test_keras_warm_up_waits_for_the_page_that_asked_for_it():
    """Train and Inspect start Keras' import in the background; it begins only once their
    run is over (bench_pages.py: their first run took 0.6-0.8 s instead of 0.1 s), and
    :data:`state.WARM_DELAY_S` later, once the browser has drawn the page (its first
    visit was drawn 0.2-0.9 s later with the import under way)."""
    assert _probe(KERAS_PROBE) == {"during": False, "drawing": False, "after": True}
