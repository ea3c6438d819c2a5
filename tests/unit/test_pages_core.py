"""What the Train, Inspect and Experiments pages moved into the core: the chance rule,
a design against its data, the demos, the first confusion cell, setting keys for people,
step 6 reusing an identical run, and accuracy axes that stop at 1."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import compare
from cnnlab.data import normalize_spec
from cnnlab.model import PRESETS, fit_to_data, layer_table
from cnnlab.runs import RunStore
from cnnlab.train import TrainConfig


# ----------------------------------------------------------------------- chance_since
@pytest.mark.parametrize(
    ("vals", "k", "expected"),
    [
        ([0.5] * 10, 2, 1),  # LFW faces at 0.500 for a whole run
        ([0.9, 0.5, 0.51, 0.49], 2, 2),  # fell to chance and stayed there
        ([0.5, 0.5, 0.7, 0.5, 0.5], 2, None),  # only the last two epochs
        ([0.5, 0.5], 2, None),  # too few epochs to say
        ([0.6, 0.8, 0.95], 2, None),  # learning
        ([0.1, 0.11, 0.09, 0.1], 10, 1),  # ten classes: chance is 0.1
        ([0.34, 0.33, 0.32], 3, 1),
        ([0.5, 0.5, None, 0.5], 2, None),  # a missing epoch breaks the streak
        ([0.5, float("nan"), 0.5, 0.5, 0.5], 2, 3),
    ],
)
def test_chance_since(vals, k, expected):
    assert compare.chance_since({"val_accuracy": vals}, k) == expected


def test_chance_since_margin_epochs_and_bad_input():
    hist = {"val_accuracy": [0.55, 0.56, 0.54]}
    assert compare.chance_since(hist, 2) is None  # 0.05 away: more than the 0.03 margin
    assert compare.chance_since(hist, 2, margin=0.07) == 1
    assert compare.chance_since({"val_accuracy": [0.5, 0.5]}, 2, epochs=2) == 1
    assert compare.chance_since({}, 2) is None
    with pytest.raises(ValueError, match="num_classes"):
        compare.chance_since(hist, 1)
    with pytest.raises(ValueError, match="epochs"):
        compare.chance_since(hist, 2, epochs=0)


# ----------------------------------------------------------------------- fit_to_data
def test_the_notebook_model_on_shapes_says_both_counts():
    fit = fit_to_data(PRESETS["seed_pets"], (32, 32, 1), 2)
    assert fit.resized and fit.can_train
    assert fit.design_shape == (150, 150, 3) and fit.data_shape == (32, 32, 1)
    assert fit.design_params == 830_849  # the notebook's summary
    assert fit.params == 199_489  # what would really train on the shapes


def test_a_design_that_fits_and_one_that_cannot_train():
    fit = fit_to_data(PRESETS["seed_shapes"], (32, 32, 1), 2)
    assert not fit.resized and fit.params == fit.design_params == 23_762
    gap = fit_to_data(PRESETS["seed_shapes"], (16, 16, 1))
    assert gap.resized and gap.params == 23_762  # GAP: the count ignores H and W
    tiny = fit_to_data(PRESETS["shapes_valid"], (8, 8, 1), 2)
    assert not tiny.can_train and tiny.params is None and tiny.error
    assert tiny.design_params == sum(r.params for r in layer_table(PRESETS["shapes_valid"]))
    with pytest.raises(ValueError, match="data_shape"):
        fit_to_data(PRESETS["seed_shapes"], (32, 32))


# ----------------------------------------------------------------------- demos
def test_the_shapes_demo_sets_model_data_and_every_setting():
    from cnnlab.demos import SHAPES_DATA, demo

    d = demo("shapes")
    assert d.model == PRESETS["seed_shapes"] and d.data == SHAPES_DATA
    assert d.train == TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=64, epochs=10)
    with pytest.raises(ValueError, match="demo must be one of"):
        demo("cats")


def test_the_pets_demo_uses_the_photos_when_they_are_there(tmp_path):
    from cnnlab.demos import demo, pets_folder

    assert pets_folder(tmp_path) is None
    (tmp_path / "other" / "a").mkdir(parents=True)
    (tmp_path / "other" / "b").mkdir()
    assert pets_folder(tmp_path) is None  # two classes, but not cats and dogs
    for cls in ("Cat", "Dog"):
        (tmp_path / "kaggle" / "PetImages" / cls).mkdir(parents=True)
    assert pets_folder(tmp_path) == "kaggle/PetImages"
    d = demo("pets", root=tmp_path)
    assert d.photos and d.model == PRESETS["seed_pets"]  # 150×150×3: the notebook's
    assert d.data["source"] == "folder" and d.data["path"] == "kaggle/PetImages"
    assert d.data["image_size"] == [150, 150] and d.data["channels"] == 3
    assert (d.train.batch_size, d.train.learning_rate, d.train.epochs) == (128, 1e-3, 10)


def test_the_pets_demo_without_photos_sizes_the_model_to_its_data(tmp_path):
    from cnnlab.data import parse_spec
    from cnnlab.demos import demo

    d = demo("pets", root=tmp_path / "nothing")
    assert not d.photos
    shape = parse_spec(d.data).input_shape
    assert d.model.input_shape == shape and shape[2] == 3
    assert d.model.name == "seed_pets"
    fit = fit_to_data(d.model, shape, 2)
    assert not fit.resized and fit.can_train  # nothing left to warn about


# ----------------------------------------------------------------------- first_cell
def test_the_confusion_viewer_opens_on_the_commonest_mistake():
    from cnnlab.inspect import first_cell

    assert first_cell(np.array([[50, 3], [7, 40]])) == (1, 0)
    assert first_cell(np.array([[9, 0, 2], [0, 9, 0], [5, 5, 9]])) == (2, 0)  # ties: first
    assert first_cell(np.array([[10, 0], [0, 10]])) == (0, 0)  # no mistake: a full cell
    assert first_cell(np.array([[0, 0], [0, 4]])) == (1, 1)
    assert first_cell(np.zeros((2, 2), int)) == (0, 0)
    with pytest.raises(ValueError, match="square"):
        first_cell(np.zeros((2, 3), int))


# ----------------------------------------------------------------------- key_parts
def test_setting_keys_for_people():
    assert compare.key_parts("model.blocks.1.kind") == [
        ("model", None), ("blocks", 2), ("kind", None)
    ]  # fmt: skip
    assert compare.key_parts("train.seed") == [("train", None), ("seed", None)]
    assert compare.key_parts("data.split.val_fraction")[-1] == ("val_fraction", None)


# ----------------------------------------------------------------------- step 6 reuse
def _record(store, model: str, *, tags=(), status="finished", epochs=10, name=None):
    spec = normalize_spec({"source": "shapes", "n": 2000, "size": 32})
    data = {"source": "shapes", "spec": spec, "image_shape": [32, 32, 1],
            "class_names": ["circle", "square"], "n_train": 1600, "n_val": 400}  # fmt: skip
    cfg = PRESETS[model].to_dict()
    if name:
        cfg["name"] = name
    rid = store.create(
        model_cfg=cfg, train_cfg=TrainConfig(epochs=epochs, seed=0).to_dict(), data=data,
        name=name or model, params=23_762, status="running", tags=list(tags),
    )  # fmt: skip
    for e in range(epochs):
        store.log_epoch(rid, e, {"loss": 0.5, "accuracy": 0.9, "val_loss": 0.5,
                                 "val_accuracy": 0.8 + 0.01 * e})  # fmt: skip
    store.update(rid, status=status, started=1.0, finished=11.0, device="CPU")
    return rid, spec


def test_step6_reuses_an_identical_finished_run_from_the_train_page(tmp_path):
    store = RunStore(tmp_path)
    rid, spec = _record(store, "seed_shapes", name="my copy")  # the Train page's demo
    recs = store.list_runs()
    ctx = compare.context_key(TrainConfig(epochs=10, seed=0).to_dict(), spec)
    assert compare.step6_preset(recs[0].model_cfg) == "seed_shapes"
    assert compare.step6_todo("stride", recs, context=ctx) == ["shapes_stride2"]
    rows = compare.step6_rows(recs, {rid: store.history(rid)}, context=ctx)
    assert [(r["id"], r["model"], r["experiment"]) for r in rows] == [
        (rid, "seed_shapes", None)
    ]  # fmt: skip
    other = compare.context_key(TrainConfig(epochs=5, seed=0).to_dict(), spec)
    assert compare.step6_todo("stride", recs, context=other) == ["seed_shapes", "shapes_stride2"]


def test_step6_does_not_reuse_a_failed_or_different_run(tmp_path):
    store = RunStore(tmp_path)
    _, spec = _record(store, "seed_shapes", status="failed")
    _record(store, "shapes_l2")  # an L2 model is not the baseline
    _record(store, "seed_pets")  # not a step-6 preset at all
    recs = store.list_runs()
    ctx = compare.context_key(TrainConfig(epochs=10, seed=0).to_dict(), spec)
    assert compare.step6_todo("stride", recs, context=ctx) == ["seed_shapes", "shapes_stride2"]
    assert compare.step6_todo("l2", recs, context=ctx) == ["seed_shapes"]  # shapes_l2 reused
    assert compare.step6_preset({"blocks": "nonsense"}) is None


# ----------------------------------------------------------------------- accuracy axes
def test_accuracy_axes_never_tick_above_one():
    from cnnlab.viz import seeds_figure, step6_figure

    labels = {"params": "p", "accuracy": "a", "seconds": "s", "seed": "seed", "mean": "m"}
    rows = [{"model": "a", "params": 100, "best_val_acc": 1.0, "seconds": 5.0},
            {"model": "b", "params": 900, "best_val_acc": 0.97, "seconds": 9.0}]  # fmt: skip
    for fig in (
        step6_figure(rows, labels=labels),
        seeds_figure([("cfg", [0, 1, 2], [0.95, 1.0, 0.99])], labels=labels),
    ):
        lo, hi = fig.layout.yaxis.range
        assert 0 <= lo < 0.95 and hi <= 1.02
        ticks = np.arange(fig.layout.yaxis.tick0, hi + 1e-9, fig.layout.yaxis.dtick)
        assert ticks[ticks >= lo].max() == pytest.approx(1.0)
    assert all(tr.cliponaxis is False for tr in step6_figure(rows, labels=labels).data)
