"""Keras model files from elsewhere: stored by content hash, loaded in safe mode.

Safe mode refuses Lambda layers and other pickled code, so an uploaded file cannot run
arbitrary Python on the server.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

__all__ = ["MAX_MODEL_BYTES", "store_model_file", "load_model_file"]

MAX_MODEL_BYTES = 200 * 1024 * 1024  # larger than any model a class trains here


def store_model_file(data: bytes, folder: str | Path) -> Path:
    """Write uploaded ``.keras`` bytes to ``folder/<sha256>.keras`` and return the path.

    Raises ValueError for empty or oversized data, or bytes that are not a zip archive
    (every ``.keras`` file is one).
    """
    if not data:
        raise ValueError("the file is empty")
    if len(data) > MAX_MODEL_BYTES:
        raise ValueError(
            f"the file is {len(data) / 2**20:.0f} MB; the limit is {MAX_MODEL_BYTES // 2**20} MB"
        )
    if not data.startswith(b"PK"):
        raise ValueError("this is not a .keras file (a .keras file is a zip archive)")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.keras"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def load_model_file(path: str | Path) -> keras.Model:
    """Load a ``.keras`` file with ``safe_mode=True``; ValueError with the reason if not."""
    import keras

    try:
        return keras.saving.load_model(Path(path), safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - any broken file becomes one readable error
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise ValueError(f"cannot load this model safely: {type(exc).__name__}: {first}") from exc
