"""Uploaded .keras files: stored by hash, loaded safely, junk refused with a reason."""

from __future__ import annotations

import pytest

from cnnlab.model import PRESETS, build_model
from cnnlab.modelfile import load_model_file, store_model_file

pytestmark = pytest.mark.keras


def test_real_model_round_trips(tmp_path):
    model = build_model(PRESETS["seed_shapes"].with_data(input_shape=(16, 16, 1)))
    model.save(tmp_path / "m.keras")
    path = store_model_file((tmp_path / "m.keras").read_bytes(), tmp_path / "up")
    assert path.suffix == ".keras" and path.parent.name == "up"
    assert load_model_file(path).count_params() == model.count_params()


@pytest.mark.parametrize(
    "data,message",
    [(b"", "empty"), (b"hello", "not a .keras file"), (b"PK\x03\x04broken", "cannot load")],
)
def test_junk_is_refused(tmp_path, data, message):
    with pytest.raises(ValueError, match=message):
        load_model_file(store_model_file(data, tmp_path))


def test_lambda_layers_are_refused_by_safe_mode(tmp_path):
    import keras

    inp = keras.Input((4,))
    model = keras.Model(inp, keras.layers.Lambda(lambda x: x * 2)(inp))
    model.save(tmp_path / "lambda.keras")
    path = store_model_file((tmp_path / "lambda.keras").read_bytes(), tmp_path / "up")
    with pytest.raises(ValueError, match="safely"):
        load_model_file(path)


def _huge_dense_file(tmp_path, units: int) -> bytes:
    """A small .keras file whose config declares one Dense layer of ``units``² weights
    (the weights file stays tiny: the layer is built before loading can fail)."""
    import io
    import zipfile

    import keras

    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(4)])
    path = tmp_path / "small.keras"
    model.save(path)
    src = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "config.json":
                text = data.decode().replace('"units": 4', f'"units": {units}')
                data = text.replace("[null, 8]", f"[null, {units}]").encode()
            dst.writestr(item.filename, data)
    return out.getvalue()


@pytest.mark.slow
@pytest.mark.keras
def test_a_tiny_file_declaring_a_huge_layer_costs_the_server_nothing(tmp_path):
    import resource

    from cnnlab.modelfile import probe_model_file

    data = _huge_dense_file(tmp_path, 60_000)  # 3.6 G weights: ~14 GB if built
    assert len(data) < 50_000
    path = store_model_file(data, tmp_path / "models")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match="more memory|parameters"):
        probe_model_file(path, memory=1_200_000_000)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 300  # this process (the server) never built it


@pytest.mark.slow
@pytest.mark.keras
def test_a_model_over_the_parameter_budget_is_refused_in_words(tmp_path, monkeypatch):
    import keras

    from cnnlab.modelfile import probe_model_file

    path = tmp_path / "m.keras"
    keras.Sequential([keras.Input(shape=(40,)), keras.layers.Dense(40)]).save(path)
    assert probe_model_file(path) == 40 * 40 + 40
    monkeypatch.setenv("CNNLAB_MAX_MODEL_PARAMS", "100")
    with pytest.raises(ValueError, match="1,640 parameters; the limit here is 100"):
        probe_model_file(path)
