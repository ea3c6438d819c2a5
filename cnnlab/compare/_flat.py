"""A run's configuration as flat dotted keys, and the hashes that name it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cnnlab.runs import RunRecord

__all__ = ["flatten", "flat_config", "varying_keys", "signature", "context_key", "key_parts"]

# Keys that never change a result (left out of signatures).
_NO_EFFECT = ("train.filter_snapshots", "model.name")

# Model fields added after runs were first recorded, with the value an older run had in
# effect: an old run without them reads the same as a new run that left them at default.
_LATER_FIELDS = {"conv": {"l2": 0.0}, "dense": {"l2": 0.0}}


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts and lists → one level of dotted keys with scalar values.

    Lists of scalars become one text value ("32×32×1" style is left to callers).

    >>> flatten({"a": {"b": 1, "c": [2, 3]}, "d": [{"e": 4}]})
    {'a.b': 1, 'a.c': '[2, 3]', 'd.0.e': 4}
    """
    out: dict[str, Any] = {}
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list | tuple):
        if all(not isinstance(v, Mapping | list | tuple) for v in obj):
            out[prefix] = json.dumps(list(obj))
        else:
            for i, v in enumerate(obj):
                out.update(flatten(v, f"{prefix}.{i}" if prefix else str(i)))
            if not obj:
                out[prefix] = "[]"
    else:
        out[prefix] = obj
    return out


def _data_id(data: Mapping[str, Any]) -> dict[str, Any]:
    """What identifies a run's dataset: its spec, else its description and sizes."""
    spec = data.get("spec") or {}
    if spec:
        return dict(spec)
    keys = ("source", "image_shape", "class_names", "n_train", "n_val")
    return {k: data[k] for k in keys if k in data}


def _fill(d: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``d`` plus the ``defaults`` it lacks, added at the end (keys keep their order)."""
    return {**d, **{k: v for k, v in defaults.items() if k not in d}}


def _model_id(model_cfg: Any) -> Any:
    """``model_cfg`` with the fields of :data:`_LATER_FIELDS` filled in where missing."""
    if not isinstance(model_cfg, Mapping):
        return model_cfg
    out = dict(model_cfg)
    blocks = out.get("blocks")
    if isinstance(blocks, list):
        conv = _LATER_FIELDS["conv"]
        out["blocks"] = [
            _fill(b, conv) if isinstance(b, Mapping) and b.get("kind") == "conv" else b
            for b in blocks
        ]
    head = out.get("head")
    if isinstance(head, Mapping) and isinstance(head.get("dense"), list):
        later = _LATER_FIELDS["dense"]
        dense = [_fill(d, later) if isinstance(d, Mapping) else d for d in head["dense"]]
        out["head"] = {**head, "dense": dense}
    return out


def flat_config(rec: RunRecord) -> dict[str, Any]:
    """A run's whole configuration as dotted keys: ``model.*``, ``train.*``, ``data.*``.

    Model fields added later (L2 factors) read as their old effect where a run lacks them.
    """
    model = _model_id(rec.model_cfg)
    return flatten({"model": model, "train": rec.train_cfg, "data": _data_id(rec.data)})


def varying_keys(dicts: Sequence[Mapping[str, Any]]) -> list[str]:
    """Keys whose values are not all the same (a missing key counts as a value).

    In first-seen order; ``[]`` for fewer than two dicts.

    >>> varying_keys([{"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 0}])
    ['b', 'c']
    """
    if len(dicts) < 2:
        return []
    keys: dict[str, None] = {}
    for d in dicts:
        keys.update(dict.fromkeys(d))
    return [k for k in keys if len({json.dumps(d.get(k), default=str) for d in dicts}) > 1]


def _hash(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def signature(rec: RunRecord, *, ignore: Iterable[str] = ("train.seed",)) -> str:
    """8 hex digits naming a run's configuration, without its seed (or other ``ignore``).

    Runs with the same signature differ only by luck: the seed of the weights and of the
    shuffling. The model's name and whether filter snapshots were kept do not count.
    """
    skip = set(ignore) | set(_NO_EFFECT)
    flat = flat_config(rec)
    return _hash({k: v for k, v in flat.items() if k not in skip})


def context_key(train_cfg: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """8 hex digits naming the training settings and dataset (not the model) of a run.

    ``data`` is a run's data description or a bare dataset spec (``{"source": ...}``).
    """
    data = data if "spec" in data or "n_train" in data else {"spec": data}
    train = {k: v for k, v in train_cfg.items() if k != "filter_snapshots"}
    return _hash({"train": train, "data": _data_id(data)})


def key_parts(key: str) -> list[tuple[str, int | None]]:
    """A dotted key as (name, 1-based position or None) pairs, for people to read.

    A list index is attached to the name before it and counted from 1, so that a page can
    word ``model.blocks.1.kind`` as "model › block 2 › kind" in any language.

    >>> key_parts("model.blocks.1.kind")
    [('model', None), ('blocks', 2), ('kind', None)]
    >>> key_parts("model.head.dense.0.units")
    [('model', None), ('head', None), ('dense', 1), ('units', None)]
    """
    out: list[tuple[str, int | None]] = []
    for part in str(key).split("."):
        if part.isdigit() and out and out[-1][1] is None:
            out[-1] = (out[-1][0], int(part) + 1)
        else:
            out.append((part, None))
    return out
