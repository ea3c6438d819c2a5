"""Training jobs that run off the UI thread, in a process-wide registry with a queue.

A job owns one ``cnnlab.train.train`` call in a worker thread. It collects per-batch and
per-epoch progress for the page to poll, can be stopped (within one batch, or before it
starts), and records its run in a RunStore. At most ``max_jobs`` train at once; the rest
wait in a first-in, first-out queue whose positions are shown. The worker never touches
the UI: the dashboard keeps one registry per process (``st.cache_resource``) and reads it.

>>> reg = JobRegistry(max_jobs=1)
>>> reg.max_jobs
1
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.backend import compute_info
from cnnlab.job import Job, RemoteResult
from cnnlab.runs import RunStore

if TYPE_CHECKING:
    from cnnlab.data import Dataset
    from cnnlab.model import ModelConfig
    from cnnlab.train import TrainConfig
    from cnnlab.worker import WorkerHandle

__all__ = ["Job", "JobRegistry", "RemoteResult", "default_max_jobs"]


def default_max_jobs() -> int:
    """``$CNNLAB_MAX_JOBS``, else one per GPU found, else one (the CPU)."""
    env = os.environ.get("CNNLAB_MAX_JOBS", "").strip()
    if env:
        try:
            value = int(env)
        except ValueError as exc:
            raise ValueError(f"CNNLAB_MAX_JOBS must be a positive integer, got {env!r}") from exc
        if value < 1:
            raise ValueError(f"CNNLAB_MAX_JOBS must be a positive integer, got {env!r}")
        return value
    return max(1, len(compute_info().gpus))


_DIED = (
    "The training process stopped unexpectedly (it may have run out of memory). "
    "Lower the batch size or the image size and try again."
)


class JobRegistry:
    """All training jobs of this process, with a cap on how many run at once.

    ``isolation="process"`` (the default with a store) trains in worker processes at a
    lower CPU priority, so pages stay responsive while a class trains; ``"thread"``
    trains inside this process (no store needed, the model stays in memory).
    """

    def __init__(
        self,
        store: RunStore | None = None,
        *,
        max_jobs: int | None = None,
        isolation: str | None = None,
    ) -> None:
        self.store = store  # a cnnlab.runs.RunStore, or None to keep nothing
        self.max_jobs = default_max_jobs() if max_jobs is None else int(max_jobs)
        if self.max_jobs < 1:
            raise ValueError(f"max_jobs must be at least 1, got {max_jobs!r}")
        self.isolation = isolation or ("process" if store is not None else "thread")
        if self.isolation not in ("process", "thread"):
            raise ValueError(f"isolation must be 'process' or 'thread', got {isolation!r}")
        if self.isolation == "process" and store is None:
            raise ValueError("process isolation needs a RunStore (the model travels through it)")
        self._jobs: dict[str, Job] = {}
        self._queue: deque[str] = deque()
        self._running = 0
        self._cv = threading.Condition()
        self._idle: queue.Queue = queue.Queue()  # warm worker processes
        self._workers = 0
        self._workers_lock = threading.Lock()
        self._closed = False  # close(): a worker that is free from now on ends

    def warm(self) -> None:
        """Start one worker process in the background (Keras loads there) if none exists."""
        if self.isolation != "process" or self._closed:
            return
        with self._workers_lock:
            if self._workers:
                return
            self._workers += 1
        threading.Thread(target=self._spawn_into_idle, daemon=True).start()

    def _worker_home(self) -> Path:
        """Where workers find the RunStore (process isolation always has one)."""
        if self.store is None:
            raise ValueError("process isolation needs a RunStore (the model travels through it)")
        return self.store.home

    def _spawn_into_idle(self) -> None:
        from cnnlab.worker import WorkerHandle

        try:
            worker = WorkerHandle(self._worker_home())
        except Exception:  # noqa: BLE001 - a failed warm-up is retried by the next job
            with self._workers_lock:
                self._workers -= 1
            return
        self._give_back(worker)  # closed meanwhile: it ends at once

    def _take_worker(self, stop: threading.Event) -> WorkerHandle | None:
        """An idle worker, a new one while fewer than ``max_jobs`` exist, else the next one
        given back; None when ``stop`` is set while waiting."""
        from cnnlab.worker import WorkerHandle

        while True:
            with self._workers_lock:
                spawn = self._idle.empty() and self._workers < self.max_jobs
                if spawn:
                    self._workers += 1
            if spawn:
                try:
                    return WorkerHandle(self._worker_home())
                except Exception:
                    with self._workers_lock:
                        self._workers -= 1
                    raise
            try:  # wait in short steps: a worker may end (close) instead of coming back
                return self._idle.get(timeout=0.1)
            except queue.Empty:
                if stop.is_set():
                    return None

    def _give_back(self, worker: WorkerHandle | None) -> None:
        if worker is not None and worker.alive and not self._closed:
            self._idle.put(worker)
            return
        if worker is not None:
            worker.close()  # closed registry (or a dead process: reaped)
        with self._workers_lock:
            self._workers -= 1

    def close(self) -> None:
        """End every worker process: idle ones now, busy or still-starting ones as soon as
        they are free (running jobs finish first and are recorded). A job submitted later
        starts its own worker, which ends when the job does."""
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            worker.close()
            with self._workers_lock:
                self._workers -= 1

    def shutdown(self, timeout: float = 60.0) -> None:
        """Stop every job (queued ones at once, running ones within one batch), wait up to
        ``timeout`` seconds for them to end, then :meth:`close`. For tests and scripts that
        must leave no worker process behind."""
        for job in self.jobs():
            self.stop(job.id)
        deadline = time.monotonic() + timeout
        for job in self.jobs():
            self.wait(job, max(0.0, deadline - time.monotonic()))
        self.close()

    # -- submitting --------------------------------------------------------------------

    def submit(
        self,
        model_cfg: ModelConfig,
        train_data: Dataset,
        val_data: Dataset,
        train_cfg: TrainConfig,
        *,
        owner: str = "",
        label: str = "",
        tags: tuple[str, ...] = (),
    ) -> Job:
        """Queue a training job and return it at once; it starts when a slot is free.

        Raises ValueError (before queueing) for an impossible model for this data.
        """
        from cnnlab.model import layer_table

        cfg = model_cfg.with_data(
            input_shape=train_data.image_shape, num_classes=len(train_data.class_names)
        )
        layer_table(cfg)  # an impossible design is refused here, with the layer named
        job = Job(
            id=uuid.uuid4().hex[:12],
            owner=owner,
            label=label,
            model_cfg=model_cfg,
            train_data=train_data,
            val_data=val_data,
            train_cfg=train_cfg,
            tags=tuple(tags),
        )
        if self.store is not None:
            job.run_id = self.store.create(
                model_cfg=cfg.to_dict(),
                train_cfg=train_cfg.to_dict(),
                data={
                    "source": train_data.source,
                    "spec": train_data.spec.to_dict() if train_data.spec else {},
                    "image_shape": list(train_data.image_shape),
                    "class_names": list(train_data.class_names),
                    "n_train": len(train_data),
                    "n_val": len(val_data),
                },
                name=label,
                status="queued",
                tags=tags,
            )
        with self._cv:
            self._jobs[job.id] = job
            self._queue.append(job.id)
        threading.Thread(
            target=self._work, args=(job,), name=f"train-{job.id}", daemon=True
        ).start()
        return job

    # -- reading -----------------------------------------------------------------------

    def get(self, job_id: str | None) -> Job | None:
        return self._jobs.get(job_id) if job_id else None

    def jobs(self, owner: str | None = None) -> list[Job]:
        """All jobs (or one owner's), newest first."""
        out = [j for j in self._jobs.values() if owner is None or j.owner == owner]
        return sorted(out, key=lambda j: j.created, reverse=True)

    def queue_position(self, job: Job) -> int | None:
        """1 for the next job to start, None when the job is not waiting."""
        with self._cv:
            try:
                return self._queue.index(job.id) + 1
            except ValueError:
                return None

    @property
    def running(self) -> int:
        return self._running

    def stop(self, job_id: str) -> None:
        """Ask a job to stop: within one batch if running, at once if still queued."""
        job = self._jobs.get(job_id)
        if job is None:
            return
        job.stop_event.set()
        with self._cv:
            if job.id in self._queue:
                self._queue.remove(job.id)
                self._finish_unstarted(job, "stopped", None)
            self._cv.notify_all()

    def wait(self, job: Job, timeout: float | None = None) -> bool:
        """Block until the job is done (for tests and the command line)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not job.done:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    # -- the worker --------------------------------------------------------------------

    def _finish_unstarted(self, job: Job, status: str, error: str | None) -> None:
        job.error, job.finished = error, time.time()
        if self.store is not None and job.run_id is not None:
            self.store.update(job.run_id, status=status, error=error, finished=job.finished)
        job.status = status  # after the store, as in _run_in_worker

    def _work(self, job: Job) -> None:
        with self._cv:
            while job.id in self._queue and not (
                self._queue[0] == job.id and self._running < self.max_jobs
            ):
                self._cv.wait()
            if job.id not in self._queue:  # stopped while queued
                return
            self._queue.popleft()
            self._running += 1
            self._cv.notify_all()  # the next in line may fit in a free slot too
        try:
            self._run(job)
        finally:
            with self._cv:
                self._running -= 1
                self._cv.notify_all()

    def _run(self, job: Job) -> None:
        job.status, job.started = "running", time.time()
        try:
            if self.isolation == "process":
                self._run_in_worker(job)
            else:
                self._run_in_thread(job)
        finally:
            job.finished = time.time()

    def _run_in_thread(self, job: Job) -> None:
        from cnnlab.train import TrainingFailed, device_name, readable, train

        job.device = device_name()
        try:
            result = train(
                job.model_cfg,
                job.train_data,
                job.val_data,
                job.train_cfg,
                store=self.store,
                listener=job,
                stop=job.stop_event,
                run_id=job.run_id,
                name=job.label,
                tags=job.tags,
            )
        except TrainingFailed as exc:
            job.error, job.status = str(exc), "failed"
        except Exception as exc:  # noqa: BLE001 - a worker never dies with a traceback
            job.error = readable(exc)
            self._mark_failed(job)  # the store first: a waiter that sees "failed" reads it
            job.status = "failed"
        else:
            job.result, job.device = result, result.device
            job.error, job.status = result.error, result.status

    def _mark_failed(self, job: Job) -> None:
        if self.store is not None and job.run_id is not None:
            self.store.update(job.run_id, status="failed", error=job.error, finished=time.time())

    def _run_in_worker(self, job: Job) -> None:
        from cnnlab.train import readable

        try:
            worker = self._take_worker(job.stop_event)
        except Exception as exc:  # noqa: BLE001
            job.error = readable(exc)
            self._mark_failed(job)  # the store first, as above
            job.status = "failed"
            return
        if worker is None or job.stop_event.is_set():  # stopped before it could start
            if worker is not None:
                self._give_back(worker)
            self._finish_unstarted(job, "stopped", None)
            return
        job.device, job.worker_pid = worker.device, worker.proc.pid
        stop_sent = False
        try:
            worker.conn.send(
                (
                    "train",
                    {
                        "model_cfg": job.model_cfg.to_dict(),
                        "train_data": job.train_data,
                        "val_data": job.val_data,
                        "train_cfg": job.train_cfg.to_dict(),
                        "run_id": job.run_id,
                        "name": job.label,
                        "tags": list(job.tags),
                    },
                )
            )
            while True:
                if job.stop_event.is_set() and not stop_sent:
                    worker.conn.send(("stop",))
                    stop_sent = True
                if not worker.conn.poll(0.1):
                    if not worker.alive:
                        raise EOFError
                    continue
                kind, payload = worker.conn.recv()
                if kind == "batch":
                    job.on_batch(payload)
                elif kind == "epoch":
                    job.on_epoch(payload)
                elif kind == "done":
                    job.result = RemoteResult(run_id=job.run_id, store=self.store, **payload)
                    job.device, job.error, job.status = (
                        payload["device"], payload["error"], payload["status"]
                    )  # fmt: skip
                    return
                else:  # "failed": the worker already marked the run
                    job.error, job.status = payload, "failed"
                    return
        except (EOFError, OSError):
            job.error = _DIED
            self._mark_failed(job)  # the store first, as above
            job.status = "failed"
            worker.proc.kill()
        finally:
            self._give_back(worker)
