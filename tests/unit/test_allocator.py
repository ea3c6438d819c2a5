"""The server's allocator setting: big arrays freed by one run are reused by the next."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dashboard import allocator

# In a thread (as a script run is), 20 times: allocate five 3 MB arrays (a kernel edit's
# padded picture, map, scratch, …), then free them. Print the minor page faults of the
# last 10 rounds (fresh pages fault ~770 times per array).
SCRIPT = """
import resource, sys, threading
import numpy as np
from dashboard import allocator
if sys.argv[1] == "tuned":
    assert allocator.keep_freed_memory()
out = []
def work():
    for i in range(20):
        if i == 10:
            before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        arrays = [np.ones((512, 512, 3), np.float32) for _ in range(5)]
        del arrays
    out.append(resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before)
t = threading.Thread(target=work)
t.start()
t.join()
print(out[0])
"""


def _faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not allocator.keep_freed_memory(), reason="glibc only")
def test_freed_arrays_are_reused_instead_of_faulting_in_fresh_pages():
    plain, tuned = _faults("plain"), _faults("tuned")
    assert plain > 10 * 5 * 700  # each array's pages were fresh
    assert tuned < plain / 20


def test_it_is_set_once_and_says_whether_it_could():
    first = allocator.keep_freed_memory()
    assert allocator.keep_freed_memory() is first
    assert allocator.MMAP_THRESHOLD <= 32 * 2**20  # glibc refuses more on 64-bit
