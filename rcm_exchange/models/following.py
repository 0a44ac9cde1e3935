"""Staying informed and being harvested: what people follow, how they want to hear of
things, and the harvesting protocol's record of what was once public."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rcm_exchange.models.accounts import User
from rcm_exchange.models.base import Base, UTCDateTime, str_enum, utcnow


class SubscriptionKind(enum.StrEnum):
    TOPIC = "topic"
    COUNTRY = "country"
    ORGANIZATION = "organization"
    DOC_TYPE = "doc_type"
    SEARCH = "search"


class Frequency(enum.StrEnum):
    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"


class Subscription(Base):
    """One thing a person follows: a topic, country, organization, document type or a
    saved search, stored as the search parameters that find it.

    ``covered_through`` is the end of the last period a digest was sent for; a run
    claims the next period by moving it forward in one conditional UPDATE, so of two
    runs exactly one sends it.
    """

    __tablename__ = "subscriptions"
    # An unsubscribe link names ids: on SQLite too, the id of a removed subscription is
    # never given to a new one.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SubscriptionKind] = mapped_column(str_enum(SubscriptionKind, 16))
    criteria: Mapped[dict] = mapped_column(JSON)
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency, 16), default=Frequency.DAILY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    covered_through: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship()


class NotificationKind(enum.StrEnum):
    """What a notification is about, as a person chooses how to hear of it."""

    DECISION = "decision"  # the Secretariat's decision on my document
    COMMENT = "comment"  # a moderator's comment asking for changes
    SUBMISSION = "submission"  # a new submission in the queue (moderators)


class Delivery(enum.StrEnum):
    MAIL = "mail"  # a mail at once
    DIGEST = "digest"  # in the daily digest
    SITE = "site"  # on the notifications page only


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, 16), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, 16))


class NotificationDigest(Base):
    """Per account, how far its daily digest of notifications has been sent."""

    __tablename__ = "notification_digests"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    covered_through: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HarvestRecord(Base):
    """A document as the harvesting protocol (OAI-PMH) knows it. A row exists once the
    document has been public; when it stops being public (archived, tier raised) the
    row stays, marked deleted, so an incremental harvest learns of it."""

    __tablename__ = "harvest_records"

    document_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    datestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class HarvestRecordSet(Base):
    """The sets a harvest record was in while public (``topic:slug``, ``country:GT``,
    ``type:guidance``), one row each, so a set's harvest is an indexed query."""

    __tablename__ = "harvest_record_sets"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("harvest_records.document_id", ondelete="CASCADE"), primary_key=True
    )
    set_spec: Mapped[str] = mapped_column(String(120), primary_key=True, index=True)
