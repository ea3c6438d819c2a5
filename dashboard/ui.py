"""Shared page furniture: global settings, URL state, projector styling.

Global settings (language, projector mode) are set in the sidebar by ``app.py`` and kept
in session state and the URL (``?lang=es&projector=1``), so a teacher can share a link.
"""

from __future__ import annotations

import hashlib
import math
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import viz
from cnnlab.model import LayerRow
from dashboard import params
from dashboard.boundary import guard
from dashboard.i18n import lang, t, translator

__all__ = [
    "PlotStyle",
    "style",
    "projector",
    "initial_value",
    "safe_name",
    "widget",
    "tabs",
    "expander",
    "draft_widget",
    "labelled",
    "refresh_labels",
    "header",
    "coming_soon",
    "error_box",
    "progress_bar",
    "ProgressBar",
    "shared",
    "chart",
    "plot",
    "figure_config",
    "SEPARATORS",
]

_KEEP = "_keep"  # session-state dict: last value of every widget, survives page switches
_LABELLED = "_labelled"  # session-state dict: widget keys whose labels follow the language
_LABELS_FOR = "_labels_for"  # (language, projector) the widgets' labels were last drawn in


@dataclass(frozen=True)
class PlotStyle:
    """How figures look: normal screen or projector (bigger, thicker, higher contrast)."""

    font_size: int  # px, Plotly layout font
    line_width: float  # px, curves and outlines
    image_cmap: str  # colour scale for images and activation magnitudes
    signed_cmap: str  # diverging scale for signed values (kernels, raw maps)
    height: int  # px, default figure height


_NORMAL = PlotStyle(font_size=14, line_width=2, image_cmap="gray", signed_cmap="RdBu_r", height=380)
_PROJECTOR = PlotStyle(
    font_size=22, line_width=5, image_cmap="gray", signed_cmap="PuOr_r", height=520
)


def projector() -> bool:
    """Whether projector mode is on (larger type, wide layout, high contrast)."""
    return bool(st.session_state.get("projector", False))


def style() -> PlotStyle:
    """The plot style for the current mode."""
    return _PROJECTOR if projector() else _NORMAL


def initial_value(
    key: str,
    default: Any,
    url: str | params.Spec | None = None,
    valid: Callable[[Any], bool] | None = None,
) -> None:
    """Give ``st.session_state[key]`` its first value, unless it already has one.

    The value comes from ``?<url>=`` when the page was opened from a link, read through
    ``url``'s spec (:mod:`dashboard.params`: clamped into the widget's range, an unknown
    choice → ``default``), else from this session's last value (widgets are forgotten on
    other pages), else ``default``. A value the spec's ``ok`` or ``valid`` rejects (a
    stale one, an option that no longer exists) becomes ``default``.
    """
    if key in st.session_state:
        return
    value = st.session_state.setdefault(_KEEP, {}).get(key, default)
    spec = params.spec_for(url, default) if url else None
    if spec is not None and spec.name in st.query_params:
        value = spec.get(default)
    if (spec is not None and not spec.ok(value)) or (valid is not None and not valid(value)):
        value = default
    st.session_state[key] = value


def labels(prefix: str, options: Iterable[Any]) -> Callable[[Any], str | None]:
    """A ``format_func``: option ``o`` shows the catalog text ``<prefix><o>``.

    The texts are looked up now, in this run's language: Streamlit and AppTest may call
    a format_func outside the script run, where the language is not known.

    >>> labels("kernels.op_", ("correlate",))("correlate")  # doctest: +SKIP
    'Correlation (what Conv2D does)'
    """
    return {o: t(f"{prefix}{o}") for o in options}.get


def labelled(key: str) -> None:
    """Register ``key`` as a widget whose shown labels come from the catalogs.

    :func:`widget` registers every widget it makes; a page that makes a widget itself
    (the Architecture editor) calls this. See :func:`refresh_labels`.
    """
    st.session_state.setdefault(_LABELLED, {})[key] = True


def refresh_labels() -> None:
    """After a language or projector switch, send every labelled widget its value again.

    A keyed choice widget keeps its identity when its labels change, and the browser
    remembers the *label* it showed (Streamlit matches it back to an option on the next
    run). After a switch to Spanish the browser would send an English label on the next
    click, which matches no option and reaches the page as a value ("unknown kernel
    'Notebook: 5×5 example…'"). Setting each value again, before any page draws its
    widgets, makes Streamlit send the value with its label in the new language.
    Called by ``app.py`` after the sidebar, before the page.
    """
    now = (lang(), projector())
    before = st.session_state.get(_LABELS_FOR)
    st.session_state[_LABELS_FOR] = now
    if before is None or before == now:
        return
    for key in st.session_state.get(_LABELLED, {}):
        if key in st.session_state and key not in ("lang", "projector"):
            st.session_state[key] = st.session_state[key]


def widget(
    make: Callable[..., Any],
    label: str,
    *args: Any,
    key: str,
    default: Any,
    url: str | params.Spec | None = None,
    valid: Callable[[Any], bool] | None = None,
    **kwargs: Any,
) -> Any:
    """Create a Streamlit widget whose value survives page switches and lives in the URL.

    ``make`` is the Streamlit widget function (``st.slider``, ``st.selectbox``, …); its
    first value is chosen by :func:`initial_value`. With ``url`` (a
    :mod:`dashboard.params` spec built from the widget's own limits and options, or a
    bare name for a switch), the value is written to ``?<name>=`` on every run so that a
    copied link reopens the same view.
    """
    initial_value(key, default, url, valid)
    labelled(key)
    if "on_change" in kwargs:
        kwargs["on_change"] = guard(kwargs["on_change"])
    value = make(label, *args, key=key, **kwargs)
    st.session_state[_KEEP][key] = value
    if url:
        params.put(params.spec_for(url, default).name, params.encode(value))
    return value


def _language_key(key: str, value: Any) -> str:
    """The key, ``<key>__<language>``, of a Streamlit widget whose label is part of its
    identity (tabs, a stateful expander): a language switch makes a fresh widget, which
    starts at ``value`` (given through Session State: a changing ``default`` would
    remount it)."""
    widget_key = f"{key}__{lang()}"
    if widget_key not in st.session_state:
        st.session_state[widget_key] = value
    return widget_key


def tabs(key: str, ids: Sequence[str], prefix: str, *, url: str | None = None) -> tuple[str, Any]:
    """Tabs of which only the open one runs: returns (its id, its container).

    ``st.session_state[key]`` holds the open tab's id (one of ``ids``; kept across page
    switches and, with ``url``, in ``?<url>=``); the labels are the catalog texts
    ``<prefix><id>``. Streamlit's tab widget holds a label, so it gets a key per language
    (a switch makes a fresh one, opened on the same id) and its label is read back as an
    id. The page draws only into the returned container; the hidden tabs stay empty.
    """
    choice = params.Choice(url, tuple(ids)) if url else None
    initial_value(key, ids[0], choice, valid=lambda v: v in ids)
    names = {i: t(f"{prefix}{i}") for i in ids}
    widget_key = _language_key(key, names[st.session_state[key]])
    boxes = st.tabs(list(names.values()), key=widget_key, on_change="rerun")
    by_name = {name: i for i, name in names.items()}
    chosen = by_name.get(st.session_state.get(widget_key), st.session_state[key])
    st.session_state[key] = st.session_state[_KEEP][key] = chosen
    if url:
        params.put(url, chosen)
    return chosen, boxes[list(ids).index(chosen)]


def expander(key: str, label: str, *, icon: str | None = None) -> Any:
    """An expander whose content the page writes only while it is open: returns its
    container when open, else None (the page skips the work).

    Streamlit draws a closed expander's content too, browser code included (the code
    highlighter: 1.5 MB, which held a first visit's widgets back). This one reruns the
    page when clicked. ``st.session_state[key]`` holds whether it is open (kept across
    page switches); like :func:`tabs`, Streamlit's widget gets a key per language, as its
    label is part of its identity, so a language switch keeps it open.
    """
    initial_value(key, False)
    widget_key = _language_key(key, bool(st.session_state[key]))
    box = st.expander(label, icon=icon, key=widget_key, on_change="rerun")
    st.session_state[key] = st.session_state[_KEEP][key] = bool(box.open)
    return box if box.open else None


def draft_widget(
    make: Callable[..., Any], label: str, *args: Any, key: str, value: Any, **kwargs: Any
) -> Any:
    """A widget whose first value comes from a draft the page keeps (a design being
    edited), not from the URL or the session's last value.

    Like :func:`widget`, it is labelled (:func:`refresh_labels`) and its ``on_change``
    is guarded; unlike it, the page owns the memory: ``value`` is used while ``key`` has
    no state, and the page deletes the keys when it loads another draft.
    """
    if key not in st.session_state:
        st.session_state[key] = value
    labelled(key)
    if "on_change" in kwargs:
        kwargs["on_change"] = guard(kwargs["on_change"])
    return make(label, *args, key=key, **kwargs)


def header(section: str) -> None:
    """The page title and its one-line lead, from ``<section>.title`` and ``.lead``."""
    st.title(t(f"{section}.title"))
    st.caption(t(f"{section}.lead"))


def coming_soon(section: str) -> None:
    """A page whose issue is not done yet: its title, what it will do, and a note."""
    header(section)
    st.info(t("common.coming_soon"), icon=":material/construction:")


def error_box(message: str) -> None:
    """A user-facing error: a clear message, never a traceback."""
    st.error(message, icon=":material/error:")


class ProgressBar:
    """A ``progress(done, total)`` callback for the core's loaders, drawn as one
    ``st.progress`` bar whose text (``text_key`` in the page's language, with ``{done}``
    and ``{total}`` filled in) gives the counts. The bar appears on the first call with
    work left, is updated in place, and is removed when ``done`` reaches ``total`` or
    the ``with`` block ends (a loader that fails leaves no bar behind). A loader that
    finishes at once (from a cache) calls ``(N, N)`` first: no bar is ever drawn.

    Call it on the script thread (the core calls ``progress`` from its caller's thread),
    outside ``st.cache_*`` functions (they cannot replay a bar made outside them).
    """

    def __init__(self, text_key: str, **fmt: object) -> None:
        self._text = translator()  # bound now: the text stays in this run's language
        self._key, self._fmt = text_key, fmt
        self._slot: Any = None

    def __call__(self, done: int, total: int) -> None:
        if done >= total:
            self.clear()
            return
        if self._slot is None:
            self._slot = st.empty()
        text = self._text(self._key, done=count(done), total=count(total), **self._fmt)
        self._slot.progress(max(0.0, min(1.0, done / total)), text=text)

    def part(self, start: int, total: int) -> Callable[[int, int], None]:
        """A callback for one step of a longer wait: ``(d, n)`` shows ``start + d`` of
        ``total`` (a file checked in 2 stages, then loaded in 2 more: 4 in all)."""
        return lambda done, _n: self(start + done, total)

    def clear(self) -> None:
        if self._slot is not None:
            self._slot.empty()
            self._slot = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.clear()


def progress_bar(text_key: str, **fmt: object) -> ProgressBar:
    """A progress bar for a wait over about a second (:class:`ProgressBar`):

    >>> with ui.progress_bar("data.progress_decode") as bar:  # doctest: +SKIP
    ...     ds, report = data.load_spec(spec, progress=bar)
    """
    return ProgressBar(text_key, **fmt)


def lang_code() -> str:
    """The current language code ("en" or "es")."""
    return lang()


def count(x: float, digits: int = 0) -> str:
    """A number with its thousands grouped as the language writes them: "830,849" in
    English, "830 849" in Spanish (a no-break space, so a comma is never a thousands
    mark there). Decimals keep the point in both, as Keras and the plots print them."""
    text = f"{x:,.{digits}f}"
    return text.replace(",", "\u00a0") if lang() == "es" else text


def safe_name(name: object) -> str:
    """A file, folder or class name from disk as text a page can always send: bytes
    that are not UTF-8 (``'B\\udce9'`` from a folder named ``b"B\\xe9"``) become U+FFFD
    (``'B\ufffd'``). Every name a page shows from disk goes through this
    (:func:`cnnlab.data.shown_name`); the real name stays for opening the file."""
    from cnnlab.data import shown_name

    return shown_name(name)


def class_names(names: Sequence[object]) -> list[str]:
    """Class names as shown: the synthetic shapes and the challenge's cats and dogs in
    the page's language ("círculo", "gato"), any other dataset's names (folder names,
    Keras labels) as they are, made safe to send (:func:`safe_name`)."""
    from cnnlab.data import CHALLENGE_CLASSES, SHAPE_CLASSES

    out = [safe_name(n) for n in names]  # a folder's odd bytes: "B\ufffd", never a crash
    if out and all(n in SHAPE_CLASSES for n in out):
        return [t(f"data.shape_{n}") for n in out]
    if out and all(n in CHALLENGE_CLASSES for n in out):  # the challenge's cats and dogs
        return [t(f"data.class_{n}") for n in out]
    return out


def normal_css() -> str:
    """CSS for the normal screen: a centred column wide enough for two images side by side."""
    return (
        "<style>[data-testid='stMainBlockContainer'], .block-container "
        "{ max-width: 1120px; padding-top: 2.5rem; }" + _WRAP_CSS + "</style>"
    )


# Page links in the page (Home's path) and metric values ("1 600 / 400") wrap instead
# of being cut at the right edge with an ellipsis.
_WRAP_CSS = (
    "[data-testid='stMain'] [data-testid='stPageLink-NavLink'] :is(span, div, p, strong),"
    " [data-testid='stMetricValue'], [data-testid='stMetricValue'] *"
    " { white-space: normal; overflow: visible; text-overflow: clip; }"
)


def percent(x: float) -> str:
    """A share as a percentage: 0.75 → "75 %". One that rounds to 0 or 100 but is
    neither gets a decimal (0.996 → "99.6 %", 0.9999 → "> 99.9 %"), so "100 % fewer"
    never shows when pixels remain."""
    pct = 100 * x
    whole = f"{pct:.0f}"
    if whole in ("0", "100") and 0 < x < 1:
        if 0.05 <= pct <= 99.95:
            return f"{pct:.1f} %"
        return "< 0.1 %" if pct < 1 else "> 99.9 %"
    return f"{whole} %"


def number(x: float, sig: int = 3) -> str:
    """A measured value with about ``sig`` significant digits, grouped like :func:`count`
    (whole part always kept: 1020.4 → "1,020"; 0.01234 → "0.0123"; 3.0 → "3"). Never
    scientific notation below 10¹⁵; infinities as "∞"."""
    x = float(x)
    if not math.isfinite(x):
        return "—" if math.isnan(x) else ("∞" if x > 0 else "−∞")
    if x == 0:
        return "0"
    if abs(x) >= 1e15:
        return f"{x:.{sig}g}"
    digits = max(0, sig - 1 - math.floor(math.log10(abs(x))))
    text = count(x, digits)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def projector_css() -> str:
    """CSS for projector mode: larger base type and thicker focus outlines."""
    return (
        """
<style>
[data-testid="stMainBlockContainer"], .block-container {
  max-width: 100%; padding: 1.5rem 2rem 2rem 2rem; }
html, body, [data-testid="stAppViewContainer"] { font-size: 21px; }
[data-testid="stMarkdownContainer"] :is(p, li) { font-size: 1.15rem; }
[data-testid="stCaptionContainer"] { font-size: 1.0rem; }
h1 { font-size: 2.6rem !important; }
[data-testid="stSidebar"] { font-size: 19px; }
/* The sidebar keeps near-normal sizes, so that the page links, the language and the
   projector switch all fit in 720 px (the class reads the page, not the sidebar). */
[data-testid="stSidebarNavLink"] { height: 1.75rem; line-height: 1.75rem; }
[data-testid="stSidebarUserContent"] :is(p, button, label) { font-size: 17px; }
[data-testid="stMetricValue"],
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p { font-size: 2.6rem; }
[data-testid="stMetricLabel"] p { font-size: 1.1rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.05rem; }
"""
        + _WRAP_CSS
        + "\n</style>\n"
    )


def _freeze(value: Any) -> Any:
    """Make a shared result read-only: arrays unwritable, a Plotly figure turned into the
    dict ``st.plotly_chart`` sends (built once, see :class:`_Sent`)."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, list | tuple):
        for item in value:
            _freeze(item)
    elif isinstance(value, dict):  # a plain figure (ui.chart) holds arrays too
        for item in value.values():
            if isinstance(item, np.ndarray | list | tuple | dict):
                _freeze(item)
    elif isinstance(value, go.Figure):
        return _Sent(value.to_dict())
    return value


# id → (the array, its shape/dtype/strides, its digest)
_DIGESTS: dict[int, tuple[weakref.ref, str, bytes]] = {}


def _read_only(a: np.ndarray) -> bool:
    """Whether nobody can write ``a``'s memory: it and every array it is a view of are
    unwritable, down to memory of their own or immutable bytes."""
    owner: object = a
    while isinstance(owner, np.ndarray):
        if owner.flags.writeable:
            return False
        owner = owner.base
    return owner is None or isinstance(owner, bytes)


def _array_digest(a: np.ndarray) -> bytes:
    """A key for an array argument of :func:`shared`: its shape, dtype and bytes' digest.

    A read-only array whose memory nobody can write (a shared result, frozen by
    :func:`_freeze`) is digested once and remembered while it lives: a page passes the
    same maps to several builders on every rerun, and hashing them again was a fifth of
    the Pooling page's time. Any other array is digested every time.
    """
    frozen = _read_only(a)
    layout = f"{a.shape}{a.dtype.str}{a.strides}"  # can change in place, under the same id
    if frozen:
        hit = _DIGESTS.get(id(a))
        if hit is not None and hit[0]() is a and hit[1] == layout:
            return hit[2]
    h = hashlib.blake2b(layout.encode(), digest_size=20)
    h.update(np.ascontiguousarray(a).data)
    digest = h.digest()
    if frozen:
        key = id(a)
        ref = weakref.ref(a, lambda _ref, key=key: _DIGESTS.pop(key, None))
        _DIGESTS[key] = (ref, layout, digest)
    return digest


# Streamlit's hasher walks a dataclass field by field (slower than drawing a figure from
# it); a LayerRow's repr names every field, so it is an exact and quick key.
_HASH_FUNCS = {LayerRow: repr, np.ndarray: _array_digest}


@st.cache_resource(show_spinner=False, max_entries=256, hash_funcs=_HASH_FUNCS)
def _shared(name: str, _builder: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    return _freeze(_builder(*args, **kwargs))  # _builder is not hashed: ``name`` stands for it


def shared(builder: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``builder(*args, **kwargs)``, computed once for every session that asks the same.

    One server runs the Python of every session under one lock (the GIL); a class of 30
    opening the same page would build the same figures and maps 30 times. Results are
    keyed by the builder's name and its arguments (numpy arrays included), shared
    read-only (arrays are made unwritable; a figure's dict is built once, and
    ``st.plotly_chart`` only reads it), and at most 256 are kept for all sessions.
    """
    name = f"{builder.__module__}.{builder.__qualname__}"
    return _shared(name, builder, args, kwargs)


class _Sent(go.Figure):
    """A figure held as the plain dict that ``st.plotly_chart`` sends.

    ``st.plotly_chart`` re-validates a dict by building a whole Figure from it (slow),
    but takes a Figure's ``to_dict()`` as it is. This Figure skips Plotly's constructor
    and answers only ``to_dict()``, the one call Streamlit makes (Streamlit is pinned;
    ``tests/app/test_shared_figures.py`` compares what is sent with the real Figure's).
    """

    def __init__(self, spec: dict[str, Any]) -> None:  # no super().__init__: on purpose
        object.__setattr__(self, "_spec", spec)

    def to_dict(self) -> dict[str, Any]:
        return self._spec


def _plain(builder: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    return lambda *args, **kwargs: viz.plain(builder, *args, **kwargs)


def chart(builder: Callable[..., Any], /, *args: Any, key: str, **kwargs: Any) -> None:
    """Draw the ``cnnlab.viz`` figure ``builder(*args, **kwargs)`` (a model or Pooling
    figure), full width.

    Built as plain dicts (:func:`cnnlab.viz.plain`) and shared like
    :func:`shared` (read-only): on a slider move this costs about a fifth of building a
    Figure and letting Streamlit convert it. The model figures' dicts carry no Plotly
    template (Streamlit's theme draws the chart), so every trace sets its own colours.
    """
    name = f"{builder.__module__}.{builder.__qualname__}:plain"
    spec = _shared(name, _plain(builder), args, kwargs)
    if not isinstance(spec, dict):
        raise TypeError(f"{name} did not build plain dicts: use ui.plot for it")
    plot(spec, key=key)


# Plotly's number separators (decimal mark, then thousands mark), as ``count`` writes
# numbers: "830,849.5" in English, "830 849.5" in Spanish (a no-break space).
SEPARATORS = {"en": ".,", "es": ".\u00a0"}


# The mode bar options that figure_config decides (a page's own are replaced).
_MODEBAR = ("displayModeBar", "modeBarButtons", "modeBarButtonsToRemove", "modeBarButtonsToAdd",
            "toImageButtonOptions", "displaylogo", "staticPlot")  # fmt: skip


def figure_config(
    key: str, config: dict[str, Any] | None = None, *, buttons: Sequence[str] = ()
) -> dict[str, Any]:
    """The Plotly ``config`` of every figure: its mode bar holds only the PNG download
    (Plotly's ``toImage``, drawn in the browser, so it works offline), plus ``buttons``
    (the drawing board's ``"lasso2d"``, ``"select2d"``). The file is named after the
    figure's key. A page's other options are kept; ``staticPlot`` (which would hide the
    mode bar) becomes a figure without zoom or tips, and :func:`plot` turns its hovers off.

    >>> figure_config("train_curves", {"displayModeBar": False})["modeBarButtons"]
    [['toImage']]
    """
    cfg = {k: v for k, v in (config or {}).items() if k not in _MODEBAR}
    if (config or {}).get("staticPlot"):
        cfg.update(scrollZoom=False, doubleClick=False, showTips=False, showAxisDragHandles=False)
    name = "cnnlab-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in key)
    cfg.update(
        displaylogo=False,
        displayModeBar=True,
        modeBarButtons=[["toImage", *buttons]],
        toImageButtonOptions={"format": "png", "filename": name, "scale": 2},
    )
    return cfg


def plot(
    fig: go.Figure | dict[str, Any],
    *,
    key: str,
    config: dict[str, Any] | None = None,
    buttons: Sequence[str] = (),
    width: str = "stretch",
    **kwargs: Any,
) -> Any:
    """``st.plotly_chart`` with the page language's number separators (ticks, hovers,
    texts formatted by Plotly) and a PNG download in its mode bar (:func:`figure_config`;
    ``buttons`` adds mode bar buttons). ``fig`` is never changed: a shared figure stays
    shared."""
    spec = fig if isinstance(fig, dict) else fig.to_dict()
    layout = {**spec.get("layout", {}), "separators": SEPARATORS[lang()]}
    if (config or {}).get("staticPlot"):  # a picture: no hover, no drag (mode bar kept)
        layout.update(hovermode=False, dragmode=False)
    cfg = figure_config(key, config, buttons=buttons)
    return st.plotly_chart(
        _Sent({**spec, "layout": layout}), key=key, config=cfg, width=width, **kwargs
    )


def model_name(name: str) -> str:
    """A model as people read it: a course preset by its name in the page's language
    (``common.model_<id>``: "modelo del tutorial (figuras)"), any other design by the
    name it was given. English keeps the preset ids, as the course's code names them."""
    from dashboard.i18n import catalog

    return catalog(lang()).get(f"common.model_{name}", name)
