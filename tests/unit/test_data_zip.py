"""Zip uploads: a PetImages zip extracts and loads; zip-slip, links and bombs are refused."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnlab.data import MAX_BYTES, extract_zip, from_spec, save_upload, upload_path
from cnnlab.data import _folder as folder_mod


def _png(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def _zip(members: dict[str, bytes], **kw) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, **kw) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _pets_zip() -> bytes:
    return _zip(
        {
            "PetImages/Cat/1.png": _png(1),
            "PetImages/Cat/2.png": _png(2),
            "PetImages/Cat/Thumbs.db": b"\xd0\xcf",
            "PetImages/Dog/1.png": _png(3),
            "PetImages/Dog/empty.jpg": b"",
            "__MACOSX/PetImages/Cat/._1.png": b"\x00\x05",
        }
    )


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_HOME", str(tmp_path / "home"))
    folder_mod._MEMO.clear()
    return tmp_path / "home"


def test_a_good_zip_extracts_and_loads_through_a_spec(home):
    data = _pets_zip()
    upload_id = save_upload(data)
    assert len(upload_id) == 16 and save_upload(data) == upload_id  # idempotent
    assert (upload_path(upload_id) / "PetImages" / "Cat" / "1.png").is_file()
    ds = from_spec({"source": "upload", "id": upload_id, "image_size": [16, 16]})
    assert ds.class_names == ("Cat", "Dog") and ds.counts().tolist() == [2, 1]
    assert ds.x.shape == (3, 16, 16, 3)


@pytest.mark.parametrize(
    "name",
    ["../evil.png", "PetImages/../../evil.png", "/etc/passwd", "C:/Windows/evil.png",
     "Cat\\..\\..\\evil.png"],
)  # fmt: skip
def test_zip_slip_is_refused_and_nothing_is_written(tmp_path, name):
    data = _zip({"PetImages/Cat/1.png": _png(1), name: b"pwned"})
    with pytest.raises(ValueError, match="absolute or '..' path"):
        extract_zip(data, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "evil.png").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary folder left


def test_symbolic_links_are_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("Cat/1.png", _png(1))
        info = zipfile.ZipInfo("Cat/passwd.png")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(ValueError, match="symbolic link"):
        extract_zip(buf.getvalue(), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_zip_bomb_is_refused_by_its_expanded_size(tmp_path):
    """64 MB of zeros in a ~64 kB zip: over a 16 MB cap."""
    data = _zip({"Cat/bomb.bmp": bytes(64 * 2**20), "Dog/1.png": _png(1)})
    assert len(data) < 2**20
    with pytest.raises(ValueError, match="expands to more than 16 MB"):
        extract_zip(data, tmp_path / "out", max_bytes=16 * 2**20)
    assert not (tmp_path / "out").exists()


def _forge_size(data: bytes, new_size: int) -> bytes:
    """Rewrite every central-directory 'uncompressed size' field (a lying header)."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<I", out, pos + 24, new_size)
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def test_declared_sizes_over_the_default_cap_are_refused_before_writing(tmp_path):
    forged = _forge_size(_zip({"Cat/a.png": _png(1), "Dog/b.png": _png(2)}), 0xFFFF0000)
    assert MAX_BYTES < 2 * 0xFFFF0000
    with pytest.raises(ValueError, match="expands to more than"):
        extract_zip(forged, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_header_that_understates_the_size_is_caught_while_writing(tmp_path):
    forged = _forge_size(_zip({"Cat/a.bin": bytes(5 * 2**20), "Dog/b.png": _png(2)}), 10)
    with pytest.raises(ValueError):
        extract_zip(forged, tmp_path / "out", max_bytes=2**20)
    assert not (tmp_path / "out").exists()


def test_too_many_files_are_refused(tmp_path):
    data = _zip({f"Cat/{i}.png": b"" for i in range(30)})
    with pytest.raises(ValueError, match="more than 20 files"):
        extract_zip(data, tmp_path / "out", max_files=20)


def test_not_a_zip(tmp_path):
    with pytest.raises(ValueError, match="not a readable zip"):
        extract_zip(b"PK but not really", tmp_path / "out")
    with pytest.raises(ValueError, match="not a readable zip"):
        save_upload(b"hello")


def test_extracting_over_an_existing_folder_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(ValueError, match="already exists"):
        extract_zip(_pets_zip(), tmp_path / "out")


def test_bad_upload_ids_never_become_paths(home):
    for bad in ("../../etc", "abc", "0123456789abcdeg", None):
        with pytest.raises(ValueError, match="upload id"):
            upload_path(bad)
    with pytest.raises(ValueError, match="upload it again"):
        upload_path("0123456789abcdef")


def test_extracted_files_keep_their_zip_times(tmp_path):
    out = extract_zip(_pets_zip(), tmp_path / "out")
    files = sorted(p for p in Path(out).rglob("*") if p.is_file())
    assert len(files) == 6
    mtime = files[0].stat().st_mtime
    assert all(abs(p.stat().st_mtime - mtime) < 10 for p in files)
