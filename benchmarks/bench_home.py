"""How soon Home appears in Chromium after a fresh server's health check, against a bare app.

Each round starts a fresh ``cnnlab app`` (as users start it: Home's modules and picture
are loaded before the server answers) and, right after it, a fresh
server of a reference app (a title and a paragraph: what Streamlit itself costs), waits for
the health check, opens the page in Debian's Chromium at 1280×720 and stops the clock when
the title is shown and the script has finished (it also prints the seconds from the start
command, where the preloading shows). Rounds alternate, so a slow minute on
the machine hits both. Prints each round, the medians and their ratio (targets: Home within
3 s of the health check on the 2-core machine, and within 1.3× the bare app); exits 0 when
both are met, else 1. ``bench_pages.py`` times the other pages the same way.

    .venv/bin/python benchmarks/bench_home.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import serve  # benchmarks/serve.py, beside this script

TARGET_S = 3.0
TARGET_RATIO = 1.3  # Home against the bare app
REFERENCE_APP = 'import streamlit as st\n\nst.title("CNN Lab")\nst.write("A bare page.")\n'


def time_first_render(
    browser,
    script: Path,
    home: str,
    started: list | None = None,
    drawn: list | None = None,
    preloaded: bool = False,
    complete: list | None = None,
) -> float:
    """Seconds from the health check of a fresh server of ``script`` to its page shown
    (appended to ``started``: the seconds from the server's start command instead; to
    ``drawn``: the seconds to the frame the page stamped, serve.watch_drawn;
    ``preloaded``: see serve.start; to ``complete``: the seconds until every element is
    drawn, serve.wait_complete)."""
    t0 = time.monotonic()
    proc, url = serve.start(script, env={"CNNLAB_HOME": home}, preloaded=preloaded)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        serve.watch_drawn(page, "CNN Lab")
        healthy = serve.wait_healthy(url)
        healthy_wall = time.time() - (time.monotonic() - healthy)
        page.goto(url + "/?lang=en")
        page.wait_for_selector("h1:has-text('CNN Lab')", timeout=60_000)
        page.wait_for_selector("[data-test-script-state='notRunning']", timeout=60_000)
        seconds = time.monotonic() - healthy
        if started is not None:
            started.append(seconds + healthy - t0)
        if drawn is not None:
            drawn.append(serve.drawn_at(page) - healthy_wall)
        if complete is not None:
            serve.wait_complete(page)
            complete.append(time.monotonic() - healthy)
        context.close()
        return seconds
    finally:
        serve.stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    ours, bare, ours_start, bare_start = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        reference = Path(tmp) / "bare_app.py"
        reference.write_text(REFERENCE_APP)
        browser = pw.chromium.launch(
            executable_path=serve.CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for i in range(args.rounds):
            ours.append(time_first_render(browser, serve.APP, f"{tmp}/h{i}", ours_start))
            bare.append(time_first_render(browser, reference, f"{tmp}/b{i}", bare_start))
            print(
                f"round {i + 1}: CNN Lab Home {ours[-1]:.2f} s   bare app {bare[-1]:.2f} s   "
                f"(from the start command: {ours_start[-1]:.2f} s, {bare_start[-1]:.2f} s)"
            )
        browser.close()
    med, ref = statistics.median(ours), statistics.median(bare)
    print(f"median: CNN Lab Home {med:.2f} s, bare app {ref:.2f} s, ratio {med / ref:.2f}")
    s_med, s_ref = statistics.median(ours_start), statistics.median(bare_start)
    print(
        "from the start command (for information: cnnlab app loads the pages' modules before "
        f"it answers): {s_med:.2f} s against {s_ref:.2f} s, ratio {s_med / s_ref:.2f}"
    )
    over = [f"the {TARGET_S:.0f} s target"] if med > TARGET_S else []
    over += [f"the {TARGET_RATIO}× ratio target"] if med / ref > TARGET_RATIO else []
    print("OVER " + " and ".join(over) if over else "OK")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
