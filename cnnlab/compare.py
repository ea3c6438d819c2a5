"""Compare training runs: table rows, settings that differ, leaderboard, seeds, export/import.

Pure functions over :class:`cnnlab.runs.RunRecord` objects and their histories (the dict
``RunStore.history`` returns). Nothing here imports Keras or Streamlit, so a notebook can
rank its runs the way the Experiments page does.

>>> from cnnlab.runs import RunRecord
>>> a = RunRecord("a", 0.0, "", "finished", {"name": "m"}, {"seed": 0, "epochs": 10}, {},
...               "CPU", 10, 0.0, 5.0, None)
>>> b = RunRecord("b", 1.0, "", "finished", {"name": "m"}, {"seed": 1, "epochs": 10}, {},
...               "CPU", 10, 0.0, 6.0, None)
>>> varying_keys([flat_config(a), flat_config(b)])
['train.seed']
>>> signature(a) == signature(b)  # the seed is luck, not configuration
True
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

__all__ = [
    "CHALLENGE_EPOCHS",
    "CHALLENGE_TAG",
    "SEEDS_TAG",
    "STEP6",
    "STEP6_TAG",
    "SETTINGS",
    "SORT_KEYS",
    "LIVE",
    "ImportedConfig",
    "best_and_final",
    "flatten",
    "flat_config",
    "describe_model",
    "describe_data",
    "settings",
    "varying_keys",
    "run_row",
    "run_table",
    "filter_rows",
    "sort_rows",
    "config_diff",
    "signature",
    "context_key",
    "leaderboard",
    "seed_spread",
    "missing_seeds",
    "step6_rows",
    "step6_todo",
    "step6_compare",
    "to_csv",
    "config_json",
    "parse_config",
    "delete_runs",
]

CHALLENGE_TAG = "challenge"  # the notebook's exercise: 10 epochs, fixed split and seed
CHALLENGE_EPOCHS = 10
SEEDS_TAG = "seeds"  # re-runs of one configuration with other seeds (how much is luck)
STEP6_TAG = "step6"  # the tutorial's step-6 variants; "step6:<experiment>" names which
LIVE = ("queued", "running")

# The tutorial's step 6: experiment → (baseline preset, variant preset).
STEP6: dict[str, tuple[str, str]] = {
    "stride": ("seed_shapes", "shapes_stride2"),  # MaxPooling2D vs Conv2D(strides=2)
    "padding": ("seed_shapes", "shapes_valid"),  # padding "same" vs "valid"
    "filters": ("seed_shapes", "shapes_constant"),  # doubling 16-32-64 vs constant 32
    "head": ("seed_shapes", "shapes_flatten"),  # GAP vs Flatten + Dense(128)
}

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

# Columns `sort_rows` understands, and whether "best first" means descending.
SORT_KEYS: dict[str, bool] = {
    "created": True,
    "final_val_acc": True,
    "best_val_acc": True,
    "params": False,
    "seconds": False,
    "name": False,
}

# Keys that never change a result (left out of signatures).
_NO_EFFECT = ("train.filter_snapshots", "model.name")


# --------------------------------------------------------------------------- basics
def best_and_final(
    history: Mapping[str, Sequence[float | None]],
) -> tuple[float | None, int | None, float | None]:
    """``(best, best_epoch, final)`` validation accuracy of a history (epochs 1-based).

    Missing or non-finite values are skipped; ``(None, None, None)`` without any.

    >>> best_and_final({"val_accuracy": [0.5, 0.9, 0.8]})
    (0.9, 2, 0.8)
    """
    vals = [
        (i + 1, float(v))
        for i, v in enumerate(history.get("val_accuracy") or [])
        if v is not None and math.isfinite(float(v))
    ]
    if not vals:
        return None, None, None
    best_epoch, best = max(vals, key=lambda p: (p[1], -p[0]))
    return best, best_epoch, vals[-1][1]


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


def flat_config(rec) -> dict[str, Any]:
    """A run's whole configuration as dotted keys: ``model.*``, ``train.*``, ``data.*``."""
    return flatten({"model": rec.model_cfg, "train": rec.train_cfg, "data": _data_id(rec.data)})


def _hash(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def signature(rec, *, ignore: Iterable[str] = ("train.seed",)) -> str:
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


# --------------------------------------------------------------------------- descriptions
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
    """
    spec = data.get("spec") or {}
    if spec:
        src = spec.get("source", "?")
        if src == "keras":
            src = str(spec.get("name", src))
        elif src == "folder" and spec.get("path"):
            src = PurePath(str(spec["path"])).name or src
        elif src == "upload" and spec.get("id"):
            src = f"upload {str(spec['id'])[:8]}"
    else:
        src = str(data.get("source") or "?").split(":")[0].replace(" [train]", "")
    text = src
    if data.get("image_shape"):
        text += f" {_shape(data['image_shape'])}"
    elif spec.get("source") == "shapes" and "size" in spec:  # a bare recipe, not yet loaded
        size, n = spec["size"], spec.get("n", "?")
        return f"{src} {size}×{size}×{spec.get('channels', 1)} ({n})"
    if data.get("n_train") is not None and data.get("n_val") is not None:
        text += f" ({data['n_train']}+{data['n_val']})"
    return text


def settings(rec) -> dict[str, Any]:
    """The readable settings of a run, keyed by :data:`SETTINGS` (values are scalars)."""
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


# --------------------------------------------------------------------------- the table
def run_row(rec, history: Mapping[str, Sequence[float | None]]) -> dict[str, Any]:
    """One table row: who, what, how well, how long, where.

    Keys: id, created (Unix s), date (local "YYYY-MM-DD HH:MM"), name, dataset, model,
    params, best_val_acc, best_epoch, final_val_acc, epochs_run, seconds, device, status,
    tags (comma-separated), signature.
    """
    best, best_epoch, final = best_and_final(history)
    return {
        "id": rec.id,
        "created": rec.created,
        "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(rec.created)),
        "name": rec.name or rec.model_cfg.get("name", ""),
        "dataset": describe_data(rec.data),
        "model": rec.model_cfg.get("name", "?"),
        "params": rec.params,
        "best_val_acc": best,
        "best_epoch": best_epoch,
        "final_val_acc": final,
        "epochs_run": len(history.get("val_accuracy") or history.get("loss") or []),
        "seconds": rec.seconds,
        "device": rec.device,
        "status": rec.status,
        "tags": ", ".join(rec.tags),
        "signature": signature(rec),
    }


def run_table(
    records: Sequence,
    histories: Mapping[str, Mapping[str, Sequence]],
    *,
    varying_over: Sequence | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows for ``records`` plus the settings that differ.

    ``histories`` maps run id → history. The settings (see :func:`settings`) that vary
    over ``varying_over`` (default: ``records``) are added to each row as ``set_<key>``
    columns; returns ``(rows, varying setting keys)``.
    """
    over = records if varying_over is None else varying_over
    varying = [k for k in varying_keys([settings(r) for r in over]) if k in SETTINGS]
    rows = []
    for rec in records:
        row = run_row(rec, histories.get(rec.id, {}))
        s = settings(rec)
        row.update({f"set_{k}": s[k] for k in varying})
        rows.append(row)
    return rows, varying


def filter_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    statuses: Iterable[str] | None = None,
    datasets: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    text: str = "",
) -> list[dict[str, Any]]:
    """Rows whose status and dataset are among those given (None: any), that carry every
    tag in ``tags``, and whose id, name, model or dataset contains ``text`` (any case)."""
    st = set(statuses) if statuses is not None else None
    ds = set(datasets) if datasets is not None else None
    need = set(tags or ())
    needle = text.strip().lower()
    out = []
    for r in rows:
        if st is not None and r["status"] not in st:
            continue
        if ds is not None and r["dataset"] not in ds:
            continue
        have = {t.strip() for t in str(r.get("tags", "")).split(",") if t.strip()}
        if not need <= have:
            continue
        hay = " ".join(str(r.get(k, "")) for k in ("id", "name", "model", "dataset")).lower()
        if needle and needle not in hay:
            continue
        out.append(dict(r))
    return out


def sort_rows(
    rows: Iterable[Mapping[str, Any]], by: str, *, descending: bool | None = None
) -> list[dict[str, Any]]:
    """Rows sorted by column ``by``; missing values last either way.

    ``descending`` defaults to "best first" (:data:`SORT_KEYS`): newest, most accurate,
    fewest parameters, fastest.
    """
    if by not in SORT_KEYS:
        raise ValueError(f"cannot sort by {by!r}; choose one of {tuple(SORT_KEYS)}")
    desc = SORT_KEYS[by] if descending is None else descending
    rows = [dict(r) for r in rows]
    have = [r for r in rows if r.get(by) is not None]
    missing = [r for r in rows if r.get(by) is None]
    have.sort(key=lambda r: r[by], reverse=desc)
    return have + missing


def config_diff(
    records: Sequence, *, labels: Mapping[str, str] | None = None, everything: bool = False
) -> list[dict[str, Any]]:
    """The configuration keys that differ between runs: one row per key.

    Row: ``{"setting": "train.learning_rate", <label of run 1>: 0.001, ...}``; labels
    default to run ids. With ``everything`` every key is listed, equal or not.
    """
    labels = dict(labels or {})
    flats = [flat_config(r) for r in records]
    keys = list(dict.fromkeys(k for f in flats for k in f)) if everything else varying_keys(flats)
    rows = []
    for k in keys:
        row: dict[str, Any] = {"setting": k}
        for rec, flat in zip(records, flats, strict=True):
            v = flat.get(k)
            row[labels.get(rec.id, rec.id)] = "—" if v is None else v
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- challenge
def _completed(rec, history: Mapping[str, Sequence], epochs: int) -> bool:
    vals = [v for v in history.get("val_accuracy") or [] if v is not None]
    return (
        rec.status == "finished" and rec.train_cfg.get("epochs") == epochs and len(vals) >= epochs
    )


def seed_spread(
    records: Sequence,
    histories: Mapping[str, Mapping[str, Sequence]],
    *,
    epochs: int | None = CHALLENGE_EPOCHS,
) -> dict[str, dict[str, Any]]:
    """Final validation accuracy of every finished run, grouped by configuration.

    Only runs that completed ``epochs`` epochs count (None: any finished run); a seed
    trained twice counts once, with its newest run.
    Returns signature → {n, seeds, values, run_ids, mean, std (population, 0 for one run),
    min, max, range}; seeds and values are sorted by seed.
    """
    groups: dict[str, list[tuple[int, float, str]]] = {}
    for rec in sorted(records, key=lambda r: r.created, reverse=True):  # newest first
        hist = histories.get(rec.id, {})
        if epochs is None:
            if rec.status != "finished":
                continue
        elif not _completed(rec, hist, epochs):
            continue
        final = best_and_final(hist)[2]
        seed = int(rec.train_cfg.get("seed", 0))
        items = groups.setdefault(signature(rec), [])
        if final is None or any(s == seed for s, _, _ in items):
            continue  # a seed run twice counts once (the newest): same seed, same run
        items.append((seed, final, rec.id))
    out = {}
    for sig, items in groups.items():
        items.sort()
        values = [v for _, v, _ in items]
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        out[sig] = {
            "n": len(values),
            "seeds": [s for s, _, _ in items],
            "values": values,
            "run_ids": [i for _, _, i in items],
            "mean": mean,
            "std": std,
            "min": min(values),
            "max": max(values),
            "range": max(values) - min(values),
        }
    return out


def leaderboard(
    records: Sequence,
    histories: Mapping[str, Mapping[str, Sequence]],
    *,
    epochs: int = CHALLENGE_EPOCHS,
    dataset: str | None = None,
) -> list[dict[str, Any]]:
    """The notebook's exercise, ranked: challenge runs that completed ``epochs`` epochs.

    Ranked by final validation accuracy (the model the exercise keeps), then best
    validation accuracy, then shorter time. Each row is a :func:`run_row` plus
    ``rank``, the readable settings (``set_<key>``) and the spread of its configuration over
    every seed tried (``seed_n``, ``seed_mean``, ``seed_std``). ``dataset`` keeps one
    dataset (as :func:`describe_data` names it): accuracies on different data don't compete.
    """
    spread = seed_spread(records, histories, epochs=epochs)
    rows = []
    for rec in records:
        hist = histories.get(rec.id, {})
        if CHALLENGE_TAG not in rec.tags or not _completed(rec, hist, epochs):
            continue
        row = run_row(rec, hist)
        if dataset is not None and row["dataset"] != dataset:
            continue
        row.update({f"set_{k}": v for k, v in settings(rec).items()})
        sp = spread.get(row["signature"], {})
        row.update(seed_n=sp.get("n", 1), seed_mean=sp.get("mean"), seed_std=sp.get("std"))
        rows.append(row)
    rows.sort(
        key=lambda r: (
            -(r["final_val_acc"] or 0.0),
            -(r["best_val_acc"] or 0.0),
            r["seconds"] if r["seconds"] is not None else math.inf,
            r["created"],
        )
    )
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows


def missing_seeds(records: Sequence, sig: str, seeds: Iterable[int]) -> list[int]:
    """Of ``seeds``, those not yet finished, queued or running for configuration ``sig``."""
    have = {
        int(r.train_cfg.get("seed", 0))
        for r in records
        if r.status in (*LIVE, "finished") and signature(r) == sig
    }
    return [int(s) for s in seeds if int(s) not in have]


# --------------------------------------------------------------------------- step 6
def _step6_experiment(rec) -> str | None:
    for tag in rec.tags:
        if tag.startswith(f"{STEP6_TAG}:"):
            return tag.split(":", 1)[1]
    return None


def step6_rows(
    records: Sequence,
    histories: Mapping[str, Mapping[str, Sequence]],
    *,
    context: str | None = None,
) -> list[dict[str, Any]]:
    """The step-6 runs (tag ``step6``), optionally only those trained in ``context``
    (:func:`context_key`): a :func:`run_row` plus ``experiment`` and ``seconds_per_epoch``.

    A model trained for several experiments (the baseline) appears once per run.
    Sorted by parameter count.
    """
    rows = []
    for rec in records:
        if STEP6_TAG not in rec.tags:
            continue
        if context is not None and context_key(rec.train_cfg, rec.data) != context:
            continue
        row = run_row(rec, histories.get(rec.id, {}))
        row["experiment"] = _step6_experiment(rec)
        n = row["epochs_run"]
        row["seconds_per_epoch"] = row["seconds"] / n if row["seconds"] and n else None
        rows.append(row)
    rows.sort(key=lambda r: (r["params"] is None, r["params"] or 0, r["created"]))
    return rows


def step6_todo(experiment: str, records: Sequence, *, context: str) -> list[str]:
    """Presets of one step-6 experiment that still need a run in ``context``.

    A preset already finished, queued or running there (any step-6 experiment, e.g. the
    shared baseline) is not trained again.
    """
    if experiment not in STEP6:
        raise ValueError(f"step-6 experiment must be one of {tuple(STEP6)}, got {experiment!r}")
    have = {
        r.model_cfg.get("name")
        for r in records
        if STEP6_TAG in r.tags
        and r.status in (*LIVE, "finished")
        and context_key(r.train_cfg, r.data) == context
    }
    return [p for p in STEP6[experiment] if p not in have]


def step6_compare(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Variant against baseline for each step-6 experiment whose two models finished.

    ``rows`` as :func:`step6_rows` makes them (the newest finished run of a model counts).
    Each result: experiment, baseline, variant, params_ratio (variant / baseline),
    acc_delta (best validation accuracy, variant − baseline), time_ratio.
    """
    newest: dict[str, Mapping[str, Any]] = {}
    for r in rows:
        if r.get("status") != "finished" or r.get("best_val_acc") is None:
            continue
        if r["model"] not in newest or r["created"] > newest[r["model"]]["created"]:
            newest[r["model"]] = r
    out = []
    for exp, (base, variant) in STEP6.items():
        b, v = newest.get(base), newest.get(variant)
        if b is None or v is None:
            continue
        out.append(
            {
                "experiment": exp,
                "baseline": base,
                "variant": variant,
                "params_ratio": (v["params"] / b["params"])
                if b.get("params") and v.get("params")
                else None,
                "acc_delta": v["best_val_acc"] - b["best_val_acc"],
                "time_ratio": (v["seconds"] / b["seconds"])
                if b.get("seconds") and v.get("seconds")
                else None,
            }
        )
    return out


# --------------------------------------------------------------------------- export/import
def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Rows as CSV text (header first); ``columns`` picks and orders them."""
    cols = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: "" if r.get(k) is None else r.get(k) for k in cols})
    return buf.getvalue()


_TOP_KEYS = ("model", "train", "data", "name", "run_id", "result", "format")


def config_json(rec, history: Mapping[str, Sequence] | None = None) -> str:
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


@dataclass(frozen=True)
class ImportedConfig:
    """A configuration read by :func:`parse_config`, checked and ready to train."""

    model: Any  # cnnlab.model.ModelConfig (layer_table passed)
    train: Any  # cnnlab.train.TrainConfig, or None when the file has none
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


# --------------------------------------------------------------------------- delete
def delete_runs(
    store, run_ids: Iterable[str], *, is_live: Callable[[Any], bool] | None = None
) -> tuple[list[str], list[str]]:
    """Delete runs (rows, metrics, files); a queued or running run is refused.

    Returns ``(deleted, refused)``; unknown ids are ignored (already gone). A training
    job writes into its run while it lives, so deleting it would break the store.
    """
    live = is_live or (lambda rec: rec.status in LIVE)
    deleted, refused = [], []
    for rid in dict.fromkeys(run_ids):
        try:
            rec = store.get(rid)
        except ValueError:
            continue
        if live(rec):
            refused.append(rid)
            continue
        store.delete(rid)
        deleted.append(rid)
    return deleted, refused
