"""Text catalogs: every visible string, in English and Spanish.

Catalogs are JSON files in ``dashboard/catalogs/<lang>/<section>.json`` (package data,
installed with the dashboard); a key ``title`` in ``kernels.json`` is looked up as
``"kernels.title"``. Both languages hold the same keys (a test checks it). A key may have
a singular form ``<key>_one``, used when ``n=1``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import streamlit as st

__all__ = ["LANGS", "CATALOG_DIR", "catalog", "t", "translator", "lang"]

CATALOG_DIR = Path(__file__).resolve().parent / "catalogs"
LANGS = {"en": "English", "es": "Español"}


@lru_cache(maxsize=len(LANGS))
def catalog(code: str) -> dict[str, str]:
    """All keys of one language, flattened to ``section.key`` → text."""
    out: dict[str, str] = {}
    for path in sorted((CATALOG_DIR / code).glob("*.json")):
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            out[f"{path.stem}.{key}"] = text
    return out


def lang() -> str:
    """The language chosen in the sidebar (English until one is chosen)."""
    code = st.session_state.get("lang", "en")
    return code if code in LANGS else "en"


def translator() -> Callable[..., str]:
    """:func:`t` bound to the current language, for a page that looks up hundreds of
    texts per run (each :func:`t` reads the language from session state)."""
    code = lang()
    return lambda key, **fmt: _text(code, key, fmt)


def t(key: str, **fmt: object) -> str:
    """The text for ``key`` in the current language, with ``{name}`` fields filled in.

    A missing key shows as the key itself, so a gap is visible rather than fatal.
    """
    return _text(lang(), key, fmt)


def _text(code: str, key: str, fmt: dict[str, object]) -> str:
    if fmt.get("n") == 1 and f"{key}_one" in catalog(code):  # "1 run", not "1 runs"
        key = f"{key}_one"
    text = catalog(code).get(key) or catalog("en").get(key) or key
    return text.format(**fmt) if fmt else text
