"""The background tasks: which service function each task of the queue runs, on what
schedule, and the worker that runs them (``flask rcm worker``).

The queue itself is ``rcm_exchange.queue``; the services enqueue through it and know
nothing of this module.
"""

from __future__ import annotations

import threading

from flask import Flask
from huey import crontab

from rcm_exchange.extensions import db
from rcm_exchange.queue import MAX_POLL_SECONDS, make_queue, worker_name
from rcm_exchange.services import attachments, background, following, mail, search


def init_app(app: Flask) -> None:
    """Create the app's queue and register its tasks (each runs in an app context)."""
    queue = make_queue(app.config)

    def in_app(function):
        def run(*args):
            with app.app_context():
                try:
                    return function(*args)
                finally:
                    db.session.remove()

        run.__name__ = function.__name__
        return run

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


def run_worker(app: Flask, *, threads: int) -> None:
    """Run the Huey consumer until SIGTERM or SIGINT (both let running tasks finish).

    Beside the consumer, one thread records this worker's heartbeat (read by
    ``/readyz``) and catches up this host's search index.
    """
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

    consumer = queue.create_consumer(
        workers=threads,
        worker_type="thread",
        periodic=True,
        max_delay=MAX_POLL_SECONDS,
        graceful_signal="TERM",
    )
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
