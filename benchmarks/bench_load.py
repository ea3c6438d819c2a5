"""A whole class on one server: concurrent browser sessions against ``streamlit run``.

Starts the dashboard on a loopback port, then opens ``--sessions`` Playwright contexts in
one headless Chromium (Debian's): ``--trainers`` of them press Train on the shapes demo,
the rest alternate between the Kernels page (press "Random kernel") and the Pooling page
(move a slider), ``--actions`` times each. Every action's rerun latency is measured in the
browser, from the click until the app reports it is idle again.

Like a class: sessions arrive spread over ``--ramp`` seconds (the link goes up on the
projector) and each student looks at the result for ``--think`` seconds (uniform between
half and one and a half times it) before the next click. ``--think 0 --ramp 0`` is the
worst case: 27 students clicking back to back in the same second.

Reports p50/p95 latency per page, errors (exception boxes, time-outs), the server's memory
(peak while loaded, and after the sessions closed), and whether the trainings of closed
sessions still finished and were saved. Targets on a 2-core machine: no errors, p95 of
kernel reruns <= 1.5 s while the trainings run. Bounded: every wait has a time-out and the
script stops by itself; traffic goes only to 127.0.0.1.

    python benchmarks/bench_load.py [--sessions 30] [--trainers 3] [--actions 6]
                                    [--think 3] [--ramp 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IDLE = "[data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


_WATCH = """() => {
  window.__sawRun = false; window.__done = false;
  const app = document.querySelector("[data-test-script-state]");
  const obs = new MutationObserver(() => {
    const st = app.getAttribute("data-test-script-state");
    if (st === "running") window.__sawRun = true;
    if (st === "notRunning" && window.__sawRun) { window.__done = true; obs.disconnect(); }
  });
  obs.observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}"""


async def _watch(page) -> None:
    """Arm a watcher: ``window.__done`` turns true when the next rerun has finished."""
    await page.evaluate(_WATCH)


async def _settle(page, timeout: float = 60_000) -> None:
    await page.wait_for_function("window.__done === true", timeout=timeout, polling=20)


async def _errors(page) -> int:
    return await page.locator("[data-testid='stException']").count()


async def _student(browser, url: str, n: int, args, out: dict) -> None:
    rng = random.Random(n)
    await asyncio.sleep(rng.uniform(0, args.ramp))
    ctx = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await ctx.new_page()
    kind = "kernels" if n % 2 == 0 else "pooling"
    try:
        await page.goto(f"{url}/{kind}?lang=en", timeout=120_000)
        await page.wait_for_selector(IDLE, timeout=120_000)
        for i in range(args.actions):
            await asyncio.sleep(rng.uniform(0.5, 1.5) * args.think)
            await _watch(page)
            t0 = time.perf_counter()
            if kind == "kernels":
                await page.get_by_role("button", name="Random kernel").click(timeout=60_000)
            else:
                slider = page.get_by_role("slider").first
                await slider.focus()
                await slider.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            await _settle(page)
            out[kind].append(time.perf_counter() - t0)
            out["errors"] += await _errors(page)
    except Exception as exc:  # noqa: BLE001 - a time-out is an error to report, not a crash
        out["errors"] += 1
        out["messages"].append(f"{kind} session {n}: {type(exc).__name__}: {str(exc)[:120]}")
    finally:
        await ctx.close()


async def _trainer(browser, url: str, n: int, out: dict) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await ctx.new_page()
    try:
        await page.goto(f"{url}/train?lang=en&epochs=3", timeout=120_000)
        await page.wait_for_selector(IDLE, timeout=120_000)
        await page.get_by_role("button", name="Train", exact=True).click(timeout=60_000)
        await page.wait_for_selector("[data-testid='stProgress'], [data-testid='stAlert']",
                                     timeout=120_000)  # fmt: skip
        out["errors"] += await _errors(page)
        await page.wait_for_timeout(3000)
    except Exception as exc:  # noqa: BLE001
        out["errors"] += 1
        out["messages"].append(f"trainer {n}: {type(exc).__name__}: {str(exc)[:120]}")
    finally:
        await ctx.close()  # the session goes away; its job must still finish


async def _run(url: str, pid: int, args) -> dict:
    from playwright.async_api import async_playwright

    out = {"kernels": [], "pooling": [], "errors": 0, "messages": [], "rss": []}
    stop = asyncio.Event()

    async def sample_memory():
        while not stop.is_set():
            out["rss"].append(_rss_mb(pid))
            await asyncio.sleep(0.5)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        sampler = asyncio.create_task(sample_memory())
        tasks = [_trainer(browser, url, n, out) for n in range(args.trainers)]
        tasks += [
            _student(browser, url, n, args, out) for n in range(args.sessions - args.trainers)
        ]
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.timeout)
        stop.set()
        await sampler
        await browser.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--trainers", type=int, default=3)
    ap.add_argument("--actions", type=int, default=6)
    ap.add_argument("--think", type=float, default=3.0, help="mean seconds between clicks")
    ap.add_argument("--ramp", type=float, default=15.0, help="seconds over which sessions arrive")
    ap.add_argument("--timeout", type=float, default=900, help="seconds for the whole load")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        print(json.dumps({"skipped": f"no Chromium at {CHROMIUM}"}))
        return 0
    home = tempfile.mkdtemp(prefix="cnnlab-load-")
    port = _free_port()
    env = {**os.environ, "CNNLAB_HOME": home}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        rss_start = _rss_mb(server.pid)
        t0 = time.perf_counter()
        out = asyncio.run(_run(url, server.pid, args))
        wall = time.perf_counter() - t0
        from cnnlab.runs import RunStore

        deadline = time.monotonic() + 300  # closed sessions' jobs keep training
        while time.monotonic() < deadline:
            runs = RunStore(home).list_runs()
            if runs and all(r.status not in ("queued", "running") for r in runs):
                break
            time.sleep(2)
        runs = RunStore(home).list_runs()
        time.sleep(5)
        report = {
            "sessions": args.sessions,
            "trainers": args.trainers,
            "think_s": args.think,
            "ramp_s": args.ramp,
            "wall_s": round(wall, 1),
            "kernels_reruns": len(out["kernels"]),
            "kernels_p50_s": round(_pct(out["kernels"], 0.5), 3),
            "kernels_p95_s": round(_pct(out["kernels"], 0.95), 3),
            "pooling_reruns": len(out["pooling"]),
            "pooling_p50_s": round(_pct(out["pooling"], 0.5), 3),
            "pooling_p95_s": round(_pct(out["pooling"], 0.95), 3),
            "errors": out["errors"],
            "messages": out["messages"][:10],
            "server_rss_start_mb": round(rss_start),
            "server_rss_peak_mb": round(max(out["rss"] or [float("nan")])),
            "server_rss_after_close_mb": round(_rss_mb(server.pid)),
            "runs": [r.status for r in runs],
            "runs_with_model": sum(RunStore(home).model_path(r.id) is not None for r in runs),
            "median_all_s": round(statistics.median(out["kernels"] + out["pooling"] or [0]), 3),
        }
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(json.dumps(report, indent=2))
    ok = (
        report["errors"] == 0
        and report["kernels_p95_s"] <= 1.5
        and report["runs"].count("finished") == args.trainers
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
