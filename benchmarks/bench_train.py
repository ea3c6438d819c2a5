"""Each training executor against bare ``model.fit``, side by side, and the shapes demo.

1. Same model (seed_shapes), same data (2,000 synthetic shapes 32×32, 80/20), same batch
   size (64) and epochs: bare ``model.fit`` in this process, and a run submitted through a
   ``JobRegistry`` (one slot) for each executor: ``thread`` (this process), ``local`` (a
   worker process, reused from run to run, as the dashboard keeps it) and ``ray`` (a
   detached actor per run on a local Ray instance, when Ray is installed). Each run goes
   through the dashboard's whole path: a queued row, a slot claiming it, per-batch progress
   and a heartbeat in the row, per-epoch metrics, filter snapshots and a checkpoint, the
   saved model. Bare fit and the executors alternate, ``--rounds`` times.

   Throughput is steady-state: training images per second of wall-clock time between
   consecutive epoch ends, the first epoch (graph tracing, for an executor also its
   start-up) left out. Bare fit times its epoch ends with a callback. A run's times come
   from its rows after the run, written by the trainer itself (no polling that would take
   CPU from it): each per-batch point holds the images/s since training began, so the last
   batch of every epoch gives its time; from one epoch's last batch to the next one's is a
   whole cycle (the validation pass and the end-of-epoch records in the store included).
   The ``epochs`` table's own ``seconds`` (an epoch's begin to its end, the records after
   it excluded) gives a second figure, ``in_epoch``. Medians over all rounds are compared.
   Target: executor / bare >= 0.9 for each executor. Whole-fit figures (first epoch
   included, as the trainer reports them) are printed too.
2. The shapes demo as the Train page runs it (Keras already imported and the local worker
   started, as the page warms them): 10 epochs with the ``local`` executor, seconds from
   submit to the first per-batch point (target <= 3 s) and to the run's end (target
   <= 20 s on a 2-core machine).

Ray, when measured, runs for the whole benchmark (its idle processes share the CPU with
every side). Prints JSON; exits 1 when a target is missed.

    python benchmarks/bench_train.py [--rounds 3] [--epochs 6] [--executors thread,local,ray]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import tempfile
import time

import keras  # (imported up front, as the Train page warms it)

from cnnlab.data import split_spec
from cnnlab.model import PRESETS, build_model
from cnnlab.runs import RunStore
from cnnlab.training import EXECUTORS, JobRegistry, RunRequest, TrainConfig

SPEC = {"source": "shapes", "n": 2000, "size": 32}
BATCH = 64
TARGET = 0.9


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


def request(epochs: int, name: str = "bench") -> RunRequest:
    return RunRequest.from_dict(
        {"model": "seed_shapes", "data": SPEC, "name": name,
         "train": {"epochs": epochs, "batch_size": BATCH}}
    )  # fmt: skip


def epoch_ends(store: RunStore, run_id: str, n_train: int) -> list[float]:
    """Seconds since training began at the last batch of each epoch, from the run's
    per-batch points (each holds ``images_per_second`` since the start and its ``step``)."""
    per_epoch = -(-n_train // BATCH)
    return [
        p["step"] * BATCH / p["images_per_second"]  # as the trainer computed the rate
        for p in store.steps(run_id)
        if p["step"] % per_epoch == 0 and p.get("images_per_second")
    ]


def job_fit(reg: JobRegistry, epochs: int, n_train: int) -> dict:
    """One run through ``reg``: whole-fit and steady per-epoch images/s (see the module
    docstring), and seconds from submit to the first batch point and to the end."""
    store = reg.store
    t = time.perf_counter()
    job = reg.submit(request(epochs))
    first = None
    while not store.get(job.id).done:
        if first is None and store.steps(job.id):
            first = time.perf_counter() - t
        time.sleep(0.02 if first is None else 0.1)  # light: the trainer shares the CPU
    total = time.perf_counter() - t
    rec = store.get(job.id)
    if rec.status != "finished":
        raise SystemExit(f"{reg.executor.name} run ended {rec.status}: {rec.error}")
    seconds = store.history(job.id)["seconds"]
    return {
        "whole": job.result.images_per_second,
        "steady": _steady(epoch_ends(store, job.id, n_train), n_train),
        "in_epoch": [n_train / s for s in seconds[1:] if s],
        "first": first if first is not None else total,
        "total": total,
    }


def _registry(kind: str) -> JobRegistry:
    return JobRegistry(RunStore(tempfile.mkdtemp(prefix=f"bench-{kind}-")), max_jobs=1,
                       executor=kind)  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument(
        "--executors", default="thread,local,ray",
        help="comma-separated, of " + ", ".join(EXECUTORS) + " (ray: only if installed)",
    )  # fmt: skip
    args = ap.parse_args()
    if args.epochs < 3:
        ap.error("--epochs must be at least 3 (the first epoch is left out)")
    kinds = [k.strip() for k in args.executors.split(",") if k.strip()]
    if bad := [k for k in kinds if k not in EXECUTORS]:
        ap.error(f"unknown executor(s) {bad}; choose from {EXECUTORS}")
    skipped = {}
    if "ray" in kinds and importlib.util.find_spec("ray") is None:
        kinds.remove("ray")
        skipped["ray"] = "not installed"
    if "ray" in kinds:
        import ray

        ray.init(address="local", include_dashboard=False, log_to_driver=False,
                 namespace="cnnlab")  # fmt: skip
    tr, va = split_spec(SPEC)[:2]
    n = len(tr)
    regs = {kind: _registry(kind) for kind in kinds}
    for reg in regs.values():
        reg.warm()
    cfg = TrainConfig(epochs=args.epochs, batch_size=BATCH)
    bare_fit(tr, va, TrainConfig(epochs=1))  # warm up the backend once
    steady: dict[str, list[float]] = {"bare": [], **{k: [] for k in kinds}}
    in_epoch: dict[str, list[float]] = {k: [] for k in kinds}
    whole: dict[str, list[float]] = {"bare": [], **{k: [] for k in kinds}}
    demo_reg = regs.get("local") or _registry("local")
    try:
        for _ in range(args.rounds):
            w, s = bare_fit(tr, va, cfg)
            whole["bare"].append(w)
            steady["bare"] += s
            for kind, reg in regs.items():
                got = job_fit(reg, args.epochs, n)
                whole[kind].append(got["whole"])
                steady[kind] += got["steady"]
                in_epoch[kind] += got["in_epoch"]
        if "local" not in regs:  # the page starts the worker when it opens: so does this
            job_fit(demo_reg, 1, n)
        demo = job_fit(demo_reg, 10, n)
    finally:
        for reg in {*regs.values(), demo_reg}:
            reg.shutdown()
    bare = statistics.median(steady["bare"])
    side = {"bare": {"images_per_s": round(bare), "ratio_over_bare": 1.0}}
    ratios = {}
    for kind in kinds:
        med = statistics.median(steady[kind])
        ratios[kind] = med / bare
        side[kind] = {
            "images_per_s": round(med),
            "ratio_over_bare": round(ratios[kind], 3),
            "in_epoch_images_per_s": round(statistics.median(in_epoch[kind])),
        }
    out = {
        "train_images": n,
        "batch_size": BATCH,
        "epochs": args.epochs,
        "rounds": args.rounds,
        "steady_images_per_s": side,
        "whole_fit_images_per_s": {k: [round(v) for v in vs] for k, vs in whole.items()},
        "demo_first_point_s": round(demo["first"], 2),
        "demo_10_epochs_s": round(demo["total"], 1),
        "skipped": skipped,
        "targets": {"ratio": f">= {TARGET}", "first_point_s": "<= 3", "demo_s": "<= 20"},
    }
    print(json.dumps(out, indent=2))
    ok = all(r >= TARGET for r in ratios.values())
    return 0 if ok and demo["first"] <= 3 and demo["total"] <= 20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
