"""Figures built once for a whole class: ui.figure shares them between sessions."""

from __future__ import annotations

import json

import numpy as np

from cnnlab import viz_pooling
from dashboard import ui
from tests.app.conftest import open_app


def _specs(at) -> list[str]:
    return [el.proto.spec for el in at.get("plotly_chart")]


def test_same_arguments_same_figure_different_arguments_new_one():
    calls = []

    def build(values, *, title):
        calls.append(title)
        return {"values": np.asarray(values).tolist(), "title": title}

    ui._shared.clear()
    a = ui.shared(build, np.arange(6.0), title="A")
    b = ui.shared(build, np.arange(6.0), title="A")  # equal array, another object
    assert a is b and calls == ["A"]
    c = ui.shared(build, np.arange(6.0) + 1, title="A")
    d = ui.shared(build, np.arange(6.0), title="B")
    assert calls == ["A", "A", "B"]
    assert c["values"][0] == 1.0 and d["title"] == "B"


def test_shared_results_are_read_only():
    ui._shared.clear()
    steps = ui.shared(lambda x: [x * 2, x + 1], np.ones((4, 4), np.float32))
    assert all(not a.flags.writeable for a in steps)
    fig = ui.shared(viz_pooling.steps_figure, [[np.eye(4)]], [["eye"]], [(0.0, 1.0, "gray")])
    assert fig.to_dict() is fig.to_dict()  # built once, then only read
    assert fig.to_dict()["data"][0]["type"] == "image"


def test_a_second_session_on_pooling_builds_no_figure(monkeypatch):
    built = []
    for name in ("steps_figure", "matrix_figure", "shift_figure", "global_bars_figure"):
        real = getattr(viz_pooling, name)

        def counting(*args, _real=real, _name=name, **kwargs):
            built.append(_name)
            return _real(*args, **kwargs)

        counting.__qualname__ = real.__qualname__
        monkeypatch.setattr(viz_pooling, name, counting)
    ui._shared.clear()
    first = open_app("page_pooling.py")
    assert not first.exception, first.exception
    n_first = len(built)
    assert n_first >= 6  # input, side by side, matrix, shift, stride, global bars
    second = open_app("page_pooling.py")  # another session, same view
    assert not second.exception, second.exception
    assert len(built) == n_first
    assert _specs(second) == _specs(first)
    # A setting that changes the figures builds new ones, only for what changed.
    second.slider(key="pooling_size").set_value(3).run()
    assert not second.exception, second.exception
    assert len(built) > n_first
    assert _specs(second) != _specs(first)
    assert all(json.loads(s)["data"] for s in _specs(second))
