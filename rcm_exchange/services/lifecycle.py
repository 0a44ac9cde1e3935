"""The one function that moves a document (or its pending revision) along the lifecycle
that ``rcm_exchange.transitions`` declares, and what every move shares.

A published document that is edited gets a pending revision; the revision walks the
same table (submitted → in_review → published | changes_requested | rejected) while the
published text stays live. Every move checks who acts and the current status, bumps the
document's ``version`` (the optimistic lock), and writes an audit event, the
notifications and, when what search shows changes, a search-log entry, all in one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
from rcm_exchange.transitions import (
    CHANGE_REQUESTS,
    COMMENT_MISSING,
    COMMENT_REQUIRED,
    PENDING_REVIEW,
    REVIEW,
    SUBMIT,
    TRANSITIONS,
    Claim,
    Notice,
    Transition,
)

S = DocumentStatus


# --- the optimistic lock ------------------------------------------------------


def check_version(document: Document, version: int | None) -> None:
    if version is None or int(version) != document.version:
        raise StaleVersion(
            _(
                "This document has changed since you opened it (you had version %(yours)s, it is now "
                "at version %(current)s). Reload it to see the latest version, then try again.",
                yours=version,
                current=document.version,
            )
        )


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
        if revision.status in PENDING_REVIEW:
            return revision
    return None


def review_status(document: Document) -> DocumentStatus:
    """Where the document stands in review: its pending revision's status, if any."""
    revision = pending_revision(document)
    return revision.status if revision is not None else document.status


# --- the one move ---------------------------------------------------------------


def audit(
    actor: User | access.SystemActor | None,
    document: Document,
    action: str,
    from_status,
    to_status,
    comment: str = "",
    **details: Any,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        document_id=document.id,
        action=action,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value if to_status else None,
        comment=comment or "",
        details=details or None,
    )
    db.session.add(event)
    return event


# Who may make a move, by the capability its transition names: the one place where the
# table meets the access policy.
_CAPABILITIES = {
    REVIEW: lambda user, document: access.can(user, REVIEW),
    SUBMIT: access.is_of_submitting_organization,
}
_REFUSALS = {REVIEW: _l("Only moderators of the Secretariat can do this.")}


def may(user, capability: str, document: Document) -> bool:
    return _CAPABILITIES[capability](user, document)


def _require_capability(user, document: Document, rule: Transition) -> None:
    if may(user, rule.capability, document):
        return
    access.require_view_document(user, document)  # a hidden document is not there at all
    refusal = _REFUSALS.get(rule.capability)
    raise Forbidden(str(refusal) if refusal is not None else None)


def require_comment(action: str, comment: str) -> None:
    """A move that must say why is refused without a comment: the submitter reads it."""
    if action in COMMENT_REQUIRED and not (comment or "").strip():
        raise ValidationFailed(errors={"comment": [str(COMMENT_MISSING)]})


def _check_claim(user, document: Document) -> None:
    claimant = document.claimed_by
    if claimant is None or claimant.id == user.id or access.can(user, "lead_review"):
        return
    raise InvalidTransition(
        _(
            "%(name)s is reviewing this document. Ask them, or a lead moderator, to hand it over.",
            name=claimant.name,
        )
    )


def changes_requested_by(document: Document) -> User | None:
    """The moderator whose request for changes the document is answering, if they can
    still review it."""
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.document_id == document.id, AuditEvent.action.in_(CHANGE_REQUESTS))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    moderator = event.actor if event is not None else None
    if moderator is None or not moderator.active or not may(moderator, REVIEW, document):
        return None
    return moderator


def _refuse(rule: Transition, current: DocumentStatus) -> InvalidTransition:
    return InvalidTransition(
        _(
            "This document cannot be %(action)s: it is now %(status)s.",
            action=rule.done_label,
            status=status_in_sentence(current),
        )
    )


@dataclass
class _Move:
    """One move under way: what moves (the document, or its pending revision), from where
    to where, and who is told."""

    rule: Transition
    document: Document
    revision: DocumentRevision | None
    current: DocumentStatus
    target: DocumentStatus
    now: datetime
    notice: Notice | None
    assignee: User | None = None
    answering: bool = False  # a submission answering a request for changes
    content_changed: bool = False

    @property
    def audited_target(self) -> DocumentStatus:
        # A revision sent back to draft is dropped: readers see the published text again.
        if self.revision is not None and self.revision.status == S.DRAFT:
            return self.document.status
        return self.target


def _start(user, document: Document, rule: Transition, assignee: User | None) -> _Move:
    """The move, once the status and the claim allow it."""
    revision = None if rule.drops_revisions else pending_revision(document)
    current = revision.status if revision is not None else document.status
    if current not in rule.sources:
        raise _refuse(rule, current)
    if rule.claimant_only and current == S.IN_REVIEW:
        _check_claim(user, document)
    return _Move(rule, document, revision, current, rule.target, utcnow(), rule.notice, assignee)


def _set_claim(user, move: _Move) -> None:
    claim, document = move.rule.claim, move.document
    if claim is Claim.TAKE:
        document.claimed_by = user
    elif claim is Claim.CLEAR:
        document.claimed_by = None
    elif claim is Claim.ASSIGN:
        assignee = move.assignee
        if assignee is None or not may(assignee, move.rule.capability, document) or not assignee.active:
            raise ValidationFailed(errors={"moderator_id": [_("Choose an active moderator.")]})
        document.claimed_by = assignee


def _answer_request(move: _Move) -> None:
    """Back to the moderator who asked for the changes, in its old place in the queue."""
    answer = move.rule.answer
    if answer is None or move.current != S.CHANGES_REQUESTED:
        return
    move.answering = True
    requester = changes_requested_by(move.document)
    if requester is not None:
        move.target, move.notice, move.assignee = answer.target, answer.notice, requester
        move.document.claimed_by = requester
    for name in answer.stamps:
        setattr(move.document, name, move.now)


def _move_revision(move: _Move, revision: DocumentRevision) -> None:
    """The published document stays as it is; the revision moves, and is published into
    it when approved."""
    revision.status = move.target
    for name in move.rule.revision_stamps:
        setattr(revision, name, move.now)
    if move.target == S.PUBLISHED:
        apply_content(move.document, revision.data)
        move.content_changed = True


def _move_document(move: _Move) -> None:
    document = move.document
    if move.rule.drops_revisions:
        for stale in document.revisions:
            if stale.status in PENDING_REVIEW:
                stale.status, stale.decided_at = S.DRAFT, move.now
    document.status = move.target
    if not move.answering:
        for name in move.rule.stamps:
            setattr(document, name, move.now)


def _record(user, move: _Move, comment: str, was_published: bool) -> None:
    """The audit event, the search log and the notifications of a move."""
    from rcm_exchange.services import notifications

    document, revision = move.document, move.revision
    details = {"revision": revision.id} if revision is not None else {}
    if move.assignee is not None and move.rule.claim is Claim.ASSIGN:
        details["assignee"] = move.assignee.id
    if move.answering:
        details["resubmitted"] = True
    audit(user, document, move.rule.name, move.current, move.audited_target, comment, **details)
    if was_published != (document.status == S.PUBLISHED) or move.content_changed:
        search_log.record_change(document)
    notifications.document_event(
        document,
        move.notice,
        actor=user,
        comment=comment,
        author=revision.author if revision is not None else None,
        assignee=move.assignee,
    )


def transition(
    user,
    document: Document,
    action: str,
    *,
    version: int | None,
    comment: str = "",
    assignee: User | None = None,
) -> Document:
    """Move ``document`` (or its pending revision) by ``action``; see ``TRANSITIONS``."""
    rule = TRANSITIONS[action]
    require_comment(action, comment)
    comment = (comment or "").strip()
    with unit_of_work():
        _require_capability(user, document, rule)
        check_version(document, version)
        move = _start(user, document, rule, assignee)
        was_published = document.status == S.PUBLISHED
        _answer_request(move)
        _set_claim(user, move)
        for name in rule.clears:
            setattr(document, name, None)
        if move.revision is not None:
            _move_revision(move, move.revision)
        else:
            _move_document(move)
        save_document(document)
        _record(user, move, comment, was_published)
    return document


# --- words for people -------------------------------------------------------------


def status_in_sentence(status: DocumentStatus) -> str:
    return {
        S.DRAFT: _("draft"),
        S.SUBMITTED: _("submitted"),
        S.IN_REVIEW: _("in review"),
        S.CHANGES_REQUESTED: _("changes requested"),
        S.PUBLISHED: _("published"),
        S.REJECTED: _("rejected"),
        S.ARCHIVED: _("archived"),
    }[DocumentStatus(status)]
