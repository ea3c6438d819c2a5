"""The error boundary: a page's or a callback's exception becomes words in the page's
language, details folded away, no traceback and no server path; the app keeps working."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.boundary import readable
from tests.app.conftest import open_app


def _raising_page(lang: str) -> None:
    import streamlit as st

    from dashboard import boundary

    st.session_state["lang"] = lang
    st.sidebar.write("menu")

    class Page:
        url_path = "demo"

        def run(self) -> None:
            st.write("before")
            raise ValueError("bad kernel in /work/main/cnnlab/kernels.py at /srv/x/y.npz")

    boundary.run_page(Page())
    st.write("after")


def _callback_app() -> None:
    import streamlit as st

    from dashboard import boundary

    def boom() -> None:
        raise KeyError("Tutorial: circles vs squares")

    class Page:
        def run(self) -> None:
            st.button("go", key="go", on_click=boundary.guard(boom))

    boundary.run_page(Page())


def test_a_raising_page_shows_words_in_its_language_and_keeps_the_app():
    for lang, title in (("en", "Something went wrong"), ("es", "Algo salió mal")):
        at = AppTest.from_function(_raising_page, args=(lang,), default_timeout=30).run()
        assert not at.exception  # no traceback box
        assert title in at.error[0].value
        detail = at.expander[0].text[0].value
        assert detail.startswith("ValueError: bad kernel in")
        assert "/work/main" not in detail and "/srv/x" not in detail
        assert "kernels.py" in detail and "y.npz" in detail  # the file's name stays
        texts = [m.value for m in at.markdown]
        assert "before" in texts and "after" in texts and "menu" in texts


def test_a_raising_callback_is_shown_by_the_next_run():
    at = AppTest.from_function(_callback_app, default_timeout=30).run()
    at.button(key="go").click().run()
    assert not at.exception
    assert "Something went wrong" in at.error[0].value
    assert "KeyError" in at.expander[0].text[0].value
    at.run()  # shown once, not forever
    assert not at.error


def test_readable_keeps_messages_and_drops_paths():
    assert readable(ValueError("n must be an integer in [1, 64], got 0")) == (
        "n must be an integer in [1, 64], got 0"
    )
    assert readable(OSError("cannot open /home/me/.cnnlab/runs/abc/model.keras")) == (
        "cannot open …/model.keras"
    )
    assert readable(RuntimeError()) == "RuntimeError"


def test_a_real_page_error_keeps_sidebar_and_menu():
    """Pooling with an out-of-range link value: whatever the page does with it, the user
    never sees a traceback and the sidebar still works."""
    at = open_app("page_pooling.py", lang="es", pool="99", k="0")
    assert not at.exception
    assert at.segmented_control(key="lang").value == "es"
