"""Train a run that is already in the store, from its row alone.

Local workers, Ray tasks and the command line all call :func:`run_stored`: it reads the
request from the row, rebuilds the data from its spec (through the dataset cache), resumes
from the last checkpoint when the run has one, and trains with the row as the only record.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from cnnlab.training._fit import TrainingFailed, TrainResult, data_description, readable, train
from cnnlab.training._request import RunRequest

if TYPE_CHECKING:
    from cnnlab._progress import Progress
    from cnnlab.runs import RunStore
    from cnnlab.training._fit import Listener

__all__ = ["queue_run", "run_stored"]


def queue_run(
    store: RunStore,
    request: RunRequest,
    *,
    owner: str = "",
    executor: str = "",
    progress: Progress | None = None,
) -> str:
    """Check ``request`` (its data loads, its design fits), put it in the store as a
    ``queued`` row holding the whole request, and return the run id. The dashboard's
    registry and the command line both queue runs through this.

    Raises ValueError, before writing anything, when the data or the design is impossible.
    """
    cfg, params, (tr, va) = request.resolve(progress=progress)
    return store.create(
        model_cfg=cfg.to_dict(),
        train_cfg=request.train.to_dict(),
        data=data_description(tr, va),
        name=request.name,
        params=params,
        status="queued",
        tags=request.tags,
        owner=owner,
        request=request.to_dict(),
        executor=executor,
    )


def run_stored(
    store: RunStore,
    run_id: str,
    *,
    listener: Listener | None = None,
    stop: threading.Event | None = None,
) -> TrainResult | None:
    """Train the stored run ``run_id`` to its end; its row says how it went.

    Returns the TrainResult, or None when the run failed (its row is ``failed`` with a
    readable reason; nothing is raised, so a worker carries on with the next run).
    """
    try:
        rec = store.get(run_id)
        if not rec.request:
            raise ValueError(f"run {run_id} was not started from a run request")
        request = RunRequest.from_dict(rec.request)
        tr, va = request.load()
        resume = None
        found = store.checkpoint(run_id)
        if found is not None and found[0].suffix == ".npz":
            import numpy as np

            with np.load(found[0]) as arrays:
                resume = ({k: arrays[k] for k in arrays.files}, found[1])
        return train(
            request.model,
            tr,
            va,
            request.train,
            store=store,
            run_id=run_id,
            listener=listener,
            stop=stop,
            resume=resume,
        )
    except TrainingFailed:
        return None  # train() already wrote the reason into the row
    except Exception as exc:  # noqa: BLE001 - the row says why; the worker goes on
        with contextlib.suppress(Exception):
            store.finish(run_id, "failed", error=readable(exc))
        return None
