"""StoreError: what went wrong with the run database, in words a teacher can act on.

Driver errors are sorted here into what the retry loop waits out (a lock, a dropped
connection) and what it reports at once (a damaged file). Messages name a SQLite file by
its base name and a PostgreSQL server by host, port and database, never by a server
path or a password.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any, Literal

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError

__all__ = [
    "StoreError",
    "Problem",
    "classify",
    "where",
    "busy",
    "unreachable",
    "corrupt",
    "version",
]

Problem = Literal["busy", "connect", "corrupt", "open"]

_BUSY_WORDS = (
    "database is locked",
    "database table is locked",
    "database schema is locked",
    "database is busy",
    "sqlite_busy",
    "deadlock detected",
    "could not serialize access",
    "lock not available",
    "could not obtain lock",
)
# PostgreSQL SQLSTATEs worth a retry: serialization failure, deadlock, lock not available.
_BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_CORRUPT_WORDS = ("file is not a database", "database disk image is malformed")


class StoreError(ValueError):
    """The run database cannot do what was asked; the message says what to do.

    ``code`` is one of ``"busy"``, ``"unreachable"``, ``"corrupt"``, ``"version"``;
    ``params`` holds the details the message was made from (for translations).
    """

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, Any] = dict(params)

    @property
    def message(self) -> str:
        """The English sentence(s) of this error."""
        return str(self.args[0]) if self.args else ""


def classify(exc: BaseException) -> Problem | None:
    """What kind of trouble a driver error is, or None for anything else (a bug, a
    constraint): ``busy`` and ``connect`` are retried, ``corrupt`` and ``open`` are not."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).lower()
    if any(w in text for w in _CORRUPT_WORDS):
        return "corrupt"
    if getattr(orig, "sqlstate", None) in _BUSY_SQLSTATES or any(w in text for w in _BUSY_WORDS):
        return "busy"
    if isinstance(orig, sqlite3.Error):
        return "open" if "unable to open database file" in text else None
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "connect"
    if isinstance(exc, OperationalError):  # a non-SQLite driver's connection trouble
        return "connect"
    return None


def where(url: URL) -> str:
    """The database in words: ``runs.sqlite`` or ``database 'lab' on db.school:5432``."""
    if url.get_backend_name() == "sqlite":
        return os.path.basename(url.database or "") or "the in-memory database"
    host = url.host or url.query.get("host") or ""
    if isinstance(host, tuple):
        host = host[0] if host else ""
    port = url.port or url.query.get("port") or ""
    if isinstance(port, tuple):
        port = port[0] if port else ""
    if not host or str(host).startswith("/"):
        server = "a local socket" + (f" (port {port})" if port else "")
    else:
        server = f"{host}:{port}" if port else str(host)
    return f"database {url.database or '(default)'!r} on {server}"


def _params(url: URL, **extra: Any) -> dict[str, Any]:
    return {"database": where(url), "backend": url.get_backend_name(), **extra}


def busy(url: URL, patience: float) -> StoreError:
    """The database stayed locked (SQLite) or too busy (PostgreSQL) for ``patience`` s."""
    name = where(url)
    if url.get_backend_name() == "sqlite":
        text = (
            f"The run database {name} stayed locked by another program for {patience:g} s, "
            "so this change was not saved. Try again in a moment; if it keeps happening, "
            "close other programs that use it."
        )
    else:
        text = (
            f"The run {name} stayed too busy for {patience:g} s (other connections held "
            "locks), so this change was not saved. Try again in a moment."
        )
    return StoreError("busy", text, **_params(url, seconds=patience))


def unreachable(url: URL, patience: float) -> StoreError:
    """The database could not be reached (PostgreSQL down) or opened (SQLite folder)."""
    name = where(url)
    if url.get_backend_name() == "sqlite":
        text = (
            f"Cannot open the run database {name}. Check that its folder exists and that "
            "this program may write there."
        )
    else:
        text = (
            f"Cannot connect to the run {name} ({url.get_backend_name()}) after trying for "
            f"{patience:g} s. Check that the database server is running and that "
            "CNNLAB_DB_URL names it correctly."
        )
    return StoreError("unreachable", text, **_params(url, seconds=patience))


def corrupt(url: URL) -> StoreError:
    """The SQLite file is damaged or is not a database at all."""
    name = where(url)
    text = (
        f"{name} is not a database (damaged or replaced). Move it aside; a new, empty one "
        "is made on the next start."
    )
    return StoreError("corrupt", text, **_params(url))


def version(url: URL, found: str, known: int) -> StoreError:
    """The database was written by a newer CNN Lab than this one."""
    text = (
        f"The run database {where(url)} has schema version {found}, newer than the "
        f"version {known} this CNN Lab knows. Update CNN Lab, or point it at another "
        "database."
    )
    return StoreError("version", text, **_params(url, found=found, known=known))
