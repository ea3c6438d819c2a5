"""What will run the numbers: the Keras backend and the CPU/GPU devices, found cheaply.

Nothing here imports TensorFlow, JAX or PyTorch unless it is already imported: the
Kernels and Pooling pages show this panel and must stay light.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["BACKENDS", "ComputeInfo", "keras_backend", "compute_info"]

BACKENDS = ("tensorflow", "jax", "torch", "numpy", "openvino")  # what KERAS_BACKEND may name


@dataclass(frozen=True)
class ComputeInfo:
    """A description of the machine, for people."""

    backend: str  # Keras backend that training will use
    cpu: str  # CPU model name and logical core count
    gpus: tuple[str, ...] = field(default_factory=tuple)  # accelerator names, may be empty
    keras_loaded: bool = False  # whether Keras is already imported in this process

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpus)


def keras_backend() -> str:
    """The backend Keras will pick: $KERAS_BACKEND, then ~/.keras/keras.json, then tensorflow."""
    env = os.environ.get("KERAS_BACKEND", "").strip().lower()
    if env in BACKENDS:
        return env
    cfg = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"
    try:
        name = json.loads(cfg.read_text()).get("backend", "")
    except (OSError, ValueError):
        name = ""
    return name if name in BACKENDS else "tensorflow"


def _cpu_name() -> str:
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name} ({os.cpu_count() or 1} cores)"


def _nvidia_gpus() -> list[str]:
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run(
            [exe, "--query-gpu=name,memory.total", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def _loaded_framework_gpus() -> list[str]:
    """Accelerators seen by a framework that is already imported (never imports one)."""
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        try:
            return [d.name for d in tf.config.list_physical_devices("GPU")]
        except Exception:  # noqa: BLE001 - a broken driver must not break the panel
            return []
    if "jax" in sys.modules:
        try:
            return [str(d) for d in sys.modules["jax"].devices() if d.platform != "cpu"]
        except Exception:  # noqa: BLE001
            return []
    return []


@lru_cache(maxsize=1)
def _static_info() -> tuple[str, tuple[str, ...]]:
    gpus = _nvidia_gpus()
    if not gpus and platform.system() == "Darwin" and platform.machine() == "arm64":
        gpus = ["Apple silicon GPU (Metal)"]
    return _cpu_name(), tuple(gpus)


def compute_info() -> ComputeInfo:
    """Describe backend, CPU and GPUs without importing a deep-learning framework.

    >>> info = compute_info()
    >>> info.backend in ("tensorflow", "jax", "torch", "numpy", "openvino")
    True
    """
    cpu, gpus = _static_info()
    loaded = _loaded_framework_gpus()
    return ComputeInfo(
        backend=keras_backend(),
        cpu=cpu,
        gpus=tuple(loaded) if loaded else gpus,
        keras_loaded="keras" in sys.modules,
    )
