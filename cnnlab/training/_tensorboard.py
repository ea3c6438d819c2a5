"""TensorBoard event files for a run, on every Keras backend.

``keras.callbacks.TensorBoard`` needs TensorFlow (and TensorFlow no longer brings the
``tensorboard`` package), so a run's events are written here with TensorBoard's own
low-level writer: scalars per batch (``batch/loss``, ``batch/accuracy`` by global step),
scalars per epoch (``epoch/loss``, ``epoch/accuracy``, ``epoch/val_loss``,
``epoch/val_accuracy`` by epoch, counted from 0 like the history), and the first-layer
filters as one PNG grid per epoch (``filters``). :func:`tensorboard_writer` gives a
listener for ``train()`` (like the Recorder), or None when ``tensorboard`` is not
installed. Read the runs with ``tensorboard --logdir ~/.cnnlab/runs``.

>>> import tempfile
>>> tb = tensorboard_writer(tempfile.mkdtemp())  # doctest: +SKIP
>>> tb.on_epoch({"epoch": 0, "loss": 0.7, "val_loss": 0.69})  # doctest: +SKIP
>>> tb.close()  # doctest: +SKIP
"""

from __future__ import annotations

import io
import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["TENSORBOARD_DIR", "TensorBoardWriter", "filters_png", "tensorboard_writer"]

log = logging.getLogger(__name__)

TENSORBOARD_DIR = "tensorboard"  # under RunStore.run_dir(run_id)
BATCH_TAGS = ("loss", "accuracy")
EPOCH_TAGS = ("loss", "accuracy", "val_loss", "val_accuracy")
FILTERS_TAG = "filters"


def filters_png(kernel: np.ndarray, *, cols: int = 8, cell: int = 32) -> tuple[bytes, int, int]:
    """First-layer filters ``(kh, kw, C_in, F)`` as one PNG grid, as the Inspect page
    draws them (grey, or RGB for 3 input channels; 0 = mid grey).

    Returns ``(png bytes, height, width)``.

    >>> png, h, w = filters_png(np.zeros((3, 3, 1, 4)), cell=6)
    >>> png[:4], (h, w)
    (b'\\x89PNG', (6, 33))
    """
    from PIL import Image

    from cnnlab.inspect import filter_images
    from cnnlab.viz import filter_grid

    grid = filter_grid(filter_images(kernel), cols=cols, cell=cell)
    buf = io.BytesIO()
    Image.fromarray(grid).save(buf, format="PNG")
    return buf.getvalue(), int(grid.shape[0]), int(grid.shape[1])


class TensorBoardWriter:
    """A training listener writing one run's TensorBoard events into ``logdir``.

    ``on_batch``/``on_epoch`` take the progress dicts ``train()`` sends; ``on_filters``
    the first-layer kernel after an epoch. Non-finite values are skipped (a diverged
    batch would otherwise flatten the chart). Call :meth:`close` at the end.
    """

    def __init__(self, logdir: str | Path) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        self.logdir = Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        self._event, self._summary = event_pb2, summary_pb2
        self._writer = EventFileWriter(str(self.logdir), flush_secs=5)

    def _write(self, step: int, value: Any) -> None:
        summary = self._summary.Summary(value=[value])
        self._writer.add_event(
            self._event.Event(wall_time=time.time(), step=int(step), summary=summary)
        )

    def scalar(self, tag: str, value: float, step: int) -> None:
        """One scalar point (skipped when not finite)."""
        if value is None or not math.isfinite(float(value)):
            return
        self._write(step, self._summary.Summary.Value(tag=tag, simple_value=float(value)))

    def image(self, tag: str, png: bytes, height: int, width: int, step: int) -> None:
        """One PNG image (``height`` × ``width``, RGB)."""
        img = self._summary.Summary.Image(
            height=height, width=width, colorspace=3, encoded_image_string=png
        )
        self._write(step, self._summary.Summary.Value(tag=tag, image=img))

    def on_batch(self, info: dict[str, Any]) -> None:
        step = int(info.get("step", 0))
        for name in BATCH_TAGS:
            if name in info:
                self.scalar(f"batch/{name}", info[name], step)

    def on_epoch(self, info: dict[str, Any]) -> None:
        epoch = int(info.get("epoch", 0))
        for name in EPOCH_TAGS:
            if name in info:
                self.scalar(f"epoch/{name}", info[name], epoch)
        self._writer.flush()

    def on_filters(self, epoch: int, kernel: np.ndarray) -> None:
        """The first-layer filters after ``epoch`` epochs (0 = before training)."""
        png, h, w = filters_png(np.nan_to_num(kernel))  # a diverged run's NaN: grey
        self.image(FILTERS_TAG, png, h, w, epoch)

    def close(self) -> None:
        self._writer.close()


def tensorboard_writer(logdir: str | Path) -> TensorBoardWriter | None:
    """A :class:`TensorBoardWriter` for ``logdir``, or None (one log line) when the
    ``tensorboard`` package is not installed."""
    try:
        return TensorBoardWriter(logdir)
    except ImportError:
        log.info("tensorboard is not installed: no TensorBoard events for %s", logdir)
        return None
