"""Two workers draining one queue deliver each message exactly once (PostgreSQL,
Redis, a real SMTP sink)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from rcm_exchange.extensions import db
from rcm_exchange.models import OutgoingMail
from rcm_exchange.queue import enqueue
from rcm_exchange.services import mail
from rcm_exchange.services.unit_of_work import unit_of_work
from tests.operations.workers import (
    REDIS_URL,
    queue_name,
    requires_postgres_and_redis,
    start_worker,
    wait_for,
)

pytestmark = [requires_postgres_and_redis, pytest.mark.parametrize("database", ["postgresql"], indirect=True)]

MESSAGES = 200


@pytest.fixture
def name():
    return queue_name()


@pytest.fixture
def app_config(sink, name):
    return {
        "RCM_QUEUE_IMMEDIATE": False,
        "RCM_REDIS_URL": REDIS_URL,
        "RCM_QUEUE_NAME": name,
        "RCM_MAIL_URL": sink.url,
    }


def test_two_workers_draining_200_queued_messages_deliver_each_exactly_once(
    app, sink, name, database, tmp_path
):
    queue = app.extensions["rcm_queue"]
    try:
        with unit_of_work():
            ids = [
                mail.queue_mail(f"person{n}@example.org", f"Message {n}", f"Body {n}").id
                for n in range(MESSAGES)
            ]
        for mail_id in ids:  # every message queued twice, as two sweeps would
            enqueue("deliver_mail", mail_id)
        env = {
            "RCM_DATABASE_URL": database,
            "RCM_REDIS_URL": REDIS_URL,
            "RCM_QUEUE_NAME": name,
            "RCM_MAIL_URL": sink.url,
            "RCM_SECRET_KEY": "test",
            "RCM_INSTANCE_DIR": str(tmp_path / "w"),
            "RCM_WORKER_THREADS": "4",
        }
        workers = [
            start_worker({**env, "RCM_INDEX_DIR": str(tmp_path / f"index-{n}")}, tmp_path / f"worker-{n}.log")
            for n in (1, 2)
        ]
        try:

            def all_sent():
                db.session.rollback()
                return (
                    db.session.scalar(
                        select(func.count())
                        .select_from(OutgoingMail)
                        .where(OutgoingMail.sent_at.is_not(None))
                    )
                    == MESSAGES
                )

            wait_for(all_sent, 180, "every message to be sent")
            wait_for(lambda: queue.pending_count() == 0, 60, "the queue to drain")
        finally:
            for worker in workers:
                worker.stop()  # SIGTERM: each finishes the task it is running
    finally:
        queue.storage.flush_all()
    received = Counter(message["Subject"] for message in sink.inbox.messages)
    assert len(sink.inbox.messages) == MESSAGES
    assert set(received.values()) == {1}
    assert len({message["Message-ID"] for message in sink.inbox.messages}) == MESSAGES
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutgoingMail).where(OutgoingMail.parked_at.is_not(None))
        )
        == 0
    )
