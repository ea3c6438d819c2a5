"""Inspect: what did the network learn?

Pick a trained run (or an uploaded .keras model) and an input (a validation image, an
upload, the webcam, or a shape drawn with the mouse); see the prediction, Grad-CAM, the
first-layer filters (replayed epoch by epoch, beside the hand-made kernels), every feature
map, filter statistics, the validation crops that excite a filter most, and the receptive
field of any position. ``cnnlab.inspect`` does the work, ``cnnlab.viz`` draws.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from cnnlab import viz
from dashboard import params, state, ui
from dashboard.boundary import message
from dashboard.i18n import t, translator

INPUTS = ("val", "upload", "camera", "draw")
HANDMADE_SHOWN = ("sobel_x", "sobel_y", "seed_vertical_edges", "seed_horizontal_edges",
                  "seed_outline", "laplacian")  # fmt: skip
STATS_IMAGES = 256  # validation images used for statistics and top patches
CANVAS_GEN = "_inspect_canvas_gen"  # bumped by "Clear": a new, empty drawing board
DRAWING = "_inspect_drawing"  # the last filled drawing, (H, W) uint8


def _big() -> int:
    """px: the input, Grad-CAM and receptive-field pictures (larger on a projector)."""
    return 420 if ui.projector() else 300


def _pair_width() -> int | str:
    """Width of a picture in a pair of columns: its size on a screen; on a projector the
    column's width (two 420-px pictures and the gap overflow the page there)."""
    return "stretch" if ui.projector() else _big()


# ------------------------------------------------------------------ cached work ----
_MODELS_KEPT = 6


@st.cache_resource(show_spinner=False)
def _models() -> dict:
    """The models loaded, shared read-only by every session: ``{(path, mtime): model}``,
    the most recent kept. (Not one ``st.cache_resource`` call per model: loading draws a
    progress bar, which a cached function could not replay.)"""
    return {"lock": threading.Lock(), "items": OrderedDict()}


def _load_model(path: str, mtime: float):
    """A saved model, shared read-only by every session (keyed by file and its mtime);
    loaded by the core's one loader (safe mode) under a progress bar."""
    from cnnlab.modelfile import load_model_file

    shared, key = _models(), (path, mtime)
    with shared["lock"]:
        if key in shared["items"]:
            shared["items"].move_to_end(key)
            return shared["items"][key]
    with ui.progress_bar("inspect.progress_model") as bar:
        model = load_model_file(path, progress=bar)
    with shared["lock"]:
        shared["items"][key] = model
        while len(shared["items"]) > _MODELS_KEPT:
            shared["items"].popitem(last=False)
    return model


@st.cache_data(show_spinner=False, max_entries=6)
def _validation(spec_json: str) -> tuple[np.ndarray, np.ndarray]:
    from cnnlab.data import split_spec

    va = split_spec(json.loads(spec_json))[1]
    n = min(len(va), 2000)
    return np.asarray(va.x[:n]), np.asarray(va.y[:n])


@st.cache_data(show_spinner=False, max_entries=4)
def _sample_shapes(h: int, c: int) -> np.ndarray:
    from cnnlab.data import make_shapes

    return make_shapes(200, size=h, channels=c, seed=1).x


@st.cache_data(show_spinner=False, max_entries=32)
def _predict(mkey: str, ikey: str, _model, _img: np.ndarray) -> np.ndarray:
    from cnnlab.inspect import predict_proba

    return predict_proba(_model, _img[None])[0]


@st.cache_data(show_spinner=False, max_entries=32)
def _maps(mkey: str, ikey: str, _model, _img: np.ndarray) -> list[tuple[str, np.ndarray]]:
    from cnnlab.inspect import feature_maps

    return feature_maps(_model, _img, kinds=("conv", "norm", "pool", "activation"))


@st.cache_data(show_spinner=False, max_entries=32)
def _cam(mkey: str, ikey: str, cls: int, _model, _img: np.ndarray) -> np.ndarray:
    from cnnlab.inspect import grad_cam

    return grad_cam(_model, _img, cls)


@st.cache_data(show_spinner=False, max_entries=16)
def _stats(mkey: str, dkey: str, layer: str, _model, _x: np.ndarray):
    from cnnlab.inspect import filter_stats

    s = filter_stats(_model, _x, layer)
    return s.mean, s.max, s.active, s.dead


@st.cache_data(show_spinner=False, max_entries=16)
def _patches(mkey: str, dkey: str, layer: str, channel: int, _model, _x: np.ndarray):
    from cnnlab.inspect import top_patches

    return top_patches(_model, _x, layer, channel, k=8)


@st.cache_data(show_spinner=False, max_entries=8)
def _snapshots(run_id: str, home: str) -> list[np.ndarray]:
    return state.store().filters(run_id)


def _show(where, picture: np.ndarray, **kwargs) -> None:
    """``st.image`` as PNG: pixel-exact squares (JPEG smears small maps and filters)."""
    where.image(picture, output_format="PNG", **kwargs)


def _key(array: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(array).tobytes()).hexdigest()[:16]


# ----------------------------------------------------------------- model choice ----
def _train_demo() -> None:
    """One click: queue the tutorial's shapes model on 2,000 shapes, watch it on Train."""
    from cnnlab.data import parse_spec
    from cnnlab.model import PRESETS
    from cnnlab.training import RunRequest, TrainConfig

    spec = dict(state.DEFAULT_SPEC)
    request = RunRequest(
        model=PRESETS["seed_shapes"], data=parse_spec(spec), train=TrainConfig(epochs=10),
        name="seed_shapes · shapes",
    )  # fmt: skip
    job = state.registry().submit(request, owner=state.owner())
    st.session_state["train_job"] = job.id
    st.session_state["model_cfg"] = PRESETS["seed_shapes"].to_dict()
    st.session_state["dataset_spec"] = spec
    st.switch_page("page_train.py")


def _run_label(run, store) -> str:
    hist = store.history(run.id)
    acc = (hist.get("val_accuracy") or [None])[-1]
    acc_txt = f" · {t('inspect.val_acc')} {ui.count(acc, 3)}" if isinstance(acc, float) else ""
    name = ui.model_name(str(run.model_cfg.get("name") or run.name or "cnn"))
    return f"{name} · {run.id}{acc_txt}"


def _choose_model():
    """(model, model key, class names, validation (x, y) or None, run id or None)."""
    store = state.store()
    runs = [r for r in store.list_runs() if store.model_path(r.id) is not None]
    upload = st.session_state.get("inspect_model_path")
    has_upload = bool(upload) and Path(upload).exists()
    if not runs and not has_upload:
        st.info(t("inspect.no_runs"), icon=":material/info:")
        c1, c2 = st.columns(2)
        if c1.button(t("inspect.train_demo"), key="inspect_train_demo", type="primary",
                     icon=":material/play_arrow:"):  # fmt: skip
            _train_demo()
        c2.page_link("page_train.py", label=t("inspect.to_train"), icon=":material/model_training:")
        return None
    sources = (["run"] if runs else []) + (["upload"] if has_upload else [])
    source = sources[0]
    if len(sources) > 1:
        tr = translator()  # bound now: AppTest formats the options outside the run
        source = ui.widget(
            st.segmented_control, t("inspect.source"), sources, key="inspect_source",
            default="run", valid=lambda v: v in sources,
            format_func=lambda s: tr(f"inspect.source_{s}"),
        )  # fmt: skip
        source = source or "run"
    if source == "upload":
        path, run = upload, None
    else:
        ids = [r.id for r in runs]
        labels = {r.id: _run_label(r, store) for r in runs}
        rid = ui.widget(
            st.selectbox, t("inspect.run"), ids, key="inspect_run", default=ids[0],
            url=params.Choice("run", ids), format_func=labels.get,
        )  # fmt: skip
        run = next(r for r in runs if r.id == rid)
        path = str(store.model_path(rid))
    try:
        model = _load_model(path, Path(path).stat().st_mtime)
    except Exception as exc:  # noqa: BLE001 - a bad file is a message, never a traceback
        ui.error_box(t("inspect.bad_model", reason=message(exc)))
        return None
    shape = model.input_shape
    if not isinstance(shape, tuple) or len(shape) != 4 or None in shape[1:]:
        ui.error_box(t("inspect.not_images", shape=str(shape)))
        return None
    k = int(model.output_shape[-1])
    k = 2 if k == 1 else k
    names = ui.class_names(run.data.get("class_names", [])) if run else []
    if len(names) != k:
        names = [t("inspect.class_n", i=i) for i in range(k)]
    val = None
    if run is not None and run.data.get("spec"):
        try:
            val = _validation(json.dumps(run.data["spec"], sort_keys=True))
        except (ValueError, OSError) as exc:
            st.caption(t("inspect.no_val", reason=str(exc)[:200]))
    mkey = f"{path}:{Path(path).stat().st_mtime}"
    st.caption(
        t("inspect.model_info", name=ui.model_name(model.name),
          params=ui.count(model.count_params()),
          shape=str(tuple(shape[1:])), classes=", ".join(names))
    )  # fmt: skip
    return model, mkey, names, val, (run.id if run else None)


# ------------------------------------------------------------------ input choice ----
def _choose_input(model, val, names):
    """(image (H, W, C) uint8, key, true label or None) or None with a message shown."""
    from cnnlab.images import load_image
    from cnnlab.inspect import fit_image

    h, w, c = (int(v) for v in model.input_shape[1:])
    tr = translator()
    kind = ui.widget(
        st.segmented_control, t("inspect.input"), INPUTS, key="inspect_input", default="val",
        url=params.Choice("input", INPUTS), format_func=lambda s: tr(f"inspect.input_{s}"),
    ) or "val"  # fmt: skip
    if kind == "val":
        if val is not None:
            x, y = val
        elif h == w and 16 <= h <= 128:
            x, y = _sample_shapes(h, c), None
            st.caption(t("inspect.sample_shapes"))
        else:
            st.info(t("inspect.no_val_images"))
            return None
        i = ui.widget(
            st.slider, t("inspect.image_index"), 0, len(x) - 1, key="inspect_index", default=0,
            url=params.Int("img", 0, len(x) - 1),
        )  # fmt: skip
        true = None if y is None else int(y[i])
        return np.asarray(x[i]), f"val:{i}:{_key(x[i])}", true
    if kind in ("upload", "camera"):
        if kind == "upload":
            up = st.file_uploader(t("inspect.upload"), type=["png", "jpg", "jpeg", "bmp", "gif",
                                  "webp", "tif", "tiff"], key="inspect_upload")  # fmt: skip
        else:
            up = st.camera_input(t("inspect.camera"), key="inspect_camera")
        if up is None:
            st.caption(t("inspect.waiting"))
            return None
        try:
            raw = load_image(up.getvalue())
            img = fit_image(raw, (h, w, c))
        except ValueError as exc:
            ui.error_box(t("inspect.bad_image", reason=message(exc)))
            return None
        st.caption(t("inspect.resized", src=f"{raw.shape[1]}×{raw.shape[0]}", dst=f"{w}×{h}"))
        return img, f"{kind}:{_key(img)}", None
    # draw: lasso (or box) on an empty board; the filled shape is the input
    st.caption(t("inspect.draw_help"))
    gen = st.session_state.setdefault(CANVAS_GEN, 0)
    last = st.session_state.get(DRAWING)
    if last is not None and last.shape != (h, w):
        last = None
    fig = viz.canvas_figure((h, w), None, height=_big(), font_size=ui.style().font_size)
    event = ui.plot(
        fig, key=f"inspect_canvas_{gen}", on_select="rerun", selection_mode=("lasso", "box"),
        buttons=("lasso2d", "select2d"), width="content",
    )  # fmt: skip
    sel = event.get("selection") if event else None
    drawn = viz.drawing_image(dict(sel) if sel else None, (h, w))
    if drawn is not None:
        st.session_state[DRAWING] = drawn
        last = drawn
    if st.button(t("inspect.clear"), key="inspect_clear", icon=":material/ink_eraser:"):
        st.session_state[CANVAS_GEN] = gen + 1
        st.session_state.pop(DRAWING, None)
        st.rerun()
    if last is None:
        return None
    img = np.repeat(last[..., None], c, axis=2)
    return img, f"draw:{_key(img)}", None


# ----------------------------------------------------------------------- sections ----
def _prediction(model, mkey, img, ikey, names, true) -> int:
    probs = _predict(mkey, ikey, model, img)
    pred = int(np.argmax(probs))
    style = ui.style()
    left, right = st.columns([2, 3], gap="large")
    with left:
        _show(st, viz.upscale(img, _big()), width="stretch", caption=t("inspect.input_caption",
                 shape="×".join(str(v) for v in img.shape)))  # fmt: skip
    with right:
        verdict = t("inspect.predicted", cls=names[pred], p=ui.percent(float(probs[pred])))
        if true is not None:
            ok = true == pred
            verdict += " " + (t("inspect.correct") if ok else t("inspect.wrong", cls=names[true]))
        st.markdown(f"### {verdict}")
        fig = viz.proba_figure(probs, names, font_size=style.font_size, height=200)
        ui.plot(fig, key="inspect_proba")
    return pred


def _gradcam(model, mkey, img, ikey, names, pred) -> None:
    from cnnlab.inspect import gradcam_layer

    st.subheader(t("inspect.cam_title"))
    classes = list(range(len(names)))
    cls = ui.widget(
        st.columns([1, 2])[0].selectbox, t("inspect.cam_class"), classes, key="inspect_class",
        default=pred, valid=lambda v: v in classes, format_func=lambda i: names[i],
    )  # fmt: skip
    try:
        cam = _cam(mkey, ikey, int(cls), model, img)
        layer = gradcam_layer(model)
    except ValueError as exc:
        ui.error_box(str(exc))
        return
    big = _big()
    c1, c2 = st.columns(2, gap="large")
    w = _pair_width()
    _show(c1, viz.upscale(viz.overlay(img, cam), big), width=w, caption=t("inspect.cam_overlay"))
    heat = viz.overlay(np.zeros(img.shape[:2], np.uint8), cam, alpha=1.0)
    _show(c2, viz.upscale(heat, big), width=w, caption=t("inspect.cam_heat", layer=layer))
    st.caption(t("inspect.cam_help", cls=names[int(cls)]))


def _filters(model, run_id) -> None:
    from cnnlab import kernels
    from cnnlab.inspect import closest_kernels, filter_images, first_layer_filters

    st.subheader(t("inspect.filters_title"))
    try:
        current = first_layer_filters(model)
    except ValueError as exc:
        st.info(str(exc))
        return
    snaps = _snapshots(run_id, str(state.store().home)) if run_id else []
    snaps = [s for s in snaps if s.shape == current.shape]
    w = current
    if len(snaps) > 1:
        epochs = list(range(len(snaps)))
        start = t("inspect.epoch_0")
        ep = ui.widget(
            st.select_slider, t("inspect.epoch"), epochs, key="inspect_epoch",
            default=epochs[-1], url=params.Int("epoch", epochs[0], epochs[-1]),
            format_func=lambda e: start if e == 0 else str(e),
        )  # fmt: skip
        w = snaps[ep]
        st.caption(t("inspect.epoch_help", n=len(snaps) - 1))
    kh, kw, cin, nf = w.shape
    left, right = st.columns([3, 2], gap="large")
    with left:
        cell = 64 if ui.projector() else 52
        grid = viz.filter_grid(filter_images(w), cols=8, cell=cell)
        _show(st, grid, width=min(grid.shape[1], 760),
                 caption=t("inspect.filters_caption", kh=kh, kw=kw, cin=cin, f=nf))  # fmt: skip
        st.caption(t("inspect.filters_rgb") if cin == 3 else t("inspect.filters_gray"))
    with right:
        st.markdown(f"**{t('inspect.handmade')}**")
        shown = [n for n in HANDMADE_SHOWN if kernels.PRESETS[n].shape == (kh, kw)]
        if shown:
            _handmade(shown)
        else:
            st.caption(t("inspect.handmade_size", kh=kh, kw=kw))
        st.page_link("page_kernels.py", label=t("inspect.to_kernels"), icon=":material/grid_on:")
    matches = closest_kernels(w)
    if shown and matches and matches[0].name:
        pics = filter_images(w)
        rows = []
        for m in matches:
            pic = pics[m.filter]
            pic = np.repeat(pic[..., None], 3, axis=2) if pic.ndim == 2 else pic
            rows.append({
                "filter": viz.png_data_url(viz.upscale(np.rint(pic * 255).astype(np.uint8), 36)),
                "n": m.filter,
                "closest": viz.png_data_url(viz.kernel_picture(kernels.PRESETS[m.name], 12)),
                "name": t(f"kernels.preset_{m.name}")
                + (f" ({t('inspect.inverted')})" if m.similarity < 0 else ""),
                "sim": abs(m.similarity),
            })  # fmt: skip
        with st.expander(t("inspect.closest_title"), expanded=False, icon=":material/compare:"):
            st.caption(t("inspect.closest_help"))
            st.dataframe(
                pd.DataFrame(rows), hide_index=True, key="inspect_closest", row_height=44,
                column_config={
                    "filter": st.column_config.ImageColumn(t("inspect.col_filter")),
                    "n": st.column_config.NumberColumn("#"),
                    "closest": st.column_config.ImageColumn(t("inspect.col_kernel")),
                    "name": st.column_config.TextColumn(t("inspect.col_name")),
                    "sim": st.column_config.ProgressColumn(
                        t("inspect.col_sim"), min_value=0.0, max_value=1.0, format="%.2f"
                    ),
                },
            )  # fmt: skip


def _handmade(shown: list[str]) -> None:
    """The hand-made kernels beside the learned filters, each named under its picture.

    Two per row on a projector (three on a screen) and captions that wrap between
    words: in a narrow column, a third picture left "Notebook: horizontal edges" room for
    six letters a line, cut mid-word.
    """
    from cnnlab import kernels

    per_row = 2 if ui.projector() else 3
    for start in range(0, len(shown), per_row):
        cols = st.columns(per_row)
        for col, n in zip(cols, shown[start : start + per_row], strict=False):
            with col:
                _show(st, viz.kernel_picture(kernels.PRESETS[n], 40), width="stretch")
                st.caption(t(f"kernels.preset_{n}"))


def _feature_maps(model, mkey, img, ikey, val, names) -> tuple[str, list] | None:
    style = ui.style()
    st.subheader(t("inspect.maps_title"))
    try:
        maps = _maps(mkey, ikey, model, img)
    except ValueError as exc:
        ui.error_box(str(exc))
        return None
    if not maps:
        st.info(t("inspect.no_maps"))
        return None
    layer_names = [n for n, _ in maps]
    shapes = {n: a.shape for n, a in maps}
    default = next((n for n in layer_names if n.startswith("relu") or "activation" in n),
                   layer_names[0])  # fmt: skip
    layer = ui.widget(
        st.selectbox, t("inspect.layer"), layer_names, key="inspect_layer", default=default,
        url=params.Choice("layer", layer_names),
        format_func=lambda n: f"{n} · {' × '.join(str(v) for v in shapes[n])}",
    )  # fmt: skip
    arr = dict(maps)[layer]
    # The shapes table keeps "32×32×16" whole on a projector (its type is larger there).
    left, right = st.columns([3, 2] if ui.projector() else [3, 1], gap="medium")
    with left:
        cell = 72 if arr.shape[2] <= 16 else (48 if arr.shape[2] <= 32 else 36)
        pic = viz.mosaic(arr, cell=cell, signed_cmap=style.signed_cmap)
        _show(st, pic, width=min(pic.shape[1], 860 if ui.projector() else 720),
                 caption=t("inspect.maps_caption", layer=layer, h=arr.shape[0], w=arr.shape[1],
                           c=arr.shape[2], shown=min(arr.shape[2], 64)))  # fmt: skip
        st.caption(t("inspect.maps_signed") if (arr < 0).any() else t("inspect.maps_relu"))
    with right:
        st.markdown(f"**{t('inspect.shapes')}**")
        table = pd.DataFrame(
            {t("inspect.col_layer"): layer_names,
             t("inspect.col_shape"): ["×".join(str(v) for v in shapes[n]) for n in layer_names]}
        )  # fmt: skip
        st.dataframe(table, hide_index=True, key="inspect_shapes", height="content")
    # filter statistics for this layer
    st.markdown(f"#### {t('inspect.stats_title')}")
    x = val[0][:STATS_IMAGES] if val is not None else img[None]
    try:
        mean, _, active, dead = _stats(mkey, _key(x), layer, model, x)
    except ValueError as exc:
        ui.error_box(str(exc))
        return layer, maps
    m1, m2, m3 = st.columns(3)
    m1.metric(t("inspect.dead"), f"{int(dead.sum())} / {len(dead)}")
    m2.metric(t("inspect.mean_act"), f"{float(mean.mean()):.3g}")
    m3.metric(t("inspect.active"), ui.percent(float(active.mean())))
    labels = {"mean": t("inspect.mean_act"), "dead": t("inspect.dead_short"),
              "channel": t("inspect.channel")}  # fmt: skip
    fig = viz.stats_figure(
        mean, dead, labels=labels, font_size=style.font_size, height=style.height - 60
    )
    ui.plot(fig, key="inspect_stats")
    st.caption(t("inspect.stats_help", n=len(x)))
    return layer, maps


def _patches_section(model, mkey, val, maps) -> None:
    st.subheader(t("inspect.patches_title"))
    if val is None:
        st.info(t("inspect.patches_need_val"))
        return
    layer_names = [n for n, _ in maps]
    shapes = {n: a.shape for n, a in maps}
    c1, c2 = st.columns(2)
    deep = [n for n in layer_names if n.startswith("relu") or "activation" in n]
    middle = (deep or layer_names)[len(deep or layer_names) // 2]
    layer = ui.widget(
        c1.selectbox, t("inspect.layer"), layer_names, key="inspect_patch_layer",
        default=middle, valid=lambda v: v in layer_names,
        format_func=lambda n: f"{n} · {' × '.join(str(v) for v in shapes[n])}",
    )  # fmt: skip
    n_ch = shapes[layer][2]
    ch = ui.widget(
        c2.number_input, t("inspect.channel"), 0, n_ch - 1, key="inspect_patch_channel",
        default=0, valid=lambda v: isinstance(v, int) and 0 <= v < n_ch,
    )  # fmt: skip
    x = val[0][:STATS_IMAGES]
    try:
        patches = _patches(mkey, _key(x), layer, int(ch), model, x)
    except ValueError as exc:
        ui.error_box(str(exc))
        return
    cols = st.columns(8)
    for i, p in enumerate(patches):
        k = max(1, 128 // x.shape[1])
        box = viz.outline(viz.upscale(x[p.index], 128), p.top * k, p.left * k, p.height * k,
                        p.width * k, thickness=3, squeeze=True)  # fmt: skip
        _show(cols[i % 8], viz.upscale(p.crop, 96), caption=f"{p.value:.2f}", width="stretch")
        _show(cols[i % 8], box, width="stretch")
    if patches:
        st.caption(
            t("inspect.patches_help", n=len(x), rf=f"{patches[0].height}×{patches[0].width}")
        )


def _receptive(model, img, maps) -> None:
    from cnnlab.inspect import receptive_field, rf_table

    st.subheader(t("inspect.rf_title"))
    try:
        table = rf_table(model)
    except ValueError as exc:
        st.info(str(exc))
        return
    traced = {r.name for r in table}
    names = [n for n, _ in maps if n in traced]
    if not names:
        st.info(t("inspect.no_maps"))
        return
    arrays = dict(maps)
    c1, c2, c3 = st.columns(3)
    layer = ui.widget(
        c1.selectbox, t("inspect.layer"), names, key="inspect_rf_layer", default=names[-1],
        url=params.Choice("rf", names),
    )  # fmt: skip
    hh, ww = arrays[layer].shape[:2]
    row = ui.widget(
        c2.slider, t("inspect.row"), 0, hh - 1, key="inspect_rf_row", default=hh // 2,
        valid=lambda v: isinstance(v, int) and 0 <= v < hh,
    )  # fmt: skip
    col = ui.widget(
        c3.slider, t("inspect.col"), 0, ww - 1, key="inspect_rf_col", default=ww // 2,
        valid=lambda v: isinstance(v, int) and 0 <= v < ww,
    )  # fmt: skip
    reg = receptive_field(model, layer, row, col)
    size = _big()
    k = max(1, size // img.shape[0])
    left, right = st.columns(2, gap="large")
    big = viz.upscale(img, size)
    _show(left, viz.outline(big, reg.top * k, reg.left * k, reg.height * k, reg.width * k,
                         thickness=4, squeeze=True), width=_pair_width(),
          caption=t("inspect.rf_input"))  # fmt: skip
    amap = np.abs(arrays[layer]).mean(axis=2)
    top = float(amap.max()) or 1.0
    grey = np.rint(255 * amap / top).astype(np.uint8)
    km = max(1, size // max(hh, ww))
    _show(right, viz.outline(viz.upscale(grey, size), row * km, col * km, km, km, thickness=4,
                          squeeze=True),
                width=_pair_width(),
                caption=t("inspect.rf_map", layer=layer, h=hh, w=ww))  # fmt: skip
    clipped = (reg.height, reg.width) != (reg.full_height, reg.full_width)
    st.markdown(
        t("inspect.rf_result", layer=layer, row=row, col=col, fh=reg.full_height,
          fw=reg.full_width, r0=reg.top, r1=reg.top + reg.height - 1, c0=reg.left,
          c1=reg.left + reg.width - 1)
        + (" " + t("inspect.rf_clipped", h=reg.height, w=reg.width) if clipped else "")
    )  # fmt: skip
    with st.expander(t("inspect.rf_table"), icon=":material/table:"):
        st.dataframe(
            pd.DataFrame({
                t("inspect.col_layer"): [r.name for r in table],
                t("inspect.col_shape"): [f"{r.out_size[0]}×{r.out_size[1]}" for r in table],
                t("inspect.col_rf"): [f"{r.rf[0]}×{r.rf[1]}" for r in table],
                t("inspect.col_jump"): [r.jump[0] for r in table],
            }),
            hide_index=True, key="inspect_rf_rows",
        )  # fmt: skip
        st.caption(t("inspect.rf_help"))


# --------------------------------------------------------------------------- page ----
def render() -> None:
    ui.header("inspect")
    state.warm_keras()  # imports Keras once, then freezes its objects out of the GC
    chosen = _choose_model()
    if chosen is None:
        return
    model, mkey, names, val, run_id = chosen
    st.subheader(t("inspect.input_title"))
    got = _choose_input(model, val, names)
    if got is None:
        _filters(model, run_id)
        return
    img, ikey, true = got
    ikey = f"{ikey}:{img.shape}"
    pred = _prediction(model, mkey, img, ikey, names, true)
    _gradcam(model, mkey, img, ikey, names, pred)
    _filters(model, run_id)
    result = _feature_maps(model, mkey, img, ikey, val, names)
    if result is not None:
        _, maps = result
        _patches_section(model, mkey, val, maps)
        _receptive(model, img, maps)


if __name__ == "__main__":
    render()
