"""RunRecord: one run as stored, and how a database row becomes one.

A row whose JSON cannot be read still becomes a record (empty dicts for what is
unreadable, ``problem`` saying so), so that one damaged run never hides the others.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cnnlab.runs._status import DONE_STATUSES, LIVE_STATUSES

__all__ = ["RunRecord", "record_from_row", "dumps", "loads_or"]


@dataclass(frozen=True)
class RunRecord:
    """One run as stored (configurations are plain dicts, JSON-safe)."""

    id: str
    created: float  # Unix time the run was created
    name: str
    status: str  # one of STATUSES (a plain string)
    model_cfg: dict[str, Any]
    train_cfg: dict[str, Any]
    data: dict[str, Any]  # description of the dataset (source, size, classes, …)
    device: str  # e.g. "CPU" or "GPU:0 (NVIDIA H100)"
    params: int | None  # total parameter count of the model
    started: float | None
    finished: float | None
    error: str | None  # readable reason for failed / diverged / interrupted runs
    tags: list[str] = field(default_factory=list)  # e.g. ["challenge"]
    owner: str = ""  # who started it
    heartbeat: float | None = None  # Unix time of the last sign of life
    host: str = ""  # who trains it, e.g. "lab-pc:4242" or "ray"
    executor: str = ""  # which executor runs it
    stop_requested: bool = False
    progress: dict[str, Any] | None = None  # the latest per-batch info
    request: dict[str, Any] = field(default_factory=dict)  # the whole run request
    problem: str | None = None  # why part of this row could not be read, if it could not

    @property
    def seconds(self) -> float | None:
        """Wall time of the run, or None until it has started and ended."""
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started

    @property
    def live(self) -> bool:
        """Whether the run may still change (queued or running)."""
        return self.status in LIVE_STATUSES

    @property
    def done(self) -> bool:
        """Whether the run has ended (finished, stopped, diverged, failed, interrupted)."""
        return self.status in DONE_STATUSES


def _plain(value: Any) -> Any:
    """JSON fallback for NumPy scalars and arrays (``float32`` losses, shapes)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """JSON text of ``value``; NumPy scalars and arrays become plain numbers and lists."""
    return json.dumps(value, default=_plain)


def loads_or(text: str | None, expected: type, default: Any) -> tuple[Any, bool]:
    """``(parsed, True)`` if ``text`` is JSON of the ``expected`` type, else
    ``(default, False)``."""
    if text is None:
        return default, False
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return default, False
    return (value, True) if isinstance(value, expected) else (default, False)


def _unreadable(run_id: str) -> str:
    return f"the configuration of run {run_id} cannot be read; delete this run"


def record_from_row(row: Mapping[Any, Any]) -> RunRecord:
    """A RunRecord from a ``runs`` row (``problem`` set if its JSON is unreadable)."""
    ok = True

    def obj(name: str) -> dict[str, Any]:
        nonlocal ok
        value, good = loads_or(row[name], dict, {})
        ok = ok and good
        return dict(value)

    model_cfg, train_cfg, data = obj("model_cfg"), obj("train_cfg"), obj("data")
    request = obj("request")
    tags, good = loads_or(row["tags"], list, [])
    ok = ok and good
    progress: dict[str, Any] | None = None
    if row["progress"] is not None:
        progress, good = loads_or(row["progress"], dict, None)
        ok = ok and good
    return RunRecord(
        id=row["id"],
        created=row["created"],
        name=row["name"] or "",
        status=row["status"],
        model_cfg=model_cfg,
        train_cfg=train_cfg,
        data=data,
        device=row["device"] or "",
        params=row["params"],
        started=row["started"],
        finished=row["finished"],
        error=row["error"],
        tags=[str(t) for t in tags],
        owner=row["owner"] or "",
        heartbeat=row["heartbeat"],
        host=row["host"] or "",
        executor=row["executor"] or "",
        stop_requested=bool(row["stop_requested"]),
        progress=progress,
        request=request,
        problem=None if ok else _unreadable(row["id"]),
    )
