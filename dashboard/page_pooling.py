"""Pooling: max against average side by side, window by window, and what pooling buys.

The course notebook pools the edge map of a photo three times with 2×2 MaxPooling2D and
AveragePooling2D; this page does that for any map (the Kernels page's, the notebook's, a
photo, a typed matrix), shows every window on a small matrix, and measures the two
promises of pooling: fewer pixels and robustness to small shifts. No TensorFlow here:
``cnnlab.ops.pool2d`` gives Keras' numbers in NumPy.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import images, pooling, viz
from cnnlab.ops import correlate2d, global_pool2d, output_size
from dashboard import ui
from dashboard.i18n import t

SOURCES = ("kernels", "seed", "photo", "matrix")
# format_func labels are dicts built during the run (in the page's language), not
# lambdas calling t() later: AppTest and reruns may format outside the script run.
COURSE_MATRIX_TEXT = "\n".join(" ".join(str(v) for v in row) for row in images.COURSE_MATRIX)
MAX_SIDE = 1024  # larger photos are scaled down first: the lesson needs no more
PLOT_CFG = {"displaylogo": False}

ui.header("pooling")
style = ui.style()
fig_width = 780 if ui.projector() else 900  # px the main column gives a figure, about


# ---------------------------------------------------------------- inputs (cached) ----
@st.cache_data(show_spinner=False, max_entries=32)
def _photo(name: str, course_size: bool) -> np.ndarray:
    gray = images.sample(name, gray=True)
    return (
        pooling.fit_to(gray, pooling.COURSE_PHOTO_SHAPE)
        if course_size
        else images.thumbnail(gray, MAX_SIDE)
    )


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


# ------------------------------------------------------------------ controls -------
source = ui.widget(
    st.radio,
    t("pooling.source"),
    SOURCES,
    key="pooling_source",
    default="kernels",
    url="source",
    valid=lambda v: v in SOURCES,
    format_func={v: t(f"pooling.source_{v}") for v in SOURCES}.get,
    horizontal=True,
)

photo_cols = st.columns([1, 1], vertical_alignment="bottom")
with photo_cols[0]:
    photo_name = ui.widget(
        st.selectbox,
        t("pooling.photo"),
        images.SAMPLES,
        key="pooling_photo",
        default="camera",
        url="photo",
        valid=lambda v: v in images.SAMPLES,
    )
with photo_cols[1]:
    course_size = ui.widget(
        st.checkbox,
        t("pooling.course_size"),
        key="pooling_seed_size",
        default=True,
        url="seedsize",
        help=t("pooling.seed_size_help"),
    )
with st.expander(t("pooling.upload"), icon=":material/upload:"):
    upload = st.file_uploader(
        t("pooling.upload"),
        type=list(images.FORMATS),
        key="pooling_upload",
        label_visibility="collapsed",
    )

photo = _photo(photo_name, course_size)
photo_label = photo_name
if upload is not None:
    try:
        photo = _upload(upload.getvalue(), course_size)
        photo_label = upload.name
    except ValueError as err:
        ui.error_box(t("pooling.bad_upload", name=upload.name, error=err))

ctl = st.columns(4)
with ctl[0]:
    size = ui.widget(st.slider, t("pooling.size"), 1, 5, key="pooling_size", default=2, url="pool")
with ctl[1]:
    stride_choice = ui.widget(
        st.selectbox,
        t("pooling.stride"),
        [0, 1, 2, 3, 4, 5],
        key="pooling_stride",
        default=0,
        url="pstride",
        valid=lambda v: v in range(6),
        format_func={
            0: t("pooling.stride_auto", size=size),
            **{v: str(v) for v in range(1, 6)},
        }.get,
    )
with ctl[2]:
    padding = ui.widget(
        st.radio,
        t("pooling.padding"),
        ["valid", "same"],
        key="pooling_padding",
        default="valid",
        url="ppad",
        valid=lambda v: v in ("valid", "same"),
        horizontal=True,
    )
with ctl[3]:
    steps = ui.widget(st.slider, t("pooling.steps"), 1, 5, key="pooling_steps", default=3, url="k")
stride = size if stride_choice == 0 else int(stride_choice)

# ------------------------------------------------------------- the source map ------
course_map = ui.shared(correlate2d, photo, pooling.COURSE_EDGE_KERNEL, padding="same")
carried = _carried()
if source == "kernels" and carried is not None:
    x, x_label = carried
    st.caption(t("pooling.from_kernels", label=x_label or "—", shape=x.shape))
elif source in ("kernels", "seed"):
    x, x_label = course_map, t("pooling.seed_label", photo=photo_label)
    if source == "kernels":
        st.info(t("pooling.no_carry"), icon=":material/info:")
        st.page_link("page_kernels.py", label=t("pooling.go_kernels"), icon=":material/grid_on:")
    st.caption(t("pooling.seed_caption", photo=photo_label, shape=x.shape))
elif source == "photo":
    x, x_label = photo.astype(np.float32), photo_label
else:
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
    x_label = t("pooling.source_matrix")

h, w = x.shape
if padding == "valid" and size > min(h, w):
    ui.error_box(t("pooling.too_small", size=size, shape=(h, w)))
    st.stop()

max_steps = ui.shared(
    pooling.pool_steps, x, steps, size=size, stride=stride, mode="max", padding=padding
)
avg_steps = ui.shared(
    pooling.pool_steps, x, steps, size=size, stride=stride, mode="avg", padding=padding
)
done = len(max_steps)

# -------------------------------------------------------- formula and reduction ----
st.subheader(t("pooling.shape_title"))
left, right = st.columns([1, 1])
with left:
    # Big maps: clip the rare extremes so the picture has contrast; small ones: exact.
    cut = [0.5, 99.5] if x.size > 1000 else [0, 100]
    lo, hi = (float(v) for v in np.percentile(x, cut))
    if hi <= lo:
        lo, hi = float(x.min()), float(x.max()) + 1e-6
    fig_in = ui.shared(
        viz.steps_figure,
        [[x]],
        [[t("pooling.input_title", label=x_label, shape=_keras_shape(x.shape))]],
        [(lo, hi, style.image_cmap)],
        font_size=style.font_size,
        width=480,
    )
    st.plotly_chart(fig_in, key="pooling_input_fig", config=PLOT_CFG)
with right:
    st.markdown(t("pooling.formula_intro", k=size, s=stride, padding=padding))
    st.latex(_formula_latex(h, size, stride, padding, "H"))
    st.latex(_formula_latex(w, size, stride, padding, "W"))
    first = max_steps[0].shape
    st.metric(
        t("pooling.fewer_metric"),
        t("pooling.fewer_value", pct=ui.percent(pooling.fewer_pixels(x.shape, first))),
        help=t("pooling.fewer_help"),
    )
    st.caption(
        t(
            "pooling.fewer_detail",
            before=ui.count(h * w),
            after=ui.count(first[0] * first[1]),
            shape0=_keras_shape(x.shape),
            shape1=_keras_shape(first),
            pct=ui.percent(pooling.fewer_pixels(x.shape, first)),
        )
    )

rows = [
    {
        t("pooling.col_step"): i,
        t("pooling.col_shape"): _keras_shape(arr.shape),
        t("pooling.col_pixels"): int(arr.shape[0] * arr.shape[1]),
        t("pooling.col_fewer"): ui.percent(pooling.fewer_pixels(x.shape, arr.shape)),
    }
    for i, arr in enumerate([x, *max_steps])
]
st.dataframe(rows, hide_index=True, key="pooling_steps_table")
if done < steps:
    st.caption(t("pooling.stopped", done=done, k=steps, shape=max_steps[-1].shape))

# -------------------------------------------------------------- side by side -------
st.subheader(t("pooling.side_title"))
st.markdown(t("pooling.side_intro", k=done))
diffs = [m - a for m, a in zip(max_steps, avg_steps, strict=True)]
dhi = max(float(np.percentile(d, cut[1])) for d in diffs) or 1.0
mx_name, av_name, df_name = t("pooling.max"), t("pooling.avg"), t("pooling.diff")
mx_short, av_short = t("pooling.max_short"), t("pooling.avg_short")
fig_side = ui.shared(
    viz.steps_figure,
    [max_steps, avg_steps, diffs],
    [
        [f"{mx_short} ×{i + 1} · {_hw(m.shape)}" for i, m in enumerate(max_steps)],
        [f"{av_short} ×{i + 1} · {_hw(a.shape)}" for i, a in enumerate(avg_steps)],
        [f"{df_name} ×{i + 1}" for i in range(done)],
    ],
    [(lo, hi, style.image_cmap), (lo, hi, style.image_cmap), (0.0, dhi, "Inferno")],
    font_size=style.font_size,
    width=fig_width,
)
st.plotly_chart(fig_side, key="pooling_side_fig", config=PLOT_CFG)
st.caption(t("pooling.scale_note", lo=f"{lo:.3g}", hi=f"{hi:.3g}", dhi=f"{dhi:.3g}"))
st.markdown(
    t(
        "pooling.diff_line",
        values=" · ".join(
            t("pooling.diff_step", i=i + 1, v=f"{float(np.mean(d)):.3g}")
            for i, d in enumerate(diffs)
        ),
    )
)

# ----------------------------------------------------------- small-matrix view -----
st.subheader(t("pooling.matrix_title"))
if source == "matrix":
    small, r0, c0 = x, 0, 0
else:
    side = min(pooling.MAX_MATRIX_SIDE, max(6, 2 * size + 2), h, w)
    # Centre the patch on the strongest response, so the numbers tell a story.
    # (Inside a 2-pixel margin: zero padding makes the borders of an edge map shout.)
    inner = np.abs(x[2:-2, 2:-2]) if min(h, w) > 8 else np.abs(x)
    peak_r, peak_c = np.unravel_index(int(np.argmax(inner)), inner.shape)
    peak_r, peak_c = (peak_r + 2, peak_c + 2) if min(h, w) > 8 else (peak_r, peak_c)
    r0 = int(np.clip(peak_r - side // 2, 0, h - side))
    c0 = int(np.clip(peak_c - side // 2, 0, w - side))
    small = np.round(x[r0 : r0 + side, c0 : c0 + side], 2)
    if small.shape == x.shape:
        st.markdown(t("pooling.patch_whole"))
    else:
        st.markdown(t("pooling.patch_intro", side=side, r=r0, c=c0))
if padding == "valid" and size > min(small.shape):
    ui.error_box(t("pooling.too_small", size=size, shape=small.shape))
else:
    fig_m = ui.shared(
        viz.matrix_figure,
        small,
        size=size,
        stride=stride,
        padding=padding,
        titles=(t("pooling.matrix_in"), mx_name, av_name),
        pad_label=t("pooling.pad"),
        font_size=style.font_size,
        line_width=style.line_width,
        height=max(style.height, 60 * small.shape[0] + 80),
        width=fig_width,
    )
    st.plotly_chart(fig_m, key="pooling_matrix_fig", config=PLOT_CFG)
    st.caption(t("pooling.matrix_note"))

# ---------------------------------------------------------------- why pool ---------
st.header(t("pooling.why_title"))
st.subheader(t("pooling.shift_title"))
direction = ui.widget(
    st.radio,
    t("pooling.shift_dir"),
    ["x", "y", "xy"],
    key="pooling_shift_dir",
    default="x",
    url="shift",
    valid=lambda v: v in ("x", "y", "xy"),
    format_func={v: t(f"pooling.dir_{v}") for v in ("x", "y", "xy")}.get,
    horizontal=True,
)
shift_map, shift_label = x, x_label
if min(h, w) < 32:  # a typed matrix is too small to shift: use the seed's edge map
    shift_map, shift_label = course_map, t("pooling.seed_label", photo=photo_label)
if max(shift_map.shape) > MAX_SIDE:  # the centre is enough, and fast
    ch, cw = (max(0, (n - MAX_SIDE) // 2) for n in shift_map.shape)
    shift_map = shift_map[ch : ch + MAX_SIDE, cw : cw + MAX_SIDE]
st.markdown(t("pooling.shift_def", k=done, n=stride**done, size=size, label=shift_label))
try:
    res = ui.shared(
        pooling.shift_change,
        shift_map,
        max_shift=4,
        direction=direction,
        size=size,
        stride=stride,
        padding=padding,
        steps=done,
        margin=2,
    )
except ValueError as err:
    ui.error_box(str(err))
else:
    names = {
        "map": t("pooling.curve_map"),
        "subsample": t("pooling.curve_subsample", n=stride**done),
        "max": t("pooling.curve_max", k=done),
        "avg": t("pooling.curve_avg", k=done),
    }
    fig_shift = ui.shared(
        viz.shift_figure,
        res.shifts,
        {names[k]: v for k, v in res.change.items()},
        x_title=t("pooling.shift_x"),
        y_title=t("pooling.shift_y"),
        font_size=style.font_size,
        line_width=style.line_width,
        height=style.height,
    )
    st.plotly_chart(fig_shift, key="pooling_shift_fig", config=PLOT_CFG)
    table = [
        {
            t("pooling.col_repr"): names[key],
            **{f"d = {d}": ui.percent(res.change[key][d]) for d in res.shifts[1:]},
        }
        for key in ("map", "subsample", "max", "avg")
    ]
    st.dataframe(table, hide_index=True, key="pooling_shift_table")
    ratio = res.change["map"][1] / max(res.change["max"][1], 1e-12)
    st.markdown(
        t(
            "pooling.shift_summary",
            map=ui.percent(res.change["map"][1]),
            max=ui.percent(res.change["max"][1]),
            avg=ui.percent(res.change["avg"][1]),
            ratio=f"{ratio:.1f}",
            k=done,
        )
    )

st.subheader(t("pooling.stride_title", s=stride))
kernel_names = list(pooling.FEATURE_BANK)
conv_kernel = ui.widget(
    st.selectbox,
    t("pooling.kernel"),
    kernel_names,
    key="pooling_kernel",
    default="seed_horizontal",
    url="pkernel",
    valid=lambda v: v in kernel_names,
    format_func={v: t(f"pooling.k_{v}") for v in kernel_names}.get,
)
kern = pooling.FEATURE_BANK[conv_kernel]
full = ui.shared(correlate2d, photo, kern, padding="same")
strided = ui.shared(correlate2d, photo, kern, padding="same", stride=stride)
pool_max = ui.shared(
    pooling.pool_steps, full, 1, size=size, stride=stride, mode="max", padding=padding
)
pool_avg = ui.shared(
    pooling.pool_steps, full, 1, size=size, stride=stride, mode="avg", padding=padding
)
slo, shi = (float(v) for v in np.percentile(full, [0.5, 99.5]))
if shi <= slo:
    shi = slo + 1.0
fig_stride = ui.shared(
    viz.steps_figure,
    [[pool_max[0]], [pool_avg[0]], [strided]],
    [
        [t("pooling.stride_max", shape=_hw(pool_max[0].shape))],
        [t("pooling.stride_avg", shape=_hw(pool_avg[0].shape))],
        [t("pooling.stride_conv", s=stride, shape=_hw(strided.shape))],
    ],
    [(slo, shi, style.image_cmap)] * 3,
    font_size=style.font_size,
    width=fig_width,
)
st.plotly_chart(fig_stride, key="pooling_stride_fig", config=PLOT_CFG)
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

# ------------------------------------------------------------- global pooling ------
st.subheader(t("pooling.global_title"))
relu = ui.widget(
    st.checkbox,
    t("pooling.relu"),
    key="pooling_relu",
    default=True,
    url="prelu",
    help=t("pooling.relu_help"),
)
stack = ui.shared(pooling.feature_stack, photo.astype(np.float32) / 255.0, relu=relu)
channel_names = [t(f"pooling.k_{n}") for n in pooling.FEATURE_BANK]
st.markdown(t("pooling.global_intro", shape=stack.shape, c=stack.shape[2], photo=photo_label))
thumbs = st.columns(stack.shape[2])
for i, col in enumerate(thumbs):
    ch = stack[:, :, i]
    clo, chi = (float(v) for v in np.percentile(ch, [1, 99]))
    col.image(viz.to_uint8(ch, clo, chi), caption=channel_names[i], width="stretch")
gap = global_pool2d(stack, mode="avg")
gmp = global_pool2d(stack, mode="max")
fig_bars = ui.shared(
    viz.global_bars_figure,
    channel_names,
    {t("pooling.gap"): gap, t("pooling.gmp"): gmp},
    y_title=t("pooling.global_y"),
    font_size=style.font_size,
    height=style.height,
)
st.plotly_chart(fig_bars, key="pooling_global_fig", config=PLOT_CFG)
vec = ", ".join(f"{v:.3f}" for v in gap)
st.markdown(t("pooling.gap_vector", c=stack.shape[2], vec=vec))
seed_params = pooling.head_params((9, 9, 64), 128)
st.markdown(
    t(
        "pooling.head_params",
        flatten=ui.count(seed_params["flatten"]),
        gap=ui.count(seed_params["global"]),
    )
)
