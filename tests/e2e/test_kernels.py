"""Kernels page in a real Chromium: the step view, a photo through an edge kernel, uploads."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from benchmarks import serve
from tests.e2e.conftest import assert_no_error, open_page, shot, wait_idle

pytestmark = pytest.mark.e2e


def _scroll_to(page, text: str) -> None:
    tab = page.get_by_role("tab", name=text).first
    tab.wait_for()
    tab.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)


def _open_tab(page, text: str) -> None:
    """Click one of the tabs of sections 4-6 and wait for its content."""
    page.get_by_role("tab", name=text).first.click()
    wait_idle(page)
    _scroll_to(page, text)


def _runs(server) -> list[str]:
    """The pages (or ``page#section`` fragments) of the server's script runs so far."""
    return [page for _when, page, _s in serve.run_log(server["run_log"])]


def test_a_kernel_edit_reruns_only_the_kernel_and_its_maps(page, app_url, server):
    """Random kernel reruns the kernel-and-maps fragment alone; a tab or a setting
    (padding) reruns the page; only the open tab's content is on the page."""
    open_page(page, f"{app_url}/kernels?lang=en&src=photo&img=astronaut&color=rgb")
    assert page.get_by_role("button", name="Next ▶").count() == 0  # step tab closed
    before = len(_runs(server))
    caption = page.get_by_text("Activation map (512, 512, 3)").first
    old_k = page.url
    page.get_by_role("button", name="Random kernel").click()
    page.wait_for_function("u => location.href !== u", arg=old_k, timeout=60_000)
    wait_idle(page)
    assert caption.is_visible()
    assert _runs(server)[before:] == ["kernels#_kernel_and_maps"]
    _open_tab(page, "5 · Step by step")
    assert page.get_by_role("button", name="Next ▶").is_visible()
    assert "tab=step" in page.url
    assert _runs(server)[before + 1 :] == ["kernels"]  # the tabs are drawn by the page
    box = page.get_by_role("combobox", name="Padding").first
    box.click()
    box.fill("valid")
    box.press("Enter")
    wait_idle(page)
    assert "kernels" in _runs(server)[before + 2 :]
    assert page.get_by_role("button", name="Next ▶").is_visible()  # still on its tab


def test_messages_and_maps_that_appear_only_after_an_edit(page, app_url, server):
    """A kernel edit reruns the fragment alone, which may write only where it wrote in
    the page's last whole run: a message that was not there (normalising a kernel whose
    weights sum to 0) and a map that was not there (an 11×11 kernel with valid padding on
    the 5×5 matrix, then size 3) both appear, as words, never as an exception."""
    ones = ",".join(["1"] * 121)
    open_page(page, f"{app_url}/kernels?lang=en&pad=valid&k={ones}", allow_errors=True)
    assert page.get_by_text("must fit inside the input").first.is_visible()
    before = len(_runs(server))
    size = page.get_by_role("spinbutton", name="Size k×k").first
    size.fill("3")
    size.press("Enter")
    wait_idle(page)
    assert _runs(server)[before:] == ["kernels#_kernel_and_maps"]
    assert_no_error(page)
    assert page.get_by_text("Activation map (3, 3)").first.is_visible()
    open_page(page, f"{app_url}/kernels?lang=en")  # a new session: the notebook's kernel,
    # whose weights sum to 0
    page.get_by_text("Normalise (÷ sum)").first.click()
    wait_idle(page)
    assert _runs(server)[-1] == "kernels#_kernel_and_maps"
    assert_no_error(page)
    assert page.get_by_text("The weights sum to 0").first.is_visible()


def test_step_view_walks_the_seed_matrix_on_a_projector(page, app_url):
    open_page(page, f"{app_url}/kernels?lang=en&projector=1")
    _open_tab(page, "5 · Step by step")
    assert page.get_by_text("Position 1 of 25").is_visible()
    for i in range(2, 9):  # row 2, column 3 of the map; one click lands one step
        page.get_by_role("button", name="Next ▶").click()
        page.get_by_text(f"Position {i} of 25").wait_for(timeout=60_000)
        wait_idle(page)
    assert page.get_by_text("Position 8 of 25").is_visible()
    sums = page.locator(".kernels-sum")
    assert sums.first.inner_text().strip().endswith("1")  # the seed table: row 2, col 3 = 1
    assert page.get_by_text("window at row 2, column 3").first.is_visible()
    _scroll_to(page, "5 · Step by step")
    page.mouse.wheel(0, 320)
    page.wait_for_timeout(300)
    shot(page, "kernels_step_view")


def test_a_photo_through_an_edge_kernel(page, app_url):
    k = "-1,0,1,-1,0,1,-1,0,1"  # the notebook's vertical-edge kernel
    open_page(page, f"{app_url}/kernels?lang=en&src=photo&img=camera&k={k}")
    _scroll_to(page, "4 · Input and map")
    images = page.locator("[data-testid='stImage'] img")
    images.first.wait_for()
    assert images.count() >= 2
    assert page.get_by_text("Activation map (512, 512)").first.is_visible()
    shot(page, "kernels_photo_edges")
    open_page(page, f"{app_url}/kernels?lang=es&src=photo&img=chelsea&color=rgb&k={k}")
    _scroll_to(page, "4 · Entrada y mapa")
    assert page.get_by_text("Mapa de activación (300, 451, 3)").first.is_visible()


def test_a_webcam_picture_through_a_kernel(page, app_url):
    """Chromium's fake camera stands in for the webcam: the photo taken replaces the
    fallback photo (camera, 512×512) and goes through the kernel."""
    open_page(page, f"{app_url}/kernels?lang=en&src=camera")
    assert page.get_by_text("Until then the page uses the photo").first.is_visible()
    assert page.get_by_text("Input (512, 512)").first.is_visible()
    page.wait_for_timeout(2000)  # let the video stream start
    page.get_by_role("button", name="Take Photo").click(timeout=60_000)
    page.get_by_role("button", name="Clear photo").wait_for(timeout=60_000)
    page.get_by_text("Input (512, 512)").wait_for(state="detached", timeout=60_000)
    wait_idle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    captions = " ".join(page.locator("[data-testid='stCaptionContainer']").all_inner_texts())
    assert "Input (" in captions and "Activation map (" in captions
    assert "Input (512, 512)" not in captions


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def test_uploads_good_and_bad(page, app_url, tmp_path):
    open_page(page, f"{app_url}/kernels?lang=en&src=upload")
    picture = tmp_path / "stripes.png"
    stripes = np.zeros((60, 80), np.uint8)
    stripes[:, ::10] = 255
    picture.write_bytes(_png(stripes))
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(str(picture))
    page.get_by_text("Activation map (60, 80)").first.wait_for()
    wait_idle(page)
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"this is not a picture at all")
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(str(junk))
    page.locator("[data-testid='stAlertContentError']").first.wait_for()
    wait_idle(page)
    text = page.locator("[data-testid='stAlertContentError']").first.inner_text()
    assert "not an image" in text
    assert page.locator("[data-testid='stException']").count() == 0


def test_bank_chips_are_never_cut_on_a_projector(page, app_url):
    """The kernel bank's chips wrap onto more lines; none ends in "…" or hides under
    the fade at the right (on the projector the fourth one used to read "No…")."""
    open_page(page, f"{app_url}/kernels?lang=es&projector=1&tab=bank")
    box = page.locator(".st-key-kernels_bank [data-testid='stMultiSelectTagsContainer']")
    box.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)
    outer = box.bounding_box()
    chips = box.locator(":scope > span > span")
    assert chips.count() == 4
    for i in range(chips.count()):
        chip = chips.nth(i)
        rect = chip.bounding_box()
        assert rect["x"] + rect["width"] <= outer["x"] + outer["width"] + 1, chip.inner_text()
        assert rect["y"] + rect["height"] <= outer["y"] + outer["height"] + 1, chip.inner_text()
        cut = chip.locator(":scope > span").first.evaluate("e => e.scrollWidth > e.clientWidth")
        assert not cut, chip.inner_text()
    shot(page, "kernels_bank_projector_es")
