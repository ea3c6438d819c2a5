"""Downloads where users reach for them: a run's history (CSV) and request (JSON) on Train
and Experiments, the MLflow export, and a PNG button on every figure (Plotly's toImage).

AppTest keeps a download button's bytes in the run's in-memory media storage and the
element names only its URL; ``media`` records every storage so that a test can read the
bytes behind a URL (the storage is dropped when the run ends).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from cnnlab import compare
from cnnlab.runs import RunStore
from dashboard import ui
from tests.app.conftest import open_app


@pytest.fixture
def media(monkeypatch) -> list[MemoryMediaFileStorage]:
    made: list[MemoryMediaFileStorage] = []
    real = MemoryMediaFileStorage.__init__

    def recording(self, endpoint):
        real(self, endpoint)
        made.append(self)

    monkeypatch.setattr(MemoryMediaFileStorage, "__init__", recording)
    return made


def _download(at, media, key: str) -> tuple[bytes, str]:
    """The bytes and file name behind the download button with widget key ``key``."""
    (el,) = [b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}")]
    name = el.proto.url.rsplit("/", 1)[-1]
    for storage in reversed(media):  # the last run's storage holds this run's files
        try:
            f = storage.get_file(name)
        except Exception:  # noqa: BLE001 - not in this run's storage
            continue
        return f.content, f.filename or ""
    raise AssertionError(f"no media file {name!r} for {key}")


def _runs(home: Path) -> tuple[RunStore, list[str]]:
    """Two finished hand-made runs (no Keras): one with a request, one without."""
    store = RunStore(home)
    ids = []
    for i, request in enumerate(
        ({"name": "req", "model": "seed_shapes", "data": {"source": "shapes", "n": 200},
          "train": {"epochs": 2}, "tags": []}, None)
    ):  # fmt: skip
        rid = store.create(
            model_cfg={"name": "seed_shapes", "input_shape": [16, 16, 1]},
            train_cfg={"epochs": 2, "seed": i}, name=f"run{i}", params=100,
            data={"source": "shapes", "spec": {"source": "shapes", "n": 200}},
            request=request,
        )  # fmt: skip
        for e in range(2):
            v = 0.5 + 0.1 * e + 0.01 * i
            store.log_epoch(rid, e, {"loss": 1 - v, "accuracy": v, "val_loss": 1.1 - v,
                                     "val_accuracy": v})  # fmt: skip
        store.update(rid, status="finished", started=1.0, finished=3.0, device="CPU")
        ids.append(rid)
    return store, ids


def _home() -> Path:
    import os

    return Path(os.environ["CNNLAB_HOME"])


def _configs(at) -> list[dict]:
    return [json.loads(el.proto.config) for el in at.get("plotly_chart")]


def _only_png(cfg: dict) -> bool:
    return (
        cfg["displayModeBar"] is True
        and cfg["modeBarButtons"] == [["toImage"]]
        and cfg["toImageButtonOptions"]["format"] == "png"
    )


def test_experiments_downloads_the_selected_runs_history_and_request(media):
    store, ids = _runs(_home())
    at = open_app("page_experiments.py")
    assert not at.exception, at.exception
    for rid in ids:
        at.multiselect(key="experiments_runs").set_value([rid]).run()
        assert not at.exception, at.exception
        rec = store.get(rid)
        data, name = _download(at, media, "experiments_history_csv")
        assert data.decode() == compare.history_csv(store.history(rid))
        assert name == f"cnnlab-history-{rid}.csv"
        lines = data.decode().splitlines()
        assert lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy" and len(lines) == 3
        data, name = _download(at, media, "experiments_request_json")
        doc = json.loads(data)
        assert doc == compare.run_request(rec) and {"model", "data", "train"} <= set(doc)
        assert name == f"cnnlab-request-{rid}.json"
    assert rec.request == {} and doc["data"] == {"source": "shapes", "n": 200}  # from its row
    assert json.loads(_download(at, media, "experiments_request_json")[0])["name"] == "run1"
    at.multiselect(key="experiments_runs").set_value([ids[0]]).run()
    assert json.loads(_download(at, media, "experiments_request_json")[0])["model"] == (
        "seed_shapes"
    )  # the request as it was made
    configs = _configs(at)
    assert configs and all(_only_png(c) for c in configs)
    assert configs[0]["toImageButtonOptions"]["filename"] == "cnnlab-experiments_curves"


def test_experiments_exports_the_selected_runs_to_mlflow(monkeypatch):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    store, ids = _runs(_home())
    at = open_app("page_experiments.py")
    at.multiselect(key="experiments_runs").set_value(ids).run()
    button = at.button(key="experiments_mlflow")
    assert button.label == "Export the 2 selected runs to MLflow"
    button.click().run()
    assert not at.exception, at.exception
    assert any("2 runs exported to MLflow" in s.value for s in at.success)
    client = MlflowClient(tracking_uri=(_home() / "mlruns").as_uri())
    exp = client.get_experiment_by_name("cnnlab")
    runs = client.search_runs([exp.experiment_id])
    assert sorted(r.data.tags["cnnlab.run_id"] for r in runs) == sorted(ids)


def test_without_mlflow_there_is_no_export_button(monkeypatch):
    from cnnlab import runs

    monkeypatch.setattr(runs, "mlflow_available", lambda: False)
    _, ids = _runs(_home())
    at = open_app("page_experiments.py")
    at.multiselect(key="experiments_runs").set_value(ids).run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "experiments_mlflow"]


def _train_files(run_id: str) -> None:
    from dashboard import page_train

    page_train._run_files(run_id)


def test_train_results_download_the_runs_history_and_request(media):
    """The Train page's results call ``_run_files`` (a real job is tested in
    test_page_train.py); here its buttons, for a stored run."""
    store, ids = _runs(_home())
    at = AppTest.from_function(_train_files, args=(ids[0],), default_timeout=30).run()
    assert not at.exception, at.exception
    data, name = _download(at, media, "train_history_csv")
    assert data.decode() == compare.history_csv(store.history(ids[0]))
    assert name == f"cnnlab-history-{ids[0]}.csv"
    data, name = _download(at, media, "train_config_json")
    assert json.loads(data) == store.get(ids[0]).request
    assert name == f"cnnlab-config-{ids[0]}.json"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Per-epoch history (CSV)", "Configuration: model, data, training (JSON)"]


@pytest.mark.parametrize("page", ["page_pooling.py", "page_data.py"])
def test_every_figure_has_a_png_button(page):
    at = open_app(page)
    assert not at.exception, at.exception
    configs = _configs(at)
    assert configs and all(_only_png(c) for c in configs), configs
    assert all(c["toImageButtonOptions"]["filename"].startswith("cnnlab-") for c in configs)


def test_figure_config_keeps_the_canvas_buttons_and_turns_a_static_plot_into_a_quiet_one():
    canvas = ui.figure_config("inspect_canvas_0", {"displayModeBar": True,
                              "modeBarButtonsToRemove": ["toImage"]},
                              buttons=("lasso2d", "select2d"))  # fmt: skip
    assert canvas["modeBarButtons"] == [["toImage", "lasso2d", "select2d"]]
    assert "modeBarButtonsToRemove" not in canvas
    static = ui.figure_config("data_grid", {"staticPlot": True, "displayModeBar": False})
    assert "staticPlot" not in static and static["displayModeBar"] is True
    assert static["scrollZoom"] is False and static["toImageButtonOptions"] == {
        "format": "png", "filename": "cnnlab-data_grid", "scale": 2,
    }  # fmt: skip
