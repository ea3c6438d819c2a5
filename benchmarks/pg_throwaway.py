"""A throwaway PostgreSQL server for a benchmark, started as ``tests/_pg.py`` starts one.

A fresh cluster (``initdb``/``pg_ctl`` of the newest PostgreSQL under
``/usr/lib/postgresql/*/bin``, run as the ``postgres`` user when we are root, since both
refuse root) in a temporary folder, listening only on a unix socket there, with durability
off (fsync, synchronous commit, full page writes: it is thrown away), and one empty
database ``cnnlab_bench``. Stopped and removed at the end.

With a command: runs it with ``CNNLAB_DB_URL`` set to the database's SQLAlchemy URL and
every ``{url}`` in its arguments replaced by it, then stops the server and exits with the
command's exit status. With ``--serve``: prints the URL and waits until Ctrl-C or SIGTERM.
With neither it only prints this help (so ``make bench``, which runs every script here,
passes over it).

    python benchmarks/pg_throwaway.py python benchmarks/bench_load.py --db {url}
    python benchmarks/pg_throwaway.py --serve  # prints postgresql+psycopg://postgres@/...
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator

NAME = "cnnlab_bench"


def pg_binary(name: str) -> str | None:
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


@contextlib.contextmanager
def throwaway_postgres(name: str = NAME) -> Iterator[str]:
    """Start a throwaway server; yield the SQLAlchemy URL of its empty database ``name``
    (``tests/_pg.py`` starts the tests' server with this too)."""
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        raise SystemExit("PostgreSQL is not installed (no initdb/pg_ctl)")
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

        with psycopg.connect(
            host=folder, port=port, user="postgres", dbname="postgres", autocommit=True
        ) as con:
            con.execute(f"CREATE DATABASE {name}")
        yield f"postgresql+psycopg://postgres@/{name}?host={folder}&port={port}"
    finally:
        if started:
            subprocess.run(_as_postgres([pg_ctl, "stop", "-m", "immediate", "-D", data]),
                           capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on SIGTERM too
    with throwaway_postgres() as url:
        if argv == ["--serve"]:
            print(url, flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
            return 0
        cmd = [a.replace("{url}", url) for a in argv]
        return subprocess.run(cmd, env={**os.environ, "CNNLAB_DB_URL": url}).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
