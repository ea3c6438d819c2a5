"""Experiments: every run compared, the tutorial's step 6 in one click, the 10-epoch challenge.

Thin: the runs come from the RunStore, the comparisons from ``cnnlab.compare``, the
figures from ``cnnlab.viz``. Jobs are submitted to the process-wide registry (they
queue when the server is busy); a fragment polls them only while one is alive.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import streamlit as st

from cnnlab import compare
from cnnlab.data import normalize_spec, split_spec
from cnnlab.model import PRESETS, ModelConfig, layer_table
from cnnlab.runs import STATUSES
from cnnlab.train import TrainConfig
from cnnlab.viz import overlay_figure, seeds_figure, step6_figure
from dashboard import state, ui
from dashboard.i18n import t

PAGE = "experiments"
FLASH = "_experiments_flash"  # (kind, text) shown once after a rerun
CONFIRM = "_experiments_confirm"  # run ids waiting for "yes, delete"
LIVE_SEEN = "_experiments_live"  # live job ids at the last poll
IMPORTED = "_experiments_imported"  # file id of the last uploaded configuration
RESULT = "_experiments_import_result"  # ("ok", lines) or ("err", message)


# ----------------------------------------------------------------------------- helpers
def _label(row: dict) -> str:
    """A run for people: model · date · short id."""
    return f"{row['model']} · {row['date'][5:]} · {row['id'][-6:]}"


def _board_label(row: dict) -> str:
    return f"#{row['rank']} {_label(row)} ({_acc(row['final_val_acc'])})"


def _acc(v) -> str:
    return "–" if v is None else f"{v:.3f}"


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
        "params": cc.NumberColumn(t(f"{PAGE}.col_params"), format="localized"),
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
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    if "status" in df:
        df["status"] = [t(f"{PAGE}.status_{s}") for s in df["status"]]
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
        st.markdown(f"**{t(f'{PAGE}.live_title', n=len(live), running=reg.running)}**")
        for job in reversed(live):  # oldest first: the order they will finish
            if job.status == "queued":
                pos = reg.queue_position(job) or 1
                st.caption(t(f"{PAGE}.job_queued", label=job.label, pos=pos))
                continue
            latest = job.latest
            if latest is None:
                st.progress(0.0, text=t(f"{PAGE}.job_starting", label=job.label))
            else:
                frac = min(1.0, latest["step"] / max(1, latest["steps"]))
                st.progress(
                    frac,
                    text=t(
                        f"{PAGE}.job_running", label=job.label, epoch=int(latest["epoch"]) + 1,
                        epochs=job.train_cfg.epochs,
                    ),
                )  # fmt: skip


def _submit(jobs: list[tuple[ModelConfig, TrainConfig, str, tuple[str, ...]]], spec: dict) -> int:
    """Queue (model, train config, label, tags) jobs on ``spec``'s data; 0 on error."""
    try:
        with st.spinner(t(f"{PAGE}.loading_data")):
            parts = split_spec(spec)
        shape, k = parts[0].image_shape, len(parts[0].class_names)
        for cfg, *_ in jobs:  # all or nothing: check every design before queueing any
            try:
                layer_table(cfg.with_data(input_shape=shape, num_classes=k))
            except ValueError as exc:
                raise ValueError(f"{cfg.name} on {'×'.join(map(str, shape))}: {exc}") from exc
        reg = state.registry()
        for cfg, tcfg, label, tags in jobs:
            reg.submit(cfg, parts[0], parts[1], tcfg, owner=state.owner(), label=label, tags=tags)
    except ValueError as exc:
        ui.error_box(t(f"{PAGE}.submit_bad", reason=str(exc)))
        return 0
    return len(jobs)


# ----------------------------------------------------------------------------- runs tab
def _filters(all_rows: list[dict]) -> list[dict]:
    statuses = [s for s in STATUSES if any(r["status"] == s for r in all_rows)]
    datasets = sorted({r["dataset"] for r in all_rows})
    tags = sorted({x.strip() for r in all_rows for x in r["tags"].split(",") if x.strip()})
    c1, c2, c3, c4, c5 = st.columns([1.2, 1.4, 1, 1.3, 1.1])
    want_status = ui.widget(
        c1.multiselect, t(f"{PAGE}.filter_status"), statuses, key=f"{PAGE}_status", default=[],
        format_func=lambda s: t(f"{PAGE}.status_{s}"), placeholder=t(f"{PAGE}.any"),
    )  # fmt: skip
    want_data = ui.widget(
        c2.multiselect, t(f"{PAGE}.filter_dataset"), datasets, key=f"{PAGE}_dataset", default=[],
        placeholder=t(f"{PAGE}.any"),
    )  # fmt: skip
    want_tags = ui.widget(
        c3.multiselect, t(f"{PAGE}.filter_tags"), tags, key=f"{PAGE}_tags", default=[],
        placeholder=t(f"{PAGE}.any"),
    )  # fmt: skip
    text = ui.widget(
        c4.text_input, t(f"{PAGE}.filter_text"), key=f"{PAGE}_search", default="",
        placeholder=t(f"{PAGE}.filter_text_hint"),
    )  # fmt: skip
    by = ui.widget(
        c5.selectbox, t(f"{PAGE}.sort"), list(compare.SORT_KEYS), key=f"{PAGE}_sort",
        default="created",
        url="sort", valid=lambda v: v in compare.SORT_KEYS,
        format_func=lambda k: t(f"{PAGE}.sort_{k}"),
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


def _curves(records_by_id: dict, histories: dict, row_of: dict, sel: list[str]) -> None:
    s = ui.style()
    show_train = ui.widget(
        st.toggle,
        t(f"{PAGE}.show_train"),
        key=f"{PAGE}_show_train",
        default=True,
        url="train_curves",
    )
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
    st.plotly_chart(fig, key=f"{PAGE}_curves", config={"displayModeBar": False})
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
    df = pd.DataFrame(rows).astype(str)
    df = df.rename(columns={"setting": t(f"{PAGE}.diff_setting")})
    st.dataframe(
        df, key=f"{PAGE}_diff", hide_index=True, row_height=_row_height(),
        height=_table_height(len(df)),
    )  # fmt: skip


def _export(records_by_id: dict, histories: dict, rows: list[dict], sel: list[str]) -> None:
    c1, c2, c3 = st.columns([1, 1, 1])
    full = []
    for r in rows:
        extra = {f"set_{k}": v for k, v in compare.settings(records_by_id[r["id"]]).items()}
        full.append({**r, **extra})
    c1.download_button(
        t(f"{PAGE}.export_csv", n=len(rows)), data=compare.to_csv(full),
        file_name="cnnlab-runs.csv",
        mime="text/csv", key=f"{PAGE}_csv", icon=":material/table:", disabled=not rows,
        width="stretch",
    )  # fmt: skip
    choices = sel or [r["id"] for r in rows]
    if not choices:
        return
    row_of = {r["id"]: r for r in rows}
    one = c2.selectbox(
        t(f"{PAGE}.export_which"), choices, key=f"{PAGE}_export_run",
        format_func=lambda i: _label(row_of[i]) if i in row_of else i, label_visibility="collapsed",
    )  # fmt: skip
    rec = records_by_id[one]
    c3.download_button(
        t(f"{PAGE}.export_json"), data=compare.config_json(rec, histories.get(one)),
        file_name=f"cnnlab-config-{one}.json", mime="application/json", key=f"{PAGE}_json",
        icon=":material/data_object:", width="stretch",
    )  # fmt: skip


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
        deleted, refused = compare.delete_runs(state.store(), pending)
        st.session_state.pop(CONFIRM, None)
        text = t(f"{PAGE}.deleted", n=len(deleted))
        if refused:
            text += " " + t(f"{PAGE}.delete_live", n=len(refused))
        _flash("warn" if refused else "ok", text)
        st.rerun()


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
        format_func=lambda i: _label(row_of[i]), placeholder=t(f"{PAGE}.pick_hint"),
    )  # fmt: skip
    if sel:
        _curves(records_by_id, histories, row_of, sel)
        if len(sel) >= 2:
            _diff(records_by_id, row_of, sel)
    else:
        st.info(t(f"{PAGE}.pick_none"), icon=":material/touch_app:")
    _export(records_by_id, histories, rows, sel)
    _delete(row_of, sel)


# ----------------------------------------------------------------------------- step 6
def _step6_spec() -> dict:
    which = ui.widget(
        st.segmented_control, t(f"{PAGE}.s6_data"), ["demo", "current"], key=f"{PAGE}_s6_data",
        default="demo", url="s6data", valid=lambda v: v in ("demo", "current"),
        format_func=lambda v: t(f"{PAGE}.s6_data_{v}"),
    )  # fmt: skip
    if which == "current":  # (a click can deselect both: the demo then)
        return state.data_spec().to_dict()
    return normalize_spec(state.DEFAULT_SPEC)


def step6_tab(records: list, histories: dict) -> None:
    st.markdown(t(f"{PAGE}.s6_intro"))
    c1, c2 = st.columns([2, 1])
    with c1:
        spec = _step6_spec()
    epochs = ui.widget(
        c2.number_input, t(f"{PAGE}.s6_epochs"), 1, 100, key=f"{PAGE}_s6_epochs", default=10,
        url="s6epochs", help=t(f"{PAGE}.s6_epochs_help"),
    )  # fmt: skip
    tcfg = TrainConfig(epochs=int(epochs), seed=0)
    ctx = compare.context_key(tcfg.to_dict(), spec)
    st.caption(t(f"{PAGE}.s6_same", spec=compare.describe_data({"spec": spec}), epochs=int(epochs)))
    cols = st.columns(2)
    for n, exp in enumerate(compare.STEP6):
        todo = compare.step6_todo(exp, records, context=ctx)
        base, variant = compare.STEP6[exp]
        label = t(f"{PAGE}.s6_{exp}")
        if not todo:
            label = f"✓ {label}"
        clicked = cols[n % 2].button(
            label, key=f"{PAGE}_s6_{exp}", width="stretch", help=t(f"{PAGE}.s6_{exp}_help"),
            icon=":material/play_arrow:" if todo else None,
        )  # fmt: skip
        if clicked:
            if not todo:
                _flash("ok", t(f"{PAGE}.s6_already", base=base, variant=variant))
                st.rerun()
            jobs = [
                (
                    PRESETS[p],
                    tcfg,
                    f"{p} · {t(f'{PAGE}.s6_short')}",
                    (compare.STEP6_TAG, f"step6:{exp}"),
                )
                for p in todo
            ]
            if _submit(jobs, spec):
                _flash("ok", t(f"{PAGE}.queued", n=len(jobs), names=", ".join(todo)))
                st.rerun()
    rows = compare.step6_rows(records, histories, context=ctx)
    if not rows:
        st.info(t(f"{PAGE}.s6_none"), icon=":material/science:")
        return
    s = ui.style()
    finished = [r for r in rows if r["best_val_acc"] is not None]
    if finished:
        labels = {
            "params": t(f"{PAGE}.col_params"), "accuracy": t(f"{PAGE}.col_best"),
            "seconds": t(f"{PAGE}.col_seconds"),
        }  # fmt: skip
        fig = step6_figure(finished, labels=labels, font_size=s.font_size, height=s.height + 40)
        st.plotly_chart(fig, key=f"{PAGE}_s6_fig", config={"displayModeBar": False})
        st.caption(t(f"{PAGE}.s6_fig_help"))
    cols = ["model", "experiment", "params", "best_val_acc", "final_val_acc", "seconds"]
    cols += ["seconds_per_epoch", "status", "id"]
    df = _frame(rows, cols)
    base = {b for b, _ in compare.STEP6.values()}
    df["experiment"] = [
        t(f"{PAGE}.s6_baseline")
        if m in base
        else (t(f"{PAGE}.s6_{e}") if e in compare.STEP6 else "")
        for m, e in zip(df["model"], df["experiment"], strict=True)
    ]
    st.dataframe(
        df, key=f"{PAGE}_s6_table", hide_index=True, column_config=_columns([]),
        row_height=_row_height(), height=_table_height(len(df)),
    )  # fmt: skip
    pairs = compare.step6_compare(rows)
    for p in pairs:
        st.markdown(
            "- " + t(
                f"{PAGE}.s6_pair", exp=t(f"{PAGE}.s6_{p['experiment']}"), variant=p["variant"],
                base=p["baseline"], params=f"{p['params_ratio']:.2f}",
                acc=f"{p['acc_delta']:+.3f}", time=f"{p['time_ratio']:.2f}",
            )
        )  # fmt: skip


# ----------------------------------------------------------------------------- challenge
def challenge_tab(records: list, histories: dict) -> None:
    st.markdown(t(f"{PAGE}.ch_intro", epochs=compare.CHALLENGE_EPOCHS))
    st.page_link("page_train.py", label=t(f"{PAGE}.ch_to_train"), icon=":material/emoji_events:")
    board = compare.leaderboard(records, histories)
    if not board:
        st.info(t(f"{PAGE}.ch_none"), icon=":material/emoji_events:")
        return
    datasets = list(dict.fromkeys(r["dataset"] for r in board))
    dataset = datasets[0]
    if len(datasets) > 1:
        dataset = ui.widget(
            st.selectbox, t(f"{PAGE}.ch_dataset"), datasets, key=f"{PAGE}_ch_dataset",
            default=datasets[0], valid=lambda v: v in datasets,
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

    st.subheader(t(f"{PAGE}.seeds_title"))
    st.markdown(t(f"{PAGE}.seeds_intro"))
    row_of = {r["id"]: r for r in board}
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    ids = [r["id"] for r in board]
    pick = ui.widget(
        c1.selectbox, t(f"{PAGE}.seeds_run"), ids, key=f"{PAGE}_seed_run", default=ids[0],
        valid=lambda v: v in ids,
        format_func=lambda i: _board_label(row_of[i]),
    )  # fmt: skip
    n = ui.widget(c2.number_input, t(f"{PAGE}.seeds_n"), 2, 10, key=f"{PAGE}_seed_n", default=5)
    if c3.button(
        t(f"{PAGE}.seeds_go", n=int(n)), key=f"{PAGE}_seed_go", icon=":material/casino:",
        width="stretch",
    ):  # fmt: skip
        _run_seeds(records, pick, int(n))
    spread = compare.seed_spread(records, histories)
    groups, table, seen = [], [], set()
    for r in board:
        sp = spread.get(r["signature"])
        if sp is None or sp["n"] < 2 or r["signature"] in seen:
            continue
        seen.add(r["signature"])
        name = f"#{r['rank']} {r['model']} · {r['signature']}"
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
        "accuracy": t(f"{PAGE}.col_final"),
        "seed": t(f"{PAGE}.set_seed"),
        "mean": t(f"{PAGE}.mean"),
    }
    fig = seeds_figure(
        groups, labels=labels, font_size=s.font_size, line_width=s.line_width, height=s.height
    )
    st.plotly_chart(fig, key=f"{PAGE}_seeds_fig", config={"displayModeBar": False})
    df = pd.DataFrame(table).rename(
        columns={
            k: t(f"{PAGE}.seeds_{k}") for k in ("config", "n", "mean", "std", "min", "max", "range")
        }
    )
    st.dataframe(
        df.round(3), key=f"{PAGE}_seeds_table", hide_index=True, row_height=_row_height(),
        height=_table_height(len(df)),
    )  # fmt: skip
    best_gap = board[0]["final_val_acc"] - board[1]["final_val_acc"] if len(board) > 1 else None
    widest = max(row["range"] for row in table)
    if best_gap is not None and widest >= best_gap:
        st.warning(t(f"{PAGE}.seeds_luck", gap=f"{best_gap:.3f}", spread=f"{widest:.3f}"))


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
        ui.error_box(t(f"{PAGE}.submit_bad", reason=str(exc)))
        return
    seeds = compare.missing_seeds(records, compare.signature(rec), range(1, n + 1))
    if not seeds:
        _flash("ok", t(f"{PAGE}.seeds_have", n=n))
        st.rerun()
    jobs = [
        (model, TrainConfig.from_dict({**base.to_dict(), "seed": s}),
         f"{model.name} · {t(f'{PAGE}.set_seed').lower()} {s}", (compare.SEEDS_TAG,))
        for s in seeds
    ]  # fmt: skip
    if _submit(jobs, spec):
        _flash("ok", t(f"{PAGE}.queued", n=len(jobs), names=", ".join(j[2] for j in jobs)))
        st.rerun()


# ----------------------------------------------------------------------------- import
def _apply(cfg: compare.ImportedConfig) -> list[str]:
    """Hand an imported configuration to Architecture, Data and Train; say what changed."""
    st.session_state["model_cfg"] = cfg.model.to_dict()
    applied = [t(f"{PAGE}.imp_model", name=cfg.model.name, params=ui.count(cfg.params))]
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
            t(f"{PAGE}.imp_train", opt=tr.optimizer, lr=f"{tr.learning_rate:g}",
              batch=tr.batch_size, epochs=tr.epochs, seed=tr.seed)
        )  # fmt: skip
    if cfg.data is not None:
        st.session_state["dataset_spec"] = cfg.data
        applied.append(t(f"{PAGE}.imp_data", data=compare.describe_data({"spec": cfg.data})))
    return applied


def import_tab() -> None:
    st.markdown(t(f"{PAGE}.imp_intro"))
    up = st.file_uploader(t(f"{PAGE}.imp_file"), type=["json"], key=f"{PAGE}_import_file")
    text = st.text_area(
        t(f"{PAGE}.imp_text"), key=f"{PAGE}_import_text", height=160,
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
ui.header(PAGE)
_busy = any(not j.done for j in state.registry().jobs())
st.fragment(run_every=2.0 if _busy else None)(_live_jobs)()
_show_flash()
_records, _histories = _load()
_tabs = st.tabs(
    [
        t(f"{PAGE}.tab_runs", n=len(_records)),
        t(f"{PAGE}.tab_step6"),
        t(f"{PAGE}.tab_challenge"),
        t(f"{PAGE}.tab_import"),
    ]
)
with _tabs[0]:
    runs_tab(_records, _histories)
with _tabs[1]:
    step6_tab(_records, _histories)
with _tabs[2]:
    challenge_tab(_records, _histories)
with _tabs[3]:
    import_tab()
