"""How the Architecture page writes a design's numbers: FLOPs and bytes, L2 factors.

Plain text, no language: "40.3 M", "720 kB", "1e-3".
"""

from __future__ import annotations

import math

__all__ = ["short_number", "l2_text"]


def short_number(n: float, unit: str = "") -> str:
    """``n`` to three significant figures with a k, M or G prefix, then ``unit``.

    >>> short_number(40_312_000), short_number(720_000, "B"), short_number(12), short_number(0)
    ('40.3 M', '720 kB', '12', '0')
    """
    for div, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if n >= div:
            return f"{n / div:.3g}{suffix}{unit}"  # 3 figures: 40.3 M, 208 M, 720 k
    return f"{n:.0f} {unit}".rstrip()


def _is_factor(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def l2_text(v: object, off: str = "0") -> str:
    """An L2 weight-decay factor as a person writes it: ``off`` for 0, ``1e-3`` for a
    decade; a finer value keeps its digits (``0.0015``), so no two factors read the same;
    anything that is no finite number as its repr.

    >>> l2_text(0.0, "off"), l2_text(1e-3), l2_text(0.0015), l2_text(2e-5), l2_text("x")
    ('off', '1e-3', '0.0015', '2e-5', "'x'")
    """
    if not _is_factor(v):
        return repr(v)
    x = float(v)  # type: ignore[arg-type]
    if x == 0:
        return off
    short = f"{x:.0e}"
    if float(short) != x:
        return f"{x:g}"
    mantissa, exp = short.split("e")
    return f"{mantissa}e{int(exp)}"
