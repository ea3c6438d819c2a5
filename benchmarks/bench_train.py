"""The training job against bare ``model.fit``, side by side, and the shapes demo timing.

1. Same model (seed_shapes), same data (2,000 synthetic shapes, 80/20), same batch size
   and epochs: bare ``model.fit`` and the dashboard's path (a JobRegistry job in its
   worker process, with a RunStore, per-batch progress, per-epoch filter snapshots)
   alternate ``--rounds`` times. Throughput is steady-state: training images per second
   of wall-clock time between consecutive epoch ends (the first epoch, which traces the
   graph, is left out on both sides), as the parent process sees them; the medians over
   all rounds are compared. Target: job / bare >= 0.95. Whole-fit figures (first epoch
   included) are printed too.
2. The shapes demo as the Train page runs it (Keras already imported, as the page warms
   it): seconds from submit to the first per-batch point (target <= 3 s) and to the end
   of 10 epochs (target <= 20 s on a 2-core machine).

Prints JSON; exits 1 when a target is missed.

    python benchmarks/bench_train.py [--rounds 5] [--epochs 8]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402  (imported up front, as the Train page warms it)

from cnnlab.data import split_spec  # noqa: E402
from cnnlab.jobs import JobRegistry  # noqa: E402
from cnnlab.model import PRESETS, build_model  # noqa: E402
from cnnlab.runs import RunStore  # noqa: E402
from cnnlab.train import TrainConfig  # noqa: E402

SPEC = {"source": "shapes", "n": 2000, "size": 32}


class _EpochClock(keras.callbacks.Callback):
    """Only the time of each epoch end: no per-batch hook, so fit stays bare."""

    def __init__(self):
        super().__init__()
        self.ends: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        self.ends.append(time.perf_counter())


def _steady(ends: list[float], n: int) -> list[float]:
    """Images/s of every epoch after the first, from consecutive epoch-end times."""
    return [n / (b - a) for a, b in zip(ends[:-1], ends[1:], strict=True) if b > a]


def bare_fit(tr, va, cfg: TrainConfig) -> tuple[float, list[float]]:
    """(whole-fit images/s, steady per-epoch images/s) of a plain compile + fit."""
    keras.utils.set_random_seed(cfg.seed)
    model = build_model(PRESETS["seed_shapes"].with_data(input_shape=tr.image_shape))
    model.compile(
        optimizer=keras.optimizers.Adam(cfg.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    clock = _EpochClock()
    t = time.perf_counter()
    model.fit(
        tr.x, tr.y, validation_data=(va.x, va.y), batch_size=cfg.batch_size,
        epochs=cfg.epochs, shuffle=True, verbose=0, callbacks=[clock],
    )  # fmt: skip
    return len(tr) * cfg.epochs / (time.perf_counter() - t), _steady(clock.ends, len(tr))


def job_fit(reg: JobRegistry, tr, va, cfg: TrainConfig) -> tuple[float, list[float], float, float]:
    """(whole-fit images/s, steady per-epoch images/s, s to first batch point, s to done)."""
    t = time.perf_counter()
    job = reg.submit(PRESETS["seed_shapes"], tr, va, cfg, label="bench")
    while not job.batches and not job.done:
        time.sleep(0.005)
    first = time.perf_counter() - t
    ends: list[float] = []
    while not job.done:  # epoch ends as the parent sees them (worker → socket → job)
        if len(job.epochs) > len(ends):
            ends += [time.perf_counter()] * (len(job.epochs) - len(ends))
        time.sleep(0.005)
    total = time.perf_counter() - t
    if job.status != "finished":
        raise SystemExit(f"job ended {job.status}: {job.error}")
    return job.result.images_per_second, _steady(ends, len(tr)), first, total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=8)
    args = ap.parse_args()
    tr, va = split_spec(SPEC)[:2]
    reg = JobRegistry(RunStore(tempfile.mkdtemp()), max_jobs=1)
    cfg = TrainConfig(epochs=args.epochs, batch_size=64)
    bare_fit(tr, va, TrainConfig(epochs=1))  # warm up the backend once
    bare, job, bare_whole, job_whole = [], [], [], []
    for _ in range(args.rounds):
        whole, steady = bare_fit(tr, va, cfg)
        bare_whole.append(whole)
        bare += steady
        whole, steady, _, _ = job_fit(reg, tr, va, cfg)
        job_whole.append(whole)
        job += steady
    ratio = statistics.median(job) / statistics.median(bare)
    _, _, first, total = job_fit(reg, tr, va, TrainConfig(epochs=10, batch_size=64))
    reg.close()
    out = {
        "bare_fit_images_per_s": round(statistics.median(bare)),
        "job_images_per_s": round(statistics.median(job)),
        "ratio_job_over_bare": round(ratio, 3),
        "whole_fit_images_per_s": {
            "bare": [round(v) for v in bare_whole],
            "job": [round(v) for v in job_whole],
        },
        "demo_first_point_s": round(first, 2),
        "demo_10_epochs_s": round(total, 1),
        "targets": {"ratio": ">= 0.95", "first_point_s": "<= 3", "demo_s": "<= 20"},
    }
    print(json.dumps(out, indent=2))
    return 0 if ratio >= 0.95 and first <= 3 and total <= 20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
