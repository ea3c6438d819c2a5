"""One training job as the pages see it: its settings, status and progress so far.

A :class:`Job` is written by the thread (or worker process) that trains it and read by
the pages that poll it; :class:`RemoteResult` is what a worker process reports back.
The queue and the workers live in :mod:`cnnlab.jobs`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cnnlab.runs import DONE_STATUSES, RunStore

if TYPE_CHECKING:
    import keras

__all__ = ["Job", "RemoteResult"]


@dataclass
class Job:
    """One training job. Fields are written by the worker and read by pages."""

    id: str  # job id (the page keeps it to re-attach after a reload)
    owner: str  # who submitted it (a browser session), for "your job" vs "others"
    label: str  # for people: model and dataset
    model_cfg: Any = field(repr=False)  # cnnlab.model.ModelConfig
    train_data: Any = field(repr=False)  # cnnlab.data.Dataset
    val_data: Any = field(repr=False)
    train_cfg: Any = field(repr=False)  # cnnlab.train.TrainConfig
    tags: tuple[str, ...] = ()
    status: str = "queued"  # queued | running | finished | stopped | diverged | failed
    run_id: str | None = None
    error: str | None = None  # readable reason for failed / diverged
    device: str = ""
    worker_pid: int | None = None  # the worker process training it (process isolation)
    batches: list[dict[str, float]] = field(default_factory=list)  # per-batch progress
    epochs: list[dict[str, float]] = field(default_factory=list)  # per-epoch metrics
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: Any = field(default=None, repr=False)  # TrainResult once done
    stop_event: threading.Event = field(default_factory=threading.Event, repr=False)

    # Listener protocol for cnnlab.train.train (called from the worker thread).
    def on_batch(self, info: dict[str, float]) -> None:
        self.batches.append(info)

    def on_epoch(self, info: dict[str, float]) -> None:
        self.epochs.append(info)

    @property
    def done(self) -> bool:
        return self.status in DONE_STATUSES

    @property
    def latest(self) -> dict[str, float] | None:
        """The newest per-batch progress, or None before the first batch."""
        return self.batches[-1] if self.batches else None

    @property
    def finishing(self) -> bool:
        """Running, past its last batch: evaluating and saving, nothing left to stop."""
        last = self.latest  # "step" counts batches over all epochs, up to "steps"
        return self.status == "running" and last is not None and last["step"] >= last["steps"]

    def history(self) -> dict[str, list[float]]:
        """Per-epoch metrics so far, Keras-style: name → list over epochs."""
        out: dict[str, list[float]] = {}
        for row in list(self.epochs):
            for k, v in row.items():
                if k != "epoch":
                    out.setdefault(k, []).append(v)
        return out


@dataclass
class RemoteResult:
    """What a worker process reports; the model is read from the RunStore when needed."""

    history: dict[str, list[float]]
    status: str
    seconds: float
    images_per_second: float
    device: str
    error: str | None
    run_id: str | None
    store: RunStore | None = field(repr=False)  # where the worker saved the model

    @cached_property
    def model(self) -> keras.Model | None:
        """The saved Keras model, or None when the run saved none (diverged)."""
        if self.store is None or self.run_id is None:
            return None
        try:
            return self.store.load_model(self.run_id)
        except ValueError:
            return None
