"""The tutorial's step 6: variants of the shapes model, each against its baseline.

The tutorial lists four (stride, padding, filters, head); the fifth, weight decay, is the
L2 regularisation its "Normalización y regularización" section recommends for convolutions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from cnnlab.compare._flat import _model_id, context_key
from cnnlab.compare._history import Histories
from cnnlab.compare._table import run_row
from cnnlab.runs import LIVE_STATUSES, RunRecord

__all__ = ["STEP6", "STEP6_TAG", "step6_preset", "step6_rows", "step6_todo", "step6_compare"]

STEP6_TAG = "step6"  # the tutorial's step-6 variants; "step6:<experiment>" names which

# The tutorial's step 6: experiment → (baseline preset, variant preset).
STEP6: dict[str, tuple[str, str]] = {
    "stride": ("seed_shapes", "shapes_stride2"),  # MaxPooling2D vs Conv2D(strides=2)
    "padding": ("seed_shapes", "shapes_valid"),  # padding "same" vs "valid"
    "filters": ("seed_shapes", "shapes_constant"),  # doubling 16-32-64 vs constant 32
    "head": ("seed_shapes", "shapes_flatten"),  # GAP vs Flatten + Dense(128)
    "l2": ("seed_shapes", "shapes_l2"),  # no weight decay vs L2 1e-3 on the conv kernels
}


def _design(model_cfg: Mapping[str, Any]) -> str:
    """A model configuration without its name, as comparable text."""
    return json.dumps(
        {k: v for k, v in _model_id(model_cfg).items() if k != "name"}, sort_keys=True, default=str
    )


def step6_preset(model_cfg: Mapping[str, Any]) -> str | None:
    """Which step-6 preset a run's model is (its configuration, whatever its name), or None.

    ``model_cfg`` as a run records it (``ModelConfig.to_dict()``, already sized to its
    data): the shapes demo trained on the Train page is the step-6 baseline.

    >>> from cnnlab.model import PRESETS
    >>> step6_preset({**PRESETS["seed_shapes"].to_dict(), "name": "my copy"})
    'seed_shapes'
    >>> step6_preset(PRESETS["seed_pets"].to_dict()) is None
    True
    """
    from cnnlab.model import PRESETS, ModelConfig

    if not isinstance(model_cfg, Mapping):
        return None
    try:
        cfg = ModelConfig.from_dict(dict(model_cfg))
    except (TypeError, ValueError):
        return None
    mine = _design(cfg.to_dict())
    for name in dict.fromkeys(p for pair in STEP6.values() for p in pair):
        preset = PRESETS[name].with_data(input_shape=cfg.input_shape, num_classes=cfg.num_classes)
        if _design(preset.to_dict()) == mine:
            return name
    return None


def _reusable(rec: RunRecord) -> str | None:
    """The step-6 preset a run counts as: a step-6 run by its name, any other finished or
    live run by its configuration (an identical run is never trained twice)."""
    if STEP6_TAG in rec.tags:
        return rec.model_cfg.get("name")
    if rec.status in (*LIVE_STATUSES, "finished"):
        return step6_preset(rec.model_cfg)
    return None


def _step6_experiment(rec: RunRecord) -> str | None:
    for tag in rec.tags:
        if tag.startswith(f"{STEP6_TAG}:"):
            return tag.split(":", 1)[1]
    return None


def step6_rows(
    records: Sequence[RunRecord],
    histories: Histories,
    *,
    context: str | None = None,
) -> list[dict[str, Any]]:
    """The step-6 runs, optionally only those trained in ``context`` (:func:`context_key`):
    a :func:`run_row` plus ``experiment`` and ``seconds_per_epoch``.

    Step-6 runs are those tagged ``step6``, and any other run whose model is a step-6
    preset (:func:`step6_preset`, e.g. the shapes demo trained on the Train page with the
    same settings): its ``model`` is then the preset's name and its experiment None.
    A model trained for several experiments (the baseline) appears once per run.
    Sorted by parameter count.
    """
    rows = []
    for rec in records:
        preset = _reusable(rec)
        if preset is None:
            continue
        if context is not None and context_key(rec.train_cfg, rec.data) != context:
            continue
        row: dict[str, Any] = dict(run_row(rec, histories.get(rec.id, {})))
        if STEP6_TAG not in rec.tags:
            row["model"] = preset
        row["experiment"] = _step6_experiment(rec)
        n = row["epochs_run"]
        row["seconds_per_epoch"] = row["seconds"] / n if row["seconds"] and n else None
        rows.append(row)
    rows.sort(key=lambda r: (r["params"] is None, r["params"] or 0, r["created"]))
    return rows


def step6_todo(experiment: str, records: Sequence[RunRecord], *, context: str) -> list[str]:
    """Presets of one step-6 experiment that still need a run in ``context``.

    A preset already finished, queued or running there (any step-6 experiment, e.g. the
    shared baseline) is not trained again; nor is one that an untagged run of the same
    configuration already trained there (the shapes demo from the Train page).
    """
    if experiment not in STEP6:
        raise ValueError(f"step-6 experiment must be one of {tuple(STEP6)}, got {experiment!r}")
    have = {
        _reusable(r)
        for r in records
        if r.status in (*LIVE_STATUSES, "finished") and context_key(r.train_cfg, r.data) == context
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
