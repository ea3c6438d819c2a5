"""Training on a Ray cluster: each run is a detached Ray actor that asks for one GPU (or,
on a CPU-only cluster, one CPU) and writes the run's row itself.

``CNNLAB_EXECUTOR=ray`` picks this executor; Ray's own ``RAY_ADDRESS`` says which cluster
(unset: a local Ray instance is started, which lives only as long as this server). The
actor is *detached*, so on a cluster when the dashboard server that sent it stops, the run
trains on to the end; then the actor exits. Every node needs ``cnnlab`` installed and must
reach the database (``CNNLAB_DB_URL``) and the artifact folder (``CNNLAB_HOME``, a shared
mount). Actors are named ``cnnlab-<run id>`` in the Ray namespace ``cnnlab``.

Until the actor has taken the row (it may wait for a free GPU, then load Keras), the slot
that sent it keeps the run's lease, so a run waiting for the cluster does not read as
``interrupted``, and a Stop pressed meanwhile ends it at once, untrained.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Any

import ray

from cnnlab.training._executors import DIED
from cnnlab.training._record import host_name

if TYPE_CHECKING:
    from cnnlab.runs import RunStore

__all__ = ["NAMESPACE", "RayExecutor", "actor_name"]

NAMESPACE = "cnnlab"
_INIT = threading.Lock()
_ENV = {"TF_FORCE_GPU_ALLOW_GROWTH": "true", "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}


@ray.remote(max_restarts=0, max_task_retries=0)
class _Trainer:
    """One run on one Ray worker process."""

    def train(self, db_url: str, home: str, run_id: str) -> str:
        from cnnlab.runs import TRAINER_PATIENCE, RunStore
        from cnnlab.training._run import run_stored

        store = RunStore(home, url=db_url, patience=TRAINER_PATIENCE)
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
                namespace=NAMESPACE,
                include_dashboard=False,
                log_to_driver=False,
                ignore_reinit_error=True,
            )


def _resources() -> dict[str, Any]:
    """One GPU per run when the cluster has any, else one CPU."""
    if ray.cluster_resources().get("GPU", 0) >= 1:
        return {"num_gpus": 1, "num_cpus": 1}
    return {"num_cpus": 1}


def actor_name(run_id: str) -> str:
    """The name of the actor training ``run_id`` (in the namespace :data:`NAMESPACE`)."""
    return f"cnnlab-{run_id}"


class _RayRunner:
    def __init__(self, store: RunStore) -> None:
        from cnnlab.runs import TRAINER_PATIENCE, RunStore

        # The row is written here only when the actor cannot: wait out a busy database
        # (a page's store would give up after seconds, and end the slot's thread).
        self.store = RunStore(store.home, url=store.url, patience=TRAINER_PATIENCE)

    def run(self, run_id: str) -> None:
        from cnnlab.training._fit import readable

        try:
            _connect()
            actor = _Trainer.options(  # type: ignore[attr-defined]
                name=actor_name(run_id),
                namespace=NAMESPACE,
                lifetime="detached",
                runtime_env={"env_vars": _ENV},
                **_resources(),
            ).remote()
            try:
                answer = actor.train.remote(self.store.url, str(self.store.home), run_id)
                if not self._stopped_before_training(answer, run_id):
                    ray.get(answer)
            finally:
                ray.kill(actor)
        except Exception as exc:  # noqa: BLE001 - the row says why, in words
            dead = isinstance(exc, ray.exceptions.RayActorError)
            with contextlib.suppress(Exception):  # a run ends once: a no-op if it has
                self.store.finish(run_id, "failed", error=DIED if dead else readable(exc))

    def _stopped_before_training(self, answer: Any, run_id: str) -> bool:
        """Wait for the actor's answer. Until the actor has taken the row (its trainer
        writes its own host there), beat the row's lease, and end the run ``stopped``
        if a Stop comes first; returns whether it did. The actor's death ends the wait."""
        from cnnlab.runs import lease_seconds

        me, taken = host_name(), False
        every = max(0.05, min(2.0, lease_seconds() / 4))
        while not ray.wait([answer], timeout=every)[0]:
            if taken:
                continue
            if self.store.get(run_id).host != me:
                taken = True  # the trainer beats and reads Stop from now on
            elif self.store.beat(run_id):
                self.store.finish(run_id, "stopped")
                return True
        return False

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
