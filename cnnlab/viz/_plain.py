"""Figures as plain dicts: what a page sends, without Plotly's objects.

A builder that makes its figure with :func:`_figure` (``_model``, ``_pooling``) returns,
inside :func:`plain`, the ``{"data": [...], "layout": {...}}`` dicts themselves: what
``st.plotly_chart`` sends, built in a fraction of the time of Plotly's validating
objects (the unit tests validate every builder's output once).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import plotly.graph_objects as go

_PLAIN: ContextVar[bool] = ContextVar("cnnlab.viz.plain", default=False)


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """A Figure from plain dicts without Plotly's per-property validation (~30× faster;
    the unit tests validate every builder's output once). Inside :func:`plain`, the
    dicts themselves."""
    if _PLAIN.get():
        return {"data": data, "layout": layout}  # type: ignore[return-value]
    return go.Figure(data=data, layout=layout, _validate=False)


def plain(builder: Callable[..., go.Figure], /, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """``builder(*args, **kwargs)`` as plain ``{"data": [...], "layout": {...}}`` dicts.

    The same figure without building Plotly's objects (about 5× quicker, for a page that
    redraws it on every slider move); ``go.Figure(plain(...))`` is the Figure again.

    >>> from cnnlab.model import PRESETS, layer_table
    >>> from cnnlab.viz import params_figure
    >>> sorted(plain(params_figure, layer_table(PRESETS["seed_shapes"])))
    ['data', 'layout']
    """
    token = _PLAIN.set(True)
    try:
        return builder(*args, **kwargs)  # type: ignore[return-value]
    finally:
        _PLAIN.reset(token)
