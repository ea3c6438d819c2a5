"""End-to-end harness: a real `cnnlab app` server and Debian's Chromium via Playwright.

Fixtures: ``app_url`` (session: base URL of a running server), ``page`` (a 1280×720
Playwright page). Helpers: ``open_page(page, url)`` waits for the script to finish and
fails on any exception box; ``shot(page, name)`` saves ``<name>.png`` into a temporary
folder, or into ``$CNNLAB_SCREENSHOTS`` when set (``make screenshots`` sets it to
``assets/screenshots``, the README's pictures).

Without /usr/bin/chromium the tests skip with the reason, unless CNNLAB_REQUIRE_BROWSER=1
(set by .ci/run), where they fail instead; likewise ``nginx_or_skip`` (the proxy tests)
with CNNLAB_REQUIRE_PROXY=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks import serve

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = serve.CHROMIUM
SHOTS: Path | None = None  # where shot() writes: see _screenshot_folder
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # A fake webcam (a test pattern), allowed without asking: the Kernels page's camera.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


def _browser_or_skip() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    if os.environ.get("CNNLAB_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " but CNNLAB_REQUIRE_BROWSER=1")
    pytest.skip(reason)


def nginx_or_skip() -> None:
    """Skip without Debian's nginx (deploy/nginx), or fail if CNNLAB_REQUIRE_PROXY=1
    (set by .ci/run)."""
    if serve.nginx():
        return
    reason = "no nginx (Debian: apt-get install nginx)"
    if os.environ.get("CNNLAB_REQUIRE_PROXY") == "1":
        pytest.fail(reason + " but CNNLAB_REQUIRE_PROXY=1")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _screenshot_folder(tmp_path_factory):
    """$CNNLAB_SCREENSHOTS (relative to the repository) if set, else a temporary folder:
    a plain test run leaves the tracked assets/screenshots/ alone."""
    global SHOTS
    where = os.environ.get("CNNLAB_SCREENSHOTS", "").strip()
    SHOTS = ROOT / where if where else tmp_path_factory.mktemp("screenshots")
    yield SHOTS
    SHOTS = None


def maps_tensorflow(pid: int) -> bool:
    """Whether process ``pid`` has TensorFlow's native library loaded (Linux /proc)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return "_pywrap_tensorflow" in maps or "libtensorflow" in maps


def _light_pages_first(browser, url: str, pid: int) -> dict:
    """Show Home, Kernels and Pooling on the fresh server before any test uses it; say
    whether its process then maps TensorFlow (test_shell.py asserts it does not)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)
        open_page(page, f"{url}/?lang=en")
        home_title = page.locator("h1:has-text('CNN Lab')").first.is_visible()
        for slug in ("kernels", "pooling"):
            open_page(page, f"{url}/{slug}?lang=en")
        return {"home_title": home_title, "tensorflow": maps_tensorflow(pid), "error": None}
    except (Exception, pytest.fail.Exception) as exc:  # reported by that test alone
        return {"home_title": False, "tensorflow": None, "error": repr(exc)[:2000]}
    finally:
        context.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory, browser):
    """A real `cnnlab app` (the dashboard's server) on a free loopback port, one per session.

    While it is fresh, it shows the three light pages once (``server["light_pages"]``).
    Each script run is logged to ``server["run_log"]`` (CNNLAB_RUN_LOG: time, page, s).
    """
    _browser_or_skip()
    home = tmp_path_factory.mktemp("cnnlab_home")
    log = open(home / "server.log", "w")  # noqa: SIM115 - closed in teardown
    env = {
        "CNNLAB_HOME": str(home),
        "PYTHONUNBUFFERED": "1",
        "CNNLAB_RUN_LOG": str(home / "runs.log"),
    }
    proc, url = serve.start(env=env, log=log)
    try:
        healthy_at = serve.wait_healthy(url)
        light = _light_pages_first(browser, url, proc.pid)
        yield {
            "url": url, "healthy_at": healthy_at, "proc": proc, "log": home / "server.log",
            "light_pages": light, "run_log": home / "runs.log",
        }  # fmt: skip
    finally:
        serve.stop(proc)
        log.close()


@pytest.fixture(scope="session")
def app_url(server) -> str:
    return server["url"]


@pytest.fixture(scope="session")
def browser():
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    p = context.new_page()
    p.set_default_timeout(90_000)
    yield p
    context.close()


def wait_idle(page, timeout: float = 90_000) -> None:
    """Wait until the app has started and finished its script run."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_selector("[data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_timeout(300)  # let Plotly / images paint
    page.wait_for_selector("[data-test-script-state='notRunning']", timeout=timeout)
    # Widgets load their code lazily and show grey skeletons until then (a screenshot
    # taken too early shows boxes, not sliders).
    page.wait_for_selector("[data-testid='stSkeleton']", state="detached", timeout=timeout)


def assert_no_error(page) -> None:
    """Fail on any exception box or error alert on the page."""
    exc = page.locator("[data-testid='stException']")
    if exc.count():
        pytest.fail("exception on page: " + exc.first.inner_text()[:2000])
    err = page.locator("[data-testid='stAlertContentError']")
    if err.count():
        pytest.fail("error box on page: " + err.first.inner_text()[:2000])


def open_page(page, url: str, *, allow_errors: bool = False):
    """Navigate to ``url``, wait for the script to finish, fail on any exception box."""
    page.goto(url)
    wait_idle(page)
    if not allow_errors:
        assert_no_error(page)
    return page


def shot(page, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot as <name>.png (in assets/screenshots/ with `make screenshots`)."""
    if SHOTS is None:
        raise RuntimeError("shot() needs the e2e conftest's session (its _screenshot_folder)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
