"""Plotly pictures of a CNN design: tensors shrinking and deepening, where the weights are.

Every builder takes the rows of :func:`cnnlab.model.layer_table` (plain data, no Keras)
and a few style numbers, so a notebook and the dashboard draw the same figures.

>>> from cnnlab.model import PRESETS, layer_table
>>> fig = tensor_figure(layer_table(PRESETS["seed_pets"]))
>>> len(fig.layout.shapes) > 10
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from cnnlab.model import LayerRow
from cnnlab.viz._plain import _figure

__all__ = [
    "PARAM_GROUPS",
    "compare_figure",
    "param_groups",
    "params_figure",
    "tensor_figure",
]

_STAGE_KINDS = {
    "InputLayer": "input",
    "Conv2D": "conv",
    "MaxPooling2D": "pool",
    "AveragePooling2D": "pool",
    "Flatten": "vector",
    "GlobalAveragePooling2D": "vector",
    "Dense": "dense",
}
# Colour-blind-safe (Okabe–Ito) fills per stage kind.
_COLORS = {
    "input": "#999999",
    "conv": "#0072B2",
    "pool": "#E69F00",
    "vector": "#009E73",
    "dense": "#CC79A7",
    "output": "#D55E00",
}


def _stages(rows: Sequence[LayerRow]) -> list[tuple[LayerRow, str]]:
    out = []
    for r in rows:
        kind = _STAGE_KINDS.get(r.kind)
        if kind is None:
            continue
        if r.where == "output":  # not the last row of a design cut short by an error
            kind = "output"
        out.append((r, kind))
    return out


def _shade(hex_color: str, factor: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{min(255, int(v * factor)):02x}" for v in (r, g, b))


def _path(points: list[tuple[float, float]]) -> str:
    head, *rest = points
    return (
        f"M {head[0]:.4f} {head[1]:.4f} " + " ".join(f"L {x:.4f} {y:.4f}" for x, y in rest) + " Z"
    )


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(v) for v in shape)


def tensor_figure(
    rows: Sequence[LayerRow],
    *,
    font_size: int = 14,
    height: int = 300,
    line_width: float = 1.5,
    labels: dict[str, str] | None = None,
) -> go.Figure:
    """Each stage's output tensor as a box: height ∝ H, depth ∝ W, thickness ∝ log C.

    Vectors (Flatten, GAP, Dense) are thin bars whose height grows with log(units).
    ``labels`` maps stage kinds ("input", "conv", "pool", "vector", "dense", "output")
    to the words written above the boxes (for translation).
    """
    stages = _stages(rows)
    labels = labels or {}
    if not stages:
        return _figure([], {})
    shapes: list[dict] = []  # built as plain dicts: one validation, not one per shape
    notes: list[dict] = []
    maps = [r.output_shape for r, _ in stages if len(r.output_shape) == 3]
    max_side = max((max(s[:2]) for s in maps), default=1)
    max_c = max((s[2] for s in maps), default=1)
    max_units = max((r.output_shape[0] for r, _ in stages if len(r.output_shape) == 1), default=2)
    x = 0.0
    hover_x, hover_y, hover_text = [], [], []
    gap = 0.28
    for row, kind in stages:
        color = _COLORS[kind]
        line = {"color": _shade(color, 0.55), "width": line_width}
        if len(row.output_shape) == 3:
            h, w, c = row.output_shape
            fh = max(0.05, h / max_side)  # front face height
            dw = max(0.03, w / max_side) * 0.45  # oblique depth
            tc = 0.08 + 0.42 * math.log2(c + 1) / math.log2(max_c + 1)  # thickness
            dx, dy = dw * 0.7, dw * 0.7
            front = [(x, 0), (x + tc, 0), (x + tc, fh), (x, fh)]
            top = [(x, fh), (x + tc, fh), (x + tc + dx, fh + dy), (x + dx, fh + dy)]
            side = [(x + tc, 0), (x + tc + dx, dy), (x + tc + dx, fh + dy), (x + tc, fh)]
            for pts, shade in ((front, 1.0), (top, 1.25), (side, 0.8)):
                shapes.append(
                    {
                        "type": "path",
                        "path": _path(pts),
                        "fillcolor": _shade(color, shade),
                        "line": line,
                    }
                )
            width, top_y = tc + dx, fh + dy
        else:
            (n,) = row.output_shape
            fh = 0.08 + 0.92 * math.log10(n + 1) / math.log10(max(max_units, 2) + 1)
            tc, width = 0.07, 0.05 + 0.06 * len(str(n))  # room for the label under it
            x0 = x + (width - tc) / 2
            shapes.append(
                {
                    "type": "rect",
                    "x0": x0,
                    "x1": x0 + tc,
                    "y0": 0,
                    "y1": fh,
                    "fillcolor": color,
                    "line": line,
                }
            )
            top_y = fh
        centre = x + width / 2
        text = _shape_text(row.output_shape)
        notes.append(
            {
                "x": centre,
                "y": -0.04,
                "text": text.replace("×", "×<br>", 1) if len(row.output_shape) == 3 else text,
                "showarrow": False,
                "yanchor": "top",
                "font": {"size": font_size * 0.8},
            }
        )
        notes.append(
            {
                "x": centre,
                "y": top_y + 0.03,
                "text": labels.get(kind, kind),
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": font_size * 0.75, "color": _shade(color, 0.7)},
            }
        )
        hover_x.append(centre)
        hover_y.append(top_y / 2)
        hover_text.append(f"{row.name} ({row.kind})<br>{_shape_text(row.output_shape)}")
        x += width + gap
    hover = {
        "type": "scatter",
        "x": hover_x,
        "y": hover_y,
        "mode": "markers",
        "marker": {"size": 18, "opacity": 0},
        "hovertext": hover_text,
        "hoverinfo": "text",
        "showlegend": False,
    }
    layout = {
        "shapes": shapes,
        "annotations": notes,
        "xaxis": {"visible": False, "range": [-0.1, x - gap + 0.25]},
        "yaxis": {"visible": False, "range": [-0.32, 1.62]},
        "height": height,
        "margin": {"l": 4, "r": 4, "t": 4, "b": 4},
        "font": {"size": font_size},
        "plot_bgcolor": "rgba(0,0,0,0)",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "dragmode": False,
    }
    return _figure([hover], layout)


def params_figure(
    rows: Sequence[LayerRow],
    *,
    font_size: int = 14,
    row_height: int = 30,
    names: tuple[str, str] = ("trainable", "non-trainable"),
    thousands: str = ",",
) -> go.Figure:
    """Horizontal bars: parameters of each layer that has weights (top = first layer).

    ``thousands`` groups the counts written on the bars ("18,432"; a no-break space in
    Spanish, where a comma is the decimal mark).
    """
    weighted = [r for r in rows if r.params > 0]
    y = [r.name for r in weighted]
    bars = [
        {
            "type": "bar",
            "y": y,
            "x": [r.trainable for r in weighted],
            "name": names[0],
            "orientation": "h",
            "marker": {"color": "#0072B2"},
            "text": [_grouped(r.params, thousands) for r in weighted],
            "textposition": "outside",
            "cliponaxis": False,
            "textfont": {"size": font_size * 0.85},
        }
    ]
    frozen = any(r.non_trainable for r in weighted)
    if frozen:
        bars.append(
            {
                "type": "bar",
                "y": y,
                "x": [r.non_trainable for r in weighted],
                "name": names[1],
                "orientation": "h",
                "marker": {"color": "#E69F00"},
            }
        )
    top = max((r.params for r in weighted), default=1)
    layout = {
        "xaxis": {"range": [0, top * 1.3], "showgrid": True, "tickformat": "~s"},
        "yaxis": {"autorange": "reversed", "automargin": True},
        "barmode": "stack",
        "height": 70 + row_height * max(len(weighted), 1),
        "margin": {"l": 4, "r": 10, "t": 10, "b": 30},
        "font": {"size": font_size},
        "legend": {"orientation": "h", "y": -0.15 if len(weighted) > 4 else -0.4},
        "showlegend": frozen,
    }
    return _figure(bars, layout)


def _grouped(n: int, thousands: str) -> str:
    """``n`` with its thousands grouped by ``thousands``: 18432 → "18,432" / "18 432"."""
    return f"{n:,}".replace(",", thousands)


PARAM_GROUPS = ("conv", "batch_norm", "dense", "output")


def param_groups(rows: Sequence[LayerRow]) -> dict[str, int]:
    """Parameters by kind of layer: convolutions, BatchNorm, hidden Dense, output layer.

    >>> from cnnlab.model import PRESETS, layer_table
    >>> param_groups(layer_table(PRESETS["seed_shapes"]))
    {'conv': 23184, 'batch_norm': 448, 'dense': 0, 'output': 130}
    """
    out = dict.fromkeys(PARAM_GROUPS, 0)
    for r in rows:
        if r.where == "output":
            out["output"] += r.params
        elif r.kind == "Conv2D":
            out["conv"] += r.params
        elif r.kind == "BatchNormalization":
            out["batch_norm"] += r.params
        elif r.kind == "Dense":
            out["dense"] += r.params
    return out


def compare_figure(
    tables: Sequence[Sequence[LayerRow]],
    names: Sequence[str],
    *,
    group_names: dict[str, str] | None = None,
    font_size: int = 14,
    height: int = 220,
    thousands: str = ",",
) -> go.Figure:
    """One stacked bar per design: how many parameters sit in each kind of layer
    (counts grouped with ``thousands``, as :func:`params_figure`)."""
    group_names = group_names or {}
    colors = dict(zip(PARAM_GROUPS, ("#0072B2", "#E69F00", "#009E73", "#D55E00"), strict=True))
    groups = [param_groups(t) for t in tables]
    totals = [sum(gr.values()) for gr in groups]
    biggest = max(max(totals), 1)
    bars = [
        {
            "type": "bar",
            "y": list(names),
            "x": [gr[g] for gr in groups],
            "name": group_names.get(g, g),
            "orientation": "h",
            "marker": {"color": colors[g]},
            "text": [_grouped(gr[g], thousands) if gr[g] > 0.15 * biggest else "" for gr in groups],
            "textposition": "inside",
            "insidetextanchor": "middle",
            "textangle": 0,
            "textfont": {"size": font_size * 0.85, "color": "white"},
        }
        for g in PARAM_GROUPS
    ]
    notes = [
        {
            "x": total,
            "y": name,
            "text": " " + _grouped(total, thousands),
            "showarrow": False,
            "xanchor": "left",
            "font": {"size": font_size * 0.9},
        }
        for name, total in zip(names, totals, strict=True)
    ]
    layout = {
        "annotations": notes,
        "yaxis": {"autorange": "reversed", "automargin": True},
        "xaxis": {"tickformat": "~s", "range": [0, biggest * 1.2]},
        "barmode": "stack",
        "height": height,
        "font": {"size": font_size},
        "margin": {"l": 4, "r": 10, "t": 10, "b": 10},
        "legend": {"orientation": "h", "y": -0.25},
    }
    return _figure(bars, layout)
