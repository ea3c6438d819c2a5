"""Data: pick the dataset Train will use, look at it, and preview augmentation.

Sources: synthetic shapes (the tutorial's toy), synthetic cats and dogs (the 10-epoch
challenge), scikit-image's LFW faces, the Keras datasets, an image folder under the data
root (the notebook's PetImages) or a zip upload. The page is thin: ``cnnlab.data``
builds, loads, caches, splits and counts; ``cnnlab.viz`` draws. The chosen recipe goes
to ``st.session_state["dataset_spec"]`` (Train rebuilds the same data with
``cnnlab.data.from_spec``) and its main settings to the URL. Names from a folder are
shown through ``ui.safe_name`` (a name that is not UTF-8 never breaks the
page) and a loader's words only in a folded "Details" box.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict

import pandas as pd
import streamlit as st

from cnnlab import data, viz
from dashboard import params, ui
from dashboard.boundary import explain
from dashboard.i18n import t

PLOT_CFG = {"displaylogo": False, "displayModeBar": False, "staticPlot": True}
SIDES = [16, 24, 32, 48, 64, 96, 128]
COUNTS = [200, 500, 1000, 2000, 5000, 10_000]
KERAS_COUNTS = [1000, 2000, 5000, 10_000, 20_000, 50_000]
IMAGE_SIDES = [32, 48, 64, 96, 128, 150, 192, 224, 256]
CHANNELS = (1, 3)  # grey or RGB
MAX_CLASSES = 3  # shapes in one dataset
# The sliders' and seeds' ranges, as the widgets and the links (?noise=0.1) read them.
NOISE = params.Float("noise", 0.0, 0.5, step=0.05)
CLUTTER = params.Int("clutter", 0, 10)
MIN_SEED, MAX_SEED = 0, 10_000
VAL = params.Float("val", 0.1, 0.5, step=0.05)
TEST = params.Float("test", 0.0, 0.3, step=0.05)
ROTATION = params.Float("rot", 0.0, 0.5, step=0.01)
ZOOM = params.Float("zoom", 0.0, 0.5, step=0.01)
CONTRAST = params.Float("contrast", 0.0, 0.9, step=0.05)
BRIGHTNESS = params.Float("bright", 0.0, 0.5, step=0.05)
UPLOAD_MB = 20  # .streamlit/config.toml server.maxUploadSize
# A decoder's note on a loaded file, "JPEG data in a .png file: loaded", said in words.
_NOTE = re.compile(r"^(?P<kind>\w+) data in a (?P<ext>\.\w+) file: loaded$")


def _details(text: object) -> None:
    """A loader's own words, folded under the message, without server paths: a core
    error with a code in the page's language (:func:`dashboard.boundary.explain`)."""
    if isinstance(text, BaseException):
        text = explain(text) or text
    with st.expander(t("common.error_details"), icon=":material/info:"):
        st.text(data.plain_detail(text))


# -------------------------------------------------------------------------- sources
def _shapes_spec() -> dict | None:
    st.caption(t("data.about_shapes"))
    if ui.projector():  # three class chips in big type need the whole width
        c1, (c2, c3) = st.container(), st.columns(2)
    else:
        c1, c2, c3 = st.columns(3)
    with c1:
        classes = ui.widget(
            st.multiselect,
            t("data.classes"),
            list(data.SHAPE_CLASSES),
            key="data_classes",
            default=["circle", "square"],
            url=params.Choices("classes", data.SHAPE_CLASSES, most=MAX_CLASSES),
            format_func=ui.labels("data.shape_", data.SHAPE_CLASSES),
            max_selections=MAX_CLASSES,
        )
        n = ui.widget(
            st.select_slider,
            t("data.n"),
            COUNTS,
            key="data_n",
            default=2000,
            url=params.Choice("n", COUNTS),
        )
    with c2:
        size = ui.widget(
            st.select_slider,
            t("data.size"),
            SIDES,
            key="data_size",
            default=32,
            url=params.Choice("size", SIDES),
        )
        channels = ui.widget(
            st.radio,
            t("data.color"),
            list(CHANNELS),
            key="data_channels",
            default=1,
            url=params.Choice("ch", CHANNELS),
            format_func={1: t("data.gray"), 3: t("data.rgb")}.get,
            horizontal=True,
        )
    with c3:
        noise = ui.widget(
            st.slider,
            t("data.noise"),
            NOISE.lo,
            NOISE.hi,
            key="data_noise",
            default=0.0,
            url=NOISE,
            step=NOISE.step,
            help=t("data.noise_help"),
        )
        clutter = ui.widget(
            st.slider,
            t("data.clutter"),
            CLUTTER.lo,
            CLUTTER.hi,
            key="data_clutter",
            default=0,
            url=CLUTTER,
            help=t("data.clutter_help"),
        )
        seed = ui.widget(
            st.number_input,
            t("data.seed"),
            MIN_SEED,
            MAX_SEED,
            key="data_seed",
            default=0,
            url=params.Int("seed", MIN_SEED, MAX_SEED),
            help=t("data.seed_help"),
        )
    if len(classes) < 2:
        ui.error_box(t("data.need_two_classes"))
        return None
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


def _challenge_spec() -> dict:
    st.caption(t("data.about_challenge"))
    return {"source": "challenge"}  # the challenge's own images: comparable runs


def _lfw_spec() -> dict:
    st.caption(t("data.about_lfw"))
    return {"source": "lfw"}


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
            url=params.Choice("kname", data.KERAS_SETS),
            format_func=ui.labels("data.keras_", data.KERAS_SETS),
        )
    with c2:
        n = ui.widget(
            st.select_slider,
            t("data.keras_n"),
            KERAS_COUNTS,
            key="data_keras_n",
            default=10_000,
            url=params.Choice("kn", KERAS_COUNTS),
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
            url=params.Choice("isize", IMAGE_SIDES),
            help=t("data.image_size_help"),
        )
    with c2:
        fit = ui.widget(
            st.radio,
            t("data.fit"),
            list(data.FITS),
            key="data_fit",
            default="crop",
            url=params.Choice("fit", data.FITS),
            format_func=ui.labels("data.fit_", data.FITS),
            help=t("data.fit_help"),
        )
    with c3:
        channels = ui.widget(
            st.radio,
            t("data.color"),
            list(reversed(CHANNELS)),
            key="data_image_channels",
            default=3,
            url=params.Choice("ich", CHANNELS),
            format_func={1: t("data.gray"), 3: t("data.rgb")}.get,
        )
    return {"image_size": [int(side), int(side)], "fit": fit, "channels": int(channels)}


def _folder_spec() -> dict | None:
    st.caption(t("data.about_folder"))
    root = data.data_root()
    st.caption(t("data.root", path=ui.safe_name(root)), help=t("data.root_help"))
    folders = data.list_folders(root)
    if not folders:
        st.info(t("data.no_folders", path=ui.safe_name(root)), icon=":material/folder_off:")
        return None
    # The URL is written below, only for a name a link can hold (not one with odd bytes).
    ui.initial_value("data_folder", folders[0], params.Choice("folder", folders))
    path = ui.widget(
        st.selectbox,
        t("data.folder"),
        folders,
        key="data_folder",
        default=folders[0],
        valid=lambda v: v in folders,
        format_func=ui.safe_name,
    )
    if ui.safe_name(path) == path:
        params.put("folder", path)
    else:
        params.drop("folder")
    return {"source": "folder", "path": path, **_image_options()}


def _is_upload(upload_id: object) -> bool:
    """Whether ``upload_id`` names a zip extracted on this server (a link may hold any
    text, and an old link a zip that is gone)."""
    try:
        data.upload_path(upload_id)  # type: ignore[arg-type]
    except ValueError:
        return upload_id == ""
    return True


def _upload_spec() -> dict | None:
    st.caption(t("data.about_upload", mb=UPLOAD_MB))
    file = st.file_uploader(t("data.upload"), type=["zip"], key="data_upload")
    ui.initial_value("data_upload_id", "", url=params.Text("up", valid=_is_upload))
    if file is not None:
        try:
            with ui.progress_bar("data.progress_unzip") as bar:
                st.session_state["data_upload_id"] = data.save_upload(file.getvalue(), progress=bar)
        except ValueError as err:
            ui.error_box(t("data.bad_zip"))
            _details(err)
            return None
    upload_id = st.session_state["data_upload_id"]
    st.session_state["_keep"]["data_upload_id"] = upload_id
    if not upload_id:
        st.info(t("data.upload_none"), icon=":material/upload_file:")
        return None
    params.put("up", upload_id)
    if file is None:
        st.caption(t("data.upload_kept", id=ui.safe_name(upload_id)))
    return {"source": "upload", "id": upload_id, **_image_options()}


# Each source's settings; a source the core offers but the page has no section for is
# not offered.
_SECTIONS: dict[str, Callable[[], dict | None]] = {
    "shapes": _shapes_spec,
    "challenge": _challenge_spec,
    "lfw": _lfw_spec,
    "keras": _keras_spec,
    "folder": _folder_spec,
    "upload": _upload_spec,
}


def _source() -> str:
    sources = [s for s in data.SOURCES if s in _SECTIONS]
    return ui.widget(
        st.radio,
        t("data.source"),
        sources,
        key="data_source",
        default="shapes",
        url=params.Choice("src", sources),
        format_func=ui.labels("data.src_", sources),
        horizontal=True,
    )


def _split_settings() -> dict:
    with st.expander(t("data.split_title"), icon=":material/call_split:", expanded=True):
        c1, c2, c3 = st.columns(3)
        with c1:
            val = ui.widget(
                st.slider,
                t("data.val_fraction"),
                VAL.lo,
                VAL.hi,
                key="data_val",
                default=0.2,
                url=VAL,
                step=VAL.step,
                help=t("data.val_help"),
            )
        with c2:
            test = ui.widget(
                st.slider,
                t("data.test_fraction"),
                TEST.lo,
                TEST.hi,
                key="data_test",
                default=0.0,
                url=TEST,
                step=TEST.step,
                help=t("data.test_help"),
            )
        with c3:
            seed = ui.widget(
                st.number_input,
                t("data.split_seed"),
                MIN_SEED,
                MAX_SEED,
                key="data_split_seed",
                default=0,
                url=params.Int("sseed", MIN_SEED, MAX_SEED),
            )
    return {"val_fraction": round(float(val), 2), "test_fraction": round(float(test), 2),
            "seed": int(seed)}  # fmt: skip


# ---------------------------------------------------------------------- the dataset
# The sources whose loading reports progress, and the text of their bar.
_PROGRESS = {
    "folder": "data.progress_decode",
    "upload": "data.progress_decode",
    "keras": "data.progress_keras",
}


def _load(spec: dict) -> tuple[data.Dataset, data.FolderReport | None] | None:
    """The dataset of ``spec``, or a message in the page's language (the loader's words
    folded under it; never a traceback) and None."""
    try:
        key = _PROGRESS.get(spec["source"])
        if key is None:  # generated in memory: no counts to show
            with st.spinner(t("data.loading")):
                return data.load_spec(spec)
        with ui.progress_bar(key) as bar:  # files decoded, or the Keras download's steps
            return data.load_spec(spec, progress=bar)
    except data.KerasDataError as err:
        ui.error_box(t("data.keras_offline", name=spec["name"], path=err.path))
        _details(err.cause)
    except ValueError as err:
        ui.error_box(t("data.bad_data"))
        _details(err)
    except MemoryError:
        ui.error_box(t("common.error_memory"))
    return None


def _publish(ds: data.Dataset, spec: dict) -> None:
    """What Train uses: the recipe, and the shapes it gives the model."""
    st.session_state["dataset_spec"] = ds.spec.to_dict() if ds.spec else spec
    st.session_state["dataset_info"] = {
        "input_shape": list(ds.image_shape),
        "num_classes": ds.num_classes,
        "class_names": list(ds.class_names),
    }


def _summary(ds: data.Dataset, counts: dict[str, list[int]]) -> None:
    h, w, c = ds.image_shape
    values = [
        (t("data.m_images"), ui.count(len(ds))),
        (t("data.m_classes"), ui.count(ds.num_classes)),
        (t("data.m_shape"), f"{h}×{w}×{c}"),
        (t("data.m_memory"), f"{ui.count(ds.nbytes / 2**20, 1)} MB"),
        (t("data.m_split"), " / ".join(ui.count(sum(v)) for v in counts.values())),
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
        font_size=ui.style().font_size,
        names=ui.class_names(ds.class_names),
    )
    ui.plot(fig, config=PLOT_CFG, key="data_grid")
    st.caption(t("data.samples_caption"))


def _balance(ds: data.Dataset, counts: dict[str, list[int]]) -> None:
    st.subheader(t("data.balance_title"))
    style = ui.style()
    fig = viz.balance_figure(
        counts,
        ui.class_names(ds.class_names),
        font_size=style.font_size,
        height=max(260, style.height - 120),
        labels={p: t(f"data.part_{p}") for p in counts},
    )
    ui.plot(fig, config=PLOT_CFG, key="data_balance")
    st.caption(t("data.balance_caption"))


def _note(detail: str) -> str:
    """A decoder's note on a loaded file, in the page's language when it is a known one."""
    m = _NOTE.match(detail)
    return t("data.note_mismatch", **m.groupdict()) if m else data.plain_detail(detail)


def _report(rep: data.FolderReport) -> None:
    """What a folder's load found: timing, skipped files and why, remarks."""
    n, s = ui.count(rep.loaded), ui.count(rep.seconds, 3 if rep.from_cache else 2)
    st.caption(t(f"data.report_timing_{'cached' if rep.from_cache else 'decoded'}", n=n, s=s))
    files = ui.count(rep.files)
    if not rep.skipped:
        st.caption(t("data.report_clean", files=files))
    else:
        title = t("data.report_title", n=ui.count(len(rep.skipped)), files=files)
        with st.expander(title, icon=":material/report:", expanded=True):
            by_reason = rep.by_reason()
            reasons = pd.DataFrame(
                {
                    t("data.report_reason"): [t(f"data.reason_{r}") for r in by_reason],
                    t("data.report_count"): list(by_reason.values()),
                }
            )
            st.dataframe(reasons, hide_index=True, key="data_reasons")
            paths = [ui.safe_name(s.path) for s in rep.skipped]
            skipped = pd.DataFrame(
                {
                    t("data.report_file"): paths,
                    t("data.report_reason"): [t(f"data.reason_{s.reason}") for s in rep.skipped],
                }
            )
            height = "auto" if len(skipped) <= 8 else 320
            st.dataframe(skipped, hide_index=True, key="data_skipped", height=height)
            with st.expander(t("data.report_detail_title"), icon=":material/info:"):
                details = pd.DataFrame(
                    {
                        t("data.report_file"): paths,
                        t("data.report_detail"): [data.plain_detail(s.detail) for s in rep.skipped],
                    }
                )
                st.dataframe(details, hide_index=True, key="data_details", height=height)
    if rep.notes:
        st.caption(t("data.report_notes"))
        st.dataframe(
            pd.DataFrame(
                {
                    t("data.report_file"): [ui.safe_name(s.path) for s in rep.notes],
                    t("data.report_detail"): [_note(s.detail) for s in rep.notes],
                }
            ),
            hide_index=True,
            key="data_notes",
        )
    if rep.empty_classes:
        names = ", ".join(ui.safe_name(c) for c in rep.empty_classes)
        st.warning(t("data.report_empty_classes", names=names))


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


def _augment_settings(ds: data.Dataset, base: dict) -> tuple[data.AugmentConfig, int]:
    """The preview's augmentation and which image it shows."""
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
            url=params.Choice("flip", data.FLIPS),
            format_func=ui.labels("data.flip_", data.FLIPS),
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
            ROTATION.lo,
            ROTATION.hi,
            key="data_aug_rotation",
            default=float(base.get("rotation", 0.05)),
            url=ROTATION,
            step=ROTATION.step,
            help=t("data.aug_rotation_help"),
        )
        zoom = ui.widget(
            st.slider,
            t("data.aug_zoom"),
            ZOOM.lo,
            ZOOM.hi,
            key="data_aug_zoom",
            default=float(base.get("zoom", 0.1)),
            url=ZOOM,
            step=ZOOM.step,
        )
    with c3:
        contrast = ui.widget(
            st.slider,
            t("data.aug_contrast"),
            CONTRAST.lo,
            CONTRAST.hi,
            key="data_aug_contrast",
            default=float(base.get("contrast", 0.2)),
            url=CONTRAST,
            step=CONTRAST.step,
        )
        brightness = ui.widget(
            st.slider,
            t("data.aug_brightness"),
            BRIGHTNESS.lo,
            BRIGHTNESS.hi,
            key="data_aug_brightness",
            default=float(base.get("brightness", 0.0)),
            url=BRIGHTNESS,
            step=BRIGHTNESS.step,
        )
    return data.AugmentConfig(flip, rotation, zoom, contrast, brightness), int(index)


def _augmentation(ds: data.Dataset) -> None:
    st.subheader(t("data.aug_title"))
    st.caption(t("data.aug_caption"))
    base = _augment_defaults()
    if base:
        st.caption(t("data.aug_from_model"))
    cfg, index = _augment_settings(ds, base)
    ui.initial_value("data_aug_seed", 0)
    if st.button(t("data.aug_again"), key="data_aug_again", icon=":material/casino:"):
        st.session_state["data_aug_seed"] += 1
    image = ds.x[index]
    variants = data.augment_many(image, cfg, 7, seed=st.session_state["data_aug_seed"])
    per_row = 4 if not ui.projector() else 8
    cell = 128 if ui.projector() or image.shape[0] < 64 else 160
    fig = viz.strip_figure(
        [image, *variants], cell=cell, per_row=per_row, font_size=ui.style().font_size
    )
    ui.plot(fig, config=PLOT_CFG, key="data_aug")


def render() -> None:
    ui.header("data")
    spec = _SECTIONS[_source()]()
    if spec is None:
        return
    spec["split"] = _split_settings()
    loaded = _load(spec)
    if loaded is None:
        return
    ds, report = loaded
    _publish(ds, spec)
    sp = spec["split"]
    counts = data.split_counts(
        ds.y,
        ds.num_classes,
        val_fraction=sp["val_fraction"],
        test_fraction=sp["test_fraction"],
        seed=sp["seed"],
    )
    _summary(ds, counts)
    if report is not None:
        _report(report)
    _samples(ds)
    _balance(ds, counts)
    _augmentation(ds)


if __name__ == "__main__":
    render()
