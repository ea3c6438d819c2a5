"""Dataset recipes: small JSON-safe dicts that rebuild a dataset anywhere.

The Data page publishes one as ``st.session_state["dataset_spec"]``; the Train page (or a
notebook) calls ``from_spec`` to get the very same images and ``split_spec`` for the same
train/validation split. Built datasets are cached (in memory, and on disk for folders).
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cnnlab.data._dataset import Dataset
from cnnlab.data._folder import FolderReport, load_folder, parse_image_size
from cnnlab.data._keras import KERAS_SETS, load_keras
from cnnlab.data._lfw import load_lfw
from cnnlab.data._roots import resolve_folder, upload_path
from cnnlab.data._shapes import make_shapes
from cnnlab.data._split import split

__all__ = ["SOURCES", "normalize_spec", "from_spec", "load_spec", "split_spec", "input_shape"]

_FOLDER = {"image_size": [150, 150], "fit": "crop", "channels": 3}
_DEFAULTS: dict[str, dict[str, Any]] = {
    "shapes": {
        "n": 2000,
        "size": 32,
        "channels": 1,
        "classes": ["circle", "square"],
        "noise": 0.0,
        "clutter": 0,
        "seed": 0,
    },
    "lfw": {},
    "keras": {"name": "mnist", "n": 10_000, "seed": 0},
    "folder": {"path": None, **_FOLDER},
    "upload": {"id": None, **_FOLDER},
}
SOURCES: tuple[str, ...] = tuple(_DEFAULTS)
_SPLIT = {"val_fraction": 0.2, "test_fraction": 0.0, "seed": 0}
_MEMO: OrderedDict[str, Dataset] = OrderedDict()
_MEMO_SIZE = 4


def normalize_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Fill defaults and check names: the canonical form (what the URL and Train see).

    >>> normalize_spec({"source": "shapes", "n": 500})["size"]
    32
    """
    if not isinstance(spec, Mapping):
        raise ValueError(f"a dataset spec must be a dict, got {spec!r}")
    source = spec.get("source")
    if source not in _DEFAULTS:
        raise ValueError(f"spec source must be one of {SOURCES}, got {source!r}")
    allowed = {"source", "split", *_DEFAULTS[source]}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ValueError(
            f"unknown keys {unknown} in a {source!r} spec (allowed: {sorted(allowed)})"
        )
    out: dict[str, Any] = {"source": source, **copy.deepcopy(_DEFAULTS[source])}
    out.update({k: copy.deepcopy(v) for k, v in spec.items() if k != "split"})
    raw_split = spec.get("split") or {}
    if not isinstance(raw_split, Mapping) or set(raw_split) - set(_SPLIT):
        raise ValueError(f"spec split must be a dict with keys {sorted(_SPLIT)}, got {raw_split!r}")
    out["split"] = {**_SPLIT, **raw_split}
    if source in ("folder", "upload"):
        h, w = parse_image_size(out["image_size"])
        out["image_size"] = [h, w]
        need = "path" if source == "folder" else "id"
        if not out[need]:
            raise ValueError(f"a {source!r} spec needs {need!r}, got {spec!r}")
    if source == "keras" and out["name"] not in KERAS_SETS:
        raise ValueError(f"Keras dataset must be one of {tuple(KERAS_SETS)}, got {out['name']!r}")
    json.dumps(out)  # JSON-safe or TypeError
    return out


def _data_key(spec: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in spec.items() if k != "split"}, sort_keys=True)


def load_spec(spec: Mapping[str, Any]) -> tuple[Dataset, FolderReport | None]:
    """Build or load the dataset of ``spec``; folders also return their report.

    Folders are read only under the data root (``cnnlab.data.data_root()``), uploads only
    from the uploads folder: a spec cannot name an arbitrary path.
    """
    s = normalize_spec(spec)
    src = s["source"]
    if src in ("folder", "upload"):
        path = resolve_folder(s["path"]) if src == "folder" else upload_path(s["id"])
        ds, report = load_folder(
            path, image_size=s["image_size"], fit=s["fit"], channels=s["channels"]
        )
        return replace(ds, spec=s), report
    key = _data_key(s)
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return replace(_MEMO[key], spec=s), None
    if src == "shapes":
        ds = make_shapes(
            s["n"],
            size=s["size"],
            channels=s["channels"],
            classes=tuple(s["classes"]),
            seed=s["seed"],
            noise=s["noise"],
            clutter=s["clutter"],
        )
    elif src == "lfw":
        ds = load_lfw()
    else:
        ds = load_keras(s["name"], n=s["n"], seed=s["seed"])
    ds.x.flags.writeable = False
    ds.y.flags.writeable = False
    _MEMO[key] = ds
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return replace(ds, spec=s), None


def from_spec(spec: Mapping[str, Any]) -> Dataset:
    """The dataset a spec describes (cached; arrays are read-only).

    >>> ds = from_spec({"source": "shapes", "n": 40, "size": 16})
    >>> ds.image_shape, ds.spec["split"]["val_fraction"]
    ((16, 16, 1), 0.2)
    """
    return load_spec(spec)[0]


def split_spec(spec: Mapping[str, Any]) -> tuple[Dataset, ...]:
    """``split(from_spec(spec), ...)`` with the spec's own split settings.

    ``(train, val)``, or ``(train, val, test)`` when the spec asks for a test part.
    """
    s = normalize_spec(spec)
    sp = s["split"]
    return split(
        from_spec(s),
        val_fraction=sp["val_fraction"],
        test_fraction=sp["test_fraction"],
        seed=sp["seed"],
    )


def input_shape(spec: Mapping[str, Any]) -> tuple[int, int, int]:
    """The model input ``(H, W, C)`` of a spec, without loading any image.

    >>> input_shape({"source": "folder", "path": "PetImages"})
    (150, 150, 3)
    """
    s = normalize_spec(spec)
    src = s["source"]
    if src == "shapes":
        return (int(s["size"]), int(s["size"]), int(s["channels"]))
    if src == "lfw":
        return (25, 25, 1)
    if src == "keras":
        return KERAS_SETS[s["name"]][1]
    h, w = s["image_size"]
    return (int(h), int(w), int(s["channels"]))
