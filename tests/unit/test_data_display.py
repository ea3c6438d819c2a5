"""Names and loader messages a page can always show (cnnlab.data.shown_name, plain_detail)."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

from cnnlab.data import load_folder, plain_detail, shown_name


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Cat", "Cat"),
        ("Bé", "Bé"),  # valid UTF-8 stays as it is
        ("B\udce9", "B\ufffd"),  # b"B\xe9" from the file system
        ("bad_\udcff\udcfe.jpg", "bad_\ufffd\ufffd.jpg"),
        ("\ud800x", "?x"),  # a lone surrogate that is no file-system escape
        (b"bad_\xff.jpg", "bad_\ufffd.jpg"),
        (3, "3"),
    ],
)
def test_shown_name_is_always_utf8(name, shown):
    out = shown_name(name)
    out.encode("utf-8")  # never raises
    assert out == shown


def test_plain_detail_drops_object_reprs_and_server_paths():
    text = "cannot identify image file <_io.BytesIO object at 0x7f3a2c1d90>"
    assert plain_detail(text) == "cannot identify image file"
    text = "'/home/teacher/cnnlab/datasets/Pets' needs one subfolder per class, found 1"
    assert plain_detail(text) == "'…/Pets' needs one subfolder per class, found 1"
    assert plain_detail(r"could not create 'C:\Users\x\uploads\ab12': denied") == (
        "could not create '…/ab12': denied"
    )
    assert plain_detail("a\nb   c") == "a b c" and len(plain_detail("x" * 1000)) == 400
    plain_detail("B\udce9 is odd").encode("utf-8")


def _png(value: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((12, 12, 3), value, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_a_folder_with_undecodable_names_loads_and_shows(tmp_path):
    """The core loads them (it keeps the real names); shown_name makes them showable."""
    root = os.fsencode(tmp_path / "pets")
    for cls in (b"A", b"B\xe9"):
        os.makedirs(os.path.join(root, cls))
        for i in range(2):
            with open(os.path.join(root, cls, b"%d.png" % i), "wb") as fh:
                fh.write(_png(50 + 100 * i))
    with open(os.path.join(root, b"A", b"bad_\xff\xfe.jpg"), "wb") as fh:
        fh.write(b"junk")
    ds, report = load_folder(os.fsdecode(root), image_size=16, cache=False)
    assert len(ds) == 4
    shown = [shown_name(c) for c in ds.class_names]
    assert shown == ["A", "B\ufffd"]
    assert [shown_name(s.path) for s in report.skipped] == ["A/bad_\ufffd\ufffd.jpg"]
