"""What pages share: the run store, the process-wide job registry, the current design
and dataset (set on Architecture and Data, trained on Train)."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import importlib
import logging
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cnnlab import cnnlab_home

if TYPE_CHECKING:  # imported when a page first needs them: Home's first render never does
    from cnnlab.data import DatasetSpec
    from cnnlab.model import ModelConfig
    from cnnlab.runs import RunStore
    from cnnlab.training import JobRegistry

__all__ = [
    "store",
    "registry",
    "model_cfg",
    "data_spec",
    "owner",
    "is_teacher",
    "teacher_role",
    "rights",
    "may_change",
    "secret",
    "warm_keras",
    "freeze_new_imports",
    "warm_pages",
    "warm_up_now",
    "page_run",
    "DEFAULT_SPEC",
    "WARM_DELAY_S",
]

DEFAULT_SPEC = {"source": "shapes", "n": 2000, "size": 32}  # the fast demo


def _release(reg: JobRegistry) -> None:
    reg.close()  # its worker processes end (a running job finishes first)


@st.cache_resource(show_spinner=False, on_release=_release)
def _registry(home: str) -> JobRegistry:
    from cnnlab.runs import RunStore
    from cnnlab.training import JobRegistry

    return JobRegistry(RunStore(home))


def registry() -> JobRegistry:
    """One registry per process and CNNLAB_HOME: jobs outlive pages, reloads, sessions."""
    return _registry(str(cnnlab_home()))


def store() -> RunStore:
    """The RunStore under CNNLAB_HOME (shared with the registry)."""
    return registry().store


def model_cfg() -> ModelConfig:
    """The design from the Architecture page, else the tutorial's shapes model."""
    from cnnlab.model import PRESETS, ModelConfig

    raw = st.session_state.get("model_cfg")
    if raw:
        try:
            return ModelConfig.from_dict(raw)
        except (TypeError, ValueError):
            pass
    return PRESETS["seed_shapes"]


def data_spec() -> DatasetSpec:
    """The dataset recipe from the Data page, else 2,000 synthetic shapes."""
    from cnnlab.data import parse_spec

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

    ``app.py`` calls this after every script run, the Keras import thread after the
    import, and the page warm-up (:func:`warm_pages`) when it is done; in a script run
    while the warm-up runs it does nothing (so a server's first run does not pay a full
    collection). It calls ``gc.freeze()`` only when modules were imported since the
    last call (a page's first visit: pandas, Plotly, Keras …), so what it moves is mostly
    modules, classes and their caches, which live as long as the server. Without it, a
    full collection over those objects landed in the middle of a rerun every ~20
    Architecture reruns and took up to ~140 ms; after it, ~35 ms (benchmarks/
    bench_architecture.py reports the slowest rerun).
    """
    global _frozen_at
    if _warming() and get_script_run_ctx(suppress_warning=True) is not None:
        return  # a script run leaves it to the page warm-up, which freezes when it is done
    if len(sys.modules) != _frozen_at:
        _frozen_at = len(sys.modules)
        gc.collect()  # what is garbage now is freed, not frozen for good
        gc.freeze()


log = logging.getLogger("cnnlab.dashboard")
WARM_DELAY_S = 1.0  # after a script run: its page is drawn, its images and code served
_warm_lock = threading.Lock()
_warm_thread: threading.Thread | None = None
WARM_WAIT_S = 60.0  # the longest a page waits for it (it takes about a second),
# and the longest the Keras import waits for the pages (_import_keras)
_hurry = threading.Event()  # a page is waiting: skip the rest of WARM_DELAY_S
# The gate between page runs and the warm-up's imports: any number of runs, or the
# warm-up alone (it waits for the runs under way, and runs that start meanwhile wait for
# it: a class keeps clicking, so it would wait for ever otherwise).
_gate = threading.Condition()
_runs_in = 0  # page runs (and sections' own reruns) under way
_importing = False  # the warm-up holds the gate, or waits for it


@contextlib.contextmanager
def page_run() -> Iterator[None]:
    """Around a page's run (``app.py``) and a section's own rerun (``boundary.fragment``):
    never while the warm-up is importing. A page must not run while another thread is
    half-way through importing what it uses: Plotly looks pandas up in ``sys.modules``
    without importing it (a figure drawn meanwhile failed with "partially initialized
    module 'pandas'"), and two threads importing the same packages in different orders
    can deadlock. A run waits at most :data:`WARM_WAIT_S` (the imports take ~1 s, once
    per server)."""
    global _runs_in
    with _gate:
        if _importing:
            _hurry.set()
            _gate.wait_for(lambda: not _importing, timeout=WARM_WAIT_S)
        _runs_in += 1
    try:
        yield
    finally:
        with _gate:
            _runs_in -= 1
            _gate.notify_all()


@contextlib.contextmanager
def _alone() -> Iterator[None]:
    """The warm-up's side of the gate: no page runs while it imports."""
    global _importing
    with _gate:
        _importing = True
        _gate.wait_for(lambda: _runs_in == 0, timeout=WARM_WAIT_S)
    try:
        yield
    finally:
        with _gate:
            _importing = False
            _gate.notify_all()


def warm_pages(modules: Iterable[str], scripts: Iterable[Path]) -> None:
    """Once per process, after its first script run: in a background thread, import the
    other pages' modules (pandas, SciPy, SQLAlchemy, the core's training and run store,
    but not Keras), compile their scripts and build the default dataset
    (:data:`DEFAULT_SPEC`), so that a first visit to another page does not pay for them;
    then freeze what was imported (:func:`freeze_new_imports`).

    The thread waits :data:`WARM_DELAY_S` first, so the first page's render never shares
    the interpreter with it (a page other than Home cuts the wait short:
    :func:`warm_up_now`), then imports with no page running (:func:`page_run`);
    compiling and the dataset overlap the pages' runs. ``app.py`` calls this after every
    run; only the first starts anything.
    """
    global _warm_thread
    with _warm_lock:
        if _warm_thread is not None:
            return
        _warm_thread = threading.Thread(
            target=_warm_up, args=(list(modules), list(scripts)), name="cnnlab-warm", daemon=True
        )
        _warm_thread.start()


def warm_up_now() -> None:
    """Let the warm-up import now if it has not yet (a page other than Home is about to
    run and would pay for those imports anyway); :func:`page_run` then waits for it."""
    if _warm_thread is not None:
        _hurry.set()


def _warming() -> bool:
    """Whether the page warm-up is running (on another thread than this one)."""
    thread = _warm_thread
    return thread is not None and thread.is_alive() and thread is not threading.current_thread()


def _warm_up(modules: list[str], scripts: list[Path]) -> None:
    _hurry.wait(WARM_DELAY_S)
    started = time.perf_counter()
    with _alone():  # the imports, with no page running
        import_ahead(modules)
    _compile_scripts(scripts)
    build_default_dataset()
    log.debug("CNN Lab: pages warmed up in %.2f s", time.perf_counter() - started)
    freeze_new_imports()


def import_ahead(modules: Iterable[str]) -> None:
    """Import ``modules`` before a page needs them (the warm-up, ``app.preload``); one
    that fails is logged and left for the page's own run to report."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - see the docstring
            log.warning("CNN Lab: importing %s ahead failed", name, exc_info=True)


def build_default_dataset() -> None:
    """Build the dataset Data, Train and Inspect open with (:data:`DEFAULT_SPEC`; the
    core keeps it in its memo, so the pages find it built). A failure is logged: the page
    that needs the dataset says what is wrong."""
    try:
        from cnnlab.data import load_spec

        load_spec(DEFAULT_SPEC)
    except Exception:  # noqa: BLE001 - see the docstring
        log.warning("CNN Lab: building the default dataset ahead failed", exc_info=True)


def _compile_scripts(scripts: list[Path]) -> None:
    """Put the page scripts' bytecode in Streamlit's script cache (what a page's first
    run does otherwise: read, rewrite for "magic", compile; ~0.1 s for a large page)."""
    from streamlit import runtime

    if not runtime.exists():
        return
    try:
        cache = runtime.get_instance()._script_cache  # the cache st.Page's run reads
        for path in scripts:
            cache.get_bytecode(str(path))
    except Exception:  # noqa: BLE001 - an optimisation only: the pages compile on first run
        log.debug("CNN Lab: compiling the page scripts ahead failed", exc_info=True)


def _import_keras() -> None:
    # Not while a page runs: the run that asked for Keras (Train, Inspect) would share
    # the interpreter with a 3 s import and take ~0.6 s longer to draw. Nor alongside the
    # page warm-up's imports (two threads importing the same packages in different orders
    # can deadlock). On a server that is never idle it starts after WARM_WAIT_S all the
    # same. Runs that start once it has begun are not held back (unlike the warm-up's
    # ~1 s, this import takes ~3 s); a page that needs Keras at once imports it itself
    # (the import lock lets one of the two do it).
    # Nor before the page that asked is drawn: its browser is still fetching the page's
    # code from this process, and an import holding the interpreter made Inspect's and
    # Train's first visits 0.2-0.9 s slower to draw (bench_pages.py, "full").
    with _gate:
        _gate.wait_for(lambda: _runs_in == 0 and not _importing, timeout=WARM_WAIT_S)
    time.sleep(WARM_DELAY_S)
    with _gate:
        _gate.wait_for(lambda: _runs_in == 0 and not _importing, timeout=WARM_WAIT_S)
    importlib.import_module("keras")
    # Keras and its backend leave millions of long-lived objects behind. Freezing them
    # keeps them out of every later garbage collection, so Python's own full collections
    # (Streamlit's after every script run is off: .streamlit/config.toml) stay cheap on a
    # server that trains.
    freeze_new_imports()


@st.cache_resource(show_spinner=False)
def _warm() -> threading.Thread:
    # Keras imports pandas; Plotly looks pandas up in sys.modules without importing it,
    # so a figure drawn while the thread is half-way through pandas failed
    # ("partially initialized module 'pandas'"). Import it here, whole, first.
    importlib.import_module("pandas")
    thread = threading.Thread(target=_import_keras, daemon=True)
    thread.start()
    return thread


def warm_keras() -> None:
    """Start importing Keras in the background (once per process) as soon as no page is
    running (at the latest :data:`WARM_WAIT_S` later), so that the first curve point
    comes soon after Train is pressed. Light pages never call this."""
    _warm()


def owner() -> str:
    """Who is using this browser: the id stored as a run's owner (whose run is whose).

    ``user:<email or sub>`` when signed in with ``st.login``; else ``browser:<hash>``,
    from Streamlit's own per-browser XSRF cookie (hashed, never stored as it is), which
    survives reloads and new tabs of the same browser; else ``session:<random>``, for
    this browser session only.
    """
    user = _signed_in_id()
    if user:
        return f"user:{user}"
    cookie = _browser_cookie()
    if cookie:
        token = _xsrf_token(cookie)
        return "browser:" + hashlib.sha256(b"cnnlab-owner|" + token).hexdigest()[:16]
    return st.session_state.setdefault("_owner", "session:" + uuid.uuid4().hex[:12])


def _user() -> dict:
    """``st.user`` as a dict ({} outside a signed-in session or a script run)."""
    try:
        info = st.user.to_dict()
    except Exception:  # no script run context, or no auth configured
        return {}
    return info if info.get("is_logged_in") else {}


def _signed_in_id() -> str:
    user = _user()
    for claim in ("email", "sub", "preferred_username", "name"):
        value = user.get(claim)
        if isinstance(value, str) and value:
            return value
    return ""


def _browser_cookie() -> str:
    """The value of Streamlit's ``_streamlit_xsrf`` cookie, or ``""`` (a separate
    function so that tests can give a browser one)."""
    try:
        return str(st.context.cookies.get(XSRF_COOKIE) or "")
    except Exception:  # no browser connection (a bare script run)
        return ""


XSRF_COOKIE = "_streamlit_xsrf"


def _xsrf_token(cookie: str) -> bytes:
    """The token inside a Tornado XSRF cookie (``2|mask|masked token|time``), so that a
    re-masked cookie of the same browser still gives the same id."""
    parts = cookie.split("|")
    if len(parts) >= 3 and parts[0] == "2":
        try:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
        except ValueError:
            return cookie.encode()
        if mask:
            return bytes(b ^ mask[i % len(mask)] for i, b in enumerate(masked))
    return cookie.encode()


TEACHER = "_teacher"  # session key: a hash of the teacher password this session entered


def secret(name: str) -> str:
    """A string from ``.streamlit/secrets.toml``, or ``""`` (no file, no key)."""
    try:
        value = st.secrets.get(name)
    except (FileNotFoundError, KeyError, TypeError, ValueError):
        return ""
    return value if isinstance(value, str) else ""


def password_hash(password: str) -> str:
    return hashlib.sha256(b"cnnlab-teacher|" + password.encode()).hexdigest()


def teacher_role() -> bool:
    """Whether this server has a teacher role (a password or an identity-provider group
    in its secrets); without one, everybody may change only their own runs."""
    return bool(secret("teacher_password") or secret("teacher_group"))


def teacher_by_group() -> bool:
    """Whether the signed-in user's ``groups`` claim holds the ``teacher_group`` secret."""
    group = secret("teacher_group")
    if not group:
        return False
    groups = _user().get("groups")
    if isinstance(groups, str):
        groups = [groups]
    return isinstance(groups, (list, tuple)) and group in groups


def is_teacher() -> bool:
    """Whether this session is the teacher's: the password entered in the sidebar (the
    one configured now), or a teacher group from the identity provider."""
    if teacher_by_group():
        return True
    password, entered = secret("teacher_password"), st.session_state.get(TEACHER)
    return bool(password and isinstance(entered, str)) and hmac.compare_digest(
        entered, password_hash(password)
    )


def rights() -> dict:
    """``actor``/``teacher``/``teacher_role`` for ``cnnlab.compare.may_change`` and
    ``delete_runs``."""
    return {"actor": owner(), "teacher": is_teacher(), "teacher_role": teacher_role()}


def may_change(record: object) -> bool:
    """Whether this session may delete, stop or resume ``record`` (a run or a job)."""
    from cnnlab.compare import may_change as rule

    return rule(record, **rights())
