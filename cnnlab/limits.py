"""The budgets for untrusted input, in one place: images, archives, uploads, model files.

Hostile input must cost nothing: every budget here is checked *before* the work it
bounds (from an image's header, from a zip's central directory, from an upload's
length), and again while the work runs where a header can lie. Each budget is read
from its environment variable when :func:`limits` is called, so a server (or a test)
changes one without a restart or a code change.

>>> from cnnlab.limits import limits
>>> limits().max_image_pixels
25000000
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields

from cnnlab._errors import InputError

__all__ = ["Limits", "ENV", "limits", "DEFAULTS", "InputError"]

_MB = 2**20
_GB = 2**30


@dataclass(frozen=True)
class Limits:
    """Every budget for untrusted input; ``limits()`` fills it from the environment."""

    # Pixels of one image (width × height, from its header, before decoding). 25 Mpx is
    # any phone photo; a 4.6 KB PNG can claim 13000×13000 = 169 Mpx = 0.5 GB of RGB.
    max_image_pixels: int = 25_000_000
    # Pixels decoded for one folder or zip dataset, summed from the headers before any is
    # decoded (JPEGs counted at the reduced scale they are decoded at). The course's
    # PetImages_small (~12,000 photos ≤500×500, halved by JPEG draft for 150×150) needs
    # ≤0.75 G; 1 G bounds a hostile zip of flat 25 Mpx PNGs to seconds of CPU.
    max_dataset_pixels: int = 1_000_000_000
    # Bytes of a decoded dataset array (N × H × W × C uint8): what training holds in RAM.
    max_data_bytes: int = 3 * _GB
    # Bytes a zip may expand to (uncompressed total, counted while writing too).
    max_archive_bytes: int = _GB
    # Entries in a zip (files and folders); PetImages holds ~25,000 files.
    max_archive_members: int = 50_000
    # Uncompressed ÷ compressed size, per member and in total (members over 1 MB only):
    # photos barely compress (~1:1), a BMP ~3:1; a zip bomb is 1000:1 and more.
    max_compression_ratio: float = 100.0
    # Bytes of one uploaded file (image, zip); .streamlit/config.toml maxUploadSize = 20.
    max_upload_bytes: int = 20 * _MB
    # Bytes of an uploaded .keras model file: larger than any model a class trains here.
    max_model_bytes: int = 200 * _MB
    # Parameters of an uploaded model: the notebook's model has 0.83 M; a VGG16 has 138 M.
    max_model_params: int = 50_000_000
    # Hours an upload (extracted zip, model file) stays unused before it is deleted.
    upload_max_age_hours: float = 24.0
    # Bytes all of uploads/ may hold; the oldest are deleted first beyond it.
    uploads_max_bytes: int = 2 * _GB
    # Bytes of decoded-dataset cache files kept under cache/data (oldest removed first).
    cache_max_bytes: int = 8 * _GB


DEFAULTS = Limits()

# Field → (environment variable, unit the variable is written in: 1, or MB for the old
# CNNLAB_MAX_DATA_MB).
ENV: dict[str, tuple[str, int]] = {
    "max_image_pixels": ("CNNLAB_MAX_IMAGE_PIXELS", 1),
    "max_dataset_pixels": ("CNNLAB_MAX_DATASET_PIXELS", 1),
    "max_data_bytes": ("CNNLAB_MAX_DATA_MB", _MB),
    "max_archive_bytes": ("CNNLAB_MAX_ARCHIVE_BYTES", 1),
    "max_archive_members": ("CNNLAB_MAX_ARCHIVE_MEMBERS", 1),
    "max_compression_ratio": ("CNNLAB_MAX_COMPRESSION_RATIO", 1),
    "max_upload_bytes": ("CNNLAB_MAX_UPLOAD_BYTES", 1),
    "max_model_bytes": ("CNNLAB_MAX_MODEL_BYTES", 1),
    "max_model_params": ("CNNLAB_MAX_MODEL_PARAMS", 1),
    "upload_max_age_hours": ("CNNLAB_UPLOAD_MAX_AGE_HOURS", 1),
    "uploads_max_bytes": ("CNNLAB_UPLOADS_MAX_BYTES", 1),
    "cache_max_bytes": ("CNNLAB_CACHE_MAX_BYTES", 1),
}


def _parse(var: str, text: str, default: int | float, unit: int) -> int | float:
    words = "a positive number" if isinstance(default, float) else "a positive whole number"
    try:
        value: int | float = float(text) if isinstance(default, float) else int(text, 10)
    except ValueError:
        raise ValueError(f"{var} must be {words}, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{var} must be {words}, got {text!r}")
    return value * unit


def limits() -> Limits:
    """The budgets now: each field from its environment variable, else its default.

    Variables hold plain numbers (``25000000`` or ``25_000_000``); ``CNNLAB_MAX_DATA_MB``
    is in MB. Raises ValueError naming the variable when one is not a positive number.

    >>> import os
    >>> os.environ["CNNLAB_MAX_IMAGE_PIXELS"] = "lots"
    >>> limits()
    Traceback (most recent call last):
    ...
    ValueError: CNNLAB_MAX_IMAGE_PIXELS must be a positive whole number, got 'lots'
    >>> del os.environ["CNNLAB_MAX_IMAGE_PIXELS"]
    """
    values: dict[str, int | float] = {}
    for f in fields(Limits):
        var, unit = ENV[f.name]
        text = os.environ.get(var, "").strip()
        if text:
            values[f.name] = _parse(var, text, getattr(DEFAULTS, f.name), unit)
    return Limits(**values)  # type: ignore[arg-type]
