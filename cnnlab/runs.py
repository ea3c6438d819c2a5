"""Training runs kept in SQLite: configuration, per-epoch metrics, status and artifacts.

A run survives restarts. Files (the ``.keras`` model, first-layer filter snapshots) live
in ``<home>/runs/<run_id>/`` beside the database and are written atomically. A run left
``running`` by a process that no longer exists reads as ``interrupted``.

>>> import tempfile
>>> store = RunStore(tempfile.mkdtemp())
>>> rid = store.create(model_cfg={"preset": "seed_shapes"}, train_cfg={"epochs": 1})
>>> store.log_epoch(rid, 0, {"loss": 0.7, "accuracy": 0.5})
>>> store.history(rid)
{'loss': [0.7], 'accuracy': [0.5]}
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnlab._files import atomic_write
from cnnlab._home import cnnlab_home

if TYPE_CHECKING:
    import keras

__all__ = ["STATUSES", "LIVE_STATUSES", "DONE_STATUSES", "RunRecord", "RunStore"]

# The one definition of a run's statuses: live ones may still change, done ones never do.
LIVE_STATUSES = ("queued", "running")
DONE_STATUSES = ("finished", "stopped", "diverged", "failed", "interrupted")
STATUSES = LIVE_STATUSES + DONE_STATUSES

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    model_cfg TEXT NOT NULL,
    train_cfg TEXT NOT NULL,
    data TEXT NOT NULL,
    device TEXT NOT NULL DEFAULT '',
    params INTEGER,
    started REAL,
    finished REAL,
    error TEXT,
    pid INTEGER,
    tags TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS epochs (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    PRIMARY KEY (run_id, epoch)
);
"""


@dataclass(frozen=True)
class RunRecord:
    """One run as stored (configurations are plain dicts, JSON-safe)."""

    id: str
    created: float  # Unix time the run was created
    name: str
    status: str  # one of STATUSES
    model_cfg: dict[str, Any]
    train_cfg: dict[str, Any]
    data: dict[str, Any]  # description of the dataset (source, size, classes, …)
    device: str  # e.g. "CPU" or "GPU:0 (NVIDIA H100)"
    params: int | None  # total parameter count of the model
    started: float | None
    finished: float | None
    error: str | None  # readable reason for failed / diverged runs
    tags: list[str] = field(default_factory=list)  # e.g. ["challenge"]

    @property
    def seconds(self) -> float | None:
        """Wall time of the run, or None until it has started and ended."""
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunStore:
    """Runs in ``<home>/runs.sqlite`` with artifacts in ``<home>/runs/<id>/``.

    Safe to use from several threads and processes: every call opens its own
    short connection (WAL mode, a generous busy timeout).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        home = Path(path) if path is not None else cnnlab_home()
        if home.suffix in (".sqlite", ".db"):
            self.db, self.home = home, home.parent
        else:
            self.db, self.home = home / "runs.sqlite", home
        self.home.mkdir(parents=True, exist_ok=True)
        with self._conn() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
        self._mark_interrupted()

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.db, timeout=30)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys=ON")
        try:
            with con:
                yield con
        finally:
            con.close()

    def _mark_interrupted(self) -> None:
        """Runs whose process is gone (a crashed or restarted server) become interrupted."""
        with self._conn() as con:
            rows = con.execute(
                "SELECT id, pid FROM runs WHERE status IN (?, ?)", LIVE_STATUSES
            ).fetchall()
            for row in rows:
                if row["pid"] != os.getpid() and not _pid_alive(row["pid"]):
                    con.execute(
                        "UPDATE runs SET status='interrupted', error=? WHERE id=?",
                        ("the server stopped while this run was in progress", row["id"]),
                    )

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
    ) -> str:
        """Record a new run and return its id (a short hex string)."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        run_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        with self._conn() as con:
            con.execute(
                "INSERT INTO runs (id, created, name, status, model_cfg, train_cfg, data,"
                " device, params, pid, tags) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    time.time(),
                    name,
                    status,
                    json.dumps(model_cfg),
                    json.dumps(train_cfg),
                    json.dumps(data or {}),
                    device,
                    params,
                    os.getpid(),
                    json.dumps(list(tags)),
                ),
            )
        return run_id

    def update(self, run_id: str, **fields: Any) -> None:
        """Set columns of a run: status, device, params, started, finished, error, name."""
        allowed = {"status", "device", "params", "started", "finished", "error", "name"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"cannot update {sorted(bad)}; allowed: {sorted(allowed)}")
        if "status" in fields and fields["status"] not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {fields['status']!r}")
        if not fields:
            return
        cols = ", ".join(f"{k}=?" for k in fields)
        with self._conn() as con:
            cur = con.execute(f"UPDATE runs SET {cols} WHERE id=?", (*fields.values(), run_id))
            if cur.rowcount == 0:
                raise ValueError(f"no run with id {run_id!r}")

    def log_epoch(self, run_id: str, epoch: int, metrics: dict[str, float]) -> None:
        """Store the metrics of one finished epoch (0-based), replacing any earlier entry."""
        clean = {k: (None if v is None else float(v)) for k, v in metrics.items()}
        with self._conn() as con:
            con.execute(
                "INSERT OR REPLACE INTO epochs (run_id, epoch, metrics) VALUES (?,?,?)",
                (run_id, int(epoch), json.dumps(clean)),
            )

    def run_dir(self, run_id: str) -> Path:
        """The folder holding a run's files."""
        return self.home / "runs" / run_id

    def save_model(self, run_id: str, model: keras.Model) -> Path:
        """Save a Keras model as ``model.keras``, atomically (never a half-written file)."""
        path = self.run_dir(run_id) / "model.keras"
        atomic_write(path, model.save)
        return path

    def save_filters(self, run_id: str, epoch: int, weights: np.ndarray) -> Path:
        """Keep a snapshot of the first-layer filters ``(kh, kw, C_in, F)`` after ``epoch``."""
        path = self.run_dir(run_id) / f"filters_{int(epoch):04d}.npy"
        arr = np.asarray(weights, dtype=np.float32)
        atomic_write(path, lambda p: np.save(p, arr))
        return path

    def delete(self, run_id: str) -> None:
        """Remove a run, its metrics and its files."""
        with self._conn() as con:
            con.execute("DELETE FROM runs WHERE id=?", (run_id,))
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    # -- reading ---------------------------------------------------------------------

    @staticmethod
    def _record(row: sqlite3.Row) -> RunRecord:
        return RunRecord(
            id=row["id"],
            created=row["created"],
            name=row["name"],
            status=row["status"],
            model_cfg=json.loads(row["model_cfg"]),
            train_cfg=json.loads(row["train_cfg"]),
            data=json.loads(row["data"]),
            device=row["device"],
            params=row["params"],
            started=row["started"],
            finished=row["finished"],
            error=row["error"],
            tags=json.loads(row["tags"]),
        )

    def list_runs(self) -> list[RunRecord]:
        """Every run, newest first."""
        with self._conn() as con:
            rows = con.execute("SELECT * FROM runs ORDER BY created DESC").fetchall()
        return [self._record(r) for r in rows]

    def get(self, run_id: str) -> RunRecord:
        """One run; ValueError if there is none with that id."""
        with self._conn() as con:
            row = con.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            raise ValueError(f"no run with id {run_id!r}")
        return self._record(row)

    def history(self, run_id: str) -> dict[str, list[float | None]]:
        """Per-epoch metrics as Keras' ``History.history``: name → list over epochs."""
        with self._conn() as con:
            rows = con.execute(
                "SELECT metrics FROM epochs WHERE run_id=? ORDER BY epoch", (run_id,)
            ).fetchall()
        out: dict[str, list[float | None]] = {}
        for i, row in enumerate(rows):
            for k, v in json.loads(row["metrics"]).items():
                out.setdefault(k, [None] * i).append(v)
            for seq in out.values():
                if len(seq) < i + 1:
                    seq.append(None)
        return out

    def model_path(self, run_id: str) -> Path | None:
        """The saved ``.keras`` file of a run, or None if it has none."""
        path = self.run_dir(run_id) / "model.keras"
        return path if path.exists() else None

    def load_model(self, run_id: str) -> keras.Model:
        """The run's saved Keras model (imports Keras); ValueError if none was saved."""
        path = self.model_path(run_id)
        if path is None:
            raise ValueError(f"run {run_id!r} has no saved model")
        import keras

        return keras.saving.load_model(path, safe_mode=True)

    def filters(self, run_id: str) -> list[np.ndarray]:
        """First-layer filter snapshots, one ``(kh, kw, C_in, F)`` array per epoch."""
        paths = sorted(self.run_dir(run_id).glob("filters_*.npy"))
        return [np.load(p) for p in paths]
