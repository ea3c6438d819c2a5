# Two commands for a newcomer:  `make run`  and  `make test`.
# Both create .venv if missing and (re)install only when a lock or pyproject.toml changed:
# `make run` the app lock (requirements/app.txt: no test tools), `make check`/`make test`
# the dev lock (requirements/dev.txt), both through scripts/install.sh (as the Dockerfile).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
# pytest-xdist workers (one per core of the 2-core machines here); 0 = one process.
# make check spreads its tests over them; make test runs the browser tests (which mostly
# wait on the server and Chromium) in one worker and the rest (which mostly compute) in
# the other (tests/conftest.py, pytest_xdist_make_scheduler).
PYTEST_WORKERS ?= 2
# `make lock` keeps every pin it can; `make lock LOCK_ARGS=--upgrade` (or
# `--upgrade-package streamlit`) moves them.
LOCK_ARGS ?=

.PHONY: run check test screenshots lint bench lock clean

$(VENV)/.installed-%: requirements/%.txt pyproject.toml scripts/install.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	PYTHON=$(PY) scripts/install.sh $*
	touch $@

run: $(VENV)/.installed-app
	$(VENV)/bin/cnnlab app --server.port $(PORT)

# The quick layer, for every edit (under 2 minutes on a 2-core machine): lint, types, and
# the tests that neither train a model, start TensorFlow in a subprocess or a server, nor
# drive a browser.
check: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "not slow and not e2e" $(PYTEST_ARGS)

# Everything (what .ci/run calls): lint, types and the whole suite, browser tests included.
test: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The browser tests, saving their screenshots into assets/screenshots/ for the README
# (other runs write them to a temporary folder).
screenshots: $(VENV)/.installed-dev
	CNNLAB_SCREENSHOTS=assets/screenshots $(PY) -m pytest tests/e2e $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(VENV)/.installed-dev
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

# Regenerate the locks from pyproject.toml (uv, installed into .venv on first use), keeping
# every pin they already hold: requirements/app.txt runs the app with TensorFlow and the
# PostgreSQL driver, requirements/dev.txt adds Ray and the dev group (tests, lint, types),
# both with hashes (app-cuda.txt: app + NVIDIA's CUDA libraries, for the Docker image's
# cuda variant); requirements/constraints.txt is app.txt's versions without hashes, for
# hosts that install this source folder itself (requirements.txt: Streamlit Cloud).
LOCK := $(PY) -m uv pip compile pyproject.toml --universal --python-version 3.11 \
	--custom-compile-command "make lock" --quiet $(LOCK_ARGS)
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m uv --version >/dev/null 2>&1 || $(PY) -m pip install --quiet "uv>=0.5"
	$(LOCK) --generate-hashes --extra app --extra tf --extra postgres -o requirements/app.txt
	$(LOCK) --generate-hashes --extra app --extra tf --extra postgres --extra ray \
		--group dev -c requirements/app.txt -o requirements/dev.txt
	$(LOCK) --extra app --extra tf --extra postgres -c requirements/app.txt \
		-o requirements/constraints.txt
	$(LOCK) --generate-hashes --extra app --extra tf-cuda --extra postgres \
		-c requirements/app.txt -o requirements/app-cuda.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
