"""cnnlab.runs.export_mlflow into a temporary file: store, read back with MlflowClient."""

from __future__ import annotations

import builtins

import pytest

from cnnlab.runs import RunStore, export_mlflow, tracking_uri_for


def _run(store: RunStore) -> str:
    rid = store.create(
        model_cfg={"name": "seed_shapes", "blocks": [{"filters": 8, "kernel": 3}],
                   "input_shape": [16, 16, 1]},
        train_cfg={"epochs": 2, "learning_rate": 0.001, "optimizer": "adam"},
        name="tiny", params=1234, tags=("challenge",),
    )  # fmt: skip
    store.log_epoch(rid, 0, {"loss": 0.7, "accuracy": 0.5, "val_loss": 0.69, "val_accuracy": 0.5})
    store.log_epoch(rid, 1, {"loss": 0.4, "accuracy": 0.8, "val_loss": 0.45, "val_accuracy": 0.75})
    store.claim(rid, host="here:1")
    store.finish(rid, "finished")
    folder = store.run_dir(rid)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.keras").write_bytes(b"not really a model")
    return rid


def test_a_run_exports_its_params_metrics_and_model(tmp_path):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    store = RunStore(tmp_path / "home")
    rid = _run(store)
    uri = tracking_uri_for(tmp_path / "mlruns")
    assert uri.startswith("file:")
    mid = export_mlflow(store, rid, tracking_uri=uri, experiment="lab")
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(mid)
    assert run.info.status == "FINISHED"
    assert run.info.experiment_id == client.get_experiment_by_name("lab").experiment_id
    assert run.data.tags["cnnlab.run_id"] == rid and run.data.tags["mlflow.runName"] == "tiny"
    p = run.data.params
    assert p["model.blocks.0.filters"] == "8" and p["model.input_shape"] == "[16, 16, 1]"
    assert p["train.learning_rate"] == "0.001" and p["params"] == "1234"
    history = store.history(rid)
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        points = client.get_metric_history(mid, name)
        assert [m.step for m in points] == [0, 1]
        assert [m.value for m in points] == pytest.approx(history[name])
    (art,) = client.list_artifacts(mid, "model")
    assert art.path == "model/model.keras" and art.file_size == len(b"not really a model")
    again = export_mlflow(store, rid, tracking_uri=str(tmp_path / "mlruns"), experiment="lab")
    assert again != mid  # a folder works as well; a second export is a second run


def test_without_mlflow_the_error_says_what_to_install(tmp_path, monkeypatch):
    store = RunStore(tmp_path / "home")
    rid = _run(store)
    real = builtins.__import__

    def no_mlflow(name, *args, **kwargs):
        if name.startswith("mlflow"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mlflow)
    with pytest.raises(ValueError, match="pip install mlflow-skinny"):
        export_mlflow(store, rid, tracking_uri=str(tmp_path / "mlruns"))


def test_an_unknown_run_is_a_value_error(tmp_path):
    pytest.importorskip("mlflow")
    with pytest.raises(ValueError):
        export_mlflow(RunStore(tmp_path / "home"), "nope", tracking_uri=str(tmp_path / "m"))
