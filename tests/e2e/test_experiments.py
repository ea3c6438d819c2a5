"""Experiments page in a real Chromium: runs trained for real, picked by ticking rows of
the table, their curves overlaid (one colour each) in projector mode; screenshot for the
README."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import open_page, shot, wait_idle

pytestmark = pytest.mark.e2e

MODELS = ("seed_shapes", "shapes_stride2", "shapes_flatten")


@pytest.fixture(scope="module")
def runs(server):
    """Three real 5-epoch runs in the server's RunStore (removed afterwards)."""
    pytest.importorskip("keras")
    from cnnlab.data import split_spec
    from cnnlab.model import PRESETS
    from cnnlab.runs import RunStore
    from cnnlab.train import TrainConfig, train

    store = RunStore(server["log"].parent)
    tr, va = split_spec({"source": "shapes", "n": 300, "size": 24})
    cfg = TrainConfig(epochs=5, batch_size=16)
    ids = [train(PRESETS[m], tr, va, cfg, store=store, name=m).run_id for m in MODELS]
    yield ids
    for rid in ids:
        store.delete(rid)


def _chips(page) -> list[str]:
    return page.locator(".st-key-experiments_runs [data-tag]").all_inner_texts()


def test_tick_runs_in_the_table_and_overlay_their_curves(app_url, page, runs):
    open_page(page, f"{app_url}/experiments?lang=en&projector=1")
    page.wait_for_timeout(1500)  # the table is a canvas: let it paint
    chips = _chips(page)
    assert len(chips) == 2 and chips[0].startswith("shapes_flatten")  # the two newest
    # Tick the third row (the oldest of the three runs) in the table itself.
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    row = 46  # px, header and rows in projector mode (the page sets row_height)
    page.mouse.click(box["x"] + 17, box["y"] + row * 3 + row // 2)
    page.wait_for_timeout(500)
    wait_idle(page)
    chips = _chips(page)
    assert len(chips) == 3, chips
    assert {c.split(" · ")[0] for c in chips} == set(MODELS)
    curves = page.locator(".st-key-experiments_curves")
    curves.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.mouse.wheel(0, -60)
    page.wait_for_timeout(800)
    # Per run: validation and training, loss and accuracy = 4 lines; one colour per run.
    assert curves.locator("g.trace.scatter").count() == 12
    legend = curves.locator("g.legend g.traces")
    assert legend.count() == 3
    shot(page, "experiments_curves")
