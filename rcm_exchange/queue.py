"""Background work on Huey: the task queue that delivers what the outbox tables hold.

The tables that record work in the same transaction as the change (outgoing mail,
attachments awaiting extraction, the search log) stay the source of truth. A task
carries only a row's id; the service it calls claims the row atomically, so a task
enqueued twice, or by two sweeps, delivers once. A task that is lost (the queue was
down at commit, a worker crashed) is found again by the sweep every minute.

Storage: SQLite under ``instance/`` by default (nothing to install, one machine), Redis
when ``RCM_REDIS_URL`` is set (several hosts). ``RCM_QUEUE_IMMEDIATE`` runs each task
at once in the caller's process (the test suite's setting; no worker needed).

The index of a host is fed on that host: the queue is shared by every worker, so a
task cannot choose a host. Each worker therefore catches up its own host's index with
every heartbeat, and each web host catches up on reading (``services.search``).

This module is the queue alone: services enqueue through it. Which service function
each task runs, and the worker, are in ``rcm_exchange.tasks``.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

from flask import current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

log = logging.getLogger(__name__)

# Idle polling of the SQLite queue backs off to this (Redis blocks, and answers at once).
MAX_POLL_SECONDS = 1.0


def make_queue(config) -> Huey:
    name = config["RCM_QUEUE_NAME"]
    if config.get("RCM_QUEUE_IMMEDIATE"):
        return MemoryHuey(name, immediate=True, results=False)
    if config.get("RCM_REDIS_URL"):
        return RedisHuey(name, url=config["RCM_REDIS_URL"], results=False)
    path = Path(config["RCM_QUEUE_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


def get_queue() -> Huey:
    return current_app.extensions["rcm_queue"]


def enqueue(task: str, *args, delay: float | None = None) -> None:
    """Hand a task to the queue. A queue that cannot be reached loses nothing: the row
    is in the database, and the sweep enqueues it again."""
    wrapper = current_app.extensions["rcm_tasks"][task]
    try:
        if delay:
            wrapper.schedule(args=args, delay=delay)
        else:
            wrapper(*args)
    except Exception:
        log.exception("task %s%r not enqueued; the sweep will enqueue it again", task, args)


def queue_depth() -> int:
    """Tasks waiting in the queue (scheduled retries not counted)."""
    try:
        return get_queue().pending_count()
    except Exception:
        log.warning("the task queue cannot be read", exc_info=True)
        return -1


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
