"""Architecture page in a real Chromium: a slider moves, the totals and URL follow."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_error, open_page, shot, wait_idle

pytestmark = pytest.mark.e2e


def _metrics(page) -> list[str]:
    page.wait_for_selector("[data-testid='stMetricValue']")
    return [m.inner_text().strip() for m in page.locator("[data-testid='stMetricValue']").all()]


def test_slider_changes_the_totals_and_the_link_reopens_the_design(page, browser, app_url):
    open_page(page, f"{app_url}/architecture?lang=en&preset=seed_pets")
    assert _metrics(page)[0] == "830,849"  # the notebook's model.summary()
    assert (
        page.get_by_text("(9, 9, 64)").first.is_visible()
        or page.locator("[data-testid='stDataFrame']").first.is_visible()
    )
    shot(page, "architecture")
    # Move the first block's filters slider one step (32 → 48) with the keyboard.
    slider = page.get_by_role("slider", name="Filters F").first
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector(\"[data-testid='stMetricValue']\").innerText.trim()"
        " !== '830,849'"
    )
    wait_idle(page)
    assert_no_error(page)
    total = _metrics(page)[0]
    assert total == f"{830_849 + 3 * 3 * 3 * 16 + 16 + 3 * 3 * 16 * 64:,}", total
    assert "arch=" in page.url
    # The edited design's name says what changed, as Train and Experiments will list it.
    assert page.get_by_text("seed_pets+filters", exact=True).count() == 1
    # The link alone reopens the same design in a fresh session.
    other = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    open_page(other, page.url)
    assert _metrics(other)[0] == total
    other.context.close()


def test_an_impossible_design_explains_itself(page, app_url):
    open_page(page, f"{app_url}/architecture?lang=en&preset=seed_pets")
    height = page.get_by_label("Height H")
    height.fill("8")
    height.press("Enter")
    page.wait_for_selector("[data-testid='stAlertContentError']")
    wait_idle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    boxes = page.locator("[data-testid='stAlertContentError']").all_inner_texts()
    errors = [b.strip().splitlines()[-1] for b in boxes]  # after the icon's name
    # At the top, which block to look at; the message itself once, in that block's box.
    assert errors[0].startswith("This design cannot be built: block "), errors
    assert "· Pooling" in errors[0], errors
    said = [e for e in errors if "max_pool_4" in e and "valid padding" in e]
    assert len(said) == 1, errors


def test_projector_and_spanish(page, app_url):
    open_page(page, f"{app_url}/architecture?lang=es&projector=1&preset=shapes_flatten")
    assert page.locator("h1").first.inner_text().strip() == "Arquitectura"
    assert _metrics(page)[0].replace("\xa0", " ") == "548 306"  # grouped the Spanish way
    # Totals are read from the back of the room: larger than the body text, not smaller.
    value = page.locator("[data-testid='stMetricValue']").first
    px = value.evaluate("e => parseFloat(getComputedStyle(e.querySelector('p') || e).fontSize)")
    assert px >= 48, px
    # Every block label reads in full: "BatchNorm" was cut to "BatchNo…" in a half column.
    label = page.get_by_text("BatchNorm", exact=True).first
    cut = "e => { const d = e.closest('div'); return d.scrollWidth > d.clientWidth }"
    assert not label.evaluate(cut)
    shot(page, "architecture_projector_es")


def test_the_keras_code_comes_when_its_expander_is_opened(page, app_url):
    """Closed, the expander holds no code (the 1.5 MB code highlighter is not loaded on a
    first visit); a click opens it, the page reruns and the code and its download show."""
    loaded = "performance.getEntriesByType('resource').map(e => e.name.split('/').pop())"
    highlighter = "StreamlitSyntaxHighlighter"  # the name of Streamlit's chunk
    open_page(page, f"{app_url}/architecture?lang=en&preset=seed_shapes")
    assert page.locator("[data-testid='stCode']").count() == 0
    assert not any(name.startswith(highlighter) for name in page.evaluate(loaded))
    page.get_by_text("Copy as Keras code").click()
    code = page.locator("[data-testid='stCode']").first
    code.wait_for(timeout=30_000)
    wait_idle(page)
    assert_no_error(page)
    assert "model.compile(" in code.inner_text()
    assert page.get_by_role("button", name="Download").first.is_visible()
    assert any(name.startswith(highlighter) for name in page.evaluate(loaded))
