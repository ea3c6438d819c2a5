"""Figures built once for a whole class: ui.shared and ui.chart share them between sessions."""

from __future__ import annotations

import base64
import json
from dataclasses import fields

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from cnnlab import viz as viz_model
from cnnlab import viz as viz_pooling
from cnnlab.model import PRESETS, LayerRow, layer_table
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
    plain = ui._freeze(viz_model.plain(viz_pooling.matrix_figure, np.eye(3)))  # as ui.chart
    assert not plain["data"][1]["z"].flags.writeable  # plain dicts hold arrays too


def _count_builds(monkeypatch, module, names) -> list[str]:
    """Wrap ``module``'s figure builders; the list grows by a name at each build."""
    built: list[str] = []
    for name in names:
        real = getattr(module, name)

        def counting(*args, _real=real, _name=name, **kwargs):
            built.append(_name)
            return _real(*args, **kwargs)

        counting.__qualname__ = real.__qualname__  # the shared cache's key stays the same
        counting.__module__ = real.__module__
        monkeypatch.setattr(module, name, counting)
    return built


def test_a_second_session_on_pooling_builds_no_figure(monkeypatch):
    names = ("steps_figure", "matrix_figure", "shift_figure", "global_bars_figure")
    built = _count_builds(monkeypatch, viz_pooling, names)
    ui._shared.clear()
    first = open_app("page_pooling.py")
    assert not first.exception, first.exception
    n_first = len(built)
    assert n_first >= 4  # input, side by side, matrix, and the open "why" tab's (shift)
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


def _sent_figure(spec: str) -> dict:
    """A sent spec read back through Plotly: every property, defaults and encodings alike."""
    fig = json.loads(spec)
    fig["layout"].pop("template", None)  # Streamlit draws charts with its own theme
    return go.Figure(fig).to_plotly_json()


def test_a_chart_sends_what_the_real_figure_sends():
    rows = layer_table(PRESETS["seed_pets"])
    for builder, args in (
        (viz_model.tensor_figure, (rows,)),
        (viz_model.params_figure, (rows,)),
        (viz_model.compare_figure, ([rows, layer_table(PRESETS["seed_shapes"])], ["a", "b"])),
    ):
        real = pio.to_json(builder(*args), validate=False)
        plain = pio.to_json(ui._Sent(viz_model.plain(builder, *args)), validate=False)
        assert _sent_figure(plain) == _sent_figure(real), builder.__name__
        # Sent without Plotly's template: each visible trace sets its own colour.
        for trace in json.loads(plain)["data"]:
            marker = trace.get("marker", {})
            assert "color" in marker or marker.get("opacity") == 0, (builder.__name__, trace)


def test_a_pooling_chart_sends_what_the_real_figure_sends():
    """Pooling's figures go through ui.chart as plain dicts: the same as the Figure."""
    x = np.random.default_rng(0).random((30, 40))
    for builder, args, kwargs in (
        (viz_pooling.steps_figure, ([[x, x[::2, ::2]], [x]], [["a", "b"], ["c"]],
                                    [(0.0, 1.0, "gray"), (0.0, 0.5, "Inferno")]), {}),
        (viz_pooling.matrix_figure, (np.arange(25.0).reshape(5, 5),), {"padding": "same"}),
        (viz_pooling.shift_figure, ([0, 1], {"map": [0.0, 0.4]}),
         {"x_title": "d", "y_title": "%"}),
        (viz_pooling.global_bars_figure, (["a", "b"], {"GAP": [1.0, 2.0]}), {"y_title": "v"}),
    ):  # fmt: skip
        real = pio.to_json(builder(*args, **kwargs), validate=False)
        sent = pio.to_json(ui._Sent(viz_model.plain(builder, *args, **kwargs)), validate=False)
        assert _lists(json.loads(sent)) == _lists(json.loads(real)), builder.__name__


def _lists(value):
    """Sent JSON with Plotly's typed arrays (``{"dtype", "bdata", "shape"}``) read back as
    the lists they stand for (NaN as null): the two ways an array goes to the browser."""
    if isinstance(value, list):
        return [_lists(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "bdata" in value and "dtype" in value:
        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if "shape" in value:
            a = a.reshape([int(n) for n in str(value["shape"]).split(",")])
        return json.loads(json.dumps(a.tolist()).replace("NaN", "null"))
    return {k: _lists(v) for k, v in value.items()}


def test_layer_rows_are_keyed_by_every_field():
    """ui.shared keys a LayerRow by its repr: a field left out of it would mix designs up."""
    assert all(f.repr for f in fields(LayerRow))
    a, b = layer_table(PRESETS["seed_shapes"])[2], layer_table(PRESETS["seed_pets"])[2]
    assert ui._HASH_FUNCS[LayerRow](a) != ui._HASH_FUNCS[LayerRow](b)


def test_a_second_session_on_architecture_builds_no_figure(monkeypatch):
    names = ("tensor_figure", "params_figure", "compare_figure")
    built = _count_builds(monkeypatch, viz_model, names)
    ui._shared.clear()
    first = open_app("page_architecture.py")
    assert not first.exception, first.exception
    n_first = len(built)
    assert n_first == 5  # flow, parameter bars, comparison, and the two small flows
    second = open_app("page_architecture.py")
    assert not second.exception, second.exception
    assert len(built) == n_first and _specs(second) == _specs(first)
    # A slider move redraws this design's figures; the compared preset's flow is reused.
    uid = second.session_state["architecture_uids"][0]
    second.select_slider(key=f"architecture_e_b{uid}_filters").set_value(32).run()
    assert not second.exception, second.exception
    assert len(built) == n_first + 4
    changed = [a != b for a, b in zip(_specs(first), _specs(second), strict=True)]
    assert changed == [True, True, True, True, False]
    conv = [json.loads(_specs(at)[0])["data"][0]["hovertext"][1] for at in (first, second)]
    assert conv == ["conv2d_1 (Conv2D)<br>32×32×16", "conv2d_1 (Conv2D)<br>32×32×32"]


def test_figures_use_the_page_language_number_separators():
    """ui.plot (and ui.chart through it) gives Plotly the language's separators, so
    "18,432" on an axis or a bar reads "18 432" in Spanish, as ui.count writes it."""
    import json

    from dashboard.ui import SEPARATORS
    from tests.app.conftest import open_app

    for lang in ("en", "es"):
        at = open_app("page_architecture.py", lang=lang)
        specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
        assert specs and all(s["layout"]["separators"] == SEPARATORS[lang] for s in specs)
    assert SEPARATORS["es"] == ".\u00a0" and SEPARATORS["en"] == ".,"


def test_array_keys_follow_the_values_and_read_only_ones_are_digested_once():
    """An array that can still change is digested on every call; one nobody can write
    (a shared result) once while it lives; a read-only view of a writable array is not
    read-only."""
    live = np.arange(10.0)
    before = ui._array_digest(live)
    live[0] = 5.0
    assert ui._array_digest(live) != before and id(live) not in ui._DIGESTS
    frozen = np.arange(10.0)
    frozen.setflags(write=False)
    assert ui._read_only(frozen) and ui._read_only(frozen[2:])
    assert ui._array_digest(frozen) == ui._array_digest(np.arange(10.0))
    assert id(frozen) in ui._DIGESTS
    view = live[:]
    view.setflags(write=False)
    assert not ui._read_only(view)
    seen = ui._array_digest(view)
    live[1] = 7.0
    assert ui._array_digest(view) != seen
    assert ui._array_digest(np.zeros((2, 3))) != ui._array_digest(np.zeros((3, 2)))
    assert ui._array_digest(np.zeros(3, np.float32)) != ui._array_digest(np.zeros(3))
    key = id(frozen)
    del frozen
    assert key not in ui._DIGESTS  # forgotten with the array


def test_a_read_only_array_reshaped_in_place_gets_a_new_key():
    a = np.arange(6.0)
    a.setflags(write=False)
    flat = ui._array_digest(a)
    a.shape = (2, 3)  # same id, same bytes, another array
    assert ui._array_digest(a) != flat
