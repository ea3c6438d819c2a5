"""Train the shapes preset in a real browser: the curve grows, then the results appear."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import open_page, shot

pytestmark = pytest.mark.e2e

_POINTS = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  if (!plot || !plot.data) return 0;
  return plot.data.reduce((n, tr) => n + (tr.x ? tr.x.length : 0), 0);
}"""


def test_train_shapes_preset_curves_grow_and_results_appear(page, app_url):
    open_page(page, f"{app_url}/train?lang=en")
    page.get_by_role("button", name="Shapes demo", exact=False).click()
    open_page(page, page.url)
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_selector("[data-testid='stProgress']", timeout=90_000)
    page.wait_for_function(f"({_POINTS})() > 0", timeout=90_000)
    first = page.evaluate(_POINTS)
    page.wait_for_function(f"({_POINTS})() > {first}", timeout=90_000)  # it grows live
    page.set_viewport_size({"width": 1280, "height": 1300})
    shot(page, "train_live")
    page.wait_for_selector("h3:has-text('Results')", timeout=240_000)
    page.wait_for_selector("text=Confusion matrix", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 2  # curves + confusion matrix
    assert page.locator("[data-testid='stException']").count() == 0
    page.set_viewport_size({"width": 1280, "height": 2200})
    page.wait_for_timeout(1000)
    shot(page, "train_results")
