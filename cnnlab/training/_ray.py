"""Training on a Ray cluster: each run is a detached Ray actor that asks for one GPU (or,
on a CPU-only cluster, one CPU) and writes the run's row itself.

``CNNLAB_EXECUTOR=ray`` picks this executor; Ray's own ``RAY_ADDRESS`` says which cluster
(unset: a local Ray instance is started). The actor is *detached*, so when the dashboard
server that sent it stops, the run trains on to the end; then the actor exits. Every node
needs ``cnnlab`` installed and must reach the database (``CNNLAB_DB_URL``) and the
artifact folder (``CNNLAB_HOME``, a shared mount).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

import ray

from cnnlab.training._executors import DIED

if TYPE_CHECKING:
    from cnnlab.runs import RunStore

__all__ = ["RayExecutor"]

_INIT = threading.Lock()
_ENV = {"TF_FORCE_GPU_ALLOW_GROWTH": "true", "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}


@ray.remote(max_restarts=0, max_task_retries=0)
class _Trainer:
    """One run on one Ray worker process."""

    def train(self, db_url: str, home: str, run_id: str) -> str:
        from cnnlab.runs import RunStore
        from cnnlab.training._run import run_stored

        store = RunStore(home, url=db_url, patience=600)
        run_stored(store, run_id)
        # A detached actor outlives the server that sent it; once its run is over it ends
        # itself (the sender, if still there, kills it sooner).
        threading.Timer(30.0, os._exit, (0,)).start()
        return store.get(run_id).status


def _connect() -> None:
    with _INIT:
        if not ray.is_initialized():
            ray.init(
                address=os.environ.get("RAY_ADDRESS") or None,
                namespace="cnnlab",
                include_dashboard=False,
                log_to_driver=False,
                ignore_reinit_error=True,
            )


def _resources() -> dict[str, Any]:
    """One GPU per run when the cluster has any, else one CPU."""
    if ray.cluster_resources().get("GPU", 0) >= 1:
        return {"num_gpus": 1, "num_cpus": 1}
    return {"num_cpus": 1}


class _RayRunner:
    def __init__(self, store: RunStore) -> None:
        self.store = store

    def run(self, run_id: str) -> None:
        from cnnlab.training._fit import readable

        try:
            _connect()
            actor = _Trainer.options(  # type: ignore[attr-defined]
                name=f"cnnlab-{run_id}",
                lifetime="detached",
                runtime_env={"env_vars": _ENV},
                **_resources(),
            ).remote()
            try:
                ray.get(actor.train.remote(self.store.url, str(self.store.home), run_id))
            finally:
                ray.kill(actor)
        except ray.exceptions.RayActorError:
            self.store.finish(run_id, "failed", error=DIED)
        except Exception as exc:  # noqa: BLE001 - the row says why, in words
            self.store.finish(run_id, "failed", error=readable(exc))

    def reap(self) -> None:
        pass

    def close(self) -> None:
        pass


class RayExecutor:
    """Runs as Ray actors on the cluster at ``RAY_ADDRESS`` (a local instance if unset)."""

    name = "ray"

    def __init__(self, store: RunStore) -> None:
        self.store = store

    def runner(self, slot: int) -> _RayRunner:
        return _RayRunner(self.store)
