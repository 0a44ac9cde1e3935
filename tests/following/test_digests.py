"""Digests by mail, through a real SMTP server: once per period even with two workers,
never empty, checked against the recipient's access at send time, in their language,
with an unsubscribe link that needs no sign-in."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import (
    Delivery,
    DocumentStatus,
    Frequency,
    Notification,
    OutgoingMail,
    Role,
    Subscription,
    SubscriptionKind,
    User,
    Visibility,
    utcnow,
)
from rcm_exchange.services import documents, following, search_log
from rcm_exchange.services.mail import deliver_due
from rcm_exchange.services.unit_of_work import unit_of_work
from tests.builders import make_document, make_user, organization
from tests.conftest import DATABASES, requires_postgres

TOPIC = "trafficking-in-persons"


@pytest.fixture
def app_config(smtp_port):
    return {"RCM_MAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "RCM_BASE_URL": "https://rcm.example.org"}


def follow_topic(user, slug=TOPIC, frequency=Frequency.DAILY) -> Subscription:
    subscription, _ = following.follow(
        user, {"kind": SubscriptionKind.TOPIC, "tag": [slug], "frequency": frequency}
    )
    return subscription


def published_now(**kwargs):
    return make_document(published_at=utcnow(), **kwargs)


def a_day_later():
    return utcnow() + timedelta(days=1) + following.SETTLE_TIME * 2


def links(text: str) -> list[str]:
    return re.findall(r"https://rcm\.example\.org/\S+", text)


def test_a_daily_digest_names_what_is_followed_and_lists_the_new_documents(app, inbox):
    reader = make_user(org="MX", name="Ana")
    follow_topic(reader)
    published_now(title="Protocol for victims", summary="How victims are referred.", tags=(TOPIC,))
    published_now(title="Unrelated", tags=("labour-migration",))

    assert following.send_due_digests(utcnow()) == 0  # not a day yet
    assert following.send_due_digests(a_day_later()) == 1

    [message] = inbox.messages
    assert message["To"] == reader.email
    assert "Trafficking in persons" in message["Subject"]
    body = message.get_content()
    assert "Topic: Trafficking in persons" in body
    assert "Protocol for victims" in body and "How victims are referred." in body
    assert "Unrelated" not in body
    assert message["List-Unsubscribe"].startswith("<https://rcm.example.org/following/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_empty_period_sends_nothing_and_the_next_digest_starts_after_it(app, inbox):
    reader = make_user(org="MX")
    follow_topic(reader)
    first_run = a_day_later()
    assert following.send_due_digests(first_run) == 0
    assert inbox.messages == [] and db.session.scalar(select(OutgoingMail.id)) is None
    make_document(title="Next day's practice", tags=(TOPIC,), published_at=first_run)
    assert following.send_due_digests(first_run + timedelta(hours=23)) == 0
    assert following.send_due_digests(first_run + timedelta(days=1)) == 1
    assert "Next day's practice" in inbox.messages[0].get_content()


def test_a_weekly_digest_waits_a_week(app, inbox):
    follow_topic(make_user(org="MX"), frequency=Frequency.WEEKLY)
    published_now(tags=(TOPIC,))
    assert following.send_due_digests(a_day_later()) == 0
    assert following.send_due_digests(utcnow() + timedelta(days=7) + following.SETTLE_TIME * 2) == 1


def test_a_document_whose_tier_was_raised_drops_out_of_the_next_digest(app, inbox):
    observer = make_user(org="CO")
    follow_topic(observer)
    published_now(title="Still public", tags=(TOPIC,))
    raised = published_now(title="Now for members", tags=(TOPIC,))
    with unit_of_work():
        raised.visibility = Visibility.MEMBERS
        search_log.record_change(raised)

    following.send_due_digests(a_day_later())
    body = inbox.messages[0].get_content()
    assert "Still public" in body and "Now for members" not in body


def test_a_recipient_who_moved_to_an_observer_organization_no_longer_gets_members_material(app, inbox):
    official = make_user(org="MX")
    follow_topic(official)
    published_now(title="Members' guidance", visibility=Visibility.MEMBERS, tags=(TOPIC,))
    official.organization_id = organization("IOM").id
    db.session.commit()
    assert following.send_due_digests(a_day_later()) == 0
    assert inbox.messages == []


def test_digests_arrive_in_spanish_for_spanish_speaking_recipients(app, inbox):
    follow_topic(make_user(org="GT", language="es"))
    published_now(title="Protocolo de atención", tags=(TOPIC,))
    following.send_due_digests(a_day_later())
    message = inbox.messages[0]
    assert "1 documento nuevo" in message["Subject"]
    assert "Trata de personas" in message["Subject"]
    body = message.get_content()
    assert body.startswith("Hola, ")
    assert "Tema: Trata de personas" in body and "Dejar de seguir esto:" in body


def test_the_unsubscribe_link_works_without_signing_in_and_only_for_that_subscription(app, inbox, client):
    reader = make_user(org="MX")
    kept = follow_topic(reader, slug="labour-migration").id
    stopped = follow_topic(reader).id
    published_now(title="On trafficking", tags=(TOPIC,))
    published_now(title="On labour", tags=("labour-migration",))
    following.send_due_digests(a_day_later())
    body = inbox.messages[0].get_content()
    section = body.split("Topic: Trafficking in persons")[1].split("Topic:")[0]
    [link] = [url for url in links(section) if "/unsubscribe/" in url]
    path = link.removeprefix("https://rcm.example.org")

    page = client.get(path)  # opening the link (a mail scanner may) stops nothing
    assert page.status_code == 200 and "Trafficking in persons" in page.get_data(as_text=True)
    assert db.session.get(Subscription, stopped) is not None
    done = client.post(path)  # the page's button, no session and no CSRF token
    assert done.status_code == 200
    db.session.expire_all()
    assert db.session.get(Subscription, stopped) is None
    assert db.session.get(Subscription, kept) is not None
    assert client.post(path).status_code == 200  # a second click is harmless
    assert client.get(path[:-3] + "xyz").status_code == 404  # a tampered token


def test_a_mail_programs_one_click_unsubscribe_stops_the_digests_subscriptions(app, inbox, client):
    reader = make_user(org="MX")
    follow_topic(reader)
    published_now(tags=(TOPIC,))
    following.send_due_digests(a_day_later())
    header_url = inbox.messages[0]["List-Unsubscribe"].strip("<>")
    response = client.post(
        header_url.removeprefix("https://rcm.example.org"), data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert db.session.scalar(select(Subscription.id)) is None


@requires_postgres
@pytest.mark.parametrize("database", [DATABASES[1]], indirect=True)
def test_two_workers_at_once_send_a_daily_digest_exactly_once(app, inbox, database):
    follow_topic(make_user(org="MX"))
    published_now(title="Only once", tags=(TOPIC,))
    now = a_day_later()
    db.session.remove()
    barrier = threading.Barrier(2)
    queued: list[int] = []

    def worker():
        with app.app_context():
            barrier.wait()
            queued.append(following.send_due_digests(now))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deliver_due()
    assert sorted(queued) == [0, 1]
    assert len(inbox.messages) == 1 and "Only once" in inbox.messages[0].get_content()
    # A later run in the same period sends nothing more.
    assert following.send_due_digests(now + timedelta(hours=1)) == 0
    assert len(inbox.messages) == 1


def test_moderators_choose_how_they_hear_of_new_submissions(app, inbox):
    by_mail = make_user(role=Role.MODERATOR, name="Mail")
    on_site = make_user(role=Role.MODERATOR, name="Site")
    in_digest = make_user(role=Role.MODERATOR, name="Digest")
    following.set_preferences(on_site, {"submission": Delivery.SITE})
    following.set_preferences(in_digest, {"submission": Delivery.DIGEST})
    author = make_user(org="MX")
    draft = make_document(status=DocumentStatus.DRAFT, author=author, title="Border health")
    documents.submit(author, draft, version=draft.version)

    assert [m["To"] for m in inbox.messages] == [by_mail.email]
    for moderator in (on_site, in_digest):  # everyone sees it on the site
        assert db.session.scalar(select(Notification.id).where(Notification.user_id == moderator.id))
    assert following.send_due_digests(utcnow() + following.SETTLE_TIME * 2) == 1
    digest = inbox.messages[-1]
    assert digest["To"] == in_digest.email
    assert "New submission for review: Border health" in digest.get_content()
    # Sent once: the next day's run has nothing new for it.
    assert following.send_due_digests(a_day_later() + timedelta(days=1)) == 0


def test_a_closed_account_gets_no_digest(app, inbox):
    reader = make_user(org="MX")
    follow_topic(reader)
    published_now(tags=(TOPIC,))
    db.session.get(User, reader.id).active = False
    db.session.commit()
    assert following.send_due_digests(a_day_later()) == 0


def test_the_command_line_sends_the_due_digests(app, inbox):
    subscription = follow_topic(make_user(org="MX"), frequency=Frequency.IMMEDIATELY)
    subscription.covered_through = utcnow() - following.SETTLE_TIME * 3
    db.session.commit()
    make_document(tags=(TOPIC,), published_at=utcnow() - following.SETTLE_TIME * 2)
    result = app.test_cli_runner().invoke(args=["rcm", "send-digests"])
    assert result.exit_code == 0 and "Queued 1 digest(s)." in result.output
    assert len(inbox.messages) == 1


def test_an_old_unsubscribe_link_does_not_stop_a_later_subscription(app, client):
    reader = make_user(org="MX")
    first = follow_topic(reader)
    old_link = f"/following/unsubscribe/{following.unsubscribe_token(reader.id, [first.id])}"
    client.post(old_link)
    again = follow_topic(reader).id
    client.post(old_link)
    assert db.session.get(Subscription, again) is not None
