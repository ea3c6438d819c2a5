"""The Data page in a real Chromium: the sample grid and augmentation preview render."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import open_page, shot

pytestmark = pytest.mark.e2e


def _scroll_to(page, text: str) -> None:
    page.get_by_text(text, exact=True).first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)


def _grid_images(page) -> int:
    """Plotly image traces drawn as <image> elements with a PNG data URL."""
    return page.locator(".js-plotly-plot image").count()


def test_shapes_preview_grid(page, app_url):
    open_page(page, f"{app_url}/data?lang=en&classes=circle,square,triangle&ch=3&size=48")
    page.wait_for_selector(".js-plotly-plot image", timeout=60_000)
    assert _grid_images(page) >= 2  # the sample grid and the augmentation strip
    _scroll_to(page, "Samples per class")
    shot(page, "data_samples")
    page.locator(".js-plotly-plot").last.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    shot(page, "data_augmentation")


def test_projector_spanish(page, app_url):
    open_page(page, f"{app_url}/data?lang=es&projector=1")
    page.wait_for_selector(".js-plotly-plot image", timeout=60_000)
    assert page.locator("h1").first.inner_text().strip() == "Datos"
    _scroll_to(page, "Ejemplos por clase")
    shot(page, "data_projector_es")


def _photo(seed: int, base) -> bytes:
    rng = np.random.default_rng(seed)
    small = np.clip(np.array(base) + rng.integers(-60, 60, (6, 8, 3)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(small).resize((200, 150), Image.Resampling.BICUBIC).save(buf, "JPEG")
    return buf.getvalue()


def test_image_folder_with_junk_report(page, app_url, server):
    """A PetImages-like folder under the server's data root: grid and skipped files."""
    root = Path(server["log"]).parent / "datasets" / "PetImages"
    for i in range(12):
        for cls, base in (("Cat", (200, 120, 60)), ("Dog", (60, 90, 200))):
            (root / cls).mkdir(parents=True, exist_ok=True)
            (root / cls / f"{i}.jpg").write_bytes(_photo(i, base))
    (root / "Cat" / "666.jpg").write_bytes(b"")
    (root / "Dog" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    open_page(page, f"{app_url}/data?lang=en&src=folder&isize=96")
    page.wait_for_selector(".js-plotly-plot image", timeout=60_000)
    assert page.get_by_text("Files skipped: 2 of 26").count() == 1
    _scroll_to(page, "Files skipped: 2 of 26")
    shot(page, "data_folder_report")


def test_names_that_are_not_utf8_show_in_spanish(page, app_url, server):
    """A class folder b"B\\xe9" and a junk file b"bad_\\xff\\xfe.jpg" (an old zip tool's
    Latin-1 names): the page shows them with U+FFFD instead of failing."""
    import os

    base = os.fsencode(Path(server["log"]).parent / "datasets" / "Odd")
    for k, cls in enumerate((b"A", b"B\xe9")):
        os.makedirs(os.path.join(base, cls), exist_ok=True)
        for i in range(4):
            with open(os.path.join(base, cls, b"%d.jpg" % i), "wb") as fh:
                fh.write(_photo(i + 10 * k, (200, 120, 60) if k else (60, 90, 200)))
    with open(os.path.join(base, b"A", b"bad_\xff\xfe.jpg"), "wb") as fh:
        fh.write(b"junk")
    open_page(page, f"{app_url}/data?lang=es&src=folder&folder=Odd&isize=32")
    page.wait_for_selector(".js-plotly-plot image", timeout=60_000)
    assert page.get_by_text("(A, B\ufffd)", exact=False).count() >= 1
    assert page.get_by_text("Archivos omitidos: 1 de 9").count() == 1
    _scroll_to(page, "Archivos omitidos: 1 de 9")
    shot(page, "data_odd_names_es")
