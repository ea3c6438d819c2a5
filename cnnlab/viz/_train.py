"""Plotly figures for training: live loss/accuracy curves and the confusion matrix.

Plain data in, ``plotly.graph_objects.Figure`` out: usable in a notebook too. The numbers
behind them live elsewhere: :func:`cnnlab.inspect.confusion_matrix` counts,
:func:`cnnlab.compare.overfit_epoch` reads a history.

>>> import numpy as np
>>> confusion_figure(np.eye(2, dtype=int), ["a", "b"], true_label="true",
...                  pred_label="predicted").data[0].type
'heatmap'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.subplots import make_subplots

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["curves_figure", "confusion_figure"]

_TRAIN, _VAL = "#1f6feb", "#d9480f"


def curves_figure(
    batches: Sequence[dict[str, float]],
    epochs: Sequence[dict[str, float]],
    *,
    labels: dict[str, str],
    font_size: int = 14,
    line_width: float = 2,
    height: int = 380,
    total_epochs: int | None = None,
) -> go.Figure:
    """Loss (left) and accuracy (right) against epochs.

    ``batches``: per-batch dicts (epoch, step, steps, loss, accuracy): drawn as thin,
    light points at fractional epochs. ``epochs``: per-epoch dicts (epoch, loss, accuracy,
    val_loss, val_accuracy): drawn as lines with markers at the end of each epoch.
    ``labels`` names: loss, accuracy, train, val, batch, epoch.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=(labels["loss"], labels["accuracy"]))
    steps = int(batches[-1]["steps"]) if batches else 0
    per_epoch = steps / total_epochs if (steps and total_epochs) else None
    for col, key in ((1, "loss"), (2, "accuracy")):
        if batches and per_epoch:
            x = [b["step"] / per_epoch for b in batches]
            fig.add_trace(
                go.Scattergl(
                    x=x,
                    y=[b[key] for b in batches],
                    mode="lines",
                    line={"color": _TRAIN, "width": max(1, line_width / 2)},
                    opacity=0.35,
                    name=labels["batch"],
                    legendgroup="batch",
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
        xs = [e["epoch"] + 1 for e in epochs]
        for name, color, dash, metric in (
            (labels["train"], _TRAIN, "solid", key),
            (labels["val"], _VAL, "dash", f"val_{key}"),
        ):
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=[e.get(metric) for e in epochs],
                    mode="lines+markers",
                    line={"color": color, "width": line_width, "dash": dash},
                    marker={"size": 4 + 2 * line_width},
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
    right = max(total_epochs or 0, len(epochs), 1)
    fig.update_xaxes(title_text=labels["epoch"], range=[0, right + 0.2])
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    fig.update_layout(
        height=height,
        font={"size": font_size},
        # The legend on top, above the subplot titles: below, large projector type ran
        # it into the axis titles.
        margin={"l": 10, "r": 10, "t": 44 + 2 * font_size, "b": 10},
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "x": 0,
            "font": {"size": font_size},
        },  # fmt: skip
        uirevision="curves",  # keep zoom while the curves grow
    )
    _sized(fig, font_size)
    return fig


def _sized(fig: go.Figure, font_size: int) -> None:
    """Ticks, axis titles and subplot titles at ``font_size`` (a dashboard theme sets its
    own small sizes otherwise, and a projector needs the large ones)."""
    fig.update_xaxes(tickfont_size=font_size, title_font_size=font_size)
    fig.update_yaxes(tickfont_size=font_size, title_font_size=font_size)
    fig.update_annotations(font_size=font_size + 2)


def confusion_figure(
    cm: npt.ArrayLike,
    class_names: Sequence[str],
    *,
    true_label: str,
    pred_label: str,
    font_size: int = 14,
    height: int = 380,
) -> go.Figure:
    """The confusion matrix as an annotated heatmap (true down, predicted across).

    cm : (k, k) int counts, row = true class, column = predicted class (as
    :func:`cnnlab.inspect.confusion_matrix` makes them).
    """
    names = [str(c) for c in class_names]
    fig = go.Figure(
        go.Heatmap(
            z=cm,
            x=names,
            y=names,
            colorscale="Blues",
            showscale=False,
            text=cm,
            texttemplate="%{text}",
            textfont={"size": font_size + 6},
            hovertemplate=f"{true_label}: %{{y}}<br>{pred_label}: %{{x}}<br>%{{z}}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=pred_label, side="top")
    fig.update_yaxes(title_text=true_label, autorange="reversed")
    fig.update_layout(
        height=height, font={"size": font_size}, margin={"l": 10, "r": 10, "t": 60, "b": 10}
    )
    _sized(fig, font_size)
    return fig
