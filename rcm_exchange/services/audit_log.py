"""Reading the audit log (written by every action in the same transaction as it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, selectinload

from rcm_exchange.errors import Forbidden
from rcm_exchange.extensions import db
from rcm_exchange.models import AuditEvent
from rcm_exchange.services import access

PER_PAGE = 25


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    # The event this page continues before (None on the newest page), and the last event
    # shown when older ones follow (the "Older events" link continues before it).
    before: int | None
    older: int | None


def audit_events(
    user,
    *,
    actor: int | None = None,
    document: int | None = None,
    action: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    before: int | None = None,
) -> AuditPage:
    """Newest first, a page at a time; ``date_to`` includes the whole day (UTC).

    Pages continue before an event (keyset), not at an offset, and nothing counts the
    log: it grows with every action, and a deep page must cost what the first does.
    """
    if not access.can(user, "see_audit_log"):
        raise Forbidden()
    conditions = []
    if actor:
        conditions.append(AuditEvent.actor_id == actor)
    if document:
        conditions.append(AuditEvent.document_id == document)
    if action:
        conditions.append(AuditEvent.action == action)
    if date_from:
        conditions.append(AuditEvent.at >= datetime.combine(date_from, time.min, UTC))
    if date_to and date_to < date.max:  # the last day there is has no day after it
        conditions.append(AuditEvent.at < datetime.combine(date_to + timedelta(days=1), time.min, UTC))
    if before:
        # In the same statement, so that a deep page costs what the first does; ``at <=``
        # lets the index on ``at`` start the scan at the event.
        start = aliased(AuditEvent)
        start_at = select(start.at).where(start.id == before).scalar_subquery()
        conditions += [AuditEvent.at <= start_at, or_(AuditEvent.at < start_at, AuditEvent.id < before)]
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(*conditions)
            .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.subject_user))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(PER_PAGE + 1)
        )
    )
    more = len(events) > PER_PAGE
    events = events[:PER_PAGE]
    return AuditPage(events, before=before, older=events[-1].id if more else None)
