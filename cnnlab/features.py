"""What a trained CNN learned: the names of :mod:`cnnlab.inspect`, from their first home.

Kept so that ``cnnlab.features.feature_maps``, ``first_layer_filters`` and ``grad_cam``
(the contract in DESIGN.md) and everything else this module exported keep working; new
code imports from :mod:`cnnlab.inspect`.

>>> from cnnlab.features import feature_maps
>>> from cnnlab.inspect import feature_maps as same
>>> feature_maps is same
True
"""

from cnnlab.inspect import (
    HANDMADE,
    KINDS,
    FilterStats,
    Match,
    Patch,
    as_functional,
    closest_kernels,
    feature_maps,
    filter_images,
    filter_stats,
    first_layer_filters,
    fit_image,
    grad_cam,
    gradcam_layer,
    layer_outputs,
    map_layers,
    normalize_filters,
    top_patches,
)

__all__ = [
    "KINDS",
    "HANDMADE",
    "FilterStats",
    "Match",
    "Patch",
    "as_functional",
    "map_layers",
    "fit_image",
    "layer_outputs",
    "feature_maps",
    "first_layer_filters",
    "normalize_filters",
    "filter_images",
    "closest_kernels",
    "gradcam_layer",
    "grad_cam",
    "filter_stats",
    "top_patches",
]
