"""RunStore on real databases: a SQLite file, and PostgreSQL (tests/_pg.py) where the same
test applies. Round trips, restarts, heartbeat leases, compare-and-set, stop requests,
resuming, checkpoints, migration of a version-1 file, locks, damaged files and rows."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from cnnlab.runs import (
    DONE_STATUSES,
    LIVE_STATUSES,
    SCHEMA_VERSION,
    STATUSES,
    RunStore,
    Status,
    StoreError,
)
from cnnlab.runs._engine import dispose_engines, make_engine
from cnnlab.runs._schema import migrate
from tests._pg import pg_store_url  # noqa: F401

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def make_store(request, tmp_path):
    """``make_store(**kw)``: a RunStore on a fresh SQLite file or PostgreSQL database; every
    call is a new store object on the same database (a restart, or a second server)."""
    url = request.getfixturevalue("pg_store_url") if request.param == "postgresql" else None

    def make(**kw):
        return RunStore(tmp_path / "home", url=url, **kw)

    return make


def _sql(store: RunStore, statement: str, **params):
    """Run raw SQL on the store's database through a connection of its own."""
    engine = sa.create_engine(store.url, poolclass=NullPool)
    try:
        with engine.begin() as con:
            result = con.execute(sa.text(statement), params)
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- basics
def test_round_trip_survives_a_new_store_on_the_same_database(make_store):
    store = make_store()
    rid = store.create(
        model_cfg={"a": 1}, train_cfg={"epochs": 2}, data={"source": "x"}, name="n",
        tags=["c"], owner="ana", request={"kind": "train", "epochs": 2}, executor="local",
    )  # fmt: skip
    store.update(rid, status="running", device="CPU", params=10, started=1.0)
    store.log_epoch(rid, 0, {"loss": 0.5, "accuracy": 0.75})
    store.log_epoch(rid, 1, {"loss": 0.25, "accuracy": 1.0, "val_loss": 0.3})
    store.log_epoch(rid, 1, {"loss": 0.25, "accuracy": 1.0, "val_loss": np.float32(0.5)})
    store.save_filters(rid, 0, np.ones((3, 3, 1, 4)))
    store.update(rid, status="finished", finished=3.5, progress={"batch": 7})

    again = make_store()  # a restart
    rec = again.get(rid)
    assert (rec.status, rec.device, rec.params, rec.name, rec.tags) == (
        "finished", "CPU", 10, "n", ["c"]
    )  # fmt: skip
    assert rec.model_cfg == {"a": 1} and rec.train_cfg == {"epochs": 2}
    assert (rec.owner, rec.executor, rec.request) == (
        "ana",
        "local",
        {"kind": "train", "epochs": 2},
    )
    assert rec.host == f"{socket.gethostname()}:{os.getpid()}" and rec.heartbeat is not None
    assert rec.progress == {"batch": 7} and rec.problem is None and rec.done and not rec.live
    assert rec.seconds == 2.5
    assert again.history(rid) == {
        "loss": [0.5, 0.25],
        "accuracy": [0.75, 1.0],
        "val_loss": [None, 0.5],
    }
    assert again.filters(rid)[0].shape == (3, 3, 1, 4)
    assert [r.id for r in again.list_runs()] == [rid]


def test_statuses_are_a_str_enum_and_records_hold_plain_strings(tmp_path):
    assert LIVE_STATUSES == ("queued", "running")
    assert DONE_STATUSES == ("finished", "stopped", "diverged", "failed", "interrupted")
    assert STATUSES == LIVE_STATUSES + DONE_STATUSES == tuple(s.value for s in Status)
    assert Status.RUNNING == "running" and isinstance(Status.RUNNING, str)
    store = RunStore(tmp_path)
    rid = store.create(model_cfg={}, train_cfg={}, status=Status.RUNNING)
    status = store.get(rid).status
    assert status == "running" and type(status) is str


def test_delete_removes_rows_and_files(tmp_path):
    store = RunStore(tmp_path)
    rid = store.create(model_cfg={}, train_cfg={})
    store.log_epoch(rid, 0, {"loss": 1.0})
    store.beat(rid, steps=[{"step": 1, "loss": 1.0}])
    store.save_filters(rid, 0, np.zeros((3, 3, 1, 2)))
    store.delete(rid)
    assert store.list_runs() == []
    assert not store.run_dir(rid).exists()
    with sqlite3.connect(store.db) as con:
        assert con.execute("SELECT COUNT(*) FROM epochs").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM steps").fetchone()[0] == 0
    with pytest.raises(ValueError, match="no run"):
        store.get(rid)
    assert store.beat(rid) is True  # a deleted run's worker is told to stop


def test_bad_values_are_refused(tmp_path):
    store = RunStore(tmp_path)
    with pytest.raises(ValueError, match="status"):
        store.create(model_cfg={}, train_cfg={}, status="done")
    rid = store.create(model_cfg={}, train_cfg={})
    with pytest.raises(ValueError, match="cannot update"):
        store.update(rid, model_cfg="x")
    with pytest.raises(ValueError, match="no run"):
        store.update("nope", name="x")
    with pytest.raises(ValueError, match="status"):
        store.finish(rid, "running")
    with pytest.raises(ValueError, match="no saved model"):
        store.load_model(rid)


# ----------------------------------------------------------------------------- leases
def test_a_live_run_without_heartbeat_reads_interrupted(make_store, monkeypatch):
    store = make_store()
    old = store.create(model_cfg={}, train_cfg={}, status="running")
    waiting = store.create(model_cfg={}, train_cfg={})  # queued
    fresh = store.create(model_cfg={}, train_cfg={}, status="running")
    done = store.create(model_cfg={}, train_cfg={}, status="finished")
    for rid in (old, waiting, done):  # as if their server had crashed two minutes ago
        store.update(rid, heartbeat=time.time() - 120)

    monkeypatch.setenv("CNNLAB_LEASE_SECONDS", "600")  # a long lease: all still alive
    assert store.get(old).status == "running"
    monkeypatch.delenv("CNNLAB_LEASE_SECONDS")  # the default 60 s lease

    other = make_store()  # another server reading the same database
    by_id = {r.id: r for r in other.list_runs()}
    assert by_id[old].status == "interrupted"
    assert by_id[waiting].status == "queued"  # the database is the queue: it waits on
    assert by_id[old].error == "the server stopped while this run was in progress"
    assert by_id[old].finished is not None
    assert by_id[fresh].status == "running" and by_id[done].status == "finished"
    assert store.get(old).status == "interrupted"
    assert store.expire() == []  # each run is expired once

    monkeypatch.setenv("CNNLAB_LEASE_SECONDS", "0.2")
    time.sleep(0.3)
    assert store.expire() == [fresh]


def test_a_trainer_held_up_past_its_lease_takes_its_run_back(make_store, monkeypatch):
    store = make_store()
    beating, ending = (store.create(model_cfg={}, train_cfg={}, status="running") for _ in "ab")
    monkeypatch.setenv("CNNLAB_LEASE_SECONDS", "0")
    assert sorted(store.expire()) == sorted([beating, ending])  # e.g. a 75 s database lock
    monkeypatch.delenv("CNNLAB_LEASE_SECONDS")
    store.beat(beating, progress={"step": 3})  # the lock is gone: the trainer beats again
    assert store.get(beating).status == "running" and store.get(beating).error is None
    assert store.finish(ending, "finished")  # or it ends: its own end is the truth
    assert store.get(ending).status == "finished"
    stopped = store.create(model_cfg={}, train_cfg={}, status="running")
    store.finish(stopped, "interrupted", error="stopped by hand")
    store.beat(stopped)  # only an expired run is taken back, never one ended on purpose
    assert store.get(stopped).status == "interrupted"


def test_finish_is_compare_and_set(make_store):
    store = make_store()
    rid = store.create(model_cfg={}, train_cfg={}, status="running")
    assert store.finish(rid, "finished") is True
    assert store.finish(rid, Status.FAILED, error="late crash report") is False
    rec = make_store().get(rid)
    assert (rec.status, rec.error) == ("finished", None) and rec.finished is not None
    assert store.finish("no-such-run", "failed") is False


def test_beat_returns_the_stop_flag_and_stores_progress_and_steps(make_store):
    store = make_store()
    rid = store.create(model_cfg={}, train_cfg={}, status="running")
    store.update(rid, heartbeat=1.0)
    points = [{"step": 2, "loss": 0.5}, {"step": 1, "loss": 0.9}]
    assert store.beat(rid, progress={"batch": 2, "loss": np.float32(0.5)}, steps=points) is False
    assert store.beat(rid, steps=[{"step": 2, "loss": 0.4}, {"step": 3, "loss": 0.3}]) is False
    rec = store.get(rid)
    assert rec.progress == {"batch": 2, "loss": 0.5}
    assert rec.heartbeat is not None and time.time() - rec.heartbeat < 30
    assert store.steps(rid) == [
        {"step": 1, "loss": 0.9},
        {"step": 2, "loss": 0.4},  # stored again: replaced
        {"step": 3, "loss": 0.3},
    ]
    store.request_stop(rid)
    assert store.beat(rid) is True
    assert make_store().get(rid).stop_requested is True
    assert store.get(rid).status == "running"  # the worker stops it, then finishes it


def test_request_stop_on_a_queued_run_stops_it_at_once(make_store):
    store = make_store()
    rid = store.create(model_cfg={}, train_cfg={})
    store.request_stop(rid)
    rec = store.get(rid)
    assert (rec.status, rec.stop_requested) == ("stopped", True) and rec.finished is not None
    assert store.claim(rid, host="w:1") is False
    with pytest.raises(ValueError, match="no run"):
        store.request_stop("no-such-run")


def test_claim_and_requeue_resume_an_interrupted_run(make_store):
    store = make_store()
    rid = store.create(model_cfg={}, train_cfg={})
    assert store.queued()[0].id == rid
    assert store.claim(rid, host="worker:7", device="GPU:0", params=42, executor="ray")
    assert store.claim(rid, host="thief:8") is False  # already running
    rec = store.get(rid)
    assert (rec.status, rec.host, rec.device, rec.params, rec.executor) == (
        "running", "worker:7", "GPU:0", 42, "ray"
    )  # fmt: skip
    started = rec.started
    assert store.requeue(rid) is False  # not interrupted

    store.update(rid, heartbeat=time.time() - 120)
    assert store.expire() == [rid]
    assert store.requeue(rid) is True
    rec = store.get(rid)
    assert (rec.status, rec.error, rec.finished) == ("queued", None, None)
    assert [r.id for r in store.queued()] == [rid]
    assert store.claim(rid, host="worker:9") is True
    assert store.get(rid).started == started  # started once, kept on resuming


def test_queued_lists_waiting_runs_oldest_first(tmp_path):
    store = RunStore(tmp_path)
    first = store.create(model_cfg={}, train_cfg={})
    store.create(model_cfg={}, train_cfg={}, status="running")
    second = store.create(model_cfg={}, train_cfg={})
    assert [r.id for r in store.queued()] == [first, second]


@pytest.mark.keras
def test_checkpoint_round_trip(tmp_path):
    import keras

    from cnnlab.modelfile import load_model_file

    store = RunStore(tmp_path)
    rid = store.create(model_cfg={}, train_cfg={}, status="running")
    assert store.checkpoint(rid) is None
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = store.save_checkpoint(rid, model, epochs_done=3)
    assert store.checkpoint(rid) == (path, 3) and path.parent == store.run_dir(rid)
    back = load_model_file(path)
    for a, b in zip(model.get_weights(), back.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    store.save_checkpoint(rid, model, epochs_done=4)
    assert store.checkpoint(rid) == (path, 4)
    store.save_model(rid, model)
    assert store.load_model(rid).count_params() == model.count_params()


# ----------------------------------------------------------------------------- migration
V1_SCHEMA = """
CREATE TABLE runs (
    id TEXT PRIMARY KEY, created REAL NOT NULL, name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL, model_cfg TEXT NOT NULL, train_cfg TEXT NOT NULL,
    data TEXT NOT NULL, device TEXT NOT NULL DEFAULT '', params INTEGER, started REAL,
    finished REAL, error TEXT, pid INTEGER, tags TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE epochs (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL, metrics TEXT NOT NULL, PRIMARY KEY (run_id, epoch)
);
INSERT INTO runs VALUES ('20240101-000000-aaaaaa', 1000.0, 'old', 'finished',
    '{"preset": "seed_shapes"}', '{"epochs": 1}', '{"source": "shapes"}', 'CPU', 99,
    1001.0, 1010.0, NULL, 4242, '["challenge"]');
INSERT INTO runs VALUES ('20240101-000001-bbbbbb', 2000.0, 'crashed', 'running',
    '{}', '{}', '{}', '', NULL, 2001.0, NULL, NULL, 4243, '[]');
INSERT INTO epochs VALUES ('20240101-000000-aaaaaa', 0, '{"loss": 0.5}');
"""


def test_a_version_1_file_is_migrated_in_place(tmp_path):
    with sqlite3.connect(tmp_path / "runs.sqlite") as con:
        con.executescript(V1_SCHEMA)
    store = RunStore(tmp_path)
    old = store.get("20240101-000000-aaaaaa")
    assert (old.name, old.status, old.params, old.tags, old.model_cfg) == (
        "old", "finished", 99, ["challenge"], {"preset": "seed_shapes"}
    )  # fmt: skip
    assert (old.heartbeat, old.owner, old.request, old.stop_requested) == (1000.0, "", {}, False)
    assert store.history(old.id) == {"loss": [0.5]}
    assert store.get("20240101-000001-bbbbbb").status == "interrupted"  # silent since 2000
    with sqlite3.connect(store.db) as con:
        cols = {row[1] for row in con.execute("PRAGMA table_info(runs)")}
        version = con.execute("SELECT value FROM cnnlab_meta WHERE key='schema_version'")
        assert version.fetchall() == [(str(SCHEMA_VERSION),)] == [("2",)]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"owner", "heartbeat", "host", "executor", "stop_requested", "progress",
            "request"} <= cols  # fmt: skip
    assert {"runs", "epochs", "steps", "cnnlab_meta"} <= tables
    store.beat(old.id, steps=[{"step": 0, "loss": 1.0}])  # the new table works
    store.delete(old.id)  # and cascades
    assert RunStore(tmp_path).list_runs()[0].id == "20240101-000001-bbbbbb"


def test_a_newer_schema_is_refused_in_words(tmp_path):
    store = RunStore(tmp_path)
    with sqlite3.connect(store.db) as con:
        con.execute("UPDATE cnnlab_meta SET value='7' WHERE key='schema_version'")
    dispose_engines()  # as in a new process: the schema is checked again
    with pytest.raises(StoreError) as err:
        RunStore(tmp_path / "runs.sqlite")
    assert err.value.code == "version" and "newer" in str(err.value)
    assert str(tmp_path) not in str(err.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_processes_creating_the_schema_at_once_both_succeed(backend, tmp_path, request):
    """Two separate engines (as two processes would have) migrate one new database at the
    same moment: one creates the tables, the other finds them."""
    if backend == "postgresql":
        url = sa.engine.make_url(request.getfixturevalue("pg_store_url"))
    else:
        url = sa.engine.URL.create("sqlite", database=str(tmp_path / "runs.sqlite"))
    engines = [make_engine(url), make_engine(url)]
    barrier, results, errors = threading.Barrier(2), [], []

    def go(engine):
        try:
            barrier.wait()
            with engine.connect() as con:
                con.execution_options(cnnlab_begin="BEGIN IMMEDIATE", cnnlab_busy_ms=5000)
                with con.begin():
                    results.append(migrate(con, url))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert errors == [] and sorted(results) == [False, True]


# ----------------------------------------------------------------------------- trouble
def _hold_write_lock(db, locked: threading.Event, release: threading.Event, seconds: float):
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(seconds)
        con.execute("COMMIT")
    finally:
        con.close()


def _locked(store: RunStore, seconds: float) -> tuple[threading.Thread, threading.Event]:
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_hold_write_lock, args=(store.db, locked, release, seconds), daemon=True
    )
    holder.start()
    assert locked.wait(5)
    return holder, release


def test_a_short_write_lock_is_waited_out(tmp_path):
    store = RunStore(tmp_path)  # patience 5 s
    rid = store.create(model_cfg={}, train_cfg={})
    holder, _ = _locked(store, 1.5)
    t0 = time.monotonic()
    store.update(rid, name="landed")
    waited = time.monotonic() - t0
    holder.join()
    assert waited > 1.0 and RunStore(tmp_path).get(rid).name == "landed"


def test_a_lock_longer_than_patience_is_reported_busy(tmp_path):
    store = RunStore(tmp_path, patience=0.5)
    rid = store.create(model_cfg={}, train_cfg={})
    holder, release = _locked(store, 10)
    t0 = time.monotonic()
    with pytest.raises(StoreError) as err:
        store.update(rid, name="lost")
    waited = time.monotonic() - t0
    assert store.get(rid).name == ""  # reading goes on while a writer holds the lock
    release.set()
    holder.join()
    assert err.value.code == "busy" and 0.4 < waited < 1.5
    assert "runs.sqlite" in str(err.value) and "/" not in str(err.value)


def test_random_bytes_are_reported_corrupt_without_a_path(tmp_path):
    (tmp_path / "runs.sqlite").write_bytes(np.random.default_rng(0).bytes(8192))
    with pytest.raises(StoreError) as err:
        RunStore(tmp_path)
    assert err.value.code == "corrupt"
    assert str(err.value).startswith("runs.sqlite is not a database (damaged or replaced).")
    assert "/" not in str(err.value) and str(tmp_path) not in str(err.value)

    store = RunStore(tmp_path / "fresh")
    store.create(model_cfg={}, train_cfg={})
    store.db.write_bytes(b"garbage " * 1000)  # replaced while the server runs
    with pytest.raises(StoreError, match="not a database") as err:
        store.list_runs()
    assert err.value.code == "corrupt"


def test_a_row_with_broken_json_does_not_hide_the_others(make_store):
    store = make_store()
    good = store.create(model_cfg={"a": 1}, train_cfg={})
    bad = store.create(model_cfg={"b": 2}, train_cfg={"epochs": 3})
    _sql(store, "UPDATE runs SET model_cfg='{broken' WHERE id=:id", id=bad)
    by_id = {r.id: r for r in store.list_runs()}
    assert set(by_id) == {good, bad}
    assert by_id[good].problem is None and by_id[good].model_cfg == {"a": 1}
    assert by_id[bad].problem == f"the configuration of run {bad} cannot be read; delete this run"
    assert by_id[bad].model_cfg == {} and by_id[bad].train_cfg == {"epochs": 3}
    assert store.get(bad).problem == by_id[bad].problem
    store.delete(bad)
    assert [r.id for r in store.list_runs()] == [good]
