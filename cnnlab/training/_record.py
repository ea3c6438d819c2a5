"""What a training process writes into the run's row while it trains.

The row is the only source of truth: a :class:`Recorder` sends per-batch progress (at
most every ``flush`` seconds, in one write), a heartbeat from its own thread (so a long
compile or validation pass does not look like a dead run), and reads back the row's stop
flag, so a Stop pressed on any server reaches the training within a fraction of a second.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cnnlab.runs import RunStore

__all__ = ["Recorder", "host_name"]


def host_name() -> str:
    """``hostname:pid`` of this process, for people reading who trains a run."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Recorder:
    """Progress and heartbeat of one run, written to its row.

    ``store.beat`` is called with the batches seen since the last write; its answer (the
    row's stop flag) sets ``stop``. Call :meth:`close` when training ends.
    """

    def __init__(
        self,
        store: RunStore,
        run_id: str,
        stop: threading.Event,
        *,
        flush: float = 0.25,
        heartbeat: float = 5.0,
    ) -> None:
        self.store, self.run_id, self.stop = store, run_id, stop
        self.flush = flush
        self._pending: list[dict[str, Any]] = []
        self._last = 0.0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._beat_forever, args=(heartbeat,), name=f"beat-{run_id}", daemon=True
        )
        self._thread.start()

    def on_batch(self, info: dict[str, Any]) -> None:
        """Queue one batch's progress; write when ``flush`` seconds have passed."""
        with self._lock:
            self._pending.append(info)
        if time.monotonic() - self._last >= self.flush:
            self.write()

    def on_epoch(self, info: dict[str, Any]) -> None:
        """Epochs are logged by the trainer itself (``store.log_epoch``)."""

    def write(self) -> None:
        """Send what is pending (with the heartbeat); pick up a Stop."""
        with self._lock:
            steps, self._pending = self._pending, []
        self._last = time.monotonic()
        if self.store.beat(self.run_id, progress=steps[-1] if steps else None, steps=steps):
            self.stop.set()

    def _beat_forever(self, every: float) -> None:
        while not self._closed.wait(every):
            try:
                self.write()
            except Exception:  # noqa: BLE001 - a missed beat is retried; training goes on
                continue

    def close(self) -> None:
        """Stop the heartbeat thread and write the last batches."""
        self._closed.set()
        self._thread.join(timeout=10)
        self.write()
