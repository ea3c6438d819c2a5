"""Convolution and pooling in NumPy, numerically equal to the Keras layers.

>>> from cnnlab.ops import output_size
>>> output_size(32, 3, 1, "same")
32
"""

from cnnlab.ops._conv import (
    BOUNDARIES,
    PADDINGS,
    Padded,
    convolve2d,
    correlate2d,
    pad_input,
    padding_amounts,
)
from cnnlab.ops._pool import POOL_MODES, POOL_PADDINGS, global_pool2d, pool2d, pool_windows
from cnnlab.ops._shape import output_size, same_pads

__all__ = [
    "output_size",
    "same_pads",
    "correlate2d",
    "convolve2d",
    "pad_input",
    "padding_amounts",
    "Padded",
    "PADDINGS",
    "BOUNDARIES",
    "pool2d",
    "global_pool2d",
    "pool_windows",
    "POOL_MODES",
    "POOL_PADDINGS",
]
