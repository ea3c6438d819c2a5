"""A page section as a fragment (``boundary.fragment``) in a real server and Chromium:
its widgets rerun only it, its reruns are logged, and what it raises reaches the user as
the boundary's message, never a traceback."""

from __future__ import annotations

import pytest

from benchmarks import serve
from dashboard.i18n import catalog
from tests.e2e.conftest import open_page, wait_idle

pytestmark = pytest.mark.e2e

SCRIPT = """
import streamlit as st

from dashboard import boundary

st.title("Fragments")


def inner():
    st.button("Inner")


def section():
    if st.button("Break"):
        raise ValueError("broken on purpose")
    st.button("Again")
    st.write("section ok")
    boundary.fragment(inner, where="demo")()


boundary.fragment(section, where="demo")()
"""


def test_a_fragment_reruns_alone_and_its_errors_read_as_words(browser, tmp_path):
    script = tmp_path / "fragment_app.py"
    script.write_text(SCRIPT)
    log = tmp_path / "runs.log"
    proc, url = serve.start(script, env={"CNNLAB_RUN_LOG": str(log)})
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        serve.wait_healthy(url)
        page = context.new_page()
        open_page(page, url)
        assert not log.exists()  # a whole run is the app's to log (app.py), not the section's
        page.get_by_role("button", name="Again").click()
        wait_idle(page)
        assert page.get_by_text("section ok").is_visible()
        # the inner section runs inside the outer one's rerun: logged once, as the outer
        assert [page for _when, page, _s in serve.run_log(log)] == ["demo#section"]
        page.get_by_role("button", name="Inner").click()
        wait_idle(page)
        assert serve.run_log(log)[-1][1] == "demo#inner"
        page.get_by_role("button", name="Break").click()
        wait_idle(page)
        alert = page.locator("[data-testid='stAlertContentError']").first
        alert.wait_for()
        assert catalog("en")["common.error_title"] in alert.inner_text()
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_role("heading", name="Fragments").is_visible()  # the page stays
        assert len(serve.run_log(log)) == 3
    finally:
        context.close()
        serve.stop(proc)
