"""The training path, one package: a run request goes into the store, a slot claims it,
an executor trains it, and the trainer writes the run's row itself.

Public API:

- :class:`RunRequest` — model, data spec, training settings, name, tags; ``from_dict``
  reads the command line's config (JSON Schema: :data:`SCHEMA_PATH`).
- :class:`TrainConfig`, :func:`train` (synchronous, for notebooks), :class:`TrainResult`,
  :class:`TrainingFailed`, :func:`run_stored` (train a stored run from its row).
- :class:`JobRegistry` and :class:`Job` — the dashboard's slots and its views of runs.
- Executors: :class:`LocalExecutor` (worker processes), :class:`ThreadExecutor`, and
  ``RayExecutor`` (``cnnlab.training._ray``, imported only when Ray is asked for).
- :class:`TensorBoardWriter` / :func:`tensorboard_writer` — the run's TensorBoard events
  (``run_dir(run_id)/tensorboard/``), written by ``train`` with a store.

``cnnlab.train.train`` and ``cnnlab.train.TrainConfig`` keep working.
"""

from cnnlab.training._config import MAX_BATCH, MAX_EPOCHS, OPTIMIZERS, TrainConfig
from cnnlab.training._executors import (
    DIED,
    EXECUTORS,
    Executor,
    LocalExecutor,
    ThreadExecutor,
    make_executor,
)
from cnnlab.training._fit import (
    DIVERGED_ADVICE,
    Listener,
    TrainingFailed,
    TrainResult,
    data_description,
    device_name,
    first_conv_kernel,
    readable,
    train,
)
from cnnlab.training._jobs import Job, JobRegistry, JobResult, default_max_jobs
from cnnlab.training._request import SCHEMA_PATH, RunRequest, resolve_model, schema
from cnnlab.training._run import queue_run, run_stored
from cnnlab.training._tensorboard import (
    TENSORBOARD_DIR,
    TensorBoardWriter,
    filters_png,
    tensorboard_writer,
)

__all__ = [
    "DIED",
    "DIVERGED_ADVICE",
    "EXECUTORS",
    "Executor",
    "Job",
    "JobRegistry",
    "JobResult",
    "Listener",
    "LocalExecutor",
    "MAX_BATCH",
    "MAX_EPOCHS",
    "OPTIMIZERS",
    "RunRequest",
    "SCHEMA_PATH",
    "TENSORBOARD_DIR",
    "TensorBoardWriter",
    "ThreadExecutor",
    "TrainConfig",
    "TrainResult",
    "TrainingFailed",
    "data_description",
    "filters_png",
    "tensorboard_writer",
    "default_max_jobs",
    "device_name",
    "first_conv_kernel",
    "make_executor",
    "queue_run",
    "readable",
    "resolve_model",
    "run_stored",
    "schema",
    "train",
]
