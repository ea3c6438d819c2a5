"""Train: the design from Architecture on the data from Data, with live curves.

Training runs in a worker thread owned by the process-wide registry; this page only reads
it (a fragment polls once a second), so clicks, page switches and reloads never kill it.
The job id lives in the URL (``?job=``) so a reload re-attaches.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import streamlit as st

from cnnlab.compare import overfit_epoch
from cnnlab.data import (
    DatasetSpec,
    FolderSpec,
    KerasSpec,
    ShapesSpec,
    SplitSpec,
    UploadSpec,
    split_spec,
)
from cnnlab.inspect import confusion_matrix
from cnnlab.model import PRESETS, layer_table
from cnnlab.train import OPTIMIZERS, TrainConfig
from cnnlab.viz import confusion_figure, curves_figure, upscale
from dashboard import state, ui
from dashboard.i18n import t

CHALLENGE_EPOCHS, CHALLENGE_SEED = 10, 0  # the notebook's exercise: 10 epochs, fixed split
LEARNING_RATES = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
BATCH_SIZES = [8, 16, 32, 64, 128, 256]


def _what_trains() -> tuple:
    """Show the design and the data that will train; return (cfg, spec, error)."""
    cfg, spec = state.model_cfg(), state.data_spec()
    from cnnlab.data import input_shape

    try:
        shape = input_shape(spec)
        data_error = None
    except ValueError as exc:
        shape, data_error = cfg.input_shape, str(exc)
    sized = cfg.with_data(input_shape=shape, num_classes=spec.num_classes or 2)
    error = data_error
    params = None
    try:
        params = sum(r.params for r in layer_table(sized))
    except ValueError as exc:
        error = t("train.impossible", reason=str(exc))
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.markdown(f"**{t('train.model')}:** `{cfg.name}`")
        if params is not None:
            st.markdown(t("train.model_params", params=ui.count(params), shape=str(tuple(shape))))
        st.page_link("page_architecture.py", label=t("train.change_model"), icon=":material/edit:")
    with right, st.container(border=True):
        st.markdown(f"**{t('train.data')}:** {t('data.src_' + spec.source)}")
        st.caption(_spec_text(spec))
        st.page_link("page_data.py", label=t("train.change_data"), icon=":material/edit:")
    c1, c2 = st.columns(2)
    for col, name in ((c1, "shapes"), (c2, "pets")):
        if col.button(
            t(f"train.preset_{name}"), key=f"train_preset_{name}", width="stretch",
            icon=":material/download:", help=t(f"train.preset_{name}_help"),
        ):  # fmt: skip
            st.session_state["model_cfg"] = PRESETS[f"seed_{name}"].to_dict()
            if name == "shapes":
                st.session_state["dataset_spec"] = dict(state.DEFAULT_SPEC)
            st.session_state[_LOADED] = name
            st.rerun()
    if loaded := st.session_state.pop(_LOADED, None):  # once, after the click
        st.success(t(f"train.preset_loaded_{loaded}"), icon=":material/check_circle:")
    return cfg, spec, error


_LOADED = "_train_preset_loaded"  # which preset button was just pressed


def _spec_text(spec: DatasetSpec) -> str:
    """One line on the dataset, in the page's language ("2,000 images 32×32×1 · …")."""
    if isinstance(spec, ShapesSpec):
        return t(
            "train.spec_shapes", n=ui.count(spec.n), side=spec.size, c=spec.channels,
            classes=", ".join(ui.class_names(spec.classes)), noise=spec.noise,
            clutter=spec.clutter, seed=spec.seed,
        )  # fmt: skip
    if isinstance(spec, KerasSpec):
        return t("train.spec_keras", name=spec.name, n=ui.count(spec.n), seed=spec.seed)
    if isinstance(spec, FolderSpec | UploadSpec):
        h, w, c = spec.input_shape
        where = spec.path if isinstance(spec, FolderSpec) else spec.id
        return t("train.spec_folder", where=where, h=h, w=w, c=c)
    return t(f"train.spec_{spec.source}")


def _settings() -> tuple[TrainConfig, bool]:
    challenge = ui.widget(
        st.toggle, t("train.challenge"), key="train_challenge", default=False, url="challenge",
        help=t("train.challenge_help"),
    )  # fmt: skip
    c1, c2, c3 = st.columns(3)
    optimizer = ui.widget(
        c1.selectbox, t("train.optimizer"), OPTIMIZERS, key="train_optimizer", default="adam",
        url="opt", valid=lambda v: v in OPTIMIZERS, format_func=lambda o: t(f"train.opt_{o}"),
    )  # fmt: skip
    lr = ui.widget(
        c2.select_slider, t("train.learning_rate"), LEARNING_RATES, key="train_lr",
        default=1e-3, url="lr", valid=lambda v: v in LEARNING_RATES, format_func=lambda v: f"{v:g}",
    )  # fmt: skip
    batch = ui.widget(
        c3.select_slider, t("train.batch_size"), BATCH_SIZES, key="train_batch", default=64,
        url="batch", valid=lambda v: v in BATCH_SIZES,
    )  # fmt: skip
    c4, c5, c6 = st.columns(3)
    if challenge:
        c4.number_input(
            t("train.epochs"), value=CHALLENGE_EPOCHS, disabled=True, key="train_ep_lock"
        )
        c5.number_input(t("train.seed"), value=CHALLENGE_SEED, disabled=True, key="train_seed_lock")
        epochs, seed, early = CHALLENGE_EPOCHS, CHALLENGE_SEED, False
        c6.caption(t("train.challenge_locked"))
    else:
        epochs = ui.widget(
            c4.number_input, t("train.epochs"), 1, 200, key="train_epochs", default=10,
            url="epochs",
        )  # fmt: skip
        seed = ui.widget(
            c5.number_input, t("train.seed"), 0, 10_000, key="train_seed", default=0, url="seed"
        )
        early = ui.widget(
            c6.toggle, t("train.early_stopping"), key="train_early", default=False,
            help=t("train.early_help"),
        )  # fmt: skip
    cfg = TrainConfig(
        optimizer=optimizer, learning_rate=float(lr), batch_size=int(batch), epochs=int(epochs),
        seed=int(seed), early_stopping=bool(early),
    )  # fmt: skip
    return cfg, bool(challenge)


def _start(cfg, spec: DatasetSpec, train_cfg: TrainConfig, challenge: bool) -> None:
    if challenge:
        spec = replace(spec, split=SplitSpec())  # the notebook's split: 20 %, seed 0
    try:
        with st.spinner(t("train.loading_data")):
            parts = split_spec(spec)
        train_data, val_data = parts[0], parts[1]
        job = state.registry().submit(
            cfg, train_data, val_data, train_cfg, owner=state.owner(),
            label=f"{cfg.name} · {spec.source}", tags=("challenge",) if challenge else (),
        )  # fmt: skip
    except ValueError as exc:
        ui.error_box(str(exc))
        return
    st.session_state["train_job"] = job.id
    st.query_params["job"] = job.id


def _current_job():
    reg = state.registry()
    job = reg.get(st.query_params.get("job")) or reg.get(st.session_state.get("train_job"))
    if job is not None:
        st.session_state["train_job"] = job.id
        st.query_params["job"] = job.id
    return job


def _labels() -> dict[str, str]:
    keys = ("loss", "accuracy", "train", "val", "batch", "epoch")
    return {k: t(f"train.curve_{k}") for k in keys}


def _live(job) -> None:
    """Status, progress, curves and Stop for one job (polled while it runs)."""
    reg = state.registry()
    status_text = t(f"train.status_{job.status}")
    if job.status == "queued":
        pos = reg.queue_position(job)
        st.info(t("train.queued", pos=pos or 1, running=reg.running), icon=":material/schedule:")
    elif job.status == "running":
        st.markdown(f"**{status_text}** · {t('train.device', device=job.device or '…')}")
    latest = job.latest
    if latest is not None:
        frac = min(1.0, latest["step"] / max(1, latest["steps"]))
        left = latest["seconds_left"]
        left_txt = "–" if not math.isfinite(left) else ui.count(left)
        st.progress(
            frac,
            text=t(
                "train.progress", epoch=int(latest["epoch"]) + 1, epochs=job.train_cfg.epochs,
                ips=ui.count(latest["images_per_second"]), left=left_txt,
            ),
        )  # fmt: skip
    elif job.status == "running":
        st.progress(0.0, text=t("train.starting"))
    if job.finishing:  # the last batch is done: Stop would do nothing now
        st.caption(t("train.finishing"))
    stop = (
        not job.done
        and not job.finishing
        and st.button(t("train.stop"), key="train_stop", icon=":material/stop_circle:")
    )
    if stop:
        reg.stop(job.id)
        st.rerun()
    s = ui.style()
    if job.batches or job.epochs:
        fig = curves_figure(
            list(job.batches), list(job.epochs), labels=_labels(), font_size=s.font_size,
            line_width=s.line_width, height=s.height, total_epochs=job.train_cfg.epochs,
        )  # fmt: skip
        st.plotly_chart(fig, key="train_curves", config={"displayModeBar": False})
    since = overfit_epoch(job.history())
    if since is not None:
        st.warning(t("train.overfitting", epoch=since), icon=":material/trending_up:")
    if job.done and st.session_state.get("_train_done_shown") != job.id:
        st.session_state["_train_done_shown"] = job.id
        st.rerun(scope="app")


@st.cache_data(show_spinner=False, max_entries=4)
def _predictions(job_id: str, _model, _x: np.ndarray) -> np.ndarray:
    from cnnlab.inspect import predict_proba

    return predict_proba(_model, _x)


def _results(job) -> None:
    """Final metrics, confusion matrix with its images, a gallery, and the download."""
    if job.status == "failed":
        ui.error_box(job.error or t("train.status_failed"))
        return
    if job.status == "diverged":
        ui.error_box(job.error or t("train.status_diverged"))
    if job.result is None:
        return
    res, val = job.result, job.val_data
    st.subheader(t("train.results"))
    hist = res.history
    m = st.columns(4)
    m[0].metric(t("train.curve_accuracy"), f"{hist['accuracy'][-1]:.3f}" if hist else "–")
    m[1].metric(t("train.val_accuracy"), f"{hist['val_accuracy'][-1]:.3f}" if hist else "–")
    m[2].metric(t("train.time"), ui.count(res.seconds, 1) + " s")
    m[3].metric(t("train.speed"), ui.count(res.images_per_second))
    st.caption(t("train.finished_on", status=t(f"train.status_{res.status}"), device=res.device))
    if res.model is None:  # a diverged run saves no model
        return
    probs = _predictions(job.id, res.model, val.x)
    pred = probs.argmax(axis=1)
    names = ui.class_names(val.class_names)
    cm = confusion_matrix(val.y, pred, len(names))
    s = ui.style()
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**{t('train.confusion')}**")
        fig = confusion_figure(
            cm, names, true_label=t("train.true"), pred_label=t("train.predicted"),
            font_size=s.font_size, height=s.height,
        )  # fmt: skip
        st.plotly_chart(fig, key="train_cm", config={"displayModeBar": False})
    with right:
        cells = [(i, j) for i in range(len(names)) for j in range(len(names))]
        cell = ui.widget(
            st.selectbox, t("train.pick_cell"), cells, key="train_cell", default=(0, 1),
            valid=lambda v: v in cells,
            format_func=lambda c: t(
                "train.cell", true=names[c[0]], pred=names[c[1]], n=int(cm[c[0], c[1]])
            ),
        )  # fmt: skip
        idx = np.flatnonzero((val.y == cell[0]) & (pred == cell[1]))[:12]
        if len(idx) == 0:
            st.caption(t("train.cell_empty"))
        else:
            st.image(
                [upscale(val.x[i], 96) for i in idx],
                caption=[f"{probs[i, cell[1]]:.2f}" for i in idx],
                width=84,
            )
    st.markdown(f"**{t('train.gallery')}**")
    st.caption(t("train.gallery_help", cls=names[-1]))
    show = np.arange(min(8, len(val)))
    wrong = np.flatnonzero(pred != val.y)[:4]
    show = np.unique(np.concatenate([show, wrong]))[:12]
    cols = st.columns(6)
    for n, i in enumerate(show):
        ok = pred[i] == val.y[i]
        mark = "✓" if ok else f"✗ {t('train.wrong')}"
        text = t("train.prediction", p=f"{probs[i, -1]:.2f}", mark=mark, cls=names[pred[i]])
        cols[n % 6].image(upscale(val.x[i], 120), caption=text, width="stretch")
    path = state.store().model_path(job.run_id) if job.run_id else None
    if path is not None:
        st.download_button(
            t("train.download"), data=path.read_bytes(), file_name=f"cnnlab-{job.run_id}.keras",
            mime="application/octet-stream", key="train_download", icon=":material/download:",
        )  # fmt: skip


def _upload_model() -> None:
    """A .keras file from elsewhere, loaded with safe_mode, handed to Inspect."""
    with st.expander(t("train.upload_title"), icon=":material/upload_file:"):
        up = st.file_uploader(t("train.upload"), type=["keras"], key="train_upload")
        if up is None:
            return
        from cnnlab import cnnlab_home
        from cnnlab.modelfile import load_model_file, store_model_file

        try:
            path = store_model_file(up.getvalue(), cnnlab_home() / "uploads" / "models")
            model = load_model_file(path)
        except ValueError as exc:
            ui.error_box(t("train.upload_bad", reason=str(exc)))
            return
        st.success(
            t("train.upload_ok", name=model.name, params=ui.count(model.count_params()),
              shape=str(tuple(model.input_shape[1:]))),
        )  # fmt: skip
        st.session_state["inspect_model_path"] = str(path)
        st.page_link("page_inspect.py", label=t("train.to_inspect"), icon=":material/visibility:")


ui.header("train")
state.warm_keras()
state.registry().warm()  # a worker process with Keras loaded, ready for Train
job = _current_job()
cfg, spec, design_error = _what_trains()
train_cfg, challenge = _settings()
if design_error:
    ui.error_box(design_error)
busy = job is not None and not job.done
if st.button(
    t("train.start"), key="train_start", type="primary", icon=":material/play_arrow:",
    disabled=bool(design_error) or busy,
):  # fmt: skip
    _start(cfg, spec, train_cfg, challenge)
    job = _current_job()
    busy = job is not None and not job.done
others = [j for j in state.registry().jobs() if not j.done and (job is None or j.id != job.id)]
if others:
    st.caption(t("train.others", n=len(others)))
if job is not None:
    st.divider()
    st.fragment(run_every=1.0 if busy else None)(_live)(job)
    if job.done:
        _results(job)
_upload_model()
