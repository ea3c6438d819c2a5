"""Kernels: draw a kernel, apply it to any image, watch it slide.

The first lesson of both course documents: a small matrix slides over an image,
multiplies and sums, and leaves an activation map. The page is thin: ``cnnlab.kernels``
holds the presets and the cell parsing, ``cnnlab.sliding`` the map, the bank's filters
and the step view's windows (``cnnlab.ops`` underneath: Keras' Conv2D in NumPy, no
TensorFlow), ``cnnlab.viz`` draws.
"""

from __future__ import annotations

import html
import io
import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from cnnlab import kernels, sliding, viz
from cnnlab.images import (
    COURSE_MATRIX,
    SAMPLES,
    load_image,
    sample,
    shrink_map,
    thumbnail,
    to_gray,
)
from cnnlab.ops import BOUNDARIES, PADDINGS, output_size, padding_amounts
from dashboard import boundary, params, ui
from dashboard.boundary import guard, message
from dashboard.i18n import t

MAX_SIDE = 1024  # photos are scaled down to this side first: sliders stay fast
CARRY_SIDE = 512  # the map kept in the session for Pooling: at most 1 MiB per session
STEP_MAX = 12  # the step view shows inputs up to this side
SOURCES = ("seed", "photo", "upload", "camera")
# The choices of section 2 and 3 (ids in links: ?color=rgb&op=convolve), and the stride.
COLORS, RGB_MODES = ("gray", "rgb"), ("per_channel", "sum")
CMAPS, OPERATIONS = ("signed", "abs"), ("correlate", "convolve")
MIN_STRIDE, MAX_STRIDE = 1, 8
UPLOAD_TYPES = ("png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff")
CUSTOM = "custom"
PRESET_OPTIONS = (CUSTOM, *kernels.PRESETS)
BANK_DEFAULT = ("seed_vertical_edges", "seed_horizontal_edges", "seed_outline", "gaussian")
TABS = ("map", "step", "bank")  # sections 4-6 (ids in links: ?tab=step)
FALLBACK_PHOTO = "camera"  # shown until an upload or a webcam picture arrives
# The bank's chips wrap onto more lines instead of scrolling sideways under a fade (on a
# projector the fourth chip read "No…").
BANK_CHIPS_CSS = """<style>
.st-key-kernels_bank .react-aria-ComboBox > div {
  height: auto !important; max-height: unset !important; }
.st-key-kernels_bank [data-testid='stMultiSelectTagsContainer'] {
  overflow: visible !important; height: auto !important; max-height: unset !important;
  mask: unset !important; -webkit-mask: unset !important; }
.st-key-kernels_bank [data-testid='stMultiSelectTagsContainer'] > span {
  display: flex; flex: 1 1 auto; min-width: 0; flex-wrap: wrap; gap: 0.25rem; }
</style>"""


class Picture(NamedTuple):
    """The input of this run, as the sections after the image section need it."""

    image: np.ndarray  # (H, W) or (H, W, 3), read-only
    key: str  # identifies the picture in the caches
    name: str  # shown to people
    summed: bool  # on RGB: one k×k×3 filter, summed (else each channel on its own)


class Settings(NamedTuple):
    """How the kernel slides (section 3)."""

    padding: str
    boundary: str
    stride: int
    signed: bool  # colour map of big maps: signed (else |x|)
    convolve: bool  # true convolution (kernel flipped), else correlation
    relu: bool


# ------------------------------------------------------------------ cached work ----
# cache_resource (no pickling, shared read-only arrays): a kernel edit must stay cheap.
def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _jpeg(image: np.ndarray) -> bytes:
    """A picture for the browser, encoded once (st.image would re-encode every run)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, "JPEG", quality=92)
    return buf.getvalue()


@st.cache_resource(show_spinner=False, max_entries=32)
def _sample(name: str, gray: bool) -> np.ndarray:
    return _frozen(thumbnail(sample(name, gray=gray), MAX_SIDE))


@st.cache_resource(show_spinner=False, max_entries=8)
def _decode(file_key: str, gray: bool, _data: bytes) -> tuple[np.ndarray, tuple[int, int]]:
    """An upload or webcam picture (keyed by its file id: the bytes are not re-hashed)."""
    img = load_image(_data, gray=gray)
    return _frozen(np.array(thumbnail(img, MAX_SIDE))), (img.shape[1], img.shape[0])


@st.cache_resource(show_spinner=False, max_entries=32)
def _picture_of(key: str, _image: np.ndarray) -> bytes:
    """JPEG bytes of a picture that does not change with the kernel (input, crop view)."""
    return _jpeg(_image)


@st.cache_resource(show_spinner=False, max_entries=8)
def _float(key: str, _image: np.ndarray) -> np.ndarray:
    """The picture as float32 (what the convolution reads), once per picture."""
    return _frozen(_image.astype(np.float32))


@st.cache_resource(show_spinner=False, max_entries=32)
def _grey(key: str, _image: np.ndarray) -> np.ndarray:
    """The picture in grey (the step view's crops come from it), once per picture."""
    return _frozen(_image if _image.ndim == 2 else to_gray(_image))


@st.cache_resource(show_spinner=False, max_entries=32)
def _outlined(key: str, row: int, col: int, size: int, _grey: np.ndarray) -> bytes:
    """JPEG of the grey picture with the step view's crop outlined."""
    return _jpeg(viz.outline(_grey, row, col, size, size))


@st.cache_resource(show_spinner=False, max_entries=64)
def _filter_map(
    image_key: str,
    kernel: tuple[tuple[float, ...], ...],
    settings: Settings,
    cmap: str,
    _image: np.ndarray,
) -> tuple[np.ndarray, bytes, str, str]:
    """One filter of the bank: its (H_out, W_out) map, a small JPEG of it, its range.

    Cached per filter, so editing your kernel recomputes only its own map.
    """
    out = sliding.bank_map(
        _image, np.array(kernel, np.float32), padding=settings.padding, stride=settings.stride,
        boundary=settings.boundary, convolve=settings.convolve, relu=settings.relu,
    )  # fmt: skip
    picture = _jpeg(viz.colorize(sliding.every_nth(out), signed=settings.signed, signed_cmap=cmap))
    lo, hi = _range_text(out)
    return _frozen(out), picture, lo, hi


# ------------------------------------------------------------------ helpers -------
def _keep() -> dict:
    """The last value of every widget (``ui.widget``'s store, kept across pages)."""
    return st.session_state.setdefault("_keep", {})


def _num(v: float) -> str:
    """A value shown in a caption or the step view: four significant digits, grouped."""
    return ui.number(v, 4)


def _range_text(x: np.ndarray) -> tuple[str, str]:
    return _num(float(x.min())), _num(float(x.max()))


def _photo_name(name: str) -> str:
    return t(f"common.photo_{name}")


def _figure_style() -> viz.FigStyle:
    style = ui.style()
    return viz.FigStyle(
        font_size=style.font_size,
        cell_font=style.font_size + (6 if ui.projector() else 2),
        line_width=style.line_width,
        signed_cmap=style.signed_cmap,
        height=style.height,
    )


def _big_number(label: str, value: str, fig_style: viz.FigStyle) -> str:
    """A label and a large number (the sum of the products), sized for the mode."""
    size = fig_style.cell_font
    return (
        f'<div class="kernels-sum"><div style="font-size:{size}px;opacity:0.75">{label}</div>'
        f'<div style="font-size:{int(size * 2.6)}px;font-weight:700;line-height:1.15">'
        f"{value}</div></div>"
    )


# ------------------------------------------------------------- kernel state -------
def _grid_key() -> str:
    return f"kernels_grid_{st.session_state.get('kernels_ver', 0)}"


def _set_base(kernel: np.ndarray) -> None:
    """Show ``kernel`` in a fresh editor (a new key drops the old editor's edits)."""
    session = st.session_state
    session["kernels_base"] = np.asarray(kernel, np.float32).tolist()
    session["kernels_kernel"] = session["kernels_base"]
    session["kernels_ver"] = session.get("kernels_ver", 0) + 1


def _on_preset() -> None:
    session = st.session_state
    name = session.get("kernels_preset", CUSTOM)
    if name == CUSTOM:
        return
    size = session.get("kernels_size", 3)
    _set_base(kernels.preset(name, size if name in kernels.RESIZABLE else None))
    session["kernels_size"] = len(session["kernels_base"])


def _on_size() -> None:
    session = st.session_state
    size = int(session.get("kernels_size", 3))
    name = session.get("kernels_preset", CUSTOM)
    if name in kernels.RESIZABLE:
        _set_base(kernels.preset(name, size))
        return
    _set_base(kernels.resize(np.array(session.get("kernels_kernel", kernels.identity(3))), size))
    session["kernels_preset"] = CUSTOM


def _on_random() -> None:
    size = int(st.session_state.get("kernels_size", 3))
    _set_base(kernels.random_kernel(size, seed=int(np.random.default_rng().integers(1 << 30))))
    st.session_state["kernels_preset"] = CUSTOM


def _kernel_from_url() -> np.ndarray | None:
    """The kernel of a shared link (``?k=-1,0,1,…``), or None when there is none or it
    cannot be read (a nonsense link opens the default kernel)."""
    return params.param_grid("k")


def _preset_name(kernel: np.ndarray) -> str:
    return kernels.match_preset(kernel) or CUSTOM


def _first_run_kernel() -> None:
    """The kernel shown when the page opens: the link's, this session's last, or the
    notebook's 5×5 example (with matrix A it gives the notebook's table)."""
    session, keep = st.session_state, _keep()
    if "kernels_base" not in session:
        from_url = _kernel_from_url()
        if from_url is not None:
            kernel = from_url
        elif isinstance(keep.get("kernels_kernel"), list):
            kernel = np.array(keep["kernels_kernel"], np.float32)
        else:
            kernel = kernels.preset("seed_example")
        session["kernels_base"] = kernel.tolist()
        session["kernels_kernel"] = kernel.tolist()
        session.setdefault("kernels_ver", 0)
        keep["kernels_preset"] = _preset_name(kernel)
        keep["kernels_size"] = kernel.shape[0]
        for key in ("kernels_preset", "kernels_size"):
            if key in session:
                del session[key]
    # A page switch drops the editor's edits: show the last kernel in a fresh editor.
    if _grid_key() not in session and session.get("kernels_kernel") != session.get("kernels_base"):
        session["kernels_base"] = session["kernels_kernel"]


def _cell_message(rows: list[list[object]]) -> str | None:
    """The message for the first cell that is not a usable number, in the page's language."""
    bad = kernels.first_bad_cell(rows)
    if bad is None:
        return None
    row, col, value, problem = bad
    key = {"empty": "empty_cell", "too_large": "huge_cell"}.get(problem, "bad_cell")
    return t(f"kernels.{key}", row=row, col=col, value=value)


# ------------------------------------------------------------------ 1 · kernel -----
def _kernel_editor(frame: KernelFrame) -> tuple[list[list[object]], bool]:
    """The size box, the grid, the random button and the normalise switch. Returns the
    grid's cells as typed, and whether to normalise."""
    with frame.size:
        ui.widget(
            st.number_input,
            t("kernels.size"),
            key="kernels_size",
            default=len(st.session_state["kernels_base"]),
            min_value=1,
            max_value=kernels.MAX_SIZE,
            step=1,
            help=t("kernels.size_help"),
            on_change=_on_size,
        )
    base = np.array(st.session_state["kernels_base"], np.float32)
    columns = [str(j + 1) for j in range(base.shape[1])]
    table = pd.DataFrame(
        [[kernels.format_cell(v) for v in row] for row in base],
        columns=columns,
        index=[str(i + 1) for i in range(base.shape[0])],
    )
    edited = st.data_editor(
        table,
        key=_grid_key(),
        num_rows="fixed",
        width="stretch",
        column_config={c: st.column_config.TextColumn(c, width="small") for c in columns},
    )
    st.button(
        t("kernels.random"),
        key="kernels_random",
        on_click=guard(_on_random),
        help=t("kernels.random_help"),
        icon=":material/casino:",
    )
    normalise = ui.widget(
        st.toggle,
        t("kernels.normalise"),
        key="kernels_normalise",
        default=False,
        url=params.Flag("norm"),
        help=t("kernels.normalise_help"),
    )
    return edited.to_numpy().tolist(), bool(normalise)


def _read_grid(cells: list[list[object]]) -> tuple[np.ndarray, str | None]:
    """The kernel typed in the grid, or the last valid one and the message why not."""
    session = st.session_state
    message = _cell_message(cells)
    if message is None:
        kernel = kernels.parse_grid(cells)
        session["kernels_kernel"] = kernel.tolist()
    else:
        kernel = np.array(session.get("kernels_kernel", session["kernels_base"]), np.float32)
    _keep()["kernels_kernel"] = kernel.tolist()
    return kernel, message


def _preset_box(column, kernel: np.ndarray) -> None:
    """ "Start from": a typed cell that leaves the chosen preset makes the kernel the
    user's own, and the box says so."""
    session = st.session_state
    chosen = session.get("kernels_preset", _keep().get("kernels_preset", CUSTOM))
    if chosen != CUSTOM and not kernels.is_preset(kernel, chosen):
        session["kernels_preset"] = CUSTOM
    with column:
        ui.widget(
            st.selectbox,
            t("kernels.preset"),
            PRESET_OPTIONS,
            key="kernels_preset",
            default=_preset_name(np.array(session["kernels_base"], np.float32)),
            valid=lambda v: v in PRESET_OPTIONS,
            format_func=ui.labels("kernels.preset_", PRESET_OPTIONS),
            on_change=_on_preset,
        )


def _kernel_view(used: np.ndarray, name: str, fig_style: viz.FigStyle) -> None:
    grid = viz.grid_html(
        used, style=fig_style, text=[[kernels.format_cell(v) for v in row] for row in used],
        max_width=380,
    )  # fmt: skip
    st.html(f"<p><b>{html.escape(t('kernels.heatmap_title', k=used.shape[0]))}</b></p>{grid}")
    total = float(used.sum(dtype=np.float64))
    st.caption(
        f"{t(f'kernels.detects_{name}')}  \n"
        f"{t('kernels.kernel_sum', total=kernels.format_cell(total))}"
    )


class KernelFrame(NamedTuple):
    """Section 1's layout, drawn by the whole run; a kernel edit fills it in again."""

    box: Any  # the section (messages about the kernel go at its end)
    preset: Any  # "start from", beside the size box
    size: Any
    editor: Any  # the grid, the random button, the normalise switch (under the two above
    # and the grid's help)
    view: Any  # the kernel as a heat map


def _kernel_frame() -> KernelFrame:
    box = st.container()
    with box:
        st.markdown(t("kernels.intro"))
        _first_run_kernel()
        st.subheader(t("kernels.kernel_title"))
        editor, view = st.columns([3, 2], gap="large")
        with editor:
            preset, size = st.columns([2, 1] if ui.projector() else [7, 3])
            st.caption(t("kernels.grid_help"))
    return KernelFrame(box, preset, size, editor, view)


def _kernel_section(frame: KernelFrame, fig_style: viz.FigStyle) -> tuple[np.ndarray, str]:
    """Section 1. Returns the kernel used (normalised when asked) and its preset name
    (``"custom"`` for one's own)."""
    with frame.editor:
        cells, normalise = _kernel_editor(frame)
    kernel, bad_cell = _read_grid(cells)
    _preset_box(frame.preset, kernel)
    params.put("k", ",".join(kernels.format_cell(v) for v in kernel.ravel()))
    used, zero_sum = kernel, False
    if normalise:
        try:
            used = kernels.normalise(kernel)
        except ValueError:
            zero_sum = True
    name = _preset_name(kernel)
    with frame.view:
        _kernel_view(used, name, fig_style)
    if bad_cell:
        ui.error_box(bad_cell)
    if zero_sum:
        st.info(t("kernels.normalise_zero"), icon=":material/info:")
    return used, name


# ------------------------------------------------------------------ 2 · image ------
def _fallback(gray: bool) -> tuple[np.ndarray, str, str]:
    return (
        _sample(FALLBACK_PHOTO, gray),
        f"sample:{FALLBACK_PHOTO}:{gray}",
        _photo_name(FALLBACK_PHOTO),
    )


def _file_picture(source: str, gray: bool) -> tuple[np.ndarray, str, str, tuple[int, int] | None]:
    """An uploaded or webcam picture: (image, cache key, name, original size if scaled
    down). Until one arrives, or when it cannot be used, the fallback photo."""
    if source == "upload":
        file = st.file_uploader(t("kernels.upload"), type=list(UPLOAD_TYPES), key="kernels_upload")
    else:
        file = st.camera_input(t("kernels.camera"), key="kernels_camera")
    limit_mb = int(st.get_option("server.maxUploadSize"))
    if file is None:
        st.caption(t(f"kernels.{source}_hint", photo=_photo_name(FALLBACK_PHOTO)))
        return (*_fallback(gray), None)
    if file.size > limit_mb * 1024 * 1024:
        size_mb = file.size / 2**20
        ui.error_box(t("kernels.too_big_file", name=file.name, size_mb=size_mb, limit_mb=limit_mb))
        return (*_fallback(gray), None)
    try:
        image, original = _decode(f"{file.file_id}:{file.size}", gray, file.getvalue())
    except ValueError as err:
        ui.error_box(t("kernels.bad_image", name=file.name, detail=message(err)))
        return (*_fallback(gray), None)
    name = file.name if source == "upload" else t("kernels.webcam_name")
    resized = original if original != (image.shape[1], image.shape[0]) else None
    return image, f"file:{file.file_id}:{gray}", name, resized


def _image_section() -> Picture:
    """Section 2: the notebook's matrix A, a sample photo, an upload or the webcam."""
    st.subheader(t("kernels.input_title"))
    ci1, ci2 = st.columns([3, 2], gap="large")
    with ci1:
        source = ui.widget(
            st.radio,
            t("kernels.source"),
            SOURCES,
            key="kernels_source",
            default="seed",
            url=params.Choice("src", SOURCES),
            format_func=ui.labels("kernels.source_", SOURCES),
            horizontal=True,
        )
    color = "gray"
    if source != "seed":
        with ci2:
            color = ui.widget(
                st.segmented_control,
                t("kernels.color"),
                list(COLORS),
                key="kernels_color",
                default="gray",
                url=params.Choice("color", COLORS),
                format_func=ui.labels("kernels.", COLORS),
                required=True,
            )
    gray = color != "rgb"
    image, key, name, resized = COURSE_MATRIX, "seed", t("kernels.matrix_name"), None
    if source == "photo":
        photo = ui.widget(
            st.selectbox,
            t("kernels.sample"),
            SAMPLES,
            key="kernels_sample",
            default="camera",
            url=params.Choice("img", SAMPLES),
            format_func=ui.labels("common.photo_", SAMPLES),
        )
        image, key, name = _sample(photo, gray), f"sample:{photo}:{gray}", _photo_name(photo)
    elif source in ("upload", "camera"):
        image, key, name, resized = _file_picture(source, gray)
    summed = False
    if image.ndim == 3:
        rgb_mode = ui.widget(
            st.radio,
            t("kernels.rgb_mode"),
            list(RGB_MODES),
            key="kernels_rgb_mode",
            default="per_channel",
            url=params.Choice("rgbmode", RGB_MODES),
            format_func=ui.labels("kernels.rgb_", RGB_MODES),
            horizontal=True,
            help=t("kernels.rgb_mode_help"),
        )
        summed = rgb_mode == "sum"
    if resized:
        h, w = image.shape[:2]
        st.caption(t("kernels.resized", w=w, h=h, W=resized[0], H=resized[1]))
    return Picture(image, key, name, summed)


# ------------------------------------------------------------------ 3 · controls ---
def _controls_section() -> Settings:
    """Section 3: padding, border fill, stride, colours, operation, ReLU."""
    st.subheader(t("kernels.controls_title"))
    r1 = st.columns(4)
    with r1[0]:
        padding = ui.widget(
            st.selectbox,
            t("kernels.padding"),
            PADDINGS,
            key="kernels_padding",
            default="same",
            url=params.Choice("pad", PADDINGS),
            format_func=ui.labels("kernels.padding_", PADDINGS),
            help=t("kernels.padding_help"),
        )
    with r1[1]:
        boundary = ui.widget(
            st.selectbox,
            t("kernels.boundary"),
            BOUNDARIES,
            key="kernels_boundary",
            default="zeros",
            url=params.Choice("fill", BOUNDARIES),
            format_func=ui.labels("kernels.boundary_", BOUNDARIES),
            help=t("kernels.boundary_help"),
            disabled=padding == "valid",
        )
    with r1[2]:
        stride = ui.widget(
            st.number_input,
            t("kernels.stride"),
            key="kernels_stride",
            default=1,
            url=params.Int("stride", MIN_STRIDE, MAX_STRIDE),
            min_value=MIN_STRIDE,
            max_value=MAX_STRIDE,
            step=1,
            help=t("kernels.stride_help"),
        )
    with r1[3]:
        cmap = ui.widget(
            st.selectbox,
            t("kernels.cmap"),
            list(CMAPS),
            key="kernels_cmap",
            default="signed",
            url=params.Choice("cmap", CMAPS),
            format_func=ui.labels("kernels.cmap_", CMAPS),
            help=t("kernels.cmap_help"),
        )
    r2 = st.columns([1, 1] if ui.projector() else [3, 1])
    with r2[0]:
        operation = ui.widget(
            st.radio,
            t("kernels.operation"),
            list(OPERATIONS),
            key="kernels_op",
            default="correlate",
            url=params.Choice("op", OPERATIONS),
            format_func=ui.labels("kernels.op_", OPERATIONS),
            horizontal=True,
        )
    with r2[1]:
        relu = ui.widget(
            st.toggle, t("kernels.relu"), key="kernels_relu", default=False,
            url=params.Flag("relu"), help=t("kernels.relu_help"),
        )  # fmt: skip
    with st.expander(t("kernels.op_note").split("**")[1], icon=":material/help:"):
        st.markdown(t("kernels.op_note"))
    return Settings(
        padding, boundary, int(stride), cmap == "signed", operation == "convolve", bool(relu)
    )


# ------------------------------------------------------------------ 4 · output -----
def _small(image: np.ndarray) -> bool:
    """Whether the input is small enough to show as numbers (and to step through whole)."""
    return max(image.shape[:2]) <= STEP_MAX


class Output(NamedTuple):
    """Section 4's map of this run, computed once for the tabs and for Pooling."""

    result: np.ndarray  # (H_out, W_out) or, per channel on colour, (H_out, W_out, 3)
    lo: float  # its range
    hi: float
    flat: np.ndarray  # (H_out, W_out): the map itself, or the mean of its channels


def _channel_mean(x: np.ndarray) -> np.ndarray:
    """(H, W, 3) → (H, W) float32: the channels' mean (quicker than ``mean(axis=2)``)."""
    return (x[..., 0] + x[..., 1] + x[..., 2]) / np.float32(3)


def _compute_map(pic: Picture, used: np.ndarray, name: str, settings: Settings) -> Output | None:
    """The activation map of ``used`` on the picture, kept for Pooling (2-D, at most
    CARRY_SIDE). None when there is none to show; a message then says why."""
    image = pic.image
    h_in, w_in = image.shape[:2]
    kh = used.shape[0]
    if settings.padding == "valid" and kh > min(h_in, w_in):
        ui.error_box(t("kernels.valid_too_big", k=kh, h=h_in, w=w_in))
        return None
    with np.errstate(over="ignore", invalid="ignore"):  # huge weights: said below
        result = sliding.apply_kernel(
            _float(pic.key, image), used, padding=settings.padding, stride=settings.stride,
            boundary=settings.boundary, convolve=settings.convolve, summed=pic.summed,
            relu=settings.relu,
        )  # fmt: skip
        lo, hi = float(result.min()), float(result.max())  # NaN or ±inf when it overflowed
    if not (math.isfinite(lo) and math.isfinite(hi)):
        ui.error_box(t("kernels.overflow"))
        return None
    flat = result if result.ndim == 2 else _channel_mean(result)
    kernel_label = t("kernels.my_kernel") if name == CUSTOM else t(f"kernels.preset_{name}")
    st.session_state["carry_map"] = {
        "map": shrink_map(flat, CARRY_SIDE),
        "label": t("kernels.carry_label", kernel=kernel_label, image=pic.name),
    }
    return Output(result, lo, hi, flat)


@st.cache_resource(show_spinner=False, max_entries=32)
def _image_range(key: str, _image: np.ndarray) -> tuple[str, str]:
    return _range_text(_image)


def _input_view(pic: Picture, fig_style: viz.FigStyle) -> Any:
    """Section 4's left half, the input (drawn by the whole run: a kernel edit leaves it
    be). Returns the right half, for the map."""
    image = pic.image
    lo_in, hi_in = _image_range(pic.key, image)
    left, right = st.columns(2, gap="medium")
    with left:
        if _small(image):
            st.html(viz.grid_html(image.astype(np.float32), style=fig_style, signed=False,
                                  max_width=440))  # fmt: skip
        else:
            st.image(_picture_of(pic.key, image), width="stretch", output_format="JPEG")
        st.caption(t("kernels.input_caption", shape=image.shape, dtype=image.dtype, lo=lo_in,
                     hi=hi_in))  # fmt: skip
    return right


def _output_section(
    pic: Picture, out: Output, settings: Settings, fig_style: viz.FigStyle, right: Any
) -> None:
    """Section 4's right half: the activation map, beside the input (``right``)."""
    result = out.result
    with right:
        if _small(pic.image):
            st.html(viz.grid_html(result, style=fig_style, signed=True, max_width=440))
        else:
            picture = viz.colorize(
                result, signed=settings.signed, signed_cmap=fig_style.signed_cmap
            )
            st.image(_jpeg(picture), width="stretch", output_format="JPEG")
        caption = t("kernels.map_caption", shape=result.shape, lo=_num(out.lo), hi=_num(out.hi))
        if result.ndim == 3:
            how = t("kernels.map_rgb_signed") if settings.signed else t("kernels.map_rgb_abs")
            caption += "  \n" + t("kernels.map_rgb_note", how=how)
        st.caption(caption)
    if out.lo == out.hi == 0:
        st.info(t("kernels.flat_map"), icon=":material/info:")


def _formula(n: int, k: int, settings: Settings, symbol: str) -> str:
    stride, padding = settings.stride, settings.padding
    before, after = padding_amounts(n, k, stride, padding)
    out = output_size(n, k, stride, padding)
    pb = rf"p_{{\text{{{t('kernels.sub_before')}}}}}"
    pa = rf"p_{{\text{{{t('kernels.sub_after')}}}}}"
    return (
        rf"{symbol}_{{out}} = \left\lfloor \frac{{{symbol} + {pb} + {pa} - k}}"
        rf"{{s}} \right\rfloor + 1 = \left\lfloor \frac{{{n} + {before} + {after} - {k}}}"
        rf"{{{stride}}} \right\rfloor + 1 = {out}"
    )


def _formula_section(image: np.ndarray, k: int, settings: Settings) -> None:
    """The output size with this image's numbers, as Keras computes it."""
    h_in, w_in = image.shape[:2]
    sides = [(h_in, "H")] + ([(w_in, "W")] if w_in != h_in else [])
    shown = "".join(f"\n\n$$\n{_formula(n, k, settings, symbol)}\n$$" for n, symbol in sides)
    st.markdown(f"**{t('kernels.formula_title')}**{shown}")  # one element: it reruns per edit
    st.caption(t("kernels.formula_note", padding=t(f"kernels.padding_{settings.padding}")))


# ------------------------------------------------------------------ 5 · step view --
def _crop(pic: Picture) -> np.ndarray:
    """A big picture's crop for the step view (grey), chosen with three sliders."""
    st.caption(t("kernels.step_photo_note"))
    grey = _grey(pic.key, pic.image)
    h, w = grey.shape
    cs1, cs2, cs3 = st.columns(3)
    with cs1:
        size = ui.widget(
            st.slider, t("kernels.crop_size"), 3, STEP_MAX, key="kernels_crop_size",
            default=6, valid=lambda v: isinstance(v, int) and 3 <= v <= STEP_MAX,
        )  # fmt: skip
    size = min(size, h, w)
    max_row, max_col = h - size, w - size
    with cs2:
        row = ui.widget(
            st.slider, t("kernels.crop_row"), 0, max(max_row, 1), key="kernels_crop_row",
            default=h // 2, valid=lambda v: isinstance(v, int) and 0 <= v <= max_row,
            disabled=max_row == 0,
        )  # fmt: skip
    with cs3:
        col = ui.widget(
            st.slider, t("kernels.crop_col"), 0, max(max_col, 1), key="kernels_crop_col",
            default=w // 2, valid=lambda v: isinstance(v, int) and 0 <= v <= max_col,
            disabled=max_col == 0,
        )  # fmt: skip
    size, row, col = sliding.clamp_crop(grey.shape, size, row, col)
    with st.expander(t("kernels.crop_where"), expanded=False, icon=":material/crop:"):
        st.image(_outlined(pic.key, row, col, size, grey), width=320)
    return grey[row : row + size, col : col + size].astype(np.float32)


def _prev(n: int) -> None:
    st.session_state["kernels_step"] = (st.session_state.get("kernels_step", 1) - 2) % n + 1


def _next(n: int) -> None:
    st.session_state["kernels_step"] = st.session_state.get("kernels_step", 1) % n + 1


def _step_view(walk: sliding.Slide, relu: bool, convolve: bool, fig_style: viz.FigStyle) -> None:
    """The window at one position: padded input, products, sum, the map so far. Runs as
    a fragment (buttons and the play timer redraw only this part)."""
    session = st.session_state
    n = walk.n
    if session.get("kernels_play") and "kernels_step" in session:  # the timer moves it
        session["kernels_step"] = session["kernels_step"] % n + 1
    nav = st.columns([2, 5, 2])
    with nav[0]:
        st.button(t("kernels.prev"), key="kernels_prev", on_click=guard(_prev), args=(n,),
                  width="stretch")  # fmt: skip
    with nav[2]:
        st.button(t("kernels.next"), key="kernels_next", on_click=guard(_next), args=(n,),
                  width="stretch")  # fmt: skip
    with nav[1]:
        i = 1
        if n > 1:
            i = ui.widget(
                st.slider, t("kernels.step"), 1, n, key="kernels_step", default=1,
                valid=lambda v: isinstance(v, int) and 1 <= v <= n,
                label_visibility="collapsed",
            )  # fmt: skip
        st.markdown(f"**{t('kernels.step_of', i=i, n=n)}**")
    win = walk.at(i)
    kh, kw = walk.kernel.shape
    (top, _), (left, _) = walk.pads
    projector = ui.projector()
    step_width = 400 if projector else 230  # the narrower columns (map, products)
    input_width = 400 if projector else 290  # the padded input's wider column
    if projector:  # big type: input and map side by side, the products below
        g1, g3 = st.columns(2, gap="medium")
        g2 = st.container()
    else:
        g1, g2, g3 = st.columns([5, 4, 4], gap="small")
    with g1:
        st.markdown(f"**{t('kernels.step_input', r=win.row + 1, c=win.col + 1)}**")
        st.html(
            viz.grid_html(
                walk.padded, style=fig_style, signed=False, window=(win.top, win.left, kh, kw),
                inner=(top, left, *walk.input.shape), pad_mask=walk.pad_mask,
                max_width=input_width,
            )
        )  # fmt: skip
    with g3:
        st.markdown(f"**{t('kernels.step_output', r=win.row + 1, c=win.col + 1)}**")
        st.html(
            viz.grid_html(
                win.partial, style=fig_style, signed=True, window=(win.row, win.col, 1, 1),
                vrange=viz.value_range(walk.map, signed=True), max_width=step_width,
            )
        )  # fmt: skip
    with g2:
        p1, p2 = st.columns(2) if projector else (st.container(), st.container())
        with p1:
            title = t("kernels.step_products_flipped" if convolve else "kernels.step_products")
            st.markdown(f"**{title}**")
            st.html(
                viz.products_html(win.pixels, walk.kernel, style=fig_style, max_width=step_width)
            )
        with p2:
            label = t("kernels.step_sum", n=win.pixels.size)
            st.html(_big_number(label, _num(win.total), fig_style))
            if relu:
                st.html(_big_number(t("kernels.step_relu"), _num(max(win.total, 0.0)), fig_style))
    session["kernels_step_value"] = win.value  # what the view shows (for tests)


def _step_section(
    pic: Picture, used: np.ndarray, settings: Settings, fig_style: viz.FigStyle
) -> None:
    """Section 5: the window walks over the input (or a crop of a photo), one click at a
    time or by itself."""
    st.caption(t("kernels.step_lead"))
    if _small(pic.image):
        image = pic.image
        step_input = (image if image.ndim == 2 else to_gray(image)).astype(np.float32)
    else:
        step_input = _crop(pic)
    kh = used.shape[0]
    if settings.padding == "valid" and kh > min(step_input.shape):
        h, w = step_input.shape
        ui.error_box(t("kernels.valid_too_big", k=kh, h=h, w=w))
        return
    walk = sliding.slide(
        step_input, used, padding=settings.padding, stride=settings.stride,
        boundary=settings.boundary, convolve=settings.convolve, relu=settings.relu,
    )  # fmt: skip
    if st.session_state.get("kernels_step", 1) > walk.n:
        st.session_state["kernels_step"] = 1
        _keep()["kernels_step"] = 1
    playing = ui.widget(
        st.toggle, t("kernels.play"), key="kernels_play", default=False, help=t("kernels.play_help")
    )  # fmt: skip
    view = boundary.fragment(_step_view, where="kernels", run_every=1.0 if playing else None)
    view(walk, settings.relu, settings.convolve, fig_style)


# ------------------------------------------------------------------ 6 · bank -------
def _bank_choice(used: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The bank's kernels, (label, kernel) each: the picked presets, and one's own."""
    bc1, bc2 = st.columns([3, 1] if ui.projector() else [4, 1], vertical_alignment="bottom")
    with bc1:
        st.html(BANK_CHIPS_CSS)
        names = ui.widget(
            st.multiselect,
            t("kernels.bank_pick"),
            list(kernels.PRESETS),
            key="kernels_bank",
            default=list(BANK_DEFAULT),
            url=params.Choices("bank", kernels.PRESETS),
            format_func=ui.labels("kernels.preset_", PRESET_OPTIONS),
        )
    with bc2:
        mine = ui.widget(st.toggle, t("kernels.bank_mine"), key="kernels_bank_mine", default=True)
    filters = [(t(f"kernels.preset_{n}"), kernels.PRESETS[n]) for n in names]
    if mine:
        filters.insert(0, (t("kernels.my_kernel"), used))
    return filters


def _mine_map(pic: Picture, settings: Settings, out: Output) -> np.ndarray | None:
    """The bank's map of one's own kernel, read off the output's map when it is the same
    filter (no second convolution on a kernel edit), else None.

    The bank's filter is the kernel ÷ C on each of the C channels: on grey that is the
    output itself; on colour the mean of the per-channel maps, or the summed map ÷ C;
    not after ReLU, which the output applies per channel and the bank after the sum.
    →  (H_out, W_out)
    """
    if pic.image.ndim == 2:
        return out.result
    if settings.relu:
        return None
    return out.flat if out.result.ndim == 3 else out.result / np.float32(pic.image.shape[2])


def _bank_grid(
    pic: Picture, filters: list[tuple[str, np.ndarray]], side: int, settings: Settings,
    fig_style: viz.FigStyle, mine: np.ndarray | None,
) -> None:  # fmt: skip
    """The bank's maps, a few per row, each under its kernel's name. ``mine``: the map of
    the first filter, already computed (see :func:`_mine_map`), or None."""
    maps, pictures, ranges = [], [], []
    for f, (_label, k) in enumerate(filters):
        if f == 0 and mine is not None and k.shape[0] == side:
            colored = viz.colorize(
                sliding.every_nth(mine), signed=settings.signed, signed_cmap=fig_style.signed_cmap
            )
            m, jpeg, (lo, hi) = mine, _jpeg(colored), _range_text(mine)
        else:
            fitted = tuple(tuple(float(v) for v in row) for row in kernels.fit(k, side))
            m, jpeg, lo, hi = _filter_map(
                pic.key, fitted, settings, fig_style.signed_cmap, pic.image
            )
        maps.append(m)
        pictures.append(jpeg)
        ranges.append((lo, hi))
    channels = 3 if pic.image.ndim == 3 else 1
    out_shape = (*maps[0].shape, len(maps))
    st.caption(t("kernels.bank_shape", wshape=(side, side, channels, len(maps)),
                 oshape=out_shape))  # fmt: skip
    if channels == 3:
        st.caption(t("kernels.bank_rgb_note"))
    projector = ui.projector()
    per_row = 3 if projector else 4
    small = _small(pic.image)
    for start in range(0, len(filters), per_row):
        cols = st.columns(per_row)
        for j, (label, _k) in enumerate(filters[start : start + per_row]):
            f = start + j
            with cols[j]:
                if small:  # two lines for every title, so the maps line up
                    st.markdown(
                        f"<div style='min-height:3.2em'><b>{label}</b></div>",
                        unsafe_allow_html=True,
                    )
                    st.html(viz.grid_html(maps[f], style=fig_style, signed=True,
                                          max_width=260 if projector else 180))  # fmt: skip
                else:
                    st.image(pictures[f], width="stretch")
                    st.caption(f"**{label}**  \n{ranges[f][0]} … {ranges[f][1]}")


def _bank_section(
    pic: Picture, used: np.ndarray, settings: Settings, fig_style: viz.FigStyle, out: Output
) -> None:
    """Section 6: several kernels at once, as one conv layer with F filters. ``out``: the
    map of ``used`` (section 4)."""
    st.caption(t("kernels.bank_lead"))
    filters = _bank_choice(used)
    if not filters:
        st.info(t("kernels.bank_empty"), icon=":material/info:")
        return
    side = max(k.shape[0] for _, k in filters)
    h, w = pic.image.shape[:2]
    if settings.padding == "valid" and side > min(h, w):
        return
    mine = _mine_map(pic, settings, out) if filters[0][1] is used else None
    _bank_grid(pic, filters, side, settings, fig_style, mine)


# ------------------------------------------------------------------ the page -------
class Results(NamedTuple):
    """Where sections 4–6 go, drawn by the whole run (a kernel edit leaves the tabs and
    the input picture be)."""

    alerts: Any  # container above the tabs: why there is no map
    tab: str  # the open tab's id
    box: Any  # its container
    map: Any  # on the map tab, the place of the map beside the input; else None


def _results_frame(pic: Picture, fig_style: viz.FigStyle) -> Results:
    alerts = st.container()
    tab, box = ui.tabs("kernels_tab", TABS, "kernels.tab_", url="tab")
    with box:
        right = _input_view(pic, fig_style) if tab == "map" else None
    return Results(alerts, tab, box, right)


def _kernel_and_maps(
    kernel: KernelFrame, results: Results, pic: Picture, settings: Settings,
    fig_style: viz.FigStyle,
) -> None:  # fmt: skip
    """Sections 1 and 4–6, one fragment: a kernel edit reruns only these, in the frames
    the whole run drew (the picture, the settings and the open tab come from it; changing
    them reruns the page). Sections 4–6 are tabs, and only the open one is drawn.

    Streamlit lets a fragment's own rerun write only into the outside containers it wrote
    into during the last whole run, so every run writes into each of them (the messages'
    two on every run; the map's, when there is no map, an empty element): a message or a
    map that appears only after an edit (a typo in a cell, a kernel made small enough for
    "valid") has somewhere to go.
    """
    notes = kernel.box.container()  # the kernel's messages, under the editor
    alerts = results.alerts.container()  # why there is no map
    with notes:
        used, name = _kernel_section(kernel, fig_style)
    with alerts:
        out = _compute_map(pic, used, name, settings)
    if out is None:  # claim the map's places, for a rerun that draws one
        results.box.empty()
        if results.map is not None:
            results.map.empty()
        return
    with results.box:
        if results.tab == "map":
            _output_section(pic, out, settings, fig_style, results.map)
            _formula_section(pic.image, used.shape[0], settings)
        elif results.tab == "step":
            _step_section(pic, used, settings, fig_style)
        else:
            _bank_section(pic, used, settings, fig_style, out)


def render() -> None:
    """The Kernels page: kernel, image, settings, map, step view, bank."""
    ui.header("kernels")
    fig_style = _figure_style()
    kernel = _kernel_frame()
    pic = _image_section()
    settings = _controls_section()
    results = _results_frame(pic, fig_style)
    maps = boundary.fragment(_kernel_and_maps, where="kernels", errors_into=kernel.box)
    maps(kernel, results, pic, settings, fig_style)


if __name__ == "__main__":
    render()
