"""Pictures for the Kernels lesson: colour-mapped activation maps and numeric grids.

Big maps become uint8 RGB pictures (:func:`colorize`, cheap to send to a browser); small
matrices become HTML tables with their numbers written in (:func:`grid_html`), so the
step-by-step view can outline the sliding window and the cell it fills.

>>> import numpy as np
>>> colorize(np.array([[-1.0, 0.0, 1.0]]), signed=True).shape
(1, 3, 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cnnlab.viz._pixels import as_uint8, colormap

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "FigStyle",
    "colorize",
    "value_range",
    "grid_html",
    "products_html",
]

WINDOW_COLOR = "#f76707"  # orange: the window on the input and the cell it fills
PAD_COLOR = "#ced4da"  # grey: padding cells
EMPTY_COLOR = "#f1f3f5"  # faint grey: output cells not computed yet
# white to light blue: input values (dark text stays readable on every cell)
_BLUES = np.stack(
    [np.linspace(a, b, 256) for a, b in zip((248, 249, 250), (116, 192, 252), strict=True)], axis=1
).astype(np.uint8)


@dataclass(frozen=True)
class FigStyle:
    """How the figures look (the dashboard passes its normal or projector values)."""

    font_size: int = 14  # px, titles
    cell_font: int = 16  # px, the numbers written in the cells
    line_width: float = 2.0  # px, window outline
    signed_cmap: str = "RdBu_r"  # diverging scale, white at 0
    height: int = 380  # px, figure height


def value_range(
    values: npt.ArrayLike, *, signed: bool, robust: bool = False
) -> tuple[float, float]:
    """The colour range: ±top when signed, else 0..top, with top = max|x|.

    ``robust`` uses the 99.5th percentile of |x| instead of the maximum (the next value
    up, on an even sample of at most ~100k values), so a few extreme pixels do not wash
    out a photo's map.

    >>> value_range(np.array([-2.0, 1.0]), signed=True)
    (-2.0, 2.0)
    """
    x = np.asarray(values, dtype=np.float32).ravel()
    if x.size == 0:
        top = 0.0
    elif robust and x.size > 4096:  # |x| of the sample only: a big map is not copied
        sample = np.abs(x[:: max(1, x.size // 50_000)])
        rank = int(np.ceil(0.995 * (sample.size - 1)))  # one partition: ~0.3 ms
        top = float(np.partition(sample, rank)[rank])
    else:
        top = max(-float(x.min()), float(x.max()))
    if not top > 0:
        peak = max(-float(x.min()), float(x.max())) if x.size else 0.0
        top = peak if peak > 0 else 1.0
    return (-top, top) if signed else (0.0, top)


def colorize(
    values: npt.ArrayLike, *, signed: bool, signed_cmap: str = "RdBu_r", gray_cmap: str = "gray"
) -> np.ndarray:
    """An activation map as a picture: (H, W) or (H, W, 3) float → (H, W, 3) uint8.

    The range is ±top (signed) or 0..top (absolute), top being the 99.5th percentile of
    |x| (see :func:`value_range`); values beyond it saturate.
    2-D, signed: a diverging scale, white at 0 (the sign shows which side of an edge is
    brighter). 2-D, absolute: |x| from black (0) to white (top).
    3 channels (a kernel applied to R, G and B on their own) stay a colour picture:
    absolute shows |x| scaled to 0..255; signed shows 128 + 127·x/top (0 is mid grey).
    """
    x = np.asarray(values, dtype=np.float32)
    if x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[2] != 3):
        raise ValueError(f"values must be (H, W) or (H, W, 3), got shape {x.shape}")
    _, top = value_range(x, signed=False, robust=True)
    if x.ndim == 3:  # in place on one float32 copy: a 512×512×3 map takes ~2 ms
        shown = np.multiply(x, np.float32(127 / top)) if signed else np.abs(x)
        if signed:
            shown += np.float32(128)
        else:
            shown *= np.float32(255 / top)
        np.rint(shown, out=shown)
        np.clip(shown, 0, 255, out=shown)
        return shown.astype(np.uint8)
    lo, hi = (-top, top) if signed else (0.0, top)
    shown = x if signed else np.abs(x)
    idx = as_uint8((shown - lo) * (255 / (hi - lo)))
    return colormap(signed_cmap if signed else gray_cmap)[idx]


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return ""
    if float(v) == int(v) and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def _hex(rgb: np.ndarray) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))


def _ink(rgb: np.ndarray) -> str:
    """Black or white text, whichever reads better on this background."""
    luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return "#000" if luma > 140 else "#fff"


def _in(box: tuple[int, int, int, int] | None, i: int, j: int) -> tuple[bool, bool, bool, bool]:
    """Whether cell (i, j) is on the top, bottom, left, right edge of ``box``."""
    if box is None:
        return (False,) * 4
    top, left, h, w = box
    if not (top <= i < top + h and left <= j < left + w):
        return (False,) * 4
    return i == top, i == top + h - 1, j == left, j == left + w - 1


def grid_html(
    values: npt.ArrayLike,
    *,
    style: FigStyle = FigStyle(),
    signed: bool = True,
    window: tuple[int, int, int, int] | None = None,
    inner: tuple[int, int, int, int] | None = None,
    pad_mask: npt.ArrayLike | None = None,
    text: list[list[str]] | None = None,
    vrange: tuple[float, float] | None = None,
    max_width: int = 340,
    max_cell: int | None = None,
) -> str:
    """A small matrix as an HTML table: coloured cells with their numbers written in.

    Cheap to build (no Plotly), crisp on a projector, and every number is readable.

    values : (h, w) float; NaN cells are left blank and faint (not computed yet).
    window : (top, left, height, width) outlined thick orange (the kernel's window).
    inner : (top, left, height, width) outlined dashed (the image inside its padding).
    pad_mask : (h, w) bool, True for padding cells, drawn grey.
    text : optional (h, w) labels (HTML allowed) replacing the numbers.
    vrange : colour range; default ±max|x| when signed, else min..max.
    max_width : px; cells shrink so the table, borders included, fits (down to 22 px cells).
    max_cell : px, the largest cell side (default from the font size).

    >>> "<table" in grid_html(np.eye(2))
    True
    """
    z = np.asarray(values, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"values must be 2-D, got shape {z.shape}")
    h, w = z.shape
    pads = np.zeros(z.shape, bool) if pad_mask is None else np.asarray(pad_mask, bool)
    finite = z[np.isfinite(z) & ~pads]
    if vrange is not None:
        lo, hi = vrange
    elif signed:
        lo, hi = value_range(finite, signed=True)
    elif finite.size:
        lo, hi = float(finite.min()), float(finite.max())
    else:
        lo, hi = 0.0, 1.0
    hi = hi if hi > lo else lo + 1.0
    lut = colormap(style.signed_cmap) if signed else _BLUES
    biggest = max_cell or int(2.6 * style.cell_font + 8)
    edge = max(3, int(style.line_width * 1.5))
    # The 2-px white borders between cells and the window's outline take room too.
    room = max_width - 2 * (w + 1) - (2 * edge if window is not None else 0)
    cell = int(max(22, min(biggest, room // max(w, 1))))
    font = int(max(10, min(style.cell_font, cell * 0.42)))
    rows = []
    for i in range(h):
        tds = []
        for j in range(w):
            v = z[i, j]
            label = text[i][j] if text is not None else _fmt(v)
            if pads[i, j]:
                bg, ink = PAD_COLOR, "#495057"
            elif not np.isfinite(v):
                bg, ink, label = EMPTY_COLOR, "#000", ""
            else:
                idx = int(np.clip(round((v - lo) / (hi - lo) * 255), 0, 255))
                bg, ink = _hex(lut[idx]), _ink(lut[idx])
            borders = []
            for side, on_inner, on_win in zip(
                ("top", "bottom", "left", "right"), _in(inner, i, j), _in(window, i, j), strict=True
            ):
                if on_win:
                    borders.append(f"border-{side}:{edge}px solid {WINDOW_COLOR}")
                elif on_inner:
                    borders.append(f"border-{side}:2px dashed #495057")
            tds.append(f'<td style="background:{bg};color:{ink};{";".join(borders)}">{label}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    css = (
        f"border-collapse:collapse;margin:0.2rem 0 0.6rem 0;font-size:{font}px;"
        "font-variant-numeric:tabular-nums;line-height:1.15"
    )
    td_css = (
        f"width:{cell}px;min-width:{cell}px;height:{cell}px;text-align:center;"
        "vertical-align:middle;border:2px solid #fff;padding:0"
    )
    name = f"cnn-grid-{cell}"  # one class per cell size: tables on a page don't clash
    return (
        f'<table class="{name}" style="{css}">'
        f"<style>.{name} td{{{td_css}}}</style>" + "".join(rows) + "</table>"
    )


def products_html(
    window: npt.ArrayLike,
    kernel: npt.ArrayLike,
    *,
    style: FigStyle = FigStyle(),
    max_width: int = 340,
) -> str:
    """The element-wise products of a window and a kernel: each cell "a × w" over "= p".

    window, kernel : (kh, kw) → an HTML table coloured by the product's sign.

    >>> "= 6" in products_html(np.array([[2.0]]), np.array([[3.0]]))
    True
    """
    win = np.asarray(window, np.float64)
    ker = np.asarray(kernel, np.float64)
    prod = win * ker
    wide = max(prod.shape) > 4  # little room: the product only
    text = [
        [
            _fmt(p) if wide else f"{_fmt(a)}×{_fmt(k) if k >= 0 else f'({_fmt(k)})'}<br>= {_fmt(p)}"
            for a, k, p in zip(wr, kr, pr, strict=True)
        ]
        for wr, kr, pr in zip(win, ker, prod, strict=True)
    ]
    cell_font = style.cell_font if wide else max(11, int(style.cell_font * 0.85))
    small = FigStyle(
        font_size=style.font_size, cell_font=cell_font, line_width=style.line_width,
        signed_cmap=style.signed_cmap, height=style.height,
    )  # fmt: skip
    return grid_html(
        prod, style=small, signed=True, text=text, max_width=max_width,
        max_cell=None if wide else int(4.6 * cell_font),
    )  # fmt: skip
