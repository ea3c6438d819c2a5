"""Every page in a real Chromium: no error box, a screenshot each (normal, projector, es)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, _free_port, open_page, shot, wait_healthy

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


def test_home_renders_quickly_and_light_pages_never_load_tensorflow(browser, tmp_path):
    """A fresh server: time Home from the health check, then check the process maps."""
    port = _free_port()
    env = {**os.environ, "CNNLAB_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        healthy = wait_healthy(url)
        page.goto(url + "/?lang=en")
        page.wait_for_selector("h1:has-text('CNN Lab')", timeout=30_000)
        page.wait_for_selector("[data-test-script-state='notRunning']", timeout=30_000)
        seconds = time.monotonic() - healthy
        print(json.dumps({"home_render_after_health_s": round(seconds, 2)}))
        assert seconds <= 3.0, f"Home took {seconds:.2f} s after the health check"
        for slug in ("kernels", "pooling"):
            open_page(page, f"{url}/{slug}?lang=en")
        if Path(f"/proc/{proc.pid}/maps").exists():
            assert not _maps_tensorflow(proc.pid), "Home/Kernels/Pooling loaded TensorFlow"
        context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
