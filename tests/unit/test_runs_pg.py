"""RunStore on a real PostgreSQL (tests/_pg.py): several servers sharing one database,
and a database that cannot be reached. (The tests that apply to SQLite too run on both
backends in test_runs.py.)"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.engine import make_url

from cnnlab.runs import RunStore, StoreError
from tests._pg import pg_store_url  # noqa: F401


def _second_server(url: str) -> str:
    """The same database under another URL, so that it gets an engine (and connection
    pool) of its own, as a second server process would."""
    parsed = make_url(url)
    return parsed.update_query_dict({"application_name": "server-b"}).render_as_string(
        hide_password=False
    )


def test_two_servers_see_each_others_runs_and_steps(pg_store_url, tmp_path):  # noqa: F811
    a = RunStore(tmp_path / "a", url=pg_store_url)
    b = RunStore(tmp_path / "b", url=_second_server(pg_store_url))
    assert a.db is None and a.url.startswith("postgresql+psycopg://")
    rid = a.create(model_cfg={"m": 1}, train_cfg={}, owner="ana")
    assert [r.id for r in b.queued()] == [rid]
    assert b.claim(rid, host="server-b:1") is True
    assert a.claim(rid, host="server-a:1") is False  # one worker per run
    b.beat(rid, progress={"batch": 1}, steps=[{"step": 1, "loss": 0.9}])
    b.log_epoch(rid, 0, {"loss": 0.8})
    assert a.get(rid).progress == {"batch": 1} and a.get(rid).host == "server-b:1"
    assert a.steps(rid) == [{"step": 1, "loss": 0.9}] and a.history(rid) == {"loss": [0.8]}
    a.request_stop(rid)  # a teacher presses Stop on server A
    assert b.beat(rid) is True  # the worker on B hears it
    assert b.finish(rid, "stopped") and not a.finish(rid, "failed")
    assert [(r.id, r.status, r.owner) for r in a.list_runs()] == [(rid, "stopped", "ana")]
    a.delete(rid)
    assert b.list_runs() == [] and b.steps(rid) == []


def test_several_servers_expire_each_silent_run_once(pg_store_url, tmp_path):  # noqa: F811
    stores = [
        RunStore(tmp_path, url=pg_store_url),
        RunStore(tmp_path, url=_second_server(pg_store_url)),
    ]
    ids = [stores[0].create(model_cfg={}, train_cfg={}, status="running") for _ in range(6)]
    for rid in ids:
        stores[0].update(rid, heartbeat=time.time() - 120)
    barrier, got = threading.Barrier(2), []

    def expire(store: RunStore) -> None:
        barrier.wait()
        got.append(store.expire())

    threads = [threading.Thread(target=expire, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got[0] + got[1]) == sorted(ids)  # every run once, by one of them
    assert {r.status for r in stores[1].list_runs()} == {"interrupted"}


def test_an_unreachable_server_is_reported_in_words(tmp_path):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://lab:s3cret@127.0.0.1:{port}/cnnlab"
    t0 = time.monotonic()
    with pytest.raises(StoreError) as err:
        RunStore(tmp_path, url=url, patience=0.5)
    waited = time.monotonic() - t0
    assert err.value.code == "unreachable" and 0.4 < waited < 5
    text = str(err.value)
    assert f"127.0.0.1:{port}" in text and "'cnnlab'" in text
    assert "s3cret" not in text and "lab:" not in text


def test_plain_postgresql_urls_use_psycopg_3(pg_store_url, tmp_path):  # noqa: F811
    plain = make_url(pg_store_url).set(drivername="postgresql").render_as_string(False)
    store = RunStore(tmp_path, url=plain)
    assert store.url.startswith("postgresql+psycopg://")
    assert store.list_runs() == []
