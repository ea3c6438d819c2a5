"""Architecture: design a CNN block by block and see every shape and parameter at once.

The design lives in ``st.session_state["architecture_draft"]`` (a ModelConfig dict, valid
or not); block widgets are keyed by a per-block id so reordering keeps their values. A
valid design is written to ``st.session_state["model_cfg"]`` (what the Train page
trains) and to the URL (``?preset=`` or ``?arch=``). Nothing here imports Keras.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from dataclasses import asdict
from typing import Any

import pandas as pd
import streamlit as st

from cnnlab import viz
from cnnlab.model import (
    ACTIVATIONS,
    PRESETS,
    ConfigError,
    ConvBlock,
    DenseLayer,
    DropoutBlock,
    ModelConfig,
    PoolBlock,
    decode_config,
    encode_config,
    keras_code,
    model_stats,
    walk,
)
from dashboard import ui
from dashboard.boundary import guard
from dashboard.i18n import translator

PAGE = "architecture"
DRAFT, UIDS, DUIDS, NEXT, WROTE, LAST = (
    f"{PAGE}_{k}" for k in ("draft", "uids", "duids", "next", "wrote", "last_preset")
)
EDIT_KEY = f"{PAGE}_e_"  # prefix of every editor widget key (cleared when a design is loaded)
DEFAULT_PRESET = "seed_shapes"
FILTERS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
KERNELS = (1, 2, 3, 4, 5, 6, 7, 9, 11)
UNITS = (4, 8, 16, 32, 64, 96, 128, 256, 512, 1024)
L2S = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)  # weight decay factors, a decade apart
FLIPS = ("none", "horizontal", "vertical", "horizontal_and_vertical")
NEW_BLOCK = {"conv": ConvBlock(32), "pool": PoolBlock(), "dropout": DropoutBlock(0.25)}
session = st.session_state
t = translator()  # this run's language, looked up once (the page asks for ~200 texts)


# --------------------------------------------------------------------------- state
def _uid() -> int:
    session[NEXT] = session.get(NEXT, 0) + 1
    return session[NEXT]


def _load(cfg: ModelConfig) -> None:
    """Show ``cfg`` in the editor: fresh ids, editor widgets re-read from the draft."""
    d = cfg.to_dict()
    session[DRAFT] = d
    session[UIDS] = [_uid() for _ in d["blocks"]]
    session[DUIDS] = [_uid() for _ in d["head"]["dense"]]
    for key in [k for k in session if isinstance(k, str) and k.startswith(EDIT_KEY)]:
        del session[key]


def _init() -> None:
    """First visit: URL (?arch=, ?preset=), else the session's model_cfg, else a preset.

    Later visits keep the draft, unless another page put a different model_cfg.
    """
    theirs = session.get("model_cfg")
    if DRAFT in session and (theirs is None or theirs == session.get(WROTE)):
        return
    cfg = None
    if DRAFT not in session:
        qp = st.query_params
        if qp.get("preset") in PRESETS:
            cfg = PRESETS[qp["preset"]]
            session[LAST] = qp["preset"]
        if "arch" in qp:
            try:
                cfg = decode_config(qp["arch"])
            except ValueError:
                session[f"{PAGE}_bad_url"] = True
    if cfg is None and theirs is not None:
        try:
            cfg = ModelConfig.from_dict(theirs)
        except (TypeError, ValueError):
            cfg = None
    _load(cfg or PRESETS[DEFAULT_PRESET])
    session[LAST] = _matching_preset(session[DRAFT]) or session.get(LAST, DEFAULT_PRESET)
    session[f"{PAGE}_preset"] = session[LAST]


def _preset_dicts() -> dict[str, dict[str, Any]]:
    """Every preset as a dict, built once per server (read-only: only compared)."""
    return {n: c.to_dict() for n, c in PRESETS.items()}


def _matching_preset(d: dict[str, Any]) -> str | None:
    return next((n for n, c in ui.shared(_preset_dicts).items() if c == d), None)


def _on_preset() -> None:
    session[LAST] = session[f"{PAGE}_preset"]
    _load(PRESETS[session[LAST]])


def _move(i: int, step: int) -> None:
    blocks, uids = session[DRAFT]["blocks"], session[UIDS]
    j = i + step
    blocks[i], blocks[j] = blocks[j], blocks[i]
    uids[i], uids[j] = uids[j], uids[i]


def _remove(i: int) -> None:
    del session[DRAFT]["blocks"][i]
    del session[UIDS][i]


def _add(kind: str) -> None:
    session[DRAFT]["blocks"].append(ModelConfig(blocks=(NEW_BLOCK[kind],)).to_dict()["blocks"][0])
    session[UIDS].append(_uid())


def _add_dense() -> None:
    session[DRAFT]["head"]["dense"].append(asdict(DenseLayer(64)))
    session[DUIDS].append(_uid())


def _pin() -> None:
    session[f"{PAGE}_pinned"] = session[DRAFT]
    session[f"{PAGE}_compare"] = "pinned"


def _remove_dense(i: int) -> None:
    del session[DRAFT]["head"]["dense"][i]
    del session[DUIDS][i]


# -------------------------------------------------------------------------- widgets
def _fmt(prefix: str):
    """A format_func for option ``v`` → text of ``<prefix>_<v>``, in today's language.

    The language is bound now: Streamlit (and AppTest) may call it outside the run.
    """
    text = translator()

    def fmt(v: Any) -> str:
        key = f"{PAGE}.{prefix}_{v}"
        found = text(key)
        return str(v) if found == key else found

    return fmt


def _edit_widget(make, label: str, key: str, value: Any, **kwargs: Any) -> Any:
    """An editor widget whose first value comes from the draft."""
    if key not in session:
        session[key] = value
    ui.labelled(key)
    return make(label, key=key, **kwargs)


def _float_label(v: float) -> str:
    """Two decimals, as ``st.slider`` shows them; more when a link brought a finer value
    (select_slider tells its stops apart by their labels)."""
    return f"{v:.2f}" if round(v, 2) == v else f"{v:g}"


def _steps(values: tuple) -> Any:
    """A select_slider over ``values`` that also offers the current value (from a link).

    A float within rounding error of a stop (0.15000000000000002, as older links and
    ``st.slider`` wrote it) is moved onto that stop.
    """

    def make(label: str, *, key: str, **kw: Any) -> Any:
        if isinstance(values[0], float):
            near = min(values, key=lambda v: abs(v - session[key]))
            if session[key] != near and abs(session[key] - near) < 1e-9:
                session[key] = near
            kw["format_func"] = _float_label
        return st.select_slider(label, options=sorted(set(values) | {session[key]}), key=key, **kw)

    return make


def _choice(values: tuple, fmt: str | None = None) -> Any:
    def make(label: str, *, key: str, **kw: Any) -> Any:
        if fmt:
            kw["format_func"] = _fmt(fmt)
        return st.selectbox(label, list(values), key=key, **kw)

    return make


def _segments(values: tuple, fmt: str | None = None) -> Any:
    """Two or three options side by side, one always chosen (padding, pooling mode)."""

    def make(label: str, *, key: str, **kw: Any) -> Any:
        if fmt:
            kw["format_func"] = _fmt(fmt)
        return st.segmented_control(label, list(values), key=key, required=True, **kw)

    return make


def _grid(lo: float, hi: float, step: float) -> tuple[float, ...]:
    """The stops of a float slider, rounded (0.3, not 0.30000000000000004)."""
    return tuple(round(lo + i * step, 4) for i in range(round((hi - lo) / step) + 1))


RATES = _grid(0.0, 0.9, 0.05)
_rate = _steps(RATES)  # select_slider: same look as st.slider, cheaper to rerun


def _is_factor(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _l2_text(v: Any, off: str) -> str:
    """An L2 factor as a person writes it: ``off`` for 0, ``1e-3``; a finer value from a
    link keeps its digits (select_slider tells its stops apart by their labels)."""
    if not _is_factor(v):
        return repr(v)
    if v == 0:
        return off
    short = f"{v:.0e}"
    if float(short) != v:
        return f"{v:g}"
    mantissa, exp = short.split("e")
    return f"{mantissa}e{int(exp)}"


def _l2(label: str, *, key: str, **kw: Any) -> Any:
    """A select_slider over :data:`L2S`, a decade per stop, plus the current value (a link
    may bring another; an invalid one is shown as is and named by the error below)."""
    v = session[key]
    extra = [] if _is_factor(v) else [v]
    options = sorted(set(L2S) | ({v} if _is_factor(v) else set())) + extra
    off = translator()(f"{PAGE}.l2_off")  # bound now: format_func may run after this run
    return st.select_slider(
        label, options=options, key=key, format_func=lambda x: _l2_text(x, off), **kw
    )


# Each field: (config field, widget maker, label key, help key or None). A cell holds
# one or more fields; cells flow into rows of `per_row` columns.
_CHECKS = [
    ("batch_norm", st.checkbox, "batch_norm", "batch_norm_help"),
    ("use_bias", st.checkbox, "use_bias", "use_bias_help"),
]
_CONV = [
    [("filters", _steps(FILTERS), "filters", "filters_help")],
    [("kernel_size", _steps(KERNELS), "kernel", "kernel_help")],
    [("strides", _steps((1, 2, 3, 4)), "stride", "stride_help")],
    [("padding", _choice(("same", "valid")), "padding", "padding_help")],
    [("activation", _choice(ACTIVATIONS), "activation", None)],
    _CHECKS,
    [("l2", _l2, "l2", "l2_help")],
]
_POOL = [
    [("pool_size", _steps((1, 2, 3, 4, 5)), "pool_size", None)],
    [("strides", _steps((1, 2, 3, 4, 5)), "stride", "pool_stride_help")],
    [("mode", _segments(("max", "avg"), "pool"), "pool_mode", None)],
    [("padding", _segments(("valid", "same")), "padding", None)],
]
_DROPOUT = [
    [("rate", _steps(RATES[1:]), "rate", None)],
    [("spatial", st.checkbox, "spatial", "spatial_help")],
]
_LAYOUT = {"conv": _CONV, "pool": _POOL, "dropout": _DROPOUT}
_SWITCHES = [1.4, 1]  # pooling mode | padding: "máximo | promedio" needs the room


def _fields(
    key: str, values: dict[str, Any], cells: list, per_row: int, widths: list | None = None
) -> dict[str, Any]:
    """Lay out ``cells`` in a grid, one row of columns per line (so rows line up and the
    Tab key goes row by row); return {field: widget value}."""
    out: dict[str, Any] = {}
    for start in range(0, len(cells), per_row):
        cols = st.columns(widths or per_row) if per_row > 1 else [nullcontext()]
        for col, cell in zip(cols, cells[start : start + per_row], strict=False):
            with col:
                for field, make, label, hint in cell:
                    kw = {"help": t(f"{PAGE}.{hint}")} if hint else {}
                    out[field] = _edit_widget(
                        make, t(f"{PAGE}.{label}"), key + field, values[field], **kw
                    )
    return out


def _block_editor(i: int, n: int, uid: int, b: dict[str, Any]) -> tuple[dict, Any, Any]:
    """One bordered box per block; returns (block dict, caption slot, error slot)."""
    key = f"{EDIT_KEY}b{uid}_"
    kind = b["kind"]
    with st.container(border=True):
        bar = st.container(horizontal=True, wrap=False, vertical_alignment="center")
        caption = bar.empty()
        for icon, name, fn, args, off in (
            ("arrow_upward", "up", _move, (i, -1), i == 0),
            ("arrow_downward", "down", _move, (i, 1), i == n - 1),
            ("close", "remove", _remove, (i,), False),
        ):
            bar.button(
                "",
                icon=f":material/{icon}:",
                key=f"{PAGE}_{name}_{uid}",
                on_click=guard(fn),
                args=args,
                disabled=off,
                help=t(f"{PAGE}.{name}"),
                type="tertiary",
            )
        values = dict(b)
        if kind == "pool":
            values["strides"] = b["strides"] or b["pool_size"]
        elif kind == "conv":
            values.setdefault("l2", 0.0)  # a draft from before L2 existed
        per_row = 2 if (ui.projector() or kind != "conv") else 3
        widths = [1, 1, 1.3] if per_row == 3 else None  # room for "BatchNorm"
        cells, rest = _LAYOUT[kind], None  # rest: (cells, per_row, widths) on rows below
        if kind == "pool":  # the two switches ("máximo | promedio" is wide), one per line
            cells, rest = cells[:2], (cells[2:], 1 if ui.projector() else 2, _SWITCHES)
        elif kind == "conv" and ui.projector():  # BatchNorm and Bias, "BatchNorm" wider
            cells = [c for c in cells if c is not _CHECKS]
            rest = ([[f] for f in _CHECKS], 2, [1.5, 1])
        block = {"kind": kind, **_fields(key, values, cells, per_row, widths)}
        if rest:
            block |= _fields(key, values, *rest)
        if kind == "pool" and block["strides"] == block["pool_size"]:
            block["strides"] = None  # Keras' default: windows tile the input
        slot = st.empty()
    return block, caption, slot


_FLIPS = [[("flip", _choice(FLIPS, "flip"), "flip", None)]]
_AUGMENT = [
    [
        (
            "rotation",
            _steps(_grid(0.0, 0.5, 0.01)),
            "rotation",
            "rotation_help",
        )
    ],
    [("zoom", _steps(_grid(0.0, 0.5, 0.05)), "zoom", None)],
    [("contrast", _rate, "contrast", None)],
    [("brightness", _rate, "brightness", None)],
]


def _input_editor(d: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    with st.container(border=True):
        st.markdown(f"**{t(f'{PAGE}.input')}**")
        side = lambda label, **kw: st.number_input(label, 1, 1024, **kw)  # noqa: E731
        cells = [
            [("h", side, "height", None)],
            [("w", side, "width", None)],
            [
                (
                    "c",
                    lambda label, **kw: st.number_input(label, 1, 64, **kw),
                    "channels",
                    "channels_help",
                )
            ],
        ]
        h, w, c = d["input_shape"]
        shape = _fields(EDIT_KEY, {"h": h, "w": w, "c": c}, cells, 2 if ui.projector() else 3)
        rescale = _edit_widget(
            st.checkbox,
            t(f"{PAGE}.rescale"),
            EDIT_KEY + "rescale",
            d["rescale"],
            help=t(f"{PAGE}.rescale_help"),
        )
        with st.expander(t(f"{PAGE}.augment"), icon=":material/auto_awesome:"):
            st.caption(t(f"{PAGE}.augment_help"))
            a = d["augment"]
            augment = _fields(EDIT_KEY, a, _FLIPS, 1) | _fields(EDIT_KEY, a, _AUGMENT, 2)
        slot = st.empty()
    part = {"input_shape": [int(shape[k]) for k in "hwc"], "rescale": rescale}
    return {**part, "augment": augment}, slot


_DENSE = [
    [("units", _steps(UNITS), "units", None)],
    [("activation", _choice(ACTIVATIONS), "activation", None)],
    [("dropout", _rate, "dense_dropout", None)],
    [("l2", _l2, "l2", "l2_help")],
]


def _head_editor(d: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    head = d["head"]
    with st.container(border=True):
        st.markdown(f"**{t(f'{PAGE}.head')}**")
        c1, c2 = st.columns([1.3, 1])
        with c1:
            pooling = _edit_widget(
                st.radio,
                t(f"{PAGE}.pooling"),
                EDIT_KEY + "pooling",
                head["pooling"],
                options=["flatten", "gap"],
                format_func=_fmt("pooling"),
                help=t(f"{PAGE}.pooling_help"),
            )
        with c2:
            dropout = _edit_widget(
                _rate, t(f"{PAGE}.head_dropout"), EDIT_KEY + "hdrop", float(head["dropout"])
            )
        dense = []
        for j, (uid, layer) in enumerate(zip(session[DUIDS], head["dense"], strict=True)):
            c0, c1 = st.columns([8, 1], vertical_alignment="center")
            l2 = session.get(f"{EDIT_KEY}d{uid}_l2", layer.get("l2", 0.0))  # this run's value
            c0.markdown(f"*{t(f'{PAGE}.dense_n', n=j + 1)}*{_l2_note(l2)}")
            c1.button(
                "",
                icon=":material/close:",
                key=f"{PAGE}_dremove_{uid}",
                on_click=guard(_remove_dense),
                args=(j,),
                help=t(f"{PAGE}.remove"),
            )
            values = {"l2": 0.0, **layer}  # a draft from before L2 existed has none
            dense.append(_fields(f"{EDIT_KEY}d{uid}_", values, _DENSE, 2 if ui.projector() else 3))
        st.button(
            t(f"{PAGE}.add_dense"),
            icon=":material/add:",
            key=f"{PAGE}_add_dense",
            on_click=guard(_add_dense),
        )
        c1, c2 = st.columns(2)
        with c1:
            k = _edit_widget(
                st.number_input,
                t(f"{PAGE}.classes"),
                EDIT_KEY + "classes",
                d["num_classes"],
                min_value=1,
                max_value=1000,
                help=t(f"{PAGE}.classes_help"),
            )
        with c2:
            out = _edit_widget(
                st.radio,
                t(f"{PAGE}.output"),
                EDIT_KEY + "output",
                d["output"],
                options=["sigmoid", "softmax"],
                horizontal=True,
                help=t(f"{PAGE}.output_help"),
            )
        slot = st.empty()
    part = {"head": {"pooling": pooling, "dropout": dropout, "dense": dense}}
    return {**part, "num_classes": int(k), "output": out}, slot


# --------------------------------------------------------------------------- output
def _error_text(err: ConfigError) -> str:
    params = dict(err.params)
    if "what" in params:
        params["what"] = t(f"{PAGE}.word_{params['what']}")
    try:
        return t(f"{PAGE}.err_{err.code}", **params)
    except (KeyError, IndexError, ValueError):
        return str(err)


def _where(err: ConfigError, blocks: list[dict]) -> str:
    """The box that shows ``err``, named as on the page ("block 9 · Pooling")."""
    if isinstance(err.where, int):
        kind = t(f"{PAGE}.kind_{blocks[err.where]['kind']}")
        return t(f"{PAGE}.where_block", n=err.where + 1, kind=kind)
    return t(f"{PAGE}.where_input" if err.where in ("input", "augment") else f"{PAGE}.where_head")


def _human(n: float, unit: str = "") -> str:
    for div, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if n >= div:
            return f"{n / div:.3g}{suffix}{unit}"  # 3 figures: 40.3 M, 208 M, 720 k
    return f"{n:.0f} {unit}".rstrip()


def _table(rows) -> pd.DataFrame:
    """The Keras summary's columns; type and FLOPs too, except on the (narrow) projector."""
    cols = {t(f"{PAGE}.col_layer"): [r.name for r in rows]}
    if not ui.projector():
        cols[t(f"{PAGE}.col_type")] = [r.kind for r in rows]
    cols[t(f"{PAGE}.col_shape")] = ["(" + ", ".join(map(str, r.output_shape)) + ")" for r in rows]
    cols[t(f"{PAGE}.col_params")] = [ui.count(r.params) for r in rows]
    if not ui.projector():
        cols[t(f"{PAGE}.col_flops")] = [_human(r.flops) if r.flops else "0" for r in rows]
    return pd.DataFrame(cols)


def _table_widths() -> dict[str, st.column_config.Column]:
    """Pixel widths so all five columns fit the ~430 px column at 1280×720, no scrolling."""
    widths = {"layer": 100, "type": 126, "shape": 92, "params": 58, "flops": 54}
    return {t(f"{PAGE}.col_{k}"): st.column_config.Column(width=w) for k, w in widths.items()}


def _stage_labels() -> dict[str, str]:
    return {
        k: t(f"{PAGE}.stage_{k}") for k in ("input", "conv", "pool", "vector", "dense", "output")
    }


def _metrics(rows) -> None:
    s = model_stats(rows)
    cols = st.columns(3) + st.columns(3)[:2] if ui.projector() else st.columns(5)
    cols[0].metric(t(f"{PAGE}.total"), ui.count(s.params), help=t(f"{PAGE}.total_help"))
    cols[1].metric(t(f"{PAGE}.trainable"), ui.count(s.trainable))
    cols[2].metric(
        t(f"{PAGE}.non_trainable"), ui.count(s.non_trainable), help=t(f"{PAGE}.non_trainable_help")
    )
    cols[3].metric(t(f"{PAGE}.flops"), _human(s.flops), help=t(f"{PAGE}.flops_help"))
    cols[4].metric(
        t(f"{PAGE}.memory"), _human(s.activation_bytes, "B"), help=t(f"{PAGE}.memory_help")
    )


def _flow(rows) -> None:
    style = ui.style()
    st.markdown(f"**{t(f'{PAGE}.flow_title')}**")
    ui.chart(
        viz.tensor_figure,
        rows,
        font_size=style.font_size,
        height=int(style.height * 0.75),
        line_width=style.line_width / 2,
        labels=_stage_labels(),
        key=f"{PAGE}_flow_fig",
    )


def _results(rows, err: ConfigError | None) -> None:
    style = ui.style()
    if err is not None:
        st.warning(t(f"{PAGE}.partial"), icon=":material/construction:")
    st.markdown(f"**{t(f'{PAGE}.table_title')}**")
    st.dataframe(
        _table(rows),
        hide_index=True,
        width="stretch",
        row_height=(row := 44 if ui.projector() else 35),
        height=row * (len(rows) + 1) + 3,
        column_config=None if ui.projector() else _table_widths(),
        key=f"{PAGE}_table",
    )
    st.markdown(f"**{t(f'{PAGE}.bars_title')}**")
    ui.chart(
        viz.params_figure,
        rows,
        font_size=style.font_size,
        row_height=34 if ui.projector() else 26,
        names=(t(f"{PAGE}.trainable"), t(f"{PAGE}.non_trainable")),
        key=f"{PAGE}_bars_fig",
    )


def _compare(cfg: ModelConfig, rows) -> None:
    st.subheader(t(f"{PAGE}.compare_title"))
    st.caption(t(f"{PAGE}.compare_help"))
    names = list(PRESETS)
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    if f"{PAGE}_pinned" in session:
        names = ["pinned", *names]
    other = ui.widget(
        c1.selectbox,
        t(f"{PAGE}.compare_with"),
        names,
        key=f"{PAGE}_compare",
        default="shapes_flatten",
        valid=lambda v: v in names,
        format_func=_fmt("preset"),
    )
    c2.button(
        t(f"{PAGE}.pin"),
        icon=":material/push_pin:",
        key=f"{PAGE}_pin",
        on_click=guard(_pin),
        help=t(f"{PAGE}.pin_help"),
        width="stretch",
    )
    pinned = other == "pinned"
    b_cfg = ModelConfig.from_dict(session[f"{PAGE}_pinned"]) if pinned else PRESETS[other]
    _, b_rows, b_err = walk(b_cfg)
    label_a, label_b = t(f"{PAGE}.this_design"), _preset_label(other)
    style = ui.style()
    ui.chart(
        viz.compare_figure,
        (rows, b_rows),
        [label_a, label_b],
        font_size=style.font_size,
        group_names={g: t(f"{PAGE}.group_{g}") for g in viz.PARAM_GROUPS},
        height=int(style.height * 0.55),
        key=f"{PAGE}_compare_fig",
    )
    left, right = st.columns(2)
    for col, label, r in ((left, label_a, rows), (right, label_b, b_rows)):
        with col:
            s = model_stats(r)
            st.markdown(f"**{label}**")
            st.markdown(
                t(
                    f"{PAGE}.compare_line",
                    params=ui.count(s.params),
                    flops=_human(s.flops),
                    memory=_human(s.activation_bytes, "B"),
                )
            )
            ui.chart(
                viz.tensor_figure,
                r,
                font_size=int(style.font_size * 0.8),
                height=int(style.height * 0.5),
                line_width=style.line_width / 2,
                labels=_stage_labels(),
                key=f"{PAGE}_cmp_flow_{'a' if r is rows else 'b'}",
            )
    if b_err is not None:
        ui.error_box(_error_text(b_err))


def _l2_note(v: Any) -> str:
    """`` · L2 1e-3`` after a block's or dense layer's title; nothing without weight decay."""
    if _is_factor(v) and v == 0:
        return ""
    return f" · {t(f'{PAGE}.l2_short')} {_l2_text(v, '0')}"


def _preset_label(name: str) -> str:
    return t(f"{PAGE}.preset_{name}")


# ----------------------------------------------------------------------------- page
ui.header(PAGE)
_init()
if session.pop(f"{PAGE}_bad_url", False):
    ui.error_box(t(f"{PAGE}.bad_url"))

draft = session[DRAFT]
if f"{PAGE}_preset" not in session:  # the selectbox's state is dropped when the page is left
    session[f"{PAGE}_preset"] = session.get(LAST, DEFAULT_PRESET)
c1, c2, c3 = st.columns([2.6, 1.3, 1.1], vertical_alignment="bottom")
ui.labelled(f"{PAGE}_preset")
preset = c1.selectbox(
    t(f"{PAGE}.preset"),
    list(PRESETS),
    key=f"{PAGE}_preset",
    format_func=_fmt("preset"),
    on_change=guard(_on_preset),
)
c2.button(
    t(f"{PAGE}.reset"),
    icon=":material/restart_alt:",
    key=f"{PAGE}_reset",
    on_click=guard(_on_preset),
    help=t(f"{PAGE}.reset_help"),
)
c3.page_link("page_train.py", label=t(f"{PAGE}.to_train"), icon=":material/model_training:")
modified = "" if ui.shared(_preset_dicts)[preset] == draft else t(f"{PAGE}.modified")
st.caption(t(f"{PAGE}.preset_note_{preset}") + modified)
metrics_slot = st.container()

editor, results = st.columns([5, 6], gap="medium")
with editor:
    st.markdown(f"#### {t(f'{PAGE}.editor_title')}")
    part, input_slot = _input_editor(draft)
    slots, blocks = [], []
    n = len(session[UIDS])
    for i, (uid, b) in enumerate(zip(session[UIDS], draft["blocks"], strict=True)):
        block, caption, slot = _block_editor(i, n, uid, b)
        blocks.append(block)
        slots.append((caption, slot))
    adds = st.container(horizontal=True, wrap=True)  # on the projector they wrap, not cut
    for kind in ("conv", "pool", "dropout"):
        adds.button(
            t(f"{PAGE}.add_{kind}"),
            icon=":material/add:",
            key=f"{PAGE}_add_{kind}",
            on_click=guard(_add),
            args=(kind,),
        )
    head_part, head_slot = _head_editor(draft)

new = {**draft, **part, **head_part, "blocks": blocks}
session[DRAFT] = new
cfg = ModelConfig.from_dict(new)
specs, rows, err = walk(cfg)

# Each block's header: its number, its kind and the shape it hands on.
for i, (block, (caption, _)) in enumerate(zip(blocks, slots, strict=True)):
    out = [r for r in rows if r.where == i]
    shape = "×".join(map(str, out[-1].output_shape)) if out else "?"
    kind = t(f"{PAGE}.kind_{block['kind']}")
    note = _l2_note(block.get("l2", 0.0)) if block["kind"] == "conv" else ""
    caption.markdown(f"**{i + 1} · {kind}** → `{shape}`{note}")
if err is not None:
    msg = _error_text(err)
    slot = {"input": input_slot, "augment": input_slot}.get(err.where, head_slot)
    if isinstance(err.where, int):
        slot = slots[err.where][1]
    with slot.container():
        ui.error_box(msg)

with metrics_slot:
    if err is None:
        _metrics(rows)
    else:  # the message itself is in red next to what to fix; here, where to look
        ui.error_box(t(f"{PAGE}.invalid", where=_where(err, blocks)))
    _flow(rows)
with results:
    _results(rows, err)

if err is None:
    _compare(cfg, rows)
    with st.expander(t(f"{PAGE}.code_title"), icon=":material/code:"):
        st.caption(t(f"{PAGE}.code_help"))
        code = keras_code(cfg)
        st.code(code, language="python")
        st.download_button(
            t(f"{PAGE}.download"),
            code,
            file_name=f"{cfg.name}.py",
            mime="text/x-python",
            key=f"{PAGE}_download",
            icon=":material/download:",
        )
    # The Train page trains this design; the URL reopens it.
    session["model_cfg"] = session[WROTE] = cfg.to_dict()
    # The URL names the starting preset, plus the whole design when it was modified.
    name = _matching_preset(session["model_cfg"])
    st.query_params["preset"] = name or preset
    if name:
        if "arch" in st.query_params:
            del st.query_params["arch"]
    else:
        st.query_params["arch"] = encode_config(cfg)
else:
    st.info(t(f"{PAGE}.train_keeps_last"), icon=":material/info:")
