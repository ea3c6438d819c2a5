"""Pooling: max against average side by side, window by window, and what pooling buys.

The course notebook pools the edge map of a photo three times with 2×2 MaxPooling2D and
AveragePooling2D; this page does that for any map (the Kernels page's, the notebook's, a
photo, a typed matrix), shows every window on a small matrix, and measures the two
promises of pooling: fewer pixels and robustness to small shifts. No TensorFlow here:
``cnnlab.ops.pool2d`` gives Keras' numbers in NumPy, ``cnnlab.pooling`` the measures and
``cnnlab.viz`` the figures.
"""

from __future__ import annotations

import io
from typing import NamedTuple

import numpy as np
import streamlit as st
from PIL import Image

from cnnlab import images, pooling, viz
from cnnlab.ops import correlate2d, global_pool2d, output_size
from dashboard import boundary, params, ui
from dashboard.boundary import message
from dashboard.i18n import t

# Where the pooled map comes from. Ids (in links: ?source=seed); "seed" is the course
# notebook's own example, shown as "the notebook's edge map".
SOURCES = ("kernels", "seed", "photo", "matrix")
PADDINGS = ("valid", "same")
WHY = ("shift", "stride", "global")  # the three "why pool?" tabs (ids in links: ?why=stride)
DIRECTIONS = ("x", "y", "xy")
STRIDES = (0, 1, 2, 3, 4, 5)  # 0: the window's size, as Keras' default
MIN_POOL, MAX_POOL = 1, 5  # window side, and pooling steps in a row (?pool=, ?k=)
COURSE_MATRIX_TEXT = "\n".join(" ".join(str(v) for v in row) for row in images.COURSE_MATRIX)
MAX_SIDE = 1024  # larger photos are scaled down first: the lesson needs no more


class Pool(NamedTuple):
    """The pooling the controls ask for."""

    size: int  # window side k
    stride: int  # s (the window's size when "auto")
    padding: str  # "valid" or "same"
    steps: int  # how many times in a row


# ---------------------------------------------------------------- inputs (cached) ----
# cache_resource: one read-only array for every session (no copy per run, and
# ``ui.shared`` digests it once).
@st.cache_resource(show_spinner=False, max_entries=32)
def _photo(name: str, course_size: bool) -> np.ndarray:
    gray = images.sample(name, gray=True)
    photo = np.array(
        pooling.fit_to(gray, pooling.COURSE_PHOTO_SHAPE)
        if course_size
        else images.thumbnail(gray, MAX_SIDE)
    )
    photo.setflags(write=False)
    return photo


@st.cache_data(show_spinner=False, max_entries=8)
def _upload(data: bytes, course_size: bool) -> np.ndarray:
    gray = images.load_image(data, gray=True)
    return (
        pooling.fit_to(gray, pooling.COURSE_PHOTO_SHAPE)
        if course_size
        else images.thumbnail(gray, MAX_SIDE)
    )


def _carried() -> tuple[np.ndarray, str] | None:
    """The Kernels page's latest activation map, if it left a usable one."""
    carry = st.session_state.get("carry_map")
    if not isinstance(carry, dict):
        return None
    arr = carry.get("map")
    if not isinstance(arr, np.ndarray) or arr.ndim != 2 or min(arr.shape) < 2:
        return None
    if not np.isfinite(arr).all():
        return None
    return arr.astype(np.float32), str(carry.get("label", ""))


# ------------------------------------------------------------------ text helpers ----
def _formula_latex(n: int, k: int, s: int, padding: str, symbol: str) -> str:
    out = output_size(n, k, s, padding)
    if padding == "same":
        return (
            rf"{symbol}_{{out}} = \left\lceil \frac{{{symbol}}}{{s}} \right\rceil"
            rf" = \left\lceil \frac{{{n}}}{{{s}}} \right\rceil = {out}"
        )
    return (
        rf"{symbol}_{{out}} = \left\lfloor \frac{{{symbol} - k}}{{s}} \right\rfloor + 1"
        rf" = \left\lfloor \frac{{{n} - {k}}}{{{s}}} \right\rfloor + 1 = {out}"
    )


def _hw(shape: tuple[int, ...]) -> str:
    return f"{shape[0]}×{shape[1]}"


def _keras_shape(shape: tuple[int, ...]) -> str:
    return f"(1, {shape[0]}, {shape[1]}, 1)"


def _fig_width() -> int:
    """About how many px the main column gives a figure."""
    return 780 if ui.projector() else 900


def _course_label(photo_label: str) -> str:
    return t("pooling.course_label", photo=photo_label)


# ------------------------------------------------------------------ controls -------
def _source_choice() -> str:
    return ui.widget(
        st.radio,
        t("pooling.source"),
        SOURCES,
        key="pooling_source",
        default="kernels",
        url=params.Choice("source", SOURCES),
        format_func=ui.labels("pooling.source_", SOURCES),
        horizontal=True,
    )


def _photo_section() -> tuple[np.ndarray, str]:
    """The photo (a sample or an upload), grey, at the notebook's size or scaled down.
    Returns it with its name as shown."""
    photo_cols = st.columns([1, 1], vertical_alignment="bottom")
    with photo_cols[0]:
        name = ui.widget(
            st.selectbox,
            t("pooling.photo"),
            images.SAMPLES,
            key="pooling_photo",
            default="camera",
            url=params.Choice("photo", images.SAMPLES),
            format_func=ui.labels("common.photo_", images.SAMPLES),
        )
    with photo_cols[1]:
        course_size = ui.widget(
            st.checkbox,
            t("pooling.course_size"),
            key="pooling_seed_size",
            default=True,
            url=params.Flag("seedsize"),
            help=t("pooling.course_size_help"),
        )
    with st.expander(t("pooling.upload"), icon=":material/upload:"):
        upload = st.file_uploader(
            t("pooling.upload"),
            type=list(images.FORMATS),
            key="pooling_upload",
            label_visibility="collapsed",
        )
    photo, label = _photo(name, course_size), t(f"common.photo_{name}")
    if upload is not None:
        try:
            photo, label = _upload(upload.getvalue(), course_size), upload.name
        except ValueError as err:
            ui.error_box(t("pooling.bad_upload", name=upload.name, error=message(err).rstrip(".")))
    return photo, label


def _controls_section() -> Pool:
    ctl = st.columns(4)
    with ctl[0]:
        size = ui.widget(
            st.slider, t("pooling.size"), MIN_POOL, MAX_POOL, key="pooling_size", default=2,
            url=params.Int("pool", MIN_POOL, MAX_POOL),
        )  # fmt: skip
    stride_labels = {0: t("pooling.stride_auto", size=size), **{v: str(v) for v in STRIDES[1:]}}
    with ctl[1]:
        stride_choice = ui.widget(
            st.selectbox,
            t("pooling.stride"),
            STRIDES,
            key="pooling_stride",
            default=0,
            url=params.Choice("pstride", STRIDES),
            format_func=stride_labels.get,
        )
    with ctl[2]:
        padding = ui.widget(
            st.radio,
            t("pooling.padding"),
            PADDINGS,
            key="pooling_padding",
            default="valid",
            url=params.Choice("ppad", PADDINGS),
            format_func=ui.labels("pooling.padding_", PADDINGS),
            horizontal=True,
        )
    with ctl[3]:
        steps = ui.widget(
            st.slider, t("pooling.steps"), MIN_POOL, MAX_POOL, key="pooling_steps", default=3,
            url=params.Int("k", MIN_POOL, MAX_POOL),
        )  # fmt: skip
    stride = size if stride_choice == 0 else int(stride_choice)
    return Pool(int(size), stride, padding, int(steps))


# ------------------------------------------------------------- the source map ------
def _source_map(source: str, course_map: np.ndarray, photo: np.ndarray, photo_label: str):
    """The map to pool and its name: the Kernels page's, the notebook's edge map, the
    photo itself, or a typed matrix."""
    carried = _carried()
    if source == "kernels" and carried is not None:
        x, label = carried
        st.caption(t("pooling.from_kernels", label=label or "—", shape=x.shape))
        return x, label
    if source in ("kernels", "seed"):
        if source == "kernels":
            st.info(t("pooling.no_carry"), icon=":material/info:")
            st.page_link(
                "page_kernels.py", label=t("pooling.go_kernels"), icon=":material/grid_on:"
            )
        st.caption(t("pooling.course_caption", photo=photo_label, shape=course_map.shape))
        return course_map, _course_label(photo_label)
    if source == "photo":
        return photo.astype(np.float32), photo_label
    text = ui.widget(
        st.text_area,
        t("pooling.matrix"),
        key="pooling_matrix",
        default=COURSE_MATRIX_TEXT,
        height=160,
        help=t("pooling.matrix_help", n=pooling.MAX_MATRIX_SIDE),
    )
    try:
        x = pooling.parse_matrix(text)
    except ValueError as err:
        ui.error_box(t("pooling.bad_matrix", error=err))
        x = images.COURSE_MATRIX.astype(np.float32)
    return x, t("pooling.source_matrix")


# -------------------------------------------------------- formula and reduction ----
def _rule(x: np.ndarray, pool: Pool) -> None:
    """The Keras output-size rule with this map's numbers."""
    h, w = x.shape
    st.markdown(t("pooling.formula_intro", k=pool.size, s=pool.stride, padding=pool.padding))
    st.latex(_formula_latex(h, pool.size, pool.stride, pool.padding, "H"))
    st.latex(_formula_latex(w, pool.size, pool.stride, pool.padding, "W"))


def _reduction(x: np.ndarray, first: tuple[int, ...]) -> None:
    """How many fewer pixels one step leaves."""
    fewer = ui.percent(pooling.fewer_pixels(x.shape, first))
    st.metric(
        t("pooling.fewer_metric"), t("pooling.fewer_value", pct=fewer), help=t("pooling.fewer_help")
    )
    st.caption(
        t(
            "pooling.fewer_detail",
            before=ui.count(x.shape[0] * x.shape[1]),
            after=ui.count(first[0] * first[1]),
            shape0=_keras_shape(x.shape),
            shape1=_keras_shape(first),
            pct=fewer,
        )
    )


def _shape_section(
    x: np.ndarray, label: str, pool: Pool, max_steps: list[np.ndarray], grey: tuple[float, float]
) -> None:
    """The input, the output-size rule with its numbers, and the shapes step by step."""
    style = ui.style()
    st.subheader(t("pooling.shape_title"))
    left, right = st.columns([5, 6] if ui.projector() else [1, 1])
    with left:
        ui.chart(
            viz.steps_figure,
            [[x]],
            [[t("pooling.input_title", label=label, shape=_keras_shape(x.shape))]],
            [(*grey, style.image_cmap)],
            font_size=style.font_size,
            width=480,
            hover=t("pooling.hover_pixel"),
            key="pooling_input_fig",
        )
    if ui.projector():  # big type: the formulas need the whole width
        with right:
            _reduction(x, max_steps[0].shape)
        _rule(x, pool)
    else:
        with right:
            _rule(x, pool)
            _reduction(x, max_steps[0].shape)
    rows = [
        {
            t("pooling.col_step"): i,
            t("pooling.col_shape"): _keras_shape(arr.shape),
            t("pooling.col_pixels"): ui.count(arr.shape[0] * arr.shape[1]),
            t("pooling.col_fewer"): ui.percent(pooling.fewer_pixels(x.shape, arr.shape)),
        }
        for i, arr in enumerate([x, *max_steps])
    ]
    st.table(rows, hide_index=True)  # HTML: legible on a projector, no data grid to load
    if len(max_steps) < pool.steps:
        shape = max_steps[-1].shape
        st.caption(t("pooling.stopped", done=len(max_steps), k=pool.steps, shape=shape))


# -------------------------------------------------------------- side by side -------
def _side_section(
    x: np.ndarray,
    max_steps: list[np.ndarray],
    avg_steps: list[np.ndarray],
    grey: tuple[float, float],
) -> None:
    """Max, average and their difference, step by step, on one grey scale."""
    style = ui.style()
    done = len(max_steps)
    st.subheader(t("pooling.side_title"))
    st.markdown(t("pooling.side_intro", k=done))
    diffs, dhi = pooling.step_differences(max_steps, avg_steps, big=x.size > 1000)
    mx_short, av_short, df_name = t("pooling.max_short"), t("pooling.avg_short"), t("pooling.diff")
    lo, hi = grey
    ui.chart(
        viz.steps_figure,
        [max_steps, avg_steps, diffs],
        [
            [f"{mx_short} ×{i + 1} · {_hw(m.shape)}" for i, m in enumerate(max_steps)],
            [f"{av_short} ×{i + 1} · {_hw(a.shape)}" for i, a in enumerate(avg_steps)],
            [f"{df_name} ×{i + 1}" for i in range(done)],
        ],
        [(lo, hi, style.image_cmap), (lo, hi, style.image_cmap), (0.0, dhi, "Inferno")],
        font_size=style.font_size,
        width=_fig_width(),
        hover=t("pooling.hover_pixel"),
        key="pooling_side_fig",
    )
    st.caption(t("pooling.scale_note", lo=ui.number(lo), hi=ui.number(hi), dhi=ui.number(dhi)))
    values = " · ".join(
        t("pooling.diff_step", i=i + 1, v=ui.number(float(np.mean(d)))) for i, d in enumerate(diffs)
    )
    st.markdown(t("pooling.diff_line", values=values))


# ----------------------------------------------------------- small-matrix view -----
def _matrix_section(source: str, x: np.ndarray, pool: Pool) -> None:
    """Every window of a small matrix (the typed one, or a patch of the map) with its
    numbers, and the max and average it produces."""
    style = ui.style()
    st.subheader(t("pooling.matrix_title"))
    if source == "matrix":
        small = x
    else:
        small, r0, c0 = pooling.peak_patch(x, pool.size)
        if small.shape == x.shape:
            st.markdown(t("pooling.patch_whole"))
        else:
            st.markdown(t("pooling.patch_intro", side=small.shape[0], r=r0, c=c0))
    if pool.padding == "valid" and pool.size > min(small.shape):
        ui.error_box(t("pooling.too_small", size=pool.size, shape=small.shape))
        return
    ui.chart(
        viz.matrix_figure,
        small,
        size=pool.size,
        stride=pool.stride,
        padding=pool.padding,
        titles=(t("pooling.matrix_in"), t("pooling.max"), t("pooling.avg")),
        pad_label=t("pooling.pad"),
        font_size=style.font_size,
        line_width=style.line_width,
        height=max(style.height, 60 * small.shape[0] + 80),
        width=_fig_width(),
        key="pooling_matrix_fig",
    )
    st.caption(t("pooling.matrix_note"))


# ---------------------------------------------------------------- why pool ---------
def _shift_section(shift_map: np.ndarray, label: str, pool: Pool, done: int) -> None:
    """How much a small shift of the content changes the map, and its pooled versions."""
    style = ui.style()
    st.subheader(t("pooling.shift_title"))
    direction = ui.widget(
        st.radio,
        t("pooling.shift_dir"),
        DIRECTIONS,
        key="pooling_shift_dir",
        default="x",
        url=params.Choice("shift", DIRECTIONS),
        format_func=ui.labels("pooling.dir_", DIRECTIONS),
        horizontal=True,
    )
    shift_map = pooling.centre_crop(shift_map, MAX_SIDE)  # the centre is enough, and fast
    every = pool.stride**done
    st.markdown(t("pooling.shift_def", k=done, n=every, size=pool.size, label=label))
    try:
        res = ui.shared(
            pooling.shift_change,
            shift_map,
            max_shift=4,
            direction=direction,
            size=pool.size,
            stride=pool.stride,
            padding=pool.padding,
            steps=done,
            margin=2,
        )
    except ValueError as err:
        ui.error_box(str(err))
        return
    names = {
        "map": t("pooling.curve_map"),
        "subsample": t("pooling.curve_subsample", n=every),
        "max": t("pooling.curve_max", k=done),
        "avg": t("pooling.curve_avg", k=done),
    }
    ui.chart(
        viz.shift_figure,
        res.shifts,
        {names[k]: v for k, v in res.change.items()},
        x_title=t("pooling.shift_x"),
        y_title=t("pooling.shift_y"),
        font_size=style.font_size,
        line_width=style.line_width,
        height=style.height,
        key="pooling_shift_fig",
    )
    table = [
        {
            t("pooling.col_repr"): names[key],
            **{f"d = {d}": ui.percent(res.change[key][d]) for d in res.shifts[1:]},
        }
        for key in ("map", "subsample", "max", "avg")
    ]
    st.table(table, hide_index=True)
    ratio = res.change["map"][1] / max(res.change["max"][1], 1e-12)
    st.markdown(
        t(
            "pooling.shift_summary",
            map=ui.percent(res.change["map"][1]),
            max=ui.percent(res.change["max"][1]),
            avg=ui.percent(res.change["avg"][1]),
            ratio=ui.count(ratio, 1),
            k=done,
        )
    )


def _stride_section(photo: np.ndarray, pool: Pool) -> None:
    """Pooling after a convolution against a strided convolution, and what each costs."""
    style = ui.style()
    st.subheader(t("pooling.stride_title", s=pool.stride))
    kernel_names = list(pooling.FEATURE_BANK)
    name = ui.widget(
        st.selectbox,
        t("pooling.kernel"),
        kernel_names,
        key="pooling_kernel",
        default="seed_horizontal",
        url=params.Choice("pkernel", kernel_names),
        format_func=ui.labels("pooling.k_", kernel_names),
    )
    kern = pooling.FEATURE_BANK[name]
    size, stride, padding = pool.size, pool.stride, pool.padding
    full = ui.shared(correlate2d, photo, kern, padding="same")
    strided = ui.shared(correlate2d, photo, kern, padding="same", stride=stride)
    pool_max = ui.shared(
        pooling.pool_steps, full, 1, size=size, stride=stride, mode="max", padding=padding
    )
    pool_avg = ui.shared(
        pooling.pool_steps, full, 1, size=size, stride=stride, mode="avg", padding=padding
    )
    scale = (*pooling.grey_range(full), style.image_cmap)
    ui.chart(
        viz.steps_figure,
        [[pool_max[0]], [pool_avg[0]], [strided]],
        [
            [t("pooling.stride_max", shape=_hw(pool_max[0].shape))],
            [t("pooling.stride_avg", shape=_hw(pool_avg[0].shape))],
            [t("pooling.stride_conv", s=stride, shape=_hw(strided.shape))],
        ],
        [scale] * 3,
        font_size=style.font_size,
        width=_fig_width(),
        hover=t("pooling.hover_pixel"),
        key="pooling_stride_fig",
    )
    kk = kern.shape[0] * kern.shape[1]
    st.markdown(
        t(
            "pooling.stride_cost",
            full=ui.count(full.size * kk),
            pooled=ui.count(pool_max[0].size * size * size),
            strided=ui.count(strided.size * kk),
            s=stride,
        )
    )


def _global_pool(
    photo: np.ndarray, relu: bool
) -> tuple[tuple[int, ...], list[bytes], np.ndarray, np.ndarray]:
    """The feature bank's maps of a photo, pooled globally: (the stack's shape (H, W, C),
    a JPEG of each map between its 1st and 99th percentile, GAP (C,), GMP (C,)).
    Built once per photo for every session (``ui.shared``): the maps do not change with
    the pooling settings."""
    stack = pooling.feature_stack(photo.astype(np.float32) / 255.0, relu=relu)
    pictures = []
    for i in range(stack.shape[2]):
        ch = stack[:, :, i]
        lo, hi = (float(v) for v in np.percentile(ch, [1, 99]))
        buf = io.BytesIO()
        Image.fromarray(viz.to_uint8(ch, lo, hi)).save(buf, "JPEG", quality=90)
        pictures.append(buf.getvalue())
    gap, gmp = global_pool2d(stack, mode="avg"), global_pool2d(stack, mode="max")
    return stack.shape, pictures, gap, gmp


def _global_section(photo: np.ndarray, photo_label: str) -> None:
    """Global pooling of a small bank of feature maps: what GAP hands the classifier."""
    style = ui.style()
    st.subheader(t("pooling.global_title"))
    relu = ui.widget(
        st.checkbox,
        t("pooling.relu"),
        key="pooling_relu",
        default=True,
        url=params.Flag("prelu"),
        help=t("pooling.relu_help"),
    )
    shape, pictures, gap, gmp = ui.shared(_global_pool, photo, relu)
    channel_names = [t(f"pooling.ks_{n}") for n in pooling.FEATURE_BANK]  # short names
    channels = shape[2]
    st.markdown(t("pooling.global_intro", shape=shape, c=channels, photo=photo_label))
    per_row = 3 if ui.projector() else channels
    for start in range(0, channels, per_row):
        for i, col in enumerate(st.columns(per_row), start=start):
            if i < channels:
                col.image(pictures[i], caption=channel_names[i], width="stretch")
    ui.chart(
        viz.global_bars_figure,
        channel_names,
        {t("pooling.gap"): gap, t("pooling.gmp"): gmp},
        y_title=t("pooling.global_y"),
        font_size=style.font_size,
        height=style.height,
        key="pooling_global_fig",
    )
    vec = ", ".join(ui.count(v, 3) for v in gap)
    st.markdown(t("pooling.gap_vector", c=channels, vec=vec))
    course = pooling.head_params((9, 9, 64), 128)
    st.markdown(
        t(
            "pooling.head_params",
            flatten=ui.count(course["flatten"]),
            gap=ui.count(course["global"]),
        )
    )


# ------------------------------------------------------------------ the page -------
def render() -> None:
    """The Pooling page: what to pool, how, and then what pooling buys. The page's body
    is one fragment: its widgets rerun the body, not the sidebar and the menu."""
    ui.header("pooling")
    boundary.fragment(_body, where="pooling")()


def _body() -> None:
    source = _source_choice()
    photo, photo_label = _photo_section()
    pool = _controls_section()
    course_map = ui.shared(correlate2d, photo, pooling.COURSE_EDGE_KERNEL, padding="same")
    x, label = _source_map(source, course_map, photo, photo_label)
    if pool.padding == "valid" and pool.size > min(x.shape):
        ui.error_box(t("pooling.too_small", size=pool.size, shape=x.shape))
        return
    max_steps = ui.shared(
        pooling.pool_steps, x, pool.steps, size=pool.size, stride=pool.stride, mode="max",
        padding=pool.padding,
    )  # fmt: skip
    avg_steps = ui.shared(
        pooling.pool_steps, x, pool.steps, size=pool.size, stride=pool.stride, mode="avg",
        padding=pool.padding,
    )  # fmt: skip
    grey = pooling.grey_range(x)
    _shape_section(x, label, pool, max_steps, grey)
    _side_section(x, max_steps, avg_steps, grey)
    _matrix_section(source, x, pool)
    st.header(t("pooling.why_title"))
    why, box = ui.tabs("pooling_why", WHY, "pooling.why_", url="why")  # only the open one runs
    with box:
        if why == "shift" and min(x.shape) < 32:  # a typed matrix is too small to shift
            _shift_section(course_map, _course_label(photo_label), pool, len(max_steps))
        elif why == "shift":
            _shift_section(x, label, pool, len(max_steps))
        elif why == "stride":
            _stride_section(photo, pool)
        else:
            _global_section(photo, photo_label)


if __name__ == "__main__":
    render()
