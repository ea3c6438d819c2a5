"""The seed's 150×150 model on a GPU: our trainer against a bare ``model.fit``, and the
notebook's ~360 images/s on a Colab GPU, side by side.

Run on a machine with an NVIDIA GPU and JAX (no TensorFlow needed, nothing installed):

    KERAS_BACKEND=jax python benchmarks/bench_gpu.py             # full: 150×150, batch 128
    python benchmarks/bench_gpu.py --dry                         # CPU dry run (CI): tiny

What it does: synthetic cats and dogs from the dataset cache (``challenge`` spec drawn at
half size and doubled to 150×150×3, so no photo is needed), the notebook's model
(``seed_pets``, 830,849 parameters) at batch 128, for ``--steps`` batches per epoch and
``--epochs`` epochs (the first epoch compiles; throughput is the last epochs' images per
second of wall time). Measured apart:

- ``feed``: the input pipeline alone (slicing shuffled batches out of the cached array),
  images/s; ``transfer``: one batch from host memory to the device, milliseconds;
- ``bare``: ``model.fit`` on the same arrays; ``ours``: ``cnnlab.train.train`` with a run
  store (progress rows, heartbeat, per-epoch checkpoints and filter snapshots).

Prints JSON with images/s of each, ``ours / bare`` and ``ours / notebook`` (360 images/s);
exits 1 when ours / bare < 0.9 (not in ``--dry`` mode, where timings are too short).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

import numpy as np

NOTEBOOK_GPU_IMAGES_PER_SECOND = 360.0  # the seed notebook on a Colab GPU


def _data(n: int, size: int) -> tuple:
    """``(x, y)`` uint8 ``(n, size, size, 3)``, int ``(n,)``: cached cats and dogs."""
    from cnnlab.data import from_spec

    half = max(24, size // 2)
    ds = from_spec({"source": "challenge", "n": n, "size": half, "seed": 0})
    x = np.repeat(np.repeat(ds.x, 2, axis=1), 2, axis=2)[:, :size, :size]
    return np.ascontiguousarray(x), ds.y


def _epoch_times(history_seconds: list[float], batch: int, steps: int) -> float:
    """Images per second over the epochs after the first (compile) one."""
    later = history_seconds[1:] or history_seconds
    return batch * steps / statistics.median(later)


def _feed(x: np.ndarray, batch: int, steps: int) -> float:
    order = np.random.default_rng(0).permutation(len(x))
    t0 = time.perf_counter()
    for i in range(steps):
        np.ascontiguousarray(x[order[i * batch : (i + 1) * batch]])
    return batch * steps / (time.perf_counter() - t0)


def _transfer_ms(x: np.ndarray, batch: int) -> float:
    import keras

    part = x[:batch]
    keras.ops.convert_to_numpy(keras.ops.convert_to_tensor(part))  # warm
    t0 = time.perf_counter()
    for _ in range(5):
        keras.ops.sum(keras.ops.convert_to_tensor(part))
    return (time.perf_counter() - t0) / 5 * 1000


def _bare(model_cfg, x, y, batch: int, epochs: int) -> list[float]:
    import keras

    from cnnlab.model import build_model

    keras.utils.set_random_seed(0)
    model = build_model(model_cfg)
    model.compile(optimizer="adam", loss=model_cfg.loss, metrics=["accuracy"])
    seconds: list[float] = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.t0)

    model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=True, verbose=0, callbacks=[Clock()])
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry", action="store_true", help="tiny CPU run (CI)")
    parser.add_argument("--steps", type=int, default=40, help="batches per epoch")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--size", type=int, default=150)
    args = parser.parse_args(argv)
    if args.dry:
        args.steps, args.epochs, args.batch, args.size = 3, 2, 8, 48

    from cnnlab.backend import compute_info
    from cnnlab.data import Dataset
    from cnnlab.model import PRESETS
    from cnnlab.runs import RunStore
    from cnnlab.train import TrainConfig, train

    n = args.batch * args.steps
    x, y = _data(n + args.batch, args.size)  # one batch more: a validation set
    cfg = PRESETS["seed_pets"].with_data(input_shape=(args.size, args.size, 3), num_classes=2)
    feed = _feed(x, args.batch, args.steps)
    transfer = _transfer_ms(x, args.batch)
    bare = _bare(cfg, x[:n], y[:n], args.batch, args.epochs)
    tr = Dataset(x=x[:n], y=y[:n], class_names=["cat", "dog"], source="bench")
    va = Dataset(x=x[n:], y=y[n:], class_names=["cat", "dog"], source="bench")
    store = RunStore(tempfile.mkdtemp(prefix="cnnlab-bench-gpu-"))
    tcfg = TrainConfig(batch_size=args.batch, epochs=args.epochs, seed=0)
    res = train(cfg, tr, va, tcfg, store=store, name="bench_gpu")
    ours = _epoch_times(store.history(res.run_id)["seconds"], args.batch, args.steps)
    bare_ips = _epoch_times(bare, args.batch, args.steps)
    info = compute_info()
    out = {
        "mode": "dry" if args.dry else "full",
        "backend": info.backend,
        "device": res.device,
        "gpus": list(info.gpus),
        "image_size": args.size,
        "batch": args.batch,
        "steps_per_epoch": args.steps,
        "epochs": args.epochs,
        "status": res.status,
        "feed_images_per_second": round(feed, 1),
        "transfer_ms_per_batch": round(transfer, 2),
        "bare_images_per_second": round(bare_ips, 1),
        "ours_images_per_second": round(ours, 1),
        "ours_over_bare": round(ours / bare_ips, 3),
        "notebook_images_per_second": NOTEBOOK_GPU_IMAGES_PER_SECOND,
        "ours_over_notebook": round(ours / NOTEBOOK_GPU_IMAGES_PER_SECOND, 3),
    }
    print(json.dumps(out))
    if res.status != "finished":
        return 1
    return 0 if args.dry or out["ours_over_bare"] >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
