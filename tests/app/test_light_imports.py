"""The light pages' first render pays for nothing they do not use: importing the app and
Home, Kernels and Pooling loads neither Keras nor the run store (SQLAlchemy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
import dashboard.app, dashboard.page_home, dashboard.page_kernels, dashboard.page_pooling
print(json.dumps({m: m in sys.modules for m in ("sqlalchemy", "cnnlab.runs", "keras", "ray")}))
"""


def test_importing_the_light_pages_loads_no_run_store_and_no_keras():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == {"sqlalchemy": False, "cnnlab.runs": False, "keras": False, "ray": False}
