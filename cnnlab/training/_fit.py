"""Train a ModelConfig on a Dataset with Keras, recording the run as it goes.

``train`` is synchronous: notebooks, the command line and the training workers all call
it. It streams per-batch and per-epoch progress to an optional listener, stops within one
batch when asked, stops a diverging (NaN) run as ``diverged``, and with a RunStore writes
everything into the run's row itself: status, epochs, a heartbeat, first-layer filters and
a checkpoint after every epoch (so an interrupted run can resume), and TensorBoard event
files in ``run_dir(run_id)/tensorboard/`` when ``tensorboard`` is installed. Only Keras 3
APIs are used, so it runs on the TensorFlow, JAX and PyTorch backends.

>>> from cnnlab.data import make_shapes, split
>>> from cnnlab.model import PRESETS
>>> tr, va = split(make_shapes(200, seed=0))
>>> res = train(PRESETS["seed_shapes"], tr, va, TrainConfig(epochs=1))  # doctest: +SKIP
>>> sorted(res.history)  # doctest: +SKIP
['accuracy', 'loss', 'val_accuracy', 'val_loss']
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from cnnlab.backend import compute_info, data_parallel
from cnnlab.model import ModelConfig
from cnnlab.training._checkpoint import Checkpointer, restore
from cnnlab.training._config import TrainConfig
from cnnlab.training._record import Recorder, host_name
from cnnlab.training._request import resolve_model
from cnnlab.training._tensorboard import TENSORBOARD_DIR, TensorBoardWriter, tensorboard_writer

if TYPE_CHECKING:
    import keras

    from cnnlab.data import Dataset
    from cnnlab.runs import RunStore

__all__ = [
    "DIVERGED_ADVICE",
    "Listener",
    "TrainResult",
    "TrainingFailed",
    "device_name",
    "first_conv_kernel",
    "readable",
    "train",
]

_BUILD_LOCK = threading.Lock()  # the dtype policy is global in Keras: build one at a time


@dataclass
class TrainResult:
    """What a run produced."""

    history: dict[str, list[float]]  # Keras names: loss, accuracy, val_loss, val_accuracy
    model: Any  # the trained keras.Model
    run_id: str | None  # id in the RunStore, None without a store
    status: str  # "finished" | "stopped" | "diverged"
    seconds: float  # wall time: build, compile and fit
    images_per_second: float  # training images per second of fit (validation included)
    device: str  # what trained it, for people
    error: str | None = None  # the advice for a diverged run
    model_cfg: ModelConfig | None = field(default=None, repr=False)  # as trained


class TrainingFailed(RuntimeError):
    """Training raised; ``str(err)`` is a readable reason (the cause is chained)."""


class Listener(Protocol):
    """Receives progress from the training thread (must not touch any UI)."""

    def on_batch(self, info: dict[str, float]) -> None: ...

    def on_epoch(self, info: dict[str, float]) -> None: ...


def readable(exc: BaseException) -> str:
    """A sentence for people from a training exception (no traceback)."""
    text = f"{type(exc).__name__}: {exc}"
    low = text.lower()
    if "resourceexhausted" in low or "out of memory" in low or "oom" in low.split():
        return (
            "The device ran out of memory. Lower the batch size or the image size, "
            "or use fewer filters."
        )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"Training failed: {type(exc).__name__}: {first[:300]}"


DIVERGED_ADVICE = (
    "The loss became NaN (the run diverged). Lower the learning rate (for example by 10×), "
    "or add BatchNormalization."
)


def device_name(use_gpu: bool | None = None) -> str:
    """What will train, for people: "GPU: <name> (jax)" or "CPU: <model> (tensorflow)"."""
    info = compute_info()
    use_gpu = info.has_gpu if use_gpu is None else use_gpu
    if use_gpu and info.gpus:
        return f"GPU: {info.gpus[0]} ({info.backend})"
    return f"CPU: {info.cpu} ({info.backend})"


def _optimizer(cfg: TrainConfig) -> keras.optimizers.Optimizer:
    import keras

    if cfg.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=cfg.learning_rate, momentum=cfg.momentum)
    if cfg.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=cfg.learning_rate)
    return keras.optimizers.Adam(learning_rate=cfg.learning_rate)


def first_conv_kernel(model: keras.Model) -> np.ndarray | None:
    """The first Conv2D layer's kernel ``(kh, kw, C_in, F)`` float32, or None without one.

    The layer :func:`cnnlab.inspect.first_conv` finds (a nested model's included), so the
    filters recorded while training are the ones the Inspect page shows.
    """
    import keras

    from cnnlab.inspect import first_conv

    layer = first_conv(model)
    if layer is None:
        return None
    return np.asarray(keras.ops.convert_to_numpy(layer.kernel), dtype=np.float32)


_KERAS_METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


def _progress_callback(
    *,
    listeners: Sequence[Listener],
    stop: threading.Event,
    store: RunStore | None,
    run_id: str | None,
    n_train: int,
    batch_size: int,
    epochs: int,
    initial_epoch: int,
    snapshots: bool,
    checkpoints: Checkpointer | None,
    state: dict[str, Any],
) -> keras.callbacks.Callback:
    """A Keras callback: progress to the listeners, stop/NaN checks, per-epoch records
    (metrics, filters and a checkpoint in the store)."""
    import keras

    steps = max(1, math.ceil(n_train / batch_size))
    total_steps = steps * epochs
    recording = store is not None and run_id is not None
    # Listeners that also take the first-layer filters (the TensorBoard writer).
    watchers = [x for x in listeners if hasattr(x, "on_filters")] if snapshots else []

    def filters(epoch: int, kernel: np.ndarray | None) -> None:
        """Keep the filters after ``epoch`` epochs: in the store, and to the watchers."""
        if kernel is None:
            return
        if recording:
            store.save_filters(run_id, epoch, kernel)  # type: ignore[union-attr,arg-type]
        for watcher in watchers:
            watcher.on_filters(epoch, kernel)  # type: ignore[attr-defined]

    class _Progress(keras.callbacks.Callback):
        def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
            state["t0"] = time.perf_counter()
            state["done"] = steps * initial_epoch
            state["fresh"] = 0  # batches trained by this call (a resumed run skips some)
            if (recording or watchers) and snapshots and initial_epoch == 0:
                filters(0, first_conv_kernel(self.model))

        def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            state["epoch"] = epoch
            state["epoch_t0"] = time.perf_counter()

        def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            logs = logs or {}
            state["done"] += 1
            state["fresh"] += 1
            loss = float(logs.get("loss", float("nan")))
            if not math.isfinite(loss):
                state["status"] = "diverged"
                self.model.stop_training = True
            if listeners:
                elapsed = time.perf_counter() - state["t0"]
                rate = state["fresh"] * batch_size / elapsed if elapsed > 0 else 0.0
                left = (total_steps - state["done"]) * batch_size / rate if rate else None
                info = {
                    "epoch": state["epoch"],
                    "batch": batch,
                    "step": state["done"],
                    "steps": total_steps,
                    "loss": loss,
                    "accuracy": float(logs.get("accuracy", float("nan"))),
                    "images_per_second": rate,
                    "seconds_left": left,
                }
                for listener in listeners:
                    listener.on_batch(info)  # type: ignore[arg-type]
            if stop.is_set() and state["status"] != "diverged":
                state["status"] = "stopped"
                self.model.stop_training = True

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            metrics = {k: float(v) for k, v in (logs or {}).items()}
            metrics = {k: v for k, v in metrics.items() if k in _KERAS_METRICS}
            metrics["seconds"] = time.perf_counter() - state["epoch_t0"]
            bad = any(not math.isfinite(v) for k, v in metrics.items() if "loss" in k)
            if (recording or watchers) and snapshots:
                filters(epoch + 1, first_conv_kernel(self.model))
            if recording:
                store.log_epoch(run_id, epoch, metrics)  # type: ignore[union-attr,arg-type]
                if checkpoints is not None and not bad and epoch + 1 < epochs:
                    checkpoints.save(self.model, epoch + 1)  # the last epoch saves the model
            for listener in listeners:
                listener.on_epoch({"epoch": epoch, **metrics})
            if bad:
                state["status"] = "diverged"
                self.model.stop_training = True

    return _Progress()


def _build(cfg: ModelConfig, train_cfg: TrainConfig, mixed: bool) -> keras.Model:
    """The compiled model (mixed precision on request; the global policy restored)."""
    import keras

    from cnnlab.model import build_model

    with _BUILD_LOCK:
        previous = keras.config.dtype_policy()
        keras.config.set_dtype_policy("mixed_float16" if mixed else "float32")
        try:
            model = build_model(cfg)
        finally:
            keras.config.set_dtype_policy(previous)
    model.compile(
        optimizer=_optimizer(train_cfg),
        loss=cfg.loss,
        metrics=["accuracy"],
        jit_compile="auto" if train_cfg.xla is None else train_cfg.xla,
    )
    return model


def data_description(train_data: Dataset, val_data: Dataset) -> dict[str, Any]:
    """What the run's row says about its data (the spec, shapes, classes and sizes)."""
    spec = getattr(train_data, "spec", None)
    return {
        "source": getattr(train_data, "source", ""),
        "spec": spec.to_dict() if spec else {},
        "image_shape": list(train_data.image_shape),
        "class_names": list(train_data.class_names),
        "n_train": len(train_data),
        "n_val": len(val_data),
    }


def train(
    model_cfg: ModelConfig,
    train_data: Dataset,
    val_data: Dataset,
    train_cfg: TrainConfig | None = None,
    *,
    store: RunStore | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    listener: Listener | None = None,
    stop: threading.Event | None = None,
    run_id: str | None = None,
    name: str = "",
    tags: tuple[str, ...] = (),
    resume: tuple[dict[str, np.ndarray], int] | None = None,
) -> TrainResult:
    """Build ``model_cfg`` for the data, train it, and record the run.

    train_data, val_data : ``cnnlab.data.Dataset`` (x uint8 (N, H, W, C), y int (N,)).
    The model's input shape and class count follow ``train_data``. With a ``store``
    (a RunStore) the run's row is written by this call: status, per-epoch metrics, a
    heartbeat and live progress, first-layer filters and a checkpoint after every epoch,
    and the final ``.keras`` model; pass ``run_id`` to fill a run created earlier (a
    queued job). ``stop`` (a threading.Event), or Stop on the row, ends training within
    one batch. ``resume=(arrays, epochs_done)`` continues a checkpoint (its variables, from
    ``checkpoint.npz``).

    Returns a TrainResult with status "finished", "stopped" or "diverged" (NaN loss).
    Raises TrainingFailed (readable message; the run is marked "failed") on any error,
    ValueError for an impossible configuration or mismatched data.
    """
    train_cfg = train_cfg or TrainConfig()
    if train_data.image_shape != val_data.image_shape:
        raise ValueError(
            f"training images are {train_data.image_shape} but validation images are "
            f"{val_data.image_shape}"
        )
    if len(train_data) == 0:
        raise ValueError("the training set is empty")
    cfg, params = resolve_model(model_cfg, train_data.image_shape, len(train_data.class_names))
    info = compute_info()
    use_gpu = info.has_gpu
    device = device_name(use_gpu)
    stop = stop if stop is not None else threading.Event()
    recorder: Recorder | None = None
    checkpoints: Checkpointer | None = None
    board: TensorBoardWriter | None = None  # the run's TensorBoard events, with a store
    if store is not None:
        if run_id is None:
            run_id = store.create(
                model_cfg=cfg.to_dict(),
                train_cfg=train_cfg.to_dict(),
                data=data_description(train_data, val_data),
                name=name,
                params=params,
                status="queued",
                tags=tags,
            )
        if not store.claim(run_id, host=host_name(), device=device, params=params):
            store.update(run_id, device=device, params=params, host=host_name())
        recorder = Recorder(store, run_id, stop)
        checkpoints = Checkpointer(store, run_id)
        board = tensorboard_writer(store.run_dir(run_id) / TENSORBOARD_DIR)

    state: dict[str, Any] = {"status": "finished", "epoch": 0, "done": 0, "fresh": 0}
    initial_epoch = resume[1] if resume else 0
    t0 = time.perf_counter()
    t_fit = t0
    parallel = contextlib.ExitStack()  # the data-parallel scope, when several devices train
    try:
        import keras

        keras.utils.set_random_seed(train_cfg.seed + initial_epoch)
        mixed = use_gpu if train_cfg.mixed_precision is None else train_cfg.mixed_precision
        replicas = parallel.enter_context(data_parallel(train_cfg.multi_device))
        if replicas > 1:
            device = f"{device} × {replicas} devices (data parallel)"
            if store is not None and run_id is not None:
                store.update(run_id, device=device)
        model = _build(cfg, train_cfg, mixed)
        if resume:
            restore(model, resume[0])
        cbs = [
            _progress_callback(
                listeners=[x for x in (recorder, board, listener) if x is not None],
                stop=stop,
                store=store,
                run_id=run_id,
                n_train=len(train_data),
                batch_size=train_cfg.batch_size,
                epochs=train_cfg.epochs,
                initial_epoch=initial_epoch,
                snapshots=train_cfg.filter_snapshots,
                checkpoints=checkpoints,
                state=state,
            ),
            *callbacks,
        ]
        if train_cfg.early_stopping:
            cbs.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss", patience=train_cfg.patience, restore_best_weights=True
                )
            )
        t_fit = time.perf_counter()
        fit = model.fit(
            train_data.x,
            train_data.y,
            validation_data=(val_data.x, val_data.y),
            batch_size=train_cfg.batch_size,
            epochs=train_cfg.epochs,
            initial_epoch=initial_epoch,
            shuffle=True,
            verbose=0,
            callbacks=cbs,
        )
        status = state["status"]
        if store is not None and run_id is not None and status in ("finished", "stopped"):
            store.save_model(run_id, model)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a readable status
        reason = readable(exc)
        if recorder is not None:
            with contextlib.suppress(Exception):
                recorder.close()
            recorder = None
        if store is not None and run_id is not None:
            store.finish(run_id, "failed", error=reason)
        raise TrainingFailed(reason) from exc
    finally:
        parallel.close()
        if checkpoints is not None:
            checkpoints.wait()
        if board is not None:
            with contextlib.suppress(Exception):  # events are extra: never fail a run
                board.close()
        if recorder is not None:  # also on KeyboardInterrupt: no heartbeat for a dead run
            recorder.close()
    seconds = time.perf_counter() - t0
    fit_seconds = time.perf_counter() - t_fit
    history = {k: [float(v) for v in vs] for k, vs in fit.history.items() if k in _KERAS_METRICS}
    images = min(state["fresh"] * train_cfg.batch_size, len(train_data) * train_cfg.epochs)
    error = DIVERGED_ADVICE if status == "diverged" else None
    ips = images / fit_seconds if fit_seconds > 0 else 0.0
    if store is not None and run_id is not None:
        store.update(run_id, progress={"images_per_second": ips, "step": state["done"]})
        store.finish(run_id, status, error=error)
    return TrainResult(
        history=history,
        model=model,
        run_id=run_id,
        status=status,
        seconds=seconds,
        images_per_second=ips,
        device=device,
        error=error,
        model_cfg=cfg,
    )
