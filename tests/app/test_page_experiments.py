"""Experiments page in AppTest, over a RunStore filled by real short Keras runs (plus
hand-made challenge records): table, overlaid curves, config diff, delete with
confirmation, import, step 6 in one click, leaderboard and seeds, in English and Spanish."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from cnnlab import compare
from cnnlab.data import normalize_spec
from cnnlab.model import PRESETS, layer_table
from cnnlab.runs import RunStore
from cnnlab.train import TrainConfig
from tests.app.conftest import open_app, page_css

pytestmark = pytest.mark.keras

SMALL = {"source": "shapes", "n": 200, "size": 16}
PAGE = "page_experiments.py"


@pytest.fixture(scope="module")
def filled(shapes_pair, tmp_path_factory):
    """Two real 2-epoch runs (the session's ``shapes_pair``, trained on SMALL) and three
    hand-made 10-epoch challenge/seed records."""
    assert shapes_pair.spec == SMALL
    home = shapes_pair.copy_home(tmp_path_factory.mktemp("filled") / "home")
    store = RunStore(home)
    real = list(shapes_pair.ids)
    spec = normalize_spec(SMALL)
    data = {"source": "shapes", "spec": spec, "image_shape": [16, 16, 1],
            "class_names": ["circle", "square"], "n_train": 160, "n_val": 40}  # fmt: skip
    challenge = []
    for model, seed, final, tags in (
        ("seed_shapes", 0, 0.90, ["challenge"]),
        ("shapes_constant", 0, 0.93, ["challenge"]),
        ("seed_shapes", 1, 0.80, ["seeds"]),
    ):
        cfg = PRESETS[model].with_data(input_shape=(16, 16, 1), num_classes=2)
        rid = store.create(
            model_cfg=cfg.to_dict(), train_cfg=TrainConfig(epochs=10, seed=seed).to_dict(),
            data=data, name=model, params=sum(r.params for r in layer_table(cfg)),
            status="running", tags=tags,
        )  # fmt: skip
        for e in range(10):
            v = final if e == 9 else 0.5 + 0.03 * e
            store.log_epoch(rid, e, {"loss": 1 - v, "accuracy": v, "val_loss": 1 - v,
                                     "val_accuracy": v})  # fmt: skip
        store.update(rid, status="finished", started=1.0, finished=31.0, device="CPU")
        challenge.append(rid)
    return home, real, challenge


@pytest.fixture
def home(filled, tmp_path, monkeypatch):
    """A private copy of the filled store for one test (tests delete and add runs)."""
    src, real, challenge = filled
    dst = tmp_path / "home"
    shutil.copytree(src, dst)
    monkeypatch.setenv("CNNLAB_HOME", str(dst))
    return dst, real, challenge


def _charts(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _frames(at) -> list:
    return [df.value for df in at.dataframe]


def _tab(at, tab: str):
    """Open one tab of the page (the tab bar is a segmented control of tab ids)."""
    at.segmented_control(key="experiments_tab").set_value(tab).run()
    assert not at.exception, at.exception
    return at


def _wait_jobs(seconds: float = 120) -> None:
    from dashboard import state

    reg = state.registry()
    deadline = time.monotonic() + seconds
    for job in reg.jobs():
        assert reg.wait(job, timeout=max(1.0, deadline - time.monotonic())), job.status


def test_runs_table_overlaid_curves_and_diff(home):
    _, real, challenge = home
    at = open_app(PAGE)
    assert not at.exception, at.exception
    table = _frames(at)[0]
    assert len(table) == 5
    assert "Best val. accuracy" not in table.columns  # labels live in column_config
    assert {"best_val_acc", "final_val_acc", "params", "set_layers"} <= set(table.columns)
    # Default selection: the two newest finished runs, overlaid (validation + training).
    default = at.multiselect(key="experiments_runs").value
    assert default == [challenge[2], challenge[1]]
    at.multiselect(key="experiments_runs").set_value(real).run()
    assert not at.exception
    (curves,) = [c for c in _charts(at) if len(c["data"]) == 8]
    names = {tr["name"] for tr in curves["data"]}
    assert len(names) == 2 and all(n.startswith(("seed_shapes", "shapes_stride2")) for n in names)
    colours = {tr["name"]: {tr["line"]["color"]} for tr in curves["data"]}
    for tr in curves["data"]:
        colours[tr["name"]].add(tr["line"]["color"])
    assert all(len(c) == 1 for c in colours.values())  # one colour per run
    assert len({next(iter(c)) for c in colours.values()}) == 2
    store = RunStore(home[0])
    val = [
        tr for tr in curves["data"]
        if tr["name"].startswith("shapes_stride2") and tr.get("xaxis") == "x2"
        and tr["line"]["dash"] == "solid"
    ][0]  # fmt: skip
    assert val["y"] == pytest.approx(store.history(real[1])["val_accuracy"])
    diff = _frames(at)[1]
    assert "model.name" in set(diff["Setting"]) and "train.seed" not in set(diff["Setting"])
    # Training curves can be hidden.
    at.toggle(key="experiments_show_train").set_value(False).run()
    assert any(len(c["data"]) == 4 for c in _charts(at))


def test_filter_and_sort(home):
    _, real, challenge = home
    at = open_app(PAGE)
    at.text_input(key="experiments_search").set_value("stride2").run()
    assert list(_frames(at)[0]["id"]) == [real[1]]
    at.text_input(key="experiments_search").set_value("").run()
    at.multiselect(key="experiments_tags").set_value(["challenge"]).run()
    assert set(_frames(at)[0]["id"]) == set(challenge[:2])
    at.multiselect(key="experiments_tags").set_value([]).run()
    at.selectbox(key="experiments_sort").set_value("final_val_acc").run()
    ids = list(_frames(at)[0]["id"])
    assert ids[:3] == [challenge[1], challenge[0], challenge[2]]  # 0.93, 0.90, 0.80
    assert not at.exception


def test_delete_asks_first_and_leaves_the_store_consistent(home):
    path, real, _ = home
    at = open_app(PAGE)
    at.multiselect(key="experiments_runs").set_value([real[0]]).run()
    at.button(key="experiments_delete").click().run()
    assert at.button(key="experiments_delete_yes")  # asks first
    store = RunStore(path)
    assert store.get(real[0])  # nothing deleted yet
    at.button(key="experiments_delete_no").click().run()
    assert not [b for b in at.button if b.key == "experiments_delete_yes"]
    at.button(key="experiments_delete").click().run()
    at.button(key="experiments_delete_yes").click().run()
    assert not at.exception, at.exception
    assert real[0] not in {r.id for r in store.list_runs()}
    assert store.history(real[0]) == {} and not store.run_dir(real[0]).exists()
    assert len(_frames(at)[0]) == 4
    assert real[0] not in at.multiselect(key="experiments_runs").value
    assert any("Deleted 1" in s.value for s in at.success)


def test_import_a_configuration_and_reject_a_bad_one(home):
    path, real, _ = home
    store = RunStore(path)
    rec = store.get(real[1])
    at = _tab(open_app(PAGE), "import")
    at.text_area(key="experiments_import_text").set_value('{"model": {"blocks": [{"kind": "x"}]}}')
    at.button(key="experiments_import_go").click().run()
    assert at.error and "'x'" in at.error[0].value
    assert "model_cfg" not in at.session_state
    at.text_area(key="experiments_import_text").set_value(compare.config_json(rec))
    at.button(key="experiments_import_go").click().run()
    assert not at.exception and not at.error
    assert at.session_state["model_cfg"] == rec.model_cfg
    assert at.session_state["dataset_spec"] == normalize_spec(SMALL)
    assert at.session_state["_keep"]["train_batch"] == 32
    assert "35,474" in at.success[0].value  # the stride-2 model's parameters
    at.switch_page("page_train.py").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "shapes_stride2" in text and "35,474" in text


def test_step6_one_click_trains_baseline_and_variant(home):
    from dashboard import state

    at = open_app(PAGE)
    at.session_state["dataset_spec"] = SMALL  # 16×16: too small for five valid 3×3 convs
    at.session_state["experiments_s6_data"] = "current"
    at.session_state["experiments_s6_epochs"] = 1
    at.session_state["experiments_tab"] = "step6"
    at.run()
    at.button(key="experiments_s6_padding").click().run()
    assert not at.exception, at.exception
    assert at.error and "shapes_valid on 16×16×1" in at.error[0].value
    assert state.registry().jobs() == []  # all or nothing
    at.session_state["dataset_spec"] = {**SMALL, "n": 120, "size": 32}
    at.run()
    at.button(key="experiments_s6_padding").click().run()
    assert not at.exception, at.exception

    jobs = state.registry().jobs()
    assert sorted(j.model_cfg.name for j in jobs) == ["seed_shapes", "shapes_valid"]
    assert all("step6:padding" in j.tags for j in jobs)
    _wait_jobs()
    at.run()
    assert all(j.status == "finished" for j in jobs), [(j.status, j.error) for j in jobs]
    table = [df for df in _frames(at) if "experiment" in df.columns][0]
    assert sorted(table["model"]) == ["seed_shapes", "shapes_valid"]
    bubbles = [c for c in _charts(at) if c["layout"].get("xaxis", {}).get("type") == "log"]
    assert len(bubbles) == 1 and len(bubbles[0]["data"]) == 2
    # The shared baseline is not trained again for the next experiment. (No free slot:
    # the job waits in the queue, which is all this needs to see.)
    state.registry().max_jobs = 0
    at.button(key="experiments_s6_filters").click().run()
    waiting = [j for j in state.registry().jobs() if not j.done]
    assert [j.model_cfg.name for j in waiting] == ["shapes_constant"]
    assert not at.exception
    for job in waiting:
        state.registry().stop(job.id)


def test_leaderboard_and_seeds(home):
    _, _, challenge = home
    at = _tab(open_app(PAGE), "challenge")
    board = [df for df in _frames(at) if "rank" in df.columns][0]
    assert list(board["id"]) == [challenge[1], challenge[0]]
    assert list(board["seed_n"]) == [1, 2]  # seed_shapes was also trained with seed 1
    spread = [c for c in _charts(at) if any(tr.get("error_y") for tr in c["data"])]
    assert len(spread) == 1
    from dashboard import state

    reg = state.registry()
    reg.max_jobs = 0  # no free slot: the jobs wait in the queue (training is tested above)
    at.selectbox(key="experiments_seed_run").set_value(challenge[0]).run()
    at.number_input(key="experiments_seed_n").set_value(3).run()
    at.button(key="experiments_seed_go").click().run()
    assert not at.exception, at.exception
    assert "waiting in the queue, position 2" in " ".join(c.value for c in at.caption)
    jobs = reg.jobs()
    assert sorted(j.train_cfg.seed for j in jobs) == [2, 3]  # seed 1 exists already
    assert all(j.tags == ("seeds",) and j.train_cfg.epochs == 10 for j in jobs)
    for job in jobs:
        reg.stop(job.id)
    _wait_jobs()


def test_spanish_and_empty_store(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_HOME", str(tmp_path / "empty"))
    at = open_app(PAGE, lang="es")
    assert not at.exception, at.exception
    assert at.title[0].value == "Experimentos"
    assert any("Todavía no hay ejecuciones" in i.value for i in at.info)
    _tab(at, "step6")
    assert at.button(key="experiments_s6_stride").label.endswith("convolución con stride 2")
    at = open_app(PAGE)
    assert not at.exception
    assert any("No runs yet" in i.value for i in at.info)


def test_spanish_with_runs(home):
    at = open_app(PAGE, lang="es")
    assert not at.exception, at.exception
    assert at.multiselect(key="experiments_runs").label == "Ejecuciones a comparar"
    assert "terminada" in set(_frames(at)[0]["status"])
    assert any(c["data"] for c in _charts(at))


def test_step6_tab_lists_the_l2_experiment(tmp_path, monkeypatch):
    """Five experiments, weight decay among them, labelled in each language; a finished
    shapes_l2 run shows under its experiment and is not trained again."""
    from dashboard import state
    from dashboard.i18n import catalog

    monkeypatch.setenv("CNNLAB_HOME", str(tmp_path / "home"))
    store = RunStore(tmp_path / "home")
    spec = normalize_spec(state.DEFAULT_SPEC)  # the tab's demo data, 10 epochs, seed 0
    data = {"source": "shapes", "spec": spec, "image_shape": [32, 32, 1],
            "class_names": ["circle", "square"], "n_train": 1600, "n_val": 400}  # fmt: skip
    tcfg = TrainConfig(epochs=10, seed=0).to_dict()
    rid = store.create(
        model_cfg=PRESETS["shapes_l2"].to_dict(), train_cfg=tcfg, data=data, name="shapes_l2",
        params=23_762, status="running", tags=[compare.STEP6_TAG, "step6:l2"],
    )  # fmt: skip
    for e in range(10):
        v = 0.5 + 0.04 * e
        store.log_epoch(rid, e, {"loss": 1 - v, "accuracy": v, "val_loss": 1 - v,
                                 "val_accuracy": v})  # fmt: skip
    store.update(rid, status="finished", started=1.0, finished=21.0, device="CPU")
    for lang in ("es", "en"):  # English last: AppTest formats widgets outside the run
        text = catalog(lang)
        at = _tab(open_app(PAGE, lang=lang), "step6")
        keys = [b.key for b in at.button if str(b.key).startswith("experiments_s6_")]
        assert sorted(keys) == sorted(f"experiments_s6_{e}" for e in compare.STEP6)
        assert len(keys) == 5  # (in two columns: AppTest lists the left one first)
        button = at.button(key="experiments_s6_l2")
        assert button.label == text["experiments.s6_l2"]  # not done: seed_shapes is missing
        assert button.help == text["experiments.s6_l2_help"]
        (table,) = [df for df in _frames(at) if "experiment" in df.columns]
        assert list(table["model"]) == [text["common.model_shapes_l2"]]  # "shapes_l2" in en
        assert list(table["experiment"]) == [text["experiments.s6_l2"]]
    # One click queues only what is missing: the shared baseline.
    state.registry().max_jobs = 0  # no free slot: the job waits, which is all this needs
    at.button(key="experiments_s6_l2").click().run()
    assert not at.exception, at.exception
    waiting = [j for j in state.registry().jobs() if not j.done]
    assert [j.model_cfg.name for j in waiting] == ["seed_shapes"]
    assert all("step6:l2" in j.tags for j in waiting)
    for job in waiting:
        state.registry().stop(job.id)


# ---------------------------------------------------------------- classroom-proof page
def _open(lang: str = "en", **params: str):
    """The app opened on Experiments from a link with ``params`` (as a browser would)."""
    from tests.app.conftest import open_app

    return open_app("page_experiments.py", lang=lang, **params)


def test_the_page_module_imports_without_drawing():
    import importlib

    page = importlib.import_module("dashboard.page_experiments")
    assert callable(page.render) and page.TABS == ("runs", "step6", "challenge", "import")


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("tab", ["runs", "step6", "challenge", "import"])
def test_every_tab_opens_from_a_link_in_projector_mode(home, lang, tab):
    from dashboard.i18n import catalog

    at = _open(lang, projector="1", tab=tab)
    assert not at.exception, at.exception
    assert at.title[0].value == catalog(lang)["experiments.title"]
    assert at.segmented_control(key="experiments_tab").value == tab
    assert "font-size: 21px" in page_css(at)


def test_language_and_projector_switches_keep_the_chosen_ids(home):
    _, real, challenge = home
    at = _open("en")
    at.selectbox(key="experiments_sort").set_value("params").run()
    at.multiselect(key="experiments_tags").set_value(["challenge"]).run()
    at.multiselect(key="experiments_runs").set_value(real).run()
    _tab(at, "challenge")
    at.selectbox(key="experiments_seed_run").set_value(challenge[0]).run()
    at.number_input(key="experiments_seed_n").set_value(3).run()
    chosen = {
        "experiments_tab": "challenge", "experiments_seed_run": challenge[0],
        "experiments_seed_n": 3,
    }  # fmt: skip
    for lang, projector in [("es", False), ("es", True), ("en", True), ("en", False)]:
        at.segmented_control(key="lang").set_value(lang).run()
        at.toggle(key="projector").set_value(projector).run()
        assert not at.exception, (lang, projector, at.exception)
        assert not at.error, (lang, projector, [e.value for e in at.error])
        for key, value in chosen.items():
            assert at.session_state[key] == value, (lang, projector, key)
    _tab(at, "runs")  # the runs tab kept its filters, sort and picks
    assert at.selectbox(key="experiments_sort").value == "params"
    assert at.multiselect(key="experiments_tags").value == ["challenge"]
    assert at.multiselect(key="experiments_runs").value == real


NONSENSE = {
    "tab": "99", "sort": "-3", "s6epochs": "1e308", "s6data": "x", "train_curves": "abc",
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(
    "params",
    [NONSENSE, {"tab": "step6", "s6epochs": "-inf", "s6data": "../x"}, {"tab": "1e308"},
     {"tab": "step6", "s6epochs": "abc"}, {"tab": "challenge", "sort": "x"}],
)  # fmt: skip
def test_nonsense_links_open_the_defaults(home, lang, params):
    at = _open(lang, **params)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    tab = params["tab"] if params["tab"] in ("step6", "challenge") else "runs"
    assert at.segmented_control(key="experiments_tab").value == tab
    if tab == "step6":
        assert at.number_input(key="experiments_s6_epochs").value == 10
        assert at.segmented_control(key="experiments_s6_data").value == "demo"


@pytest.mark.parametrize(("raw", "want"), [("-3", 1), ("1e308", 100), ("7.4", 7)])
def test_step6_epochs_out_of_range_in_a_link_are_clamped(home, raw, want):
    at = _open("en", tab="step6", s6epochs=raw)
    assert not at.exception, at.exception
    assert at.number_input(key="experiments_s6_epochs").value == want


def test_deselecting_the_tab_keeps_it():
    at = _open("en", tab="import")
    at.segmented_control(key="experiments_tab").set_value(None).run()
    assert not at.exception, at.exception
    assert at.session_state["experiments_tab"] == "import"
    assert at.text_area(key="experiments_import_text")


def test_step6_keeps_its_tab_and_reuses_the_train_pages_demo_run(tmp_path, monkeypatch):
    """The shapes demo trained on Train (no step-6 tag) with the tab's settings is the
    baseline: a click trains only the variant, and the page stays on Step 6."""
    from dashboard import state
    from dashboard.i18n import catalog

    monkeypatch.setenv("CNNLAB_HOME", str(tmp_path / "home"))
    store = RunStore(tmp_path / "home")
    spec = normalize_spec(state.DEFAULT_SPEC)
    data = {"source": "shapes", "spec": spec, "image_shape": [32, 32, 1],
            "class_names": ["circle", "square"], "n_train": 1600, "n_val": 400}  # fmt: skip
    rid = store.create(
        model_cfg=PRESETS["seed_shapes"].to_dict(), data=data, name="seed_shapes · shapes",
        train_cfg=TrainConfig(epochs=10, seed=0).to_dict(), params=23_762, status="running",
    )  # fmt: skip
    for e in range(10):
        store.log_epoch(rid, e, {"loss": 0.3, "accuracy": 0.9, "val_loss": 0.3,
                                 "val_accuracy": 0.9})  # fmt: skip
    store.update(rid, status="finished", started=1.0, finished=21.0, device="CPU")
    at = _tab(_open("es"), "step6")
    (table,) = [df for df in _frames(at) if "experiment" in df.columns]
    assert list(table["id"]) == [rid]
    assert list(table["experiment"]) == [catalog("es")["experiments.s6_baseline"]]
    state.registry().max_jobs = 0  # no free slot: the job waits, which is all this needs
    at.button(key="experiments_s6_stride").click().run()
    assert not at.exception, at.exception
    waiting = [j for j in state.registry().jobs() if not j.done]
    assert [j.model_cfg.name for j in waiting] == ["shapes_stride2"]  # not the baseline
    assert at.segmented_control(key="experiments_tab").value == "step6"  # same tab
    assert at.button(key="experiments_s6_stride")
    assert at.success and catalog("es")["common.model_shapes_stride2"] in at.success[0].value
    for job in waiting:
        state.registry().stop(job.id)


def test_spanish_diff_speaks_spanish(home):
    _, real, _ = home
    at = _open("es")
    at.multiselect(key="experiments_runs").set_value(real).run()
    assert not at.exception, at.exception
    diff = [df for df in _frames(at) if "Ajuste" in df.columns][0]
    settings = set(diff["Ajuste"])
    assert "modelo › bloque 2 › tipo" in settings and "modelo › nombre" in settings
    assert not any("." in s and "›" not in s for s in settings)  # no dotted keys
    values = {v for col in diff.columns[1:] for v in diff[col]}
    assert "agrupación" in values and "convolución" in values
    assert not {"pool", "conv", "max", "seed_shapes", "True", "False"} & values
    assert "tutorial con stride 2" in values  # the model's name, not its id
    table = _frames(at)[0]
    assert "modelo del tutorial (figuras)" in set(table["model"])
    assert all(d.startswith("figuras ") for d in table["dataset"])
