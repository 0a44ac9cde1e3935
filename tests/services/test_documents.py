"""Writing documents through the services: drafts, edits, submitting, withdrawing,
revisions of published documents, and what an organization sees of its work."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from rcm_exchange.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import (
    AuditEvent,
    DocType,
    Document,
    DocumentStatus,
    Language,
    Role,
    SearchLogEntry,
    Visibility,
)
from rcm_exchange.schemas import load
from rcm_exchange.schemas.documents import DocumentPatchSchema, DocumentSchema
from rcm_exchange.services import documents, review
from tests.builders import make_document, make_user

S = DocumentStatus


def draft_data(**overrides) -> dict:
    data = {
        "title": "Consular protection network",
        "summary": "How consulates cooperate.",
        "body_html": "<p>Consulates <strong>share</strong> case files.</p>",
        "doc_type": "practice_report",
        "language": "en",
        "tags": [],
        "countries": ["MX", "GT"],
        "implementation_status": "ongoing",
        "period_start": "2023-01-01",
        "implementing_bodies": "Ministry of Foreign Affairs",
    }
    data.update(overrides)
    return load(DocumentSchema(), data)


def audit_trail(document) -> list[tuple[str, str | None, str | None]]:
    return [
        (e.action, e.from_status, e.to_status)
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.document_id == document.id).order_by(AuditEvent.id)
        )
    ]


def test_a_draft_belongs_to_the_authors_organization_and_keeps_every_field(app):
    author = make_user(org="MX")
    document = documents.create_draft(author, draft_data())
    assert document.status == S.DRAFT
    assert document.organization.acronym == "MX" and document.author_id == author.id
    assert [c.code for c in document.countries] == ["GT", "MX"]
    assert document.period_start == date(2023, 1, 1)
    assert document.body_html == "<p>Consulates <strong>share</strong> case files.</p>"
    assert audit_trail(document) == [("create", None, "draft")]


def test_the_same_idempotency_key_creates_one_document(app):
    author = make_user(org="MX")
    first = documents.create_draft(author, draft_data(), idempotency_key="key-1")
    again = documents.create_draft(author, draft_data(title="Changed"), idempotency_key="key-1")
    assert again.id == first.id
    assert db.session.scalar(select(db.func.count(Document.id))) == 1


def test_unknown_tags_and_countries_are_refused_with_field_messages(app):
    with pytest.raises(ValidationFailed) as caught:
        documents.create_draft(make_user(), draft_data(tags=["no-such-tag"], countries=["ZZ"]))
    assert set(caught.value.errors) == {"tags", "countries"}


def test_a_body_that_is_only_script_is_refused_as_empty(app):
    with pytest.raises(ValidationFailed) as caught:
        documents.create_draft(make_user(), draft_data(body_html="<script>alert(1)</script>"))
    assert "body_html" in caught.value.errors


def test_guidance_carries_no_practice_details(app):
    with pytest.raises(ValidationFailed):
        draft_data(doc_type="guidance", implementation_status="ongoing")
    document = documents.create_draft(
        make_user(),
        draft_data(
            doc_type="guidance", implementation_status=None, period_start=None, implementing_bodies=""
        ),
    )
    assert document.implementation_status is None and document.period_start is None


def test_edit_with_a_stale_version_is_refused_and_changes_nothing(app):
    author = make_user(org="MX")
    document = documents.create_draft(author, draft_data())
    documents.update_document(author, document, {"title": "Second"}, document.version)
    with pytest.raises(StaleVersion):
        documents.update_document(author, document, {"title": "Third"}, document.version - 1)
    db.session.expire_all()
    assert db.session.get(Document, document.id).title == "Second"


def test_only_the_submitting_organization_edits_and_submits(app):
    document = documents.create_draft(make_user(org="MX"), draft_data())
    colleague, other_member, moderator = (
        make_user(org="MX"),
        make_user(org="GT"),
        make_user(role=Role.MODERATOR),
    )
    documents.update_document(colleague, document, {"title": "By a colleague"}, document.version)
    with pytest.raises(NotFound):
        documents.submit(other_member, document, version=document.version)
    with pytest.raises(Forbidden):
        documents.update_document(moderator, document, {"title": "By a moderator"}, document.version)


def test_submit_then_withdraw_returns_to_draft_and_is_audited(app):
    author = make_user(org="MX")
    document = documents.create_draft(author, draft_data())
    documents.submit(author, document, version=document.version)
    assert document.status == S.SUBMITTED and document.submitted_at is not None
    with pytest.raises(InvalidTransition):
        documents.submit(author, document, version=document.version)
    with pytest.raises(InvalidTransition):
        documents.update_document(author, document, {"title": "x"}, document.version)
    documents.withdraw(author, document, version=document.version)
    assert document.status == S.DRAFT
    assert audit_trail(document) == [
        ("create", None, "draft"),
        ("submit", "draft", "submitted"),
        ("withdraw", "submitted", "draft"),
    ]


def test_editing_a_published_document_keeps_the_published_text_until_approval(app):
    author, moderator = make_user(org="MX"), make_user(role=Role.MODERATOR)
    document = make_document(
        org="MX", author=author, title="Original title", status=S.PUBLISHED, visibility=Visibility.PUBLIC
    )
    changes = load(DocumentPatchSchema(), {"title": "Revised title", "version": document.version})
    documents.update_document(author, document, changes, changes["version"])
    assert document.status == S.PUBLISHED and document.title == "Original title"
    assert documents.review_status(document) == S.SUBMITTED
    assert documents.proposed_content(document)["title"] == "Revised title"
    queue = review.review_queue(moderator)
    assert [item.document.id for item in queue.items] == [document.id]
    assert queue.items[0].is_revision
    diff = review.revision_diff(moderator, document)
    assert [d.field for d in diff] == ["title"]
    assert (True, "Revised") in diff[0].new and (True, "Original") in diff[0].old
    review.claim(moderator, document, version=document.version)
    assert document.title == "Original title"
    entries_before = db.session.scalar(select(db.func.count(SearchLogEntry.id)))
    review.approve(moderator, document, version=document.version)
    assert document.title == "Revised title" and document.status == S.PUBLISHED
    assert documents.pending_revision(document) is None
    assert db.session.scalar(select(db.func.count(SearchLogEntry.id))) == entries_before + 1
    assert [a for a, _, _ in audit_trail(document)] == ["revise", "claim", "approve"]


def test_a_withdrawn_revision_leaves_the_published_document_alone(app):
    author = make_user(org="MX")
    document = make_document(org="MX", author=author, title="Live", status=S.PUBLISHED)
    documents.update_document(author, document, {"title": "Proposed"}, document.version)
    documents.withdraw(author, document, version=document.version)
    assert document.status == S.PUBLISHED and document.title == "Live"
    assert documents.pending_revision(document) is None


def test_my_documents_lists_the_organization_with_the_latest_moderator_comment(app):
    author, colleague, moderator = make_user(org="MX"), make_user(org="MX"), make_user(role=Role.MODERATOR)
    mine = documents.create_draft(author, draft_data(title="Mine"))
    theirs = documents.create_draft(colleague, draft_data(title="A colleague's"))
    documents.create_draft(make_user(org="GT"), draft_data(title="Guatemala's"))
    documents.submit(author, mine, version=mine.version)
    review.claim(moderator, mine, version=mine.version)
    review.request_changes(moderator, mine, version=mine.version, comment="Add the results.")
    rows = {row.document.title: row for row in documents.my_documents(colleague).rows}
    assert set(rows) == {"Mine", "A colleague's"}
    assert rows["Mine"].review_status == S.CHANGES_REQUESTED
    assert rows["Mine"].latest_comment.comment == "Add the results."
    assert rows["A colleague's"].latest_comment is None and theirs.status == S.DRAFT


def test_history_is_for_the_organization_and_moderators_only(app):
    author = make_user(org="MX")
    document = make_document(org="MX", author=author, status=S.PUBLISHED, visibility=Visibility.PUBLIC)
    assert documents.history(make_user(role=Role.MODERATOR), document) == []
    documents.history(make_user(org="MX"), document)
    with pytest.raises(NotFound):
        documents.history(make_user(org="GT"), document)


def test_a_published_document_can_be_read_by_its_visibility(app):
    document = make_document(
        org="MX",
        status=S.PUBLISHED,
        visibility=Visibility.MEMBERS,
        language=Language.ES,
        doc_type=DocType.GUIDANCE,
    )
    assert documents.get_document_for(make_user(org="GT"), document.id) == document
    with pytest.raises(NotFound):
        documents.get_document_for(make_user(org="IOM"), document.id)
    with pytest.raises(NotFound):
        documents.get_document_for(None, 999999)


def test_my_documents_pages_on_through_every_document_once(app, login_as):
    member = make_user(org="MX")
    made = [
        make_document(org="MX", status=S.DRAFT, title=f"Draft {n}")
        for n in range(documents.MY_DOCUMENTS_PAGE + 3)
    ]
    first = documents.my_documents(member)
    second = documents.my_documents(member, after=first.older)
    assert len(first.rows) == documents.MY_DOCUMENTS_PAGE and second.older is None
    assert {row.document.id for row in first.rows + second.rows} == {d.id for d in made}
    browser = login_as(member)
    page = browser.get(f"/documents/mine?after={first.older}").get_data(as_text=True)
    assert "Draft 0" in page and f"Draft {len(made) - 1}" not in page and "Most recently changed" in page
    assert browser.get("/documents/mine?after=nonsense").status_code == 200


def test_a_revision_that_only_retargets_a_link_shows_the_new_target_in_the_review_diff(app, login_as):
    author, moderator = make_user(org="MX"), make_user(role=Role.MODERATOR)
    document = make_document(
        org="MX",
        author=author,
        status=S.PUBLISHED,
        body_html='<p>Read <a href="https://www.gob.mx/guide">the guide</a>.</p>',
    )
    changes = load(
        DocumentPatchSchema(),
        {
            "body_html": '<p>Read <a href="https://evil.example/guide">the guide</a>.</p>',
            "version": document.version,
        },
    )
    documents.update_document(author, document, changes, changes["version"])
    diff = review.revision_diff(moderator, document)
    assert [d.field for d in diff] == ["body_html"]
    assert any(changed and "evil.example" in text for changed, text in diff[0].new)
    assert any(changed and "www.gob.mx" in text for changed, text in diff[0].old)
    page = login_as(moderator).get(f"/review/{document.id}").get_data(as_text=True)
    assert "https://evil.example/guide" in page
