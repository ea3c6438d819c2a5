"""Pictures for the Inspect page: channel mosaics, filter grids, Grad-CAM overlays, charts.

Maps and filters become uint8 RGB pictures, enlarged with nearest-neighbour so every
pixel stays a crisp square on a projector (cheap to send, unlike numeric heatmaps). The
drawing canvas turns a Plotly lasso/box selection into an image.

>>> import numpy as np
>>> mosaic(np.random.rand(8, 8, 6), cell=16).shape[2]
3
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnlab.viz._pixels import as_uint8, colormap, upscale

if TYPE_CHECKING:
    import numpy.typing as npt
    import plotly.graph_objects as go

__all__ = [
    "mosaic",
    "filter_grid",
    "kernel_picture",
    "overlay",
    "proba_figure",
    "stats_figure",
    "canvas_figure",
    "drawing_image",
]

_GAP = np.array([116, 192, 252], np.uint8)  # light blue lines between tiles: white and
# black tiles both stand out against them
_SUPER = 4  # supersampling of drawings
_FRAME = np.array([134, 142, 150], np.uint8)  # grey frame around a kernel picture


def _to_rgb(values: np.ndarray, *, signed: bool, cmap: str) -> np.ndarray:
    """One (h, w) map scaled by its own max|x| → (h, w, 3) uint8."""
    x = np.asarray(values, dtype=np.float32)
    top = float(np.abs(x).max()) if x.size else 0.0
    top = top if top > 0 else 1.0
    z = (x / top + 1) / 2 if signed else np.clip(x / top, 0, 1)
    return colormap(cmap)[as_uint8(z * 255)]


def _tile(tiles: list[np.ndarray], cols: int, gap: int) -> np.ndarray:
    th, tw = tiles[0].shape[:2]
    rows = -(-len(tiles) // cols)
    out = np.empty((rows * th + (rows - 1) * gap, cols * tw + (cols - 1) * gap, 3), np.uint8)
    out[...] = _GAP
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        out[r * (th + gap) : r * (th + gap) + th, c * (tw + gap) : c * (tw + gap) + tw] = t
    for i in range(len(tiles), rows * cols):  # empty slots of the last row: page white
        r, c = divmod(i, cols)
        out[r * (th + gap) :, max(c * (tw + gap) - gap, 0) :] = 255
    return out


def mosaic(
    maps: npt.ArrayLike,
    *,
    cols: int | None = None,
    cell: int = 64,
    cmap: str = "gray",
    signed_cmap: str = "RdBu_r",
    max_channels: int = 64,
) -> np.ndarray:
    """All channels of a feature map side by side, each scaled to its own maximum.

    maps : (h, w, c) float. Non-negative maps (after ReLU or pooling) use ``cmap``;
    maps with negative values use the diverging ``signed_cmap`` (white at 0).
    out : (H', W', 3) uint8, the first ``max_channels`` channels in ``cols`` columns
    (default: about 1.6 times as many columns as rows), each tile about ``cell`` pixels
    wide, light blue lines between tiles.
    """
    m = np.asarray(maps, dtype=np.float32)
    if m.ndim != 3:
        raise ValueError(f"maps must be (h, w, c), got shape {m.shape}")
    c = min(m.shape[2], int(max_channels))
    signed = bool((m < 0).any())
    cols = cols or int(np.ceil(np.sqrt(c * 1.6)))
    tiles = [
        upscale(_to_rgb(m[..., i], signed=signed, cmap=signed_cmap if signed else cmap), cell)
        for i in range(c)
    ]
    return _tile(tiles, min(cols, c), max(2, cell // 16))


def filter_grid(images: npt.ArrayLike, *, cols: int = 8, cell: int = 48) -> np.ndarray:
    """Filter pictures ``(F, kh, kw)`` or ``(F, kh, kw, 3)`` in [0, 1] → one RGB grid.

    Grey filters: black = most negative weight, mid grey = 0, white = most positive.
    out : (H', W', 3) uint8, ``cols`` filters a row, each about ``cell`` pixels wide.

    >>> filter_grid(np.full((2, 3, 3), 0.5), cell=6).shape
    (6, 15, 3)
    """
    f = np.asarray(images, dtype=np.float32)
    if f.ndim == 3:
        f = np.repeat(f[..., None], 3, axis=3)
    if f.ndim != 4 or f.shape[3] != 3:
        raise ValueError(f"images must be (F, kh, kw) or (F, kh, kw, 3), got {f.shape}")
    pics = as_uint8(f * 255)
    tiles = [upscale(p, cell) for p in pics]
    return _tile(tiles, min(cols, len(tiles)), max(3, cell // 8))


def kernel_picture(kernel: npt.ArrayLike, cell: int = 48) -> np.ndarray:
    """A hand-made (kh, kw) kernel drawn like a learned filter (grey, 0 = mid grey).

    out : (H', W', 3) uint8, the kernel enlarged to about ``cell`` pixels in a grey frame.

    >>> kernel_picture(np.eye(3), cell=24).shape
    (26, 26, 3)
    """
    k = np.asarray(kernel, dtype=np.float32)
    top = float(np.abs(k).max()) or 1.0
    g = as_uint8((0.5 + k / (2 * top)) * 255)
    pic = upscale(np.repeat(g[..., None], 3, axis=2), cell)
    t = max(1, pic.shape[0] // 24)
    out = np.empty((pic.shape[0] + 2 * t, pic.shape[1] + 2 * t, 3), np.uint8)
    out[...] = _FRAME
    out[t:-t, t:-t] = pic
    return out


def overlay(
    image: npt.ArrayLike, cam: npt.ArrayLike, *, alpha: float = 0.5, cmap: str = "Jet"
) -> np.ndarray:
    """A Grad-CAM heatmap (H, W) in [0, 1] blended over its image (H, W[, C]) uint8.

    Where the heat is 0 the image shows through; ``alpha`` is the heat's weight at 1.
    out : (H, W, 3) uint8.

    >>> overlay(np.zeros((4, 4), np.uint8), np.zeros((4, 4))).shape
    (4, 4, 3)
    """
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    rgb = np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img[..., :3]
    h = np.clip(np.asarray(cam, dtype=np.float32), 0, 1)
    if h.shape != rgb.shape[:2]:
        raise ValueError(f"cam {h.shape} and image {rgb.shape[:2]} must have the same size")
    heat = colormap(cmap)[np.rint(h * 255).astype(np.uint8)].astype(np.float32)
    a = (alpha * (0.25 + 0.75 * h))[..., None]
    return as_uint8(rgb * (1 - a) + heat * a)


def proba_figure(
    probs: npt.ArrayLike,
    names: Sequence[str],
    *,
    font_size: int = 14,
    height: int = 240,
    title: str = "",
) -> go.Figure:
    """Horizontal bars: the probability of every class, the predicted one highlighted.

    probs : (k,) float in [0, 1], one per class; names : k class names.
    """
    import plotly.graph_objects as go

    p = np.asarray(probs, dtype=np.float64).ravel()
    best = int(np.argmax(p)) if p.size else -1
    colors = ["#1c7ed6" if i == best else "#adb5bd" for i in range(len(p))]
    fig = go.Figure(
        go.Bar(
            x=p,
            y=list(names),
            orientation="h",
            marker_color=colors,
            text=[f"{v:.0%}" for v in p],
            textposition="auto",
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        height=max(height, 60 + 40 * len(p)),
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        font=dict(size=font_size),
        title=title or None,
        xaxis=dict(range=[0, 1], tickformat=".0%"),
        yaxis=dict(autorange="reversed"),
    )
    return fig


def stats_figure(
    mean: npt.ArrayLike,
    dead: npt.ArrayLike,
    *,
    labels: Mapping[str, str],
    font_size: int = 14,
    height: int = 320,
) -> go.Figure:
    """Mean activation per channel (bars), dead channels marked in red at the axis.

    mean : (c,) float; dead : (c,) bool (as :class:`cnnlab.inspect.FilterStats` has
    them). ``labels`` names: mean, channel, dead.
    """
    import plotly.graph_objects as go

    m = np.asarray(mean, dtype=np.float64)
    d = np.asarray(dead, dtype=bool)
    fig = go.Figure(
        go.Bar(
            x=np.arange(len(m)),
            y=m,
            marker_color=np.where(d, "#e03131", "#1c7ed6").tolist(),
            name=labels["mean"],
            showlegend=False,
            hovertemplate=labels["channel"] + " %{x}: %{y:.3g}<extra></extra>",
        )
    )
    if d.any():
        fig.add_trace(
            go.Scatter(
                x=np.flatnonzero(d),
                y=np.zeros(int(d.sum())),
                mode="markers",
                marker=dict(symbol="x", size=font_size, color="#e03131", line=dict(width=2)),
                name=labels["dead"],
            )
        )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        font=dict(size=font_size),
        xaxis_title=labels["channel"],
        yaxis_title=labels["mean"],
        showlegend=bool(d.any()),
        legend=dict(orientation="h", y=1.1),
    )
    return fig


def canvas_figure(
    size: tuple[int, int],
    image: npt.ArrayLike | None = None,
    *,
    height: int = 360,
    font_size: int = 14,
) -> go.Figure:
    """An empty drawing board of the model's input size for Plotly's lasso/box select.

    size : (H, W). Invisible points on a grid make the selection tools work; the last
    drawing ``image`` ((H, W) or (H, W, C) uint8) shows underneath in grey. Axes are
    pixel rows/columns (y down), like an image.
    """
    import plotly.graph_objects as go

    h, w = int(size[0]), int(size[1])
    bg = np.zeros((h, w), np.uint8) if image is None else np.asarray(image, np.uint8)
    if bg.ndim == 3:
        bg = bg[..., 0] if bg.shape[2] == 1 else bg.mean(axis=2).astype(np.uint8)
    step = max(1, max(h, w) // 40)
    gy, gx = np.mgrid[0:h:step, 0:w:step]
    fig = go.Figure()
    fig.add_trace(go.Heatmap(z=bg, colorscale="gray", zmin=0, zmax=255, showscale=False,
                             hoverinfo="skip"))  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=gx.ravel(),
            y=gy.ravel(),
            mode="markers",
            marker=dict(size=2, opacity=0.02, color="#ffffff"),
            selected=dict(marker=dict(opacity=0.02)),
            unselected=dict(marker=dict(opacity=0.02)),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_layout(
        height=height,
        width=height,
        dragmode="lasso",
        margin=dict(l=10, r=10, t=10, b=10),
        font=dict(size=font_size),
        xaxis=dict(range=[-0.5, w - 0.5], showgrid=False, zeroline=False, constrain="domain"),
        yaxis=dict(
            range=[h - 0.5, -0.5], showgrid=False, zeroline=False, scaleanchor="x",
            constrain="domain",
        ),
        newselection=dict(line=dict(color="#f76707", width=3)),
    )  # fmt: skip
    return fig


def drawing_image(
    selection: Mapping[str, Any] | None,
    size: tuple[int, int],
    *,
    background: int = 40,
    foreground: int = 220,
) -> np.ndarray | None:
    """Fill the lasso polygons and boxes of a Plotly selection → (H, W) uint8, or None.

    selection : the ``selection`` of ``st.plotly_chart(on_select=...)``: ``lasso`` is a
    list of ``{"x": [...], "y": [...]}`` polygons, ``box`` a list of
    ``{"x": [x0, x1], "y": [y0, y1]}`` in pixel coordinates. The shape is drawn in
    ``foreground`` on ``background`` grey, like the synthetic shapes.

    A box covers the pixels whose centres it contains; polygon edges are anti-aliased.

    >>> img = drawing_image({"box": [{"x": [1.6, 5.2], "y": [0.7, 3.4]}]}, (8, 8))
    >>> int((img == 220).sum())
    12
    """
    from skimage.draw import polygon

    if not selection:
        return None
    h, w = int(size[0]), int(size[1])
    s = _SUPER
    cover = np.zeros((h * s, w * s), np.float32)  # drawn at 4× and averaged: smooth edges,
    # like the anti-aliased synthetic shapes the models were trained on
    for poly in selection.get("lasso") or []:
        xs, ys = np.asarray(poly.get("x", []), float), np.asarray(poly.get("y", []), float)
        if len(xs) >= 3:
            rr, cc = polygon((ys + 0.5) * s - 0.5, (xs + 0.5) * s - 0.5, shape=cover.shape)
            cover[rr, cc] = 1.0
    for box in selection.get("box") or []:
        bx, by = sorted(box.get("x", [0, 0])[:2]), sorted(box.get("y", [0, 0])[:2])
        r0, r1 = max(int(np.ceil(by[0])), 0), min(int(np.floor(by[1])) + 1, h)
        c0, c1 = max(int(np.ceil(bx[0])), 0), min(int(np.floor(bx[1])) + 1, w)
        if r1 > r0 and c1 > c0:
            cover[r0 * s : r1 * s, c0 * s : c1 * s] = 1.0
    if not cover.any():
        return None
    cov = cover.reshape(h, s, w, s).mean(axis=(1, 3))
    img = background + (foreground - background) * cov
    return as_uint8(img)
