"""A run's life: claimed by a worker, kept alive by heartbeats, ended exactly once.

Liveness is a lease, not a process id: a running run whose heartbeat is older than
``lease_seconds()`` reads as ``interrupted``; a trainer that was only held up (a database
locked for longer than the lease) takes its run back with its next beat or its end.
Every change here is one conditional UPDATE, so several servers and workers on one
database cannot undo each other's work: a finished run stays finished.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select, update

from cnnlab.runs._engine import Database
from cnnlab.runs._record import RunRecord, dumps, loads_or, record_from_row
from cnnlab.runs._schema import runs, upsert
from cnnlab.runs._schema import steps as steps_table
from cnnlab.runs._status import (
    DONE_STATUSES,
    INTERRUPTED_ERROR,
    LIVE_STATUSES,
    Status,
    check_status,
    lease_seconds,
)

__all__ = ["Lifecycle", "stale"]

_CLAIMABLE = (Status.QUEUED.value, Status.INTERRUPTED.value)


def stale(cutoff: float) -> ColumnElement[bool]:
    """Running rows whose last sign of life is older than ``cutoff`` (Unix time).

    Queued rows never go stale: the database is the queue, and a queued run waits for
    whichever server has a free slot next, even after the server that queued it stopped.
    """
    last = func.coalesce(runs.c.heartbeat, runs.c.created)
    return (runs.c.status == Status.RUNNING.value) & (last < cutoff)


def _expired() -> ColumnElement[bool]:
    """Rows ended as ``interrupted`` by :meth:`Lifecycle.expire` (not by a person)."""
    return (runs.c.status == Status.INTERRUPTED.value) & (runs.c.error == INTERRUPTED_ERROR)


def _no_run(run_id: str) -> ValueError:
    return ValueError(f"no run with id {run_id!r}")


class Lifecycle:
    """The lease methods of RunStore (mixed in; ``_db`` is the store's Database)."""

    _db: Database

    def expire(self, lease: float | None = None) -> list[str]:
        """Live runs silent for more than ``lease`` seconds (default ``lease_seconds()``)
        become ``interrupted``; returns their ids. One conditional UPDATE: safe when
        several servers expire at once (each run is changed by one of them)."""
        now = time.time()
        cutoff = now - (lease_seconds() if lease is None else lease)
        stmt = (
            update(runs)
            .where(stale(cutoff))
            .values(status=Status.INTERRUPTED.value, error=INTERRUPTED_ERROR, finished=now)
            .returning(runs.c.id)
        )
        return self._db.write(lambda c: [row[0] for row in c.execute(stmt)])

    def beat(
        self,
        run_id: str,
        progress: Mapping[str, Any] | None = None,
        steps: Iterable[Mapping[str, Any]] = (),
    ) -> bool:
        """A sign of life from the run's worker: heartbeat = now, the latest ``progress``
        (if given) and per-batch points ``steps`` (dicts with an int ``"step"``; a step
        stored again replaces the earlier one), in one transaction.

        Returns whether the run should stop: its ``stop_requested`` flag, or True when
        the run no longer exists (deleted).
        """
        values: dict[str, Any] = {"heartbeat": time.time()}
        if progress is not None:
            values["progress"] = dumps(dict(progress))
        points = [
            {"run_id": run_id, "step": int(s["step"]), "metrics": dumps(dict(s))} for s in steps
        ]
        stmt = (
            update(runs).where(runs.c.id == run_id).values(values).returning(runs.c.stop_requested)
        )

        revive = (
            update(runs)
            .where(runs.c.id == run_id, _expired())
            .values(status=Status.RUNNING.value, error=None, finished=None)
        )

        def op(conn: Connection) -> bool:
            flag = conn.execute(stmt).scalar_one_or_none()
            if flag is None:
                return True
            conn.execute(revive)  # expired while this trainer was held up: it is alive
            upsert(conn, steps_table, points, ["run_id", "step"], ["metrics"])
            return bool(flag)

        return self._db.write(op)

    def claim(
        self,
        run_id: str,
        *,
        host: str,
        device: str = "",
        params: int | None = None,
        executor: str = "",
    ) -> bool:
        """A worker takes a queued run (or an interrupted one, to resume it): it becomes
        ``running`` with heartbeat = now, ``started`` set if it was not, the stop flag
        and any earlier error cleared. False if the run is not claimable (someone else
        has it, or it has ended)."""
        now = time.time()
        values: dict[str, Any] = {
            "status": Status.RUNNING.value,
            "started": func.coalesce(runs.c.started, now),
            "heartbeat": now,
            "stop_requested": 0,
            "host": host,
            "error": None,
            "finished": None,
        }
        if device:
            values["device"] = device
        if params is not None:
            values["params"] = int(params)
        if executor:
            values["executor"] = executor
        stmt = update(runs).where(runs.c.id == run_id, runs.c.status.in_(_CLAIMABLE)).values(values)
        return self._db.write(lambda c: c.execute(stmt).rowcount == 1)

    def finish(self, run_id: str, status: str, *, error: str | None = None) -> bool:
        """End a run with a done ``status`` (finished = now, ``error``), only if it is
        still live (or was only expired for a missed heartbeat: its trainer's own end is
        the truth); returns whether this call ended it (a run ends once)."""
        value = check_status(status, DONE_STATUSES)
        stmt = (
            update(runs)
            .where(runs.c.id == run_id, runs.c.status.in_(LIVE_STATUSES) | _expired())
            .values(status=value, finished=time.time(), error=error)
        )
        return self._db.write(lambda c: c.execute(stmt).rowcount == 1)

    def request_stop(self, run_id: str) -> None:
        """Ask a run to stop: its worker sees the flag at the next ``beat``; a run still
        queued becomes ``stopped`` at once. ValueError if there is no such run."""
        flag = update(runs).where(runs.c.id == run_id).values(stop_requested=1)
        now_stopped = (
            update(runs)
            .where(runs.c.id == run_id, runs.c.status == Status.QUEUED.value)
            .values(status=Status.STOPPED.value, finished=time.time())
        )

        def op(conn: Connection) -> None:
            if conn.execute(flag).rowcount == 0:
                raise _no_run(run_id)
            conn.execute(now_stopped)

        self._db.write(op)

    def requeue(self, run_id: str) -> bool:
        """Put an ``interrupted`` run back in the queue to resume it (error and end time
        cleared, heartbeat = now); False if the run is not interrupted."""
        stmt = (
            update(runs)
            .where(runs.c.id == run_id, runs.c.status == Status.INTERRUPTED.value)
            .values(
                status=Status.QUEUED.value,
                error=None,
                finished=None,
                heartbeat=time.time(),
                stop_requested=0,
            )
        )
        return self._db.write(lambda c: c.execute(stmt).rowcount == 1)

    def queued(self) -> list[RunRecord]:
        """Runs waiting for a worker, oldest first."""
        stmt = (
            select(runs)
            .where(runs.c.status == Status.QUEUED.value)
            .order_by(runs.c.created, runs.c.id)
        )
        rows = self._db.read(lambda c: [r._mapping for r in c.execute(stmt)])
        return [record_from_row(r) for r in rows]

    def steps(self, run_id: str) -> list[dict[str, Any]]:
        """The run's per-batch points (as given to ``beat``), in step order."""
        table = steps_table
        stmt = (
            select(table.c.step, table.c.metrics)
            .where(table.c.run_id == run_id)
            .order_by(table.c.step)
        )
        rows = self._db.read(lambda c: c.execute(stmt).all())
        out = []
        for step, text in rows:
            point, _ = loads_or(text, dict, {})
            out.append({**point, "step": step})
        return out
