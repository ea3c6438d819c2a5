"""The browser benchmarks run end to end (their figures are not judged here: a busy CI
machine is no place to time anything; README.md gives the figures)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import nginx_or_skip

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_bench_kernels_runs_and_times_the_fragment_rerun():
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_kernels.py", "--n", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: over the goal, not broken
    out = done.stdout
    assert "runs logged as ['kernels#_kernel_and_maps']" in out, out  # never the whole page
    assert "server: page median" in out and "ratio" in out, out


def test_bench_proxy_runs_through_nginx():
    nginx_or_skip()
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_proxy.py", "--pages", "home", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: not better, not broken
    lines = done.stdout.splitlines()
    assert any(line.startswith("round 1: home") and "nginx" in line for line in lines), lines
    assert any(line.startswith("home") for line in lines[-2:]), lines
