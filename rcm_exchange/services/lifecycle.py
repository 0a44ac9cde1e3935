"""The lifecycle of a document as one table, and the one function that moves a document
(or its pending revision) along it.

    draft ──submit──▶ submitted ──claim──▶ in_review ──approve──▶ published ──archive──▶ archived
      ▲                   │                   │  │
      └──── edit ◀── changes_requested ◀──────┘  └──reject──▶ rejected

A published document that is edited gets a pending revision; the revision walks the
same table (submitted → in_review → published | changes_requested | rejected) while the
published text stays live. Every move checks who acts and the current status, bumps the
document's ``version`` (the optimistic lock), and writes an audit event, the
notifications and, when what search shows changes, a search-log entry, all in one
transaction.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from rcm_exchange.content import apply_content
from rcm_exchange.errors import ConcurrentChange, Forbidden, InvalidTransition, StaleVersion, ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import (
    AuditEvent,
    Document,
    DocumentRevision,
    DocumentStatus,
    User,
    utcnow,
)
from rcm_exchange.services import access, search_log
from rcm_exchange.services.unit_of_work import unit_of_work

S = DocumentStatus


class Actor(enum.Enum):
    ORGANIZATION = "organization"  # an account of the submitting organization
    MODERATOR = "moderator"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[DocumentStatus]
    target: DocumentStatus
    actor: Actor
    # Once a moderator has claimed an item, only they (or a lead moderator) act on it.
    claimant_only: bool = False


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({S.DRAFT, S.CHANGES_REQUESTED}), S.SUBMITTED, Actor.ORGANIZATION),
    "withdraw": Transition(frozenset({S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED}), S.DRAFT,
                           Actor.ORGANIZATION),
    "claim": Transition(frozenset({S.SUBMITTED}), S.IN_REVIEW, Actor.MODERATOR),
    "release": Transition(frozenset({S.IN_REVIEW}), S.SUBMITTED, Actor.MODERATOR, claimant_only=True),
    "reassign": Transition(frozenset({S.SUBMITTED, S.IN_REVIEW}), S.IN_REVIEW, Actor.MODERATOR,
                           claimant_only=True),
    "approve": Transition(frozenset({S.IN_REVIEW}), S.PUBLISHED, Actor.MODERATOR, claimant_only=True),
    "request_changes": Transition(frozenset({S.IN_REVIEW}), S.CHANGES_REQUESTED, Actor.MODERATOR,
                                  claimant_only=True),
    "reject": Transition(frozenset({S.IN_REVIEW}), S.REJECTED, Actor.MODERATOR, claimant_only=True),
    "archive": Transition(frozenset({S.PUBLISHED}), S.ARCHIVED, Actor.MODERATOR),
}

# A revision is pending while it is in one of these.
PENDING_REVISION = (S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED)


# --- the optimistic lock ------------------------------------------------------

def check_version(document: Document, version: int | None) -> None:
    if version is None or int(version) != document.version:
        raise StaleVersion(_(
            "This document has changed since you opened it (you had version %(yours)s, it is now "
            "at version %(current)s). Reload it to see the latest version, then try again.",
            yours=version, current=document.version))


def save_document(document: Document) -> None:
    """Write the document now, so that a concurrent change shows up here, as a 409.

    Touching ``updated_at`` makes sure the UPDATE (and so the version check and bump)
    happens even when only related rows changed.
    """
    document.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConcurrentChange() from error


# --- revisions ------------------------------------------------------------------

def pending_revision(document: Document) -> DocumentRevision | None:
    for revision in reversed(document.revisions):
        if revision.status in PENDING_REVISION:
            return revision
    return None


def review_status(document: Document) -> DocumentStatus:
    """Where the document stands in review: its pending revision's status, if any."""
    revision = pending_revision(document)
    return revision.status if revision is not None else document.status


# --- the one move ---------------------------------------------------------------

def audit(actor: User | None, document: Document, action: str, from_status, to_status,
          comment: str = "", **details) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None, document_id=document.id, action=action,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value if to_status else None,
        comment=comment or "", details=details or None,
    )
    db.session.add(event)
    return event


def _check_actor(user, document: Document, action: str, transition: Transition) -> None:
    if transition.actor is Actor.MODERATOR:
        if not access.can_review(user):
            access.require_view_document(user, document)
            raise Forbidden(_("Only moderators of the Secretariat can do this."))
    else:
        access.require_submitting_organization(user, document)


def _check_claim(user, document: Document, action: str) -> None:
    claimant = document.claimed_by
    if claimant is None or claimant.id == user.id or access.is_lead_moderator(user):
        return
    raise InvalidTransition(_(
        "%(name)s is reviewing this document. Ask them, or a lead moderator, to hand it over.",
        name=claimant.name))


def changes_requested_by(document: Document) -> User | None:
    """The moderator whose request for changes the document is answering, if they can
    still review it."""
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.document_id == document.id,
                                 AuditEvent.action == "request_changes")
        .order_by(AuditEvent.id.desc()).limit(1))
    moderator = event.actor if event is not None else None
    if moderator is None or not moderator.active or not access.can_review(moderator):
        return None
    return moderator


def _refuse(document: Document, action: str, current: DocumentStatus) -> InvalidTransition:
    return InvalidTransition(_(
        "This document cannot be %(action)s: it is now %(status)s.",
        action=action_label(action), status=status_in_sentence(current)))


def transition(user, document: Document, action: str, *, version: int | None,
               comment: str = "", assignee: User | None = None) -> Document:
    """Move ``document`` (or its pending revision) by ``action``; see ``TRANSITIONS``."""
    from rcm_exchange.services import notifications

    rule = TRANSITIONS[action]
    with unit_of_work():
        _check_actor(user, document, action, rule)
        check_version(document, version)
        revision = None if action == "archive" else pending_revision(document)
        current = revision.status if revision is not None else document.status
        if current not in rule.sources:
            raise _refuse(document, action, current)
        if rule.claimant_only and current == S.IN_REVIEW:
            _check_claim(user, document, action)
        comment = (comment or "").strip()
        now = utcnow()
        was_published = document.status == S.PUBLISHED
        content_changed = False
        target = rule.target

        resubmitted_to = None
        if action == "submit" and current == S.CHANGES_REQUESTED:
            # Back to the moderator who asked for the changes, in its old place.
            resubmitted_to = changes_requested_by(document)
            if resubmitted_to is not None:
                target = S.IN_REVIEW
                document.claimed_by = resubmitted_to
            document.resubmitted_at = now
        elif action in ("withdraw", "approve", "reject"):
            document.resubmitted_at = None

        if action == "reassign":
            if assignee is None or not access.can_review(assignee) or not assignee.active:
                raise ValidationFailed(errors={"moderator_id": [_("Choose an active moderator.")]})
            document.claimed_by = assignee
        elif action == "claim":
            document.claimed_by = user
        elif action in ("release", "withdraw", "request_changes", "reject", "approve"):
            document.claimed_by = None

        if revision is not None:
            # The published document stays as it is; the revision moves.
            if action == "withdraw":
                revision.status, revision.decided_at = S.DRAFT, now
                target = S.PUBLISHED  # what the reader sees again: the published text only
            elif action == "approve":
                apply_content(document, revision.data)
                revision.status, revision.decided_at = S.PUBLISHED, now
                content_changed = True
            else:
                revision.status = target
                if target == S.REJECTED:
                    revision.decided_at = now
            if action == "submit" and current != S.CHANGES_REQUESTED:
                document.submitted_at = now
        else:
            if action == "archive":
                for stale in document.revisions:
                    if stale.status in PENDING_REVISION:
                        stale.status, stale.decided_at = S.DRAFT, now
            document.status = target
            if action == "submit" and current != S.CHANGES_REQUESTED:
                document.submitted_at = now
            elif action == "approve":
                document.published_at = now

        save_document(document)
        details = {"revision": revision.id} if revision is not None else {}
        if assignee is not None:
            details["assignee"] = assignee.id
        if action == "submit" and current == S.CHANGES_REQUESTED:
            details["resubmitted"] = True
        audit(user, document, action, current, target, comment, **details)
        if was_published != (document.status == S.PUBLISHED) or content_changed:
            search_log.record_change(document)
        if resubmitted_to is not None:
            notifications.document_event(document, "resubmit", actor=user, assignee=resubmitted_to)
        else:
            notifications.document_event(document, action, actor=user, comment=comment,
                                         author=revision.author if revision is not None else None,
                                         assignee=assignee)
    return document


# --- words for people -------------------------------------------------------------

def status_in_sentence(status: DocumentStatus) -> str:
    return {
        S.DRAFT: _("draft"), S.SUBMITTED: _("submitted"), S.IN_REVIEW: _("in review"),
        S.CHANGES_REQUESTED: _("changes requested"), S.PUBLISHED: _("published"),
        S.REJECTED: _("rejected"), S.ARCHIVED: _("archived"),
    }[DocumentStatus(status)]


def action_label(action: str) -> str:
    return {
        "submit": _("submitted"), "withdraw": _("withdrawn"), "claim": _("claimed"),
        "release": _("released"), "reassign": _("reassigned"), "approve": _("approved"),
        "request_changes": _("sent back for changes"), "reject": _("rejected"),
        "archive": _("archived"),
    }[action]
