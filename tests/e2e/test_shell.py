"""Every page in a real Chromium: no error box, a screenshot each (normal, projector, es)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import open_page, shot

pytestmark = pytest.mark.e2e

PAGES = ["home", "kernels", "pooling", "architecture", "data", "train", "inspect", "experiments"]


@pytest.mark.parametrize("slug", PAGES)
def test_page_renders_without_errors(page, app_url, slug):
    open_page(page, f"{app_url}/{'' if slug == 'home' else slug}?lang=en")
    assert page.locator("h1").first.is_visible()
    shot(page, slug)


def test_projector_mode_and_spanish_stay_on_across_pages(page, app_url):
    open_page(page, f"{app_url}/?lang=es&projector=1")
    assert page.locator("h1").first.inner_text().strip() == "CNN Lab"
    shot(page, "home_projector_es")
    # Navigate with the sidebar link, as a person would.
    page.get_by_role("link", name="Pooling").first.click()
    page.wait_for_url("**/pooling**")
    open_page(page, page.url)
    assert "lang=es" in page.url and "projector=1" in page.url
    size = page.evaluate("getComputedStyle(document.querySelector('h1')).fontSize")
    assert float(size.rstrip("px")) >= 40, size  # projector type is large
    shot(page, "pooling_projector_es")


def test_light_pages_never_load_tensorflow(server):
    """A fresh server shows Home, Kernels and Pooling; its process never maps TensorFlow.

    The session's server does this before any other test uses it (conftest.py). How fast
    Home appears is measured by ``benchmarks/bench_home.py`` against a bare Streamlit app,
    not here (a timed test fails on a busy machine).
    """
    light = server["light_pages"]
    assert light["error"] is None, light["error"]
    assert light["home_title"]
    assert Path(f"/proc/{server['proc'].pid}/maps").exists(), "this test reads /proc (Linux)"
    assert light["tensorflow"] is False, "Home/Kernels/Pooling loaded TensorFlow"
