"""A real PostgreSQL server for the tests that need one (no mocks).

``pg_url`` (session): ``$CNNLAB_TEST_PG_URL`` if set; otherwise a throwaway cluster
started by ``benchmarks/pg_throwaway.py`` (shared with the benchmarks) with the
``initdb``/``pg_ctl`` under ``/usr/lib/postgresql/*/bin`` (run as the ``postgres`` user
when the tests run as root, since both refuse root), listening only on a unix socket in
its temporary folder, stopped and removed at the end. Without
PostgreSQL the tests that ask for it are skipped, or fail if ``CNNLAB_REQUIRE_PG=1``.
One cluster per session (per pytest-xdist worker): about 2 s to start.

``pg_store_url`` (function): a fresh, empty database on that server for one test,
dropped afterwards, so that tests never see each other's runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from benchmarks.pg_throwaway import pg_binary, throwaway_postgres

__all__ = ["pg_url", "pg_store_url", "admin_conninfo"]


def admin_conninfo(url: str) -> str:
    """A libpq URI for psycopg from a SQLAlchemy ``postgresql+psycopg://`` URL."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A SQLAlchemy URL of a real PostgreSQL database for this test session."""
    given = os.environ.get("CNNLAB_TEST_PG_URL", "").strip()
    if given:
        yield given
        return
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        why = "PostgreSQL is not installed (no initdb/pg_ctl under /usr/lib/postgresql)"
        if os.environ.get("CNNLAB_REQUIRE_PG") == "1":
            pytest.fail(why)
        pytest.skip(why)
    with throwaway_postgres("cnnlab_tests") as url:
        yield url


@pytest.fixture
def pg_store_url(pg_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped after it)."""
    import psycopg

    from cnnlab.runs._engine import dispose_engines

    name = f"test_{uuid.uuid4().hex[:12]}"
    url = _with_database(pg_url, name)
    with psycopg.connect(admin_conninfo(pg_url), autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    try:
        yield url
    finally:
        dispose_engines()  # close this process's pooled connections to it
        with psycopg.connect(admin_conninfo(pg_url), autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
