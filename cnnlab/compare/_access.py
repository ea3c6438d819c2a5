"""Who may change a run: its owner, or the teacher.

Everyone may *see* every run (tables, comparisons, the leaderboard); changing one —
deleting, stopping, resuming, renaming — is for the person who started it, or for a
teacher. Runs without an owner (made by the command line or by versions that did not
record one) belong to nobody: when a teacher role exists only the teacher may change
them, else anyone may.

>>> from cnnlab.runs import RunRecord
>>> rec = RunRecord("r1", 0.0, "", "finished", {}, {}, {}, "CPU", 1, 0.0, 1.0, None,
...                 owner="browser:ab12")
>>> may_change(rec, actor="browser:ab12", teacher=False)
True
>>> may_change(rec, actor="browser:ffff", teacher=False)
False
>>> may_change(rec, actor="browser:ffff", teacher=True)
True
"""

from __future__ import annotations

from typing import Any

__all__ = ["UNOWNED", "may_change", "run_owner"]

# Owners that mean "nobody in particular": older runs ("") and the command line ("cli").
UNOWNED = frozenset({"", "cli"})


def run_owner(record: Any) -> str:
    """Who started ``record`` (a RunRecord, a Job, anything with ``owner``); ``""`` when
    nobody in particular did (see ``UNOWNED``)."""
    owner = getattr(record, "owner", "") or ""
    return "" if owner in UNOWNED else str(owner)


def may_change(record: Any, *, actor: str, teacher: bool, teacher_role: bool = True) -> bool:
    """Whether ``actor`` may delete, stop, resume or rename ``record``.

    record : a RunRecord (or a Job: anything with an ``owner`` string)
    actor : who asks (the dashboard's ``state.owner()``)
    teacher : whether the actor is signed in as the teacher
    teacher_role : whether a teacher role is configured at all; without one, runs that
        belong to nobody may be changed by anyone (nobody else could ever tidy them).
    """
    if teacher:
        return True
    owner = run_owner(record)
    if not owner:
        return not teacher_role
    return bool(actor) and owner == actor
