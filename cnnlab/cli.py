"""The ``cnnlab`` command: train from a config file, or start the dashboard.

    cnnlab train CONFIG.json [--home DIR] [--db URL] [--executor local|ray]
    cnnlab app [streamlit options]

``train`` is the dashboard's backbone without the dashboard: the run is created in the
store (``--db`` or ``CNNLAB_DB_URL``; else SQLite under ``--home`` / ``CNNLAB_HOME``),
trained here (``local``) or on a Ray cluster (``ray``, at ``RAY_ADDRESS``), and shows up
in the dashboard's Experiments like any other run. One JSON line is printed per epoch,
then ``{"run_id": …, "status": …}``. Errors are sentences on stderr (exit status 2);
a run that did not finish exits with 1. Ctrl-C stops the run and keeps its epochs.
The config's JSON Schema: ``cnnlab/training/run.schema.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import threading
from pathlib import Path
from typing import Any

__all__ = ["main"]


class _Print:
    """Prints each finished epoch as one JSON line."""

    def on_batch(self, info: dict[str, Any]) -> None:
        pass

    def on_epoch(self, info: dict[str, Any]) -> None:
        print(json.dumps({k: round(v, 4) for k, v in info.items()}), flush=True)


def _read_config(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise ValueError(f"no config file {path!r}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{Path(path).name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {Path(path).name}: {exc}") from None


def _train(args: argparse.Namespace) -> int:
    from cnnlab.runs import RunStore
    from cnnlab.training import RunRequest, make_executor, queue_run, run_stored

    request = RunRequest.from_dict(_read_config(args.config))
    store = RunStore(args.home, url=args.db or None)
    executor = make_executor(args.executor, store)
    run_id = queue_run(store, request, owner="cli", executor=executor.name)
    stop = threading.Event()
    if executor.name == "ray":
        thread = threading.Thread(target=executor.runner(0).run, args=(run_id,), daemon=True)
    else:
        thread = threading.Thread(
            target=run_stored, args=(store, run_id), kwargs={"listener": _Print(), "stop": stop},
            daemon=True,
        )  # fmt: skip
    thread.start()
    printed = 0
    while thread.is_alive():
        try:
            thread.join(0.5)
        except KeyboardInterrupt:
            print("stopping after this batch…", file=sys.stderr, flush=True)
            stop.set()
            store.request_stop(run_id)
        if executor.name == "ray":  # the local trainer prints its own epochs
            hist = store.history(run_id)
            n = len(hist.get("loss", []))
            for i in range(printed, n):
                row = {k: round(float(v[i] or 0), 4) for k, v in hist.items() if i < len(v)}
                print(json.dumps({"epoch": i, **row}), flush=True)
            printed = n
    rec = store.get(run_id)
    print(json.dumps({"run_id": run_id, "status": rec.status}), flush=True)
    if rec.error:
        print(rec.error, file=sys.stderr)
    return 0 if rec.status in ("finished", "stopped") else 1


def _dashboard_script() -> str:
    """The installed ``dashboard/app.py`` (found through the import system, so it works
    from a wheel, an editable install or a Docker image, whatever the working folder)."""
    if importlib.util.find_spec("streamlit") is None:
        raise ValueError("the dashboard needs Streamlit: pip install 'cnnlab[app,tf]'")
    spec = importlib.util.find_spec("dashboard.app")
    if spec is None or not spec.origin:
        raise ValueError("the dashboard package is not installed with this cnnlab")
    return spec.origin


def _app(script: str, extra: list[str]) -> int:
    """Start the dashboard ``script`` in this process, which becomes the Streamlit server
    (signals such as ``docker stop`` and Ctrl-C reach it). What the pages' first runs
    need is loaded first (``dashboard.app.serve``), so the first visitors do not wait.
    The core never imports Streamlit itself: the dashboard (optional) does."""
    importlib.import_module("dashboard.app").serve(script, extra)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cnnlab", description="CNN Lab from the command line.")
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train one run from a JSON config")
    tr.add_argument("config", help="JSON file: name, model, data, train (see run.schema.json)")
    tr.add_argument("--home", default=None, help="artifacts and SQLite (default CNNLAB_HOME)")
    tr.add_argument("--db", default=None, help="database URL (default CNNLAB_DB_URL)")
    tr.add_argument(
        "--executor", choices=("local", "ray"), default="local",
        help="train here (local) or on the Ray cluster at RAY_ADDRESS (ray)",
    )  # fmt: skip
    sub.add_parser("app", help="start the dashboard (extra options go to streamlit run)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cnnlab`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["app"]:
        try:
            script = _dashboard_script()
        except ValueError as exc:
            print(f"cnnlab app: {exc}", file=sys.stderr)
            return 2
        return _app(script, argv[1:])  # (the server's own errors are its own to report)
    args = _parser().parse_args(argv)
    try:
        return _train(args)
    except ValueError as exc:  # bad config, data, design or database: words, no traceback
        print(f"cnnlab train: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"cnnlab train: a package is missing ({exc.name}); see the README", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
