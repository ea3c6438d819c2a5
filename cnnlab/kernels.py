"""Named kernels for the lessons, and small tools to build, check and edit kernels.

Every kernel is a float32 ``(kh, kw)`` array. :data:`PRESETS` holds the classic image
filters and the three kernels of the course notebook; :data:`DETECTS` says in one line
what each responds to (the dashboard shows these in English and Spanish).

>>> from cnnlab.kernels import PRESETS
>>> PRESETS["seed_outline"].astype(int)
array([[-1, -1, -1],
       [-1,  8, -1],
       [-1, -1, -1]])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from cnnlab._checks import whole

__all__ = [
    "PRESETS",
    "DETECTS",
    "RESIZABLE",
    "MAX_SIZE",
    "preset",
    "gaussian",
    "box",
    "identity",
    "random_kernel",
    "normalise",
    "parse_cell",
    "parse_grid",
    "parse_flat",
    "cell_problem",
    "first_bad_cell",
    "format_cell",
    "fit",
    "resize",
    "is_preset",
    "match_preset",
]

MAX_SIZE = 11  # largest kernel side the lessons use
# Largest weight a cell may hold: kernels are float32, and a larger number would become
# infinity there (float32's largest finite value, about 3.4e38).
MAX_WEIGHT = float(np.finfo(np.float32).max)


def _check_size(size: int) -> int:
    return whole(
        size,
        "size",
        low=1,
        high=MAX_SIZE,
        message=f"kernel size must be an integer from 1 to {MAX_SIZE}",
    )


def identity(size: int = 3) -> np.ndarray:
    """A 1 at the centre (top-left of the centre for even sizes): the map equals the image.

    >>> identity(3).astype(int).tolist()
    [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    """
    size = _check_size(size)
    k = np.zeros((size, size), np.float32)
    k[(size - 1) // 2, (size - 1) // 2] = 1
    return k


def box(size: int = 3) -> np.ndarray:
    """Box blur: every weight 1 / size², the mean of the window.

    >>> float(box(3).sum())
    1.0
    """
    size = _check_size(size)
    return np.full((size, size), 1 / size**2, np.float32)


def gaussian(size: int = 3, sigma: float | None = None) -> np.ndarray:
    """Gaussian blur, weights summing to 1. For size 3 it is [1 2 1]ᵀ[1 2 1] / 16.

    ``sigma`` defaults to the binomial's (``sqrt(size - 1) / 2``), so odd sizes give
    Pascal-triangle weights as in most textbooks.

    >>> (gaussian(3) * 16).astype(int).tolist()
    [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    """
    size = _check_size(size)
    if sigma is None:
        row = np.array([math.comb(size - 1, i) for i in range(size)], np.float64)
    else:
        if not sigma > 0:
            raise ValueError(f"sigma must be positive, got {sigma!r}")
        x = np.arange(size) - (size - 1) / 2
        row = np.exp(-(x**2) / (2 * sigma**2))
    k = np.outer(row, row)
    return (k / k.sum()).astype(np.float32)


def _k(rows: Sequence[Sequence[float]] | np.ndarray, scale: float = 1.0) -> np.ndarray:
    out = np.array(rows, np.float32) * np.float32(scale)
    out.flags.writeable = False
    return out


# name → kernel. Names are identifiers; the dashboard translates them.
PRESETS: dict[str, np.ndarray] = {
    "identity": _k(identity(3)),
    "box_blur": _k(np.ones((3, 3)), 1 / 9),
    "gaussian": _k([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16),
    "sharpen": _k([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    # The course notebook's 5×5 example: correlate(A, f) gives its table.
    "seed_example": _k([[1, 0, -1], [1, 0, -1], [1, 0, -1]]),
    # The notebook calls this one "horizontal edges"; it responds to a left-right change
    # of brightness, i.e. to vertical edges.
    "seed_vertical_edges": _k([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
    # The notebook's "flipped" kernel: a top-bottom change, i.e. horizontal edges.
    "seed_horizontal_edges": _k([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
    "seed_outline": _k([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
    "sobel_x": _k([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "sobel_y": _k([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "prewitt_x": _k([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
    "prewitt_y": _k([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
    "laplacian": _k([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "emboss": _k([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
}

DETECTS: dict[str, str] = {
    "identity": "Nothing: the map is the image itself (a check that the machinery works).",
    "box_blur": "Averages each 3×3 window: blurs, removes fine detail and noise.",
    "gaussian": "A softer blur that weights the centre most: smooths without blockiness.",
    "sharpen": "The pixel minus its neighbours, added back: crisper edges and detail.",
    "seed_example": "The notebook's 5×5 example: left column minus right column.",
    "seed_vertical_edges": "Vertical edges: brightness changing from left to right "
    "(the notebook calls it 'horizontal edges').",
    "seed_horizontal_edges": "Horizontal edges: brightness changing from top to bottom.",
    "seed_outline": "Outlines: the centre against its 8 neighbours; flat areas go to 0.",
    "sobel_x": "Vertical edges, smoothed along the edge (x gradient).",
    "sobel_y": "Horizontal edges, smoothed along the edge (y gradient).",
    "prewitt_x": "Vertical edges with equal weights (x gradient).",
    "prewitt_y": "Horizontal edges with equal weights (y gradient).",
    "laplacian": "Edges and spots in every direction (second derivative); 0 on flat areas.",
    "emboss": "A raised, relief look: diagonal changes light up on one side.",
}

# Presets that exist at any size (1 to MAX_SIZE); the others are 3×3 only.
RESIZABLE: tuple[str, ...] = ("identity", "box_blur", "gaussian")


def preset(name: str, size: int | None = None) -> np.ndarray:
    """A writable copy of preset ``name``; identity, box blur and Gaussian at any ``size``.

    >>> preset("box_blur", 5).shape
    (5, 5)
    """
    if name not in PRESETS:
        raise ValueError(f"unknown kernel {name!r}; choose one of {', '.join(PRESETS)}")
    base = PRESETS[name]
    if size is None or size == base.shape[0]:
        return base.copy()
    size = _check_size(size)
    if name == "identity":
        return identity(size)
    if name == "box_blur":
        return box(size)
    if name == "gaussian":
        return gaussian(size)
    raise ValueError(f"kernel {name!r} exists only as 3×3, got size {size!r}")


def random_kernel(size: int = 3, *, seed: int | None = None) -> np.ndarray:
    """Random integer weights in -3..3: a surprise filter, like an untrained conv layer.

    >>> random_kernel(3, seed=0).shape
    (3, 3)
    """
    size = _check_size(size)
    rng = np.random.default_rng(seed)
    return rng.integers(-3, 4, size=(size, size)).astype(np.float32)


def normalise(kernel: object) -> np.ndarray:
    """Divide by the sum of the weights, so a flat image keeps its brightness.

    Raises ValueError when the weights sum to 0 (edge kernels): there is nothing to
    divide by, and such a kernel already maps flat areas to 0.

    >>> normalise(np.ones((2, 2))).tolist()
    [[0.25, 0.25], [0.25, 0.25]]
    """
    k = np.asarray(kernel, dtype=np.float32)
    total = float(k.sum(dtype=np.float64))
    if abs(total) < 1e-6:
        raise ValueError(f"the weights sum to {total:g}: cannot divide by the sum")
    return (k / np.float32(total)).astype(np.float32)


def parse_cell(value: object) -> float:
    """A kernel cell as a float: numbers, ``"-1"``, ``"0.5"``, ``"1/9"``, ``"2,5"``.

    Raises ValueError (quoting the value) for an empty or non-numeric cell, and for a
    number too large for float32 (beyond ±3.4e38, which would become infinity).

    >>> parse_cell("1/9") == 1 / 9, parse_cell(" -2 "), parse_cell(3)
    (True, -2.0, 3.0)
    >>> try:
    ...     parse_cell("1e39")
    ... except ValueError as err:
    ...     print(err)
    '1e39' is too large for a float32 kernel (at most ±3.4e+38)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("empty cell")
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float | np.integer | np.floating):
        try:
            out = float(value)
        except OverflowError:  # a Python int beyond any float
            raise _too_large(value) from None
    else:
        text = str(value).strip().replace("−", "-")
        if not text:
            raise ValueError("empty cell")
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")  # decimal comma, as written in Spanish
        try:
            if "/" in text:
                num, den = text.split("/", 1)
                out = float(num) / float(den)
            else:
                out = float(text)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a number") from None
        except OverflowError:  # "1e308/1e-308"
            raise _too_large(value) from None
    if math.isnan(out):
        raise ValueError(f"{value!r} is not a finite number")
    if abs(out) > MAX_WEIGHT:  # inf too
        raise _too_large(value)
    return out


class _TooLarge(ValueError):
    """A number beyond float32's range (a ValueError like any other bad cell)."""


def _too_large(value: object) -> _TooLarge:
    return _TooLarge(f"{value!r} is too large for a float32 kernel (at most ±{MAX_WEIGHT:.2g})")


def cell_problem(value: object) -> str | None:
    """What is wrong with a cell, as a code a page can word: ``"empty"``,
    ``"not_number"`` or ``"too_large"``; None for a good cell (see :func:`parse_cell`).

    >>> cell_problem(""), cell_problem("abc"), cell_problem("1e39"), cell_problem("1/9")
    ('empty', 'not_number', 'too_large', None)
    """
    if value is None or str(value).strip() in ("", "nan", "None"):
        return "empty"
    try:
        parse_cell(value)
    except _TooLarge:
        return "too_large"
    except ValueError:
        return "not_number"
    return None


def first_bad_cell(rows: Sequence[Sequence[object]]) -> tuple[int, int, object, str] | None:
    """The first cell of a grid that :func:`parse_cell` refuses, row by row:
    ``(row, column, value, problem)`` with 1-based row and column and the
    :func:`cell_problem` code; None when every cell is a number.

    >>> first_bad_cell([["1", "2"], ["x", ""]])
    (2, 1, 'x', 'not_number')
    """
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            problem = cell_problem(cell)
            if problem is not None:
                return i + 1, j + 1, cell, problem
    return None


def parse_grid(rows: Sequence[Sequence[object]]) -> np.ndarray:
    """A square grid of cells (strings or numbers) → float32 (k, k) kernel.

    Raises ValueError naming the first bad cell, 1-based: "row 2, column 3: 'abc' is not
    a number" (also for a number too large for float32).

    >>> parse_grid([["1", "0"], ["0", "1/2"]]).tolist()
    [[1.0, 0.0], [0.0, 0.5]]
    """
    rows = [list(r) for r in rows]
    size = len(rows)
    if size == 0 or any(len(r) != size for r in rows):
        shape = [len(r) for r in rows]
        raise ValueError(f"the kernel must be a square grid, got rows of lengths {shape}")
    _check_size(size)
    out = np.empty((size, size), np.float32)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            try:
                out[i, j] = parse_cell(cell)
            except ValueError as err:
                raise ValueError(f"row {i + 1}, column {j + 1}: {err}") from None
    return out


def parse_flat(text: str) -> np.ndarray:
    """A square kernel written row by row on one line, comma-separated (as in a link:
    ``?k=-1,0,1,-1,0,1,-1,0,1``) → float32 (k, k).

    Raises ValueError for a bad cell, a count that is not a square, or a side beyond
    :data:`MAX_SIZE`.

    >>> parse_flat("1,0,0,1/2").tolist()
    [[1.0, 0.0], [0.0, 0.5]]
    """
    cells = str(text).split(",")
    if len(cells) > MAX_SIZE**2:
        raise ValueError(f"a kernel has at most {MAX_SIZE**2} cells, got {len(cells)}")
    values = [parse_cell(v) for v in cells]
    size = math.isqrt(len(values))
    if size * size != len(values):
        raise ValueError(f"{len(values)} cells do not make a square kernel")
    return np.array(values, np.float32).reshape(size, size)


def format_cell(value: float) -> str:
    """Short text for a weight: integers plain, simple fractions as ``a/b``, else 4 digits.

    >>> format_cell(-1.0), format_cell(1 / 9), format_cell(0.123456)
    ('-1', '1/9', '0.1235')
    """
    value = float(value)
    if not math.isfinite(value):  # a sum of huge weights: never an OverflowError
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value == int(value):
        return str(int(value))
    frac = Fraction(value).limit_denominator(256)
    if abs(float(frac) - value) < 5e-8 * max(1.0, abs(value)):
        return f"{frac.numerator}/{frac.denominator}"
    return f"{value:.4g}"


def fit(kernel: object, size: int) -> np.ndarray:
    """Zero-pad a kernel to ``size × size``, keeping its centre (extra after, as "same").

    >>> fit(np.ones((1, 1)), 3).astype(int).tolist()
    [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    """
    k = np.asarray(kernel, np.float32)
    size = _check_size(size)
    kh, kw = k.shape
    if kh > size or kw > size:
        raise ValueError(f"kernel {k.shape} does not fit in {size}×{size}")
    top, left = (size - 1) // 2 - (kh - 1) // 2, (size - 1) // 2 - (kw - 1) // 2
    out = np.zeros((size, size), np.float32)
    out[top : top + kh, left : left + kw] = k
    return out


def resize(kernel: object, size: int) -> np.ndarray:
    """The kernel at ``size × size``, keeping its centre: zero-padded when it grows
    (:func:`fit`), its central part when it shrinks.

    >>> resize(PRESETS["seed_outline"], 1).tolist()
    [[8.0]]
    """
    k = np.asarray(kernel, np.float32)
    size = _check_size(size)
    if size >= k.shape[0]:
        return fit(k, size)
    top = (k.shape[0] - 1) // 2 - (size - 1) // 2
    return k[top : top + size, top : top + size].copy()


def is_preset(kernel: object, name: str) -> bool:
    """Whether ``kernel`` is the preset ``name`` (at its own size, for a resizable one).

    >>> is_preset(box(5), "box_blur"), is_preset(box(5), "identity")
    (True, False)
    """
    k = np.asarray(kernel, np.float32)
    if name not in PRESETS or k.ndim != 2 or k.shape[0] != k.shape[1]:
        return False
    size = k.shape[0] if name in RESIZABLE else 3
    if k.shape != (size, size) or not 1 <= size <= MAX_SIZE:
        return False
    # np.allclose(preset, k, atol=1e-6), written out: allclose costs ~0.1 ms a call and
    # the Kernels page asks about every preset on every edit.
    return bool(np.all(np.abs(preset(name, size) - k) <= 1e-6 + 1e-5 * np.abs(k)))


def match_preset(kernel: object) -> str | None:
    """The name of the first preset equal to ``kernel``, or None for a kernel of one's own.

    >>> match_preset(PRESETS["sobel_x"]), match_preset(np.ones((2, 2)))
    ('sobel_x', None)
    """
    return next((name for name in PRESETS if is_preset(kernel, name)), None)
