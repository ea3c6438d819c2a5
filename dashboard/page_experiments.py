"""Experiments: every run compared, the tutorial's step 6 in one click, the 10-epoch challenge.

Thin: the runs come from the RunStore, the comparisons from ``cnnlab.compare``, the
figures from ``cnnlab.viz``. Jobs are submitted to the process-wide registry (they
queue when the server is busy); a fragment polls them only while one is alive. The tab
is a segmented control of tab ids kept in the session and the URL (``?tab=step6``), so
a click inside a tab never sends the page back to the first one.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pandas as pd
import streamlit as st

from cnnlab import compare
from cnnlab.data import normalize_spec, parse_spec, split_spec
from cnnlab.model import PRESETS, ModelConfig, layer_table
from cnnlab.runs import STATUSES
from cnnlab.training import RunRequest, TrainConfig
from cnnlab.viz import overlay_figure, seeds_figure, step6_figure
from dashboard import boundary, params, state, ui
from dashboard.boundary import message
from dashboard.i18n import catalog, lang, t, translator

PAGE = "experiments"
TABS = ("runs", "step6", "challenge", "import")
TAB_KEY = f"{PAGE}_tab"
LAST_TAB = "_experiments_last_tab"  # the tab shown last (a click can deselect the control)
FLASH = "_experiments_flash"  # (kind, text) shown once after a rerun
CONFIRM = "_experiments_confirm"  # run ids waiting for "yes, delete"
LIVE_SEEN = "_experiments_live"  # live job ids at the last poll
IMPORTED = "_experiments_imported"  # file id of the last uploaded configuration
RESULT = "_experiments_import_result"  # ("ok", lines) or ("err", message)
S6_DATA = ("demo", "current")
MIN_EPOCHS, MAX_EPOCHS = 1, 100  # step 6's epochs box (and ?s6epochs=)


# ----------------------------------------------------------------------------- words
def _word(token: str) -> str:
    """One word of a setting (a key part or a value) in the page's language, if the
    catalog has it (``experiments.w_<token>``); else the token as it is."""
    return catalog(lang()).get(f"{PAGE}.w_{token}", token)


def _setting_label(key: str) -> str:
    """A configuration key for people: "modelo › bloque 2 › tipo" for
    ``model.blocks.1.kind``. A language whose catalog says ``diff_key_style: dotted``
    (English) keeps the dotted key, as a configuration file writes it."""
    if t(f"{PAGE}.diff_key_style") == "dotted":
        return key
    parts = [
        _word(name) + ("" if pos is None else f" {pos}") for name, pos in compare.key_parts(key)
    ]
    return " › ".join(parts)


def _value_text(value: Any) -> str:
    """A setting's value for people: words translated, yes/no, numbers as they are."""
    if isinstance(value, bool):
        return t(f"{PAGE}.yes") if value else t(f"{PAGE}.no")
    if value is None:
        return "—"
    if isinstance(value, str):
        return _WORD.sub(lambda m: _word(m.group(0)), value)
    return str(value)


_WORD = re.compile(r"[A-Za-z][A-Za-z_]*")


def _data_text(text: str) -> str:
    """A run's dataset ("shapes 32×32×1 (1600+400)") with its source in the page's
    language ("figuras 32×32×1 (1600+400)")."""
    head, sep, rest = str(text).partition(" ")
    return _word(head) + sep + rest


def _label(row: dict) -> str:
    """A run for people: model · date · short id."""
    return f"{ui.model_name(row['model'])} · {row['date'][5:]} · {row['id'][-6:]}"


def _board_label(row: dict) -> str:
    return f"#{row['rank']} {_label(row)} ({_acc(row['final_val_acc'])})"


def _acc(v: float | None) -> str:
    return "–" if v is None else ui.count(v, 3)


def _flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def _show_flash() -> None:
    item = st.session_state.pop(FLASH, None)
    if item:
        kind, text = item
        (st.success if kind == "ok" else st.warning)(text)


def _columns(varying: list[str]) -> dict:
    """Translated column headers and number formats for run tables."""
    cc = st.column_config
    cfg = {
        "date": cc.TextColumn(t(f"{PAGE}.col_date")),
        "name": cc.TextColumn(t(f"{PAGE}.col_name")),
        "dataset": cc.TextColumn(t(f"{PAGE}.col_dataset")),
        "model": cc.TextColumn(t(f"{PAGE}.col_model")),
        "params": cc.TextColumn(t(f"{PAGE}.col_params"), alignment="right"),
        "best_val_acc": cc.NumberColumn(t(f"{PAGE}.col_best"), format="%.3f"),
        "best_epoch": cc.NumberColumn(t(f"{PAGE}.col_best_epoch")),
        "final_val_acc": cc.NumberColumn(t(f"{PAGE}.col_final"), format="%.3f"),
        "epochs_run": cc.NumberColumn(t(f"{PAGE}.col_epochs")),
        "seconds": cc.NumberColumn(t(f"{PAGE}.col_seconds"), format="%.1f"),
        "seconds_per_epoch": cc.NumberColumn(t(f"{PAGE}.col_sec_epoch"), format="%.2f"),
        "device": cc.TextColumn(t(f"{PAGE}.col_device")),
        "status": cc.TextColumn(t(f"{PAGE}.col_status")),
        "tags": cc.TextColumn(t(f"{PAGE}.col_tags")),
        "id": cc.TextColumn(t(f"{PAGE}.col_id")),
        "rank": cc.NumberColumn("#"),
        "experiment": cc.TextColumn(t(f"{PAGE}.col_experiment")),
        "seed_n": cc.NumberColumn(t(f"{PAGE}.col_seed_n")),
        "seed_mean": cc.NumberColumn(t(f"{PAGE}.col_seed_mean"), format="%.3f"),
        "seed_std": cc.NumberColumn(t(f"{PAGE}.col_seed_std"), format="%.3f"),
    }
    for k in compare.SETTINGS:
        fmt = "%g" if k == "learning_rate" else None
        col = (
            cc.NumberColumn
            if k in ("learning_rate", "batch_size", "epochs", "seed")
            else cc.TextColumn
        )
        cfg[f"set_{k}"] = (
            col(t(f"{PAGE}.set_{k}"), format=fmt) if fmt else col(t(f"{PAGE}.set_{k}"))
        )
    return cfg


def _frame(rows: list[dict], cols: list[str]) -> pd.DataFrame:
    """Rows as a table in the page's language (ids stay in the ``id`` column)."""
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    if "status" in df:
        df["status"] = [t(f"{PAGE}.status_{s}") for s in df["status"]]
    if "model" in df:
        df["model"] = [ui.model_name(str(m)) for m in df["model"]]
    if "params" in df:  # grouped as the language writes them ("23 762"), not the browser
        df["params"] = [None if pd.isna(p) else ui.count(p) for p in df["params"]]
    if "dataset" in df:
        df["dataset"] = [_data_text(d) for d in df["dataset"]]
    if "set_optimizer" in df:
        df["set_optimizer"] = [
            t(f"train.opt_{o}") if isinstance(o, str) else o for o in df["set_optimizer"]
        ]
    for c in ("set_augment", "set_split"):
        if c in df:
            df[c] = [_value_text(v) if isinstance(v, str) else v for v in df[c]]
    for c in df.columns:
        if c.startswith("set_") and df[c].map(lambda v: isinstance(v, bool)).any():
            df[c] = df[c].map(lambda v: "✓" if v is True else ("✗" if v is False else v))
    return df


def _row_height() -> int:
    """Table rows in px: taller in projector mode, where the type is bigger."""
    return 46 if ui.projector() else 35


def _table_height(n: int, most: int = 10) -> int:
    """Room for the header and up to ``most`` rows (then the table scrolls)."""
    return (min(max(n, 1), most) + 1) * _row_height() + 3


def _load() -> tuple[list, dict]:
    store = state.store()
    records = store.list_runs()
    return records, {r.id: store.history(r.id) for r in records}


# ----------------------------------------------------------------------------- live jobs
def _live_jobs() -> None:
    """Jobs training or waiting on this server; refresh the page when one ends."""
    reg = state.registry()
    live = [j for j in reg.jobs() if not j.done]
    ids = sorted(j.id for j in live)
    before = st.session_state.get(LIVE_SEEN)
    st.session_state[LIVE_SEEN] = ids
    if before is not None and set(before) - set(ids):
        st.rerun(scope="app")  # a run ended: tables and charts need its numbers
    if not live:
        return
    with st.container(border=True, key=f"{PAGE}_live"):
        running = sum(j.status == "running" for j in live)  # the rows just read
        st.markdown(f"**{t(f'{PAGE}.live_title', n=len(live), running=running)}**")
        for job in reversed(live):  # oldest first: the order they will finish
            label = ui.model_name(job.model_cfg.name)
            if job.status == "queued":
                pos = reg.queue_position(job) or 1
                st.caption(t(f"{PAGE}.job_queued", label=label, pos=pos))
                continue
            latest = job.latest
            if latest is None:
                st.progress(0.0, text=t(f"{PAGE}.job_starting", label=label))
            else:
                frac = min(1.0, latest["step"] / max(1, latest["steps"]))
                st.progress(
                    frac,
                    text=t(
                        f"{PAGE}.job_running", label=label, epoch=int(latest["epoch"]) + 1,
                        epochs=job.train_cfg.epochs,
                    ),
                )  # fmt: skip


def _submit(jobs: list[tuple[ModelConfig, TrainConfig, str, tuple[str, ...]]], spec: dict) -> int:
    """Queue (model, train config, label, tags) jobs on ``spec``'s data; 0 on error."""
    try:
        with ui.progress_bar("data.progress_decode") as bar:  # n of N files, if not cached
            parts = split_spec(spec, progress=bar)
        shape, k = parts[0].image_shape, len(parts[0].class_names)
        for cfg, *_ in jobs:  # all or nothing: check every design before queueing any
            try:
                layer_table(cfg.with_data(input_shape=shape, num_classes=k))
            except ValueError as exc:
                raise ValueError(
                    t(f"{PAGE}.submit_design", model=ui.model_name(cfg.name),
                      shape="×".join(map(str, shape)), reason=exc)
                ) from exc  # fmt: skip
        reg, data = state.registry(), parse_spec(spec)
        for cfg, tcfg, label, tags in jobs:
            request = RunRequest(model=cfg, data=data, train=tcfg, name=label, tags=tags)
            reg.submit(request, owner=state.owner())
    except ValueError as exc:
        ui.error_box(t(f"{PAGE}.submit_bad", reason=message(exc)))
        return 0
    return len(jobs)


# ----------------------------------------------------------------------------- runs tab
def _filters(all_rows: list[dict]) -> list[dict]:
    statuses = [s for s in STATUSES if any(r["status"] == s for r in all_rows)]
    datasets = sorted({r["dataset"] for r in all_rows})
    tags = sorted({x.strip() for r in all_rows for x in r["tags"].split(",") if x.strip()})
    tr = translator()
    if ui.projector():  # larger type: two rows, so that no box cuts its words
        c1, c2, c3 = st.columns(3)
        c4, c5 = st.columns([3, 2])
    else:
        c1, c2, c3, c4, c5 = st.columns([1.2, 1.4, 1, 1.3, 1.1])
    want_status = ui.widget(
        c1.multiselect, t(f"{PAGE}.filter_status"), statuses, key=f"{PAGE}_status", default=[],
        valid=lambda v: isinstance(v, list) and all(s in statuses for s in v),
        format_func=lambda s: tr(f"{PAGE}.status_{s}"), placeholder=t(f"{PAGE}.any"),
    )  # fmt: skip
    want_data = ui.widget(
        c2.multiselect, t(f"{PAGE}.filter_dataset"), datasets, key=f"{PAGE}_dataset", default=[],
        valid=lambda v: isinstance(v, list) and all(d in datasets for d in v),
        format_func={d: _data_text(d) for d in datasets}.get, placeholder=t(f"{PAGE}.any"),
    )  # fmt: skip
    want_tags = ui.widget(
        c3.multiselect, t(f"{PAGE}.filter_tags"), tags, key=f"{PAGE}_tags", default=[],
        valid=lambda v: isinstance(v, list) and all(x in tags for x in v),
        placeholder=t(f"{PAGE}.any"),
    )  # fmt: skip
    text = ui.widget(
        c4.text_input, t(f"{PAGE}.filter_text"), key=f"{PAGE}_search", default="",
        placeholder=t(f"{PAGE}.filter_text_hint"),
    )  # fmt: skip
    by = ui.widget(
        c5.selectbox, t(f"{PAGE}.sort"), list(compare.SORT_KEYS), key=f"{PAGE}_sort",
        default="created", url=params.Choice("sort", compare.SORT_KEYS),
        format_func=lambda k: tr(f"{PAGE}.sort_{k}"),
    )  # fmt: skip
    rows = compare.filter_rows(
        all_rows,
        statuses=[s for s in want_status if s in statuses] or None,
        datasets=[d for d in want_data if d in datasets] or None,
        tags=[x for x in want_tags if x in tags],
        text=text,
    )
    return compare.sort_rows(rows, by)


def _table(rows: list[dict], varying: list[str], all_ids: list[str]) -> list[str]:
    """The runs table; a click on its rows selects runs. Returns the selection."""
    shown = [r["id"] for r in rows]
    sel = [i for i in st.session_state.get(f"{PAGE}_runs", []) if i in all_ids]
    cols = ["date", "dataset", "model", "params", "best_val_acc", "final_val_acc", "seconds"]
    cols += [*[f"set_{k}" for k in varying], "epochs_run", "status", "device", "id"]
    # A new key whenever rows or selection change: the table then shows the selection
    # made in the multiselect (positions refer to this very list of rows).
    digest = hashlib.sha1(json.dumps([shown, sel]).encode()).hexdigest()[:10]
    positions = [shown.index(i) for i in sel if i in shown]
    event = st.dataframe(
        _frame(rows, cols), key=f"{PAGE}_table_{digest}", on_select="rerun",
        selection_mode="multi-row", selection_default={"selection": {"rows": positions}},
        hide_index=True, column_config=_columns(varying), row_height=_row_height(),
        height=_table_height(len(rows)),
    )  # fmt: skip
    picked = [shown[p] for p in event.selection.rows if p < len(shown)]
    if sorted(picked) != sorted(shown[p] for p in positions):
        sel = [i for i in sel if i not in shown] + picked
    return sel


def _curves(histories: dict, row_of: dict, sel: list[str]) -> None:
    s = ui.style()
    show_train = ui.widget(
        st.toggle, t(f"{PAGE}.show_train"), key=f"{PAGE}_show_train", default=True,
        url=params.Flag("train_curves"),
    )  # fmt: skip
    runs = [(_label(row_of[i]), histories.get(i, {})) for i in sel]
    labels = {
        "loss": t(f"{PAGE}.curve_loss"), "accuracy": t(f"{PAGE}.curve_accuracy"),
        "epoch": t(f"{PAGE}.curve_epoch"), "train": t(f"{PAGE}.curve_train"),
        "val": t(f"{PAGE}.curve_val"),
    }  # fmt: skip
    fig = overlay_figure(
        runs, labels=labels, show_train=show_train, font_size=s.font_size,
        line_width=s.line_width, height=s.height + 60,
    )  # fmt: skip
    ui.plot(fig, key=f"{PAGE}_curves")
    st.caption(t(f"{PAGE}.curves_help"))


def _diff(records_by_id: dict, row_of: dict, sel: list[str]) -> None:
    st.markdown(f"**{t(f'{PAGE}.diff_title')}**")
    everything = ui.widget(st.toggle, t(f"{PAGE}.diff_all"), key=f"{PAGE}_diff_all", default=False)
    recs = [records_by_id[i] for i in sel]
    labels = {i: _label(row_of[i]) for i in sel}
    rows = compare.config_diff(recs, labels=labels, everything=everything)
    if not rows:
        st.info(t(f"{PAGE}.diff_same"), icon=":material/check:")
        return
    shown = []
    for row in rows:
        show = ui.model_name if row["setting"] == "model.name" else _value_text
        out = {"setting": _setting_label(row["setting"])}
        out.update({k: show(v) for k, v in row.items() if k != "setting"})
        shown.append(out)
    df = pd.DataFrame(shown).rename(columns={"setting": t(f"{PAGE}.diff_setting")})
    st.dataframe(
        df, key=f"{PAGE}_diff", hide_index=True, row_height=_row_height(),
        height=_table_height(len(df)),
    )  # fmt: skip


def _export(records_by_id: dict, histories: dict, rows: list[dict], sel: list[str]) -> None:
    if ui.projector():  # the buttons' words need the width of the page there
        c1 = st.container()
        c2, c3 = st.columns(2)
    else:
        c1, c2, c3 = st.columns([1, 1, 1])
    full = []
    for r in rows:
        extra = {f"set_{k}": v for k, v in compare.settings(records_by_id[r["id"]]).items()}
        full.append({**r, **extra})
    c1.download_button(
        t(f"{PAGE}.export_csv", n=len(rows)), data=compare.to_csv(full),
        file_name="cnnlab-runs.csv", mime="text/csv", key=f"{PAGE}_csv", icon=":material/table:",
        disabled=not rows, width="stretch",
    )  # fmt: skip
    choices = sel or [r["id"] for r in rows]
    if not choices:
        return
    row_of = {r["id"]: r for r in rows}
    one = ui.widget(
        c2.selectbox, t(f"{PAGE}.export_which"), choices, key=f"{PAGE}_export_run",
        default=choices[0], valid=lambda v: v in choices,
        format_func={i: _label(row_of[i]) if i in row_of else i for i in choices}.get,
        label_visibility="collapsed",
    )  # fmt: skip
    rec = records_by_id[one]
    c3.download_button(
        t(f"{PAGE}.export_json"), data=compare.config_json(rec, histories.get(one)),
        file_name=f"cnnlab-config-{one}.json", mime="application/json", key=f"{PAGE}_json",
        icon=":material/data_object:", width="stretch",
    )  # fmt: skip
    c4, c5 = st.columns(2)
    c4.download_button(
        t(f"{PAGE}.export_history"), data=compare.history_csv(histories.get(one, {})),
        file_name=f"cnnlab-history-{one}.csv", mime="text/csv", key=f"{PAGE}_history_csv",
        icon=":material/table:", width="stretch",
    )  # fmt: skip
    c5.download_button(
        t(f"{PAGE}.export_request"), data=compare.request_json(rec),
        file_name=f"cnnlab-request-{one}.json", mime="application/json",
        key=f"{PAGE}_request_json", icon=":material/data_object:", width="stretch",
    )  # fmt: skip


def mlflow_uri() -> str:
    """Where the MLflow export writes: ``$MLFLOW_TRACKING_URI``, else
    ``$CNNLAB_HOME/mlruns`` (a local file store, offline)."""
    import os

    from cnnlab import cnnlab_home
    from cnnlab.runs import tracking_uri_for

    return os.environ.get("MLFLOW_TRACKING_URI") or tracking_uri_for(cnnlab_home() / "mlruns")


def _mlflow(sel: list[str]) -> None:
    """Export the selected runs to MLflow (offered only when mlflow can be imported)."""
    from cnnlab.runs import export_mlflow, mlflow_available

    if not mlflow_available() or not sel:
        return
    uri = mlflow_uri()
    if not st.button(
        t(f"{PAGE}.mlflow", n=len(sel)), key=f"{PAGE}_mlflow", icon=":material/upload:",
        help=t(f"{PAGE}.mlflow_help", uri=uri),
    ):  # fmt: skip
        return
    store = state.store()
    try:
        for run_id in sel:
            export_mlflow(store, run_id, tracking_uri=uri)
    except Exception as exc:  # noqa: BLE001 - a server down, a full disk: said in words
        _flash("warn", t(f"{PAGE}.mlflow_failed", reason=str(exc)[:300]))
    else:
        _flash("ok", t(f"{PAGE}.mlflow_done", n=len(sel), uri=uri))
    st.rerun()


def _delete(row_of: dict, sel: list[str]) -> None:
    if st.button(
        t(f"{PAGE}.delete", n=len(sel)), key=f"{PAGE}_delete", icon=":material/delete:",
        disabled=not sel,
    ):  # fmt: skip
        st.session_state[CONFIRM] = list(sel)
    pending = [i for i in st.session_state.get(CONFIRM, []) if i in row_of]
    if not pending:
        st.session_state.pop(CONFIRM, None)
        return
    with st.container(border=True, key=f"{PAGE}_confirm"):
        names = ", ".join(_label(row_of[i]) for i in pending)
        st.warning(
            t(f"{PAGE}.delete_confirm", n=len(pending), runs=names), icon=":material/warning:"
        )
        c1, c2 = st.columns(2)
        yes = c1.button(t(f"{PAGE}.delete_yes"), key=f"{PAGE}_delete_yes", type="primary")
        no = c2.button(t(f"{PAGE}.delete_no"), key=f"{PAGE}_delete_no")
    if no:
        st.session_state.pop(CONFIRM, None)
        st.rerun()
    if yes:
        deleted, refused = compare.delete_runs(state.store(), pending, **state.rights())
        st.session_state.pop(CONFIRM, None)
        text = t(f"{PAGE}.deleted", n=len(deleted))
        live = [r for r in refused if r.reason == "live"]
        theirs = len(refused) - len(live)
        if live:
            text += " " + t(f"{PAGE}.delete_live", n=len(live))
        if theirs:  # someone else's runs: said in words, never silently kept
            text += " " + t("access.refused_delete", n=theirs)
        _flash("warn" if refused else "ok", text)
        st.rerun()


def _resume(row_of: dict, sel: list[str]) -> None:
    """Resume the selected interrupted runs from their last checkpoint."""
    stuck = [i for i in sel if row_of[i]["status"] == "interrupted"]
    if not stuck or not st.button(
        t(f"{PAGE}.resume", n=len(stuck)), key=f"{PAGE}_resume", icon=":material/play_arrow:",
        help=t(f"{PAGE}.resume_help"),
    ):  # fmt: skip
        return
    reg, resumed, theirs = state.registry(), 0, 0
    for run_id in stuck:
        try:
            if not state.may_change(reg.store.get(run_id)):
                theirs += 1
                continue
            reg.resume(run_id)
            resumed += 1
        except ValueError:
            continue
    text = t(f"{PAGE}.resumed", n=resumed)
    if theirs:
        text += " " + t("access.refused_resume", n=theirs)
    _flash("warn" if theirs else "ok", text)
    st.rerun()


def _damaged(records: list) -> list:
    """Runs whose row cannot be read: named, with a way to delete them; the rest shown."""
    bad = [r for r in records if getattr(r, "problem", None)]
    if bad:
        with st.container(border=True, key=f"{PAGE}_damaged"):
            ids = ", ".join(r.id for r in bad)
            st.warning(t(f"{PAGE}.damaged", n=len(bad), ids=ids), icon=":material/warning:")
            if st.button(t(f"{PAGE}.damaged_delete", n=len(bad)), key=f"{PAGE}_damaged_del"):
                _, refused = compare.delete_runs(
                    state.store(), [r.id for r in bad], is_live=lambda r: False,
                    **state.rights(),
                )  # fmt: skip
                if refused:
                    _flash("warn", t("access.refused_delete", n=len(refused)))
                st.rerun()
    return [r for r in records if not getattr(r, "problem", None)]


def runs_tab(records: list, histories: dict) -> None:
    if not records:
        st.info(t(f"{PAGE}.empty"), icon=":material/science:")
        st.page_link("page_train.py", label=t(f"{PAGE}.to_train"), icon=":material/model_training:")
        return
    records_by_id = {r.id: r for r in records}
    all_rows, _ = compare.run_table(records, histories)
    all_ids = [r["id"] for r in all_rows]
    row_of = {r["id"]: r for r in all_rows}
    done = [r["id"] for r in all_rows if r["final_val_acc"] is not None]
    ui.initial_value(f"{PAGE}_runs", done[:2], valid=lambda v: isinstance(v, list))
    rows = _filters(all_rows)
    shown_records = [records_by_id[r["id"]] for r in rows]
    rows, varying = compare.run_table(shown_records, histories)
    st.caption(t(f"{PAGE}.table_help", n=len(rows), total=len(all_rows)))
    sel = _table(rows, varying, all_ids)
    st.session_state[f"{PAGE}_runs"] = sel
    sel = ui.widget(
        st.multiselect, t(f"{PAGE}.pick"), all_ids, key=f"{PAGE}_runs", default=done[:2],
        valid=lambda v: isinstance(v, list),
        format_func={i: _label(row_of[i]) for i in all_ids}.get, placeholder=t(f"{PAGE}.pick_hint"),
    )  # fmt: skip
    if sel:
        _curves(histories, row_of, sel)
        if len(sel) >= 2:
            _diff(records_by_id, row_of, sel)
    else:
        st.info(t(f"{PAGE}.pick_none"), icon=":material/touch_app:")
    _export(records_by_id, histories, rows, sel)
    _mlflow(sel)
    _resume(row_of, sel)
    _delete(row_of, sel)


# ----------------------------------------------------------------------------- step 6
def _step6_spec() -> dict:
    tr = translator()
    which = ui.widget(
        st.segmented_control, t(f"{PAGE}.s6_data"), S6_DATA, key=f"{PAGE}_s6_data",
        default="demo", url=params.Choice("s6data", S6_DATA),
        format_func=lambda v: tr(f"{PAGE}.s6_data_{v}"),
    )  # fmt: skip
    if which == "current":  # (a click can deselect both: the demo then)
        return state.data_spec().to_dict()
    return normalize_spec(state.DEFAULT_SPEC)


def _step6_buttons(records: list, spec: dict, tcfg: TrainConfig, ctx: str) -> None:
    """One button per experiment; a click queues only what has no identical run yet."""
    cols = [st.container()] if ui.projector() else st.columns(2)  # whole labels
    for n, exp in enumerate(compare.STEP6):
        todo = compare.step6_todo(exp, records, context=ctx)
        base, variant = compare.STEP6[exp]
        label = t(f"{PAGE}.s6_{exp}")
        if not todo:
            label = f"✓ {label}"
        clicked = cols[n % len(cols)].button(
            label, key=f"{PAGE}_s6_{exp}", width="stretch", help=t(f"{PAGE}.s6_{exp}_help"),
            icon=":material/play_arrow:" if todo else None,
        )  # fmt: skip
        if not clicked:
            continue
        if not todo:
            _flash("ok", t(f"{PAGE}.s6_already", base=ui.model_name(base),
                           variant=ui.model_name(variant)))  # fmt: skip
            st.rerun()
        jobs = [
            (PRESETS[p], tcfg, f"{p} · {t(f'{PAGE}.s6_short')}",
             (compare.STEP6_TAG, f"step6:{exp}"))
            for p in todo
        ]  # fmt: skip
        if _submit(jobs, spec):
            names = ", ".join(ui.model_name(p) for p in todo)
            _flash("ok", t(f"{PAGE}.queued", n=len(jobs), names=names))
            st.rerun()


def _step6_results(rows: list[dict]) -> None:
    s = ui.style()
    finished = [r for r in rows if r["best_val_acc"] is not None]
    if finished:
        labels = {
            "params": t(f"{PAGE}.col_params"), "accuracy": t(f"{PAGE}.col_best"),
            "seconds": t(f"{PAGE}.col_seconds"),
        }  # fmt: skip
        named = [{**r, "model": ui.model_name(r["model"])} for r in finished]
        fig = step6_figure(named, labels=labels, font_size=s.font_size, height=s.height + 40)
        ui.plot(fig, key=f"{PAGE}_s6_fig")
        st.caption(t(f"{PAGE}.s6_fig_help"))
    cols = ["model", "experiment", "params", "best_val_acc", "final_val_acc", "seconds"]
    cols += ["seconds_per_epoch", "status", "id"]
    base = {b for b, _ in compare.STEP6.values()}
    experiment = [
        t(f"{PAGE}.s6_baseline")
        if r["model"] in base
        else (t(f"{PAGE}.s6_{r['experiment']}") if r["experiment"] in compare.STEP6 else "")
        for r in rows
    ]
    df = _frame(rows, cols)
    df["experiment"] = experiment
    st.dataframe(
        df, key=f"{PAGE}_s6_table", hide_index=True, column_config=_columns([]),
        row_height=_row_height(), height=_table_height(len(df)),
    )  # fmt: skip
    for p in compare.step6_compare(rows):
        ratio = "–" if p["params_ratio"] is None else ui.count(p["params_ratio"], 2)
        time_ratio = "–" if p["time_ratio"] is None else ui.count(p["time_ratio"], 2)
        st.markdown(
            "- " + t(
                f"{PAGE}.s6_pair", exp=t(f"{PAGE}.s6_{p['experiment']}"),
                variant=ui.model_name(p["variant"]), base=ui.model_name(p["baseline"]),
                params=ratio, acc=f"{p['acc_delta']:+.3f}", time=time_ratio,
            )
        )  # fmt: skip


def step6_tab(records: list, histories: dict) -> None:
    st.markdown(t(f"{PAGE}.s6_intro"))
    c1, c2 = (st.container(), st.columns([1, 2])[0]) if ui.projector() else st.columns([2, 1])
    with c1:
        spec = _step6_spec()
    epochs = ui.widget(
        c2.number_input, t(f"{PAGE}.s6_epochs"), MIN_EPOCHS, MAX_EPOCHS, key=f"{PAGE}_s6_epochs",
        default=10, url=params.Int("s6epochs", MIN_EPOCHS, MAX_EPOCHS),
        help=t(f"{PAGE}.s6_epochs_help"),
    )  # fmt: skip
    tcfg = TrainConfig(epochs=int(epochs), seed=0)
    ctx = compare.context_key(tcfg.to_dict(), spec)
    data = _data_text(compare.describe_data({"spec": spec}))
    st.caption(t(f"{PAGE}.s6_same", spec=data, epochs=int(epochs)))
    _step6_buttons(records, spec, tcfg, ctx)
    rows = compare.step6_rows(records, histories, context=ctx)
    if not rows:
        st.info(t(f"{PAGE}.s6_none"), icon=":material/science:")
        return
    _step6_results(rows)


# ----------------------------------------------------------------------------- challenge
def _board(records: list, histories: dict) -> list[dict] | None:
    """The leaderboard of one dataset (a choice when there are several); None if empty."""
    board = compare.leaderboard(records, histories)
    if not board:
        st.info(t(f"{PAGE}.ch_none"), icon=":material/emoji_events:")
        return None
    datasets = list(dict.fromkeys(r["dataset"] for r in board))
    dataset = datasets[0]
    if len(datasets) > 1:
        dataset = ui.widget(
            st.selectbox, t(f"{PAGE}.ch_dataset"), datasets, key=f"{PAGE}_ch_dataset",
            default=datasets[0], valid=lambda v: v in datasets,
            format_func={d: _data_text(d) for d in datasets}.get,
        )  # fmt: skip
    board = compare.leaderboard(records, histories, dataset=dataset)
    cols = ["rank", "final_val_acc", "best_val_acc", "model", "params", "set_optimizer"]
    cols += ["set_learning_rate", "set_batch_size", "seconds", "seed_n", "seed_mean", "seed_std"]
    cols += ["set_layers", "date", "id"]
    st.dataframe(
        _frame(board, cols), key=f"{PAGE}_board", hide_index=True, column_config=_columns([]),
        row_height=_row_height(), height=_table_height(len(board)),
    )  # fmt: skip
    st.caption(t(f"{PAGE}.ch_board_help"))
    return board


def _seeds(records: list, histories: dict, board: list[dict]) -> None:
    """Retrain one configuration with seeds 1…N; show how much the ranking is luck."""
    st.subheader(t(f"{PAGE}.seeds_title"))
    st.markdown(t(f"{PAGE}.seeds_intro"))
    row_of = {r["id"]: r for r in board}
    if ui.projector():  # the button's words on a row of their own
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        c3 = st.container()
    else:
        c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    ids = [r["id"] for r in board]
    pick = ui.widget(
        c1.selectbox, t(f"{PAGE}.seeds_run"), ids, key=f"{PAGE}_seed_run", default=ids[0],
        valid=lambda v: v in ids, format_func={i: _board_label(row_of[i]) for i in ids}.get,
    )  # fmt: skip
    n = ui.widget(
        c2.number_input, t(f"{PAGE}.seeds_n"), 2, 10, key=f"{PAGE}_seed_n", default=5,
        valid=lambda v: isinstance(v, int) and 2 <= v <= 10,
    )  # fmt: skip
    if c3.button(
        t(f"{PAGE}.seeds_go", n=int(n)), key=f"{PAGE}_seed_go", icon=":material/casino:",
        width="content" if ui.projector() else "stretch",
    ):  # fmt: skip
        _run_seeds(records, pick, int(n))
    spread = compare.seed_spread(records, histories)
    groups, table, seen = [], [], set()
    for r in board:
        sp = spread.get(r["signature"])
        if sp is None or sp["n"] < 2 or r["signature"] in seen:
            continue
        seen.add(r["signature"])
        name = f"#{r['rank']} {ui.model_name(r['model'])} · {r['signature']}"
        groups.append((name, sp["seeds"], sp["values"]))
        table.append({
            "config": name, "n": sp["n"], "mean": sp["mean"], "std": sp["std"],
            "min": sp["min"], "max": sp["max"], "range": sp["range"],
        })  # fmt: skip
    if not groups:
        st.caption(t(f"{PAGE}.seeds_none"))
        return
    s = ui.style()
    labels = {
        "accuracy": t(f"{PAGE}.col_final"), "seed": t(f"{PAGE}.set_seed"),
        "mean": t(f"{PAGE}.mean"),
    }  # fmt: skip
    fig = seeds_figure(
        groups, labels=labels, font_size=s.font_size, line_width=s.line_width, height=s.height
    )
    ui.plot(fig, key=f"{PAGE}_seeds_fig")
    keys = ("config", "n", "mean", "std", "min", "max", "range")
    df = pd.DataFrame(table).rename(columns={k: t(f"{PAGE}.seeds_{k}") for k in keys})
    st.dataframe(
        df.round(3), key=f"{PAGE}_seeds_table", hide_index=True, row_height=_row_height(),
        height=_table_height(len(df)),
    )  # fmt: skip
    best_gap = board[0]["final_val_acc"] - board[1]["final_val_acc"] if len(board) > 1 else None
    widest = max(row["range"] for row in table)
    if best_gap is not None and widest >= best_gap:
        st.warning(t(f"{PAGE}.seeds_luck", gap=ui.count(best_gap, 3), spread=ui.count(widest, 3)))


def challenge_tab(records: list, histories: dict) -> None:
    st.markdown(t(f"{PAGE}.ch_intro", epochs=compare.CHALLENGE_EPOCHS))
    st.page_link("page_train.py", label=t(f"{PAGE}.ch_to_train"), icon=":material/emoji_events:")
    board = _board(records, histories)
    if board:
        _seeds(records, histories, board)


def _run_seeds(records: list, run_id: str, n: int) -> None:
    rec = next((r for r in records if r.id == run_id), None)
    spec = (rec.data.get("spec") or None) if rec else None
    if rec is None or not spec:
        ui.error_box(t(f"{PAGE}.seeds_no_spec"))
        return
    try:
        model = ModelConfig.from_dict(rec.model_cfg)
        base = TrainConfig.from_dict(rec.train_cfg)
    except (TypeError, ValueError) as exc:
        ui.error_box(t(f"{PAGE}.submit_bad", reason=message(exc)))
        return
    seeds = compare.missing_seeds(records, compare.signature(rec), range(1, n + 1))
    if not seeds:
        _flash("ok", t(f"{PAGE}.seeds_have", n=n))
        st.rerun()
    seed_word = t(f"{PAGE}.set_seed").lower()
    jobs = [
        (model, TrainConfig.from_dict({**base.to_dict(), "seed": s}),
         f"{model.name} · {seed_word} {s}", (compare.SEEDS_TAG,))
        for s in seeds
    ]  # fmt: skip
    if _submit(jobs, spec):
        names = ", ".join(f"{ui.model_name(model.name)} · {seed_word} {s}" for s in seeds)
        _flash("ok", t(f"{PAGE}.queued", n=len(jobs), names=names))
        st.rerun()


# ----------------------------------------------------------------------------- import
def _apply(cfg: compare.ImportedConfig) -> list[str]:
    """Hand an imported configuration to Architecture, Data and Train; say what changed."""
    st.session_state["model_cfg"] = cfg.model.to_dict()
    applied = [
        t(f"{PAGE}.imp_model", name=ui.model_name(cfg.model.name), params=ui.count(cfg.params))
    ]
    if cfg.train is not None:
        tr = cfg.train
        keep = st.session_state.setdefault("_keep", {})  # what ui.widget re-reads on Train
        values = {
            "train_optimizer": tr.optimizer, "train_lr": tr.learning_rate,
            "train_batch": tr.batch_size, "train_epochs": tr.epochs, "train_seed": tr.seed,
            "train_early": tr.early_stopping, "train_challenge": False,
        }  # fmt: skip
        for key, value in values.items():
            keep[key] = value
            st.session_state.pop(key, None)
        applied.append(
            t(f"{PAGE}.imp_train", opt=t(f"train.opt_{tr.optimizer}"), lr=f"{tr.learning_rate:g}",
              batch=tr.batch_size, epochs=tr.epochs, seed=tr.seed)
        )  # fmt: skip
    if cfg.data is not None:
        st.session_state["dataset_spec"] = cfg.data
        data = _data_text(compare.describe_data({"spec": cfg.data}))
        applied.append(t(f"{PAGE}.imp_data", data=data))
    return applied


def import_tab() -> None:
    st.markdown(t(f"{PAGE}.imp_intro"))
    up = st.file_uploader(t(f"{PAGE}.imp_file"), type=["json"], key=f"{PAGE}_import_file")
    text = ui.widget(
        st.text_area, t(f"{PAGE}.imp_text"), key=f"{PAGE}_import_text", default="", height=160,
        placeholder='{"model": {...}, "train": {...}}',
    )  # fmt: skip
    go = st.button(t(f"{PAGE}.imp_go"), key=f"{PAGE}_import_go", icon=":material/upload:")
    raw = None
    if go and text.strip():
        raw = text
    elif up is not None and (go or st.session_state.get(IMPORTED) != up.file_id):
        raw = up.getvalue()  # a new file is read once, not on every rerun
    elif go:
        st.session_state[RESULT] = ("err", t(f"{PAGE}.imp_empty"))
    if up is not None:
        st.session_state[IMPORTED] = up.file_id
    if raw is not None:
        try:
            st.session_state[RESULT] = ("ok", _apply(compare.parse_config(raw)))
        except ValueError as exc:
            st.session_state[RESULT] = ("err", t(f"{PAGE}.imp_bad", reason=str(exc)))
    kind, what = st.session_state.get(RESULT, (None, None))
    if kind == "err":
        ui.error_box(what)
    elif kind == "ok":
        st.success(t(f"{PAGE}.imp_ok") + "\n\n" + "\n".join(f"- {a}" for a in what))
        c1, c2 = st.columns(2)
        c1.page_link("page_train.py", label=t(f"{PAGE}.to_train"), icon=":material/model_training:")
        c2.page_link(
            "page_architecture.py", label=t(f"{PAGE}.to_arch"), icon=":material/account_tree:"
        )


# ----------------------------------------------------------------------------- page
def _keep_tab() -> None:
    """A click on the chosen tab deselects it: keep showing that tab instead."""
    if st.session_state.get(TAB_KEY) not in TABS:
        st.session_state[TAB_KEY] = st.session_state.get(LAST_TAB, TABS[0])


def _tab(n_runs: int) -> str:
    """The tab bar: tab ids as values, their names from the catalog."""
    tr = translator()  # bound now: AppTest formats the options outside the run
    tab = ui.widget(
        st.segmented_control, t(f"{PAGE}.tabs"), TABS, key=TAB_KEY, default=TABS[0],
        url=params.Choice("tab", TABS), on_change=_keep_tab, label_visibility="collapsed",
        format_func=lambda k: tr(f"{PAGE}.tab_{k}", n=n_runs), width="stretch",
    )  # fmt: skip
    tab = tab if tab in TABS else st.session_state.get(LAST_TAB, TABS[0])
    st.session_state[LAST_TAB] = tab
    return tab


def render() -> None:
    ui.header(PAGE)
    busy = any(not j.done for j in state.registry().jobs())
    boundary.fragment(_live_jobs, where="experiments", run_every=2.0 if busy else None)()
    _show_flash()
    records, histories = _load()
    records = _damaged(records)
    tab = _tab(len(records))
    if tab == "runs":
        runs_tab(records, histories)
    elif tab == "step6":
        step6_tab(records, histories)
    elif tab == "challenge":
        challenge_tab(records, histories)
    else:
        import_tab()


if __name__ == "__main__":
    render()
