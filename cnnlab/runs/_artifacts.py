"""A run's files in ``<home>/runs/<id>/``: model, filter snapshots, resumable checkpoint.

Every file is written atomically (a reader never sees half of one). The files stay on
the machine that trains (or a folder shared between machines); only rows go to the
database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cnnlab._files import atomic_write

if TYPE_CHECKING:
    import keras

__all__ = ["Artifacts"]

MODEL_FILE = "model.keras"
CHECKPOINT_FILE = "checkpoint.keras"
CHECKPOINT_INFO = "checkpoint.json"
CHECKPOINT_ARRAYS = "checkpoint.npz"


class Artifacts:
    """The file methods of RunStore (mixed in; ``home`` is the store's home folder)."""

    home: Path

    def run_dir(self, run_id: str) -> Path:
        """The folder holding a run's files."""
        return self.home / "runs" / run_id

    def save_model(self, run_id: str, model: keras.Model) -> Path:
        """Save a Keras model as ``model.keras``, atomically (never a half-written file)."""
        path = self.run_dir(run_id) / MODEL_FILE
        atomic_write(path, model.save)
        return path

    def save_filters(self, run_id: str, epoch: int, weights: np.ndarray) -> Path:
        """Keep a snapshot of the first-layer filters ``(kh, kw, C_in, F)`` after ``epoch``."""
        path = self.run_dir(run_id) / f"filters_{int(epoch):04d}.npy"
        arr = np.asarray(weights, dtype=np.float32)
        atomic_write(path, lambda p: np.save(p, arr))
        return path

    def model_path(self, run_id: str) -> Path | None:
        """The saved ``.keras`` file of a run, or None if it has none."""
        path = self.run_dir(run_id) / MODEL_FILE
        return path if path.exists() else None

    def load_model(self, run_id: str) -> keras.Model:
        """The run's saved Keras model, loaded in safe mode (imports Keras); ValueError if
        none was saved or it cannot be loaded."""
        path = self.model_path(run_id)
        if path is None:
            raise ValueError(f"run {run_id!r} has no saved model")
        from cnnlab.modelfile import load_model_file

        return load_model_file(path)

    def filters(self, run_id: str) -> list[np.ndarray]:
        """First-layer filter snapshots, one ``(kh, kw, C_in, F)`` array per epoch."""
        paths = sorted(self.run_dir(run_id).glob("filters_*.npy"))
        return [np.load(p) for p in paths]

    def save_checkpoint(
        self,
        run_id: str,
        model: keras.Model | Mapping[str, np.ndarray],
        epochs_done: int,
    ) -> Path:
        """Save what a run resumes from after ``epochs_done`` epochs: a Keras model as
        ``checkpoint.keras``, or a trainer's snapshot of its variables (name → array) as
        ``checkpoint.npz`` (much faster: no config, no zip); then ``checkpoint.json`` (so
        the count never runs ahead of the weights), all atomically. Returns the path."""
        folder = self.run_dir(run_id)
        if isinstance(model, Mapping):
            arrays = {k: np.asarray(v) for k, v in model.items()}
            path = folder / CHECKPOINT_ARRAYS
            atomic_write(path, lambda p: np.savez(p, **arrays))  # type: ignore[arg-type]
        else:
            path = folder / CHECKPOINT_FILE
            atomic_write(path, model.save)
        info = json.dumps({"epochs_done": int(epochs_done), "file": path.name})
        atomic_write(folder / CHECKPOINT_INFO, lambda p: Path(p).write_text(info))
        return path

    def checkpoint(self, run_id: str) -> tuple[Path, int] | None:
        """``(path, epochs_done)`` of the latest checkpoint (``checkpoint.keras`` or
        ``checkpoint.npz``), or None if the run has none (or its files are incomplete)."""
        folder = self.run_dir(run_id)
        try:
            info = json.loads((folder / CHECKPOINT_INFO).read_text())
            done = int(info["epochs_done"])
            name = str(info.get("file", CHECKPOINT_FILE))
        except (OSError, ValueError, TypeError, KeyError):
            return None
        if name not in (CHECKPOINT_FILE, CHECKPOINT_ARRAYS):
            return None
        path = folder / name
        return (path, done) if path.exists() else None
