"""The training backbone: run requests and their schema, the command line's errors, the
row as the only record (resume from a checkpoint, a server that dies, a locked database),
workers per GPU and idle reaping, and two servers sharing one PostgreSQL."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import jsonschema
import pytest

from cnnlab.runs import RunStore
from cnnlab.training import (
    JobRegistry,
    RunRequest,
    TrainConfig,
    schema,
)
from cnnlab.training.worker import worker_env

ROOT = Path(__file__).resolve().parents[2]
TINY = {"source": "shapes", "n": 160, "size": 16, "seed": 1, "split": {"val_fraction": 0.25}}


def request(epochs: int, batch_size: int = 16, name: str = "") -> RunRequest:
    return RunRequest.from_dict(
        {"model": "seed_shapes", "data": TINY, "name": name,
         "train": {"epochs": epochs, "batch_size": batch_size}}
    )  # fmt: skip


def readme_config() -> dict:
    """The run config the README shows (its first ```json block in its CLI section)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("```json", text.index("## Training without the dashboard")) + len("```json")
    return json.loads(text[start : text.index("```", start)])


# ----------------------------------------------------------------- requests and schema
def test_request_round_trips_and_the_schema_accepts_what_from_dict_accepts():
    req = RunRequest.from_dict(readme_config())
    again = RunRequest.from_dict(req.to_dict())
    assert again == req
    jsonschema.validate(readme_config(), schema())
    jsonschema.validate(req.to_dict(), schema())
    names = set(schema()["properties"]["train"]["properties"])
    assert names == set(TrainConfig().to_dict())  # the schema names every training field


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"data": {"source": "shapes", "val_fraction": 0.3}}, 'belongs under "split"'),
        ({"data": {"source": "folder", "path": "/etc"}}, "relative to the data root"),
        ({"modle": "seed_shapes"}, "unknown key(s) ['modle']"),
        ({"model": "resnet"}, "no preset named 'resnet'"),
        ({"train": {"epochs": 999999}}, "epochs must be a whole number from 1 to 1000"),
        ({"train": {"learning_rate": "fast"}}, "learning_rate must be a number"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_bad_configs_name_the_part_at_fault(raw, words):
    with pytest.raises(ValueError) as err:
        RunRequest.from_dict(raw)
    assert words in str(err.value)
    if isinstance(raw, dict) and raw.get("data", {}).get("val_fraction") is None:
        return
    with pytest.raises(jsonschema.ValidationError):  # the schema refuses it too
        jsonschema.validate(raw, schema())


def test_an_impossible_design_is_refused_before_it_is_queued(tmp_path):
    from dataclasses import replace

    from cnnlab.model import PRESETS

    pets = PRESETS["seed_pets"]
    deep = replace(pets, blocks=pets.blocks * 3)  # too many pools for 16×16
    reg = JobRegistry(RunStore(tmp_path), max_jobs=0, executor="thread")
    with pytest.raises(ValueError):
        reg.submit(RunRequest(model=deep, data=request(1).data))
    assert reg.store.list_runs() == []


# ------------------------------------------------------------------- the command line
@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no config file"),
        ("{not json", "is not valid JSON (line 1"),
        ('{"data": {"source": "shapes", "val_fraction": 0.2}}', 'belongs under "split"'),
        ('{"data": {"source": "folder", "path": "/tmp/x"}}', "relative to the data root"),
    ],
)
def test_command_line_errors_are_sentences_not_tracebacks(tmp_path, capsys, content, words):
    from cnnlab.cli import main

    path = tmp_path / "run.json"
    if content is not None:
        path.write_text(content)
    assert main(["train", str(path), "--home", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


@pytest.mark.slow
def test_the_readme_example_runs_with_the_console_script(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(readme_config()))
    exe = Path(sys.executable).with_name("cnnlab")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cnnlab.cli"]
    out = subprocess.run(
        [*cmd, "train", str(path), "--home", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [json.loads(x) for x in out.stdout.strip().splitlines()]
    assert lines[-1]["status"] == "finished"
    epochs = readme_config()["train"]["epochs"]
    assert [x["epoch"] for x in lines[:-1]] == list(range(epochs))
    rec = RunStore(tmp_path).get(lines[-1]["run_id"])
    assert rec.request["name"] == readme_config()["name"] and rec.owner == "cli"


# --------------------------------------------------------------- workers, GPUs, reaping
def test_each_worker_gets_its_own_gpu_with_memory_growth():
    envs = [worker_env({}, home="/h", db_url="sqlite://", slot=i, gpus=2) for i in range(4)]
    assert [e["CUDA_VISIBLE_DEVICES"] for e in envs] == ["0", "1", "0", "1"]
    assert all(e["TF_FORCE_GPU_ALLOW_GROWTH"] == "true" for e in envs)
    assert all(e["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false" for e in envs)
    assert "CUDA_VISIBLE_DEVICES" not in worker_env({}, home="/h", db_url="x", slot=0, gpus=0)
    pinned = worker_env({"CUDA_VISIBLE_DEVICES": "3"}, home="/h", db_url="x", slot=1, gpus=2)
    assert pinned["CUDA_VISIBLE_DEVICES"] == "3"  # an operator's choice is kept


@pytest.mark.slow
def test_an_idle_worker_is_reaped(tmp_path):
    from cnnlab.training import LocalExecutor

    runner = LocalExecutor(RunStore(tmp_path), idle=0.2, gpus=0).runner(0)
    runner.warm()
    proc = runner.worker.proc
    assert proc.poll() is None
    time.sleep(0.3)
    runner.reap()
    assert runner.worker is None and proc.wait(10) == 0


@pytest.mark.slow
def test_many_warm_ups_start_one_worker(tmp_path):
    import psutil

    reg = JobRegistry(RunStore(tmp_path), max_jobs=1, executor="local")
    for _ in range(4):  # every rerun of the Train page warms the registry
        reg.warm()
    runner = reg._runners[0]
    racers = [threading.Thread(target=runner.warm) for _ in range(3)]  # and a slot
    for thread in racers:
        thread.start()
    for thread in racers:
        thread.join(120)
    workers = [
        p for p in psutil.Process().children(recursive=True)
        if "cnnlab.training.worker" in " ".join(p.cmdline())
    ]  # fmt: skip
    assert len(workers) == 1 and runner.worker.proc.pid == workers[0].pid
    reg.shutdown()


def test_a_warm_up_under_way_is_not_started_twice(tmp_path):
    """Every rerun of the Train page warms the registry: while one warm-up waits, the
    others start no thread of their own; once it has ended, a later one may start."""
    reg = JobRegistry(RunStore(tmp_path), max_jobs=1, executor="local")
    reg.warm(delay=30)
    first = reg._warm_thread
    reg.warm(delay=30)
    assert first is not None and first.is_alive() and reg._warm_thread is first
    reg.shutdown()  # ends the delay: no worker was started
    assert not first.is_alive() and reg._runners[0].worker is None


@pytest.mark.slow
def test_a_delayed_warm_up_starts_its_worker_after_the_delay(tmp_path):
    """The Train page warms the registry with a delay, so that its worker's start does
    not share the CPUs with the browser drawing the page."""
    import psutil

    def workers() -> list:
        return [
            p for p in psutil.Process().children(recursive=True)
            if "cnnlab.training.worker" in " ".join(p.cmdline())
        ]  # fmt: skip

    reg = JobRegistry(RunStore(tmp_path), max_jobs=1, executor="local")
    started = time.monotonic()
    reg.warm(delay=1.5)
    time.sleep(0.5)
    assert workers() == []  # no process yet, though the slots are there
    assert len(reg._runners) == 1
    while not workers() and time.monotonic() - started < 60:
        time.sleep(0.05)
    assert len(workers()) == 1 and time.monotonic() - started >= 1.5
    reg.shutdown()
    assert workers() == []


@pytest.mark.slow
def test_a_registry_closed_while_warming_leaves_no_worker(tmp_path):
    """Shut down during the warm-up's delay, or while its worker is still loading Keras:
    either way no worker process is left behind."""
    import psutil

    def workers() -> list:
        return [
            p for p in psutil.Process().children(recursive=True)
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE
            and "cnnlab.training.worker" in " ".join(p.cmdline())
        ]  # fmt: skip

    waiting = JobRegistry(RunStore(tmp_path / "a"), max_jobs=1, executor="local")
    waiting.warm(delay=0.5)
    waiting.shutdown()  # during the delay
    time.sleep(1.0)
    assert workers() == []
    starting = JobRegistry(RunStore(tmp_path / "b"), max_jobs=1, executor="local")
    starting.warm()
    deadline = time.monotonic() + 60
    while not workers() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert workers() and starting._runners[0].worker is None  # its process is loading
    starting.shutdown()
    time.sleep(0.5)
    assert workers() == []


# ------------------------------------------------------------ the row, the only record
@pytest.mark.slow
def test_an_interrupted_run_resumes_from_its_last_checkpoint(tmp_path, monkeypatch):
    from cnnlab.training import run_stored

    store = RunStore(tmp_path)
    reg = JobRegistry(store, max_jobs=0, executor="thread")
    job = reg.submit(request(3, 32))

    class Crash:  # the process dies after its second epoch (checkpoint already written)
        def on_batch(self, info):
            pass

        def on_epoch(self, info):
            if info["epoch"] == 1:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_stored(store, job.id, listener=Crash())
    assert store.get(job.id).status == "running"  # nobody wrote an end
    assert store.checkpoint(job.id)[1] == 2
    first = store.history(job.id)
    monkeypatch.setenv("CNNLAB_LEASE_SECONDS", "0")
    assert store.get(job.id).status == "interrupted"  # its heartbeat stopped
    monkeypatch.delenv("CNNLAB_LEASE_SECONDS")
    reg.max_jobs = 1
    resumed = reg.resume(job.id)
    assert reg.wait(resumed, 120) and resumed.status == "finished", resumed.error
    hist = store.history(job.id)
    assert len(hist["loss"]) == 3 and hist["loss"][:2] == first["loss"]
    assert store.model_path(job.id) is not None
    assert len(store.filters(job.id)) == 4  # initial + one per epoch, none twice
    reg.close()


SERVER = textwrap.dedent(
    """
    import json, sys, time
    from cnnlab.runs import RunStore
    from cnnlab.training import JobRegistry, RunRequest
    reg = JobRegistry(RunStore(sys.argv[1]), max_jobs=1, executor="local")
    job = reg.submit(RunRequest.from_dict(json.loads(sys.argv[2])))
    print(job.id, flush=True)
    time.sleep(600)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_run_outlives_the_server_that_started_it(tmp_path, sig):
    cfg = {"model": "seed_shapes", "data": TINY, "train": {"epochs": 6, "batch_size": 8}}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(tmp_path), json.dumps(cfg)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    run_id = server.stdout.readline().strip()
    store = RunStore(tmp_path)
    deadline = time.monotonic() + 120
    while not store.history(run_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert store.history(run_id), store.get(run_id)
    server.send_signal(sig)  # the dashboard server dies mid-training
    server.wait(30)
    while store.get(run_id).live and time.monotonic() < deadline + 120:
        time.sleep(0.2)
    rec = store.get(run_id)
    assert rec.status == "finished", (rec.status, rec.error)
    assert len(store.history(run_id)["loss"]) == 6 and store.model_path(run_id) is not None


@pytest.mark.slow
def test_a_long_database_lock_costs_no_work(tmp_path):
    store = RunStore(tmp_path)
    reg = JobRegistry(store, max_jobs=1, executor="thread")
    job = reg.submit(request(4, 16))
    while not store.history(job.id):
        time.sleep(0.05)
    held = threading.Event()

    def lock() -> None:  # another process holds the write lock for 8 s
        con = sqlite3.connect(store.db, timeout=30)
        con.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(8)
        con.commit()
        con.close()

    thread = threading.Thread(target=lock)
    thread.start()
    held.wait(10)
    t0 = time.monotonic()
    with pytest.raises(ValueError, match="stayed locked") as err:  # a page gives up soon
        RunStore(tmp_path, patience=0.5).request_stop("nothing")
    assert err.value.code == "busy"
    assert time.monotonic() - t0 < 5
    thread.join()
    assert reg.wait(job, 120)
    assert job.status == "finished" and len(store.history(job.id)["loss"]) == 4
    reg.close()


# -------------------------------------------------------------- two servers, one store
def test_two_servers_share_one_postgresql_queue(pg_store_url, tmp_path):
    """A run queued on server A (no free slot) is trained by server B; A sees it live."""
    a = JobRegistry(RunStore(tmp_path / "a", url=pg_store_url), max_jobs=0, executor="thread")
    b_store = RunStore(tmp_path / "a", url=pg_store_url)
    job = a.submit(request(2, 32, "shared"))
    assert a.queue_position(job) == 1
    b = JobRegistry(b_store, max_jobs=1, executor="thread")
    assert [j.id for j in b.jobs()] == [job.id]  # B sees A's queued run and takes it
    assert b.wait(job, 120)
    seen_by_a = a.get(job.id)
    assert seen_by_a.status == "finished" and len(seen_by_a.epochs) == 2
    assert seen_by_a.batches and seen_by_a.result.model is not None
    a.shutdown()
    b.shutdown()  # before the test's database is dropped
