"""Convolution and pooling in NumPy, numerically equal to the Keras layers.

>>> from cnnlab.ops import output_size
>>> output_size(32, 3, 1, "same")
32
"""

from cnnlab.ops._shape import output_size, same_pads

__all__ = ["output_size", "same_pads"]
