"""What pages share: the run store, the process-wide job registry, the current design
and dataset (set on Architecture and Data, trained on Train)."""

from __future__ import annotations

import gc
import importlib
import sys
import threading
import uuid

import streamlit as st

from cnnlab import cnnlab_home
from cnnlab.data import DatasetSpec, parse_spec
from cnnlab.model import PRESETS, ModelConfig
from cnnlab.runs import RunStore
from cnnlab.training import JobRegistry

__all__ = [
    "store",
    "registry",
    "model_cfg",
    "data_spec",
    "owner",
    "warm_keras",
    "freeze_new_imports",
    "DEFAULT_SPEC",
]

DEFAULT_SPEC = {"source": "shapes", "n": 2000, "size": 32}  # the fast demo


def _release(reg: JobRegistry) -> None:
    reg.close()  # its worker processes end (a running job finishes first)


@st.cache_resource(show_spinner=False, on_release=_release)
def _registry(home: str) -> JobRegistry:
    return JobRegistry(RunStore(home))


def registry() -> JobRegistry:
    """One registry per process and CNNLAB_HOME: jobs outlive pages, reloads, sessions."""
    return _registry(str(cnnlab_home()))


def store() -> RunStore:
    """The RunStore under CNNLAB_HOME (shared with the registry)."""
    return registry().store


def model_cfg() -> ModelConfig:
    """The design from the Architecture page, else the tutorial's shapes model."""
    raw = st.session_state.get("model_cfg")
    if raw:
        try:
            return ModelConfig.from_dict(raw)
        except (TypeError, ValueError):
            pass
    return PRESETS["seed_shapes"]


def data_spec() -> DatasetSpec:
    """The dataset recipe from the Data page, else 2,000 synthetic shapes."""
    raw = st.session_state.get("dataset_spec")
    if raw:
        try:
            return parse_spec(raw)
        except (TypeError, ValueError):
            pass
    return parse_spec(DEFAULT_SPEC)


_frozen_at = 0  # len(sys.modules) at the last gc.freeze()


def freeze_new_imports() -> None:
    """Keep what a run imported out of the garbage collector's full passes.

    ``app.py`` calls this after every script run, and the Keras import thread after the
    import; it calls ``gc.freeze()`` only when modules were imported since the last
    call (a page's first visit: pandas, Plotly, Keras …), so what it moves is
    mostly modules, classes and their caches, which live as long as the server. Without
    it, a full collection over those objects landed in the middle of a rerun every ~20
    Architecture reruns and took up to ~140 ms; after it, ~35 ms (benchmarks/
    bench_architecture.py reports the slowest rerun).
    """
    global _frozen_at
    if len(sys.modules) != _frozen_at:
        _frozen_at = len(sys.modules)
        gc.collect()  # what is garbage now is freed, not frozen for good
        gc.freeze()


def _import_keras() -> None:
    importlib.import_module("keras")
    # Keras and its backend leave millions of long-lived objects behind. Freezing them
    # keeps them out of every later garbage collection, so the collection Streamlit runs
    # after each script run (runner.postScriptGC) stays cheap on a server that trains.
    freeze_new_imports()


@st.cache_resource(show_spinner=False)
def _warm() -> threading.Thread:
    thread = threading.Thread(target=_import_keras, daemon=True)
    thread.start()
    return thread


def warm_keras() -> None:
    """Start importing Keras in the background (once per process), so that the first
    curve point comes soon after Train is pressed. Light pages never call this."""
    _warm()


def owner() -> str:
    """An id for this browser session (whose job is whose)."""
    return st.session_state.setdefault("_owner", uuid.uuid4().hex[:12])
