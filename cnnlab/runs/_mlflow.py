"""A stored run exported to MLflow: parameters, per-epoch metrics, the ``.keras`` model.

MLflow is optional (``pip install mlflow-skinny`` is enough): :func:`mlflow_available`
says whether it can be imported, and :func:`export_mlflow` raises ValueError in words
when it cannot. A local folder or ``file:`` URI works offline; MLflow 3 keeps that file
store only on request (``MLFLOW_ALLOW_FILE_STORE``), which this module makes for a
``file:`` URI it is given.
"""

from __future__ import annotations

import importlib.util
import math
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

if TYPE_CHECKING:
    from cnnlab.runs._store import RunStore

__all__ = ["export_mlflow", "mlflow_available", "mlflow_params", "tracking_uri_for"]

_MAX_VALUE = 6000  # MLflow's longest parameter value
_BATCH = 100  # MLflow's most parameters in one log_batch
# MLflow's run states for the store's statuses (anything else ended badly).
_STATES = {"finished": "FINISHED", "stopped": "KILLED", "interrupted": "KILLED"}


def mlflow_available() -> bool:
    """Whether ``mlflow`` (or ``mlflow-skinny``) can be imported, without importing it."""
    return importlib.util.find_spec("mlflow") is not None


def tracking_uri_for(uri_or_path: str | os.PathLike[str]) -> str:
    """A tracking URI: a URI as it is, a local folder as its ``file:`` URI.

    >>> tracking_uri_for("/tmp/mlruns")
    'file:///tmp/mlruns'
    >>> tracking_uri_for("http://mlflow.lab:5000")
    'http://mlflow.lab:5000'
    """
    text = os.fspath(uri_or_path)
    scheme = urlparse(text).scheme
    if len(scheme) > 1:  # "C:\\runs" has the one-letter "scheme" c
        return text
    return Path(text).expanduser().resolve().as_uri()


def _flatten(obj: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(obj, Mapping):
        out: dict[str, str] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(obj, list | tuple) and any(isinstance(v, Mapping | list | tuple) for v in obj):
        out = {}
        for i, v in enumerate(obj):
            out.update(_flatten(v, f"{prefix}.{i}"))
        return out
    if isinstance(obj, list | tuple):
        return {prefix: str(list(obj))}
    return {prefix: "" if obj is None else str(obj)}


def mlflow_params(model_cfg: Mapping[str, Any], train_cfg: Mapping[str, Any]) -> dict[str, str]:
    """The run's configuration as MLflow parameters: dotted keys, text values.

    >>> mlflow_params({"name": "m", "blocks": [{"filters": 8}]}, {"epochs": 2})
    {'model.name': 'm', 'model.blocks.0.filters': '8', 'train.epochs': '2'}
    """
    flat = _flatten({"model": dict(model_cfg), "train": dict(train_cfg)})
    return {k: v[:_MAX_VALUE] for k, v in flat.items()}


def export_mlflow(
    store: RunStore,
    run_id: str,
    *,
    tracking_uri: str | None = None,
    experiment: str = "cnnlab",
) -> str:
    """Log one stored run to MLflow; returns the MLflow run id.

    Logs the flattened model and training configuration as parameters, every per-epoch
    metric of ``store.history(run_id)`` with its epoch as the step (missing or
    non-finite values left out), the saved ``model.keras`` as an artifact under
    ``model/`` (when the run has one), and tags naming the cnnlab run. ``tracking_uri``
    None uses MLflow's own default (``$MLFLOW_TRACKING_URI``); a folder is taken as its
    ``file:`` URI. Each call makes a new MLflow run in ``experiment`` (created if need be).

    Raises ValueError when mlflow is not installed, or for an unknown run.
    """
    try:
        from mlflow.entities import Metric, Param
        from mlflow.tracking import MlflowClient
    except ImportError as exc:
        raise ValueError(
            "MLflow is not installed: install it with `pip install mlflow-skinny` to "
            "export runs to MLflow"
        ) from exc
    rec = store.get(run_id)  # ValueError for an unknown run
    history = store.history(run_id)
    uri = tracking_uri_for(tracking_uri) if tracking_uri is not None else None
    if uri is not None and uri.startswith("file:"):
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3: opt in
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    exp_id = exp.experiment_id if exp is not None else client.create_experiment(experiment)
    started = rec.started if rec.started is not None else rec.created
    tags = {"cnnlab.run_id": rec.id, "cnnlab.status": rec.status, "cnnlab.device": rec.device}
    tags.update({f"cnnlab.tag.{tag}": "1" for tag in rec.tags})
    run = client.create_run(
        exp_id, start_time=int(started * 1000), tags=tags, run_name=rec.name or rec.id
    )
    mid = run.info.run_id
    try:
        params = [Param(k, v) for k, v in mlflow_params(rec.model_cfg, rec.train_cfg).items()]
        if rec.params is not None:
            params.append(Param("params", str(rec.params)))
        now = int(time.time() * 1000)
        metrics = [
            Metric(name, float(v), now, epoch)
            for name, values in history.items()
            for epoch, v in enumerate(values)
            if v is not None and math.isfinite(float(v))
        ]
        for i in range(0, max(len(params), len(metrics)), _BATCH):
            client.log_batch(mid, params=params[i : i + _BATCH], metrics=metrics[i : i + _BATCH])
        path = store.model_path(run_id)
        if path is not None:
            client.log_artifact(mid, str(path), artifact_path="model")
    except Exception:
        client.set_terminated(mid, status="FAILED")
        raise
    if not rec.live:  # a run still training stays RUNNING there, as it is here
        ended = rec.finished if rec.finished is not None else time.time()
        state = _STATES.get(rec.status, "FAILED")
        client.set_terminated(mid, status=state, end_time=int(ended * 1000))
    return mid
