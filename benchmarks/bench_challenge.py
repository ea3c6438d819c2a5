"""The 10-epoch challenge on its offline data: the notebook's recipe, and better choices.

The data is the challenge's own (``cnnlab.compare.CHALLENGE_DATA``: 3,000 synthetic
32×32 cats and dogs, seed 0, split 80/20 with seed 0, as Train's challenge mode does).
Every entry trains 10 epochs with ``cnnlab.train.train`` and reports, per training seed,
the validation accuracy at epoch 10, the training accuracy at epoch 10 (the gap says how
much it overfits) and the seconds the run took; then the mean over seeds.

- ``notebook``: the notebook's recipe: ``seed_pets`` (Conv/MaxPool ×4, Flatten, Dropout
  0.5, Dense 128, sigmoid; sized to 32×32×3 it has 200,065 parameters), Adam 1e-3,
  batch 128. Target: mean over 3 seeds in [0.75, 0.87], near the notebook's ~0.81.
- the better choices: the same 10 epochs with one change (or two) each.

Not a test: it takes a few minutes (about 40 s a run on a 2-core CPU).

    python benchmarks/bench_challenge.py                       # notebook ×3 seeds, others ×1
    python benchmarks/bench_challenge.py --only notebook bn_gap --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace

from cnnlab.compare import CHALLENGE_DATA, CHALLENGE_EPOCHS
from cnnlab.data import split_spec
from cnnlab.model import PRESETS, Augment, ModelConfig
from cnnlab.train import TrainConfig

NOTEBOOK = PRESETS["seed_pets"]
RECIPE = TrainConfig(
    learning_rate=1e-3, batch_size=128, epochs=CHALLENGE_EPOCHS, filter_snapshots=False
)

# name → (what changes, model, training settings)
ENTRIES: dict[str, tuple[str, ModelConfig, TrainConfig]] = {
    "notebook": ("the notebook's recipe", NOTEBOOK, RECIPE),
    "batch32": ("batch 32 instead of 128 (4× the steps)", NOTEBOOK, replace(RECIPE, batch_size=32)),
    "lr3e-3": ("learning rate 3e-3", NOTEBOOK, replace(RECIPE, learning_rate=3e-3)),
    "bn_gap": ("BatchNorm + GAP (preset pets_gap)", PRESETS["pets_gap"], RECIPE),
    "bn_gap_batch32": (
        "BatchNorm + GAP, batch 32",
        PRESETS["pets_gap"],
        replace(RECIPE, batch_size=32),
    ),
    "flip_batch32": (
        "horizontal flips, batch 32",
        replace(NOTEBOOK, augment=Augment(flip="horizontal")),
        replace(RECIPE, batch_size=32),
    ),
}


def run(name: str, seed: int, train_data, val_data) -> dict:
    """One 10-epoch run: final validation and training accuracy, seconds."""
    from cnnlab.train import train

    _, model, cfg = ENTRIES[name]
    t0 = time.perf_counter()
    res = train(model, train_data, val_data, replace(cfg, seed=seed))
    h = res.history
    return {
        "entry": name,
        "seed": seed,
        "val_acc": round(h["val_accuracy"][-1], 4),
        "train_acc": round(h["accuracy"][-1], 4),
        "val_curve": [round(v, 3) for v in h["val_accuracy"]],
        "seconds": round(time.perf_counter() - t0, 1),
        "status": res.status,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="+", choices=list(ENTRIES), help="entries to run")
    ap.add_argument("--seeds", nargs="+", type=int, help="training seeds for every entry")
    args = ap.parse_args(argv)
    names = args.only or list(ENTRIES)
    t0 = time.perf_counter()
    train_data, val_data = split_spec(CHALLENGE_DATA)[:2]
    built = round(time.perf_counter() - t0, 1)
    print(json.dumps({"data": dict(CHALLENGE_DATA), "n_train": len(train_data),
                      "n_val": len(val_data), "seconds_to_build": built}))  # fmt: skip
    summary = []
    for name in names:
        seeds = args.seeds or ([0, 1, 2] if name == "notebook" else [0])
        rows = [run(name, s, train_data, val_data) for s in seeds]
        for r in rows:
            print(json.dumps(r), flush=True)
        val = [r["val_acc"] for r in rows]
        summary.append({
            "entry": name, "what": ENTRIES[name][0], "seeds": seeds, "val_acc": val,
            "val_mean": round(statistics.mean(val), 4),
            "train_mean": round(statistics.mean(r["train_acc"] for r in rows), 4),
            "seconds_mean": round(statistics.mean(r["seconds"] for r in rows), 1),
        })  # fmt: skip
    print()
    print(f"{'entry':16} {'val@10 mean':>11} {'train@10':>9} {'s/run':>6}  each seed · what")
    for s in summary:
        each = ", ".join(f"{v:.3f}" for v in s["val_acc"])
        print(f"{s['entry']:16} {s['val_mean']:11.3f} {s['train_mean']:9.3f} "
              f"{s['seconds_mean']:6.1f}  {each} · {s['what']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
