"""How a design's numbers are written (cnnlab.model.short_number, l2_text)."""

from __future__ import annotations

import pytest

from cnnlab.model import l2_text, short_number


@pytest.mark.parametrize(
    ("n", "unit", "text"),
    [
        (0, "", "0"),
        (999, "", "999"),
        (1_000, "", "1 k"),
        (720_000, "B", "720 kB"),
        (40_312_000, "", "40.3 M"),
        (208_000_000, "", "208 M"),
        (1.5e9, "B", "1.5 GB"),
        (3, "B", "3 B"),
    ],
)
def test_short_number(n, unit, text):
    assert short_number(n, unit) == text


@pytest.mark.parametrize(
    ("v", "text"),
    [
        (0.0, "off"),
        (0, "off"),
        (1e-5, "1e-5"),
        (1e-3, "1e-3"),
        (0.1, "1e-1"),
        (0.0015, "0.0015"),  # a link's finer value keeps its digits
        (2e-4, "2e-4"),
        (-0.5, "-5e-1"),
        (float("nan"), "nan"),
        ("abc", "'abc'"),
        (True, "True"),
    ],
)
def test_l2_text(v, text):
    assert l2_text(v, "off") == text


def test_l2_texts_of_the_slider_stops_are_all_different():
    stops = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 0.00123)
    assert len({l2_text(v) for v in stops}) == len(stops)
