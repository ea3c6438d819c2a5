"""Runs out and configurations in: a table as CSV, a run as JSON, JSON read back; one
run's per-epoch history as CSV and its request (model, data, train) as JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cnnlab.compare._history import History, best_and_final
from cnnlab.runs import RunRecord

if TYPE_CHECKING:  # the model and training modules load only when a file is read
    from cnnlab.model import ModelConfig
    from cnnlab.train import TrainConfig

__all__ = [
    "ImportedConfig",
    "to_csv",
    "config_json",
    "parse_config",
    "history_csv",
    "run_request",
    "request_json",
]

_TOP_KEYS = ("model", "train", "data", "name", "run_id", "result", "format")


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Rows as CSV text (header first); ``columns`` picks and orders them.

    >>> print(to_csv([{"id": "a", "acc": 0.5}, {"id": "b", "acc": None}]), end="")
    id,acc
    a,0.5
    b,
    """
    cols = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: "" if r.get(k) is None else r.get(k) for k in cols})
    return buf.getvalue()


def config_json(rec: RunRecord, history: History | None = None) -> str:
    """A run's configuration as JSON: ``{"model", "train", "data"}`` plus its result.

    :func:`parse_config` reads it back (and so does ``python -m cnnlab.train --config``).
    """
    best, best_epoch, final = best_and_final(history or {})
    doc = {
        "format": "cnnlab-config-1",
        "name": rec.name,
        "run_id": rec.id,
        "model": rec.model_cfg,
        "train": rec.train_cfg,
        "data": (rec.data.get("spec") or None),
        "result": {
            "status": rec.status,
            "params": rec.params,
            "best_val_accuracy": best,
            "best_epoch": best_epoch,
            "final_val_accuracy": final,
            "seconds": rec.seconds,
            "device": rec.device,
        },
    }
    return json.dumps(doc, indent=2)


def history_csv(history: History) -> str:
    """A run's per-epoch history as CSV: an ``epoch`` column (from 1), then one column a
    metric (Keras names first); a missing value is an empty cell.

    >>> print(history_csv({"loss": [0.7, 0.4], "val_loss": [0.69, None]}), end="")
    epoch,loss,val_loss
    1,0.7,0.69
    2,0.4,
    """
    first = [k for k in ("loss", "accuracy", "val_loss", "val_accuracy") if k in history]
    names = first + sorted(k for k in history if k not in first)
    n = max((len(v) for v in history.values()), default=0)
    rows = [
        {"epoch": e + 1, **{k: history[k][e] if e < len(history[k]) else None for k in names}}
        for e in range(n)
    ]
    return to_csv(rows, ["epoch", *names])


def run_request(rec: RunRecord) -> dict[str, Any]:
    """The run's request ``{"name", "model", "data", "train", "tags"}``, as the command
    line reads it (``cnnlab train CONFIG.json``). A run made without one (``train()``
    from a notebook) gets it from its row: the model and training settings, and the
    dataset spec when its row has one."""
    if rec.request:
        return dict(rec.request)
    doc: dict[str, Any] = {"name": rec.name, "model": rec.model_cfg, "train": rec.train_cfg}
    if rec.data.get("spec"):
        doc["data"] = rec.data["spec"]
    if rec.tags:
        doc["tags"] = list(rec.tags)
    return doc


def request_json(rec: RunRecord) -> str:
    """:func:`run_request` as JSON text (what the pages' "config" downloads hold)."""
    return json.dumps(run_request(rec), indent=2)


@dataclass(frozen=True)
class ImportedConfig:
    """A configuration read by :func:`parse_config`, checked and ready to train."""

    model: ModelConfig  # layer_table passed
    train: TrainConfig | None  # None when the file has none
    data: dict[str, Any] | None  # normalized dataset spec, or None
    params: int  # total parameters for the model's own input shape
    name: str = ""


def parse_config(text: str | bytes) -> ImportedConfig:
    """Read and check a configuration JSON (what :func:`config_json` writes).

    Accepts ``{"model": {...} or "<preset>", "train": {...}, "data": {...}}`` (train and
    data optional) or a bare ModelConfig dict. Raises ValueError with a clear message:
    invalid JSON (line and column), unknown keys, impossible layers (naming the layer).

    >>> parse_config('{"model": "seed_shapes"}').params
    23762
    """
    from cnnlab.model import PRESETS, ModelConfig, layer_table

    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from exc
    if not text.strip():
        raise ValueError("the configuration is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    if not isinstance(doc, dict):
        raise ValueError(f"the configuration must be a JSON object, got {type(doc).__name__}")
    if "model" not in doc and "blocks" in doc:
        doc = {"model": doc}
    if "model" not in doc:
        raise ValueError(f"no 'model' in the configuration (keys found: {sorted(doc)})")
    unknown = sorted(set(doc) - set(_TOP_KEYS))
    if unknown:
        raise ValueError(f"unknown key(s) {unknown}; expected some of {list(_TOP_KEYS[:3])}")
    raw = doc["model"]
    try:
        if isinstance(raw, str):
            if raw not in PRESETS:
                raise ValueError(f"unknown model preset {raw!r}; presets: {sorted(PRESETS)}")
            model = PRESETS[raw]
        else:
            model = ModelConfig.from_dict(raw)
        params = sum(r.params for r in layer_table(model))
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"model: {type(exc).__name__}: {exc}") from exc
    except ValueError as exc:
        raise ValueError(f"model: {exc}") from exc
    train = None
    if doc.get("train") is not None:
        from cnnlab.train import TrainConfig

        if not isinstance(doc["train"], dict):
            raise ValueError(f"train must be an object, got {doc['train']!r}")
        try:
            train = TrainConfig.from_dict(doc["train"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"train: {exc}") from exc
    data = None
    if doc.get("data") is not None:
        from cnnlab.data import normalize_spec

        try:
            data = normalize_spec(doc["data"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"data: {exc}") from exc
    return ImportedConfig(
        model=model, train=train, data=data, params=params, name=str(doc.get("name") or "")
    )
