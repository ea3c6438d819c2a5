"""Deleting runs, refusing those a training job still writes into and, when an actor
is named, those that are someone else's."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from cnnlab.compare._access import may_change
from cnnlab.runs import LIVE_STATUSES, RunRecord

__all__ = ["Refused", "delete_runs"]


class _Store(Protocol):
    """What :func:`delete_runs` needs of a run store (``cnnlab.runs.RunStore`` has it)."""

    def get(self, run_id: str) -> RunRecord: ...  # ValueError for an unknown id

    def delete(self, run_id: str) -> None: ...


class Refused(str):
    """A run id that was not deleted, with ``reason``: ``"live"`` (queued or training)
    or ``"owner"`` (someone else's run). Compares and prints as the plain id."""

    reason: str

    def __new__(cls, run_id: str, reason: str) -> Refused:
        obj = super().__new__(cls, run_id)
        obj.reason = reason
        return obj


def delete_runs(
    store: _Store,
    run_ids: Iterable[str],
    *,
    is_live: Callable[[RunRecord], bool] | None = None,
    actor: str | None = None,
    teacher: bool = False,
    teacher_role: bool = True,
) -> tuple[list[str], list[Refused]]:
    """Delete runs (rows, metrics, files); a queued or running run is refused, and so is
    a run ``actor`` may not change (see :func:`cnnlab.compare.may_change`).

    Returns ``(deleted, refused)``; each refused id is a :class:`Refused` with its
    ``reason`` (``"owner"`` is checked first). Unknown ids are ignored (already gone).
    A training job writes into its run while it lives, so deleting it would break the
    store. ``is_live`` overrides how a live run is told (default: its status is queued
    or running). ``actor=None`` (a notebook, the command line) skips the owner check.
    """
    live = is_live or (lambda rec: rec.status in LIVE_STATUSES)
    deleted: list[str] = []
    refused: list[Refused] = []
    for rid in dict.fromkeys(run_ids):
        try:
            rec = store.get(rid)
        except ValueError:
            continue
        if actor is not None and not may_change(
            rec, actor=actor, teacher=teacher, teacher_role=teacher_role
        ):
            refused.append(Refused(rid, "owner"))
            continue
        if live(rec):
            refused.append(Refused(rid, "live"))
            continue
        store.delete(rid)
        deleted.append(rid)
    return deleted, refused
