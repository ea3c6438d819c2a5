"""Spread training over every visible device: data parallel, one copy of the model each.

TensorFlow: ``tf.distribute.MirroredStrategy``; JAX: ``keras.distribution.DataParallel``.
Each batch is split across the devices (the batch size stays the global one). PyTorch and
a single device train as usual.

>>> with data_parallel(False) as n:
...     n
1
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["visible_devices", "data_parallel"]


def visible_devices() -> list[str]:
    """Devices a data-parallel run would use: the accelerators, else the logical CPUs."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        return [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
    if backend == "jax":
        import jax

        devs = [d for d in jax.devices() if d.platform != "cpu"] or jax.devices()
        return [str(d) for d in devs]
    return []


@contextlib.contextmanager
def data_parallel(enabled: bool | None = None) -> Iterator[int]:
    """Build, compile and fit inside this block; yields the number of replicas.

    ``enabled``: True spreads over every visible device (also several logical CPUs, for
    tests), None spreads only when there are several accelerators, False never does.
    """
    if enabled is False:
        yield 1
        return
    import keras

    devices = visible_devices()
    several_gpus = len(devices) > 1 and "CPU" not in devices[0].upper()
    if len(devices) < 2 or (enabled is None and not several_gpus):
        yield 1
        return
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy(devices=devices)
        with strategy.scope():
            yield strategy.num_replicas_in_sync
    elif backend == "jax":
        previous = keras.distribution.distribution()
        dist = keras.distribution.DataParallel(devices=keras.distribution.list_devices())
        keras.distribution.set_distribution(dist)
        try:
            yield len(devices)
        finally:
            keras.distribution.set_distribution(previous)
    else:
        yield 1
