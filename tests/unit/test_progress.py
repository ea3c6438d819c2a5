"""Progress reports of the slow loaders: counts never go back, end at N of N, ~20 a second."""

from __future__ import annotations

import io
import itertools
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image

from cnnlab._progress import throttled
from cnnlab.data import _folder as folder_mod
from cnnlab.data import extract_zip, load_folder, load_keras, load_spec, save_upload, split_spec
from cnnlab.data._keras import STAGES


class Recorder:
    """A progress callback that keeps every ``(done, total)`` it is given."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))

    def check(self, total: int) -> None:
        assert self.calls, "never called"
        assert all(t == total for _, t in self.calls), self.calls
        dones = [d for d, _ in self.calls]
        assert dones == sorted(dones) and dones[0] >= 0, dones  # monotone
        assert self.calls[-1] == (total, total)


def _png(seed: int, side: int = 24) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (side, side, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_HOME", str(tmp_path / "home"))
    folder_mod._MEMO.clear()
    return tmp_path / "home"


def _folder(root, n_per_class: int = 30):
    for cls in ("Cat", "Dog"):
        (root / cls).mkdir(parents=True)
        for i in range(n_per_class):
            (root / cls / f"{i}.png").write_bytes(_png(i + (100 if cls == "Dog" else 0)))
    (root / "Cat" / "empty.jpg").write_bytes(b"")  # junk, refused by its header
    (root / "Cat" / "Thumbs.db").write_bytes(b"\xd0\xcf")  # not even a candidate
    (root / "Dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")  # a candidate
    return root


def test_throttled_keeps_the_first_and_last_and_never_goes_back():
    rec = Recorder()
    report = throttled(rec)
    for i in range(5000):
        report(i, 5000)
    report(10, 5000)  # a late, smaller count is not passed on as smaller
    report(5000, 5000)
    rec.check(5000)
    assert rec.calls[0] == (0, 5000) and len(rec.calls) < 100
    throttled(None)(1, 2)  # None: nothing to call, no error


def test_load_folder_counts_every_candidate_then_ends_at_n_of_n(home, tmp_path):
    root = _folder(tmp_path / "pets")
    rec = Recorder()
    ds, rep = load_folder(root, image_size=16, progress=rec)
    total = 62  # every file that may be an image: 60 pictures, an empty and a broken one
    rec.check(total)
    assert len(ds) == 60 and rep.files == 63
    cached = Recorder()  # from the memory cache: at once, N of N
    load_folder(root, image_size=16, progress=cached)
    assert cached.calls == [(total, total)]
    folder_mod._MEMO.clear()
    disk = Recorder()  # from the disk cache
    _, rep = load_folder(root, image_size=16, progress=disk)
    assert rep.from_cache and disk.calls == [(total, total)]


def test_load_folder_reports_at_most_about_20_times_a_second(home, tmp_path, monkeypatch):
    clock = itertools.count()  # each look at the clock: 1 ms later
    monkeypatch.setattr("cnnlab._progress._clock", lambda: next(clock) / 1000)
    root = _folder(tmp_path / "pets", n_per_class=60)
    rec = Recorder()
    load_folder(root, image_size=16, cache=False, progress=rec)
    rec.check(122)
    assert len(rec.calls) <= 122 * 0.001 * 20 + 3  # ~0.12 s of fake time: a few calls


def test_load_spec_and_split_spec_pass_progress_down(home, tmp_path, monkeypatch):
    _folder(tmp_path / "data" / "pets", n_per_class=5)
    monkeypatch.setenv("CNNLAB_DATA_ROOT", str(tmp_path / "data"))
    rec = Recorder()
    ds, rep = load_spec({"source": "folder", "path": "pets", "image_size": [16, 16]}, progress=rec)
    rec.check(12)
    rec = Recorder()
    split_spec({"source": "folder", "path": "pets", "image_size": [16, 16]}, progress=rec)
    rec.check(12)
    quiet = Recorder()  # quick synthetic sets never call it
    split_spec({"source": "shapes", "n": 40, "size": 16}, progress=quiet)
    assert quiet.calls == []


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("PetImages/", b"")  # a folder entry: not counted
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_extract_zip_counts_members(tmp_path):
    members = {f"PetImages/{c}/{i}.png": _png(i) for c in ("Cat", "Dog") for i in range(25)}
    rec = Recorder()
    extract_zip(_zip(members), tmp_path / "out", progress=rec)
    rec.check(50)
    assert rec.calls[0] == (0, 50)


def test_save_upload_passes_progress_to_the_extraction(home):
    data = _zip({f"PetImages/{c}/{i}.png": _png(i) for c in ("Cat", "Dog") for i in range(3)})
    rec = Recorder()
    upload_id = save_upload(data, progress=rec)
    rec.check(6)
    again = Recorder()  # extracted before: done at once
    assert save_upload(data, progress=again) == upload_id
    assert again.calls == [(1, 1)]


def test_load_keras_counts_its_stages(monkeypatch):
    class _Mnist:
        @staticmethod
        def load_data():
            x = np.zeros((100, 28, 28), np.uint8)
            return (x, np.arange(100) % 10), (x[:5], np.arange(5))

    fake = type(sys)("keras")
    fake.datasets = type(sys)("keras.datasets")
    fake.datasets.mnist = _Mnist
    monkeypatch.setitem(sys.modules, "keras", fake)
    rec = Recorder()
    load_keras("mnist", n=50, progress=rec)
    rec.check(STAGES)
    assert [d for d, _ in rec.calls] == list(range(STAGES + 1))


@pytest.mark.slow  # a second process imports Keras
@pytest.mark.keras
def test_model_loading_counts_its_stages(tmp_path):
    import keras

    from cnnlab.modelfile import load_model_file, probe_model_file

    path = tmp_path / "m.keras"
    keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)]).save(path)
    rec = Recorder()
    assert load_model_file(path, progress=rec).count_params() == 15
    assert rec.calls == [(0, 2), (1, 2), (2, 2)]
    rec = Recorder()  # in the checking process, read back from its output as it comes
    assert probe_model_file(path, progress=rec) == 15
    assert rec.calls == [(0, 2), (1, 2), (2, 2)]
