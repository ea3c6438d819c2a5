"""The Ray executor on a real local Ray instance: a run trains in its own detached actor
and writes its row itself; the queue, Stop, and an actor that dies mid-run.

The module starts one local Ray instance (2 CPUs, no dashboard) and shuts it down at the
end. Without Ray the module is skipped, or fails with ``CNNLAB_REQUIRE_RAY=1``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cnnlab.runs import RunStore
from cnnlab.training import DIED, JobRegistry, RunRequest

pytestmark = [pytest.mark.slow, pytest.mark.keras]

TINY = {"source": "shapes", "n": 160, "size": 16, "seed": 1, "split": {"val_fraction": 0.25}}
NAMESPACE = "cnnlab"


def request(epochs: int, batch_size: int = 32, name: str = "") -> RunRequest:
    return RunRequest.from_dict(
        {"model": "seed_shapes", "data": TINY, "name": name,
         "train": {"epochs": epochs, "batch_size": batch_size}}
    )  # fmt: skip


def until(cond: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


def actor_alive(ray: Any, run_id: str) -> bool:
    try:
        ray.get_actor(f"cnnlab-{run_id}", namespace=NAMESPACE)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[Any]:
    try:
        import ray
    except ImportError as exc:
        why = f"Ray is not installed ({exc})"
        if os.environ.get("CNNLAB_REQUIRE_RAY") == "1":
            pytest.fail(why)
        pytest.skip(why)
    ray.init(
        address="local",  # a fresh instance here, whatever RAY_ADDRESS says
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        namespace=NAMESPACE,
    )
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture
def reg(ray_instance, tmp_path) -> JobRegistry:
    return JobRegistry(RunStore(tmp_path), max_jobs=1, executor="ray")


def test_a_ray_run_finishes_and_writes_its_row(reg):
    store = reg.store
    job = reg.submit(request(2, 32, "on ray"), owner="tester")
    assert reg.wait(job, 180), job.record
    rec = store.get(job.id)
    assert rec.status == "finished", (rec.status, rec.error)
    assert rec.executor == "ray" and rec.owner == "tester"
    hist = store.history(job.id)
    assert len(hist["loss"]) == 2 and len(hist["seconds"]) == 2
    per_epoch = 4  # 120 training images in batches of 32
    assert [s["step"] for s in store.steps(job.id)] == list(range(1, 2 * per_epoch + 1))
    assert store.model_path(job.id) is not None
    assert store.load_model(job.id).count_params() == rec.params
    assert len(store.filters(job.id)) == 3  # initial + one per epoch


def test_a_second_run_waits_and_stop_ends_a_ray_run(ray_instance, reg):
    store = reg.store
    long = reg.submit(request(50, 8, "long"))
    short = reg.submit(request(1, 32, "short"))
    until(lambda: store.history(long.id), 180, "the long run's first epoch")
    assert long.status == "running" and short.status == "queued"
    assert reg.queue_position(short) == 1 and reg.queue_position(long) is None
    assert actor_alive(ray_instance, long.id)  # its own actor
    t0 = time.monotonic()
    reg.stop(long.id)
    until(lambda: store.get(long.id).done, 10, "the long run's end after Stop")
    stopped_in = time.monotonic() - t0
    rec = store.get(long.id)
    assert rec.status == "stopped" and rec.error is None, (rec.status, rec.error)
    assert stopped_in < 10
    epochs = len(store.history(long.id)["loss"])
    assert 1 <= epochs < 50 and store.model_path(long.id) is not None
    assert reg.wait(short, 180)  # the slot is free again: the waiting run trains
    assert store.get(short.id).status == "finished", store.get(short.id).error


def test_an_actor_that_dies_fails_its_run_in_words(ray_instance, reg):
    store = reg.store
    job = reg.submit(request(50, 8, "doomed"))
    until(lambda: store.steps(job.id), 180, "the run's first batch")
    actor = ray_instance.get_actor(f"cnnlab-{job.id}", namespace=NAMESPACE)
    ray_instance.kill(actor)
    assert reg.wait(job, 60)
    rec = store.get(job.id)
    assert rec.status == "failed" and rec.error == DIED, (rec.status, rec.error)
    assert "Traceback" not in rec.error
    fresh = reg.submit(request(1, 32, "after"))
    assert reg.wait(fresh, 180)
    assert store.get(fresh.id).status == "finished", store.get(fresh.id).error


def test_a_run_waiting_for_a_ray_worker_keeps_its_lease_and_stops_at_once(
    ray_instance, reg, monkeypatch
):
    """Every CPU of the instance is taken: the run's actor waits for one. Its slot keeps
    the run's lease meanwhile (not "interrupted"), and a Stop ends it without training."""
    store = reg.store
    monkeypatch.setenv("CNNLAB_LEASE_SECONDS", "2")

    @ray_instance.remote(num_cpus=2)
    class Hog:
        def ping(self) -> int:
            return 1

    hog = Hog.remote()
    try:
        ray_instance.get(hog.ping.remote(), timeout=60)
        job = reg.submit(request(3, 32, "waiting"))
        until(lambda: store.get(job.id).status == "running", 30, "the run claimed")
        time.sleep(5)  # more than two leases
        assert store.get(job.id).status == "running"
        assert store.steps(job.id) == []  # its actor has not started
        reg.stop(job.id)
        until(lambda: store.get(job.id).done, 10, "the waiting run's end after Stop")
        rec = store.get(job.id)
        assert rec.status == "stopped" and store.history(job.id) == {}, (rec.status, rec.error)
        until(lambda: not actor_alive(ray_instance, job.id), 10, "the pending actor gone")
    finally:
        ray_instance.kill(hog)
