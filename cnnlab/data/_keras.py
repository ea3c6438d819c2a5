"""The classic Keras datasets (MNIST, Fashion-MNIST, CIFAR-10) through ``keras.datasets``.

They download once to the Keras cache (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``)
and load from there afterwards. Offline and not cached, loading fails with a plain
``ValueError`` pointing at the cache and at the sources that need no network.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from cnnlab._progress import Progress
from cnnlab.data._dataset import Dataset
from cnnlab.data._split import subsample

__all__ = ["KERAS_SETS", "KerasDataError", "keras_cache_dir", "load_keras"]

_FASHION = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
_CIFAR = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip

# name -> (class names, image shape, file(s) Keras keeps in its cache)
KERAS_SETS: dict[str, tuple[tuple[str, ...], tuple[int, int, int], str]] = {
    "mnist": (tuple(str(d) for d in range(10)), (28, 28, 1), "mnist.npz"),
    "fashion_mnist": (_FASHION, (28, 28, 1), "fashion-mnist/"),
    "cifar10": (_CIFAR, (32, 32, 3), "cifar-10-batches-py/"),
}


class KerasDataError(ValueError):
    """A Keras dataset could not be loaded; ``path`` is where Keras looked for it."""

    def __init__(self, message: str, *, path: Path, cause: str) -> None:
        super().__init__(message)
        self.path = path  # the cache file or folder Keras needs
        self.cause = cause  # the downloader's own words


def keras_cache_dir() -> Path:
    """Where ``keras.datasets`` looks for and stores its files."""
    base = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(base) / "datasets"


# Stages ``progress`` counts: Keras imported, files downloaded (or read from the cache),
# the subset drawn. Keras downloads without telling its caller how far it got.
STAGES = 3


def load_keras(
    name: str, *, n: int | None = 10_000, seed: int = 0, progress: Progress | None = None
) -> Dataset:
    """The training part of a Keras dataset, optionally a class-balanced subset of ``n``.

    x ``(n, 28, 28, 1)`` for mnist / fashion_mnist, ``(n, 32, 32, 3)`` for cifar10, uint8.
    Raises ``ValueError`` with a plain message when it cannot be downloaded or read.
    ``progress(done, STAGES)``, when given, is called as each stage starts and ends:
    Keras imported, the files downloaded or read, the subset drawn.

    >>> load_keras("mnist", n=1000).image_shape  # doctest: +SKIP
    (28, 28, 1)
    """
    if name not in KERAS_SETS:
        raise ValueError(f"Keras dataset must be one of {tuple(KERAS_SETS)}, got {name!r}")
    names, shape, cached = KERAS_SETS[name]
    report = progress or (lambda done, total: None)
    report(0, STAGES)
    try:
        import keras

        report(1, STAGES)
        (x, y), _ = getattr(keras.datasets, name).load_data()
    except Exception as exc:  # noqa: BLE001 - URL errors, bad cache files, missing Keras
        path = keras_cache_dir() / cached
        cause = f"{type(exc).__name__}: {exc}"
        raise KerasDataError(
            f"could not load the Keras dataset {name!r}: it is not in the Keras cache "
            f"({path}) and could not be downloaded (offline?). "
            "Copy the file there from a machine with internet, or use synthetic shapes, "
            f"the LFW faces or an image folder instead. [{cause}]",
            path=path,
            cause=cause,
        ) from None
    report(2, STAGES)
    x = np.asarray(x, dtype=np.uint8).reshape((-1, *shape))
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    from cnnlab.data._spec import KerasSpec  # (it imports KERAS_SETS from here)

    spec = KerasSpec(name=name, n=int(n) if n else None, seed=int(seed))
    full = Dataset(x, y, names, f"Keras {name}", spec)
    ds = subsample(full, n, seed=seed) if n else full
    report(STAGES, STAGES)
    return Dataset(
        ds.x, ds.y, names, f"Keras {name} (training part): {len(ds)} of {len(full)} images", spec
    )
