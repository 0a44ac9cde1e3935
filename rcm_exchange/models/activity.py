"""What happened and who must hear of it: audit events, notifications, outgoing mail,
and the search log that keeps every index in step with the database."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rcm_exchange.models.accounts import User
from rcm_exchange.models.base import Base, BigId, UTCDateTime, str_enum, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])

    # The statistics read the decisions of recent months.
    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Waiting for the recipient's daily digest (their preference for this kind).
    digest_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class OutgoingMail(Base):
    """Mail is queued in the same transaction as the action and sent after commit,
    so a mail server failure never undoes the action; unsent mail is retried."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Extra header fields (List-Unsubscribe of a digest), name → value.
    headers: Mapped[dict | None] = mapped_column(JSON)
    # A worker owns the message until then (an atomic UPDATE claims it); a crash
    # lets the claim lapse and the sweep hands the message to another worker.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the message will not be tried again (malformed, refused, out of
    # retries); ``last_error`` says why.
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Made once, so every attempt at one message carries the same Message-ID.
    message_id: Mapped[str | None] = mapped_column(String(255))


class SearchOperation(enum.StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


class SearchLogEntry(Base):
    """One change that affects what search shows, appended in the same transaction
    as the change. Indexes apply entries in id order; applying one twice is harmless."""

    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(Integer, index=True)
    operation: Mapped[SearchOperation] = mapped_column(str_enum(SearchOperation, 10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SearchLogPrune(Base):
    """How far the search log has been pruned: an index whose last applied entry is
    older than ``pruned_through`` may have missed changes and is rebuilt."""

    __tablename__ = "search_log_prunes"

    id: Mapped[int] = mapped_column(primary_key=True)
    pruned_through: Mapped[int] = mapped_column(BigId)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkerHeartbeat(Base):
    """The last time each background worker said it was alive (read by ``/readyz``)."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
