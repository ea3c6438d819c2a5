"""The error boundary: whatever a page or a widget callback raises, the user reads words.

A page's exception becomes a short message in the page's language (what happened, what
to do), with the details folded away and no traceback or server path; the sidebar and
menu keep working, and the server log gets the full traceback. ``app.py`` runs every
page through :func:`run_page`; :func:`guard` wraps widget callbacks (``on_change``,
``on_click``), which Streamlit runs before the page; :func:`fragment` makes a page's
section a Streamlit fragment whose own reruns go through the same boundary.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from dashboard.i18n import catalog, lang, t

__all__ = [
    "run_page", "guard", "fragment", "log_run", "report", "readable", "explain", "message",
]  # fmt: skip

log = logging.getLogger("cnnlab.dashboard")
_PENDING = "_boundary_error"  # a callback's error, shown by the page run that follows
# An absolute path (POSIX or Windows) in a message: shown by its last part only.
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s\\/'\"(),;:]+){2,}")


def readable(exc: BaseException) -> str:
    """``exc`` in one line for people: its message without server paths (the file's
    name stays), or its type when it has no message."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = _PATH.sub(lambda m: "…/" + re.split(r"[\\/]", m.group(0))[-1], text)
    return text[:400]


def explain(exc: BaseException) -> str | None:
    """The catalog's sentence for a core error that carries a ``code`` and ``params``
    (``StoreError("busy", …)`` → ``errors.store_busy``; a subclass such as
    ``ImageTooLarge`` of ``InputError`` falls back to ``errors.input_<code>``), in the
    page's language; None for an error without one."""
    code, params = getattr(exc, "code", None), getattr(exc, "params", None) or {}
    if not isinstance(code, str) or not isinstance(params, dict):
        return None
    for cls in type(exc).__mro__:
        key = f"errors.{cls.__name__.removesuffix('Error').lower()}_{code}"
        if key in catalog(lang()) or key in catalog("en"):
            try:
                return t(key, **params)
            except (KeyError, IndexError, ValueError):
                return None
    return None


def message(exc: BaseException) -> str:
    """``exc`` for people: the catalog's sentence when it has one, else :func:`readable`."""
    return explain(exc) or readable(exc)


def _what_to_do(exc: BaseException) -> str:
    known = explain(exc)
    if known is not None:
        return known
    if isinstance(exc, MemoryError):
        return t("common.error_memory")
    if isinstance(exc, ValueError | KeyError | IndexError | TypeError):
        return t("common.error_value")
    if isinstance(exc, OSError):
        return t("common.error_file")
    return t("common.error_other")


def report(exc: BaseException, *, where: str = "") -> None:
    """Show ``exc`` as a message in the page's language and log its traceback."""
    log.error("CNN Lab: %s raised", where or "a page", exc_info=exc)
    st.error(
        f"**{t('common.error_title')}** {_what_to_do(exc)}",
        icon=":material/error:",
    )
    with st.expander(t("common.error_details"), icon=":material/info:"):
        st.text(f"{type(exc).__name__}: {readable(exc)}")


def _bounded(run: Callable[[], Any], where: str, into: Any = None) -> Any:
    """``run()`` inside the boundary: a widget callback's pending error is shown first,
    an exception becomes a message (in the container ``into``, else in place); Streamlit's
    stop and rerun pass through."""
    place = into or contextlib.nullcontext()
    pending = st.session_state.pop(_PENDING, None)
    if pending is not None:
        with place:
            report(pending, where="a widget callback")
    try:
        return run()
    except Exception as exc:  # noqa: BLE001 - the boundary: nothing reaches the user raw
        with place:
            report(exc, where=where)
        return None


def run_page(page: Any) -> None:
    """``page.run()`` inside the boundary."""
    _bounded(page.run, f"page {getattr(page, 'url_path', '?')!r}")


RUN_LOG = os.environ.get("CNNLAB_RUN_LOG")  # benchmarks: one line per script run


def log_run(page: str, seconds: float) -> None:
    """Append ``unix time, page, seconds`` to CNNLAB_RUN_LOG when it is set (the
    benchmarks read it: a whole run is logged under the page's url path, a fragment's own
    rerun under ``page#section``)."""
    if RUN_LOG:
        with open(RUN_LOG, "a", encoding="utf-8") as fh:
            fh.write(f"{time.time():.3f}\t{page}\t{seconds:.4f}\n")


# Whether a section's own rerun is under way in this thread: a section drawn inside it
# (the step view inside Kernels' maps) is covered and logged by the outer one.
_INSIDE: contextvars.ContextVar[bool] = contextvars.ContextVar("cnnlab_section", default=False)


def _rerunning_alone() -> bool:
    """Whether this script run is a fragment's own rerun (not the whole page)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def fragment(
    func: Callable[..., Any],
    *,
    where: str,
    run_every: float | None = None,
    errors_into: Any = None,
) -> Callable[..., Any]:
    """``func`` as a Streamlit fragment: a widget drawn by it reruns only ``func`` (with
    the arguments of the last whole run), which keeps the rest of the page as it is.

    In a whole run the page's boundary covers it. In its own rerun it is its own
    boundary: a callback's pending error is shown, an exception becomes the same message
    as on a page, and the rerun is logged to CNNLAB_RUN_LOG as ``where#func``.
    ``run_every`` (seconds) reruns it by itself, as ``st.fragment``'s does;
    ``errors_into`` (a container the section draws into) is where its messages go, near
    what raised (by default: the section's own place on the page).
    """

    @functools.wraps(func)
    def section(*args: Any, **kwargs: Any) -> Any:
        if _INSIDE.get() or not _rerunning_alone():  # the page's or an outer section's run
            return func(*args, **kwargs)
        from dashboard.state import page_run  # (state's own imports are heavier)

        name = f"{where}#{func.__name__}"
        inside = _INSIDE.set(True)
        started = time.perf_counter()
        try:
            with page_run():
                return _bounded(lambda: func(*args, **kwargs), name, errors_into)
        finally:  # also when it stops early (st.stop, st.rerun)
            log_run(name, time.perf_counter() - started)
            _INSIDE.reset(inside)

    return st.fragment(section, run_every=run_every)


def guard(callback: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """``callback`` that never raises: an exception is kept for the next page run to
    show (callbacks run before the page, where nothing can be drawn yet)."""
    if callback is None or getattr(callback, "_guarded", False):
        return callback

    @functools.wraps(callback)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - see run_page
            st.session_state[_PENDING] = exc
            return None

    guarded._guarded = True  # type: ignore[attr-defined]
    return guarded
