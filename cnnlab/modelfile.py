"""Keras model files from elsewhere: stored by content hash, loaded in safe mode.

Safe mode refuses Lambda layers and other pickled code, so an uploaded file cannot run
arbitrary Python on the server.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab import _errors as say
from cnnlab._progress import Progress
from cnnlab.limits import InputError, limits

if TYPE_CHECKING:
    import keras

__all__ = ["MAX_MODEL_BYTES", "store_model_file", "load_model_file", "probe_model_file"]

# CNNLAB_MAX_MODEL_BYTES when this module was imported (default 200 MB: larger than any
# model a class trains here); the budgets live in cnnlab.limits.
MAX_MODEL_BYTES = limits().max_model_bytes


def store_model_file(data: bytes, folder: str | Path) -> Path:
    """Write uploaded ``.keras`` bytes to ``folder/<sha256>.keras`` and return the path.

    Raises ValueError for empty or oversized data, or bytes that are not a zip archive
    (every ``.keras`` file is one).
    """
    if not data:
        raise InputError("model_empty", "the file is empty")
    if len(data) > MAX_MODEL_BYTES:
        raise InputError(
            "model_too_big",
            f"the file is {len(data) / 2**20:.0f} MB; the limit is {MAX_MODEL_BYTES // 2**20} MB",
            size=say.size(len(data)),
            limit=say.size(MAX_MODEL_BYTES),
        )
    if not data.startswith(b"PK"):
        raise InputError(
            "model_not_zip", "this is not a .keras file (a .keras file is a zip archive)"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.keras"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def load_model_file(path: str | Path, *, progress: Progress | None = None) -> keras.Model:
    """Load a ``.keras`` file with ``safe_mode=True``; ValueError with the reason if not.

    ``progress(done, 2)``, when given, counts two stages: Keras imported, model loaded.
    """
    report = progress or (lambda done, total: None)
    report(0, 2)
    import keras

    report(1, 2)
    try:
        model = keras.saving.load_model(Path(path), safe_mode=True)
        report(2, 2)
        return model
    except Exception as exc:  # noqa: BLE001 - any broken file becomes one readable error
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        detail = f"{type(exc).__name__}: {first}"
        raise InputError(
            "model_unsafe", f"cannot load this model safely: {detail}", detail=detail
        ) from exc


_PROBE = """
import json, sys
from cnnlab.modelfile import load_model_file
try:
    stage = lambda d, n: print(json.dumps({"stage": d}), flush=True)  # noqa: E731
    m = load_model_file(sys.argv[1], progress=stage)
    print(json.dumps({"params": int(m.count_params())}))
except ValueError as exc:
    code, params = getattr(exc, "code", None), getattr(exc, "params", None)
    print(json.dumps({"error": str(exc), "code": code, "params": params}, default=str))
"""


class _Lines:
    """The checking process's output lines, read as they come without blocking; its
    ``{"stage": d}`` lines go to ``report(d, 2)``, the others are kept."""

    def __init__(self, proc: subprocess.Popen, report: Progress) -> None:
        self._fd = proc.stdout.fileno() if proc.stdout else -1
        self._buf, self._report = b"", report
        self._kept: list[str] = []
        if self._fd >= 0:
            os.set_blocking(self._fd, False)
        report(0, 2)

    def read(self, *, final: bool = False) -> list[str]:
        while self._fd >= 0:
            try:
                chunk = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                break
            self._buf += chunk
        *done, self._buf = self._buf.split(b"\n")
        if final:
            done.append(self._buf)
        for raw in done:
            line = raw.decode("utf-8", "replace").strip()
            stage = _stage(line)
            if stage:  # (stage 0 was reported when the process started)
                self._report(stage, 2)
            elif stage is None and line:
                self._kept.append(line)
        return self._kept


def _stage(line: str) -> int | None:
    """``{"stage": 1}`` → 1; None for any other line."""
    if not line.startswith('{"stage":'):
        return None
    try:
        return int(json.loads(line)["stage"])
    except (ValueError, KeyError, TypeError):
        return None


def _rss(pid: int) -> int:
    """Resident memory of process ``pid`` in bytes (Linux /proc), 0 when unknown."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * 4096
    except (OSError, ValueError, IndexError):
        return 0


def probe_model_file(
    path: str | Path,
    *,
    memory: int | None = None,
    timeout: float = 180.0,
    progress: Progress | None = None,
) -> int:
    """Load a model file in a separate process, watched and killed past ``memory`` bytes
    of resident memory (default: 1.5 GB for Keras plus 8 bytes per allowed parameter),
    and return its parameter count. The web server never builds an unchecked model: a
    15 KB file declaring one huge layer costs that process, not the server.

    Raises ValueError when the file cannot load, needs more memory than allowed, or has
    more parameters than ``CNNLAB_MAX_MODEL_PARAMS``. ``progress(done, 2)``, when given,
    follows the checking process from this thread: Keras imported there, model built.
    """
    report = progress or (lambda done, total: None)
    budget = limits().max_model_params
    memory = memory if memory is not None else 1_500_000_000 + 8 * budget
    proc = subprocess.Popen(
        [sys.executable, "-c", _PROBE, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    lines = _Lines(proc, report)
    deadline = time.monotonic() + timeout
    peak = 0
    while proc.poll() is None:
        lines.read()
        peak = max(peak, _rss(proc.pid))
        if peak > memory or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise InputError(
                "model_memory",
                "this model needs more memory than a model file may use here "
                f"({memory / 1e9:.1f} GB); it was not loaded",
                memory=say.size(memory),
            )
        time.sleep(0.05)
    out = lines.read(final=True)
    try:
        answer = json.loads(out[-1])
    except (IndexError, ValueError):
        raise InputError(
            "model_failed", "this model could not be loaded (the loading process failed)"
        ) from None
    if "error" in answer:
        code, params = answer.get("code"), answer.get("params")
        if isinstance(code, str) and isinstance(params, dict):
            raise InputError(code, str(answer["error"]), **params)
        raise ValueError(answer["error"])
    count = int(answer["params"])
    if count > budget:
        raise InputError(
            "model_params",
            f"this model has {count:,} parameters; the limit here is {budget:,} "
            "(CNNLAB_MAX_MODEL_PARAMS)",
            count=say.number(count),
            limit=say.number(budget),
        )
    return count
