"""Training runs in a database: configuration, status, per-epoch and per-batch metrics,
and artifacts on disk.

SQLite (``<home>/runs.sqlite``) by default, or any SQLAlchemy URL (PostgreSQL through
psycopg 3) via ``RunStore(url=...)`` or ``$CNNLAB_DB_URL``, so that several servers and
training workers share one store. A run survives restarts. Files (the ``.keras`` model,
first-layer filter snapshots, a resumable checkpoint) live in ``<home>/runs/<run_id>/``
and are written atomically.

A run is alive while its worker keeps beating (``beat``): a queued or running run whose
heartbeat is older than ``LEASE_SECONDS`` (``$CNNLAB_LEASE_SECONDS``) reads as
``interrupted``. A run ends once (``finish`` is a compare-and-set). Locks and lost
connections are waited out for ``patience`` seconds; what cannot be waited out raises
:class:`StoreError` with a sentence saying what to do. :func:`export_mlflow` copies a run
into MLflow (when mlflow is installed).

>>> import tempfile
>>> store = RunStore(tempfile.mkdtemp())
>>> rid = store.create(model_cfg={"preset": "seed_shapes"}, train_cfg={"epochs": 1})
>>> store.log_epoch(rid, 0, {"loss": 0.7, "accuracy": 0.5})
>>> store.history(rid)
{'loss': [0.7], 'accuracy': [0.5]}
>>> store.claim(rid, host="lab-pc:1")
True
>>> store.beat(rid, progress={"batch": 3}, steps=[{"step": 3, "loss": 0.69}])
False
>>> store.finish(rid, "finished"), store.finish(rid, "failed")
(True, False)
>>> store.get(rid).status
'finished'
"""

from cnnlab.runs._errors import StoreError
from cnnlab.runs._mlflow import export_mlflow, mlflow_available, tracking_uri_for
from cnnlab.runs._record import RunRecord
from cnnlab.runs._schema import SCHEMA_VERSION
from cnnlab.runs._status import (
    DEFAULT_LEASE_SECONDS,
    DONE_STATUSES,
    LIVE_STATUSES,
    STATUSES,
    TRAINER_PATIENCE,
    Status,
    lease_seconds,
)
from cnnlab.runs._store import RunStore

# The default lease; the one in force is ``lease_seconds()`` ($CNNLAB_LEASE_SECONDS).
LEASE_SECONDS = DEFAULT_LEASE_SECONDS

__all__ = [
    "STATUSES",
    "LIVE_STATUSES",
    "DONE_STATUSES",
    "LEASE_SECONDS",
    "TRAINER_PATIENCE",
    "SCHEMA_VERSION",
    "Status",
    "RunRecord",
    "RunStore",
    "StoreError",
    "lease_seconds",
    "export_mlflow",
    "mlflow_available",
    "tracking_uri_for",
]
