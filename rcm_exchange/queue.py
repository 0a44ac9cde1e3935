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
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

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


def init_app(app: Flask) -> None:
    """Create the app's queue and register its tasks (each runs in an app context)."""
    queue = make_queue(app.config)

    def in_app(function):
        def run(*args):
            with app.app_context():
                try:
                    return function(*args)
                finally:
                    from rcm_exchange.extensions import db

                    db.session.remove()
        run.__name__ = function.__name__
        return run

    from rcm_exchange.services import attachments, background, following, mail, search

    tasks = {
        "deliver_mail": queue.task(name="deliver_mail")(in_app(mail.deliver)),
        "extract_text": queue.task(name="extract_text")(in_app(attachments.extract_claimed)),
        "catch_up_index": queue.task(name="catch_up_index")(in_app(search.catch_up_quietly)),
    }
    queue.periodic_task(crontab(minute="*"), name="sweep")(in_app(background.sweep))
    queue.periodic_task(crontab(minute="7"), name="prune_search_log")(in_app(search.prune_search_log))
    # Claims each subscription's period atomically, so several workers send it once.
    queue.periodic_task(crontab(minute="*/5"), name="send_digests")(in_app(following.send_due_digests))
    app.extensions["rcm_queue"] = queue
    app.extensions["rcm_tasks"] = tasks


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


def run_worker(app: Flask, *, threads: int) -> None:
    """Run the Huey consumer until SIGTERM or SIGINT (both let running tasks finish).

    Beside the consumer, one thread records this worker's heartbeat (read by
    ``/readyz``) and catches up this host's search index.
    """
    from rcm_exchange.services import background

    queue = app.extensions["rcm_queue"]
    if queue.immediate:
        raise RuntimeError("RCM_QUEUE_IMMEDIATE is set: tasks already run where they are enqueued")
    name = worker_name()
    stop = threading.Event()
    interval = app.config["RCM_WORKER_HEARTBEAT_SECONDS"]

    def beat():
        while True:
            with app.app_context():
                background.heartbeat(name)
            if stop.wait(interval):
                return

    consumer = queue.create_consumer(workers=threads, worker_type="thread", periodic=True,
                                     max_delay=MAX_POLL_SECONDS, graceful_signal="TERM")
    heart = threading.Thread(target=beat, name="rcm-heartbeat", daemon=True)
    with app.app_context():
        background.sweep()  # what was left behind since the last run, at once
    heart.start()
    try:
        consumer.run()
    finally:
        stop.set()
        heart.join(timeout=interval + 5)
        with app.app_context():
            background.forget_worker(name)
