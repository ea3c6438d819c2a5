#!/usr/bin/env bash
# The one install step. The Makefile (make run / check / test, so also .ci/run) and the
# Dockerfile call it; a deployment should too.
#
#   scripts/install.sh app       # requirements/app.txt: the dashboard, TensorFlow, PostgreSQL driver
#   scripts/install.sh app-cuda  # requirements/app-cuda.txt: app + NVIDIA's CUDA libraries (Linux)
#   scripts/install.sh dev       # requirements/dev.txt: app + Ray + tests, lint, types
#
# Each lock pins every package with its hashes (pip then checks every download), and is
# generated from pyproject.toml by `make lock`. CNN Lab itself is installed afterwards with
# --no-deps: everything it needs is already in the lock, so nothing unpinned comes in.
#
# Environment: PYTHON (default: python3) is the interpreter to install into, usually a
# virtual environment's; PROJECT says how CNN Lab itself goes in: editable (the default,
# for work in this folder), copy (a regular install: the Docker image) or none (the lock
# only: the Docker image's cached layer); PIP_ARGS adds pip options (e.g. --no-cache-dir).
set -euo pipefail
kind="${1:-}"
case "$kind" in
  app | app-cuda | dev) ;;
  *) echo "usage: scripts/install.sh app|app-cuda|dev" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-python3}"
pip=("$py" -m pip install --quiet ${PIP_ARGS:-})

"${pip[@]}" --require-hashes -r "$root/requirements/$kind.txt"
case "${PROJECT:-editable}" in
  editable) "${pip[@]}" --no-deps -e "$root" ;;
  copy) "${pip[@]}" --no-deps "$root" ;;
  none) ;;
  *) echo "PROJECT must be editable, copy or none, got ${PROJECT}" >&2; exit 2 ;;
esac
