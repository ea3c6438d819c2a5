"""Plotly figures for datasets: sample grids per class, class balance, augmentation.

Plain data in, ``plotly.graph_objects.Figure`` out (no Streamlit), so notebooks can use
them too. Images travel as one small PNG (``binary_string=True``), never as JSON numbers.

>>> from cnnlab.data import make_shapes
>>> fig = sample_grid_figure(make_shapes(20, size=16), per_class=4)
>>> fig.data[0].type
'image'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
from PIL import Image

from cnnlab.data import Dataset
from cnnlab.viz._pixels import enlarge

__all__ = [
    "thumb",
    "montage",
    "pick_samples",
    "sample_grid_figure",
    "balance_figure",
    "strip_figure",
]

_GAP = 4  # px between thumbnails
_BG = 255  # white gaps: dark images stand out on a projector


def thumb(image: np.ndarray, cell: int) -> np.ndarray:
    """One image ``(H, W, C)`` uint8 scaled to fit ``cell × cell``: crisp when enlarged.

    Small images grow by a whole factor with nearest neighbour (pixels stay square);
    large ones shrink smoothly. Returns ``(h, w, C)`` uint8 with ``max(h, w) <= cell``.
    """
    h, w = image.shape[:2]
    if max(h, w) <= cell:
        k = max(cell // max(h, w), 1)
        return enlarge(image, k)
    scale = cell / max(h, w)
    size = (max(int(round(w * scale)), 1), max(int(round(h * scale)), 1))
    pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    out = np.asarray(pil.resize(size, Image.Resampling.LANCZOS))
    return out[..., None] if out.ndim == 2 else out


def montage(rows: Sequence[Sequence[np.ndarray]], cell: int = 64) -> tuple[np.ndarray, int]:
    """Tile images into a grid with white gaps. Returns ``(image, pitch)``.

    rows : lists of ``(H, W, C)`` uint8 images (C equal for all). image : ``(R·p, K·p, C)``
    uint8 where ``p = pitch`` is the cell side plus the gap.
    """
    items = [thumb(np.asarray(im), cell) for row in rows for im in row]
    if not items:
        raise ValueError("montage needs at least one image")
    channels = items[0].shape[-1]
    side = max(max(t.shape[:2]) for t in items)
    pitch = side + _GAP
    ncols = max(len(r) for r in rows)
    out = np.full((len(rows) * pitch - _GAP, ncols * pitch - _GAP, channels), _BG, np.uint8)
    it = iter(items)
    for r, row in enumerate(rows):
        for c in range(len(row)):
            t = next(it)
            y0 = r * pitch + (side - t.shape[0]) // 2
            x0 = c * pitch + (side - t.shape[1]) // 2
            out[y0 : y0 + t.shape[0], x0 : x0 + t.shape[1]] = t
    return out, pitch


def pick_samples(ds: Dataset, per_class: int = 8, seed: int = 0) -> list[np.ndarray]:
    """Up to ``per_class`` random indices of each class (seeded), one array per class."""
    rng = np.random.default_rng(seed)
    out = []
    for c in range(ds.num_classes):
        idx = np.flatnonzero(ds.y == c)
        out.append(np.sort(rng.choice(idx, size=min(per_class, len(idx)), replace=False)))
    return out


def _image_figure(img: np.ndarray, font_size: int, height: int | None) -> go.Figure:
    plane = img[..., 0] if img.shape[-1] == 1 else img
    fig = px.imshow(plane, binary_string=True, zmin=0, zmax=255)
    fig.update_traces(hoverinfo="skip", hovertemplate=None)
    fig.update_layout(
        margin=dict(l=10, r=10, t=10, b=10),
        font=dict(size=font_size),
        height=height,
        plot_bgcolor="white",
        dragmode=False,
    )
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, ticks="")
    fig.update_yaxes(showgrid=False, zeroline=False, ticks="", tickfont=dict(size=font_size))
    return fig


def sample_grid_figure(
    ds: Dataset,
    *,
    per_class: int = 8,
    seed: int = 0,
    cell: int = 64,
    font_size: int = 14,
    max_classes: int = 10,
    names: Sequence[str] | None = None,
) -> go.Figure:
    """One row of random samples per class, class names (or ``names``) on the left.

    >>> from cnnlab.data import make_shapes
    >>> sample_grid_figure(make_shapes(30, size=16), per_class=3).layout.yaxis.ticktext
    ('circle', 'square')
    """
    picks = pick_samples(ds, per_class, seed)[:max_classes]
    rows = [[ds.x[i] for i in idx] for idx in picks if len(idx)]
    shown = list(names) if names is not None else list(ds.class_names)
    labels = [shown[c] for c, idx in enumerate(picks) if len(idx)]
    img, pitch = montage(rows, cell)
    height = int(img.shape[0] * min(1.0, 900 / img.shape[1])) + 40 + font_size
    fig = _image_figure(img, font_size, height)
    fig.update_yaxes(
        tickmode="array",
        tickvals=[r * pitch + (pitch - _GAP) / 2 for r in range(len(rows))],
        ticktext=labels,
        showticklabels=True,
    )
    return fig


def strip_figure(
    images: Sequence[np.ndarray],
    *,
    cell: int = 96,
    per_row: int = 8,
    font_size: int = 14,
) -> go.Figure:
    """Images in rows of ``per_row`` (e.g. one original and its augmentations)."""
    items = list(images)
    rows = [items[i : i + per_row] for i in range(0, len(items), per_row)]
    img, _ = montage(rows, cell)
    height = int(img.shape[0] * min(1.0, 900 / img.shape[1])) + 30
    fig = _image_figure(img, font_size, height)
    fig.update_yaxes(showticklabels=False)
    return fig


def balance_figure(
    counts: dict[str, Sequence[int]],
    class_names: Sequence[str],
    *,
    font_size: int = 14,
    height: int = 300,
    labels: dict[str, str] | None = None,
) -> go.Figure:
    """Images per class, one stacked bar per class, one colour per part (train/val/test).

    counts : part name → count per class, e.g. ``{"train": [800, 800], "val": [200, 200]}``.

    >>> balance_figure({"train": [8, 8], "val": [2, 2]}, ["a", "b"]).data[1].y
    (2, 2)
    """
    colors = ["#1f6feb", "#f28e2b", "#59a14f"]
    fig = go.Figure()
    for i, (part, values) in enumerate(counts.items()):
        fig.add_bar(
            x=list(class_names),
            y=[int(v) for v in values],
            name=(labels or {}).get(part, part),
            marker_color=colors[i % len(colors)],
            text=[int(v) for v in values],
            textposition="inside",
        )
    fig.update_layout(
        barmode="stack",
        height=height,
        font=dict(size=font_size),
        margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, traceorder="normal"),
        bargap=0.3,
    )
    return fig
