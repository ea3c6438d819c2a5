"""The budgets for untrusted input: one place, read from the environment at call time."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from cnnlab import limits as limits_mod
from cnnlab.limits import DEFAULTS, ENV, Limits, limits

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var, _ in ENV.values():
        monkeypatch.delenv(var, raising=False)


def test_defaults_fit_the_product():
    lim = limits()
    assert lim == DEFAULTS == Limits()
    assert lim.max_image_pixels == 25_000_000  # the upload pages' cap, now everywhere
    assert lim.max_archive_bytes == 2**30 and lim.max_archive_members == 50_000
    assert lim.max_model_bytes == 200 * 2**20  # as modelfile had it
    assert lim.max_data_bytes == 3072 * 2**20  # as CNNLAB_MAX_DATA_MB had it
    assert lim.max_upload_bytes == 20 * 2**20  # .streamlit/config.toml maxUploadSize = 20
    # The course's PetImages_small: ~12,000 JPEGs ≤500×500, decoded at ½ scale for 150×150.
    assert lim.max_dataset_pixels > 12_000 * 250 * 250
    assert lim.max_compression_ratio >= 20  # BMPs and text compress well; bombs ~1000:1


def test_every_field_has_a_variable_and_a_comment():
    names = {f.name for f in fields(Limits)}
    assert names == set(ENV)
    source = Path(limits_mod.__file__).read_text()
    for name in names:  # a comment line right above each field says why
        assert re.search(rf"#[^\n]*\n    {name}:", source), name
    assert len({var for var, _ in ENV.values()}) == len(ENV)
    assert all(var.startswith("CNNLAB_") for var, _ in ENV.values())


def test_values_are_read_at_call_time(monkeypatch):
    monkeypatch.setenv("CNNLAB_MAX_IMAGE_PIXELS", "1_000")
    monkeypatch.setenv("CNNLAB_MAX_COMPRESSION_RATIO", "12.5")
    monkeypatch.setenv("CNNLAB_UPLOAD_MAX_AGE_HOURS", "0.5")
    monkeypatch.setenv("CNNLAB_MAX_DATA_MB", " 10 ")
    lim = limits()
    assert lim.max_image_pixels == 1000 and lim.max_compression_ratio == 12.5
    assert lim.upload_max_age_hours == 0.5 and lim.max_data_bytes == 10 * 2**20
    monkeypatch.delenv("CNNLAB_MAX_IMAGE_PIXELS")
    assert limits().max_image_pixels == 25_000_000
    monkeypatch.setenv("CNNLAB_MAX_IMAGE_PIXELS", "")  # empty means unset
    assert limits().max_image_pixels == 25_000_000


@pytest.mark.parametrize("var", sorted(var for var, _ in ENV.values()))
@pytest.mark.parametrize("bad", ["lots", "0", "-5", "nan", "inf", "1e9x"])
def test_invalid_values_name_the_variable(monkeypatch, var, bad):
    monkeypatch.setenv(var, bad)
    with pytest.raises(ValueError, match=rf"^{var} must be a positive .*got '{re.escape(bad)}'"):
        limits()


def test_whole_number_budgets_refuse_fractions(monkeypatch):
    monkeypatch.setenv("CNNLAB_MAX_ARCHIVE_MEMBERS", "2.5")
    with pytest.raises(ValueError, match="CNNLAB_MAX_ARCHIVE_MEMBERS must be a positive whole"):
        limits()


def test_old_constant_names_still_import_and_agree():
    from cnnlab.data import MAX_BYTES, MAX_FILES
    from cnnlab.images import MAX_PIXELS
    from cnnlab.modelfile import MAX_MODEL_BYTES

    assert DEFAULTS.max_image_pixels == MAX_PIXELS
    assert DEFAULTS.max_archive_members == MAX_FILES and DEFAULTS.max_archive_bytes == MAX_BYTES
    assert DEFAULTS.max_model_bytes == MAX_MODEL_BYTES


def test_no_scattered_limits_left_in_the_core():
    core = Path(limits_mod.__file__).parent
    offenders = []
    pattern = re.compile(r"25_000_000|200 \* 1024|MAX_IMAGE_PIXELS\s*=|CNNLAB_MAX_DATA_MB|1 << 30")
    for path in core.rglob("*.py"):
        if path.name == "limits.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(core)}:{number}: {line.strip()}")
    assert offenders == []


def test_readme_documents_every_variable_with_its_default():
    text = README.read_text()
    assert "## Limits" in text
    section = text.split("## Limits", 1)[1].split("\n## ", 1)[0]
    for name, (var, unit) in ENV.items():
        row = next((line for line in section.splitlines() if f"`{var}`" in line), None)
        assert row is not None, var
        default = getattr(DEFAULTS, name) / unit
        shown = f"{default:_.0f}" if float(default).is_integer() else f"{default:g}"
        assert shown in row.replace(",", "_"), (var, shown, row)
