"""Every page in a real Chromium: no error box, a screenshot each (normal, projector, es)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import serve
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


def _maps_tensorflow(pid: int) -> bool:
    maps = Path(f"/proc/{pid}/maps").read_text()
    return "_pywrap_tensorflow" in maps or "libtensorflow" in maps


def test_light_pages_never_load_tensorflow(browser, tmp_path):
    """A fresh server shows Home, Kernels and Pooling; its process never maps TensorFlow.

    How fast Home appears is measured by ``benchmarks/bench_home.py`` against a bare
    Streamlit app, not here (a timed test fails on a busy machine).
    """
    proc, url = serve.start(env={"CNNLAB_HOME": str(tmp_path)})
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        serve.wait_healthy(url)
        open_page(page, f"{url}/?lang=en")
        assert page.locator("h1:has-text('CNN Lab')").first.is_visible()
        for slug in ("kernels", "pooling"):
            open_page(page, f"{url}/{slug}?lang=en")
        maps = Path(f"/proc/{proc.pid}/maps")
        assert maps.exists(), "this test reads /proc (Linux)"
        assert not _maps_tensorflow(proc.pid), "Home/Kernels/Pooling loaded TensorFlow"
        context.close()
    finally:
        serve.stop(proc)
