"""A training worker process: Keras warm, lower CPU priority, jobs over a socket.

The dashboard's job registry keeps one worker per training slot. Training in its own
process keeps the web server responsive for a whole class: the worker runs at a lower
priority (``CNNLAB_TRAIN_NICE``, default 10), holds no lock the pages need, and if it
dies (out of memory) the server does not. Keras is imported when the worker starts, so
a job's first curve point comes within a couple of seconds of pressing Train.

Messages (pickled over a ``multiprocessing.connection``):
parent → worker: ``("train", request_dict)``, ``("stop",)``, ``("quit",)``;
worker → parent: ``("ready", device)``, ``("batch", info)``, ``("epoch", info)``,
``("done", summary_dict)``, ``("failed", reason)``.

    python -m cnnlab.worker   # started by WorkerHandle, not by hand
"""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import subprocess
import sys
import threading
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

__all__ = ["WorkerHandle", "serve"]

_ADDRESS, _KEY = "CNNLAB_WORKER_ADDRESS", "CNNLAB_WORKER_KEY"


class WorkerHandle:
    """The parent's side of one worker process."""

    def __init__(self, home: str | Path, *, timeout: float = 120.0):
        key = secrets.token_bytes(16)
        listener = Listener(family="AF_UNIX", authkey=key)
        env = {**os.environ, _ADDRESS: listener.address, _KEY: key.hex()}
        env["CNNLAB_HOME"] = str(home)
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cnnlab.worker"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
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

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(("quit",))
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def serve() -> None:
    """The worker's loop (runs in the child process)."""
    with contextlib.suppress(OSError, ValueError):
        os.nice(int(os.environ.get("CNNLAB_TRAIN_NICE", "10")))
    conn = Client(os.environ[_ADDRESS], authkey=bytes.fromhex(os.environ[_KEY]))
    import keras

    from cnnlab.model import ModelConfig
    from cnnlab.runs import RunStore
    from cnnlab.train import TrainConfig, TrainingFailed, device_name, readable, train

    stop = threading.Event()
    requests: queue.Queue = queue.Queue()

    def read() -> None:  # a thread: requests queue up, "stop" acts at once
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                requests.put(None)
                return
            if msg[0] == "stop":
                stop.set()
            elif msg[0] == "quit":
                requests.put(None)
                return
            else:
                requests.put(msg[1])

    threading.Thread(target=read, daemon=True).start()
    conn.send(("ready", device_name()))
    store = RunStore(os.environ["CNNLAB_HOME"])

    class Forward:
        def on_batch(self, info: dict[str, Any]) -> None:
            conn.send(("batch", info))

        def on_epoch(self, info: dict[str, Any]) -> None:
            conn.send(("epoch", info))

    while (req := requests.get()) is not None:
        stop.clear()
        try:
            res = train(
                ModelConfig.from_dict(req["model_cfg"]),
                req["train_data"],
                req["val_data"],
                TrainConfig.from_dict(req["train_cfg"]),
                store=store,
                listener=Forward(),
                stop=stop,
                run_id=req["run_id"],
                name=req["name"],
                tags=tuple(req["tags"]),
            )
        except TrainingFailed as exc:
            conn.send(("failed", str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, never lost
            conn.send(("failed", readable(exc)))
        else:
            conn.send(
                (
                    "done",
                    {
                        "history": res.history,
                        "status": res.status,
                        "seconds": res.seconds,
                        "images_per_second": res.images_per_second,
                        "device": res.device,
                        "error": res.error,
                    },
                )
            )
        keras.backend.clear_session()


if __name__ == "__main__":
    serve()
