"""Reading the audit log (written by every action in the same transaction as it)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from rcm_exchange.errors import Forbidden
from rcm_exchange.extensions import db
from rcm_exchange.models import AuditEvent
from rcm_exchange.services import access

PER_PAGE = 25


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    per_page: int


def audit_events(user, *, actor: int | None = None, document: int | None = None,
                 action: str | None = None, date_from: date | None = None, date_to: date | None = None,
                 page: int = 1) -> AuditPage:
    """Newest first; ``date_to`` includes the whole day (UTC)."""
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
        conditions.append(AuditEvent.at >= datetime.combine(date_from, time.min, timezone.utc))
    if date_to and date_to < date.max:  # the last day there is has no day after it
        conditions.append(AuditEvent.at < datetime.combine(date_to + timedelta(days=1), time.min,
                                                           timezone.utc))
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0
    events = list(db.session.scalars(
        select(AuditEvent).where(*conditions)
        .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.subject_user))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    return AuditPage(events, total, page, PER_PAGE)
