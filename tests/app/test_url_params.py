"""Links can hold anything: every URL parameter of every page, fed random, huge, negative,
non-numeric, unicode and script values (Hypothesis), opens the page without an exception
and without the error boundary's message.

``PAGE_PARAMS`` lists, page by page, every parameter the page reads, with a few valid
values (so that a random link also reaches the sections behind a choice: ``?src=folder``
then reads ``?folder=``); :func:`test_every_parameter_a_page_reads_is_listed` finds the
names in the pages' source, so a new parameter fails here until it is listed (and so
fuzzed). The explicit examples are the links that once broke a page or read wrong.
"""

from __future__ import annotations

import io
import os
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as hs
from PIL import Image
from streamlit.testing.v1 import AppTest

from dashboard import params
from dashboard.i18n import catalog
from tests.app.conftest import APP, PAGES, link

DASHBOARD = Path(APP).parent
SLUG = dict(PAGES)
BOUNDARY = tuple(catalog(lang)["common.error_title"] for lang in ("en", "es"))

# Read by app.py on every page (the global settings).
APP_PARAMS: dict[str, tuple[str, ...]] = {"lang": ("en", "es"), "projector": ("0", "1")}
# Every parameter each page reads, with valid values that open more of the page.
PAGE_PARAMS: dict[str, dict[str, tuple[str, ...]]] = {
    "page_home.py": {},
    "page_kernels.py": {
        "k": ("-1,0,1,-2,0,2,-1,0,1", "3e38,3e38,0,0", "1", ",".join(["1/9"] * 121)),
        "norm": ("1",), "src": ("seed", "photo", "upload", "camera"), "color": ("rgb",),
        "img": ("coins", "camera"), "rgbmode": ("sum",), "pad": ("valid", "full"),
        "fill": ("reflect", "wrap"), "stride": ("2", "8"), "cmap": ("abs",),
        "op": ("convolve",), "relu": ("1",), "bank": ("sobel_x,gaussian", ""),
        "tab": ("map", "step", "bank"),
    },
    "page_pooling.py": {
        "source": ("kernels", "seed", "photo", "matrix"), "photo": ("coins",),
        "seedsize": ("0",), "pool": ("1", "5"), "pstride": ("0", "5"), "ppad": ("same",),
        "k": ("1", "5"), "shift": ("xy",), "pkernel": ("sobel_y",), "prelu": ("0",),
        "why": ("shift", "stride", "global"),
    },
    "page_architecture.py": {"preset": ("seed_pets", "seed_shapes"), "arch": ()},
    "page_data.py": {
        "src": ("shapes", "challenge", "keras", "folder", "upload"),
        "classes": ("circle,square,triangle", "circle", ""), "n": ("200",), "size": ("16",),
        "ch": ("3",), "noise": ("0.5",), "clutter": ("10",), "seed": ("10000",),
        "kname": ("cifar10",), "kn": ("1000",), "isize": ("32",), "fit": ("pad",),
        "ich": ("1",), "folder": ("Pets", "Z\ufffd"), "up": ("0123456789abcdef",),
        "val": ("0.5",), "test": ("0.3",), "sseed": ("1",), "flip": ("none",),
        "rot": ("0.5",), "zoom": ("0",), "contrast": ("0.9",), "bright": ("0.5",),
    },
    "page_train.py": {
        "job": ("0123456789ab",), "challenge": ("1",), "opt": ("sgd",), "lr": ("0.1",),
        "batch": ("8",), "epochs": ("200",), "seed": ("10000",),
    },
    "page_inspect.py": {
        "run": ("",), "input": ("val", "upload", "camera", "draw"), "img": ("0", "39"),
        "epoch": ("0", "2"), "layer": ("relu_1", "max_pool_2"), "rf": ("relu_1", "relu_3"),
    },
    "page_experiments.py": {
        "sort": ("best_val_acc",), "train_curves": ("0",), "s6data": ("current",),
        "s6epochs": ("100",), "tab": ("runs", "step6", "challenge", "import"),
    },
}  # fmt: skip

# The links that broke a page or read wrong before every parameter had a range.
MEASURED = [
    ("page_pooling.py", {"pool": "99"}, "pooling_size", 5),
    ("page_pooling.py", {"pool": "-3"}, "pooling_size", 1),
    ("page_pooling.py", {"k": "99"}, "pooling_steps", 5),
    ("page_pooling.py", {"k": "0"}, "pooling_steps", 1),
    ("page_train.py", {"epochs": "999999"}, "train_epochs", 200),
    ("page_train.py", {"epochs": "-5"}, "train_epochs", 1),
    ("page_train.py", {"seed": "1e308"}, "train_seed", 10_000),
    ("page_train.py", {"lr": "1e-3"}, "train_lr", 1e-3),
    ("page_kernels.py", {"stride": "1e308"}, "kernels_stride", 8),
    ("page_kernels.py", {"stride": "<script>alert(1)</script>"}, "kernels_stride", 1),
    ("page_data.py", {"noise": "0.33"}, "data_noise", 0.35),
    ("page_data.py", {"clutter": "-1e12"}, "data_clutter", 0),
    ("page_data.py", {"seed": "nan"}, "data_seed", 0),
    ("page_data.py", {"classes": "square,nope,square"}, "data_classes", ["square"]),
    ("page_experiments.py", {"s6epochs": "1000", "tab": "step6"}, "experiments_s6_epochs", 100),
]

SCRIPT = "<script>alert(1)</script>"
ODD = [SCRIPT, "", " ", "-0", "1e308", "-1e308", "1e999", "nan", "NaN", "inf", "-inf",
       "١٢", "½", "0x10", "1_000", "2.5", "../../etc/passwd", "\x00", "%00", "😀", ",,,",
       "1,2,3", "a" * 5000, "9" * 5000, "true", "None", "[]", "{}"]  # fmt: skip
NASTY = hs.one_of(
    hs.text(max_size=40),
    hs.integers(min_value=-(10**12), max_value=10**12).map(str),
    hs.floats(allow_nan=True, allow_infinity=True).map(str),  # 'nan', 'inf', '1e+308'
    hs.sampled_from(ODD),
)


def _queries(page: str) -> hs.SearchStrategy[dict[str, str]]:
    """Links to ``page``: any subset of its (and the app's) parameters, each a nasty or a
    valid value."""
    table = {**APP_PARAMS, **PAGE_PARAMS[page]}
    values = {
        name: hs.one_of(NASTY, hs.sampled_from(good)) if good else NASTY
        for name, good in table.items()
    }
    return hs.fixed_dictionaries({}, optional=values)


def _open(page: str, query: dict[str, str], timeout: float = 60) -> AppTest:
    return link(page, query, timeout=timeout).run()


def _assert_runs(page: str, query: dict[str, str], timeout: float = 60) -> AppTest:
    at = _open(page, query, timeout)
    assert not at.exception, (page, query, at.exception)
    boundary = [e.value for e in at.error if any(b in e.value for b in BOUNDARY)]
    assert not boundary, (page, query, boundary, [x.value for x in at.text])
    return at


# ----------------------------------------------------------------------- fixtures
def _png(seed: int) -> bytes:
    a = np.random.default_rng(seed).integers(0, 255, (20, 20, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def data_sources(tmp_path, monkeypatch):
    """A data root with a dataset whose class folder and a junk file are not UTF-8
    (``Pets/B\\xe9``, ``Pets/A/bad_\\xff\\xfe.jpg``) and one whose own name is not
    (``Z\\xe9``); a saved zip upload (its id as ``PAGE_PARAMS`` names it); an offline
    Keras (no download, no TensorFlow)."""
    from cnnlab.data import _folder as folder_mod
    from cnnlab.data import save_upload

    base = os.fsencode(tmp_path / "root")
    for dataset, classes in ((b"Pets", (b"A", b"B\xe9")), (b"Z\xe9", (b"a", b"b"))):
        for k, cls in enumerate(classes):
            os.makedirs(os.path.join(base, dataset, cls))
            for i in range(3):
                with open(os.path.join(base, dataset, cls, b"%d.png" % i), "wb") as fh:
                    fh.write(_png(i + 3 * k))
    with open(os.path.join(base, b"Pets", b"A", b"bad_\xff\xfe.jpg"), "wb") as fh:
        fh.write(b"not a jpeg")
    monkeypatch.setenv("CNNLAB_DATA_ROOT", os.fsdecode(base))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k, cls in enumerate(("cat", "dog")):
            for i in range(3):
                zf.writestr(f"{cls}/{i}.png", _png(10 + i + 3 * k))
    upload_id = save_upload(buf.getvalue())

    def offline():
        raise Exception("offline")

    fake = type(sys)("keras")
    fake.datasets = type(sys)("keras.datasets")
    for name in ("mnist", "fashion_mnist", "cifar10"):
        setattr(fake.datasets, name, type(name, (), {"load_data": staticmethod(offline)}))
    monkeypatch.setitem(sys.modules, "keras", fake)
    folder_mod._MEMO.clear()
    yield upload_id
    folder_mod._MEMO.clear()


@pytest.fixture
def some_runs(tmp_path):
    """Two finished hand-made runs in this test's store (no Keras): the runs tab, its
    table, curves and sort are drawn."""
    from cnnlab.data import normalize_spec
    from cnnlab.model import PRESETS, layer_table
    from cnnlab.runs import RunStore
    from cnnlab.train import TrainConfig

    store = RunStore(os.environ["CNNLAB_HOME"])
    spec = normalize_spec({"source": "folder", "path": "Z\udce9", "image_size": [16, 16]})
    data = {"source": "folder", "spec": spec, "image_shape": [16, 16, 3],
            "class_names": ["a", "B\udce9"], "n_train": 8, "n_val": 4}  # fmt: skip
    for model, seed in (("seed_shapes", 0), ("shapes_constant", 1)):
        cfg = PRESETS[model].with_data(input_shape=(16, 16, 3), num_classes=2)
        rid = store.create(
            model_cfg=cfg.to_dict(), train_cfg=TrainConfig(epochs=3, seed=seed).to_dict(),
            data=data, name=model, params=sum(r.params for r in layer_table(cfg)),
            status="running", tags=["seeds"],
        )  # fmt: skip
        for e in range(3):
            v = 0.5 + 0.1 * e
            store.log_epoch(rid, e, {"loss": 1 - v, "accuracy": v, "val_loss": 1 - v,
                                     "val_accuracy": v})  # fmt: skip
        store.update(rid, status="finished", started=1.0, finished=4.0, device="CPU")
    return store


# ------------------------------------------------------------------ the listing
_READS = [
    re.compile(r"""params\.(?:Int|Float|Choice|Choices|Flag|Text)\(\s*["'](\w+)["']"""),
    re.compile(r"""params\.param_\w+\(\s*["'](\w+)["']"""),
    re.compile(r"""query_params(?:\.get\(|\.get_all\(|\[)\s*["'](\w+)["']"""),
    re.compile(r"""["'](\w+)["']\s+in\s+(?:st\.)?query_params"""),
    re.compile(r"""\burl\s*=\s*["'](\w+)["']"""),
]


def _names_in(file: str) -> set[str]:
    source = (DASHBOARD / file).read_text(encoding="utf-8")
    return {m.group(1) for rx in _READS for m in rx.finditer(source)}


@pytest.mark.parametrize("file", [*PAGE_PARAMS, "app.py"])
def test_every_parameter_a_page_reads_is_listed(file):
    """A page that reads a new parameter must list it in PAGE_PARAMS (so it is fuzzed)."""
    listed = set(APP_PARAMS if file == "app.py" else PAGE_PARAMS[file])
    assert _names_in(file) == listed


def test_every_page_is_listed():
    assert set(PAGE_PARAMS) == set(SLUG)


def test_pages_read_the_url_only_through_the_validator():
    """No page decodes ``st.query_params`` itself: reading goes through dashboard.params
    (writing the current value back, and ``"name" in st.query_params``, are fine)."""
    raw_read = re.compile(r"query_params\.get\(|=\s*st\.query_params\[|\(\s*st\.query_params\[")
    for file in [*PAGE_PARAMS, "app.py", "ui.py"]:
        source = (DASHBOARD / file).read_text(encoding="utf-8")
        assert not raw_read.search(source), file


# ------------------------------------------------------------- the validator
_I, _F = params.Int("p", 1, 5), params.Float("f", 0.0, 0.5, step=0.05)
_C, _LR = params.Choice("c", (1, 3)), params.Choice("lr", (1e-4, 1e-3))
_M, _S, _T = params.Choices("m", ("a", "b", "c"), most=2), params.Flag("s"), params.Text("t")


@pytest.mark.parametrize(
    ("spec", "raw", "default", "want"),
    [
        (_I, "99", 2, 5), (_I, "-3", 2, 1), (_I, "0", 2, 1), (_I, "1e308", 2, 5),
        (_I, "-1e999", 2, 1), (_I, "99999999999999999999999", 2, 5), (_I, "2.5", 2, 3),
        (_I, " 4 ", 2, 4), (_I, "nan", 2, 2), (_I, "inf", 2, 2), (_I, "-inf", 2, 2),
        (_I, "١٢", 2, 2), (_I, "0x3", 2, 2), (_I, "1_0", 2, 2), (_I, SCRIPT, 2, 2),
        (_I, "", 2, 2), (_I, "9" * 5000, 2, 2),
        (_F, "0.33", 0.2, 0.35), (_F, "-1e308", 0.2, 0.0), (_F, "1e999", 0.2, 0.5),
        (_F, "NaN", 0.2, 0.2), (_F, "½", 0.2, 0.2), (_F, "3", 0.2, 0.5),
        (params.Float("f", 0.1, 0.5, step=0.05), "0.26", 0.2, 0.25),
        (params.Float("f", 0.0, 0.5), "0.123", 0.2, 0.123),
        (_C, "3", 1, 3), (_C, "2", 1, 1), (_C, "3.0", 1, 3), (_C, SCRIPT, 1, 1),
        (_LR, "1e-3", 1e-4, 1e-3), (_LR, "0.001", 1e-4, 1e-3), (_LR, "1", 1e-4, 1e-4),
        (_M, "c,x,a,b", ["a"], ["c", "a"]), (_M, "", ["a"], []), (_M, "x,y", ["a"], ["a"]),
        (_M, "b,b,b", ["a"], ["b"]), (_S, "1", False, True), (_S, "false", True, False),
        (_S, "maybe", True, True), (_T, "ok id", "", "ok id"), (_T, "a\nb", "", ""),
        (_T, "x" * 201, "", ""), (params.Text("t", valid=str.isdigit), "12", "", "12"),
        (params.Text("t", valid=str.isdigit), "1a", "", ""),
    ],
)  # fmt: skip
def test_the_validator_clamps_numbers_and_falls_back_to_the_default(spec, raw, default, want):
    got = spec.parse(raw, default)
    assert got == want and type(got) is type(want), (raw, got)
    assert spec.ok(got) or got == default


@given(raw=NASTY)
@settings(max_examples=300, deadline=None, database=None)
def test_any_text_reads_as_a_value_the_widget_can_hold(raw):
    for spec, default in (
        (params.Int("p", 1, 5), 2), (params.Float("f", 0.0, 0.9, 0.05), 0.2),
        (params.Choice("c", (1, 3)), 1), (params.Choices("m", ("a", "b"), most=1), ["a"]),
        (params.Flag("s"), False), (params.Text("t"), ""),
    ):  # fmt: skip
        assert spec.ok(spec.parse(raw, default)), (spec, raw)


# --------------------------------------------------------------- the measured links
@pytest.mark.parametrize(("page", "query", "key", "want"), MEASURED)
def test_measured_links_read_the_nearest_valid_value(page, query, key, want, data_sources):
    at = _assert_runs(page, query)
    assert at.session_state[key] == want


def test_a_kernel_link_with_values_beyond_float32_opens_the_default_kernel():
    from cnnlab import kernels

    at = _assert_runs("page_kernels.py", {"k": "1e308,0,0,1"})
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["kernels_kernel"] == kernels.preset("seed_example").tolist()


# ------------------------------------------------------------ fuzzing each page
def _fuzz(n: int) -> settings:
    """``n`` random links (plus the explicit examples), no deadline, nothing saved."""
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@_fuzz(6)
@given(query=_queries("page_home.py"))
@example(query={"lang": SCRIPT, "projector": "1e308"})
def test_home_opens_from_any_link(query):
    _assert_runs("page_home.py", query)


@_fuzz(15)
@given(query=_queries("page_kernels.py"))
@example(query={"k": "1e308,0,0,1"})
@example(query={"k": "1e39"})
@example(query={"k": "3e38,3e38,3e38,3e38", "src": "photo", "stride": "-3"})
@example(query={"stride": "99999999999999999999", "k": "nan,inf,-inf,0"})
def test_kernels_opens_from_any_link(query):
    _assert_runs("page_kernels.py", query)


@_fuzz(12)
@given(query=_queries("page_pooling.py"))
@example(query={"pool": "99"})
@example(query={"pool": "-3"})
@example(query={"k": "99"})
@example(query={"k": "0"})
@example(query={"source": "matrix", "pool": "1e308", "k": "-1e308", "pstride": "1"})
def test_pooling_opens_from_any_link(query):
    _assert_runs("page_pooling.py", query)


def _arch(raw: bytes) -> str:
    import base64
    import zlib

    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


@_fuzz(10)
@given(query=_queries("page_architecture.py"))
@example(query={"arch": _arch(b"[" * 100_000 + b"]" * 100_000)})  # RecursionError in json
@example(query={"arch": _arch(b"0" * 5_000_000)})  # a zip bomb
@example(query={"arch": _arch(b'{"blocks":[{"kind":"conv","filters":1000000000000}]}')})
@example(query={"arch": _arch(b'{"head": [], "name": 5}'), "preset": SCRIPT})
@example(query={"arch": _arch(b'{"input_shape": [1000000, 1000000, 3]}')})
def test_architecture_opens_from_any_link(query):
    _assert_runs("page_architecture.py", query)


@_fuzz(15)
@given(query=_queries("page_data.py"))
@example(query={"src": "folder", "folder": "Pets"})  # a class and a file not UTF-8
@example(query={"src": "folder", "folder": "Z\ufffd"})
@example(query={"src": "upload", "up": "0123456789abcdef\n"})
@example(query={"n": "1e308", "noise": "-inf", "clutter": "99", "seed": "-1", "val": "9"})
@example(query={"src": "keras", "kname": SCRIPT, "kn": "99999999"})
def test_data_opens_from_any_link(query, data_sources):
    if query.get("up") == "0123456789abcdef":
        query = {**query, "up": data_sources}
    _assert_runs("page_data.py", query)


@_fuzz(12)
@given(query=_queries("page_train.py"))
@example(query={"epochs": "999999", "seed": "-1e308", "lr": "nan", "batch": "0"})
@example(query={"job": SCRIPT, "challenge": "1e308"})
def test_train_opens_from_any_link(query):
    _assert_runs("page_train.py", query)


@_fuzz(12)
@given(query=_queries("page_experiments.py"))
@example(query={"tab": "step6", "s6epochs": "-1e12", "s6data": SCRIPT})
@example(query={"tab": "runs", "sort": "nope", "train_curves": "2"})
def test_experiments_opens_from_any_link(query, some_runs):
    _assert_runs("page_experiments.py", query)


@_fuzz(4)
@given(query=_queries("page_inspect.py"))
def test_inspect_without_runs_opens_from_any_link(query):
    _assert_runs("page_inspect.py", query)


@pytest.fixture
def built_run(tmp_path):
    """A finished run of the tutorial's shapes model, built and saved but not trained
    (Keras, no fit): its model file, three filter snapshots and its data recipe."""
    from cnnlab.data import normalize_spec
    from cnnlab.model import PRESETS, build_model, layer_table
    from cnnlab.runs import RunStore
    from cnnlab.train import TrainConfig

    store = RunStore(os.environ["CNNLAB_HOME"])
    cfg = PRESETS["seed_shapes"]
    spec = normalize_spec({"source": "shapes", "n": 200, "size": 32})
    data = {"source": "shapes", "spec": spec, "image_shape": [32, 32, 1],
            "class_names": ["circle", "square"], "n_train": 160, "n_val": 40}  # fmt: skip
    rid = store.create(
        model_cfg=cfg.to_dict(), train_cfg=TrainConfig(epochs=2).to_dict(), data=data,
        name="built", params=sum(r.params for r in layer_table(cfg)), status="running",
    )  # fmt: skip
    model = build_model(cfg)
    first = next(w for w in model.weights if len(w.shape) == 4)
    weights = np.asarray(first.numpy() if hasattr(first, "numpy") else first)
    for epoch in range(3):
        store.save_filters(rid, epoch, weights * (1 + epoch))
    store.save_model(rid, model)
    store.update(rid, status="finished", started=1.0, finished=2.0, device="CPU")
    return rid


@pytest.mark.keras
@_fuzz(8)
@given(query=_queries("page_inspect.py"))
@example(query={"img": "1e308", "epoch": "-3", "layer": SCRIPT, "rf": "", "run": "x"})
@example(query={"input": "draw", "img": "nan"})
@example(query={"run": "", "img": "-1", "epoch": "99", "layer": "relu_1", "rf": "relu_1"})
def test_inspect_with_a_run_opens_from_any_link(query, built_run):
    if query.get("run") == "":
        query = {**query, "run": built_run}
    at = _assert_runs("page_inspect.py", query, timeout=120)
    assert at.selectbox(key="inspect_run").value == built_run  # the run's sections ran


# ------------------------------------------------------------ names from disk
@pytest.mark.parametrize("lang", ["en", "es"])
def test_names_that_are_not_utf8_show_with_a_replacement_character(data_sources, lang):
    at = _assert_runs("page_data.py", {"lang": lang, "src": "folder", "folder": "Pets"})
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["dataset_info"]["class_names"] == ["A", "B\udce9"]  # real names
    assert "A, B\ufffd" in " ".join(s.value for s in at.success)
    skipped = at.dataframe[1].value
    assert list(skipped.iloc[:, 0]) == ["A/bad_\ufffd\ufffd.jpg"]
    at.session_state["data_folder"] = "Z\udce9"
    at.run()
    assert not at.exception, at.exception
    assert "Z\ufffd" in at.selectbox(key="data_folder").options
    # Train names the folder the same way.
    at.switch_page("page_train.py").run()
    assert not at.exception, at.exception
    assert not [e.value for e in at.error if any(b in e.value for b in BOUNDARY)]
    assert "Z\ufffd" in " ".join(c.value for c in at.caption)


def test_run_names_from_a_folder_that_is_not_utf8_show_on_experiments(some_runs):
    at = _assert_runs("page_experiments.py", {"tab": "runs"})
    frame = at.dataframe[0].value
    assert any("Z\ufffd" in str(v) for v in frame.to_numpy().ravel())


def test_safe_name():
    from dashboard.ui import safe_name

    assert safe_name("B\udce9") == "B\ufffd"
    assert safe_name(os.fsdecode(b"bad_\xff\xfe.jpg")) == "bad_\ufffd\ufffd.jpg"
    assert safe_name("Cat") == "Cat"
    safe_name("\ud800x").encode("utf-8")


def test_pages_write_the_url_only_through_put_and_drop():
    """Each write of ``st.query_params`` sends the browser a message; params.put and
    params.drop skip the ones that change nothing (a page writes its parameters on every
    run, a kernel edit among them)."""
    raw_write = re.compile(r"st\.query_params\[[^\]]+\]\s*=[^=]|del\s+st\.query_params")
    for file in [*PAGE_PARAMS, "app.py", "ui.py"]:
        source = (DASHBOARD / file).read_text(encoding="utf-8")
        assert not raw_write.search(source), file


PUT_SCRIPT = """
from dashboard import params
params.put("a", "1")
params.put("a", "1")
params.drop("b")
params.drop("c")
"""


def test_put_and_drop_send_only_what_changes(monkeypatch):
    from streamlit.runtime.state.query_params import QueryParams

    sent: list[str] = []
    real = QueryParams._send_query_param_msg
    monkeypatch.setattr(
        QueryParams, "_send_query_param_msg", lambda self: (sent.append(str(self)), real(self))
    )
    at = AppTest.from_string(PUT_SCRIPT)
    at.query_params["b"] = "2"
    at.run()
    assert len(sent) == 2  # "a" written once, "b" dropped; "c" was not there
    assert at.query_params["a"] in ("1", ["1"]) and "b" not in at.query_params
    sent.clear()
    at.run()  # the URL holds it all already: nothing to send
    assert sent == []
