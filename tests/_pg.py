"""A real PostgreSQL server for the tests that need one (no mocks).

``pg_url`` (session): ``$CNNLAB_TEST_PG_URL`` if set; otherwise a throwaway cluster made
with the ``initdb``/``pg_ctl`` under ``/usr/lib/postgresql/*/bin`` (run as the
``postgres`` user when the tests run as root, since both refuse root), listening only on
a unix socket in its temporary folder, stopped and removed at the end. Without
PostgreSQL the tests that ask for it are skipped, or fail if ``CNNLAB_REQUIRE_PG=1``.
One cluster per session (per pytest-xdist worker): about 2 s to start.

``pg_store_url`` (function): a fresh, empty database on that server for one test,
dropped afterwards, so that tests never see each other's runs.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator

import pytest

__all__ = ["pg_url", "pg_store_url", "admin_conninfo"]


def _pg_binary(name: str) -> str | None:
    """The newest installed PostgreSQL's ``name`` program, or one on PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    """``cmd`` as the ``postgres`` user when we are root (initdb and pg_ctl refuse root)."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr or done.stdout}")


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
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        why = "PostgreSQL is not installed (no initdb/pg_ctl under /usr/lib/postgresql)"
        if os.environ.get("CNNLAB_REQUIRE_PG") == "1":
            pytest.fail(why)
        pytest.skip(why)
    folder = tempfile.mkdtemp(prefix="cnnlab-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = os.path.join(folder, "data"), _free_port()
    started = False
    try:
        _run(_as_postgres([initdb, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync",
                           "-D", data]))  # fmt: skip
        options = (
            f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        _run(_as_postgres([pg_ctl, "-w", "-D", data, "-l", os.path.join(folder, "log"),
                           "-o", options, "start"]))  # fmt: skip
        started = True
        import psycopg

        name = "cnnlab_tests"
        with psycopg.connect(
            host=folder, port=port, user="postgres", dbname="postgres", autocommit=True
        ) as con:
            con.execute(f"CREATE DATABASE {name}")
        yield f"postgresql+psycopg://postgres@/{name}?host={folder}&port={port}"
    finally:
        if started:
            subprocess.run(
                _as_postgres([pg_ctl, "stop", "-m", "immediate", "-D", data]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(folder, ignore_errors=True)


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
