"""Pooling page in a real Chromium: the side-by-side view and the small-matrix view,
in projector mode, with screenshots for the README."""

from __future__ import annotations

import pytest

from benchmarks import serve
from tests.e2e.conftest import open_page, shot, wait_idle

pytestmark = pytest.mark.e2e


def _show(page, key: str, *, offset: int = 0):
    """Scroll the element with widget key ``key`` to the top of the view; return it."""
    el = page.locator(f".st-key-{key}")
    el.wait_for()
    el.evaluate("e => e.scrollIntoView({block: 'start'})")
    if offset:
        page.mouse.wheel(0, offset)
    page.wait_for_timeout(600)  # let Plotly settle after the scroll
    return el


def test_side_by_side_max_and_average_in_projector_mode(app_url, page):
    open_page(page, f"{app_url}/pooling?lang=en&projector=1&source=seed&k=3")
    fig = _show(page, "pooling_side_fig", offset=-70)
    # 3 steps × (max, average, difference), drawn as images with the seed's shapes.
    assert fig.locator("image").count() == 9
    text = fig.inner_text()
    for shape in ("153×230", "76×115", "38×57"):
        assert shape in text
    # One PNG pixel per map pixel, enlarged by the browser without smoothing (Plotly's
    # image traces with zsmooth off), so each pixel shows as a sharp square.
    styles = fig.locator("image").evaluate_all("es => es.map(e => e.getAttribute('style'))")
    assert all("image-rendering: pixelated" in s for s in styles), styles
    widths = fig.locator("image").evaluate_all(
        "es => Promise.all(es.map(e => new Promise(ok => { const i = new Image();"
        " i.onload = () => ok([i.naturalWidth, e.getBBox().width]);"
        " i.src = e.getAttribute('href'); })))"
    )
    assert [w for w, _ in widths[::3]] == [230, 115, 57], widths  # a row per step
    assert all(shown > 1.5 * w for w, shown in widths[3:]), widths  # enlarged on screen
    shot(page, "pooling_side_by_side")


def test_small_matrix_windows_in_projector_mode(app_url, page):
    open_page(page, f"{app_url}/pooling?lang=en&projector=1&source=matrix&ppad=same")
    fig = _show(page, "pooling_matrix_fig", offset=-90)
    svg_text = fig.inner_text()
    assert "pad" in svg_text and "3.75" in svg_text  # padding cells and a mean written in
    # 9 windows: one outline on the input and one on each output cell.
    assert fig.locator("path[style*='stroke-width']").count() >= 27
    shot(page, "pooling_matrix")


def test_spanish_page_opens_without_errors(app_url, page):
    open_page(page, f"{app_url}/pooling?lang=es")
    assert page.get_by_text("Ventana por ventana").count() == 1
    assert page.get_by_text("¿Para qué sirve el pooling?").count() == 1


def test_output_size_rule_fits_on_a_projector(app_url, page):
    """The formula's result (= 153, = 230) is on screen, not cut at the right edge."""
    open_page(page, f"{app_url}/pooling?lang=es&projector=1&source=seed")
    main = page.locator("[data-testid='stMainBlockContainer']").bounding_box()
    formulas = page.locator("[data-testid='stMarkdownContainer'] .katex-display, .stLatex .katex")
    formulas.first.wait_for()
    texts = []
    for i in range(formulas.count()):
        el = formulas.nth(i)
        el.evaluate("e => e.scrollIntoView({block: 'center'})")
        rect = el.bounding_box()
        texts.append(el.inner_text())
        assert rect["x"] + rect["width"] <= main["x"] + main["width"] + 1, texts[-1]
    joined = " ".join(texts)
    assert "153" in joined and "230" in joined


def test_why_pool_tabs_draw_only_the_open_one_and_a_slider_reruns_the_body(app_url, page, server):
    open_page(page, f"{app_url}/pooling?lang=en&source=seed")
    assert page.locator(".st-key-pooling_shift_fig").count() == 1
    assert page.locator(".st-key-pooling_global_fig").count() == 0
    page.get_by_role("tab", name="Global pooling").click()
    wait_idle(page)
    _show(page, "pooling_global_fig")
    assert page.locator(".st-key-pooling_shift_fig").count() == 0
    assert "why=global" in page.url
    log = server["run_log"]
    before = len(serve.run_log(log))
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("ArrowRight")
    wait_idle(page)
    runs = [page for _when, page, _s in serve.run_log(log)[before:]]
    assert runs and set(runs) == {"pooling#_body"}  # never the whole app
    assert page.locator(".st-key-pooling_global_fig").count() == 1  # still on its tab
