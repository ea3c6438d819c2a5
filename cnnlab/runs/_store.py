"""RunStore: runs in a database (SQLite by default, or PostgreSQL), files in a folder.

The rows (configuration, status, lease, per-epoch and per-batch metrics) live in the
database named by a SQLAlchemy URL; the files (models, filter snapshots, checkpoints)
live in ``<home>/runs/<id>/``. The lease methods come from ``_lease.Lifecycle``, the
file methods from ``_artifacts.Artifacts``.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Select, case, delete, insert, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from cnnlab._home import cnnlab_home
from cnnlab.runs._artifacts import Artifacts
from cnnlab.runs._engine import Database
from cnnlab.runs._errors import StoreError
from cnnlab.runs._lease import Lifecycle
from cnnlab.runs._record import RunRecord, dumps, loads_or, record_from_row
from cnnlab.runs._schema import epochs, runs, steps, upsert
from cnnlab.runs._status import (
    LIVE_STATUSES,
    STATUSES,
    check_status,
    default_patience,
    lease_seconds,
)

__all__ = ["RunStore", "UPDATABLE", "default_host"]

# The columns ``update`` may set.
UPDATABLE = frozenset(
    {
        "status", "device", "params", "started", "finished", "error", "name",
        "heartbeat", "host", "executor", "stop_requested", "progress", "owner",
    }
)  # fmt: skip
_SQLITE_SUFFIXES = (".sqlite", ".db")


def default_host() -> str:
    """Who this process is, for the ``host`` column: ``"<hostname>:<pid>"``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _parse_url(url: str) -> URL:
    """A SQLAlchemy URL; ``postgresql://`` means the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            "unreachable",
            "The run database address is not a database URL (expected something like "
            "sqlite:////path/runs.sqlite or postgresql+psycopg://user@host/db). Check "
            "CNNLAB_DB_URL.",
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _no_run(run_id: str) -> ValueError:
    return ValueError(f"no run with id {run_id!r}")


class RunStore(Lifecycle, Artifacts):
    """Runs in a database with artifacts in ``<home>/runs/<id>/``.

    ``path`` is the home folder (or a ``.sqlite``/``.db`` file whose folder is the
    home), by default ``cnnlab_home()``. ``url`` is a SQLAlchemy URL; by default
    ``$CNNLAB_DB_URL`` if set, else ``sqlite:///<home>/runs.sqlite`` (a ``.sqlite`` path
    names its own file). ``patience`` is how long a busy or unreachable database is
    waited out before StoreError (default ``$CNNLAB_DB_PATIENCE`` or 5 s).

    Safe from several threads, processes and machines: every call is one short
    transaction, retried on locks; liveness is a heartbeat lease (see ``expire``).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        url: str | None = None,
        patience: float | None = None,
    ) -> None:
        given = Path(path) if path is not None else cnnlab_home()
        is_file = given.suffix in _SQLITE_SUFFIXES
        self.home: Path = given.parent if is_file else given
        self.home.mkdir(parents=True, exist_ok=True)
        sqlite_file = given if is_file else self.home / "runs.sqlite"
        if url is None and not is_file:
            url = os.environ.get("CNNLAB_DB_URL", "").strip() or None
        if url:
            parsed = _parse_url(url)
            memory = parsed.database in (None, "", ":memory:")
            is_sqlite = parsed.get_backend_name() == "sqlite"
            self.db: Path | None = Path(parsed.database or "") if is_sqlite and not memory else None
        else:
            parsed = URL.create("sqlite", database=str(sqlite_file.resolve()))
            self.db = sqlite_file
        self.url: str = parsed.render_as_string(hide_password=False)
        self.patience: float = default_patience() if patience is None else float(patience)
        try:
            self._db = Database(parsed, self.patience)
        except (NoSuchModuleError, ImportError) as exc:
            raise StoreError(
                "unreachable",
                f"This CNN Lab cannot talk to {parsed.get_backend_name()} databases "
                f"(driver {parsed.get_driver_name()!r} is not installed).",
                backend=parsed.get_backend_name(),
            ) from exc
        self._db.ensure_schema()

    def __repr__(self) -> str:
        where = self.db.name if self.db is not None else self._db.url.get_backend_name()
        return f"RunStore(home={str(self.home)!r}, database={where!r})"

    # -- writing ---------------------------------------------------------------------

    def create(
        self,
        *,
        model_cfg: dict[str, Any],
        train_cfg: dict[str, Any],
        data: dict[str, Any] | None = None,
        name: str = "",
        device: str = "",
        params: int | None = None,
        status: str = "queued",
        tags: list[str] | tuple[str, ...] = (),
        owner: str = "",
        request: dict[str, Any] | None = None,
        executor: str = "",
    ) -> str:
        """Record a new run (heartbeat = now, host = this process) and return its id,
        e.g. ``"20250101-120000-a1b2c3"``."""
        value = check_status(status, STATUSES)
        run_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        now = time.time()
        row = {
            "id": run_id,
            "created": now,
            "name": name,
            "status": value,
            "model_cfg": dumps(model_cfg),
            "train_cfg": dumps(train_cfg),
            "data": dumps(data or {}),
            "device": device,
            "params": params,
            "pid": os.getpid(),
            "tags": dumps(list(tags)),
            "owner": owner,
            "heartbeat": now,
            "host": default_host(),
            "executor": executor,
            "stop_requested": 0,
            "request": dumps(request or {}),
        }
        self._db.write(lambda c: c.execute(insert(runs).values(row)))
        return run_id

    def update(self, run_id: str, **fields: Any) -> None:
        """Set columns of a run (any of ``UPDATABLE``); ValueError for another column,
        a bad status or an unknown run. ``progress`` is a dict (stored as JSON) or None.
        Setting a live status also renews the heartbeat, unless one is given."""
        bad = set(fields) - UPDATABLE
        if bad:
            raise ValueError(f"cannot update {sorted(bad)}; allowed: {sorted(UPDATABLE)}")
        values = dict(fields)
        if "status" in values:
            values["status"] = check_status(values["status"], STATUSES)
            if values["status"] in LIVE_STATUSES:
                values.setdefault("heartbeat", time.time())
        if "progress" in values and values["progress"] is not None:
            values["progress"] = dumps(dict(values["progress"]))
        if "stop_requested" in values:
            values["stop_requested"] = int(bool(values["stop_requested"]))
        if not values:
            return
        stmt = update(runs).where(runs.c.id == run_id).values(values)

        def op(conn: Connection) -> None:
            if conn.execute(stmt).rowcount == 0:
                raise _no_run(run_id)

        self._db.write(op)

    def log_epoch(self, run_id: str, epoch: int, metrics: Mapping[str, float | None]) -> None:
        """Store the metrics of one finished epoch (0-based), replacing any earlier entry;
        a live run's heartbeat is renewed too. ValueError for an unknown run."""
        clean = {k: (None if v is None else float(v)) for k, v in metrics.items()}
        row = {"run_id": run_id, "epoch": int(epoch), "metrics": dumps(clean)}
        beat = (
            update(runs)
            .where(runs.c.id == run_id)
            .values(
                heartbeat=case(
                    (runs.c.status.in_(LIVE_STATUSES), time.time()), else_=runs.c.heartbeat
                )
            )
        )

        def op(conn: Connection) -> None:
            if conn.execute(beat).rowcount == 0:
                raise _no_run(run_id)
            upsert(conn, epochs, [row], ["run_id", "epoch"], ["metrics"])

        self._db.write(op)

    def delete(self, run_id: str) -> None:
        """Remove a run, its metrics, its progress points and its files."""

        def op(conn: Connection) -> None:
            conn.execute(delete(epochs).where(epochs.c.run_id == run_id))
            conn.execute(delete(steps).where(steps.c.run_id == run_id))
            conn.execute(delete(runs).where(runs.c.id == run_id))

        self._db.write(op)
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    # -- reading ---------------------------------------------------------------------

    def _records(self, stmt: Select[Any]) -> list[RunRecord]:
        """The runs ``stmt`` selects; if any has outlived its lease, expire first."""
        read = lambda: self._db.read(lambda c: [r._mapping for r in c.execute(stmt)])  # noqa: E731
        rows = read()
        cutoff = time.time() - lease_seconds()
        if any(
            r["status"] in LIVE_STATUSES
            and (r["heartbeat"] if r["heartbeat"] is not None else r["created"]) < cutoff
            for r in rows
        ):
            self.expire()
            rows = read()
        return [record_from_row(r) for r in rows]

    def list_runs(self) -> list[RunRecord]:
        """Every run, newest first (a run with unreadable JSON has ``problem`` set)."""
        return self._records(select(runs).order_by(runs.c.created.desc(), runs.c.id.desc()))

    def get(self, run_id: str) -> RunRecord:
        """One run; ValueError if there is none with that id."""
        found = self._records(select(runs).where(runs.c.id == run_id))
        if not found:
            raise _no_run(run_id)
        return found[0]

    def history(self, run_id: str) -> dict[str, list[float | None]]:
        """Per-epoch metrics as Keras' ``History.history``: name → list over epochs."""
        stmt = select(epochs.c.metrics).where(epochs.c.run_id == run_id).order_by(epochs.c.epoch)
        texts = self._db.read(lambda c: c.execute(stmt).scalars().all())
        out: dict[str, list[float | None]] = {}
        for i, text in enumerate(texts):
            metrics, _ = loads_or(text, dict, {})
            for k, v in metrics.items():
                out.setdefault(k, [None] * i).append(v)
            for seq in out.values():
                if len(seq) < i + 1:
                    seq.append(None)
        return out
