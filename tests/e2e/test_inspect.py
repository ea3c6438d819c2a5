"""Inspect page in a real Chromium: filters and feature maps of a trained run, a drawing."""

from __future__ import annotations

import math

import pytest

from tests.e2e.conftest import open_page, shot, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.keras]


@pytest.fixture(scope="module")
def run_id(server):
    """Train a small shapes model into the e2e server's CNNLAB_HOME (≈10 s)."""
    from cnnlab.data import split_spec
    from cnnlab.model import ConvBlock, Head, ModelConfig, PoolBlock
    from cnnlab.runs import RunStore
    from cnnlab.train import TrainConfig, train

    home = server["log"].parent
    cfg = ModelConfig(
        input_shape=(32, 32, 1),
        blocks=(ConvBlock(16), PoolBlock(), ConvBlock(32), PoolBlock(), ConvBlock(32)),
        head=Head("gap"),
        name="shapes_demo",
    )
    tr, va = split_spec({"source": "shapes", "n": 1500, "size": 32, "seed": 1})[:2]
    res = train(
        cfg, tr, va, TrainConfig(epochs=8, batch_size=32, learning_rate=3e-3),
        store=RunStore(home), name="shapes demo",
    )  # fmt: skip
    return res.run_id


def _scroll_to(page, text: str) -> None:
    heading = page.get_by_role("heading", name=text).first
    heading.wait_for()
    heading.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)


def test_filters_and_feature_maps(page, app_url, run_id):
    open_page(page, f"{app_url}/inspect?lang=en&run={run_id}&layer=max_pool_1")
    assert page.get_by_text("Prediction:").first.is_visible()
    _scroll_to(page, "3 · First-layer filters")
    assert page.get_by_text("16 filters of 3×3×1").first.is_visible()
    assert page.get_by_text("Sobel x").first.is_visible()
    shot(page, "inspect_filters")
    _scroll_to(page, "4 · Feature maps")
    assert page.get_by_text("max_pool_1: 16×16 maps, 16 channels").first.is_visible()
    shot(page, "inspect_maps")
    _scroll_to(page, "6 · Receptive field")
    assert page.get_by_text("pixel region of the input").first.is_visible()


def test_draw_a_circle_and_a_square_on_a_projector(page, app_url, run_id):
    open_page(page, f"{app_url}/inspect?lang=en&projector=1&run={run_id}&input=draw")
    board = page.locator("[data-testid='stPlotlyChart'] .nsewdrag").first
    board.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = board.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    r = box["width"] * 0.22
    page.mouse.move(cx + r, cy)
    page.mouse.down()
    for i in range(1, 41):
        a = 2 * math.pi * i / 40
        page.mouse.move(cx + r * math.cos(a), cy + r * math.sin(a), steps=2)
    page.mouse.up()
    wait_idle(page)
    verdict = page.get_by_text("Prediction:").first
    verdict.wait_for()
    assert "circle" in verdict.inner_text()
    page.mouse.wheel(0, 300)
    page.wait_for_timeout(400)
    shot(page, "inspect_draw")
    page.get_by_role("button", name="Clear the drawing").click()
    wait_idle(page)
    board = page.locator("[data-testid='stPlotlyChart'] .nsewdrag").first
    board.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = board.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    page.mouse.move(*corners[0])
    page.mouse.down()
    for x, y in [*corners[1:], corners[0]]:
        page.mouse.move(x, y, steps=12)
    page.mouse.up()
    wait_idle(page)
    verdict = page.get_by_text("Prediction:").first
    verdict.wait_for()
    assert "square" in verdict.inner_text()


def test_spanish_projector(page, app_url, run_id):
    open_page(page, f"{app_url}/inspect?lang=es&projector=1&run={run_id}")
    assert page.get_by_text("Predicción:").first.is_visible()
    _scroll_to(page, "2 · Grad-CAM: ¿dónde está la evidencia?")
    shot(page, "inspect_projector_es")
