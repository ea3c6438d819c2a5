"""Switching language and projector mode mid-lesson, on every page, never raises.

A keyed choice widget keeps its identity when its labels change, and the browser
remembers the label it showed. Before the fix, Kernels → Español → projector on gave
``ValueError: unknown kernel 'Notebook: 5×5 example f…'`` and Architecture gave a
``KeyError`` on the preset's English label (``ui.refresh_labels``).
"""

from __future__ import annotations

import pytest

from dashboard.app import PAGES
from tests.e2e.conftest import open_page, wait_idle

pytestmark = pytest.mark.e2e

SLUGS = [slug for _, slug, _ in PAGES]


def _sidebar_click(page, selector: str, text: str) -> None:
    page.locator(f"[data-testid='stSidebar'] {selector}", has_text=text).first.click()
    page.wait_for_timeout(300)
    wait_idle(page)


def _errors(page) -> list[str]:
    return [e.inner_text()[:300] for e in page.locator("[data-testid='stException']").all()]


@pytest.mark.parametrize("slug", SLUGS)
def test_language_and_projector_switches_keep_the_page(page, app_url, slug):
    open_page(page, f"{app_url}/{'' if slug == 'home' else slug}?lang=en")
    steps = [
        ("button", "Español", "es"),
        ("label", "proyector", "es"),  # projector on, in Spanish
        ("button", "English", "en"),
        ("label", "Projector", "en"),  # projector off again
        ("button", "Español", "es"),
    ]
    for selector, text, lang in steps:
        _sidebar_click(page, selector, text)
        assert _errors(page) == [], (slug, text)
        assert f"lang={lang}" in page.url
        assert page.locator("h1").first.is_visible()
        # the sidebar (menu and settings) is still there
        assert page.locator("[data-testid='stSidebarNav']").is_visible()
