"""The run database's tables (SQLAlchemy Core), its version, and the in-place migration.

Version 1 (the single-file ``runs.py`` store) had ``runs`` and ``epochs`` and no version
row. Version 2 adds the lease and ownership columns to ``runs``, the ``steps`` table of
per-batch progress points and ``cnnlab_meta`` holding ``schema_version``. JSON lives in
TEXT columns so that SQLite and PostgreSQL read it alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL
from sqlalchemy.schema import CreateColumn

from cnnlab.runs import _errors

__all__ = [
    "SCHEMA_VERSION",
    "metadata",
    "meta",
    "runs",
    "epochs",
    "steps",
    "is_current",
    "migrate",
    "upsert",
]

SCHEMA_VERSION = 2
# pg_advisory_xact_lock key serialising migrations of one PostgreSQL database ("cnnlab").
_PG_MIGRATION_LOCK = 0x636E6E6C6162

metadata = MetaData()

meta = Table(
    "cnnlab_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Text, primary_key=True),
    Column("created", Float, nullable=False),  # Unix time
    Column("name", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),  # one of STATUSES
    Column("model_cfg", Text, nullable=False),  # JSON
    Column("train_cfg", Text, nullable=False),  # JSON
    Column("data", Text, nullable=False),  # JSON
    Column("device", Text, nullable=False, server_default=""),
    Column("params", BigInteger),
    Column("started", Float),
    Column("finished", Float),
    Column("error", Text),
    Column("pid", Integer),  # kept from version 1; liveness is the heartbeat now
    Column("tags", Text, nullable=False, server_default="[]"),  # JSON list
    # -- version 2
    Column("owner", Text, nullable=False, server_default=""),  # who started it
    Column("heartbeat", Float),  # Unix time of the last sign of life
    Column("host", Text, nullable=False, server_default=""),  # who trains it
    Column("executor", Text, nullable=False, server_default=""),
    Column("stop_requested", Integer, nullable=False, server_default=text("0")),
    Column("progress", Text),  # JSON of the latest per-batch info, or NULL
    Column("request", Text, nullable=False, server_default="{}"),  # JSON run request
)

epochs = Table(
    "epochs",
    metadata,
    Column("run_id", Text, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("metrics", Text, nullable=False),  # JSON
    PrimaryKeyConstraint("run_id", "epoch"),
)

steps = Table(
    "steps",
    metadata,
    Column("run_id", Text, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("step", Integer, nullable=False),
    Column("metrics", Text, nullable=False),  # JSON
    PrimaryKeyConstraint("run_id", "step"),
)


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Iterable[str],
    columns: Iterable[str],
) -> None:
    """Insert ``rows``; where a row with the same ``keys`` exists, set its ``columns``."""
    if not rows:
        return
    keys, columns = list(keys), list(columns)
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={c: stmt.excluded[c] for c in columns},
        )
        conn.execute(stmt, list(rows))
        return
    for row in rows:  # another database: delete, then insert, in the caller's transaction
        cond = [table.c[k] == row[k] for k in keys]
        conn.execute(table.delete().where(*cond))
        conn.execute(table.insert(), dict(row))


def _found_version(conn: Connection) -> str | None:
    return conn.scalar(select(meta.c.value).where(meta.c.key == "schema_version"))


def _is_newer(found: str) -> bool:
    try:
        return int(found) > SCHEMA_VERSION
    except ValueError:
        return True  # not a number this code wrote: do not touch it


def is_current(conn: Connection, url: URL) -> bool:
    """Whether the database already has this version's schema (a cheap read).

    Raises StoreError ``"version"`` for a database newer than this code.
    """
    if not inspect(conn).has_table(meta.name):
        return False
    found = _found_version(conn)
    if found is not None and _is_newer(found):
        raise _errors.version(url, found, SCHEMA_VERSION)
    return found == str(SCHEMA_VERSION)


def migrate(conn: Connection, url: URL) -> bool:
    """Bring the database to ``SCHEMA_VERSION`` inside the caller's write transaction.

    A new database gets every table; a version-1 SQLite file gets the missing columns
    (``ALTER TABLE … ADD COLUMN``; old rows get ``heartbeat = created``) and the missing
    tables. Two processes migrating at once take turns (SQLite's write lock, a
    PostgreSQL advisory lock). Returns whether anything changed; raises StoreError
    ``"version"`` for a database newer than this code.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    insp = inspect(conn)
    tables = set(insp.get_table_names())
    if meta.name in tables:
        found = _found_version(conn)
        if found is not None and _is_newer(found):
            raise _errors.version(url, found, SCHEMA_VERSION)
        if found == str(SCHEMA_VERSION):
            return False
    if runs.name in tables:
        have = {c["name"] for c in insp.get_columns(runs.name)}
        missing = [c for c in runs.columns if c.name not in have]
        for column in missing:
            ddl = CreateColumn(column).compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE {runs.name} ADD COLUMN {ddl}"))
        if any(c.name == "heartbeat" for c in missing):
            conn.execute(
                update(runs).where(runs.c.heartbeat.is_(None)).values(heartbeat=runs.c.created)
            )
    metadata.create_all(conn, checkfirst=True)
    version_row = {"key": "schema_version", "value": str(SCHEMA_VERSION)}
    upsert(conn, meta, [version_row], ["key"], ["value"])
    return True
