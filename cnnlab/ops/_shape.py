"""Output-size arithmetic shared by convolution and pooling (the Keras rule)."""

from __future__ import annotations

__all__ = ["output_size", "same_pads"]

_PADDINGS = ("valid", "same", "full")


def output_size(n: int, kernel: int, stride: int = 1, padding: str = "valid") -> int:
    """Length of one output side, as Keras computes it.

    valid: floor((n - k) / s) + 1;  same: ceil(n / s);  full: floor((n + k - 2) / s) + 1.

    >>> output_size(150, 3, 1, "same"), output_size(75, 2, 2, "valid"), output_size(5, 3, 1, "full")
    (150, 37, 7)
    """
    for name, value in (("n", n), ("kernel", kernel), ("stride", stride)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if padding not in _PADDINGS:
        raise ValueError(f"padding must be one of {_PADDINGS}, got {padding!r}")
    if padding == "same":
        return -(-n // stride)
    if padding == "full":
        return (n + kernel - 2) // stride + 1
    if kernel > n:
        raise ValueError(f"kernel {kernel} is larger than the input side {n} with valid padding")
    return (n - kernel) // stride + 1


def same_pads(n: int, kernel: int, stride: int = 1) -> tuple[int, int]:
    """(before, after) zero padding that TensorFlow's "same" adds on one side.

    The extra pixel of an odd total goes after (bottom/right), as in TensorFlow.

    >>> same_pads(5, 3), same_pads(4, 2), same_pads(5, 2, 2)
    ((1, 1), (0, 1), (0, 1))
    """
    out = -(-n // stride)
    total = max((out - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2
