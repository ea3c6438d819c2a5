"""The one home folder of CNN Lab: runs, saved models, dataset caches and uploads.

>>> import os
>>> os.environ["CNNLAB_HOME"] = "~/lab"
>>> str(cnnlab_home()).endswith("/lab") and "~" not in str(cnnlab_home())
True
>>> del os.environ["CNNLAB_HOME"]
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cnnlab_home"]


def cnnlab_home() -> Path:
    """``$CNNLAB_HOME`` or ``~/.cnnlab`` (``~`` expanded): caches, uploads and runs."""
    return Path(os.environ.get("CNNLAB_HOME") or Path.home() / ".cnnlab").expanduser()
