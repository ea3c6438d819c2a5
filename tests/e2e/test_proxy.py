"""deploy/nginx/cnnlab.conf, as a teacher would install it, in front of a real
`cnnlab app`: the dashboard works through it (pages, widgets over the WebSocket) and its
browser code arrives gzipped (Streamlit serves it uncompressed: ~3× the bytes).

Without Debian's nginx the test skips, unless CNNLAB_REQUIRE_PROXY=1 (set by .ci/run),
where it fails instead.
"""

from __future__ import annotations

import gzip
import json
import re
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks import serve
from tests.e2e.conftest import nginx_or_skip, open_page

ROOT = Path(__file__).resolve().parents[2]
CONF = serve.NGINX_SITE

pytestmark = pytest.mark.e2e


@pytest.fixture
def proxy(server, tmp_path):
    """nginx with the shipped file in front of the session's server (its URL)."""
    nginx_or_skip()
    proc, url = serve.start_proxy(server["url"], tmp_path)
    try:
        try:
            serve.wait_healthy(url, timeout=30)
        except RuntimeError as err:  # e.g. its port taken meanwhile: say what nginx said
            log = (tmp_path / "error.log").read_text()
            raise RuntimeError(f"{err}; nginx: {log}") from err
        yield url
    finally:
        serve.stop(proc)


def _get(url: str, gzipped: bool) -> tuple[bytes, dict]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzipped else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read(), dict(response.headers)


def test_the_dashboard_works_through_nginx_and_its_code_arrives_gzipped(proxy, server, page):
    html, _ = _get(proxy + "/", gzipped=False)
    scripts = re.findall(rb'src="\.?/?(static/js/index\.[^"]+\.js)"', html)
    assert scripts, html[:500]
    path = "/" + scripts[0].decode()
    plain, _ = _get(server["url"] + path, gzipped=False)
    packed, headers = _get(proxy + path, gzipped=True)
    assert headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(packed) == plain
    assert len(packed) < len(plain) / 2.5  # ~3× fewer bytes on the school's Wi-Fi

    open_page(page, f"{proxy}/kernels?lang=en")  # pages and their script runs
    assert page.locator("h1", has_text="Kernels").first.is_visible()
    spanish = json.loads((ROOT / "dashboard/catalogs/es/kernels.json").read_text())
    sidebar = page.locator("[data-testid='stSidebar'] button", has_text="Español")
    sidebar.first.click()  # a widget: its value goes to the server over the WebSocket
    page.get_by_text(spanish["kernel_title"]).first.wait_for(timeout=90_000)


def test_an_upload_bigger_than_nginx_default_goes_through(proxy, page, tmp_path):
    """nginx refuses bodies over 1 MB unless told: a 2 MB photo must reach the app."""
    noise = np.random.default_rng(0).integers(0, 256, (800, 900, 3), dtype=np.uint8)
    picture = tmp_path / "noise.png"
    Image.fromarray(noise).save(picture, "PNG")
    assert picture.stat().st_size > 2_000_000
    open_page(page, f"{proxy}/kernels?lang=en&src=upload")
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(str(picture))
    page.get_by_text("Activation map (800, 900)").first.wait_for(timeout=90_000)
    assert page.locator("[data-testid='stException']").count() == 0


def test_nginx_sets_no_upload_limit_of_its_own():
    """One limit, the app's (``server.maxUploadSize``, which ``--server.maxUploadSize``
    may raise): nginx must not refuse a file first, as its English 413 page would
    replace the app's message in the page's language."""
    limits = re.findall(r"client_max_body_size\s+(\S+);", CONF.read_text())
    assert limits == ["0"]
