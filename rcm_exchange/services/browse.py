"""Read-side queries for pages that list published material."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from rcm_exchange.extensions import db
from rcm_exchange.models import Country, Document, Tag, document_tags
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


def countries() -> list[Country]:
    return list(db.session.scalars(select(Country).order_by(Country.code)))


def tags_with_counts(user) -> list[tuple[Tag, int]]:
    """Every tag with the number of published documents under it that ``user`` may see."""
    visible = (
        select(document_tags.c.tag_id, func.count().label("n"))
        .join(Document, Document.id == document_tags.c.document_id)
        .where(access.visible_documents_clause(user))
        .group_by(document_tags.c.tag_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Tag, func.coalesce(visible.c.n, 0))
        .outerjoin(visible, visible.c.tag_id == Tag.id)
        .order_by(Tag.position, Tag.slug)
    )
    return [(tag, count) for tag, count in rows]
