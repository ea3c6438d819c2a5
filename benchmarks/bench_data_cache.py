"""How much the disk cache speeds up loading an image folder (issue: at least 20×).

Builds a PetImages-like folder of photo-sized JPEGs (500×375, like the notebook's cats
and dogs, plus a few junk files) in a temporary folder, then loads it at 150×150:
first load decodes every file; second load (memory memo cleared, so from the .npz cache
on disk) only lists the files and reads one array. Prints JSON; exits 1 under 20×.

    python benchmarks/bench_data_cache.py [--images 600]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image


def make_folder(root: Path, n: int, seed: int = 0) -> None:
    """``n`` smooth random colour photos 500×375 split over Cat/ and Dog/, plus junk."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        cls = "Cat" if i % 2 == 0 else "Dog"
        small = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
        img = Image.fromarray(small).resize((500, 375), Image.Resampling.BICUBIC)
        noise = rng.integers(-12, 12, (375, 500, 3))
        arr = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
        (root / cls).mkdir(parents=True, exist_ok=True)
        Image.fromarray(arr).save(root / cls / f"img{i}.jpg", quality=90)
    (root / "Cat" / "666.jpg").write_bytes(b"")
    (root / "Dog" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (root / "Dog" / "11702.jpg").write_bytes(b"not a jpeg")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=600)
    parser.add_argument("--size", type=int, default=150)
    parser.add_argument("--min-ratio", type=float, default=20.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CNNLAB_HOME"] = str(Path(tmp) / "home")
        from cnnlab.data import _folder, load_folder

        root = Path(tmp) / "PetImages"
        make_folder(root, args.images)
        t0 = time.perf_counter()
        ds, first = load_folder(root, image_size=args.size)
        t_first = time.perf_counter() - t0
        seconds = []
        for _ in range(3):
            _folder._MEMO.clear()  # the in-memory memo would make it even faster
            t0 = time.perf_counter()
            again, second = load_folder(root, image_size=args.size)
            seconds.append(time.perf_counter() - t0)
        t_second = min(seconds)
        assert second.from_cache and np.array_equal(ds.x, again.x)
        t0 = time.perf_counter()
        load_folder(root, image_size=args.size)
        t_memo = time.perf_counter() - t0
        ratio = t_first / t_second
        print(
            json.dumps(
                {
                    "bench": "data_cache",
                    "images": len(ds),
                    "skipped": len(first.skipped),
                    "image_size": args.size,
                    "dataset_mb": round(ds.nbytes / 2**20, 1),
                    "first_load_s": round(t_first, 3),
                    "cached_load_s": round(t_second, 4),
                    "memo_load_s": round(t_memo, 4),
                    "speedup": round(ratio, 1),
                    "cpus": os.cpu_count(),
                }
            )
        )
    return 0 if ratio >= args.min_ratio else 1


if __name__ == "__main__":
    raise SystemExit(main())
