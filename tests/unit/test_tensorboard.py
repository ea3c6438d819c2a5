"""TensorBoard event files for every stored run, read back with TensorBoard's own reader."""

from __future__ import annotations

import builtins
import logging

import numpy as np
import pytest

from cnnlab.training import TENSORBOARD_DIR, TensorBoardWriter, filters_png, tensorboard_writer

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)


def _read(logdir) -> EventAccumulator:
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    return acc


def test_the_writer_hooks_write_scalars_and_the_filter_grid(tmp_path):
    tb = TensorBoardWriter(tmp_path)
    for step in (1, 2, 3):
        tb.on_batch({"epoch": 0, "batch": step - 1, "step": step, "loss": 1.0 / step,
                     "accuracy": 0.5, "images_per_second": 10.0})  # fmt: skip
    tb.on_batch({"epoch": 0, "batch": 3, "step": 4, "loss": float("nan"), "accuracy": 0.5})
    tb.on_epoch({"epoch": 0, "loss": 0.5, "accuracy": 0.6, "val_loss": 0.7,
                 "val_accuracy": 0.55, "seconds": 1.0})  # fmt: skip
    kernel = np.random.default_rng(0).normal(size=(3, 3, 1, 10)).astype(np.float32)
    tb.on_filters(1, kernel)
    tb.close()
    acc = _read(tmp_path)
    tags = acc.Tags()
    assert set(tags["scalars"]) == {
        "batch/loss", "batch/accuracy",
        "epoch/loss", "epoch/accuracy", "epoch/val_loss", "epoch/val_accuracy",
    }  # fmt: skip
    loss = acc.Scalars("batch/loss")
    assert [e.step for e in loss] == [1, 2, 3]  # the NaN batch is left out
    assert [e.value for e in loss] == pytest.approx([1.0, 0.5, 1 / 3])
    assert acc.Scalars("epoch/val_accuracy")[0].value == pytest.approx(0.55)
    (img,) = acc.Images("filters")
    png, h, w = filters_png(kernel)
    assert (img.step, img.height, img.width) == (1, h, w)
    assert img.encoded_image_string == png
    cell = 32 // 3 * 3  # each 3×3 filter enlarged to a whole multiple of its size
    assert (h, w) == (cell * 2 + 4, cell * 8 + 7 * 4)  # 10 filters: 8 a row, 4 px gaps


def test_without_tensorboard_there_is_no_writer_and_one_log_line(tmp_path, monkeypatch, caplog):
    real = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("tensorboard"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with caplog.at_level(logging.INFO, logger="cnnlab.training._tensorboard"):
        assert tensorboard_writer(tmp_path / "tb") is None
    assert len(caplog.records) == 1 and "tensorboard" in caplog.text


@pytest.mark.keras
def test_a_stored_run_has_events_equal_to_its_history(tmp_path):
    from cnnlab.data import make_shapes, split
    from cnnlab.model import PRESETS
    from cnnlab.runs import RunStore
    from cnnlab.train import TrainConfig, train

    tr, va = split(make_shapes(160, size=16, seed=1), val_fraction=0.25, seed=0)
    store = RunStore(tmp_path)
    res = train(PRESETS["seed_shapes"], tr, va, TrainConfig(epochs=2, batch_size=40), store=store)
    logdir = store.run_dir(res.run_id) / TENSORBOARD_DIR
    acc = _read(logdir)
    history = store.history(res.run_id)
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        events = acc.Scalars(f"epoch/{name}")
        assert [e.step for e in events] == [0, 1]
        assert [e.value for e in events] == pytest.approx(history[name], rel=1e-6)
    steps = [e.step for e in acc.Scalars("batch/loss")]
    assert steps == list(range(1, 2 * 3 + 1))  # 120 images / 40 a batch, 2 epochs
    assert len(acc.Scalars("batch/accuracy")) == 6
    images = acc.Images("filters")
    assert [i.step for i in images] == [0, 1, 2]  # before training, then after each epoch
    _, h, w = filters_png(store.filters(res.run_id)[-1])
    assert all((i.height, i.width) == (h, w) for i in images)
