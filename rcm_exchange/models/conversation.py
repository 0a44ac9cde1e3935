"""The conversation about a document between its organization and the Secretariat, and
the text a form held when its page was left (so that nothing typed is lost)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rcm_exchange.models.accounts import User
from rcm_exchange.models.base import Base, BigId, UTCDateTime, utcnow


class DocumentComment(Base):
    """One message of a document's conversation; ``parent_id`` makes it a reply."""

    __tablename__ = "document_comments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("document_comments.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class FormDraft(Base):
    """What an account had typed in a document form, saved while typing and dropped
    when the form is saved; ``form_key`` names the form (``new`` or a document id)."""

    __tablename__ = "form_drafts"
    __table_args__ = (UniqueConstraint("user_id", "form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    form_key: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
