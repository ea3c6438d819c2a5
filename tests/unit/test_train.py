"""Real Keras training on synthetic shapes: accuracy, stop, NaN, failures, the job queue."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from cnnlab.data import make_shapes, split
from cnnlab.model import PRESETS
from cnnlab.runs import RunStore
from cnnlab.train import TrainConfig, TrainingFailed, train
from cnnlab.training import JobRegistry, RunRequest

pytestmark = pytest.mark.keras


TINY = {"source": "shapes", "n": 160, "size": 16, "seed": 1, "split": {"val_fraction": 0.25}}


@pytest.fixture(scope="module")
def tiny():
    return split(make_shapes(160, size=16, seed=1), val_fraction=0.25, seed=0)


def request(epochs: int, batch_size: int, name: str = "", model: str = "seed_shapes"):
    """A run request on the tiny shapes (the data is rebuilt from this spec by the trainer)."""
    return RunRequest.from_dict(
        {"model": model, "data": TINY, "name": name,
         "train": {"epochs": epochs, "batch_size": batch_size}}
    )  # fmt: skip


def test_shapes_preset_learns_and_is_recorded(trained_run):
    """The session's shared run (tests/conftest.py): seed_shapes on 1,200 shapes."""
    res, store, va = trained_run.result, trained_run.store, trained_run.val
    assert res.status == "finished"
    assert max(res.history["val_accuracy"]) >= 0.95, res.history["val_accuracy"]
    assert sorted(res.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    rec = store.get(res.run_id)
    assert rec.status == "finished" and rec.params == 23_762
    assert store.history(res.run_id)["val_accuracy"] == pytest.approx(res.history["val_accuracy"])
    assert len(store.filters(res.run_id)) == 1 + trained_run.epochs  # initial + one per epoch
    loaded = store.load_model(res.run_id)
    probs = loaded.predict(va.x[:8], verbose=0)
    np.testing.assert_allclose(probs, res.model.predict(va.x[:8], verbose=0), atol=1e-5)


@pytest.mark.slow
def test_same_seed_same_run_on_cpu(tiny):
    tr, va = tiny
    cfg = TrainConfig(epochs=2, batch_size=32, seed=3)
    a = train(PRESETS["seed_shapes"], tr, va, cfg).history
    b = train(PRESETS["seed_shapes"], tr, va, cfg).history
    assert a == b


@pytest.mark.slow
def test_stop_within_one_batch(tiny, tmp_path):
    tr, va = tiny
    stop = threading.Event()
    seen = []

    class Listener:
        def on_batch(self, info):
            seen.append(info["step"])
            if info["step"] == 2:
                stop.set()

        def on_epoch(self, info):
            pass

    store = RunStore(tmp_path)
    res = train(
        PRESETS["seed_shapes"], tr, va, TrainConfig(epochs=5, batch_size=8), store=store,
        listener=Listener(), stop=stop,
    )  # fmt: skip
    assert res.status == "stopped"
    assert seen == [1, 2]  # no batch ran after the one that saw the stop
    assert store.get(res.run_id).status == "stopped"
    assert store.model_path(res.run_id) is not None


@pytest.mark.slow
def test_nan_loss_stops_as_diverged_with_advice(tiny, tmp_path):
    tr, va = tiny
    store = RunStore(tmp_path)
    cfg = TrainConfig(epochs=3, optimizer="sgd", learning_rate=1e12, batch_size=16)
    res = train(PRESETS["seed_pets"].with_data(input_shape=(16, 16, 1)), tr, va, cfg, store=store)
    assert res.status == "diverged"
    assert "learning rate" in res.error
    assert store.get(res.run_id).status == "diverged"


@pytest.mark.slow
def test_exception_marks_the_run_failed_with_a_readable_reason(tiny, tmp_path):
    tr, va = tiny

    class Boom:
        def on_batch(self, info):
            raise MemoryError("out of memory while allocating tensor")

        def on_epoch(self, info):
            pass

    store = RunStore(tmp_path)
    with pytest.raises(TrainingFailed, match="ran out of memory"):
        train(PRESETS["seed_shapes"], tr, va, TrainConfig(epochs=1), store=store, listener=Boom())
    (rec,) = store.list_runs()
    assert rec.status == "failed" and "batch size" in rec.error


def test_impossible_architecture_is_a_value_error(tiny):
    tr, va = tiny  # 16×16 images: the notebook's four pools leave 1×1, a fifth is impossible
    pets = PRESETS["seed_pets"]
    too_deep = replace(pets, blocks=pets.blocks + pets.blocks[-2:] + pets.blocks[-2:])
    with pytest.raises(ValueError):
        train(too_deep, tr, va, TrainConfig(epochs=1))


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "thread"])
def test_registry_queues_beyond_max_jobs_and_stops_queued_jobs(tiny, tmp_path, executor):
    _, va = tiny
    reg = JobRegistry(RunStore(tmp_path), max_jobs=1, executor=executor)
    a = reg.submit(request(2, 16, "a"), owner="s1")
    b = reg.submit(request(2, 16, "b"), owner="s2")
    c = reg.submit(request(2, 16, "c"), owner="s2")
    # c waits behind b (and behind a too, on a busy machine where no worker has claimed a
    # yet). Read c first: positions only fall as runs start.
    pos_c, pos_b = reg.queue_position(c), reg.queue_position(b)
    assert pos_c in (2, 3) and pos_b is not None and pos_b < pos_c
    reg.stop(c.id)
    assert reg.store.get(c.id).status == "stopped" and reg.queue_position(c) is None
    assert reg.wait(a, 120) and reg.wait(b, 120)
    assert (a.status, b.status) == ("finished", "finished")
    ra, rb = reg.store.get(a.id), reg.store.get(b.id)
    assert ra.finished <= rb.started  # one at a time
    assert len(a.epochs) == 2 and a.batches[-1]["step"] == a.batches[-1]["steps"]
    statuses = {r.name: r.status for r in reg.store.list_runs()}
    assert statuses == {"a": "finished", "b": "finished", "c": "stopped"}
    assert [j.label for j in reg.jobs(owner="s2")] == ["c", "b"]
    probs = a.result.model.predict(va.x[:4], verbose=0)  # from the store
    assert probs.shape == (4, 2)
    reg.close()


@pytest.mark.slow
def test_worker_process_stops_and_reports_a_dying_worker(tmp_path):
    store = RunStore(tmp_path)
    reg = JobRegistry(store, max_jobs=1, executor="local")
    job = reg.submit(request(50, 8))
    deadline = time.monotonic() + 120
    while len(job.batches) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    reg.stop(job.id)
    assert reg.wait(job, 60) and job.status == "stopped"
    assert len(job.epochs) < 50 and store.get(job.run_id).status == "stopped"
    # a worker killed mid-run (as the kernel's OOM killer would) fails the job, not the server
    doomed = reg.submit(request(50, 8))
    while not doomed.batches and time.monotonic() < deadline + 60:
        time.sleep(0.05)
    pid = int(store.get(doomed.id).host.rsplit(":", 1)[1])  # the worker training it
    os.kill(pid, signal.SIGKILL)
    assert reg.wait(doomed, 60)
    assert doomed.status == "failed" and "unexpectedly" in doomed.error
    after = reg.submit(request(1, 32))
    assert reg.wait(after, 120) and after.status == "finished"  # a fresh worker took over
    reg.close()


@pytest.mark.slow
def test_command_line_trains_into_the_same_store(tmp_path):
    import json
    import subprocess
    import sys

    cfg = {
        "model": "seed_shapes",
        "data": {"source": "shapes", "n": 120, "size": 16},
        "train": {"epochs": 1, "batch_size": 32},
        "name": "from the command line",
    }
    path = tmp_path / "run.json"
    path.write_text(json.dumps(cfg))
    out = subprocess.run(
        [sys.executable, "-m", "cnnlab.train", "--config", str(path), "--home", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    last = json.loads(out.stdout.strip().splitlines()[-1])
    rec = RunStore(tmp_path).get(last["run_id"])
    assert (rec.status, rec.name) == ("finished", "from the command line")
    assert RunStore(tmp_path).model_path(rec.id) is not None


def test_a_job_past_its_last_batch_is_finishing_not_stoppable(tmp_path):
    store = RunStore(tmp_path)
    reg = JobRegistry(store, max_jobs=0, executor="thread")
    job = reg.submit(request(1, 16))
    job.ttl = 0.0
    assert not job.finishing  # queued
    assert store.claim(job.id, host="test")
    store.beat(job.id, progress={"epoch": 1, "step": 9, "steps": 10})
    assert not job.finishing
    store.beat(job.id, progress={"epoch": 1, "step": 10, "steps": 10})
    assert job.finishing
    store.finish(job.id, "finished")
    assert not job.finishing
