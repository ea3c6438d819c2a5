"""Train a ModelConfig on a Dataset with Keras, recording the run as it goes.

``train`` is synchronous: notebooks, the command line (``python -m cnnlab.train``) and the
dashboard's background job all call it. It streams per-batch and per-epoch progress to an
optional listener, stops within one batch when asked, stops a diverging (NaN) run as
``diverged``, and records everything in a RunStore. Only Keras 3 APIs are used, so it runs
on the TensorFlow, JAX and PyTorch backends.

>>> from cnnlab.data import make_shapes, split
>>> from cnnlab.model import PRESETS
>>> tr, va = split(make_shapes(200, seed=0))
>>> res = train(PRESETS["seed_shapes"], tr, va, TrainConfig(epochs=1))  # doctest: +SKIP
>>> sorted(res.history)  # doctest: +SKIP
['accuracy', 'loss', 'val_accuracy', 'val_loss']
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from cnnlab.backend import compute_info, data_parallel
from cnnlab.model import ModelConfig, layer_table

if TYPE_CHECKING:
    import keras

    from cnnlab.data import Dataset
    from cnnlab.runs import RunStore

__all__ = [
    "OPTIMIZERS",
    "TrainConfig",
    "TrainResult",
    "TrainingFailed",
    "device_name",
    "readable",
    "train",
]

OPTIMIZERS = ("adam", "sgd", "rmsprop")
_BUILD_LOCK = threading.Lock()  # the dtype policy is global in Keras: build one at a time


@dataclass(frozen=True)
class TrainConfig:
    """How to train. JSON-safe through ``to_dict`` / ``from_dict``."""

    optimizer: str = "adam"  # "adam" | "sgd" (with momentum) | "rmsprop"
    learning_rate: float = 1e-3  # the notebook's Adam(learning_rate=.001)
    batch_size: int = 64  # the tutorial's; the notebook used 128
    epochs: int = 10  # the notebook's exercise keeps this fixed at 10
    seed: int = 0  # weights, shuffling and dropout: same seed, same run on the CPU
    momentum: float = 0.9  # SGD only
    early_stopping: bool = False  # stop when val_loss has not improved for `patience`
    patience: int = 3  # epochs without improvement before early stopping
    mixed_precision: bool | None = None  # None: on when a GPU trains, off on the CPU
    xla: bool | None = None  # None: Keras decides ("auto")
    filter_snapshots: bool = True  # keep first-layer filters after every epoch (Inspect)
    multi_device: bool | None = None  # None: data parallel when several GPUs are visible

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        for name in ("batch_size", "epochs", "patience"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown training field(s) {unknown}; known: {sorted(known)}")
        return cls(**data)


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


def _progress_callback(
    *,
    listener: Listener | None,
    stop: threading.Event | None,
    store: RunStore | None,
    run_id: str | None,
    n_train: int,
    batch_size: int,
    epochs: int,
    state: dict[str, Any],
) -> keras.callbacks.Callback:
    """A Keras callback: progress to the listener, stop/NaN checks, per-epoch records."""
    import keras

    steps = max(1, math.ceil(n_train / batch_size))
    total_steps = steps * epochs

    class _Progress(keras.callbacks.Callback):
        def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
            state["t0"] = time.perf_counter()
            state["done"] = 0
            if store is not None and run_id is not None:
                kernel = first_conv_kernel(self.model)
                if kernel is not None:
                    store.save_filters(run_id, 0, kernel)

        def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            state["epoch"] = epoch
            state["epoch_t0"] = time.perf_counter()

        def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            logs = logs or {}
            state["done"] += 1
            loss = float(logs.get("loss", float("nan")))
            if not math.isfinite(loss):
                state["status"] = "diverged"
                self.model.stop_training = True
            if listener is not None:
                elapsed = time.perf_counter() - state["t0"]
                seen = min(state["done"] * batch_size, n_train * epochs)
                rate = seen / elapsed if elapsed > 0 else 0.0
                left = (total_steps - state["done"]) * batch_size / rate if rate else float("nan")
                listener.on_batch(
                    {
                        "epoch": state["epoch"],
                        "batch": batch,
                        "step": state["done"],
                        "steps": total_steps,
                        "loss": loss,
                        "accuracy": float(logs.get("accuracy", float("nan"))),
                        "images_per_second": rate,
                        "seconds_left": left,
                    }
                )
            if stop is not None and stop.is_set() and state["status"] != "diverged":
                state["status"] = "stopped"
                self.model.stop_training = True

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            metrics = {k: float(v) for k, v in (logs or {}).items()}
            metrics = {k: v for k, v in metrics.items() if k in _KERAS_METRICS}
            metrics["seconds"] = time.perf_counter() - state["epoch_t0"]
            if store is not None and run_id is not None:
                store.log_epoch(run_id, epoch, metrics)
                kernel = first_conv_kernel(self.model)
                if kernel is not None:
                    store.save_filters(run_id, epoch + 1, kernel)
            if listener is not None:
                listener.on_epoch({"epoch": epoch, **metrics})
            if any(not math.isfinite(v) for k, v in metrics.items() if "loss" in k):
                state["status"] = "diverged"
                self.model.stop_training = True

    return _Progress()


_KERAS_METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


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
) -> TrainResult:
    """Build ``model_cfg`` for the data, train it, and record the run.

    train_data, val_data : ``cnnlab.data.Dataset`` (x uint8 (N, H, W, C), y int (N,)).
    The model's input shape and class count follow ``train_data``. With a ``store``
    (a RunStore) the run, its per-epoch metrics, first-layer filters after every epoch
    and the final ``.keras`` model are saved; pass ``run_id`` to fill a run created
    earlier (a queued job). ``stop`` (a threading.Event) ends training within one batch.

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
    cfg = model_cfg.with_data(
        input_shape=train_data.image_shape, num_classes=len(train_data.class_names)
    )
    rows = layer_table(cfg)  # raises ValueError (naming the layer) for impossible designs
    params = sum(r.params for r in rows)
    info = compute_info()
    use_gpu = info.has_gpu
    device = device_name(use_gpu)
    data_desc = {
        "source": getattr(train_data, "source", ""),
        "spec": train_data.spec.to_dict() if train_data.spec else {},
        "image_shape": list(train_data.image_shape),
        "class_names": list(train_data.class_names),
        "n_train": len(train_data),
        "n_val": len(val_data),
    }
    if store is not None:
        if run_id is None:
            run_id = store.create(
                model_cfg=cfg.to_dict(),
                train_cfg=train_cfg.to_dict(),
                data=data_desc,
                name=name,
                params=params,
                status="running",
                tags=tags,
            )
        store.update(run_id, status="running", device=device, params=params, started=time.time())

    state: dict[str, Any] = {"status": "finished", "epoch": 0}
    t0 = time.perf_counter()
    parallel = contextlib.ExitStack()  # the data-parallel scope, when several devices train
    try:
        import keras

        keras.utils.set_random_seed(train_cfg.seed)
        mixed = use_gpu if train_cfg.mixed_precision is None else train_cfg.mixed_precision
        from cnnlab.model import build_model

        replicas = parallel.enter_context(data_parallel(train_cfg.multi_device))
        if replicas > 1:
            device = f"{device} × {replicas} devices (data parallel)"
            if store is not None and run_id is not None:
                store.update(run_id, device=device)
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
        cbs = [
            _progress_callback(
                listener=listener,
                stop=stop,
                store=store,
                run_id=run_id,
                n_train=len(train_data),
                batch_size=train_cfg.batch_size,
                epochs=train_cfg.epochs,
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
            shuffle=True,
            verbose=0,
            callbacks=cbs,
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes a readable status
        reason = readable(exc)
        if store is not None and run_id is not None:
            store.update(run_id, status="failed", error=reason, finished=time.time())
        raise TrainingFailed(reason) from exc
    finally:
        parallel.close()
    seconds = time.perf_counter() - t0
    fit_seconds = time.perf_counter() - t_fit
    history = {k: [float(v) for v in vs] for k, vs in fit.history.items() if k in _KERAS_METRICS}
    steps_done = state.get("done", 0)
    images = min(steps_done * train_cfg.batch_size, len(train_data) * train_cfg.epochs)
    status = state["status"]
    error = DIVERGED_ADVICE if status == "diverged" else None
    if store is not None and run_id is not None:
        if status in ("finished", "stopped"):
            store.save_model(run_id, model)
        store.update(run_id, status=status, error=error, finished=time.time())
    return TrainResult(
        history=history,
        model=model,
        run_id=run_id,
        status=status,
        seconds=seconds,
        images_per_second=images / fit_seconds if fit_seconds > 0 else 0.0,
        device=device,
        error=error,
        model_cfg=cfg,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m cnnlab.train --config run.json``: train without the dashboard.

    run.json: {"model": <ModelConfig dict or preset name>, "data": <dataset spec, as the
    Data page makes it, split included>, "train": <TrainConfig dict>, "name": "..."}
    """
    from cnnlab.data import split_spec
    from cnnlab.model import PRESETS
    from cnnlab.runs import RunStore

    parser = argparse.ArgumentParser(prog="python -m cnnlab.train", description=main.__doc__)
    parser.add_argument("--config", required=True, help="JSON file: model, data, train")
    parser.add_argument("--home", default=None, help="RunStore folder (default CNNLAB_HOME)")
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as fh:
        spec = json.load(fh)
    model = spec.get("model", "seed_shapes")
    model_cfg = PRESETS[model] if isinstance(model, str) else ModelConfig.from_dict(model)
    tr, va = split_spec(spec.get("data", {"source": "shapes"}))[:2]
    cfg = TrainConfig.from_dict(spec.get("train", {}))

    class _Print:
        def on_batch(self, info: dict[str, Any]) -> None:
            pass

        def on_epoch(self, info: dict[str, Any]) -> None:
            print(json.dumps({k: round(v, 4) for k, v in info.items()}), flush=True)

    result = train(
        model_cfg,
        tr,
        va,
        cfg,
        store=RunStore(args.home),
        listener=_Print(),
        name=spec.get("name", ""),
    )
    print(json.dumps({"run_id": result.run_id, "status": result.status}))
    return 0 if result.status in ("finished", "stopped") else 1


if __name__ == "__main__":
    raise SystemExit(main())
