"""Documents, their pending revisions and their attachments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rcm_exchange.models.accounts import User
from rcm_exchange.models.base import Base, UTCDateTime, str_enum, utcnow
from rcm_exchange.models.organizations import Country, Organization
from rcm_exchange.models.taxonomy import Tag


class DocType(enum.StrEnum):
    PRACTICE_REPORT = "practice_report"
    GUIDANCE = "guidance"
    EXPERIENCE = "experience"


class Language(enum.StrEnum):
    ES = "es"
    EN = "en"
    FR = "fr"
    PT = "pt"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    PARTICIPANTS = "participants"
    MEMBERS = "members"
    SECRETARIAT = "secretariat"


class DocumentStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class ImplementationStatus(enum.StrEnum):
    PLANNED = "planned"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"


document_tags = Table(
    "document_tags",
    Base.metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)

document_countries = Table(
    "document_countries",
    Base.metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("country_code", ForeignKey("countries.code"), primary_key=True, index=True),
)


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    doc_type: Mapped[DocType] = mapped_column(str_enum(DocType), index=True)
    language: Mapped[Language] = mapped_column(str_enum(Language, 5), index=True)
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, 16), default=Visibility.PARTICIPANTS)
    status: Mapped[DocumentStatus] = mapped_column(
        str_enum(DocumentStatus, 20), default=DocumentStatus.DRAFT, index=True
    )
    # Optimistic lock: every UPDATE checks and bumps it, so of two concurrent
    # transitions on the same version exactly one succeeds.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    implementation_status: Mapped[ImplementationStatus | None] = mapped_column(
        str_enum(ImplementationStatus, 16)
    )
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    implementing_bodies: Mapped[str] = mapped_column(String(500), default="")
    partners: Mapped[str] = mapped_column(String(500), default="")
    results_html: Mapped[str] = mapped_column(Text, default="")

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set by a form or API client so that a retried create returns the first document.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Set when a document sent back for changes is submitted again (it keeps its place
    # in the queue by ``submitted_at``, the first submission); cleared by a decision.
    resubmitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    tags: Mapped[list[Tag]] = relationship(secondary=document_tags, order_by=Tag.position)
    countries: Mapped[list[Country]] = relationship(secondary=document_countries, order_by=Country.code)
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="document", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[DocumentRevision]] = relationship(
        back_populates="document", order_by="DocumentRevision.id", cascade="all, delete-orphan"
    )
    if TYPE_CHECKING:
        # The forum's records of a document, set by the backrefs in models/forum.py.
        # That module imports this one, so their classes are not named here.
        meeting_links: list[Any]  # DocumentMeeting
        standing_record: Any  # DocumentStanding | None
        call_answer: Any  # CallAnswer | None

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The review queue (by status, oldest submission first) and the statistics'
        # months (published, by date) read a range of one of these, never the table.
        # The single-column indexes stay: with them SQLite answers "these ids, if
        # published" from (status, rowid) instead of reading every published entry.
        Index("ix_documents_status_submitted_at", "status", "submitted_at"),
        Index("ix_documents_status_published_at", "status", "published_at"),
        # An organization's documents, newest change first, a page at a time.
        Index("ix_documents_organization_id_updated_at", "organization_id", "updated_at"),
    )


class DocumentRevision(Base):
    """Proposed new content for a published document; the published text stays
    live until a moderator approves the revision."""

    __tablename__ = "document_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    # The review queue finds the revisions waiting by status.
    status: Mapped[DocumentStatus] = mapped_column(str_enum(DocumentStatus, 20), index=True)
    data: Mapped[dict] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[Document] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()


class Attachment(Base):
    """An uploaded file: stored by content hash outside the web root; the name the
    user sees is derived from the upload, never used as a path."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    extraction_status: Mapped[str] = mapped_column(String(16), default="pending")
    # Claimed by a worker until then; each claim counts, so a file that kills its
    # worker every time is parked as "failed" instead of being retried forever.
    extraction_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extraction_attempts: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[Document] = relationship(back_populates="attachments")
