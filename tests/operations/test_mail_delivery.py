"""Mail is delivered by the worker: Date and Message-ID on every message, a malformed
or refused message parked with its error without holding up the others, a relay that
never greets costs a timeout and a retry, and a message is claimed by one worker."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from rcm_exchange.extensions import db
from rcm_exchange.models import OutgoingMail, utcnow
from rcm_exchange.services import background, mail
from rcm_exchange.services.unit_of_work import unit_of_work
from tests.builders import make_user
from tests.operations.conftest import SilentServer, queued_config, run_queued_tasks


def queue(*messages: tuple[str, str, str]) -> list[int]:
    with unit_of_work():
        rows = [mail.queue_mail(*message) for message in messages]
    return [row.id for row in rows]


def row(mail_id: int) -> OutgoingMail:
    db.session.expire_all()
    return db.session.get(OutgoingMail, mail_id)


@pytest.fixture
def app_config(sink, tmp_path):
    return queued_config(tmp_path, RCM_MAIL_URL=sink.url, RCM_MAIL_TIMEOUT=1)


def test_every_message_carries_a_date_and_a_message_id_that_stays_the_same(app, sink):
    [mail_id] = queue(("ana@mx.example.org", "Bienvenida", "Hola."))
    assert sink.inbox.messages == []  # nothing is sent inside the action
    run_queued_tasks(app)
    [message] = sink.inbox.messages
    assert message["Date"] and message["Message-ID"].startswith("<")
    assert message["Message-ID"] == f"{row(mail_id).message_id}"
    assert row(mail_id).sent_at is not None


def test_a_malformed_message_is_parked_with_its_error_and_the_others_are_delivered(app, sink):
    bad, refused, good = queue(
        ("a@mx.example.org", "Broken\nBcc: everyone@example.org", "x"),
        ("nobody@refused.example.org", "Hello", "x"),
        ("b@mx.example.org", "Fine", "Delivered."),
    )
    run_queued_tasks(app)
    assert [m["To"] for m in sink.inbox.messages] == ["b@mx.example.org"]
    assert row(bad).parked_at is not None and "malformed" in row(bad).last_error
    assert row(refused).parked_at is not None and "550" in row(refused).last_error
    assert row(good).sent_at is not None
    # Parked messages are not tried again by the sweep.
    assert background.sweep()["mail"] == 0


def test_a_relay_that_never_greets_costs_a_timeout_then_a_retry_and_finally_parks(app, sink):
    with SilentServer() as relay:
        app.config["RCM_MAIL_URL"] = f"smtp://127.0.0.1:{relay.port}"
        [mail_id] = queue(("ana@mx.example.org", "Hola", "x"))
        assert mail.deliver(mail_id) == "retry"
        waiting = row(mail_id)
        assert waiting.sent_at is None and waiting.parked_at is None
        assert "timed out" in waiting.last_error and waiting.next_attempt_at > utcnow()
        assert mail.deliver(mail_id) == "skipped"  # not due before its back-off
        db.session.execute(
            update(OutgoingMail).values(attempts=mail.MAX_ATTEMPTS - 1, next_attempt_at=utcnow())
        )
        db.session.commit()
        assert mail.deliver(mail_id) == "parked"
    assert f"after {mail.MAX_ATTEMPTS} attempts" in row(mail_id).last_error


def test_a_message_is_claimed_once_so_a_task_enqueued_twice_sends_it_once(app, sink):
    [mail_id] = queue(("ana@mx.example.org", "Hola", "x"))
    from rcm_exchange.queue import enqueue

    enqueue("deliver_mail", mail_id)  # a duplicate, as a sweep would make
    assert run_queued_tasks(app) == 2
    assert len(sink.inbox.messages) == 1


def test_the_sweep_finds_mail_whose_task_was_lost_and_skips_mail_being_sent(app, sink):
    _lost, busy = queue(("a@mx.example.org", "Lost", "x"), ("b@mx.example.org", "Busy", "x"))
    app.extensions["rcm_queue"].flush()  # the queue lost both tasks
    db.session.execute(
        update(OutgoingMail).where(OutgoingMail.id == busy).values(claimed_until=utcnow() + mail.CLAIM_TIME)
    )
    db.session.commit()
    assert background.sweep()["mail"] == 1
    run_queued_tasks(app)
    assert [m["Subject"] for m in sink.inbox.messages] == ["Lost"]


def test_a_password_reset_answers_without_waiting_for_the_mail_server(app, client, sink):
    user = make_user(email="reset@mx.example.org")
    with SilentServer() as relay:  # a relay that would hold the request for its timeout
        app.config["RCM_MAIL_URL"] = f"smtp://127.0.0.1:{relay.port}"
        response = client.post_form("/auth/reset", {"email": user.email})
        assert response.status_code in (200, 302)
        [waiting] = db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == user.email)).all()
        assert waiting.attempts == 0 and waiting.sent_at is None
    app.config["RCM_MAIL_URL"] = sink.url
    run_queued_tasks(app)
    assert [m["To"] for m in sink.inbox.messages] == [user.email]
