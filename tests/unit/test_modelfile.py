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
