"""examples/core_tour.ipynb runs top to bottom on the core alone and shows the seed's numbers."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.keras]  # it trains a model for 3 epochs

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "core_tour.ipynb"
SEED_TABLE = [
    [-4, 4, 0, 3, 4],
    [-9, 3, 1, 7, 8],
    [-10, 5, 3, 3, 7],
    [-10, -2, 3, 5, 7],
    [-5, -1, 2, 1, 3],
]  # the tutorial's correlation of its 5×5 matrix with [[1, 0, -1]] * 3


@pytest.fixture
def kernel_python(tmp_path, monkeypatch):
    """A ``python3`` kernelspec that runs this interpreter (the venv's), found first."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("CNNLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    return "python3"


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def test_core_tour_runs_and_shows_the_seed_table(kernel_python):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,  # per cell; the whole notebook takes ~30 s here
        kernel_name=kernel_python,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError if any cell fails
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    assert not errors, errors
    assert all(c.execution_count for c in code)

    table_cell = next(c for c in code if c.source.startswith("table = correlate2d"))
    numbers = [int(v) for v in re.findall(r"-?\d+", _text(table_cell))]
    assert np.array(numbers).reshape(5, 5).tolist() == SEED_TABLE

    pool_cell = next(c for c in code if "pool2d(x, size=2" in c.source)
    assert "[[ 5.  7.]\n [13. 15.]]" in _text(pool_cell)

    history = next(c for c in code if c.source.startswith("result = train("))
    lines = dict(line.split(" ", 1) for line in _text(history).strip().splitlines())
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= lines.keys()
    assert len(json.loads(lines["val_accuracy"])) == 3  # three epochs

    cam = next(c for c in code if "grad_cam(model" in c.source)
    assert "(32, 32) True True" in _text(cam)
