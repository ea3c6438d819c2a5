"""Readable text for a run: its architecture in one line, its dataset, its settings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from cnnlab.data import shown_name
from cnnlab.runs import RunRecord

__all__ = ["SETTINGS", "describe_model", "describe_data", "settings"]

# Readable settings of a run (see `settings`), in display order.
SETTINGS = (
    "layers",
    "input",
    "augment",
    "optimizer",
    "learning_rate",
    "batch_size",
    "epochs",
    "seed",
    "early_stopping",
    "split",
)


def _shape(shape: Any) -> str:
    try:
        return "×".join(str(int(v)) for v in shape)
    except (TypeError, ValueError):
        return str(shape)


def _num(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def describe_model(model_cfg: Mapping[str, Any]) -> str:
    """A one-line architecture from a ``ModelConfig.to_dict()``.

    >>> from cnnlab.model import PRESETS
    >>> describe_model(PRESETS["seed_shapes"].to_dict())
    'conv16·bn ▸ max2 ▸ conv32·bn ▸ max2 ▸ conv64·bn ▸ gap ▸ drop0.2 ▸ softmax2'
    >>> describe_model(PRESETS["shapes_l2"].to_dict())[:34]  # weight decay: ·l2=<factor>
    'conv16·bn·l2=0.001 ▸ max2 ▸ conv32'
    """
    parts: list[str] = []
    for b in model_cfg.get("blocks") or []:
        kind = b.get("kind")
        if kind == "conv":
            text = f"conv{b.get('filters', '?')}"
            k = b.get("kernel_size", 3)
            if k != 3:
                text += f"·{k}×{k}"
            if b.get("strides", 1) != 1:
                text += f"·s{b['strides']}"
            if b.get("padding", "same") != "same":
                text += f"·{b['padding']}"
            if b.get("batch_norm"):
                text += "·bn"
            if b.get("activation", "relu") != "relu":
                text += f"·{b['activation']}"
            if b.get("l2"):  # absent in runs recorded before L2 existed: none
                text += f"·l2={_num(b['l2'])}"
            parts.append(text)
        elif kind == "pool":
            text = f"{b.get('mode', 'max')}{b.get('pool_size', 2)}"
            if b.get("strides") not in (None, b.get("pool_size", 2)):
                text += f"·s{b['strides']}"
            if b.get("padding", "valid") != "valid":
                text += f"·{b['padding']}"
            parts.append(text)
        elif kind == "dropout":
            parts.append(("sdrop" if b.get("spatial") else "drop") + _num(b.get("rate", 0)))
        else:
            parts.append(str(kind))
    head = model_cfg.get("head") or {}
    parts.append(str(head.get("pooling", "flatten")))
    if head.get("dropout"):
        parts.append(f"drop{_num(head['dropout'])}")
    for d in head.get("dense") or []:
        text = f"dense{d.get('units', '?')}"
        if d.get("dropout"):
            text += f"·drop{_num(d['dropout'])}"
        if d.get("l2"):
            text += f"·l2={_num(d['l2'])}"
        parts.append(text)
    out = model_cfg.get("output", "softmax")
    units = 1 if out == "sigmoid" else model_cfg.get("num_classes", 2)
    parts.append(f"{out}{units}")
    return " ▸ ".join(parts)


def _augment_text(aug: Mapping[str, Any] | None) -> str:
    if not aug:
        return "none"
    bits = []
    if aug.get("flip", "none") != "none":
        bits.append(f"flip {aug['flip']}")
    bits += [
        f"{k} {_num(aug[k])}" for k in ("rotation", "zoom", "contrast", "brightness") if aug.get(k)
    ]
    return ", ".join(bits) or "none"


def describe_data(data: Mapping[str, Any]) -> str:
    """A short name for a run's dataset: source, image shape, train+validation sizes.

    >>> describe_data({"spec": {"source": "shapes"}, "image_shape": [32, 32, 1],
    ...                "n_train": 1600, "n_val": 400})
    'shapes 32×32×1 (1600+400)'
    >>> describe_data({"spec": {"source": "shapes", "n": 2000, "size": 32}})
    'shapes 32×32×1 (2000)'
    >>> describe_data({"spec": {"source": "folder", "path": "Pets/B\\udce9"}})
    'B�'
    """
    spec = data.get("spec") or {}
    if spec:
        src = spec.get("source", "?")
        if src == "keras":
            src = str(spec.get("name", src))
        elif src == "folder" and spec.get("path"):  # a name on disk may not be UTF-8
            src = shown_name(PurePath(str(spec["path"])).name) or src
        elif src == "upload" and spec.get("id"):
            src = f"upload {str(spec['id'])[:8]}"
    else:
        src = shown_name(str(data.get("source") or "?").split(":")[0].replace(" [train]", ""))
    text = src
    if data.get("image_shape"):
        text += f" {_shape(data['image_shape'])}"
    elif spec.get("source") == "shapes" and "size" in spec:  # a bare recipe, not yet loaded
        size, n = spec["size"], spec.get("n", "?")
        return f"{src} {size}×{size}×{spec.get('channels', 1)} ({n})"
    if data.get("n_train") is not None and data.get("n_val") is not None:
        text += f" ({data['n_train']}+{data['n_val']})"
    return text


def settings(rec: RunRecord) -> dict[str, Any]:
    """The readable settings of a run, keyed by :data:`SETTINGS` (values are scalars).

    Text for the model (:func:`describe_model`), input shape, augmentation and split;
    the training settings as stored (``None`` where the run did not record one).
    """
    m, tr = rec.model_cfg, rec.train_cfg
    split = (rec.data.get("spec") or {}).get("split") or {}
    return {
        "layers": describe_model(m),
        "input": _shape(m.get("input_shape", "?")),
        "augment": _augment_text(m.get("augment")),
        "optimizer": tr.get("optimizer"),
        "learning_rate": tr.get("learning_rate"),
        "batch_size": tr.get("batch_size"),
        "epochs": tr.get("epochs"),
        "seed": tr.get("seed"),
        "early_stopping": tr.get("early_stopping"),
        "split": (
            f"{_num(split.get('val_fraction', '?'))} · seed {split.get('seed', '?')}"
            if split
            else ""
        ),
    }
