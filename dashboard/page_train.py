"""Train: the design from Architecture on the data from Data, with live curves.

Training runs in a worker owned by the process-wide registry; this page only reads it (a
fragment polls once a second), so clicks, page switches and reloads never kill it. The
job id lives in the URL (``?job=``) so a reload re-attaches.

Two views. *Setup*: what will train (model, data, whether they fit), the demos, the
settings and Train; below, the last run, labelled as an earlier one when the design or
the data changed since. *Run* (from a click on Train until "New run"): a compact page
whose progress bar and curves sit right under the title, on screen at 1280×720 on a
projector, then the results.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import streamlit as st

from cnnlab import compare
from cnnlab.data import (
    DatasetSpec,
    FolderSpec,
    KerasSpec,
    ShapesSpec,
    SplitSpec,
    UploadSpec,
)
from cnnlab.model import DataFit, ModelConfig, fit_to_data
from cnnlab.training import OPTIMIZERS, RunRequest, TrainConfig
from dashboard import boundary, params, state, ui
from dashboard.boundary import guard, message
from dashboard.i18n import t, translator

CHALLENGE_EPOCHS, CHALLENGE_SEED = 10, 0  # the notebook's exercise: 10 epochs, fixed split
LEARNING_RATES = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
BATCH_SIZES = [8, 16, 32, 64, 128, 256]
MIN_EPOCHS, MAX_EPOCHS = 1, 200  # the epochs box (and ?epochs=)
MIN_SEED, MAX_SEED = 0, 10_000  # the seed box (and ?seed=)
DEMOS = ("shapes", "pets")
PETS_MODELS = ("seed_pets", "pets_gap")  # designs drawn for the notebook's cats and dogs
LOADED = "_train_preset_loaded"  # (demo, details) of the demo button just pressed
VIEW = "_train_view"  # "run" from a click on Train until "New run"; else the setup
CELL_FOR = "_train_cell_job"  # the job whose confusion-matrix cell the viewer shows
START_ERROR = "_train_start_error"  # why the last click on Train started nothing
CHALLENGE_SWITCHED = "_train_challenge_data"  # the challenge toggle just loaded its data
CATS_AND_DOGS = ("challenge", "folder", "upload")  # sources that can hold cats and dogs
# Widget keys of the training settings (a demo sets them all).
SETTING_KEYS = {
    "optimizer": "train_optimizer", "learning_rate": "train_lr", "batch_size": "train_batch",
    "epochs": "train_epochs", "seed": "train_seed", "early_stopping": "train_early",
}  # fmt: skip


# ------------------------------------------------------------------------- words
def _source_name(source: str) -> str:
    """A data source for people ("Synthetic shapes")."""
    text = t(f"data.src_{source}")
    return t(f"train.src_{source}") if text == f"data.src_{source}" else text


def _shape_text(shape: tuple[int, ...] | list[int]) -> str:
    return "×".join(str(int(v)) for v in shape)


def _data_short(spec: DatasetSpec | None) -> str:
    """A dataset in a few words: "Synthetic shapes 32×32×1"."""
    if spec is None:
        return "?"
    return f"{_source_name(spec.source)} {_shape_text(spec.input_shape)}"


def _spec_text(spec: DatasetSpec) -> str:
    """One line on the dataset, in the page's language ("2,000 images 32×32×1 · …")."""
    if isinstance(spec, ShapesSpec):
        return t(
            "train.spec_shapes", n=ui.count(spec.n), side=spec.size, c=spec.channels,
            classes=", ".join(ui.class_names(spec.classes)), noise=spec.noise,
            clutter=spec.clutter, seed=spec.seed,
        )  # fmt: skip
    if isinstance(spec, KerasSpec):
        n = ui.count(spec.n) if spec.n is not None else "–"
        return t("train.spec_keras", name=spec.name, n=n, seed=spec.seed)
    if isinstance(spec, FolderSpec | UploadSpec):
        h, w, c = spec.input_shape
        where = ui.safe_name(spec.path if isinstance(spec, FolderSpec) else spec.id)
        return t("train.spec_folder", where=where, h=h, w=w, c=c)
    if spec.source == "challenge":
        side = spec.input_shape[0]
        return t("train.spec_challenge", n=ui.count(getattr(spec, "n", 0)), side=side,
                 seed=getattr(spec, "seed", 0))  # fmt: skip
    return t(f"train.spec_{spec.source}")


def _settings_text(cfg: TrainConfig) -> str:
    """The training settings in one line ("Adam · learning rate 0.001 · batch 64 · …")."""
    return t(
        "train.settings_line", opt=t(f"train.opt_{cfg.optimizer}"), lr=f"{cfg.learning_rate:g}",
        batch=cfg.batch_size, epochs=cfg.epochs, seed=cfg.seed,
    )  # fmt: skip


# ------------------------------------------------------------------------- state
def _current_job() -> Any:
    """This session's job (from the URL or the session), or None."""
    reg = state.registry()
    job = reg.get(params.param_text("job", None)) or reg.get(st.session_state.get("train_job"))
    if job is not None:
        st.session_state["train_job"] = job.id
        params.put("job", job.id)
    return job


def _plain_spec(spec: Any) -> dict | None:
    """A spec's dict without its split (challenge mode changes only the split)."""
    if spec is None:
        return None
    return {k: v for k, v in spec.to_dict().items() if k != "split"}


def _same_setup(job: Any, cfg: ModelConfig, spec: DatasetSpec) -> bool:
    """Whether ``job`` trained the current design on the current data."""
    return job.model_cfg.to_dict() == cfg.to_dict() and _plain_spec(job.spec) == _plain_spec(spec)


def _set_view(view: str) -> None:
    st.session_state[VIEW] = view


# ------------------------------------------------------------------------- demos
def _load_demo(name: str) -> None:
    """Button callback: the demo's model, data and every training setting."""
    from cnnlab.demos import demo

    d = demo(name)
    st.session_state["model_cfg"] = d.model.to_dict()
    st.session_state["dataset_spec"] = d.data
    keep = st.session_state.setdefault("_keep", {})  # what ui.widget re-reads
    values = {key: getattr(d.train, field) for field, key in SETTING_KEYS.items()}
    values["train_challenge"] = False
    for key, value in values.items():
        keep[key] = value
        st.session_state[key] = value
    st.session_state[LOADED] = (name, d.photos, d.data.get("path", ""))
    _set_view("setup")


def _size_to_data(shape: tuple[int, int, int]) -> None:
    """Button callback: the design's input becomes the data's (Architecture shows it)."""
    cfg = state.model_cfg()
    st.session_state["model_cfg"] = cfg.with_data(input_shape=shape).to_dict()


def _load_pets_data() -> None:
    """Button callback: the cats-and-dogs data of the pets demo, the design unchanged
    (photos at 150×150×3 when found; else the synthetic ones, the design sized to them)."""
    from cnnlab.demos import demo

    d = demo("pets")
    st.session_state["dataset_spec"] = d.data
    if not d.photos:
        _size_to_data(tuple(d.model.input_shape))


def _demo_buttons() -> None:
    cols = st.columns(2)
    for col, name in zip(cols, DEMOS, strict=True):
        col.button(
            t(f"train.preset_{name}"), key=f"train_preset_{name}", width="stretch",
            icon=":material/download:", help=t(f"train.preset_{name}_help"),
            on_click=guard(_load_demo), args=(name,),
        )  # fmt: skip
    loaded = st.session_state.pop(LOADED, None)  # once, after the click
    if loaded:
        name, photos, folder = loaded
        key = f"train.preset_loaded_{name}"
        if name == "pets":
            key += "" if photos else "_synthetic"
        fit = fit_to_data(state.model_cfg(), state.data_spec().input_shape, 2)
        params = ui.count(fit.params) if fit.params is not None else "–"
        st.success(t(key, folder=folder, params=params), icon=":material/check_circle:")


# ------------------------------------------------------------------------- setup
def _fit(cfg: ModelConfig, spec: DatasetSpec) -> tuple[DataFit | None, str | None]:
    """The design against the data; and why it cannot train, if it cannot."""
    try:
        shape = spec.input_shape
    except (ValueError, KeyError) as exc:
        return None, message(exc)
    fit = fit_to_data(cfg, shape, spec.num_classes or 2)
    return fit, (t("train.impossible", reason=fit.error) if fit.error else None)


def _fit_note(cfg: ModelConfig, spec: DatasetSpec, fit: DataFit) -> None:
    """Say so when training resizes the design, with both counts; offer what fixes it."""
    if not fit.resized or not fit.can_train:
        return
    words = {
        "model": ui.model_name(cfg.name), "design": _shape_text(fit.design_shape),
        "data": _shape_text(fit.data_shape), "params": ui.count(fit.params or 0),
        "design_params": ui.count(fit.design_params) if fit.design_params else "–",
    }  # fmt: skip
    same = fit.params == fit.design_params
    with st.container(border=True, key="train_fit"):
        note = t("train.fit_same" if same else "train.fit_resized", **words)
        (st.info if same else st.warning)(note, icon=":material/aspect_ratio:")
        c1, c2 = st.columns(2)
        c1.button(
            t("train.fit_use_size", data=words["data"]), key="train_fit_size",
            icon=":material/crop:", width="stretch", on_click=guard(_size_to_data),
            args=(fit.data_shape,),
        )  # fmt: skip
        if cfg.name in PETS_MODELS and spec.source not in ("folder", "upload", "challenge"):
            c2.button(
                t("train.fit_load_pets"), key="train_fit_pets", icon=":material/pets:",
                width="stretch", on_click=guard(_load_pets_data),
            )  # fmt: skip


def _what_trains() -> tuple[ModelConfig, DatasetSpec, str | None]:
    """Show the design and the data that will train; return (cfg, spec, error)."""
    cfg, spec = state.model_cfg(), state.data_spec()
    fit, error = _fit(cfg, spec)
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.markdown(f"**{t('train.model')}:** {ui.model_name(cfg.name)}")
        if fit is not None and fit.params is not None:
            st.markdown(
                t("train.model_params", params=ui.count(fit.params),
                  shape=_shape_text(fit.data_shape))
            )  # fmt: skip
        st.page_link("page_architecture.py", label=t("train.change_model"), icon=":material/edit:")
    with right, st.container(border=True):
        st.markdown(f"**{t('train.data')}:** {_source_name(spec.source)}")
        st.caption(_spec_text(spec))
        st.page_link("page_data.py", label=t("train.change_data"), icon=":material/edit:")
    if fit is not None:
        _fit_note(cfg, spec, fit)
    _demo_buttons()
    return cfg, spec, error


def _on_challenge() -> None:
    """Turning the challenge on with data that cannot be cats and dogs (the shapes demo,
    faces, a Keras set) loads the challenge's own offline cats and dogs."""
    if st.session_state.get("train_challenge") and state.data_spec().source not in CATS_AND_DOGS:
        st.session_state["dataset_spec"] = dict(compare.CHALLENGE_DATA)
        st.session_state[CHALLENGE_SWITCHED] = True


def _settings() -> tuple[TrainConfig, bool]:
    challenge = ui.widget(
        st.toggle, t("train.challenge"), key="train_challenge", default=False,
        url=params.Flag("challenge"),
        help=t("train.challenge_help"), on_change=_on_challenge,
    )  # fmt: skip
    if st.session_state.pop(CHALLENGE_SWITCHED, False):
        st.info(
            t("train.challenge_data_set", acc=f"{compare.NOTEBOOK_VAL_ACCURACY:.2f}"),
            icon=":material/pets:",
        )
    tr = translator()  # bound now: AppTest formats the options outside the run
    c1, c2, c3 = st.columns(3)
    optimizer = ui.widget(
        c1.selectbox, t("train.optimizer"), OPTIMIZERS, key="train_optimizer", default="adam",
        url=params.Choice("opt", OPTIMIZERS), format_func=lambda o: tr(f"train.opt_{o}"),
    )  # fmt: skip
    lr = ui.widget(
        c2.select_slider, t("train.learning_rate"), LEARNING_RATES, key="train_lr",
        default=1e-3, url=params.Choice("lr", LEARNING_RATES), format_func=lambda v: f"{v:g}",
    )  # fmt: skip
    batch = ui.widget(
        c3.select_slider, t("train.batch_size"), BATCH_SIZES, key="train_batch", default=64,
        url=params.Choice("batch", BATCH_SIZES),
    )  # fmt: skip
    c4, c5, c6 = st.columns(3)
    if challenge:
        ui.widget(
            c4.number_input, t("train.epochs"), key="train_ep_lock", default=CHALLENGE_EPOCHS,
            disabled=True,
        )  # fmt: skip
        ui.widget(
            c5.number_input, t("train.seed"), key="train_seed_lock", default=CHALLENGE_SEED,
            disabled=True,
        )  # fmt: skip
        epochs, seed, early = CHALLENGE_EPOCHS, CHALLENGE_SEED, False
        c6.caption(t("train.challenge_locked"))
    else:
        epochs = ui.widget(
            c4.number_input, t("train.epochs"), MIN_EPOCHS, MAX_EPOCHS, key="train_epochs",
            default=10, url=params.Int("epochs", MIN_EPOCHS, MAX_EPOCHS),
        )  # fmt: skip
        seed = ui.widget(
            c5.number_input, t("train.seed"), MIN_SEED, MAX_SEED, key="train_seed", default=0,
            url=params.Int("seed", MIN_SEED, MAX_SEED),
        )  # fmt: skip
        early = ui.widget(
            c6.toggle, t("train.early_stopping"), key="train_early", default=False,
            help=t("train.early_help"),
        )  # fmt: skip
    cfg = TrainConfig(
        optimizer=optimizer, learning_rate=float(lr), batch_size=int(batch), epochs=int(epochs),
        seed=int(seed), early_stopping=bool(early),
    )  # fmt: skip
    return cfg, bool(challenge)


def _start(cfg: ModelConfig, spec: DatasetSpec, train_cfg: TrainConfig, challenge: bool) -> bool:
    """Queue the job; False (with the reason kept for the next run) when it cannot."""
    if challenge:
        spec = replace(spec, split=SplitSpec())  # the notebook's split: 20 %, seed 0
    request = RunRequest(
        model=cfg, data=spec, train=train_cfg, name=f"{cfg.name} · {spec.source}",
        tags=("challenge",) if challenge else (),
    )  # fmt: skip
    try:  # a folder or an upload not yet in the cache decodes here: n of N files
        with ui.progress_bar("data.progress_decode") as bar:
            job = state.registry().submit(request, owner=state.owner(), progress=bar)
    except ValueError as exc:
        st.session_state[START_ERROR] = message(exc)
        return False
    st.session_state["train_job"] = job.id
    params.put("job", job.id)
    _set_view("run")
    return True


def _others(job: Any) -> None:
    others = [j for j in state.registry().jobs() if not j.done and (job is None or j.id != job.id)]
    if others:
        st.caption(t("train.others", n=len(others)))


# ------------------------------------------------------------------------- live
def _labels() -> dict[str, str]:
    keys = ("loss", "accuracy", "train", "val", "batch", "epoch")
    return {k: t(f"train.curve_{k}") for k in keys}


def _chance_note(job: Any) -> None:
    """Validation accuracy stuck at chance for several epochs: say so, suggest fixes."""
    k = len(job.class_names)
    if k < 2:
        return
    since = compare.chance_since(job.history(), k)
    if since is not None:
        key = "train.chance_done" if job.done else "train.chance_live"
        st.warning(t(key, epoch=since, chance=ui.percent(1 / k), k=k), icon=":material/casino:")


def _curves_height(compact: bool) -> int:
    """The curves fill what the 720-px screen leaves under the compact run view."""
    s = ui.style()
    return (380 if ui.projector() else 340) if compact else s.height


def _live(job: Any, compact: bool = False) -> None:
    """Status, progress, curves and notes for one job (polled while it runs)."""
    reg = state.registry()
    if job.status == "queued":
        pos = reg.queue_position(job)
        st.info(t("train.queued", pos=pos or 1, running=reg.running), icon=":material/schedule:")
    latest = job.latest
    if latest is not None and not job.done:
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
    s = ui.style()
    if job.batches or job.epochs:
        from cnnlab.viz import curves_figure

        fig = curves_figure(
            list(job.batches), list(job.epochs), labels=_labels(), font_size=s.font_size,
            line_width=s.line_width, height=_curves_height(compact),
            total_epochs=job.train_cfg.epochs,
        )  # fmt: skip
        ui.plot(fig, key="train_curves")
    since = compare.overfit_epoch(job.history())
    if since is not None:
        st.warning(t("train.overfitting", epoch=since), icon=":material/trending_up:")
    _chance_note(job)
    if job.done and st.session_state.get("_train_done_shown") != job.id:
        st.session_state["_train_done_shown"] = job.id
        st.rerun(scope="app")


def _stop(job_id: str) -> None:
    reg = state.registry()
    job = reg.get(job_id)
    if job is not None and not state.may_change(job):  # someone else's: said, not done
        st.session_state["_train_refused"] = job_id
        return
    reg.stop(job_id)


def _run_view(job: Any) -> None:
    """From a click on Train: what trains in two short lines, Stop, then progress and
    curves, all above the fold of a 1280×720 projector."""
    st.title(t("train.title"))
    what = t(
        "train.run_line", model=ui.model_name(job.model_cfg.name),
        data=_data_short(job.spec),
    )  # fmt: skip
    if job.status != "running":
        what = f"{t(f'train.status_{job.status}')}: {what}"
    left, right = st.columns([2, 1], vertical_alignment="center")
    left.markdown(what)
    left.caption(_settings_text(job.train_cfg))
    if not job.done:
        mine = state.may_change(job)
        right.button(
            t("train.stop"), key="train_stop", icon=":material/stop_circle:", width="stretch",
            disabled=job.finishing or not mine, on_click=guard(_stop), args=(job.id,),
            help=None if mine else t("access.stop_not_yours"),
        )  # fmt: skip
        if st.session_state.pop("_train_refused", None) == job.id:
            st.warning(t("access.refused_stop"), icon=":material/lock:")
    else:
        right.button(
            t("train.new_run"), key="train_new", icon=":material/tune:", width="stretch",
            type="primary", on_click=guard(_set_view), args=("setup",),
        )  # fmt: skip
    busy = not job.done
    boundary.fragment(_live, where="train", run_every=1.0 if busy else None)(job, True)
    _others(job)
    if job.done:
        _results(job)


# ------------------------------------------------------------------------- results
@st.cache_data(show_spinner=False, max_entries=4)
def _predictions(job_id: str, _model: Any, _x: np.ndarray) -> np.ndarray:
    from cnnlab.inspect import predict_proba

    return predict_proba(_model, _x)


def _metrics(res: Any) -> None:
    st.subheader(t("train.results"))
    hist = res.history
    m = [*st.columns(2), *st.columns(2)] if ui.projector() else st.columns(4)
    acc = hist.get("accuracy") or []
    val = hist.get("val_accuracy") or []
    m[0].metric(t("train.curve_accuracy"), ui.count(acc[-1], 3) if acc else "–")
    m[1].metric(t("train.val_accuracy"), ui.count(val[-1], 3) if val else "–")
    m[2].metric(t("train.time"), ui.count(res.seconds, 1) + " s")
    m[3].metric(t("train.speed"), ui.count(res.images_per_second))
    st.caption(t("train.finished_on", status=t(f"train.status_{res.status}"), device=res.device))


def _confusion(job: Any, val: Any, probs: np.ndarray, names: list[str]) -> None:
    """The confusion matrix; the images of one cell, first the commonest mistake."""
    from cnnlab.inspect import confusion_matrix, first_cell
    from cnnlab.viz import confusion_figure, upscale

    pred = probs.argmax(axis=1)
    cm = confusion_matrix(val.y, pred, len(names))
    s = ui.style()
    if st.session_state.get(CELL_FOR) != job.id:  # a new run: open on its own first cell
        st.session_state[CELL_FOR] = job.id
        st.session_state.pop("train_cell", None)
        st.session_state.get("_keep", {}).pop("train_cell", None)
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**{t('train.confusion')}**")
        fig = confusion_figure(
            cm, names, true_label=t("train.true"), pred_label=t("train.predicted"),
            font_size=s.font_size, height=s.height,
        )  # fmt: skip
        ui.plot(fig, key="train_cm")
    with right:
        cells = [(i, j) for i in range(len(names)) for j in range(len(names))]
        text = {
            c: t("train.cell", true=names[c[0]], pred=names[c[1]], n=ui.count(cm[c])) for c in cells
        }
        cell = ui.widget(
            st.selectbox, t("train.pick_cell"), cells, key="train_cell", default=first_cell(cm),
            valid=lambda v: v in cells, format_func=text.get,
        )  # fmt: skip
        idx = np.flatnonzero((val.y == cell[0]) & (pred == cell[1]))[:12]
        if len(idx) == 0:
            st.caption(t("train.cell_empty"))
        else:
            st.image(
                [upscale(val.x[i], 96) for i in idx],
                caption=[ui.count(probs[i, cell[1]], 2) for i in idx],
                width=84,
            )


def _gallery(val: Any, probs: np.ndarray, names: list[str]) -> None:
    from cnnlab.viz import upscale

    pred = probs.argmax(axis=1)
    st.markdown(f"**{t('train.gallery')}**")
    st.caption(t("train.gallery_help", cls=names[-1]))
    show = np.arange(min(8, len(val)))
    wrong = np.flatnonzero(pred != val.y)[:4]
    show = np.unique(np.concatenate([show, wrong]))[:12]
    per_row = 4 if ui.projector() else 6
    cols = st.columns(per_row)
    for n, i in enumerate(show):
        ok = pred[i] == val.y[i]
        mark = "✓" if ok else f"✗ {t('train.wrong')}"
        text = t("train.prediction", p=ui.count(probs[i, -1], 2), mark=mark, cls=names[pred[i]])
        cols[n % per_row].image(upscale(val.x[i], 120), caption=text, width="stretch")


def _results(job: Any) -> None:
    """Final metrics, confusion matrix with its images, a gallery, and the download."""
    if job.status == "failed":
        ui.error_box(job.error or t("train.status_failed"))
        return
    if job.status == "diverged":
        ui.error_box(job.error or t("train.status_diverged"))
    if job.result is None:
        return
    res, val = job.result, job.val_data
    _metrics(res)
    if res.model is None:  # a diverged run saves no model
        return
    probs = _predictions(job.id, res.model, val.x)
    names = ui.class_names(val.class_names)
    _confusion(job, val, probs, names)
    _gallery(val, probs, names)
    path = state.store().model_path(job.run_id) if job.run_id else None
    if path is not None:
        st.download_button(
            t("train.download"), data=path.read_bytes(), file_name=f"cnnlab-{job.run_id}.keras",
            mime="application/octet-stream", key="train_download", icon=":material/download:",
        )  # fmt: skip
    _run_files(job.run_id)


def _run_files(run_id: str | None) -> None:
    """The run's per-epoch history (CSV) and its request: model, data, training (JSON)."""
    if not run_id:
        return
    store = state.store()
    rec, history = store.get(run_id), store.history(run_id)
    c1, c2 = st.columns(2)
    c1.download_button(
        t("train.download_history"), data=compare.history_csv(history),
        file_name=f"cnnlab-history-{run_id}.csv", mime="text/csv", key="train_history_csv",
        icon=":material/table:", width="stretch",
    )  # fmt: skip
    c2.download_button(
        t("train.download_config"), data=compare.request_json(rec),
        file_name=f"cnnlab-config-{run_id}.json", mime="application/json",
        key="train_config_json", icon=":material/data_object:", width="stretch",
    )  # fmt: skip


def _last_run(job: Any, current: bool) -> None:
    """The last run under the setup: as it is when it trained the current design and
    data, else folded away and labelled as an earlier run (its numbers are not theirs)."""
    st.divider()
    words = {"model": ui.model_name(job.model_cfg.name), "data": _data_short(job.spec)}
    if current:
        st.markdown(t("train.last_title", **words))
        boundary.fragment(_live, where="train")(job)
        _results(job)
        return
    with st.expander(t("train.earlier_title", **words), icon=":material/history:"):
        st.caption(t("train.earlier_help"))
        boundary.fragment(_live, where="train")(job)
        _results(job)


# ------------------------------------------------------------------------- upload
def _upload_model() -> None:
    """A .keras file from elsewhere, loaded with safe_mode, handed to Inspect."""
    with st.expander(t("train.upload_title"), icon=":material/upload_file:"):
        up = st.file_uploader(t("train.upload"), type=["keras"], key="train_upload")
        if up is None:
            return
        from cnnlab import cnnlab_home
        from cnnlab.data import clean_uploads
        from cnnlab.modelfile import load_model_file, probe_model_file, store_model_file

        clean_uploads()  # old uploads go before a new one is written
        path = None
        try:
            path = store_model_file(up.getvalue(), cnnlab_home() / "uploads" / "models")
            with ui.progress_bar("train.progress_model") as bar:  # 2 stages there, 2 here
                probe_model_file(path, progress=bar.part(0, 4))  # another process, capped
                model = load_model_file(path, progress=bar.part(2, 4))
        except ValueError as exc:
            if path is not None:
                path.unlink(missing_ok=True)  # a refused file is not kept
            ui.error_box(t("train.upload_bad", reason=message(exc)))
            return
        st.success(
            t("train.upload_ok", name=model.name, params=ui.count(model.count_params()),
              shape=str(tuple(model.input_shape[1:]))),
        )  # fmt: skip
        st.session_state["inspect_model_path"] = str(path)
        st.page_link("page_inspect.py", label=t("train.to_inspect"), icon=":material/visibility:")


# ------------------------------------------------------------------------- page
def _setup_view(job: Any) -> None:
    ui.header("train")
    cfg, spec, error = _what_trains()
    current = job is not None and _same_setup(job, cfg, spec)
    with st.container(border=True, key="train_settings"):
        train_cfg, challenge = _settings()
    if error:
        ui.error_box(error)
    if reason := st.session_state.pop(START_ERROR, None):
        ui.error_box(reason)
    busy = job is not None and not job.done
    if st.button(
        t("train.start"), key="train_start", type="primary", icon=":material/play_arrow:",
        disabled=bool(error) or busy,
    ):  # fmt: skip
        if _start(cfg, spec, train_cfg, challenge):
            st.rerun()
        ui.error_box(st.session_state.pop(START_ERROR, ""))
    _others(job)
    if job is not None:
        _last_run(job, current)
    _upload_model()


def render() -> None:
    state.warm_keras()
    # A worker process with Keras loaded, ready for Train, once this page is drawn.
    state.registry().warm(delay=state.WARM_DELAY_S)
    job = _current_job()
    if job is None:
        st.session_state.pop(VIEW, None)
    live = job is not None and not job.done
    if job is not None and (live or st.session_state.get(VIEW) == "run"):
        _run_view(job)
    else:
        _setup_view(job)


if __name__ == "__main__":
    render()
