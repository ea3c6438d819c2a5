"""RunStore: a real SQLite file; round-trips, restarts, interrupted runs, deletion."""

from __future__ import annotations

import os
import sqlite3

import numpy as np
import pytest

from cnnlab.runs import RunStore


def test_round_trip_survives_a_new_store_on_the_same_folder(tmp_path):
    store = RunStore(tmp_path)
    rid = store.create(
        model_cfg={"a": 1}, train_cfg={"epochs": 2}, data={"source": "x"}, name="n", tags=["c"]
    )
    store.update(rid, status="running", device="CPU", params=10, started=1.0)
    store.log_epoch(rid, 0, {"loss": 0.5, "accuracy": 0.75})
    store.log_epoch(rid, 1, {"loss": 0.25, "accuracy": 1.0, "val_loss": 0.3})
    store.save_filters(rid, 0, np.ones((3, 3, 1, 4)))
    store.update(rid, status="finished", finished=3.5)

    again = RunStore(tmp_path)  # a restart
    rec = again.get(rid)
    assert (rec.status, rec.device, rec.params, rec.name, rec.tags) == (
        "finished", "CPU", 10, "n", ["c"]
    )  # fmt: skip
    assert rec.model_cfg == {"a": 1} and rec.train_cfg == {"epochs": 2}
    assert rec.seconds == 2.5
    assert again.history(rid) == {
        "loss": [0.5, 0.25],
        "accuracy": [0.75, 1.0],
        "val_loss": [None, 0.3],
    }
    assert again.filters(rid)[0].shape == (3, 3, 1, 4)
    assert [r.id for r in again.list_runs()] == [rid]


def test_running_run_of_a_dead_process_reads_interrupted(tmp_path):
    store = RunStore(tmp_path)
    rid = store.create(model_cfg={}, train_cfg={}, status="running")
    with sqlite3.connect(store.db) as con:  # as if a crashed server had written it
        con.execute("UPDATE runs SET pid=? WHERE id=?", (2**22 + 12345, rid))
    assert RunStore(tmp_path).get(rid).status == "interrupted"
    mine = store.create(model_cfg={}, train_cfg={}, status="running")
    assert RunStore(tmp_path).get(mine).status == "running"  # our own process is alive
    assert os.getpid()


def test_delete_removes_rows_and_files(tmp_path):
    store = RunStore(tmp_path)
    rid = store.create(model_cfg={}, train_cfg={})
    store.log_epoch(rid, 0, {"loss": 1.0})
    store.save_filters(rid, 0, np.zeros((3, 3, 1, 2)))
    store.delete(rid)
    assert store.list_runs() == []
    assert not store.run_dir(rid).exists()
    with sqlite3.connect(store.db) as con:
        assert con.execute("SELECT COUNT(*) FROM epochs").fetchone()[0] == 0
    with pytest.raises(ValueError, match="no run"):
        store.get(rid)


def test_bad_values_are_refused(tmp_path):
    store = RunStore(tmp_path)
    with pytest.raises(ValueError, match="status"):
        store.create(model_cfg={}, train_cfg={}, status="done")
    rid = store.create(model_cfg={}, train_cfg={})
    with pytest.raises(ValueError, match="cannot update"):
        store.update(rid, model_cfg="x")
    with pytest.raises(ValueError, match="no saved model"):
        store.load_model(rid)
