"""CNN Lab entry point: global sidebar (language, projector mode, compute) + navigation.

Run with ``make run`` or ``cnnlab app`` (or ``streamlit run dashboard/app.py`` where
``cnnlab`` is installed: the pages import ``cnnlab`` and ``dashboard`` as installed
packages; nothing edits ``sys.path``). Importing this module runs nothing: ``PAGES``
lists the pages, :func:`main` draws the app (``streamlit run`` and Streamlit's
``AppTest`` execute this file as ``__main__``, which calls it), and ``cnnlab app`` calls
:func:`serve` (:func:`preload`, then the server).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit import delta_generator as _delta_generator
from streamlit.runtime.scriptrunner import script_runner as _script_runner

from cnnlab.backend import compute_info
from dashboard import access, allocator, boundary, params, state, ui
from dashboard.i18n import LANGS, t

# Teaching order. (file, url path, icon)
PAGES = [
    ("page_home.py", "home", ":material/home:"),
    ("page_kernels.py", "kernels", ":material/grid_on:"),
    ("page_pooling.py", "pooling", ":material/compress:"),
    ("page_architecture.py", "architecture", ":material/account_tree:"),
    ("page_data.py", "data", ":material/photo_library:"),
    ("page_train.py", "train", ":material/model_training:"),
    ("page_inspect.py", "inspect", ":material/visibility:"),
    ("page_experiments.py", "experiments", ":material/science:"),
]

# What the pages import beyond Home (SciPy's ndimage: Kernels' and Pooling's correlations;
# not Keras: Train and Inspect warm that up themselves), imported in the background after
# a server's first script run (state.warm_pages).
WARM_MODULES = [
    "pandas",
    "scipy.ndimage",
    *(f"dashboard.{file.removesuffix('.py')}" for file, _, _ in PAGES),
]


def _sidebar() -> None:
    # Seed the global settings first, so that every label below is in the right language.
    ui.initial_value("lang", "en", params.Choice("lang", LANGS))
    ui.initial_value("projector", False, params.Flag("projector"))
    with st.sidebar:
        ui.widget(
            st.segmented_control,
            t("common.language"),
            list(LANGS),
            key="lang",
            default="en",
            url=params.Choice("lang", LANGS),
            format_func=_lang_label,
        )
        if st.session_state.get("lang") not in LANGS:  # a click can deselect it
            st.session_state["_keep"]["lang"] = "en"
        ui.widget(
            st.toggle,
            t("common.projector"),
            key="projector",
            default=False,
            url=params.Flag("projector"),
            help=t("common.projector_help"),
        )
        access.sidebar_box()  # student or teacher
        with st.expander(t("common.compute"), icon=":material/memory:"):
            info = compute_info()
            gpus = ", ".join(info.gpus) if info.gpus else t("common.no_gpu")
            st.markdown(  # one element: the sidebar is sent with every page
                f"**{t('common.backend')}:** `{info.backend}`  \n**CPU:** {info.cpu}  \n"
                f"**GPU:** {gpus}"
            )
            if not info.keras_loaded:
                st.caption(t("common.keras_not_loaded"))


def _lang_label(code: str) -> str:
    """A language's name on the sidebar's switch, after a space (the button shows none).

    Streamlit looks for an emoji at the start of each option's first word, and a first
    word that is not ASCII ("Español") made it load and compile its emoji catalog: ~0.1 s
    of a fresh server's first render. After the space, the first word is empty.
    """
    return " " + LANGS[code]


def _skip_direct_run_warning() -> None:
    """Mark Streamlit's "run me with streamlit run" warning as shown already.

    Before the first element of a process, Streamlit checks whether it runs in a REPL by
    ``inspect.stack()``: reading the source of every frame of the script run and a pass
    over ``sys.modules``, ~0.05-0.1 s of a fresh server's first render (less for a bare
    app). CNN Lab always runs under ``streamlit run`` or ``AppTest``: the check can only
    say no.
    """
    _delta_generator._use_warning_has_been_displayed = True


def _clean_problem_modules() -> None:
    """Streamlit's post-run cleanup, without ``keras.backend.clear_session()``.

    Streamlit clears Keras' global state after every script run of every session (for
    scripts that build a model on each run). CNN Lab builds and trains models in worker
    processes and keeps loaded models in caches that other sessions are using; clearing
    the session (and its full garbage collection) after each run cost about a third of
    the server's CPU under a class's load. matplotlib is still cleaned as before.
    """
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def preload() -> None:
    """What a fresh server's first visitors would otherwise wait for, done before the
    server answers (:func:`serve` calls this before Streamlit starts): the pages'
    modules and their imports (pandas, SciPy, Plotly, the core's figures; not Keras),
    Home's picture, a tiny figure of each Pooling kind, the run store and the default
    dataset. It adds ~2 s before the first health check on the 2-core machine; without it
    (``streamlit run``), the warm-up does the same after the first run
    (state.warm_pages), except the figures and the store. A step that fails is left for
    the page to report."""
    allocator.keep_freed_memory()
    caches = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = caches.level
    caches.setLevel(logging.ERROR)  # "No runtime found": no server runs yet, as expected
    try:
        state.import_ahead(WARM_MODULES)
    finally:
        caches.setLevel(level)
    from cnnlab import viz
    from cnnlab.pipeline import first_stage

    for name in viz.__all__:  # the figure modules the pages import on first use
        _ahead(getattr, viz, name)
    _ahead(first_stage)
    _ahead(_small_pooling_figures)
    _ahead(state.store)  # its engine and tables: ~0.1 s of Inspect's or Train's first run
    state.build_default_dataset()
    state.freeze_new_imports()


def _small_pooling_figures() -> None:
    """Build one tiny figure of each kind Pooling draws (~50 ms). Plotly creates the
    checks of a trace type or layout part the first time a process uses it: a fresh
    server's first Pooling run took ~0.15 s longer than the next session's with empty
    caches."""
    import numpy as np

    from cnnlab import viz

    x = np.zeros((4, 4))
    viz.steps_figure([[x, x], [x]], [["", ""], [""]], [(0.0, 1.0, "gray")] * 2)
    viz.matrix_figure(x, size=2)
    viz.shift_figure([0, 1], {"a": [0.0, 1.0]}, x_title="", y_title="")
    viz.global_bars_figure(["c"], {"a": [1.0]}, y_title="")


def serve(script: str, extra: list[str]) -> None:
    """``cnnlab app``: :func:`preload`, then this process becomes the Streamlit server of
    ``script`` (``extra``: options for ``streamlit run``) until it stops, and exits."""
    from streamlit.web import cli as streamlit_cli

    preload()
    sys.argv = ["streamlit", "run", script, *extra]
    streamlit_cli.main()  # click: ends with SystemExit


def _ahead(step: Callable[..., object], *args: object) -> None:
    """One step of :func:`preload`; a failure is logged and left for the page to report
    (the server starts all the same)."""
    try:
        step(*args)
    except Exception:  # noqa: BLE001 - see the docstring
        logging.getLogger("cnnlab.dashboard").warning(
            "preloading %s%s failed", getattr(step, "__name__", step), args, exc_info=True
        )


def main() -> None:
    """One script run: sidebar, the current page, the global settings back into the URL."""
    started = time.perf_counter()
    allocator.keep_freed_memory()  # once per server: big arrays reuse freed memory
    _script_runner._clean_problem_modules = _clean_problem_modules  # see its docstring
    _skip_direct_run_warning()
    # Always "wide": the normal mode narrows the column with CSS, projector mode does not.
    st.set_page_config(page_title="CNN Lab", page_icon=":material/grid_on:", layout="wide")
    _sidebar()
    ui.refresh_labels()  # before any page draws a widget
    css = ui.projector_css() if ui.projector() else ui.normal_css()
    st.html(css)  # style only: no room taken, and no Markdown-with-HTML code to load
    pages = [
        st.Page(
            str(Path(__file__).parent / file),
            title=t(f"nav.{slug}"),
            url_path=slug,
            icon=icon,
            default=(slug == "home"),
        )
        for file, slug, icon in PAGES
    ]
    page = st.navigation(pages)
    if page.url_path:  # not Home (""), which imports nothing the warm-up imports
        state.warm_up_now()
    try:
        with state.page_run():  # never while the warm-up imports (state.page_run)
            boundary.run_page(page)  # an exception becomes a message, never a traceback
    finally:  # also when the page stops early (st.stop) or a new rerun interrupts it
        boundary.log_run(page.url_path, time.perf_counter() - started)
    state.warm_pages(WARM_MODULES, [Path(__file__).parent / f for f, _, _ in PAGES])
    state.freeze_new_imports()  # only after a run that finished
    # Navigation clears query parameters; keep the global ones in every URL.
    params.put("lang", ui.lang_code())
    if ui.projector():
        params.put("projector", "1")
    else:
        params.drop("projector")


if __name__ == "__main__":
    main()
