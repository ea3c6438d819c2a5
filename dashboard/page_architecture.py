"""Architecture: design a CNN block by block and see every shape and parameter at once.

The design lives in ``st.session_state["architecture_draft"]`` (a ModelConfig dict, valid
or not); block widgets are keyed by a per-block id so reordering keeps their values. A
valid design is written to ``st.session_state["model_cfg"]`` (what the Train page
trains) and to the URL (``?preset=`` or ``?arch=``). An edited design is named after its
preset and what changed (``seed_shapes+filters``, :func:`cnnlab.model.edited_name`), so
Train and Experiments tell it from the preset. Nothing here imports Keras.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, replace
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
    LayerRow,
    ModelConfig,
    PoolBlock,
    decode_config,
    edited_name,
    encode_config,
    keras_code,
    l2_text,
    model_stats,
    short_number,
    walk,
)
from dashboard import params, ui
from dashboard.boundary import guard
from dashboard.i18n import translator

PAGE = "architecture"
DRAFT, UIDS, DUIDS, NEXT, WROTE, LAST = (
    f"{PAGE}_{k}" for k in ("draft", "uids", "duids", "next", "wrote", "last_preset")
)
PRESET_KEY = f"{PAGE}_preset"  # the "Start from" selectbox
CODE_KEY = f"{PAGE}_code"  # the "Copy as Keras code" expander: open or not
_SWITCH_FIELDS = ("batch_norm", "use_bias", "spatial")  # a block's checkboxes
EDIT_KEY = f"{PAGE}_e_"  # prefix of every editor widget key (cleared when a design is loaded)
DEFAULT_PRESET = "seed_shapes"
MAX_ARCH = 8000  # characters of ?arch= read (a browser's whole URL is about this long)
FILTERS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
KERNELS = (1, 2, 3, 4, 5, 6, 7, 9, 11)
UNITS = (4, 8, 16, 32, 64, 96, 128, 256, 512, 1024)
L2S = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)  # weight decay factors, a decade apart
FLIPS = ("none", "horizontal", "vertical", "horizontal_and_vertical")
NEW_BLOCK = {"conv": ConvBlock(32), "pool": PoolBlock(), "dropout": DropoutBlock(0.25)}
Text = Callable[..., str]  # this run's translator (dashboard.i18n.translator)


# --------------------------------------------------------------------------- state
def _uid() -> int:
    st.session_state[NEXT] = st.session_state.get(NEXT, 0) + 1
    return st.session_state[NEXT]


def _load(cfg: ModelConfig) -> None:
    """Show ``cfg`` in the editor: fresh ids, editor widgets re-read from the draft."""
    state = st.session_state
    d = cfg.to_dict()
    state[DRAFT] = d
    state[UIDS] = [_uid() for _ in d["blocks"]]
    state[DUIDS] = [_uid() for _ in d["head"]["dense"]]
    for key in [k for k in state if isinstance(k, str) and k.startswith(EDIT_KEY)]:
        del state[key]


def _init() -> None:
    """First visit: URL (?arch=, ?preset=), else the session's model_cfg, else a preset.

    Later visits keep the draft, unless another page put a different model_cfg.
    """
    state = st.session_state
    theirs = state.get("model_cfg")
    if DRAFT in state and (theirs is None or theirs == state.get(WROTE)):
        return
    cfg = None
    if DRAFT not in state:
        preset = params.param_choice("preset", PRESETS, None)
        if preset is not None:
            cfg = PRESETS[preset]
            state[LAST] = preset
        if "arch" in st.query_params:
            try:
                cfg = _editable(decode_config(params.param_text("arch", "", max_len=MAX_ARCH)))
            except ValueError:
                state[f"{PAGE}_bad_url"] = True
    if cfg is None and theirs is not None:
        try:
            cfg = _editable(ModelConfig.from_dict(theirs))
        except (TypeError, ValueError):
            cfg = None
    _load(cfg or PRESETS[DEFAULT_PRESET])
    state[LAST] = _matching_preset(state[DRAFT]) or state.get(LAST, DEFAULT_PRESET)
    state[PRESET_KEY] = state[LAST]


def _editable(cfg: ModelConfig) -> ModelConfig:
    """``cfg`` if the editor can show it, else ValueError: its switches must be True or
    False and its sizes whole numbers (a link may hold anything; a wrong value of the
    right type is shown, and the design's error names it)."""
    d = cfg.to_dict()
    switches = [d["rescale"], *(b[k] for b in d["blocks"] for k in _SWITCH_FIELDS if k in b)]
    sizes = [*d["input_shape"], d["num_classes"]]
    if not all(isinstance(v, bool) for v in switches) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in sizes
    ):
        raise ValueError(f"not a design the editor can show: {d!r:.200}")
    return cfg


def _preset_dicts() -> dict[str, dict[str, Any]]:
    """Every preset as a dict, built once per server (read-only: only compared)."""
    return {n: c.to_dict() for n, c in PRESETS.items()}


def _matching_preset(d: dict[str, Any]) -> str | None:
    return next((n for n, c in ui.shared(_preset_dicts).items() if c == d), None)


def _on_preset() -> None:
    st.session_state[LAST] = st.session_state[PRESET_KEY]
    _load(PRESETS[st.session_state[LAST]])


def _move(i: int, step: int) -> None:
    blocks, uids = st.session_state[DRAFT]["blocks"], st.session_state[UIDS]
    j = i + step
    blocks[i], blocks[j] = blocks[j], blocks[i]
    uids[i], uids[j] = uids[j], uids[i]


def _remove(i: int) -> None:
    del st.session_state[DRAFT]["blocks"][i]
    del st.session_state[UIDS][i]


def _add(kind: str) -> None:
    block = ModelConfig(blocks=(NEW_BLOCK[kind],)).to_dict()["blocks"][0]
    st.session_state[DRAFT]["blocks"].append(block)
    st.session_state[UIDS].append(_uid())


def _add_dense() -> None:
    st.session_state[DRAFT]["head"]["dense"].append(asdict(DenseLayer(64)))
    st.session_state[DUIDS].append(_uid())


def _pin() -> None:
    st.session_state[f"{PAGE}_pinned"] = st.session_state[DRAFT]
    st.session_state[f"{PAGE}_compare"] = "pinned"


def _remove_dense(i: int) -> None:
    del st.session_state[DRAFT]["head"]["dense"][i]
    del st.session_state[DUIDS][i]


# -------------------------------------------------------------------------- widgets
@dataclass(frozen=True)
class _Field:
    """One editor widget: the config field it sets and how it is drawn."""

    name: str  # the config field (a key of the block's, the input's or the head's dict)
    make: Callable[..., Any]  # the Streamlit widget function (st.select_slider, …)
    label: str  # catalog key of its label, architecture.<label>
    hint: str | None = None  # catalog key of its help text
    options: tuple[Any, ...] = ()  # a choice widget's stable ids (a slider's stops)
    fmt: str | None = None  # the options' labels: "float", "l2", a catalog prefix or None
    bounds: tuple[int, ...] = ()  # a number input's min and max
    horizontal: bool = False  # a radio's options side by side


def _steps(name: str, options: tuple, label: str, hint: str | None = None) -> _Field:
    """A select_slider over ``options`` (same look as st.slider, cheaper to rerun)."""
    return _Field(name, st.select_slider, label, hint, options, _float_fmt(options))


def _float_fmt(options: tuple) -> str | None:
    return "float" if isinstance(options[0], float) else None


def _fmt(prefix: str, t: Text) -> Callable[[Any], str]:
    """A format_func for option ``v`` → text of ``<prefix>_<v>`` in ``t``'s language
    (bound now: Streamlit and AppTest may call it outside the run)."""

    def fmt(v: Any) -> str:
        key = f"{PAGE}.{prefix}_{v}"
        found = t(key)
        return str(v) if found == key else found

    return fmt


def _float_label(v: float) -> str:
    """Two decimals, as ``st.slider`` shows them; more when a link brought a finer value
    (select_slider tells its stops apart by their labels)."""
    if not _is_factor(v):
        return repr(v)  # a link's nonsense, shown as it is (the design's error names it)
    return f"{v:.2f}" if round(v, 2) == v else f"{v:g}"


def _is_factor(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _float(v: Any) -> Any:
    """A number as a float (a slider's stops are floats); anything else as it is."""
    return float(v) if _is_factor(v) else v


def _formatter(fmt: str | None, t: Text) -> Callable[[Any], str] | None:
    if fmt is None:
        return None
    if fmt == "float":
        return _float_label
    if fmt == "l2":
        off = t(f"{PAGE}.l2_off")  # bound now: format_func may run after this run
        return lambda x: l2_text(x, off)
    return _fmt(fmt, t)


def _snap(f: _Field, v: Any) -> Any:
    """A float within rounding error of a stop (0.15000000000000002, as older links and
    ``st.slider`` wrote it) moved onto that stop; anything else as it is."""
    if f.fmt != "float" or not _is_factor(v):
        return v
    near = min(f.options, key=lambda s: abs(s - v))
    return near if v != near and abs(v - near) < 1e-9 else v


def _offered(options: tuple, current: Any) -> list[Any]:
    """The options, plus the current value when a link brought another one: a number
    in its place among the stops, anything else at the end (shown as it is, and named
    by the design's error message)."""
    if current in options:
        return list(options)
    if _is_factor(current) and all(_is_factor(o) for o in options):
        return sorted({*options, current})
    return [*options, current]


def _edit(f: _Field, key: str, value: Any, t: Text) -> Any:
    """The editor widget of ``f`` under ``key``, first showing ``value`` (the draft's)."""
    kw: dict[str, Any] = {"horizontal": True} if f.horizontal else {}
    if f.hint:
        kw["help"] = t(f"{PAGE}.{f.hint}")
    args: tuple = f.bounds
    if f.options:
        state = st.session_state
        current = _snap(f, state.get(key, value))
        if key not in state:
            value = current
        elif state[key] is not current:
            state[key] = current
        args = (_offered(f.options, current),)
        if (fmt := _formatter(f.fmt, t)) is not None:
            kw["format_func"] = fmt
        if f.make is st.segmented_control:
            kw["required"] = True  # one always chosen
    return ui.draft_widget(f.make, t(f"{PAGE}.{f.label}"), *args, key=key, value=value, **kw)


# Each cell holds one or more fields; cells flow into rows of `per_row` columns.
Cells = Sequence[Sequence[_Field]]
_CHECKS = (
    _Field("batch_norm", st.checkbox, "batch_norm", "batch_norm_help"),
    _Field("use_bias", st.checkbox, "use_bias", "use_bias_help"),
)


def _grid(lo: float, hi: float, step: float) -> tuple[float, ...]:
    """The stops of a float slider, rounded (0.3, not 0.30000000000000004)."""
    return tuple(round(lo + i * step, 4) for i in range(round((hi - lo) / step) + 1))


RATES = _grid(0.0, 0.9, 0.05)
_CONV: Cells = (
    (_steps("filters", FILTERS, "filters", "filters_help"),),
    (_steps("kernel_size", KERNELS, "kernel", "kernel_help"),),
    (_steps("strides", (1, 2, 3, 4), "stride", "stride_help"),),
    (_Field("padding", st.selectbox, "padding", "padding_help", ("same", "valid")),),
    (_Field("activation", st.selectbox, "activation", None, ACTIVATIONS),),
    _CHECKS,
    (_Field("l2", st.select_slider, "l2", "l2_help", L2S, "l2"),),
)
_POOL: Cells = (
    (_steps("pool_size", (1, 2, 3, 4, 5), "pool_size"),),
    (_steps("strides", (1, 2, 3, 4, 5), "stride", "pool_stride_help"),),
    (_Field("mode", st.segmented_control, "pool_mode", None, ("max", "avg"), "pool"),),
    (_Field("padding", st.segmented_control, "padding", None, ("valid", "same")),),
)
_DROPOUT: Cells = (
    (_steps("rate", RATES[1:], "rate"),),
    (_Field("spatial", st.checkbox, "spatial", "spatial_help"),),
)
_LAYOUT = {"conv": _CONV, "pool": _POOL, "dropout": _DROPOUT}
_SWITCHES = (1.4, 1)  # pooling mode | padding: "máximo | promedio" needs the room


def _fields(
    key: str,
    values: dict[str, Any],
    cells: Cells,
    per_row: int,
    t: Text,
    widths: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Lay out ``cells`` in a grid, one row of columns per line (so rows line up and the
    Tab key goes row by row); return {field: widget value}."""
    out: dict[str, Any] = {}
    for start in range(0, len(cells), per_row):
        cols = st.columns(list(widths) if widths else per_row) if per_row > 1 else [nullcontext()]
        for col, cell in zip(cols, cells[start : start + per_row], strict=False):
            with col:
                for f in cell:
                    out[f.name] = _edit(f, key + f.name, values[f.name], t)
    return out


def _block_bar(i: int, n: int, uid: int, t: Text) -> Any:
    """A block's title row: a slot for its caption, then up, down and remove."""
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
    return caption


def _block_editor(i: int, n: int, uid: int, b: dict[str, Any], t: Text) -> tuple[dict, Any, Any]:
    """One bordered box per block; returns (block dict, caption slot, error slot)."""
    key = f"{EDIT_KEY}b{uid}_"
    kind = b["kind"]
    with st.container(border=True):
        caption = _block_bar(i, n, uid, t)
        values = dict(b)
        if kind == "pool":
            values["strides"] = b["strides"] or b["pool_size"]
        elif kind == "conv":
            values.setdefault("l2", 0.0)  # a draft from before L2 existed
        per_row = 2 if (ui.projector() or kind != "conv") else 3
        widths = (1, 1, 1.3) if per_row == 3 else None  # room for "BatchNorm"
        cells, rest = _LAYOUT[kind], None  # rest: (cells, per_row, widths) on rows below
        if kind == "pool":  # the two switches ("máximo | promedio" is wide), one per line
            cells, rest = cells[:2], (cells[2:], 1 if ui.projector() else 2, _SWITCHES)
        elif kind == "conv" and ui.projector():  # BatchNorm and Bias, "BatchNorm" wider
            cells = [c for c in cells if c is not _CHECKS]
            rest = ([(f,) for f in _CHECKS], 2, (1.5, 1))
        block = {"kind": kind, **_fields(key, values, cells, per_row, t, widths)}
        if rest:
            block |= _fields(key, values, rest[0], rest[1], t, rest[2])
        if kind == "pool" and block["strides"] == block["pool_size"]:
            block["strides"] = None  # Keras' default: windows tile the input
        slot = st.empty()
    return block, caption, slot


_SIDES: Cells = (
    (_Field("h", st.number_input, "height", bounds=(1, 1024)),),
    (_Field("w", st.number_input, "width", bounds=(1, 1024)),),
    (_Field("c", st.number_input, "channels", "channels_help", bounds=(1, 64)),),
)
_RESCALE = _Field("rescale", st.checkbox, "rescale", "rescale_help")
_FLIPS: Cells = ((_Field("flip", st.selectbox, "flip", None, FLIPS, "flip"),),)
_AUGMENT: Cells = (
    (_steps("rotation", _grid(0.0, 0.5, 0.01), "rotation", "rotation_help"),),
    (_steps("zoom", _grid(0.0, 0.5, 0.05), "zoom"),),
    (_steps("contrast", RATES, "contrast"),),
    (_steps("brightness", RATES, "brightness"),),
)


def _input_editor(d: dict[str, Any], t: Text) -> tuple[dict[str, Any], Any]:
    """The input box: image size and channels, rescaling, augmentation."""
    with st.container(border=True):
        st.markdown(f"**{t(f'{PAGE}.input')}**")
        h, w, c = d["input_shape"]
        per_row = 2 if ui.projector() else 3
        shape = _fields(EDIT_KEY, {"h": h, "w": w, "c": c}, _SIDES, per_row, t)
        rescale = _edit(_RESCALE, EDIT_KEY + "rescale", d["rescale"], t)
        with st.expander(t(f"{PAGE}.augment"), icon=":material/auto_awesome:"):
            st.caption(t(f"{PAGE}.augment_help"))
            a = d["augment"]
            augment = _fields(EDIT_KEY, a, _FLIPS, 1, t) | _fields(EDIT_KEY, a, _AUGMENT, 2, t)
        slot = st.empty()
    part = {"input_shape": [int(shape[k]) for k in "hwc"], "rescale": rescale}
    return {**part, "augment": augment}, slot


_DENSE: Cells = (
    (_steps("units", UNITS, "units"),),
    (_Field("activation", st.selectbox, "activation", None, ACTIVATIONS),),
    (_steps("dropout", RATES, "dense_dropout"),),
    (_Field("l2", st.select_slider, "l2", "l2_help", L2S, "l2"),),
)
_POOLING = _Field("pooling", st.radio, "pooling", "pooling_help", ("flatten", "gap"), "pooling")
_HEAD_DROPOUT = _steps("dropout", RATES, "head_dropout")
_CLASSES = _Field("num_classes", st.number_input, "classes", "classes_help", bounds=(1, 1000))
_OUTPUTS = ("sigmoid", "softmax")
_OUTPUT = _Field("output", st.radio, "output", "output_help", _OUTPUTS, horizontal=True)


def _dense_editor(j: int, uid: int, layer: dict[str, Any], t: Text) -> dict[str, Any]:
    """One hidden Dense layer: a title row (with its L2, and remove), then its fields."""
    c0, c1 = st.columns([8, 1], vertical_alignment="center")
    l2 = st.session_state.get(f"{EDIT_KEY}d{uid}_l2", layer.get("l2", 0.0))  # this run's
    c0.markdown(f"*{t(f'{PAGE}.dense_n', n=j + 1)}*{_l2_note(l2, t)}")
    c1.button(
        "",
        icon=":material/close:",
        key=f"{PAGE}_dremove_{uid}",
        on_click=guard(_remove_dense),
        args=(j,),
        help=t(f"{PAGE}.remove"),
    )
    values = {"l2": 0.0, **layer}  # a draft from before L2 existed has none
    return _fields(f"{EDIT_KEY}d{uid}_", values, _DENSE, 2 if ui.projector() else 3, t)


def _head_editor(d: dict[str, Any], t: Text) -> tuple[dict[str, Any], Any]:
    """The head box: Flatten or GAP, dropout, dense layers, classes and output."""
    head = d["head"]
    with st.container(border=True):
        st.markdown(f"**{t(f'{PAGE}.head')}**")
        c1, c2 = st.columns([1.3, 1])
        with c1:
            pooling = _edit(_POOLING, EDIT_KEY + "pooling", head["pooling"], t)
        with c2:
            dropout = _edit(_HEAD_DROPOUT, EDIT_KEY + "hdrop", _float(head["dropout"]), t)
        dense = [
            _dense_editor(j, uid, layer, t)
            for j, (uid, layer) in enumerate(
                zip(st.session_state[DUIDS], head["dense"], strict=True)
            )
        ]
        st.button(
            t(f"{PAGE}.add_dense"),
            icon=":material/add:",
            key=f"{PAGE}_add_dense",
            on_click=guard(_add_dense),
        )
        c1, c2 = st.columns(2)
        with c1:
            k = _edit(_CLASSES, EDIT_KEY + "classes", d["num_classes"], t)
        with c2:
            out = _edit(_OUTPUT, EDIT_KEY + "output", d["output"], t)
        slot = st.empty()
    part = {"head": {"pooling": pooling, "dropout": dropout, "dense": dense}}
    return {**part, "num_classes": int(k), "output": out}, slot


# --------------------------------------------------------------------------- output
def _error_text(err: ConfigError, t: Text) -> str:
    params = dict(err.params)
    if "what" in params:
        params["what"] = t(f"{PAGE}.word_{params['what']}")
    try:
        return t(f"{PAGE}.err_{err.code}", **params)
    except (KeyError, IndexError, ValueError):
        return str(err)


def _where(err: ConfigError, blocks: list[dict], t: Text) -> str:
    """The box that shows ``err``, named as on the page ("block 9 · Pooling")."""
    if isinstance(err.where, int):
        kind = t(f"{PAGE}.kind_{blocks[err.where]['kind']}")
        return t(f"{PAGE}.where_block", n=err.where + 1, kind=kind)
    return t(f"{PAGE}.where_input" if err.where in ("input", "augment") else f"{PAGE}.where_head")


def _table(rows: Sequence[LayerRow], t: Text) -> pd.DataFrame:
    """The Keras summary's columns; type and FLOPs too, except on the (narrow) projector."""
    cols = {t(f"{PAGE}.col_layer"): [r.name for r in rows]}
    if not ui.projector():
        cols[t(f"{PAGE}.col_type")] = [r.kind for r in rows]
    cols[t(f"{PAGE}.col_shape")] = ["(" + ", ".join(map(str, r.output_shape)) + ")" for r in rows]
    cols[t(f"{PAGE}.col_params")] = [ui.count(r.params) for r in rows]
    if not ui.projector():
        cols[t(f"{PAGE}.col_flops")] = [short_number(r.flops) if r.flops else "0" for r in rows]
    return pd.DataFrame(cols)


def _table_widths(t: Text) -> dict[str, Any]:
    """Pixel widths so all five columns fit the ~430 px column at 1280×720, no scrolling."""
    widths = {"layer": 100, "type": 126, "shape": 92, "params": 58, "flops": 54}
    return {t(f"{PAGE}.col_{k}"): st.column_config.Column(width=w) for k, w in widths.items()}


def _stage_labels(t: Text) -> dict[str, str]:
    return {
        k: t(f"{PAGE}.stage_{k}") for k in ("input", "conv", "pool", "vector", "dense", "output")
    }


def _metrics(rows: Sequence[LayerRow], t: Text) -> None:
    s = model_stats(rows)
    cols = st.columns(3) + st.columns(3)[:2] if ui.projector() else st.columns(5)
    cols[0].metric(t(f"{PAGE}.total"), ui.count(s.params), help=t(f"{PAGE}.total_help"))
    cols[1].metric(t(f"{PAGE}.trainable"), ui.count(s.trainable))
    cols[2].metric(
        t(f"{PAGE}.non_trainable"), ui.count(s.non_trainable), help=t(f"{PAGE}.non_trainable_help")
    )
    cols[3].metric(t(f"{PAGE}.flops"), short_number(s.flops), help=t(f"{PAGE}.flops_help"))
    cols[4].metric(
        t(f"{PAGE}.memory"), short_number(s.activation_bytes, "B"), help=t(f"{PAGE}.memory_help")
    )


def _flow(rows: Sequence[LayerRow], t: Text) -> None:
    style = ui.style()
    st.markdown(f"**{t(f'{PAGE}.flow_title')}**")
    ui.chart(
        viz.tensor_figure,
        rows,
        font_size=style.font_size,
        height=int(style.height * 0.75),
        line_width=style.line_width / 2,
        labels=_stage_labels(t),
        key=f"{PAGE}_flow_fig",
    )


def _results(rows: Sequence[LayerRow], err: ConfigError | None, t: Text) -> None:
    """The layer table (partial when the design fails) and the parameter bars."""
    style = ui.style()
    if err is not None:
        st.warning(t(f"{PAGE}.partial"), icon=":material/construction:")
    st.markdown(f"**{t(f'{PAGE}.table_title')}**")
    st.dataframe(
        _table(rows, t),
        hide_index=True,
        width="stretch",
        row_height=(row := 44 if ui.projector() else 35),
        height=row * (len(rows) + 1) + 3,
        column_config=None if ui.projector() else _table_widths(t),
        key=f"{PAGE}_table",
    )
    st.markdown(f"**{t(f'{PAGE}.bars_title')}**")
    ui.chart(
        viz.params_figure,
        rows,
        font_size=style.font_size,
        row_height=34 if ui.projector() else 26,
        names=(t(f"{PAGE}.trainable"), t(f"{PAGE}.non_trainable")),
        thousands=ui.SEPARATORS[ui.lang_code()][1],
        key=f"{PAGE}_bars_fig",
    )


def _compare(rows: Sequence[LayerRow]) -> None:
    """This design against a preset or a pinned copy: parameter groups and two flows."""
    t = translator()
    st.subheader(t(f"{PAGE}.compare_title"))
    st.caption(t(f"{PAGE}.compare_help"))
    names = list(PRESETS)
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    if f"{PAGE}_pinned" in st.session_state:
        names = ["pinned", *names]
    with c1:
        other = ui.widget(
            st.selectbox,
            t(f"{PAGE}.compare_with"),
            names,
            key=f"{PAGE}_compare",
            default="shapes_flatten",
            valid=lambda v: v in names,
            format_func=_fmt("preset", t),
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
    b_cfg = ModelConfig.from_dict(st.session_state[f"{PAGE}_pinned"]) if pinned else PRESETS[other]
    _, b_rows, b_err = walk(b_cfg)
    label_a, label_b = t(f"{PAGE}.this_design"), t(f"{PAGE}.preset_{other}")
    style = ui.style()
    ui.chart(
        viz.compare_figure,
        (rows, b_rows),
        [label_a, label_b],
        font_size=style.font_size,
        group_names={g: t(f"{PAGE}.group_{g}") for g in viz.PARAM_GROUPS},
        height=int(style.height * 0.55),
        thousands=ui.SEPARATORS[ui.lang_code()][1],
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
                    flops=short_number(s.flops),
                    memory=short_number(s.activation_bytes, "B"),
                )
            )
            ui.chart(
                viz.tensor_figure,
                r,
                font_size=int(style.font_size * 0.8),
                height=int(style.height * 0.5),
                line_width=style.line_width / 2,
                labels=_stage_labels(t),
                key=f"{PAGE}_cmp_flow_{'a' if r is rows else 'b'}",
            )
    if b_err is not None:
        ui.error_box(_error_text(b_err, t))


def _l2_note(v: Any, t: Text) -> str:
    """`` · L2 1e-3`` after a block's or dense layer's title; nothing without weight decay."""
    if _is_factor(v) and v == 0:
        return ""
    return f" · {t(f'{PAGE}.l2_short')} {l2_text(v, '0')}"


# ----------------------------------------------------------------------------- page
def _preset_bar(t: Text) -> tuple[str, Any]:
    """The preset to start from, Reset and Train it; returns (preset, slot for its note)."""
    state = st.session_state
    state.setdefault(PRESET_KEY, state.get(LAST, DEFAULT_PRESET))  # dropped off the page
    if ui.projector():  # the preset's long name gets the whole width, buttons below
        c1 = st.container()
        c2 = c3 = st.container(horizontal=True, vertical_alignment="center")
    else:
        c1, c2, c3 = st.columns([2.6, 1.3, 1.1], vertical_alignment="bottom")
    with c1:
        preset = ui.widget(
            st.selectbox,
            t(f"{PAGE}.preset"),
            list(PRESETS),
            key=PRESET_KEY,
            default=DEFAULT_PRESET,
            valid=lambda v: v in PRESETS,
            format_func=_fmt("preset", t),
            on_change=_on_preset,
        )
    c2.button(
        t(f"{PAGE}.reset"),
        icon=":material/restart_alt:",
        key=f"{PAGE}_reset",
        on_click=guard(_on_preset),
        help=t(f"{PAGE}.reset_help"),
    )
    c3.page_link("page_train.py", label=t(f"{PAGE}.to_train"), icon=":material/model_training:")
    return preset, st.empty()


def _editor(draft: dict[str, Any], t: Text) -> tuple[dict[str, Any], list[tuple[Any, Any]], Any]:
    """Every box of the editor; returns (the new draft, (caption, error) slot per block,
    {"input": slot, "head": slot})."""
    st.markdown(f"#### {t(f'{PAGE}.editor_title')}")
    part, input_slot = _input_editor(draft, t)
    slots, blocks = [], []
    uids = st.session_state[UIDS]
    for i, (uid, b) in enumerate(zip(uids, draft["blocks"], strict=True)):
        block, caption, slot = _block_editor(i, len(uids), uid, b, t)
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
    head_part, head_slot = _head_editor(draft, t)
    new = {**draft, **part, **head_part, "blocks": blocks}
    return new, slots, {"input": input_slot, "head": head_slot}


def _named(new: dict[str, Any], preset: str) -> tuple[dict[str, Any], ModelConfig]:
    """The design with its name: the preset's, plus what was changed (seed_shapes+filters)."""
    cfg = ModelConfig.from_dict(new)
    cfg = replace(cfg, name=edited_name(PRESETS[preset], cfg))
    return {**new, "name": cfg.name}, cfg


def _preset_note(slot: Any, preset: str, name: str, t: Text) -> None:
    """The preset's description; once edited, the name Train and Experiments will show."""
    note = t(f"{PAGE}.preset_note_{preset}")
    if name != PRESETS[preset].name:
        note += t(f"{PAGE}.modified_as", name=name)
    slot.caption(note)


def _captions(
    blocks: list[dict], slots: list[tuple[Any, Any]], rows: Sequence[LayerRow], t: Text
) -> None:
    """Each block's header: its number, its kind and the shape it hands on."""
    for i, (block, (caption, _)) in enumerate(zip(blocks, slots, strict=True)):
        out = [r for r in rows if r.where == i]
        shape = "×".join(map(str, out[-1].output_shape)) if out else "?"
        kind = t(f"{PAGE}.kind_{block['kind']}")
        note = _l2_note(block.get("l2", 0.0), t) if block["kind"] == "conv" else ""
        caption.markdown(f"**{i + 1} · {kind}** → `{shape}`{note}")


def _show_error(
    err: ConfigError, slots: list[tuple[Any, Any]], boxes: dict[str, Any], t: Text
) -> None:
    """The design's error, once, in the box of what to fix."""
    slot = boxes["input"] if err.where in ("input", "augment") else boxes["head"]
    if isinstance(err.where, int):
        slot = slots[err.where][1]
    with slot.container():
        ui.error_box(_error_text(err, t))


def _code(cfg: ModelConfig, t: Text) -> None:
    """The design as Keras code, written and highlighted only while its expander is open
    (:func:`ui.expander`): the code highlighter (1.5 MB of browser code) held every widget
    of a first visit back until it had loaded (about 0.3 s on the 2-core machine)."""
    box = ui.expander(CODE_KEY, t(f"{PAGE}.code_title"), icon=":material/code:")
    if box is None:
        return
    with box:
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


def _publish(cfg: ModelConfig, preset: str) -> None:
    """The Train page trains this design; the URL names the starting preset, plus the
    whole design when it was modified."""
    st.session_state["model_cfg"] = st.session_state[WROTE] = cfg.to_dict()
    name = _matching_preset(st.session_state["model_cfg"])
    params.put("preset", name or preset)
    if name:
        params.drop("arch")
    else:
        params.put("arch", encode_config(cfg))


def render() -> None:
    t = translator()  # this run's language, looked up once (the page asks for ~200 texts)
    ui.header(PAGE)
    _init()
    if st.session_state.pop(f"{PAGE}_bad_url", False):
        ui.error_box(t(f"{PAGE}.bad_url"))
    preset, note_slot = _preset_bar(t)
    metrics_slot = st.container()
    editor, results = st.columns([5, 6], gap="medium")
    with editor:
        new, slots, boxes = _editor(st.session_state[DRAFT], t)
    new, cfg = _named(new, preset)
    st.session_state[DRAFT] = new
    _preset_note(note_slot, preset, cfg.name, t)
    _, rows, err = walk(cfg)
    _captions(new["blocks"], slots, rows, t)
    if err is not None:
        _show_error(err, slots, boxes, t)
    with metrics_slot:
        if err is None:
            _metrics(rows, t)
        else:  # the message itself is in red next to what to fix; here, where to look
            ui.error_box(t(f"{PAGE}.invalid", where=_where(err, new["blocks"], t)))
        _flow(rows, t)
    with results:
        _results(rows, err, t)
    if err is None:
        _compare(rows)
        _code(cfg, t)
        _publish(cfg, preset)
    else:
        st.info(t(f"{PAGE}.train_keeps_last"), icon=":material/info:")


if __name__ == "__main__":
    render()
