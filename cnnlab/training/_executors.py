"""Where a claimed run trains: a local worker process, this process, or a Ray cluster.

An executor hands each training slot a runner; ``runner.run(run_id)`` blocks until that
run has ended, whatever happened: the trainer writes the row itself, and when the trainer
dies without doing so (out of memory, a lost Ray node) the runner marks the row failed
with words. Choose with ``CNNLAB_EXECUTOR`` (``local``, the default; ``ray``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cnnlab.runs import RunStore
    from cnnlab.training.worker import WorkerHandle

__all__ = [
    "DIED",
    "EXECUTORS",
    "Executor",
    "LocalExecutor",
    "Runner",
    "ThreadExecutor",
    "make_executor",
]

EXECUTORS = ("local", "ray", "thread")
DIED = (
    "The training process stopped unexpectedly (it may have run out of memory). "
    "Lower the batch size or the image size and try again."
)


class Runner(Protocol):
    """One training slot's way to train."""

    def run(self, run_id: str) -> None: ...

    def reap(self) -> None: ...

    def close(self) -> None: ...


class Executor(Protocol):
    name: str

    def runner(self, slot: int) -> Runner: ...


def idle_seconds() -> float:
    """``$CNNLAB_WORKER_IDLE_SECONDS`` (default 600): an idle local worker ends after it."""
    raw = os.environ.get("CNNLAB_WORKER_IDLE_SECONDS", "").strip() or "600"
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"CNNLAB_WORKER_IDLE_SECONDS must be seconds, got {raw!r}") from exc
    return max(0.0, value)


class _LocalRunner:
    def __init__(self, executor: LocalExecutor, slot: int) -> None:
        self.ex, self.slot = executor, slot
        self.worker: WorkerHandle | None = None
        self.last_used = time.monotonic()
        self._lock = threading.Lock()  # one worker per slot, however many ask at once
        self._closed = False  # closed: no worker starts any more

    def _worker(self) -> WorkerHandle:
        with self._lock:
            return self._start_worker()

    def _start_worker(self) -> WorkerHandle:
        from cnnlab.training.worker import WorkerHandle, worker_env

        if self._closed:
            raise RuntimeError("this training slot has closed")
        if self.worker is None or not self.worker.alive:
            env = worker_env(
                os.environ,
                home=self.ex.store.home,
                db_url=self.ex.store.url,
                slot=self.slot,
                gpus=self.ex.gpus,
            )
            root = str(Path(__file__).resolve().parents[2])  # a source checkout, not installed
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
            self.worker = WorkerHandle(env)
            self.last_used = time.monotonic()  # idle from now, not from the last run
        return self.worker

    def warm(self) -> None:
        with contextlib.suppress(Exception):  # a failed warm-up is retried by the next run
            self._worker()

    def run(self, run_id: str) -> None:
        try:
            worker = self._worker()
        except Exception as exc:  # noqa: BLE001 - the row says why
            from cnnlab.training._fit import readable

            self.ex.store.finish(run_id, "failed", error=readable(exc))
            return
        if not worker.train(run_id):
            self.ex.store.finish(run_id, "failed", error=DIED)
            worker.proc.kill()
            self.worker = None
        self.last_used = time.monotonic()

    def reap(self) -> None:
        """End the worker when it has been idle longer than the executor allows."""
        if self._lock.locked():  # starting (a warm-up): not idle
            return
        with self._lock:
            if self.worker is not None and time.monotonic() - self.last_used > self.ex.idle:
                self._end_worker()

    def close(self) -> None:
        """End the worker and start no other; a worker being started (a warm-up) is
        ended once it is ready."""
        with self._lock:
            self._closed = True
            self._end_worker()

    def _end_worker(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None


class LocalExecutor:
    """Worker processes on this machine, one per slot, each with its own GPU when any."""

    name = "local"

    def __init__(self, store: RunStore, *, gpus: int | None = None, idle: float | None = None):
        from cnnlab.backend import compute_info

        self.store = store
        self.gpus = len(compute_info().gpus) if gpus is None else gpus
        self.idle = idle_seconds() if idle is None else idle

    def runner(self, slot: int) -> _LocalRunner:
        return _LocalRunner(self, slot)


class _ThreadRunner:
    def __init__(self, store: RunStore) -> None:
        from cnnlab.runs import TRAINER_PATIENCE, RunStore

        # Training waits out a locked or unreachable database (a page would give up).
        self.store = RunStore(store.home, url=store.url, patience=TRAINER_PATIENCE)

    def run(self, run_id: str) -> None:
        from cnnlab.training._run import run_stored

        run_stored(self.store, run_id)

    def reap(self) -> None:
        pass

    def close(self) -> None:
        pass


class ThreadExecutor:
    """Train inside this process (tests, notebooks): no worker to start, no isolation."""

    name = "thread"

    def __init__(self, store: RunStore) -> None:
        self.store = store

    def runner(self, slot: int) -> _ThreadRunner:
        return _ThreadRunner(self.store)


def make_executor(kind: str | None, store: RunStore) -> Executor:
    """The executor named ``kind`` (default ``$CNNLAB_EXECUTOR``, else ``local``)."""
    kind = (kind or os.environ.get("CNNLAB_EXECUTOR", "") or "local").strip().lower()
    if kind == "local":
        return LocalExecutor(store)
    if kind == "thread":
        return ThreadExecutor(store)
    if kind == "ray":
        from cnnlab.training._ray import RayExecutor

        return RayExecutor(store)
    raise ValueError(f"the executor must be one of {EXECUTORS}, got {kind!r}")
