#!/usr/bin/env bash
# Proof that CNN Lab installs like a Python package (.ci/run runs it after `make test`):
# a brand-new virtual environment given `pip install ".[app,tf]"` (a built wheel, not
# the source tree) has the `cnnlab` command, trains the README's example with
# `cnnlab train`, renders the Home page from the installed dashboard (Streamlit's
# AppTest), answers /_stcore/health under `cnnlab app`, and holds no test tool.
#
# The versions are held to the app lock's (requirements/constraints.txt, as the root
# requirements.txt does), so pip resolves the extras from pyproject.toml itself but picks
# the locked releases (from pip's cache when `make test` filled it);
# CHECK_INSTALL_UNPINNED=1 lets pip take the newest releases instead.
# Everything runs in a temporary folder outside the repository (removed at the end).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-$(command -v python3.11 || command -v python3)}"
tmp="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"  # nothing of the source tree on sys.path from here on
t0=$SECONDS
step() { echo "check_install: $* ($((SECONDS - t0)) s)"; }

"$py" -m venv venv
pins=(-c "$root/requirements/constraints.txt")
[ "${CHECK_INSTALL_UNPINNED:-0}" = "1" ] && pins=()
venv/bin/python -m pip install --quiet "$root[app,tf]" "${pins[@]}"
step "installed .[app,tf]: $(du -sh venv/lib/python3*/site-packages | cut -f1) of site-packages"

venv/bin/python - <<'PY'
import importlib.util as u
tools = [m for m in ("pytest", "ruff", "playwright", "mypy", "hypothesis") if u.find_spec(m)]
assert not tools, f"test tools in a runtime install: {tools}"
import dashboard, cnnlab
assert "site-packages" in dashboard.__file__ and "site-packages" in cnnlab.__file__
PY
test -x venv/bin/cnnlab
step "no test tools; cnnlab and dashboard come from site-packages"

# The README's example (its first json block under "Training without the dashboard").
venv/bin/python - "$root/README.md" > run.json <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
start = text.index("```json", text.index("## Training without the dashboard")) + len("```json")
print(text[start : text.index("```", start)])
PY
venv/bin/cnnlab train run.json --home home > train.out
tail -n 1 train.out | grep -q '"status": "finished"' || { cat train.out; exit 1; }
step "cnnlab train: $(grep -c epoch train.out) epochs, finished"

CNNLAB_HOME="$tmp/home" venv/bin/python - <<'PY'
from importlib.util import find_spec
from pathlib import Path
from streamlit.testing.v1 import AppTest
app = find_spec("dashboard.app").origin
assert (Path(app).parent / ".streamlit" / "config.toml").is_file(), "config.toml not installed"
at = AppTest.from_file(app, default_timeout=60).run()
assert not at.exception, [e.message for e in at.exception]
assert "CNN Lab" in " ".join(m.value for m in at.markdown) + " ".join(t.value for t in at.title)
PY
step "the Home page renders from the installed dashboard"

port="$(venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
CNNLAB_HOME="$tmp/home" venv/bin/cnnlab app --server.headless true --server.port "$port" \
  --server.address 127.0.0.1 > app.log 2>&1 &
server=$!
for _ in $(seq 120); do
  if venv/bin/python -c "import urllib.request as r; assert r.urlopen('http://127.0.0.1:$port/_stcore/health', timeout=2).read() == b'ok'" 2>/dev/null; then
    step "cnnlab app answers /_stcore/health"
    exit 0
  fi
  kill -0 "$server" 2>/dev/null || break
  sleep 1
done
cat app.log
echo "check_install: cnnlab app did not answer /_stcore/health" >&2
exit 1
