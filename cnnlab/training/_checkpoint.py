"""Per-epoch checkpoints that cost the training almost nothing.

At the end of an epoch the trainer copies its variables (model weights, batch-norm
statistics, optimizer state) into NumPy arrays — milliseconds even for the seed's
830,849-parameter model — and a background thread writes them (``checkpoint.npz``) while
the next epoch trains. A run resumes by building the same model, compiling it, and
assigning the arrays back.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

    from cnnlab.runs import RunStore

__all__ = ["Checkpointer", "restore", "snapshot"]


def snapshot(model: keras.Model) -> dict[str, np.ndarray]:
    """``{"w0": …, "w1": …, "o0": …}``: every model variable, then every optimizer one."""
    import keras

    out = {f"w{i}": keras.ops.convert_to_numpy(v.value) for i, v in enumerate(model.weights)}
    opt = getattr(model, "optimizer", None)
    if opt is not None and opt.built:
        for i, v in enumerate(opt.variables):
            out[f"o{i}"] = keras.ops.convert_to_numpy(v.value)
    return out


def restore(model: keras.Model, arrays: dict[str, np.ndarray]) -> None:
    """Assign a :func:`snapshot` to a freshly built, compiled model of the same design.

    Raises ValueError when the arrays do not fit the model (another design).
    """
    weights = model.weights
    if sum(k.startswith("w") for k in arrays) != len(weights):
        raise ValueError("the checkpoint does not fit this model (another design?)")
    for i, v in enumerate(weights):
        if tuple(v.shape) != arrays[f"w{i}"].shape:
            raise ValueError(f"the checkpoint's variable {v.path} has another shape")
        v.assign(arrays[f"w{i}"])
    n_opt = sum(k.startswith("o") for k in arrays)
    if n_opt and model.optimizer is not None:
        model.optimizer.build(model.trainable_variables)
        if len(model.optimizer.variables) == n_opt:  # else: a fresh optimizer state
            for i, v in enumerate(model.optimizer.variables):
                v.assign(arrays[f"o{i}"])


class Checkpointer:
    """Writes checkpoints one after another in a background thread."""

    def __init__(self, store: RunStore, run_id: str) -> None:
        self.store, self.run_id = store, run_id
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def save(self, model: keras.Model, epochs_done: int) -> None:
        """Snapshot now (the next epoch changes the weights); write in the background."""
        arrays = snapshot(model)
        self.wait()  # keep them in order: the previous one lands first
        self._thread = threading.Thread(
            target=self._write, args=(arrays, epochs_done), name="checkpoint", daemon=True
        )
        self._thread.start()

    def _write(self, arrays: dict[str, np.ndarray], epochs_done: int) -> None:
        try:
            self.store.save_checkpoint(self.run_id, arrays, epochs_done)
        except BaseException as exc:  # noqa: BLE001 - a lost checkpoint is not a lost run
            self.error = exc

    def wait(self) -> None:
        """Until the last checkpoint is on disk."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
