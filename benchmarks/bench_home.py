"""How soon Home appears in Chromium after a fresh server's health check, against a bare app.

Each round starts a fresh ``streamlit run dashboard/app.py`` and, right after it, a fresh
server of a reference app (a title and a paragraph: what Streamlit itself costs), waits for
the health check, opens the page in Debian's Chromium at 1280×720 and stops the clock when
the title is shown and the script has finished. Rounds alternate, so a slow minute on
the machine hits both. Prints each round, the medians and their ratio (target: Home within
3 s of the health check on the 2-core machine).

    .venv/bin/python benchmarks/bench_home.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
TARGET_S = 3.0
REFERENCE_APP = 'import streamlit as st\n\nst.title("CNN Lab")\nst.write("A bare page.")\n'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, timeout: float = 60.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic()
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no health check from {url} in {timeout} s")


def _time_home(browser, script: Path, home: str) -> float:
    """Seconds from the health check of a fresh server of ``script`` to its page shown."""
    port = _free_port()
    env = {**os.environ, "CNNLAB_HOME": home}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        healthy = _wait_healthy(url)
        page.goto(url + "/?lang=en")
        page.wait_for_selector("h1:has-text('CNN Lab')", timeout=60_000)
        page.wait_for_selector("[data-test-script-state='notRunning']", timeout=60_000)
        seconds = time.monotonic() - healthy
        context.close()
        return seconds
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    ours, bare = [], []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        reference = Path(tmp) / "bare_app.py"
        reference.write_text(REFERENCE_APP)
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for i in range(args.rounds):
            ours.append(_time_home(browser, ROOT / "dashboard" / "app.py", f"{tmp}/h{i}"))
            bare.append(_time_home(browser, reference, f"{tmp}/b{i}"))
            print(f"round {i + 1}: CNN Lab Home {ours[-1]:.2f} s   bare app {bare[-1]:.2f} s")
        browser.close()
    med, ref = statistics.median(ours), statistics.median(bare)
    print(f"median: CNN Lab Home {med:.2f} s, bare app {ref:.2f} s, ratio {med / ref:.2f}")
    print("OK" if med <= TARGET_S else f"OVER the {TARGET_S:.0f} s target")
    return 0 if med <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
