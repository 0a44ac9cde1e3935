"""Read-side queries for pages that list published material."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from rcm_exchange.extensions import db
from rcm_exchange.models import Document, Tag
from rcm_exchange.services import access


def recent_documents(user, limit: int = 8) -> list[Document]:
    return list(db.session.scalars(
        select(Document)
        .where(access.visible_documents_clause(user))
        .options(selectinload(Document.tags), selectinload(Document.organization))
        .order_by(Document.published_at.desc(), Document.id.desc())
        .limit(limit)
    ))


def pillars() -> list[Tag]:
    return list(db.session.scalars(select(Tag).where(Tag.is_pillar).order_by(Tag.position)))


def taxonomy() -> list[Tag]:
    return list(db.session.scalars(select(Tag).order_by(Tag.position, Tag.slug)))
