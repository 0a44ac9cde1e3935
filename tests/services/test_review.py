"""Moderation through the services: the transition table, claims, bulk decisions, the
queue, two moderators at once, and the notifications and mail that follow."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from rcm_exchange.errors import Forbidden, InvalidTransition, StaleVersion, ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import (
    AuditEvent,
    DocType,
    Document,
    DocumentStatus,
    Language,
    Notification,
    OrganizationKind,
    OutgoingMail,
    Role,
    Visibility,
    utcnow,
)
from rcm_exchange.services import documents, notifications, review
from rcm_exchange.services.lifecycle import TRANSITIONS
from tests.builders import make_document, make_user, organization
from tests.conftest import on_both_databases
from tests.local_servers import Inbox

S = DocumentStatus


def submitted(org="MX", **kwargs) -> Document:
    author = kwargs.pop("author", None) or make_user(org=org)
    document = make_document(status=S.DRAFT, org=org, author=author, **kwargs)
    return documents.submit(author, document, version=document.version)


def claimed(moderator, **kwargs) -> Document:
    document = submitted(**kwargs)
    return review.claim(moderator, document, version=document.version)


def events(document) -> list[tuple[str, str | None, str | None, str]]:
    return [
        (e.action, e.from_status, e.to_status, e.comment)
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.document_id == document.id).order_by(AuditEvent.id)
        )
    ]


ALL_ACTIONS = [action for action in TRANSITIONS if action not in ("submit", "withdraw", "reassign")]


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_a_review_action_is_allowed_only_from_the_statuses_of_the_table(app, status, action):
    moderator = make_user(role=Role.MODERATOR)
    document = make_document(status=status, org="MX", author=make_user(org="MX"))
    version = document.version
    allowed = status in TRANSITIONS[action].sources
    if allowed:
        review.act(moderator, document, action, version=version, comment="Because.")
        assert document.status == TRANSITIONS[action].target
        assert document.version == version + 1
    else:
        with pytest.raises(InvalidTransition):
            review.act(moderator, document, action, version=version, comment="Because.")
        db.session.expire_all()
        assert db.session.get(Document, document.id).version == version
        assert events(document) == []


def test_contributors_cannot_review_even_their_own_documents(app):
    author = make_user(org="MX")
    document = submitted(author=author)
    with pytest.raises(Forbidden):
        review.claim(author, document, version=document.version)


def test_a_stale_version_is_refused(app):
    moderator = make_user(role=Role.MODERATOR)
    document = claimed(moderator)
    with pytest.raises(StaleVersion):
        review.approve(moderator, document, version=document.version - 1)
    assert document.status == S.IN_REVIEW


def test_changes_and_rejection_need_a_comment(app):
    moderator = make_user(role=Role.MODERATOR)
    document = claimed(moderator)
    for decide in (review.request_changes, review.reject):
        with pytest.raises(ValidationFailed) as caught:
            decide(moderator, document, version=document.version, comment="  ")
        assert "comment" in caught.value.errors
    assert document.status == S.IN_REVIEW


def test_an_item_claimed_by_one_moderator_is_not_decided_by_another_but_a_lead_can_take_it(app):
    first, second = make_user(role=Role.MODERATOR), make_user(role=Role.MODERATOR)
    lead = make_user(role=Role.ADMIN)
    document = claimed(first)
    with pytest.raises(InvalidTransition, match=first.name):
        review.approve(second, document, version=document.version)
    with pytest.raises(InvalidTransition):
        review.reassign(second, document, moderator=second, version=document.version)
    review.reassign(lead, document, moderator=second, version=document.version, comment="First is on leave.")
    assert document.claimed_by_id == second.id
    review.approve(second, document, version=document.version)
    assert document.status == S.PUBLISHED
    assert [e[0] for e in events(document)] == ["submit", "claim", "reassign", "approve"]


def test_release_returns_an_item_to_the_queue(app):
    moderator = make_user(role=Role.MODERATOR)
    document = claimed(moderator)
    review.release(moderator, document, version=document.version)
    assert document.status == S.SUBMITTED and document.claimed_by_id is None


def test_the_whole_lifecycle_with_a_changes_requested_round_is_audited(app):
    author, moderator = make_user(org="MX"), make_user(role=Role.MODERATOR)
    document = documents.create_draft(
        author,
        {
            "title": "Return reception",
            "summary": "s",
            "body_html": "<p>b</p>",
            "doc_type": DocType.GUIDANCE,
            "language": Language.ES,
        },
    )
    documents.submit(author, document, version=document.version)
    review.claim(moderator, document, version=document.version)
    review.request_changes(moderator, document, version=document.version, comment="Add the results.")
    documents.update_document(author, document, {"title": "Return reception, with results"}, document.version)
    documents.submit(author, document, version=document.version)
    review.approve(moderator, document, version=document.version, comment="Thank you.")
    review.archive(moderator, document, version=document.version)
    assert events(document) == [
        ("create", None, "draft", ""),
        ("submit", "draft", "submitted", ""),
        ("claim", "submitted", "in_review", ""),
        ("request_changes", "in_review", "changes_requested", "Add the results."),
        ("edit", "changes_requested", "changes_requested", ""),
        ("submit", "changes_requested", "in_review", ""),
        ("approve", "in_review", "published", "Thank you."),
        ("archive", "published", "archived", ""),
    ]
    assert document.published_at is not None


def _submitted_guidance(author, title):
    document = documents.create_draft(
        author,
        {
            "title": title,
            "summary": "s",
            "body_html": "<p>b</p>",
            "doc_type": DocType.GUIDANCE,
            "language": Language.ES,
        },
    )
    return documents.submit(author, document, version=document.version)


def test_a_resubmission_returns_to_the_moderator_who_asked_and_keeps_its_place(app):
    author, moderator = make_user(org="MX"), make_user(role=Role.MODERATOR)
    first = _submitted_guidance(author, "First in")
    submitted_at = first.submitted_at
    _submitted_guidance(author, "Second in")
    review.claim(moderator, first, version=first.version)
    review.request_changes(moderator, first, version=first.version, comment="Add the results.")
    documents.submit(author, first, version=first.version)
    assert first.status == S.IN_REVIEW and first.claimed_by == moderator
    assert first.submitted_at == submitted_at and first.resubmitted_at is not None
    queue = review.review_queue(moderator)
    assert [item.document.title for item in queue.items][:2] == ["First in", "Second in"]
    kinds = [
        n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == moderator.id))
    ]
    assert "resubmitted" in kinds


def test_bulk_decision_applies_one_comment_and_reports_what_was_left(app):
    moderator = make_user(role=Role.MODERATOR)
    first, second, stale = (claimed(moderator) for _ in range(3))
    result = review.bulk_review(
        moderator,
        "request_changes",
        items=[
            {"id": first.id, "version": first.version},
            {"id": second.id, "version": second.version},
            {"id": stale.id, "version": stale.version - 1},
            {"id": 999999, "version": 1},
        ],
        comment="Please add the period of implementation.",
    )
    assert {d.id for d in result.done} == {first.id, second.id}
    assert [failed_id for failed_id, _ in result.failed] == [stale.id, 999999]
    db.session.expire_all()
    assert db.session.get(Document, stale.id).status == S.IN_REVIEW
    for document in (first, second):
        assert db.session.get(Document, document.id).status == S.CHANGES_REQUESTED
        assert events(document)[-1][3] == "Please add the period of implementation."


def test_the_queue_is_oldest_first_and_filters_by_status_tag_country_and_organization(app):
    moderator = make_user(role=Role.MODERATOR)
    newer = submitted(org="GT", countries=("GT",))
    older = submitted(org="MX", tags=("labour-migration",), countries=("MX",))
    older.submitted_at = utcnow() - timedelta(days=5)
    db.session.commit()
    in_review = claimed(moderator, org="MX")
    make_document(status=S.DRAFT, org="MX")
    make_document(status=S.PUBLISHED, org="MX")

    def ids(**filters):
        return [item.document.id for item in review.review_queue(moderator, **filters).items]

    assert ids() == [older.id, newer.id, in_review.id]
    assert ids(status=S.IN_REVIEW) == [in_review.id]
    assert ids(country="GT") == [newer.id]
    assert ids(organization=older.organization_id) == [older.id, in_review.id]
    page = review.review_queue(moderator, per_page=2, page=2)
    assert page.total == 3 and [i.document.id for i in page.items] == [in_review.id]
    assert ids(tag="labour-migration") == [older.id]
    with pytest.raises(Forbidden):
        review.review_queue(make_user(org="MX"))


@on_both_databases
def test_two_moderators_approving_the_same_version_at_once_exactly_one_wins(app, database):
    moderator = make_user(role=Role.ADMIN)
    document = claimed(moderator)
    document_id, version, moderator_id = document.id, document.version, moderator.id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve_in_own_context():
        with app.app_context():
            from rcm_exchange.models import User

            user = db.session.get(User, moderator_id)
            mine = db.session.get(Document, document_id)
            assert mine.version == version
            barrier.wait()
            try:
                review.approve(user, mine, version=version, comment="Approved.")
                outcomes.append("approved")
            except StaleVersion:
                outcomes.append("409")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve_in_own_context) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "approved"]
    db.session.expire_all()
    document = db.session.get(Document, document_id)
    assert document.status == S.PUBLISHED and document.version == version + 1
    assert [e[0] for e in events(document)].count("approve") == 1


# --- notifications and mail ------------------------------------------------------------


@pytest.fixture
def app_config(smtp_port):
    return {"RCM_MAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "RCM_BASE_URL": "https://rcm.example.org"}


def test_moderators_hear_of_submissions_and_the_author_of_decisions_in_their_language(app, inbox):
    author = make_user(org="MX", language="es", email="lucia@mx.example.org")
    moderator = make_user(role=Role.MODERATOR, language="en", email="diego@ts.example.org")
    document = submitted(author=author, title="Ventanilla única")
    assert [m["To"] for m in inbox.messages] == ["diego@ts.example.org"]
    assert "Ventanilla única" in inbox.messages[0]["Subject"]
    review.claim(moderator, document, version=document.version)
    review.request_changes(moderator, document, version=document.version, comment="Añada los resultados.")
    mail = inbox.messages[-1]
    assert mail["To"] == "lucia@mx.example.org"
    assert mail["Subject"] == "Cambios solicitados en «Ventanilla única»"
    body = mail.get_content()
    assert "Añada los resultados." in body
    assert f"https://rcm.example.org/documents/{document.id}" in body
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == author.id).order_by(Notification.id)
    ).all()
    assert kinds == ["claimed", "changes_requested"]
    assert notifications.unread_count(author) == 2
    notifications.mark_read(author)
    assert notifications.unread_count(author) == 0


def test_a_mail_server_that_is_down_does_not_undo_the_approval_and_mail_is_retried(app, smtp_port):
    author = make_user(org="MX", email="author@mx.example.org")
    moderator = make_user(role=Role.MODERATOR)
    document = claimed(moderator, author=author)
    review.approve(moderator, document, version=document.version, comment="Published.")
    db.session.expire_all()
    assert db.session.get(Document, document.id).status == S.PUBLISHED
    waiting = db.session.scalars(select(OutgoingMail).where(OutgoingMail.sent_at.is_(None))).all()
    assert "author@mx.example.org" in [m.recipient for m in waiting]
    assert all(m.attempts >= 1 and m.last_error for m in waiting)

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        for message in waiting:
            message.next_attempt_at = utcnow()
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["rcm", "send-mail"])
        assert result.exit_code == 0, result.output
    finally:
        controller.stop()
    assert "author@mx.example.org" in [m["To"] for m in handler.messages]
    approved = [m for m in handler.messages if m["To"] == "author@mx.example.org"][-1]
    assert "Published." in approved.get_content()


def test_an_author_who_moved_to_another_organization_is_not_told_of_its_documents(app, smtp_port):
    author = make_user(org="MX", email="moved@example.org")
    moderator = make_user(role=Role.MODERATOR)
    document = claimed(
        moderator, author=author, visibility=Visibility.MEMBERS, title="Confidential return protocol"
    )
    author.organization_id = organization(kind=OrganizationKind.CIVIL_SOCIETY).id
    db.session.commit()
    review.reject(moderator, document, version=document.version, comment="The annex names the officials.")
    mail_to_author = db.session.scalars(
        select(OutgoingMail.body).where(OutgoingMail.recipient == "moved@example.org")
    ).all()
    assert not any("officials" in body for body in mail_to_author)
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == author.id)).all()
    assert "rejected" not in kinds


def test_every_message_the_transition_table_sends_has_a_subject_and_a_text_of_its_own(app):
    author = make_user(org="MX")
    document = make_document(status=S.PUBLISHED, org="MX", author=author, title="Ventanilla única")
    notices = {rule.notice for rule in TRANSITIONS.values() if rule.notice is not None}
    notices |= {rule.answer.notice for rule in TRANSITIONS.values() if rule.answer is not None}
    assert {notice.kind for notice in notices} >= {"submitted", "resubmitted", "assigned", "approved"}
    bodies = set()
    for notice in notices:
        subject, body = notifications._document_mail(notice.kind, author, document, "")
        assert subject != document.title and "Ventanilla única" in subject
        bodies.add(body)
    assert len(bodies) == len(notices)
