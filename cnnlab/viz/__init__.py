"""Pictures: the Plotly figures and uint8 images every page draws, from plain data.

Arrays, layer tables, histories and datasets in; ``plotly.graph_objects.Figure``, uint8
RGB pictures, PNG data URLs or small HTML tables out, so a notebook draws what the
dashboard draws. One private module per lesson (``_kernels``, ``_pooling``, ``_data``,
``_model``, ``_train``, ``_compare``, ``_inspect``), all on the shared pixel helpers of
``_pixels`` (colour tables, uint8 conversion, nearest-neighbour enlarging, boxes, PNG).

Importing ``cnnlab.viz`` is free: each name loads its own module on first use, so the
Kernels page never imports Plotly's figure classes or Pillow, and nothing here imports
Keras.

>>> import numpy as np
>>> from cnnlab.viz import colorize, upscale
>>> upscale(colorize(np.array([[-1.0, 1.0]]), signed=True), 8).shape
(4, 8, 3)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cnnlab.viz._compare import PALETTE, color, overlay_figure, seeds_figure, step6_figure
    from cnnlab.viz._data import (
        balance_figure,
        montage,
        pick_samples,
        sample_grid_figure,
        strip_figure,
        thumb,
    )
    from cnnlab.viz._inspect import (
        canvas_figure,
        drawing_image,
        filter_grid,
        kernel_picture,
        mosaic,
        overlay,
        proba_figure,
        stats_figure,
    )
    from cnnlab.viz._kernels import FigStyle, colorize, grid_html, products_html, value_range
    from cnnlab.viz._model import (
        PARAM_GROUPS,
        compare_figure,
        param_groups,
        params_figure,
        tensor_figure,
    )
    from cnnlab.viz._pixels import (
        ORANGE,
        as_uint8,
        colormap,
        enlarge,
        outline,
        png_data_url,
        to_uint8,
        upscale,
    )
    from cnnlab.viz._plain import plain
    from cnnlab.viz._pooling import (
        WINDOW_COLORS,
        global_bars_figure,
        image_trace,
        matrix_figure,
        png_uri,
        shift_figure,
        steps_figure,
    )
    from cnnlab.viz._train import confusion_figure, curves_figure

# Where each public name lives: the module is imported when the name is first read.
_MODULES: dict[str, tuple[str, ...]] = {
    "_pixels": (
        "ORANGE",
        "colormap",
        "as_uint8",
        "to_uint8",
        "enlarge",
        "upscale",
        "outline",
        "png_data_url",
    ),
    "_kernels": ("FigStyle", "colorize", "value_range", "grid_html", "products_html"),
    "_pooling": (
        "WINDOW_COLORS",
        "png_uri",
        "image_trace",
        "steps_figure",
        "matrix_figure",
        "shift_figure",
        "global_bars_figure",
    ),
    "_data": (
        "thumb",
        "montage",
        "pick_samples",
        "sample_grid_figure",
        "balance_figure",
        "strip_figure",
    ),
    "_plain": ("plain",),
    "_model": (
        "PARAM_GROUPS",
        "tensor_figure",
        "params_figure",
        "param_groups",
        "compare_figure",
    ),
    "_train": ("curves_figure", "confusion_figure"),
    "_compare": ("PALETTE", "color", "overlay_figure", "step6_figure", "seeds_figure"),
    "_inspect": (
        "mosaic",
        "filter_grid",
        "kernel_picture",
        "overlay",
        "proba_figure",
        "stats_figure",
        "canvas_figure",
        "drawing_image",
    ),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    # _pixels
    "ORANGE",
    "colormap",
    "as_uint8",
    "to_uint8",
    "enlarge",
    "upscale",
    "outline",
    "png_data_url",
    # _kernels
    "FigStyle",
    "colorize",
    "value_range",
    "grid_html",
    "products_html",
    # _pooling
    "WINDOW_COLORS",
    "png_uri",
    "image_trace",
    "steps_figure",
    "matrix_figure",
    "shift_figure",
    "global_bars_figure",
    # _data
    "thumb",
    "montage",
    "pick_samples",
    "sample_grid_figure",
    "balance_figure",
    "strip_figure",
    # _plain
    "plain",
    # _model
    "PARAM_GROUPS",
    "tensor_figure",
    "params_figure",
    "param_groups",
    "compare_figure",
    # _train
    "curves_figure",
    "confusion_figure",
    # _compare
    "PALETTE",
    "color",
    "overlay_figure",
    "step6_figure",
    "seeds_figure",
    # _inspect
    "mosaic",
    "filter_grid",
    "kernel_picture",
    "overlay",
    "proba_figure",
    "stats_figure",
    "canvas_figure",
    "drawing_image",
]


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use, then keep the name here."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
