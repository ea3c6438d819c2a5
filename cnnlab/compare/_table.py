"""The runs table: one row per run, the settings that differ, filters, sorting, diffs."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from cnnlab.compare._describe import SETTINGS, describe_data, settings
from cnnlab.compare._flat import flat_config, signature, varying_keys
from cnnlab.compare._history import Histories, History, best_and_final
from cnnlab.runs import RunRecord

__all__ = ["SORT_KEYS", "RunRow", "run_row", "run_table", "filter_rows", "sort_rows", "config_diff"]

# Columns `sort_rows` understands, and whether "best first" means descending.
SORT_KEYS: dict[str, bool] = {
    "created": True,
    "final_val_acc": True,
    "best_val_acc": True,
    "params": False,
    "seconds": False,
    "name": False,
}


class RunRow(TypedDict):
    """One run as the runs table shows it (plain values: a DataFrame row, a CSV line)."""

    id: str
    created: float  # Unix seconds
    date: str  # local "YYYY-MM-DD HH:MM"
    name: str
    dataset: str  # describe_data(rec.data)
    model: str  # the design's name
    params: int | None
    best_val_acc: float | None
    best_epoch: int | None  # 1-based epoch of best_val_acc
    final_val_acc: float | None
    epochs_run: int
    seconds: float | None  # wall time, once the run has ended
    device: str
    status: str  # one of cnnlab.runs.STATUSES
    tags: str  # comma-separated
    signature: str  # same signature: same configuration, another seed


def run_row(rec: RunRecord, history: History) -> RunRow:
    """One table row: who, what, how well, how long, where (see :class:`RunRow`)."""
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
    records: Sequence[RunRecord],
    histories: Histories,
    *,
    varying_over: Sequence[RunRecord] | None = None,
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
        row: dict[str, Any] = dict(run_row(rec, histories.get(rec.id, {})))
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

    >>> [r["params"] for r in sort_rows([{"params": 9}, {"params": None}, {"params": 3}],
    ...                                 "params")]
    [3, 9, None]
    """
    if by not in SORT_KEYS:
        raise ValueError(f"cannot sort by {by!r}; choose one of {tuple(SORT_KEYS)}")
    desc = SORT_KEYS[by] if descending is None else descending
    out = [dict(r) for r in rows]
    have = [r for r in out if r.get(by) is not None]
    missing = [r for r in out if r.get(by) is None]
    have.sort(key=lambda r: r[by], reverse=desc)
    return have + missing


def config_diff(
    records: Sequence[RunRecord],
    *,
    labels: Mapping[str, str] | None = None,
    everything: bool = False,
) -> list[dict[str, Any]]:
    """The configuration keys that differ between runs: one row per key.

    Row: ``{"setting": "train.learning_rate", <label of run 1>: 0.001, ...}``; labels
    default to run ids. With ``everything`` every key is listed, equal or not.
    """
    names = dict(labels or {})
    flats = [flat_config(r) for r in records]
    keys = list(dict.fromkeys(k for f in flats for k in f)) if everything else varying_keys(flats)
    rows = []
    for k in keys:
        row: dict[str, Any] = {"setting": k}
        for rec, flat in zip(records, flats, strict=True):
            v = flat.get(k)
            row[names.get(rec.id, rec.id)] = "—" if v is None else v
        rows.append(row)
    return rows
