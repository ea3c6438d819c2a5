"""Who may change a run: ``cnnlab.compare.may_change`` and ``delete_runs`` refusing."""

from __future__ import annotations

import pytest

from cnnlab import compare
from cnnlab.runs import RunRecord, RunStore


def _rec(owner: str) -> RunRecord:
    return RunRecord("r", 0.0, "", "finished", {}, {}, {}, "CPU", 1, 0.0, 1.0, None, owner=owner)


@pytest.mark.parametrize(
    ("owner", "actor", "teacher", "role", "want"),
    [
        ("user:ana", "user:ana", False, True, True),  # your own run
        ("user:ana", "user:bo", False, True, False),  # someone else's
        ("user:ana", "user:bo", False, False, False),  # … also without a teacher role
        ("user:ana", "user:bo", True, True, True),  # the teacher may
        ("user:ana", "", False, False, False),  # nobody is not the owner
        ("", "user:bo", False, True, False),  # nobody's run, a teacher role exists
        ("cli", "user:bo", False, True, False),  # the command line's: the same
        ("", "user:bo", False, False, True),  # no teacher role: anyone may
        ("cli", "user:bo", False, False, True),
        ("", "user:bo", True, True, True),
    ],
)
def test_may_change(owner, actor, teacher, role, want):
    rec = _rec(owner)
    assert compare.may_change(rec, actor=actor, teacher=teacher, teacher_role=role) is want


def test_may_change_defaults_to_a_configured_teacher_role():
    assert not compare.may_change(_rec(""), actor="user:bo", teacher=False)


def _store(tmp_path) -> tuple[RunStore, str, str, str, str]:
    store = RunStore(tmp_path)
    ana = store.create(model_cfg={}, train_cfg={}, status="finished", owner="user:ana")
    bo = store.create(model_cfg={}, train_cfg={}, status="finished", owner="user:bo")
    live = store.create(model_cfg={}, train_cfg={}, status="running", owner="user:ana")
    old = store.create(model_cfg={}, train_cfg={}, status="finished")
    return store, ana, bo, live, old


def test_delete_runs_refuses_someone_elses_runs_with_a_reason(tmp_path):
    store, ana, bo, live, old = _store(tmp_path)
    deleted, refused = compare.delete_runs(
        store, [ana, bo, live, old], actor="user:ana", teacher=False, teacher_role=True
    )
    assert deleted == [ana]
    assert refused == [bo, live, old]
    assert [r.reason for r in refused] == ["owner", "live", "owner"]
    assert {r.id for r in store.list_runs()} == {bo, live, old}


def test_delete_runs_lets_the_teacher_and_keeps_live_runs(tmp_path):
    store, ana, bo, live, old = _store(tmp_path)
    deleted, refused = compare.delete_runs(
        store, [ana, bo, live, old], actor="user:zoe", teacher=True
    )
    assert deleted == [ana, bo, old]
    assert [(r, r.reason) for r in refused] == [(live, "live")]


def test_delete_runs_without_an_actor_checks_no_owner(tmp_path):
    store, ana, bo, live, old = _store(tmp_path)
    deleted, refused = compare.delete_runs(store, [ana, bo, old])
    assert deleted == [ana, bo, old] and refused == []


def test_without_a_teacher_role_nobodys_runs_are_everyones(tmp_path):
    store, ana, bo, live, old = _store(tmp_path)
    deleted, refused = compare.delete_runs(
        store, [bo, old], actor="user:ana", teacher=False, teacher_role=False
    )
    assert deleted == [old] and [r.reason for r in refused] == ["owner"]
