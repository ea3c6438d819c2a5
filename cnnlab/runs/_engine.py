"""One SQLAlchemy Engine per database URL per process, and the one retry loop.

Every operation of the store is a function of a Connection run by :class:`Database`
inside one transaction. A lock (SQLite ``database is locked``, a PostgreSQL deadlock)
or a dropped connection makes the loop roll back, wait (0.05 s doubling to 1 s) and try
again until ``patience`` seconds have passed; then it raises StoreError ``"busy"`` or
``"unreachable"``. A damaged SQLite file raises StoreError ``"corrupt"`` at once.

SQLite: WAL mode, ``foreign_keys=ON``, a fresh connection per operation (NullPool: no
file stays open, a replaced file is seen at once), writes take the write lock up front
(``BEGIN IMMEDIATE``) and SQLite's own busy wait is cut to what patience has left (at
most 1 s) so that this loop does the waiting. PostgreSQL: a pool with ``pool_pre_ping``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from cnnlab.runs import _errors, _schema

__all__ = ["Database", "engine_for", "make_engine", "dispose_engines", "retry"]

T = TypeVar("T")

SQLITE_TIMEOUT = 1.0  # seconds SQLite itself waits on a lock before our loop takes over
FIRST_DELAY, MAX_DELAY = 0.05, 1.0  # the retry loop's backoff
PG_CONNECT_TIMEOUT = 5  # seconds per connection attempt to PostgreSQL


@dataclass
class _Shared:
    """A process's engine for one URL and what it knows about that database's schema."""

    engine: Engine
    lock: threading.Lock = field(default_factory=threading.Lock)
    schema_ok: bool = False
    file_id: tuple[int, int] | None = None  # (device, inode) of the SQLite file checked


_ENGINES: dict[tuple[str, int], _Shared] = {}
_ENGINES_LOCK = threading.Lock()


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    """Each new SQLite connection: our own BEGIN (see ``_sqlite_begin``), FKs enforced,
    WAL's recommended sync level (a power cut may lose the last commit, never the file)."""
    dbapi_conn.isolation_level = None  # the sqlite3 module emits no BEGIN of its own
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")  # durable enough in WAL mode, and faster
    finally:
        cur.close()


def _sqlite_begin(conn: Connection) -> None:
    """Start a SQLite transaction the way the operation asked (see ``Database.run``)."""
    opts = conn.get_execution_options()
    busy_ms = opts.get("cnnlab_busy_ms")
    if busy_ms is not None:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_ms)}")
    begin = opts.get("cnnlab_begin", "BEGIN")
    if begin:
        conn.exec_driver_sql(begin)


def make_engine(url: URL) -> Engine:
    """A new Engine for ``url`` with this store's settings (not cached; see engine_for)."""
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={"timeout": SQLITE_TIMEOUT, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _shared(url: URL) -> _Shared:
    key = (url.render_as_string(hide_password=False), os.getpid())
    with _ENGINES_LOCK:
        entry = _ENGINES.get(key)
        if entry is None:
            entry = _ENGINES[key] = _Shared(make_engine(url))
        return entry


def engine_for(url: URL) -> Engine:
    """This process's one Engine for ``url`` (made on first use)."""
    return _shared(url).engine


def dispose_engines(url: str | URL | None = None) -> None:
    """Close the pooled connections of ``url``'s engine, or of every engine, and forget
    them (tests before dropping a database; a process before it forks)."""
    wanted = None if url is None else make_url(url).render_as_string(hide_password=False)
    with _ENGINES_LOCK:
        keys = [k for k in _ENGINES if wanted is None or k[0] == wanted]
        entries = [_ENGINES.pop(k) for k in keys]
    for entry in entries:
        entry.engine.dispose()


def retry(attempt: Callable[[float], T], url: URL, patience: float) -> T:
    """``attempt(seconds_left)`` until it succeeds or ``patience`` seconds have passed.

    Locks and connection failures are retried with exponential backoff; a damaged file
    or a folder SQLite cannot open raise StoreError at once; any other error passes.
    """
    start = time.monotonic()
    delay = FIRST_DELAY
    while True:
        left = patience - (time.monotonic() - start)
        try:
            return attempt(max(left, 0.0))
        except (DBAPIError, sqlite3.Error) as exc:
            problem = _errors.classify(exc)
            if problem == "corrupt":
                raise _errors.corrupt(url) from exc
            if problem == "open":
                raise _errors.unreachable(url, patience) from exc
            if problem is None:
                raise
            left = patience - (time.monotonic() - start)
            if left <= 0:
                fail = _errors.busy if problem == "busy" else _errors.unreachable
                raise fail(url, patience) from exc
            time.sleep(min(delay, left))
            delay = min(delay * 2, MAX_DELAY)


class Database:
    """Transactions on one database URL, retried for up to ``patience`` seconds."""

    def __init__(self, url: URL, patience: float) -> None:
        self.url = url
        self.patience = patience
        self.is_sqlite = url.get_backend_name() == "sqlite"
        self._shared = _shared(url)

    @property
    def engine(self) -> Engine:
        """The process-wide engine of this URL."""
        return self._shared.engine

    def read(self, fn: Callable[[Connection], T]) -> T:
        """``fn(conn)`` in a read transaction, retried."""
        return self.run(fn, begin="BEGIN")

    def write(self, fn: Callable[[Connection], T]) -> T:
        """``fn(conn)`` in a write transaction (SQLite: write lock taken first), retried."""
        return self.run(fn, begin="BEGIN IMMEDIATE")

    def run(self, fn: Callable[[Connection], T], *, begin: str) -> T:
        """``fn(conn)`` in one transaction, the whole of it retried on a lock or a lost
        connection. ``begin`` is the SQLite statement that starts it ("" for none)."""

        def attempt(left: float) -> T:
            with self.engine.connect() as conn:
                if self.is_sqlite:
                    busy_ms = max(10, min(int(SQLITE_TIMEOUT * 1000), int(left * 1000)))
                    conn.execution_options(cnnlab_begin=begin, cnnlab_busy_ms=busy_ms)
                with conn.begin():
                    return fn(conn)

        return retry(attempt, self.url, self.patience)

    def _file_id(self) -> tuple[int, int] | None:
        if not self.is_sqlite or not self.url.database or self.url.database == ":memory:":
            return None
        try:
            st = os.stat(self.url.database)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def ensure_schema(self) -> None:
        """Create or migrate the tables, once per process and database.

        (Once per SQLite *file*: a file deleted or replaced since is checked again.)
        """
        shared = self._shared
        with shared.lock:
            if shared.schema_ok and shared.file_id == self._file_id():
                return
            if self.is_sqlite:  # persistent in the file; a no-op once set
                self.run(lambda c: c.exec_driver_sql("PRAGMA journal_mode=WAL"), begin="")
            if not self.read(lambda c: _schema.is_current(c, self.url)):
                self.write(lambda c: _schema.migrate(c, self.url))
            shared.schema_ok, shared.file_id = True, self._file_id()
