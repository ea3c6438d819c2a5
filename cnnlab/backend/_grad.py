"""Gradients on whichever backend Keras runs: TensorFlow, JAX or PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["value_and_grad"]


def value_and_grad(fn: Callable[[Any], Any], x: np.ndarray) -> tuple[float, np.ndarray]:
    """``fn(x)`` (a scalar) and its gradient with respect to ``x``, on the Keras backend.

    Grad-CAM needs it. Returns ``(value, gradient)`` as a float and a NumPy array shaped
    like ``x``.
    """
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        t = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
        g = tape.gradient(y, t)
    elif backend == "jax":
        import jax

        y, g = jax.value_and_grad(fn)(keras.ops.convert_to_tensor(x))
    elif backend == "torch":
        t = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)
        y = fn(t)
        y.backward()
        g = t.grad
        y = y.detach()
    else:
        raise ValueError(f"Grad-CAM needs gradients: backend {backend!r} has none here")
    if g is None:
        raise ValueError("the class score does not depend on the chosen layer")
    return float(keras.ops.convert_to_numpy(y)), np.asarray(keras.ops.convert_to_numpy(g))
