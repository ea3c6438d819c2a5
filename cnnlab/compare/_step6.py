"""The tutorial's step 6: variants of the shapes model, each against its baseline.

The tutorial lists four (stride, padding, filters, head); the fifth, weight decay, is the
L2 regularisation its "Normalización y regularización" section recommends for convolutions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cnnlab.compare._flat import context_key
from cnnlab.compare._history import Histories
from cnnlab.compare._table import run_row
from cnnlab.runs import LIVE_STATUSES, RunRecord

__all__ = ["STEP6", "STEP6_TAG", "step6_rows", "step6_todo", "step6_compare"]

STEP6_TAG = "step6"  # the tutorial's step-6 variants; "step6:<experiment>" names which

# The tutorial's step 6: experiment → (baseline preset, variant preset).
STEP6: dict[str, tuple[str, str]] = {
    "stride": ("seed_shapes", "shapes_stride2"),  # MaxPooling2D vs Conv2D(strides=2)
    "padding": ("seed_shapes", "shapes_valid"),  # padding "same" vs "valid"
    "filters": ("seed_shapes", "shapes_constant"),  # doubling 16-32-64 vs constant 32
    "head": ("seed_shapes", "shapes_flatten"),  # GAP vs Flatten + Dense(128)
    "l2": ("seed_shapes", "shapes_l2"),  # no weight decay vs L2 1e-3 on the conv kernels
}


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
        row: dict[str, Any] = dict(run_row(rec, histories.get(rec.id, {})))
        row["experiment"] = _step6_experiment(rec)
        n = row["epochs_run"]
        row["seconds_per_epoch"] = row["seconds"] / n if row["seconds"] and n else None
        rows.append(row)
    rows.sort(key=lambda r: (r["params"] is None, r["params"] or 0, r["created"]))
    return rows


def step6_todo(experiment: str, records: Sequence[RunRecord], *, context: str) -> list[str]:
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
        and r.status in (*LIVE_STATUSES, "finished")
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
