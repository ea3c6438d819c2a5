"""Progress reports for waits longer than a second (decoding, extracting, downloading).

A loader takes ``progress: Progress | None`` and calls ``progress(done, total)`` from the
thread that called it: ``done`` never decreases, and the last call is ``(total, total)``
when the loader succeeds. :func:`throttled` keeps the calls to about 20 a second, so a
page redrawing a bar on each call is never the bottleneck. No UI import here: a notebook
passes ``lambda d, n: print(d, n)``, the dashboard a function that draws a bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Progress", "throttled", "RATE"]

Progress = Callable[[int, int], None]  # progress(done, total), done in 0..total
RATE = 20.0  # calls a second, at most (the first and the last always go through)
_clock = time.monotonic  # (a test replaces it)


def throttled(progress: Progress | None, *, rate: float = RATE) -> Progress:
    """``progress`` called at most ``rate`` times a second; a no-op for None.

    The first call, every call with ``done == total`` and every call with a new
    ``total`` go through; the others only when ``1 / rate`` seconds passed since the
    last one that did. ``done`` is clamped so that the counts passed on never decrease.

    >>> seen = []
    >>> report = throttled(lambda d, n: seen.append((d, n)))
    >>> for i in range(1001):
    ...     report(i, 1000)
    >>> seen[0], seen[-1], len(seen) < 100
    ((0, 1000), (1000, 1000), True)
    """
    if progress is None:
        return _nothing
    gap = 1.0 / rate
    last: dict[str, float] = {"t": -float("inf"), "done": -1, "total": -1}

    def report(done: int, total: int) -> None:
        done, total = int(done), int(total)
        if total == last["total"]:
            done = max(done, int(last["done"]))
        now = _clock()
        if total == last["total"] and done < total and now - last["t"] < gap:
            return
        if (done, total) == (last["done"], last["total"]):
            return
        last.update(t=now, done=done, total=total)
        progress(done, total)

    return report


def _nothing(done: int, total: int) -> None:
    return None
