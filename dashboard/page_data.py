"""Data: pick the dataset Train will use, look at it, and preview augmentation.

Sources: synthetic shapes (the tutorial's toy), scikit-image's LFW faces, the Keras
datasets, an image folder under the data root (the notebook's PetImages) or a zip upload.
The page is thin: ``cnnlab.data`` builds, loads, caches and splits; ``cnnlab.viz``
draws. The chosen recipe goes to ``st.session_state["dataset_spec"]`` (Train rebuilds
the same data with ``cnnlab.data.from_spec``) and its main settings to the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import pandas as pd
import streamlit as st

from cnnlab import data, viz
from dashboard import ui
from dashboard.i18n import t

PLOT_CFG = {"displaylogo": False, "displayModeBar": False, "staticPlot": True}
SIDES = [16, 24, 32, 48, 64, 96, 128]
COUNTS = [200, 500, 1000, 2000, 5000, 10_000]
KERAS_COUNTS = [1000, 2000, 5000, 10_000, 20_000, 50_000]
IMAGE_SIDES = [32, 48, 64, 96, 128, 150, 192, 224, 256]
UPLOAD_MB = 20  # .streamlit/config.toml server.maxUploadSize

ui.header("data")
style = ui.style()


def _labels(prefix: str, options) -> Callable[[str], str]:
    """A format_func whose texts are looked up now, in this run's language."""
    return {o: t(f"data.{prefix}_{o}") for o in options}.get


def _shapes_spec() -> dict:
    st.caption(t("data.about_shapes"))
    c1, c2, c3 = st.columns(3)
    with c1:
        classes = ui.widget(
            st.multiselect,
            t("data.classes"),
            list(data.SHAPE_CLASSES),
            key="data_classes",
            default=["circle", "square"],
            url="classes",
            valid=lambda v: isinstance(v, list) and set(v) <= set(data.SHAPE_CLASSES),
            format_func=_labels("shape", data.SHAPE_CLASSES),
            max_selections=3,
        )
        n = ui.widget(
            st.select_slider,
            t("data.n"),
            COUNTS,
            key="data_n",
            default=2000,
            url="n",
            valid=lambda v: v in COUNTS,
        )
    with c2:
        size = ui.widget(
            st.select_slider,
            t("data.size"),
            SIDES,
            key="data_size",
            default=32,
            url="size",
            valid=lambda v: v in SIDES,
        )
        channels = ui.widget(
            st.radio,
            t("data.color"),
            [1, 3],
            key="data_channels",
            default=1,
            url="ch",
            valid=lambda v: v in (1, 3),
            format_func={1: t("data.gray"), 3: t("data.rgb")}.get,
            horizontal=True,
        )
    with c3:
        noise = ui.widget(
            st.slider,
            t("data.noise"),
            0.0,
            0.5,
            key="data_noise",
            default=0.0,
            url="noise",
            valid=lambda v: 0.0 <= v <= 0.5,
            step=0.05,
            help=t("data.noise_help"),
        )
        clutter = ui.widget(
            st.slider,
            t("data.clutter"),
            0,
            10,
            key="data_clutter",
            default=0,
            url="clutter",
            valid=lambda v: 0 <= v <= 10,
            help=t("data.clutter_help"),
        )
        seed = ui.widget(
            st.number_input,
            t("data.seed"),
            0,
            10_000,
            key="data_seed",
            default=0,
            url="seed",
            valid=lambda v: 0 <= v <= 10_000,
            help=t("data.seed_help"),
        )
    return {
        "source": "shapes",
        "n": int(n),
        "size": int(size),
        "channels": int(channels),
        "classes": [c for c in data.SHAPE_CLASSES if c in classes],  # a stable label order
        "noise": float(noise),
        "clutter": int(clutter),
        "seed": int(seed),
    }


def _keras_spec() -> dict:
    st.caption(t("data.about_keras"))
    c1, c2 = st.columns(2)
    with c1:
        name = ui.widget(
            st.selectbox,
            t("data.keras_name"),
            list(data.KERAS_SETS),
            key="data_keras_name",
            default="mnist",
            url="kname",
            valid=lambda v: v in data.KERAS_SETS,
        )
    with c2:
        n = ui.widget(
            st.select_slider,
            t("data.keras_n"),
            KERAS_COUNTS,
            key="data_keras_n",
            default=10_000,
            url="kn",
            valid=lambda v: v in KERAS_COUNTS,
        )
    st.caption(t("data.keras_cache", path=data.keras_cache_dir()))
    return {"source": "keras", "name": name, "n": int(n), "seed": 0}


def _image_options() -> dict:
    c1, c2, c3 = st.columns(3)
    with c1:
        side = ui.widget(
            st.select_slider,
            t("data.image_size"),
            IMAGE_SIDES,
            key="data_image_size",
            default=150,
            url="isize",
            valid=lambda v: v in IMAGE_SIDES,
            help=t("data.image_size_help"),
        )
    with c2:
        fit = ui.widget(
            st.radio,
            t("data.fit"),
            list(data.FITS),
            key="data_fit",
            default="crop",
            url="fit",
            valid=lambda v: v in data.FITS,
            format_func=_labels("fit", data.FITS),
            help=t("data.fit_help"),
        )
    with c3:
        channels = ui.widget(
            st.radio,
            t("data.color"),
            [3, 1],
            key="data_image_channels",
            default=3,
            url="ich",
            valid=lambda v: v in (1, 3),
            format_func={1: t("data.gray"), 3: t("data.rgb")}.get,
        )
    return {"image_size": [int(side), int(side)], "fit": fit, "channels": int(channels)}


def _folder_spec() -> dict | None:
    st.caption(t("data.about_folder"))
    root = data.data_root()
    st.caption(t("data.root", path=root), help=t("data.root_help"))
    folders = data.list_folders(root)
    if not folders:
        st.info(t("data.no_folders", path=root), icon=":material/folder_off:")
        return None
    path = ui.widget(
        st.selectbox,
        t("data.folder"),
        folders,
        key="data_folder",
        default=folders[0],
        url="folder",
        valid=lambda v: v in folders,
    )
    return {"source": "folder", "path": path, **_image_options()}


def _upload_spec() -> dict | None:
    st.caption(t("data.about_upload", mb=UPLOAD_MB))
    file = st.file_uploader(t("data.upload"), type=["zip"], key="data_upload")
    ui.initial_value("data_upload_id", "", url="up", valid=lambda v: isinstance(v, str))
    if file is not None:
        try:
            st.session_state["data_upload_id"] = data.save_upload(file.getvalue())
        except ValueError as err:
            ui.error_box(t("data.bad_zip", detail=err))
            return None
    upload_id = st.session_state["data_upload_id"]
    st.session_state["_keep"]["data_upload_id"] = upload_id
    if not upload_id:
        st.info(t("data.upload_none"), icon=":material/upload_file:")
        return None
    st.query_params["up"] = upload_id
    if file is None:
        st.caption(t("data.upload_kept", id=upload_id))
    return {"source": "upload", "id": upload_id, **_image_options()}


def _split_settings() -> dict:
    with st.expander(t("data.split_title"), icon=":material/call_split:", expanded=True):
        c1, c2, c3 = st.columns(3)
        with c1:
            val = ui.widget(
                st.slider,
                t("data.val_fraction"),
                0.1,
                0.5,
                key="data_val",
                default=0.2,
                url="val",
                valid=lambda v: 0.1 <= v <= 0.5,
                step=0.05,
                help=t("data.val_help"),
            )
        with c2:
            test = ui.widget(
                st.slider,
                t("data.test_fraction"),
                0.0,
                0.3,
                key="data_test",
                default=0.0,
                url="test",
                valid=lambda v: 0.0 <= v <= 0.3,
                step=0.05,
                help=t("data.test_help"),
            )
        with c3:
            seed = ui.widget(
                st.number_input,
                t("data.split_seed"),
                0,
                10_000,
                key="data_split_seed",
                default=0,
                url="sseed",
                valid=lambda v: 0 <= v <= 10_000,
            )
    return {"val_fraction": round(float(val), 2), "test_fraction": round(float(test), 2),
            "seed": int(seed)}  # fmt: skip


def _load(spec: dict) -> tuple[data.Dataset, data.FolderReport | None] | None:
    """The dataset of ``spec``, or an error box (never a traceback) and None."""
    try:
        with st.spinner(t("data.loading")):
            return data.load_spec(spec)
    except data.KerasDataError as err:
        msg = t("data.keras_offline", name=spec["name"], path=err.path)
        ui.error_box(f"{msg}\n\n`{err.cause}`")
    except ValueError as err:
        ui.error_box(t("data.bad_data", detail=err))
    except MemoryError:
        ui.error_box(t("data.bad_data", detail="not enough memory"))
    return None


def _summary(ds: data.Dataset, parts: dict[str, list[int]]) -> None:
    h, w, c = ds.image_shape
    values = [
        (t("data.m_images"), ui.count(len(ds))),
        (t("data.m_classes"), ds.num_classes),
        (t("data.m_shape"), f"{h}×{w}×{c}"),
        (t("data.m_memory"), f"{ds.nbytes / 2**20:.1f} MB"),
        (t("data.m_split"), " / ".join(ui.count(sum(v)) for v in parts.values())),
    ]
    rows = [values[:3], values[3:]] if ui.projector() else [values]  # room for big type
    for row in rows:  # the split ("1,600 / 400") gets the widest column
        widths = [1.6 if label == t("data.m_split") else 1 for label, _ in row]
        for col, (label, value) in zip(st.columns(widths), row, strict=True):
            col.metric(label, value)
    shown = ui.class_names(ds.class_names)
    names = ", ".join(shown[:10]) + (" …" if ds.num_classes > 10 else "")
    st.success(
        t("data.model_input", shape=f"`{ds.image_shape}`", k=ds.num_classes, names=names),
        icon=":material/input:",
    )
    st.page_link("page_train.py", label=t("data.to_train"), icon=":material/model_training:")


def _samples(ds: data.Dataset) -> None:
    st.subheader(t("data.samples_title"))
    ui.initial_value("data_sample_seed", 0)
    if st.button(t("data.samples_more"), key="data_more", icon=":material/shuffle:"):
        st.session_state["data_sample_seed"] += 1
    cell = (96 if ds.num_classes <= 4 else 64) + (24 if ui.projector() else 0)
    fig = viz.sample_grid_figure(
        ds,
        per_class=8,
        seed=st.session_state["data_sample_seed"],
        cell=cell,
        font_size=style.font_size,
        names=ui.class_names(ds.class_names),
    )
    st.plotly_chart(fig, config=PLOT_CFG, key="data_grid")
    st.caption(t("data.samples_caption"))


def _balance(ds: data.Dataset, parts: dict[str, list[int]]) -> None:
    st.subheader(t("data.balance_title"))
    labels = {p: t(f"data.part_{p}") for p in parts}
    fig = viz.balance_figure(
        parts,
        ui.class_names(ds.class_names),
        font_size=style.font_size,
        height=max(260, style.height - 120),
        labels=labels,
    )
    st.plotly_chart(fig, config=PLOT_CFG, key="data_balance")
    st.caption(t("data.balance_caption"))


def _report(rep: data.FolderReport) -> None:
    n = rep.loaded
    if rep.from_cache:
        st.caption(t("data.report_timing_cached", n=n, s=rep.seconds))
    else:
        st.caption(t("data.report_timing_decoded", n=n, s=rep.seconds))
    if not rep.skipped:
        st.caption(t("data.report_clean", files=rep.files))
    else:
        title = t("data.report_title", n=len(rep.skipped), files=rep.files)
        with st.expander(title, icon=":material/report:", expanded=True):
            reasons = pd.DataFrame(
                {
                    t("data.report_reason"): [t(f"data.reason_{r}") for r in rep.by_reason()],
                    t("data.report_count"): list(rep.by_reason().values()),
                }
            )
            st.dataframe(reasons, hide_index=True, key="data_reasons")
            files = pd.DataFrame(
                {
                    t("data.report_file"): [s.path for s in rep.skipped],
                    t("data.report_reason"): [t(f"data.reason_{s.reason}") for s in rep.skipped],
                    t("data.report_detail"): [s.detail for s in rep.skipped],
                }
            )
            height = "auto" if len(files) <= 8 else 320
            st.dataframe(files, hide_index=True, key="data_skipped", height=height)
    if rep.notes:
        st.caption(t("data.report_notes"))
        st.dataframe(
            pd.DataFrame(
                {
                    t("data.report_file"): [s.path for s in rep.notes],
                    t("data.report_detail"): [s.detail for s in rep.notes],
                }
            ),
            hide_index=True,
            key="data_notes",
        )
    if rep.empty_classes:
        st.warning(t("data.report_empty_classes", names=", ".join(rep.empty_classes)))


def _augment_defaults() -> dict:
    """The model's own augmentation (Architecture page), when there is one."""
    raw = st.session_state.get("model_cfg")
    aug = raw.get("augment") if isinstance(raw, dict) else None
    if not isinstance(aug, dict):
        return {}
    try:
        return asdict(data.AugmentConfig.from_any(aug))
    except (TypeError, ValueError):
        return {}


def _augmentation(ds: data.Dataset) -> None:
    st.subheader(t("data.aug_title"))
    st.caption(t("data.aug_caption"))
    base = _augment_defaults()
    if base:
        st.caption(t("data.aug_from_model"))
    if not 0 <= st.session_state.get("data_aug_index", 0) < len(ds):
        st.session_state["data_aug_index"] = 0  # a smaller dataset than before
    c1, c2, c3 = st.columns(3)
    with c1:
        flip = ui.widget(
            st.selectbox,
            t("data.aug_flip"),
            list(data.FLIPS),
            key="data_aug_flip",
            default=base.get("flip", "horizontal"),
            url="flip",
            valid=lambda v: v in data.FLIPS,
            format_func=_labels("flip", data.FLIPS),
        )
        index = ui.widget(
            st.number_input,
            t("data.aug_image"),
            0,
            len(ds) - 1,
            key="data_aug_index",
            default=0,
            valid=lambda v: 0 <= v < len(ds),
        )
    with c2:
        rotation = ui.widget(
            st.slider,
            t("data.aug_rotation"),
            0.0,
            0.5,
            key="data_aug_rotation",
            default=float(base.get("rotation", 0.05)),
            url="rot",
            valid=lambda v: 0.0 <= v <= 0.5,
            step=0.01,
            help=t("data.aug_rotation_help"),
        )
        zoom = ui.widget(
            st.slider,
            t("data.aug_zoom"),
            0.0,
            0.5,
            key="data_aug_zoom",
            default=float(base.get("zoom", 0.1)),
            url="zoom",
            valid=lambda v: 0.0 <= v <= 0.5,
            step=0.01,
        )
    with c3:
        contrast = ui.widget(
            st.slider,
            t("data.aug_contrast"),
            0.0,
            0.9,
            key="data_aug_contrast",
            default=float(base.get("contrast", 0.2)),
            url="contrast",
            valid=lambda v: 0.0 <= v <= 0.9,
            step=0.05,
        )
        brightness = ui.widget(
            st.slider,
            t("data.aug_brightness"),
            0.0,
            0.5,
            key="data_aug_brightness",
            default=float(base.get("brightness", 0.0)),
            url="bright",
            valid=lambda v: 0.0 <= v <= 0.5,
            step=0.05,
        )
    ui.initial_value("data_aug_seed", 0)
    if st.button(t("data.aug_again"), key="data_aug_again", icon=":material/casino:"):
        st.session_state["data_aug_seed"] += 1
    cfg = data.AugmentConfig(flip, rotation, zoom, contrast, brightness)
    image = ds.x[int(index)]
    variants = data.augment_many(image, cfg, 7, seed=st.session_state["data_aug_seed"])
    per_row = 4 if not ui.projector() else 8
    cell = 128 if ui.projector() or image.shape[0] < 64 else 160
    fig = viz.strip_figure(
        [image, *variants], cell=cell, per_row=per_row, font_size=style.font_size
    )
    st.plotly_chart(fig, config=PLOT_CFG, key="data_aug")


def main() -> None:
    source = ui.widget(
        st.radio,
        t("data.source"),
        list(data.SOURCES),
        key="data_source",
        default="shapes",
        url="src",
        valid=lambda v: v in data.SOURCES,
        format_func=_labels("src", data.SOURCES),
        horizontal=True,
    )
    if source == "shapes":
        spec = _shapes_spec()
        if len(spec["classes"]) < 2:
            ui.error_box(t("data.bad_data", detail=f"classes={spec['classes']} (2 or 3)"))
            return
    elif source == "lfw":
        st.caption(t("data.about_lfw"))
        spec = {"source": "lfw"}
    elif source == "keras":
        spec = _keras_spec()
    elif source == "folder":
        spec = _folder_spec()
    else:
        spec = _upload_spec()
    if spec is None:
        return
    spec["split"] = _split_settings()
    loaded = _load(spec)
    if loaded is None:
        return
    ds, report = loaded
    st.session_state["dataset_spec"] = ds.spec.to_dict() if ds.spec else spec
    st.session_state["dataset_info"] = {
        "input_shape": list(ds.image_shape),
        "num_classes": ds.num_classes,
        "class_names": list(ds.class_names),
    }
    sp = spec["split"]
    tr, va, te = data.split_indices(
        ds.y, val_fraction=sp["val_fraction"], test_fraction=sp["test_fraction"], seed=sp["seed"]
    )
    parts = {"train": ds.y[tr], "val": ds.y[va]}
    if sp["test_fraction"] > 0:
        parts["test"] = ds.y[te]
    counts = {p: [int((y == c).sum()) for c in range(ds.num_classes)] for p, y in parts.items()}
    _summary(ds, counts)
    if report is not None:
        _report(report)
    _samples(ds)
    _balance(ds, counts)
    _augmentation(ds)


main()
