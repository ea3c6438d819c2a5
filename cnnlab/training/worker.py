"""A local training worker process: Keras warm, lower CPU priority, run ids over a socket.

The local executor keeps one worker per training slot. Training in its own process keeps
the web server responsive for a whole class: the worker runs at a lower priority
(``CNNLAB_TRAIN_NICE``, default 10), and if it dies (out of memory) the server does not.
It is started in its own session and writes everything about a run into the run's row,
so when the server stops (SIGTERM, SIGKILL) the run it is training goes on to the end;
then the worker, finding no server to serve, exits.

Messages (pickled over a ``multiprocessing.connection``):
parent → worker: ``("train", run_id)``, ``("quit",)``;
worker → parent: ``("ready", device)``, ``("done", run_id)``.

    python -m cnnlab.training.worker   # started by WorkerHandle, not by hand
"""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import subprocess
import sys
import threading
from collections.abc import Mapping
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path

__all__ = ["WorkerHandle", "serve", "worker_env"]

_ADDRESS, _KEY = "CNNLAB_WORKER_ADDRESS", "CNNLAB_WORKER_KEY"


def worker_env(
    base: Mapping[str, str], *, home: str | Path, db_url: str, slot: int, gpus: int
) -> dict[str, str]:
    """The environment of the worker for training slot ``slot`` on a host with ``gpus``.

    With GPUs each slot sees one of its own (round robin), with memory growth on, so that
    ``CNNLAB_MAX_JOBS`` workers do not fight over one GPU's memory.

    >>> env = worker_env({}, home="/h", db_url="sqlite:////h/runs.sqlite", slot=3, gpus=2)
    >>> env["CUDA_VISIBLE_DEVICES"], env["TF_FORCE_GPU_ALLOW_GROWTH"]
    ('1', 'true')
    """
    env = dict(base)
    env["CNNLAB_HOME"] = str(home)
    env["CNNLAB_DB_URL"] = db_url
    if gpus > 0 and "CUDA_VISIBLE_DEVICES" not in base:
        env["CUDA_VISIBLE_DEVICES"] = str(slot % gpus)
    env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")  # TensorFlow: grow, don't grab
    env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # JAX: the same
    return env


class WorkerHandle:
    """The parent's side of one worker process."""

    def __init__(self, env: Mapping[str, str], *, timeout: float = 120.0) -> None:
        key = secrets.token_bytes(16)
        listener = Listener(family="AF_UNIX", authkey=key)
        env = {**env, _ADDRESS: str(listener.address), _KEY: key.hex()}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cnnlab.training.worker"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C or SIGTERM to the server's group spares it
        )
        accepted: list[Connection] = []
        thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
        thread.start()
        thread.join(timeout)
        listener.close()
        if not accepted:
            self.proc.kill()
            raise RuntimeError("the training worker did not start")
        self.conn = accepted[0]
        kind, self.device = self.conn.recv()
        if kind != "ready":
            raise RuntimeError(f"unexpected first message from the worker: {kind!r}")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def train(self, run_id: str, *, poll: float = 0.2) -> bool:
        """Have the worker train ``run_id``; block until it says done (True) or dies
        (False)."""
        try:
            self.conn.send(("train", run_id))
            while True:
                if self.conn.poll(poll):
                    kind, _ = self.conn.recv()
                    if kind == "done":
                        return True
                elif not self.alive:
                    return False
        except (EOFError, OSError):
            return False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(("quit",))
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def serve() -> None:
    """The worker's loop (runs in the child process)."""
    with contextlib.suppress(OSError, ValueError):
        os.nice(int(os.environ.get("CNNLAB_TRAIN_NICE", "10")))
    conn = Client(os.environ[_ADDRESS], authkey=bytes.fromhex(os.environ[_KEY]))
    import keras

    from cnnlab.runs import TRAINER_PATIENCE, RunStore
    from cnnlab.training._fit import device_name
    from cnnlab.training._run import run_stored

    requests: queue.Queue[str | None] = queue.Queue()

    def read() -> None:  # a thread: run ids queue up; the server gone means "no more"
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                requests.put(None)
                return
            requests.put(msg[1] if msg[0] == "train" else None)
            if msg[0] != "train":
                return

    threading.Thread(target=read, daemon=True).start()
    conn.send(("ready", device_name()))
    # A worker waits out a locked or unreachable database for minutes: a run is never lost
    # to a lock that a page would give up on.
    store = RunStore(
        os.environ["CNNLAB_HOME"], url=os.environ["CNNLAB_DB_URL"], patience=TRAINER_PATIENCE
    )
    while (run_id := requests.get()) is not None:
        run_stored(store, run_id)
        keras.backend.clear_session()
        with contextlib.suppress(OSError):
            conn.send(("done", run_id))


if __name__ == "__main__":
    serve()
