"""The forum's own structure: its bodies and their meetings, what each document is to
the forum (its standing, the meetings it was presented at or adopted at), the calls for
practices the Secretariat opens and the documents that answer them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from rcm_exchange.models.base import Base, UTCDateTime, str_enum, utcnow
from rcm_exchange.models.documents import Document
from rcm_exchange.models.organizations import Country
from rcm_exchange.models.taxonomy import Tag


class BodyKind(enum.StrEnum):
    VICE_MINISTERIAL = "vice_ministerial"
    RCGM = "rcgm"
    LIAISON_NETWORK = "liaison_network"
    AD_HOC_GROUP = "ad_hoc_group"
    WORKSHOP = "workshop"


class Standing(enum.StrEnum):
    """What a document is to the forum: a practice shared by one of its participants,
    or a document of the RCM itself."""

    NATIONAL_PRACTICE = "national_practice"
    ORGANIZATIONAL_PRACTICE = "organizational_practice"
    DECLARATION = "declaration"
    REGIONAL_GUIDELINE = "regional_guideline"
    RECOMMENDATION = "recommendation"
    VICE_MINISTERIAL_DECISION = "vice_ministerial_decision"


class MeetingRole(enum.StrEnum):
    PRESENTED_AT = "presented_at"
    ADOPTED_AT = "adopted_at"


class RcmBody(Base):
    __tablename__ = "rcm_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind, 24))
    name_en: Mapped[str] = mapped_column(String(200))
    name_es: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=100)

    def name(self, locale: str) -> str:
        return self.name_es if locale == "es" else self.name_en


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("body_id", "number", name="uq_meetings_body_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("rcm_bodies.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    host_country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    ppt_year: Mapped[int] = mapped_column(Integer, index=True)
    theme_en: Mapped[str] = mapped_column(String(300), default="")
    theme_es: Mapped[str] = mapped_column(String(300), default="")

    body: Mapped[RcmBody] = relationship(lazy="joined")
    host_country: Mapped[Country | None] = relationship()

    @property
    def slug(self) -> str:
        """How the API and the audit trail name a meeting, e.g. ``rcgm-31``."""
        return f"{self.body.slug}-{self.number}"

    def theme(self, locale: str) -> str:
        return (self.theme_es or self.theme_en) if locale == "es" else (self.theme_en or self.theme_es)


class DocumentMeeting(Base):
    """A document presented at, or adopted at, a meeting."""

    __tablename__ = "document_meetings"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[MeetingRole] = mapped_column(str_enum(MeetingRole, 16), primary_key=True)

    meeting: Mapped[Meeting] = relationship(lazy="joined")
    # Loaded with every document in one query per batch: pages, the API, the index.
    document: Mapped[Document] = relationship(
        backref=backref("meeting_links", lazy="selectin", cascade="all, delete-orphan", passive_deletes=True)
    )


class DocumentStanding(Base):
    """A document's standing in the forum, recorded by the Secretariat."""

    __tablename__ = "document_standings"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    standing: Mapped[Standing] = mapped_column(str_enum(Standing, 32), index=True)

    document: Mapped[Document] = relationship(
        backref=backref(
            "standing_record",
            lazy="selectin",
            uselist=False,
            cascade="all, delete-orphan",
            passive_deletes=True,
        )
    )


call_tags = Table(
    "call_tags",
    Base.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Call(Base):
    """A call for practices: the Secretariat asks the forum for practices on a theme."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names the call where its id means nothing: in import and export files of another
    # installation (``services.calls.call_slug``).
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    theme_en: Mapped[str] = mapped_column(String(300))
    theme_es: Mapped[str] = mapped_column(String(300))
    criteria_en: Mapped[str] = mapped_column(Text, default="")
    criteria_es: Mapped[str] = mapped_column(Text, default="")
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date, index=True)
    ppt_year: Mapped[int] = mapped_column(Integer)
    # The organization kinds whose accounts may answer (OrganizationKind values).
    answerable_by: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tags: Mapped[list[Tag]] = relationship(secondary=call_tags, order_by=Tag.position)

    def theme(self, locale: str) -> str:
        return self.theme_es if locale == "es" else self.theme_en

    def is_open(self, on: date | None = None) -> bool:
        """Whether answers are taken on ``on`` (today by default)."""
        on = on or date.today()
        return self.opens_on <= on <= self.closes_on

    def criteria(self, locale: str) -> str:
        return self.criteria_es if locale == "es" else self.criteria_en


class CallAnswer(Base):
    """A document sent in answer to a call (a document answers at most one call)."""

    __tablename__ = "call_answers"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call] = relationship(lazy="joined")
    document: Mapped[Document] = relationship(
        backref=backref(
            "call_answer", lazy="selectin", uselist=False, cascade="all, delete-orphan", passive_deletes=True
        )
    )
