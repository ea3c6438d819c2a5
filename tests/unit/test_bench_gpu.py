"""The GPU benchmark runs end to end on the CPU in its dry mode, so it works the day a GPU
machine is lent (there it runs with ``KERAS_BACKEND=jax`` and no flags)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_gpu_dry_run_prints_every_ratio():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_gpu.py"), "--dry"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["mode"] == "dry" and res["status"] == "finished"
    for key in ("feed_images_per_second", "bare_images_per_second", "ours_images_per_second"):
        assert res[key] > 0, res
    assert res["ours_over_bare"] == pytest.approx(
        res["ours_images_per_second"] / res["bare_images_per_second"], rel=0.01
    )
    assert res["notebook_images_per_second"] == 360.0
