"""Checks at the edge of the core: one helper per repeated rule, each raising ValueError.

>>> whole(3, "n")
3
>>> whole(0, "n", low=1)
Traceback (most recent call last):
...
ValueError: n must be an integer >= 1, got 0
"""

from __future__ import annotations

import numbers

__all__ = ["whole", "is_whole"]


def is_whole(value: object) -> bool:
    """True for an int-valued number (``3``, ``3.0``, ``np.int64(3)``), False for bools."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        return int(value) == value  # type: ignore[call-overload]
    except (OverflowError, ValueError):  # inf, nan
        return False


def whole(
    value: object,
    name: str,
    *,
    low: int | None = None,
    high: int | None = None,
    message: str | None = None,
) -> int:
    """``value`` as an ``int`` if it is a whole number in ``[low, high]``; else ValueError.

    The error quotes the value received and names the range; ``message`` replaces the
    text before ", got …" where a caller words its rule its own way.
    """
    ok = is_whole(value)
    if ok:
        n = int(value)  # type: ignore[call-overload]  # a Real that is whole
        ok = (low is None or n >= low) and (high is None or n <= high)
    if not ok:
        if message is None:
            if low is not None and high is not None:
                message = f"{name} must be an integer in [{low}, {high}]"
            elif low is not None:
                message = f"{name} must be an integer >= {low}"
            elif high is not None:
                message = f"{name} must be an integer <= {high}"
            else:
                message = f"{name} must be an integer"
        raise ValueError(f"{message}, got {value!r}")
    return n
