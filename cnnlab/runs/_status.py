"""A run's statuses, and the settings read from the environment at call time.

Live statuses may still change; done ones never do (``finish`` and ``expire`` only ever
move a live row). Records and the database hold the plain string values.
"""

from __future__ import annotations

import enum
import os

__all__ = [
    "Status",
    "LIVE_STATUSES",
    "DONE_STATUSES",
    "STATUSES",
    "INTERRUPTED_ERROR",
    "DEFAULT_LEASE_SECONDS",
    "DEFAULT_PATIENCE",
    "TRAINER_PATIENCE",
    "lease_seconds",
    "default_patience",
    "check_status",
]


class Status(enum.StrEnum):
    """The statuses a run can have (a ``str`` enum): ``Status.RUNNING == "running"``."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"
    DIVERGED = "diverged"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


# The one definition of a run's statuses, as plain strings.
LIVE_STATUSES: tuple[str, ...] = (Status.QUEUED.value, Status.RUNNING.value)
DONE_STATUSES: tuple[str, ...] = (
    Status.FINISHED.value,
    Status.STOPPED.value,
    Status.DIVERGED.value,
    Status.FAILED.value,
    Status.INTERRUPTED.value,
)
STATUSES: tuple[str, ...] = LIVE_STATUSES + DONE_STATUSES

# The error of a run whose heartbeat stopped (its server or worker went away).
INTERRUPTED_ERROR = "the server stopped while this run was in progress"

DEFAULT_LEASE_SECONDS = 60.0
DEFAULT_PATIENCE = 5.0
# What a trainer waits out instead (a local worker, a Ray actor, the thread executor): a
# run is never lost to a lock or an outage that a page would give up on.
TRAINER_PATIENCE = 600.0


def _env_seconds(name: str, default: float) -> float:
    """A non-negative number of seconds from ``$name``, or ``default`` if unset or bad."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value >= 0 else default


def lease_seconds() -> float:
    """How long a live run may go without a heartbeat: ``$CNNLAB_LEASE_SECONDS`` or 60."""
    return _env_seconds("CNNLAB_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)


def default_patience() -> float:
    """How long to wait out a busy database: ``$CNNLAB_DB_PATIENCE`` or 5 seconds."""
    return _env_seconds("CNNLAB_DB_PATIENCE", DEFAULT_PATIENCE)


def check_status(status: str, allowed: tuple[str, ...] = STATUSES) -> str:
    """The plain string value of ``status``; ValueError if it is not one of ``allowed``."""
    value = status.value if isinstance(status, Status) else status
    if value not in allowed:
        raise ValueError(f"status must be one of {allowed}, got {value!r}")
    return value
