"""Data-parallel training on the CPU split into two logical devices (TensorFlow, JAX)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.keras, pytest.mark.slow]  # TensorFlow/JAX in a subprocess, training

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import json, os
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from cnnlab.data import make_shapes, split
from cnnlab.backend import visible_devices
from cnnlab.model import PRESETS
from cnnlab.train import TrainConfig, train
tr, va = split(make_shapes(256, size=16, seed=0))
one = train(PRESETS["seed_shapes"], tr, va, TrainConfig(epochs=1, batch_size=32))
two = train(PRESETS["seed_shapes"], tr, va,
            TrainConfig(epochs=1, batch_size=32, multi_device=True))
print(json.dumps({"devices": len(visible_devices()), "one": one.device, "two": two.device,
                  "status": two.status, "keys": sorted(two.history)}))
"""


def test_two_logical_cpus_train_data_parallel():
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["devices"] == 2
    assert "data parallel" not in res["one"]  # None: only spread over several GPUs
    assert "× 2 devices (data parallel)" in res["two"]
    assert res["status"] == "finished"
    assert res["keys"] == ["accuracy", "loss", "val_accuracy", "val_loss"]


_JAX_SCRIPT = """
import json
from cnnlab.data import make_shapes, split
from cnnlab.backend import visible_devices
from cnnlab.model import PRESETS
from cnnlab.train import TrainConfig, train
tr, va = split(make_shapes(256, size=16, seed=0))
two = train(PRESETS["seed_shapes"], tr, va,
            TrainConfig(epochs=1, batch_size=32, multi_device=True))
print(json.dumps({"devices": len(visible_devices()), "two": two.device,
                  "status": two.status, "keys": sorted(two.history)}))
"""


def test_two_logical_cpus_train_data_parallel_on_jax():
    """keras.distribution.DataParallel: the GPU machine's path, on two host devices."""
    import importlib.util
    import os

    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed here (the GPU machine has it)")
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
    }
    out = subprocess.run(
        [sys.executable, "-c", _JAX_SCRIPT],
        capture_output=True, text=True, cwd=ROOT, timeout=300, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["devices"] == 2
    assert "× 2 devices (data parallel)" in res["two"] and "(jax)" in res["two"]
    assert res["status"] == "finished"
    assert res["keys"] == ["accuracy", "loss", "val_accuracy", "val_loss"]
