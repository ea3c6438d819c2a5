# Two commands for a newcomer:  `make run`  and  `make test`.
# Both create .venv if missing and (re)install requirements only when they changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8501
# pytest-xdist workers (one per core of the 2-core machines here); 0 = one process.
# make check spreads its tests over them; make test runs the browser tests (which mostly
# wait on the server and Chromium) in one worker and the rest (which mostly compute) in
# the other (tests/conftest.py, pytest_xdist_make_scheduler).
PYTEST_WORKERS ?= 2

.PHONY: run check test screenshots lint bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m streamlit run dashboard/app.py --server.port $(PORT)

# The quick layer, for every edit (under 2 minutes on a 2-core machine): lint, types, and
# the tests that neither train a model, start TensorFlow in a subprocess or a server, nor
# drive a browser.
check: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "not slow and not e2e" $(PYTEST_ARGS)

# Everything (what .ci/run calls): lint, types and the whole suite, browser tests included.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The browser tests, saving their screenshots into assets/screenshots/ for the README
# (other runs write them to a temporary folder).
screenshots: $(STAMP)
	CNNLAB_SCREENSHOTS=assets/screenshots $(PY) -m pytest tests/e2e $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(STAMP)
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
