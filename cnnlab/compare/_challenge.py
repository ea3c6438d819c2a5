"""The notebook's exercise ("keep 10 epochs, get the highest accuracy"), ranked; and how
much of a result is the luck of the seed."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, TypedDict

from cnnlab.compare._describe import settings
from cnnlab.compare._flat import signature
from cnnlab.compare._history import Histories, History, best_and_final
from cnnlab.compare._table import run_row
from cnnlab.runs import LIVE_STATUSES, RunRecord

__all__ = [
    "CHALLENGE_TAG",
    "CHALLENGE_EPOCHS",
    "CHALLENGE_DATA",
    "NOTEBOOK_VAL_ACCURACY",
    "SEEDS_TAG",
    "SeedSpread",
    "seed_spread",
    "leaderboard",
    "missing_seeds",
]

CHALLENGE_TAG = "challenge"  # the notebook's exercise: 10 epochs, fixed split and seed
CHALLENGE_EPOCHS = 10
# The challenge's own data, offline: 3,000 synthetic 32×32 cats and dogs (seed 0), where
# the notebook's recipe lands near the notebook's score (benchmarks/bench_challenge.py).
CHALLENGE_DATA: dict[str, Any] = {"source": "challenge", "n": 3000, "size": 32, "seed": 0}
NOTEBOOK_VAL_ACCURACY = 0.81  # the notebook on real cats and dogs (150×150), epoch 10
SEEDS_TAG = "seeds"  # re-runs of one configuration with other seeds (how much is luck)


class SeedSpread(TypedDict):
    """Final validation accuracy of one configuration over the seeds it was trained with."""

    n: int  # how many seeds
    seeds: list[int]  # sorted
    values: list[float]  # final validation accuracy, in the order of ``seeds``
    run_ids: list[str]  # the run behind each value
    mean: float
    std: float  # population standard deviation (0 for one run)
    min: float
    max: float
    range: float  # max - min


def _completed(rec: RunRecord, history: History, epochs: int) -> bool:
    vals = [v for v in history.get("val_accuracy") or [] if v is not None]
    return (
        rec.status == "finished" and rec.train_cfg.get("epochs") == epochs and len(vals) >= epochs
    )


def seed_spread(
    records: Sequence[RunRecord],
    histories: Histories,
    *,
    epochs: int | None = CHALLENGE_EPOCHS,
) -> dict[str, SeedSpread]:
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
    out: dict[str, SeedSpread] = {}
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
    records: Sequence[RunRecord],
    histories: Histories,
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
        row: dict[str, Any] = dict(run_row(rec, hist))
        if dataset is not None and row["dataset"] != dataset:
            continue
        row.update({f"set_{k}": v for k, v in settings(rec).items()})
        sp = spread.get(row["signature"])
        row.update(
            seed_n=sp["n"] if sp else 1,
            seed_mean=sp["mean"] if sp else None,
            seed_std=sp["std"] if sp else None,
        )
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


def missing_seeds(records: Sequence[RunRecord], sig: str, seeds: Iterable[int]) -> list[int]:
    """Of ``seeds``, those not yet finished, queued or running for configuration ``sig``."""
    have = {
        int(r.train_cfg.get("seed", 0))
        for r in records
        if r.status in (*LIVE_STATUSES, "finished") and signature(r) == sig
    }
    return [int(s) for s in seeds if int(s) not in have]
