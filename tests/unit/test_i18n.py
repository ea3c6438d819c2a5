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


def test_one_takes_the_singular_form(monkeypatch):
    from dashboard import i18n

    for code in LANGS:
        one = i18n._text(code, "experiments.deleted", {"n": 1})
        many = i18n._text(code, "experiments.deleted", {"n": 3})
        assert one == catalog(code)["experiments.deleted_one"] and "3" in many
        assert "(s)" not in one + many and "(es)" not in one + many
    # Every singular form has its plural, in both languages.
    for key in catalog("en"):
        if key.endswith("_one"):
            assert key[: -len("_one")] in catalog("en"), key
