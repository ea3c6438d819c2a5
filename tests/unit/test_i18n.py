"""Both catalogs hold the same keys, with no empty values and the same {fields}."""

from __future__ import annotations

import re

from dashboard.i18n import LANGS, catalog

_FIELD = re.compile(r"{(\w*)")


def test_catalogs_have_the_same_keys():
    en, es = catalog("en"), catalog("es")
    assert set(en) - set(es) == set(), "missing in Spanish"
    assert set(es) - set(en) == set(), "missing in English"
    assert len(en) > 20


def test_no_empty_values_and_same_placeholders():
    en = catalog("en")
    for code in LANGS:
        for key, text in catalog(code).items():
            assert isinstance(text, str) and text.strip(), f"{code}:{key} is empty"
            assert set(_FIELD.findall(text)) == set(_FIELD.findall(en[key])), f"{code}:{key}"
