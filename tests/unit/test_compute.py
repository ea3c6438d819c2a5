"""The compute panel's facts: backend resolution and device listing without imports."""

from __future__ import annotations

import json

from cnnlab.backend import compute_info, keras_backend


def test_backend_from_environment(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert keras_backend() == "jax"


def test_backend_from_keras_json(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "torch"}))
    assert keras_backend() == "torch"
    (tmp_path / "keras.json").write_text("{not json")
    assert keras_backend() == "tensorflow"


def test_compute_info_describes_cpu():
    info = compute_info()
    assert "cores" in info.cpu
    assert info.has_gpu == bool(info.gpus)
