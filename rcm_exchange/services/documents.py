"""Writing documents: drafts, edits, submitting and withdrawing, revisions of published
documents, and what an organization sees of its own work.

Every function takes the acting user first and plain values (the dicts the schemas of
``rcm_exchange.schemas.documents`` load), and knows nothing of requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from rcm_exchange.content import apply_content, clean_content, merged_content, snapshot
from rcm_exchange.errors import Conflict, InvalidTransition, NotFound
from rcm_exchange.extensions import db
from rcm_exchange.models import (
    AuditEvent,
    Country,
    Document,
    DocumentRevision,
    DocumentStatus,
    User,
)
from rcm_exchange.services import access, form_drafts, lifecycle
from rcm_exchange.services.lifecycle import review_status
from rcm_exchange.services.unit_of_work import unit_of_work
from rcm_exchange.transitions import TRANSITIONS

S = DocumentStatus

__all__ = [
    "MyDocument",
    "create_draft",
    "document_by_idempotency_key",
    "get_document_for",
    "get_document_to_edit",
    "history",
    "latest_change",
    "my_documents",
    "pending_revision",
    "proposed_content",
    "review_status",
    "submit",
    "update_document",
    "withdraw",
]

pending_revision = lifecycle.pending_revision


def country_choices() -> list[Country]:
    """Countries a document can cover, members and observers of the RCM first."""
    return list(db.session.scalars(select(Country).order_by(Country.rcm_status.is_(None), Country.code)))


def country_groups(language: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Countries for a chooser, as ``[(group, [(code, name, name in the other language)])]``:
    RCM member states, then observer states, then every other country, each group by
    name in ``language`` (the other name lets a search find a country in either)."""
    from rcm_exchange.models import RcmStatus

    other = "en" if language == "es" else "es"
    groups: dict[RcmStatus | None, list[tuple[str, str, str]]] = {
        RcmStatus.MEMBER: [],
        RcmStatus.OBSERVER: [],
        None: [],
    }
    for country in country_choices():
        groups[country.rcm_status].append((country.code, country.name(language), country.name(other)))
    names = {
        RcmStatus.MEMBER: _("RCM member states"),
        RcmStatus.OBSERVER: _("RCM observer states"),
        None: _("Other countries"),
    }
    return [
        (names[status], sorted(items, key=lambda item: item[1].casefold()))
        for status, items in groups.items()
        if items
    ]


def get_document_for(user, document_id: int) -> Document:
    """The document if ``user`` may see it; NotFound otherwise (never revealing it exists)."""
    return access.require_view_document(user, db.session.get(Document, document_id))


def get_document_to_edit(user, document_id: int) -> Document:
    """The document for its organization's edit form: NotFound if ``user`` may not see it,
    Forbidden if it is another organization's."""
    document = get_document_for(user, document_id)
    access.require_submitting_organization(user, document)
    return document


def document_by_idempotency_key(user, key: str) -> Document | None:
    document = db.session.scalar(select(Document).where(Document.idempotency_key == key))
    if document is None:
        return None
    # The author alone, and only while still allowed to open it (not after moving to
    # another organization): the answer is the whole document.
    if document.author_id != getattr(user, "id", None) or not access.can_view_document(user, document):
        raise Conflict(_("This form was already used by someone else. Reload the page."))
    return document


def create_draft(user, data: dict, *, idempotency_key: str | None = None) -> Document:
    """A new draft of the user's organization from ``DocumentSchema`` data.

    With an ``idempotency_key`` (the new-document form sends one, API clients may), a
    repeated request returns the document the first one created instead of a second one.
    """
    access.require(user, "create_document")
    if idempotency_key:
        existing = document_by_idempotency_key(user, idempotency_key)
        if existing is not None:
            return existing
    content = clean_content(data)
    base = {"doc_type": content["doc_type"]}
    content = merged_content(base, content)
    try:
        with unit_of_work():
            document = Document(
                organization_id=user.organization_id,
                author_id=user.id,
                status=S.DRAFT,
                idempotency_key=idempotency_key or None,
            )
            apply_content(document, content)
            db.session.add(document)
            db.session.flush()
            lifecycle.audit(user, document, "create", None, S.DRAFT)
            form_drafts.discard_form_draft(user, None)
    except IntegrityError:
        # The same key raced in from a second request that committed first.
        existing = document_by_idempotency_key(user, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return existing
    return document


def update_document(user, document: Document, data: dict, version: int | None) -> Document:
    """Edit with ``DocumentEditSchema`` (every field) or ``DocumentPatchSchema`` (a subset)
    data. Drafts and documents sent back for changes change in place; a published
    document gets a revision that goes to review while the published text stays live."""
    access.require_submitting_organization(user, document)
    lifecycle.check_version(document, version)
    data = {key: value for key, value in data.items() if key != "version"}
    changes = clean_content(data)
    with unit_of_work():
        if document.status in (S.DRAFT, S.CHANGES_REQUESTED):
            content = merged_content(snapshot(document), changes)
            apply_content(document, content)
            lifecycle.save_document(document)
            lifecycle.audit(user, document, "edit", document.status, document.status)
        elif document.status == S.PUBLISHED:
            _propose_revision(user, document, changes)
        else:
            raise InvalidTransition(
                _(
                    "A document that is %(status)s cannot be edited. Withdraw it first to change it.",
                    status=lifecycle.status_in_sentence(document.status),
                )
            )
        # The document is written first: a concurrent change to it is found before
        # anything else of this unit of work takes a lock.
        form_drafts.discard_form_draft(user, document)
    return document


def _propose_revision(user, document: Document, changes: dict) -> None:
    from rcm_exchange.services import notifications

    revision = pending_revision(document)
    if revision is not None and revision.status == S.IN_REVIEW:
        raise InvalidTransition(
            _("A moderator is reviewing your last changes. Withdraw them first to change them again.")
        )
    base = revision.data if revision is not None else snapshot(document)
    content = merged_content(base, changes)
    previous = revision.status if revision is not None else S.PUBLISHED
    # Changes answering a request for changes go back to the moderator who asked, and
    # keep the place in the queue of their first submission.
    moderator = lifecycle.changes_requested_by(document) if previous == S.CHANGES_REQUESTED else None
    target = S.IN_REVIEW if moderator is not None else S.SUBMITTED
    if revision is None:
        revision = DocumentRevision(document=document, author_id=user.id, data=content, status=target)
        db.session.add(revision)
    else:
        revision.data, revision.author_id, revision.status = content, user.id, target
    revision.updated_at = lifecycle.utcnow()
    if previous == S.CHANGES_REQUESTED:
        document.resubmitted_at = revision.updated_at
        document.claimed_by = moderator
    else:
        document.submitted_at = revision.updated_at
    lifecycle.save_document(document)
    details: dict[str, Any] = {"revision": revision.id}
    if previous == S.CHANGES_REQUESTED:
        details["resubmitted"] = True
    lifecycle.audit(user, document, "revise", previous, target, **details)
    submitting = TRANSITIONS["submit"]
    answer = submitting.answer
    notice = answer.notice if moderator is not None and answer is not None else submitting.notice
    notifications.document_event(document, notice, actor=user, assignee=moderator)


def submit(user, document: Document, *, version: int | None) -> Document:
    """Send a draft (or a document sent back for changes) to the Secretariat's queue."""
    return lifecycle.transition(user, document, "submit", version=version)


def withdraw(user, document: Document, *, version: int | None) -> Document:
    """Take a submission back: a document returns to draft; a revision is dropped and
    the published text stays."""
    return lifecycle.transition(user, document, "withdraw", version=version)


def proposed_content(document: Document) -> dict:
    """What the document would read like: the pending revision, else the document."""
    revision = pending_revision(document)
    return dict(revision.data) if revision is not None else snapshot(document)


def history(user, document: Document) -> list[AuditEvent]:
    """Everything that happened to a document, oldest first: for its organization and
    moderators only."""
    access.require_view_document(user, document)
    if not access.can_see_history(user, document):
        raise NotFound()
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.document_id == document.id)
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def latest_change(user, document: Document) -> AuditEvent | None:
    """The last thing that happened to the document, for a page that says what changed
    while its form was open (a 409); only for those who may read its history."""
    if not access.can_see_history(user, document):
        return None
    return db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.document_id == document.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class MyDocument:
    document: Document
    review_status: DocumentStatus
    has_pending_revision: bool
    latest_comment: AuditEvent | None


MY_DOCUMENTS_PAGE = 50


@dataclass(frozen=True)
class MyDocumentsPage:
    rows: list[MyDocument]
    after: int | None  # the document this page continues after, if any
    older: int | None  # pass as ``after`` for the next page; None on the last


def my_documents(user, *, after: int | None = None, limit: int | None = MY_DOCUMENTS_PAGE) -> MyDocumentsPage:
    """The documents of the user's organization, newest change first, a page at a time,
    with where each stands and the moderator's latest comment.

    Pages continue after a document (keyset), not at an offset: an organization may
    have thousands of documents, and each page reads only its own rows of the
    ``(organization_id, updated_at)`` index. ``limit=None`` gives them all (the API's
    contract lists every document in one answer).
    """
    access.require(user, "see_own_documents")
    query = select(Document).where(Document.organization_id == user.organization_id)
    start = (
        db.session.execute(
            select(Document.updated_at, Document.id).where(
                Document.id == after, Document.organization_id == user.organization_id
            )
        ).first()
        if after
        else None
    )
    if start is not None:
        query = query.where(
            or_(
                Document.updated_at < start.updated_at,
                and_(Document.updated_at == start.updated_at, Document.id < start.id),
            )
        )
    documents = list(
        db.session.scalars(
            query.options(selectinload(Document.revisions), selectinload(Document.author))
            .order_by(Document.updated_at.desc(), Document.id.desc())
            .limit(limit + 1 if limit is not None else None)
        )
    )
    more = limit is not None and len(documents) > limit
    documents = documents[:limit]
    ids = [document.id for document in documents]
    latest = (
        select(func.max(AuditEvent.id))
        .join(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.document_id.in_(ids),
            AuditEvent.comment != "",
            User.role.in_(sorted(access.roles_with("review"))),
        )
        .group_by(AuditEvent.document_id)
    )
    comments = (
        {
            event.document_id: event
            for event in db.session.scalars(
                select(AuditEvent).where(AuditEvent.id.in_(latest)).options(selectinload(AuditEvent.actor))
            )
        }
        if ids
        else {}
    )
    rows = [
        MyDocument(
            document,
            review_status(document),
            pending_revision(document) is not None,
            comments.get(document.id),
        )
        for document in documents
    ]
    return MyDocumentsPage(
        rows, after=start.id if start is not None else None, older=documents[-1].id if more else None
    )
