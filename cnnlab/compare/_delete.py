"""Deleting runs, refusing those a training job still writes into."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from cnnlab.runs import LIVE_STATUSES, RunRecord

__all__ = ["delete_runs"]


class _Store(Protocol):
    """What :func:`delete_runs` needs of a run store (``cnnlab.runs.RunStore`` has it)."""

    def get(self, run_id: str) -> RunRecord: ...  # ValueError for an unknown id

    def delete(self, run_id: str) -> None: ...


def delete_runs(
    store: _Store,
    run_ids: Iterable[str],
    *,
    is_live: Callable[[RunRecord], bool] | None = None,
) -> tuple[list[str], list[str]]:
    """Delete runs (rows, metrics, files); a queued or running run is refused.

    Returns ``(deleted, refused)``; unknown ids are ignored (already gone). A training
    job writes into its run while it lives, so deleting it would break the store.
    ``is_live`` overrides how a live run is told (default: its status is queued or
    running).
    """
    live = is_live or (lambda rec: rec.status in LIVE_STATUSES)
    deleted: list[str] = []
    refused: list[str] = []
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
