"""Every refusal of hostile input is an InputError with a code, shown from the catalogs.

Each case below makes the core refuse something (mostly with the hostile generators of
``benchmarks/bench_hostile.py``) and checks that the refusal carries a code and params,
that ``errors.input_<code>`` exists in English and Spanish, and that its params fill
both texts. Together the cases must reach every ``input_*`` catalog entry, and every
code written in the core must have one.
"""

from __future__ import annotations

import io
import pickle
import re
import stat
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from cnnlab import InputError
from cnnlab.data import _folder as folder_mod
from cnnlab.data import _zip as zip_mod
from cnnlab.data import extract_zip, save_upload, upload_path
from cnnlab.data._folder import check_folder
from cnnlab.data._roots import resolve_folder
from cnnlab.images import ImageTooLarge, check_header, load_image
from dashboard.i18n import LANGS, catalog

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_hostile import bomb_zip, huge_png, small_png, zip_members, zip_of  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
_FIELD = re.compile(r"{(\w+)")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_HOME", str(tmp_path / "home"))
    folder_mod._MEMO.clear()
    yield tmp_path
    folder_mod._MEMO.clear()


def _member_zip(name: str, attr: int = 0, flags: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("Cat/1.png", small_png(1))
        info = zipfile.ZipInfo(name)
        if attr:
            info.create_system, info.external_attr = 3, attr << 16
        z.writestr(info, b"x")
    data = bytearray(buf.getvalue())
    if flags:  # the encrypted bit in the central directory entry of the second member
        pos = data.rfind(b"PK\x01\x02")
        struct.pack_into("<H", data, pos + 8, flags)
    return bytes(data)


def _forge(data: bytes, offset: int, value: int) -> bytes:
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<I", out, pos + offset, value)
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def _damaged_member() -> bytes:
    data = bytearray(zip_of({"Cat/1.bin": bytes(range(256)) * 8}, zipfile.ZIP_STORED))
    data[100] ^= 0xFF  # stored bytes changed: the CRC no longer matches
    return bytes(data)


def _lying_member(tmp: Path) -> None:
    class Zip:  # a member yielding more bytes than its header says
        def open(self, info):
            return io.BytesIO(b"x" * 100)

    info = zipfile.ZipInfo("Cat/1.png")
    info.file_size = info.compress_size = 10
    zip_mod._copy(Zip(), info, tmp / "part", 0, 1000, 1 << 20, 100.0)  # type: ignore[arg-type]


def _no_pixels(monkeypatch) -> None:
    """An image whose header says 0×5 (PIL's own readers refuse one first)."""
    from PIL import Image

    monkeypatch.setattr(Image, "open", lambda fp: Image.new("L", (0, 5)))
    check_header(b"a picture")


def _folder(tmp: Path, files: dict[str, bytes]) -> Path:
    root = tmp / "data"
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def _probe_answer(tmp: Path, monkeypatch, line: str) -> None:
    """probe_model_file with its checking process replaced by one printing ``line``."""
    from cnnlab import modelfile

    script = tmp / "fake_python"
    script.write_text(f"#!/bin/sh\necho '{line}'\n")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(script))
    modelfile.probe_model_file(tmp / "m.keras")


def _store(data: bytes, tmp: Path, monkeypatch, limit: int | None = None) -> None:
    from cnnlab import modelfile

    if limit is not None:
        monkeypatch.setattr(modelfile, "MAX_MODEL_BYTES", limit)
    modelfile.store_model_file(data, tmp / "models")


Case = Callable[[Path, pytest.MonkeyPatch], object]
NESTED = zip_of({"x.png": small_png()})
CASES: dict[str, Case] = {
    # images
    "image_pixels": lambda tmp, mp: load_image(huge_png()),
    "image_bomb": lambda tmp, mp: check_header(huge_png(14_000, 14_000), name="big.png"),
    "image_unreadable": lambda tmp, mp: load_image(b"not a picture", name="notes.png"),
    "image_empty": lambda tmp, mp: load_image(b"", name="empty.png"),
    "image_no_pixels": lambda tmp, mp: _no_pixels(mp),
    "upload_too_big": lambda tmp, mp: (
        mp.setenv("CNNLAB_MAX_UPLOAD_BYTES", "100"),
        load_image(small_png(), name="a.png"),
    ),
    # zips
    "zip_path": lambda tmp, mp: extract_zip(zip_of({"../evil.txt": b"x"}), tmp / "o"),
    "zip_members": lambda tmp, mp: extract_zip(
        zip_of({f"Cat/{i}.png": b"" for i in range(30)}), tmp / "o", max_files=20
    ),
    "zip_link": lambda tmp, mp: extract_zip(_member_zip("Cat/l.png", stat.S_IFLNK), tmp / "o"),
    "zip_special": lambda tmp, mp: extract_zip(_member_zip("Cat/p.png", stat.S_IFIFO), tmp / "o"),
    "zip_encrypted": lambda tmp, mp: extract_zip(_member_zip("Cat/e.png", flags=1), tmp / "o"),
    "zip_no_name": lambda tmp, mp: extract_zip(zip_members([(".", b"x")]), tmp / "o"),
    "zip_duplicate": lambda tmp, mp: extract_zip(
        zip_members([("cats/1.png", b"a"), ("cats/1.png", b"b")]), tmp / "o"
    ),
    "zip_file_folder": lambda tmp, mp: extract_zip(
        zip_members([("cats", b"x"), ("cats/1.png", b"y")]), tmp / "o"
    ),
    "zip_too_big": lambda tmp, mp: extract_zip(bomb_zip(2 << 20), tmp / "o", max_bytes=1 << 20),
    "zip_ratio_member": lambda tmp, mp: extract_zip(bomb_zip(2 << 20), tmp / "o"),
    "zip_ratio": lambda tmp, mp: extract_zip(
        _forge(bomb_zip(4 << 20), 20, 4 << 20), tmp / "o"
    ),  # a directory lying about the compressed size: caught on the whole zip
    "zip_lying_member": lambda tmp, mp: _lying_member(tmp),
    "zip_unreadable": lambda tmp, mp: extract_zip(b"not a zip at all", tmp / "o"),
    "zip_member_unreadable": lambda tmp, mp: extract_zip(_damaged_member(), tmp / "o"),
    # datasets (a zip upload, or a folder)
    "dataset_classes": lambda tmp, mp: save_upload(zip_of({"Cat/1.png": small_png()})),
    "dataset_classes_archives": lambda tmp, mp: save_upload(
        zip_of({"Cat/1.png": small_png(), "Dog/more.zip": NESTED})
    ),
    "dataset_too_few": lambda tmp, mp: check_folder(
        _folder(tmp, {"Cat/1.png": small_png(), "Dog/1.png": b"garbage"})
    ),
    "dataset_too_few_archives": lambda tmp, mp: check_folder(
        _folder(tmp, {"Cat/1.png": small_png(), "Dog/1.png": b"x", "Dog/a.zip": NESTED})
    ),
    "dataset_memory": lambda tmp, mp: (
        mp.setenv("CNNLAB_MAX_DATA_MB", "1"),
        folder_mod.load_folder(
            _folder(tmp, {"Cat/1.png": small_png(1), "Dog/1.png": small_png(2)}),
            image_size=512,
            cache=False,
        ),
    ),
    "dataset_pixels": lambda tmp, mp: (
        mp.setenv("CNNLAB_MAX_DATASET_PIXELS", "500"),
        check_folder(_folder(tmp, {"Cat/1.png": small_png(1), "Dog/1.png": small_png(2)})),
    ),
    # links naming folders and uploads
    "folder_outside": lambda tmp, mp: resolve_folder("../etc", tmp),
    "folder_missing": lambda tmp, mp: resolve_folder("nope", tmp),
    "upload_id": lambda tmp, mp: upload_path("../../etc"),
    "upload_gone": lambda tmp, mp: upload_path("0123456789abcdef"),
    # model files
    "model_empty": lambda tmp, mp: _store(b"", tmp, mp),
    "model_too_big": lambda tmp, mp: _store(b"PK" + bytes(100), tmp, mp, limit=50),
    "model_not_zip": lambda tmp, mp: _store(b"hello", tmp, mp),
    "model_unsafe": lambda tmp, mp: _probe_answer(
        tmp,
        mp,
        '{"error": "cannot load this model safely: X: y", "code": "model_unsafe", '
        '"params": {"detail": "X: y"}}',
    ),
    "model_memory": lambda tmp, mp: __import__("cnnlab.modelfile").modelfile.probe_model_file(
        tmp / "m.keras", memory=1
    ),
    "model_failed": lambda tmp, mp: _probe_answer(tmp, mp, "Traceback: it crashed"),
    "model_params": lambda tmp, mp: (
        mp.setenv("CNNLAB_MAX_MODEL_PARAMS", "10"),
        _probe_answer(tmp, mp, '{"params": 1234567}'),
    ),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_refusal_has_a_code_and_both_catalog_texts(code, home, monkeypatch):
    with pytest.raises(InputError) as info:
        CASES[code](home, monkeypatch)
    exc = info.value
    assert exc.code == code, str(exc)
    assert isinstance(exc, ValueError) and str(exc) == exc.message
    for value in exc.params.values():
        assert isinstance(value, str | int | float), exc.params
        assert str(home) not in str(value) and "/tmp/" not in str(value), exc.params
    for lang in LANGS:
        text = catalog(lang).get(f"errors.input_{code}")
        assert text, (lang, code)
        filled = text.format(**exc.params)  # every placeholder has a param
        assert "{" not in filled and "}" not in filled, filled
    # pickled (a worker process) and back: still the same code and params
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc) and back.code == code and back.params == exc.params


def test_every_catalog_entry_has_a_case_and_the_same_fields_in_both_languages():
    keys = {k.removeprefix("errors.input_") for k in catalog("en") if k.startswith("errors.input_")}
    assert keys == set(CASES)
    for code in keys:
        en, es = catalog("en")[f"errors.input_{code}"], catalog("es")[f"errors.input_{code}"]
        assert set(_FIELD.findall(en)) == set(_FIELD.findall(es)), code


def test_every_code_written_in_the_core_has_a_catalog_entry():
    core = ROOT / "cnnlab"
    written = set()
    call = re.compile(r'(?:InputError|ImageTooLarge|_member)\(\s*"(\w+)"')
    for path in core.rglob("*.py"):
        written.update(call.findall(path.read_text(encoding="utf-8")))
    assert written and written <= set(CASES), written - set(CASES)


def test_a_subclass_finds_the_input_entries():
    exc = ImageTooLarge("image_pixels", "big", name="", width=2, height=2, pixels="4 px",
                        limit="1 px")  # fmt: skip
    assert isinstance(exc, InputError) and exc.code == "image_pixels"
    from dashboard.boundary import explain

    assert explain(exc) == catalog("en")["errors.input_image_pixels"].format(**exc.params)
