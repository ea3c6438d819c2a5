"""Inspection: what a trained CNN computes and learned, layer by layer.

Feature maps, first-layer filters, Grad-CAM, per-channel statistics and top patches,
receptive fields and class probabilities, for Sequential and functional Keras 3 models
under any backend. Keras is imported inside the functions (importing this package costs
NumPy only); receptive fields need no Keras at all.

Images are raw pixels, as the models take them: ``(H, W, C)`` (or ``(H, W)``) uint8 or
float in 0–255; the model's own Rescaling layer scales them.

>>> from cnnlab.inspect import Step, trace
>>> steps = [Step("conv", (3, 3), (1, 1), (1, 1), (1, 1), (32, 32), (32, 32)),
...          Step("pool", (2, 2), (2, 2), (1, 1), (0, 0), (32, 32), (16, 16))]
>>> trace(steps, 5, 5, (32, 32))
Region(top=9, left=9, height=4, width=4, full_height=4, full_width=4)
"""

from cnnlab.inspect._filters import (
    HANDMADE,
    Match,
    closest_kernels,
    filter_images,
    first_layer_filters,
    normalize_filters,
)
from cnnlab.inspect._gradcam import grad_cam, gradcam_layer
from cnnlab.inspect._graph import (
    KINDS,
    as_functional,
    first_conv,
    fit_image,
    flat_layers,
    map_layers,
)
from cnnlab.inspect._maps import feature_maps, layer_outputs
from cnnlab.inspect._predictions import confusion_matrix, first_cell, predict_proba
from cnnlab.inspect._receptive import (
    Region,
    RFRow,
    Step,
    geometry,
    receptive_field,
    rf_table,
    trace,
)
from cnnlab.inspect._stats import FilterStats, Patch, filter_stats, top_patches

__all__ = [
    # the model as a graph
    "KINDS",
    "flat_layers",
    "first_conv",
    "as_functional",
    "map_layers",
    "fit_image",
    # feature maps
    "layer_outputs",
    "feature_maps",
    # first-layer filters
    "HANDMADE",
    "Match",
    "first_layer_filters",
    "normalize_filters",
    "filter_images",
    "closest_kernels",
    # Grad-CAM
    "gradcam_layer",
    "grad_cam",
    # statistics over images
    "FilterStats",
    "Patch",
    "filter_stats",
    "top_patches",
    # receptive fields
    "Step",
    "Region",
    "RFRow",
    "geometry",
    "trace",
    "receptive_field",
    "rf_table",
    # predictions
    "predict_proba",
    "confusion_matrix",
    "first_cell",
]
