"""Zip uploads: a PetImages zip extracts and loads; zip-slip, links and bombs are refused."""

from __future__ import annotations

import io
import os
import stat
import struct
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnlab.data import (
    MAX_BYTES,
    clean_uploads,
    extract_zip,
    from_spec,
    save_upload,
    upload_path,
    uploads_dir,
)
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


# --- budgets (cnnlab.limits), duplicates, and uploads that do not stay -----------------


def _tree(path: Path, files: dict[str, int], age_hours: float, now: float) -> int:
    """Files of the given sizes under ``path``, everything dated ``age_hours`` ago."""
    stamp = now - age_hours * 3600
    for rel, size in files.items():
        f = path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"x" * size)
        os.utime(f, (stamp, stamp))
    for d in sorted((p for p in [path, *path.rglob("*")] if p.is_dir()), reverse=True):
        os.utime(d, (stamp, stamp))
    return sum(files.values())


def test_clean_uploads_removes_old_uploads_and_old_models(home):
    now = time.time()
    up = uploads_dir()
    old = _tree(up / "aaaaaaaaaaaaaaaa", {"Cat/1.png": 3000, "Dog/1.png": 2000}, 30, now)
    _tree(up / "bbbbbbbbbbbbbbbb", {"Cat/1.png": 100}, 1, now)
    stale = _tree(up / ".extract-x1y2", {"Cat/half.png": 700}, 48, now)  # a crashed extraction
    model_old = _tree(up / "models", {"0123456789abcdef.keras": 5000}, 25, now)
    (up / "models" / "fedcba9876543210.keras").write_bytes(b"k" * 400)  # new
    freed = clean_uploads(now=now)
    assert freed == old + stale + model_old
    assert sorted(p.name for p in up.iterdir()) == ["bbbbbbbbbbbbbbbb", "models"]
    assert [p.name for p in (up / "models").iterdir()] == ["fedcba9876543210.keras"]
    assert clean_uploads(now=now) == 0


def test_clean_uploads_keeps_the_disk_budget_oldest_first(home, monkeypatch):
    now = time.time()
    up = uploads_dir()
    sizes = {}
    for i, age in enumerate([5, 4, 3, 2, 1]):  # hours; all younger than the age budget
        sizes[i] = _tree(up / f"{i:016x}", {"Cat/1.png": 1000}, age, now)
    monkeypatch.setenv("CNNLAB_UPLOADS_MAX_BYTES", "2500")
    assert clean_uploads(now=now) == 3000  # the three oldest go; 2000 bytes stay
    assert sorted(p.name for p in up.iterdir()) == [f"{3:016x}", f"{4:016x}"]
    monkeypatch.setenv("CNNLAB_UPLOAD_MAX_AGE_HOURS", "1.5")
    assert clean_uploads(now=now) == 1000
    assert [p.name for p in up.iterdir()] == [f"{4:016x}"]


def test_using_an_upload_keeps_it(home):
    upload_id = save_upload(_pets_zip())
    path = upload_path(upload_id)
    old = time.time() - 48 * 3600
    os.utime(path, (old, old))
    upload_path(upload_id)  # the Data or Train page opening it
    assert clean_uploads() == 0 and path.is_dir()
    os.utime(path, (old, old))
    assert save_upload(_pets_zip()) == upload_id  # uploaded again: kept, renewed
    assert clean_uploads() == 0 and path.is_dir()
    os.utime(path, (old, old))
    assert clean_uploads() > 0 and not path.exists()


def test_each_new_extraction_cleans_first(home):
    now = time.time()
    _tree(uploads_dir() / "aaaaaaaaaaaaaaaa", {"Cat/1.png": 10}, 30, now)
    upload_id = save_upload(_pets_zip())
    assert [p.name for p in uploads_dir().iterdir()] == [upload_id]


def test_budgets_come_from_the_environment(home, tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_MAX_ARCHIVE_MEMBERS", "3")
    with pytest.raises(ValueError, match="more than 3 files"):
        extract_zip(_pets_zip(), tmp_path / "a")
    monkeypatch.delenv("CNNLAB_MAX_ARCHIVE_MEMBERS")
    monkeypatch.setenv("CNNLAB_MAX_UPLOAD_BYTES", "1000")
    with pytest.raises(ValueError, match="over the upload limit of 1,000 bytes"):
        save_upload(_pets_zip())
    monkeypatch.delenv("CNNLAB_MAX_UPLOAD_BYTES")
    monkeypatch.setenv("CNNLAB_MAX_COMPRESSION_RATIO", "2")
    text = _zip({"Cat/notes.bmp": b"abc" * 2**20, "Dog/1.png": _png(1)})  # 3 MB of text
    with pytest.raises(ValueError, match="'Cat/notes.bmp' expands [\\d,]+ times .* limit of 2"):
        extract_zip(text, tmp_path / "b")
    assert list(tmp_path.iterdir()) == []  # nothing written, not even the uploads folder


def test_small_members_are_never_refused_for_their_ratio(tmp_path):
    data = _zip({"Cat/blank.bmp": bytes(500_000), "Dog/1.png": _png(1)})  # 500 KB, ~1000:1
    assert (extract_zip(data, tmp_path / "out") / "Cat" / "blank.bmp").stat().st_size == 500_000


def test_duplicate_names_are_refused(tmp_path):
    buf = io.BytesIO()
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(buf, "w") as z:
        z.writestr("cats/1.png", _png(1))
        z.writestr("cats/1.png", _png(2))
    with pytest.raises(ValueError, match="the zip holds two files named cats/1.png"):
        extract_zip(buf.getvalue(), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_encrypted_and_truncated_zips_are_refused(tmp_path, home):
    locked = bytearray(_zip({"Cat/1.png": _png(1), "Dog/1.png": _png(2)}))
    for sig, offset in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):  # set "encrypted" flags
        pos = locked.find(sig)
        while pos != -1:
            locked[pos + offset] |= 0x1
            pos = locked.find(sig, pos + 4)
    with pytest.raises(ValueError, match="'Cat/1.png' is encrypted"):
        extract_zip(bytes(locked), tmp_path / "out")
    for cut in (_pets_zip()[:-30], _pets_zip()[: len(_pets_zip()) // 2]):
        with pytest.raises(ValueError, match="not a readable zip|could not be read"):
            save_upload(cut)
    assert not uploads_dir().exists() or list(uploads_dir().iterdir()) == []


def test_a_zip_that_can_never_load_is_deleted_at_once(home):
    with pytest.raises(ValueError, match="the uploaded zip needs one subfolder per class"):
        save_upload(_zip({"PetImages/Cat/1.png": _png(1), "PetImages/Cat/2.png": _png(2)}))
    with pytest.raises(ValueError, match="could be loaded in 1 class folder"):
        save_upload(_zip({"Cat/1.png": _png(1), "Dog/1.png": b"<html>not a png</html>"}))
    assert list(uploads_dir().iterdir()) == []


def test_messages_never_show_server_paths(tmp_path):
    (tmp_path / "srv" / "out").mkdir(parents=True)
    with pytest.raises(ValueError) as err:
        extract_zip(_pets_zip(), tmp_path / "srv" / "out")
    assert str(err.value) == "'out' already exists: extract into a new folder"
    with pytest.raises(ValueError) as err:
        extract_zip(tmp_path / "missing.zip", tmp_path / "x")
    assert str(tmp_path) not in str(err.value)
