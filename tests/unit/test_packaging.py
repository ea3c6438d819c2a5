"""CNN Lab installs like a Python package: extras that each bring a working Keras backend,
hashed locks with no test tool in the app's, the dashboard's data inside the package,
and no ``sys.path`` edits. (The clean-venv proof itself is scripts/check_install.sh,
run by .ci/run.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
TEST_TOOLS = {"pytest", "pytest-xdist", "hypothesis", "playwright", "ruff", "mypy"}


def _names(reqs: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in reqs}


def _lock(name: str) -> dict[str, str]:
    """``package → version`` of a lock, checking that every pin carries its hashes."""
    pins: dict[str, str] = {}
    blocks = re.split(r"\n(?=\S)", (ROOT / "requirements" / name).read_text(encoding="utf-8"))
    for block in blocks:
        if block.startswith("#") or not block.strip():
            continue
        pkg, version = re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", block).groups()
        assert "--hash=sha256:" in block, f"{name}: {pkg} has no hash"
        pins[pkg.lower()] = version
    return pins


@pytest.mark.parametrize(
    ("extra", "backend"), [("tf", "tensorflow"), ("jax", "jax"), ("torch", "torch")]
)
def test_each_backend_extra_brings_keras_and_its_backend(extra, backend):
    names = _names(PYPROJECT["project"]["optional-dependencies"][extra])
    assert {"keras", backend} <= names


def test_runtime_needs_have_lower_bounds_and_no_test_tools():
    project = PYPROJECT["project"]
    runtime = list(project["dependencies"]) + [
        r for reqs in project["optional-dependencies"].values() for r in reqs
    ]
    assert all(">=" in r for r in runtime), runtime
    assert not _names(runtime) & TEST_TOOLS
    assert "keras" not in project["optional-dependencies"]  # Keras with no backend
    assert _names(PYPROJECT["dependency-groups"]["dev"]) >= TEST_TOOLS


def test_the_app_lock_has_no_test_tools_and_the_dev_lock_agrees_with_it():
    app, dev = _lock("app.txt"), _lock("dev.txt")
    assert {"streamlit", "tensorflow", "keras", "psycopg"} <= set(app)
    assert not set(app) & TEST_TOOLS
    assert TEST_TOOLS | {"ray"} <= set(dev)
    assert {k: dev[k] for k in app} == app  # the same versions under the tests
    cuda = _lock("app-cuda.txt")
    assert cuda["tensorflow"] == app["tensorflow"] and "nvidia-cudnn-cu12" in cuda


def test_the_dashboard_finds_its_catalogs_and_settings_inside_the_package():
    from cnnlab.cli import _dashboard_script

    app = Path(_dashboard_script())
    assert app == ROOT / "dashboard" / "app.py"
    assert (app.parent / ".streamlit" / "config.toml").is_file()
    assert {p.name for p in (app.parent / "catalogs").iterdir()} >= {"en", "es"}
    data = PYPROJECT["tool"]["setuptools"]["package-data"]["dashboard"]
    assert "catalogs/*/*.json" in data and ".streamlit/config.toml" in data


def test_streamlit_reads_the_dashboards_settings_next_to_its_script(tmp_path):
    """As ``streamlit run dashboard/app.py`` loads them, from any working folder: no full
    garbage collection after every script run (with a class on one server, each one held
    the interpreter for up to 0.5 s while other students' reruns waited), no magic, and
    the upload limit the pages state."""
    import subprocess
    import sys

    from cnnlab.cli import _dashboard_script

    probe = (
        "import sys\nfrom streamlit import config\n"
        "config._main_script_path = sys.argv[1]  # what `streamlit run` sets before loading\n"
        "config.get_config_options(force_reparse=True)\n"
        "print([config.get_option(k) for k in sys.argv[2:]])\n"
    )
    keys = ["runner.postScriptGC", "runner.magicEnabled", "server.maxUploadSize"]
    out = subprocess.run(
        [sys.executable, "-c", probe, _dashboard_script(), *keys],
        cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == "[False, False, 20]"


def test_cnnlab_app_without_streamlit_says_what_to_install(monkeypatch, capsys):
    import importlib.util

    from cnnlab import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "streamlit" else real(name, *a),
    )
    assert cli.main(["app"]) == 2
    assert "cnnlab[app,tf]" in capsys.readouterr().err


@pytest.mark.parametrize("folder", ["dashboard", "benchmarks"])
def test_nothing_edits_sys_path(folder):
    edits = [
        f"{path.name}:{n}"
        for path in sorted((ROOT / folder).glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"sys\.path\.(insert|append)", line)
    ]
    assert edits == []
