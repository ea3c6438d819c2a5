"""Kernels: draw a kernel, apply it to any image, watch it slide.

The first lesson of both course seeds: a small matrix slides over an image, multiplies
and sums, and leaves an activation map. The page is thin: ``cnnlab.ops.correlate2d``
does the numbers (Keras' Conv2D in NumPy, no TensorFlow), ``cnnlab.kernels`` holds the
presets and the cell parsing, ``cnnlab.viz`` draws.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from cnnlab import kernels, viz
from cnnlab.images import (
    COURSE_MATRIX,
    SAMPLES,
    load_image,
    sample,
    shrink_map,
    thumbnail,
    to_gray,
)
from cnnlab.ops import (
    BOUNDARIES,
    PADDINGS,
    convolve2d,
    correlate2d,
    output_size,
    pad_input,
    padding_amounts,
)
from dashboard import ui
from dashboard.boundary import guard
from dashboard.i18n import catalog, lang, t

MAX_SIDE = 1024  # photos are scaled down to this side first: sliders stay fast
CARRY_SIDE = 512  # the map kept in the session for Pooling: at most 1 MiB per session
STEP_MAX = 12  # the step view shows inputs up to this side
SOURCES = ("seed", "photo", "upload", "camera")
CUSTOM = "custom"
PRESET_OPTIONS = (CUSTOM, *kernels.PRESETS)
BANK_DEFAULT = ["seed_vertical_edges", "seed_horizontal_edges", "seed_outline", "gaussian"]

ui.header("kernels")
LANG = lang()
style = ui.style()
fig_style = viz.FigStyle(
    font_size=style.font_size,
    cell_font=style.font_size + (6 if ui.projector() else 2),
    line_width=style.line_width,
    signed_cmap=style.signed_cmap,
    height=style.height,
)
session = st.session_state
keep = session.setdefault("_keep", {})


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


def _apply(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    padding: str,
    stride: int,
    boundary: str,
    convolve: bool,
    summed: bool,
    relu: bool,
) -> np.ndarray:
    """The activation map (float32) of the page's current settings (8 ms on 512² RGB)."""
    k = np.asarray(kernel, np.float32)
    if summed and image.ndim == 3:
        k = np.repeat(k[:, :, None], image.shape[2], axis=2)
    op = convolve2d if convolve else correlate2d
    out = op(image, k, padding=padding, stride=stride, boundary=boundary)
    return np.maximum(out, 0, out=out) if relu else out


# ------------------------------------------------------------------ helpers -------
def _labels(prefix: str, options) -> object:
    """A format_func whose texts are looked up now, in this run's language.

    (AppTest calls format_func outside the script run, where ``t`` would fall back to
    English.)
    """
    texts, english = catalog(LANG), catalog("en")
    return {
        o: texts.get(f"kernels.{prefix}{o}") or english[f"kernels.{prefix}{o}"] for o in options
    }.get


def _num(v: float) -> str:
    v = float(v)
    if v == int(v) and abs(v) < 1e7:
        return str(int(v))
    return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.0f}"


def _grid_key() -> str:
    return f"kernels_grid_{session.get('kernels_ver', 0)}"


def _set_base(kernel: np.ndarray) -> None:
    """Show ``kernel`` in a fresh editor (a new key drops the old editor's edits)."""
    session["kernels_base"] = np.asarray(kernel, np.float32).tolist()
    session["kernels_kernel"] = session["kernels_base"]
    session["kernels_ver"] = session.get("kernels_ver", 0) + 1


def _resize(kernel: np.ndarray, size: int) -> np.ndarray:
    """Keep the centre of a kernel when the grid grows or shrinks."""
    k = np.asarray(kernel, np.float32)
    if size >= k.shape[0]:
        return kernels.fit(k, size)
    top = (k.shape[0] - 1) // 2 - (size - 1) // 2
    return k[top : top + size, top : top + size].copy()


def _on_preset() -> None:
    name = session.get("kernels_preset", CUSTOM)
    if name == CUSTOM:
        return
    size = session.get("kernels_size", 3)
    _set_base(kernels.preset(name, size if name in kernels.RESIZABLE else None))
    session["kernels_size"] = len(session["kernels_base"])


def _on_size() -> None:
    size = int(session.get("kernels_size", 3))
    name = session.get("kernels_preset", CUSTOM)
    if name in kernels.RESIZABLE:
        _set_base(kernels.preset(name, size))
        return
    _set_base(_resize(np.array(session.get("kernels_kernel", kernels.identity(3))), size))
    session["kernels_preset"] = CUSTOM


def _on_random() -> None:
    size = int(session.get("kernels_size", 3))
    _set_base(kernels.random_kernel(size, seed=int(np.random.default_rng().integers(1 << 30))))
    session["kernels_preset"] = CUSTOM


def _kernel_from_url() -> np.ndarray | None:
    raw = st.query_params.get("k")
    if not raw:
        return None
    try:
        values = [kernels.parse_cell(v) for v in raw.split(",")]
    except ValueError:
        return None
    size = int(round(len(values) ** 0.5))
    if size * size != len(values) or not 1 <= size <= kernels.MAX_SIZE:
        return None
    return np.array(values, np.float32).reshape(size, size)


def _is_preset(kernel: np.ndarray, name: str) -> bool:
    """Whether ``kernel`` is the preset ``name`` (at its size, for a resizable one)."""
    size = kernel.shape[0] if name in kernels.RESIZABLE else 3
    if name not in kernels.PRESETS or kernel.shape != (size, size):
        return False
    return bool(np.allclose(kernels.preset(name, size), kernel, atol=1e-6))


def _matches_preset(kernel: np.ndarray) -> str:
    return next((name for name in kernels.PRESETS if _is_preset(kernel, name)), CUSTOM)


def _first_run_kernel() -> None:
    if "kernels_base" in session:
        return
    from_url = _kernel_from_url()
    if from_url is not None:
        kernel = from_url
    elif isinstance(keep.get("kernels_kernel"), list):
        kernel = np.array(keep["kernels_kernel"], np.float32)
    else:
        kernel = kernels.preset("seed_example")  # with matrix A: the notebook's table
    session["kernels_base"] = kernel.tolist()
    session["kernels_kernel"] = kernel.tolist()
    session.setdefault("kernels_ver", 0)
    name = _matches_preset(kernel)
    keep["kernels_preset"] = name
    keep["kernels_size"] = kernel.shape[0]
    if "kernels_preset" in session:
        del session["kernels_preset"]
    if "kernels_size" in session:
        del session["kernels_size"]


def _big_number(label: str, value: str) -> str:
    """A label and a large number (the sum of the products), sized for the mode."""
    size = fig_style.cell_font
    return (
        f'<div class="kernels-sum"><div style="font-size:{size}px;opacity:0.75">{label}</div>'
        f'<div style="font-size:{int(size * 2.6)}px;font-weight:700;line-height:1.15">'
        f"{value}</div></div>"
    )


def _check_cells(rows: list[list[object]]) -> str | None:
    """The message for the first empty or non-numeric cell, in the page's language."""
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            try:
                kernels.parse_cell(cell)
            except ValueError:
                empty = cell is None or str(cell).strip() in ("", "nan", "None")
                key = "kernels.empty_cell" if empty else "kernels.bad_cell"
                return t(key, row=i + 1, col=j + 1, value=cell)
    return None


def _range_text(x: np.ndarray) -> tuple[str, str]:
    return _num(float(x.min())), _num(float(x.max()))


# ------------------------------------------------------------------ 1 · kernel -----
st.markdown(t("kernels.intro"))
_first_run_kernel()
# A page switch drops the editor's edits: show the last kernel in a fresh editor.
if _grid_key() not in session and session.get("kernels_kernel") != session.get("kernels_base"):
    session["kernels_base"] = session["kernels_kernel"]

st.subheader(t("kernels.kernel_title"))
col_edit, col_view = st.columns([3, 2], gap="large")
with col_edit:
    c1, c2 = st.columns([7, 3])  # c1: the preset box, filled once the grid is read
    with c2:
        size = ui.widget(
            st.number_input,
            t("kernels.size"),
            key="kernels_size",
            default=len(session["kernels_base"]),
            min_value=1,
            max_value=kernels.MAX_SIZE,
            step=1,
            help=t("kernels.size_help"),
            on_change=guard(_on_size),
        )
    base = np.array(session["kernels_base"], np.float32)
    columns = [str(j + 1) for j in range(base.shape[1])]
    frame = pd.DataFrame(
        [[kernels.format_cell(v) for v in row] for row in base],
        columns=columns,
        index=[str(i + 1) for i in range(base.shape[0])],
    )
    edited = st.data_editor(
        frame,
        key=_grid_key(),
        num_rows="fixed",
        width="stretch",
        column_config={c: st.column_config.TextColumn(c, width="small") for c in columns},
    )
    st.caption(t("kernels.grid_help"))
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
        url="norm",
        help=t("kernels.normalise_help"),
    )

bad_cell = _check_cells(edited.to_numpy().tolist())
if bad_cell is None:
    kernel = kernels.parse_grid(edited.to_numpy().tolist())
    session["kernels_kernel"] = kernel.tolist()
else:
    kernel = np.array(session.get("kernels_kernel", session["kernels_base"]), np.float32)
keep["kernels_kernel"] = kernel.tolist()
# A typed cell that leaves the chosen preset makes the kernel the user's own: say so.
chosen = session.get("kernels_preset", keep.get("kernels_preset", CUSTOM))
if chosen != CUSTOM and not _is_preset(kernel, chosen):
    session["kernels_preset"] = CUSTOM
with c1:
    ui.widget(
        st.selectbox,
        t("kernels.preset"),
        PRESET_OPTIONS,
        key="kernels_preset",
        default=_matches_preset(np.array(session["kernels_base"], np.float32)),
        valid=lambda v: v in PRESET_OPTIONS,
        format_func=_labels("preset_", PRESET_OPTIONS),
        on_change=guard(_on_preset),
    )
st.query_params["k"] = ",".join(kernels.format_cell(v) for v in kernel.ravel())

used = kernel
zero_sum = False
if normalise:
    try:
        used = kernels.normalise(kernel)
    except ValueError:
        zero_sum = True
shown_name = _matches_preset(kernel)

with col_view:
    st.markdown(f"**{t('kernels.heatmap_title', k=used.shape[0])}**")
    st.html(
        viz.grid_html(
            used, style=fig_style, text=[[kernels.format_cell(v) for v in row] for row in used],
            max_width=380,
        )
    )  # fmt: skip
    st.caption(t(f"kernels.detects_{shown_name}"))
    st.caption(t("kernels.kernel_sum", total=kernels.format_cell(float(used.sum()))))
if bad_cell:
    ui.error_box(bad_cell)
if zero_sum:
    st.info(t("kernels.normalise_zero"), icon=":material/info:")

# ------------------------------------------------------------------ 2 · image ------
st.subheader(t("kernels.input_title"))
ci1, ci2 = st.columns([3, 2], gap="large")
with ci1:
    source = ui.widget(
        st.radio,
        t("kernels.source"),
        SOURCES,
        key="kernels_source",
        default="seed",
        url="src",
        valid=lambda v: v in SOURCES,
        format_func=_labels("source_", SOURCES),
        horizontal=True,
    )
with ci2:
    color = "gray"
    if source != "seed":
        color = ui.widget(
            st.segmented_control,
            t("kernels.color"),
            ["gray", "rgb"],
            key="kernels_color",
            default="gray",
            url="color",
            valid=lambda v: v in ("gray", "rgb"),
            format_func=_labels("", ("gray", "rgb")),
            required=True,
        )
        color = color or "gray"

gray = color != "rgb"
image_name = t("kernels.matrix_name")
image_key = "seed"
image: np.ndarray = COURSE_MATRIX
resized_from: tuple[int, int] | None = None


def _fallback_photo() -> None:
    global image, image_key, image_name
    image = _sample("camera", gray)
    image_key, image_name = f"sample:camera:{gray}", "camera"


if source == "photo":
    name = ui.widget(
        st.selectbox,
        t("kernels.sample"),
        SAMPLES,
        key="kernels_sample",
        default="camera",
        url="img",
        valid=lambda v: v in SAMPLES,
    )
    image = _sample(name, gray)
    image_key, image_name = f"sample:{name}:{gray}", name
elif source in ("upload", "camera"):
    if source == "upload":
        file = st.file_uploader(
            t("kernels.upload"),
            type=["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff"],
            key="kernels_upload",
        )
    else:
        file = st.camera_input(t("kernels.camera"), key="kernels_camera")
    limit_mb = int(st.get_option("server.maxUploadSize"))
    if file is None:
        st.caption(t(f"kernels.{source}_hint"))
        _fallback_photo()
    elif file.size > limit_mb * 1024 * 1024:
        ui.error_box(
            t("kernels.too_big_file", name=file.name, size_mb=file.size / 2**20, limit_mb=limit_mb)
        )
        _fallback_photo()
    else:
        try:
            image, original = _decode(f"{file.file_id}:{file.size}", gray, file.getvalue())
        except ValueError as err:
            ui.error_box(t("kernels.bad_image", name=file.name, detail=str(err)))
            _fallback_photo()
        else:
            image_key = f"file:{file.file_id}:{gray}"
            image_name = file.name if source == "upload" else t("kernels.webcam_name")
            if original != (image.shape[1], image.shape[0]):
                resized_from = original

is_rgb = image.ndim == 3
summed = False
if is_rgb:
    rgb_mode = ui.widget(
        st.radio,
        t("kernels.rgb_mode"),
        ["per_channel", "sum"],
        key="kernels_rgb_mode",
        default="per_channel",
        url="rgbmode",
        valid=lambda v: v in ("per_channel", "sum"),
        format_func=_labels("rgb_", ("per_channel", "sum")),
        horizontal=True,
        help=t("kernels.rgb_mode_help"),
    )
    summed = rgb_mode == "sum"
if resized_from:
    st.caption(
        t("kernels.resized", w=image.shape[1], h=image.shape[0], W=resized_from[0],
          H=resized_from[1])
    )  # fmt: skip

# ------------------------------------------------------------------ 3 · controls ---
st.subheader(t("kernels.controls_title"))
r1 = st.columns(4)
with r1[0]:
    padding = ui.widget(
        st.selectbox,
        t("kernels.padding"),
        PADDINGS,
        key="kernels_padding",
        default="same",
        url="pad",
        valid=lambda v: v in PADDINGS,
        format_func=_labels("padding_", PADDINGS),
        help=t("kernels.padding_help"),
    )
with r1[1]:
    boundary = ui.widget(
        st.selectbox,
        t("kernels.boundary"),
        BOUNDARIES,
        key="kernels_boundary",
        default="zeros",
        url="fill",
        valid=lambda v: v in BOUNDARIES,
        format_func=_labels("boundary_", BOUNDARIES),
        help=t("kernels.boundary_help"),
        disabled=padding == "valid",
    )
with r1[2]:
    stride = ui.widget(
        st.number_input,
        t("kernels.stride"),
        key="kernels_stride",
        default=1,
        url="stride",
        valid=lambda v: isinstance(v, int) and 1 <= v <= 8,
        min_value=1,
        max_value=8,
        step=1,
        help=t("kernels.stride_help"),
    )
with r1[3]:
    cmap = ui.widget(
        st.selectbox,
        t("kernels.cmap"),
        ["signed", "abs"],
        key="kernels_cmap",
        default="signed",
        url="cmap",
        valid=lambda v: v in ("signed", "abs"),
        format_func=_labels("cmap_", ("signed", "abs")),
        help=t("kernels.cmap_help"),
    )
r2 = st.columns([1, 1] if ui.projector() else [3, 1])
with r2[0]:
    operation = ui.widget(
        st.radio,
        t("kernels.operation"),
        ["correlate", "convolve"],
        key="kernels_op",
        default="correlate",
        url="op",
        valid=lambda v: v in ("correlate", "convolve"),
        format_func=_labels("op_", ("correlate", "convolve")),
        horizontal=True,
    )
with r2[1]:
    relu = ui.widget(
        st.toggle, t("kernels.relu"), key="kernels_relu", default=False, url="relu",
        help=t("kernels.relu_help"),
    )  # fmt: skip
with st.expander(t("kernels.op_note").split("**")[1], icon=":material/help:"):
    st.markdown(t("kernels.op_note"))

convolve = operation == "convolve"
signed = cmap == "signed"

# ------------------------------------------------------------------ 4 · output -----
st.subheader(t("kernels.output_title"))
h_in, w_in = image.shape[:2]
kh = used.shape[0]
valid_too_big = padding == "valid" and kh > min(h_in, w_in)
if valid_too_big:
    ui.error_box(t("kernels.valid_too_big", k=kh, h=h_in, w=w_in))
    st.stop()

result = _apply(image, used, padding=padding, stride=int(stride), boundary=boundary,
                convolve=convolve, summed=summed, relu=relu)  # fmt: skip
small = max(h_in, w_in) <= STEP_MAX
lo_in, hi_in = _range_text(image)
lo_out, hi_out = _range_text(result)
left, right = st.columns(2, gap="medium")
with left:
    if small:
        st.html(viz.grid_html(image.astype(np.float32), style=fig_style, signed=False,
                            max_width=440))  # fmt: skip
    else:
        st.image(_picture_of(image_key, image), width="stretch")
    st.caption(t("kernels.input_caption", shape=image.shape, dtype=image.dtype, lo=lo_in,
                 hi=hi_in))  # fmt: skip
with right:
    if small:
        st.html(viz.grid_html(result, style=fig_style, signed=True, max_width=440))
    else:
        picture = viz.colorize(result, signed=signed, signed_cmap=style.signed_cmap)
        st.image(_jpeg(picture), width="stretch")
    st.caption(t("kernels.map_caption", shape=result.shape, lo=lo_out, hi=hi_out))
    if result.ndim == 3:
        how = t("kernels.map_rgb_signed") if signed else t("kernels.map_rgb_abs")
        st.caption(t("kernels.map_rgb_note", how=how))
if not np.any(result):
    st.info(t("kernels.flat_map"), icon=":material/info:")

# The map other pages (Pooling) can pick up: 2-D, the one shown.
kernel_label = t("kernels.my_kernel") if shown_name == CUSTOM else t(f"kernels.preset_{shown_name}")
session["carry_map"] = {
    "map": shrink_map(result if result.ndim == 2 else result.mean(axis=2), CARRY_SIDE),
    "label": t("kernels.carry_label", kernel=kernel_label, image=image_name),
}


def _formula(n: int, k: int, symbol: str) -> str:
    before, after = padding_amounts(n, k, int(stride), padding)
    out = output_size(n, k, int(stride), padding)
    pb = rf"p_{{\text{{{t('kernels.sub_before')}}}}}"
    pa = rf"p_{{\text{{{t('kernels.sub_after')}}}}}"
    return (
        rf"{symbol}_{{out}} = \left\lfloor \frac{{{symbol} + {pb} + {pa} - k}}"
        rf"{{s}} \right\rfloor + 1 = \left\lfloor \frac{{{n} + {before} + {after} - {k}}}"
        rf"{{{int(stride)}}} \right\rfloor + 1 = {out}"
    )


st.markdown(f"**{t('kernels.formula_title')}**")
st.latex(_formula(h_in, kh, "H"))
if w_in != h_in:
    st.latex(_formula(w_in, kh, "W"))
st.caption(t("kernels.formula_note", padding=t(f"kernels.padding_{padding}")))

# ------------------------------------------------------------------ 5 · step view --
st.subheader(t("kernels.step_title"))
st.caption(t("kernels.step_lead"))
if small:
    step_input = image.astype(np.float32) if image.ndim == 2 else to_gray(image).astype(np.float32)
else:
    st.caption(t("kernels.step_photo_note"))
    grey = image if image.ndim == 2 else to_gray(image)
    cs1, cs2, cs3 = st.columns(3)
    with cs1:
        crop = ui.widget(
            st.slider, t("kernels.crop_size"), 3, STEP_MAX, key="kernels_crop_size",
            default=6, valid=lambda v: isinstance(v, int) and 3 <= v <= STEP_MAX,
        )  # fmt: skip
    crop = min(crop, grey.shape[0], grey.shape[1])
    with cs2:
        max_row = grey.shape[0] - crop
        row0 = ui.widget(
            st.slider, t("kernels.crop_row"), 0, max(max_row, 1), key="kernels_crop_row",
            default=grey.shape[0] // 2, valid=lambda v: isinstance(v, int) and 0 <= v <= max_row,
            disabled=max_row == 0,
        )  # fmt: skip
    with cs3:
        max_col = grey.shape[1] - crop
        col0 = ui.widget(
            st.slider, t("kernels.crop_col"), 0, max(max_col, 1), key="kernels_crop_col",
            default=grey.shape[1] // 2, valid=lambda v: isinstance(v, int) and 0 <= v <= max_col,
            disabled=max_col == 0,
        )  # fmt: skip
    row0, col0 = min(row0, max_row), min(col0, max_col)
    step_input = grey[row0 : row0 + crop, col0 : col0 + crop].astype(np.float32)
    with st.expander(t("kernels.crop_where"), expanded=False, icon=":material/crop:"):
        where = f"{image_key}:{row0}:{col0}:{crop}"
        st.image(_picture_of(where, viz.outline(grey, row0, col0, crop, crop)), width=320)

step_kernel = used[::-1, ::-1] if convolve else used
step_ok = not (padding == "valid" and kh > min(step_input.shape))
if step_ok:
    padded = pad_input(step_input, step_kernel.shape, padding=padding, stride=int(stride),
                       boundary=boundary)  # fmt: skip
    step_map = correlate2d(step_input, step_kernel, padding=padding, stride=int(stride),
                           boundary=boundary)  # fmt: skip
    if relu:
        step_map = np.maximum(step_map, 0)
    n_steps = int(step_map.size)
    if session.get("kernels_step", 1) > n_steps:
        session["kernels_step"] = 1
        keep["kernels_step"] = 1
    playing = ui.widget(
        st.toggle, t("kernels.play"), key="kernels_play", default=False, help=t("kernels.play_help")
    )  # fmt: skip
else:
    ui.error_box(t("kernels.valid_too_big", k=kh, h=step_input.shape[0], w=step_input.shape[1]))
    playing = False


def _prev(n: int) -> None:
    session["kernels_step"] = (session.get("kernels_step", 1) - 2) % n + 1


def _next(n: int) -> None:
    session["kernels_step"] = session.get("kernels_step", 1) % n + 1


@st.fragment(run_every=1.0 if playing else None)
def _step_view() -> None:
    if not step_ok:
        return
    if session.get("kernels_play") and "kernels_step" in session:  # the timer moves the window
        session["kernels_step"] = session["kernels_step"] % n_steps + 1
    nav = st.columns([2, 5, 2])
    with nav[0]:
        st.button(t("kernels.prev"), key="kernels_prev", on_click=guard(_prev), args=(n_steps,),
                  width="stretch")  # fmt: skip
    with nav[2]:
        st.button(t("kernels.next"), key="kernels_next", on_click=guard(_next), args=(n_steps,),
                  width="stretch")  # fmt: skip
    with nav[1]:
        if n_steps > 1:
            i = ui.widget(
                st.slider, t("kernels.step"), 1, n_steps, key="kernels_step", default=1,
                valid=lambda v: isinstance(v, int) and 1 <= v <= n_steps,
                label_visibility="collapsed",
            )  # fmt: skip
        else:
            i = 1
        st.markdown(f"**{t('kernels.step_of', i=i, n=n_steps)}**")
    out_h, out_w = step_map.shape
    r, c = divmod(i - 1, out_w)
    s = int(stride)
    kh_, kw_ = step_kernel.shape
    window = padded.array[r * s : r * s + kh_, c * s : c * s + kw_]
    (top, bottom), (lft, rgt) = padded.pads
    pad_mask = np.ones(padded.array.shape, bool)
    pad_mask[top : top + step_input.shape[0], lft : lft + step_input.shape[1]] = False
    shown = np.full(step_map.shape, np.nan)
    flat = shown.reshape(-1)
    flat[:i] = step_map.reshape(-1)[:i]
    total = float((window.astype(np.float64) * step_kernel).sum())

    step_width = 400 if ui.projector() else 230  # the narrower columns (map, products)
    input_width = 400 if ui.projector() else 290  # the padded input's wider column
    if ui.projector():  # big type: input and map side by side, the products below
        g1, g3 = st.columns(2, gap="medium")
        g2 = st.container()
    else:
        g1, g2, g3 = st.columns([5, 4, 4], gap="small")
    with g1:
        st.markdown(f"**{t('kernels.step_input', r=r + 1, c=c + 1)}**")
        st.html(
            viz.grid_html(
                padded.array, style=fig_style, signed=False, window=(r * s, c * s, kh_, kw_),
                inner=(top, lft, *step_input.shape), pad_mask=pad_mask,
                max_width=input_width,
            )
        )  # fmt: skip
    with g3:
        st.markdown(f"**{t('kernels.step_output', r=r + 1, c=c + 1)}**")
        st.html(
            viz.grid_html(
                shown, style=fig_style, signed=True, window=(r, c, 1, 1),
                vrange=viz.value_range(step_map, signed=True), max_width=step_width,
            )
        )  # fmt: skip
    with g2:
        p1, p2 = st.columns(2) if ui.projector() else (st.container(), st.container())
        with p1:
            title = t("kernels.step_products_flipped" if convolve else "kernels.step_products")
            st.markdown(f"**{title}**")
            st.html(viz.products_html(window, step_kernel, style=fig_style, max_width=step_width))
        with p2:
            st.html(_big_number(t("kernels.step_sum", n=window.size), _num(total)))
            if relu:
                st.html(_big_number(t("kernels.step_relu"), _num(max(total, 0.0))))
    session["kernels_step_value"] = float(step_map[r, c])  # what the view shows (for tests)


_step_view()

# ------------------------------------------------------------------ 6 · bank -------
st.subheader(t("kernels.bank_title"))
st.caption(t("kernels.bank_lead"))
bc1, bc2 = st.columns([3, 1] if ui.projector() else [4, 1], vertical_alignment="bottom")
with bc1:
    bank_names = ui.widget(
        st.multiselect,
        t("kernels.bank_pick"),
        list(kernels.PRESETS),
        key="kernels_bank",
        default=BANK_DEFAULT,
        url="bank",
        valid=lambda v: isinstance(v, list) and all(n in kernels.PRESETS for n in v),
        format_func=_labels("preset_", PRESET_OPTIONS),
    )
with bc2:
    bank_mine = ui.widget(st.toggle, t("kernels.bank_mine"), key="kernels_bank_mine", default=True)

filters = [(t(f"kernels.preset_{n}"), kernels.PRESETS[n]) for n in bank_names]
if bank_mine:
    filters.insert(0, (t("kernels.my_kernel"), used))


@st.cache_resource(show_spinner=False, max_entries=64)
def _filter_map(
    image_key: str,
    kernel: tuple[tuple[float, ...], ...],
    padding: str,
    stride: int,
    boundary: str,
    convolve: bool,
    relu: bool,
    signed: bool,
    cmap: str,
    _image: np.ndarray,
) -> tuple[np.ndarray, bytes, str, str]:
    """One filter of the bank: its (H_out, W_out) map, a small JPEG of it, its range.

    A (k, k, C) filter whose C slices are the 2-D kernel ÷ C: the map of a conv layer's
    filter. Cached per filter, so editing your kernel recomputes only its own map.
    """
    k = np.array(kernel, np.float32)
    channels = 1 if _image.ndim == 2 else _image.shape[2]
    weights = np.repeat(k[:, :, None], channels, axis=2) / channels
    op = convolve2d if convolve else correlate2d
    out = op(_image, weights, padding=padding, stride=stride, boundary=boundary)
    out = np.maximum(out, 0) if relu else out
    picture = _jpeg(viz.colorize(thumbnail_map(out), signed=signed, signed_cmap=cmap))
    lo, hi = _range_text(out)
    return _frozen(out), picture, lo, hi


def thumbnail_map(values: np.ndarray, side: int = 320) -> np.ndarray:
    """Every n-th pixel of a big map: enough for a grid of small pictures."""
    step = max(1, int(np.ceil(max(values.shape[:2]) / side)))
    return values[::step, ::step]


if not filters:
    st.info(t("kernels.bank_empty"), icon=":material/info:")
else:
    side = max(k.shape[0] for _, k in filters)
    if padding == "valid" and side > min(h_in, w_in):
        side = 0
    if side:
        maps, pictures, ranges = [], [], []
        for _label, k in filters:
            fitted = tuple(tuple(float(v) for v in row) for row in kernels.fit(k, side))
            m, pic, lo_b, hi_b = _filter_map(
                image_key, fitted, padding, int(stride), boundary, convolve, relu, signed,
                style.signed_cmap, image,
            )  # fmt: skip
            maps.append(m)
            pictures.append(pic)
            ranges.append((lo_b, hi_b))
        channels = 3 if is_rgb else 1
        out_shape = (*maps[0].shape, len(maps))
        st.caption(t("kernels.bank_shape", wshape=(side, side, channels, len(maps)),
                     oshape=out_shape))  # fmt: skip
        if is_rgb:
            st.caption(t("kernels.bank_rgb_note"))
        per_row = 3 if ui.projector() else 4
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
                                            max_width=260 if ui.projector() else 180))  # fmt: skip
                    else:
                        st.image(pictures[f], width="stretch")
                        st.caption(f"**{label}** · {ranges[f][0]} … {ranges[f][1]}")
