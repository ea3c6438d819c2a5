"""The training job against bare ``model.fit``, side by side, and the shapes demo timing.

1. Same model (seed_shapes), same data (2,000 synthetic shapes, 80/20), same batch size
   and epochs: bare ``model.fit`` and the dashboard's path (a JobRegistry job with a
   RunStore, per-batch progress, per-epoch filter snapshots) alternate ``--rounds``
   times; the best images/s of each side is compared. Target: job / bare >= 0.95.
2. The shapes demo as the Train page runs it (Keras already imported, as the page warms
   it): seconds from submit to the first per-batch point (target <= 3 s) and to the end
   of 10 epochs (target <= 20 s on a 2-core machine).

Prints JSON; exits 1 when a target is missed.

    python benchmarks/bench_train.py [--rounds 3] [--epochs 4]
"""

from __future__ import annotations

import argparse
import json
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


def bare_fit(tr, va, cfg: TrainConfig) -> float:
    """Images per second of a plain compile + fit (the reference)."""
    keras.utils.set_random_seed(cfg.seed)
    model = build_model(PRESETS["seed_shapes"].with_data(input_shape=tr.image_shape))
    model.compile(
        optimizer=keras.optimizers.Adam(cfg.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    t = time.perf_counter()
    model.fit(
        tr.x, tr.y, validation_data=(va.x, va.y), batch_size=cfg.batch_size,
        epochs=cfg.epochs, shuffle=True, verbose=0,
    )  # fmt: skip
    return len(tr) * cfg.epochs / (time.perf_counter() - t)


def job_fit(reg: JobRegistry, tr, va, cfg: TrainConfig) -> tuple[float, float, float]:
    """(images/s of fit, seconds to the first batch point, seconds to done) for a job."""
    t = time.perf_counter()
    job = reg.submit(PRESETS["seed_shapes"], tr, va, cfg, label="bench")
    while not job.batches and not job.done:
        time.sleep(0.01)
    first = time.perf_counter() - t
    reg.wait(job)
    total = time.perf_counter() - t
    if job.status != "finished":
        raise SystemExit(f"job ended {job.status}: {job.error}")
    return job.result.images_per_second, first, total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=4)
    args = ap.parse_args()
    tr, va = split_spec(SPEC)[:2]
    reg = JobRegistry(RunStore(tempfile.mkdtemp()), max_jobs=1)
    cfg = TrainConfig(epochs=args.epochs, batch_size=64)
    bare_fit(tr, va, TrainConfig(epochs=1))  # warm up the backend once
    bare, job = [], []
    for _ in range(args.rounds):
        bare.append(bare_fit(tr, va, cfg))
        job.append(job_fit(reg, tr, va, cfg)[0])
    ratio = max(job) / max(bare)
    _, first, total = job_fit(reg, tr, va, TrainConfig(epochs=10, batch_size=64))
    out = {
        "bare_fit_images_per_s": round(max(bare)),
        "job_images_per_s": round(max(job)),
        "ratio_job_over_bare": round(ratio, 3),
        "demo_first_point_s": round(first, 2),
        "demo_10_epochs_s": round(total, 1),
        "targets": {"ratio": ">= 0.95", "first_point_s": "<= 3", "demo_s": "<= 20"},
    }
    print(json.dumps(out, indent=2))
    return 0 if ratio >= 0.95 and first <= 3 and total <= 20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
