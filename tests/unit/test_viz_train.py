"""Overfitting detection, confusion matrix (against sklearn-free counting) and curves."""

from __future__ import annotations

import numpy as np

from cnnlab.compare import overfit_epoch
from cnnlab.inspect import confusion_matrix
from cnnlab.viz import confusion_figure, curves_figure

LABELS = {k: k for k in ("loss", "accuracy", "train", "val", "batch", "epoch")}


def test_overfit_epoch_finds_the_turn():
    h = {"loss": [1.0, 0.7, 0.5, 0.3, 0.2, 0.1], "val_loss": [1.0, 0.8, 0.6, 0.65, 0.7, 0.9]}
    assert overfit_epoch(h) == 3
    assert overfit_epoch({"loss": [1, 0.5, 0.4, 0.3], "val_loss": [1, 0.6, 0.5, 0.4]}) is None
    # validation rising while training also rises is divergence, not overfitting
    assert overfit_epoch({"loss": [1, 0.5, 0.6, 0.7], "val_loss": [1, 0.5, 0.6, 0.7]}) is None
    assert overfit_epoch({"loss": [1], "val_loss": [1]}) is None


def test_confusion_matrix_counts_every_pair():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 3, 500), rng.integers(0, 3, 500)
    cm = confusion_matrix(y, p, 3)
    for i in range(3):
        for j in range(3):
            assert cm[i, j] == np.sum((y == i) & (p == j))
    fig = confusion_figure(cm, ["a", "b", "c"], true_label="t", pred_label="p")
    assert np.array_equal(np.asarray(fig.data[0].z), cm)


def test_curves_place_batches_at_fractional_epochs():
    batches = [
        {"epoch": e, "step": e * 4 + b + 1, "steps": 8, "loss": 1.0, "accuracy": 0.5}
        for e in range(2)
        for b in range(4)
    ]
    epochs = [
        {"epoch": 0, "loss": 0.9, "accuracy": 0.6, "val_loss": 1.0, "val_accuracy": 0.5},
        {"epoch": 1, "loss": 0.8, "accuracy": 0.7, "val_loss": 0.9, "val_accuracy": 0.6},
    ]
    fig = curves_figure(batches, epochs, labels=LABELS, total_epochs=2)
    batch_trace = fig.data[0]
    assert list(batch_trace.x) == [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
    val_trace = fig.data[2]
    assert list(val_trace.x) == [1, 2] and list(val_trace.y) == [1.0, 0.9]
