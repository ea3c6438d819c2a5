"""Two dashboard servers on one PostgreSQL and one CNNLAB_HOME, in a real Chromium.

A run of the shapes demo started on server A is watched live on server B (``?job=``);
A is then killed with SIGKILL, and the run's worker (in its own session) trains on to the
end, still live on B; B's Inspect page then shows the run's filters and feature maps from
the shared folder. No worker process is left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psutil
import pytest

from benchmarks import serve
from tests.e2e.conftest import open_page, shot, wait_idle

pytestmark = pytest.mark.e2e

# The shapes demo (2,000 images, batch 64) at ~1-1.5 s an epoch on a busy 2-core CPU: about
# 30-45 s of training once A's worker has loaded Keras. B opens the run as soon as A has
# claimed it, so A is killed a few epochs in (the test says so if the run ended first).
EPOCHS = 30
FINISH_TIMEOUT = 300.0  # s, from A's death to the run's end
WORKER_MODULE = "cnnlab.training.worker"

_POINTS = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  if (!plot || !plot.data) return 0;
  return plot.data.reduce((n, tr) => n + (tr.x ? tr.x.length : 0), 0);
}"""


# ------------------------------------------------------------------------- processes
def _start_server(name: str, home: Path, db_url: str, logs: Path) -> dict:
    log = open(logs / f"server_{name}.log", "w")  # noqa: SIM115 - closed by _stop_server
    env = {
        "CNNLAB_HOME": str(home), "CNNLAB_DB_URL": db_url, "CNNLAB_MAX_JOBS": "1",
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    proc, url = serve.start(env=env, log=log)
    return {"name": name, "proc": proc, "url": url, "log": log, "log_path": log.name}


def _stop_server(server: dict, *, kill: bool = False) -> None:
    proc: subprocess.Popen = server["proc"]
    if proc.poll() is None:
        if kill:
            proc.kill()
            proc.wait()
        else:
            serve.stop(proc)
    server["log"].close()


def _is_worker(pid: int) -> bool:
    """Whether ``pid`` is (still) a CNN Lab training worker process."""
    try:
        p = psutil.Process(pid)
        return p.status() != psutil.STATUS_ZOMBIE and WORKER_MODULE in " ".join(p.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _workers_of(proc: subprocess.Popen) -> set[int]:
    """The training worker processes that server ``proc`` started."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return set()
    return {c.pid for c in children if _is_worker(c.pid)}


def _host_pid(host: str) -> int | None:
    """The pid of a run row's ``host`` ("hostname:pid")."""
    _, _, pid = host.rpartition(":")
    return int(pid) if pid.isdigit() else None


def _wait_gone(pids: set[int], timeout: float) -> set[int]:
    """Wait up to ``timeout`` s for the workers ``pids`` to exit; return those still there."""
    deadline = time.monotonic() + timeout
    while True:
        left = {p for p in pids if _is_worker(p)}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def _wait_row(store, run_id: str, done, timeout: float):
    """Poll the run's row until ``done(row)``; return that row."""
    deadline = time.monotonic() + timeout
    while not done(rec := store.get(run_id)):
        assert time.monotonic() < deadline, f"run {run_id} still {rec.status}: {rec}"
        time.sleep(0.2)
    return rec


def _check_exception_boxes(page, server: str) -> None:
    """No exception box ever appeared on ``page``, even for a moment (a page drawing
    curves while Keras imported pandas in a thread once showed one: dashboard/state.py
    now imports pandas whole first)."""
    seen = page.evaluate("window.__exceptions")
    assert not seen, f"exception boxes on server {server}: {seen}"


def _log_tail(server: dict, n: int = 3000) -> str:
    with contextlib.suppress(ValueError):  # already closed
        server["log"].flush()
    return Path(server["log_path"]).read_text(errors="replace")[-n:]


# Records the text of every exception box that appears, even for a moment (a fragment
# that fails once and draws fine a second later leaves no box for open_page to find).
_RECORD_EXCEPTIONS = """(() => {
  window.__exceptions = [];
  new MutationObserver(() => {
    for (const e of document.querySelectorAll("[data-testid='stException']")) {
      const text = e.innerText.slice(0, 500);
      if (!window.__exceptions.includes(text)) window.__exceptions.push(text);
    }
  }).observe(document, {childList: true, subtree: true});
})()"""


@contextlib.contextmanager
def _new_page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(_RECORD_EXCEPTIONS)
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)
        yield page
    finally:
        context.close()


# ------------------------------------------------------------------------- the test
def test_run_started_on_a_is_live_on_b_survives_a_and_is_inspected_on_b(
    browser, pg_store_url, tmp_path
):
    from cnnlab.runs import DONE_STATUSES, RunStore

    home = tmp_path / "shared_home"
    home.mkdir()
    a = _start_server("a", home, pg_store_url, tmp_path)
    b = _start_server("b", home, pg_store_url, tmp_path)
    assert a["url"] != b["url"]
    workers: set[int] = set()  # every worker process seen, checked at the end
    t0 = time.monotonic()

    def say(what: str) -> None:  # the timeline, shown by pytest when the test fails
        print(f"{time.monotonic() - t0:6.1f} s  {what}")

    try:
        serve.wait_healthy(a["url"])
        serve.wait_healthy(b["url"])
        store = RunStore(home, url=pg_store_url)
        assert store.list_runs() == []

        with _new_page(browser) as page_a, _new_page(browser) as page_b:
            # -- 2. on A: the shapes demo, EPOCHS epochs, Train (as a user does)
            open_page(page_a, f"{a['url']}/train?lang=en")
            page_a.get_by_role("button", name="Shapes demo", exact=False).click()
            open_page(page_a, page_a.url)
            epochs_box = page_a.get_by_role("spinbutton", name="Epochs")
            epochs_box.fill(str(EPOCHS))
            epochs_box.press("Enter")
            wait_idle(page_a)
            assert epochs_box.input_value() == str(EPOCHS)
            page_a.get_by_role("button", name="Train", exact=True).click()
            page_a.wait_for_url(re.compile(r"[?&]job="), timeout=60_000)
            run_id = parse_qs(urlparse(page_a.url).query)["job"][0]
            assert [r.id for r in store.list_runs()] == [run_id]
            assert store.get(run_id).train_cfg["epochs"] == EPOCHS
            say(f"run {run_id} queued on A")
            # A's slot claims it at once (a compare-and-set on the shared database).
            rec = _wait_row(store, run_id, lambda r: r.status != "queued", 60)
            assert rec.status == "running", (rec.status, rec.error)
            claimer = _host_pid(rec.host)  # A itself, or already A's worker
            assert claimer == a["proc"].pid or claimer in _workers_of(a["proc"]), rec.host
            say(f"claimed by A ({rec.host})")

            # -- 3. on B: the same run, live, from the shared database (B's slots start
            # now, but the run is no longer queued: it stays A's)
            open_page(page_b, f"{b['url']}/train?lang=en&job={run_id}")
            say("B's Train page shown")
            epoch_text = re.compile(rf"Epoch \d+/{EPOCHS} ·")
            progress = page_b.locator("[data-testid='stProgress']").filter(has_text=epoch_text)
            progress.wait_for(timeout=240_000)  # once A's worker has loaded Keras
            assert page_b.get_by_text(f"{EPOCHS} epochs").first.is_visible()  # its settings
            assert page_b.get_by_role("button", name="Stop").is_visible()  # not ended
            page_b.wait_for_function(f"({_POINTS})() > 0", timeout=90_000)
            first = page_b.evaluate(_POINTS)
            page_b.wait_for_function(f"({_POINTS})() > {first}", timeout=90_000)  # it grows
            page_b.wait_for_timeout(500)
            shot(page_b, "two_servers_live_on_b")
            say(f"live on B: {progress.inner_text()}")

            # A's worker (a child of A, in a session of its own) trains it, not B's.
            rec = store.get(run_id)
            trainer = _host_pid(rec.host)
            assert trainer is not None and trainer != a["proc"].pid, rec.host
            workers |= _workers_of(a["proc"]) | _workers_of(b["proc"]) | {trainer}
            assert trainer in _workers_of(a["proc"]), (rec.host, _workers_of(a["proc"]))
            assert os.getsid(trainer) != os.getsid(a["proc"].pid)
            say(f"trained by {rec.host}")
            _check_exception_boxes(page_a, "A")

            # -- 4. SIGKILL A (the server alone): its worker trains on, B keeps showing it
            assert (rec := store.get(run_id)).status == "running", (
                f"the run ended ({rec.status}) before A was killed: raise EPOCHS"
            )
            at_kill = len(store.history(run_id).get("loss", []))
            assert at_kill < EPOCHS
            os.kill(a["proc"].pid, signal.SIGKILL)
            a["proc"].wait(timeout=30)
            say(f"A killed after {at_kill} of {EPOCHS} epochs")
            assert _is_worker(trainer), "A's death took its training worker with it"
            seen = page_b.evaluate(_POINTS)
            page_b.wait_for_function(f"({_POINTS})() > {seen}", timeout=90_000)

            deadline = time.monotonic() + FINISH_TIMEOUT
            while (rec := store.get(run_id)).status not in DONE_STATUSES:
                assert time.monotonic() < deadline, f"run still {rec.status} after A died"
                time.sleep(1.0)
            if rec.status == "interrupted":
                assert store.checkpoint(run_id) is not None, rec
            else:
                assert rec.status == "finished", (rec.status, rec.error)
                assert len(store.history(run_id)["loss"]) == EPOCHS > at_kill
                assert store.model_path(run_id) is not None
            say(f"run {rec.status}")
            # B's Train page, still polling, follows the run to its results.
            page_b.wait_for_selector("h3:has-text('Results')", timeout=120_000)
            assert page_b.locator("[data-testid='stException']").count() == 0
            _check_exception_boxes(page_b, "B")

            # -- 5. on B: Inspect, pick that run, its filters and feature maps
            open_page(page_b, f"{b['url']}/inspect?lang=en")
            chooser = page_b.get_by_role("combobox", name="Training run")
            chooser.click()
            page_b.get_by_role("option", name=re.compile(re.escape(run_id))).click()
            wait_idle(page_b)
            open_page(page_b, page_b.url)  # fails on any exception or error box
            assert run_id in chooser.input_value()
            assert f"run={run_id}" in page_b.url
            assert page_b.get_by_text("Prediction:").first.is_visible()
            assert page_b.get_by_text("16 filters of 3×3×1").first.is_visible()
            maps = page_b.get_by_text(re.compile(r"×\d+ maps, \d+ channels")).first
            maps.wait_for()
            page_b.set_viewport_size({"width": 1280, "height": 1500})
            heading = page_b.get_by_role("heading", name="3 · First-layer filters").first
            heading.evaluate("e => e.scrollIntoView({block: 'start'})")
            page_b.wait_for_timeout(800)
            assert page_b.get_by_role("heading", name="4 · Feature maps").first.is_visible()
            assert maps.is_visible()
            assert page_b.locator("[data-testid='stException']").count() == 0
            shot(page_b, "two_servers_inspect_on_b")
            say("inspected on B")
            _check_exception_boxes(page_b, "B")
            workers |= _workers_of(b["proc"])

        # -- 6. stop B: every worker (A's, now orphaned and done; B's idle one) exits
        _stop_server(b)
        left = _wait_gone(workers, timeout=60)
        assert not left, f"worker processes left behind: {sorted(left)}"
        say(f"B stopped; workers {sorted(workers)} gone")
    except BaseException:
        for server in (a, b):
            print(f"--- server {server['name']} log (tail) ---\n{_log_tail(server)}")
        raise
    finally:
        for server in (a, b):
            workers |= _workers_of(server["proc"])
            _stop_server(server, kill=True)
        for pid in _wait_gone(workers, timeout=0):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
