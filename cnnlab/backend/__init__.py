"""The one place that names Keras backends (TensorFlow, JAX, PyTorch) and their devices.

Everything else in ``cnnlab`` is written against Keras 3 alone. What differs per backend
lives here: which backend Keras will pick and what hardware there is (cheaply, for the
compute panel: nothing imports a framework that is not already imported), spreading a run
over several devices, and the gradient Grad-CAM needs.

>>> from cnnlab.backend import BACKENDS, keras_backend
>>> keras_backend() in BACKENDS
True
"""

from cnnlab.backend._compute import BACKENDS, ComputeInfo, compute_info, keras_backend
from cnnlab.backend._distribute import data_parallel, visible_devices
from cnnlab.backend._grad import value_and_grad

__all__ = [
    "BACKENDS",
    "ComputeInfo",
    "compute_info",
    "keras_backend",
    "data_parallel",
    "visible_devices",
    "value_and_grad",
]
