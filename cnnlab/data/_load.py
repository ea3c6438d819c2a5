"""Datasets from their specs: build or load once, cache, split as the spec says.

Built datasets are cached (in memory, and on disk for folders), so the Data page, the
Train page and a notebook given the same spec get the very same (read-only) arrays.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cnnlab._progress import Progress
from cnnlab.data._challenge import make_challenge
from cnnlab.data._dataset import Dataset
from cnnlab.data._folder import FolderReport, load_folder
from cnnlab.data._keras import load_keras
from cnnlab.data._lfw import load_lfw
from cnnlab.data._roots import resolve_folder, upload_path
from cnnlab.data._shapes import make_shapes
from cnnlab.data._spec import (
    ChallengeSpec,
    DatasetSpec,
    FolderSpec,
    LfwSpec,
    ShapesSpec,
    UploadSpec,
    parse_spec,
)
from cnnlab.data._split import split

__all__ = ["from_spec", "load_spec", "split_spec", "input_shape"]

_MEMO: OrderedDict[str, Dataset] = OrderedDict()
_MEMO_SIZE = 4


def _data_key(spec: DatasetSpec) -> str:
    return json.dumps({k: v for k, v in spec.to_dict().items() if k != "split"}, sort_keys=True)


def load_spec(
    spec: Mapping[str, Any] | DatasetSpec, *, progress: Progress | None = None
) -> tuple[Dataset, FolderReport | None]:
    """Build or load the dataset of ``spec``; folders also return their report.

    Folders are read only under the data root (``cnnlab.data.data_root()``), uploads only
    from the uploads folder: a spec cannot name an arbitrary path. The dataset's ``spec``
    is the typed spec. ``progress(done, total)`` is passed to the loaders that take a
    while: folders and uploads (:func:`load_folder`: files decoded) and Keras datasets
    (:func:`load_keras`: stages); the quick synthetic sets never call it.
    """
    s = parse_spec(spec)
    if isinstance(s, FolderSpec | UploadSpec):
        path = resolve_folder(s.path) if isinstance(s, FolderSpec) else upload_path(s.id)
        ds, report = load_folder(
            path, image_size=s.image_size, fit=s.fit, channels=s.channels, progress=progress
        )
        return replace(ds, spec=s), report
    key = _data_key(s)
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return replace(_MEMO[key], spec=s), None
    if isinstance(s, ShapesSpec):
        ds = make_shapes(
            s.n,
            size=s.size,
            channels=s.channels,
            classes=s.classes,
            seed=s.seed,
            noise=s.noise,
            clutter=s.clutter,
        )
    elif isinstance(s, ChallengeSpec):
        ds = make_challenge(s.n, size=s.size, seed=s.seed)
    elif isinstance(s, LfwSpec):
        ds = load_lfw()
    else:
        ds = load_keras(s.name, n=s.n, seed=s.seed, progress=progress)
    ds.x.flags.writeable = False
    ds.y.flags.writeable = False
    _MEMO[key] = ds
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return replace(ds, spec=s), None


def from_spec(
    spec: Mapping[str, Any] | DatasetSpec, *, progress: Progress | None = None
) -> Dataset:
    """The dataset a spec describes (cached; arrays are read-only).

    >>> ds = from_spec({"source": "shapes", "n": 40, "size": 16})
    >>> ds.image_shape, ds.spec.split.val_fraction
    ((16, 16, 1), 0.2)
    """
    return load_spec(spec, progress=progress)[0]


def split_spec(
    spec: Mapping[str, Any] | DatasetSpec, *, progress: Progress | None = None
) -> tuple[Dataset, ...]:
    """``split(from_spec(spec), ...)`` with the spec's own split settings (``progress``
    as in :func:`load_spec`).

    ``(train, val)``, or ``(train, val, test)`` when the spec asks for a test part.
    """
    s = parse_spec(spec)
    return split(
        from_spec(s, progress=progress),
        val_fraction=s.split.val_fraction,
        test_fraction=s.split.test_fraction,
        seed=s.split.seed,
    )


def input_shape(spec: Mapping[str, Any] | DatasetSpec) -> tuple[int, int, int]:
    """The model input ``(H, W, C)`` of a spec, without loading any image.

    >>> input_shape({"source": "folder", "path": "PetImages"})
    (150, 150, 3)
    """
    return parse_spec(spec).input_shape
