"""The server's memory allocator: large freed arrays are reused, not handed back at once.

A kernel edit on a 512×512 RGB photo allocates a few 3 MB arrays (the padded picture,
the map, a scratch buffer) and frees them when the run ends. glibc's ``malloc`` serves
blocks that large with a fresh ``mmap`` and unmaps them on ``free``, so every run touched
new pages: about 2,200 page faults per map, which doubled the convolution's CPU time in a
script thread (11.5 against 5.9 ms, measured with ``benchmarks/bench_kernels.py``).
:func:`keep_freed_memory` raises glibc's two thresholds so that such blocks come from the
heap and go back to it, as they do in a plain Python process that keeps allocating.

The cost is memory the server keeps after a peak instead of returning it to the system:
up to ``TRIM_THRESHOLD`` of free space at the top of each heap, and glibc gives threads
their own heaps (arenas, up to 8 per core), so a worst case is several hundred MB. In
practice the class benchmark (``bench_load.py``) peaked at 821 / 832 MB with the setting
against 815 / 829 MB without. Other C libraries (macOS, musl) are left alone.
"""

from __future__ import annotations

import ctypes

__all__ = ["keep_freed_memory", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]

# mallopt's parameter numbers (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # bytes: blocks up to this size come from the heap (glibc's max)
TRIM_THRESHOLD = 64 * 2**20  # bytes of free space a heap keeps at its top
_done: bool | None = None


def keep_freed_memory() -> bool:
    """Set glibc's thresholds once per process; True when they are set (glibc only)."""
    global _done
    if _done is None:
        try:
            libc = ctypes.CDLL(None)  # this process's symbols, the C library's among them
            libc.gnu_get_libc_version  # noqa: B018 - raises AttributeError when not glibc
            _done = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
                libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
            )
        except (OSError, AttributeError):  # not glibc (macOS, musl, Windows): left alone
            _done = False
    return _done
