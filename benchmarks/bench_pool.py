"""pool2d against keras MaxPooling2D / AveragePooling2D (TensorFlow, CPU) and
skimage.measure.block_reduce, for information (the issue sets no speed limit).

Cases: the seed's 306×461 edge map (one channel), a 150×150×32 map (the notebook's first
conv layer output), and 3×3/stride-2 overlapping windows with same padding on it. Best of
several repeats (the machine is shared). Keras is called eagerly on one image, as the
seed's apply_pooling does. Prints JSON.

    python benchmarks/bench_pool.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import os
import timeit

import numpy as np

from cnnlab.ops import pool2d


def best_ms(fn, repeat: int) -> float:
    fn()  # warm up
    return min(timeit.repeat(fn, number=1, repeat=repeat)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from skimage.measure import block_reduce

    rng = np.random.default_rng(0)
    cases = [
        ("seed map 306x461, 2x2", rng.normal(size=(306, 461, 1)), 2, 2, "valid"),
        ("150x150x32, 2x2", rng.normal(size=(150, 150, 32)), 2, 2, "valid"),
        ("150x150x32, 3x3 s2 same", rng.normal(size=(150, 150, 32)), 3, 2, "same"),
    ]
    rows = []
    for name, x, size, stride, padding in cases:
        x = x.astype(np.float32)
        batch = x[None]
        for mode, layer_cls, func in (
            ("max", keras.layers.MaxPooling2D, np.max),
            ("avg", keras.layers.AveragePooling2D, np.mean),
        ):
            layer = layer_cls(pool_size=size, strides=stride, padding=padding)
            ours = best_ms(
                lambda x=x, m=mode, s=size, st=stride, p=padding: pool2d(
                    x, size=s, stride=st, mode=m, padding=p
                ),
                repeat,
            )
            ref = best_ms(lambda layer=layer, b=batch: np.asarray(layer(b)), repeat)
            row = {
                "case": f"{name} {mode}",
                "pool2d_ms": round(ours, 3),
                "keras_ms": round(ref, 3),
                "ratio_vs_keras": round(ours / ref, 2),
            }
            if size == stride and padding == "valid":
                h, w = (n - n % size for n in x.shape[:2])
                crop = x[:h, :w]
                sk = best_ms(lambda c=crop, f=func, s=size: block_reduce(c, (s, s, 1), f), repeat)
                row["skimage_ms"] = round(sk, 3)
                row["ratio_vs_skimage"] = round(ours / sk, 2)
            rows.append(row)
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
