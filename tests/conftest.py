"""What every layer of the suite shares: one trained model, and no worker left behind.

Layers (markers in pyproject.toml): ``slow`` tests train a model, start TensorFlow in a
subprocess, or start a server or worker process; ``e2e`` tests drive Chromium. ``make
check`` runs the rest (``-m "not slow and not e2e"``), ``make test`` runs everything, in
two pytest-xdist workers (see ``pytest_xdist_make_scheduler``).

Fixtures:

- ``trained_run`` (session): the tutorial's shapes model (``seed_shapes``) trained once on
  1,200 synthetic shapes into a session-wide RunStore: ``(home, store, run_id, model,
  train, val, result)``. Read-only: a test that adds, deletes or writes runs works on
  ``trained_run.copy_home(tmp_path / "home")``. A test that asks for it is marked ``slow``.
- ``shapes_pair`` (session): a RunStore with two real 2-epoch runs on 16×16 shapes, the
  tutorial model and its stride-2 variant, tagged as step 6's stride experiment. Read-only
  too (``copy_home``); also ``slow``.
- autouse: every ``JobRegistry`` a test creates, directly or through the dashboard's
  cached one, is shut down when the test ends (jobs stopped, worker processes ended).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests._pg import pg_store_url, pg_url  # noqa: F401

# Fixtures that train: a test using one of them belongs to the slow layer.
TRAINING_FIXTURES = frozenset({"trained_run", "shapes_pair"})

# The shared model: enough steps for the BatchNorm model to settle (≥ 0.95 validation
# accuracy by epoch 4, 1.0 at the end on this CPU) in about 6 s.
SHAPES_N, SHAPES_EPOCHS = 1200, 6
PAIR_SPEC = {"source": "shapes", "n": 200, "size": 16}
PAIR_MODELS = ("seed_shapes", "shapes_stride2")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if TRAINING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook
def pytest_xdist_make_scheduler(config, log):
    """``-n 2 --dist loadgroup`` (make test): two lanes, the browser tests in one worker
    (one server, one Chromium) and the rest in the other. The browser tests mostly wait on
    the server and Chromium, the rest mostly compute: on two cores they overlap well.

    (The lanes are chosen by path here: xdist 3.8 marks a test's group by renaming its
    node id, which pytest 9 no longer reads, so ``xdist_group`` marks would not reach
    its scheduler.)
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class TwoLanes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "e2e" if nodeid.startswith("tests/e2e/") else "rest"

    return TwoLanes(config, log)


@dataclass(frozen=True)
class TrainedRun:
    """A finished run in a RunStore of its own (see the module docstring)."""

    home: Path  # a CNNLAB_HOME: runs.sqlite + runs/<id>/ (model, filter snapshots)
    store: Any  # cnnlab.runs.RunStore over ``home``
    run_id: str
    model: Any  # the trained keras.Model, in memory
    train: Any  # cnnlab.data.Dataset it was trained on
    val: Any  # … and validated on
    result: Any  # cnnlab.train.TrainResult: history, status, seconds, …
    epochs: int

    def copy_home(self, dst: Path) -> Path:
        """A private copy of ``home`` at ``dst`` (for tests that change the store)."""
        shutil.copytree(self.home, dst)
        return dst


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory) -> TrainedRun:
    pytest.importorskip("keras")
    from cnnlab.data import make_shapes, split
    from cnnlab.model import PRESETS
    from cnnlab.runs import RunStore
    from cnnlab.train import TrainConfig, train

    home = tmp_path_factory.mktemp("trained_home")
    store = RunStore(home)
    tr, va = split(make_shapes(SHAPES_N, seed=0), val_fraction=0.2, seed=0)
    cfg = TrainConfig(epochs=SHAPES_EPOCHS, batch_size=32, seed=0)
    res = train(PRESETS["seed_shapes"], tr, va, cfg, store=store, name="shapes demo")
    assert res.status == "finished", (res.status, res.error)
    return TrainedRun(home, store, res.run_id, res.model, tr, va, res, SHAPES_EPOCHS)


@dataclass(frozen=True)
class RunPair:
    """Two finished runs that differ only in their architecture."""

    home: Path
    store: Any  # cnnlab.runs.RunStore over ``home``
    ids: tuple[str, str]  # seed_shapes, shapes_stride2
    train_cfg: Any  # the cnnlab.train.TrainConfig both used
    spec: dict  # the dataset spec both used

    def copy_home(self, dst: Path) -> Path:
        shutil.copytree(self.home, dst)
        return dst


@pytest.fixture(scope="session")
def shapes_pair(tmp_path_factory) -> RunPair:
    pytest.importorskip("keras")
    from cnnlab import compare
    from cnnlab.data import split_spec
    from cnnlab.model import PRESETS
    from cnnlab.runs import RunStore
    from cnnlab.train import TrainConfig, train

    home = tmp_path_factory.mktemp("pair_home")
    store = RunStore(home)
    tr, va = split_spec(PAIR_SPEC)[:2]
    cfg = TrainConfig(epochs=2, batch_size=32)
    ids = []
    for name in PAIR_MODELS:
        res = train(PRESETS[name], tr, va, cfg, store=store, name=name,
                    tags=(compare.STEP6_TAG, "step6:stride"))  # fmt: skip
        ids.append(res.run_id)
    return RunPair(home, store, (ids[0], ids[1]), cfg, dict(PAIR_SPEC))


# --------------------------------------------------------------------- worker processes
@pytest.fixture(autouse=True)
def _no_worker_left(monkeypatch):
    """Shut down, at the end of each test, every JobRegistry created during it.

    Each registry in process isolation starts training workers (a Python process with
    Keras loaded, ~0.8 GB); the dashboard keeps one per CNNLAB_HOME, and app tests use a
    fresh home each. Left alone they lived until pytest exited (14 at once, ~11 GB).
    """
    from cnnlab.training import JobRegistry

    created: list[JobRegistry] = []
    init = JobRegistry.__init__

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(JobRegistry, "__init__", recording_init)
    yield
    for reg in created:
        reg.shutdown()
    state = sys.modules.get("dashboard.state")
    if created and state is not None:
        state._registry.clear()  # the next test gets a fresh registry, not a closed one
