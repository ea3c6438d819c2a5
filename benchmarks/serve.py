"""A real Streamlit server on a free loopback port, for the benchmarks and the browser tests.

CNN Lab is started as its users start it (``cnnlab app``, which preloads what Home needs);
any other script (a benchmark's bare reference) with ``streamlit run``.

>>> proc, url = start(ROOT / "dashboard" / "app.py", env={"CNNLAB_HOME": "/tmp/h"})
>>> healthy_at = wait_healthy(url)  # time.monotonic() of the first "ok"
>>> stop(proc)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright is never allowed to download one


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# `streamlit run` after the imports and the first Plotly figure `cnnlab app` does before
# it answers (dashboard.app.preload): a reference app started this way pays, like CNN
# Lab, none of them in its first run.
PRELOADED = (
    "import sys\nimport numpy, pandas\nimport plotly.graph_objects as go\n"
    "go.Figure(go.Heatmap(z=[[0, 1]])).to_dict()\n"
    "from streamlit.web import cli\n"
    "sys.argv = ['streamlit', 'run', *sys.argv[1:]]\ncli.main()\n"
)


def start(
    script: Path = APP,
    *,
    env: dict[str, str] | None = None,
    log: IO | int = subprocess.DEVNULL,
    preloaded: bool = False,
) -> tuple[subprocess.Popen, str]:
    """Start ``script`` headless on a free port; return (process, base URL).

    ``env`` is added to this process's environment; ``log`` takes stdout and stderr;
    ``preloaded``: a reference app imports first what ``cnnlab app`` does (PRELOADED).
    """
    port = free_port()
    if script == APP:
        launch = ["-m", "cnnlab.cli", "app"]
    else:
        launch = ["-c", PRELOADED, script] if preloaded else ["-m", "streamlit", "run", script]
    proc = subprocess.Popen(
        [sys.executable, *map(str, launch),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


def wait_healthy(url: str, timeout: float = 60.0) -> float:
    """Poll ``/_stcore/health`` until it answers ok; return the ``time.monotonic()`` of it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic()
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"streamlit did not become healthy at {url} in {timeout} s")


def run_log(log: Path) -> list[tuple[float, str, float]]:
    """(unix time, page, seconds) of every script run a server has logged so far to its
    CNNLAB_RUN_LOG (``page#section`` for a fragment's own rerun)."""
    if not log.exists():
        return []
    rows = [line.split("\t") for line in log.read_text().splitlines() if line.strip()]
    return [(float(row[0]), row[1], float(row[2])) for row in rows if len(row) == 3]


def track_finished(page) -> dict:
    """Count the server's "script finished" messages a Playwright tab receives (its
    websocket; sync or async API): ``done["runs"]`` grows by one per finished run.

    Counted where the frame arrives, not in the page's DOM: a tab starved of CPU may
    render "running" and "finished" in one go, and never show the rerun at all.
    """
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    done = {"runs": 0}
    early = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")

    def on_frame(payload) -> None:
        if isinstance(payload, str) or len(payload) > 4096:
            return  # big frames are deltas; "script finished" is a few bytes
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not ours to judge
            return
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished != early:
            done["runs"] += 1

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return done


_DRAWN_JS = """
(() => {
  const title = %s;
  const seen = () => {
    if (window.__drawn) return;
    const h1 = [...document.querySelectorAll('h1')].some(h => h.textContent.includes(title));
    if (h1 && document.querySelector("[data-test-script-state='notRunning']")) {
      window.__drawn = -1;  // once; the frame below stamps it
      requestAnimationFrame(() => { window.__drawn = performance.timeOrigin + performance.now(); });
    }
  };
  new MutationObserver(seen).observe(
    document, {subtree: true, childList: true, attributes: true, characterData: true});
})();
"""


def watch_drawn(page, title: str) -> None:
    """Before ``page.goto``: have the page stamp, by its own clock, the animation frame
    in which ``title`` is an ``h1`` and the script run has finished (read it with
    :func:`drawn_at`).

    Playwright's own wait polls from the page's main thread: when a long task follows
    (Plotly's 4.7 MB chunk evaluating for ~1 s after a chart page is drawn), it notices
    only after that task. The stamp is the first animation frame after the DOM shows it:
    when the browser was about to paint, or later if a long task was queued first (so it
    never flatters).
    """
    page.add_init_script(_DRAWN_JS % json.dumps(title))


def drawn_at(page) -> float:
    """The ``time.time()`` of the frame :func:`watch_drawn` stamped (after Playwright has
    seen the page shown)."""
    page.wait_for_function("window.__drawn > 0", timeout=60_000)
    return page.evaluate("window.__drawn") / 1000


def wait_complete(page, timeout_ms: float = 60_000) -> None:
    """Wait until the page has no placeholder left: Streamlit draws a skeleton where an
    element's code is still loading (a Plotly chart, a data grid, but also a radio or a
    select box) and replaces it once drawn, which can be seconds after the run has
    finished (all of them at once, after Plotly's 4.7 MB chunk, on a chart page)."""
    page.wait_for_function(
        "!document.querySelector(\"[data-testid='stSkeleton']\")", timeout=timeout_ms
    )


NGINX_SITE = ROOT / "deploy" / "nginx" / "cnnlab.conf"  # what a teacher installs


def nginx() -> str | None:
    """Debian's nginx, or None when it is not installed."""
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if Path(found).exists() else None


def start_proxy(upstream: str, folder: Path) -> tuple[subprocess.Popen, str]:
    """nginx with :data:`NGINX_SITE` (the shipped file, its two addresses replaced) in
    front of the server at ``upstream`` (a base URL), on a free port; its files go under
    ``folder``. Return (process, base URL); end it with :func:`stop`."""
    port = free_port()
    site = NGINX_SITE.read_text()
    listens = ("listen 80 default_server;", "listen [::]:80 default_server;")
    if "127.0.0.1:8501" not in site or not all(line in site for line in listens):
        raise ValueError(f"{NGINX_SITE} no longer has the addresses start_proxy replaces")
    site = site.replace("127.0.0.1:8501", upstream.split("//", 1)[1])
    site = site.replace(listens[0], f"listen 127.0.0.1:{port};").replace(listens[1], "")
    (folder / "cnnlab.conf").write_text(site)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = [f"{k}_temp_path {folder / k};" for k in kinds]  # nginx makes the folders
    main = [
        "daemon off;", "worker_processes 1;", f"pid {folder / 'nginx.pid'};",
        # As root (CI), its workers would run as nobody, who cannot write under folder.
        "user root;" if os.geteuid() == 0 else "",
        "events { worker_connections 512; }",
        "http {", "access_log off;", *temp, f"include {folder / 'cnnlab.conf'};", "}",
    ]  # fmt: skip
    (folder / "nginx.conf").write_text("\n".join(main) + "\n")
    binary = nginx()
    if binary is None:
        raise RuntimeError("no nginx (Debian: apt-get install nginx)")
    cmd = [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"]
    checked = subprocess.run([*cmd, "-t"], capture_output=True, text=True, timeout=30)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx -t: {checked.stderr.strip()}")
    with open(folder / "error.log", "w") as log:  # the process keeps its own copy
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen) -> None:
    """Terminate the server, killing it if it has not exited within 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
