"""InputError: hostile or unusable input refused, with a code a user interface translates.

Every refusal of untrusted input (an image, an upload, a zip, a dataset, a model file)
raises :class:`InputError`, a ValueError whose message is the English sentence and whose
``code`` and ``params`` let a dashboard show the same sentence in its own language
(``errors.input_<code>`` in its catalogs). Params are plain values: numbers, sizes
already written as text (``"25.3 MB"``), file names without folders.
"""

from __future__ import annotations

from typing import Any

__all__ = ["InputError", "number", "pixels", "size"]


class InputError(ValueError):
    """Input refused (too big, not an image, a zip bomb…); the message says why.

    ``code`` names the refusal (``"image_pixels"``, ``"zip_ratio"``…); ``params`` holds
    the details the message was made from (for translations).
    """

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, Any] = dict(params)

    @property
    def message(self) -> str:
        """The English sentence(s) of this error."""
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes, params kept
        return (_rebuild, (type(self), self.code, self.message, self.params))


def _rebuild(cls: type[InputError], code: str, message: str, params: dict[str, Any]) -> InputError:
    err = cls.__new__(cls)
    InputError.__init__(err, code, message, **params)
    return err


# Params for any language: numbers with a thin space between thousands (the SI way,
# read alike in English and Spanish), sizes in units both languages write the same.
_THIN = "\u202f"


def number(n: float, decimals: int = 0) -> str:
    """``1234567`` → ``"1 234 567"`` (thin spaces); ``decimals`` after the point."""
    return f"{n:,.{decimals}f}".replace(",", _THIN)


def pixels(n: int) -> str:
    """``12_000_000`` → ``"12 Mpx"``; under a megapixel, ``"640 px"``."""
    if n >= 10**6:
        text = f"{n / 1e6:,.1f}".removesuffix(".0").replace(",", _THIN)
        return f"{text} Mpx"
    return f"{number(n)} px"


def size(n: float) -> str:
    """``20 * 2**20`` → ``"20 MB"``, ``3 * 2**30`` → ``"3 GB"``, ``512`` → ``"512 B"``."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{number(n / scale, 1).removesuffix('.0')} {unit}"
    return f"{number(n)} B"
