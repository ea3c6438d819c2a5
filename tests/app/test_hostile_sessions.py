"""The hostile uploads as the web server meets them: one student's zip bomb or giant
picture costs the server (this process, where AppTest runs the pages) a bounded amount of
memory, leaves nothing on disk, and another student's session goes on as before."""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import psutil
import pytest

from tests.app.conftest import open_app

_BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_hostile.py"
_spec = importlib.util.spec_from_file_location("bench_hostile", _BENCH)
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

BOUND_MB = 300  # above what the server used just before


class _Peak:
    """The highest resident memory of this process while the block runs."""

    def __enter__(self):
        self.proc, self.stop = psutil.Process(), threading.Event()
        self.before = self.peak = self.proc.memory_info().rss
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()
        return self

    def _watch(self):
        while not self.stop.wait(0.01):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.grown_mb = (self.peak - self.before) / 2**20


def _pick_upload(at):
    at.session_state["data_source"] = "upload"  # by id: labels depend on the language
    at.run()
    return at


def _uploads() -> list[str]:
    root = Path(os.environ["CNNLAB_HOME"]) / "uploads"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


CASES = {
    "zip_bomb": lambda: hostile.bomb_zip(256 << 20, extra={"Dog/1.png": hostile.small_png()}),
    "zip_of_huge_pngs": lambda: hostile.zip_of(
        {"Cat/big.png": hostile.huge_png(), "Dog/big.png": hostile.huge_png()}
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_hostile_zip_costs_the_server_little_and_spares_other_sessions(case, lang):
    other = open_app("page_data.py", lang="en")  # a classmate, already working
    spec_before = dict(other.session_state["dataset_spec"])
    data = CASES[case]()
    assert len(data) < 2_000_000  # a small file...
    at = _pick_upload(open_app("page_data.py", lang=lang))
    with _Peak() as peak:
        at.file_uploader(key="data_upload").set_value((f"{case}.zip", data, "application/zip"))
        at.run()
    assert not at.exception, at.exception
    assert at.error, "the refusal is said in words"
    assert peak.grown_mb < BOUND_MB, f"the server grew {peak.grown_mb:.0f} MB"
    assert _uploads() == []  # nothing left on disk
    other.run()  # the classmate's next rerun: same data, no error
    assert not other.exception and not other.error
    assert other.session_state["dataset_spec"] == spec_before
