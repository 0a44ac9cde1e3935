"""The Secretariat's moderation: the review queue, every review action (one at a time
or the same decision on several documents), and what a revision changes.

The transition table itself lives in ``rcm_exchange.transitions`` (``TRANSITIONS``), shared
with submitting and withdrawing; each action here is one move along it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from flask_babel import format_date
from sqlalchemy import String, func, select, union
from sqlalchemy.orm import selectinload

from rcm_exchange import content, labels
from rcm_exchange.content import ContentField, Kind, snapshot
from rcm_exchange.errors import DomainError, InvalidTransition, NotFound
from rcm_exchange.extensions import db
from rcm_exchange.i18n import current_language, localized
from rcm_exchange.models import (
    CallAnswer,
    Country,
    Document,
    DocumentRevision,
    DocumentStatus,
    Tag,
    User,
)
from rcm_exchange.sanitize import html_to_text
from rcm_exchange.services import access, lifecycle
from rcm_exchange.services.lifecycle import transition
from rcm_exchange.transitions import PAGE_ACTIONS, PENDING_REVIEW

S = DocumentStatus

__all__ = [
    "BulkResult",
    "FieldDiff",
    "QueueItem",
    "QueuePage",
    "act",
    "approve",
    "archive",
    "bulk_review",
    "claim",
    "moderators",
    "reassign",
    "reject",
    "release",
    "request_changes",
    "review_queue",
    "revision_diff",
]

DEFAULT_QUEUE_STATUSES = (S.SUBMITTED, S.IN_REVIEW)


class ReviewMove(Protocol):
    def __call__(self, user, document: Document, *, version: int | None, comment: str = "") -> Document: ...


def _review_action(action: str) -> ReviewMove:
    """A review page's action as a function of its own, e.g.
    ``approve(user, document, version=3, comment="")``."""

    def move(user, document: Document, *, version: int | None, comment: str = "") -> Document:
        return transition(user, document, action, version=version, comment=comment)

    move.__name__ = move.__qualname__ = action
    move.__doc__ = f"The {action!r} move of ``rcm_exchange.transitions``."
    return move


claim = _review_action("claim")
release = _review_action("release")
approve = _review_action("approve")
request_changes = _review_action("request_changes")
reject = _review_action("reject")
archive = _review_action("archive")


def reassign(
    user, document: Document, *, moderator: User, version: int | None, comment: str = ""
) -> Document:
    """Hand an item to another moderator: its claimant may, and a lead moderator may take
    back an item stuck with someone else."""
    return transition(user, document, "reassign", version=version, comment=comment, assignee=moderator)


def act(user, document: Document, action: str, *, version: int | None, comment: str = "") -> Document:
    """One review action by name (``ReviewActionSchema`` data): the API's single endpoint
    and the review page's buttons."""
    if action not in PAGE_ACTIONS:
        raise InvalidTransition()
    return transition(user, document, action, version=version, comment=comment)


@dataclass
class BulkResult:
    done: list[Document] = field(default_factory=list)
    # (document id, what went wrong) for every item that was left as it was.
    failed: list[tuple[int, str]] = field(default_factory=list)


def bulk_review(user, action: str, *, items: list[dict], comment: str = "") -> BulkResult:
    """The same decision with one shared comment on several documents
    (``BulkReviewSchema`` data: items of ``{"id", "version"}``).

    Each document moves in a transaction of its own, so a document that someone else
    changed meanwhile is reported and left as it is, and the others still go through.
    """
    access.require(user, "review")
    lifecycle.require_comment(action, comment)
    ids = [item["id"] for item in items]
    documents = {
        document.id: document
        for document in db.session.scalars(
            select(Document).where(Document.id.in_(ids)).options(selectinload(Document.revisions))
        )
    }
    result = BulkResult()
    for item in items:
        document = documents.get(item["id"])
        if document is None:
            result.failed.append((item["id"], str(NotFound.default_message)))
            continue
        try:
            result.done.append(act(user, document, action, version=item["version"], comment=comment))
        except DomainError as error:
            result.failed.append((item["id"], error.describe()))
    return result


# --- the queue ---------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    document: Document
    review_status: DocumentStatus
    is_revision: bool
    waiting_since: datetime | None


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    per_page: int


def _effective_status():
    """A document's place in review: its pending revision's status, else its own."""
    revision_status = (
        select(DocumentRevision.status)
        .where(
            DocumentRevision.document_id == Document.id,
            DocumentRevision.status.in_(PENDING_REVIEW),
        )
        .order_by(DocumentRevision.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(revision_status, Document.status, type_=String)


def review_queue(
    user,
    *,
    status: DocumentStatus | None = None,
    tag: str | None = None,
    country: str | None = None,
    organization: int | None = None,
    call: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> QueuePage:
    """Documents and revisions waiting for the Secretariat, oldest submission first
    (``QueueFilterSchema`` data)."""
    access.require(user, "review")
    statuses = [status] if status else list(DEFAULT_QUEUE_STATUSES)
    # The candidates come from two index ranges (documents by status, revisions by
    # status), and only they are checked for their effective status: never a pass over
    # every document.
    # (A UNION, not an OR of the two: PostgreSQL scans the table for such an OR.)
    candidates = Document.id.in_(
        union(
            select(Document.id).where(Document.status.in_(statuses)),
            select(DocumentRevision.document_id).where(DocumentRevision.status.in_(statuses)),
        )
    )
    conditions = [candidates, _effective_status().in_([s.value for s in statuses])]
    if tag:
        conditions.append(Document.tags.any(Tag.slug == tag))
    if country:
        conditions.append(Document.countries.any(Country.code == country.upper()))
    if organization:
        conditions.append(Document.organization_id == organization)
    if call:
        conditions.append(Document.id.in_(select(CallAnswer.document_id).where(CallAnswer.call_id == call)))
    total = db.session.scalar(select(func.count(Document.id)).where(*conditions))
    documents = db.session.scalars(
        select(Document)
        .where(*conditions)
        .options(
            selectinload(Document.tags),
            selectinload(Document.countries),
            selectinload(Document.organization),
            selectinload(Document.author),
            selectinload(Document.claimed_by),
            selectinload(Document.revisions),
        )
        .order_by(Document.submitted_at.asc().nulls_last(), Document.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = [
        QueueItem(
            document,
            lifecycle.review_status(document),
            lifecycle.pending_revision(document) is not None,
            document.submitted_at,
        )
        for document in documents
    ]
    return QueuePage(items, total or 0, page, per_page)


def moderators() -> list[User]:
    """Accounts a review item can be handed to."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active, User.role.in_(sorted(access.roles_with("review"))))
            .order_by(User.name)
        )
    )


# --- what a revision changes ---------------------------------------------------------


@dataclass(frozen=True)
class FieldDiff:
    field: str
    # Each side is a list of (changed, text) segments: unchanged text and what was
    # removed (left) or added (right).
    old: list[tuple[bool, str]]
    new: list[tuple[bool, str]]


_TOKENS = re.compile(r"\s+|[^\s]+")


def _as_text(field: ContentField, value) -> str:
    if value is None:
        return ""
    if field.kind is Kind.ENUM:
        # A code: the diff shows the words a reader sees.
        return labels.value_label(field.enum, value)
    if field.kind is Kind.DATE:
        return format_date(date.fromisoformat(value)) if value else ""
    # Kept attributes are shown too: a revision that only retargets a link changes
    # what approving publishes, so the moderator must see it.
    return html_to_text(value, with_attributes=True) if field.kind is Kind.HTML else str(value)


def _set_names(field: ContentField, codes: set[str]) -> dict[str, str]:
    """Tag slugs and country codes as the names readers see."""
    if not codes:
        return {}
    if field.kind is Kind.TAGS:
        return {
            tag.slug: localized(tag) for tag in db.session.scalars(select(Tag).where(Tag.slug.in_(codes)))
        }
    return {
        country.code: country.name(current_language())
        for country in db.session.scalars(select(Country).where(Country.code.in_(codes)))
    }


def _set_diff(field: ContentField, old: list[str] | None, new: list[str] | None) -> FieldDiff | None:
    """Tags and countries compared as sets: kept ones plain, removed ones struck on the
    left, added ones marked on the right; their order does not count as a change."""
    before, after = set(old or []), set(new or [])
    if before == after:
        return None
    names = _set_names(field, before | after)

    def by_name(code: str) -> str:
        return names.get(code, code).casefold()

    def side(codes: set[str], marked: set[str]) -> list[tuple[bool, str]]:
        items = sorted(codes, key=by_name)
        segments: list[tuple[bool, str]] = []
        for index, code in enumerate(items):
            if index:
                segments.append((False, ", "))
            segments.append((code in marked, names.get(code, code)))
        return segments

    return FieldDiff(field.name, side(before, before - after), side(after, after - before))


def _side_by_side(old: str, new: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    left: list[tuple[bool, str]] = []
    right: list[tuple[bool, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append((False, "".join(a[i1:i2])))
            right.append((False, "".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append((True, "".join(a[i1:i2])))
        if j2 > j1:
            right.append((True, "".join(b[j1:j2])))
    return left, right


def revision_diff(user, document: Document) -> list[FieldDiff]:
    """Field by field, what the pending revision of a published document would change."""
    access.require_view_document(user, document)
    if not access.can_see_history(user, document):
        raise NotFound()
    revision = lifecycle.pending_revision(document)
    if revision is None:
        return []
    current = snapshot(document)
    diffs = []
    for content_field in content.FIELDS:
        old, new = current.get(content_field.name), revision.data.get(content_field.name)
        if content_field.kind in content.LIST_KINDS:
            change = _set_diff(content_field, old, new)
            if change is not None:
                diffs.append(change)
            continue
        old, new = _as_text(content_field, old), _as_text(content_field, new)
        if old != new:
            left, right = _side_by_side(old, new)
            diffs.append(FieldDiff(content_field.name, left, right))
    return diffs
