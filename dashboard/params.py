"""URL query parameters, read one way on every page: a link never breaks a page.

A link may hold anything (``?pool=99``, ``?epochs=1e308``, ``?src=<script>…``). Every
value a page takes from the URL goes through one of the readers here, built from the
same limits as the widget it fills, and falls back quietly to the nearest valid value:

- a number (:class:`Int`, :class:`Float`) is clamped into the widget's range
  (``?epochs=999999`` → the largest, ``?pool=-3`` → the smallest) and a float snapped to
  the widget's step; text that is not a plain ASCII number (``abc``, ``nan``, ``inf``,
  ``١٢``, a script) gives the default;
- a choice (:class:`Choice`) that is not one of the options gives the default; a list of
  choices (:class:`Choices`) keeps the known ones (the default when none is known);
- a switch (:class:`Flag`) reads ``1``/``true``/``0``/``false``, anything else is the
  default;
- free text (:class:`Text`) is kept only when it is short, printable and passes the
  page's own check; a kernel (:func:`param_grid`) only when ``cnnlab.kernels`` reads it.

A widget gets its spec as ``ui.widget(..., url=params.Int("pool", 1, MAX_POOL))`` (the
same ``1`` and ``MAX_POOL`` the slider is given); a page that reads a parameter itself
calls :func:`param_int`, :func:`param_choice`, … . The parsing is pure (``Spec.parse``),
only ``get`` and the ``param_*`` functions read ``st.query_params``, and only :func:`put`
and :func:`drop` write it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

__all__ = [
    "Spec",
    "Int",
    "Float",
    "Choice",
    "Choices",
    "Flag",
    "Text",
    "spec_for",
    "encode",
    "param_int",
    "param_float",
    "param_choice",
    "param_choices",
    "param_bool",
    "param_text",
    "param_grid",
    "put",
    "drop",
]

# A plain decimal number, ASCII digits only: no "nan"/"inf", no "1_000", no "١٢", no hex.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
MAX_NUMBER_TEXT = 400  # characters: a longer "number" is not one a person typed
MAX_TEXT = 200  # characters of free text (an id, a folder name) a link may carry
MAX_GRID_TEXT = 4000  # characters of a kernel in a link (11×11 cells of ~30 characters)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def encode(value: Any) -> str:
    """A widget's value as the URL writes it: switches ``1``/``0``, lists comma-joined.

    >>> encode(True), encode([1, 3]), encode(0.05)
    ('1', '1,3', '0.05')
    """
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(encode(v) for v in value)
    return str(value)


def _number(raw: object) -> float | int | None:
    """``raw`` as a number when it is written as a plain decimal one, else None.

    Integers stay exact; a finite literal too large for a float ("1e999") becomes ±inf
    (a huge number: clamped like one); "inf", "nan" and anything else give None.
    """
    if not isinstance(raw, str) or len(raw) > MAX_NUMBER_TEXT:
        return None
    text = raw.strip(" ")
    if _INTEGER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text):
        return float(text)  # "1e999" → inf: a finite literal, only too big
    return None


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _same(a: Any, b: Any) -> bool:
    """Equal, and both or neither a bool (True is not the option 1)."""
    try:
        return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Spec:
    """How one URL parameter is read: its name, what a widget may hold (:meth:`ok`) and
    how text becomes such a value (:meth:`parse`)."""

    name: str  # the parameter's name in links (?<name>=…)

    def parse(self, raw: str, default: Any) -> Any:
        """The value ``raw`` stands for, or the nearest valid one, or ``default``."""
        raise NotImplementedError

    def ok(self, value: Any) -> bool:
        """Whether a widget of this parameter can hold ``value`` (a session's last value
        may be stale)."""
        return True

    def get(self, default: Any) -> Any:
        """The value of ``?<name>=`` in this run's URL, or ``default`` without one."""
        raw = st.query_params.get(self.name)
        return default if raw is None else self.parse(raw, default)


@dataclass(frozen=True)
class Int(Spec):
    """A whole number from ``lo`` to ``hi``; others are clamped, non-numbers give the
    default.

    >>> s = Int("pool", 1, 5)
    >>> s.parse("99", 2), s.parse("-3", 2), s.parse("2.6", 2), s.parse("abc", 2)
    (5, 1, 3, 2)
    """

    lo: int = 0
    hi: int = 0

    def parse(self, raw: str, default: Any) -> Any:
        x = _number(raw)
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return default
        if isinstance(x, int):
            return int(_clamp(x, self.lo, self.hi))
        return int(_clamp(math.floor(_clamp(x, self.lo, self.hi) + 0.5), self.lo, self.hi))

    def ok(self, value: Any) -> bool:
        return (
            isinstance(value, int | np.integer)
            and not isinstance(value, bool)
            and self.lo <= value <= self.hi
        )


@dataclass(frozen=True)
class Float(Spec):
    """A number from ``lo`` to ``hi``, on the widget's ``step`` from ``lo`` when it has
    one; others are clamped and snapped, non-numbers give the default.

    >>> s = Float("noise", 0.0, 0.5, step=0.05)
    >>> s.parse("0.33", 0.0), s.parse("1e308", 0.0), s.parse("nan", 0.1)
    (0.35, 0.5, 0.1)
    """

    lo: float = 0.0
    hi: float = 1.0
    step: float | None = None

    def parse(self, raw: str, default: Any) -> Any:
        x = _number(raw)
        if x is None or math.isnan(x):
            return default
        x = _clamp(float(x), self.lo, self.hi)
        if self.step:
            x = self.lo + round((x - self.lo) / self.step) * self.step
            x = _clamp(round(x, 10), self.lo, self.hi)  # 0.35, not 0.35000000000000003
        return float(x)

    def ok(self, value: Any) -> bool:
        return (
            isinstance(value, int | float | np.floating)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and self.lo <= value <= self.hi
        )


def _match(raw: str, options: Sequence[Any]) -> tuple[bool, Any]:
    """(True, the option ``raw`` names) or (False, None): by its URL text first, then,
    for numeric options, by value ("1e-3" names 0.001)."""
    for option in options:
        if encode(option) == raw:
            return True, option
    x = _number(raw)
    if x is not None:
        for option in options:
            if isinstance(option, int | float) and not isinstance(option, bool) and option == x:
                return True, option
    return False, None


@dataclass(frozen=True)
class Choice(Spec):
    """One of ``options`` (ids, numbers); anything else gives the default.

    >>> s = Choice("lr", (1e-4, 1e-3))
    >>> s.parse("0.001", 1e-4), s.parse("1e-3", 1e-4), s.parse("<script>", 1e-4)
    (0.001, 0.001, 0.0001)
    """

    options: Sequence[Any] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))

    def parse(self, raw: str, default: Any) -> Any:
        found, option = _match(raw, self.options)
        return option if found else default

    def ok(self, value: Any) -> bool:
        return any(_same(value, o) for o in self.options)


@dataclass(frozen=True)
class Choices(Spec):
    """Some of ``options``, comma-separated (a multiselect): unknown ones are dropped,
    repeats kept once, at most ``most``; the default when none is known.

    >>> s = Choices("classes", ("circle", "square", "triangle"), most=2)
    >>> s.parse("square,nope,square", []), s.parse("", ["circle"]), s.parse("x", ["circle"])
    (['square'], [], ['circle'])
    """

    options: Sequence[Any] = field(default=())
    most: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))

    def parse(self, raw: str, default: Any) -> Any:
        if raw == "":
            return []  # the URL of an emptied multiselect
        out: list[Any] = []
        for part in raw.split(",")[: 4 * len(self.options) + 4]:
            found, option = _match(part, self.options)
            if found and not any(_same(option, o) for o in out):
                out.append(option)
        if self.most is not None:
            out = out[: self.most]
        return out if out else default

    def ok(self, value: Any) -> bool:
        return (
            isinstance(value, list)
            and all(any(_same(v, o) for o in self.options) for v in value)
            and (self.most is None or len(value) <= self.most)
        )


@dataclass(frozen=True)
class Flag(Spec):
    """A switch: ``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off`` (any
    case); anything else gives the default.

    >>> Flag("relu").parse("TRUE", False), Flag("relu").parse("maybe", True)
    (True, True)
    """

    def parse(self, raw: str, default: Any) -> Any:
        text = raw.strip().lower() if isinstance(raw, str) else ""
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return default

    def ok(self, value: Any) -> bool:
        return isinstance(value, bool)


@dataclass(frozen=True)
class Text(Spec):
    """Free text (an id, a name): kept when it is at most ``max_len`` printable
    characters and ``valid`` accepts it; else the default.

    >>> Text("up", valid=str.isalnum).parse("abc123", ""), Text("up").parse("a\\nb", "")
    ('abc123', '')
    """

    valid: Callable[[str], bool] | None = None
    max_len: int = MAX_TEXT

    def parse(self, raw: str, default: Any) -> Any:
        return raw if self.ok(raw) else default

    def ok(self, value: Any) -> bool:
        if not isinstance(value, str) or len(value) > self.max_len or not value.isprintable():
            return False
        try:
            value.encode("utf-8")
            return self.valid is None or bool(self.valid(value))
        except (UnicodeError, ValueError, TypeError, OSError):
            return False


@dataclass(frozen=True)
class _Typed(Spec):
    """A parameter given by name only (``url="x"``): read as the default's type,
    without a range; the page's ``valid`` check decides. Give a spec instead."""

    kind: type = str

    def parse(self, raw: str, default: Any) -> Any:
        if self.kind is int:
            x = _number(raw)
            return x if isinstance(x, int) else default
        if self.kind is float:
            x = _number(raw)
            return float(x) if x is not None and math.isfinite(x) else default
        if self.kind is list:
            parts = [Text(self.name).parse(p, None) for p in raw.split(",") if p]
            return [p for p in parts if p is not None] if len(parts) <= 64 else default
        return Text(self.name).parse(raw, default)


def spec_for(url: str | Spec, default: Any) -> Spec:
    """``url`` itself when it is a spec; for a bare name, a :class:`Flag` for a switch
    (a bool default), else a reader of the default's type without a range.

    >>> spec_for("relu", False)
    Flag(name='relu')
    """
    if isinstance(url, Spec):
        return url
    if isinstance(default, bool):
        return Flag(url)
    kinds = ((list | tuple, list), (int, int), (float, float))
    kind = next((k for t, k in kinds if isinstance(default, t)), str)
    return _Typed(url, kind)


# -------------------------------------------------------------- direct readers ----
def param_int(name: str, lo: int, hi: int, default: int) -> int:
    """``?<name>=`` as a whole number in ``[lo, hi]`` (see :class:`Int`)."""
    return Int(name, lo, hi).get(default)


def param_float(
    name: str, lo: float, hi: float, default: float, *, step: float | None = None
) -> float:
    """``?<name>=`` as a number in ``[lo, hi]`` (see :class:`Float`)."""
    return Float(name, lo, hi, step).get(default)


def param_choice(name: str, options: Iterable[Any], default: Any) -> Any:
    """``?<name>=`` when it names one of ``options``, else ``default``."""
    return Choice(name, tuple(options)).get(default)


def param_choices(
    name: str, options: Iterable[Any], default: list[Any], *, most: int | None = None
) -> list[Any]:
    """``?<name>=a,b`` as the known ones of ``options`` (see :class:`Choices`)."""
    return Choices(name, tuple(options), most).get(default)


def param_bool(name: str, default: bool) -> bool:
    """``?<name>=`` as a switch (see :class:`Flag`)."""
    return Flag(name).get(default)


def param_text(
    name: str,
    default: Any,
    *,
    valid: Callable[[str], bool] | None = None,
    max_len: int = MAX_TEXT,
) -> Any:
    """``?<name>=`` as short printable text that ``valid`` accepts, else ``default``."""
    return Text(name, valid, max_len).get(default)


def param_grid(name: str, default: np.ndarray | None = None) -> np.ndarray | None:
    """``?<name>=-1,0,1,…`` as a square float32 kernel (``cnnlab.kernels.parse_flat``:
    finite cells within float32, at most ``MAX_SIZE``²), else ``default``."""
    from cnnlab import kernels

    raw = st.query_params.get(name)
    if not raw or len(raw) > MAX_GRID_TEXT:
        return default
    try:
        return kernels.parse_flat(raw)
    except ValueError:
        return default


def put(name: str, value: str) -> None:
    """Write ``?<name>=value`` when the URL does not hold it yet. Each write sends the
    browser a message, and a page writes its parameters on every run: unchanged ones are
    skipped."""
    if st.query_params.get(name) != value:
        st.query_params[name] = value


def drop(name: str) -> None:
    """Remove ``?<name>=`` from the URL when it is there."""
    if name in st.query_params:
        del st.query_params[name]
