"""cnnlab.viz and cnnlab.inspect as packages: every exported name resolves, imports stay light."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from numpy.testing import assert_array_equal

import cnnlab.inspect
import cnnlab.viz
from cnnlab.viz import outline


def test_every_exported_name_loads_from_the_module_the_table_names():
    assert sorted(cnnlab.viz.__all__) == sorted(cnnlab.viz._WHERE)
    assert len(set(cnnlab.viz.__all__)) == len(cnnlab.viz.__all__)
    for name in cnnlab.viz.__all__:
        value = getattr(cnnlab.viz, name)
        module = getattr(value, "__module__", None)
        if module is not None and callable(value):
            assert module == f"cnnlab.viz.{cnnlab.viz._WHERE[name]}", name
    assert all(hasattr(cnnlab.inspect, n) for n in cnnlab.inspect.__all__)


def test_importing_the_packages_loads_no_keras_plotly_figures_or_pillow():
    code = (
        "import sys, cnnlab.viz, cnnlab.inspect, cnnlab.viz._kernels\n"
        "heavy = ('keras', 'tensorflow', 'plotly.graph_objects', 'plotly.express', 'PIL')\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_outline_keeps_its_thickness_inside_or_squeezes_onto_the_border():
    img = np.zeros((10, 10), np.uint8)
    inside = outline(img, 0, 3, 4, 4, thickness=2)
    squeezed = outline(img, 0, 3, 4, 4, thickness=2, squeeze=True)
    # Top edge at the border: drawn over rows 0-1 at full thickness, or on row 0 only.
    assert_array_equal(inside[:2, 5].any(axis=-1), [True, True])
    assert_array_equal(squeezed[:2, 5].any(axis=-1), [True, False])
    # Away from the border both are the same two rings.
    assert_array_equal(inside[4:], squeezed[4:])
