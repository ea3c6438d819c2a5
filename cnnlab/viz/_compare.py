"""Plotly figures for comparing runs: overlaid curves, step-6 trade-offs, seed spread.

Plain data in, ``plotly.graph_objects.Figure`` out: usable in a notebook too. Labels are
passed in (the dashboard translates them).

>>> fig = overlay_figure([("run a", {"loss": [1, .5], "val_loss": [1, .6],
...     "accuracy": [.5, .8], "val_accuracy": [.5, .7]})],
...     labels={"loss": "Loss", "accuracy": "Accuracy", "epoch": "epoch",
...             "train": "training", "val": "validation"})
>>> len(fig.data)
4
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = ["PALETTE", "accuracy_axis", "color", "overlay_figure", "step6_figure", "seeds_figure"]

# Distinct on a projector and for the common colour-vision deficiencies (Okabe–Ito first,
# then darker Tableau tones).
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#8C564B",
    "#7F7F7F",
    "#B8860B",
)


def color(i: int) -> str:
    """The i-th colour of :data:`PALETTE` (cycling)."""
    return PALETTE[i % len(PALETTE)]


def accuracy_axis(low: float = 0.0) -> dict[str, Any]:
    """Axis settings for an accuracy: from ``low`` (clipped to [0, 0.9]) up to 1, with a
    little headroom for the markers at 1.0 but never a tick above it.

    >>> accuracy_axis(0.42)["range"], accuracy_axis(-1)["range"][0]
    ([0.42, 1.02], 0.0)
    """
    lo = min(max(0.0, float(low)), 0.9)
    return {
        "range": [lo, 1.02],
        "tickformat": ".2~f",
        "tick0": 0.0,
        "dtick": 0.1 if lo < 0.5 else 0.05,
    }


def _layout(fig: go.Figure, *, font_size: int, height: int, top: int = 40) -> None:
    fig.update_layout(
        height=height,
        font={"size": font_size},
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=True, gridcolor="#e5e5e5", zeroline=False, linecolor="#444")
    fig.update_yaxes(showgrid=True, gridcolor="#e5e5e5", zeroline=False, linecolor="#444")
    # Sizes of their own: a dashboard theme would set small ones, a projector needs these.
    fig.update_xaxes(tickfont_size=font_size, title_font_size=font_size)
    fig.update_yaxes(tickfont_size=font_size, title_font_size=font_size)
    fig.update_layout(legend_font_size=font_size)


def overlay_figure(
    runs: Sequence[tuple[str, Mapping[str, Sequence[float | None]]]],
    *,
    labels: Mapping[str, str],
    show_train: bool = True,
    font_size: int = 14,
    line_width: float = 2,
    height: int = 380,
) -> go.Figure:
    """Loss (left) and accuracy (right) against epochs for several runs on the same axes.

    ``runs``: (label, history) pairs, history as ``RunStore.history`` (Keras names). One
    colour per run; validation is a solid line with markers, training (if
    ``show_train``) a thinner dashed line of the same colour. ``labels`` names: loss,
    accuracy, epoch, train, val.
    """
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=(labels["loss"], labels["accuracy"]), horizontal_spacing=0.08
    )
    longest = 1
    for i, (name, hist) in enumerate(runs):
        c = color(i)
        for col, key in ((1, "loss"), (2, "accuracy")):
            series = [(f"val_{key}", "solid", line_width, labels["val"])]
            if show_train:
                series.append((key, "dash", max(1.0, line_width * 0.6), labels["train"]))
            for metric, dash, width, kind in series:
                ys = list(hist.get(metric) or [])
                if not ys:
                    continue
                longest = max(longest, len(ys))
                fig.add_trace(
                    go.Scatter(
                        x=list(range(1, len(ys) + 1)),
                        y=ys,
                        mode="lines+markers" if dash == "solid" else "lines",
                        line={"color": c, "width": width, "dash": dash},
                        marker={"size": 4 + 2 * line_width, "color": c},
                        name=name,
                        legendgroup=name,
                        showlegend=col == 1 and dash == "solid",
                        hovertemplate=f"{name}<br>{kind} · {labels[key]}: %{{y:.3f}}<br>"
                        f"{labels['epoch']} %{{x}}<extra></extra>",
                    ),
                    row=1,
                    col=col,
                )
    fig.update_xaxes(
        title_text=labels["epoch"], range=[0.7, longest + 0.3], dtick=1 if longest <= 20 else None
    )
    fig.update_yaxes(**accuracy_axis(0.0), row=1, col=2)
    fig.update_annotations(font_size=font_size + 2)  # subplot titles follow the mode
    _layout(fig, font_size=font_size, height=height)
    fig.update_layout(legend={"orientation": "h", "y": -0.2, "x": 0})
    return fig


def step6_figure(
    rows: Sequence[Mapping[str, Any]],
    *,
    labels: Mapping[str, str],
    font_size: int = 14,
    height: int = 380,
) -> go.Figure:
    """Accuracy against parameters against time, in one bubble chart.

    ``rows``: dicts with model, params, best_val_acc, seconds (as
    ``cnnlab.compare.step6_rows`` makes them). x = parameters (log scale), y = best
    validation accuracy, bubble area ∝ training time, one colour per model, each bubble
    labelled with its model and time. ``labels`` names: params, accuracy, seconds.
    """
    fig = go.Figure()
    done = [r for r in rows if r.get("best_val_acc") is not None and r.get("params")]
    longest = max((r.get("seconds") or 0.0 for r in done), default=1.0) or 1.0
    models = list(dict.fromkeys(r["model"] for r in done))
    for i, model in enumerate(models):
        mine = [r for r in done if r["model"] == model]
        secs = [r.get("seconds") or 0.0 for r in mine]
        fig.add_trace(
            go.Scatter(
                x=[r["params"] for r in mine],
                y=[r["best_val_acc"] for r in mine],
                mode="markers+text",
                marker={
                    "size": [18 + 42 * (s / longest) ** 0.5 for s in secs],
                    "color": color(i),
                    "opacity": 0.75,
                    "line": {"color": "#222", "width": 1},
                },
                text=[f"{model}<br>{s:,.0f} s" for s in secs],
                textposition="top center",
                cliponaxis=False,  # a bubble at accuracy 1.0 keeps its label above the axis
                name=model,
                hovertemplate=(
                    f"{model}<br>{labels['params']}: %{{x:,}}<br>"
                    f"{labels['accuracy']}: %{{y:.3f}}<br>{labels['seconds']}: "
                    "%{customdata:,.1f} s<extra></extra>"
                ),
                customdata=secs,
            )
        )
    ys = [r["best_val_acc"] for r in done]
    low = min(ys, default=0.5)
    fig.update_xaxes(title_text=labels["params"], type="log")
    fig.update_yaxes(title_text=labels["accuracy"], **accuracy_axis(low - 0.12))
    _layout(fig, font_size=font_size, height=height, top=20 + 3 * font_size)
    fig.update_layout(showlegend=False)
    return fig


def seeds_figure(
    groups: Sequence[tuple[str, Sequence[int], Sequence[float]]],
    *,
    labels: Mapping[str, str],
    font_size: int = 14,
    line_width: float = 2,
    height: int = 380,
) -> go.Figure:
    """How much is luck: final validation accuracy of one configuration over seeds.

    ``groups``: (configuration label, seeds, values). Each seed is a dot (hover: its
    seed); a black bar marks the mean and a whisker ± one standard deviation. ``labels``
    names: accuracy, seed, mean.
    """
    fig = go.Figure()
    for i, (name, seeds, values) in enumerate(groups):
        values = list(values)
        n = len(values)
        if not n:
            continue
        mean = sum(values) / n
        std = (sum((v - mean) ** 2 for v in values) / n) ** 0.5
        jitter = [((k % 5) - 2) * 0.05 for k in range(n)]
        fig.add_trace(
            go.Scatter(
                x=[i + j for j in jitter],
                y=values,
                mode="markers",
                marker={
                    "size": 8 + 2 * line_width,
                    "color": color(i),
                    "line": {"color": "#222", "width": 1},
                },
                name=name,
                customdata=list(seeds),
                hovertemplate=(
                    f"{name}<br>{labels['seed']} %{{customdata}}: %{{y:.3f}}<extra></extra>"
                ),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[i],
                y=[mean],
                mode="markers",
                marker={
                    "symbol": "line-ew",
                    "size": 46,
                    "line": {"color": "#000", "width": line_width + 1},
                },
                error_y={
                    "type": "data",
                    "array": [std],
                    "color": "#000",
                    "thickness": line_width,
                    "width": 14,
                },
                name=labels["mean"],
                showlegend=False,
                hovertemplate=f"{labels['mean']}: {mean:.3f} ± {std:.3f}<extra></extra>",
            )
        )
    fig.update_xaxes(
        tickmode="array",
        tickvals=list(range(len(groups))),
        ticktext=[g[0] for g in groups],
        range=[-0.6, len(groups) - 0.4],
    )
    lows = [min(v) for _, _, v in groups if len(v)]
    fig.update_yaxes(title_text=labels["accuracy"], **accuracy_axis(min(lows, default=0.5) - 0.05))
    _layout(fig, font_size=font_size, height=height, top=20)
    fig.update_layout(showlegend=False)
    return fig
