"""Real photos with no download: scikit-image's LFW subset (faces against non-faces)."""

from __future__ import annotations

import numpy as np

from cnnlab.data._dataset import Dataset
from cnnlab.data._spec import LfwSpec

__all__ = ["load_lfw"]


def load_lfw() -> Dataset:
    """200 grayscale 25×25 crops: 100 faces (Labeled Faces in the Wild), 100 non-faces.

    Ships inside scikit-image, so it works offline. x ``(200, 25, 25, 1) uint8``.

    >>> ds = load_lfw()
    >>> ds.image_shape, ds.class_names, ds.counts().tolist()
    ((25, 25, 1), ('face', 'non-face'), [100, 100])
    """
    from skimage.data import lfw_subset

    images = np.asarray(lfw_subset(), dtype=np.float64)  # (200, 25, 25) in [0, 1]
    x = np.clip(np.rint(images * 255), 0, 255).astype(np.uint8)[..., None]
    y = np.repeat(np.array([0, 1], dtype=np.int64), [100, 100])
    source = "scikit-image LFW subset: 100 faces and 100 non-faces, 25×25 grayscale"
    return Dataset(x, y, ("face", "non-face"), source, LfwSpec())
