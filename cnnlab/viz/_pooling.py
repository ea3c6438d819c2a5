"""Plotly figures for the Pooling lesson (plain data: usable in a notebook too).

Big maps go to the browser as PNG images (``go.Image`` with a data URI, one PNG pixel
per map pixel: Plotly draws an image trace without smoothing, ``zsmooth=False``, so
pixels stay crisp on screen and in its PNG export), never as numeric heatmaps; small
matrices are heatmaps with their numbers written in. Every builder takes its labels
(already translated) and the plot style (font size, line width, height) as arguments.

>>> import numpy as np
>>> fig = matrix_figure(np.arange(25).reshape(5, 5), size=2, padding="same")
>>> len(fig.data)  # padding, input, max, average
4
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from cnnlab.ops import pool2d, pool_windows, same_pads
from cnnlab.viz._pixels import colormap, enlarge, is_linear_gray, png_data_url, to_uint8
from cnnlab.viz._plain import _figure

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "WINDOW_COLORS",
    "png_uri",
    "image_trace",
    "steps_figure",
    "matrix_figure",
    "shift_figure",
    "global_bars_figure",
]

# Distinct, saturated colours for window outlines (readable on a light heatmap).
WINDOW_COLORS = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#008080",
    "#f032e6",
    "#9a6324",
    "#800000",
    "#000075",
    "#808000",
    "#46f0f0",
)

_MAX_SOURCE_SIDE = 1024  # larger maps are subsampled for display only


def png_uri(
    x: npt.ArrayLike, lo: float, hi: float, colorscale: str = "gray", upscale: int = 1
) -> str:
    """A ``data:image/png`` URI of a 2-D map coloured with ``colorscale`` on [lo, hi].

    x : (H, W) numbers; the PNG is (upscale·H, upscale·W) uint8, RGB for a colour
    scale. "gray" is a plain linear ramp (see :func:`cnnlab.viz.colormap`), sent as a
    one-channel PNG: level v is (v, v, v) on screen.
    """
    level = to_uint8(x, lo, hi)
    pixels = level if is_linear_gray(colorscale) else colormap(colorscale, linear_gray=True)[level]
    return png_data_url(enlarge(pixels, upscale) if upscale > 1 else pixels)


PIXEL_HOVER = "row %{y:.0f}, col %{x:.0f}"  # a map pixel's hover text (Plotly template)


def image_trace(
    x: npt.ArrayLike,
    lo: float,
    hi: float,
    colorscale: str = "gray",
    *,
    hover: str = PIXEL_HOVER,
) -> go.Image:
    """A ``go.Image`` of a 2-D map ``(H, W)`` whose axes count the map's own pixels.

    Maps larger than 1024 px are subsampled for display; the others go pixel for pixel,
    and the browser enlarges each into a sharp square (``zsmooth=False``), so the PNG
    need not be upscaled. ``hover`` is the Plotly
    hover template of a pixel (``%{y}`` its row, ``%{x}`` its column), in the page's
    language.
    """
    return go.Image(_image(x, lo, hi, colorscale, hover))


def _image(x: npt.ArrayLike, lo: float, hi: float, colorscale: str, hover: str) -> dict[str, Any]:
    """:func:`image_trace`'s properties, as a plain dict."""
    a = np.asarray(x)
    if a.ndim != 2:
        raise ValueError(f"x must be a 2-D map, got shape {a.shape}")
    every = max(1, int(np.ceil(max(a.shape) / _MAX_SOURCE_SIDE)))
    return {
        "source": png_uri(a[::every, ::every], lo, hi, colorscale),
        "x0": (every - 1) / 2,
        "y0": (every - 1) / 2,
        "dx": every,
        "dy": every,
        "zsmooth": False,
        "hovertemplate": hover + "<extra></extra>",
    }


@functools.lru_cache(maxsize=4)
def _template_json(name: object) -> str:
    """Plotly's default template ``name`` (``plotly.io.templates.default``: what a Figure
    built by ``make_subplots`` carries; importing Streamlit changes it), as JSON: read
    once per process and name."""
    return json.dumps(go.Figure().to_dict()["layout"].get("template", {}))


def _ref(n: int) -> str:
    """The suffix of cell ``n``'s axes (1-based, row by row): "" for the first ("x",
    "xaxis"), else the number ("x2", "xaxis2")."""
    return "" if n == 1 else str(n)


def _near_unit(v: float) -> float:
    """``make_subplots``' rounding of a row's edge that is off [0, 1] by float error."""
    return 0.0 if -0.01 < v < 0.0 else 1.0 if 1.0 < v < 1.01 else v


def _subplots(
    rows: int,
    cols: int,
    titles: Sequence[str],
    *,
    column_widths: Sequence[float] | None = None,
    horizontal_spacing: float = 0.2,
    vertical_spacing: float = 0.3,
) -> dict[str, Any]:
    """The layout ``make_subplots(rows, cols, subplot_titles=titles, …)`` gives, as fresh
    plain dicts, by its own arithmetic step for step (the tests compare the two): a few
    microseconds instead of tens of milliseconds. ``titles`` row by row; an empty one is
    left out, as Plotly does. Put a trace in a cell with :func:`_cell`."""
    if len(titles) != rows * cols:
        raise ValueError(f"{rows}×{cols} cells need {rows * cols} titles, got {len(titles)}")
    hs, vs = horizontal_spacing, vertical_spacing
    if column_widths is None:
        widths = [(1.0 - hs * (cols - 1)) / cols] * cols
    else:
        total = float(sum(column_widths))
        widths = [(1.0 - hs * (cols - 1)) * (w / total) for w in column_widths]
    heights = [(1.0 - vs * (rows - 1)) / rows] * rows
    default = pio.templates.default  # a name, or rarely a Template object
    key = default if isinstance(default, str) else id(default)
    layout: dict[str, Any] = {"template": json.loads(_template_json(key))}
    notes = []
    for r in range(rows):  # the top row first; its domain is the highest
        below = rows - 1 - r
        y_start = sum(heights[:below]) + below * vs
        y_s, y_e = _near_unit(y_start), _near_unit(y_start + heights[-1 - r])
        for c in range(cols):
            x_start = sum(widths[:c]) + c * hs
            x_s, x_e = x_start, x_start + widths[c]
            n = r * cols + c + 1
            ref = _ref(n)
            layout[f"xaxis{ref}"] = {"anchor": f"y{ref}", "domain": [max(0.0, x_s), min(1.0, x_e)]}
            layout[f"yaxis{ref}"] = {"anchor": f"x{ref}", "domain": [max(0.0, y_s), min(1.0, y_e)]}
            if titles[n - 1]:
                notes.append({
                    "font": {"size": 16}, "showarrow": False, "text": titles[n - 1],
                    "x": (x_s + x_e) / 2.0, "xanchor": "center", "xref": "paper",
                    "y": y_e, "yanchor": "bottom", "yref": "paper",
                })  # fmt: skip
    if notes:
        layout["annotations"] = notes
    return layout


def _cell(kind: str, trace: dict[str, Any], row: int, col: int, cols: int) -> dict[str, Any]:
    """A plain trace of type ``kind`` on the axes of cell (``row``, ``col``), 1-based, of
    a :func:`_subplots` grid ``cols`` wide (what ``add_trace(…, row=, col=)`` sets)."""
    ref = _ref((row - 1) * cols + col)
    return {"type": kind, **trace, "xaxis": f"x{ref}", "yaxis": f"y{ref}"}


_BARE = {
    "showticklabels": False,
    "showgrid": False,
    "zeroline": False,
    "ticks": "",
    "showline": False,
}


def _frame(
    fig: go.Figure | dict[str, Any],
    font_size: int,
    height: int,
    xaxes: dict[str, Any] | None = None,
    yaxes: dict[str, Any] | None = None,
) -> go.Figure:
    """The figure's size, fonts and margins, and ``xaxes``/``yaxes`` on every axis.

    Edited as plain dicts, not validated again: Plotly validates the whole figure on each
    ``update_*`` call, which cost four times more than building a Pooling figure; the
    spec is a validated figure's with sizes and fonts set (``tests/unit/test_pool.py``
    validates every Pooling figure again). The Figure returned keeps validation off: a
    caller that edits it (``update_layout``…) is not checked; the pages only read it.
    Inside :func:`cnnlab.viz.plain`, the dicts themselves.
    """
    spec = fig if isinstance(fig, dict) else fig.to_dict()
    layout = spec["layout"]
    # Explicit sizes: Streamlit's chart theme would otherwise shrink ticks and legend.
    tick = max(10, round(font_size * 0.85))
    layout.update(
        height=height,
        # Room for the mode bar (always shown) above the subplot titles: big projector
        # type (22 px) ran under its camera.
        margin={"l": 10, "r": 10, "t": max(50, round(3.2 * font_size)), "b": 10},
        font={**layout.get("font", {}), "size": font_size},
        plot_bgcolor="white",
    )
    layout["legend"] = {**layout.get("legend", {}), "font": {"size": tick}}
    layout["title"] = {**layout.get("title", {}), "font": {"size": font_size}}
    if "annotations" in layout:
        layout["annotations"] = [
            {**a, "font": {**a.get("font", {}), "size": font_size}} for a in layout["annotations"]
        ]
    for name in list(layout):
        if name.startswith(("xaxis", "yaxis")):
            axis = {**layout[name], **((xaxes if name[0] == "x" else yaxes) or {})}
            axis["tickfont"] = {**axis.get("tickfont", {}), "size": tick}
            title = axis.get("title", {})
            axis["title"] = {**title, "font": {**title.get("font", {}), "size": font_size}}
            layout[name] = axis
    return _figure(spec["data"], layout)


def steps_figure(
    columns: Sequence[Sequence[np.ndarray]],
    titles: Sequence[Sequence[str]],
    scales: Sequence[tuple[float, float, str]],
    *,
    font_size: int = 14,
    row_height: int | None = None,
    width: int = 900,
    hover: str = PIXEL_HOVER,
) -> go.Figure:
    """A grid of maps: one column per representation, one row per pooling step.

    columns[c][r] : (H_r, W_r) map shown in row r, column c
    titles[c][r]  : its subplot title (e.g. "Max ×1 (153, 230)")
    scales[c]     : (lo, hi, colorscale) shared by the whole column
    row_height    : px per row; by default from the first map's aspect ratio and
                    ``width``, the expected width of the figure on the page
    hover         : a pixel's hover template (see :func:`image_trace`)
    """
    n_cols, n_rows = len(columns), max(len(c) for c in columns)
    flat_titles = [
        titles[c][r] if r < len(titles[c]) else "" for r in range(n_rows) for c in range(n_cols)
    ]
    layout = _subplots(
        n_rows,
        n_cols,
        flat_titles,
        horizontal_spacing=0.02,
        vertical_spacing=min(0.12, 0.35 / max(n_rows, 1)),
    )
    data = [
        _cell("image", _image(arr, *scales[c][:2], scales[c][2], hover), r + 1, c + 1, n_cols)
        for c, col in enumerate(columns)
        for r, arr in enumerate(col)
    ]
    if row_height is None:
        h0, w0 = np.asarray(columns[0][0]).shape[:2]
        row_height = int(width / n_cols * min(h0 / w0, 1.5)) + 3 * font_size
    spec = {"data": data, "layout": layout}
    return _frame(spec, font_size, row_height * n_rows + 40, _BARE, _BARE)


def _rect(
    x0: float, x1: float, y0: float, y1: float, color: str, width: float, dash: str, col: int
) -> dict[str, Any]:
    """An outline in subplot ``col`` of a one-row figure, as a layout shape."""
    ref = "" if col == 1 else str(col)
    return {
        "type": "rect", "x0": x0, "x1": x1, "y0": y0, "y1": y1, "xref": f"x{ref}",
        "yref": f"y{ref}", "line": {"color": color, "width": width, "dash": dash},
    }  # fmt: skip


def _fmt(v: float, decimals: int) -> str:
    """A short label: at most ``decimals`` decimals, fewer for big numbers (≤ 4 digits)."""
    if np.isneginf(v):
        return "−∞"
    if abs(v) >= 100:
        decimals = 0
    elif abs(v) >= 10:
        decimals = min(decimals, 1)
    text = f"{v:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{v:.0f}"
    text = "0" if text in ("-0", "") else text
    return "−" + text[1:] if text.startswith("-") else text


def matrix_figure(
    x: npt.ArrayLike,
    *,
    size: int = 2,
    stride: int | None = None,
    padding: str = "valid",
    titles: Sequence[str] = ("Input", "Max pooling", "Average pooling"),
    pad_label: str = "pad",
    font_size: int = 14,
    line_width: float = 2,
    height: int = 380,
    width: int = 900,
    colorscale: str = "Blues",
) -> go.Figure:
    """A small matrix with every pooling window outlined in its own colour, and the max
    and average outputs beside it, each output cell outlined in its window's colour.

    With ``"same"`` padding the padded rows/columns are drawn (grey, labelled ``pad_label``)
    at the bottom/right where Keras puts them; they never win a max nor count in a mean.

    x : (h, w) numbers, at most about 10×10 to stay readable. ``width`` is the expected
    width of the figure on the page (px): the numbers shrink to fit their cells. Hovering
    a cell shows its exact value. ``titles``: exactly three, input, max, average.
    """
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"x must be a 2-D matrix, got shape {a.shape}")
    h, w = a.shape
    step = size if stride is None else stride
    mx = pool2d(a, size=size, stride=stride, mode="max", padding=padding).astype(np.float64)
    av = pool2d(a, size=size, stride=stride, mode="avg", padding=padding).astype(np.float64)
    windows = pool_windows(a.shape, size=size, stride=stride, padding=padding)
    (top, bottom), (left, right) = (
        (same_pads(h, size, step), same_pads(w, size, step)) if padding == "same" else ((0, 0),) * 2
    )
    # The input drawn on its padded grid: real cells hold numbers, padding is NaN (grey).
    grid = np.full((h + top + bottom, w + left + right), np.nan)
    grid[top : top + h, left : left + w] = a
    decimals = 0 if np.allclose(a, np.round(a)) else 2
    text_in = [[pad_label if np.isnan(v) else _fmt(v, decimals) for v in row] for row in grid]
    lo, hi = float(a.min()), float(a.max())
    if hi <= lo:
        hi = lo + 1.0
    text_mx = [[_fmt(v, decimals) for v in row] for row in mx]
    text_av = [[_fmt(v, 2) for v in row] for row in av]
    n_cells = grid.shape[1] + mx.shape[1] + av.shape[1] + 1.2
    cell_px = min(width * 0.85 / n_cells, (height - 60) / grid.shape[0])
    chars = max(len(s) for rows in (text_in, text_mx, text_av) for row in rows for s in row)
    text_size = int(np.clip(cell_px / (0.62 * max(chars, 2)), 9, font_size + 2))
    height = int(min(height, cell_px * grid.shape[0] + 3 * font_size + 40))

    layout = _subplots(
        1,
        3,
        titles,
        column_widths=[grid.shape[1], mx.shape[1] + 0.6, av.shape[1] + 0.6],
        horizontal_spacing=0.04,
    )
    heat = {
        "colorscale": colorscale,
        "zmin": lo,
        "zmax": hi,
        "showscale": False,
        "texttemplate": "%{text}",
        "textfont": {"size": text_size},
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": "%{z:.4g}<extra></extra>",
    }
    xs, ys = np.arange(grid.shape[1]) - left, np.arange(grid.shape[0]) - top
    pad_mask = np.where(np.isnan(grid), 0.0, np.nan)
    pad_heat = {"colorscale": [[0, "#c8c8c8"], [1, "#c8c8c8"]], "showscale": False}
    cells = [  # (col, its heatmap); the padding cells first: flat grey underneath
        (1, {"z": pad_mask, "x": xs, "y": ys, **pad_heat, "xgap": 2, "ygap": 2,
             "hoverinfo": "skip"}),
        (1, {"z": grid, "text": text_in, "x": xs, "y": ys, **heat}),
        (2, {"z": mx, "text": text_mx, **heat}),
        (3, {"z": av, "text": text_av, **heat}),
    ]  # fmt: skip
    # Checked by Plotly trace by trace (it spells the colour scale out); the layout is not.
    data = [_cell("heatmap", go.Heatmap(h).to_plotly_json(), 1, c, 3) for c, h in cells]

    k, shapes = 0, []
    for r, row in enumerate(windows):
        for c, _ in enumerate(row):
            color = WINDOW_COLORS[k % len(WINDOW_COLORS)]
            # Inset overlapping windows a little so each outline stays visible.
            inset = 0.04 + 0.12 * ((r + c) % 3) / 2 if step < size else 0.04
            y0, x0 = r * step - top, c * step - left
            shapes.append(
                _rect(
                    x0 - 0.5 + inset,
                    x0 + size - 0.5 - inset,
                    y0 - 0.5 + inset,
                    y0 + size - 0.5 - inset,
                    color,
                    line_width,
                    "solid",
                    1,
                )  # fmt: skip
            )
            shapes += [
                _rect(c - 0.46, c + 0.46, r - 0.46, r + 0.46, color, line_width + 1, "solid", col)
                for col in (2, 3)
            ]
            k += 1
    layout["shapes"] = shapes
    for i in map(_ref, (1, 2, 3)):
        layout[f"yaxis{i}"]["scaleanchor"] = f"x{i}"  # square cells
    spec = {"data": data, "layout": layout}
    return _frame(spec, font_size, height, _BARE, {**_BARE, "autorange": "reversed"})


def shift_figure(
    shifts: Sequence[int],
    curves: dict[str, Sequence[float]],
    *,
    x_title: str,
    y_title: str,
    font_size: int = 14,
    line_width: float = 2,
    height: int = 380,
) -> go.Figure:
    """Relative change (in %) against the shift in pixels, one line per representation."""
    fig = go.Figure()
    dashes = ("solid", "dot", "solid", "dash")
    colors = ("#444444", "#999999", "#d62728", "#1f77b4")
    for i, (name, values) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=list(shifts),
                y=[100 * float(v) for v in values],
                name=name,
                mode="lines+markers",
                line={"width": line_width, "dash": dashes[i % 4], "color": colors[i % 4]},
                marker={"size": 4 + 2 * line_width},
                hovertemplate="%{y:.0f} %<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        xaxis={"title": x_title, "dtick": 1},
        yaxis={"title": y_title, "rangemode": "tozero", "ticksuffix": " %"},
        legend={"orientation": "h", "y": -0.25},
    )
    return _frame(fig, font_size, height)


def global_bars_figure(
    names: Sequence[str],
    values: dict[str, Sequence[float]],
    *,
    y_title: str,
    font_size: int = 14,
    height: int = 380,
) -> go.Figure:
    """One bar chart per global pooling (GAP, GMP), side by side, each on its own scale:
    one bar per channel, its value written on top.
    """
    labels = list(values)
    fig = make_subplots(rows=1, cols=len(labels), subplot_titles=labels, horizontal_spacing=0.08)
    colors = ("#1f77b4", "#d62728")
    for i, label in enumerate(labels):
        vals = [float(v) for v in values[label]]
        fig.add_trace(
            go.Bar(
                x=list(names),
                y=vals,
                name=label,
                marker_color=colors[i % 2],
                text=[f"{v:.2g}" for v in vals],  # short: six values side by side
                textposition="outside",
                constraintext="none",  # the values keep the figure's type size
                cliponaxis=False,
                showlegend=False,
                hovertemplate="%{x}: %{y:.4g}<extra>" + label + "</extra>",
            ),
            row=1,
            col=i + 1,
        )
        top = max(max(vals), 0.0)
        bottom = min(min(vals), 0.0)
        fig.update_yaxes(range=[bottom * 1.2, top * 1.2 or 1.0], row=1, col=i + 1)
    fig.update_yaxes(title_text=y_title, row=1, col=1)
    fig.update_xaxes(tickangle=-35)
    return _frame(fig, font_size, height)
