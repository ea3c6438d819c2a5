"""A first visit through nginx (``deploy/nginx/cnnlab.conf``) against the same visit
straight to ``cnnlab app``, on a throttled network: one student's share of a school's
Wi-Fi, where Streamlit's uncompressed browser code is most of the wait.

One ``cnnlab app`` (own temporary CNNLAB_HOME) with nginx in front of it. Each page is
first opened once, not counted, so that the server has run it; then, per round, a new
browser context (empty cache: what a student's first visit fetches) opens it straight
and another through nginx (the order alternates by round), throttled with Chrome's
DevTools (``--mbit`` down, a quarter of it up, ``--latency-ms``; ``--mbit 0``: not
throttled, the loopback as it is: Chrome's throttling at 1,000 Mbit/s stalled some
visits for 7-10 s, so it is no stand-in for a fast network). A visit is timed from
``goto`` until the title is shown, the run has finished and every element is drawn
(``serve.wait_complete``); its bytes are what the browser fetched over HTTP (resource
timing's ``transferSize``: code, fonts, pictures, not the WebSocket).

Prints each visit, then medians per page and the ratios nginx / straight. Exits 0 when,
on every page, nginx sends at most half the bytes and is not slower; else 1. Needs
Debian's nginx (``apt-get install nginx``).

    .venv/bin/python benchmarks/bench_proxy.py [--pages home,pooling] [--rounds 2] [--mbit 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import serve  # benchmarks/serve.py, beside this script
from bench_pages import _title  # beside this script

TIMEOUT_MS = 120_000
BYTES_JS = (
    "() => performance.getEntriesByType('navigation').concat("
    "performance.getEntriesByType('resource')).reduce((n, e) => n + e.transferSize, 0)"
)


def visit(browser, url: str, slug: str, mbit: float, latency_ms: float) -> tuple[float, int]:
    """Seconds until ``slug``'s page is whole, and the bytes fetched, on a new context."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        if mbit > 0:
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": latency_ms,
                    "downloadThroughput": mbit * 1e6 / 8,
                    "uploadThroughput": mbit * 1e6 / 32,
                },
            )
        started = time.monotonic()
        page.goto(f"{url}/{'' if slug == 'home' else slug}?lang=en", timeout=TIMEOUT_MS)
        page.locator("h1", has_text=_title(slug)).first.wait_for(timeout=TIMEOUT_MS)
        page.wait_for_selector("[data-test-script-state='notRunning']", timeout=TIMEOUT_MS)
        serve.wait_complete(page, TIMEOUT_MS)
        seconds = time.monotonic() - started
        return seconds, int(page.evaluate(BYTES_JS))
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="home,kernels,pooling,architecture")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mbit", type=float, default=10.0, help="download, Mbit/s; 0: as is")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    slugs = args.pages.split(",")
    got: dict[tuple[str, str], list[tuple[float, int]]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=serve.CHROMIUM)
        app, url = serve.start(serve.APP, env={"CNNLAB_HOME": f"{tmp}/home"})
        proxy = None
        try:
            proxy, proxied = serve.start_proxy(url, Path(tmp))
            serve.wait_healthy(url)
            serve.wait_healthy(proxied)
            for slug in slugs:
                visit(browser, url, slug, 0.0, 0.0)  # the server's first run of it
            for r in range(args.rounds):
                for slug in slugs:
                    routes = [("straight", url), ("nginx", proxied)]
                    for route, base in routes if r % 2 == 0 else routes[::-1]:
                        seconds, size = visit(browser, base, slug, args.mbit, args.latency_ms)
                        got.setdefault((slug, route), []).append((seconds, size))
                        print(f"round {r + 1}: {slug:13s}{route:9s}{seconds:6.2f} s"
                              f"{size / 1e6:7.2f} MB", flush=True)  # fmt: skip
        finally:
            if proxy is not None:
                serve.stop(proxy)
            serve.stop(app)
            browser.close()
    link = f"{args.mbit:g} Mbit/s down, {args.latency_ms:g} ms" if args.mbit > 0 else "loopback"
    print(f"\nmedians ({link}); ratio = nginx / straight")
    print(f"{'page':13s}{'straight s':>11s}{'nginx s':>9s}{'ratio':>7s}"
          f"{'straight MB':>13s}{'nginx MB':>10s}{'ratio':>7s}")  # fmt: skip
    ok = True
    for slug in slugs:
        s_t = statistics.median(v[0] for v in got[(slug, "straight")])
        n_t = statistics.median(v[0] for v in got[(slug, "nginx")])
        s_b = statistics.median(v[1] for v in got[(slug, "straight")])
        n_b = statistics.median(v[1] for v in got[(slug, "nginx")])
        fine = n_b <= s_b / 2 and n_t <= s_t
        ok = ok and fine
        print(f"{slug:13s}{s_t:11.2f}{n_t:9.2f}{n_t / s_t:7.2f}{s_b / 1e6:13.2f}"
              f"{n_b / 1e6:10.2f}{n_b / s_b:7.2f}   {'ok' if fine else 'NOT BETTER'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
