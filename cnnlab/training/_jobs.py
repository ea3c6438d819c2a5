"""Training jobs as pages see them, and the registry that dispatches them.

The run's row is the only source of truth. :class:`JobRegistry` puts a request in the
store as a ``queued`` row; its slot threads (``max_jobs`` of them, ``CNNLAB_MAX_JOBS``)
claim the oldest queued row of the store (a compare-and-set, so with several dashboard
servers on one database each run trains once) and hand it to the executor. A
:class:`Job` is a view of one row: status, live progress, epochs, the saved model.

>>> import tempfile
>>> from cnnlab.runs import RunStore
>>> reg = JobRegistry(RunStore(tempfile.mkdtemp()), max_jobs=1, executor="thread")
>>> reg.max_jobs, reg.jobs()
(1, [])
"""

from __future__ import annotations

import threading
import time
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cnnlab.runs import DONE_STATUSES, RunRecord, RunStore
from cnnlab.training._config import TrainConfig
from cnnlab.training._executors import Executor, make_executor
from cnnlab.training._record import host_name
from cnnlab.training._request import RunRequest

if TYPE_CHECKING:
    import keras

    from cnnlab._progress import Progress
    from cnnlab.data import Dataset, DatasetSpec
    from cnnlab.model import ModelConfig

__all__ = ["Job", "JobRegistry", "JobResult", "default_max_jobs"]


def default_max_jobs() -> int:
    """``$CNNLAB_MAX_JOBS``, else one per GPU found, else one (the CPU)."""
    import os

    from cnnlab.backend import compute_info

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


class JobResult:
    """A finished run's numbers and model, read from the store when asked."""

    def __init__(self, store: RunStore, rec: RunRecord) -> None:
        self.store, self.run_id = store, rec.id
        self.status, self.device, self.error = rec.status, rec.device, rec.error
        self.seconds = rec.seconds or 0.0
        self.images_per_second = float((rec.progress or {}).get("images_per_second") or 0.0)

    @cached_property
    def history(self) -> dict[str, list[Any]]:
        return self.store.history(self.run_id)

    @cached_property
    def model(self) -> keras.Model | None:
        """The saved Keras model, or None when the run saved none (diverged)."""
        try:
            return self.store.load_model(self.run_id)
        except ValueError:
            return None


class Job:
    """One run as pages see it: a view of its row, re-read at most every ``ttl`` s."""

    def __init__(self, store: RunStore, rec: RunRecord, *, ttl: float = 0.2) -> None:
        self.store, self.id, self._rec, self._read, self.ttl = store, rec.id, rec, 0.0, ttl
        self._read = time.monotonic()
        self._result: JobResult | None = None

    def __repr__(self) -> str:
        return f"Job({self.id!r}, {self.status!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Job) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def record(self) -> RunRecord:
        if time.monotonic() - self._read > self.ttl:
            self._rec, self._read = self.store.get(self.id), time.monotonic()
        return self._rec

    # -- what it is --------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return self.id

    @cached_property
    def request(self) -> RunRequest:
        return RunRequest.from_dict(self._rec.request)

    @property
    def model_cfg(self) -> ModelConfig:
        return self.request.model

    @property
    def train_cfg(self) -> TrainConfig:
        return self.request.train

    @property
    def spec(self) -> DatasetSpec:
        return self.request.data

    @property
    def label(self) -> str:
        return self._rec.name

    @property
    def owner(self) -> str:
        return self._rec.owner

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self._rec.tags)

    @property
    def class_names(self) -> list[str]:
        return list(self._rec.data.get("class_names", []))

    @property
    def created(self) -> float:
        return self._rec.created

    @cached_property
    def _data(self) -> tuple[Dataset, Dataset]:
        return self.request.load()

    @property
    def train_data(self) -> Dataset:
        return self._data[0]

    @property
    def val_data(self) -> Dataset:
        return self._data[1]

    # -- how it goes -------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self.record.status

    @property
    def error(self) -> str | None:
        return self.record.error

    @property
    def device(self) -> str:
        return self.record.device

    @property
    def done(self) -> bool:
        return self.status in DONE_STATUSES

    @property
    def latest(self) -> dict[str, float] | None:
        """The newest per-batch progress, or None before the first batch."""
        rec = self.record
        return None if rec.status == "queued" or not rec.progress else rec.progress

    @property
    def finishing(self) -> bool:
        """Running, past its last batch: evaluating and saving, nothing left to stop."""
        last = self.latest  # "step" counts batches over all epochs, up to "steps"
        return (
            self.status == "running"
            and last is not None
            and "step" in last
            and last["step"] >= last["steps"]
        )

    @property
    def batches(self) -> list[dict[str, Any]]:
        """Per-batch progress points so far (from the row's steps)."""
        return self.store.steps(self.id)

    @property
    def epochs(self) -> list[dict[str, Any]]:
        """Per-epoch metrics so far: one dict per epoch with its ``epoch`` number."""
        hist = self.store.history(self.id)
        n = max((len(v) for v in hist.values()), default=0)
        return [{"epoch": i, **{k: v[i] for k, v in hist.items()}} for i in range(n)]

    def history(self) -> dict[str, list[Any]]:
        """Per-epoch metrics so far, Keras-style: name → list over epochs."""
        return self.store.history(self.id)

    @property
    def result(self) -> JobResult | None:
        """Numbers and model of a run that has ended, else None."""
        if not self.done:
            return None
        if self._result is None:
            self._result = JobResult(self.store, self.record)
        return self._result


class JobRegistry:
    """This server's training slots over a shared store, and views of the store's runs.

    ``executor``: ``"local"`` (worker processes, the default with ``$CNNLAB_EXECUTOR``
    unset), ``"ray"`` or ``"thread"`` (in this process); ``isolation="process"`` /
    ``"thread"`` are the older names of local and thread.
    """

    def __init__(
        self,
        store: RunStore,
        *,
        max_jobs: int | None = None,
        executor: str | Executor | None = None,
        isolation: str | None = None,
        poll: float = 0.5,
    ) -> None:
        self.store = store
        self.max_jobs = default_max_jobs() if max_jobs is None else int(max_jobs)
        if self.max_jobs < 0:
            raise ValueError(f"max_jobs must be at least 1, got {max_jobs!r}")
        if executor is None and isolation is not None:
            if isolation not in ("process", "thread"):
                raise ValueError(f"isolation must be 'process' or 'thread', got {isolation!r}")
            executor = "local" if isolation == "process" else "thread"
        self.executor = (
            executor if executor is not None and not isinstance(executor, str)
            else make_executor(executor, store)
        )  # fmt: skip
        self.poll = poll
        self._cv = threading.Condition()
        self._slots: list[threading.Thread] = []
        self._runners: list[Any] = []
        self._busy = 0
        self._closed = False
        self._warm_thread: threading.Thread | None = None  # starts the first worker
        self._mine: list[str] = []  # runs submitted here, newest last

    # -- slots -------------------------------------------------------------------------
    def _start_slots(self) -> None:
        with self._cv:
            if self._closed:
                return
            while len(self._slots) < self.max_jobs:
                i = len(self._slots)
                runner = self.executor.runner(i)
                thread = threading.Thread(
                    target=self._slot, args=(i, runner), name=f"train-slot-{i}", daemon=True
                )
                self._slots.append(thread)
                self._runners.append(runner)
                thread.start()
            self._cv.notify_all()

    def _claim(self) -> str | None:
        for rec in self.store.queued():
            if self.store.claim(rec.id, host=host_name(), executor=self.executor.name):
                return rec.id
        return None

    def _slot(self, i: int, runner: Any) -> None:
        while not self._closed:
            run_id = None
            if i < self.max_jobs:  # a lowered max_jobs parks the slots above it
                try:
                    run_id = self._claim()
                except Exception:  # noqa: BLE001 - a busy database: try again shortly
                    run_id = None
            if run_id is None:
                runner.reap()
                with self._cv:
                    self._cv.wait(self.poll)
                continue
            with self._cv:
                self._busy += 1
            try:
                runner.run(run_id)
            finally:
                with self._cv:
                    self._busy -= 1
                    self._cv.notify_all()
        runner.close()

    def warm(self, delay: float = 0.0) -> None:
        """Start the slots, and one worker process (Keras loads there) for the first run,
        ``delay`` seconds from now: a page that asks for it is drawn first (the worker's
        start shares the server's CPUs with that page's browser). A run submitted
        meanwhile starts its worker at once."""
        self._start_slots()
        with self._cv:
            warming = self._warm_thread is not None and self._warm_thread.is_alive()
            if warming or not self._runners or not hasattr(self._runners[0], "warm"):
                return
            self._warm_thread = threading.Thread(
                target=self._warm_first, args=(delay,), name="train-warm", daemon=True
            )
            self._warm_thread.start()

    def _warm_first(self, delay: float) -> None:
        with self._cv:
            self._cv.wait_for(lambda: self._closed, timeout=delay)
            if self._closed:
                return
        self._runners[0].warm()

    def close(self) -> None:
        """End the slots: idle workers now, busy ones when their run has ended."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    def shutdown(self, timeout: float = 60.0) -> None:
        """Stop this registry's runs, wait up to ``timeout`` s for them, then end every
        worker (for tests and scripts that must leave no process behind)."""
        if self._closed:  # already shut down (its database may be gone by now)
            return
        for job in self.jobs():
            if job.id in self._mine and not job.done:
                self.stop(job.id)
        deadline = time.monotonic() + timeout
        for job in self.jobs():
            if job.id in self._mine:
                self.wait(job, max(0.0, deadline - time.monotonic()))
        self.close()
        for thread in [*self._slots, *filter(None, [self._warm_thread])]:
            thread.join(max(0.1, deadline - time.monotonic()))

    # -- submitting --------------------------------------------------------------------
    def submit(
        self, request: RunRequest, *, owner: str = "", progress: Progress | None = None
    ) -> Job:
        """Put a run in the store as ``queued`` and return its job at once; a free slot
        (on this server or another one sharing the store) trains it.

        Raises ValueError before queueing when the data cannot load or the design cannot
        take it.
        """
        from cnnlab.training._run import queue_run

        run_id = queue_run(
            self.store, request, owner=owner, executor=self.executor.name, progress=progress
        )
        self._mine.append(run_id)
        self._start_slots()
        return Job(self.store, self.store.get(run_id))

    def resume(self, run_id: str) -> Job:
        """Queue an interrupted run again; it continues from its last checkpoint."""
        if not self.store.requeue(run_id):
            raise ValueError(f"run {run_id} cannot be resumed (only interrupted runs can)")
        self._mine.append(run_id)
        self._start_slots()
        return Job(self.store, self.store.get(run_id))

    # -- reading -----------------------------------------------------------------------
    def get(self, job_id: str | None) -> Job | None:
        """The job of run ``job_id`` (any server's), or None."""
        if not job_id or not isinstance(job_id, str):
            return None
        try:
            return Job(self.store, self.store.get(job_id))
        except ValueError:
            return None

    def jobs(self, owner: str | None = None) -> list[Job]:
        """Live runs of the store and runs submitted here (or one owner's), newest first."""
        recs = [r for r in self.store.list_runs() if r.live or r.id in self._mine]
        if any(r.status == "queued" for r in recs) and not self._closed:
            self._start_slots()  # queued runs (another server's, say) need a slot
        return [Job(self.store, r) for r in recs if owner is None or r.owner == owner]

    def queue_position(self, job: Job) -> int | None:
        """1 for the next run to start (over every server), None when it is not waiting."""
        ids = [r.id for r in self.store.queued()]
        return ids.index(job.id) + 1 if job.id in ids else None

    @property
    def running(self) -> int:
        """Runs training now, on any server sharing the store."""
        return sum(r.status == "running" for r in self.store.list_runs())

    def stop(self, job_id: str) -> None:
        """Stop a run: at once if queued, within a fraction of a second if training."""
        try:
            self.store.request_stop(job_id)
        except ValueError:
            return
        with self._cv:
            self._cv.notify_all()

    def wait(self, job: Job, timeout: float | None = None) -> bool:
        """Block until the run has ended (for tests and the command line)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.store.get(job.id).done:
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.05)
