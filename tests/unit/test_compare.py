"""Comparing runs: table rows, settings that differ, leaderboard, seeds, step 6, export,
import and delete, over a RunStore filled by real short Keras runs and hand-made records."""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3

import numpy as np
import pytest

from cnnlab import compare
from cnnlab.data import normalize_spec
from cnnlab.model import PRESETS, ModelConfig, layer_table
from cnnlab.runs import RunStore
from cnnlab.train import TrainConfig
from cnnlab.viz import PALETTE, overlay_figure, seeds_figure, step6_figure

SPEC = {"source": "shapes", "n": 200, "size": 16}


# ----------------------------------------------------------------------------- fixtures
def _fake(store, *, model="seed_shapes", vals=(0.5, 0.6), tags=(), status="finished", **train):
    """A hand-made run: a real preset's config, a chosen validation-accuracy history."""
    cfg = PRESETS[model].with_data(input_shape=(16, 16, 1), num_classes=2)
    tcfg = TrainConfig(**{"epochs": len(vals), **train})
    data = {"source": "shapes [train]", "spec": normalize_spec(SPEC), "image_shape": [16, 16, 1],
            "class_names": ["circle", "square"], "n_train": 160, "n_val": 40}  # fmt: skip
    rid = store.create(
        model_cfg=cfg.to_dict(), train_cfg=tcfg.to_dict(), data=data, name=model,
        params=sum(r.params for r in layer_table(cfg)), status="running", tags=list(tags),
    )  # fmt: skip
    for e, v in enumerate(vals):
        store.log_epoch(
            rid, e, {"loss": 1 - v, "accuracy": v, "val_loss": 1 - v, "val_accuracy": v}
        )
    store.update(rid, status=status, started=100.0, finished=100.0 + 2 * len(vals), device="CPU")
    return rid


@pytest.fixture(scope="module")
def real(shapes_pair):
    """Two real 2-epoch runs (the tutorial model and its stride-2 variant), step-6 tagged:
    the session's ``shapes_pair`` (tests/conftest.py), trained on SPEC. Read only."""
    assert shapes_pair.spec == SPEC
    return shapes_pair.store, list(shapes_pair.ids), shapes_pair.train_cfg


def _all(store):
    recs = store.list_runs()
    return recs, {r.id: store.history(r.id) for r in recs}


# ----------------------------------------------------------------------------- small pieces
@pytest.mark.parametrize(
    ("hist", "expected"),
    [
        ({"val_accuracy": [0.5, 0.9, 0.8]}, (0.9, 2, 0.8)),
        ({"val_accuracy": [0.7, 0.7]}, (0.7, 1, 0.7)),  # ties: the earliest epoch
        ({"val_accuracy": [None, 0.6, float("nan")]}, (0.6, 2, 0.6)),
        ({"val_accuracy": []}, (None, None, None)),
        ({"loss": [1.0]}, (None, None, None)),
    ],
)
def test_best_and_final(hist, expected):
    assert compare.best_and_final(hist) == expected


def test_flatten_and_varying_keys():
    flat = compare.flatten({"m": {"blocks": [{"f": 16}, {"f": 32}], "shape": [32, 32, 1]}, "t": 1})
    assert flat == {"m.blocks.0.f": 16, "m.blocks.1.f": 32, "m.shape": "[32, 32, 1]", "t": 1}
    dicts = [{"a": 1, "b": 2}, {"a": 1, "b": 2.5}, {"a": 1, "b": 2, "c": None}]
    assert compare.varying_keys(dicts) == ["b"]  # None and missing read the same
    assert compare.varying_keys(dicts[:1]) == []


@pytest.mark.parametrize(
    ("preset", "part"),
    [
        ("seed_shapes", "conv16·bn ▸ max2 ▸ conv32·bn"),
        ("shapes_stride2", "conv16·s2·bn"),
        ("shapes_valid", "conv16·valid·bn"),
        ("shapes_constant", "conv32·bn ▸ max2 ▸ conv32·bn ▸ max2 ▸ conv32·bn"),
        ("shapes_flatten", "flatten ▸ dense128·drop0.2 ▸ softmax2"),
        ("seed_pets", "max2 ▸ flatten ▸ drop0.5 ▸ dense128 ▸ sigmoid1"),
    ],
)
def test_describe_model_names_what_changed(preset, part):
    assert part in compare.describe_model(PRESETS[preset].to_dict())


def test_signature_ignores_seed_and_name_only(tmp_path):
    store = RunStore(tmp_path)
    a = store.get(_fake(store, seed=0))
    b = store.get(_fake(store, seed=7))
    c = store.get(_fake(store, seed=0, learning_rate=3e-3))
    d = store.get(_fake(store, model="shapes_flatten"))
    assert compare.signature(a) == compare.signature(b)
    assert len({compare.signature(r) for r in (a, c, d)}) == 3
    assert compare.signature(a, ignore=()) != compare.signature(b, ignore=())


# ----------------------------------------------------------------------------- real runs
@pytest.mark.keras
def test_run_table_over_real_runs(real):
    store, ids, _ = real
    recs, hists = _all(store)
    rows, varying = compare.run_table(recs, hists)
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == set(ids)
    for rid in ids:
        row, rec, hist = by_id[rid], store.get(rid), store.history(rid)
        cfg = ModelConfig.from_dict(rec.model_cfg)
        assert row["params"] == sum(r.params for r in layer_table(cfg)) == rec.params
        assert row["best_val_acc"] == max(hist["val_accuracy"])
        assert row["final_val_acc"] == hist["val_accuracy"][-1]
        assert row["epochs_run"] == 2 and row["status"] == "finished"
        assert row["seconds"] > 0 and row["device"].startswith(("CPU", "GPU"))
        assert row["dataset"] == "shapes 16×16×1 (160+40)"
    # Only the architecture differs: the one varying setting, shown as a column.
    assert varying == ["layers"]
    assert by_id[ids[1]]["set_layers"].startswith("conv16·bn ▸ conv16·s2·bn")
    assert by_id[ids[0]]["params"] == 23_762  # with GAP the count does not depend on H, W
    diff = compare.config_diff([store.get(i) for i in ids])
    keys = [r["setting"] for r in diff]
    assert "model.name" in keys and "model.blocks.1.kind" in keys
    assert not any(k.startswith(("train.", "data.")) for k in keys)
    assert len(compare.config_diff([store.get(i) for i in ids], everything=True)) > len(diff)


@pytest.mark.keras
def test_step6_context_matches_what_a_job_records(real):
    store, ids, cfg = real
    recs, hists = _all(store)
    ctx = compare.context_key(cfg.to_dict(), normalize_spec(SPEC))
    assert all(compare.context_key(r.train_cfg, r.data) == ctx for r in recs)
    assert compare.step6_todo("stride", recs, context=ctx) == []
    assert compare.step6_todo("head", recs, context=ctx) == ["shapes_flatten"]  # shared base
    other = compare.context_key({**cfg.to_dict(), "epochs": 3}, normalize_spec(SPEC))
    assert compare.step6_todo("head", recs, context=other) == ["seed_shapes", "shapes_flatten"]
    rows = compare.step6_rows(recs, hists, context=ctx)
    assert sorted(r["model"] for r in rows) == ["seed_shapes", "shapes_stride2"]
    assert [r["params"] for r in rows] == sorted(r["params"] for r in rows)
    assert all(r["experiment"] == "stride" for r in rows)
    assert compare.step6_rows(recs, hists, context=other) == []
    (pair,) = compare.step6_compare(rows)
    base, var = (
        next(r for r in rows if r["model"] == m) for m in ("seed_shapes", "shapes_stride2")
    )
    assert pair["params_ratio"] == pytest.approx(var["params"] / base["params"])
    assert pair["acc_delta"] == pytest.approx(var["best_val_acc"] - base["best_val_acc"])
    assert pair["time_ratio"] == pytest.approx(var["seconds"] / base["seconds"])


@pytest.mark.keras
def test_config_json_round_trip_of_a_real_run(real):
    store, ids, cfg = real
    rec = store.get(ids[1])
    text = compare.config_json(rec, store.history(rec.id))
    doc = json.loads(text)
    assert doc["result"]["final_val_accuracy"] == store.history(rec.id)["val_accuracy"][-1]
    got = compare.parse_config(text)
    assert got.model == ModelConfig.from_dict(rec.model_cfg)
    assert got.train == cfg
    assert got.data == normalize_spec(SPEC)
    assert got.params == rec.params


# ----------------------------------------------------------------------------- filter, sort
def test_filter_and_sort(tmp_path):
    store = RunStore(tmp_path)
    a = _fake(store, vals=(0.5, 0.9))
    b = _fake(store, model="shapes_flatten", vals=(0.6, 0.7), tags=("challenge",))
    c = _fake(store, vals=(0.4,), status="failed")
    q = store.create(model_cfg={"name": "x"}, train_cfg={}, status="queued")
    recs, hists = _all(store)
    rows, _ = compare.run_table(recs, hists)
    ids = lambda rs: [r["id"] for r in rs]  # noqa: E731
    assert set(ids(compare.filter_rows(rows, statuses=["finished"]))) == {a, b}
    assert ids(compare.filter_rows(rows, tags=["challenge"])) == [b]
    assert ids(compare.filter_rows(rows, text="FLATTEN")) == [b]
    assert ids(compare.filter_rows(rows, datasets=["nope"])) == []
    assert ids(compare.sort_rows(rows, "final_val_acc")) == [a, b, c, q]  # None last
    assert ids(compare.sort_rows(rows, "final_val_acc", descending=False)) == [c, b, a, q]
    assert ids(compare.sort_rows(rows, "params"))[-1] == q
    with pytest.raises(ValueError, match="'banana'"):
        compare.sort_rows(rows, "banana")


# ----------------------------------------------------------------------------- challenge
def _ten(final: float, best: float | None = None) -> tuple[float, ...]:
    best = final if best is None else best
    return (0.5,) * 7 + (best, 0.5, final)


def test_leaderboard_ranks_complete_challenge_runs(tmp_path):
    store = RunStore(tmp_path)
    ch = ("challenge",)
    first = _fake(store, vals=_ten(0.92), tags=ch, learning_rate=3e-3)
    second = _fake(store, model="shapes_flatten", vals=_ten(0.90, 0.95), tags=ch)
    third = _fake(store, vals=_ten(0.90, 0.91), tags=ch)
    _fake(store, vals=_ten(0.99), learning_rate=0.01)  # not a challenge run
    _fake(store, vals=_ten(0.99)[:9], tags=ch)  # 9 epochs: not the exercise
    _fake(store, vals=_ten(0.99), tags=ch, status="stopped")
    _fake(store, vals=_ten(0.99), tags=ch, status="diverged")
    seeds = [_fake(store, vals=_ten(v), tags=("seeds",), seed=s) for s, v in ((1, 0.8), (2, 0.86))]
    recs, hists = _all(store)
    board = compare.leaderboard(recs, hists)
    assert [r["id"] for r in board] == [first, second, third]
    assert [r["rank"] for r in board] == [1, 2, 3]
    assert board[0]["set_learning_rate"] == 3e-3 and board[1]["set_layers"].endswith("softmax2")
    # The third entry's configuration was also trained with seeds 1 and 2.
    values = [0.90, 0.8, 0.86]
    assert board[2]["seed_n"] == 3
    assert board[2]["seed_mean"] == pytest.approx(np.mean(values))
    assert board[2]["seed_std"] == pytest.approx(np.std(values))
    assert board[0]["seed_n"] == 1 and board[0]["seed_std"] == 0
    spread = compare.seed_spread(recs, hists)[board[2]["signature"]]
    assert spread["seeds"] == [0, 1, 2] and spread["values"] == pytest.approx(values)
    assert spread["range"] == pytest.approx(0.1)
    assert set(spread["run_ids"]) == {third, *seeds}
    assert compare.leaderboard(recs, hists, dataset="other data") == []
    assert len(compare.leaderboard(recs, hists, dataset=board[0]["dataset"])) == 3


def test_seed_spread_counts_a_seed_once(tmp_path):
    store = RunStore(tmp_path)
    _fake(store, vals=_ten(0.7))
    _fake(store, vals=_ten(0.8), seed=1)
    newest = _fake(store, vals=_ten(0.9))  # seed 0 again
    recs, hists = _all(store)
    ((sig, spread),) = compare.seed_spread(recs, hists).items()
    assert spread["seeds"] == [0, 1] and spread["values"] == pytest.approx([0.9, 0.8])
    assert spread["run_ids"][0] == newest
    assert compare.seed_spread(recs, hists, epochs=9) == {}
    assert compare.seed_spread(recs, hists, epochs=None)[sig]["n"] == 2


def test_missing_seeds_skips_done_and_queued(tmp_path):
    store = RunStore(tmp_path)
    rec = store.get(_fake(store, vals=_ten(0.9), tags=("challenge",)))
    _fake(store, vals=_ten(0.9), seed=2)
    _fake(store, vals=(), seed=3, status="queued", epochs=10)
    _fake(store, vals=_ten(0.9), seed=4, status="failed")  # failed: try again
    _fake(store, vals=_ten(0.9), seed=1, learning_rate=0.01)  # another configuration
    recs = store.list_runs()
    assert compare.missing_seeds(recs, compare.signature(rec), range(1, 6)) == [1, 4, 5]


def test_step6_todo_rejects_unknown_experiment():
    with pytest.raises(ValueError, match="'pooling'"):
        compare.step6_todo("pooling", [], context="x")


# ----------------------------------------------------------------------------- export/import
def test_csv_export_reads_back(tmp_path):
    store = RunStore(tmp_path)
    _fake(store, vals=(0.5, 0.75))
    store.create(model_cfg={"name": "x"}, train_cfg={}, status="queued")
    recs, hists = _all(store)
    rows, _ = compare.run_table(recs, hists)
    text = compare.to_csv(rows)
    back = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in back] == [r["id"] for r in rows]
    assert back[1]["final_val_acc"] == "0.75" and back[0]["final_val_acc"] == ""
    assert list(back[0]) == list(rows[0])
    only = compare.to_csv(rows, ["id", "params"])
    assert only.splitlines()[0] == "id,params"


def test_parse_config_accepts_presets_and_bare_models():
    assert compare.parse_config('{"model": "shapes_flatten"}').model == PRESETS["shapes_flatten"]
    bare = compare.parse_config(json.dumps(PRESETS["seed_pets"].to_dict()))
    assert bare.params == 830_849 and bare.train is None and bare.data is None
    assert compare.parse_config(json.dumps({"model": "seed_shapes"}).encode()).params == 23_762


_DEEP = {**PRESETS["seed_shapes"].to_dict(), "input_shape": [8, 8, 1]}
_DEEP["blocks"] = [{"kind": "conv", "filters": 8, "padding": "valid"}] * 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"model": "seed_shapes",}', "line 1, column 25"),
        ("[1, 2]", "got list"),
        ("", "empty"),
        (b"\xff\xfe{", "not UTF-8"),
        ('{"train": {}}', "no 'model'"),
        ('{"model": "seed_shapes", "modle": 1}', "'modle'"),
        ('{"model": "lenet"}', "'lenet'"),
        ('{"model": {"blocks": [{"kind": "attention"}]}}', "attention"),
        ('{"model": {"blocks": [{"kind": "conv", "filterz": 3}]}}', "filterz"),
        (json.dumps({"model": _DEEP}), "model:"),
        ('{"model": {"input_shape": [32, 32]}}', "[32, 32]"),
        ('{"model": "seed_shapes", "train": {"learning_rate": -1}}', "-1"),
        ('{"model": "seed_shapes", "train": {"optimizer": "adamw"}}', "'adamw'"),
        ('{"model": "seed_shapes", "train": {"epochz": 3}}', "epochz"),
        ('{"model": "seed_shapes", "train": [1]}', "train must be an object"),
        ('{"model": "seed_shapes", "data": {"source": "mnist"}}', "'mnist'"),
    ],
)
def test_parse_config_errors_are_clear(text, message):
    with pytest.raises(ValueError) as err:
        compare.parse_config(text)
    assert message in str(err.value)


# ----------------------------------------------------------------------------- delete
def test_delete_leaves_the_store_consistent(tmp_path):
    store = RunStore(tmp_path)
    keep = _fake(store, vals=(0.5, 0.6))
    gone = _fake(store, vals=(0.5, 0.7))
    store.save_filters(gone, 0, np.zeros((3, 3, 1, 4), np.float32))
    live = _fake(store, vals=(0.5,), status="running")
    deleted, refused = compare.delete_runs(store, [gone, live, "no-such-run", gone])
    assert deleted == [gone] and refused == [live]
    assert {r.id for r in store.list_runs()} == {keep, live}
    assert store.history(gone) == {} and not store.run_dir(gone).exists()
    with sqlite3.connect(store.db) as con:
        orphans = con.execute("SELECT COUNT(*) FROM epochs WHERE run_id=?", (gone,)).fetchone()
    assert orphans == (0,)
    assert store.history(keep)["val_accuracy"] == [0.5, 0.6]


# ----------------------------------------------------------------------------- figures
def test_overlay_figure_one_colour_per_run():
    hist = {
        "loss": [1, 0.5],
        "val_loss": [1, 0.6],
        "accuracy": [0.5, 0.8],
        "val_accuracy": [0.5, 0.7],
    }
    labels = {"loss": "L", "accuracy": "A", "epoch": "e", "train": "t", "val": "v"}
    fig = overlay_figure([("a", hist), ("b", hist), ("c", {"val_accuracy": [0.6]})], labels=labels)
    colours = {tr.name: set() for tr in fig.data}
    for tr in fig.data:
        colours[tr.name].add(tr.line.color)
    assert colours == {"a": {PALETTE[0]}, "b": {PALETTE[1]}, "c": {PALETTE[2]}}
    assert len(fig.data) == 4 + 4 + 1
    assert [tr.name for tr in fig.data if tr.showlegend] == ["a", "b"]  # c has no loss
    dashed = [tr for tr in fig.data if tr.line.dash == "dash"]
    assert len(dashed) == 4
    no_train = overlay_figure([("a", hist)], labels=labels, show_train=False)
    assert len(no_train.data) == 2


def test_step6_and_seed_figures():
    rows = [
        {"model": "seed_shapes", "params": 23762, "best_val_acc": 0.9, "seconds": 10.0},
        {"model": "shapes_flatten", "params": 540_000, "best_val_acc": 0.95, "seconds": 40.0},
        {"model": "shapes_valid", "params": 23762, "best_val_acc": None, "seconds": None},
    ]
    labels = {"params": "p", "accuracy": "a", "seconds": "s", "seed": "seed", "mean": "m"}
    fig = step6_figure(rows, labels=labels)
    assert fig.layout.xaxis.type == "log" and len(fig.data) == 2
    small, big = (tr.marker.size[0] for tr in fig.data)
    assert big > small  # longer training, bigger bubble
    fig = seeds_figure([("cfg", [0, 1, 2], [0.8, 0.9, 1.0])], labels=labels)
    mean = fig.data[1]
    assert mean.y[0] == pytest.approx(0.9)
    assert mean.error_y.array[0] == pytest.approx(math.sqrt(2 / 300))


# ----------------------------------------------------------------------------- step 6: L2
def test_step6_has_the_l2_experiment():
    from cnnlab.model import DenseLayer, Head, model_stats

    assert compare.STEP6["l2"] == ("seed_shapes", "shapes_l2")
    base, variant = (PRESETS[p] for p in compare.STEP6["l2"])
    assert model_stats(layer_table(variant)).params == model_stats(layer_table(base)).params
    # The only differences: the name, and weight decay on each conv block.
    diff = {
        k
        for k in set(compare.flatten(base.to_dict())) | set(compare.flatten(variant.to_dict()))
        if compare.flatten(base.to_dict()).get(k) != compare.flatten(variant.to_dict()).get(k)
    }
    assert diff == {"name", "blocks.0.l2", "blocks.2.l2", "blocks.4.l2"}
    assert compare.step6_todo("l2", [], context="x") == ["seed_shapes", "shapes_l2"]
    text = compare.describe_model(variant.to_dict())
    assert text.startswith("conv16·bn·l2=0.001 ▸ max2 ▸ conv32·bn·l2=0.001")
    assert "l2" not in compare.describe_model(base.to_dict())
    dense = ModelConfig(head=Head(dense=(DenseLayer(64, l2=1e-4, dropout=0.5),)))
    assert "dense64·drop0.5·l2=0.0001" in compare.describe_model(dense.to_dict())


def test_the_settings_diff_shows_the_l2_factor(tmp_path):
    store = RunStore(tmp_path)
    a, b = (store.get(_fake(store, model=m)) for m in compare.STEP6["l2"])
    rows, varying = compare.run_table([a, b], {})
    assert varying == ["layers"]  # same data and training: only the layers differ
    by_model = {r["model"]: r for r in rows}
    assert "l2=0.001" in by_model["shapes_l2"]["set_layers"]
    assert "l2" not in by_model["seed_shapes"]["set_layers"]
    diff = {r["setting"]: r for r in compare.config_diff([a, b])}
    assert diff["model.blocks.0.l2"][a.id] == 0.0 and diff["model.blocks.0.l2"][b.id] == 0.001
    assert "model.blocks.1.l2" not in diff  # a pooling block has no L2


def test_a_run_recorded_before_l2_reads_as_one_without_it(tmp_path):
    """Old records lack the l2 fields; they mean no weight decay, so the same config."""
    store = RunStore(tmp_path)
    new = store.get(_fake(store, model="shapes_flatten"))
    old_cfg = json.loads(json.dumps(new.model_cfg))
    for blk in old_cfg["blocks"]:
        blk.pop("l2", None)
    for d in old_cfg["head"]["dense"]:
        d.pop("l2")
    old_id = store.create(model_cfg=old_cfg, train_cfg=new.train_cfg, data=new.data,
                          name="old", params=new.params, status="finished")  # fmt: skip
    old = store.get(old_id)
    assert "l2" not in json.dumps(old.model_cfg)
    assert ModelConfig.from_dict(old.model_cfg) == ModelConfig.from_dict(new.model_cfg)
    assert compare.signature(old) == compare.signature(new)
    assert compare.flat_config(old) == compare.flat_config(new)
    assert compare.config_diff([old, new]) == []
    assert compare.describe_model(old.model_cfg) == compare.describe_model(new.model_cfg)
