"""Every page's first visit on a fresh server, against its warm rerun and a bare app.

For each page (``dashboard/app.py`` PAGES) and round, on a quiet machine:

* **link**: a fresh ``cnnlab app`` (own temporary CNNLAB_HOME; the pages' modules are
  imported before it answers: ``app.preload``), then,
  right after its health check, a new browser context at 1280×720 opens the page's URL
  (``/<page>?lang=en``, what a shared link does); the clock runs from the health check
  until the page's title is shown and the script has finished
  (``[data-test-script-state='notRunning']``).
* **rerun**: in that same session, the warm rerun: "r" pressed (Streamlit's rerun key),
  timed until the server has logged the run (CNNLAB_RUN_LOG, one line per full script
  run, written by ``app.py``) and the browser says the script has finished; the median
  of three. ``server`` is the script's own seconds for the link's first run and for the
  warm rerun (from the same log; counted from ``main()``'s start, so a first run's
  ``import`` lines at the top of ``app.py`` are not in it). Then **w.link**: the same
  link in a new browser context on the now warm server (what the browser alone costs:
  Streamlit's frontend and the page's element code, Plotly's above all; not part of
  the goal).
* **nav**: a second fresh server; Home is opened, the machine left quiet for ``--think``
  seconds (someone reading Home), then the page's link in the sidebar is clicked and
  timed until the page's title is shown and the script has finished. (Home has none.)
  ``server`` also gives that run's own seconds.
* **bare**: once per round, a fresh server of a reference app (a title and a paragraph:
  what Streamlit itself costs), timed like **link**.

The goal, per page, on medians: link and nav within ``2 × rerun + bare``. Prints each
measurement, then a table with the goal; exits 0 when every page is within it, else 1.
The table also gives **link.d** and **w.d**: the same two links by the page's own clock,
to the animation frame in which the title was shown and the run finished
(``serve.watch_drawn``; Playwright's wait notices only after the long tasks that follow,
Plotly's chunk above all), judged against ``2 × rerun +`` the bare app by the same clock.
**kit**: after each page, a fresh server of a bare app that draws one tiny element of
each kind the page showed (its ``data-testid``s, KIT_LINES: a Plotly chart, a data grid,
KaTeX …), timed like **bare** but started after the imports ``cnnlab app`` does before it
answers (NumPy, pandas, Plotly: ``serve.PRELOADED``): what Streamlit itself costs for a
page of those elements, whatever the app does. Reported beside the goal
(``goal.k = 2 × rerun + kit``), not in it. **full** and **k.full**: the link and the kit
timed on until every element is drawn (``serve.wait_complete``: Streamlit shows a
placeholder where an element's code is still loading; Plotly's charts can come seconds
after the run has finished).
About 25 s per page and round on the 2-core machine.

    .venv/bin/python benchmarks/bench_pages.py [--pages home,train] [--rounds 1] [--think 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import serve  # benchmarks/serve.py, beside this script
from bench_home import REFERENCE_APP, time_first_render  # beside this script

SLUGS = ["home", "kernels", "pooling", "architecture", "data", "train", "inspect", "experiments"]
FINISHED = "[data-test-script-state='notRunning']"
TIMEOUT_MS = 90_000
RERUNS = 3


def _title(slug: str) -> str:
    """The page's English title (its ``h1``), from the catalog."""
    path = serve.ROOT / "dashboard" / "catalogs" / "en" / f"{slug}.json"
    return json.loads(path.read_text(encoding="utf-8"))["title"]


def _shown(page, title: str) -> None:
    """Wait until ``title`` is the page's ``h1`` and the script run has finished."""
    page.locator("h1", has_text=title).first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector(FINISHED, timeout=TIMEOUT_MS)


def _runs(log: Path) -> list[tuple[str, float]]:
    """(page, seconds) of every script run the server has logged so far."""
    return [(page, seconds) for _when, page, seconds in serve.run_log(log)]


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    return context, context.new_page()


def _rerun(page, log: Path) -> tuple[float, float]:
    """Press "r" and time the rerun: (browser seconds, the script's own seconds)."""
    before = len(_runs(log))
    page.mouse.move(5, 700)  # nothing under the pointer, no input focused
    started = time.monotonic()
    page.keyboard.press("r")
    while len(_runs(log)) <= before:
        if time.monotonic() - started > TIMEOUT_MS / 1000:
            raise RuntimeError("the rerun was never logged (is the focus in an input?)")
        time.sleep(0.01)
    page.wait_for_selector(FINISHED, timeout=TIMEOUT_MS)
    return time.monotonic() - started, _runs(log)[-1][1]


def _link(browser, slug: str, tmp: str) -> tuple[dict[str, float], list[str]]:
    """A shared link's first render on a fresh server, then warm reruns in that session;
    with the element kinds the page showed (KIT_LINES' keys)."""
    log = Path(tmp) / f"runs-{slug}-{time.monotonic_ns()}.tsv"
    env = {"CNNLAB_HOME": f"{tmp}/home-{log.stem}", "CNNLAB_RUN_LOG": str(log)}
    proc, url = serve.start(serve.APP, env=env)
    try:
        context, page = _new_page(browser)
        serve.watch_drawn(page, _title(slug))
        healthy = serve.wait_healthy(url)
        healthy_wall = time.time() - (time.monotonic() - healthy)
        page.goto(f"{url}/{'' if slug == 'home' else slug}?lang=en")
        _shown(page, _title(slug))
        link = time.monotonic() - healthy
        serve.wait_complete(page)
        link_full = time.monotonic() - healthy
        link_drawn = serve.drawn_at(page) - healthy_wall
        first_server = _runs(log)[0][1]
        time.sleep(1.0)  # let the first run's after-work settle: a rerun is not a first visit
        reruns = [_rerun(page, log) for _ in range(RERUNS)]
        context.close()
        context, page = _new_page(browser)  # the same link in a new browser, server warm
        serve.watch_drawn(page, _title(slug))
        started, started_wall = time.monotonic(), time.time()
        page.goto(f"{url}/{'' if slug == 'home' else slug}?lang=en")
        _shown(page, _title(slug))
        warm_link = time.monotonic() - started
        warm_drawn = serve.drawn_at(page) - started_wall
        serve.wait_complete(page)  # every element drawn: a placeholder has no kind yet
        kinds = _kinds(page)
        context.close()
    finally:
        serve.stop(proc)
    return {
        "link": link,
        "link_drawn": link_drawn,
        "link_full": link_full,
        "link_server": first_server,
        "rerun": statistics.median(r[0] for r in reruns),
        "rerun_server": statistics.median(r[1] for r in reruns),
        "warm_link": warm_link,
        "warm_drawn": warm_drawn,
    }, kinds


def _nav(browser, slug: str, tmp: str, think: float) -> dict[str, float]:
    """Seconds from a click on the page's sidebar link (Home read for ``think`` s on a
    fresh server) to the page shown, and the script's own seconds for that run."""
    log = Path(tmp) / f"nav-{slug}-{time.monotonic_ns()}.tsv"
    env = {"CNNLAB_HOME": f"{tmp}/home-{log.stem}", "CNNLAB_RUN_LOG": str(log)}
    proc, url = serve.start(serve.APP, env=env)
    try:
        context, page = _new_page(browser)
        serve.wait_healthy(url)
        page.goto(f"{url}/?lang=en")
        _shown(page, _title("home"))
        time.sleep(think)
        link = page.locator(f"[data-testid='stSidebarNav'] a[href$='/{slug}']").first
        started = time.monotonic()
        link.click()
        _shown(page, _title(slug))
        seconds = time.monotonic() - started
        context.close()
        return {"nav": seconds, "nav_server": _runs(log)[-1][1]}
    finally:
        serve.stop(proc)


# One line of a bare Streamlit app per element kind, keyed by the element's data-testid:
# what :func:`_kit` draws for each kind a CNN Lab page shows (Streamlit loads most of
# their browser code on first use: Plotly, the data grid, KaTeX, the code highlighter …).
KIT_LINES = {
    "stSidebar": 'st.sidebar.radio("Page", ["a", "b"])',
    "stPlotlyChart": "st.plotly_chart(go.Figure(go.Heatmap(z=[[0, 1], [1, 0]])))",
    "stDataFrame": 'st.dataframe({"a": [1, 2]})',
    "stTable": 'st.table({"a": [1, 2]})',
    "stCode": 'st.code("x = 1")',
    "katex": 'st.latex("x^2")',
    "stImage": "st.image(np.zeros((8, 8)))",
    "stFileUploader": 'st.file_uploader("File")',
    "stMetric": 'st.metric("Pixels", 4)',
    "stSlider": 'st.slider("Size", 1, 9)',
    "stSelectbox": 'st.selectbox("Photo", ["a", "b"])',
    "stMultiSelect": 'st.multiselect("Runs", ["a", "b"])',
    "stRadio": 'st.radio("Mode", ["a", "b"])',
    "stButtonGroup": 'st.segmented_control("Language", ["en", "es"])',
    "stHtml": 'st.html("<p>Note</p>")',
    "stTextArea": 'st.text_area("Notes")',
    "stCameraInput": 'st.camera_input("Camera")',
    "stNumberInput": 'st.number_input("Epochs", 1)',
    "stTextInput": 'st.text_input("Name")',
    "stCheckbox": 'st.checkbox("Live")',
    "stTabs": 'st.tabs(["a", "b"])',
    "stExpander": 'st.expander("More").write("x")',
    "stButton": 'st.button("Go")',
    "stDownloadButton": 'st.download_button("Save", b"x")',
    "stProgress": "st.progress(0.5)",
    "stAlert": 'st.info("Note")',
    "stPageLink": 'st.page_link("https://example.org", label="Link")',
}
KIT_HEAD = "import numpy as np\nimport plotly.graph_objects as go\nimport streamlit as st\n\n"
_SHOWN_KINDS = (
    "() => { const k = new Set([...document.querySelectorAll('[data-testid]')]"
    ".map(e => e.dataset.testid));"
    " if (document.querySelector('.katex')) k.add('katex'); return [...k]; }"
)


def _kinds(page) -> list[str]:
    """The element kinds (KIT_LINES' keys) the page in ``page`` shows."""
    shown = set(page.evaluate(_SHOWN_KINDS))
    return [kind for kind in KIT_LINES if kind in shown]


def kit_app(kinds: list[str]) -> str:
    """A bare app that draws one tiny element of each kind: Streamlit's own cost for
    such a page, the floor under any app that shows those elements."""
    lines = ['st.title("CNN Lab")', 'st.write("A bare page.")']
    return KIT_HEAD + "\n".join(lines + [KIT_LINES[k] for k in kinds]) + "\n"


def _kit(browser, tmp: str, slug: str, kinds: list[str]) -> tuple[float, float]:
    """:func:`_bare` for :func:`kit_app` of ``kinds`` (those ``slug``'s page showed),
    started after the imports ``cnnlab app`` does before it answers (serve.PRELOADED);
    also the seconds until every element is drawn (serve.wait_complete)."""
    script = Path(tmp) / f"kit_{slug}.py"
    script.write_text(kit_app(kinds))
    full: list[float] = []
    seen = time_first_render(browser, script, f"{tmp}/kit-{slug}", preloaded=True, complete=full)
    return seen, full[0]


def _bare(browser, tmp: str) -> tuple[float, float]:
    """Seconds from a fresh reference server's health check to its page shown (as
    ``bench_home.py`` times its bare app), by Playwright and by the page's clock."""
    script = Path(tmp) / "bare_app.py"
    script.write_text(REFERENCE_APP)
    drawn: list[float] = []
    return time_first_render(browser, script, f"{tmp}/bare", drawn=drawn), drawn[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(SLUGS), help="comma-separated url paths")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--think", type=float, default=5.0, help="seconds on Home before a click")
    parser.add_argument("--no-nav", action="store_true", help="skip the sidebar clicks")
    args = parser.parse_args()
    slugs = [s.strip() for s in args.pages.split(",") if s.strip()]
    unknown = set(slugs) - set(SLUGS)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    from playwright.sync_api import sync_playwright

    bare: list[float] = []
    bare_drawn: list[float] = []
    got: dict[str, dict[str, list[float]]] = {s: {} for s in slugs}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=serve.CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for i in range(args.rounds):
            seen, stamped = _bare(browser, tmp)
            bare.append(seen)
            bare_drawn.append(stamped)
            print(f"round {i + 1}: bare app {seen:.2f} s (drawn {stamped:.2f} s)", flush=True)
            for slug in slugs:
                row, kinds = _link(browser, slug, tmp)
                row["kit"], row["kit_full"] = _kit(browser, tmp, slug, kinds)
                if slug != "home" and not args.no_nav:
                    row.update(_nav(browser, slug, tmp, args.think))
                for key, value in row.items():
                    got[slug].setdefault(key, []).append(value)
                print(
                    f"round {i + 1}: {slug:<12} "
                    + "  ".join(f"{k} {v:.2f}" for k, v in row.items()),
                    flush=True,
                )
        browser.close()

    ref, ref_drawn = statistics.median(bare), statistics.median(bare_drawn)
    print(
        f"\nmedians, seconds (bare app {ref:.2f}, drawn {ref_drawn:.2f}); goal: link, nav <= "
        "2 x rerun + bare; link.d, w.d: the same links by the page's clock (serve.watch_drawn)"
        ", against 2 x rerun + the bare app drawn; kit: a bare app drawing one tiny element of"
        " each kind the page shows (Streamlit's floor for such a page), goal.k = 2 x rerun + kit;"
        " full, k.full: the link and the kit until every element is drawn (no placeholder)"
    )
    print(
        f"{'page':<12} {'link':>6} {'nav':>6} {'rerun':>6} {'goal':>6} {'w.link':>6}"
        f" {'link.d':>6} {'w.d':>6} {'goal.d':>6} {'kit':>6} {'goal.k':>6}"
        f" {'full':>6} {'k.full':>6}"
        "   server: link / nav / rerun"
    )
    ok = True
    for slug in slugs:
        med = {k: statistics.median(v) for k, v in got[slug].items()}
        goal = 2 * med["rerun"] + ref
        goal_drawn = 2 * med["rerun"] + ref_drawn
        within = med["link"] <= goal and med.get("nav", 0.0) <= goal
        ok &= within
        nav = f"{med['nav']:6.2f}" if "nav" in med else f"{'-':>6}"
        drawn_ok = "ok" if med["link_drawn"] <= goal_drawn else "OVER"
        print(
            f"{slug:<12} {med['link']:6.2f} {nav} {med['rerun']:6.2f} {goal:6.2f} "
            f"{med['warm_link']:6.2f} {med['link_drawn']:6.2f} {med['warm_drawn']:6.2f} "
            f"{goal_drawn:6.2f} {med['kit']:6.2f} {2 * med['rerun'] + med['kit']:6.2f} "
            f"{med['link_full']:6.2f} {med['kit_full']:6.2f}   "
            f"{med['link_server']:.2f} / {med.get('nav_server', float('nan')):.2f} / "
            f"{med['rerun_server']:.2f}   " + ("ok" if within else "OVER") + f" (drawn: {drawn_ok})"
        )
    print("OK" if ok else "OVER the goal on some pages")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
